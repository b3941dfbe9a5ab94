"""Users' own record files for `cityhub resolve`: read, checked and written back in the same format.

A file is UTF-8 CSV (`.csv`) or Parquet (`.parquet`/`.pq`). Every column but `record_id` may be
empty; all values are read as text so that ID numbers and phones keep their leading zeros. Errors
name the file and what is wrong with it: a missing column, an unreadable file, a duplicate record_id.
Date and time columns are read by `read_times` in every form `normalize.dates` knows
(2026-07-04 09:00, 2026年07月04日, 2026/7/4, 20260704 09:00, ISO with a zone ...). A category
mapping (`read_category_mapping`) is a CSV of label,code rows or a YAML mapping label: code.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from normalize.dates import InvalidDate, parse_datetime
from ontology.errors import BadInput

__all__ = ["as_text", "file_format", "read_category_mapping", "read_records", "read_times", "write_records"]

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
            frame: pd.DataFrame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
            return frame
        table: pd.DataFrame = pq.read_table(path).to_pandas()
        return table
    except UnicodeDecodeError as error:
        raise BadInput(f"{path}: not UTF-8 text (byte {error.start}); save the CSV as UTF-8") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, pa.ArrowInvalid, OSError) as error:
        raise BadInput(f"{path}: unreadable {file_format(path)} file: {str(error).splitlines()[0]}") from None


def as_text(column: pd.Series) -> pd.Series:
    """Return the column as text, None where a value is missing or empty."""
    return column.map(
        lambda v: None if v is None or (isinstance(v, float) and pd.isna(v)) or v == "" else str(v)
    )


def read_records(path: Path, columns: Sequence[str]) -> pd.DataFrame:
    """Return the file's `columns` as text (None for empty), after checking columns and record ids."""
    frame = _read(path)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise BadInput(f"{path}: missing column(s) {', '.join(missing)}; expected {', '.join(columns)}")
    frame = frame[list(columns)].apply(as_text)
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


def _parsed_time(value: str) -> pd.Timestamp | None:
    try:
        return pd.Timestamp(parse_datetime(value))
    except InvalidDate:
        return None


def read_times(records: pd.DataFrame, column: str, path: Path, required: bool = True) -> pd.Series:
    """Return a text column of times as datetime64, reading every form `normalize.dates` knows.

    Raises BadInput naming the file, the record and the value that is not a time (or is empty,
    when `required`).
    """
    text = records[column]
    # the common form fast; every other one through the normaliser, once per distinct value
    times = pd.to_datetime(text, format="%Y-%m-%d %H:%M:%S", errors="coerce").astype("datetime64[ns]")
    odd = times.isna() & text.notna()
    if odd.any():
        distinct = pd.unique(text[odd])
        parsed = pd.Series({value: _parsed_time(str(value)) for value in distinct}, dtype="datetime64[ns]")
        times[odd] = text[odd].map(parsed).astype("datetime64[ns]")
    bad = times.isna() & (text.notna() | required)
    if bad.any():
        row = records[bad.to_numpy()].iloc[0]
        what = "is empty" if pd.isna(row[column]) else "is not a time"
        raise BadInput(f"{path}: record {row['record_id']!r}: {column} {row[column]!r} {what}")
    return times


def read_category_mapping(path: Path) -> dict[str, str | list[str]]:
    """Return a mapping of department labels to taxonomy codes from a CSV or YAML file.

    CSV: two columns, label and code (a header row `label,code` is allowed). YAML: a mapping of
    label to a code or a list of codes. Raises BadInput naming the file when it cannot be read.
    """
    if not path.is_file():
        raise BadInput(f"{path}: no such file")
    suffix = path.suffix.lower()
    try:
        if suffix in (".yaml", ".yml"):
            loaded = yaml.safe_load(path.read_text("utf-8")) or {}
            if not isinstance(loaded, dict):
                raise BadInput(f"{path}: a category mapping is a YAML mapping of label: code")
            return {str(k): v if isinstance(v, list) else str(v) for k, v in loaded.items()}
        if suffix == ".csv":
            rows = pd.read_csv(path, dtype=str, header=None, keep_default_na=False, encoding="utf-8")
            if rows.shape[1] < 2:
                raise BadInput(f"{path}: a category mapping CSV has two columns, label and code")
            pairs = rows.iloc[:, :2].apply(lambda c: c.str.strip())
            pairs = pairs[~((pairs[0].str.lower() == "label") & (pairs[1].str.lower() == "code"))]
            return dict(zip(pairs[0], pairs[1], strict=True))
    except (UnicodeDecodeError, yaml.YAMLError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise BadInput(f"{path}: unreadable category mapping: {str(error).splitlines()[0]}") from None
    raise BadInput(f"{path}: unknown file type {path.suffix!r}; a category mapping is .csv or .yaml")
