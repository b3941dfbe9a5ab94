"""`cityhub resolve people|places` on users' own files, with the hub's city settings."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd

from cityhub.config import Settings, get_settings
from cityhub.record_files import read_category_mapping, read_records, read_times, write_records
from entity_resolution.events.prepare import PrepareOptions as EventPrepareOptions
from entity_resolution.events.resolve import EventOptions, resolve_events
from entity_resolution.people import ResolveOptions, resolve_people
from entity_resolution.people.prepare import PrepareOptions
from entity_resolution.places import PlaceOptions, resolve_places
from ontology.errors import BadInput

__all__ = [
    "EVENT_COLUMNS",
    "PEOPLE_COLUMNS",
    "PLACE_COLUMNS",
    "people_options",
    "place_options",
    "resolve_events_file",
    "resolve_people_file",
    "resolve_places_file",
]

PEOPLE_COLUMNS = ("record_id", "source", "name", "id_number", "phone", "birth_date", "gender", "address")
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
    return PlaceOptions(city_code=(settings or get_settings()).city_code)


def resolve_people_file(source: Path, target: Path, settings: Settings | None = None) -> dict[str, int]:
    """Resolve the person records in `source`; write record_id, person_id to `target`."""
    records = read_records(source, PEOPLE_COLUMNS)
    result = resolve_people(
        records.assign(source=records["source"].fillna("")), options=people_options(settings)
    )
    out = records[["record_id"]].merge(result.assignments, on="record_id", how="left")
    write_records(out, target, like=source)
    return {
        "records": len(out),
        "people": int(out["person_id"].nunique()),
        "to review": len(result.review_queue),
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
