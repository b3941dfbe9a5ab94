"""`cityhub resolve people|places` on users' own files, with the hub's city settings."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from cityhub.config import Settings, get_settings
from cityhub.record_files import file_format, read_category_mapping, read_records, read_times, write_records
from entity_resolution.events.prepare import PrepareOptions as EventPrepareOptions
from entity_resolution.events.resolve import EventOptions, resolve_events
from entity_resolution.people import ResolveOptions, resolve_people
from entity_resolution.people.prepare import PrepareOptions
from entity_resolution.places import PlaceOptions, resolve_places
from entity_resolution.review import DECISIONS
from ontology.errors import BadInput

__all__ = [
    "header_of",
    "EVENT_COLUMNS",
    "PEOPLE_COLUMNS",
    "PLACE_COLUMNS",
    "people_options",
    "read_decisions",
    "review_table",
    "place_options",
    "resolve_events_file",
    "resolve_people_file",
    "resolve_places_file",
]

PEOPLE_COLUMNS = ("record_id", "source", "name", "id_number", "phone", "birth_date", "gender", "address")
BIRTH_PARTS = ("birth_year", "birth_month", "birth_day")  # a birth date split into fields, instead
PLACE_COLUMNS = ("record_id", "address")
EVENT_COLUMNS = (
    "record_id",
    "source",
    "category",
    "description",
    "occurred_at",
    "address",
    "person_name",
    "person_phone",
)
UNCLASSIFIED = "other.unclassified"


def people_options(settings: Settings | None = None) -> ResolveOptions:
    """Return people resolution options for the hub's city (district names, local landlines)."""
    settings = settings or get_settings()
    prepare = replace(PrepareOptions(), city_code=settings.city_code, default_area_code=settings.area_code)
    return replace(ResolveOptions(), prepare=prepare)


def place_options(settings: Settings | None = None) -> PlaceOptions:
    """Return place resolution options for the hub's city."""
    settings = settings or get_settings()
    return PlaceOptions(city_code=settings.city_code, grid_code_pattern=settings.grid_code_pattern)


def header_of(path: Path) -> list[str]:
    """Return the column names of a record file without reading its rows."""
    if file_format(path) == "csv":
        try:
            return list(pd.read_csv(path, nrows=0, encoding="utf-8").columns)
        except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError, OSError):
            return []  # read_records names what is wrong with the file
    try:
        return list(pq.read_schema(path).names)
    except (pa.ArrowInvalid, OSError):
        return []


def _people_records(source: Path) -> pd.DataFrame:
    """Return the person records of a file, the birth date joined from year, month and day columns
    when the file splits it (any of them may be empty)."""
    header = header_of(source)
    parts = [c for c in BIRTH_PARTS if c in header]
    if len(parts) < len(BIRTH_PARTS) or "birth_date" in header:
        return read_records(source, PEOPLE_COLUMNS)
    columns = [c for c in PEOPLE_COLUMNS if c != "birth_date"] + list(BIRTH_PARTS)
    records = read_records(source, columns)
    year, month, day = (records[c].fillna("").str.strip() for c in BIRTH_PARTS)
    joined = year.str.zfill(4) + "-" + month.str.zfill(2) + "-" + day.str.zfill(2)
    return records.drop(columns=list(BIRTH_PARTS)).assign(birth_date=joined.where(year != "", None))


def read_decisions(path: Path) -> pd.DataFrame:
    """Return the decisions in a review file (left_record_id, right_record_id, decision, who, at):
    the rows a reviewer filled in; `at` defaults to the file's time."""
    columns = ("left_record_id", "right_record_id", "decision", "who", "at")
    if not path.is_file():
        raise BadInput(f"{path}: no such file")
    missing = [c for c in columns if c not in header_of(path)]
    if missing:
        raise BadInput(f"{path}: missing column(s) {', '.join(missing)}; expected {', '.join(columns)}")
    if file_format(path) == "csv":
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8", usecols=list(columns))
    else:
        frame = pq.read_table(path, columns=list(columns)).to_pandas().astype(object)
    frame = frame.where(frame.notna() & (frame != ""), None)
    frame = frame[frame["decision"].notna()]
    bad = ~frame["decision"].isin(DECISIONS)
    if bad.any():
        row = frame[bad].iloc[0]
        raise BadInput(
            f"{path}: decision {row['decision']!r} on {row['left_record_id']} and "
            f"{row['right_record_id']} is neither 'same' nor 'not_same'"
        )
    stamp = pd.Timestamp(path.stat().st_mtime, unit="s").floor("s")
    return pd.DataFrame(
        {
            "left": frame["left_record_id"].to_numpy(),
            "right": frame["right_record_id"].to_numpy(),
            "decision": frame["decision"].to_numpy(),
            "who": frame["who"].fillna("").to_numpy(),
            "at": pd.to_datetime(frame["at"], errors="coerce", format="mixed").fillna(stamp).to_numpy(),
        }
    )


def review_table(queue: pd.DataFrame) -> pd.DataFrame:
    """Return a review queue as a reviewer's file: both record ids, score, probability, the reason
    in words, and empty decision, who and at columns to fill in."""
    return pd.DataFrame(
        {
            "left_record_id": queue["left"].to_numpy(),
            "right_record_id": queue["right"].to_numpy(),
            "score": queue["score"].astype(float).round(2).to_numpy(),
            "probability": queue["probability"].astype(float).round(3).to_numpy(),
            "reason": queue["reason"].to_numpy(),
            "decision": None,
            "who": None,
            "at": None,
        }
    )


def resolve_people_file(
    source: Path,
    target: Path,
    settings: Settings | None = None,
    review: Path | None = None,
    decisions: Path | None = None,
) -> dict[str, int]:
    """Resolve the person records in `source`; write record_id, person_id to `target`.

    `review` receives the pairs a person should decide; `decisions` is such a file with decisions
    filled in (or any log of left_record_id, right_record_id, decision, who, at), which this run obeys.
    """
    records = _people_records(source)
    log = read_decisions(decisions) if decisions is not None else None
    result = resolve_people(
        records.assign(source=records["source"].fillna("")), decisions=log, options=people_options(settings)
    )
    out = records[["record_id"]].merge(result.assignments, on="record_id", how="left")
    write_records(out, target, like=source)
    if review is not None:
        write_records(review_table(result.review_queue), review, like=review)
    return {
        "records": len(out),
        "people": int(out["person_id"].nunique()),
        "to review": len(result.review_queue),
        "decisions obeyed": 0 if log is None else len(log),
    }


def resolve_places_file(source: Path, target: Path, settings: Settings | None = None) -> dict[str, int]:
    """Resolve the addresses in `source`; write record_id, place_id to `target` (empty: not recognised)."""
    records = read_records(source, PLACE_COLUMNS)
    result = resolve_places(records, place_options(settings))
    out = records[["record_id"]].merge(
        result.assignments[["record_id", "place_id"]], on="record_id", how="left"
    )
    write_records(out, target, like=source)
    placed = out["place_id"].notna()
    return {
        "records": len(out),
        "places": int(out.loc[placed, "place_id"].nunique()),
        "not recognised": int((~placed).sum()),
    }


def _event_people(records: pd.DataFrame, settings: Settings | None) -> pd.Series:
    """Return each record's resolved person (a one-element list, empty without a name or phone)."""
    named = records[records["person_name"].notna() | records["person_phone"].notna()]
    if named.empty:
        return pd.Series([[] for _ in range(len(records))], index=records.index)
    mentions = pd.DataFrame(
        {
            "record_id": named["record_id"],
            "source": named["source"].fillna(""),
            "name": named["person_name"],
            "id_number": None,
            "phone": named["person_phone"],
            "birth_date": None,
            "gender": None,
            "address": None,
        }
    )
    person = resolve_people(mentions, options=people_options(settings)).assignments.set_index("record_id")[
        "person_id"
    ]
    return records["record_id"].map(person).map(lambda p: [p] if isinstance(p, str) else [])


def resolve_events_file(
    source: Path, target: Path, settings: Settings | None = None, categories: Path | None = None
) -> dict[str, int]:
    """Group the event records in `source` into cases; write record_id, case_id to `target`.

    A category is the department's own label or a taxonomy code (ontology/schema/taxonomy.yaml),
    read by names, terms and the optional `categories` mapping file (label -> code, CSV or YAML);
    a coarse or unknown label weakens the category evidence and never refuses the file. Times are
    read in every form `normalize.dates` knows; one that cannot be read is an error naming the record.
    """
    mapping = read_category_mapping(categories) if categories else None
    records = read_records(source, EVENT_COLUMNS)
    if records["source"].isna().any():
        row = records[records["source"].isna()].iloc[0]
        raise BadInput(f"{source}: record {row['record_id']!r} has an empty source")
    times = read_times(records, "occurred_at", source)
    places = resolve_places(records[["record_id", "address"]], place_options(settings)).assignments
    place = places.set_index("record_id")
    events = pd.DataFrame(
        {
            "event_id": records["record_id"],
            "source": records["source"],
            "record_id": records["record_id"],
            "category": records["category"].fillna(UNCLASSIFIED),
            "occurred_at": times,
            "description": records["description"].fillna(""),
            "place_id": records["record_id"].map(place["place_id"]),
            "place_path": records["record_id"]
            .map(place["place_path"])
            .map(lambda p: p if isinstance(p, list) else []),
            "person_ids": _event_people(records, settings),
        }
    )
    options = EventOptions(prepare=EventPrepareOptions(categories=mapping))
    result = resolve_events(events, options=options)
    out = records[["record_id"]].merge(
        result.assignments.rename(columns={"event_id": "record_id"}), on="record_id", how="left"
    )
    write_records(out, target, like=source)
    labels = result.prepared["category_label"].fillna("")
    unread = result.prepared["category"].eq(UNCLASSIFIED) & ~labels.isin(("", UNCLASSIFIED))
    coarse = ~result.prepared["category"].str.contains(".", regex=False)
    return {
        "records": len(out),
        "cases": int(out["case_id"].nunique()),
        "escalating cases": int(result.cases["escalating"].sum()),
        "labels read as a major category": int(coarse.sum()),
        "labels not recognised": int(unread.sum()),
    }
