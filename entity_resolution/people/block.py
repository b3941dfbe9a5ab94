"""Stage 2, block: candidate pairs of mentions that could be one person, without comparing all pairs.

Each `BlockingRule` names prepared columns; mentions whose values agree on all of them (none
missing) share a block, and every pair inside a block is a candidate. Blocks are capped: a block
of more than the cap (a shared landline, a very common name) is sorted by a secondary key and
each mention is paired with its next few neighbours only (a sorted-neighbourhood window), so one
block never yields more than about cap² / 2 pairs and stays connected. What was capped is
counted in the blocking report.

A block key is a 64-bit hash of the rule's values, the same in any table, so `rule_keys` of a
resolved table can be kept and a new batch blocked against them (`block_against`) without
touching the rest. Everything is numpy over row positions; pairs are (left, right) with
left < right, deduplicated across rules, with a bit mask of the rules that produced them.

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
    "ColumnHashes",
    "DEFAULT_RULES",
    "BlockingRule",
    "Blocks",
    "block_against",
    "block_pairs",
    "dedupe_pairs",
    "pairs_within",
    "rule_keys",
    "rule_names",
]

Ints = npt.NDArray[np.int64]
Keys = npt.NDArray[np.uint64]
NO_KEY = np.uint64(0)  # the key of a row missing a value of the rule (a real hash of 0 is moved to 1)
_MIX = np.uint64(0x9E3779B97F4A7C15)


@dataclass(frozen=True, slots=True)
class BlockingRule:
    """Mentions agreeing on every column in `on` (none missing) are candidate pairs."""

    name: str
    on: tuple[str, ...]
    order: tuple[str, ...] = ("name_key",)  # sorts an oversized block so near-duplicates sit together
    max_block: int | None = None  # this rule's cap, when tighter than the general one


DEFAULT_RULES: tuple[BlockingRule, ...] = (
    BlockingRule("id18", ("id18",)),
    BlockingRule("id_raw", ("id_raw",)),
    BlockingRule("mobile", ("mobile",)),
    # A mobile keyed with one slip keeps its head or its tail.
    BlockingRule("mobile_head_surname", ("mobile_head", "surname"), ("given_key",), max_block=20),
    BlockingRule("mobile_tail", ("mobile_tail",), ("name_key",), max_block=20),
    BlockingRule("name_birth", ("name_key", "birth_digits")),
    BlockingRule("name_landline", ("name_key", "landline")),
    BlockingRule("surname_landline", ("surname", "landline"), ("given_key",)),
    BlockingRule("surname_birth", ("surname", "birth_digits"), ("given_key",)),
    BlockingRule("given_birth", ("given_key", "birth_digits"), ("surname",)),
    # A slip in the name and one in the birth date: one name part and two date parts still agree.
    BlockingRule("surname_birth_ym", ("surname", "birth_ym"), ("given_key",), max_block=20),
    BlockingRule("surname_birth_md", ("surname", "birth_md"), ("given_key",), max_block=20),
    BlockingRule("given_birth_ym", ("given_key", "birth_ym"), ("surname",), max_block=20),
    BlockingRule("given_birth_md", ("given_key", "birth_md"), ("surname",), max_block=20),
    BlockingRule("surname_birth_yd", ("surname", "birth_yd"), ("given_key",), max_block=20),
    BlockingRule("given_birth_yd", ("given_key", "birth_yd"), ("surname",), max_block=20),
    BlockingRule("room_given", ("room_key", "given_key")),
    BlockingRule("name_room", ("name_key", "room_key")),
    BlockingRule("fuzzy_name_estate", ("name_fuzzy", "estate_key")),
    # Addresses no parser keyed (foreign, free text): a typo later in the text keeps the head.
    BlockingRule("address_head_surname", ("address_head", "surname"), ("given_key",), max_block=20),
    BlockingRule("address_head_given", ("address_head", "given_key"), ("surname",), max_block=20),
    # Loose rules for typos in everything else, capped tighter: common names and birth dates
    # make big blocks of strangers.
    BlockingRule("birth", ("birth_digits",), ("surname", "given_key"), max_block=30),
    BlockingRule("name", ("name_key",), ("estate_key", "birth_digits"), max_block=20),
    # An ID number keyed with one slip keeps one half: the typo meets its correct form. Halves
    # of resident IDs (region and birth year) make big blocks, hence the tight cap.
    BlockingRule("id_head", ("id_head",), max_block=20),
    BlockingRule("id_tail", ("id_tail",), max_block=20),
)


@dataclass(frozen=True, slots=True)
class Blocks:
    """Candidate pairs (left, right, rules bit mask), a report per rule, and every row's block keys."""

    pairs: pd.DataFrame
    report: pd.DataFrame  # rule, blocks, pairs, capped_blocks, capped_mentions, pairs_skipped
    keys: pd.DataFrame  # one uint64 column per rule, NO_KEY where a value is missing


class ColumnHashes:
    """Per-column 64-bit value hashes of one table, each column hashed once."""

    def __init__(self, table: pd.DataFrame) -> None:
        self.table = table
        self.cache: dict[str, tuple[Keys, npt.NDArray[np.bool_]]] = {}

    def get(self, column: str) -> tuple[Keys, npt.NDArray[np.bool_]]:
        """Return the column's value hashes and which rows have a value."""
        if column not in self.cache:
            values = self.table[column]
            known = values.notna().to_numpy()
            if values.dtype.kind == "M":  # dates hash by their nanosecond count
                raw: np.ndarray = values.to_numpy("datetime64[ns]").view(np.int64)
            else:
                raw = values.to_numpy(object)
            hashed = pd.util.hash_array(raw)
            self.cache[column] = (hashed.astype(np.uint64), known)
        return self.cache[column]

    def combined(self, columns: tuple[str, ...]) -> Keys:
        """Return the rows' key over `columns`: NO_KEY where any is missing."""
        key = np.zeros(len(self.table), dtype=np.uint64)
        known = np.ones(len(self.table), dtype=bool)
        with np.errstate(over="ignore"):
            for column in columns:
                hashed, present = self.get(column)
                key = key * _MIX + hashed
                known &= present
        key[key == NO_KEY] = np.uint64(1)
        key[~known] = NO_KEY
        return key


def rule_keys(prepared: pd.DataFrame, rules: tuple[BlockingRule, ...] = DEFAULT_RULES) -> pd.DataFrame:
    """Return every row's block key under each rule (columns named after the rules)."""
    hashes = ColumnHashes(prepared)
    usable = [r for r in rules if all(c in prepared.columns for c in r.on)]
    return pd.DataFrame({r.name: hashes.combined(r.on) for r in usable}, index=prepared.index)


def pairs_within(starts: Ints, sizes: Ints, max_block: int) -> tuple[Ints, Ints, Ints]:
    """Return (left, right, window) positions of the pairs inside consecutive groups.

    Groups of at most `max_block` give every pair; a larger group of n gives each member its
    next w neighbours, w = max(2, max_block² / 2n): about max_block² / 2 pairs, at least a chain.

    >>> l, r, _ = pairs_within(np.array([0, 3]), np.array([3, 1]), 10); list(zip(l.tolist(), r.tolist()))
    [(0, 1), (0, 2), (1, 2)]
    """
    budget = max_block * (max_block - 1) // 2
    window = np.where(sizes <= max_block, sizes - 1, np.maximum(2, budget // np.maximum(sizes, 1)))
    member_group = np.repeat(np.arange(len(sizes)), sizes)
    position = np.arange(int(sizes.sum()), dtype=np.int64)
    offset = position - np.repeat(starts, sizes)
    counts = np.maximum(np.minimum(window[member_group], sizes[member_group] - 1 - offset), 0)
    left = np.repeat(position, counts)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    right = left + (np.arange(len(left), dtype=np.int64) - first) + 1
    return left, right, window


def _rule_pairs(keys: Keys, secondary: Keys, cap: int) -> tuple[Ints, Ints, dict[str, int]]:
    """Return the pairs of one rule from its row keys, and its report counts."""
    rows = np.flatnonzero(keys != NO_KEY).astype(np.int64)
    order = np.lexsort((rows, secondary[rows], keys[rows]))
    rows = rows[order]
    sorted_keys = keys[rows]
    boundary = np.r_[True, sorted_keys[1:] != sorted_keys[:-1]] if len(rows) else np.zeros(0, dtype=bool)
    starts = np.flatnonzero(boundary).astype(np.int64)
    sizes = np.diff(np.r_[starts, len(rows)]).astype(np.int64)
    left, right, _ = pairs_within(starts, sizes, cap)
    big = sizes > cap
    report = {
        "blocks": int((sizes > 1).sum()),
        "pairs": len(left),
        "capped_blocks": int(big.sum()),
        "capped_mentions": int(sizes[big].sum()),
        "pairs_skipped": int((sizes * (sizes - 1) // 2).sum()) - len(left),
    }
    return rows[left], rows[right], report


def dedupe_pairs(left: Ints, right: Ints, bits: Ints, n: int) -> pd.DataFrame:
    """Return unique (left < right) pairs with the OR of their rule bits, sorted by (left, right)."""
    low, high = np.minimum(left, right), np.maximum(left, right)
    keep = low != high
    code = low[keep] * np.int64(n) + high[keep]
    bits = bits[keep]
    order = np.argsort(code, kind="stable")
    code, bits = code[order], bits[order]
    starts = np.flatnonzero(np.r_[True, code[1:] != code[:-1]]) if len(code) else np.zeros(0, dtype=np.int64)
    mask = np.bitwise_or.reduceat(bits, starts) if len(starts) else bits[:0]
    unique = code[starts]
    return pd.DataFrame({"left": unique // n, "right": unique % n, "rules": mask.astype(np.int64)})


def block_pairs(
    prepared: pd.DataFrame, rules: tuple[BlockingRule, ...] = DEFAULT_RULES, max_block: int = 60
) -> Blocks:
    """Return the candidate pairs of a prepared table under `rules` (rules on absent columns are skipped)."""
    hashes = ColumnHashes(prepared)
    usable = tuple(r for r in rules if all(c in prepared.columns for c in r.on))
    keys = pd.DataFrame({r.name: hashes.combined(r.on) for r in usable}, index=prepared.index)
    lefts, rights, bits, reports = [], [], [], []
    for index, rule in enumerate(usable):
        order = tuple(c for c in rule.order if c in prepared.columns)
        secondary = hashes.combined(order) if order else np.zeros(len(prepared), dtype=np.uint64)
        cap = min(max_block, rule.max_block or max_block)
        left, right, report = _rule_pairs(keys[rule.name].to_numpy(np.uint64), secondary, cap)
        lefts.append(left)
        rights.append(right)
        bits.append(np.full(len(left), 1 << index, dtype=np.int64))
        reports.append({"rule": rule.name, **report})
    empty = np.zeros(0, dtype=np.int64)
    pairs = dedupe_pairs(
        np.concatenate([empty, *lefts]),
        np.concatenate([empty, *rights]),
        np.concatenate([empty, *bits]),
        max(len(prepared), 1),
    )
    return Blocks(pairs, pd.DataFrame(reports), keys)


def rule_names(mask: int, rules: tuple[BlockingRule, ...] = DEFAULT_RULES) -> list[str]:
    """Return the names of the rules set in a pair's bit mask (as `block_pairs` numbered them)."""
    return [rule.name for i, rule in enumerate(rules) if mask & (1 << i)]


def _capped_existing(
    rows: Ints, keys: Keys, entity: npt.NDArray[np.object_], per_entity: int, cap: int
) -> pd.DataFrame:
    """Return existing (row, key) kept for matching: a few rows per entity, a bounded number per key."""
    frame = pd.DataFrame({"row": rows, "key": keys, "entity": entity[rows]})
    frame = frame.sort_values(["key", "row"], ascending=[True, False], kind="stable")  # newest rows first
    frame = frame[frame.groupby(["key", "entity"], sort=False).cumcount() < per_entity]
    return frame[frame.groupby("key", sort=False).cumcount() < cap]


def block_against(
    new: pd.DataFrame,
    existing_keys: pd.DataFrame,
    existing_entity: npt.NDArray[np.object_],
    rules: tuple[BlockingRule, ...] = DEFAULT_RULES,
    max_block: int = 60,
    per_entity: int = 2,
) -> tuple[pd.DataFrame, Blocks]:
    """Return candidate pairs of a new batch: (existing row, new row, rules), and the batch's own blocks.

    `existing_keys` are `rule_keys` of the resolved table. Only the blocks the new mentions fall
    into are read, and within a block at most `per_entity` mentions of each resolved entity (its
    newest): the new mention joins the entity, comparing it with every mention adds little.
    """
    within = block_pairs(new, rules, max_block)
    usable = [r for r in rules if r.name in within.keys.columns and r.name in existing_keys.columns]
    found = []
    for index, rule in enumerate(usable):
        new_keys = within.keys[rule.name].to_numpy(np.uint64)
        new_rows = np.flatnonzero(new_keys != NO_KEY)
        if not len(new_rows):
            continue
        keys = existing_keys[rule.name].to_numpy(np.uint64)
        hit = np.flatnonzero(pd.Series(keys).isin(pd.unique(new_keys[new_rows])).to_numpy())  # a hash probe
        cap = min(max_block, rule.max_block or max_block)
        kept = _capped_existing(hit.astype(np.int64), keys[hit], existing_entity, per_entity, cap)
        joined = kept.merge(pd.DataFrame({"new": new_rows, "key": new_keys[new_rows]}), on="key")
        found.append(
            pd.DataFrame(
                {
                    "existing": joined["row"].to_numpy(np.int64),
                    "new": joined["new"].to_numpy(np.int64),
                    "rules": 1 << index,
                }
            )
        )
    if not found:
        return pd.DataFrame({c: pd.Series(dtype=np.int64) for c in ("existing", "new", "rules")}), within
    cross = pd.concat(found, ignore_index=True)
    # existing and new rows live in different tables: offset the new ones so pairs dedupe as one space
    offset = len(existing_keys)
    unique = dedupe_pairs(
        cross["existing"].to_numpy(np.int64),
        cross["new"].to_numpy(np.int64) + offset,
        cross["rules"].to_numpy(np.int64),
        offset + len(new),
    )
    return pd.DataFrame(
        {"existing": unique["left"], "new": unique["right"] - offset, "rules": unique["rules"]}
    ), within
