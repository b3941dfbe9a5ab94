"""Stage 3b: m by expectation-maximisation for the fields no identifier vouches for, as Splink does.

A session reads the candidate pairs one blocking rule made by agreement on a single field (the
same name, the same birth date, the same ID number or mobile). With that field set aside, the
share of matches among them is fitted by EM from the other fields, u held at its random-pair
estimate.

Each session finds the matches of its kind (the same name finds those whose birth date was
mistyped, the same birth date those whose name was); a field's m is then read, at the field's
own levels, from all the sessions' matches together, each pair weighted by its match probability
in the session that found it. Averaging the sessions' own m instead would read the name's m
only from pairs chosen for sharing a birth date, where every match is one whose name was mistyped.

    sessions = session_pairs(rule_bits, rules, limit)      # field -> candidate pair positions
    m, seen = em_m(levels, sessions, u, m, free=["name", "birth"], prior_m=...)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from entity_resolution.people.block import BlockingRule
from entity_resolution.people.compare import LEVELS

__all__ = ["SESSION_RULES", "em_m", "session_pairs"]

Floats = npt.NDArray[np.float64]
Levels = dict[str, npt.NDArray[np.int8]]
Ints = npt.NDArray[np.int64]

# The field each session blocks on, and the rules whose pairs agree on that field alone.
SESSION_RULES: dict[str, tuple[str, ...]] = {
    "name": ("name",),
    "birth": ("birth",),
    "id": ("id18", "id_raw"),
    "mobile": ("mobile",),
}
MIN_SESSION_MATCHES = 10.0  # a session expecting fewer matches says too little about m
ITERATIONS = 60
TOLERANCE = 1e-5
PSEUDO_PAIRS = 1.0  # of the prior m per level: a level no match showed stays possible


def session_pairs(
    rule_bits: Ints, rules: Sequence[BlockingRule], limit: int, seed: int = 0
) -> dict[str, Ints]:
    """Return, per session field, the positions of candidate pairs its rules produced (a sample of
    at most `limit`)."""
    rng = np.random.default_rng(seed)
    out = {}
    for field, names in SESSION_RULES.items():
        mask = 0
        for index, rule in enumerate(rules):
            if rule.name in names:
                mask |= 1 << index
        rows = np.flatnonzero(rule_bits & mask)
        if len(rows) > limit:
            rows = np.sort(rng.choice(rows, limit, replace=False))
        if len(rows):
            out[field] = rows.astype(np.int64)
    return out


def _fit_session(levels: Levels, blocked: str, u: dict[str, Floats]) -> tuple[Floats, float]:
    """Return the match probability of each of one session's pairs, and the expected matches."""
    names = [f for f in levels if f != blocked]
    features = levels
    m = {f: _start_m(f) for f in names}
    share = 0.1
    posterior = np.zeros(len(features[names[0]]) if names else 0)
    for _ in range(ITERATIONS):
        score = np.full(len(posterior), np.log2(share / (1 - share)))
        for f in names:
            weight = np.r_[np.log2(m[f] / u[f]), 0.0]  # a missing value (-1) weighs nothing
            score += weight[features[f]]
        posterior = 1.0 / (1.0 + np.exp2(-np.clip(score, -60, 60)))
        new_share = float(np.clip(posterior.mean(), 1e-6, 1 - 1e-6))
        change = abs(new_share - share)
        share = new_share
        for f in names:
            level = features[f]
            known = level >= 0
            counts = np.bincount(level[known].astype(np.int64), weights=posterior[known], minlength=len(m[f]))
            smoothed = counts + PSEUDO_PAIRS * _start_m(f)
            new_m = smoothed / smoothed.sum()
            change = max(change, float(np.abs(new_m - m[f]).max()))
            m[f] = new_m
        if change < TOLERANCE:
            break
    return posterior, float(posterior.sum())


def _start_m(feature: str) -> Floats:
    """Return the m EM starts from: most matches agree, a few do not."""
    size = len(LEVELS[feature])
    start = np.full(size, 0.1 / max(size - 1, 1))
    start[0] = 0.9
    return start


def em_m(
    levels: Levels,
    sessions: dict[str, Ints],
    u: dict[str, Floats],
    m: dict[str, Floats],
    free: Sequence[str],
    prior_m: dict[str, Floats],
) -> tuple[dict[str, Floats], dict[str, Floats], Floats]:
    """Return m with the `free` fields re-estimated from the EM sessions' matches, the expected
    matches seen at each level of those re-estimated (the others keep their m), and
    each candidate pair's match probability in the session that found it (0 outside sessions)."""
    probability = np.zeros(len(next(iter(levels.values()))) if levels else 0)
    for blocked, rows in sessions.items():
        sample = {f: lv[rows] for f, lv in levels.items()}
        posterior, matches = _fit_session(sample, blocked, u)
        if matches >= MIN_SESSION_MATCHES:
            probability[rows] = np.maximum(probability[rows], posterior)
    out = {f: v.copy() for f, v in m.items()}
    seen: dict[str, Floats] = {}
    for f in free:
        level = levels[f]
        known = level >= 0
        counts = np.bincount(
            level[known].astype(np.int64), weights=probability[known], minlength=len(LEVELS[f])
        ).astype(np.float64)
        if counts.sum() >= MIN_SESSION_MATCHES:
            seen[f] = counts
            smoothed = counts + PSEUDO_PAIRS * prior_m[f]
            out[f] = smoothed / smoothed.sum()
    return out, seen, probability
