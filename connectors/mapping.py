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
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.types import infer_dtype, is_datetime64_any_dtype

from connectors.spec import EventMap, FieldMap, PersonMap, SourceSpec, Stream
from normalize.categories import UNCLASSIFIED, map_category
from normalize.dates import EARLIEST_YEAR, LATEST_YEAR, InvalidDate, parse_date, parse_datetime
from ontology.errors import SourceError

RECORD_ID = "_record_id"
UPDATED_AT = "_updated_at"
DELETED = "_deleted"
RAW_ID = "_raw_id"  # the raw row a canonical row came from: quarantine works on raw rows


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


def _present(values: pd.Series) -> np.ndarray:
    """Return which values are there: not null and not the empty string."""
    missing = values.isna().to_numpy()
    if values.dtype == object:
        missing |= (values == "").to_numpy()
    return ~missing


def column_at(frame: pd.DataFrame, path: str) -> pd.Series:
    """Return the values a dotted path reads in every row (`reporter.name` reads a nested object),
    None where absent: a column of the frame, or a walk into its nested objects."""
    if path in frame:
        return frame[path]
    head, *rest = path.split(".")
    if head not in frame or not rest:
        return pd.Series(None, index=frame.index, dtype=object)
    values: list[Any] = frame[head].tolist()
    for part in rest:
        values = [value.get(part) if isinstance(value, dict) else None for value in values]
    return pd.Series(values, index=frame.index, dtype=object)


def _as_text(values: pd.Series) -> pd.Series:
    """Return the values as strings (numbers and the like written out), the way sources mean them."""
    if values.dtype != object:
        return values.astype(str)
    if infer_dtype(values, skipna=False) == "string":  # all text already: one pass in C
        return values
    return values.map(lambda value: value if isinstance(value, str) else str(value))


class _Columns:
    """Reads canonical columns from a raw frame, noting the values that cannot be read against their
    raw rows. The frame carries RECORD_ID and RAW_ID (see `stream_frame`)."""

    def __init__(self, spec: SourceSpec, frame: pd.DataFrame, problems: dict[int, list[str]]) -> None:
        self.spec = spec
        self.frame = frame
        self.problems = problems
        # two canonical fields often read one source field (occurred_at, reported_at): parsed once
        self._parsed: dict[tuple[str, str], tuple[pd.Series, np.ndarray]] = {}
        self._paths: dict[str, pd.Series] = {}  # and a nested path (location.address) walked once

    def value(self, fmap: FieldMap, target: str) -> pd.Series:
        """Return the canonical values of one field map for every row (None where there is none)."""
        index = self.frame.index
        if fmap.value is not None:
            return pd.Series([fmap.value] * len(index), index=index, dtype=object)
        if not fmap.field:
            return pd.Series(None, index=index, dtype=object)
        if fmap.field not in self._paths:
            self._paths[fmap.field] = column_at(self.frame, fmap.field)
        raw = self._paths[fmap.field]
        present = _present(raw)
        out = pd.Series(None, index=index, dtype=object)
        if not present.any():
            return out
        values = raw[present]
        if fmap.table:
            read, failed = self._coded(_as_text(values), fmap, target)
        elif fmap.parse:
            key = (fmap.field, fmap.parse)
            if key not in self._parsed:
                self._parsed[key] = _parsed(values, fmap.parse)
            read, failed = self._parsed[key]
        else:
            read, failed = _as_text(values), np.zeros(len(values), dtype=bool)
        if is_datetime64_any_dtype(read):  # moments stay datetime64: boxing each one costs more
            out = pd.Series(pd.NaT, index=index, dtype=read.dtype)
        out[present] = read.to_numpy()
        if failed.any():
            self._note(values[failed], fmap)
        return out

    def _coded(self, codes: pd.Series, fmap: FieldMap, target: str) -> tuple[pd.Series, np.ndarray]:
        """Return the codes through the field's code table (a category also read as a label)."""
        mapped = codes.map(self.spec.tables.get(fmap.table, {}))
        unmapped = mapped.isna().to_numpy()
        if unmapped.any() and target == "category":
            labels = {code: _category_from_label(code) for code in codes[unmapped].unique()}
            mapped[unmapped] = codes[unmapped].map(labels)
            unmapped = mapped.isna().to_numpy()
        return mapped.astype(object).where(~unmapped, None), unmapped

    def _note(self, failing: pd.Series, fmap: FieldMap) -> None:
        """Note a problem for every raw row whose value of the field could not be read."""
        source = self.spec.source
        rows = self.frame.loc[failing.index, [RECORD_ID, RAW_ID]]
        for value, record, raw_id in zip(failing, rows[RECORD_ID], rows[RAW_ID], strict=True):
            if fmap.table:
                text = f"code {str(value)!r} is not in table {fmap.table}"
            else:
                text = f"{str(value)[:40]!r} is not a {fmap.parse}"
            self.problems[int(raw_id)].append(f"{source} {record}: {fmap.field} {text}")


def _parsed(values: pd.Series, parse: str) -> tuple[pd.Series, np.ndarray]:
    """Return the values read as dates or datetimes, and which failed: moments a database sent pass
    through, text in a fixed-width form (`YYYY-MM-DD HH:MM:SS`, `YYYYMMDD`, ...) is read one
    vectorised step per form, and any other distinct value once by the project's date normaliser."""
    if is_datetime64_any_dtype(values):
        if parse == "datetime" and getattr(values.dt, "tz", None) is None:
            return values, values.isna().to_numpy()
        moments = values.dt.date if parse == "date" else values
        return moments.astype(object).where(values.notna(), None), values.isna().to_numpy()
    plain_text = parse == "datetime" and values.dtype == object
    out = pd.Series(
        pd.NaT if plain_text else None, index=values.index, dtype="M8[ns]" if plain_text else object
    )
    rest = np.ones(len(values), dtype=bool)
    texts = _arrow_text(values) if plain_text else pa.array([], type=pa.string())
    for pattern, layout in _FIXED_DATETIMES if plain_text else ():
        fits = _fullmatch(texts, pattern) & rest
        if not fits.any():
            continue
        moments = pd.to_datetime(values[fits], format=layout, errors="coerce")
        years = moments.dt.year
        read = (moments.notna() & (years >= EARLIEST_YEAR) & (years <= LATEST_YEAR)).to_numpy()
        taken = np.flatnonzero(fits)[read]
        out.iloc[taken] = moments[read].to_numpy()
        rest[taken] = False
    if not rest.any():
        return out, np.zeros(len(values), dtype=bool)
    codes, distinct = pd.factorize(values[rest])
    read_rest = [_parse_one(value, parse) for value in distinct]
    ok = np.array([moment is not _UNREADABLE for moment in read_rest] + [False], dtype=bool)
    parsed = np.array([None if m is _UNREADABLE else m for m in read_rest] + [None], dtype=object)
    # the normaliser's datetimes are naive China time within 1870-2200, which datetime64 holds
    out.iloc[np.flatnonzero(rest)] = pd.to_datetime(parsed[codes]) if plain_text else parsed[codes]
    failed = np.zeros(len(values), dtype=bool)
    failed[np.flatnonzero(rest)] = ~ok[codes]
    return out, failed


# Fixed-width forms the sources write most, each read in one vectorised step exactly as the
# date normaliser reads it (naive China time; a bare date is midnight); a value that does not
# make a real moment within the normaliser's years is left to the normaliser, which says why.
_FIXED_DATETIMES = (
    (r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", "%Y-%m-%d %H:%M:%S"),
    (r"\d{14}", "%Y%m%d%H%M%S"),
    (r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00", "%Y-%m-%dT%H:%M:%S+08:00"),
    (r"\d{4}\.\d{2}\.\d{2} \d{2}:\d{2}", "%Y.%m.%d %H:%M"),
    (r"\d{4}年\d{2}月\d{2}日 \d{2}:\d{2}", "%Y年%m月%d日 %H:%M"),
    (r"\d{4}-\d{2}-\d{2}", "%Y-%m-%d"),
    (r"\d{8}", "%Y%m%d"),
)
_UNREADABLE = object()


def _arrow_text(values: pd.Series) -> pa.StringArray:
    """Return the text values as an Arrow string array, where regexes run in C++; other values
    (numbers, datetimes) as nulls, left to the date normaliser."""
    return pa.array(
        [v if isinstance(v, str) else None for v in values.to_numpy(dtype=object)], type=pa.string()
    )


def _fullmatch(texts: pa.StringArray, pattern: str) -> np.ndarray:
    """Return which values match `pattern` whole (nulls do not)."""
    found = pc.match_substring_regex(texts, f"^(?:{pattern})$").fill_null(False)
    return np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)


def _parse_one(raw: Any, parse: str) -> Any:
    try:
        if isinstance(raw, dt.datetime):
            return raw if parse == "datetime" else raw.date()
        text = str(raw)
        return parse_datetime(text) if parse == "datetime" else parse_date(text)
    except (InvalidDate, ValueError):
        return _UNREADABLE


def _category_from_label(value: str) -> str | None:
    """Return the taxonomy code a category value read as a label names (a coarse label: the
    catch-all), or None when it names nothing."""
    found = map_category(value)
    if not found.known:
        return None
    return found.code if found.specific else UNCLASSIFIED


def _common(frame: pd.DataFrame, source: str, batch_id: str, updated: pd.Series) -> dict[str, Any]:
    """Return the columns every canonical row of a raw row shares."""
    return {
        "source": source,
        RAW_ID: frame[RAW_ID].to_numpy(),
        "updated_at": updated.to_numpy(),
        "deleted": frame[DELETED].astype(bool).to_numpy(),
        "batch_id": batch_id,
    }


def _mapped_fields(model: type[EventMap] | type[PersonMap]) -> tuple[str, ...]:
    """Return the canonical columns a map declares (its FieldMap fields), in declaration order: a
    column added to the map and to the ontology is mapped without touching this module."""
    return tuple(name for name, field in model.model_fields.items() if field.annotation is FieldMap)


_EVENT_FIELDS = _mapped_fields(EventMap)


def _events(columns: _Columns, emap: EventMap, updated: pd.Series, batch_id: str) -> pd.DataFrame:
    frame = columns.frame
    data: dict[str, Any] = {"record_id": frame[RECORD_ID].to_numpy()}
    for name in _EVENT_FIELDS:
        target = "code" if name == "source_category_code" else name
        data[name] = columns.value(getattr(emap, name), target).to_numpy()
    common = _common(frame, columns.spec.source, batch_id, updated)
    return _frame({"source": common.pop("source"), RAW_ID: common.pop(RAW_ID), **data, **common}, len(frame))


_PERSON_FIELDS = _mapped_fields(PersonMap)  # role first, then name, id_number, ...


def _elements(frame: pd.DataFrame, pmap: PersonMap) -> tuple[pd.DataFrame, np.ndarray]:
    """Return the frame a person map reads from (one row per list element with `each:`) and, for each
    of its rows, the position of its raw row in `frame`."""
    if not pmap.each:
        return frame, np.arange(len(frame))
    lists = column_at(frame, pmap.each).tolist()
    parents = [n for n, items in enumerate(lists) if isinstance(items, list) for _ in items]
    items = [item for items in lists if isinstance(items, list) for item in items]
    elements = pd.DataFrame([item if isinstance(item, dict) else {} for item in items])
    elements[RECORD_ID] = frame[RECORD_ID].to_numpy()[parents]
    elements[RAW_ID] = frame[RAW_ID].to_numpy()[parents]
    return elements, np.asarray(parents, dtype=int)


def _persons(
    columns: _Columns, pmap: PersonMap, updated: pd.Series, batch_id: str, offsets: np.ndarray
) -> pd.DataFrame:
    """Return the mentions one person map makes; `offsets` counts mentions per raw row across maps."""
    frame = columns.frame
    source_rows, parents = _elements(frame, pmap)
    if not len(parents):
        return pd.DataFrame()
    within = pd.Series(parents).groupby(parents).cumcount().to_numpy()
    positions = offsets[parents] + within
    np.add.at(offsets, parents, 1)
    records = _as_text(frame[pmap.record_id]) if pmap.record_id else frame[RECORD_ID]
    record_ids = records.to_numpy(dtype=object)[parents]
    if pmap.mention_id:
        mention_ids = _as_text(frame[pmap.mention_id]).to_numpy(dtype=object)[parents]
    else:
        mention_ids = np.array([f"{r}#{p}" for r, p in zip(record_ids, positions, strict=True)], dtype=object)
    reader = _Columns(columns.spec, source_rows, columns.problems)
    data: dict[str, Any] = {"mention_id": mention_ids, "record_id": record_ids}
    for name in _PERSON_FIELDS:
        data[name] = reader.value(getattr(pmap, name), name).to_numpy()
    common = _common(frame, columns.spec.source, batch_id, updated)
    shared = {k: v[parents] if isinstance(v, np.ndarray) else v for k, v in common.items()}
    return _frame(
        {"source": shared.pop("source"), RAW_ID: shared.pop(RAW_ID), **data, **shared}, len(parents)
    )


def _places(columns: _Columns, spec: SourceSpec, updated: pd.Series, batch_id: str) -> pd.DataFrame:
    """Return a place mention per address field that holds an address, ordered by raw row."""
    frame = columns.frame
    parts = []
    for position, fmap in enumerate(spec.places):
        addresses = columns.value(fmap, "address")
        has = addresses.notna().to_numpy() & (addresses != "").to_numpy()
        common = _common(frame, spec.source, batch_id, updated)
        data = {
            "source": spec.source,
            RAW_ID: common[RAW_ID][has],
            "mention_id": (frame[RECORD_ID] + f"@{position}").to_numpy()[has],
            "record_id": frame[RECORD_ID].to_numpy()[has],
            "address": addresses.to_numpy(dtype=object)[has],
            "grid_code": columns.value(fmap.grid_code, "grid_code").to_numpy(dtype=object)[has],
            "updated_at": common["updated_at"][has],
            "deleted": common["deleted"][has],
            "batch_id": batch_id,
        }
        parts.append(_frame(data, int(has.sum())))
    places = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    return places.sort_values(RAW_ID, kind="stable", ignore_index=True) if len(places) else places


def _frame(data: dict[str, Any], length: int) -> pd.DataFrame:
    """Return canonical rows as a frame, constants broadcast and dates typed as pandas infers them."""
    if not length:
        return pd.DataFrame()
    return pd.DataFrame(data, index=pd.RangeIndex(length)).infer_objects()


def map_stream(
    spec: SourceSpec, stream: Stream, raw: pd.DataFrame, batch_id: str, batch: CanonicalBatch | None = None
) -> CanonicalBatch:
    """Return the canonical records a stream's raw frame (from `stream_frame`) makes.

    Canonical rows carry RAW_ID, the position of their raw row in the batch; problems are keyed
    by it too, so quarantine works on raw rows (record versions), not on whole records.
    """
    problems: dict[int, list[str]] = batch.problems if batch else defaultdict(list)
    events, persons, places = pd.DataFrame(), [], pd.DataFrame()
    if len(raw):
        columns = _Columns(spec, raw, problems)
        updated = columns.value(FieldMap(field=UPDATED_AT, parse="datetime"), "updated_at")
        if spec.events.stream == stream.name:
            events = _events(columns, spec.events, updated, batch_id)
            places = _places(columns, spec, updated, batch_id)
        offsets = np.zeros(len(raw), dtype=int)
        persons = [
            _persons(columns, pmap, updated, batch_id, offsets)
            for pmap in spec.persons
            if pmap.stream == stream.name
        ]
    person_frame = pd.concat(persons, ignore_index=True) if any(len(p) for p in persons) else pd.DataFrame()
    new = CanonicalBatch(events, person_frame, places, problems)
    if batch is None:
        return new
    return CanonicalBatch(
        pd.concat([batch.events, new.events], ignore_index=True),
        pd.concat([batch.persons, new.persons], ignore_index=True),
        pd.concat([batch.places, new.places], ignore_index=True),
        problems,
    )
