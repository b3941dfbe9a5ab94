"""What an incremental fusion run links into, kept between runs.

The warehouse stays the system of record: this is a cache of the last run's resolutions (people's
prepared mentions, block keys and match model; places' parsed addresses; events' prepared records,
text model and weights) and of the resolved tables as written, so a run reads only what arrived since.
It is kept in the process (a warm worker reuses it) and on disk under `home/fusion`, stamped with
the run it belongs to: a whole state (`state.pickle`) written after full runs and reconciliations,
and after an increment only a journal entry (`journal/NNNNNNNN.pickle`: the batch, the run's time and
mark, the people review log), so an increment writes what it read, not the city. A process without
the state in memory reads the whole state and links the journal's batches into it again, as the
runs did (`load_state`'s `replay`); every `JOURNAL_LIMIT` entries the whole state is written again
in the background. A state that does not match the warehouse's last fusion run is not used: the
run resolves everything again, as the rebuild does, and starts a new state.
"""

from __future__ import annotations

import datetime as dt
import os
import pickle
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from cityhub.pipeline.resolve_tables import CanonicalSnapshot, Resolutions
from cityhub.warehouse import Warehouse
from cityhub.warehouse.resolved import projection_runs
from cityhub.warehouse.schema import batches

__all__ = [
    "FUSION_MARK",
    "RECONCILE_MARK",
    "FusionState",
    "JournalEntry",
    "append_state",
    "forget_state",
    "load_state",
    "new_batches",
    "read_mark",
    "save_state",
    "write_mark",
]

FUSION_MARK = "fusion_resolve"  # projection_runs row: the newest batch the resolved tables include
RECONCILE_MARK = "fusion_reconcile"  # projection_runs row: the run the last reconciliation covered
JOURNAL_LIMIT = 48  # increments journalled before the whole state is written again
_CACHE: dict[Path, FusionState] = {}
_WRITERS: dict[int, ThreadPoolExecutor] = {}  # per process: a forked task does not inherit threads


@dataclass(slots=True)
class FusionState:
    """The last run's resolutions and resolved tables (with changed_at), and what it covered.

    mark          loaded_at of the newest warehouse batch the run resolved
    at            the run's time
    inputs        person mention record_id -> hash of the fields people are resolved on
    touched       person and case IDs linked since the last reconciliation (its work list)
    """

    mark: dt.datetime
    at: dt.datetime
    resolutions: Resolutions
    tables: dict[str, pd.DataFrame]
    inputs: pd.Series
    touched: dict[str, set[str]] = field(default_factory=lambda: {"person": set(), "case": set()})
    serial: int = 0  # runs since the state was last written whole: its journal entries


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One increment, enough to link it into the state before it again: the batch resolved, the
    run's mark and time, the people review log it obeyed, and the stamp of the state it followed."""

    batch: CanonicalSnapshot
    mark: dt.datetime
    at: dt.datetime
    person_decisions: pd.DataFrame | None
    after: tuple[dt.datetime, dt.datetime]  # (mark, at) of the state the increment was linked into


Replay = Callable[[FusionState, JournalEntry], FusionState]


def _path(home: Path) -> Path:
    return home / "fusion" / "state.pickle"


def _journal(home: Path) -> Path:
    return home / "fusion" / "journal"


def _write_pickle(path: Path, value: object) -> None:
    temporary = path.with_suffix(".partial")
    with temporary.open("wb") as out:
        pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
    temporary.replace(path)  # readers never see half a file


def _write_file(path: Path, state: FusionState) -> None:
    _write_pickle(path, state)
    for entry in _journal(path.parent.parent).glob("*.pickle"):
        entry.unlink()  # the whole state holds them; later entries are written after this


def _write_entry(path: Path, entry: JournalEntry) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_pickle(path, entry)


def _start(target: Callable[..., None], *args: object, wait: bool) -> None:
    writer = _WRITERS.get(os.getpid())
    if writer is None:  # one writer per process: writes go one at a time, in order
        writer = _WRITERS[os.getpid()] = ThreadPoolExecutor(1, thread_name_prefix="fusion-state")
    written = writer.submit(target, *args)  # the interpreter finishes the writes before it exits
    if wait:
        written.result()


def save_state(home: Path, state: FusionState, wait: bool = False) -> None:
    """Keep the state in this process and write it whole to its file, dropping the journal.

    The file is written in the background unless `wait`: the next run in this process uses the
    state at once, and a process that stops before the file is written leaves the previous state,
    whose mark no longer matches, so the next process resolves everything again rather than wrongly.
    """
    path = _path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = replace(state, serial=0)
    _CACHE[path] = state
    _start(_write_file, path, state, wait=wait)


def append_state(home: Path, state: FusionState, entry: JournalEntry, wait: bool = False) -> None:
    """Keep the state of an increment in this process and journal the increment (in the background
    unless `wait`); every `JOURNAL_LIMIT` increments the whole state is written instead."""
    if state.serial > JOURNAL_LIMIT:
        save_state(home, state, wait)
        return
    _CACHE[_path(home)] = state
    _start(_write_entry, _journal(home) / f"{state.serial:08d}.pickle", entry, wait=wait)


def _read(home: Path, replay: Replay | None) -> FusionState | None:
    """Return the state written whole, with the journal's increments linked in again."""
    path = _path(home)
    if not path.is_file():
        return None
    with path.open("rb") as source:
        state = pickle.load(source)  # written by this module, in this home: trusted
    if not isinstance(state, FusionState):
        return None
    if not hasattr(state, "serial"):  # written before the journal
        state.serial = 0
    entries = sorted(int(p.stem) for p in _journal(home).glob("*.pickle") if p.stem.isdigit())
    for serial in (s for s in entries if s > state.serial):
        if serial != state.serial + 1 or replay is None:
            break
        with (_journal(home) / f"{serial:08d}.pickle").open("rb") as source:
            entry = pickle.load(source)
        if not isinstance(entry, JournalEntry) or entry.after != (state.mark, state.at):
            break
        state = replay(state, entry)
    return state


def forget_state(home: Path) -> None:
    """Drop this process's copy of the state, as a new process starts without it."""
    _start(lambda: None, wait=True)
    _CACHE.pop(_path(home), None)


def load_state(
    home: Path, mark: dt.datetime | None, at: dt.datetime | None, replay: Replay | None = None
) -> FusionState | None:
    """Return the kept state if it belongs to the warehouse's last fusion run (`mark`, `at`), else None;
    from disk, `replay` links each journalled increment into the state before it."""
    if mark is None or at is None:
        return None
    path = _path(home)
    state = _CACHE.get(path)
    if state is None or (state.mark, state.at) != (mark, at):
        _start(lambda: None, wait=True)  # the writes under way finish first
        state = _read(home, replay)
        if state is None:
            return None
        _CACHE[path] = state
    return state if (state.mark, state.at) == (mark, at) else None


def read_mark(warehouse: Warehouse, name: str = FUSION_MARK) -> tuple[dt.datetime | None, dt.datetime | None]:
    """Return (newest batch resolved, time of that run) of a fusion mark, (None, None) before any."""
    with warehouse.engine.connect() as connection:
        row = connection.execute(
            sa.select(projection_runs.c.caught_up_to, projection_runs.c.projected_at).where(
                projection_runs.c.projection == name
            )
        ).first()
    return (None, None) if row is None else (row[0], row[1])


def write_mark(
    connection: sa.Connection, mark: dt.datetime, at: dt.datetime, name: str = FUSION_MARK
) -> None:
    """Record, inside the caller's transaction, the newest batch a run covered and the run's time."""
    connection.execute(projection_runs.delete().where(projection_runs.c.projection == name))
    connection.execute(projection_runs.insert().values(projection=name, caught_up_to=mark, projected_at=at))


def new_batches(warehouse: Warehouse, since: dt.datetime | None) -> tuple[list[str], dt.datetime | None]:
    """Return the ids of the batches loaded after `since` (all when None) and the newest load time."""
    query = sa.select(batches.c.batch_id, batches.c.loaded_at)
    if since is not None:
        query = query.where(batches.c.loaded_at > since)
    with warehouse.engine.connect() as connection:
        rows = connection.execute(query).all()
    if not rows:
        return [], since
    return sorted({r[0] for r in rows}), max(r[1] for r in rows)
