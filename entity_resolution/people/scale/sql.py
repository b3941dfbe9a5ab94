"""The SQL of the stages, written once: DuckDB and Spark SQL both run it as it stands.

Only what both dialects share is used: window functions, equi-joins, `bit_or`, `least`/`greatest`,
`floor`. Mentions are rows of the `features` table (see `features.py`); candidate pairs are
(left_row, right_row, rules) with left_row < right_row, as `block.block_pairs` returns them.

A rule's blocks are its key's groups, sorted by the rule's order then by row. A block of at most
the cap gives all its pairs; a larger one of n gives each mention its next w = max(2, cap (cap-1)
/ 2 // n) neighbours, exactly as `block.pairs_within`. The neighbours are found by joining on the
position a fixed offset further (an equi-join against a small table of offsets 1..cap), never by
a join on the block key alone, which would be quadratic in the largest block.
"""

from __future__ import annotations

from collections.abc import Sequence

from entity_resolution.people.block import BlockingRule
from entity_resolution.people.scale.features import MENTION, key_column, order_column

__all__ = [
    "COMPARED_COLUMNS",
    "compare_input_sql",
    "close_ids_sql",
    "doubtful_inside_sql",
    "edges_inside_sql",
    "links_sql",
    "merged_pairs_sql",
    "offsets_sql",
    "rule_pairs_sql",
    "rule_query_sql",
]

# The prepared columns `encoding.encode` reads: a pair's comparison needs these of both mentions.
COMPARED_COLUMNS = (
    "name_clean",
    "name_key",
    "name_fuzzy",
    "surname",
    "given_key",
    "id18",
    "id_raw",
    "mobile",
    "landline",
    "room_key",
    "building_key",
    "address_key",
    "estate_key",
    "address_text",
    "birth_digits",
    "birth_date",
    "gender",
)


def offsets_sql(largest: int) -> str:
    """Return a query of the offsets 1..largest (column k), from literal rows both dialects read."""
    rows = ", ".join(f"({k})" for k in range(1, largest + 1))
    return f"SELECT k FROM (VALUES {rows}) AS t(k)"


def _window(cap: int, size: str) -> str:
    """Return the neighbours each mention of a block of `size` is paired with (`block.pairs_within`)."""
    budget = cap * (cap - 1) // 2
    wide = f"GREATEST(2, CAST(FLOOR({budget} / {size}) AS BIGINT))"
    return f"CASE WHEN {size} <= {cap} THEN {size} - 1 ELSE {wide} END"


def rule_pairs_sql(index: int, rule: BlockingRule, cap: int) -> tuple[str, str]:
    """Return (common table `ranked_<index>`, query of its pairs) of one blocking rule.

    The pairs are (left_row, right_row, rules) with `rules` the rule's bit.
    """
    key, order = key_column(rule), order_column(rule)
    ranked = (
        f"ranked_{index} AS (SELECT {MENTION} AS m, {key} AS bkey, "
        f"ROW_NUMBER() OVER (PARTITION BY {key} ORDER BY {order}, {MENTION}) AS pos, "
        f"COUNT(*) OVER (PARTITION BY {key}) AS size FROM features WHERE {key} <> 0)"
    )
    pairs = (
        f"SELECT LEAST(a.m, b.m) AS left_row, GREATEST(a.m, b.m) AS right_row, "
        f"CAST({1 << index} AS BIGINT) AS rules "
        f"FROM ranked_{index} a JOIN offsets o ON o.k <= LEAST({_window(cap, 'a.size')}, a.size - a.pos) "
        f"JOIN ranked_{index} b ON b.bkey = a.bkey AND b.pos = a.pos + o.k"
    )
    return ranked, pairs


def rule_query_sql(index: int, rule: BlockingRule, cap: int) -> str:
    """Return the whole query of one blocking rule's pairs (its ranked mentions as a common table)."""
    ranked, pairs = rule_pairs_sql(index, rule, cap)
    return f"WITH {ranked} {pairs}"


def merged_pairs_sql(tables: Sequence[str], low: int, high: int) -> str:
    """Return the candidate pairs of the rules' tables whose left mention is in [low, high),
    deduplicated with the OR of their rules' bits, sorted by left then right mention (a batch of
    them then holds few distinct mentions to encode)."""
    union = " UNION ALL ".join(f"SELECT left_row, right_row, rules FROM {t}" for t in tables)
    return (
        f"SELECT left_row, right_row, BIT_OR(rules) AS rules FROM ({union}) AS every_rule "
        f"WHERE left_row >= {low} AND left_row < {high} "
        "GROUP BY left_row, right_row ORDER BY left_row, right_row"
    )


def compare_input_sql(pairs: str = "pairs") -> str:
    """Return the query joining each candidate pair with the compared columns of both its mentions."""
    left = ", ".join(f"l.{c} AS l_{c}" for c in COMPARED_COLUMNS)
    right = ", ".join(f"r.{c} AS r_{c}" for c in COMPARED_COLUMNS)
    return (
        f"SELECT p.left_row, p.right_row, p.rules, {left}, {right} FROM {pairs} p "
        f"JOIN features l ON l.{MENTION} = p.left_row JOIN features r ON r.{MENTION} = p.right_row"
    )


def links_sql(link: float) -> str:
    """Return the two mentions of each scored pair that joins them into a component: score >= link,
    no conflict."""
    return f"SELECT left_row, right_row FROM scored WHERE score >= {link} AND NOT conflict"


def doubtful_inside_sql(doubt: float) -> str:
    """Return the doubtful pairs (score <= doubt) and the pairs of two different valid ID numbers
    whose mentions the links put in one component (table `labels`: mention, label)."""
    return (
        "SELECT s.left_row, s.right_row FROM scored s "
        "JOIN labels a ON a.mention = s.left_row JOIN labels b ON b.mention = s.right_row "
        f"WHERE (s.conflict OR s.score <= {doubt}) AND a.label = b.label"
    )


def close_ids_sql(close_level: int) -> str:
    """Return the pairs whose ID numbers read as one number keyed with a slip."""
    return f"SELECT left_row, right_row FROM scored WHERE l_id = {close_level}"


def edges_inside_sql() -> str:
    """Return every scored pair inside one component to rebuild (table `rebuild`: mention, label)."""
    return (
        "SELECT s.left_row, s.right_row, s.score, s.conflict FROM scored s "
        "JOIN rebuild a ON a.mention = s.left_row JOIN rebuild b ON b.mention = s.right_row "
        "WHERE a.label = b.label"
    )
