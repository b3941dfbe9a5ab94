"""How a batch travels to Neo4j: as columns, text columns packed into one string each.

The official driver packs parameters in pure Python, value by value: for a batch of 10,000 rows
that is most of the time of an upsert (measured: 17 us a value, so a 10-property node row costs
more to pack than to MERGE). So a batch is sent as columns, and a column of text, of dates or of
lists of text is joined into one string that the server splits again:

    text        "a\\x1fb\\x1f\\x1d"              -> ["a", "b", null]
    datetime    ISO text, parsed by localdatetime() on the server (date() for dates)
    list        items joined by \\x1e, "" is the empty list

\\x1d marks a missing value. A column whose values contain one of these separators, and any
column of numbers or booleans, travels as a plain list instead.

    >>> rows = [{"person_id": "P1", "first_seen": None},
    ...         {"person_id": "P2", "first_seen": dt.datetime(2026, 1, 5)}]
    >>> columns, params = pack_columns({"person_id": "text", "first_seen": "datetime"}, rows)
    >>> [(c.name, c.kind, c.packed) for c in columns]
    [('person_id', 'text', True), ('first_seen', 'datetime', True)]
    >>> params["person_id"], params["first_seen"]
    ('P1\\x1fP2', '\\x1d\\x1f2026-01-05T00:00:00')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["MISSING", "ROW", "ITEM", "Column", "column_kinds", "pack_columns"]

ROW, ITEM, MISSING = "\x1f", "\x1e", "\x1d"
_SEPARATORS = (ROW, ITEM, MISSING)


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a batch: its property, how the server reads it, and whether it is one string."""

    name: str
    kind: str  # text | datetime | date | list | value
    packed: bool


def column_kinds(types: Mapping[str, str], multiple: frozenset[str]) -> dict[str, str]:
    """Return how each property travels, from its ontology type."""
    kinds = {}
    for name, kind in types.items():
        if name in multiple:
            kinds[name] = "list"
        elif kind in ("datetime", "date"):
            kinds[name] = kind
        elif kind in ("integer", "boolean"):
            kinds[name] = "value"
        else:
            kinds[name] = "text"
    return kinds


def _text(value: Any, kind: str) -> str | None:
    """Return a value as the text it travels as, or None when it cannot be packed."""
    if value is None:
        return MISSING
    if kind in ("datetime", "date") and isinstance(value, dt.date):
        return value.isoformat()
    if kind == "list" and isinstance(value, list) and all(isinstance(v, str) and v for v in value):
        text = ITEM.join(value)
        return None if any(s in v for v in value for s in _SEPARATORS) else text
    if kind == "text" and isinstance(value, str):
        return None if any(s in value for s in _SEPARATORS) else value
    return None


def _joined(values: list[Any], kind: str) -> str | None:
    """Return the packed column of values of the usual shapes in a few passes, else None.

    Checking the joined string for separators costs one count each instead of a test per value
    (a tenth of a Neo4j load's time was spent testing values one by one).
    """
    missing = sum(value is None for value in values)
    if kind == "text" and all(type(value) is str for value in values if value is not None):
        joined = ROW.join([MISSING if value is None else value for value in values])
        items = 0
    elif kind == "list" and all(type(value) is list for value in values if value is not None):
        if not all(type(item) is str and item for value in values if value for item in value):
            return None  # an empty item would vanish on the server's side
        joined = ROW.join([MISSING if value is None else ITEM.join(value) for value in values])
        items = sum(len(value) - 1 for value in values if value)
    else:
        return None
    separators = (joined.count(ROW), joined.count(MISSING), joined.count(ITEM))
    return joined if separators == (len(values) - 1, missing, items) else None


def _packed(values: list[Any], kind: str) -> str | None:
    if kind in ("text", "list") and (joined := _joined(values, kind)) is not None:
        return joined
    texts = []
    for value in values:
        text = _text(value, kind)
        if text is None:
            return None
        texts.append(text)
    return ROW.join(texts)


def _plain(values: list[Any], kind: str) -> list[Any]:
    if kind in ("datetime", "date"):
        return [v.isoformat() if isinstance(v, dt.date) else v for v in values]
    return values


def pack_columns(
    kinds: Mapping[str, str], rows: Sequence[Mapping[str, Any]]
) -> tuple[list[Column], dict[str, Any]]:
    """Return the columns of rows that all name the same properties, and the parameters to send."""
    columns, params = [], {}
    for name in rows[0]:
        kind = kinds.get(name, "text")
        values = [row[name] for row in rows]
        packed = _packed(values, kind) if kind != "value" else None
        columns.append(Column(name, kind, packed is not None))
        params[name] = packed if packed is not None else _plain(values, kind)
    return columns, params
