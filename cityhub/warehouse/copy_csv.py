"""A frame written as PostgreSQL `COPY … (FORMAT csv)` input by Arrow's CSV writer, column by
column in C++, instead of one Python row at a time through the driver.

Every present value is quoted and a missing one is left unquoted and empty, which is how COPY's
CSV format tells an empty string from NULL. Moments go as `YYYY-MM-DD HH:MM:SS.ffffff` (naive:
the warehouse's `timestamp without time zone`), as the driver would have sent them. A column
Arrow cannot type as the table wants (a text column holding numbers, an aware moment) makes
`csv_payload` answer None, and the caller sends the rows through the driver instead.
"""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import sqlalchemy as sa
from pandas.api.types import is_datetime64_any_dtype

__all__ = ["csv_payload"]

_OPTIONS = pa_csv.WriteOptions(include_header=False, quoting_style="all_valid")


def csv_payload(frame: pd.DataFrame, table: sa.Table) -> bytes | None:
    """Return the frame's values for the table's columns as COPY CSV, or None if a column does not
    convert exactly (see the module docstring)."""
    arrays: dict[str, pa.Array] = {}
    for column in table.columns:
        array = _arrow_column(frame[column.name], column.type)
        if array is None:
            return None
        arrays[column.name] = array
    sink = io.BytesIO()
    pa_csv.write_csv(pa.table(arrays), sink, _OPTIONS)
    return sink.getvalue()


def _arrow_column(values: pd.Series, kind: sa.types.TypeEngine[Any]) -> pa.Array | None:
    """Return one column as Arrow of the type the table wants, or None if it does not convert."""
    try:
        if isinstance(kind, sa.DateTime | sa.Date):
            moments = values if is_datetime64_any_dtype(values) else pd.to_datetime(values, errors="coerce")
            if getattr(moments.dt, "tz", None) is not None:
                return None
            stamps = pa.array(moments, from_pandas=True).cast(pa.timestamp("us"))
            return stamps.cast(pa.date32()) if isinstance(kind, sa.Date) else stamps
        if isinstance(kind, sa.Boolean):
            truth = values.to_numpy(dtype=object).astype(bool)  # as the driver path reads them
            return pa.array(truth, mask=values.isna().to_numpy(), type=pa.bool_())
        if isinstance(kind, sa.Integer):
            return pa.array(values, type=pa.int64(), from_pandas=True)
        texts = values.astype(object).where(values.notna(), None)
        return pa.array(texts, type=pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
        return None
