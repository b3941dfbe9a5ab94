"""From a batch of canonical records to the resolved rows it changes, linked into the last run.

Pure, like `resolve_tables`: the batch (the latest version of every record loaded since the last
run, deletes included, and the status history of its event records), the last run's resolutions and
resolved tables in; per resolved table the rows to replace, and the new resolutions, out. New person
mentions are linked to the resolved people (`link_people`), addresses re-resolved with the earlier
mentions of their estates (`link_places`), event records linked into the cases of their blocks or
new ones (`link_events`); handling and escalation are recomputed only for the cases touched (and
those whose time limit ran out since the last run); the people and events whose person or place
changed follow.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from cityhub.pipeline.resolve_tables import (
    MENTION_COLUMNS,
    STAFF_ROLES,
    CanonicalSnapshot,
    Resolutions,
    address_mentions,
    address_parts,
    closings_of,
    event_key,
    mention_key,
    people_table,
)
from cityhub.pipeline.table_keys import keyed_rows, row_keys, split_key_rows
from entity_resolution.events import EVENT_COLUMNS
from entity_resolution.events.escalation import CASE_COLUMNS
from entity_resolution.events.handling import (
    CASE_HANDLING_COLUMNS,
    case_handling,
    event_deadlines,
    event_handling,
)
from entity_resolution.events.reconcile import drop_events
from entity_resolution.events.resolve import EventOptions, link_events
from entity_resolution.people import ResolveOptions
from entity_resolution.people.reconcile import drop_mentions
from entity_resolution.people.resolve import link_people
from entity_resolution.places import PlaceOptions
from entity_resolution.places.link import link_places

__all__ = [
    "resolved_people_rows",
    "PERSON_FIELDS",
    "Change",
    "Increment",
    "input_hashes",
    "link_batch",
    "row_keys",
]

#: What people are resolved on: a new version that changes none of these is not linked again.
PERSON_FIELDS = ["source", "name", "id_number", "phone", "birth_date", "gender", "address"]


@dataclass(frozen=True, slots=True)
class Change:
    """One resolved table's change: rows whose key (`row_keys`) is in `keys` are replaced by `rows`."""

    keys: set[str]
    rows: pd.DataFrame


@dataclass(frozen=True, slots=True)
class Increment:
    """A batch linked in: the changes per resolved table, the id changes and the new resolutions."""

    changes: dict[str, Change]
    id_changes: pd.DataFrame
    resolutions: Resolutions
    inputs: pd.Series
    touched: dict[str, set[str]]


def input_hashes(mentions: pd.DataFrame) -> pd.Series:
    """Return per person mention (source:mention_id) a hash of the fields people are resolved on."""
    text = mentions[PERSON_FIELDS].astype(str)
    return pd.Series(
        pd.util.hash_pandas_object(text, index=False).to_numpy(), index=mention_key(mentions).to_numpy()
    )


def _pick(frame: pd.DataFrame, column: str, values: set[str]) -> pd.DataFrame:
    return frame[frame[column].isin(values)]


def _link_people(
    mentions: pd.DataFrame,
    every_key: set[str],
    state: Resolutions,
    inputs: pd.Series,
    options: ResolveOptions,
    decisions: pd.DataFrame | None,
) -> tuple[Resolutions, pd.Series, set[str], set[str], pd.DataFrame]:
    """Return the people linked, the new input hashes, the mentions (keys) whose person changed,
    the people touched, and the id changes."""
    hashes = input_hashes(mentions) if len(mentions) else pd.Series(dtype="uint64")
    known = set(inputs.index[inputs.index.isin(every_key)])
    seen = hashes.index.isin(inputs.index)
    earlier = inputs.loc[hashes.index[seen]].to_numpy()  # uint64 both: no float round trip
    same = set(hashes.index[seen][earlier == hashes.to_numpy()[seen]])
    relink = mentions[~mention_key(mentions).isin(same)]
    dropped = known - same
    people = state.people
    old_ids = people.prepared["person_id"].to_numpy(dtype=object)
    gone = people.prepared["record_id"].isin(dropped).to_numpy()
    touched = set(old_ids[gone])
    people = drop_mentions(people, list(dropped))
    changes = people.id_changes.iloc[0:0]
    if len(relink):
        batch = relink.assign(record_id=mention_key(relink).to_numpy())
        columns = ["record_id", "source", "name", "id_number", "phone", "birth_date", "gender", "address"]
        people = link_people(batch[columns], people, decisions, options)
        changes = people.id_changes
    merged = set(changes["old_id"]) if len(changes) else set()
    renamed = people.prepared["person_id"].isin(merged).to_numpy() if merged else None
    moved = set(relink.pipe(mention_key))
    if renamed is not None:
        moved |= set(people.prepared.loc[renamed, "record_id"])
    touched |= merged | set(people.prepared.loc[people.prepared["record_id"].isin(moved), "person_id"])
    inputs = pd.concat([inputs.drop(list(dropped | set(hashes.index)), errors="ignore"), hashes])
    return Resolutions(people, state.places, state.events), inputs, moved, touched, changes


def _mention_rows(
    batch: pd.DataFrame,
    tables: dict[str, pd.DataFrame],
    moved: set[str],
    place_of: pd.Series,
    people: pd.DataFrame,
) -> pd.DataFrame:
    """Return the person mention rows to replace: the batch's, and earlier ones whose person or place
    moved."""
    old = tables["person_mentions"]
    again = old[keyed_rows("person_mentions", old, moved | set(place_of.index.str.removeprefix("person:")))]
    rows = pd.concat([again, batch.reindex(columns=MENTION_COLUMNS)], ignore_index=True)
    rows = rows.drop_duplicates(["source", "mention_id"], keep="last", ignore_index=True)
    key = row_keys("person_mentions", rows)
    person = people[people["record_id"].isin(set(key))].set_index("record_id")["person_id"]
    rows["person_id"] = key.map(person).to_numpy()
    in_batch = key.isin(set(row_keys("person_mentions", batch))).to_numpy()
    new_place = ("person:" + key).map(place_of)
    rows["place_id"] = new_place.where(in_batch | new_place.notna().to_numpy(), rows["place_id"]).to_numpy()
    return rows[MENTION_COLUMNS]


def link_batch(
    batch: CanonicalSnapshot,
    state: Resolutions,
    tables: dict[str, pd.DataFrame],
    inputs: pd.Series,
    people_options: ResolveOptions,
    place_options: PlaceOptions,
    at: dt.datetime,
    person_decisions: pd.DataFrame | None = None,
) -> Increment:
    """Return what a batch of records changes in the resolved tables (see the module doc)."""
    deleted = {
        n: f[f["deleted"].astype(bool)]
        for n, f in (("e", batch.events), ("m", batch.person_mentions), ("p", batch.place_mentions))
    }
    live = CanonicalSnapshot(
        batch.events[~batch.events["deleted"].astype(bool)],
        batch.person_mentions[~batch.person_mentions["deleted"].astype(bool)],
        batch.place_mentions[~batch.place_mentions["deleted"].astype(bool)],
        batch.status_history,
    )
    gone_events = set(event_key(deleted["e"]))
    # places: every address of the batch, with the earlier mentions of its estates
    addresses = address_mentions(live)
    gone_addresses = {"event:" + k for k in gone_events} | {
        "person:" + k for k in mention_key(batch.person_mentions)
    }
    linked_places = link_places(
        address_parts(addresses, place_options), state.places, pd.Series(sorted(gone_addresses)), at
    )
    before = state.places.assignments
    old_paths = before[before["record_id"].isin(set(linked_places.changed["record_id"]) | gone_addresses)]
    touched_places = (
        linked_places.touched
        | {p for path in linked_places.changed["place_path"] for p in path}
        | {p for path in old_paths["place_path"] for p in path}
    )
    old_place = old_paths.set_index("record_id")["place_id"]
    changed = linked_places.changed.set_index("record_id")["place_id"]
    was = old_place.reindex(changed.index).fillna("").astype(str).to_numpy()
    place_moved = changed[was != changed.fillna("").astype(str).to_numpy()]
    # the batch's addresses and those whose place moved: re-resolving an estate re-places all its
    # addresses, and carrying the unmoved ones on would relink every event of the estate each run
    place_of = changed[changed.index.isin(set(place_moved.index) | set(addresses["record_id"]))]
    state = Resolutions(state.people, linked_places.state, state.events)
    # people
    mentions = live.person_mentions[~live.person_mentions["role"].isin(STAFF_ROLES)]
    every_key = set(mention_key(batch.person_mentions))
    state, inputs, moved, touched_people, person_changes = _link_people(
        mentions, every_key, state, inputs, people_options, person_decisions
    )
    mention_rows = _mention_rows(mentions, tables, moved, place_of, state.people.prepared)
    moved_places = set(place_moved.index.str.removeprefix("person:"))
    touched_people |= set(
        mention_rows.loc[row_keys("person_mentions", mention_rows).isin(moved_places), "person_id"].dropna()
    )
    # events: the batch's, and earlier ones whose people or place moved
    mention_events = set(mention_rows["source"] + ":" + mention_rows["record_id"])
    relinked = (
        set(event_key(live.events))
        | (mention_events - gone_events)
        | {k.removeprefix("event:") for k in place_moved.index if k.startswith("event:")}
    )
    return _link_events(
        live,
        state,
        tables,
        inputs,
        mention_rows,
        relinked,
        gone_events,
        place_of,
        touched_people,
        touched_places,
        person_changes,
        linked_places.id_changes,
        at,
        set(row_keys("person_mentions", deleted["m"])),
    )


def _event_rows(live: CanonicalSnapshot, tables: dict[str, pd.DataFrame], relinked: set[str]) -> pd.DataFrame:
    """Return the event rows to link again: the batch's versions (handling read from their history)
    and, for earlier events linked again, their stored rows."""
    fresh = live.events.assign(event_id=event_key(live.events).to_numpy())
    fresh = event_handling(fresh, live.status_history)
    old = tables["events"]
    earlier = old[old["event_id"].isin(relinked - set(fresh["event_id"]))]
    return pd.concat([earlier, fresh], ignore_index=True)


def _link_events(
    live: CanonicalSnapshot,
    state: Resolutions,
    tables: dict[str, pd.DataFrame],
    inputs: pd.Series,
    mention_rows: pd.DataFrame,
    relinked: set[str],
    gone_events: set[str],
    place_of: pd.Series,
    touched_people: set[str],
    touched_places: set[str],
    person_changes: pd.DataFrame,
    place_changes: pd.DataFrame,
    at: dt.datetime,
    gone_mentions: set[str],
) -> Increment:
    """Return the increment once the events are linked: cases, handling, people and places rows."""
    options = EventOptions(at=at)
    events = _event_rows(live, tables, relinked)
    assignments = state.places.assignments
    addressed = assignments[assignments["record_id"].isin(set("event:" + events["event_id"]))].set_index(
        "record_id"
    )
    key = "event:" + events["event_id"]
    events["place_id"] = key.map(addressed["place_id"]).to_numpy()
    events["place_path"] = [p if isinstance(p, list) else [] for p in key.map(addressed["place_path"])]
    all_mentions = pd.concat(
        [
            tables["person_mentions"][
                ~keyed_rows(
                    "person_mentions",
                    tables["person_mentions"],
                    set(row_keys("person_mentions", mention_rows)) | gone_mentions,
                )
            ],
            mention_rows,
        ],
        ignore_index=True,
    )
    of_events = all_mentions[split_key_rows(all_mentions, "record_id", set(events["event_id"]))]
    of_events = of_events[of_events["person_id"].notna().to_numpy()]
    of_events = of_events.assign(event_id=of_events["source"] + ":" + of_events["record_id"])
    involved = of_events.groupby("event_id")["person_id"].agg(lambda s: sorted(set(s)))
    events["person_ids"] = [p if isinstance(p, list) else [] for p in events["event_id"].map(involved)]
    old_cases = state.events.prepared
    previous_case = old_cases[old_cases["event_id"].isin(set(events["event_id"]) | gone_events)]
    resolution = drop_events(state.events, gone_events, options)
    stored = tables["events"]
    known = pd.concat([stored[~stored["event_id"].isin(set(events["event_id"]))], events], ignore_index=True)
    resolution = link_events(
        events[list(EVENT_COLUMNS)], resolution, options=options, closings=closings_of(known)
    )
    merged = set(resolution.id_changes["old_id"])
    new_case = resolution.assignments[resolution.assignments["event_id"].isin(set(events["event_id"]))]
    touched_cases = set(new_case["case_id"]) | set(previous_case["case_id"]) | merged
    old_table = tables["cases"]
    due = old_table["on_time"].isna() & (pd.to_datetime(old_table["due_at"]) <= pd.Timestamp(at))
    handled = touched_cases | set(old_table.loc[due, "case_id"])
    members = resolution.assignments[resolution.assignments["case_id"].isin(handled)]
    stored = tables["events"]
    member_rows = pd.concat(
        [stored[stored["event_id"].isin(set(members["event_id"]) - set(events["event_id"]))], events],
        ignore_index=True,
    )
    member_rows = member_rows[member_rows["event_id"].isin(set(members["event_id"]))]
    member_rows["case_id"] = member_rows["event_id"].map(members.set_index("event_id")["case_id"]).to_numpy()
    case_rows = case_handling(resolution.cases[resolution.cases["case_id"].isin(handled)], member_rows, at)
    event_rows = event_deadlines(member_rows, case_rows, at)
    event_rows = pd.concat(
        [event_rows, events[~events["event_id"].isin(set(event_rows["event_id"]))]], ignore_index=True
    )
    event_people = of_events[["event_id", "person_id", "role"]].drop_duplicates(ignore_index=True)
    changed_events = set(events["event_id"])
    touched_people |= set(of_events["person_id"])
    people_rows, gone_people = resolved_people_rows(state, all_mentions, event_rows, tables, touched_people)
    places = state.places.places
    changes = {
        "people": Change(touched_people | gone_people, people_rows),
        "person_mentions": Change(
            set(row_keys("person_mentions", mention_rows)) | gone_mentions, mention_rows
        ),
        "places": Change(touched_places, places[places["place_id"].isin(touched_places)]),
        "grids": Change(
            set(tables["grids"]["grid_id"]) | set(state.places.grids["grid_id"]),
            state.places.grids.assign(name=state.places.grids["grid_id"])[
                ["grid_id", "name", "community_id"]
            ],
        ),
        "events": Change(
            set(event_rows["event_id"]) | gone_events,
            event_rows[list(tables["events"].columns.drop("changed_at", errors="ignore"))],
        ),
        "event_people": Change(changed_events | gone_events, event_people),
        "cases": Change(handled, case_rows[[*CASE_COLUMNS, *CASE_HANDLING_COLUMNS]]),
    }
    id_changes = pd.concat(
        [
            person_changes.assign(entity="person"),
            place_changes.assign(entity="place"),
            resolution.id_changes.assign(entity="case"),
        ],
        ignore_index=True,
    )
    touched = {"person": touched_people, "case": touched_cases}
    return Increment(
        changes, id_changes, Resolutions(state.people, state.places, resolution), inputs, touched
    )


def resolved_people_rows(
    state: Resolutions,
    mentions: pd.DataFrame,
    events: pd.DataFrame,
    tables: dict[str, pd.DataFrame],
    touched: set[str],
) -> tuple[pd.DataFrame, set[str]]:
    """Return the people rows of the touched people, and those of them that are gone."""
    prepared = _pick(state.people.prepared, "person_id", touched)
    theirs = mentions[mentions["person_id"].isin(touched)]
    event_id = theirs["source"] + ":" + theirs["record_id"]
    stored = tables["events"]
    when = pd.concat([stored[stored["event_id"].isin(set(event_id))], events]).drop_duplicates(
        "event_id", keep="last"
    )
    seen = pd.DataFrame({"person_id": theirs["person_id"].to_numpy(), "event_id": event_id.to_numpy()}).merge(
        when[["event_id", "occurred_at"]], on="event_id"
    )
    assignments = state.places.assignments
    addressed = assignments[assignments["record_id"].isin(set("person:" + prepared["record_id"]))]
    place_of = addressed.set_index("record_id")["place_id"]
    rows = people_table(prepared, place_of, state.places.places, seen)
    return rows, touched - set(rows["person_id"])
