"""Comparison on one machine: the compared columns of every mention held once, as Arrow, and each
batch of candidate pairs scored from the rows it gathers from them.

Joining the pairs with both mentions' columns in DuckDB spilled the joined rows once the features
outgrew its memory limit: at 10,000,000 mentions (237 million pairs) the spill filled the disk.
Mentions are numbered by their row in the features file, so a gather by row number is the join;
the compared columns take about 230 MB per million mentions, and each batch converts only its
distinct mentions to pandas, not two copies of every column per pair.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from entity_resolution.people.scale.batch import BatchScorer, scored_schema
from entity_resolution.people.scale.features import MENTION
from entity_resolution.people.scale.sql import COMPARED_COLUMNS

__all__ = ["score_by_gathering"]


def _compared_columns(features: Path) -> pa.Table:
    """Return the compared columns of every mention, row i being mention i."""
    table = pq.read_table(features, columns=[MENTION, *COMPARED_COLUMNS])
    numbers = table[MENTION].to_numpy()
    if not np.array_equal(numbers, np.arange(len(numbers))):
        raise ValueError(f"{features}: mentions are not numbered by their row")
    return _one_chunk(table.drop_columns([MENTION]))


def _one_chunk(table: pa.Table) -> pa.Table:
    """Return the table with each column in one chunk: a gather from a column of many chunks
    concatenates them first (2.5 s against 0.6 s a batch at 10,000,000 mentions in 100 chunks).
    Text past 32-bit offsets is widened to large_string."""
    wide = [pa.types.is_string(column.type) and column.nbytes >= 2**31 for column in table.columns]
    columns = [c.cast(pa.large_string()) if w else c for c, w in zip(table.columns, wide, strict=True)]
    return pa.table([column.combine_chunks() for column in columns], names=table.column_names)


def score_by_gathering(features: Path, pairs: Path, scorer: BatchScorer, path: Path, batch_rows: int) -> None:
    """Score the candidate pairs under `pairs` (left_row, right_row, rules) batch by batch into `path`."""
    compared = _compared_columns(features)
    schema = scored_schema(scorer.model)
    batches = ds.dataset(pairs, format="parquet").to_batches(
        columns=["left_row", "right_row", "rules"], batch_size=batch_rows
    )
    with pq.ParquetWriter(path, schema) as writer:
        for batch in batches:
            if not batch.num_rows:
                continue
            left = batch.column("left_row").to_numpy()
            right = batch.column("right_row").to_numpy()
            mentions, inverse = np.unique(np.concatenate([left, right]), return_inverse=True)
            local = compared.take(pa.array(mentions)).to_pandas()
            scored = scorer.score(local, inverse.reshape(-1), left, right, batch.column("rules").to_numpy())
            writer.write_table(pa.Table.from_pandas(scored, schema=schema, preserve_index=False))
