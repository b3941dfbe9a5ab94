"""Value formats the gate checks with the project's normalisers, and how a failure is told.

The logic of what makes an ID number or a phone number valid lives in
`normalize`; this module only adapts it to the gate: a yes/no per value (turned
into a derived boolean column that a GX expectation checks) and a sentence saying why a value
failed. Sensitive values are masked in every sentence.

    >>> mask_identifier("51010319900307123")
    '510103*********23'
    >>> FORMATS["id_number"].explain("51010319900307123", dt.date(2026, 11, 20))
    "'510103*********23' has 17 digits"
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from normalize.dates import CHINA_TZ, InvalidDate, parse_date, parse_datetime
from normalize.id_number import InvalidIdNumber, is_valid_id_number, parse_id_number
from normalize.id_number_column import valid_id_numbers
from normalize.phone import clean_phone

__all__ = ["FORMATS", "ValueFormat", "china_time", "mask_identifier", "parse_temporal", "temporal_reason"]

_HEAD, _TAIL = 6, 2  # what stays readable of an ID number or phone: enough to recognise, not to use


@dataclass(frozen=True, slots=True)
class ValueFormat:
    """A format a column's values must have: a test per value and the reason a value fails it."""

    name: str
    is_valid: Callable[..., bool]  # (value, today=date)
    explain: Callable[[Any, dt.date], str]
    # (values, today=date) -> a boolean per value, where the format has a column-at-a-time test
    are_valid: Callable[..., np.ndarray] | None = None


def mask_identifier(value: Any) -> str:
    """Return `value` with all but its first 6 and last 2 digits (or X) replaced by '*'.

    Shorter values (under 11 digits, so not a mobile or an ID number) keep at most a third.

    >>> mask_identifier("+86 138-1234-5678"), mask_identifier("12345")
    ('+86 138-1***-**78', '1****')
    """
    text = str(value)
    positions = [i for i, char in enumerate(text) if char.isdigit() or char in "xX"]
    count = len(positions)
    head, tail = (_HEAD, _TAIL) if count >= 11 else (count // 4, min(_TAIL, count // 6))
    hidden = set(positions[head : count - tail])
    return "".join("*" if i in hidden else char for i, char in enumerate(text))


def _id_number_is_valid(value: Any, today: dt.date) -> bool:
    return is_valid_id_number(str(value), as_of=today)


def _id_numbers_are_valid(values: Sequence[Any], today: dt.date) -> np.ndarray:
    return valid_id_numbers([str(value) for value in values], as_of=today)


def _id_number_reason(value: Any, today: dt.date) -> str:
    try:
        parse_id_number(str(value), as_of=today)
    except InvalidIdNumber as error:
        return f"'{mask_identifier(value)}' {error.reason}"
    return f"'{mask_identifier(value)}' is valid"  # only reached if asked about a valid number


def _phone_is_valid(value: Any, today: dt.date) -> bool:
    return clean_phone(str(value)) is not None


def _phone_reason(value: Any, today: dt.date) -> str:
    return f"'{mask_identifier(value)}' is not a personal phone number of mainland China"


FORMATS: dict[str, ValueFormat] = {
    "id_number": ValueFormat("id_number", _id_number_is_valid, _id_number_reason, _id_numbers_are_valid),
    "phone": ValueFormat("phone", _phone_is_valid, _phone_reason),
}


def parse_temporal(value: Any, column_type: str) -> dt.datetime | None:
    """Return a naive China-time datetime for a date or datetime value, or None if it is unreadable.

    Datetime objects pass through (aware ones converted to China time, as the normaliser does for
    strings); dates become midnight; strings go through `normalize.dates`.

    >>> parse_temporal("1990年3月7日", "date"), parse_temporal("07/03/1990", "date")
    (datetime.datetime(1990, 3, 7, 0, 0), None)
    """
    if isinstance(value, dt.datetime):
        return china_time(value)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    try:
        if column_type == "date":
            day = parse_date(str(value))
            return dt.datetime(day.year, day.month, day.day)
        return parse_datetime(str(value))
    except InvalidDate:
        return None


def temporal_reason(value: Any, column_type: str) -> str:
    """Return why a value could not be read as a date or datetime (the normaliser's own words)."""
    try:
        parse_date(str(value)) if column_type == "date" else parse_datetime(str(value))
    except InvalidDate as error:
        return str(error)
    return f"{str(value)[:40]!r} is not a {column_type}"


def china_time(moment: dt.datetime) -> dt.datetime:
    """Return a datetime as naive China time, the form every cityhub timestamp takes."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(CHINA_TZ).replace(tzinfo=None)
