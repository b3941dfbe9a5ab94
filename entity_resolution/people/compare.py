"""Stage 3, compare: each candidate pair's agreement level on every field, and its match weight.

A pair's evidence is read field by field (Fellegi-Sunter): the level of agreement on the ID
number, the name, the birth date, the gender, the mobile, the landline and the address. Each level
has a weight log2(m / u) (how much likelier it is among true matches than among non-matches,
see `train.py`); the pair's score is the prior log-odds plus the weights of its levels, and every
weight stays in the output as the pair's explanation.

The name's weight depends on how common the name is: two mentions of 张伟 agreeing is weak, two of
a rare name strong. For the exact and phonetic name levels u is replaced by the name's share of
the people in the data (term-frequency adjustment), so the weight is log2(m / tf(name)).

Everything is vectorised over pairs: string columns are first turned into integer codes once per
table (`encode`, in `encoding.py`), fuzzy string similarity is computed once per distinct pair of
strings.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA, JaroWinkler

from entity_resolution.people.encoding import Codes, Encoded, Ints, encode, equal_codes, pair_similarity

__all__ = [
    "FIELDS",
    "JOINT",
    "LEVELS",
    "MISSING",
    "Encoded",
    "comparison_levels",
    "encode",
    "evidence",
    "joint_index",
    "joint_weights",
    "level_index",
    "score_pairs",
]

MISSING = -1

# Levels of each field, strongest agreement first. The position in the tuple is the level code.
LEVELS: dict[str, tuple[str, ...]] = {
    "id": ("exact", "conflict", "close", "differ"),
    "name": ("exact", "phonetic", "fuzzy", "similar", "surname_only", "differ", "title_surname"),
    "birth": ("exact", "typo", "close", "differ"),
    "gender": ("agree", "differ"),
    "mobile": ("agree", "close", "differ"),
    "landline": ("agree", "close", "differ"),
    "address": (
        "room",
        "building",
        "place",
        "estate",
        "estate_other",
        "similar",
        "loosely_similar",
        "differ",
    ),
}
FIELDS: tuple[str, ...] = tuple(LEVELS)
# The name and the birth date are not independent among matches: a clerk who mistypes one often
# copied the other right (and the reverse). Their combination carries a correction weight,
# log2(m(name, birth) / (m(name) m(birth))), 0 where they are independent.
JOINT = "name_birth"
TF_LEVELS = {("name", 0), ("name", 1)}  # levels whose u is the name's frequency
FUZZY_NAME = 0.92  # Jaro-Winkler / token-sort similarity of clean names for the 'fuzzy' level
SIMILAR_NAME = 0.80
SIMILAR_ADDRESS = 85.0  # similarity (0-100) of address texts whose keys do not agree, see _address_similarity
LOOSELY_SIMILAR_ADDRESS = 70.0


def level_index(field: str, name: str) -> int:
    """Return the code of a named level: level_index('name', 'phonetic') == 1."""
    return LEVELS[field].index(name)


def _given_similarity(a: str, b: str, **_: Any) -> float:
    """Return Jaro-Winkler of two given names after the words they share at the start: NGUYEN VAN
    THANH and NGUYEN VAN TRUNG differ in THANH and TRUNG, not in 'VAN T...'. A given name that is
    all shared words (a middle name left out) is compared whole."""
    words_a, words_b = a.split(), b.split()
    shared = 0
    while shared < min(len(words_a), len(words_b)) - 1 and words_a[shared] == words_b[shared]:
        shared += 1
    rest_a, rest_b = " ".join(words_a[shared:]), " ".join(words_b[shared:])
    return float(JaroWinkler.normalized_similarity(rest_a, rest_b))


def _name_similarity(enc: Encoded, a: Codes, b: Codes) -> npt.NDArray[np.float64]:
    """Return the similarity of clean Latin names: the lesser Jaro-Winkler of the family names and
    of the given names (one typo in either), also with family and given name swapped.

    Jaro-Winkler of the whole name would reward the shared family name at its start: SCHNEIDER
    WALTER and SCHNEIDER HELGA score 0.92 as wholes, 0.52 given name to given name.
    """
    family, given = enc.strings["name_family"], enc.strings["name_given"]
    in_order = np.minimum(
        pair_similarity(family, a, b, JaroWinkler.normalized_similarity),
        pair_similarity(given, a, b, _given_similarity),
    )
    # family name against given name, both ways: parts written in the other order
    both = np.r_[family, given]
    offset = np.int32(len(family))
    swapped = np.minimum(
        pair_similarity(both, a, b + offset, JaroWinkler.normalized_similarity),
        pair_similarity(both, b, a + offset, JaroWinkler.normalized_similarity),
    )
    return np.maximum(in_order, swapped)


def _one_character_apart(enc: Encoded, a: Codes, b: Codes) -> npt.NDArray[np.bool_]:
    """Return whether two Han names of three or more characters differ by one character (miskeyed,
    dropped or swapped): 陈嘉鑫 and 阵嘉鑫. Two-character names are left out: one character of
    two is a different surname or a different given name."""
    if not len(a):
        return np.zeros(0, dtype=bool)
    lengths = np.array([len(str(name)) for name in enc.strings["name_clean"]], dtype=np.int64)
    long_enough = np.maximum(lengths[a], lengths[b]) >= 3
    return long_enough & (pair_similarity(enc.strings["name_clean"], a, b, OSA.distance) <= 1)


def _name_levels(enc: Encoded, left: Ints, right: Ints) -> npt.NDArray[np.int8]:
    c = enc.codes
    level = np.full(len(left), MISSING, dtype=np.int8)
    known, exact = equal_codes(c["name_clean"], left, right)
    _, phonetic = equal_codes(c["name_key"], left, right)
    _, fuzzy_key = equal_codes(c["name_fuzzy"], left, right)
    s_known, same_surname = equal_codes(c["surname"], left, right)
    level[known] = level_index("name", "differ")
    level[known & same_surname] = level_index("name", "surname_only")
    # Spelling similarity only means something for alphabetic names: 王子涵 and 王子轩 look alike
    # to Jaro-Winkler and are brothers. Han names get their leeway from the phonetic keys.
    latin = enc.latin_name
    rest = np.flatnonzero(known & ~exact & ~phonetic & ~fuzzy_key)
    both_latin = latin[c["name_clean"][left[rest]]] & latin[c["name_clean"][right[rest]]]
    han, rest = rest[~both_latin], rest[both_latin]
    sim = _name_similarity(enc, c["name_clean"][left[rest]], c["name_clean"][right[rest]])
    level[rest[sim >= SIMILAR_NAME]] = level_index("name", "similar")
    level[rest[sim >= FUZZY_NAME]] = level_index("name", "fuzzy")
    level[han[_one_character_apart(enc, c["name_clean"][left[han]], c["name_clean"][right[han]])]] = (
        level_index("name", "similar")
    )
    level[known & fuzzy_key & ~phonetic] = level_index("name", "fuzzy")
    level[known & phonetic] = level_index("name", "phonetic")
    level[exact] = level_index("name", "exact")
    titled = (enc.title_only[left] | enc.title_only[right]) & s_known
    level[titled] = np.where(
        same_surname[titled], level_index("name", "title_surname"), level_index("name", "differ")
    )
    return level


def _birth_levels(enc: Encoded, left: Ints, right: Ints) -> npt.NDArray[np.int8]:
    """Return birth levels from the dates as written: exact; typo (one keystroke apart, or day and
    month swapped); close (two of year, month and day agree); differ."""
    codes = enc.codes["birth_digits"]
    a, b = codes[left], codes[right]
    level = np.full(len(left), MISSING, dtype=np.int8)
    known = (a >= 0) & (b >= 0)
    level[known] = level_index("birth", "differ")
    rows = np.flatnonzero(known)
    pa, pb = enc.birth_parts[a[rows]], enc.birth_parts[b[rows]]
    agree = pa == pb
    same = agree.sum(axis=1)
    swapped = agree[:, 0] & (pa[:, 1] == pb[:, 2]) & (pa[:, 2] == pb[:, 1])
    level[rows[same == 2]] = level_index("birth", "close")
    typo = swapped | (pair_similarity(enc.strings["birth_digits"], a[rows], b[rows], OSA.distance) <= 1)
    level[rows[typo]] = level_index("birth", "typo")
    level[rows[same == 3]] = level_index("birth", "exact")
    return level


def _id_slips(a: str, b: str, **_: Any) -> float:
    """Return 1.0 when two valid resident ID numbers read as one number keyed with slips, else 0.0.

    The check digit is recomputed after a slip, so it is left out; the birth date (digits 7-14)
    must agree, the rest differ by at most two slips, and the sequence number (digits 15-17: what
    tells people of one district born on one day apart) by at most one.
    """
    if a[6:14] != b[6:14]:
        return 0.0
    return float(OSA.distance(a[:17], b[:17]) <= 2 and OSA.distance(a[14:17], b[14:17]) <= 1)


def _id_levels(
    enc: Encoded, left: Ints, right: Ints, same_name: npt.NDArray[np.bool_]
) -> npt.NDArray[np.int8]:
    """Return ID levels; `same_name` (the names agree) tells a sequence-number slip from twins."""
    c = enc.codes
    level = np.full(len(left), MISSING, dtype=np.int8)
    valid_known, valid_equal = equal_codes(c["id18"], left, right)
    known, equal = equal_codes(c["id_text"], left, right)
    level[known] = level_index("id", "differ")
    level[valid_known & ~valid_equal] = level_index("id", "conflict")
    # Two valid numbers a slip apart (the check digit recomputed) are one number miskeyed; when
    # they differ only in the sequence number they are that or twins, whose names differ.
    rest = np.flatnonzero(known & ~equal)
    strings = enc.strings["id_text"]
    distance = pair_similarity(strings, c["id_text"][left[rest]], c["id_text"][right[rest]], OSA.distance)
    length = (
        np.array([len(s) for s in strings], dtype=np.int64)[c["id_text"][left[rest]]] if len(rest) else rest
    )
    close = (distance <= 1) | ((distance <= 2) & (length >= 10))
    both_valid = valid_known[rest]
    if both_valid.any():
        pairs = rest[both_valid]
        slips = pair_similarity(strings, c["id_text"][left[pairs]], c["id_text"][right[pairs]], _id_slips)
        close[both_valid] = slips > 0
        heads = np.array([text[:14] for text in strings], dtype=object)
        same_head = heads[c["id_text"][left[rest]]] == heads[c["id_text"][right[rest]]]
        close &= ~(both_valid & same_head & ~same_name[rest])
    level[rest[close]] = level_index("id", "close")
    level[equal] = level_index("id", "exact")
    return level


def _address_similarity(enc: Encoded, a: Codes, b: Codes) -> npt.NDArray[np.float64]:
    """Return max(token-set ratio, ratio without spaces) of address texts (0-100).

    The token-set ratio forgives words left out or reordered; comparing the texts without spaces
    forgives a space slipped into or out of a word ('bramina station', 'braminastation').
    """
    strings = enc.strings["address_text"]
    words = pair_similarity(strings, a, b, fuzz.token_set_ratio)
    joined = pair_similarity(enc.strings["address_letters"], a, b, fuzz.ratio)
    return np.maximum(words, joined)


def _address_levels(enc: Encoded, left: Ints, right: Ints) -> npt.NDArray[np.int8]:
    """Return address levels; a coarser address agrees with a finer one it contains.

    room: the same room. building: the same building, and no two different rooms named.
    place: the same place key otherwise (a road and door number). estate: the same estate, one
    side naming no building. estate_other: the same estate, different buildings or rooms.
    similar, loosely_similar: no key agrees (no parser could key the texts, or a typo gave them
    different keys), yet the texts read alike (a typo, a word left out) or partly alike (a street
    number, a locality or a postcode still shared).
    """
    c = enc.codes
    level = np.full(len(left), MISSING, dtype=np.int8)
    text_known, text_equal = equal_codes(c["address_text"], left, right)
    key_known, key_equal = equal_codes(c["address_key"], left, right)
    rooms_known, room_equal = equal_codes(c["room_key"], left, right)
    buildings_known, building_equal = equal_codes(c["building_key"], left, right)
    _, estate_equal = equal_codes(c["estate_key"], left, right)
    level[text_known | key_known] = level_index("address", "differ")
    rest = np.flatnonzero(text_known & ~key_equal & ~text_equal)
    sim = _address_similarity(enc, c["address_text"][left[rest]], c["address_text"][right[rest]])
    level[rest[sim >= LOOSELY_SIMILAR_ADDRESS]] = level_index("address", "loosely_similar")
    level[rest[sim >= SIMILAR_ADDRESS]] = level_index("address", "similar")
    level[estate_equal] = level_index("address", "estate_other")
    level[estate_equal & ~buildings_known] = level_index("address", "estate")
    level[key_equal | (text_equal & ~key_known)] = level_index("address", "place")
    level[building_equal & ~(rooms_known & ~room_equal)] = level_index("address", "building")
    level[room_equal] = level_index("address", "room")
    return level


def _phone_levels(enc: Encoded, column: str, left: Ints, right: Ints) -> npt.NDArray[np.int8]:
    """Return agree, close (at most two slips: a digit miskeyed, dropped or two swapped) or differ."""
    codes = enc.codes[column]
    level = np.full(len(left), MISSING, dtype=np.int8)
    known, equal = equal_codes(codes, left, right)
    level[known] = level_index(column, "differ")
    rest = np.flatnonzero(known & ~equal)
    distance = pair_similarity(enc.strings[column], codes[left[rest]], codes[right[rest]], OSA.distance)
    level[rest[distance <= 2]] = level_index(column, "close")
    level[equal] = level_index(column, "agree")
    return level


def _simple_levels(codes: npt.NDArray[np.integer], left: Ints, right: Ints) -> npt.NDArray[np.int8]:
    """Return 0 where both known and equal, 1 where both known and different, -1 otherwise."""
    a, b = codes[left], codes[right]
    level = np.full(len(left), MISSING, dtype=np.int8)
    known = (a >= 0) & (b >= 0)
    level[known] = np.where(a[known] == b[known], 0, 1).astype(np.int8)
    return level


def comparison_levels(enc: Encoded, left: Ints, right: Ints) -> dict[str, npt.NDArray[np.int8]]:
    """Return the level code (-1 missing) of every field for pairs of rows (left[i], right[i])."""
    name = _name_levels(enc, left, right)
    return {
        "id": _id_levels(
            enc, left, right, np.isin(name, (level_index("name", "exact"), level_index("name", "phonetic")))
        ),
        "name": name,
        "birth": _birth_levels(enc, left, right),
        "gender": _simple_levels(enc.gender, left, right),
        "mobile": _phone_levels(enc, "mobile", left, right),
        "landline": _phone_levels(enc, "landline", left, right),
        "address": _address_levels(enc, left, right),
    }


def evidence(
    enc: Encoded,
    left: Ints,
    levels: dict[str, npt.NDArray[np.int8]],
    weights: dict[str, npt.NDArray[np.float64]],
    name_tf: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]],
    m_tf: tuple[float, float],
) -> dict[str, npt.NDArray[np.float64]]:
    """Return each field's weight per pair: `weights[field][level]`, name levels adjusted for frequency.

    `name_tf` holds the frequency among people of each name_clean and each name_key code of
    `enc`; `m_tf` the m of the exact and phonetic name levels.
    """
    out = {}
    for field, level in levels.items():
        table = np.r_[weights[field], 0.0]  # index -1 (missing) reads the appended 0
        weight = table[level]
        if field == "name":
            weight = _tf_weights(enc, left, level, weight, name_tf, m_tf)
        out[field] = weight
    if JOINT in weights:
        out[JOINT] = joint_weights(levels, weights[JOINT])
    return out


def joint_index(levels: dict[str, npt.NDArray[np.int8]]) -> npt.NDArray[np.int64]:
    """Return each pair's cell in the name x birth table (-1 where either is missing)."""
    name, birth = levels["name"].astype(np.int64), levels["birth"].astype(np.int64)
    cell = name * len(LEVELS["birth"]) + birth
    return np.where((name >= 0) & (birth >= 0), cell, -1)


def joint_weights(
    levels: dict[str, npt.NDArray[np.int8]], table: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Return the name-and-birth dependence weight of each pair (0 where either is missing)."""
    return np.asarray(np.r_[table, 0.0][joint_index(levels)], dtype=np.float64)


def score_pairs(
    enc: Encoded,
    pairs: pd.DataFrame,
    weights: dict[str, npt.NDArray[np.float64]],
    name_tf: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]],
    m_tf: tuple[float, float],
    prior: float,
    levels: dict[str, npt.NDArray[np.int8]] | None = None,
) -> pd.DataFrame:
    """Return `pairs` with per-field levels (l_*), weights (w_*), the score and match probability.

    `weights[field][level]` is log2(m/u), see `evidence`; `prior` the log2 odds that two random
    mentions are one person. `levels` may be passed when already computed for these pairs.
    """
    left = pairs["left"].to_numpy(np.int64)
    right = pairs["right"].to_numpy(np.int64)
    levels = levels if levels is not None else comparison_levels(enc, left, right)
    out = pairs.copy()
    score = np.full(len(left), prior, dtype=np.float64)
    for field, weight in evidence(enc, left, levels, weights, name_tf, m_tf).items():
        if field in levels:
            out[f"l_{field}"] = levels[field]
        out[f"w_{field}"] = weight.astype(np.float32)
        score += weight
    out["score"] = score.astype(np.float32)
    out["probability"] = (1.0 / (1.0 + np.exp2(-np.clip(score, -60, 60)))).astype(np.float32)
    out["conflict"] = levels["id"] == level_index("id", "conflict")
    return out


def _tf_weights(
    enc: Encoded,
    left: Ints,
    level: npt.NDArray[np.int8],
    weight: npt.NDArray[np.float64],
    name_tf: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]],
    m_tf: tuple[float, float],
) -> npt.NDArray[np.float64]:
    """Return name weights with the exact and phonetic levels set to log2(m / tf(name))."""
    weight = weight.copy()
    for k, column in enumerate(("name_clean", "name_key")):
        rows = np.flatnonzero(level == k)
        tf = name_tf[k][enc.codes[column][left[rows]]]
        weight[rows] = np.log2(m_tf[k] / tf)
    return weight
