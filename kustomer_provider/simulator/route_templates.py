"""The route template a request matched (`GET /v1/apps/{name}`), how the stats and the request log name it."""

from __future__ import annotations

from starlette.routing import BaseRoute, Match
from starlette.types import Scope

__all__ = ["UNMATCHED", "route_template"]

UNMATCHED = "<unmatched>"


def route_template(routes: list[BaseRoute], scope: Scope) -> str:
    """`<route path template>` of a request (the route path, convertors dropped) or `<unmatched>`."""
    partial: str | None = None
    for route in routes:
        match, _ = route.matches(scope)
        template = getattr(route, "path_format", None)
        if template is None or match == Match.NONE:
            continue
        if match == Match.FULL:
            return str(template)
        partial = partial or str(template)  # path matched, method did not (a 405)
    return partial or UNMATCHED
