"""Stage 3a, train: the m and u probabilities behind the comparison weights, estimated from the data.

u (how often a level occurs among non-matches) comes from random pairs of mentions (all of them in a
small input): almost all are different people. m (how often among matches) comes from EM sessions
over the candidate pairs, as Splink estimates it (`em.py`); a field the sessions say too little
about keeps the m of pairs the data itself vouches for (pairs sharing a valid ID number give m for
every other field, pairs agreeing on name, birth date and a phone or a room give m for the ID
field). Each estimate is smoothed towards a generic prior table (`DEFAULT_M`) with a few
pseudo-pairs, so a small data set still gets sensible weights. Nothing is a constant measured on
one data set.

The prior (how many candidate pairs are matches) is then fitted by expectation-maximisation with
m and u held fixed. The result is a `MatchModel` (`model.py`): plain tables, so it can be stored
beside the resolution and reused for incremental batches.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
import pandas as pd

from entity_resolution.people.block import DEFAULT_RULES, BlockingRule
from entity_resolution.people.compare import (
    FIELDS,
    JOINT,
    LEVELS,
    Encoded,
    comparison_levels,
    evidence,
    joint_index,
    level_index,
)
from entity_resolution.people.em import em_m, session_pairs
from entity_resolution.people.model import MatchModel, reference_model, save_reference_model

__all__ = [
    "DEFAULT_M",
    "DEFAULT_U",
    "MatchModel",
    "TrainOptions",
    "name_frequencies",
    "reference_model",
    "save_reference_model",
    "train_model",
]

# Prior m per level (what matches look like in department records), used to smooth estimates.
DEFAULT_M: dict[str, tuple[float, ...]] = {
    "id": (0.97, 0.002, 0.02, 0.008),
    "name": (0.80, 0.12, 0.03, 0.01, 0.01, 0.01, 0.02),
    "birth": (0.93, 0.04, 0.02, 0.01),
    "gender": (0.99, 0.01),
    "mobile": (0.85, 0.03, 0.12),
    "landline": (0.70, 0.03, 0.27),
    "address": (0.50, 0.15, 0.05, 0.10, 0.03, 0.05, 0.02, 0.10),
}
# Prior u per level (what two strangers' records look like): they rarely share a number, a name or a
# room, and agree on sex half the time. Only a small input leans on it: a few dozen random pairs
# cannot say how rare a shared mobile is, and counted alone they would make it look common.
DEFAULT_U: dict[str, tuple[float, ...]] = {
    "id": (0.0001, 0.4999, 0.0001, 0.4999),
    "name": (0.001, 0.002, 0.005, 0.01, 0.02, 0.96, 0.002),
    "birth": (0.0005, 0.002, 0.03, 0.9675),
    "gender": (0.5, 0.5),
    "mobile": (0.0005, 0.001, 0.9985),
    "landline": (0.001, 0.002, 0.997),
    "address": (0.0005, 0.001, 0.002, 0.005, 0.005, 0.01, 0.02, 0.9565),
}


@dataclass(frozen=True, slots=True)
class TrainOptions:
    """Settings of the estimation."""

    random_pairs: int = 1_000_000  # pairs sampled for u
    pseudo_pairs: float = 20.0  # weight of DEFAULT_M when smoothing m, and of DEFAULT_U for u
    strong_negative: float = -8.0  # birth or gender disagreement weighs at most this
    conflict_weight: float = -40.0  # two different valid ID numbers (also a hard cannot-link)
    min_seen: float = 3.0  # a level seen fewer times among both samples weighs at most rare_level_bits
    rare_level_bits: float = 8.0
    joint_pseudo_pairs: float = 5.0  # per cell of m(name, birth): see _joint_m
    em_pairs: int = 2_000_000  # candidate pairs an EM session reads at most
    seed: int = 0


def name_frequencies(prepared: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    """Return (column, value, tf) of names among people, and the floor tf for an unseen name.

    People are approximated before resolution: mentions of one name sharing a valid ID number, else
    a mobile, else a landline, else a room, else an estate count once, so a caller who rang forty
    times does not make her own name look common.
    """
    person = np.arange(len(prepared), dtype=np.int64)
    offset = len(prepared)
    for column in ("estate_key", "room_key", "landline", "mobile", "id18"):
        if column in prepared:
            codes = pd.factorize(prepared[column], use_na_sentinel=True)[0].astype(np.int64)
            person = np.where(codes >= 0, codes + offset, person)
            offset += int(codes.max()) + 1 if len(codes) else 0
    total = max(len(pd.unique(person)), 1)
    rows = []
    for column in ("name_clean", "name_key"):
        codes, values = pd.factorize(prepared[column], use_na_sentinel=True)
        known = codes >= 0
        pairs = pd.unique(codes[known].astype(np.int64) * offset + person[known])
        counts = np.bincount(pairs // offset, minlength=len(values))
        rows.append(
            pd.DataFrame(
                {
                    "column": column,
                    "value": np.asarray(values, dtype=object),
                    "tf": counts.astype(np.float64) / total,
                }
            )
        )
    return pd.concat(rows, ignore_index=True), 1.0 / total


def _random_pairs(n: int, size: int, seed: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Return `size` random pairs of n rows, or every pair when there are no more than that."""
    if n > 1 and n * (n - 1) // 2 <= size:
        left, right = np.triu_indices(n, k=1)
        return left.astype(np.int64), right.astype(np.int64)
    rng = np.random.default_rng(seed)
    size = size if n > 1 else 0
    left = rng.integers(0, max(n, 1), size)
    right = rng.integers(0, max(n, 1), size)
    keep = left != right
    return left[keep].astype(np.int64), right[keep].astype(np.int64)


def _distribution(levels: npt.NDArray[np.int8], count: int) -> npt.NDArray[np.float64]:
    return np.bincount(levels[levels >= 0].astype(np.int64), minlength=count).astype(np.float64)[:count]


def _merge_id_disagreement(counts: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Return ID level counts with 'conflict' and 'differ' pooled into both.

    The two levels split disagreement by whether both numbers are valid, not by how much they
    disagree; estimated apart, a level rarely seen among random pairs would look like evidence.
    """
    conflict, differ = level_index("id", "conflict"), level_index("id", "differ")
    pooled = counts.copy()
    pooled[conflict] = pooled[differ] = counts[conflict] + counts[differ]
    return pooled


def _u(
    enc: Encoded, options: TrainOptions
) -> tuple[dict[str, npt.NDArray[np.float64]], dict[str, npt.NDArray[np.float64]]]:
    """Return u per field level, and the number of random pairs seen at each level."""
    left, right = _random_pairs(len(enc), options.random_pairs, options.seed)
    levels = comparison_levels(enc, left, right)
    u, seen = {}, {}
    for field, names in LEVELS.items():
        counts = _distribution(levels[field], len(names))
        if field == "id":
            counts = _merge_id_disagreement(counts)
        seen[field] = counts
        # pseudo-pairs of strangers, plus half a pair so that no level is impossible
        smoothed = counts + options.pseudo_pairs * np.asarray(DEFAULT_U[field]) + 0.5
        u[field] = smoothed / smoothed.sum()
    return u, seen


def _smoothed(
    counts: npt.NDArray[np.float64], prior: tuple[float, ...], weight: float
) -> npt.NDArray[np.float64]:
    m = counts + weight * np.asarray(prior)
    return np.asarray(m / m.sum(), dtype=np.float64)


def _confident(levels: dict[str, npt.NDArray[np.int8]]) -> npt.NDArray[np.bool_]:
    """Return pairs that agree on name and birth date and on a phone or an address (for m of the ID)."""
    name = levels["name"]
    named = (name == level_index("name", "exact")) | (name == level_index("name", "phonetic"))
    born = levels["birth"] == level_index("birth", "exact")
    place = (levels["address"] == level_index("address", "room")) | (
        levels["address"] == level_index("address", "place")
    )
    contact = (levels["mobile"] == 0) | (levels["landline"] == 0) | place
    strong = named & born & contact
    return np.asarray(strong if strong.sum() >= 50 else named & born, dtype=bool)


def _m(
    levels: dict[str, npt.NDArray[np.int8]], options: TrainOptions
) -> tuple[dict[str, npt.NDArray[np.float64]], dict[str, npt.NDArray[np.float64]]]:
    """Return m per field level, and the number of vouched-for pairs seen at each level."""
    same_id = levels["id"] == level_index("id", "exact")
    confident = _confident(levels)
    m, seen = {}, {}
    for field, names in LEVELS.items():
        chosen = confident if field == "id" else same_id
        counts = _distribution(levels[field][chosen], len(names))
        if field == "id":
            counts = _merge_id_disagreement(counts)
        m[field] = _smoothed(counts, DEFAULT_M[field], options.pseudo_pairs)
        seen[field] = counts
    return m, seen


def _weights(
    m: dict[str, npt.NDArray[np.float64]],
    u: dict[str, npt.NDArray[np.float64]],
    seen: dict[str, npt.NDArray[np.float64]],
    options: TrainOptions,
) -> dict[str, npt.NDArray[np.float64]]:
    """Return log2(m/u) per field level; a level the data never showed (in either sample) weighs 0."""
    weights = {}
    for field in FIELDS:
        weights[field] = np.log2(m[field] / u[field])
        # A level the data hardly showed keeps the weight of the prior m, held within a few bits:
        # a slip the data happens not to hold is still evidence, not proof.
        rare = seen[field] < options.min_seen
        weights[field][rare] = np.clip(
            weights[field][rare], -options.rare_level_bits, options.rare_level_bits
        )
    weights["id"][level_index("id", "conflict")] = options.conflict_weight
    for field in ("birth", "gender"):
        differ = len(LEVELS[field]) - 1
        weights[field][differ] = min(weights[field][differ], options.strong_negative)
    return weights


def _posterior_matches(weight: npt.NDArray[np.float64], prior: float) -> float:
    return float((1 / (1 + np.exp2(-(prior + weight)))).sum())


def _binned(weight: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Return (distinct weights to 1/64 bit, pairs at each): EM then runs on a few thousand values."""
    ticks = np.sort(np.round(np.clip(weight, -60, 60) * 64))
    starts = (
        np.flatnonzero(np.r_[True, ticks[1:] != ticks[:-1]]) if len(ticks) else np.zeros(0, dtype=np.int64)
    )
    counts = np.diff(np.r_[starts, len(ticks)]).astype(np.float64)
    return ticks[starts] / 64, counts


def _fit_prior(
    enc: Encoded, left: npt.NDArray[np.int64], levels: dict[str, npt.NDArray[np.int8]], model: MatchModel
) -> float:
    """Return log2 odds that two random mentions are one person, fitted by EM with m and u fixed.

    Every match is assumed to be among the candidate pairs; the expected number of matches among
    them, over all n(n-1)/2 pairs, is the prior.
    """
    n = len(enc)
    total = max(n * (n - 1) / 2, 1.0)
    fields = evidence(enc, left, levels, model.weights(), model.tf_arrays(enc), model.m_tf())
    values, counts = _binned(sum(fields.values(), np.zeros(len(left))))
    matches = max(n / 2, 1.0)
    for _ in range(50):
        prior = np.log2(matches / max(total - matches, 1.0))
        matches = float(np.clip((counts / (1 + np.exp2(-(prior + values)))).sum(), 1.0, total / 2))
    return float(np.log2(matches / max(total - matches, 1.0)))


def _decontaminated(
    u: dict[str, npt.NDArray[np.float64]], m: dict[str, npt.NDArray[np.float64]], prior: float, floor: float
) -> dict[str, npt.NDArray[np.float64]]:
    """Return u with the true matches among the random pairs taken out: (u - λm) / (1 - λ).

    In a small or repetitive data set random pairs are not all non-matches; left in, the matches
    make agreement on an ID number or a mobile look commoner among strangers than it is.
    """
    share = 2.0**prior / (1 + 2.0**prior)
    out = {}
    for field in FIELDS:
        clean = np.maximum(u[field] - share * m[field], floor)
        out[field] = clean / clean.sum()
    return out


def _model(
    m: dict[str, npt.NDArray[np.float64]],
    u: dict[str, npt.NDArray[np.float64]],
    seen: tuple[dict[str, npt.NDArray[np.float64]], dict[str, npt.NDArray[np.float64]]],
    tf: pd.DataFrame,
    floor: float,
    prior: float,
    options: TrainOptions,
    joint: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]] | None = None,
) -> MatchModel:
    seen_m, seen_u = seen
    weights = _weights(m, u, {f: seen_u[f] + seen_m[f] for f in FIELDS}, options)
    rows = [
        {
            "field": f,
            "level": i,
            "level_name": name,
            "m": m[f][i],
            "u": u[f][i],
            "weight": weights[f][i],
            "seen_m": seen_m[f][i],
            "seen_u": seen_u[f][i],
        }
        for f, names in LEVELS.items()
        for i, name in enumerate(names)
    ]
    if joint is not None:
        rows += _joint_rows(joint, m, u)
    return MatchModel(pd.DataFrame(rows), prior, tf, floor)


def _joint_rows(
    joint: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]],
    m: dict[str, npt.NDArray[np.float64]],
    u: dict[str, npt.NDArray[np.float64]],
) -> list[dict[str, object]]:
    """Return the parameter rows of the name x birth correction (u: independent among strangers)."""
    m_joint, seen = joint
    independent = np.outer(m["name"], m["birth"]).ravel()
    u_joint = np.outer(u["name"], u["birth"]).ravel()
    names = [f"{a}|{b}" for a in LEVELS["name"] for b in LEVELS["birth"]]
    return [
        {
            "field": JOINT,
            "level": i,
            "level_name": name,
            "m": m_joint[i],
            "u": u_joint[i],
            "weight": float(np.log2(m_joint[i] / independent[i])),
            "seen_m": seen[i],
            "seen_u": 0.0,
        }
        for i, name in enumerate(names)
    ]


def _joint_m(
    levels: dict[str, npt.NDArray[np.int8]],
    matches: npt.NDArray[np.float64],
    m: dict[str, npt.NDArray[np.float64]],
    options: TrainOptions,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Return m of each (name, birth) level pair among the matches, and the matches seen in each.

    Each cell's m is its m under independence times (seen + a) / (expected + a), a being
    `joint_pseudo_pairs`: a cell independence expects to hold a fraction of a match says nothing
    by being empty; one expected to hold twenty and holding none does.
    """
    cells = len(LEVELS["name"]) * len(LEVELS["birth"])
    cell = joint_index(levels)
    known = cell >= 0
    counts = np.bincount(cell[known], weights=matches[known], minlength=cells).astype(np.float64)
    independent = np.outer(m["name"], m["birth"]).ravel()
    expected = independent * counts.sum()
    joint = independent * (counts + options.joint_pseudo_pairs) / (expected + options.joint_pseudo_pairs)
    return joint / joint.sum(), counts


def train_model(
    enc: Encoded,
    prepared: pd.DataFrame,
    left: npt.NDArray[np.int64],
    levels: dict[str, npt.NDArray[np.int8]],
    options: TrainOptions | None = None,
    rule_bits: npt.NDArray[np.int64] | None = None,
    rules: tuple[BlockingRule, ...] = DEFAULT_RULES,
) -> MatchModel:
    """Return the match model estimated from a prepared table and the levels of its candidate pairs.

    `rule_bits` (the blocking rules behind each pair) let every field get its m by EM sessions
    (`em.py`); a field the sessions say too little about keeps the m of the pairs sharing an ID
    number, smoothed towards the prior.
    """
    options = options or TrainOptions()
    tf, tf_floor = name_frequencies(prepared)
    u, seen_u = _u(enc, options)
    m, seen_m = _m(levels, options)  # from the pairs the data vouches for: where EM finds too few
    matches = (levels["id"] == level_index("id", "exact")).astype(np.float64)
    if rule_bits is not None and len(left):
        sessions = session_pairs(rule_bits, rules, options.em_pairs, options.seed)
        prior_m = {f: np.asarray(DEFAULT_M[f], dtype=np.float64) for f in FIELDS}
        m, expected, probability = em_m(levels, sessions, u, m, FIELDS, prior_m)
        seen_m = {**seen_m, **expected}
        if expected:
            matches = probability
    joint = _joint_m(levels, matches, m, options)
    model = _model(m, u, (seen_m, seen_u), tf, tf_floor, 0.0, options, joint)
    prior = _fit_prior(enc, left, levels, model)
    u = _decontaminated(u, m, prior, 0.5 / max(options.random_pairs, 1))
    model = _model(m, u, (seen_m, seen_u), tf, tf_floor, 0.0, options, joint)
    return replace(model, prior=_fit_prior(enc, left, levels, model))
