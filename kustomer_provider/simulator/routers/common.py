"""Helpers shared by the routers: JSON bodies and paging."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Depends, Request

from .. import rules
from ..context import SimContext, get_context
from ..errors import JsonApiError
from ..validation import INVALID_JSON

__all__ = ["Context", "JsonBody", "paginate"]

Context = Annotated[SimContext, Depends(get_context)]


async def read_json(request: Request) -> Any:
    """Dependency: the parsed JSON body, or `INVALID_JSON` (the handler decides what that means)."""
    raw = await request.body()
    try:
        return json.loads(raw) if raw.strip() else INVALID_JSON
    except ValueError:
        return INVALID_JSON


JsonBody = Annotated[Any, Depends(read_json)]


def _positive_int(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise JsonApiError(400, "invalid_parameter", f"{name} must be a positive integer", parameter=name)
    return value


def paginate(request: Request, items: list[dict[str, Any]], default_size: int) -> dict[str, Any]:
    """One page of `items`, with `meta` and `links` as Kustomer's "Pagination" doc page describes them.

    `meta`: `page`, `pageSize`, `total` (items in the whole list), `totalPages` (at least 1: an empty
    list is one empty page, ours). `links`: `self`, `first`, `prev` (`null` on the first page) and
    `next` (`null` on the last page) [doc, "Pagination"].
    """
    page = _positive_int(request, "page", 1)
    size = _positive_int(request, "pageSize", default_size)
    path = request.url.path
    total = len(items)
    total_pages = max(1, -(-total // size))
    start = (page - 1) * size
    links = {
        "self": rules.page_link(path, page, size),
        "first": rules.page_link(path, 1, size),
        "prev": rules.page_link(path, min(page - 1, total_pages), size) if page > 1 else None,
        "next": rules.page_link(path, page + 1, size) if page < total_pages else None,
    }
    meta = {"page": page, "pageSize": size, "total": total, "totalPages": total_pages}
    return {"data": items[start : start + size], "meta": meta, "links": links}
