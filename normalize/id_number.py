"""Resident ID numbers (居民身份证号码): clean, validate, upgrade 15-digit numbers, generate.

    >>> parse_id_number(" ５００１０６ 19900307 157x ").number
    '50010619900307157X'
    >>> parse_id_number("500106900307157").number  # old 15-digit form: '19' inserted, check digit added
    '50010619900307157X'
    >>> try:
    ...     parse_id_number("50010619900307157")
    ... except InvalidIdNumber as error:
    ...     print(error)
    has 17 digits

An 18-digit number is a 6-digit region code, the birth date YYYYMMDD, a 3-digit sequence (odd for
men, even for women) and an ISO 7064 MOD 11-2 check digit ('X' stands for 10). The region code
only has to name a real province: it is the code of the place that first issued the card, and
codes of abolished or renamed counties stay valid for life.

Why not python-stdnum's `stdnum.cn.ric`: its `validate` also requires the region code to have
existed in the birth year, which is wrong. Every Chongqing code (50xxxx) dates from 1997, and
everyone in Chongqing born earlier carries one, e.g. '500106199003071238' (Shapingba, born 1990)
is rejected with InvalidComponent; so is '500112198506152235' (Yubei, whose entry is also marked
as ending in 2025). Its check digit (`calc_check_digit`) is right, and the tests compare ours with
it, but python-stdnum is not a dependency of cityhub, so the check digit is computed here.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

__all__ = [
    "CHECK_CHARS",
    "IdNumber",
    "InvalidIdNumber",
    "id_check_digit",
    "is_valid_id_number",
    "make_id_number",
    "parse_id_number",
]

Sex = Literal["M", "F"]

# First two digits of every province-level division, plus 81/82/83 used on the residence permits of
# Hong Kong, Macao and Taiwan residents.
PROVINCE_PREFIXES: frozenset[str] = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 "
    "71 81 82 83".split()
)
EARLIEST_BIRTH_YEAR = 1870  # cards were first issued in 1984, to the living
CHECK_CHARS = "10X98765432"  # indexed by the weighted sum mod 11
_SEPARATORS = str.maketrans("", "", " \t\r\n-'\"_")


class InvalidIdNumber(ValueError):
    """The value is not a resident ID number; `reason` says why, `value` is the cleaned input.

    The message is the reason alone, so that logs carry no ID number unless the caller adds it.
    """

    def __init__(self, reason: str, value: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.value = value


@dataclass(frozen=True, slots=True)
class IdNumber:
    """A valid resident ID number and what it says about its holder."""

    number: str  # 18 characters, check digit 'X' in upper case
    region_code: str
    birth_date: dt.date
    sex: Sex
    was_15_digit: bool


def id_check_digit(first17: str) -> str:
    """Return the check digit ('0'-'9' or 'X') for the first 17 digits of an ID number.

    >>> id_check_digit("11010519491231002")
    'X'
    """
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError(f"expected 17 digits, got {first17!r}")
    # The weights are 2**17 ... 2**1 mod 11. Since 13 = 2 (mod 11), reading the digits in base 13
    # gives the sum with weights 2**16 ... 2**0, so twice that is the weighted sum: one C-level
    # int() instead of a Python loop (a million numbers a second for the simulator).
    return CHECK_CHARS[2 * int(first17, 13) % 11]


@lru_cache(maxsize=1 << 20)
def parse_id_number(raw: str | int, *, as_of: dt.date | None = None) -> IdNumber:
    """Return the parsed ID number, or raise InvalidIdNumber with the precise reason.

    Accepts full-width digits, spaces and dashes, a lower-case x and the old 15-digit form.
    With `as_of`, a birth date after that day is refused too.

    >>> parse_id_number("11010519491231002x").birth_date
    datetime.date(1949, 12, 31)
    """
    number = _compact(raw)
    was_15_digit = len(number) == 15
    if was_15_digit:
        number = _upgrade_15(number)
    elif len(number) != 18:
        raise InvalidIdNumber(f"has {len(number)} digits", number)
    if not number[:17].isdigit():
        raise InvalidIdNumber("has a letter before the check digit", number)
    if number[:2] not in PROVINCE_PREFIXES:
        raise InvalidIdNumber(f"region code {number[:6]} names no province", number)
    birth_date = _birth_date(number, as_of)
    expected = id_check_digit(number[:17])
    if number[17] != expected:
        raise InvalidIdNumber(f"check digit is {number[17]}, expected {expected}", number)
    sex: Sex = "M" if int(number[16]) % 2 else "F"
    return IdNumber(number, number[:6], birth_date, sex, was_15_digit)


def is_valid_id_number(raw: str | int, *, as_of: dt.date | None = None) -> bool:
    """Return whether `raw` is a valid resident ID number (in any form `parse_id_number` takes).

    >>> is_valid_id_number("110105194912310021"), is_valid_id_number("11010519491231002X")
    (False, True)
    """
    try:
        parse_id_number(raw, as_of=as_of)
    except InvalidIdNumber:
        return False
    return True


def make_id_number(region_code: str, birth_date: dt.date, sequence: int, sex: Sex) -> str:
    """Return a valid 18-digit ID number; `sequence` is the 3-digit order code, odd for men.

    >>> make_id_number("500106", dt.date(1990, 3, 7), 157, "M")
    '50010619900307157X'
    """
    if len(region_code) != 6 or not region_code.isdigit() or region_code[:2] not in PROVINCE_PREFIXES:
        raise ValueError(f"region code {region_code!r} is not a 6-digit code of a province")
    if not 0 <= sequence <= 999:
        raise ValueError(f"sequence {sequence} is not between 0 and 999")
    if (sequence % 2 == 1) != (sex == "M"):
        parity = "odd" if sequence % 2 else "even"
        raise ValueError(f"sequence {sequence} is {parity}, which does not fit sex {sex}")
    first17 = f"{region_code}{birth_date:%Y%m%d}{sequence:03d}"
    return first17 + id_check_digit(first17)


_WELL_FORMED = re.compile(r"[0-9]*[0-9X]", re.ASCII)


def _compact(raw: str | int) -> str:
    # Spreadsheets hand over 15-digit numbers as integers and prefix text cells with an apostrophe.
    text = unicodedata.normalize("NFKC", str(raw)).translate(_SEPARATORS).upper()
    if _WELL_FORMED.fullmatch(text):  # the common case, checked in C rather than char by char
        return text
    for char in text:
        if not (char.isascii() and (char.isdigit() or char == "X")):
            raise InvalidIdNumber(f"contains {char!r}", text)
    if "X" in text[:-1]:
        raise InvalidIdNumber("has an X before the last position", text)
    return text


def _upgrade_15(number: str) -> str:
    if not number.isdigit():
        raise InvalidIdNumber("has 15 characters but an old number has digits only", number)
    first17 = number[:6] + "19" + number[6:]
    return first17 + id_check_digit(first17)


def _birth_date(number: str, as_of: dt.date | None) -> dt.date:
    compact = number[6:14]
    try:
        born = dt.date(int(compact[:4]), int(compact[4:6]), int(compact[6:]))
    except ValueError:
        raise InvalidIdNumber(f"birth date {compact} is not a date", number) from None
    if born.year < EARLIEST_BIRTH_YEAR:
        raise InvalidIdNumber(f"birth date {compact} is before {EARLIEST_BIRTH_YEAR}", number)
    if as_of is not None and born > as_of:
        raise InvalidIdNumber(f"birth date {compact} is after {as_of:%Y%m%d}", number)
    return born
