"""The grid-management platform's HTTP API: nested JSON events, an opaque cursor, an API key.

    POST /openapi/v2/events/query        X-Api-Key: <key>
    {"modifiedAfter": "2026-11-19T00:00:00", "cursor": null, "limit": 1000}
    -> 200 {"code": 0, "msg": "ok",
            "data": {"events": [event, ...], "nextCursor": "eyJ...", "hasMore": true}}
    -> 401 {"code": 401, "msg": ...} without the right key; 400 {"code": 400, ...} on a bad body;
       503 / 429 (Retry-After) when a fault plan says so.

An event: {eventNo, reportTime, gridCode, reporter{workerId, name}, category{typeCode, title},
description, location{address, lng, lat}, parties[{name, phone, idCard, role}],
attachments[{fileName, mimeType, sizeBytes, sha1}], status{code, updatedAt}, version, updatedAt,
deleted}. Events are ordered by (updatedAt, eventNo); `modifiedAfter` keeps those updated after
it; `limit` is capped at 1000. The cursor encodes the last (updatedAt, eventNo) served and the
number of the next page; when a cursor is given, `modifiedAfter` is not needed.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simulators.systems.faults import FaultPlan
from simulators.systems.history import ChannelHistory, Snapshot
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

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
MALFORMED_FIELD = "reportTime"


def grid_event(row: dict[str, Any]) -> dict[str, Any]:
    """Return the platform's nested JSON event for one flat channel row."""
    return {
        "eventNo": row["event_no"],
        "reportTime": row["report_time"],
        "gridCode": row["grid_code"],
        "reporter": {"workerId": row["worker_id"], "name": row["worker_name"]},
        "category": {"typeCode": row["type_code"], "title": row["title"]},
        "description": row["description"],
        "location": {"address": row["address"], "lng": row["lng"], "lat": row["lat"]},
        "parties": [{"name": p["name"], "phone": p["phone"], "idCard": p["id_card"], "role": p["role"]}
                    for p in row["parties"] or []],
        "attachments": [{"fileName": a["file_name"], "mimeType": a["mime_type"],
                         "sizeBytes": a["size_bytes"], "sha1": a["sha1"]} for a in row["attachments"] or []],
        "status": {"code": row["status_code"], "updatedAt": row["updated_at"]},
        "version": row["version"],
        "updatedAt": row["updated_at"],
        "deleted": row["deleted"],
    }


def encode_cursor(updated: int, event_no: str, page: int) -> str:
    """Return the opaque cursor for 'after (updated, event_no)', leading to page `page`."""
    return base64.urlsafe_b64encode(orjson.dumps([updated, event_no, page])).decode()


def decode_cursor(cursor: str) -> tuple[int, str, int]:
    """Return (updated seconds, event_no, page) of a cursor; ValueError when it is not ours."""
    try:
        updated, event_no, page = orjson.loads(base64.urlsafe_b64decode(cursor.encode()))
        return int(updated), str(event_no), int(page)
    except (binascii.Error, orjson.JSONDecodeError, TypeError, ValueError) as error:
        raise ValueError(f"unreadable cursor {cursor[:40]!r}") from error


def _error(status: int, message: str) -> Response:
    return json_response({"code": status, "msg": message}, status)


class GridQuery:
    """One parsed query: where its page starts in a snapshot, and which page of the walk it is."""

    def __init__(self, body: dict[str, Any]) -> None:
        if not isinstance(body, dict):
            raise ValueError("the body must be a JSON object")
        self.since = parse_moment(body.get("modifiedAfter"))
        self.cursor = decode_cursor(body["cursor"]) if body.get("cursor") else None
        self.limit = min(int(body.get("limit") or DEFAULT_LIMIT), MAX_LIMIT)
        if self.limit < 1:
            raise ValueError("limit must be positive")
        self.page = self.cursor[2] if self.cursor else 1

    def start(self, history: ChannelHistory, snapshot: Snapshot) -> int:
        """Return the position of the first event this query asks for."""
        if self.cursor is None:
            return snapshot.start_after(self.since)
        key, known = history.key_of(self.cursor[0], self.cursor[1])
        return int(snapshot.keys.searchsorted(key, side="right" if known else "left"))


def _cursor_before(history: ChannelHistory, snapshot: Snapshot, position: int, page: int) -> str:
    """Return a cursor that leads to the event at `position` (as page `page`)."""
    if position == 0:
        return encode_cursor(-1, "", page)
    event_no = str(history.record_ids[history.codes[snapshot.rows[position - 1]]])
    return encode_cursor(int(snapshot.updated[position - 1]), event_no, page)


def grid_app(history: ChannelHistory, clock: SimClock, api_key: str,
             faults: FaultPlan | None = None) -> Starlette:
    """Return the grid platform API serving `history` at `clock`."""
    plan = faults or FaultPlan()
    rendered = RenderedVersions(history, grid_event)

    async def query(request: Request) -> Response:
        if request.headers.get("x-api-key") != api_key:
            return _error(401, "invalid or missing api key")
        try:
            asked = GridQuery(orjson.loads(await request.body() or b"{}"))
        except (ValueError, TypeError, orjson.JSONDecodeError) as error:
            return _error(400, f"bad request: {error}")
        fault = plan.http_fault("grid", asked.page) if plan.active else None
        refused = await refuse_or_stall(fault, plan, _error)
        if refused is not None:
            return refused
        snapshot = history.snapshot(clock.as_of)
        start = asked.start(history, snapshot)
        end = min(start + asked.limit, len(snapshot))
        has_more = end < len(snapshot)
        cursor = _cursor_before(history, snapshot, end, asked.page + 1) if end > start else None
        if fault is not None and fault.kind == "duplicate":  # the next cursor leads to this page again
            cursor, has_more = _cursor_before(history, snapshot, start, asked.page + 1), True
        bodies = break_first(rendered.page(snapshot.rows[start:end]), fault, MALFORMED_FIELD)
        tail = orjson.dumps({"nextCursor": cursor, "hasMore": has_more})[1:]
        return raw_json(b'{"code":0,"msg":"ok","data":{"events":' + json_array(bodies) + b"," + tail + b"}")

    async def health(request: Request) -> Response:
        return json_response({"status": "ok", "as_of": clock.as_of.isoformat()})

    return Starlette(routes=[Route("/openapi/v2/events/query", query, methods=["POST"]),
                             Route("/health", health)])

