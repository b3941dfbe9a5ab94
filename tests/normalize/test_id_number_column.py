"""The column-at-a-time ID number check says what the normaliser says, value by value."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from normalize.id_number import is_valid_id_number, make_id_number
from normalize.id_number_column import valid_id_numbers

AS_OF = dt.date(2026, 12, 7)


def _variants(count: int) -> list[str]:
    """Return ID numbers, valid and broken in every way the normaliser tells apart."""
    chooser = random.Random(19)
    breakages = [
        lambda n: n,
        lambda n: n[:17] + chooser.choice("0123456789X"),  # another check digit
        lambda n: n[:6] + "19990230" + n[14:],  # no such day
        lambda n: n[:6] + "00000000" + n[14:],
        lambda n: n[:6] + "99991231" + n[14:],  # beyond numpy's calendar
        lambda n: n[:6] + "18690101" + n[14:],  # before the earliest birth year
        lambda n: "99" + n[2:],  # no such province
        lambda n: n.lower(),  # a lower-case x: the normaliser's path
        lambda n: n[:6] + n[8:17],  # the old 15-digit form
        lambda n: " " + n,
        lambda n: "５" + n[1:],  # a full-width digit
        lambda n: n[:17],
    ]
    numbers = []
    for i in range(count):
        born = dt.date(1860 + chooser.randrange(170), 1 + chooser.randrange(12), 1 + chooser.randrange(28))
        sequence = chooser.randrange(500) * 2 + i % 2
        number = make_id_number(
            chooser.choice(["500106", "110105", "650102"]), born, sequence, "MF"[1 - i % 2]
        )
        numbers.append(breakages[i % len(breakages)](number))
    return numbers + ["", "X" * 18, "12345678901234567X"]


@pytest.mark.parametrize("as_of", [AS_OF, dt.date(1990, 1, 1), None])
def test_the_verdicts_are_the_normalisers(as_of: dt.date | None) -> None:
    numbers = _variants(3000)
    expected = [is_valid_id_number(n, as_of=as_of) for n in numbers]
    assert valid_id_numbers(numbers, as_of).tolist() == expected
    assert 0 < sum(expected) < len(numbers)  # both verdicts are exercised


def test_no_values_no_verdicts() -> None:
    assert valid_id_numbers([], AS_OF).tolist() == []
