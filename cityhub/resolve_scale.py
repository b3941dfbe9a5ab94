"""`cityhub resolve people --engine duckdb|spark`: a people file of any size, read and resolved in batches.

The file is read a batch at a time (CSV in chunks, Parquet by record batches), each batch checked
and normalised as `resolve_files` reads the whole file, and resolved by
`entity_resolution.people.scale` on DuckDB (out of core) or Spark. The clusters are the pandas
engine's on the same input whenever the model is fitted on all of it (inputs up to
`ScaleOptions.train_mentions`); beyond that m and u come from a random sample.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pv
import pyarrow.parquet as pq

from cityhub.config import Settings
from cityhub.record_files import as_text, file_format
from cityhub.resolve_files import BIRTH_PARTS, PEOPLE_COLUMNS, header_of, people_options
from entity_resolution.people.scale import ScaleOptions, resolve_at_scale
from entity_resolution.people.scale.engines import EngineSettings
from ontology.errors import BadInput

__all__ = ["ENGINES", "people_batches", "resolve_people_file_at_scale"]

ENGINES = ("pandas", "duckdb", "spark")
BATCH_ROWS = 200_000


def _columns(source: Path) -> tuple[list[str], bool]:
    """Return the columns to read and whether the birth date comes split into parts."""
    header = header_of(source)
    split = all(c in header for c in BIRTH_PARTS) and "birth_date" not in header
    wanted = [c for c in PEOPLE_COLUMNS if c != "birth_date"] + (
        list(BIRTH_PARTS) if split else ["birth_date"]
    )
    missing = [c for c in wanted if c not in header]
    if missing:
        raise BadInput(
            f"{source}: missing column(s) {', '.join(missing)}; expected {', '.join(PEOPLE_COLUMNS)}"
        )
    return wanted, split


def _raw_batches(source: Path, columns: list[str], rows: int) -> Iterator[pd.DataFrame]:
    if not source.is_file():
        raise BadInput(f"{source}: no such file")
    if file_format(source) == "csv":
        types = {c: pa.string() for c in columns}
        reader = pv.open_csv(
            source,
            read_options=pv.ReadOptions(block_size=1 << 24),
            convert_options=pv.ConvertOptions(
                column_types=types, include_columns=columns, strings_can_be_null=False
            ),
        )
        yield from (batch.to_pandas() for batch in reader)
    else:
        yield from (
            b.to_pandas() for b in pq.ParquetFile(source).iter_batches(batch_size=rows, columns=columns)
        )


def people_batches(source: Path, rows: int = BATCH_ROWS) -> Iterator[pd.DataFrame]:
    """Yield the person records of a file in batches, as text, checked as `read_records` checks them."""
    columns, split = _columns(source)
    seen = 0
    for raw in _raw_batches(source, columns, rows):
        batch = raw[columns].apply(as_text)
        empty = batch.index[batch["record_id"].isna()]
        if len(empty):
            raise BadInput(f"{source}: row {seen + int(empty[0]) + 1} has an empty record_id")
        if split:
            year, month, day = (batch[c].fillna("").str.strip() for c in BIRTH_PARTS)
            joined = year.str.zfill(4) + "-" + month.str.zfill(2) + "-" + day.str.zfill(2)
            batch = batch.drop(columns=list(BIRTH_PARTS)).assign(birth_date=joined.where(year != "", None))
        seen += len(batch)
        yield batch.assign(source=batch["source"].fillna(""))[list(PEOPLE_COLUMNS)]


def _write(assignments: pd.DataFrame, target: Path, like: Path) -> None:
    if file_format(target) != file_format(like):
        raise BadInput(f"{target}: output must be in the input's format ({file_format(like)})")
    target.parent.mkdir(parents=True, exist_ok=True)
    out = assignments[["record_id", "person_id"]]
    if file_format(target) == "csv":
        out.to_csv(target, index=False, encoding="utf-8")
    else:
        pq.write_table(pa.Table.from_pandas(out, preserve_index=False), target)


def resolve_people_file_at_scale(
    source: Path,
    target: Path,
    engine: str,
    settings: Settings | None = None,
    engine_settings: EngineSettings | None = None,
    work: Path | None = None,
    train_mentions: int | None = None,
) -> dict[str, int]:
    """Resolve the person records in `source` on `engine`; write record_id, person_id to `target`.

    `work` keeps the intermediate Parquet files (and DuckDB's spill files); a temporary folder
    beside the output by default, deleted after. `train_mentions` overrides the size of the sample
    m and u are fitted on (`ScaleOptions.train_mentions`).
    """
    if engine not in ENGINES[1:]:
        raise BadInput(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")
    file_format(target)
    options = ScaleOptions(resolve=people_options(settings), engine=engine_settings or EngineSettings())
    if train_mentions is not None:
        options = replace(options, train_mentions=train_mentions)
    parent = work or target.parent
    parent.mkdir(parents=True, exist_ok=True)  # a --work folder not made yet is made, as the output's is
    with tempfile.TemporaryDirectory(prefix="cityhub-people-", dir=parent) as folder:
        try:
            result = resolve_at_scale(people_batches(source), Path(folder), engine, options)
        except ValueError as error:  # an input the stages refuse, e.g. a record id twice
            raise BadInput(f"{source}: {error}") from None
    _write(result.assignments, target, source)
    return {
        "records": result.counts["mentions"],
        "people": result.counts["people"],
        "pairs": result.counts["pairs"],
    }
