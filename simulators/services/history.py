"""A department's records as its system shows them at a simulated clock.

A channel table holds every version of every record. At clock T a system shows, for each record,
its last version visible by T. A version is visible from its `updated_at`, unless the late-update
fault delays it: then it shows up later while keeping its old `updated_at`, the way a slow
replication or a back-dated correction reaches a real system.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

ROW = "_row"  # a version's position in the history, kept through snapshots
_SNAPSHOTS_KEPT = 4  # clocks a history keeps its snapshot for (the systems ask at one or two)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The records visible at one clock, ordered by (updated_at, record id) for stable paging."""

    frame: pd.DataFrame  # latest visible version per record: id, version, updated_at and ROW (the
    # version's position in the history, where its content is), not a copy of every column
    updated: np.ndarray  # datetime64[s] of `frame`, for searchsorted
    ids: np.ndarray  # record ids of `frame`, object dtype

    def since(self, moment: dt.datetime | None) -> pd.DataFrame:
        """Return the records whose shown version was updated after `moment` (all if None)."""
        if moment is None:
            return self.frame
        start = int(np.searchsorted(self.updated, np.datetime64(moment, "s"), side="right"))
        return self.frame.iloc[start:]


class ChannelHistory:
    """All versions of one channel table, with the clock logic."""

    def __init__(
        self, frame: pd.DataFrame, id_column: str, late_delay: dt.timedelta | None = None, late_every: int = 0
    ) -> None:
        frame = frame.sort_values([id_column, "version"], kind="stable").reset_index(drop=True)
        frame["updated_at"] = pd.to_datetime(frame["updated_at"]).astype("datetime64[s]")
        visible = frame["updated_at"].copy()
        if late_delay is not None and late_every > 0:
            late = (np.arange(len(frame)) % late_every == late_every - 1) & (frame["version"] > 1).to_numpy()
            visible[late] = visible[late] + late_delay
        frame["_visible_at"] = visible
        frame[ROW] = np.arange(len(frame))
        self.frame = frame
        self.id_column = id_column
        self.late_rows = int((frame["_visible_at"] != frame["updated_at"]).sum())
        # kept with the history (not in a module-wide cache), so they go when the history goes
        self._snapshots: dict[pd.Timestamp, Snapshot] = {}

    @classmethod
    def read(cls, path: Path, id_column: str, **kwargs: object) -> ChannelHistory:
        return cls(pq.read_table(path).to_pandas(), id_column, **kwargs)  # type: ignore[arg-type]

    def snapshot(self, clock: dt.datetime) -> Snapshot:
        """Return what the system shows at `clock`."""
        moment = pd.Timestamp(clock).floor("s")
        shown = self._snapshots.get(moment)
        if shown is None:
            if len(self._snapshots) >= _SNAPSHOTS_KEPT:
                del self._snapshots[next(iter(self._snapshots))]  # the oldest clock asked for
            shown = self._snapshots[moment] = _snapshot(self, moment)
        return shown

    def first_and_last(self) -> tuple[dt.datetime, dt.datetime]:
        stamps = self.frame["updated_at"]
        return stamps.min().to_pydatetime(), stamps.max().to_pydatetime()


def _snapshot(history: ChannelHistory, clock: pd.Timestamp) -> Snapshot:
    columns = [history.id_column, "version", "updated_at", ROW]
    shown = history.frame.loc[(history.frame["_visible_at"] <= clock).to_numpy(), columns]
    latest = shown.drop_duplicates(subset=[history.id_column], keep="last")
    latest = latest.sort_values(["updated_at", history.id_column], kind="stable").reset_index(drop=True)
    updated = latest["updated_at"].to_numpy(dtype="datetime64[s]")
    return Snapshot(latest, updated, latest[history.id_column].to_numpy(dtype=object))
