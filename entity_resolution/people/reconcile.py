"""Keeping an incrementally linked people resolution true: dropping mentions, re-resolving blocks.

`link_people` only adds mentions to people and merges them; it never splits a person nor revisits
two people it did not touch. `reresolve_blocks` is the periodic correction: the blocks a set of
mentions fall into are resolved again from scratch with the resolution's model (no ties to the
earlier people), and the people in them are merged or split to match, with stable IDs and the
changes (merge | split) reported as a full run reports them. `drop_mentions` removes mentions (a
deleted record, or one whose new version is linked again).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from entity_resolution.identity import assign_stable_ids
from entity_resolution.people.block import NO_KEY, block_pairs
from entity_resolution.people.compare import encode
from entity_resolution.people.resolve import (
    PERSON_PREFIX,
    PeopleResolution,
    ResolveOptions,
    _score_and_cluster,
    _with_decisions,
)
from entity_resolution.review import decided_positions

__all__ = ["drop_mentions", "reresolve_blocks"]

#: Blocks larger than this are left out of a re-resolve: a full run only compares a window of them.
MAX_RERESOLVE_BLOCK = 400


def drop_mentions(resolution: PeopleResolution, record_ids: pd.Series | list[str]) -> PeopleResolution:
    """Return the resolution without the given mentions (unknown ids are ignored)."""
    gone = resolution.prepared["record_id"].isin(set(record_ids)).to_numpy()
    if not gone.any():
        return resolution
    kept = np.flatnonzero(~gone)
    return replace(
        resolution,
        assignments=_rows(resolution.assignments, kept),
        prepared=_rows(resolution.prepared, kept),
        block_keys=_rows(resolution.block_keys, kept),
    )


def _rows(frame: pd.DataFrame, positions: np.ndarray) -> pd.DataFrame:
    """Return the rows at `positions`, numbered from 0, copied once (not again to renumber them)."""
    rows = frame.take(positions)
    rows.index = pd.RangeIndex(len(rows))
    return rows


def _block_rows(resolution: PeopleResolution, seeds: np.ndarray) -> np.ndarray:
    """Return the rows sharing a block with a seed row, and every mention of the people among them."""
    rows = set(seeds.tolist())
    for column in resolution.block_keys.columns:
        keys = resolution.block_keys[column].to_numpy(np.uint64)
        wanted = pd.unique(keys[seeds])
        wanted = wanted[wanted != NO_KEY]
        if not len(wanted):
            continue
        hit = np.flatnonzero(pd.Series(keys).isin(wanted).to_numpy())
        sizes = pd.Series(keys[hit]).map(pd.Series(keys[hit]).value_counts()).to_numpy()
        rows.update(hit[sizes <= MAX_RERESOLVE_BLOCK].tolist())
    person = resolution.prepared["person_id"].to_numpy(dtype=object)
    chosen = np.fromiter(rows, dtype=np.int64)
    return np.flatnonzero(pd.Series(person).isin(set(person[chosen])).to_numpy())


def reresolve_blocks(
    resolution: PeopleResolution,
    record_ids: pd.Series | list[str],
    decisions: pd.DataFrame | None = None,
    options: ResolveOptions | None = None,
) -> PeopleResolution:
    """Return the resolution with the blocks of `record_ids` resolved again from scratch.

    `id_changes` lists the merges and splits this caused; `assignments` and `prepared` cover every
    mention, in the resolution's order; `links` cover the re-resolved rows.
    """
    options = options or ResolveOptions()
    seeds = np.flatnonzero(resolution.prepared["record_id"].isin(set(record_ids)).to_numpy())
    if not len(seeds):
        return replace(resolution, id_changes=resolution.id_changes.iloc[0:0])
    rows = _block_rows(resolution, seeds)
    local = resolution.prepared.iloc[rows].drop(columns="person_id").reset_index(drop=True)
    blocks = block_pairs(local, options.rules, options.max_block)
    pairs = _with_decisions(blocks.pairs, decided_positions(decisions, local["record_id"]))
    scored, labels, _ = _score_and_cluster(encode(local), pairs, resolution.model, options)
    record_ids_local = local["record_id"].to_numpy(dtype=object)
    before = pd.DataFrame(
        {
            "record_id": record_ids_local,
            "entity_id": resolution.prepared["person_id"].to_numpy(dtype=object)[rows],
        }
    )
    # IDs in use by people outside the blocks must not be handed to a new cluster here
    ids = assign_stable_ids(
        pd.DataFrame({"record_id": record_ids_local, "cluster": labels}), before, PERSON_PREFIX, options.at
    )
    person = (
        ids.assignments.set_index("record_id")["entity_id"].reindex(record_ids_local).to_numpy(dtype=object)
    )
    updated = resolution.prepared["person_id"].to_numpy(dtype=object).copy()
    updated[rows] = person
    prepared = resolution.prepared.assign(person_id=updated)
    return replace(
        resolution,
        assignments=prepared[["record_id", "person_id"]],
        prepared=prepared,
        id_changes=ids.changes,
        links=scored.iloc[0:0],
    )
