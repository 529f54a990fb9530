"""Apps: register and list versions, install, mint client secrets."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.convertors import Convertor, register_url_convertor

from ..auth import CanRead, CanWrite
from ..validation import validate_definition, validate_install_body
from .common import Context, JsonBody, paginate

__all__ = ["router"]


class AppNameConvertor(Convertor[str]):
    """`{name:appname}`: an app name has no dash, so `{name:appname}-{version}` splits at the first dash."""

    regex = "[^/-]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("appname", AppNameConvertor())

router = APIRouter(prefix="/v1/apps", tags=["apps"])


@router.post("/available", status_code=201)
def register_version(principal: CanWrite, body: JsonBody, context: Context) -> dict[str, Any]:
    """Register a version of an app definition."""
    definition = validate_definition(body, context.store.org_id(principal.org))
    return {"data": context.store.register(principal.org, definition)}


@router.get("/available")
def list_available(principal: CanRead, request: Request, context: Context) -> dict[str, Any]:
    """Every registered version of the org, paged."""
    return paginate(request, context.store.list_available(principal.org), context.faults.page_size)


@router.get("")
def list_installed(principal: CanRead, request: Request, context: Context) -> dict[str, Any]:
    """Installed apps of the org, paged."""
    return paginate(request, context.store.list_installed(principal.org), context.faults.page_size)


@router.post("/install", status_code=202)
def install(principal: CanWrite, body: JsonBody, response: Response, context: Context) -> dict[str, Any]:
    """Start installing a version (lazy: status is computed on every read)."""
    name, version = validate_install_body(body)
    faults = context.faults
    status, record = context.store.install(
        principal.org, name, version, install_ms=faults.install_ms, install_fail=faults.install_fail
    )
    response.status_code = status
    return {"data": record}


@router.get("/{name:appname}-{version}")
def installs_of_version(principal: CanRead, name: str, version: str, context: Context) -> dict[str, Any]:
    """Install attempts of one version, newest first."""
    return {"data": context.store.installs_of(principal.org, name, version)}


# Exactly the documented forms: the seed tutorial's curl `POST /v1/apps/available/{name}/secret/` (trailing
# slash), and the newer docs' `POST /v1/apps/available/{name}-{version}/secret` (none). The other spellings
# are 404 (the app is built with redirect_slashes=False), never more lenient than the documents.
@router.post("/available/{name:appname}/secret/")
def mint_secret(principal: CanWrite, name: str, context: Context) -> dict[str, Any]:
    """Mint a client secret (seed form); answers the latest version's record."""
    return {"data": context.store.mint_secret(principal.org, name, None)}


@router.post("/available/{name:appname}-{version}/secret")
def mint_secret_for_version(principal: CanWrite, name: str, version: str, context: Context) -> dict[str, Any]:
    """Mint a client secret (versioned form); answers that version's record."""
    return {"data": context.store.mint_secret(principal.org, name, version)}
