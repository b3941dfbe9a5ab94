"""How batches travel to Neo4j (`graph.neo4j_columns`): what packs into a string, what cannot."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from graph.neo4j_columns import ITEM, MISSING, ROW, pack_columns


def _unpack(text: str, kind: str) -> list[Any]:
    """Read a packed column back as the server's statement does (`graph.cypher`)."""
    cells = text.split(ROW)
    if kind == "list":
        return [None if c == MISSING else [] if c == "" else c.split(ITEM) for c in cells]
    return [None if c == MISSING else c for c in cells]


@pytest.mark.parametrize(
    ("kind", "values"),
    [
        ("text", ["张伟", None, "", "聚龙城3-2-501"]),
        ("list", [["hotline:H1", "grid:G7"], [], None, ["police:J5"]]),
    ],
)
def test_a_packed_column_reads_back_as_the_values_sent(kind: str, values: list[Any]) -> None:
    columns, params = pack_columns({"v": kind}, [{"v": value} for value in values])
    assert columns[0].packed
    assert _unpack(params["v"], kind) == values


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("text", f"a{ROW}b"),
        ("text", f"a{MISSING}"),
        ("text", f"a{ITEM}b"),
        ("list", [f"a{ITEM}b"]),
        ("list", [f"a{ROW}b"]),
        ("list", [""]),
        ("text", 7),
    ],
)
def test_a_value_with_a_separator_or_of_another_type_travels_as_a_plain_list(kind: str, value: Any) -> None:
    rows = [{"v": "x" if kind == "text" else ["x"]}, {"v": value}]
    columns, params = pack_columns({"v": kind}, rows)
    assert not columns[0].packed
    assert params["v"] == [row["v"] for row in rows]


def test_times_pack_as_iso_text_and_numbers_never_pack() -> None:
    rows: list[dict[str, Any]] = [{"at": dt.datetime(2026, 1, 5, 8, 30), "n": 1}, {"at": None, "n": 2}]
    columns, params = pack_columns({"at": "datetime", "n": "value"}, rows)
    assert [(c.name, c.packed) for c in columns] == [("at", True), ("n", False)]
    assert params == {"at": f"2026-01-05T08:30:00{ROW}{MISSING}", "n": [1, 2]}
