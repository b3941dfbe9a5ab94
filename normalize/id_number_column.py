"""Resident ID numbers validated a column at a time, as the quality gate checks whole batches: the
form nearly every source sends (18 ASCII characters, 17 digits and a digit or X) is checked in
numpy steps, any other form (15 digits, full-width digits, separators, a lower-case x) one value
at a time by the normaliser.

The verdicts are exactly `normalize.id_number.is_valid_id_number`'s (the tests compare them): a
province-level region code, a real birth date from 1870 on and not after `as_of`, and the
ISO 7064 MOD 11-2 check digit. A birth date numpy's calendar cannot hold is left to the normaliser.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from normalize.id_number import CHECK_CHARS, EARLIEST_BIRTH_YEAR, PROVINCE_PREFIXES, is_valid_id_number

__all__ = ["valid_id_numbers"]

_PLAIN = r"^[0-9]{17}[0-9X]$"
_WEIGHTS = np.array([2 ** (17 - i) % 11 for i in range(17)], dtype=np.int64)
_CHECK_CHARS = np.frombuffer(CHECK_CHARS.encode("ascii"), dtype=np.uint8)  # by the weighted sum mod 11
_PROVINCES = np.array(sorted(int(p) for p in PROVINCE_PREFIXES), dtype=np.int64)


def valid_id_numbers(texts: Sequence[str], as_of: dt.date | None = None) -> np.ndarray:
    """Return, for each text, whether it is a valid resident ID number (as `is_valid_id_number`)."""
    values = np.asarray(texts, dtype=object)
    valid = np.zeros(len(values), dtype=bool)
    if not len(values):
        return valid
    plain = pc.match_substring_regex(pa.array(values, type=pa.string()), _PLAIN)
    fits = np.asarray(plain.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)
    decided = np.zeros(len(values), dtype=bool)
    positions = np.flatnonzero(fits)
    if len(positions):
        verdict, known = _plain_verdicts(values[positions], as_of)
        valid[positions] = verdict
        decided[positions] = known
    for position in np.flatnonzero(~decided):
        valid[position] = is_valid_id_number(str(values[position]), as_of=as_of)
    return valid


def _plain_verdicts(numbers: np.ndarray, as_of: dt.date | None) -> tuple[np.ndarray, np.ndarray]:
    """Return (whether each 18-character number is valid, whether that verdict is known here)."""
    chars = np.frombuffer("".join(numbers).encode("ascii"), dtype=np.uint8).reshape(-1, 18)
    digits = chars[:, :17].astype(np.int64) - ord("0")
    check_ok = chars[:, 17] == _CHECK_CHARS[(digits * _WEIGHTS).sum(axis=1) % 11]
    province_ok = np.isin(digits[:, 0] * 10 + digits[:, 1], _PROVINCES)
    parts = {
        "year": digits[:, 6:10] @ np.array([1000, 100, 10, 1]),
        "month": digits[:, 10:12] @ np.array([10, 1]),
        "day": digits[:, 12:14] @ np.array([10, 1]),
    }
    born = pd.to_datetime(pd.DataFrame(parts), errors="coerce")
    known = born.notna().to_numpy() | (parts["year"] < EARLIEST_BIRTH_YEAR)  # too early needs no date
    date_ok = (parts["year"] >= EARLIEST_BIRTH_YEAR) & born.notna().to_numpy()
    if as_of is not None:
        date_ok &= (born <= pd.Timestamp(as_of)).to_numpy()
    return check_ok & province_ok & date_ok, known
