"""What the two HTTP department systems share: the clock, pre-rendered JSON, faults, responses."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
from starlette.responses import Response

from simulators.systems.faults import FaultPlan, HttpFault
from simulators.systems.history import ChannelHistory

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


@dataclass
class SimClock:
    """The simulated time every department system answers at; the runner moves it."""

    as_of: dt.datetime


def json_response(document: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """Return a JSON response serialised with orjson."""
    return Response(orjson.dumps(document), status_code=status, media_type="application/json",
                    headers=headers)


def raw_json(body: bytes) -> Response:
    """Return a 200 response around JSON bytes assembled by hand."""
    return Response(body, media_type="application/json")


def parse_moment(text: Any) -> dt.datetime | None:
    """Return the datetime of an ISO string ('' or None -> None); ValueError when unreadable.

    >>> parse_moment("2026-11-19T08:00:00Z")
    datetime.datetime(2026, 11, 19, 8, 0)
    """
    if text is None or text == "":
        return None
    if not isinstance(text, str):
        raise ValueError(f"expected an ISO date-time string, got {text!r}")
    return dt.datetime.fromisoformat(text.strip().replace("Z", "")).replace(tzinfo=None)


def flat_records(history: ChannelHistory) -> list[dict[str, Any]]:
    """Return every version as a dict with updated_at as 'YYYY-MM-DD HH:MM:SS' text."""
    table = history.table
    stamps = pc.strftime(table.column("updated_at").cast(pa.timestamp("s")), format=TIME_FORMAT)
    table = table.set_column(table.schema.get_field_index("updated_at"), "updated_at", stamps)
    records: list[dict[str, Any]] = table.to_pylist()
    return records


class RenderedVersions:
    """Every version's JSON bytes, rendered once; a page is a slice joined with commas."""

    def __init__(self, history: ChannelHistory, render: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        self.history = history
        records = flat_records(history)
        self.bodies = np.empty(len(records), dtype=object)
        self.bodies[:] = [orjson.dumps(render(record)) for record in records]

    def page(self, rows: np.ndarray) -> list[bytes]:
        """Return the JSON bytes of the given version positions."""
        return list(self.bodies[rows]) if len(rows) else []

    @staticmethod
    def without(body: bytes, field: str) -> bytes:
        """Return a record's JSON with one top-level field removed (the malformed-record fault)."""
        document = orjson.loads(body)
        document.pop(field, None)
        return orjson.dumps(document)


def json_array(bodies: list[bytes]) -> bytes:
    """Return a JSON array of pre-rendered JSON values."""
    return b"[" + b",".join(bodies) + b"]"


async def refuse_or_stall(fault: HttpFault | None, plan: FaultPlan, error: Callable[[int, str], Response]
                          ) -> Response | None:
    """Return the response a fault answers instead (503, 429), after stalling if it is a timeout."""
    if fault is None:
        return None
    if fault.kind == "503":
        return error(503, "service unavailable")
    if fault.kind == "429":
        response = error(429, "too many requests")
        response.headers["Retry-After"] = f"{plan.retry_after_seconds:g}"
        return response
    if fault.kind == "timeout":
        # the answer comes, but later than any sensible client timeout
        await asyncio.sleep(plan.stall_seconds)
    return None


def break_first(bodies: list[bytes], fault: HttpFault | None, default_field: str) -> list[bytes]:
    """Return the page with its first record missing a field when the fault is `malformed`."""
    if fault is None or fault.kind != "malformed" or not bodies:
        return bodies
    return [RenderedVersions.without(bodies[0], fault.missing_field or default_field), *bodies[1:]]
