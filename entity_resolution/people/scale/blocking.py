"""Candidate pairs in steps an engine can hold within its memory limit.

One query over every rule (25 windows and self-joins, then one deduplicating aggregate) held more
than a disk-spilling engine can: at 10,000,000 mentions DuckDB failed to allocate 2 GiB at its
5.5 GiB limit. Each rule's pairs are written alone, then merged in ranges of their left mention,
so no step holds more than one rule's windows or one range's pairs.
"""

from __future__ import annotations

from pathlib import Path

from entity_resolution.people.block import BlockingRule
from entity_resolution.people.scale.engines import Engine
from entity_resolution.people.scale.sql import merged_pairs_sql, offsets_sql, rule_query_sql

__all__ = ["write_candidate_pairs"]


def _cap(rule: BlockingRule, max_block: int) -> int:
    return min(max_block, rule.max_block or max_block)


def _write_rule_pairs(db: Engine, rules: tuple[BlockingRule, ...], max_block: int, folder: Path) -> list[str]:
    """Write each rule's pairs to its own file; return the names of the tables that read them."""
    db.register_query("offsets", offsets_sql(max(2, *(_cap(r, max_block) - 1 for r in rules))))
    tables = []
    for index, rule in enumerate(rules):
        path = folder / f"rule_{index:02d}.parquet"
        db.to_parquet(rule_query_sql(index, rule, _cap(rule, max_block)), path)
        tables.append(f"rule_pairs_{index}")
        db.register_parquet(tables[-1], path)
    return tables


def write_candidate_pairs(
    db: Engine, rules: tuple[BlockingRule, ...], max_block: int, mentions: int, work: Path, part: int
) -> Path:
    """Write the deduplicated candidate pairs of `mentions` mentions (table `features`) under `work`;
    return their folder, one file per range of `part` left mentions."""
    folder = work / "pairs"
    (work / "rule_pairs").mkdir(parents=True, exist_ok=True)
    folder.mkdir(parents=True, exist_ok=True)
    tables = _write_rule_pairs(db, rules, max_block, work / "rule_pairs")
    for index, low in enumerate(range(0, max(mentions, 1), part)):
        db.to_parquet(merged_pairs_sql(tables, low, low + part), folder / f"part_{index:05d}.parquet")
    return folder
