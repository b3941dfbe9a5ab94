"""Stage 4, cluster: links in, one case per event out, without gluing incidents together.

Links (pairs scoring at least `link`, and human 'same' decisions) are taken strongest first; each
joins two cases unless the joined case would break what one incident can be:

- two records of one department (a department keeps one record per incident);
- two different major categories (other.unclassified goes with any);
- two places that part: paths that are not one a prefix of the other (another room, building or
  site); a path that stops above the site says nothing about place;
- reports further apart than the windows of `BlockOptions` (the prompt departments within
  `window_days` of each other, a petition within `slow_window_days` of every other record);
- a human 'not_same' decision between any two of their records.

A refused link is reported with its reason. Taking links strongest first means each record joins
the case it fits best; the outcome depends only on the pairs and scores, not on input order
(ties go to the smaller row positions). Labels are the smallest row of each case.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from entity_resolution.events.block import DAY, BlockOptions
from entity_resolution.events.prepare import Encoded

__all__ = ["ClusterOptions", "Clustering", "cluster_events"]

Ints = npt.NDArray[np.int64]
_NO_TIME = np.iinfo(np.int64).max


@dataclass(frozen=True, slots=True)
class ClusterOptions:
    """The score (log2 odds) at which a pair is a link."""

    link: float = 0.0


@dataclass(frozen=True, slots=True)
class Clustering:
    """Case label per row, and the links that were refused (left, right, score, reason)."""

    labels: Ints
    refused: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass(slots=True)
class _Case:
    """What a growing case holds, for checking a merge without reading its records."""

    members: list[int]
    sources: set[int]
    major: int  # -1 while only unclassified records
    deepest: int  # the row with the longest known place path
    first: int  # earliest and latest report, of all records and of the prompt ones
    last: int
    first_prompt: int
    last_prompt: int


class _Cases:
    """Union-find over rows with the case facts at each root."""

    def __init__(self, enc: Encoded, slow: npt.NDArray[np.bool_], block: BlockOptions) -> None:
        self.enc = enc
        self.parent = np.arange(len(enc), dtype=np.int64)
        self.cases: dict[int, _Case] = {}
        self.slow = slow
        self.window = int(block.window_days * DAY)
        self.slow_window = int(block.slow_window_days * DAY)

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
            enc, t = self.enc, int(self.enc.t[root])
            prompt = not self.slow[root]
            found = _Case(
                [root],
                {int(enc.source[root])},
                int(enc.major[root]),
                root,
                t,
                t,
                t if prompt else _NO_TIME,
                t if prompt else -_NO_TIME,
            )
            self.cases[root] = found
        return found

    def _parts(self, a: int, b: int) -> bool:
        """Return whether two rows' place paths part (neither a prefix of the other, both past the site)."""
        enc = self.enc
        depth = min(int(enc.depth[a]), int(enc.depth[b]))
        if depth < enc.site_depth:
            return False
        return bool((enc.path[a, :depth] != enc.path[b, :depth]).any())

    def objection(self, x: _Case, y: _Case, cannot: set[tuple[int, int]]) -> str:
        """Return why two cases cannot be one incident ('' when they can)."""
        if x.sources & y.sources:
            return "one record per department"
        if x.major >= 0 and y.major >= 0 and x.major != y.major:
            return "different major categories"
        if self._parts(x.deepest, y.deepest):
            return "different places"
        if max(x.last_prompt, y.last_prompt) - min(x.first_prompt, y.first_prompt) > self.window:
            return "too far apart in time"
        if max(x.last, y.last) - min(x.first, y.first) > self.slow_window:
            return "too far apart in time"
        if cannot and any((min(p, q), max(p, q)) in cannot for p in x.members for q in y.members):
            return "not_same decision"
        return ""

    def union(self, x_root: int, y_root: int) -> None:
        x, y = self.cases.pop(x_root), self.cases.pop(y_root)
        root = min(x_root, y_root)
        self.parent[max(x_root, y_root)] = root
        deeper = x.deepest if self.enc.depth[x.deepest] >= self.enc.depth[y.deepest] else y.deepest
        self.cases[root] = _Case(
            x.members + y.members,
            x.sources | y.sources,
            x.major if x.major >= 0 else y.major,
            deeper,
            min(x.first, y.first),
            max(x.last, y.last),
            min(x.first_prompt, y.first_prompt),
            max(x.last_prompt, y.last_prompt),
        )


def cluster_events(
    enc: Encoded,
    slow: npt.NDArray[np.bool_],
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
    cases = _Cases(enc, slow, block)
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
