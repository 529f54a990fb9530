"""Users and customers: enough to see what a token may do."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from .. import rules
from ..auth import Authenticated, CanReadCustomers

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["misc"])


@router.get("/users/current")
async def current_user(principal: Authenticated) -> dict[str, Any]:
    """The user behind any valid token, with the token's roles."""
    return {
        "data": {
            "type": "user",
            "id": rules.user_id_for(principal.org),
            "attributes": {
                "name": rules.USER_NAME,
                "orgName": principal.org,
                "roles": sorted(principal.roles),
            },
        }
    }


@router.get("/customers")
async def customers(principal: CanReadCustomers) -> dict[str, Any]:
    """An empty customer list, for tokens holding `org.permission.customer.read`."""
    return {"data": [], "links": {}}
