"""The 12345 hotline's HTTP JSON API: bearer token, page numbers, `updated_since` increments.

    GET /api/v1/tickets?updated_since=2026-11-19T00:00:00&page=1&page_size=1000
    Authorization: Bearer <token>
    -> {"total": 1234, "page": 1, "page_size": 1000, "data": [{ticket...}, ...]}

Tickets are ordered by (updated_at, ticket_id); a deleted ticket is listed with "deleted": true.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simulators.services.faults import FaultPlan
from simulators.services.history import ChannelHistory
from simulators.services.http_common import (
    Clock,
    RenderedHistory,
    fault_response,
    json_response,
    parse_moment,
)

MAX_PAGE_SIZE = 1000


def hotline_app(history: ChannelHistory, clock: Clock, token: str, faults: FaultPlan) -> Starlette:
    """Return the hotline API serving `history` at `clock`."""
    rendered = RenderedHistory(history, dict)

    async def tickets(request: Request) -> Response:
        if request.headers.get("authorization") != f"Bearer {token}":
            return json_response({"error": "invalid or missing token"}, 401)
        fault = faults.next_request()
        replaced = await fault_response(fault, faults)
        if replaced is not None:
            return replaced
        try:
            since = parse_moment(request.query_params.get("updated_since"))
            page = int(request.query_params.get("page", "1"))
            size = min(int(request.query_params.get("page_size", "100")), MAX_PAGE_SIZE)
        except ValueError as error:
            return json_response({"error": f"bad query parameter: {error}"}, 400)
        if page < 1 or size < 1:
            return json_response({"error": "page and page_size must be positive"}, 400)
        snapshot = history.snapshot(clock.now)
        changed = snapshot.since(since)
        rows = changed.iloc[(page - 1) * size : page * size]
        bodies = rendered.page(rows, "created_at" if fault == "malformed" else None)
        if fault == "duplicate":
            bodies = bodies + bodies
        head = f'{{"total":{len(changed)},"page":{page},"page_size":{size},"data":['.encode()
        return Response(head + b",".join(bodies) + b"]}", media_type="application/json")

    return Starlette(routes=[Route("/api/v1/tickets", tickets)])
