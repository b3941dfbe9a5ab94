"""Stage 2, block: candidate pairs of mentions that could be one person, without comparing all pairs.

Each `BlockingRule` names prepared columns; mentions whose values agree on all of them (none
missing) share a block, and every pair inside a block is a candidate. Blocks are capped: a block
of more than `max_block` mentions (a shared landline, a very common name with a common birth
date) is sorted by a secondary key and each mention is paired with its next few neighbours only
(a sorted-neighbourhood window), so one block never yields more than about max_block² / 2 pairs
and stays connected. What was capped is counted in the `BlockingReport`.

Everything is numpy over row positions; pairs are (left, right) with left < right, deduplicated
across rules, and carry a bit mask of the rules that produced them.

    >>> prepared = pd.DataFrame({"id18": ["X", "X", None], "name_key": ["a", "a", "a"]})
    >>> block_pairs(prepared, (BlockingRule("id", ("id18",)),)).pairs[["left", "right"]].values.tolist()
    [[0, 1]]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = [
    "DEFAULT_RULES",
    "BlockingReport",
    "BlockingRule",
    "Blocks",
    "block_keys",
    "block_pairs",
    "pairs_within",
]

Ints = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class BlockingRule:
    """Mentions agreeing on every column in `on` (none missing) are candidate pairs."""

    name: str
    on: tuple[str, ...]
    order: tuple[str, ...] = ("name_key",)  # sorts an oversized block so near-duplicates sit together


DEFAULT_RULES: tuple[BlockingRule, ...] = (
    BlockingRule("id18", ("id18",)),
    BlockingRule("id_raw", ("id_raw",)),
    BlockingRule("mobile", ("mobile",)),
    BlockingRule("name_birth", ("name_key", "birth_date")),
    BlockingRule("name_landline", ("name_key", "landline")),
    BlockingRule("surname_landline", ("surname", "landline"), ("given_key",)),
    BlockingRule("surname_birth", ("surname", "birth_date"), ("given_key",)),
    BlockingRule("given_birth", ("given_key", "birth_date"), ("surname",)),
    BlockingRule("room_given", ("room_key", "given_key")),
    BlockingRule("name_room", ("name_key", "room_key")),
    BlockingRule("fuzzy_name_estate", ("name_fuzzy", "estate_key")),
)


@dataclass(frozen=True, slots=True)
class Blocks:
    """Candidate pairs (left, right, rules bit mask) and what each rule contributed."""

    pairs: pd.DataFrame
    report: pd.DataFrame
    rules: tuple[BlockingRule, ...]


@dataclass(frozen=True, slots=True)
class BlockingReport:
    """Per-rule counts, as one row of `Blocks.report`."""

    rule: str
    blocks: int  # blocks of two or more mentions
    pairs: int  # pairs this rule produced (before deduplication across rules)
    capped_blocks: int  # blocks larger than max_block, windowed
    capped_mentions: int  # mentions in those blocks
    pairs_skipped: int  # pairs the window left out of capped blocks


def _hash(frame: pd.DataFrame) -> npt.NDArray[np.uint64]:
    """Return a 64-bit hash per row; equal values hash equally in any table (dtypes must agree)."""
    return pd.util.hash_pandas_object(frame, index=False).to_numpy(np.uint64)


def block_keys(prepared: pd.DataFrame, rule: BlockingRule) -> tuple[Ints, npt.NDArray[np.uint64]]:
    """Return (row positions, 64-bit block key) of the rows where every column of the rule is known."""
    columns = prepared[list(rule.on)]
    rows = np.flatnonzero(columns.notna().all(axis=1).to_numpy()).astype(np.int64)
    if not len(rows):
        return rows, np.zeros(0, dtype=np.uint64)
    return rows, _hash(columns.iloc[rows])


def _sort_order(prepared: pd.DataFrame, rows: Ints, keys: npt.NDArray[np.uint64], rule: BlockingRule) -> Ints:
    """Return a permutation sorting rows by block key, then the rule's order columns, then position.

    The order columns are hashed, not collated: what matters is that equal values sit together.
    """
    order = [c for c in rule.order if c in prepared.columns]
    if not order or not len(rows):
        return np.lexsort((rows, keys)).astype(np.int64)
    secondary = _hash(prepared[order].iloc[rows].fillna(""))
    return np.lexsort((rows, secondary, keys)).astype(np.int64)


def pairs_within(starts: Ints, sizes: Ints, max_block: int) -> tuple[Ints, Ints, Ints]:
    """Return (left, right, window) positions of the pairs inside consecutive groups.

    Groups of at most `max_block` give every pair; a larger group of n gives each member its
    next w neighbours, w = max(2, max_block² / 2n), so it yields about max_block² / 2 pairs.

    >>> l, r, _ = pairs_within(np.array([0, 3]), np.array([3, 1]), 10); list(zip(l, r))
    [(0, 1), (0, 2), (1, 2)]
    """
    budget = max_block * (max_block - 1) // 2
    window = np.where(sizes <= max_block, sizes - 1, np.maximum(2, budget // np.maximum(sizes, 1)))
    member_group = np.repeat(np.arange(len(sizes)), sizes)
    position = np.arange(int(sizes.sum()), dtype=np.int64)
    offset = position - np.repeat(starts, sizes)
    counts = np.minimum(window[member_group], sizes[member_group] - 1 - offset)
    counts = np.maximum(counts, 0)
    left = np.repeat(position, counts)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    right = left + (np.arange(len(left), dtype=np.int64) - first) + 1
    return left, right, window


def _rule_pairs(
    prepared: pd.DataFrame, rule: BlockingRule, max_block: int
) -> tuple[Ints, Ints, BlockingReport]:
    rows, keys = block_keys(prepared, rule)
    order = _sort_order(prepared, rows, keys, rule)
    rows, keys = rows[order], keys[order]
    boundary = np.r_[True, keys[1:] != keys[:-1]] if len(keys) else np.zeros(0, dtype=bool)
    starts = np.flatnonzero(boundary).astype(np.int64)
    sizes = np.diff(np.r_[starts, len(keys)]).astype(np.int64)
    left, right, _ = pairs_within(starts, sizes, max_block)
    big = sizes > max_block
    all_pairs = int((sizes * (sizes - 1) // 2).sum())
    report = BlockingReport(
        rule.name, int((sizes > 1).sum()), len(left), int(big.sum()), int(sizes[big].sum()), all_pairs - len(left)
    )
    return rows[left], rows[right], report


def dedupe_pairs(left: Ints, right: Ints, bits: Ints, n: int) -> pd.DataFrame:
    """Return unique (left < right) pairs with the OR of their rule bits, sorted by (left, right)."""
    low, high = np.minimum(left, right), np.maximum(left, right)
    keep = low != high
    code = low[keep] * np.int64(n) + high[keep]
    bits = bits[keep]
    order = np.argsort(code, kind="stable")
    code, bits = code[order], bits[order]
    first = np.r_[True, code[1:] != code[:-1]] if len(code) else np.zeros(0, dtype=bool)
    starts = np.flatnonzero(first)
    mask = np.bitwise_or.reduceat(bits, starts) if len(starts) else bits[:0]
    unique = code[starts]
    return pd.DataFrame({
        "left": (unique // n).astype(np.int64),
        "right": (unique % n).astype(np.int64),
        "rules": mask.astype(np.int64),
    })


def block_pairs(
    prepared: pd.DataFrame, rules: tuple[BlockingRule, ...] = DEFAULT_RULES, max_block: int = 60
) -> Blocks:
    """Return the candidate pairs of a prepared table under `rules` (rules on absent columns are skipped)."""
    usable = tuple(r for r in rules if all(c in prepared.columns for c in r.on))
    lefts, rights, bits, reports = [], [], [], []
    for index, rule in enumerate(usable):
        left, right, report = _rule_pairs(prepared, rule, max_block)
        lefts.append(left)
        rights.append(right)
        bits.append(np.full(len(left), 1 << index, dtype=np.int64))
        reports.append(report)
    if not usable:
        empty = np.zeros(0, dtype=np.int64)
        return Blocks(dedupe_pairs(empty, empty, empty, max(len(prepared), 1)), pd.DataFrame(), usable)
    pairs = dedupe_pairs(np.concatenate(lefts), np.concatenate(rights), np.concatenate(bits), max(len(prepared), 1))
    report_frame = pd.DataFrame([_as_row(r) for r in reports])
    return Blocks(pairs, report_frame, usable)


def _as_row(report: BlockingReport) -> dict[str, object]:
    return {name: getattr(report, name) for name in BlockingReport.__slots__}


def rule_names(mask: int, rules: tuple[BlockingRule, ...]) -> list[str]:
    """Return the names of the rules set in a pair's bit mask."""
    return [rule.name for i, rule in enumerate(rules) if mask & (1 << i)]


def _capped_existing(rows: Ints, keys: npt.NDArray[np.uint64], entity: npt.NDArray[np.object_],
                     per_entity: int, max_block: int) -> pd.DataFrame:
    """Return existing (row, key) kept for matching: a few rows per entity, a bounded number per key."""
    frame = pd.DataFrame({"row": rows, "key": keys, "entity": entity[rows]})
    frame = frame.sort_values(["key", "row"], ascending=[True, False], kind="stable")  # newest rows first
    frame = frame[frame.groupby(["key", "entity"], sort=False).cumcount() < per_entity]
    return frame[frame.groupby("key", sort=False).cumcount() < max_block]


def block_against(
    new: pd.DataFrame,
    existing: pd.DataFrame,
    existing_entity: npt.NDArray[np.object_],
    rules: tuple[BlockingRule, ...] = DEFAULT_RULES,
    max_block: int = 60,
    per_entity: int = 2,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return candidate pairs of a new batch: (existing row, new row) pairs and new-new pairs.

    Only the blocks the new mentions fall into are read from the existing table, and within a
    block at most `per_entity` mentions of each already resolved entity (its newest) are used:
    the new mention joins the entity, so comparing it with every one of its mentions adds little.
    """
    usable = tuple(r for r in rules if all(c in new.columns for c in r.on))
    found = []
    for index, rule in enumerate(usable):
        new_rows, new_keys = block_keys(new, rule)
        if not len(new_rows):
            continue
        columns = existing[list(rule.on)]
        candidate = np.flatnonzero(columns.notna().all(axis=1).to_numpy())
        keys = _hash(columns.iloc[candidate]) if len(candidate) else np.zeros(0, dtype=np.uint64)
        hit = np.isin(keys, new_keys)
        kept = _capped_existing(candidate[hit].astype(np.int64), keys[hit], existing_entity, per_entity, max_block)
        joined = kept.merge(pd.DataFrame({"new": new_rows, "key": new_keys}), on="key")
        found.append(pd.DataFrame({"existing": joined["row"].to_numpy(np.int64),
                                   "new": joined["new"].to_numpy(np.int64), "rules": 1 << index}))
    cross = pd.concat(found, ignore_index=True) if found else pd.DataFrame(
        {"existing": pd.Series(dtype=np.int64), "new": pd.Series(dtype=np.int64), "rules": pd.Series(dtype=np.int64)})
    cross = cross.groupby(["existing", "new"], as_index=False)["rules"].agg(np.bitwise_or.reduce)
    within = block_pairs(new, usable, max_block).pairs
    return cross, within
