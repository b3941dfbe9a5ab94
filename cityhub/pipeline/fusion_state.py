"""What an incremental fusion run links into, kept between runs.

The warehouse stays the system of record: this is a cache of the last run's resolutions (people's
prepared mentions, block keys and match model; places' parsed addresses; events' prepared records,
text model and weights) and of the resolved tables as written, so a run reads only what arrived since.
It is kept in the process (a warm worker reuses it) and in one file under `home/fusion`, stamped
with the run it belongs to. A state that does not match the warehouse's last fusion run is not
used: the run resolves everything again, as the rebuild does, and starts a new state.
"""

from __future__ import annotations

import datetime as dt
import pickle
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from cityhub.pipeline.resolve_tables import Resolutions
from cityhub.warehouse import Warehouse
from cityhub.warehouse.resolved import projection_runs
from cityhub.warehouse.schema import batches

__all__ = [
    "FUSION_MARK",
    "RECONCILE_MARK",
    "FusionState",
    "load_state",
    "new_batches",
    "read_mark",
    "save_state",
    "write_mark",
]

FUSION_MARK = "fusion_resolve"  # projection_runs row: the newest batch the resolved tables include
RECONCILE_MARK = "fusion_reconcile"  # projection_runs row: the run the last reconciliation covered
_CACHE: dict[Path, FusionState] = {}
_WRITING = threading.Lock()


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


def _path(home: Path) -> Path:
    return home / "fusion" / "state.pickle"


def _write_file(path: Path, state: FusionState) -> None:
    with _WRITING:  # one writer at a time; the newest state is written last
        temporary = path.with_suffix(".partial")
        with temporary.open("wb") as out:
            pickle.dump(state, out, protocol=pickle.HIGHEST_PROTOCOL)
        temporary.replace(path)


def save_state(home: Path, state: FusionState, wait: bool = False) -> None:
    """Keep the state in this process and write it to its file (readers never see half a file).

    The file is written in the background unless `wait`: the next run in this process uses the
    state at once, and a process that stops before the file is written leaves the previous state,
    whose mark no longer matches, so the next process resolves everything again rather than wrongly.
    """
    path = _path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    _CACHE[path] = state
    writer = threading.Thread(target=_write_file, args=(path, state), name="fusion-state")
    writer.start()  # not a daemon: the interpreter finishes the write before it exits
    if wait:
        writer.join()


def load_state(home: Path, mark: dt.datetime | None, at: dt.datetime | None) -> FusionState | None:
    """Return the kept state if it belongs to the warehouse's last fusion run (`mark`, `at`), else None."""
    if mark is None or at is None:
        return None
    path = _path(home)
    state = _CACHE.get(path)
    if state is None or (state.mark, state.at) != (mark, at):
        with _WRITING:  # a write under way finishes first
            pass
    if state is None or (state.mark, state.at) != (mark, at):
        if not path.is_file():
            return None
        with path.open("rb") as source:
            state = pickle.load(source)  # written by this module, in this home: trusted
        if not isinstance(state, FusionState):
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
