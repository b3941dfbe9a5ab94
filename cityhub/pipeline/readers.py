"""Pick the reader for a stream's kind of source, and read what the source's columns are now."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Protocol

from connectors.database import DatabaseReader
from connectors.file_drop import (
    FILE_DATE_FIELD,
    FILE_FIELD,
    FILE_SHA256_FIELD,
    LINE_FIELD,
    ROW_ERROR,
    FileDropReader,
    KnownFiles,
)
from connectors.http_api import HttpApiReader
from connectors.spec import DatabaseFetch, FileDropFetch, HttpFetch, Stream

#: Columns a reader adds to raw rows; never part of the source's own schema.
READER_COLUMNS = {FILE_FIELD, LINE_FIELD, ROW_ERROR, FILE_DATE_FIELD, FILE_SHA256_FIELD}


class Reader(Protocol):
    """What the ingest needs of a source's reader."""

    def pages(self, since: str) -> Iterator[list[dict[str, Any]]]:
        """Yield the records changed after the watermark `since`, a page at a time."""
        ...

    def close(self) -> None:
        """Release what the reader holds (connections, clients)."""
        ...


def open_reader(
    source: str, stream: Stream, variables: Mapping[str, str], known: KnownFiles | None = None
) -> Reader:
    """Return a reader for the stream's fetch kind, its `${NAME}` references read from `variables`
    (for a file drop, `known` names the files already read)."""
    fetch = stream.fetch
    if isinstance(fetch, HttpFetch):
        return HttpApiReader(source, fetch, variables)
    if isinstance(fetch, DatabaseFetch):
        return DatabaseReader(source, fetch, stream.record_id, variables)
    if isinstance(fetch, FileDropFetch):
        return FileDropReader(source, fetch, variables, stream.record_id, known)
    raise TypeError(f"unknown fetch kind {type(fetch).__name__}")


def observed_columns(reader: Reader, rows: list[dict[str, Any]]) -> set[str]:
    """Return the columns the source delivers now (from the database catalogue, or the rows)."""
    if isinstance(reader, DatabaseReader):
        return set(reader.columns())
    seen: set[str] = set()
    for row in rows:
        if row.get(ROW_ERROR) is None:  # a malformed line's fields say nothing about the schema
            seen.update(row)
    return seen - READER_COLUMNS
