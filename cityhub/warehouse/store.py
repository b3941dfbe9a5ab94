"""The warehouse, cityhub's system of record, through SQLAlchemy (SQLite by default, PostgreSQL).

Canonical records are upserted by key and the latest version wins: a row only replaces the stored
one when its `updated_at` is not older, so replaying an old batch never rolls a record back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from cityhub.lake import BatchManifest
from cityhub.warehouse.schema import RECORD_TABLES, batches, metadata, quarantine, watermarks

_CHUNK_ROWS = 2_000


def create_engine(url: str) -> sa.Engine:
    """Return an engine; SQLite gets WAL and relaxed sync so bulk loads are not fsync-bound."""
    engine = sa.create_engine(url, future=True)
    if engine.dialect.name == "sqlite":

        @sa.event.listens_for(engine, "connect")
        def _pragmas(connection: Any, _record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

    return engine


def _insert(engine: sa.Engine, table: sa.Table) -> Any:
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def _records(frame: pd.DataFrame, columns: Sequence[str]) -> list[dict[str, Any]]:
    subset = frame[list(columns)].astype(object).where(frame[list(columns)].notna(), None)
    rows = subset.to_dict("records")
    for row in rows:
        for key, value in row.items():
            if isinstance(value, pd.Timestamp):
                row[key] = value.to_pydatetime()
    return rows


def _table(name: str) -> sa.Table:
    """Return a table by record type name (`PersonMention`) or table name (`batches`)."""
    return RECORD_TABLES[name] if name in RECORD_TABLES else metadata.tables[name]


class Warehouse:
    """Canonical records, batch log, watermarks and quarantine in one database."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_engine(url)

    def create_all(self) -> None:
        """Create missing tables (tests and the embedded default; production runs Alembic)."""
        metadata.create_all(self.engine)

    def upsert_records(self, record_type: str, frame: pd.DataFrame) -> int:
        """Return the number of rows offered; stored rows change only if the offered one is newer."""
        table = RECORD_TABLES[record_type]
        if frame.empty:
            return 0
        keys = [c.name for c in table.primary_key.columns]
        columns = [c.name for c in table.columns]
        statement = _insert(self.engine, table)
        updates = {c: statement.excluded[c] for c in columns if c not in keys}
        statement = statement.on_conflict_do_update(
            index_elements=keys,
            set_=updates,
            where=statement.excluded.updated_at >= table.c.updated_at,
        )
        rows = _records(frame, columns)
        with self.engine.begin() as connection:
            for start in range(0, len(rows), _CHUNK_ROWS):
                connection.execute(statement, rows[start : start + _CHUNK_ROWS])
        return len(rows)

    def quarantine_rows(self, rows: Iterable[dict[str, Any]]) -> int:
        """Store quarantined rows (idempotent per source, batch and row number)."""
        payload = list(rows)
        if not payload:
            return 0
        statement = _insert(self.engine, quarantine).on_conflict_do_nothing()
        with self.engine.begin() as connection:
            connection.execute(statement, payload)
        return len(payload)

    def record_batch(self, manifest: BatchManifest, accepted: int, quarantined: int) -> None:
        """Log a loaded batch and advance the source's watermark in one transaction."""
        now = dt.datetime.now()
        row = {
            "source": manifest.source,
            "batch_id": manifest.batch_id,
            "watermark_from": manifest.watermark_from,
            "watermark_to": manifest.watermark_to,
            "extracted": manifest.row_count,
            "accepted": accepted,
            "quarantined": quarantined,
            "schema_fingerprint": manifest.schema_fingerprint,
            "sha256": manifest.sha256,
            "loaded_at": now,
        }
        batch_insert = _insert(self.engine, batches).on_conflict_do_nothing()
        mark = {
            "source": manifest.source,
            "watermark": manifest.watermark_to,
            "batch_id": manifest.batch_id,
            "updated_at": now,
        }
        mark_insert = _insert(self.engine, watermarks)
        mark_upsert = mark_insert.on_conflict_do_update(
            index_elements=["source"],
            set_={k: mark_insert.excluded[k] for k in ("watermark", "batch_id", "updated_at")},
            where=mark_insert.excluded.watermark > watermarks.c.watermark,
        )
        with self.engine.begin() as connection:
            connection.execute(batch_insert, [row])
            connection.execute(mark_upsert, [mark])

    def recent_batch_sizes(self, source: str, limit: int = 10) -> list[int]:
        """Return the row counts of the source's latest batches, newest first."""
        query = (
            sa.select(batches.c.extracted)
            .where(batches.c.source == source)
            .order_by(batches.c.watermark_to.desc())
            .limit(limit)
        )
        with self.engine.connect() as connection:
            return [int(n) for n in connection.execute(query).scalars()]

    def watermark(self, source: str) -> str | None:
        """Return the source's watermark, or None before its first batch."""
        with self.engine.connect() as connection:
            return connection.execute(
                sa.select(watermarks.c.watermark).where(watermarks.c.source == source)
            ).scalar_one_or_none()

    def batch_loaded(self, source: str, batch_id: str) -> bool:
        with self.engine.connect() as connection:
            found = connection.execute(
                sa.select(batches.c.batch_id).where(
                    batches.c.source == source, batches.c.batch_id == batch_id
                )
            ).first()
        return found is not None

    def read_table(
        self, record_type_or_table: str, where: sa.ColumnElement[bool] | None = None
    ) -> pd.DataFrame:
        """Return a whole table (or a filtered part) as a DataFrame."""
        table = _table(record_type_or_table)
        query = sa.select(table) if where is None else sa.select(table).where(where)
        with self.engine.connect() as connection:
            return pd.read_sql(query, connection)

    def count(self, table_name: str) -> int:
        table = _table(table_name)
        with self.engine.connect() as connection:
            return int(connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
