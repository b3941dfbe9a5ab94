"""`cityhub resolve people|places` on users' own files, with the hub's city settings."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from cityhub.config import Settings, get_settings
from cityhub.record_files import read_records, write_records
from entity_resolution.people import ResolveOptions, resolve_people
from entity_resolution.people.prepare import PrepareOptions
from entity_resolution.places import PlaceOptions, resolve_places

__all__ = ["PEOPLE_COLUMNS", "PLACE_COLUMNS", "people_options", "place_options",
           "resolve_people_file", "resolve_places_file"]

PEOPLE_COLUMNS = ("record_id", "source", "name", "id_number", "phone", "birth_date", "gender", "address")
PLACE_COLUMNS = ("record_id", "address")


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
    result = resolve_people(records.assign(source=records["source"].fillna("")), options=people_options(settings))
    out = records[["record_id"]].merge(result.assignments, on="record_id", how="left")
    write_records(out, target, like=source)
    return {"records": len(out), "people": int(out["person_id"].nunique()),
            "to review": len(result.review_queue)}


def resolve_places_file(source: Path, target: Path, settings: Settings | None = None) -> dict[str, int]:
    """Resolve the addresses in `source`; write record_id, place_id to `target` (empty: not recognised)."""
    records = read_records(source, PLACE_COLUMNS)
    result = resolve_places(records, place_options(settings))
    out = records[["record_id"]].merge(result.assignments[["record_id", "place_id"]], on="record_id", how="left")
    write_records(out, target, like=source)
    placed = out["place_id"].notna()
    return {"records": len(out), "places": int(out.loc[placed, "place_id"].nunique()),
            "not recognised": int((~placed).sum())}


