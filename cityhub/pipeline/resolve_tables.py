"""From canonical records to the resolved tables: people, places, events and cases in one pass.

Pure: warehouse frames in (the latest version of each canonical record, deletes dropped) and the
previous resolution's assignments for stable IDs; resolved tables out, in the shape
`cityhub.warehouse.resolved` stores and the projections read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from cityhub.pipeline.case_people import case_mentions, corefer_run
from entity_resolution.events import EVENT_COLUMNS
from entity_resolution.events.escalation import CASE_COLUMNS
from entity_resolution.events.handling import (
    CASE_HANDLING_COLUMNS,
    EVENT_HANDLING_COLUMNS,
    WITHDRAWN,
    case_handling,
    event_deadlines,
    event_handling,
)
from entity_resolution.events.recurrence import CLOSING_COLUMNS
from entity_resolution.events.resolve import EventOptions, EventResolution, resolve_events
from entity_resolution.people import ResolveOptions, resolve_people
from entity_resolution.people.resolve import PeopleResolution
from entity_resolution.places import PlaceOptions, prepare_addresses
from entity_resolution.places.link import PlaceState, place_state
from entity_resolution.places.resolve import resolve_parts

__all__ = [
    "address_mentions",
    "event_key",
    "mention_key",
    "MENTION_COLUMNS",
    "CanonicalSnapshot",
    "Previous",
    "Resolutions",
    "address_parts",
    "closings_of",
    "people_table",
    "resolve_snapshot",
    "resolve_with_state",
]

#: The columns of `resolved_person_mentions`.
MENTION_COLUMNS = [
    "source",
    "mention_id",
    "record_id",
    "person_id",
    "role",
    "name",
    "id_number",
    "phone",
    "address",
    "place_id",
    "updated_at",
]
STAFF_ROLES = ("grid_worker",)  # staff are named by the platform, not resolved as residents


@dataclass(frozen=True, slots=True)
class CanonicalSnapshot:
    """The latest canonical records: EventRecord, PersonMention and PlaceMention rows, and the
    status of every event record version seen (`record_status_history`; None: not kept)."""

    events: pd.DataFrame
    person_mentions: pd.DataFrame
    place_mentions: pd.DataFrame
    status_history: pd.DataFrame | None = None


@dataclass(frozen=True, slots=True)
class Previous:
    """The previous run's assignments: record_id -> person_id, place_id, case_id (None: first run)."""

    people: pd.DataFrame | None = None
    places: pd.DataFrame | None = None
    cases: pd.DataFrame | None = None


@dataclass(frozen=True, slots=True)
class Resolutions:
    """What an incremental run links into: the people, places and events resolutions of a run."""

    people: PeopleResolution
    places: PlaceState
    events: EventResolution


def address_parts(addresses: pd.DataFrame, options: PlaceOptions) -> pd.DataFrame:
    """Return address mentions (record_id, address, grid_code) parsed into place parts, grid code kept."""
    grid_codes = addresses["grid_code"] if "grid_code" in addresses else pd.Series("", index=addresses.index)
    parts = prepare_addresses(addresses, options)
    return parts.assign(grid_code=grid_codes.fillna("").astype(str).to_numpy())


def mention_key(frame: pd.DataFrame) -> pd.Series:
    """Return each person mention's key, "source:mention_id"."""
    return frame["source"] + ":" + frame["mention_id"]


def event_key(frame: pd.DataFrame) -> pd.Series:
    """Return each record's event id, "source:record_id"."""
    return frame["source"] + ":" + frame["record_id"]


def address_mentions(snapshot: CanonicalSnapshot) -> pd.DataFrame:
    """Return every address to place: each event's place and each person mention's address."""
    events = snapshot.place_mentions.sort_values("mention_id").drop_duplicates(["source", "record_id"])
    grid_codes = events["grid_code"] if "grid_code" in events else pd.Series(None, index=events.index)
    event_rows = pd.DataFrame(
        {
            "record_id": "event:" + event_key(events).to_numpy(),
            "address": events["address"].to_numpy(),
            "grid_code": grid_codes.to_numpy(dtype=object),
        }
    )
    people = snapshot.person_mentions.dropna(subset=["address"])
    person_rows = pd.DataFrame(
        {"record_id": "person:" + mention_key(people).to_numpy(), "address": people["address"].to_numpy()}
    )
    return pd.concat([event_rows, person_rows], ignore_index=True)


def _mode_first(frame: pd.DataFrame, key: str, column: str) -> pd.Series:
    """Return, per key, the most frequent non-null value of `column` (ties: the smallest value)."""
    known = frame.dropna(subset=[column])
    counts = known.groupby([key, column]).size().reset_index(name="n")
    best = counts.sort_values(["n", column], ascending=[False, True]).drop_duplicates(key)
    return best.set_index(key)[column]


def _list_per(frame: pd.DataFrame, key: str, column: str) -> pd.Series:
    known = frame.dropna(subset=[column]).drop_duplicates([key, column]).sort_values([key, column])
    return known.groupby(key)[column].agg(list)


def people_table(
    prepared: pd.DataFrame,
    place_of: pd.Series,
    places: pd.DataFrame,
    seen: pd.DataFrame,
) -> pd.DataFrame:
    """Return one row per person of `prepared` (prepared person mentions with their person_id): the
    values most of their mentions agree on; `seen` holds person_id, occurred_at of their events."""
    frame = prepared.assign(
        gender=prepared["gender"].fillna(prepared["id_sex"]),
        birth_date=prepared["birth_date"].fillna(prepared["id_birth"]),
        place_id=("person:" + prepared["record_id"]).map(place_of).to_numpy(),
    )
    # names written beside a valid ID number are typed from the card, not heard on the phone
    carded = frame[frame["id18"].notna()]
    name = _mode_first(carded, "person_id", "name_clean").combine_first(
        _mode_first(frame, "person_id", "name_clean")
    )
    phones = pd.concat(
        [
            frame[["person_id", "mobile"]].rename(columns={"mobile": "phone"}),
            frame[["person_id", "landline"]].rename(columns={"landline": "phone"}),
        ]
    )
    full_address = places.set_index("place_id")["full_address"]
    frame["full_address"] = frame["place_id"].map(full_address)
    people = pd.DataFrame({"person_id": sorted(frame["person_id"].unique())}).set_index("person_id")
    people["name"] = name
    people["name_pinyin"] = _mode_first(frame, "person_id", "name_key")
    people["id_number"] = _mode_first(frame, "person_id", "id18")
    people["gender"] = _mode_first(frame, "person_id", "gender")
    people["birth_date"] = pd.to_datetime(_mode_first(frame, "person_id", "birth_date")).dt.date
    people["phones"] = _list_per(phones, "person_id", "phone")
    people["addresses"] = _list_per(frame, "person_id", "full_address")
    people["first_seen"] = seen.groupby("person_id")["occurred_at"].min()
    people["last_seen"] = seen.groupby("person_id")["occurred_at"].max()
    for column in ("phones", "addresses"):
        people[column] = [value if isinstance(value, list) else [] for value in people[column]]
    return people.reset_index()


def closings_of(events: pd.DataFrame) -> pd.DataFrame:
    """Return when each event was received and closed and whether it is finished (closed or
    withdrawn), for telling a recurrence from the same case."""
    finished = events["closed_at"].notna() | (events["status"] == WITHDRAWN)
    return events.assign(finished=finished)[list(CLOSING_COLUMNS)]


def _cases(
    events: pd.DataFrame, mentions: pd.DataFrame, previous: pd.DataFrame | None, at: dt.datetime
) -> EventResolution:
    """Return the events (with handling) grouped into cases, each event with the people of its
    mentions (event_id, person_id); `events` gets its `person_ids`."""
    involved = (
        mentions.dropna(subset=["person_id"]).groupby("event_id")["person_id"].agg(lambda s: sorted(set(s)))
    )
    people = events["event_id"].map(involved)
    events["person_ids"] = [p if isinstance(p, list) else [] for p in people]
    return resolve_events(
        events[list(EVENT_COLUMNS)], previous, options=EventOptions(at=at), closings=closings_of(events)
    )


def resolve_snapshot(
    snapshot: CanonicalSnapshot,
    previous: Previous,
    people_options: ResolveOptions,
    place_options: PlaceOptions,
    at: dt.datetime,
    person_decisions: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """Return the resolved tables (see `cityhub.warehouse.resolved`), the run's id changes, and the
    people review queue (`person_review`); `person_decisions` is the review log, which wins."""
    tables, _ = resolve_with_state(snapshot, previous, people_options, place_options, at, person_decisions)
    return tables


def resolve_with_state(
    snapshot: CanonicalSnapshot,
    previous: Previous,
    people_options: ResolveOptions,
    place_options: PlaceOptions,
    at: dt.datetime,
    person_decisions: pd.DataFrame | None = None,
) -> tuple[dict[str, pd.DataFrame], Resolutions]:
    """Return `resolve_snapshot`'s tables and the resolutions a later batch is linked into."""
    parts = address_parts(address_mentions(snapshot), place_options)
    places = resolve_parts(parts, previous.places, at)
    place_of = places.assignments.set_index("record_id")["place_id"]
    path_of = places.assignments.set_index("record_id")["place_path"]

    mentions = snapshot.person_mentions[~snapshot.person_mentions["role"].isin(STAFF_ROLES)].copy()
    mentions["key"] = mention_key(mentions)
    people_input = mentions.rename(columns={"key": "record_id", "record_id": "source_record"})
    people = resolve_people(
        people_input[
            ["record_id", "source", "name", "id_number", "phone", "birth_date", "gender", "address"]
        ],
        previous.people,
        decisions=person_decisions,
        options=people_options,
    )
    person_of = people.assignments.set_index("record_id")["person_id"]
    mentions["person_id"] = mentions["key"].map(person_of)
    mentions["event_id"] = event_key(mentions)

    events = snapshot.events.copy()
    events["event_id"] = event_key(events)
    events["place_id"] = ("event:" + events["event_id"]).map(place_of)
    paths = ("event:" + events["event_id"]).map(path_of)
    events["place_path"] = [p if isinstance(p, list) else [] for p in paths]
    events = event_handling(events, snapshot.status_history)
    cases = _cases(events, mentions, previous.cases, at)
    # the cases known, mentions of one case that sound the same may make one person; the cases are
    # then grouped again with the people merged, as an increment links its events to them
    merged = corefer_run(
        people,
        case_mentions(
            mentions["key"], mentions["event_id"], cases.assignments.set_index("event_id")["case_id"]
        ),
        previous.people,
        person_decisions,
        people_options,
    )
    if merged is not people:
        people = merged
        mentions["person_id"] = mentions["key"].map(people.assignments.set_index("record_id")["person_id"])
        cases = _cases(events, mentions, previous.cases, at)
    events["case_id"] = events["event_id"].map(cases.assignments.set_index("event_id")["case_id"])
    case_rows = case_handling(cases.cases, events, at)
    events = event_deadlines(events, case_rows, at)

    seen = mentions[["person_id", "event_id"]].merge(events[["event_id", "occurred_at"]], on="event_id")
    person_mentions = mentions.assign(place_id=("person:" + mentions["key"]).map(place_of).to_numpy())
    id_changes = pd.concat(
        [
            people.id_changes.assign(entity="person"),
            places.id_changes.assign(entity="place"),
            cases.id_changes.assign(entity="case"),
        ],
        ignore_index=True,
    )
    tables = {
        "people": people_table(people.prepared, place_of, places.places, seen),
        "person_mentions": person_mentions[MENTION_COLUMNS],
        "places": places.places,
        "grids": places.grids.assign(name=places.grids["grid_id"])[["grid_id", "name", "community_id"]],
        "events": events[
            [
                "event_id",
                "source",
                "record_id",
                "category",
                "occurred_at",
                "status",
                "description",
                "address",
                "place_id",
                "case_id",
                "updated_at",
                *EVENT_HANDLING_COLUMNS,
            ]
        ],
        "event_people": mentions.dropna(subset=["person_id"])[
            ["event_id", "person_id", "role"]
        ].drop_duplicates(ignore_index=True),
        "cases": case_rows[[*CASE_COLUMNS, *CASE_HANDLING_COLUMNS]],
        "id_changes": id_changes[["entity", "old_id", "new_id", "kind", "records", "at"]],
        "person_review": people.review_queue,
    }
    state = Resolutions(people, place_state(parts, places.assignments, places.places), cases)
    return tables, state
