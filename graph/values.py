"""Property values as both adapters store and return them: plain Python, typed by the model.

Batches come out of pandas (Timestamps, NaN, numpy scalars and arrays); the Neo4j driver and
SQLite's JSON want plain values, and query results must compare equal across adapters. So rows
are turned into str / int / float / bool / datetime / date / list[str] / None once, here.

    >>> import pandas as pd
    >>> plain(pd.Timestamp("2026-03-07 09:30")), plain(float("nan")), plain(("a", "b"))
    (datetime.datetime(2026, 3, 7, 9, 30), None, ['a', 'b'])
    >>> plain_rows(pd.DataFrame({"at": pd.to_datetime(["2026-03-07", None]), "n": [1.5, None]}))
    [{'at': datetime.datetime(2026, 3, 7, 0, 0), 'n': 1.5}, {'at': None, 'n': None}]
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from graph.model import NodeSpec, RelationSpec

__all__ = ["PLAIN_TYPES", "json_text", "plain", "plain_rows", "shape_properties"]

# values every adapter takes as they are; floats are not among them, a NaN must become None
PLAIN_TYPES = frozenset({str, int, bool, type(None), dt.datetime, dt.date})


def plain(value: Any) -> Any:
    """Return `value` as a plain Python value: missing values become None, sequences lists."""
    kind = type(value)
    if value is None or kind is str or kind is int or kind is bool:
        return value
    if kind is list and all(type(item) is str for item in value):
        return value  # the common case (sources, phones) costs no copy
    if value is pd.NaT:
        return None
    to_native = getattr(value, "to_native", None)  # the Neo4j driver's temporal types
    if callable(to_native):
        return to_native()
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, dt.datetime | dt.date | str | bool):
        return value
    if isinstance(value, list | tuple | np.ndarray | pd.Series):
        return [plain(item) for item in value]
    if isinstance(value, np.generic):
        return plain(value.item())
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _column(values: pd.Series) -> list[Any]:
    """Return one column as plain values, converting whole typed columns at once."""
    found: list[Any]
    if pd.api.types.is_datetime64_any_dtype(values) and getattr(values.dtype, "tz", None) is None:
        found = values.to_numpy().astype("datetime64[us]").tolist()  # datetimes, None for NaT
        return found
    found = values.tolist()
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_integer_dtype(values):
        return found
    for i, value in enumerate(found):
        if value is not None and type(value) is not str:
            found[i] = plain(value)
    return found


def plain_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Return the rows of `frame` as dicts of plain values."""
    columns = list(frame.columns)
    values = [_column(frame[column]) for column in columns]
    return [dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)]


def _iso(value: Any) -> str:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not a graph property value")


def json_text(values: Mapping[str, Any]) -> str:
    """Return plain values as compact JSON, dates and datetimes as ISO text (parsed back by type)."""
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"), default=_iso)


def _decode(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if isinstance(value, list):
        return [_decode(item, kind) for item in value]
    if kind == "datetime" and isinstance(value, str):
        return dt.datetime.fromisoformat(value)
    if kind == "date" and isinstance(value, str):
        return dt.date.fromisoformat(value)
    return value


def shape_properties(stored: Mapping[str, Any], spec: NodeSpec | RelationSpec) -> dict[str, Any]:
    """Return the properties of `spec` as a store gave them back, in the one shape every adapter returns.

    Every property is present (None when unset), ISO text is parsed back by the property's type,
    and list properties are lists, empty rather than None.
    """
    multiple = spec.multiple if isinstance(spec, NodeSpec) else frozenset({"sources"})
    shaped = {}
    for name, kind in spec.types:
        value = _decode(plain(stored.get(name)), kind)
        if name == "sources" and value:
            value = sorted(value)  # a set of record keys; stores keep them in different orders
        shaped[name] = [] if value is None and name in multiple else value
    return shaped
