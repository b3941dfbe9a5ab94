"""The 12345 hotline's HTTP JSON API: bearer token, page numbers, `updated_since` increments.

    GET /api/v1/tickets?updated_since=2026-11-19T00:00:00&page=1&page_size=1000
    Authorization: Bearer <token>
    -> 200 {"total": 1234, "page": 1, "page_size": 1000,
            "data": [{"ticket_id": ..., <payload fields>, "version": 2,
                      "updated_at": "2026-11-19 08:01:02", "deleted": false}, ...]}
    -> 401 {"error": "..."} without the right token; 400 on a bad parameter;
       503 / 429 (Retry-After) when a fault plan says so.

Tickets are those whose shown version has updated_at > updated_since, ordered by
(updated_at, ticket_id); a deleted ticket is listed with "deleted": true. page_size is capped
at 1000. GET /health answers {"status": "ok", "as_of": ...} without auth.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simulators.systems.faults import FaultPlan, HttpFault
from simulators.systems.history import ChannelHistory
from simulators.systems.web import (
    RenderedVersions,
    SimClock,
    break_first,
    json_array,
    json_response,
    parse_moment,
    raw_json,
    refuse_or_stall,
)

MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100
MALFORMED_FIELD = "created_at"


def _error(status: int, message: str) -> Response:
    return json_response({"error": message}, status)


def _paging(request: Request) -> tuple[dt.datetime | None, int, int]:
    """Return (updated_since, page, page_size) from the query; ValueError on a bad value."""
    params = request.query_params
    since = parse_moment(params.get("updated_since"))
    page = int(params.get("page", "1"))
    size = min(int(params.get("page_size", str(DEFAULT_PAGE_SIZE))), MAX_PAGE_SIZE)
    if page < 1 or size < 1:
        raise ValueError("page and page_size must be positive")
    return since, page, size


class DuplicatePages:
    """Which pages of a walk were served twice, so later page numbers shift back by one each.

    A walk is identified by (clock, updated_since, page_size): page numbers mean the same rows
    only within one walk. Offset paging that repeats a page behaves this way in real systems.
    """

    def __init__(self) -> None:
        self._walks: dict[tuple[Any, ...], list[int]] = {}

    def served_page(self, walk: tuple[Any, ...], page: int, fault: HttpFault | None) -> int:
        """Return the page whose rows answer a request for `page`, noting a duplicate fault."""
        repeated = self._walks.get(walk, [])
        served = page - sum(1 for p in repeated if p < page)
        if fault is not None and fault.kind == "duplicate":
            self._walks.setdefault(walk, []).append(page)
        return served


def hotline_app(history: ChannelHistory, clock: SimClock, token: str,
                faults: FaultPlan | None = None) -> Starlette:
    """Return the hotline API serving `history` at `clock`."""
    plan = faults or FaultPlan()
    rendered = RenderedVersions(history, dict)
    duplicates = DuplicatePages()
    expected_auth = f"Bearer {token}"

    async def tickets(request: Request) -> Response:
        if request.headers.get("authorization") != expected_auth:
            return _error(401, "invalid or missing bearer token")
        try:
            since, page, size = _paging(request)
        except ValueError as error:
            return _error(400, f"bad query parameter: {error}")
        fault = plan.http_fault("hotline", page) if plan.active else None
        refused = await refuse_or_stall(fault, plan, _error)
        if refused is not None:
            return refused
        as_of = clock.as_of
        snapshot = history.snapshot(as_of)
        start = snapshot.start_after(since)
        served = duplicates.served_page((as_of, since, size), page, fault)
        first = start + (served - 1) * size
        bodies = break_first(rendered.page(snapshot.rows[first:first + size]), fault, MALFORMED_FIELD)
        head = b'{"total":%d,"page":%d,"page_size":%d,"data":' % (len(snapshot) - start, page, size)
        return raw_json(head + json_array(bodies) + b"}")

    async def health(request: Request) -> Response:
        return json_response({"status": "ok", "as_of": clock.as_of.isoformat()})

    return Starlette(routes=[Route("/api/v1/tickets", tickets), Route("/health", health)])
