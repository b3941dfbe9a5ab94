"""Users' own record files for `cityhub resolve`: read, checked and written back in the same format.

A file is UTF-8 CSV (`.csv`) or Parquet (`.parquet`/`.pq`). Every column but `record_id` may be
empty; all values are read as text so that ID numbers and phones keep their leading zeros. Errors
name the file and what is wrong with it: a missing column, an unreadable file, a duplicate record_id.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ontology.errors import BadInput

__all__ = ["file_format", "read_records", "write_records"]

_FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


def file_format(path: Path) -> str:
    """Return 'csv' or 'parquet' from the file name, or raise BadInput naming the file."""
    try:
        return _FORMATS[path.suffix.lower()]
    except KeyError:
        raise BadInput(f"{path}: unknown file type {path.suffix!r}; use .csv (UTF-8) or .parquet") from None


def _read(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise BadInput(f"{path}: no such file")
    try:
        if file_format(path) == "csv":
            return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
        return pq.read_table(path).to_pandas()
    except UnicodeDecodeError as error:
        raise BadInput(f"{path}: not UTF-8 text (byte {error.start}); save the CSV as UTF-8") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, pa.ArrowInvalid, OSError) as error:
        raise BadInput(f"{path}: unreadable {file_format(path)} file: {str(error).splitlines()[0]}") from None


def _as_text(column: pd.Series) -> pd.Series:
    return column.map(
        lambda v: None if v is None or (isinstance(v, float) and pd.isna(v)) or v == "" else str(v)
    )


def read_records(path: Path, columns: Sequence[str]) -> pd.DataFrame:
    """Return the file's `columns` as text (None for empty), after checking columns and record ids."""
    frame = _read(path)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise BadInput(f"{path}: missing column(s) {', '.join(missing)}; expected {', '.join(columns)}")
    frame = frame[list(columns)].apply(_as_text)
    empty = frame.index[frame["record_id"].isna()]
    if len(empty):
        raise BadInput(f"{path}: row {int(empty[0]) + 1} has an empty record_id")
    duplicated = frame["record_id"][frame["record_id"].duplicated()]
    if len(duplicated):
        raise BadInput(
            f"{path}: duplicate record_id {duplicated.iloc[0]!r} "
            f"({duplicated.nunique()} duplicated id(s)); record ids must be unique"
        )
    return frame.reset_index(drop=True)


def write_records(frame: pd.DataFrame, path: Path, like: Path) -> Path:
    """Write `frame` to `path` in the format of the input file `like`; return the path."""
    if file_format(path) != file_format(like):
        raise BadInput(f"{path}: output must be in the input's format ({file_format(like)})")
    path.parent.mkdir(parents=True, exist_ok=True)
    if file_format(path) == "csv":
        frame.to_csv(path, index=False, encoding="utf-8")
    else:
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
    return path
