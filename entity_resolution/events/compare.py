"""Stage 3, compare: each candidate pair's evidence, level by level, and what each level counts.

Five kinds of evidence, each put into a level. Each level of place, category, text and people
is worth a weight, the log2 of how much more often related pairs (about one incident, or one
dispute) show it than unrelated ones; time then tells one incident from one dispute coming back
(see `estimate`, which learns all of it from the pairs being resolved). The score is the log2
odds that the pair is one incident; a pair scoring at least 0 is a link.

place        same room (or unit), same building, same site only, one path inside the other (a
             record that only names the estate), or paths that part below the site (another
             building or room); unknown when either path stops above the site; another site
             (`DIFFERENT_SITE`), found through a shared person only.
time         how far apart the two reports are, on a scale of doubling steps from an hour to the
             blocking window, weighed per pair of departments (what a week means between a
             hotline call and a petition is not what it means between two calls).
category     same subcategory; a coarse label that allows the other (纠纷/邻里纠纷 beside
             neighbour_dispute.noise); unknown (either label names nothing); same major but
             different subcategories; nothing in common.
text         cosine of the descriptions' rarity-weighted character bigrams (`text`).
people       at least one shared resolved person; both name people but none shared; unknown.

Evidence is grouped (`Comparison.groups`), and a grouped evidence's weights are learnt per group,
which is how the model knows what depends on what. People are weighed per place level, so the
two count together as what they are jointly (a shared person in the same room is one fact about
a household, not two independent signs). Text is weighed per category level. Time is weighed per
department pair, and apart for 'close' pairs (same room or a shared person): among those, two
incidents are mostly one dispute coming back weeks later, set apart from a repeat report only by
time. `EvidenceWeights` holds a weight table per evidence and group, with a pooled table for
groups it has not seen, and `TimeWeights` the time distributions of the three kinds of pair.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.sparse import csr_matrix

from entity_resolution.events.block import DAY, BlockOptions
from entity_resolution.events.prepare import Encoded
from entity_resolution.events.text import text_similarity

__all__ = [
    "DIFFERENT_SITE",
    "EVIDENCE",
    "LEVEL_NAMES",
    "POOLED",
    "Comparison",
    "EvidenceWeights",
    "TimeWeights",
    "compare_pairs",
    "explain",
    "score_pairs",
]

Ints = npt.NDArray[np.int64]
EVIDENCE = ("place", "time", "category", "text", "people")
HOUR = 3_600
DIFFERENT_SITE = 7  # place level of paths parting at or above the site: never one incident
POOLED = "*"  # the group of a table learnt over every group
_PEOPLE_PART = 200_000  # pairs whose shared people are counted at a time
_SCORE_PART = 1_000_000  # pairs scored at a time

# time steps: doubling-ish from an hour to half a year (the default window); the last level is
# a decided pair beyond the window
_TIME_STEPS = np.array(
    [1 * HOUR, 6 * HOUR, 1 * DAY, 3 * DAY, 7 * DAY, 14 * DAY, 30 * DAY, 60 * DAY, 120 * DAY, 180 * DAY],
    dtype=np.int64,
)
_TIME_NAMES = ("1 h", "6 h", "1 day", "3 days", "7 days", "14 days", "30 days", "60 days", "120 days")

LEVEL_NAMES: dict[str, tuple[str, ...]] = {
    "place": (
        "unknown",
        "same room",
        "same building",
        "same site",
        "one inside the other",
        "other room",
        "other building",
        "other site",
    ),
    "time": (*(f"within {n}" for n in _TIME_NAMES), "within the window", "further"),
    "category": ("same subcategory", "coarse, agrees", "unclassified", "same major", "disagree"),
    "text": ("text >= 0.5", "text >= 0.35", "text >= 0.2", "text >= 0.1", "text < 0.1", "no text"),
    "people": ("unknown", "shared person", "no shared person"),
}
GROUPED = ("time", "text", "people")


def _lookup(
    tables: dict[str, npt.NDArray[np.float64]], groups: npt.NDArray[np.object_], levels: Ints
) -> npt.NDArray[np.float64]:
    """Return each pair's value from its group's table (the pooled table for an unseen group)."""
    codes, names = pd.factorize(pd.Series(groups, dtype=object))
    stacked = np.array([tables.get(str(name), tables[POOLED]) for name in names] or [tables[POOLED]])
    return stacked[codes, levels] if len(levels) else np.zeros(0, dtype=np.float64)


@dataclass(frozen=True, slots=True)
class TimeWeights:
    """Per time group (department pair), log2 probabilities of each time level for one incident,
    for one dispute's other incidents and for unrelated pairs, and the share of one incident
    among related pairs."""

    match: dict[str, npt.NDArray[np.float64]]
    dispute: dict[str, npt.NDArray[np.float64]]
    other: dict[str, npt.NDArray[np.float64]]
    share: dict[str, float]

    def weights(
        self, groups: npt.NDArray[np.object_], levels: Ints, prior: float, rest: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.float64]:
        """Return what time adds to the log2 odds of one incident, given the prior log2 odds of
        related and the sum `rest` of the other evidence's weights (time's part is not a sum)."""
        codes, names = pd.factorize(pd.Series(groups, dtype=object))
        shares = np.array([self.share.get(str(n), self.share[POOLED]) for n in names] or [1.0])
        share = shares[codes] if len(codes) else np.zeros(0, dtype=np.float64)
        with np.errstate(divide="ignore"):  # a share of 1: no disputes, log2(0) = -inf
            match = _lookup(self.match, groups, levels) + np.log2(share)
            dispute = _lookup(self.dispute, groups, levels) + np.log2(1.0 - share)
        other = _lookup(self.other, groups, levels)
        # odds = 2^prior * match * 2^rest / (2^prior * dispute * 2^rest + other), in log2
        related = prior + rest
        return np.asarray(match - np.logaddexp2(related + dispute, other), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class EvidenceWeights:
    """Weight (log2 odds, related against unrelated) of every level, per evidence and group, the
    prior log2 odds of related, and the time distributions.

    `tables[evidence][group]` is an array over the evidence's levels; the POOLED group stands in
    for a group the weights were not learnt on.
    """

    tables: dict[str, dict[str, npt.NDArray[np.float64]]]
    prior: float
    time: TimeWeights
    # The stated spread of one incident: time never counts more for a pair than it would under it,
    # so recurrences learnt from the file can only add doubt (see `estimate._time_split`).
    stated_time: TimeWeights | None = None

    def weights(
        self, evidence: str, groups: npt.NDArray[np.object_], levels: Ints
    ) -> npt.NDArray[np.float64]:
        """Return the weight of each pair's level of one evidence (not time)."""
        return _lookup(self.tables[evidence], groups, levels)


@dataclass(frozen=True, slots=True)
class Comparison:
    """Levels and groups of each evidence per pair, and the raw text similarity."""

    levels: dict[str, npt.NDArray[np.int8]] = field(default_factory=dict)
    groups: dict[str, npt.NDArray[np.object_]] = field(default_factory=dict)
    similarity: npt.NDArray[np.float32] = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    shared_people: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def of_rows(self, rows: npt.NDArray[np.bool_]) -> Comparison:
        """Return the comparison of the pairs of `rows` only."""
        return Comparison(
            {e: v[rows] for e, v in self.levels.items()},
            {e: v[rows] for e, v in self.groups.items()},
            self.similarity[rows],
            self.shared_people[rows],
        )

    @property
    def cannot(self) -> npt.NDArray[np.bool_]:
        """Return which pairs can never be one incident: none by evidence alone. Places that part
        at the site weigh what the data say they weigh: place resolution splits one estate in two
        more often than one incident is reported at two estates, but not never."""
        return np.zeros(len(self.levels["place"]), dtype=bool)


def _place_levels(enc: Encoded, left: Ints, right: Ints) -> npt.NDArray[np.int8]:
    # the length of the known prefix both paths share, a path element at a time: gathering the
    # whole paths of both sides took five 8-byte elements per side and pair
    shared = np.zeros(len(left), dtype=np.int64)
    agreeing = np.ones(len(left), dtype=bool)
    for element in range(enc.path.shape[1]):
        column = enc.path[:, element]
        a = column[left]
        agreeing &= (a == column[right]) & (a != 0)
        shared += agreeing
    da, db = enc.depth[left].astype(np.int64), enc.depth[right].astype(np.int64)
    site = enc.site_depth
    finer = np.minimum(da, db)
    same = (shared == da) & (shared == db)
    inside = (shared == finer) & ~same
    below = shared - site  # 0: the site, 1: a building, 2 and more: unit, room
    level = np.zeros(len(left), dtype=np.int8)
    level[same & (below >= 2)] = 1
    level[same & (below == 1)] = 2
    level[same & (below == 0)] = 3
    level[inside & (below >= 0)] = 4
    parted = ~same & ~inside
    level[parted & (below >= 1)] = 5
    level[parted & (below == 0)] = 6
    level[(shared < site) & (finer >= site)] = DIFFERENT_SITE
    level[finer < site] = 0
    return level


def _time_levels(enc: Encoded, left: Ints, right: Ints, block: BlockOptions) -> npt.NDArray[np.int8]:
    gap = np.abs(enc.t[left] - enc.t[right])
    level = np.searchsorted(_TIME_STEPS[:-1], gap, side="left")
    return np.where(gap > block.window, len(_TIME_STEPS), level).astype(np.int8)


def _category_levels(enc: Encoded, left: Ints, right: Ints) -> npt.NDArray[np.int8]:
    a, b = enc.categories[left], enc.categories[right]
    both_specific = (enc.sub[left] >= 0) & (enc.sub[right] >= 0)
    overlap = (a & b) != 0
    same_major = (enc.major[left] == enc.major[right]) & (enc.major[left] >= 0)
    level = np.full(len(left), 4, dtype=np.int8)
    level[same_major] = 3
    level[overlap & ~both_specific] = 1
    level[overlap & both_specific] = 0
    level[(a == 0) | (b == 0)] = 2
    return level


def _text_levels(similarity: npt.NDArray[np.float32], empty: npt.NDArray[np.bool_]) -> npt.NDArray[np.int8]:
    level = 4 - np.searchsorted(np.array([0.1, 0.2, 0.35, 0.5], dtype=np.float32), similarity, side="right")
    return np.where(empty, 5, level).astype(np.int8)


def _shared_people(enc: Encoded, left: Ints, right: Ints) -> Ints:
    """Return how many resolved people each pair shares."""
    counts = np.diff(enc.person_start)
    has = (counts[left] > 0) & (counts[right] > 0)
    shared = np.zeros(len(left), dtype=np.int64)
    every = np.flatnonzero(has)
    # a part of the pairs at a time: the (pair, person) rows of all of them at once cost more
    # than the pairs themselves
    for first in range(0, len(every), _PEOPLE_PART):
        rows = every[first : first + _PEOPLE_PART]

        # (pair, person) for both sides; a person on both sides of a pair appears twice
        def expand(side: Ints, rows: Ints = rows) -> tuple[Ints, Ints]:
            n = counts[side[rows]]
            pair = np.repeat(rows, n)
            start = np.repeat(enc.person_start[side[rows]], n)
            offset = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
            return pair, enc.person_code[start + offset]

        pa_, ca = expand(left)
        pb, cb = expand(right)
        both = pd.DataFrame({"pair": np.r_[pa_, pb], "person": np.r_[ca, cb]})
        twice = both[both.duplicated()]
        np.add.at(shared, twice["pair"].to_numpy(), 1)
    return shared


def _department_pairs(
    sources: npt.NDArray[np.object_], left: Ints, right: Ints, close: npt.NDArray[np.bool_]
) -> npt.NDArray[np.object_]:
    """Return 'a|b' per pair, the two departments' names in sorted order, with ' close' after it
    for a close pair.

    The few distinct labels are made once and every pair points at its label: a string per pair
    cost about 70 bytes a pair, and the fixed-width text it was built from several times that.
    """
    names, codes = np.unique(np.asarray(sources).astype(str), return_inverse=True)  # sorted names
    codes = codes.reshape(-1)  # numpy 2.0 kept the input's shape
    count = len(names)
    made: dict[str, str] = {}  # (a, b) and (b, a) share their label
    labels = np.array(
        [
            made.setdefault(label, label)
            for a in range(count)
            for b in range(count)
            for suffix in ("", " close")
            for label in (f"{names[min(a, b)]}|{names[max(a, b)]}{suffix}",)
        ],
        dtype=object,
    )
    pair = (codes[left].astype(np.int64) * count + codes[right]) * 2 + close.astype(np.int64)
    return labels[pair] if len(pair) else np.zeros(0, dtype=object)


def compare_pairs(
    enc: Encoded,
    vectors: csr_matrix,
    sources: npt.NDArray[np.object_],
    left: Ints,
    right: Ints,
    block: BlockOptions,
) -> Comparison:
    """Return the level and group of every evidence for each pair (row positions left, right)."""
    similarity = text_similarity(vectors, left, right)
    empty = (np.diff(vectors.indptr)[left] == 0) | (np.diff(vectors.indptr)[right] == 0)
    shared = _shared_people(enc, left, right)
    counts = np.diff(enc.person_start)
    known = (counts[left] > 0) & (counts[right] > 0)
    people = np.where(shared > 0, 1, np.where(known, 2, 0)).astype(np.int8)
    category = _category_levels(enc, left, right)
    place = _place_levels(enc, left, right)
    levels = {
        "place": place,
        "time": _time_levels(enc, left, right, block),
        "category": category,
        "text": _text_levels(similarity, empty),
        "people": people,
    }
    # one label for every pair: a read-only view of one element, not a pointer per pair
    one = np.broadcast_to(np.asarray([POOLED], dtype=object), (len(left),))
    groups = {
        "place": one,
        "time": _department_pairs(sources, left, right, (place == 1) | (people == 1)),
        "category": one,
        "text": np.asarray(LEVEL_NAMES["category"], dtype=object)[category],
        "people": np.asarray(LEVEL_NAMES["place"], dtype=object)[place],
    }
    return Comparison(levels, groups, similarity, shared)


def score_pairs(comparison: Comparison, weights: EvidenceWeights) -> pd.DataFrame:
    """Return per pair the weight of each evidence (w_*), the score (log2 odds of one incident)
    and whether the place forbids a link.

    Pairs are scored `_SCORE_PART` at a time (each pair's score is its own): the float64
    intermediates of all pairs at once took several times the frame returned.
    """
    count = len(comparison.levels["place"])
    if count <= _SCORE_PART:
        return _score_part(comparison, weights)
    parts = []
    for first in range(0, count, _SCORE_PART):
        part = slice(first, first + _SCORE_PART)
        parts.append(
            _score_part(
                Comparison(
                    {e: v[part] for e, v in comparison.levels.items()},
                    {e: v[part] for e, v in comparison.groups.items()},
                ),
                weights,
            )
        )
    return pd.concat(parts, ignore_index=True)


def _score_part(comparison: Comparison, weights: EvidenceWeights) -> pd.DataFrame:
    columns: dict[str, npt.NDArray[np.float64]] = {}
    for evidence in EVIDENCE:
        if evidence != "time":
            level = comparison.levels[evidence].astype(np.int64)
            columns[f"w_{evidence}"] = weights.weights(evidence, comparison.groups[evidence], level)
    rest = sum((columns[f"w_{e}"] for e in EVIDENCE if e != "time"), np.zeros(len(comparison.cannot)))
    time_level = comparison.levels["time"].astype(np.int64)
    columns["w_time"] = weights.time.weights(comparison.groups["time"], time_level, weights.prior, rest)
    if weights.stated_time is not None:
        stated = weights.stated_time.weights(comparison.groups["time"], time_level, weights.prior, rest)
        columns["w_time"] = np.minimum(columns["w_time"], stated)
    frame = pd.DataFrame({f"w_{e}": columns[f"w_{e}"].astype(np.float32) for e in EVIDENCE})
    frame["score"] = np.asarray(weights.prior + rest + columns["w_time"], dtype=np.float32)
    frame["cannot"] = comparison.cannot
    return frame


def explain(comparison: Comparison, keep: npt.NDArray[np.bool_], weights: pd.DataFrame) -> pd.Series:
    """Return one line per kept pair naming each evidence's level and what it counted:
    'same room +7.0; within 6 h (hotline|police close) +4.1; ...'."""
    parts = []
    for evidence in EVIDENCE:
        level = comparison.levels[evidence][keep].astype(np.int64)
        names = np.asarray(LEVEL_NAMES[evidence], dtype=object)[level]
        if evidence == "time":
            names = names + " (" + comparison.groups[evidence][keep].astype(str).astype(object) + ")"
        counted = weights[f"w_{evidence}"].map("{:+.1f}".format).to_numpy(dtype=object)
        parts.append(pd.Series(names, dtype=object) + " " + pd.Series(counted, dtype=object))
    line = parts[0]
    for part in parts[1:]:
        line = line + "; " + part
    return line
