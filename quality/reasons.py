"""Sentences saying why a row failed a check: source, record, field and what is wrong.

    >>> failure_text("police", "JJ2026112000123", "id_number", "'510103*********23' has 17 digits")
    "police JJ2026112000123: id_number '510103*********23' has 17 digits"

Values of sensitive columns (the ontology marks ID numbers and phones) are masked; others are
quoted, cut to 40 characters so that a pasted paragraph does not swamp the quarantine table.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ontology import Property
from quality.formats import FORMATS, mask_identifier, temporal_reason
from quality.suites import EARLIEST

__all__ = ["describe_failure", "failure_text", "shown_value"]


def failure_text(source: str, record: str, field: str, detail: str) -> str:
    """Return one failure as the quarantine table and the operators read it."""
    return f"{source} {record}: {field} {detail}"


def shown_value(value: Any, column: Property) -> str:
    """Return a value as it may appear in a reason: masked if sensitive, quoted and cut otherwise."""
    if column.sensitive:
        return f"'{mask_identifier(value)}'"
    return repr(str(value)[:40]) if isinstance(value, str) else repr(value)


def describe_failure(
    check: str, column: Property, value: Any, *, moment: Any, fmt: str | None, now: dt.datetime
) -> str:
    """Return what is wrong with `value` for a failed check (everything after the field name).

    `moment` is the value read as a datetime (for range checks), `fmt` the column's format name.
    """
    if check == "required":
        return "is missing"
    if check == "code":
        return f"{shown_value(value, column)} is not one of {', '.join(column.values)}"
    if check == "category":
        return f"{shown_value(value, column)} is not a category of the unified taxonomy"
    if check == "boolean":
        return f"{shown_value(value, column)} is not true or false"
    if check == "format" and fmt is not None:
        return FORMATS[fmt].explain(value, now.date())
    if check == "readable":
        return f"is not a readable {column.type}" if column.sensitive else temporal_reason(value, column.type)
    if check == "range":
        return _range_text(column, moment, now)
    return f"{shown_value(value, column)} fails check {check}"


def _range_text(column: Property, moment: Any, now: dt.datetime) -> str:
    earliest = EARLIEST[column.type]
    shown = f"{moment:%Y-%m-%d}" if column.type == "date" else f"{moment:%Y-%m-%d %H:%M:%S}"
    if moment < earliest:
        return f"{shown} is before {earliest:%Y-%m-%d}"
    return f"{shown} is in the future (now is {now:%Y-%m-%d %H:%M:%S})"
