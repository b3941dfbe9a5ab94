"""Case co-reference in a full run: once the cases are resolved, mentions of one case that sound the
same make one person (`entity_resolution.people.coreference`).

People are resolved before cases, so the merges come after: the people resolution is merged (stable
IDs against the previous run, so a person merged last run keeps its ID) and the run groups the
events into cases again with the merged people, as a later batch's events are linked to them. In an
increment the events' people and the cases' people keys follow the merges (`with_people_renamed`).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from entity_resolution.events.resolve import EventResolution
from entity_resolution.people import ResolveOptions
from entity_resolution.people.coreference import CASE_MENTION_COLUMNS, case_coreference, merge_people_anew
from entity_resolution.people.resolve import PeopleResolution

__all__ = ["case_mentions", "corefer_run", "renamed_people", "with_people_renamed"]


def case_mentions(keys: pd.Series, event_ids: pd.Series, case_of: pd.Series) -> pd.DataFrame:
    """Return the person mentions (`keys`, source:mention_id) with their event and its case
    (`case_of`: event_id -> case_id), as `case_coreference` reads them."""
    frame = pd.DataFrame({"record_id": keys.to_numpy(), "event_id": event_ids.to_numpy()})
    frame["case_id"] = frame["event_id"].map(case_of).to_numpy()
    return frame[CASE_MENTION_COLUMNS]


def renamed_people(before: PeopleResolution, after: PeopleResolution) -> pd.Series:
    """Return old person ID -> new person ID of the people whose ID changed between two resolutions
    of the same mentions (same row order)."""
    old = before.prepared["person_id"].to_numpy(dtype=object)
    new = after.prepared["person_id"].to_numpy(dtype=object)
    moved = old != new
    pairs = pd.DataFrame({"old": old[moved], "new": new[moved]}).drop_duplicates("old")
    return pd.Series(pairs["new"].to_numpy(dtype=object), index=pairs["old"].to_numpy(dtype=object))


def with_people_renamed(events: EventResolution, into: pd.Series) -> EventResolution:
    """Return the events with their people (`person_ids`) and their cases' person keys renamed by
    `into` (old -> new)."""
    if not len(into):
        return events
    prepared = events.prepared.copy()
    mapping = into.to_dict()
    lists = prepared["person_ids"].to_numpy(dtype=object).copy()
    for row, people in enumerate(lists):
        if any(p in mapping for p in people):
            lists[row] = sorted({mapping.get(p, p) for p in people})
    prepared["person_ids"] = lists
    keys = events.case_keys
    person = (keys["kind"] == "person") & keys["key"].isin(into.index)
    if person.any():
        keys = keys.copy()
        keys.loc[person, "key"] = keys.loc[person, "key"].map(into).to_numpy()
        # only the cases that had a key renamed can hold a key twice now
        renamed = keys["case_id"].isin(set(keys.loc[person, "case_id"])).to_numpy()
        twice = np.zeros(len(keys), dtype=bool)
        twice[renamed] = keys[renamed].duplicated(["case_id", "kind", "key"]).to_numpy()
        keys = keys[~twice].reset_index(drop=True)
    return replace(events, prepared=prepared, case_keys=keys)


def corefer_run(
    people: PeopleResolution,
    mentions: pd.DataFrame,
    previous: pd.DataFrame | None,
    decisions: pd.DataFrame | None,
    options: ResolveOptions,
) -> PeopleResolution:
    """Return a full run's people with the case merges applied (IDs stable against `previous`,
    record_id -> person_id), the same resolution when there are none; `mentions` as `case_mentions`
    returns them."""
    merges = case_coreference(people, mentions, decisions, options)
    if not len(merges):
        return people
    return merge_people_anew(people, merges, previous, options.at)
