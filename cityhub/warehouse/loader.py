"""A batch's canonical records loaded in one transaction by a writer thread, while the caller
goes on with other work (preparing the next table, landing the batch in the lake).

    with warehouse.bulk_load() as load:
        load.upsert("EventRecord", events)   # prepared here, run by the writer
        load.upsert("PersonMention", persons)
        lake.write_batch(...)                # meanwhile
    # here every table is loaded and committed; an error anywhere rolled all of them back

Preparing a table's driver values is Python work; running the statements is mostly the
database's: PostgreSQL works in its own process, and a load is two calls (the COPY, the INSERT)
that wait on it without the interpreter. So the writer's database time overlaps the caller's
Python time instead of following it. SQLite runs in-line instead: its executemany takes the
interpreter back for every row it binds, and beside a busy caller each of those waits for the
interpreter's switch interval, which made the writer slower than the whole load run in-line.
The writer owns its connection from opening to commit.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from types import TracebackType
from typing import Any, ParamSpec, TypeVar

import pandas as pd
import sqlalchemy as sa

from cityhub.warehouse.bulk import PreparedLoad, prepare_load
from cityhub.warehouse.schema import RECORD_TABLES, record_status_history

__all__ = ["BulkLoad", "status_versions"]

P = ParamSpec("P")
T = TypeVar("T")


class _InLine(Executor):
    """An executor that runs each call at once in the caller's thread."""

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        """Return the finished future of `fn(*args, **kwargs)`."""
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as error:  # kept in the future, raised where its result is asked for
            future.set_exception(error)
        return future


def status_versions(events: pd.DataFrame) -> pd.DataFrame:
    """Return the event record versions whose status joins `record_status_history` (one per version)."""
    return events.drop_duplicates(["source", "record_id", "updated_at"])


class BulkLoad:
    """Loads of canonical records run in order by one writer thread, committed together on leaving
    the block (rolled back together if the block or any load failed)."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine
        self._dialect = engine.dialect.name
        # one writer thread for PostgreSQL; for SQLite the caller's own thread (see above)
        self._writer: Executor = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="warehouse-load")
            if self._dialect == "postgresql"
            else _InLine()
        )
        self._loads: list[Future[int]] = []
        self._connection: sa.Connection | None = None

    def __enter__(self) -> BulkLoad:
        self._writer.submit(self._open).result()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            failed = error is not None or any(load.exception() is not None for load in self._loads)
            self._writer.submit(self._close, not failed).result()
            for load in self._loads:
                load.result()  # a load's own error surfaces here unless the block raised first
        finally:
            self._writer.shutdown(wait=True)

    def upsert(self, record_type: str, frame: pd.DataFrame) -> None:
        """Queue the upsert of a record type's rows (a stored row changes only if the offered one is
        not older); an event record's versions join the status history in the same transaction."""
        if frame.empty:
            return
        self._queue(prepare_load(self._dialect, RECORD_TABLES[record_type], frame, keep_stored=False))
        if record_type == "EventRecord":
            history = prepare_load(self._dialect, record_status_history, status_versions(frame), True)
            self._queue(history)

    def offered(self) -> int:
        """Return the number of rows the loads so far offered (waiting for them to run)."""
        return sum(load.result() for load in self._loads)

    def _queue(self, prepared: PreparedLoad) -> None:
        self._loads.append(self._writer.submit(self._run, prepared))

    def _open(self) -> None:
        self._connection = self._engine.connect()
        self._connection.begin()

    def _run(self, prepared: PreparedLoad) -> int:
        if self._connection is None:  # _open runs first, in this same thread
            raise RuntimeError("the bulk load's connection is not open")
        return prepared.run(self._connection)

    def _close(self, commit: bool) -> Any:
        connection, self._connection = self._connection, None
        if connection is None:
            return None
        try:
            if commit:
                connection.commit()
            else:
                connection.rollback()
        finally:
            connection.close()
        return None
