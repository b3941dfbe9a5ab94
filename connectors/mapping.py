"""Raw source rows -> canonical records (EventRecord, PersonMention, PlaceMention), driven by a
source's mapping file. Source codes become unified codes through the file's code tables.

A value that cannot be read (an unparseable date, a code missing from a table) becomes a
*problem* attached to its record; the quality gate quarantines records with problems. A category
value missing from the source's code table is read as a label (`normalize.categories`: taxonomy
names and common terms), as departments rename their categories between system versions: a label
naming one subcategory maps to it, a coarse one (纠纷/邻里纠纷) to other.unclassified; only a
value that names nothing is a problem.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, cast

import pandas as pd

from connectors.spec import EventMap, FieldMap, PersonMap, SourceSpec, Stream
from normalize.categories import UNCLASSIFIED, map_category
from normalize.dates import InvalidDate, parse_date, parse_datetime
from ontology.errors import SourceError

RECORD_ID = "_record_id"
UPDATED_AT = "_updated_at"
DELETED = "_deleted"
RAW_ID = "_raw_id"  # the raw row a canonical row came from: quarantine works on raw rows


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Return the frame's rows as dicts keyed by column name."""
    return cast(list[dict[str, Any]], frame.to_dict("records"))


@dataclass
class CanonicalBatch:
    """The canonical records made from one batch, plus what could not be read, by record id."""

    events: pd.DataFrame
    persons: pd.DataFrame
    places: pd.DataFrame
    problems: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))


def dig(row: Any, path: str) -> Any:
    """Return a value by dotted path (`reporter.name` reads a nested object); None if absent."""
    if isinstance(row, dict) and path in row:
        return row[path]
    value: Any = row
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value)) or value == ""


def stream_frame(rows: list[dict[str, Any]], stream: Stream) -> pd.DataFrame:
    """Return raw rows as a frame with the record id, update time and delete flag made explicit."""
    frame = pd.DataFrame(rows)
    missing = [c for c in (stream.record_id, stream.updated_at) if c not in frame]
    if missing:  # a reader that let such rows through would otherwise end in a KeyError
        raise SourceError(f"{stream.name}: the rows have no column {', '.join(map(repr, missing))}")
    frame[RAW_ID] = range(len(frame))
    frame[RECORD_ID] = frame[stream.record_id].astype(str)
    frame[UPDATED_AT] = frame[stream.updated_at]
    deleted = frame[stream.deleted] if stream.deleted and stream.deleted in frame else False
    frame[DELETED] = deleted.isin(stream.deleted_values) if isinstance(deleted, pd.Series) else False
    return frame


class _Reader:
    """Reads one canonical value from a raw row, noting problems against the record."""

    def __init__(self, spec: SourceSpec, problems: dict[int, list[str]]) -> None:
        self.spec = spec
        self.problems = problems

    def value(self, row: dict[str, Any], fmap: FieldMap, target: str) -> Any:
        if fmap.value is not None:
            return fmap.value
        if not fmap.field:
            return None
        raw = dig(row, fmap.field)
        if _is_missing(raw):
            return None
        record = row[RECORD_ID]
        raw_id = row[RAW_ID]
        if fmap.table:
            code = str(raw)
            mapped = self.spec.tables.get(fmap.table, {}).get(code)
            if mapped is None and target == "category":
                mapped = _category_from_label(code)
            if mapped is None:
                self.problems[raw_id].append(
                    f"{self.spec.source} {record}: {fmap.field} code {code!r} is not in table {fmap.table}"
                )
            return mapped
        if fmap.parse:
            return self._parse(raw, fmap, record, raw_id)
        return raw if isinstance(raw, str) else str(raw)

    def _parse(self, raw: Any, fmap: FieldMap, record: str, raw_id: int) -> Any:
        try:
            if isinstance(raw, dt.datetime):
                return raw if fmap.parse == "datetime" else raw.date()
            text = str(raw)
            return parse_datetime(text) if fmap.parse == "datetime" else parse_date(text)
        except (InvalidDate, ValueError):
            self.problems[raw_id].append(
                f"{self.spec.source} {record}: {fmap.field} {str(raw)[:40]!r} is not a {fmap.parse}"
            )
            return None


def _category_from_label(value: str) -> str | None:
    """Return the taxonomy code a category value read as a label names (a coarse label: the
    catch-all), or None when it names nothing."""
    found = map_category(value)
    if not found.known:
        return None
    return found.code if found.specific else UNCLASSIFIED


def _event_rows(frame: pd.DataFrame, emap: EventMap, reader: _Reader, batch_id: str) -> list[dict[str, Any]]:
    rows = []
    for row in _records(frame):
        rows.append(
            {
                "source": reader.spec.source,
                RAW_ID: row[RAW_ID],
                "record_id": row[RECORD_ID],
                "category": reader.value(row, emap.category, "category"),
                "source_category_code": reader.value(row, emap.source_category_code, "code"),
                "occurred_at": reader.value(row, emap.occurred_at, "occurred_at"),
                "reported_at": reader.value(row, emap.reported_at, "reported_at"),
                "status": reader.value(row, emap.status, "status"),
                "description": reader.value(row, emap.description, "description"),
                "address": reader.value(row, emap.address, "address"),
                "handling_department": reader.value(row, emap.handling_department, "handling_department"),
                "satisfaction": reader.value(row, emap.satisfaction, "satisfaction"),
                "updated_at": row["_updated_at_parsed"],
                "deleted": bool(row[DELETED]),
                "batch_id": batch_id,
            }
        )
    return rows


_PERSON_FIELDS = ("name", "id_number", "phone", "birth_date", "gender", "address")


def _elements(row: dict[str, Any], pmap: PersonMap) -> list[dict[str, Any]]:
    if not pmap.each:
        return [row]
    elements = row.get(pmap.each)
    if elements is None or isinstance(elements, float):
        return []
    return [{**element, RECORD_ID: row[RECORD_ID], RAW_ID: row[RAW_ID]} for element in elements]


def _person_rows(
    frame: pd.DataFrame, pmap: PersonMap, reader: _Reader, batch_id: str, positions: dict[str, int]
) -> list[dict[str, Any]]:
    """Return the mentions one person map makes; positions number mentions per record across maps."""
    rows = []
    for row in _records(frame):
        record_id = str(row[pmap.record_id]) if pmap.record_id else row[RECORD_ID]
        for source_row in _elements(row, pmap):
            position = positions.get(row[RAW_ID], 0)
            positions[row[RAW_ID]] = position + 1
            mention_id = str(row[pmap.mention_id]) if pmap.mention_id else f"{record_id}#{position}"
            mention = {
                "source": reader.spec.source,
                RAW_ID: row[RAW_ID],
                "mention_id": mention_id,
                "record_id": record_id,
                "role": reader.value(source_row, pmap.role, "role"),
                "updated_at": row["_updated_at_parsed"],
                "deleted": bool(row[DELETED]),
                "batch_id": batch_id,
            }
            for name in _PERSON_FIELDS:
                mention[name] = reader.value(source_row, getattr(pmap, name), name)
            rows.append(mention)
    return rows


def _place_rows(
    frame: pd.DataFrame, spec: SourceSpec, reader: _Reader, batch_id: str
) -> list[dict[str, Any]]:
    rows = []
    for row in _records(frame):
        for position, fmap in enumerate(spec.places):
            address = reader.value(row, fmap, "address")
            if address:
                rows.append(
                    {
                        "source": spec.source,
                        RAW_ID: row[RAW_ID],
                        "mention_id": f"{row[RECORD_ID]}@{position}",
                        "record_id": row[RECORD_ID],
                        "address": address,
                        "grid_code": reader.value(row, fmap.grid_code, "grid_code"),
                        "updated_at": row["_updated_at_parsed"],
                        "deleted": bool(row[DELETED]),
                        "batch_id": batch_id,
                    }
                )
    return rows


def _parse_updated(frame: pd.DataFrame, spec: SourceSpec, stream: Stream, reader: _Reader) -> pd.DataFrame:
    stamp = FieldMap(field=UPDATED_AT, parse="datetime")
    frame = frame.copy()
    frame["_updated_at_parsed"] = [
        reader.value(row, stamp, "updated_at") for row in _records(frame[[RECORD_ID, RAW_ID, UPDATED_AT]])
    ]
    return frame


def map_stream(
    spec: SourceSpec, stream: Stream, raw: pd.DataFrame, batch_id: str, batch: CanonicalBatch | None = None
) -> CanonicalBatch:
    """Return the canonical records a stream's raw frame (from `stream_frame`) makes.

    Canonical rows carry RAW_ID, the position of their raw row in the batch; problems are keyed
    by it too, so quarantine works on raw rows (record versions), not on whole records.
    """
    problems: dict[int, list[str]] = batch.problems if batch else defaultdict(list)
    reader = _Reader(spec, problems)
    frame = _parse_updated(raw, spec, stream, reader) if len(raw) else pd.DataFrame()
    events, persons, places = [], [], []
    if not frame.empty:
        if spec.events.stream == stream.name:
            events = _event_rows(frame, spec.events, reader, batch_id)
            places = _place_rows(frame, spec, reader, batch_id)
        positions: dict[str, int] = {}
        for pmap in spec.persons:
            if pmap.stream == stream.name:
                persons.extend(_person_rows(frame, pmap, reader, batch_id, positions))
    new = CanonicalBatch(pd.DataFrame(events), pd.DataFrame(persons), pd.DataFrame(places), problems)
    if batch is None:
        return new
    return CanonicalBatch(
        pd.concat([batch.events, new.events], ignore_index=True),
        pd.concat([batch.persons, new.persons], ignore_index=True),
        pd.concat([batch.places, new.places], ignore_index=True),
        problems,
    )
