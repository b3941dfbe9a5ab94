"""The warehouse, cityhub's system of record, through SQLAlchemy (SQLite by default, PostgreSQL).

Canonical records are upserted by key and the latest version wins: a row only replaces the stored
one when its `updated_at` is not older, so replaying an old batch never rolls a record back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from cityhub.lake import BatchManifest
from cityhub.warehouse.bulk import bulk_insert_new, bulk_upsert
from cityhub.warehouse.loader import BulkLoad, status_versions
from cityhub.warehouse.schema import (
    RECORD_TABLES,
    batches,
    metadata,
    quarantine,
    record_status_history,
    source_files,
    source_runs,
    watermarks,
)
from cityhub.warehouse.sealed import KEY_FILE, QuarantineSeal, masked_raw
from connectors.file_drop import KnownFiles


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


def _table(name: str) -> sa.Table:
    """Return a table by record type name (`PersonMention`) or table name (`batches`)."""
    return RECORD_TABLES[name] if name in RECORD_TABLES else metadata.tables[name]


class Warehouse:
    """Canonical records, batch log, watermarks and quarantine in one database."""

    def __init__(self, url: str, quarantine_key: Path | None = None) -> None:
        """Open the warehouse at `url`; quarantined rows are sealed with `quarantine_key` (default:
        `quarantine.key` under the hub home, made on first use)."""
        self.url = url
        self.engine = create_engine(url)
        if quarantine_key is None:
            from cityhub.config import get_settings

            quarantine_key = get_settings().home / KEY_FILE
        self.seal = QuarantineSeal(quarantine_key)

    def create_all(self) -> None:
        """Create missing tables (tests and the embedded default; production runs Alembic)."""
        metadata.create_all(self.engine)

    def upsert_records(self, record_type: str, frame: pd.DataFrame) -> int:
        """Return the number of rows offered, loaded in bulk in one transaction; a stored row changes
        only if the offered one is not older (see `cityhub.warehouse.bulk`)."""
        if frame.empty:
            return 0
        with self.engine.begin() as connection:
            offered = bulk_upsert(connection, RECORD_TABLES[record_type], frame)
            if record_type == "EventRecord":  # the version's status joins the history in the same commit
                self.append_status_history(frame, connection)
        return offered

    def bulk_load(self) -> BulkLoad:
        """Return a block in which record loads run in a writer thread and commit together
        (see `cityhub.warehouse.loader`)."""
        return BulkLoad(self.engine)

    def append_status_history(self, frame: pd.DataFrame, connection: sa.Connection | None = None) -> int:
        """Append the status of every event record version in `frame` to `record_status_history` in one
        bulk insert (a version already there is skipped); inside `connection`'s transaction if given."""
        if frame.empty:
            return 0
        versions = status_versions(frame)
        if connection is not None:
            return bulk_insert_new(connection, record_status_history, versions)
        with self.engine.begin() as own:
            return bulk_insert_new(own, record_status_history, versions)

    def quarantine_rows(self, rows: Iterable[dict[str, Any]]) -> int:
        """Store quarantined rows, their `raw` row (a dict) masked and sealed, never in clear
        (idempotent per source, batch and row number)."""
        now = dt.datetime.now().replace(microsecond=0)
        payload = [
            {
                **entry,
                "raw": masked_raw(entry["raw"]),
                "raw_sealed": self.seal.seal(entry["raw"]),
                "replayable": bool(entry.get("replayable", True)),
                "quarantined_at": now,
            }
            for entry in rows
        ]
        if not payload:
            return 0
        statement = _insert(self.engine, quarantine).on_conflict_do_nothing()
        with self.engine.begin() as connection:
            connection.execute(statement, payload)
        return len(payload)

    def record_batch(
        self,
        manifest: BatchManifest,
        accepted: int,
        quarantined: int,
        files: Sequence[tuple[str, str, str]] = (),
    ) -> None:
        """Log a loaded batch, the dropped files it read ((sha256, file name, YYYYMMDD) each) and
        advance the source's watermark, in one transaction."""
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
        read = [
            {"source": manifest.source, "sha256": sha, "file_name": name, "file_day": day}
            | {"batch_id": manifest.batch_id, "read_at": now}
            for sha, name, day in files
        ]
        with self.engine.begin() as connection:
            connection.execute(batch_insert, [row])
            connection.execute(mark_upsert, [mark])
            if read:
                connection.execute(_insert(self.engine, source_files).on_conflict_do_nothing(), read)

    def known_files(self, source: str) -> KnownFiles:
        """Return the checksums of the files a stream has read, and the first date among them."""
        query = sa.select(source_files.c.sha256, source_files.c.file_day).where(
            source_files.c.source == source
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return KnownFiles(frozenset(r.sha256 for r in rows), min((r.file_day for r in rows), default=""))

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
        """Whether the source's batch with this id is already in the batch log."""
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
        """Return the number of rows of a table, named by record type or table name."""
        table = _table(table_name)
        with self.engine.connect() as connection:
            return int(connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())

    def record_run(self, source: str, error: str | None = None) -> None:
        """Note a run of a stream (its lake name) or a source, and its error if it failed."""
        now = dt.datetime.now().replace(microsecond=0)
        row: dict[str, Any] = {"source": source, "last_run_at": now}
        row.update({"last_error": error, "last_error_at": now} if error else {"last_ok_at": now})
        statement = _insert(self.engine, source_runs)
        statement = statement.on_conflict_do_update(
            index_elements=["source"], set_={k: statement.excluded[k] for k in row if k != "source"}
        )
        with self.engine.begin() as connection:
            connection.execute(statement, [row])

    def release_quarantined(self, source: str, batch_id: str, row_numbers: Sequence[int]) -> None:
        """Drop replayed rows from quarantine and count them accepted in their batch, together."""
        if not row_numbers:
            return
        released = len(row_numbers)
        with self.engine.begin() as connection:
            connection.execute(
                sa.delete(quarantine).where(
                    quarantine.c.source == source,
                    quarantine.c.batch_id == batch_id,
                    quarantine.c.row_number.in_(list(row_numbers)),
                )
            )
            connection.execute(
                sa.update(batches)
                .where(batches.c.batch_id == batch_id)
                .values(accepted=batches.c.accepted + released, quarantined=batches.c.quarantined - released)
            )

    def unsealed_quarantine(self, where: sa.ColumnElement[bool]) -> pd.DataFrame:
        """Return quarantined rows with their clear raw row (a dict) in `row`, for replay only."""
        frame = self.read_table("quarantine", where & quarantine.c.raw_sealed.is_not(None))
        rows = pd.Series(
            [self.seal.unseal(token) for token in frame["raw_sealed"]], index=frame.index, dtype=object
        )
        return frame.assign(row=rows).drop(columns=["raw_sealed"])

    def requarantine(self, source: str, batch_id: str, reasons: dict[int, str]) -> None:
        """Replace the reasons of rows that a replay found still failing."""
        with self.engine.begin() as connection:
            for row_number, text in reasons.items():
                connection.execute(
                    sa.update(quarantine)
                    .where(
                        quarantine.c.source == source,
                        quarantine.c.batch_id == batch_id,
                        quarantine.c.row_number == row_number,
                    )
                    .values(reasons=text)
                )
