"""A department's records as its system shows them at a simulated clock.

A channel table holds every version of every record. At clock T a system shows, for each record,
its last version visible by T. A version is visible from its `updated_at`, unless the late-update
fault delays it: it then shows up later while keeping its old `updated_at`, the way a slow
replication or a back-dated correction reaches a real system. A delayed version holds back the
record's later versions too (replication delivers a record's changes in order).

The table is loaded once with pyarrow; each clock's view is a few numpy arrays, so paging is a
`searchsorted` and a slice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from simulators.systems.faults import FaultPlan

CHANNEL_KEYS = {
    "hotline": "ticket_id",
    "grid": "event_no",
    "police_incidents": "jjdbh",
    "police_persons": "rybh",
    "petitions": "信访件编号",
}
BOOKKEEPING = ("version", "updated_at", "deleted")


def seconds(moment: dt.datetime | dt.date) -> int:
    """Return a naive datetime (or a date's midnight) as whole seconds since the epoch."""
    if not isinstance(moment, dt.datetime):
        moment = dt.datetime.combine(moment, dt.time())
    return int(np.datetime64(moment.replace(tzinfo=None), "s").astype(np.int64).item())


def moment_of(secs: int) -> dt.datetime:
    """Return the naive datetime of epoch seconds."""
    return dt.datetime(1970, 1, 1) + dt.timedelta(seconds=int(secs))


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The records shown at one clock: version-row positions ordered by (updated_at, record id)."""

    rows: np.ndarray  # int64 positions into the history's version table
    updated: np.ndarray  # int64 epoch seconds of `rows`, ascending
    keys: np.ndarray  # int64 updated * n_records + record code: the (updated_at, id) order as one number
    shown: np.ndarray  # per record code: the position of its shown version, -1 if none yet

    def __len__(self) -> int:
        return len(self.rows)

    def start_after(self, since: dt.datetime | None) -> int:
        """Return the position of the first record updated strictly after `since` (0 if None)."""
        if since is None:
            return 0
        return int(self.updated.searchsorted(seconds(since), side="right"))


class ChannelHistory:
    """Every version of one channel table, sorted by (record id, version), with the clock logic."""

    def __init__(self, name: str, table: pa.Table, faults: FaultPlan | None = None) -> None:
        self.name = name
        self.key = CHANNEL_KEYS[name]
        table = table.take(pc.sort_indices(table, [(self.key, "ascending"), ("version", "ascending")]))
        self.table = table
        ids = table.column(self.key).to_numpy(zero_copy_only=False).astype(str)
        self.record_ids, self.codes = np.unique(ids, return_inverse=True)
        self.codes = self.codes.astype(np.int64)
        self.versions = table.column("version").to_numpy().astype(np.int32)
        self.updated = table.column("updated_at").cast(pa.timestamp("s")).cast(pa.int64()).to_numpy()
        self.deleted = table.column("deleted").to_numpy(zero_copy_only=False).astype(bool)
        delays = (faults or FaultPlan()).late_delays(name, ids, self.versions)
        self.visible = _in_order_per_record(self.updated + delays, self.codes)
        self._cache: OrderedDict[int, Snapshot] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def read(cls, city_dir: Path, name: str, faults: FaultPlan | None = None) -> ChannelHistory:
        """Return the history of channel `name` of the city in `city_dir`."""
        return cls(name, pq.read_table(Path(city_dir) / "channels" / f"{name}.parquet"), faults)

    def __len__(self) -> int:
        return int(self.table.num_rows)

    @property
    def payload_columns(self) -> list[str]:
        """Return the department's own field names (everything but version, updated_at, deleted)."""
        return [c for c in self.table.column_names if c not in BOOKKEEPING]

    def late_positions(self) -> np.ndarray:
        """Return the positions of versions that show up later than their updated_at."""
        return np.flatnonzero(self.visible > self.updated)

    def snapshot(self, as_of: dt.datetime) -> Snapshot:
        """Return what the system shows at `as_of` (cached for the last few clocks)."""
        clock = seconds(as_of)
        with self._lock:
            cached = self._cache.get(clock)
            if cached is not None:
                self._cache.move_to_end(clock)
                return cached
        snapshot = self._compute(clock)
        with self._lock:
            self._cache[clock] = snapshot
            while len(self._cache) > 8:
                self._cache.popitem(last=False)
        return snapshot

    def _compute(self, clock: int) -> Snapshot:
        visible = np.flatnonzero(self.visible <= clock)  # still sorted by (record, version)
        codes = self.codes[visible]
        last = np.ones(len(visible), dtype=bool)
        last[:-1] = codes[:-1] != codes[1:]
        shown_rows = visible[last]
        updated = self.updated[shown_rows]
        order = np.lexsort((self.codes[shown_rows], updated))
        rows = shown_rows[order]
        keys = self.updated[rows] * len(self.record_ids) + self.codes[rows]
        shown = np.full(len(self.record_ids), -1, dtype=np.int64)
        shown[self.codes[shown_rows]] = shown_rows
        return Snapshot(rows, self.updated[rows], keys, shown)

    def key_of(self, updated: int, record_id: str) -> tuple[int, bool]:
        """Return the (updated_at, id) order key of a position, and whether the id is one of ours."""
        code = int(np.searchsorted(self.record_ids, record_id))
        known = code < len(self.record_ids) and self.record_ids[code] == record_id
        return updated * len(self.record_ids) + code, known

    def digest(self) -> str:
        """Return a fingerprint of the versions and when each becomes visible."""
        hasher = hashlib.blake2b(digest_size=16)
        for array in (self.codes, self.versions, self.updated, self.visible):
            hasher.update(np.ascontiguousarray(array).tobytes())
        hasher.update("\n".join(self.record_ids.tolist()).encode())
        return hasher.hexdigest()


def _in_order_per_record(visible: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Return visibility times made non-decreasing within each record (rows sorted by record)."""
    if len(visible) == 0:
        return visible
    # one running maximum over (record, time) packed into one int64, so records don't leak into each other
    span = int(visible.max() - visible.min()) + 1
    packed = codes * span + (visible - visible.min())
    ordered: np.ndarray = np.maximum.accumulate(packed) - codes * span + visible.min()
    return ordered


class CityChannels:
    """The five channel tables of one city, each loaded once, with the end of its history."""

    def __init__(self, city_dir: Path, faults: FaultPlan | None = None) -> None:
        self.city_dir = Path(city_dir)
        self.faults = faults or FaultPlan()
        self._histories: dict[str, ChannelHistory] = {}
        self._lock = threading.Lock()

    def __getitem__(self, name: str) -> ChannelHistory:
        with self._lock:
            if name not in self._histories:
                self._histories[name] = ChannelHistory.read(self.city_dir, name, self.faults)
            return self._histories[name]

    def history_end(self) -> dt.datetime:
        """Return the clock at the end of the history: midnight after its last day."""
        return history_end(self.city_dir)


def history_end(city_dir: Path) -> dt.datetime:
    """Return midnight after the city's last day (from the manifest, else the newest version)."""
    manifest = Path(city_dir) / "manifest.json"
    if manifest.exists():
        last_day = dt.date.fromisoformat(str(json.loads(manifest.read_text("utf-8"))["history_end"])[:10])
    else:
        newest = max(int(ChannelHistory.read(city_dir, name).updated.max(initial=0)) for name in CHANNEL_KEYS)
        last_day = moment_of(newest).date()
    return dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time())


def history_start(city_dir: Path) -> dt.date:
    """Return the city's first day of history (from the manifest, else the oldest version)."""
    manifest = Path(city_dir) / "manifest.json"
    if manifest.exists():
        return dt.date.fromisoformat(str(json.loads(manifest.read_text("utf-8"))["history_start"])[:10])
    oldest = min(int(ChannelHistory.read(city_dir, name).updated.min(initial=2**40)) for name in CHANNEL_KEYS)
    return moment_of(oldest).date()
