"""Bulk upserts of canonical records: a frame's columns turned into driver values column by
column, then one statement per batch rather than one per row.

SQLite: one `INSERT … ON CONFLICT DO UPDATE` run by the driver's executemany over every row, in
one transaction. PostgreSQL: the rows `COPY`-ed into a temporary staging table (as CSV Arrow
writes, `cityhub.warehouse.copy_csv`, or row by row when a column will not convert), then one
`INSERT … SELECT … ON CONFLICT DO UPDATE` from it. Either way a stored row is replaced only by
one whose `updated_at` is not older, so replaying an old batch never rolls a record back.
`bulk_insert_new` loads the same way but keeps a stored row (`ON CONFLICT DO NOTHING`): the
status history, where a version once recorded does not change.

Values go to the driver as SQLAlchemy would have sent them (SQLite keeps datetimes as
`YYYY-MM-DD HH:MM:SS.ffffff` text, compared as text), so rows loaded here and rows written
through SQLAlchemy compare and read back alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from pandas.api.types import is_datetime64_any_dtype

from cityhub.warehouse.copy_csv import csv_payload

__all__ = ["PreparedLoad", "bulk_insert_new", "bulk_upsert", "prepare_load"]


@dataclass(frozen=True, slots=True)
class PreparedLoad:
    """One table's rows turned into driver values, ready to run on a connection of its dialect.

    Preparing is Python work; running is mostly the database's (SQLite's steps and PostgreSQL's
    server release the interpreter), so a writer thread can run one table while the caller
    prepares the next (`cityhub.warehouse.loader`).
    """

    table: sa.Table
    columns: list[str]
    keys: list[str]
    rows: list[tuple[Any, ...]]  # driver values, unless `csv` holds them
    conflict: str
    postgres: bool
    count: int
    csv: bytes | None = None  # PostgreSQL: the rows as COPY CSV (`cityhub.warehouse.copy_csv`)

    def run(self, connection: sa.Connection) -> int:
        """Return the number of rows offered, loaded inside the connection's transaction."""
        if not self.count:
            return 0
        if self.postgres:
            _copy_load(connection, self, self.csv)
        else:
            names = ", ".join(_quoted(c) for c in self.columns)
            markers = ", ".join("?" for _ in self.columns)
            connection.exec_driver_sql(
                f"INSERT INTO {_quoted(self.table.name)} ({names}) VALUES ({markers}) {self.conflict}",
                self.rows,
            )
        return self.count


def bulk_upsert(connection: sa.Connection, table: sa.Table, frame: pd.DataFrame) -> int:
    """Return the number of rows offered; upsert them into `table` inside the caller's transaction."""
    return prepare_load(connection.dialect.name, table, frame, keep_stored=False).run(connection)


def bulk_insert_new(connection: sa.Connection, table: sa.Table, frame: pd.DataFrame) -> int:
    """Return the number of rows offered; insert those whose key `table` lacks (inside the caller's
    transaction), leaving stored rows as they are."""
    return prepare_load(connection.dialect.name, table, frame, keep_stored=True).run(connection)


def prepare_load(dialect: str, table: sa.Table, frame: pd.DataFrame, keep_stored: bool) -> PreparedLoad:
    """Return the load of `frame` into `table` for a dialect ("sqlite", "postgresql"): an upsert,
    or with `keep_stored` an insert of the keys the table lacks."""
    columns = [c.name for c in table.columns]
    keys = [c.name for c in table.primary_key.columns]
    postgres = dialect == "postgresql"
    conflict = _on_conflict(table.name, columns, keys, "excluded", keep_stored)
    csv = csv_payload(frame, table) if postgres and len(frame) else None
    if csv is not None:
        return PreparedLoad(table, columns, keys, [], conflict, postgres, len(frame), csv)
    values = [_driver_values(frame[name], table.c[name].type, postgres) for name in columns]
    rows = list(zip(*values, strict=True))
    return PreparedLoad(table, columns, keys, rows, conflict, postgres, len(rows))


def _on_conflict(
    target: str, columns: Sequence[str], keys: Sequence[str], new: str, keep_stored: bool
) -> str:
    """Return the ON CONFLICT clause: do nothing, or take the offered row unless it is older."""
    key_list = ", ".join(_quoted(k) for k in keys)
    if keep_stored:
        return f"ON CONFLICT ({key_list}) DO NOTHING"
    updates = ", ".join(f"{_quoted(c)} = {new}.{_quoted(c)}" for c in columns if c not in keys)
    return (
        f"ON CONFLICT ({key_list}) DO UPDATE SET {updates} "
        f"WHERE {new}.updated_at >= {_quoted(target)}.updated_at"
    )


def _copy_load(connection: sa.Connection, load: PreparedLoad, csv: bytes | None) -> None:
    """COPY the rows (as CSV, or row by row through the driver) into a staging table, then load the
    newest row of each key from it."""
    table, columns = load.table, load.columns
    stage = f"stage_{table.name}"
    names = ", ".join(_quoted(c) for c in columns)
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    cursor.execute(f"CREATE TEMPORARY TABLE {stage} (LIKE {_quoted(table.name)}) ON COMMIT DROP")
    if csv is not None:
        with cursor.copy(f"COPY {stage} ({names}) FROM STDIN (FORMAT csv)") as copy:
            copy.write(csv)
    else:
        with cursor.copy(f"COPY {stage} ({names}) FROM STDIN") as copy:
            for row in load.rows:
                copy.write_row(row)
    key_list = ", ".join(_quoted(k) for k in load.keys)
    # One INSERT may not update a row twice: the newest offered version of each key goes in.
    cursor.execute(
        f"INSERT INTO {_quoted(table.name)} ({names}) "
        f"SELECT DISTINCT ON ({key_list}) {names} FROM {stage} ORDER BY {key_list}, updated_at DESC "
        + load.conflict
    )
    cursor.execute(f"DROP TABLE {stage}")  # a second load in the same transaction stages afresh


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _driver_values(values: pd.Series, kind: sa.types.TypeEngine[Any], postgres: bool) -> list[Any]:
    """Return one column's values as the driver takes them, missing ones as None."""
    missing = values.isna().to_numpy()
    if isinstance(kind, sa.DateTime | sa.Date):
        # already datetime64: to_datetime would still walk the values to decide on caching
        moments = values if is_datetime64_any_dtype(values) else pd.to_datetime(values, errors="coerce")
        if not postgres:
            text = _sqlite_text(moments, isinstance(kind, sa.Date))
            return _with_none(text, missing | moments.isna().to_numpy())
        gone = missing | moments.isna().to_numpy()
        dates = isinstance(kind, sa.Date)
        stamps = [
            None if absent else (stamp.date() if dates else stamp.to_pydatetime())
            for stamp, absent in zip(moments, gone, strict=True)
        ]
        return _with_none(np.array(stamps, dtype=object), gone)
    if isinstance(kind, sa.Boolean):
        return _with_none(values.to_numpy(dtype=object).astype(bool).astype(object), missing)
    if isinstance(kind, sa.Integer):
        whole = [value if gone else int(value) for value, gone in zip(values, missing, strict=True)]
        return _with_none(np.array(whole, dtype=object), missing)
    return _with_none(values.to_numpy(dtype=object), missing)


def _sqlite_text(moments: pd.Series, dates: bool) -> np.ndarray:
    """Return moments in the text form SQLAlchemy's SQLite dialect stores them in
    (`YYYY-MM-DD` or `YYYY-MM-DD HH:MM:SS.ffffff`), written by numpy in one step."""
    if getattr(moments.dt, "tz", None) is not None:  # an aware moment keeps its wall-clock time
        shown: np.ndarray = moments.dt.strftime("%Y-%m-%d" if dates else "%Y-%m-%d %H:%M:%S.%f").to_numpy(
            dtype=object
        )
        return shown
    stamps = moments.to_numpy(dtype="M8[D]" if dates else "M8[us]")
    text = np.datetime_as_string(stamps, unit="D" if dates else "us")
    written: np.ndarray = text if dates else np.char.replace(text, "T", " ")
    return written.astype(object)


def _with_none(array: np.ndarray, missing: np.ndarray) -> list[Any]:
    out = array.astype(object, copy=True)
    out[missing] = None
    return list(out.tolist())
