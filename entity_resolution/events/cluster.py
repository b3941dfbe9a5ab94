"""Stage 4, cluster: links in, one case per event out, without gluing incidents together.

Links (pairs scoring at least `link`, and human 'same' decisions) are taken strongest first; each
joins two cases unless the joined case would break what one incident can be:

- two different major categories (a label naming no single major goes with any);
- two places that part below one site: paths that are not one a prefix of the other (another
  room or building); a path that stops at or above the site says nothing about place, and two
  sites are left to the scores (place resolution may have split one estate);
- reports further apart than the window of `BlockOptions`;
- a human 'not_same' decision between any two of their records;
- weak support across: the mean score of the compared pairs between the two cases is below
  the link score (average linkage), or one of them is below `apart`, so a chain of links cannot
  join records that, compared directly, look like two incidents (a call in March and one in May
  about the same room).

A refused link is reported with its reason. Taking links strongest first means each record joins
the case it fits best; the outcome depends only on the pairs and scores, not on input order
(ties go to the smaller row positions). Labels are the smallest row of each case.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from entity_resolution.events.block import BlockOptions
from entity_resolution.events.prepare import Encoded

__all__ = ["ClusterOptions", "Clustering", "cluster_events"]

Ints = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class ClusterOptions:
    """The score (log2 odds) at which a pair is a link, and below which it keeps cases apart."""

    link: float = 0.0
    apart: float = -6.0  # a pair across two cases scoring below this keeps them apart


@dataclass(frozen=True, slots=True)
class Clustering:
    """Case label per row, and the links that were refused (left, right, score, reason)."""

    labels: Ints
    refused: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass(slots=True)
class _Case:
    """What a growing case holds, for checking a merge without reading its records."""

    members: list[int]
    major: int  # -1 while no record names a single major
    deepest: int  # the row with the longest known place path
    first: int  # earliest and latest report
    last: int


class _Cases:
    """Union-find over rows with the case facts at each root."""

    def __init__(
        self,
        enc: Encoded,
        block: BlockOptions,
        scored: pd.DataFrame,
        compared: npt.NDArray[np.bool_],
        options: ClusterOptions,
    ) -> None:
        """Start every row as its own case; `compared` marks the pairs of `scored` whose scores
        weigh the support across two cases."""
        self.enc = enc
        self.parent = np.arange(len(enc), dtype=np.int64)
        self.cases: dict[int, _Case] = {}
        self.window = block.window
        self.link = options.link
        self.apart = options.apart
        # the arrays of the compared pairs only: a frame of them copied every column of every pair
        keys = scored["left"].to_numpy(np.int64)[compared] * len(enc)
        keys += scored["right"].to_numpy(np.int64)[compared]
        order = np.argsort(keys, kind="stable")
        self.pair_keys = keys[order]
        del keys
        self.pair_scores = scored["score"].to_numpy(np.float64)[compared][order]

    def _weak(self, x: _Case, y: _Case) -> bool:
        """Return whether the compared pairs across two cases score below the link on average."""
        a = np.asarray(x.members, dtype=np.int64)[:, None]
        b = np.asarray(y.members, dtype=np.int64)[None, :]
        keys = (np.minimum(a, b) * len(self.enc) + np.maximum(a, b)).ravel()
        at = np.minimum(np.searchsorted(self.pair_keys, keys), max(len(self.pair_keys) - 1, 0))
        found = self.pair_keys[at] == keys if len(self.pair_keys) else np.zeros(len(keys), dtype=bool)
        if not found.any():
            return False
        scores = self.pair_scores[at[found]]
        return bool(scores.mean() < self.link or scores.min() < self.apart)

    def find(self, row: int) -> int:
        root = row
        while self.parent[root] != root:
            root = int(self.parent[root])
        while self.parent[row] != root:
            self.parent[row], row = root, int(self.parent[row])
        return root

    def case(self, root: int) -> _Case:
        found = self.cases.get(root)
        if found is None:
            t = int(self.enc.t[root])
            found = _Case([root], int(self.enc.major[root]), root, t, t)
            self.cases[root] = found
        return found

    def _parts(self, a: int, b: int) -> bool:
        """Return whether two rows' place paths part below one site (another building or room)."""
        enc = self.enc
        depth = min(int(enc.depth[a]), int(enc.depth[b]))
        if depth <= enc.site_depth or enc.path[a, enc.site_depth - 1] != enc.path[b, enc.site_depth - 1]:
            return False
        return bool((enc.path[a, :depth] != enc.path[b, :depth]).any())

    def objection(self, x: _Case, y: _Case, cannot: set[tuple[int, int]]) -> str:
        """Return why two cases cannot be one incident ('' when they can)."""
        if x.major >= 0 and y.major >= 0 and x.major != y.major:
            return "different major categories"
        if self._parts(x.deepest, y.deepest):
            return "different places"
        if max(x.last, y.last) - min(x.first, y.first) > self.window:
            return "too far apart in time"
        if cannot and any((min(p, q), max(p, q)) in cannot for p in x.members for q in y.members):
            return "not_same decision"
        if len(x.members) * len(y.members) > 1 and self._weak(x, y):
            return "weak across the cases"
        return ""

    def union(self, x_root: int, y_root: int) -> None:
        x, y = self.cases.pop(x_root), self.cases.pop(y_root)
        root = min(x_root, y_root)
        self.parent[max(x_root, y_root)] = root
        deeper = x.deepest if self.enc.depth[x.deepest] >= self.enc.depth[y.deepest] else y.deepest
        self.cases[root] = _Case(
            x.members + y.members,
            x.major if x.major >= 0 else y.major,
            deeper,
            min(x.first, y.first),
            max(x.last, y.last),
        )


def cluster_events(
    enc: Encoded,
    pairs: pd.DataFrame,
    block: BlockOptions | None = None,
    options: ClusterOptions | None = None,
) -> Clustering:
    """Return a case label per row from scored pairs (left, right, score, cannot, decision).

    `decision` is 'same', 'not_same', 'tie' or missing; 'same' (a human decision) and 'tie' (records
    already in one case, in an incremental run) link whatever the score; 'not_same' and
    `cannot` (paths parting above the site) never link and keep the two records apart.
    """
    block, options = block or BlockOptions(), options or ClusterOptions()
    decision = pairs["decision"] if "decision" in pairs else pd.Series(None, index=pairs.index, dtype=object)
    same = decision.isin(("same", "tie")).to_numpy()
    not_same = (decision == "not_same").to_numpy()
    cannot_rows = pairs[not_same]
    cannot = set(zip(cannot_rows["left"].tolist(), cannot_rows["right"].tolist(), strict=True))
    score = np.where(same, np.inf, pairs["score"].to_numpy(np.float64))
    usable = (score >= options.link) & ~not_same & (~pairs["cannot"].to_numpy(bool) | same)
    links = pd.DataFrame(
        {
            "left": pairs["left"].to_numpy(np.int64)[usable],
            "right": pairs["right"].to_numpy(np.int64)[usable],
            "score": score[usable],
        }
    ).sort_values(["score", "left", "right"], ascending=[False, True, True], kind="stable")
    compared = np.isfinite(pairs["score"].to_numpy(np.float64))
    if "decision" in pairs:
        compared &= ~same & ~not_same
    cases = _Cases(enc, block, pairs, compared, options)
    refused = []
    for left, right, value in links.itertuples(index=False):
        a, b = cases.find(left), cases.find(right)
        if a == b:
            continue
        x, y = cases.case(a), cases.case(b)
        reason = cases.objection(x, y, cannot)
        if reason and value != np.inf:
            refused.append((left, right, value, reason))
            continue
        cases.union(a, b)
    labels = cases.parent
    while True:  # point every row at its root
        hop = labels[labels]
        if np.array_equal(hop, labels):
            break
        labels = hop
    return Clustering(labels, pd.DataFrame(refused, columns=["left", "right", "score", "reason"]))
