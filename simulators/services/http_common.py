"""What both HTTP department systems share: the clock, auth, JSON rendering and HTTP faults."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from typing import Any

import numpy as np
import orjson
import pandas as pd
from starlette.responses import Response

from simulators.services.faults import FaultPlan, HttpFault
from simulators.services.history import ChannelHistory, Snapshot


class Clock:
    """The simulated time a system answers at; tests and the runner move it."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now


def json_response(document: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(document), status_code=status, media_type="application/json",
                    headers=headers)


def parse_moment(text: str | None) -> dt.datetime | None:
    """Return a datetime from an ISO string ('' or None -> None); ValueError when unreadable."""
    if not text:
        return None
    return dt.datetime.fromisoformat(text.replace("Z", "")).replace(tzinfo=None)


def plain(value: Any) -> Any:
    """Return a JSON-friendly copy of a value read from Arrow (numpy arrays, timestamps)."""
    if isinstance(value, np.ndarray):
        return [plain(v) for v in value.tolist()]
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, np.generic):
        return value.item()
    return value


class RenderedHistory:
    """A channel history whose versions are rendered to JSON bytes once, on first use."""

    def __init__(self, history: ChannelHistory, render: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        self.history = history
        self.render = render
        self._cache: dict[tuple[str, int], bytes] = {}

    def page(self, snapshot: Snapshot, rows: pd.DataFrame, drop_field: str | None = None) -> list[bytes]:
        """Return the JSON bytes of each row; `drop_field` removes a field from the first row
        (the malformed fault: one broken record among good ones)."""
        out = []
        for position, record in enumerate(rows.to_dict("records")):
            key = (str(record[self.history.id_column]), int(record["version"]))
            body = self._cache.get(key)
            if body is None:
                body = orjson.dumps(self.render({k: plain(v) for k, v in record.items()
                                                 if not k.startswith("_")}))
                self._cache[key] = body
            if drop_field and position == 0:
                document = orjson.loads(body)
                document.pop(drop_field, None)
                body = orjson.dumps(document)
            out.append(body)
        return out


async def fault_response(fault: HttpFault | None, plan: FaultPlan) -> Response | None:
    """Return the response a fault replaces the answer with (None: answer normally)."""
    if fault == "503":
        return json_response({"error": "service unavailable"}, 503)
    if fault == "429":
        return json_response({"error": "too many requests"}, 429,
                             {"Retry-After": f"{plan.retry_after_seconds:g}"})
    if fault == "timeout":
        await asyncio.sleep(plan.stall_seconds)
    return None
