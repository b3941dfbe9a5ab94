"""Case co-reference: one resident named in several department records of one incident is one person.

People are resolved before event records are grouped into cases, so two mentions of one resident
that the pair scores alone leave apart stay two people: the hotline caller 皇娜 on her mobile and
the police caller 黄娜 on the landline of room 2-1-1701, the same morning. Once the cases are known,
that the two sit in one case is evidence the pair scores could not see. Mentions of different
records of one case whose names sound the same (`name_key`, the phonetic key `prepare` writes)
then make one person, when

- the case names few people (at most `max_case_people`): among the many co-signers of a petition
  two may well share a name's sound;
- no record of the case names two people of that sound (which of them would the other record mean?);
- the mentions' own pair score is not strongly negative (above the clustering's `cannot`);
- the two people pass the clustering's own merge checks for a weak link (`cluster.rebuild_components`):
  not two valid ID numbers, not two genders, no far-apart birth dates (where births are reliable),
  no human not_same decision between them. ID numbers a slip apart count as two here: a person
  holding two already may be two people the pair scores joined, and adding to it on the name's
  sound alone joined wrong mentions in the simulated city.

`case_coreference` finds the merges; `merge_people` applies them to a resolution a batch was linked
into (the ID most of the merged mentions had keeps), `merge_people_anew` to a whole run's resolution
(stable IDs against the previous run's, as `resolve_people` assigns them). All pure: tables in,
tables out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from entity_resolution.identity import assign_stable_ids
from entity_resolution.people.cluster import (
    CANNOT_DECIDED,
    Attributes,
    components,
    rebuild_components,
)
from entity_resolution.people.compare import encode, score_pairs
from entity_resolution.people.resolve import (
    PERSON_PREFIX,
    PeopleResolution,
    ResolveOptions,
    _cluster_options,
    _previous_ids,
)
from entity_resolution.review import decided_positions

__all__ = [
    "CASE_MENTION_COLUMNS",
    "MERGE_COLUMNS",
    "CoreferenceOptions",
    "case_coreference",
    "merge_people",
    "merge_people_anew",
    "merged_ids",
]

#: What `case_coreference` reads of each person mention: its person-resolution record_id, the
#: event record it is of, and that record's case.
CASE_MENTION_COLUMNS = ["record_id", "event_id", "case_id"]
#: One row per merge: the two mentions (record ids) that sound the same, their case, their people.
MERGE_COLUMNS = ["left", "right", "case_id", "left_person", "right_person"]


@dataclass(frozen=True, slots=True)
class CoreferenceOptions:
    """When a case's mentions may make one person."""

    # A case naming more people than this is left alone: a petition signed by many, a brawl.
    max_case_people: int = 6


def _case_rows(prepared: pd.DataFrame, mentions: pd.DataFrame, options: CoreferenceOptions) -> pd.DataFrame:
    """Return the mentions of small cases with a name sound: position in `prepared`, person, sound."""
    # an index of the prepared mentions these name only: an increment's few, not the city's millions
    named = np.flatnonzero(prepared["record_id"].isin(set(mentions["record_id"])).to_numpy())
    found = pd.Index(prepared["record_id"].to_numpy()[named]).get_indexer(mentions["record_id"])
    position = np.where(found >= 0, named[np.maximum(found, 0)], -1) if len(named) else found
    rows = mentions.loc[position >= 0, CASE_MENTION_COLUMNS].assign(pos=position[position >= 0])
    rows = rows.dropna(subset=["case_id"])
    rows["person_id"] = prepared["person_id"].to_numpy(dtype=object)[rows["pos"].to_numpy()]
    rows["sound"] = prepared["name_key"].to_numpy(dtype=object)[rows["pos"].to_numpy()]
    people = rows.groupby("case_id")["person_id"].nunique()
    small = people[(people >= 2) & (people <= options.max_case_people)].index
    rows = rows[rows["case_id"].isin(small) & rows["sound"].notna() & (rows["sound"] != "")]
    # a record naming two people of one sound leaves the other records' mention ambiguous
    per_record = rows.groupby(["case_id", "sound", "event_id"])["person_id"].transform("nunique")
    ambiguous = rows.loc[per_record.to_numpy() > 1, ["case_id", "sound"]].drop_duplicates()
    if len(ambiguous):
        marked = rows.merge(ambiguous.assign(_bad=True), on=["case_id", "sound"], how="left")
        rows = rows[marked["_bad"].isna().to_numpy()]
    result: pd.DataFrame = rows
    return result


def _candidate_pairs(rows: pd.DataFrame) -> pd.DataFrame:
    """Return mention pairs of one case and sound, of different records and different people."""
    pairs = rows.merge(rows, on=["case_id", "sound"], suffixes=("_l", "_r"))
    keep = (pairs["event_id_l"] != pairs["event_id_r"]) & (pairs["person_id_l"] < pairs["person_id_r"])
    return pairs[keep].reset_index(drop=True)


def _local(prepared: pd.DataFrame, people: set[str]) -> pd.DataFrame:
    """Return every prepared mention of the people, ordered by record_id (order-free outcome)."""
    local = prepared[prepared["person_id"].isin(people)]
    return local.sort_values("record_id", kind="stable").reset_index(drop=True)


def _edges(
    local: pd.DataFrame, left: np.ndarray, right: np.ndarray, decisions: pd.DataFrame | None
) -> pd.DataFrame:
    """Return the clustering's pairs: each person's mentions tied, the case links (weak: the
    `link` score), and the human not_same decisions among the mentions."""
    n = len(local)
    first = pd.Series(np.arange(n)).groupby(local["person_id"].to_numpy()).transform("min").to_numpy(np.int64)
    tie = first != np.arange(n)
    decided = decided_positions(decisions, local["record_id"])
    refused = decided[decided["decision"] == "not_same"]
    return pd.DataFrame(
        {
            "left": np.r_[first[tie], left, refused["left"].to_numpy(np.int64)],
            "right": np.r_[np.arange(n)[tie], right, refused["right"].to_numpy(np.int64)],
            "score": np.r_[np.full(int(tie.sum()), np.inf), np.zeros(len(left)), np.zeros(len(refused))],
            "cannot": np.r_[
                np.zeros(int(tie.sum()) + len(left)), np.full(len(refused), CANNOT_DECIDED)
            ].astype(np.int8),
        }
    )


def case_coreference(
    resolution: PeopleResolution,
    mentions: pd.DataFrame,
    decisions: pd.DataFrame | None = None,
    options: ResolveOptions | None = None,
    coreference: CoreferenceOptions | None = None,
) -> pd.DataFrame:
    """Return the merges (`MERGE_COLUMNS`) the cases of `mentions` (`CASE_MENTION_COLUMNS`) call for
    among the resolution's people (see the module doc); `decisions` is the people review log."""
    options = options or ResolveOptions()
    rows = _case_rows(resolution.prepared, mentions, coreference or CoreferenceOptions())
    pairs = _candidate_pairs(rows)
    if not len(pairs):
        return pd.DataFrame(columns=MERGE_COLUMNS)
    people = set(pairs["person_id_l"]) | set(pairs["person_id_r"])
    local = _local(resolution.prepared, people)
    position = pd.Series(np.arange(len(local)), index=local["record_id"].to_numpy())
    left = position.reindex(pairs["record_id_l"].to_numpy()).to_numpy(np.int64)
    right = position.reindex(pairs["record_id_r"].to_numpy()).to_numpy(np.int64)
    enc = encode(local)
    model = resolution.model
    scored = score_pairs(
        enc,
        pd.DataFrame({"left": left, "right": right}),
        model.weights(),
        model.tf_arrays(enc),
        model.m_tf(),
        model.prior,
    )
    cluster = _cluster_options(model, options)
    plausible = scored["score"].to_numpy(np.float64) > cluster.cannot
    pairs, left, right = pairs[plausible].reset_index(drop=True), left[plausible], right[plausible]
    edges = _edges(local, left, right, decisions)
    joins = edges["cannot"].to_numpy() == 0
    labels = components(
        len(local), edges["left"].to_numpy(np.int64)[joins], edges["right"].to_numpy(np.int64)[joins]
    )
    # raw ID codes: a person already holding two valid ID numbers (a slip, or two people the scores
    # joined) takes no merge on the name's sound alone
    attrs = Attributes(enc.codes["id18"], enc.birth, enc.gender)
    rebuild_components(labels, np.arange(len(local), dtype=np.int64), edges, attrs, cluster, [])
    merged = labels[left] == labels[right]
    return pd.DataFrame(
        {
            "left": pairs["record_id_l"].to_numpy()[merged],
            "right": pairs["record_id_r"].to_numpy()[merged],
            "case_id": pairs["case_id"].to_numpy()[merged],
            "left_person": pairs["person_id_l"].to_numpy()[merged],
            "right_person": pairs["person_id_r"].to_numpy()[merged],
        }
    )[MERGE_COLUMNS].sort_values(["left", "right"], ignore_index=True)


def merged_ids(merges: pd.DataFrame, sizes: pd.Series) -> pd.Series:
    """Return, for every person a merge removes, the person it joins: of each group of people merged
    together, the one with the most votes (`sizes`, by person ID; ties: the smaller ID)."""
    if not len(merges):
        return pd.Series(dtype=object)
    ids, codes = np.unique(
        np.r_[merges["left_person"].to_numpy(str), merges["right_person"].to_numpy(str)], return_inverse=True
    )
    half = len(merges)
    group = components(len(ids), codes[:half].astype(np.int64), codes[half:].astype(np.int64))
    frame = pd.DataFrame({"person_id": ids, "group": group, "size": sizes.reindex(ids).fillna(0).to_numpy()})
    frame = frame.sort_values(["group", "size", "person_id"], ascending=[True, False, True], kind="stable")
    frame["into"] = frame.groupby("group")["person_id"].transform("first")
    moved = frame[frame["person_id"] != frame["into"]]
    return pd.Series(moved["into"].to_numpy(dtype=object), index=moved["person_id"].to_numpy(dtype=object))


def _rename(values: pd.Series, into: pd.Series) -> np.ndarray:
    """Return the person IDs with those of `into`'s index replaced by its values."""
    out = values.to_numpy(dtype=object).copy()
    moved = values.isin(into.index).to_numpy()
    out[moved] = into.reindex(out[moved]).to_numpy(dtype=object)
    return out


def _renamed(resolution: PeopleResolution, into: pd.Series, prepared_ids: np.ndarray) -> PeopleResolution:
    """Return the resolution with the prepared mentions' person IDs `prepared_ids` and the other
    person ID columns renamed by `into` (old -> new)."""
    queue = resolution.review_queue
    if len(queue) and "left_person" in queue:
        queue = queue.assign(
            left_person=_rename(queue["left_person"], into), right_person=_rename(queue["right_person"], into)
        )
    return replace(
        resolution,
        prepared=resolution.prepared.assign(person_id=prepared_ids),
        assignments=resolution.assignments.assign(
            person_id=_rename(resolution.assignments["person_id"], into)
        ),
        review_queue=queue,
    )


def merge_people(
    resolution: PeopleResolution,
    merges: pd.DataFrame,
    at: dt.datetime | str | None = None,
    before: pd.DataFrame | None = None,
) -> PeopleResolution:
    """Return the resolution with the merges applied; its `id_changes` are the merges (kind 'merge',
    records: the mentions that moved).

    Of each group of people merged together, the one most of the group's mentions belonged to keeps
    its ID: by their person now, or by `before` (record_id, person_id: where a run started from, so a
    person split and merged back within one run keeps the ID it had); ties go to the smaller ID.
    """
    ids = resolution.prepared["person_id"]
    involved = ids.isin(set(merges["left_person"]) | set(merges["right_person"])).to_numpy()
    sizes = ids[involved].value_counts()
    votes = sizes
    if before is not None:
        records = resolution.prepared.loc[involved, "record_id"]
        position = pd.Index(before["record_id"]).get_indexer(records)
        earlier = pd.Series(before["person_id"].to_numpy(dtype=object)[position[position >= 0]])
        votes = earlier[earlier.isin(sizes.index)].value_counts().reindex(sizes.index, fill_value=0)
    into = merged_ids(merges, votes)
    changes = pd.DataFrame(
        {
            "old_id": into.index.to_numpy(dtype=object),
            "new_id": into.to_numpy(dtype=object),
            "kind": "merge",
            "records": sizes.reindex(into.index).fillna(0).astype(int).to_numpy(),
            "at": pd.Timestamp(at) if at is not None else pd.Timestamp.now().floor("s"),
        }
    ).sort_values("old_id", ignore_index=True)
    return replace(_renamed(resolution, into, _rename(ids, into)), id_changes=changes)


def merge_people_anew(
    resolution: PeopleResolution,
    merges: pd.DataFrame,
    previous: PeopleResolution | pd.DataFrame | None,
    at: dt.datetime | str | None = None,
) -> PeopleResolution:
    """Return a whole run's resolution with the merges applied, IDs assigned against the previous
    run's (record_id, person_id) as `resolve_people` assigns them; `id_changes` are the run's."""
    if not len(merges):
        return resolution
    ids = resolution.assignments["person_id"]
    sizes = ids.value_counts()
    into = merged_ids(merges, sizes)
    moved = ids.isin(into.index).to_numpy()
    cluster = ids.to_numpy(dtype=object).copy()
    cluster[moved] = into.reindex(cluster[moved]).to_numpy(dtype=object)
    clusters = pd.DataFrame({"record_id": resolution.assignments["record_id"].to_numpy(), "cluster": cluster})
    stable = assign_stable_ids(clusters, _previous_ids(previous), PERSON_PREFIX, at)
    person = stable.assignments.set_index("record_id")["entity_id"]
    final = person.reindex(resolution.assignments["record_id"].to_numpy()).to_numpy(dtype=object)
    pairs = pd.DataFrame({"old": ids.to_numpy(dtype=object), "new": final}).drop_duplicates("old")
    renamed = pairs[pairs["old"] != pairs["new"]]
    out = _renamed(
        resolution,
        pd.Series(renamed["new"].to_numpy(dtype=object), index=renamed["old"].to_numpy(dtype=object)),
        person.reindex(resolution.prepared["record_id"].to_numpy()).to_numpy(dtype=object),
    )
    return replace(out, id_changes=stable.changes)
