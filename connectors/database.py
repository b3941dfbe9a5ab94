"""Incremental extracts from a relational database through SQLAlchemy (keyset pages by
updated-at and primary key, so a chunk boundary never drops or repeats a row).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

import sqlalchemy as sa

from connectors.spec import DatabaseFetch, expand_variables
from ontology.errors import SourceError


class DatabaseReader:
    """Reads rows changed since a watermark from one table."""

    def __init__(
        self, source: str, fetch: DatabaseFetch, record_id: str, variables: Mapping[str, str]
    ) -> None:
        self.source = source
        self.fetch = fetch
        self.record_id = record_id
        self.engine = sa.create_engine(expand_variables(fetch.url, variables))

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def columns(self) -> list[str]:
        """Return the table's column names as the database has them now."""
        try:
            return [c["name"] for c in sa.inspect(self.engine).get_columns(self.fetch.table)]
        except sa.exc.SQLAlchemyError as error:
            raise SourceError(f"{self.source}: cannot read table {self.fetch.table}: {error}") from error

    def _table(self) -> sa.Table:
        return sa.Table(self.fetch.table, sa.MetaData(), autoload_with=self.engine)

    def pages(self, since: str) -> Iterator[list[dict[str, Any]]]:
        """Yield rows with updated-at after `since`, ordered by (updated-at, id), a chunk at a time."""
        table = self._table()
        updated = table.c[self.fetch.updated_column]
        key = table.c[self.record_id]
        since_value = dt.datetime.fromisoformat(since) if since else dt.datetime.min
        last: tuple[Any, Any] | None = None
        with self.engine.connect() as connection:
            while True:
                query = sa.select(table).where(updated > since_value).order_by(updated, key)
                if last is not None:
                    query = query.where(sa.tuple_(updated, key) > sa.tuple_(*last))
                rows = connection.execute(query.limit(self.fetch.chunk_rows)).mappings().all()
                if not rows:
                    return
                yield [dict(row) for row in rows]
                last = (rows[-1][updated.name], rows[-1][key.name])
