"""Stage 3, compare, first step: a prepared table as integer codes, and the pair operations on them.

Every string column of the prepared table is factorised once per table (`encode`), so comparing
millions of pairs reads integer arrays: `equal_codes` tells known and equal codes apart per pair,
`pair_similarity` scores the strings behind two codes once per distinct pair of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from rapidfuzz.process import cpdist

from entity_resolution.people.prepare import letters_and_digits

__all__ = ["NO_DATE", "Codes", "Encoded", "Ints", "encode", "equal_codes", "pair_similarity"]

Ints = npt.NDArray[np.int64]
Codes = npt.NDArray[np.int32]
NO_DATE = np.iinfo(np.int32).min
# The prepared columns turned into codes; id_text is the valid ID number, else the number as written.
_CODED = (
    "name_clean",
    "name_key",
    "name_fuzzy",
    "surname",
    "given_key",
    "id18",
    "id_text",
    "mobile",
    "landline",
    "room_key",
    "building_key",
    "address_key",
    "estate_key",
    "address_text",
    "birth_digits",
)


@dataclass(frozen=True, slots=True)
class Encoded:
    """A prepared table as integer codes (-1 missing) plus the strings the codes stand for."""

    codes: dict[str, Codes]
    strings: dict[str, npt.NDArray[np.object_]]
    birth: npt.NDArray[np.int32]  # days since 1970-01-01, NO_DATE when unknown
    gender: npt.NDArray[np.int8]  # 0 M, 1 F, -1 unknown
    title_only: npt.NDArray[np.bool_]  # a surname from 王先生 and no name
    latin_name: npt.NDArray[np.bool_]  # per name_clean code: written in ASCII letters
    birth_parts: npt.NDArray[np.int64]  # per birth_digits code: year, month, day as written

    def __len__(self) -> int:
        return len(self.birth)


def encode(prepared: pd.DataFrame) -> Encoded:
    """Return the integer encoding of a prepared table (row order kept)."""
    id_text = prepared["id18"].where(prepared["id18"].notna(), prepared["id_raw"])
    columns = {**{c: prepared[c] for c in _CODED if c != "id_text"}, "id_text": id_text}
    codes: dict[str, Codes] = {}
    strings: dict[str, npt.NDArray[np.object_]] = {}
    for name, column in columns.items():
        code, uniques = pd.factorize(column, use_na_sentinel=True)
        codes[name] = code.astype(np.int32)
        strings[name] = np.asarray(uniques, dtype=object)
    birth = prepared["birth_date"].to_numpy("datetime64[D]").astype(np.int64)
    birth_days: npt.NDArray[np.int32] = np.where(
        prepared["birth_date"].isna().to_numpy(), NO_DATE, birth
    ).astype(np.int32)
    gender = np.asarray(prepared["gender"].map({"M": 0, "F": 1}).fillna(-1), dtype=np.int8)
    strings["address_letters"] = np.array(
        [letters_and_digits(text) for text in strings["address_text"]], dtype=object
    )
    title_only = (prepared["name_clean"].isna() & prepared["surname"].notna()).to_numpy()
    latin = np.array([str(name).isascii() for name in strings["name_clean"]], dtype=bool)
    split = [str(name).split(" ", 1) for name in strings["name_clean"]]
    strings["name_family"] = np.array([parts[0] for parts in split], dtype=object)
    strings["name_given"] = np.array([parts[-1] for parts in split], dtype=object)
    written = strings["birth_digits"]
    parts = np.array([(int(d[:4]), int(d[4:6]), int(d[6:8])) for d in written], dtype=np.int64)
    return Encoded(codes, strings, birth_days, gender, title_only, latin, parts.reshape(len(written), 3))


def equal_codes(codes: Codes, left: Ints, right: Ints) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Return (both known, equal) for a coded column over pairs."""
    a, b = codes[left], codes[right]
    known = (a >= 0) & (b >= 0)
    return known, known & (a == b)


def pair_similarity(
    strings: npt.NDArray[np.object_], a: Codes, b: Codes, scorer: Any
) -> npt.NDArray[np.float64]:
    """Return scorer(strings[a], strings[b]) per pair, computed once per distinct (a, b)."""
    if not len(a):
        return np.zeros(0)
    # one integer per (a, b): sorting integers finds the distinct pairs faster than a frame would
    width = np.int64(len(strings))
    distinct, inverse = np.unique(a.astype(np.int64) * width + b, return_inverse=True)
    scores = cpdist(
        list(strings[distinct // width]),
        list(strings[distinct % width]),
        scorer=scorer,
        workers=-1,
    )
    per_pair: npt.NDArray[np.float64] = np.asarray(scores, dtype=np.float64)[inverse.reshape(-1)]
    return per_pair
