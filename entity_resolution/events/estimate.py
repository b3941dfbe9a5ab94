"""Stage 3b, estimate: the evidence weights learnt from the candidate pairs being resolved.

Nobody labels which candidate pairs are one incident, so the weights come from
expectation-maximisation over the pairs' evidence levels, as Splink trains its m and u
probabilities. The mixture has three kinds of pair, not two:

- one incident reported twice (`match`);
- one dispute, another incident: the same household in the same room about the same thing,
  weeks later (a quarrel that comes back) - in place, people, category and words it looks
  exactly like a match;
- unrelated: two incidents that only share a site and a time window.

Matches and disputes share their place, people, category and text distributions (`related`);
time tells them apart. How the reports of one incident spread in time is what "one incident"
means, so it is stated (`TIME_MATCH`: a department's second report within days, another
department's within weeks); how recurrences and unrelated pairs spread in time, what share of
related pairs are one incident for each department pair, and every other distribution are
learnt. Each round gives every pair its probability of each kind; the weighted counts give the
new distributions. A pair's score is the log2 odds of one incident against the other two.

Recurrences are then read from the file itself (`_time_split`): per department pair, the pairs
that look related by everything but time are counted at each gap, and the part of them as spread
in time as unrelated pairs is taken as one dispute coming back. Time then counts for a pair what
the smaller of the two readings says (the stated spread alone, or the stated spread beside the
recurrences learnt), so what the file shows of recurrences can only add doubt: a same-room
report weeks after the last is not one incident just because everything but time agrees.

Priors keep small or odd tables sensible, as pseudo-pairs: `PRIOR_WEIGHTS` state what related
pairs show beside unrelated ones in general terms (same room, same category, similar words, a
shared person), worth `prior_pairs` pairs; a grouped table (people per place level, text per
category level, time per department pair) leans on its evidence's pooled table with the weight
of `group_pairs` pairs. Tables are learnt pooled first and per group after: grouped from the
start, EM finds other structure than incidents. Pairs whose places part above the site never
link and take no part.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from entity_resolution.events.compare import (
    EVIDENCE,
    GROUPED,
    LEVEL_NAMES,
    POOLED,
    Comparison,
    EvidenceWeights,
    TimeWeights,
)

__all__ = ["PRIOR_WEIGHTS", "TIME_MATCH", "EstimateOptions", "estimate_weights", "prior_weights"]

Floats = npt.NDArray[np.float64]

# What related pairs show beside unrelated ones, in general terms: the log2 ratio each level is
# believed to have before the data speak (LEVEL_NAMES order). The prior of m is u (measured)
# scaled by these, so a level the data hardly hold stays as rare among matches as elsewhere.
PRIOR_WEIGHTS: dict[str, tuple[float, ...]] = {
    "place": (0.0, 5.0, 3.0, 0.0, 1.0, -4.0, -5.0, -10.0),
    "category": (2.0, 1.0, 0.0, -3.0, -5.0),
    "text": (3.0, 2.0, 1.0, -1.0, -3.0, 0.0),
    "people": (0.0, 4.0, -3.0),
}
# What unrelated candidate pairs look like before the data speak (they share a site and a major
# category, rarely a room or a person; their words differ). Only small tables lean on it.
PRIOR_UNRELATED: dict[str, tuple[float, ...]] = {
    "place": (0.15, 0.02, 0.08, 0.35, 0.10, 0.10, 0.20, 0.0001),
    "category": (0.30, 0.05, 0.05, 0.45, 0.15),
    "text": (0.02, 0.03, 0.10, 0.25, 0.55, 0.05),
    "people": (0.40, 0.02, 0.58),
}
# Which way a level may count in the weights learnt, whatever EM found: agreement never counts
# against a pair (+1), disagreement never for it (-1), 0 either way. Blocking picks pairs by
# some evidence (a shared person brings in pairs at two sites), and EM reads the selection as a
# sign: "another site" learnt as a reason to link.
SIGNS: dict[str, tuple[int, ...]] = {
    "place": (0, 1, 1, 0, 0, -1, -1, -1),
    "category": (1, 0, 0, -1, -1),
    "text": (1, 1, 0, 0, -1, 0),
    "people": (0, 1, -1),
}
# How the reports of one incident spread in time (LEVEL_NAMES['time']). A department's second
# report comes while the first is still open: within days. Another department's can come as
# the matter climbs: within weeks to months.
TIME_MATCH: dict[str, tuple[float, ...]] = {
    "same": (0.20, 0.25, 0.25, 0.15, 0.10, 0.03, 0.01, 0.003, 0.001, 0.0005, 0.0001),
    "other": (0.20, 0.15, 0.15, 0.15, 0.12, 0.08, 0.07, 0.04, 0.025, 0.01, 0.001),
}
# Anything else spreads evenly over the window: each time level's share is its width in days.
_SPREAD = (1 / 24, 5 / 24, 18 / 24, 2, 4, 7, 16, 30, 60, 60, 0.5)
PRIOR_RELATED = 0.02  # share of candidate pairs that are related, before looking
PRIOR_MATCH_SHARE = 0.5  # share of related pairs that are one incident, before looking


@dataclass(frozen=True, slots=True)
class EstimateOptions:
    """How the weights are learnt: rounds, and how many pseudo-pairs each prior is worth."""

    rounds: int = 60
    tolerance: float = 1e-4  # stop when no pair's probabilities move more than this
    prior_pairs: float = 100.0
    group_pairs: float = 200.0
    limit: float = 15.0  # weights are kept within +-limit (log2)
    disputes: bool = False  # learn a third kind of pair, one dispute's other incidents
    # After the pooled rounds, split the related pairs' time gaps per department pair into one
    # incident's reports and recurrences, the part as spread in time as unrelated pairs (see
    # `_time_split`): what a gap means is then read from the file, not only stated.
    learn_time: bool = True


def _normal(values: Floats) -> Floats:
    return np.asarray(values / values.sum(axis=-1, keepdims=True), dtype=np.float64)


def _time_match(group: str) -> Floats:
    """Return how one incident's reports spread in time, for a group 'a|b' or 'a|b close'."""
    first, _, second = group.split(" ")[0].partition("|")
    return _normal(np.asarray(TIME_MATCH["same" if first and first == second else "other"], dtype=np.float64))


SPREAD = _normal(np.asarray(_SPREAD, dtype=np.float64))


def _unrelated(evidence: str) -> Floats:
    """Return the prior distribution of unrelated pairs over an evidence's levels."""
    return SPREAD if evidence == "time" else _normal(np.asarray(PRIOR_UNRELATED[evidence], dtype=np.float64))


@dataclass(slots=True)
class _Table:
    """One evidence's pairs as (group, level) cells, with its distributions per group."""

    groups: list[str]
    cell: npt.NDArray[np.int32]  # group * levels + level, per pair (a few thousand cells at most)
    levels: int
    m: Floats  # (groups, levels): related pairs (for time: one incident, stated)
    u: Floats  # unrelated pairs
    d: Floats  # time only: one dispute, another incident

    def counts(self, weights: Floats) -> Floats:
        size = self.m.shape[0] * self.m.shape[1]
        counts = np.bincount(self.cell, weights=weights, minlength=size)
        return np.asarray(counts, dtype=np.float64).reshape(self.m.shape)

    def at(self, table: Floats) -> Floats:
        return table.ravel()[self.cell]


def _tables(comparison: Comparison, rows: npt.NDArray[np.bool_]) -> dict[str, _Table]:
    tables = {}
    for evidence in EVIDENCE:
        codes, names = pd.factorize(pd.Series(comparison.groups[evidence][rows], dtype=object))
        groups = [str(g) for g in names] or [POOLED]
        levels = len(LEVEL_NAMES[evidence])
        cell = codes.astype(np.int32) * np.int32(levels) + comparison.levels[evidence][rows].astype(np.int32)
        flat = np.full((len(groups), levels), 1.0 / levels)
        table = _Table(groups, cell, levels, flat, flat.copy(), flat.copy())
        if evidence == "time":
            table.m = np.array([_time_match(g) for g in groups])
            table.d = np.tile(SPREAD, (len(groups), 1))
        tables[evidence] = table
    return tables


def _time_split(mixture: _Mixture, options: EstimateOptions) -> None:
    """Split the related pairs' time gaps, per department pair, into one incident's reports and
    recurrences, and set the time tables and the share of one incident from the split.

    A dispute that comes back does so at any time, as unrelated pairs come (the same site, the
    same season): the largest multiple of the unrelated pairs' spread that fits under the
    related pairs' counts at every level of the window is taken as recurrences, the rest as one
    incident's reports. The stated spread of one incident (`TIME_MATCH`) is the prior of the
    rest, worth `prior_pairs` pairs; each group leans on the pooled counts (`group_pairs`).
    """
    time = mixture.tables["time"]
    related = time.counts(mixture.related_apart_from_time() * mixture.count)
    counts = related + options.group_pairs * _normal(related.sum(axis=0) + 1e-9)
    inside = slice(0, counts.shape[1] - 1)  # the last level, beyond the window, holds decided pairs only
    floor = (counts[:, inside] / time.u[:, inside]).min(axis=1)
    stated = np.array([_time_match(g) for g in time.groups])
    match = np.maximum(counts - floor[:, None] * time.u, 0.0) + options.prior_pairs * stated
    match[:, -1] = options.prior_pairs * stated[:, -1]
    total = counts.sum(axis=1) + options.prior_pairs
    mixture.share = np.clip(match.sum(axis=1) / total, 0.01, 1.0 - 1e-6)
    time.m, time.d = _normal(match), time.u.copy()


def _refit(counts: Floats, prior: Floats, options: EstimateOptions, grouped: bool) -> Floats:
    """Return each group's distribution: counts on the pooled one (counts on the prior)."""
    pooled = _normal(counts.sum(axis=0) + options.prior_pairs * prior)
    if not grouped:
        return np.tile(pooled, (counts.shape[0], 1))
    return _normal(counts + options.group_pairs * pooled)


@dataclass(slots=True)
class _Mixture:
    """The learnt state: tables, the related share, and the match share per time group."""

    tables: dict[str, _Table]
    related: float
    share: Floats  # per time group
    count: Floats  # pairs per pattern (cells are per distinct pattern of levels, not per pair)

    def kinds(self) -> Floats:
        """Return (pairs, 3) probabilities of match, dispute and unrelated."""
        others = [t for e, t in self.tables.items() if e != "time"]
        related = np.log(self.related) + sum((np.log(t.at(t.m)) for t in others), np.zeros(1))
        unrelated = np.log(1 - self.related) + sum((np.log(t.at(t.u)) for t in others), np.zeros(1))
        time = self.tables["time"]
        share = self.share[time.cell // time.levels]
        with np.errstate(divide="ignore"):  # a share of 1: no disputes
            share_logs = np.log(share), np.log(1 - share)
        logs = np.stack(
            [
                related + share_logs[0] + np.log(time.at(time.m)),
                related + share_logs[1] + np.log(time.at(time.d)),
                unrelated + np.log(time.at(time.u)),
            ],
            axis=1,
        )
        logs -= logs.max(axis=1, keepdims=True)
        return _normal(np.exp(logs))

    def related_apart_from_time(self) -> Floats:
        """Return each pattern's probability of being related, read from all evidence but time."""
        others = [t for e, t in self.tables.items() if e != "time"]
        related = np.log(self.related) + sum((np.log(t.at(t.m)) for t in others), np.zeros(1))
        unrelated = np.log(1 - self.related) + sum((np.log(t.at(t.u)) for t in others), np.zeros(1))
        return np.asarray(1.0 / (1.0 + np.exp(np.clip(unrelated - related, -700, 700))), dtype=np.float64)

    def maximise(self, kinds: Floats, options: EstimateOptions, grouped: bool) -> None:
        kinds = kinds * self.count[:, None]
        related, unrelated = kinds[:, 0] + kinds[:, 1], kinds[:, 2]
        for evidence, table in self.tables.items():
            per_group = grouped and evidence in GROUPED
            table.u = _refit(table.counts(unrelated), _unrelated(evidence), options, per_group)
            if evidence == "time":
                table.d = _refit(table.counts(kinds[:, 1]), SPREAD, options, True)
                continue
            prior = _normal(table.u.mean(axis=0) * np.exp2(np.asarray(PRIOR_WEIGHTS[evidence])))
            table.m = _refit(table.counts(related), prior, options, per_group)
        time = self.tables["time"]
        group = time.cell // time.levels
        matches = np.bincount(group, weights=kinds[:, 0], minlength=len(self.share))
        both = np.bincount(group, weights=related, minlength=len(self.share))
        pseudo = options.prior_pairs
        if options.disputes:
            self.share = (matches + pseudo * PRIOR_MATCH_SHARE) / (both + pseudo)
        self.related = float((related.sum() + pseudo * PRIOR_RELATED) / (self.count.sum() + pseudo))


def _rounds(mixture: _Mixture, options: EstimateOptions, grouped: bool) -> None:
    before = np.zeros((len(mixture.tables["time"].cell), 3))
    for _ in range(options.rounds):
        kinds = mixture.kinds()
        moved = float(np.abs(kinds - before).max())
        before = kinds
        mixture.maximise(kinds, options, grouped)
        if moved < options.tolerance:
            break


def _signed(evidence: str, weights: Floats) -> Floats:
    """Return weights with each level held to the side `SIGNS` allows it."""
    signs = np.asarray(SIGNS[evidence])
    return np.where(
        signs > 0, np.maximum(weights, 0.0), np.where(signs < 0, np.minimum(weights, 0.0), weights)
    )


def _timing(mixture: _Mixture, stated: bool) -> TimeWeights:
    """Return the time distributions of the mixture (its pooled group: the groups' mean), or with
    `stated` the stated spread of one incident and no recurrences."""
    time = mixture.tables["time"]
    groups = [*time.groups, POOLED]
    if stated:
        match = np.vstack([*(_time_match(g) for g in time.groups), _time_match("")])
        share = np.ones(len(groups))
    else:
        match = np.vstack([time.m, _normal(time.m.mean(axis=0))])
        share = np.r_[mixture.share, mixture.share.mean()]
    dispute = np.vstack([time.d, time.d.mean(axis=0)])
    other = np.vstack([time.u, time.u.mean(axis=0)])
    return TimeWeights(
        {g: np.log2(match[k]) for k, g in enumerate(groups)},
        {g: np.log2(dispute[k]) for k, g in enumerate(groups)},
        {g: np.log2(other[k]) for k, g in enumerate(groups)},
        {g: float(share[k]) for k, g in enumerate(groups)},
    )


def _weights(mixture: _Mixture, options: EstimateOptions) -> dict[str, dict[str, Floats]]:
    def clip(values: Floats) -> Floats:
        return np.clip(values, -options.limit, options.limit)

    out: dict[str, dict[str, Floats]] = {}
    for evidence, table in mixture.tables.items():
        if evidence == "time":
            continue
        w = _signed(evidence, clip(np.log2(table.m / table.u)))
        out[evidence] = {group: w[k] for k, group in enumerate(table.groups)}
        out[evidence][POOLED] = _signed(evidence, clip(np.log2(table.m.mean(axis=0) / table.u.mean(axis=0))))
    return out


def prior_weights() -> EvidenceWeights:
    """Return the weights of the priors alone (what a table without candidate pairs is scored with)."""
    tables = {}
    for evidence, w in PRIOR_WEIGHTS.items():
        u = _unrelated(evidence)
        tables[evidence] = {POOLED: np.log2(_normal(u * np.exp2(np.asarray(w))) / u)}
    timing = TimeWeights(
        {POOLED: np.log2(_time_match(""))},
        {POOLED: np.log2(SPREAD)},
        {POOLED: np.log2(SPREAD)},
        {POOLED: PRIOR_MATCH_SHARE},
    )
    return EvidenceWeights(tables, float(np.log2(PRIOR_RELATED / (1 - PRIOR_RELATED))), timing)


def _patterns(
    cells: list[npt.NDArray[np.int32]], sizes: list[int]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Return, per distinct pattern of cells (ordered as the rows of cells side by side sort), the
    first pair showing it and how many do.

    The cells are read as the digits of one integer (each table's cell count its base), so the
    distinct patterns are found by sorting one int64 per pair; the stacked cells took five.
    """
    if float(np.prod(np.asarray(sizes, dtype=np.float64))) >= 2.0**62:  # no one integer holds them
        _, first, count = np.unique(np.stack(cells, axis=1), axis=0, return_index=True, return_counts=True)
        return first, count
    code = np.zeros(len(cells[0]), dtype=np.int64)
    for cell, size in zip(cells, sizes, strict=True):
        code *= size
        code += cell
    _, first, count = np.unique(code, return_index=True, return_counts=True)
    return first, count


def estimate_weights(
    comparison: Comparison, used: npt.NDArray[np.bool_] | None = None, options: EstimateOptions | None = None
) -> EvidenceWeights:
    """Return evidence weights learnt by expectation-maximisation from the compared pairs (those
    `used`: the candidates blocking found, not pairs only a human decision brought in)."""
    options = options or EstimateOptions()
    rows = ~comparison.cannot if used is None else used & ~comparison.cannot
    if not rows.any():
        return prior_weights()
    tables = _tables(comparison, rows)
    # pairs with the same cells in every table are alike: EM runs over distinct patterns
    first, count = _patterns([t.cell for t in tables.values()], [t.m.size for t in tables.values()])
    for table in tables.values():
        table.cell = table.cell[first]
    share = PRIOR_MATCH_SHARE if options.disputes else 1.0
    mixture = _Mixture(
        tables, PRIOR_RELATED, np.full(len(tables["time"].groups), share), count.astype(np.float64)
    )
    for evidence, table in tables.items():  # u starts as every candidate pair: nearly all unrelated
        table.u = _normal(table.counts(mixture.count) + options.prior_pairs * _unrelated(evidence))
        if evidence != "time":
            table.m = _normal(table.u * np.exp2(np.asarray(PRIOR_WEIGHTS[evidence])))
    _rounds(mixture, options, grouped=False)
    _rounds(mixture, options, grouped=True)
    levels, prior = _weights(mixture, options), float(np.log2(mixture.related / (1 - mixture.related)))
    if not options.learn_time or options.disputes:
        return EvidenceWeights(levels, prior, _timing(mixture, stated=not options.disputes))
    stated = _timing(mixture, stated=True)
    _time_split(mixture, options)
    return EvidenceWeights(levels, prior, _timing(mixture, stated=False), stated)
