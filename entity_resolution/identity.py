"""Stable identities: entity IDs that survive re-runs, and the merges and splits between runs.

Resolution produces anonymous clusters; people, places and events need IDs that the graph, the
search index and officials' bookmarks can keep. Each new cluster takes over the ID most of its
records had before (ties go to the ID held by more of the cluster, then the smaller ID); an old
ID goes to at most one cluster, the one holding most of its records. A cluster with no old ID
left for it gets a new one derived from its smallest record id, so the same input always gives
the same IDs.

What changed is returned as a table (old_id, new_id, kind, records, at): 'merge' when records of
old_id now live under another ID that also kept records of its own or of other IDs, 'split' when
some of old_id's records left for another cluster while old_id lives on. The graph follows merges
by redirecting old_id to new_id, and splits by moving the records listed.

    >>> before = pd.DataFrame({"record_id": ["a", "b", "c"], "entity_id": ["P1", "P1", "P2"]})
    >>> now = pd.DataFrame({"record_id": ["a", "b", "c"], "cluster": [0, 0, 0]})
    >>> ids = assign_stable_ids(now, before, prefix="P", at="2026-11-20")
    >>> sorted(set(ids.assignments["entity_id"])), ids.changes[["old_id", "new_id", "kind"]].values.tolist()
    (['P1'], [['P2', 'P1', 'merge']])
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import pandas as pd

__all__ = ["CHANGE_COLUMNS", "StableIds", "assign_stable_ids", "changes_between", "new_entity_id"]

CHANGE_COLUMNS = ("old_id", "new_id", "kind", "records", "at")


@dataclass(frozen=True, slots=True)
class StableIds:
    """record_id -> entity_id, and the merges and splits since the previous assignment."""

    assignments: pd.DataFrame  # record_id, entity_id
    changes: pd.DataFrame  # old_id, new_id, kind ('merge' | 'split'), records, at


def new_entity_id(prefix: str, smallest_record: str, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """Return a new ID derived from a cluster's smallest record id, avoiding IDs in `taken`.

    >>> new_entity_id("P", "police:J5001062026042100001#0")
    'P-dc3c3326350a303e'
    """
    salt = 0
    while True:
        text = smallest_record if salt == 0 else f"{smallest_record}#{salt}"
        candidate = f"{prefix}-{hashlib.blake2b(text.encode('utf-8'), digest_size=8).hexdigest()}"
        if candidate not in taken:
            return candidate
        salt += 1


def _inherit(votes: pd.DataFrame) -> pd.DataFrame:
    """Return (cluster, entity_id) pairs chosen greedily by votes: each side used at most once.

    Rows are taken in descending vote order (then cluster key, then ID); a row whose cluster or
    ID is already taken is skipped. Done in rounds: every row that comes first for both its
    cluster and its ID among what is left is exactly a row the greedy pass would take.
    """
    remaining = votes.sort_values(["votes", "key", "entity_id"], ascending=[False, True, True], kind="stable")
    chosen = []
    while len(remaining):
        first_cluster = ~remaining["cluster"].duplicated()
        first_id = ~remaining["entity_id"].duplicated()
        take = remaining[first_cluster & first_id]
        chosen.append(take[["cluster", "entity_id"]])
        remaining = remaining[
            ~remaining["cluster"].isin(take["cluster"]) & ~remaining["entity_id"].isin(take["entity_id"])
        ]
    return pd.concat(chosen, ignore_index=True) if chosen else votes[["cluster", "entity_id"]].iloc[:0]


def _changes(joined: pd.DataFrame, at: dt.datetime | str | None) -> pd.DataFrame:
    """Return the merges and splits between the old IDs and the new ones of the same records."""
    moved = joined[joined["old_id"].notna() & (joined["old_id"] != joined["entity_id"])]
    flows = moved.groupby(["old_id", "entity_id"])["weight"].sum().reset_index(name="records")
    alive = set(joined["entity_id"])
    flows["kind"] = ["split" if old in alive else "merge" for old in flows["old_id"]]
    flows = flows.rename(columns={"entity_id": "new_id"})
    flows["at"] = at
    return flows[list(CHANGE_COLUMNS)].sort_values(["old_id", "new_id"], ignore_index=True)


def assign_stable_ids(
    clusters: pd.DataFrame,
    previous: pd.DataFrame | None = None,
    prefix: str = "P",
    at: dt.datetime | str | None = None,
) -> StableIds:
    """Return stable entity IDs for clusters (record_id, cluster) given the previous (record_id, entity_id).

    `clusters` may carry a `weight` column: a record standing for that many records of its old
    entity when votes are counted (an incremental run passes one record per untouched person).
    """
    stamp = pd.Timestamp(at) if at is not None else pd.Timestamp.now().floor("s")
    frame = clusters[["record_id", "cluster"]].astype({"record_id": str})
    frame["weight"] = clusters["weight"].to_numpy() if "weight" in clusters else 1
    # the smallest record of each cluster (a sort: string min in a groupby is a Python loop)
    first = frame.sort_values("record_id", kind="stable").drop_duplicates("cluster")
    key = first.set_index("cluster")["record_id"].rename("key")
    old = previous[["record_id", "entity_id"]].astype(str) if previous is not None and len(previous) else None
    joined = frame.merge(old, on="record_id", how="left") if old is not None else frame.assign(entity_id=None)
    votes = (
        joined.dropna(subset=["entity_id"])
        .groupby(["cluster", "entity_id"])["weight"]
        .sum()
        .reset_index(name="votes")
    )
    votes = votes.merge(key, left_on="cluster", right_index=True)
    inherited = _inherit(votes).set_index("cluster")["entity_id"]
    taken = set(old["entity_id"]) if old is not None else set()
    fresh = key[~key.index.isin(inherited.index)].sort_values()
    new_ids = {}
    for cluster, smallest in fresh.items():
        new_ids[cluster] = new_entity_id(prefix, smallest, taken)
        taken.add(new_ids[cluster])
    ids = pd.concat([inherited, pd.Series(new_ids, dtype=object)])
    assignments = pd.DataFrame(
        {"record_id": frame["record_id"], "entity_id": frame["cluster"].map(ids).to_numpy()}
    )
    changes = _changes(
        joined.rename(columns={"entity_id": "old_id"}).assign(entity_id=assignments["entity_id"].to_numpy()),
        stamp,
    )
    return StableIds(assignments.sort_values("record_id", ignore_index=True), changes)


def changes_between(
    before: pd.DataFrame, after: pd.DataFrame, at: dt.datetime | str | None = None
) -> pd.DataFrame:
    """Return the merges and splits from one assignment (record_id, entity_id) of records to another,
    as `assign_stable_ids` reports them (a split and a merge back in between cancel out)."""
    stamp = pd.Timestamp(at) if at is not None else pd.Timestamp.now().floor("s")
    old = before[["record_id", "entity_id"]].rename(columns={"entity_id": "old_id"})
    joined = after[["record_id", "entity_id"]].merge(old, on="record_id", how="left").assign(weight=1)
    return _changes(joined, stamp)
