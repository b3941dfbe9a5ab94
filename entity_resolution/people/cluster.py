"""Stage 4, cluster: scored pairs in, one cluster label per mention out, without chaining strangers.

Links (pairs scoring at least `link`) are joined into connected components first; a component is
accepted whole when nothing inside it objects: at most one valid ID number, one gender and one
birth date among its mentions, no scored pair inside it at or below `doubt`, and no human
not_same decision inside it. That is nearly every component, and it is all numpy.

The rest are rebuilt carefully: union-find over their links in descending score order, where a
merge of two clusters is refused when their mentions carry different valid ID numbers, or when a
not_same decision or a strongly negative pair lies between them. A link weaker than `strong` is
also refused when it would put two genders or far-apart birth dates into one cluster, or when
the scored pairs between the two clusters do not add up to at least `link` (a weak link must be
supported, not contradicted, by the other pairs). A strong link may carry a birth date typo: its
own score has already paid for the disagreement. The birth date check assumes one person's
recorded birth dates agree; where the data shows they often do not (`births_reliable` off, see
`resolve.py`), a birth date disagreement counts only through the pair scores.
Human same decisions are links that always merge.

The outcome depends only on the pairs and their scores, never on input order: labels are the
smallest row position in each cluster.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

__all__ = [
    "conflicted_rows",
    "CANNOT_DECIDED",
    "CANNOT_IDS",
    "Attributes",
    "ClusterOptions",
    "Clustering",
    "cluster_mentions",
    "components",
    "rebuild_components",
    "refused_table",
]

Ints = npt.NDArray[np.int64]
CANNOT_IDS = 1  # two different valid ID numbers
CANNOT_DECIDED = 2  # a human not_same decision
NO_DATE = np.iinfo(np.int32).min


@dataclass(frozen=True, slots=True)
class ClusterOptions:
    """Score thresholds (log2 odds) of the clustering."""

    link: float = 0.0  # a pair at or above this is a link (even odds)
    strong: float = 10.0  # a link at or above this merges without support from other pairs
    cannot: float = -12.0  # a pair at or below this (odds 1 in 4,096) must not end up in one cluster
    doubt: float = -6.0  # a component with a pair at or below this inside is rebuilt carefully
    births_reliable: bool = True  # a weak link may not join far-apart birth dates


@dataclass(frozen=True, slots=True)
class Attributes:
    """What a merge is checked against: per row, the valid ID code, birth day number and gender."""

    id18: npt.NDArray[np.int32]  # code, -1 unknown
    birth: npt.NDArray[np.int32]  # days since 1970, NO_DATE unknown
    gender: npt.NDArray[np.int8]  # 0 / 1, -1 unknown


@dataclass(frozen=True, slots=True)
class Clustering:
    """Cluster label per row, and the links that were refused (left, right, score, reason)."""

    labels: Ints
    refused: pd.DataFrame


def components(n: int, left: Ints, right: Ints) -> Ints:
    """Return the connected component label of each of n rows: its smallest row position."""
    graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(n, n))
    _, raw = connected_components(graph, directed=False)
    smallest = np.full(raw.max() + 1 if n else 0, n, dtype=np.int64)
    np.minimum.at(smallest, raw, np.arange(n, dtype=np.int64))
    return np.asarray(smallest[raw], dtype=np.int64)


def _births_conflict(days: set[int]) -> bool:
    """Return whether two birth dates in the set differ in more than one of year, month and day."""
    dates = sorted(days)
    for i, a in enumerate(dates):
        for b in dates[i + 1 :]:
            da, db = np.datetime64(a, "D").item(), np.datetime64(b, "D").item()
            same = (da.year == db.year) + (da.month == db.month) + (da.day == db.day)
            swapped = da.year == db.year and da.month == db.day and da.day == db.month
            if same < 2 and not swapped:
                return True
    return False


def conflicted_rows(
    labels: Ints, attrs: Attributes, negative_left: Ints, negative_right: Ints
) -> npt.NDArray[np.bool_]:
    """Return, per row, whether its component must be rebuilt carefully."""
    frame = pd.DataFrame({"c": labels, "id": attrs.id18, "g": attrs.gender, "b": attrs.birth})
    bad = pd.Series(False, index=np.sort(pd.unique(labels)))
    for column, unknown in (("id", -1), ("g", -1), ("b", NO_DATE)):
        known = frame[frame[column] != unknown]
        bad |= (known.groupby("c")[column].nunique() > 1).reindex(bad.index, fill_value=False)
    inside = labels[negative_left] == labels[negative_right]
    bad.loc[pd.unique(labels[negative_left[inside]])] = True
    return np.asarray(bad.reindex(labels).to_numpy(), dtype=bool)


@dataclass
class _Cluster:
    members: list[int]
    ids: set[int] = field(default_factory=set)
    births: set[int] = field(default_factory=set)
    genders: set[int] = field(default_factory=set)
    # other cluster root -> (sum of scores of pairs between, lowest score, a human not_same between)
    between: dict[int, list[float]] = field(default_factory=dict)


class _CarefulUnion:
    """Union-find over one set of rows with the merge checks of the module docstring."""

    def __init__(self, rows: Ints, attrs: Attributes, options: ClusterOptions) -> None:
        self.options = options
        self.root = {int(r): int(r) for r in rows}
        self.clusters: dict[int, _Cluster] = {}
        for r in rows.tolist():
            c = _Cluster([r])
            if attrs.id18[r] >= 0:
                c.ids.add(int(attrs.id18[r]))
            if attrs.birth[r] != NO_DATE:
                c.births.add(int(attrs.birth[r]))
            if attrs.gender[r] >= 0:
                c.genders.add(int(attrs.gender[r]))
            self.clusters[r] = c

    def find(self, r: int) -> int:
        while self.root[r] != r:
            self.root[r] = self.root[self.root[r]]
            r = self.root[r]
        return r

    def add_pair(self, a: int, b: int, score: float, cannot: int) -> None:
        ra, rb = self.find(a), self.find(b)
        for x, y in ((ra, rb), (rb, ra)):
            entry = self.clusters[x].between.setdefault(y, [0.0, np.inf, 0.0])
            entry[0] += 0.0 if cannot else score
            entry[1] = min(entry[1], score)
            entry[2] = max(entry[2], float(cannot))

    def refusal(self, ra: int, rb: int, score: float) -> str:
        """Return why clusters ra and rb must not merge over a link of `score` ('' when they may)."""
        a, b = self.clusters[ra], self.clusters[rb]
        entry = a.between.get(rb, [0.0, np.inf, 0.0])
        if entry[2] == CANNOT_DECIDED:
            return "not_same decision"
        if len(a.ids | b.ids) > 1 or entry[2] == CANNOT_IDS:
            return "different ID numbers"
        # A strong link has already outweighed its own disagreement on gender or birth date; a
        # weak one must not bring two of either into one cluster.
        weak = score < self.options.strong
        if weak and len(a.genders | b.genders) > 1:
            return "different genders"
        births = self.options.births_reliable and a.births != b.births and a.births and b.births
        if weak and births and _births_conflict(a.births | b.births):
            return "different birth dates"
        if entry[1] <= self.options.cannot:
            return "a strongly negative pair"
        if score < self.options.strong and entry[0] < self.options.link:
            return "weak link without support"
        return ""

    def union(self, ra: int, rb: int) -> None:
        if len(self.clusters[ra].members) < len(self.clusters[rb].members):
            ra, rb = rb, ra
        a, b = self.clusters[ra], self.clusters.pop(rb)
        self.root[rb] = ra
        a.members += b.members
        a.ids |= b.ids
        a.births |= b.births
        a.genders |= b.genders
        a.between.pop(rb, None)
        for other, entry in b.between.items():
            if other == ra:
                continue
            mine = a.between.setdefault(other, [0.0, np.inf, 0.0])
            mine[0], mine[1], mine[2] = mine[0] + entry[0], min(mine[1], entry[1]), max(mine[2], entry[2])
            back = self.clusters[other].between
            theirs = back.pop(rb)
            into = back.setdefault(ra, [0.0, np.inf, 0.0])
            into[0], into[1], into[2] = into[0] + theirs[0], min(into[1], theirs[1]), max(into[2], theirs[2])


@dataclass(frozen=True, slots=True)
class _Pairs:
    """Scored pairs as arrays: one component's, in the order they were given."""

    left: Ints
    right: Ints
    score: npt.NDArray[np.float64]
    cannot: npt.NDArray[np.int8]

    def rows(self, start: int, stop: int) -> _Pairs:
        return _Pairs(
            self.left[start:stop], self.right[start:stop], self.score[start:stop], self.cannot[start:stop]
        )


def _careful(
    rows: Ints,
    pairs: _Pairs,
    attrs: Attributes,
    options: ClusterOptions,
    labels: Ints,
    refused: list[tuple[int, int, float, str]],
) -> None:
    """Rebuild the clusters of `rows` (whole components) from their pairs, writing into `labels`."""
    uf = _CarefulUnion(rows, attrs, options)
    every = (pairs.left.tolist(), pairs.right.tolist(), pairs.score.tolist(), pairs.cannot.tolist())
    for a, b, s, h in zip(*every, strict=True):
        uf.add_pair(a, b, s, h)
    link = (pairs.score >= options.link) & (pairs.cannot == 0)
    left, right, score = pairs.left[link], pairs.right[link], pairs.score[link]
    order = np.lexsort((right, left, -score))  # strongest first, then by rows
    for a, b, s in zip(left[order].tolist(), right[order].tolist(), score[order].tolist(), strict=True):
        ra, rb = uf.find(a), uf.find(b)
        if ra == rb:
            continue
        why = "" if s == np.inf else uf.refusal(ra, rb, s)
        if why:
            refused.append((a, b, s, why))
        else:
            uf.union(ra, rb)
    for cluster in uf.clusters.values():
        labels[np.asarray(cluster.members, dtype=np.int64)] = min(cluster.members)


def cluster_mentions(
    n: int, pairs: pd.DataFrame, attrs: Attributes, options: ClusterOptions | None = None
) -> Clustering:
    """Return cluster labels of n rows from scored pairs (left, right, score, cannot).

    `score` is +inf for a human same decision; `cannot` is CANNOT_IDS for pairs with different
    valid ID numbers, CANNOT_DECIDED for a human not_same decision, 0 otherwise.
    """
    options = options or ClusterOptions()
    left, right = pairs["left"].to_numpy(np.int64), pairs["right"].to_numpy(np.int64)
    score, cannot = pairs["score"].to_numpy(np.float64), pairs["cannot"].to_numpy(np.int8) > 0
    is_link = (score >= options.link) & ~cannot
    labels = components(n, left[is_link], right[is_link])
    doubtful = cannot | (score <= max(options.doubt, options.cannot))
    conflicted = conflicted_rows(labels, attrs, left[doubtful], right[doubtful])
    refused: list[tuple[int, int, float, str]] = []
    if conflicted.any():
        rows = np.flatnonzero(conflicted).astype(np.int64)
        rebuild_components(labels, rows, pairs, attrs, options, refused)
    return Clustering(labels, refused_table(refused))


def refused_table(refused: list[tuple[int, int, float, str]]) -> pd.DataFrame:
    """Return the refused links as `Clustering.refused` holds them."""
    return pd.DataFrame(refused, columns=["left", "right", "score", "reason"])


def rebuild_components(
    labels: Ints,
    rows: Ints,
    pairs: pd.DataFrame,
    attrs: Attributes,
    options: ClusterOptions,
    refused: list[tuple[int, int, float, str]],
) -> None:
    """Rebuild the components of `rows` (every row of each, labelled by `labels`) from the pairs
    inside them, writing the new labels into `labels` and the refused links into `refused`."""
    rebuilt = np.zeros(len(labels), dtype=bool)
    rebuilt[rows] = True
    left, right = pairs["left"].to_numpy(np.int64), pairs["right"].to_numpy(np.int64)
    inside = np.flatnonzero(rebuilt[left] & (labels[left] == labels[right]))
    inside = inside[np.argsort(labels[left[inside]], kind="stable")]  # by component, in input order
    grouped = _Pairs(
        left[inside],
        right[inside],
        pairs["score"].to_numpy(np.float64)[inside],
        pairs["cannot"].to_numpy(np.int8)[inside],
    )
    pair_groups = labels[grouped.left]
    rows = rows[np.argsort(labels[rows], kind="stable")]
    runs = _runs(labels[rows])
    firsts = np.searchsorted(pair_groups, [group for group, _, _ in runs], side="left")
    lasts = np.searchsorted(pair_groups, [group for group, _, _ in runs], side="right")
    for (_, start, stop), first, last in zip(runs, firsts.tolist(), lasts.tolist(), strict=True):
        _careful(rows[start:stop], grouped.rows(first, last), attrs, options, labels, refused)


def _runs(groups: Ints) -> list[tuple[int, int, int]]:
    """Return (value, start, stop) of each run of equal values in a sorted array."""
    if not len(groups):
        return []
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    stops = np.r_[starts[1:], len(groups)]
    return [(int(groups[s]), int(s), int(e)) for s, e in zip(starts, stops, strict=True)]
