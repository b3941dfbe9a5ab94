"""Stage 3, compare: each candidate pair's evidence, level by level, and what each level counts.

Five kinds of evidence, each put into a level, and each level worth a weight: the log2 of how much
more often pairs about one incident show it than pairs about two incidents at the same site (a
Fellegi-Sunter weight). The score is the sum of the weights plus `prior`, the log2 odds that a
candidate pair is one incident before looking at it; a pair scoring at least 0 is a link.

place     same room (or unit), same building, same site only, one path inside the other (a record
          that only names the estate), or paths that part below the site (another building or
          room: a strong sign of another incident); unknown when either path stops above the site.
          Paths that part at or above the site never link (`DIFFERENT_SITE`).
time      how far apart the two reports are, in steps that fit how departments hear of things:
          the police within the hour, the hotline within hours, grid workers within two days, a
          staged escalation within weeks; pairs with a petition in weeks to months.
category  same subcategory, same major only, or one filed under other.unclassified.
text      cosine of the descriptions' rarity-weighted character bigrams (`text`). What the text
          is worth depends on the category: when both departments filed the same category the
          text mostly repeats it, when one filed under other.unclassified the text is the only
          word on what happened, so it has its own weights (`text_unclassified`).
people    at least one shared resolved person; both name people but none shared; unknown.

The default weights are log2 ratios measured among the candidate pairs of a simulated city with
ground truth (seed 1, 20,000 residents, not the benchmark's seed), rounded, and pulled towards 0
where the simulated departments are cleaner than real ones: there one incident never gets two
subcategories or an estate-only address beside a room, and descriptions repeat one phrase, so
those levels measured -9 to -13 and are kept at -1 to -8 here. `EvidenceWeights` takes others.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.sparse import csr_matrix

from entity_resolution.events.block import DAY, BlockOptions, pair_windows
from entity_resolution.events.prepare import Encoded
from entity_resolution.events.text import text_similarity

__all__ = [
    "DIFFERENT_SITE",
    "EVIDENCE",
    "LEVEL_NAMES",
    "EvidenceWeights",
    "compare_pairs",
    "explain",
    "score_pairs",
]

Ints = npt.NDArray[np.int64]
EVIDENCE = ("place", "time", "category", "text", "people")
HOUR = 3_600
DIFFERENT_SITE = 7  # place level of paths parting at or above the site: never one incident
UNCLASSIFIED_LEVEL = 2  # category level of a pair with a record under other.unclassified

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
    "time": ("within 1 h", "within 6 h", "within 2 days", "within 7 days", "within 30 days", "further"),
    "slow_time": (
        "within 7 days",
        "within 21 days",
        "within 45 days",
        "within 75 days",
        "within 120 days",
        "further",
    ),
    "category": ("same subcategory", "same major", "unclassified"),
    "text": ("text >= 0.5", "text >= 0.35", "text >= 0.2", "text >= 0.1", "text < 0.1", "no text"),
    "people": ("unknown", "shared person", "no shared person"),
}


@dataclass(frozen=True, slots=True)
class EvidenceWeights:
    """Weight (log2 odds) of every level of every evidence, in the order of LEVEL_NAMES."""

    place: tuple[float, ...] = (0.0, 7.0, 5.0, 1.0, -1.0, -8.0, -10.0, -30.0)
    time: tuple[float, ...] = (5.0, 4.0, 3.0, -1.0, -2.0, -8.0)
    slow_time: tuple[float, ...] = (-3.0, -1.0, 1.0, 1.0, -3.0, -8.0)  # a petition in the pair
    category: tuple[float, ...] = (3.0, -6.0, -1.0)
    text: tuple[float, ...] = (2.0, 2.0, 2.0, -2.0, -8.0, 0.0)
    text_unclassified: tuple[float, ...] = (7.0, 7.0, 6.0, 0.0, -8.0, 0.0)
    people: tuple[float, ...] = (0.0, 8.0, -6.0)
    prior: float = -5.0

    def table(self, evidence: str) -> npt.NDArray[np.float64]:
        return np.asarray(getattr(self, evidence), dtype=np.float64)


_PROMPT_STEPS = np.array([1 * HOUR, 6 * HOUR, 2 * DAY, 7 * DAY, 30 * DAY], dtype=np.int64)
_SLOW_STEPS = np.array([7 * DAY, 21 * DAY, 45 * DAY, 75 * DAY, 120 * DAY], dtype=np.int64)


@dataclass(frozen=True, slots=True)
class Comparison:
    """Levels of each evidence per pair, and the raw text similarity."""

    levels: dict[str, npt.NDArray[np.int8]] = field(default_factory=dict)
    slow: npt.NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=bool))
    similarity: npt.NDArray[np.float32] = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    shared_people: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def _place_levels(enc: Encoded, left: Ints, right: Ints) -> npt.NDArray[np.int8]:
    a, b = enc.path[left], enc.path[right]
    shared = np.cumprod((a == b) & (a != 0), axis=1).sum(axis=1)
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


def _time_levels(enc: Encoded, left: Ints, right: Ints, slow: npt.NDArray[np.bool_]) -> npt.NDArray[np.int8]:
    gap = np.abs(enc.t[left] - enc.t[right])
    prompt = np.searchsorted(_PROMPT_STEPS, gap, side="left")
    late = np.searchsorted(_SLOW_STEPS, gap, side="left")
    levels: npt.NDArray[np.int8] = np.where(slow, late, prompt).astype(np.int8)
    return levels


def _category_levels(enc: Encoded, left: Ints, right: Ints) -> npt.NDArray[np.int8]:
    level = np.where(enc.sub[left] == enc.sub[right], 0, 1)
    level = np.where((enc.major[left] < 0) | (enc.major[right] < 0), np.where(level == 0, 0, 2), level)
    return level.astype(np.int8)


def _text_levels(similarity: npt.NDArray[np.float32], empty: npt.NDArray[np.bool_]) -> npt.NDArray[np.int8]:
    level = 4 - np.searchsorted(np.array([0.1, 0.2, 0.35, 0.5], dtype=np.float32), similarity, side="right")
    return np.where(empty, 5, level).astype(np.int8)


def _shared_people(enc: Encoded, left: Ints, right: Ints) -> Ints:
    """Return how many resolved people each pair shares."""
    counts = np.diff(enc.person_start)
    has = (counts[left] > 0) & (counts[right] > 0)
    rows = np.flatnonzero(has)
    if not len(rows):
        return np.zeros(len(left), dtype=np.int64)

    # (pair, person) for both sides; a person on both sides of a pair appears twice
    def expand(side: Ints) -> tuple[Ints, Ints]:
        n = counts[side[rows]]
        pair = np.repeat(rows, n)
        start = np.repeat(enc.person_start[side[rows]], n)
        offset = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
        return pair, enc.person_code[start + offset]

    pa_, ca = expand(left)
    pb, cb = expand(right)
    both = pd.DataFrame({"pair": np.r_[pa_, pb], "person": np.r_[ca, cb]})
    twice = both[both.duplicated()]
    shared = np.zeros(len(left), dtype=np.int64)
    np.add.at(shared, twice["pair"].to_numpy(), 1)
    return shared


def compare_pairs(
    enc: Encoded,
    vectors: csr_matrix,
    slow_row: npt.NDArray[np.bool_],
    left: Ints,
    right: Ints,
    weights: EvidenceWeights,
    block: BlockOptions,
) -> Comparison:
    """Return the level of every evidence for each pair (row positions left, right)."""
    slow = slow_row[left] | slow_row[right]
    similarity = text_similarity(vectors, left, right)
    empty = (np.diff(vectors.indptr)[left] == 0) | (np.diff(vectors.indptr)[right] == 0)
    shared = _shared_people(enc, left, right)
    counts = np.diff(enc.person_start)
    known = (counts[left] > 0) & (counts[right] > 0)
    people = np.where(shared > 0, 1, np.where(known, 2, 0)).astype(np.int8)
    time = _time_levels(enc, left, right, slow)
    too_far = np.abs(enc.t[left] - enc.t[right]) > pair_windows(slow_row, left, right, block)
    time[too_far] = len(LEVEL_NAMES["time"]) - 1
    levels = {
        "place": _place_levels(enc, left, right),
        "time": time,
        "category": _category_levels(enc, left, right),
        "text": _text_levels(similarity, empty),
        "people": people,
    }
    return Comparison(levels, slow, similarity, shared)


def score_pairs(comparison: Comparison, weights: EvidenceWeights) -> pd.DataFrame:
    """Return per pair the weight of each evidence (w_*), the score and whether the place forbids a link."""
    columns: dict[str, npt.NDArray[np.generic]] = {}
    for evidence in EVIDENCE:
        level = comparison.levels[evidence].astype(np.int64)
        if evidence == "time":
            w = np.where(comparison.slow, weights.table("slow_time")[level], weights.table("time")[level])
        elif evidence == "text":
            loose = comparison.levels["category"] == UNCLASSIFIED_LEVEL
            w = np.where(loose, weights.table("text_unclassified")[level], weights.table("text")[level])
        else:
            w = weights.table(evidence)[level]
        columns[f"w_{evidence}"] = w.astype(np.float32)
    score = weights.prior + sum(columns[f"w_{e}"].astype(np.float64) for e in EVIDENCE)
    frame = pd.DataFrame(columns)
    frame["score"] = np.asarray(score, dtype=np.float32)
    frame["cannot"] = comparison.levels["place"] == DIFFERENT_SITE
    return frame


def explain(
    levels: dict[str, npt.NDArray[np.int8]], slow: npt.NDArray[np.bool_], weights: pd.DataFrame
) -> pd.Series:
    """Return one line per pair naming each evidence's level and what it counted: 'same room +7; ...'."""
    parts = []
    for evidence in EVIDENCE:
        level = levels[evidence].astype(np.int64)
        names = np.asarray(LEVEL_NAMES[evidence], dtype=object)[level]
        if evidence == "time":
            names = np.where(slow, np.asarray(LEVEL_NAMES["slow_time"], dtype=object)[level], names)
        counted = weights[f"w_{evidence}"].map("{:+g}".format).to_numpy(dtype=object)
        parts.append(pd.Series(names, dtype=object) + " " + pd.Series(counted, dtype=object))
    line = parts[0]
    for part in parts[1:]:
        line = line + "; " + part
    return line
