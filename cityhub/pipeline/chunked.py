"""A stream's rows mapped a few pages at a time while the next pages are still being pulled.

Pulling an HTTP source waits mostly on the source (its server composing the next page); the
mapping is the ingest's own work. Mapping each few thousand rows as they arrive puts that work in
the wait instead of after it. The ingest offers rows only while no page is waiting (the source is
the slower side): a source faster than its mapping (the hotline's) is mapped whole after its pull,
which spares the parts' fixed cost where there is no wait to fill. Each part is mapped exactly as
the whole batch would be (its raw rows keep their batch positions); the parts are joined when the
pull ends, and the batch id, known only then (it names the batch's watermark range), is set on them.

The columns are checked only when the pull ends; a part that fails to map (a missing column, a
reader's odd row) makes the whole batch map again after that check, the usual way, so every error
is raised where and as it would be without the parts.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pandas as pd

from connectors.file_drop import ROW_ERROR
from connectors.mapping import CanonicalBatch, map_stream, stream_frame
from connectors.spec import SourceSpec, Stream

__all__ = ["PART_ROWS", "ChunkedMapping", "well_formed"]

PART_ROWS = 5_000  # big enough that a part's fixed cost (some 20-30 ms) stays small beside its rows


def well_formed(frame: pd.DataFrame) -> pd.Series:
    """Return which raw rows a reader read whole (a file drop marks the others with ROW_ERROR)."""
    if ROW_ERROR not in frame:
        return pd.Series(True, index=frame.index)
    return frame[ROW_ERROR].isna()


class ChunkedMapping:
    """The raw frames and canonical records of a stream's rows, mapped part by part."""

    def __init__(self, spec: SourceSpec, stream: Stream, part_rows: int = PART_ROWS) -> None:
        self.spec = spec
        self.stream = stream
        self.part_rows = part_rows
        self.mapped = 0  # rows mapped so far
        self.failed = False
        self._frames: list[pd.DataFrame] = []
        self._parts: list[CanonicalBatch] = []

    def offer(self, rows: list[dict[str, Any]]) -> None:
        """Map the rows not mapped yet if there are a part's worth of them."""
        if len(rows) - self.mapped >= self.part_rows:
            self._map_rest(rows)

    def finish(self, rows: list[dict[str, Any]], batch_id: str) -> tuple[pd.DataFrame, CanonicalBatch] | None:
        """Return the batch's raw frame and canonical records (the last part mapped now), or None if
        a part failed and the batch is to be mapped whole."""
        if len(rows) > self.mapped:
            self._map_rest(rows)
        if self.failed or not self._frames:
            return None
        frame = pd.concat(self._frames, sort=False) if len(self._frames) > 1 else self._frames[0]
        return frame, _joined(self._parts, batch_id)

    def _map_rest(self, rows: list[dict[str, Any]]) -> None:
        if self.failed:
            return
        part = rows[self.mapped :]
        try:
            frame = stream_frame(part, self.stream, start=self.mapped)
            self._parts.append(map_stream(self.spec, self.stream, frame[well_formed(frame)], batch_id=""))
        except Exception:  # noqa: BLE001 - mapped again whole after the column checks, which say why
            self.failed = True
            return
        self._frames.append(frame)
        self.mapped = len(rows)


def _joined(parts: list[CanonicalBatch], batch_id: str) -> CanonicalBatch:
    """Return the parts' canonical records as one batch's, with its batch id."""
    problems: dict[int, list[str]] = defaultdict(list)
    for part in parts:
        problems.update(part.problems)  # keyed by batch position: the parts' keys do not meet
    tables = []
    for attribute in ("events", "persons", "places"):
        frames = [f for f in (getattr(p, attribute) for p in parts) if len(f)]
        # a part without a value of a moment column made it object: joined, it is a moment again
        table = pd.concat(frames, ignore_index=True).infer_objects() if frames else pd.DataFrame()
        if len(table):
            table["batch_id"] = batch_id
        tables.append(table)
    return CanonicalBatch(tables[0], tables[1], tables[2], problems)
