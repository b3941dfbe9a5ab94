"""The police incident system: a relational database (SQLite by default, PostgreSQL by URL).

Two tables with coded values, `updated_at` for increments and `is_deleted` for soft deletes:
`jq_jjd` (接警单: incidents, key jjdbh) and `jq_ry` (涉警人员: persons, key rybh).
`sync_to(clock)` writes every version that became visible since the last sync: the database then
holds each row as the system shows it at the clock. Syncing again to the same clock changes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from simulators.services.history import ChannelHistory

metadata = sa.MetaData()


def _text(*names: str) -> list[sa.Column[Any]]:
    return [sa.Column(name, sa.String(512)) for name in names]


incidents = sa.Table(
    "jq_jjd",
    metadata,
    sa.Column("jjdbh", sa.String(32), primary_key=True),
    *_text("bjsj", "jqlbdm", "jqlbmc", "fadz", "jyaq", "clzt", "sspcs"),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
    sa.Column("is_deleted", sa.Integer, nullable=False, server_default="0"),
)
persons = sa.Table(
    "jq_ry",
    metadata,
    sa.Column("rybh", sa.String(32), primary_key=True),
    sa.Column("jjdbh", sa.String(32), nullable=False, index=True),
    *_text("xm", "xbdm", "csrq", "sfzh", "lxdh", "rylx", "xzz"),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
    sa.Column("is_deleted", sa.Integer, nullable=False, server_default="0"),
)
sync_state = sa.Table(
    "sim_sync_state",
    metadata,
    sa.Column("table_name", sa.String(32), primary_key=True),
    sa.Column("clock", sa.DateTime, nullable=False),
)


class PoliceDatabase:
    """The police database, kept in step with the simulated clock."""

    def __init__(self, url: str, incident_history: ChannelHistory, person_history: ChannelHistory) -> None:
        self.url = url
        self.engine = sa.create_engine(url)
        self.histories = {incidents: incident_history, persons: person_history}
        metadata.create_all(self.engine)

    def sync_to(self, clock: dt.datetime) -> int:
        """Return the number of rows written to bring both tables to `clock`."""
        return sum(self._sync_table(table, history, clock) for table, history in self.histories.items())

    def _last_clock(self, connection: sa.Connection, table: sa.Table) -> dt.datetime | None:
        query = sa.select(sync_state.c.clock).where(sync_state.c.table_name == table.name)
        return connection.execute(query).scalar_one_or_none()

    def _sync_table(self, table: sa.Table, history: ChannelHistory, clock: dt.datetime) -> int:
        with self.engine.begin() as connection:
            last = self._last_clock(connection, table)
            frame = history.frame
            window = frame["_visible_at"] <= pd.Timestamp(clock)
            if last is not None:
                window &= frame["_visible_at"] > pd.Timestamp(last)
            changed = frame[window].drop_duplicates(subset=[history.id_column], keep="last")
            rows = _rows(changed, table)
            if rows:
                _upsert(connection, table, rows)
            _upsert(connection, sync_state, [{"table_name": table.name, "clock": clock}])
        return len(rows)

    def dispose(self) -> None:
        self.engine.dispose()


def _rows(frame: pd.DataFrame, table: sa.Table) -> list[dict[str, Any]]:
    names = [c.name for c in table.columns if c.name != "is_deleted"]
    rows = frame[names].to_dict("records")
    for row, deleted in zip(rows, frame["deleted"].tolist(), strict=True):
        row["is_deleted"] = int(bool(deleted))
        row["updated_at"] = pd.Timestamp(row["updated_at"]).to_pydatetime()
        row["version"] = int(row["version"])
    return rows


def _upsert(connection: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    keys = [c.name for c in table.primary_key.columns]
    statement = statement.on_conflict_do_update(
        index_elements=keys,
        set_={c.name: statement.excluded[c.name] for c in table.columns if c.name not in keys},
    )
    for start in range(0, len(rows), 5000):
        connection.execute(statement, rows[start : start + 5000])
