"""Where the helper's inputs come from: flags, then the stack's ``apps`` output, then the environment.

The stack's outputs are read from ``pulumi stack output --json --show-secrets`` (where the CLI exists), or
from a file holding that JSON (``--outputs-file``), which is how tests and CI without the CLI feed it.
The endpoint rules are the provider's own (:mod:`kustomer_provider.connection`).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from ..connection import OAuthEndpoints, default_base_url, oauth_endpoints, resolve_endpoint
from ..errors import KustomerConfigError
from ..outbound import check_url
from ..redaction import register_secret
from . import assumptions
from .errors import OAuthInputError

__all__ = [
    "DEFAULT_LOOPBACK_REDIRECT_URI",
    "DEFAULT_SCOPES",
    "ENVIRONMENT",
    "Inputs",
    "StackApp",
    "load_stack_outputs",
    "parse_scopes",
    "resolve_inputs",
    "select_app",
]

#: Environment variables read when neither a flag nor the stack gives the value.
ENVIRONMENT: Final = {
    "org": "KUSTOMER_ORG_NAME",
    "base_url": "KUSTOMER_BASE_URL",
    "client_id": "KUSTOMER_CLIENT_ID",
    "client_secret": "KUSTOMER_CLIENT_SECRET",
    "redirect_uri": "KUSTOMER_REDIRECT_URI",
    "scopes": "KUSTOMER_SCOPES",
    "token_file": "KUSTOMER_OAUTH_TOKEN_FILE",
}
#: The dev stack registers this loopback URI (stacks/Pulumi.dev.yaml).
DEFAULT_LOOPBACK_REDIRECT_URI: Final = "http://127.0.0.1:8765/callback"
#: Without scopes from anywhere: just a refresh token.
DEFAULT_SCOPES: Final = ("offline_access",)
_LEGACY_OAUTH_HOST: Final = "api.apps.kustomerapp.com"
_PULUMI_TIMEOUT_S: Final = 120.0
_SECRET_PLACEHOLDER: Final = "[secret]"  # noqa: S105 (what the CLI shows instead of a secret)
_SCOPE_SEPARATORS: Final = re.compile(r"[\s,+]+")
_STACK_URL_FIX: Final = (
    "The stack's endpoints must be https (plain http only for a simulator on a loopback host): fix the stack's "
    "kustomer:baseUrl (or the client's endpoint_base_url) and run `pulumi up`, or pass --org / --base-url instead."
)

OutputsLoader = Callable[[str | None, str | None], Any]


def parse_scopes(text: str | Sequence[str] | None) -> tuple[str, ...]:
    """Scopes from ``"a b"``, ``"a,b"``, ``"a+b"`` or a list; order kept, duplicates dropped."""
    if text is None:
        return ()
    items = [text] if isinstance(text, str) else list(text)
    scopes: list[str] = []
    for item in items:
        for scope in _SCOPE_SEPARATORS.split(str(item)):
            if scope and scope not in scopes:
                scopes.append(scope)
    return tuple(scopes)


@dataclass(frozen=True)
class StackApp:
    """One entry of the stack's ``apps`` output."""

    key: str
    app_name: str | None
    org_name: str | None
    client_id: str | None
    client_secret: str | None = field(repr=False)
    redirect_uris: tuple[str, ...]
    scopes: tuple[str, ...]
    authorize_url: str | None
    token_url: str | None
    #: ``kustomer`` for an entry of ``apps``; an entry of ``registeredClients`` names its platform.
    platform: str = "kustomer"

    def where(self, field_name: str) -> str:
        """Where a field of this entry came from, for messages: ``the stack outputs' apps.<key>.tokenUrl``."""
        section = "apps" if self.platform == "kustomer" else "registeredClients"
        return f"the stack outputs' {section}.{self.key}.{field_name}"


def load_stack_outputs(outputs_file: str | None, stack: str | None) -> Any:
    """The stack outputs as JSON: from ``outputs_file`` (``-`` is stdin), else from the Pulumi CLI."""
    if outputs_file is not None:
        try:
            text = Path("/dev/stdin").read_text() if outputs_file == "-" else Path(outputs_file).read_text()
        except OSError as exc:
            raise OAuthInputError(f"Cannot read --outputs-file {outputs_file}: {exc.strerror or exc}") from None
        source = f"--outputs-file {outputs_file}"
    else:
        pulumi = shutil.which("pulumi")
        if pulumi is None:
            raise OAuthInputError(
                "--from-stack needs the Pulumi CLI on PATH to run `pulumi stack output --json --show-secrets`. "
                "Without it, save that JSON elsewhere and pass it with --outputs-file FILE."
            )
        command = [pulumi, "stack", "output", "--json", "--show-secrets", "--non-interactive"]
        if stack:
            command += ["--stack", stack]
        try:
            completed = subprocess.run(command, capture_output=True, text=True, timeout=_PULUMI_TIMEOUT_S, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise OAuthInputError(f"`pulumi stack output` did not run: {exc}") from None
        if completed.returncode != 0:
            raise OAuthInputError(
                f"`pulumi stack output --json --show-secrets` failed ({completed.returncode}): "
                f"{completed.stderr.strip()[-500:]}. Select the stack (--stack NAME) and run it in the project."
            )
        text, source = completed.stdout, "`pulumi stack output`"
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise OAuthInputError(f"{source} is not JSON ({exc.msg} at line {exc.lineno})") from None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _entries(outputs: Any, key: str) -> dict[str, Any]:
    """The map ``outputs[key]`` (``apps`` or ``registeredClients``), empty when absent."""
    entries = outputs.get(key) if isinstance(outputs, dict) else None
    if entries == _SECRET_PLACEHOLDER:
        raise OAuthInputError(f"The stack output `{key}` is shown as [secret]: produce the JSON with --show-secrets.")
    return entries if isinstance(entries, dict) else {}


def select_app(outputs: Any, app: str | None) -> StackApp:
    """The named client of the ``apps`` or ``registeredClients`` output, or the only one when ``app`` is empty.

    An ``apps`` entry is a Kustomer app; a ``registeredClients`` entry names its ``platform`` (Teamwork.com,
    Komerza, apaleo) and has the same fields: ``clientId``, ``clientSecret``, ``authorizeUrl``, ``tokenUrl``,
    ``redirectUris``, ``scopes``.
    """
    apps = _entries(outputs, "apps")
    registered = _entries(outputs, "registeredClients")
    if not apps and not registered:
        raise OAuthInputError(
            "The stack outputs have no `apps` map (nor `registeredClients`) (expected `pulumi stack output --json "
            "--show-secrets` of this project's stack, after `pulumi up`)."
        )
    every = {**registered, **apps}
    if not app:
        if len(every) != 1:
            raise OAuthInputError(
                f"The stack has several apps ({', '.join(sorted(every))}): name one, --from-stack APP"
            )
        app = next(iter(every))
    if app in apps and app in registered:
        raise OAuthInputError(f"{app!r} names both an app and a registered client in the stack outputs")
    entry = every.get(app)
    if not isinstance(entry, dict):
        raise OAuthInputError(f"The stack has no app {app!r}; it has: {', '.join(sorted(every))}")
    secret = _str(entry.get("clientSecret"))
    if secret == _SECRET_PLACEHOLDER:
        raise OAuthInputError("The stack output's clientSecret is shown as [secret]: produce it with --show-secrets.")
    register_secret(secret)
    uris = entry.get("redirectUris") or []
    platform = "kustomer" if app in apps else _str(entry.get("platform"))
    if platform is None:
        raise OAuthInputError(f"The registered client {app!r} of the stack outputs names no platform")
    return StackApp(
        key=app,
        app_name=_str(entry.get("appName")),
        org_name=_str(entry.get("orgName")),
        client_id=_str(entry.get("clientId")),
        client_secret=secret,
        redirect_uris=tuple(u for u in uris if isinstance(u, str)),
        scopes=parse_scopes(entry.get("scopes") or []),
        authorize_url=_str(entry.get("authorizeUrl")),
        token_url=_str(entry.get("tokenUrl")),
        platform=platform,
    )


@dataclass(frozen=True)
class Inputs:
    """Everything resolved; each command asks for what it needs with ``require_*``."""

    client_id: str | None
    client_secret: str | None = field(repr=False)
    endpoints: OAuthEndpoints | None
    api_base_url: str | None
    org_name: str | None
    redirect_uris: tuple[str, ...]
    redirect_uri_given: bool
    scopes: tuple[str, ...]
    token_file: Path | None
    stack_app: StackApp | None
    endpoint_problem: str | None = None

    def require_client_id(self) -> str:
        if not self.client_id:
            raise OAuthInputError(
                "No client id: pass --client-id, set KUSTOMER_CLIENT_ID, or read it from the stack (--from-stack)."
            )
        return self.client_id

    def require_client_secret(self) -> str:
        if not self.client_secret:
            raise OAuthInputError(
                "No client secret: set KUSTOMER_CLIENT_SECRET (or --client-secret), or read it from the stack "
                "(--from-stack)."
            )
        return self.client_secret

    def require_endpoints(self) -> tuple[OAuthEndpoints, str]:
        """``(OAuth endpoints, API base URL)``."""
        if self.endpoints is None or self.api_base_url is None:
            raise OAuthInputError(self.endpoint_problem or "No Kustomer endpoint.")
        return self.endpoints, self.api_base_url


def _api_base_from_token_url(token_url: str, org_name: str | None) -> str:
    """The API host: the token URL's own, except on the legacy OAuth host."""
    parts = urlsplit(token_url)
    if parts.hostname == _LEGACY_OAUTH_HOST:
        return default_base_url(org_name) if org_name else assumptions.LEGACY_API_BASE_URL
    return f"{parts.scheme}://{parts.netloc}"


def _flag_source(message: str) -> str:
    """The provider's messages name config keys; here the same values are flags."""
    return message.replace("config kustomer:baseUrl", "--base-url").replace("config kustomer:orgName", "--org")


def _endpoints(
    *, org: str | None, base_url: str | None, legacy: bool, stack_app: StackApp | None, environ: Mapping[str, str]
) -> tuple[OAuthEndpoints | None, str | None, str | None, str | None]:
    """``(endpoints, api base URL, org name, problem)``: flags, then the stack's URLs, then the environment."""
    if stack_app and not (org or base_url or legacy) and stack_app.authorize_url and stack_app.token_url:
        # The client secret goes to the token URL and the browser to the authorize URL: the outbound rules
        # (https, or http to a loopback simulator; no user info) hold for them before anything is sent.
        for field_name, url in (("authorizeUrl", stack_app.authorize_url), ("tokenUrl", stack_app.token_url)):
            check_url(url, source=stack_app.where(field_name), fix=_STACK_URL_FIX)
        endpoints = OAuthEndpoints(stack_app.authorize_url, stack_app.token_url)
        return endpoints, _api_base_from_token_url(stack_app.token_url, stack_app.org_name), stack_app.org_name, None
    config = {"kustomer:orgName": org or (stack_app.org_name if stack_app else None), "kustomer:baseUrl": base_url}
    try:
        org_name, api_base = resolve_endpoint(config, environ)
    except KustomerConfigError as exc:
        if "No Kustomer endpoint" not in str(exc):
            return None, None, None, _flag_source(str(exc))
        if legacy:  # the seed tutorial's hosts need neither
            endpoints = oauth_endpoints(None, None, legacy=True)
            return endpoints, assumptions.LEGACY_API_BASE_URL, None, None
        problem = (
            "No Kustomer endpoint: pass --org NAME (the <org> of https://<org>.kustomerapp.com) or --base-url URL "
            "(a local simulator such as http://127.0.0.1:8787), set KUSTOMER_ORG_NAME or KUSTOMER_BASE_URL, or read "
            "them from the stack (--from-stack)."
        )
        return None, None, None, problem
    return oauth_endpoints(org_name, api_base, legacy=legacy), api_base, org_name, None


def resolve_inputs(
    *,
    org: str | None = None,
    base_url: str | None = None,
    legacy_hosts: bool = False,
    client_id: str | None = None,
    client_secret: str | None = None,
    redirect_uri: str | None = None,
    scopes: str | None = None,
    token_file: str | None = None,
    from_stack: str | None = None,
    outputs_file: str | None = None,
    stack: str | None = None,
    environ: Mapping[str, str],
    load_outputs: OutputsLoader = load_stack_outputs,
) -> Inputs:
    """Resolve the inputs: each flag, else the stack (``from_stack`` or ``outputs_file`` given), else ``environ``.

    ``from_stack`` is the app's key in ``apps`` (``""``: the only app); ``outputs_file`` implies it.
    """
    stack_app = None
    if from_stack is not None or outputs_file is not None:
        stack_app = select_app(load_outputs(outputs_file, stack), from_stack or None)

    def pick(flag: str | None, from_app: str | None, key: str) -> str | None:
        return flag or from_app or environ.get(ENVIRONMENT[key]) or None

    endpoints, api_base, org_name, problem = _endpoints(
        org=org, base_url=base_url, legacy=legacy_hosts, stack_app=stack_app, environ=environ
    )
    secret = pick(client_secret, stack_app.client_secret if stack_app else None, "client_secret")
    register_secret(secret)

    explicit_uri = redirect_uri or (None if stack_app else environ.get(ENVIRONMENT["redirect_uri"]))
    if explicit_uri:
        uris: tuple[str, ...] = (explicit_uri,)
    elif stack_app:
        uris = stack_app.redirect_uris
    else:
        uris = (environ.get(ENVIRONMENT["redirect_uri"]) or DEFAULT_LOOPBACK_REDIRECT_URI,)

    resolved_scopes = (
        parse_scopes(scopes)
        or (stack_app.scopes if stack_app else ())
        or parse_scopes(environ.get(ENVIRONMENT["scopes"]))
        or DEFAULT_SCOPES
    )
    token_path = token_file or environ.get(ENVIRONMENT["token_file"])
    return Inputs(
        client_id=pick(client_id, stack_app.client_id if stack_app else None, "client_id"),
        client_secret=secret,
        endpoints=endpoints,
        api_base_url=api_base,
        org_name=org_name,
        redirect_uris=uris,
        redirect_uri_given=bool(explicit_uri),
        scopes=resolved_scopes,
        token_file=Path(token_path).expanduser() if token_path else None,
        stack_app=stack_app,
        endpoint_problem=problem,
    )
