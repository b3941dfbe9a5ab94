"""Drift control: re-resolve, from scratch, the blocks incremental runs touched since the last time.

Incremental linking adds records to people and cases and merges them; it cannot split one, nor see
that two people or cases it did not touch are one. `reconcile` takes the people and cases linked
since the last reconciliation (kept in the fusion state), resolves the blocks they fall into again
from scratch with the models of the last full run (`reresolve_blocks`, `reresolve_cases`), applies
the merges and splits found to the resolved tables in place, and logs them in `resolved_id_changes`
as every run does. The reconcile DAG runs it nightly; a full rebuild resets the work list.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from cityhub.config import Settings, get_settings
from cityhub.pipeline.fusion_state import (
    RECONCILE_MARK,
    FusionState,
    load_state,
    read_mark,
    save_state,
    write_mark,
)
from cityhub.pipeline.link_tables import Change, resolved_people_rows, row_keys
from cityhub.pipeline.resolve_tables import MENTION_COLUMNS, Resolutions, closings_of
from cityhub.pipeline.resolved_write import apply_changes
from cityhub.resolve_files import people_options
from cityhub.warehouse import Warehouse
from cityhub.warehouse.migrate import upgrade
from cityhub.warehouse.review import read_decisions
from entity_resolution.events.escalation import CASE_COLUMNS
from entity_resolution.events.handling import CASE_HANDLING_COLUMNS, case_handling, event_deadlines
from entity_resolution.events.reconcile import reresolve_cases
from entity_resolution.events.resolve import EventOptions
from entity_resolution.people.reconcile import reresolve_blocks

__all__ = ["reconcile"]


def _moved_mentions(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Return record_id, old and new person_id of the mentions whose person changed (same row order)."""
    old = before["person_id"].to_numpy(dtype=object)
    new = after["person_id"].to_numpy(dtype=object)
    moved = old != new
    return pd.DataFrame(
        {"record_id": after["record_id"].to_numpy()[moved], "old": old[moved], "new": new[moved]}
    )


def _moved_events(before: pd.DataFrame, after: pd.DataFrame, cases: set[str]) -> pd.DataFrame:
    """Return event_id, case_id_old and case_id_new of the events in `cases` before or after whose
    case changed."""
    ids = set(before.loc[before["case_id"].isin(cases), "event_id"]) | set(
        after.loc[after["case_id"].isin(cases), "event_id"]
    )
    old = before[before["event_id"].isin(ids)]
    new = after[after["event_id"].isin(ids)]
    joined = old.merge(new, on="event_id", how="outer", suffixes=("_old", "_new"))
    return joined[joined["case_id_old"] != joined["case_id_new"]]


def _changes(state: FusionState, people: Resolutions, at: dt.datetime) -> tuple[dict[str, Change], set[str]]:
    """Return the resolved rows the re-resolved people and cases change, and the cases touched."""
    tables = state.tables
    moved = _moved_mentions(state.resolutions.people.prepared, people.people.prepared)
    person_of = moved.set_index("record_id")["new"]
    mentions = tables["person_mentions"]
    keys = row_keys("person_mentions", mentions)
    rows = mentions[keys.isin(set(person_of.index)).to_numpy()].copy()
    rows["person_id"] = row_keys("person_mentions", rows).map(person_of).to_numpy()
    all_mentions = pd.concat([mentions[~keys.isin(set(person_of.index)).to_numpy()], rows], ignore_index=True)
    touched_people = set(moved["old"]) | set(moved["new"])
    changed_events = set(rows["source"] + ":" + rows["record_id"])
    old_assign = state.resolutions.events.assignments
    reached = set(people.events.cases["case_id"]) ^ set(state.resolutions.events.cases["case_id"])
    reached |= set(state.touched.get("case", set()))
    moved_events = _moved_events(old_assign, people.events.assignments, reached)
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


def reconcile(settings: Settings | None = None) -> dict[str, int]:
    """Re-resolve the blocks of the people and cases linked since the last reconciliation; apply the
    merges and splits found to the resolved tables; return the counts (nothing to do without a state)."""
    settings = settings or get_settings()
    url = settings.resolved_warehouse_url()
    upgrade(url)
    warehouse = Warehouse(url)
    state = load_state(settings.home, *read_mark(warehouse))
    if state is None:
        return {"reconciled people": 0, "reconciled cases": 0}
    at = dt.datetime.now().replace(microsecond=0)
    options = people_options(settings)
    decisions = read_decisions(warehouse.engine, "person")
    touched_people = state.touched.get("person", set())
    prepared = state.resolutions.people.prepared
    seeds = prepared.loc[prepared["person_id"].isin(touched_people), "record_id"]
    people = reresolve_blocks(state.resolutions.people, seeds, decisions, options)
    events = reresolve_cases(
        state.resolutions.events,
        state.touched.get("case", set()),
        options=EventOptions(at=at),
        closings=closings_of(state.tables["events"]),
    )
    resolutions = Resolutions(people, state.resolutions.places, events)
    changes, cases = _changes(state, resolutions, at)
    id_changes = pd.concat(
        [people.id_changes.assign(entity="person"), events.id_changes.assign(entity="case")],
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
            "person merges and splits": len(people.id_changes),
            "case merges and splits": len(events.id_changes),
            "cases changed": len(cases),
        }
    )
    return counts
