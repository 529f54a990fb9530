"""Every router of the other platforms, in the order the app mounts them."""

from __future__ import annotations

from fastapi import APIRouter

from . import apaleo, control, komerza, teamwork
from .consent import authorize_router
from .spec import PLATFORMS

__all__ = ["ROUTERS"]

ROUTERS: tuple[APIRouter, ...] = (
    *(authorize_router(spec) for spec in PLATFORMS.values()),
    teamwork.router,
    komerza.router,
    apaleo.router,
    control.router,
)
