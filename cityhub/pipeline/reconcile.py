"""Drift control: re-resolve, from scratch, the blocks incremental runs touched since the last time.

Incremental linking adds records to people and cases and merges them; it cannot split one, nor see
that two people or cases it did not touch are one, and it scores with the models of the last full
run. `reconcile` takes the people linked since the last reconciliation (kept in the fusion state)
and resolves the blocks they fall into again from scratch with the last full run's model
(`reresolve_blocks`); when cases were linked since, it learns the events' text model and weights
again from every event and resolves the events with them, as a full run does (`relearn_cases`: a
model kept for weeks scores some pairs otherwise than one learnt from today's events). It applies
the merges and splits found to the resolved tables in place and logs them in `resolved_id_changes`
as every run does. The reconcile DAG runs it nightly; a full rebuild resets the work list.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from cityhub.config import Settings, get_settings
from cityhub.pipeline.case_changes import corefer_changes
from cityhub.pipeline.fusion import replay_increment
from cityhub.pipeline.fusion_state import (
    RECONCILE_MARK,
    FusionState,
    load_state,
    read_mark,
    save_state,
    write_mark,
)
from cityhub.pipeline.link_tables import Change, resolved_people_rows
from cityhub.pipeline.resolve_tables import MENTION_COLUMNS, Resolutions, closings_of
from cityhub.pipeline.resolved_write import apply_changes
from cityhub.pipeline.table_keys import row_keys
from cityhub.resolve_files import people_options
from cityhub.warehouse import Warehouse
from cityhub.warehouse.migrate import upgrade
from cityhub.warehouse.review import read_decisions
from entity_resolution.events.escalation import CASE_COLUMNS
from entity_resolution.events.handling import CASE_HANDLING_COLUMNS, case_handling, event_deadlines
from entity_resolution.events.reconcile import relearn_cases
from entity_resolution.events.resolve import EventOptions, EventResolution
from entity_resolution.identity import changes_between
from entity_resolution.people import ResolveOptions
from entity_resolution.people.reconcile import reresolve_blocks
from entity_resolution.people.resolve import PeopleResolution

__all__ = ["reconcile"]


def _ids(prepared: pd.DataFrame) -> pd.DataFrame:
    """Return the people's prepared mentions as (record_id, entity_id)."""
    return prepared[["record_id", "person_id"]].rename(columns={"person_id": "entity_id"})


def _moved_mentions(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Return record_id, old and new person_id of the mentions whose person changed (same row order)."""
    old = before["person_id"].to_numpy(dtype=object)
    new = after["person_id"].to_numpy(dtype=object)
    moved = old != new
    return pd.DataFrame(
        {"record_id": after["record_id"].to_numpy()[moved], "old": old[moved], "new": new[moved]}
    )


def _moved_events(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Return event_id, case_id_old and case_id_new of the events whose case changed (a re-learnt
    model may move events between cases no increment touched)."""
    joined = before.merge(after, on="event_id", how="outer", suffixes=("_old", "_new"))
    return joined[joined["case_id_old"] != joined["case_id_new"]]


@dataclass(frozen=True, slots=True)
class _MovedMentions:
    """The person mentions whose person the re-resolved blocks changed, and every mention after it."""

    moved: pd.DataFrame  # record_id, old, new
    rows: pd.DataFrame  # their resolved rows, with the new person_id
    all_mentions: pd.DataFrame

    @property
    def events(self) -> set[str]:
        """Return the events (source:record_id) those mentions are of."""
        return set(self.rows["source"] + ":" + self.rows["record_id"])


def _moved_people(
    tables: dict[str, pd.DataFrame], before: pd.DataFrame, after: pd.DataFrame
) -> _MovedMentions:
    """Return the mentions whose person changed between the people's prepared tables."""
    moved = _moved_mentions(before, after)
    person_of = moved.set_index("record_id")["new"]
    mentions = tables["person_mentions"]
    keys = row_keys("person_mentions", mentions)
    rows = mentions[keys.isin(set(person_of.index)).to_numpy()].copy()
    rows["person_id"] = row_keys("person_mentions", rows).map(person_of).to_numpy()
    all_mentions = pd.concat([mentions[~keys.isin(set(person_of.index)).to_numpy()], rows], ignore_index=True)
    return _MovedMentions(moved, rows, all_mentions)


def _with_people(events: EventResolution, mentions: _MovedMentions) -> EventResolution:
    """Return the events with the people of those whose mentions moved as they are now (what the
    events are linked on), as a full run would read them."""
    changed = mentions.events
    if not changed:
        return events
    of = mentions.all_mentions.assign(
        event_id=mentions.all_mentions["source"] + ":" + mentions.all_mentions["record_id"]
    )
    of = of[of["event_id"].isin(changed) & of["person_id"].notna()]
    involved = of.groupby("event_id")["person_id"].agg(lambda s: sorted(set(s))).to_dict()
    prepared = events.prepared.copy()
    people = prepared["person_ids"].to_numpy(dtype=object).copy()
    ids = prepared["event_id"].to_numpy(dtype=object)
    for row in np.flatnonzero(prepared["event_id"].isin(changed).to_numpy()).tolist():
        people[row] = involved.get(ids[row], [])
    prepared["person_ids"] = people
    return replace(events, prepared=prepared)


def _changes(
    state: FusionState, people: Resolutions, mentions: _MovedMentions, at: dt.datetime
) -> tuple[dict[str, Change], set[str]]:
    """Return the resolved rows the re-resolved people and cases change, and the cases touched."""
    tables = state.tables
    moved, rows, all_mentions = mentions.moved, mentions.rows, mentions.all_mentions
    person_of = moved.set_index("record_id")["new"]
    touched_people = set(moved["old"]) | set(moved["new"])
    changed_events = mentions.events
    moved_events = _moved_events(state.resolutions.events.assignments, people.events.assignments)
    cases = set(moved_events["case_id_old"].dropna()) | set(moved_events["case_id_new"].dropna())
    members = people.events.assignments[people.events.assignments["case_id"].isin(cases)]
    stored = tables["events"]
    member_rows = stored[stored["event_id"].isin(set(members["event_id"]))].copy()
    member_rows["case_id"] = member_rows["event_id"].map(members.set_index("event_id")["case_id"]).to_numpy()
    case_rows = case_handling(
        people.events.cases[people.events.cases["case_id"].isin(cases)], member_rows, at
    )
    event_rows = event_deadlines(member_rows, case_rows, at)
    of_events = all_mentions.assign(event_id=all_mentions["source"] + ":" + all_mentions["record_id"])
    of_events = of_events[of_events["event_id"].isin(changed_events) & of_events["person_id"].notna()]
    people_rows, gone = resolved_people_rows(people, all_mentions, event_rows, tables, touched_people)
    columns = list(stored.columns.drop("changed_at", errors="ignore"))
    changes = {
        "people": Change(touched_people | gone, people_rows),
        "person_mentions": Change(set(person_of.index), rows[MENTION_COLUMNS]),
        "events": Change(set(event_rows["event_id"]), event_rows[columns]),
        "event_people": Change(
            changed_events, of_events[["event_id", "person_id", "role"]].drop_duplicates(ignore_index=True)
        ),
        "cases": Change(cases, case_rows[[*CASE_COLUMNS, *CASE_HANDLING_COLUMNS]]),
    }
    return changes, cases


def _merged_again(
    state: FusionState,
    people: PeopleResolution,
    decisions: pd.DataFrame | None,
    options: ResolveOptions,
    at: dt.datetime,
) -> PeopleResolution:
    """Return the re-resolved people with the merges of the cases their moved mentions are in made
    again (the re-resolve knows no cases), before the cases are learnt again from them, as a full
    run merges before it groups the cases again."""
    moved = _moved_people(state.tables, state.resolutions.people.prepared, people.prepared)
    if moved.moved.empty:
        return people
    assigned = state.resolutions.events.assignments
    cases = set(assigned.loc[assigned["event_id"].isin(moved.events), "case_id"])
    change = {"person_mentions": Change(set(moved.moved["record_id"]), moved.rows[MENTION_COLUMNS])}
    resolutions = Resolutions(people, state.resolutions.places, state.resolutions.events)
    before = state.resolutions.people.prepared[["record_id", "person_id"]]
    found = corefer_changes(resolutions, state.tables, change, cases, decisions, options, at, before)
    return found.resolutions.people


def reconcile(settings: Settings | None = None) -> dict[str, int]:
    """Re-resolve the blocks of the people and cases linked since the last reconciliation; apply the
    merges and splits found to the resolved tables; return the counts (nothing to do without a state)."""
    settings = settings or get_settings()
    url = settings.resolved_warehouse_url()
    upgrade(url)
    warehouse = Warehouse(url)
    state = load_state(settings.home, *read_mark(warehouse), replay_increment(settings))
    if state is None:
        return {"reconciled people": 0, "reconciled cases": 0}
    at = dt.datetime.now().replace(microsecond=0)
    options = people_options(settings)
    decisions = read_decisions(warehouse.engine, "person")
    touched_people = state.touched.get("person", set())
    prepared = state.resolutions.people.prepared
    seeds = prepared.loc[prepared["person_id"].isin(touched_people), "record_id"]
    people = reresolve_blocks(state.resolutions.people, seeds, decisions, options)
    people = _merged_again(state, people, decisions, options, at)
    mentions = _moved_people(state.tables, state.resolutions.people.prepared, people.prepared)
    events = _with_people(state.resolutions.events, mentions)
    if state.touched.get("case") or mentions.events:  # news since: learn the model again from all events
        events = relearn_cases(
            events, options=EventOptions(at=at), closings=closings_of(state.tables["events"])
        )
    resolutions = Resolutions(people, state.resolutions.places, events)
    changes, cases = _changes(state, resolutions, mentions, at)
    people_changes = changes_between(
        _ids(state.resolutions.people.prepared), _ids(resolutions.people.prepared), at
    )
    id_changes = pd.concat(
        [people_changes.assign(entity="person"), events.id_changes.assign(entity="case")],
        ignore_index=True,
    )
    counts, tables = apply_changes(warehouse, state.tables, changes, id_changes, at, state.mark)
    with warehouse.engine.begin() as connection:
        write_mark(connection, state.mark, at, RECONCILE_MARK)
    save_state(settings.home, FusionState(state.mark, at, resolutions, tables, state.inputs))
    counts.update(
        {
            "reconciled people": len(touched_people),
            "reconciled cases": len(state.touched.get("case", set())),
            "person merges and splits": len(people_changes),
            "case merges and splits": len(events.id_changes),
            "cases changed": len(cases),
        }
    )
    return counts
