"""Per-mention features, written batch by batch: the prepared columns, each blocking rule's key and
sort order, and the compact attributes clustering checks merges against.

Keys are the 64-bit hashes `block.py` computes (pandas' value hashes, the same in any batch), kept
as signed integers so both engines can read them; a rule's sort order is shifted so that signed
order is the unsigned order `block.py` sorts by. Row numbers run over all batches: the row
position the pandas path would give each mention.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from entity_resolution.people.block import BlockingRule, ColumnHashes
from entity_resolution.people.encoding import NO_DATE
from entity_resolution.people.prepare import PREPARED_COLUMNS, PrepareOptions, prepare_mentions

__all__ = ["MENTION", "key_column", "order_column", "prepare_features", "sample_prepared", "write_features"]

log = logging.getLogger(__name__)
MENTION = "mention"  # the row number over the whole input
_SIGN = np.uint64(1 << 63)


def key_column(rule: BlockingRule) -> str:
    """Return the name of a rule's block key column."""
    return f"k_{rule.name}"


def order_column(rule: BlockingRule) -> str:
    """Return the name of a rule's in-block sort order column."""
    return f"o_{rule.name}"


def _signed(keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
    return keys.view(np.int64)


def _order_preserving(keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
    return (keys ^ _SIGN).view(np.int64)


def prepare_features(
    mentions: pd.DataFrame | pa.Table, start: int, rules: tuple[BlockingRule, ...], options: PrepareOptions
) -> pd.DataFrame:
    """Return the features of one batch of raw mentions whose first row is number `start`."""
    prepared = prepare_mentions(mentions, options)
    hashes = ColumnHashes(prepared)
    out = prepared.assign(**{MENTION: np.arange(start, start + len(prepared), dtype=np.int64)})
    for rule in rules:
        order = tuple(c for c in rule.order if c in prepared.columns)
        secondary = hashes.combined(order) if order else np.zeros(len(prepared), dtype=np.uint64)
        out[key_column(rule)] = _signed(hashes.combined(rule.on))
        out[order_column(rule)] = _order_preserving(secondary)
    days = prepared["birth_date"].to_numpy("datetime64[D]").astype(np.int64)
    out["birth_day"] = np.where(prepared["birth_date"].isna().to_numpy(), NO_DATE, days).astype(np.int32)
    out["gender_code"] = prepared["gender"].map({"M": 0, "F": 1}).fillna(-1).to_numpy(np.int8)
    return out


def _typed(schema: pa.Schema) -> pa.Schema:
    """Return the schema with columns empty in the first batch typed as text, as later ones hold."""
    return pa.schema([pa.field(f.name, pa.string()) if pa.types.is_null(f.type) else f for f in schema])


def write_features(
    batches: Iterable[pd.DataFrame | pa.Table],
    path: Path,
    rules: tuple[BlockingRule, ...],
    options: PrepareOptions,
) -> int:
    """Prepare raw mention batches into one Parquet file of features; return the number of mentions."""
    writer: pq.ParquetWriter | None = None
    count = 0
    try:
        for batch in batches:
            table = pa.Table.from_pandas(prepare_features(batch, count, rules, options), preserve_index=False)
            if writer is None:
                # microsecond times: Spark reads no nanosecond ones
                writer = pq.ParquetWriter(
                    path, _typed(table.schema), coerce_timestamps="us", allow_truncated_timestamps=True
                )
            writer.write_table(table.cast(writer.schema), row_group_size=200_000)
            count += table.num_rows
            log.info("people features: %s mentions prepared", f"{count:,}")
    finally:
        if writer is not None:
            writer.close()
    if writer is None:
        raise ValueError("person mentions: the input holds no records")
    return count


def sample_prepared(path: Path, size: int, seed: int) -> pd.DataFrame:
    """Return the prepared columns of `size` mentions drawn at random (all when fewer), in row order.

    Read a row group at a time, so a sample of a file far larger than memory stays small.
    """
    source = pq.ParquetFile(path)
    total = source.metadata.num_rows
    chosen = (
        np.arange(total) if total <= size else np.sort(np.random.default_rng(seed).choice(total, size, False))
    )
    parts: list[pd.DataFrame] = []
    offset = 0
    for group in range(source.num_row_groups):
        rows = source.metadata.row_group(group).num_rows
        inside = chosen[(chosen >= offset) & (chosen < offset + rows)] - offset
        if len(inside):
            table = source.read_row_group(group, columns=list(PREPARED_COLUMNS)).take(pa.array(inside))
            parts.append(table.to_pandas())
        offset += rows
    return pd.concat(parts, ignore_index=True)


def iter_rows(source: pd.DataFrame, size: int) -> Iterator[pd.DataFrame]:
    """Yield consecutive slices of a table of raw mentions."""
    for start in range(0, len(source), size):
        yield source.iloc[start : start + size]
