"""Which batches a store may write at once: waves of lanes that never touch the same node.

Two transactions that lock the same nodes in different orders deadlock, and Neo4j takes some of a
relation's locks at commit, in an order no client controls (measured: two writers slicing one
relation type deadlocked on `NODE_RELATIONSHIP_GROUP_DELETE` 1-3 times a load, each retry
costing about a second). Batches whose labels are disjoint cannot share a node, so they are what
runs at once: every node label is disjoint from every other, and a relation type touches the
labels of its two ends (LIVES_AT: Person and Place; HANDLED_BY: Event and Department). A
relation already joining nodes of two lanes can still make them wait on each other; a deadlock
from that was seen once in dozens of loads, and the driver retried it.

A plan is a list of waves, run one after another (all nodes before any relation); a wave is a
list of lanes run at once; a lane is a list of batch names written in order. Lanes are filled
largest batch first, into the least loaded lane whose neighbours share none of its labels; a
batch that could only lengthen the wave waits for a later one.

    >>> sizes = {"Person": 5, "Place": 4, "Event": 3}
    >>> labels = {name: {name} for name in sizes}
    >>> waves(sizes, labels, 2)
    [[['Person'], ['Place', 'Event']]]
    >>> sizes = {"LIVES_AT": 9, "INVOLVED_IN": 8, "HANDLED_BY": 5}
    >>> labels = {"LIVES_AT": {"Person", "Place"}, "INVOLVED_IN": {"Person", "Event"},
    ...           "HANDLED_BY": {"Event", "Department"}}
    >>> waves(sizes, labels, 2)
    [[['LIVES_AT'], ['HANDLED_BY']], [['INVOLVED_IN']]]
"""

from __future__ import annotations

from collections.abc import Mapping, Set

import pandas as pd

from graph.model import GraphModel

__all__ = ["Wave", "disjoint_slices", "waves", "write_plan"]

Wave = list[list[str]]  # lanes of batch names; the lanes of a wave run at once


def waves(sizes: Mapping[str, int], labels: Mapping[str, Set[str]], lanes: int) -> list[Wave]:
    """Return waves of at most `lanes` lanes whose label sets are pairwise disjoint.

    With one lane the plan is one wave holding every batch in the order given.
    """
    if lanes <= 1:
        return [[list(sizes)]] if sizes else []
    remaining = sorted(sizes, key=lambda name: -sizes[name])
    plan: list[Wave] = []
    while remaining:
        wave = _fill_wave(remaining, sizes, labels, lanes)
        plan.append([lane for lane in wave if lane])
        placed = {name for lane in wave for name in lane}
        remaining = [name for name in remaining if name not in placed]
    return plan


def _fill_wave(
    names: list[str], sizes: Mapping[str, int], labels: Mapping[str, Set[str]], lanes: int
) -> Wave:
    wave: Wave = [[] for _ in range(lanes)]
    used: list[set[str]] = [set() for _ in range(lanes)]
    load = [0] * lanes
    for name in names:
        joinable = [
            i for i in range(lanes) if all(not labels[name] & used[j] for j in range(lanes) if j != i)
        ]
        if not joinable:
            continue
        lane = min(joinable, key=lambda i: load[i])
        # joining a busier lane than the idlest would lengthen the wave: a later wave may pair it
        if load[lane] > min(load) and load[lane] + sizes[name] > max(load):
            continue
        wave[lane].append(name)
        used[lane] |= labels[name]
        load[lane] += sizes[name]
    return wave


def write_plan(
    model: GraphModel, nodes: Mapping[str, int], relations: Mapping[str, int], lanes: int
) -> list[Wave]:
    """Return the waves writing node batches, then relation batches, of these row counts."""
    node_labels = {label: {label} for label in nodes}
    relation_labels = {name: {model.relation(name).source, model.relation(name).target} for name in relations}
    return waves(nodes, node_labels, lanes) + waves(relations, relation_labels, lanes)


def disjoint_slices(relations: pd.DataFrame, count: int) -> list[pd.DataFrame]:
    """Cut relation rows into at most `count` slices that share no node, when the rows allow it.

    They do when every start appears once and never as an end (OCCURRED_AT: an event occurs at
    one place): rows grouped by their end then share nothing. Otherwise the rows stay whole.
    """
    starts, ends = relations["start"], relations["end"]
    if count < 2 or len(relations) < 2 * count or not starts.is_unique or starts.isin(ends).any():
        return [relations]
    slot = pd.util.hash_array(ends.to_numpy(dtype=object)) % count
    return [relations[slot == i] for i in range(count) if (slot == i).any()]
