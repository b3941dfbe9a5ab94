"""The police incident system: a relational database (SQLite file by default, PostgreSQL by URL).

Like a front-end exchange database (前置机), it holds coded values, an `updated_at` per row for
increments and an `is_deleted` flag for soft deletes:

    CREATE TABLE jq_jjd (                         -- 接警单: incidents
        jjdbh VARCHAR(32) PRIMARY KEY,            -- 接警单编号
        bjsj VARCHAR(19), jqlbdm VARCHAR(6), jqlbmc VARCHAR(64), fadz VARCHAR(512), jyaq TEXT,
        clzt VARCHAR(2), sspcs VARCHAR(64),
        version INTEGER NOT NULL, updated_at TIMESTAMP NOT NULL, is_deleted SMALLINT NOT NULL DEFAULT 0);
    CREATE INDEX ix_jq_jjd_updated_at ON jq_jjd (updated_at);
    CREATE TABLE jq_ry (                          -- 涉警人员: persons of an incident
        rybh VARCHAR(32) PRIMARY KEY, jjdbh VARCHAR(32) NOT NULL,
        xm VARCHAR(64), xbdm VARCHAR(1), csrq VARCHAR(8), sfzh VARCHAR(18), lxdh VARCHAR(32),
        rylx VARCHAR(2), xzz VARCHAR(512),
        version INTEGER NOT NULL, updated_at TIMESTAMP NOT NULL, is_deleted SMALLINT NOT NULL DEFAULT 0);
    CREATE INDEX ix_jq_ry_updated_at ON jq_ry (updated_at);  CREATE INDEX ix_jq_ry_jjdbh ON jq_ry (jjdbh);
    CREATE TABLE sim_sync_state (name VARCHAR(32) PRIMARY KEY, as_of TIMESTAMP NOT NULL, digest VARCHAR(64));

`sync_to(as_of)` writes only the rows whose shown version differs from the last synced clock, in
one transaction; syncing again to the same clock writes nothing.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from simulators.systems.faults import FaultPlan
from simulators.systems.history import ChannelHistory, CityChannels

BATCH_ROWS = 5_000
STATE_NAME = "police"
metadata = sa.MetaData()


def _bookkeeping() -> list[sa.Column[Any]]:
    return [
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
        sa.Column("is_deleted", sa.SmallInteger, nullable=False, server_default="0"),
    ]


incidents = sa.Table(
    "jq_jjd", metadata,
    sa.Column("jjdbh", sa.String(32), primary_key=True),
    sa.Column("bjsj", sa.String(19)), sa.Column("jqlbdm", sa.String(6)), sa.Column("jqlbmc", sa.String(64)),
    sa.Column("fadz", sa.String(512)), sa.Column("jyaq", sa.Text), sa.Column("clzt", sa.String(2)),
    sa.Column("sspcs", sa.String(64)),
    *_bookkeeping(),
)
persons = sa.Table(
    "jq_ry", metadata,
    sa.Column("rybh", sa.String(32), primary_key=True),
    sa.Column("jjdbh", sa.String(32), nullable=False, index=True),
    sa.Column("xm", sa.String(64)), sa.Column("xbdm", sa.String(1)), sa.Column("csrq", sa.String(8)),
    sa.Column("sfzh", sa.String(18)), sa.Column("lxdh", sa.String(32)), sa.Column("rylx", sa.String(2)),
    sa.Column("xzz", sa.String(512)),
    *_bookkeeping(),
)
sync_state = sa.Table(
    "sim_sync_state", metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("as_of", sa.DateTime, nullable=False),
    sa.Column("digest", sa.String(64)),
)
CHANNELS = {"police_incidents": incidents, "police_persons": persons}


class PoliceDatabase:
    """The police database of one city, brought to the simulated clock on demand."""

    def __init__(self, url: str, city: Path | CityChannels, faults: FaultPlan | None = None) -> None:
        self.url = url
        channels = city if isinstance(city, CityChannels) else CityChannels(Path(city), faults)
        self.histories = {name: channels[name] for name in CHANNELS}
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.engine = sa.create_engine(url)
        metadata.create_all(self.engine)
        self.digest = "".join(h.digest()[:16] for h in self.histories.values())

    def sync_to(self, as_of: dt.datetime) -> int:
        """Return the number of rows written (inserted, updated or removed) to show the city at `as_of`."""
        with self.engine.begin() as connection:
            last = self._last_clock(connection)
            written = sum(self._sync_table(connection, CHANNELS[name], history, as_of, last)
                          for name, history in self.histories.items())
            _upsert(connection, sync_state, [{"name": STATE_NAME, "as_of": as_of, "digest": self.digest}])
        return written

    def as_of(self) -> dt.datetime | None:
        """Return the clock the database was last synced to (None before the first sync)."""
        with self.engine.connect() as connection:
            query = sa.select(sync_state.c.as_of).where(sync_state.c.name == STATE_NAME)
            return connection.execute(query).scalar_one_or_none()

    def _last_clock(self, connection: sa.Connection) -> dt.datetime | None:
        """Return the last synced clock; start afresh when the tables hold another city or plan."""
        query = sa.select(sync_state.c.as_of, sync_state.c.digest).where(sync_state.c.name == STATE_NAME)
        state = connection.execute(query).one_or_none()
        if state is not None and state.digest == self.digest:
            return state.as_of  # type: ignore[no-any-return]
        for table in CHANNELS.values():
            connection.execute(table.delete())
        return None

    def _sync_table(self, connection: sa.Connection, table: sa.Table, history: ChannelHistory,
                    as_of: dt.datetime, last: dt.datetime | None) -> int:
        now = history.snapshot(as_of).shown
        before = history.snapshot(last).shown if last is not None else np.full_like(now, -1)
        changed = np.flatnonzero(now != before)
        shown = now[changed]
        rows = _rows(history, shown[shown >= 0])
        for start in range(0, len(rows), BATCH_ROWS):
            _upsert(connection, table, rows[start:start + BATCH_ROWS])
        gone = history.record_ids[changed[shown < 0]].tolist()  # only when the clock moved back
        key = table.primary_key.columns[0]
        for start in range(0, len(gone), BATCH_ROWS):
            connection.execute(table.delete().where(key.in_(gone[start:start + BATCH_ROWS])))
        return len(rows) + len(gone)

    def dispose(self) -> None:
        """Close the database connections."""
        self.engine.dispose()


def _rows(history: ChannelHistory, positions: np.ndarray) -> list[dict[str, Any]]:
    """Return the database rows of the given versions (deleted -> is_deleted 0/1)."""
    if len(positions) == 0:
        return []
    rows: list[dict[str, Any]] = history.table.take(positions).to_pylist()
    for row in rows:
        row["is_deleted"] = int(row.pop("deleted"))
    return rows


def _upsert(connection: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Insert the rows, replacing those whose primary key exists (one executemany)."""
    if not rows:
        return
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    keys = [c.name for c in table.primary_key.columns]
    statement = statement.on_conflict_do_update(
        index_elements=keys,
        set_={c.name: statement.excluded[c.name] for c in table.columns if c.name not in keys},
    )
    connection.execute(statement, rows)
