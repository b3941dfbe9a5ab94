"""Write plans (`graph.lanes`): what is written at once never shares a node."""

from __future__ import annotations

import pandas as pd
import pytest

from graph.lanes import disjoint_slices, waves, write_plan
from graph.model import graph_model

# row counts of a projected city of about 60,000 nodes (benchmarks/bench_graph.py)
NODES = {
    "Person": 23076,
    "Place": 18172,
    "Grid": 31,
    "Event": 10384,
    "Case": 3344,
    "Department": 4,
    "SourceRecord": 10384,
}
RELATIONS = {
    "LIVES_AT": 23076,
    "INVOLVED_IN": 20767,
    "OCCURRED_AT": 10384,
    "PART_OF": 18170,
    "IN_GRID": 1200,
    "PART_OF_CASE": 4188,
    "RECORDED_IN": 10384,
    "HANDLED_BY": 10384,
}


def _labels(name: str) -> set[str]:
    model = graph_model()
    if name in model.nodes:
        return {name}
    return {model.relation(name).source, model.relation(name).target}


@pytest.mark.parametrize("lanes", [2, 3])
def test_every_batch_is_written_once_and_lanes_of_a_wave_share_no_label(lanes: int) -> None:
    plan = write_plan(graph_model(), NODES, RELATIONS, lanes)
    written = [name for wave in plan for lane in wave for name in lane]
    assert sorted(written) == sorted([*NODES, *RELATIONS])
    for wave in plan:
        assert len(wave) <= lanes
        for i, lane in enumerate(wave):
            mine = set().union(*(_labels(name) for name in lane))
            others = set().union(*(_labels(name) for other in wave[i + 1 :] for name in other))
            assert not mine & others, wave


def test_nodes_are_written_before_any_relation() -> None:
    plan = write_plan(graph_model(), NODES, RELATIONS, 2)
    kinds = ["node" if all(name in NODES for lane in wave for name in lane) else "relation" for wave in plan]
    assert kinds == sorted(kinds, key=["node", "relation"].index) and kinds[0] == "node"
    assert all(name in RELATIONS for wave in plan[kinds.count("node") :] for lane in wave for name in lane)


def test_two_writers_shorten_the_longest_path_of_a_city_load() -> None:
    rows = {**NODES, **RELATIONS}
    plan = write_plan(graph_model(), NODES, RELATIONS, 2)
    longest = sum(max(sum(rows[name] for name in lane) for lane in wave) for wave in plan)
    assert longest < 0.65 * sum(rows.values())
    assert plan[0] == [["Person", "SourceRecord"], ["Place", "Event", "Case", "Grid", "Department"]]


def test_one_writer_keeps_the_order_given() -> None:
    assert write_plan(graph_model(), NODES, RELATIONS, 1) == [[list(NODES)], [list(RELATIONS)]]
    assert waves({}, {}, 2) == [] and waves({}, {}, 1) == []


def test_a_batch_that_would_only_lengthen_a_wave_waits_for_the_next() -> None:
    sizes = {"LIVES_AT": 9, "INVOLVED_IN": 8, "HANDLED_BY": 5}
    labels = {
        "LIVES_AT": {"Person", "Place"},
        "INVOLVED_IN": {"Person", "Event"},
        "HANDLED_BY": {"Event", "Department"},
    }
    assert waves(sizes, labels, 2) == [[["LIVES_AT"], ["HANDLED_BY"]], [["INVOLVED_IN"]]]


def _frame(pairs: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(pairs, columns=["start", "end"])


def test_rows_with_one_row_per_start_are_cut_into_slices_sharing_no_node() -> None:
    occurred = _frame([(f"E{i}", f"R{i % 7}") for i in range(100)])  # 100 events in 7 rooms
    slices = disjoint_slices(occurred, 2)
    assert len(slices) == 2 and sum(len(part) for part in slices) == 100
    first, second = ({*part["start"], *part["end"]} for part in slices)
    assert not first & second
    assert pd.concat(slices).sort_index().equals(occurred)


@pytest.mark.parametrize(
    "pairs",
    [
        [(f"P{i % 10}", f"E{i}") for i in range(100)],  # a person in several events
        [(f"U{i}", f"B{i % 5}") for i in range(50)] + [(f"B{i}", "estate") for i in range(5)],  # a tree
    ],
)
def test_rows_that_share_a_start_or_chain_stay_whole(pairs: list[tuple[str, str]]) -> None:
    rows = _frame(pairs)
    assert [len(part) for part in disjoint_slices(rows, 2)] == [len(rows)]


def test_one_writer_or_a_handful_of_rows_stay_whole() -> None:
    rows = _frame([("E1", "R1"), ("E2", "R2"), ("E3", "R3")])
    assert len(disjoint_slices(rows, 1)) == 1 and len(disjoint_slices(rows[:2], 2)) == 1
