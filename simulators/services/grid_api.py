"""The grid-management platform's HTTP API: nested JSON events, an opaque page cursor, API key.

    POST /openapi/v2/events/query   X-Api-Key: <key>
    {"modifiedAfter": "2026-11-19T00:00:00", "cursor": null, "limit": 1000}
    -> {"code": 0, "msg": "ok", "data": {"events": [...], "nextCursor": "...", "hasMore": true}}

An event: {eventNo, reportTime, gridCode, reporter{workerId, name}, category{typeCode, typeName, title},
description, location{address, lng, lat}, parties[{name, phone, idCard, role}],
attachments[{fileName, mimeType, sizeBytes, sha1}], status{code, updatedAt}, version, updatedAt,
deleted}. The cursor encodes the last (updatedAt, eventNo) served.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import numpy as np
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simulators.services.faults import FaultPlan
from simulators.services.history import ChannelHistory, Snapshot
from simulators.services.http_common import (
    Clock,
    RenderedHistory,
    fault_response,
    json_response,
    parse_moment,
)

MAX_LIMIT = 1000


def grid_event(row: dict[str, Any]) -> dict[str, Any]:
    """Return the platform's nested JSON for one flat channel row."""
    return {
        "eventNo": row["event_no"],
        "reportTime": row["report_time"],
        "gridCode": row["grid_code"],
        "reporter": {"workerId": row["worker_id"], "name": row["worker_name"]},
        "category": {"typeCode": row["type_code"], "typeName": row["type_name"], "title": row["title"]},
        "description": row["description"],
        "location": {"address": row["address"], "lng": row["lng"], "lat": row["lat"]},
        "parties": [
            {"name": p["name"], "phone": p["phone"], "idCard": p["id_card"], "role": p["role"]}
            for p in row["parties"] or []
        ],
        "attachments": [
            {
                "fileName": a["file_name"],
                "mimeType": a["mime_type"],
                "sizeBytes": a["size_bytes"],
                "sha1": a["sha1"],
            }
            for a in row["attachments"] or []
        ],
        "status": {"code": row["status_code"], "updatedAt": row["updated_at"]},
        "version": row["version"],
        "updatedAt": row["updated_at"],
        "deleted": row["deleted"],
    }


def encode_cursor(updated: np.datetime64, event_no: str) -> str:
    return base64.urlsafe_b64encode(orjson.dumps([str(updated), event_no])).decode()


def _start(snapshot: Snapshot, since: dt.datetime | None, cursor: str | None) -> int:
    """Return the position of the first event after the cursor (or after `since`)."""
    if cursor:
        updated, event_no = orjson.loads(base64.urlsafe_b64decode(cursor))
        moment = np.datetime64(updated, "s")
        left = int(np.searchsorted(snapshot.updated, moment, side="left"))
        right = int(np.searchsorted(snapshot.updated, moment, side="right"))
        return left + int(np.searchsorted(snapshot.ids[left:right], event_no, side="right"))
    if since is None:
        return 0
    return int(np.searchsorted(snapshot.updated, np.datetime64(since, "s"), side="right"))


def _cursor_before(snapshot: Snapshot, start: int, since: dt.datetime | None) -> str:
    if start > 0:
        return encode_cursor(snapshot.updated[start - 1], snapshot.ids[start - 1])
    return encode_cursor(np.datetime64(since or dt.datetime(1970, 1, 1), "s"), "")


def grid_app(history: ChannelHistory, clock: Clock, api_key: str, faults: FaultPlan) -> Starlette:
    """Return the grid platform API serving `history` at `clock`."""
    rendered = RenderedHistory(history, grid_event)

    async def query(request: Request) -> Response:
        if request.headers.get("x-api-key") != api_key:
            return json_response({"code": 401, "msg": "invalid api key"}, 401)
        fault = faults.next_request()
        replaced = await fault_response(fault, faults)
        if replaced is not None:
            return replaced
        try:
            body = orjson.loads(await request.body() or b"{}")
            since = parse_moment(body.get("modifiedAfter"))
            limit = min(int(body.get("limit", 100)), MAX_LIMIT)
            snapshot = history.snapshot(clock.now)
            start = _start(snapshot, since, body.get("cursor"))
        except (ValueError, TypeError, orjson.JSONDecodeError) as error:
            return json_response({"code": 400, "msg": f"bad request: {error}"}, 400)
        rows = snapshot.frame.iloc[start : start + limit]
        end = start + len(rows)
        has_more = end < len(snapshot.frame)
        cursor = encode_cursor(snapshot.updated[end - 1], snapshot.ids[end - 1]) if len(rows) else None
        if fault == "duplicate":  # the platform hands back a cursor to this page: it comes again
            cursor = _cursor_before(snapshot, start, since)
            has_more = True
        bodies = rendered.page(rows, "reportTime" if fault == "malformed" else None)
        head = b'{"code":0,"msg":"ok","data":{"events":['
        tail = orjson.dumps({"nextCursor": cursor, "hasMore": has_more})[1:]
        return Response(head + b",".join(bodies) + b"]," + tail + b"}", media_type="application/json")

    return Starlette(routes=[Route("/openapi/v2/events/query", query, methods=["POST"])])
