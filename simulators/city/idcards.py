"""Resident ID numbers (居民身份证号码): 18 digits, and the old 15-digit form.

18 digits: 6-digit region code, birth date YYYYMMDD, 3-digit sequence (odd for men, even for
women), check digit. Numbers are made by the project's normaliser
(`normalize.id_number.make_id_number`); this module draws the sequences and
writes the old 15-digit form, which drops the century '19' and the check digit.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from normalize.id_number import make_id_number


def id_numbers(
    regions: list[str], births: npt.NDArray[np.datetime64], sequences: npt.NDArray[np.int64]
) -> list[str]:
    """Return 18-digit ID numbers from region codes, birth dates and 3-digit sequences.

    The sequence must already carry the sex (odd for men); see `sequences_for`.
    """
    days = births.astype("datetime64[D]").tolist()
    return [
        make_id_number(region, born, sequence, "M" if sequence % 2 else "F")
        for region, born, sequence in zip(regions, days, sequences.tolist(), strict=True)
    ]


def sequences_for(
    rng: np.random.Generator, keys: npt.NDArray[np.int64], male: npt.NDArray[np.bool_]
) -> npt.NDArray[np.int64]:
    """Return sequences 0-999 with the sex parity, unique among people with equal `keys`.

    `keys` identifies (region, birth date); people sharing one (twins, namesakes born the same
    day in the same district) get distinct sequences, drawn again until none collide.
    """
    sequences = rng.integers(0, 500, len(keys)) * 2 + male.astype(np.int64)
    while True:
        combined = keys * 1000 + sequences
        _, first = np.unique(combined, return_index=True)
        clash = np.ones(len(keys), dtype=bool)
        clash[first] = False  # the first holder of a value keeps it
        if not clash.any():
            return sequences
        sequences[clash] = rng.integers(0, 500, int(clash.sum())) * 2 + male[clash].astype(np.int64)


def old_form(id_number: str) -> str:
    """Return the 15-digit form of an 18-digit number of someone born in the 1900s.

    >>> old_form("50010619900307157X")
    '500106900307157'
    """
    return id_number[:6] + id_number[8:17]
