"""What both HTTP department systems share: the clock, auth, JSON rendering and HTTP faults."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from typing import Any

import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from starlette.responses import Response

from simulators.services.faults import FaultPlan, HttpFault
from simulators.services.history import ROW, ChannelHistory

_RENDER_BATCH = 10_000  # rows turned into dicts at a time when rendering a history


class Clock:
    """The simulated time a system answers at; tests and the runner move it."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now


def json_response(document: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        orjson.dumps(document), status_code=status, media_type="application/json", headers=headers
    )


def parse_moment(text: str | None) -> dt.datetime | None:
    """Return a datetime from an ISO string ('' or None -> None); ValueError when unreadable."""
    if not text:
        return None
    return dt.datetime.fromisoformat(text.replace("Z", "")).replace(tzinfo=None)


class RenderedHistory:
    """A channel history with every version rendered to JSON bytes once, up front, so serving
    a page is slicing and joining bytes."""

    def __init__(self, history: ChannelHistory, render: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        self.history = history
        payload = history.frame[[c for c in history.frame.columns if not c.startswith("_")]]
        table = pa.Table.from_pandas(payload, preserve_index=False)
        for position, field in enumerate(table.schema):
            if pa.types.is_timestamp(field.type):
                stamps = pc.strftime(table.column(position), format="%Y-%m-%d %H:%M:%S")
                table = table.set_column(position, field.name, stamps)
        # A batch at a time, so a big channel never has all its rows as dicts at once; each body is
        # copied because orjson's bytes keep their whole write buffer (about 4 KB for a 0.5 KB row).
        self.bodies = [
            bytes(memoryview(orjson.dumps(render(row))))
            for batch in table.to_batches(max_chunksize=_RENDER_BATCH)
            for row in batch.to_pylist()
        ]

    def page(self, rows: pd.DataFrame, drop_field: str | None = None) -> list[bytes]:
        """Return the JSON bytes of each row; `drop_field` removes a field from the first row
        (the malformed fault: one broken record among good ones)."""
        out = [self.bodies[position] for position in rows[ROW].tolist()]
        if drop_field and out:
            document = orjson.loads(out[0])
            document.pop(drop_field, None)
            out[0] = orjson.dumps(document)
        return out


async def fault_response(fault: HttpFault | None, plan: FaultPlan) -> Response | None:
    """Return the response a fault replaces the answer with (None: answer normally)."""
    if fault == "503":
        return json_response({"error": "service unavailable"}, 503)
    if fault == "429":
        return json_response(
            {"error": "too many requests"}, 429, {"Retry-After": f"{plan.retry_after_seconds:g}"}
        )
    if fault == "timeout":
        await asyncio.sleep(plan.stall_seconds)
    return None
