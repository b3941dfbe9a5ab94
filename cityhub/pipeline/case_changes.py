"""Case co-reference in an increment or a reconciliation: only the cases it touched are looked at.

After a batch is linked (or blocks re-resolved), the mentions of the touched cases whose names sound
the same may make one person (`entity_resolution.people.coreference`); the merges are applied to the
people resolution (the person with more mentions keeps its ID, so the next batch is linked into the
merged person), logged as id changes of kind 'merge', and the resolved rows follow: the moved
mentions, their events' people, the merged people's rows, and the events' people lists.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from cityhub.pipeline.case_people import case_mentions, renamed_people, with_people_renamed
from cityhub.pipeline.link_tables import Change, Increment, resolved_people_rows
from cityhub.pipeline.resolve_tables import MENTION_COLUMNS, Resolutions
from cityhub.pipeline.table_keys import row_keys
from entity_resolution.people import ResolveOptions
from entity_resolution.people.coreference import case_coreference, merge_people

__all__ = ["CaseMerges", "corefer_changes", "corefer_increment"]


@dataclass(frozen=True, slots=True)
class CaseMerges:
    """The resolutions and changes after the case merges, and the merges as id changes."""

    resolutions: Resolutions
    changes: dict[str, Change]
    id_changes: pd.DataFrame  # old_id, new_id, kind, records, at (people)
    people: set[str]  # the person IDs merged: the ones gone and the ones they joined


def _overlay(table: pd.DataFrame, change: Change | None, name: str) -> pd.DataFrame:
    """Return a resolved table with a change's rows in place of those it replaces."""
    if change is None:
        return table
    kept = table[~row_keys(name, table).isin(change.keys).to_numpy()]
    return pd.concat([kept, change.rows], ignore_index=True)


def _mentions_of(table: pd.DataFrame, change: Change | None, events: set[str]) -> pd.DataFrame:
    """Return the person mentions (a change's rows in place of those it replaces) of `events`
    (source:record_id), with their event_id: a filter on the record ids first, so an increment does
    not build a key for every mention of the city."""
    records = {event.split(":", 1)[1] for event in events}
    near = _overlay(table[table["record_id"].isin(records).to_numpy()], change, "person_mentions")
    near = near.dropna(subset=["person_id"])
    near = near.assign(event_id=(near["source"] + ":" + near["record_id"]).to_numpy())
    return near[near["event_id"].isin(events).to_numpy()].reset_index(drop=True)


def _replaced(change: Change | None, name: str, keys: set[str], rows: pd.DataFrame) -> Change:
    """Return the change with `rows` (keyed by `keys`) in place of its own rows of those keys."""
    if change is None:
        return Change(keys, rows)
    own = change.rows[~row_keys(name, change.rows).isin(keys).to_numpy()]
    return Change(change.keys | keys, pd.concat([own, rows], ignore_index=True))


def corefer_changes(
    resolutions: Resolutions,
    tables: dict[str, pd.DataFrame],
    changes: dict[str, Change],
    cases: set[str],
    decisions: pd.DataFrame | None,
    options: ResolveOptions,
    at: dt.datetime,
    before: pd.DataFrame | None = None,
) -> CaseMerges:
    """Return the resolutions and the resolved rows to replace once the people of `cases` that sound
    the same in one case are merged (`tables` are the resolved tables `changes` apply to; `before`,
    record_id -> person_id, where the run started from: see `merge_people`)."""
    none = CaseMerges(resolutions, changes, resolutions.people.id_changes.iloc[0:0], set())
    if not cases:
        return none
    assignments = resolutions.events.assignments
    members = assignments[assignments["case_id"].isin(cases)]
    near = _mentions_of(tables["person_mentions"], changes.get("person_mentions"), set(members["event_id"]))
    of_cases = case_mentions(
        row_keys("person_mentions", near), near["event_id"], members.set_index("event_id")["case_id"]
    )
    people = resolutions.people
    merges = case_coreference(people, of_cases, decisions, options)
    if not len(merges):
        return none
    # the merged people's mentions in every case follow them
    mentions = _overlay(tables["person_mentions"], changes.get("person_mentions"), "person_mentions")
    mentions = mentions.dropna(subset=["person_id"])
    merged = merge_people(people, merges, at, before)
    into = renamed_people(people, merged)
    events = with_people_renamed(resolutions.events, into)
    after = Resolutions(merged, resolutions.places, events)
    moved = mentions["person_id"].isin(into.index).to_numpy()
    rows = mentions[moved].assign(person_id=mentions.loc[moved, "person_id"].map(into).to_numpy())
    mentions = pd.concat([mentions[~moved], rows], ignore_index=True)
    out = dict(changes)
    out["person_mentions"] = _replaced(
        changes.get("person_mentions"),
        "person_mentions",
        set(row_keys("person_mentions", rows)),
        rows[MENTION_COLUMNS],
    )
    touched_events = set(rows["source"] + ":" + rows["record_id"])
    of_events = mentions.assign(event_id=mentions["source"] + ":" + mentions["record_id"])
    of_events = of_events[of_events["event_id"].isin(touched_events)]
    out["event_people"] = _replaced(
        changes.get("event_people"),
        "event_people",
        touched_events,
        of_events[["event_id", "person_id", "role"]].drop_duplicates(ignore_index=True),
    )
    survivors, gone = set(into.to_numpy()), set(into.index)
    event_rows = changes["events"].rows if "events" in changes else tables["events"].iloc[0:0]
    people_rows, _ = resolved_people_rows(after, mentions, event_rows, tables, survivors)
    out["people"] = _replaced(changes.get("people"), "people", survivors | gone, people_rows)
    return CaseMerges(after, out, merged.id_changes, survivors | gone)


def corefer_increment(
    increment: Increment,
    tables: dict[str, pd.DataFrame],
    decisions: pd.DataFrame | None,
    options: ResolveOptions,
    at: dt.datetime,
) -> Increment:
    """Return the increment with the merges of the cases it touched applied (see the module doc)."""
    found = corefer_changes(
        increment.resolutions,
        tables,
        increment.changes,
        increment.touched.get("case", set()),
        decisions,
        options,
        at,
    )
    if not found.people:
        return increment
    id_changes = pd.concat(
        [increment.id_changes, found.id_changes.assign(entity="person")], ignore_index=True
    )
    touched = {**increment.touched, "person": increment.touched.get("person", set()) | found.people}
    return Increment(found.changes, id_changes, found.resolutions, increment.inputs, touched)
