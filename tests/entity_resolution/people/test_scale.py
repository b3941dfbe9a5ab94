"""The rebuild at city size gives the pandas path's clusters: DuckDB here, PySpark in local mode in
test_scale_spark.py. Both run the same SQL; these tests hold it to `resolve_people` exactly."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from entity_resolution.people import resolve_people
from entity_resolution.people.block import block_pairs
from entity_resolution.people.prepare import PrepareOptions
from entity_resolution.people.resolve import ResolveOptions
from entity_resolution.people.scale import ScaleOptions, resolve_at_scale
from entity_resolution.people.scale.batch import BatchScorer
from entity_resolution.people.scale.blocking import write_candidate_pairs
from entity_resolution.people.scale.clustering import component_parts
from entity_resolution.people.scale.engines import DuckDBEngine, EngineSettings
from entity_resolution.people.scale.features import iter_rows, write_features
from entity_resolution.people.scale.gather import _compared_columns, score_by_gathering
from entity_resolution.people.scale.run import train_on_sample
from entity_resolution.people.scale.sql import COMPARED_COLUMNS, offsets_sql, rule_query_sql
from entity_resolution.people.train import reference_model
from normalize.id_number import make_id_number
from proving.scores import pairwise_scores

Town = Callable[..., tuple[pd.DataFrame, pd.DataFrame]]
SHARED_LANDLINE = "023-65551234"
ROOM = "重庆市沙坪坝区聚龙城3栋2单元501"
# a father and son of one name and home, and a hotline call that could be either: one component
# holding two ID numbers, which clustering must rebuild pair by pair
NAMESAKES = pd.DataFrame(
    [
        (
            "case:father",
            "police",
            "王建国",
            make_id_number("500106", dt.date(1968, 2, 2), 315, "M"),
            "19680202",
        ),
        ("case:son", "police", "王建国", make_id_number("500106", dt.date(1995, 4, 4), 417, "M"), "19950404"),
        ("case:call", "hotline", "王建国", None, None),
    ],
    columns=["record_id", "source", "name", "id_number", "birth_date"],
).assign(phone="023-68881234", gender=None, address=ROOM)


def crowded_town(make_town: Town, n: int = 300) -> pd.DataFrame:
    """Return a town where 150 mentions give one shared landline: a block past every cap."""
    mentions, _ = make_town(n=n, seed=3)
    mentions = mentions.copy()
    mentions.loc[mentions.index[:150], "phone"] = SHARED_LANDLINE
    mentions.loc[mentions.index[150:200], "name"] = "张伟"  # a common name's block, capped at 20
    return pd.concat([mentions, NAMESAKES[mentions.columns]], ignore_index=True)


def same_clusters(expected: pd.DataFrame, got: pd.DataFrame) -> float:
    """Return the pairwise F1 of `got` against `expected` (both record_id, person_id)."""
    as_clusters = [
        t.rename(columns={"person_id": "cluster"})[["record_id", "cluster"]] for t in (got, expected)
    ]
    return pairwise_scores(as_clusters[0], as_clusters[1]).f1


def test_sql_blocking_gives_the_pandas_pairs_in_capped_blocks(make_town: Town, tmp_path: Path) -> None:
    mentions = crowded_town(make_town)
    options = ResolveOptions()
    write_features(iter_rows(mentions, 128), tmp_path / "f.parquet", options.rules, PrepareOptions())
    prepared = pd.read_parquet(tmp_path / "f.parquet")
    expected = block_pairs(prepared, options.rules, options.max_block).pairs
    engine = DuckDBEngine(EngineSettings(), tmp_path)
    engine.register_parquet("features", tmp_path / "f.parquet")
    # ranges of 70 left mentions: pairs whose mentions fall in different ranges are kept once
    folder = write_candidate_pairs(engine, options.rules, options.max_block, len(prepared), tmp_path, 70)
    engine.close()
    assert len(list(folder.glob("*.parquet"))) == -(-len(prepared) // 70)
    got = pd.read_parquet(folder)
    got = got.rename(columns={"left_row": "left", "right_row": "right"}).sort_values(["left", "right"])
    assert len(expected) > 1000
    pd.testing.assert_frame_equal(
        got.reset_index(drop=True), expected.reset_index(drop=True), check_dtype=False
    )


def test_sql_blocking_stays_linear_in_a_block_past_the_cap(make_town: Town, tmp_path: Path) -> None:
    # 1,500 mentions giving one mobile: the capped block yields about cap^2 / 2 pairs, and no step
    # of any rule's plan may join the block on its key alone (1,500^2 rows)
    mentions, _ = make_town(n=1500, seed=8)
    mentions = mentions.assign(phone="13800138000")
    options = ResolveOptions()
    write_features(iter_rows(mentions, 500), tmp_path / "f.parquet", options.rules, PrepareOptions())
    engine = DuckDBEngine(EngineSettings(), tmp_path)
    engine.register_parquet("features", tmp_path / "f.parquet")
    engine.register_query("offsets", offsets_sql(59))
    rows = []
    for index, rule in enumerate(options.rules):
        query = rule_query_sql(index, rule, min(options.max_block, rule.max_block or options.max_block))
        plan = engine.con.execute(f"EXPLAIN ANALYZE {query}").fetchall()[0][1]
        rows += [int(n.replace(",", "")) for n in re.findall(r"([\d,]+) rows", plan)]
    engine.close()
    assert len(rows) > 20 and max(rows) >= 1500  # the plans were read, and hold the block
    assert max(rows) < 200_000, f"an intermediate result of {max(rows):,} rows"


def test_duckdb_resolves_as_pandas_does(make_town: Town, tmp_path: Path) -> None:
    mentions = crowded_town(make_town)
    expected = resolve_people(mentions, options=ResolveOptions(at="2026-12-01"))
    got = resolve_at_scale(
        iter_rows(mentions, 100), tmp_path, "duckdb", ScaleOptions(ResolveOptions(at="2026-12-01"))
    )
    assert got.counts["mentions"] == len(mentions)
    assert got.counts["refused"] > 0  # some components were rebuilt pair by pair
    merged = expected.assignments.merge(got.assignments, on="record_id", suffixes=("", "_scale"))
    assert len(merged) == len(mentions)
    assert (merged["person_id"] == merged["person_id_scale"]).all()
    assert same_clusters(expected.assignments, got.assignments) == 1.0


def test_components_rebuilt_in_small_parts_give_the_same_people(make_town: Town, tmp_path: Path) -> None:
    mentions = crowded_town(make_town)
    expected = resolve_people(mentions, options=ResolveOptions(at="2026-12-01"))
    options = ScaleOptions(ResolveOptions(at="2026-12-01"), EngineSettings(cluster_part_mentions=3))
    got = resolve_at_scale(iter_rows(mentions, 100), tmp_path, "duckdb", options)
    assert got.counts["refused"] > 0
    merged = expected.assignments.merge(got.assignments, on="record_id", suffixes=("", "_scale"))
    assert (merged["person_id"] == merged["person_id_scale"]).all()


def test_component_parts_hold_whole_components_of_about_the_size() -> None:
    labels = np.array([0, 0, 2, 3, 0, 3, 6, 7, 7, 9, 7, 7], dtype=np.int64)
    rows = np.array([11, 0, 1, 3, 4, 5, 7, 8, 10], dtype=np.int64)
    parts = component_parts(labels, rows, 2)
    assert sorted(np.concatenate(parts).tolist()) == sorted(rows.tolist())
    assert [sorted(labels[p].tolist()) for p in parts] == [[0, 0, 0], [3, 3], [7, 7, 7, 7]]
    assert component_parts(labels, rows[:0], 2) == []
    assert len(component_parts(labels, rows, 100)) == 1


def test_a_model_fitted_on_a_sample_still_resolves_well(make_town: Town, tmp_path: Path) -> None:
    mentions, truth = make_town(n=600, seed=4)
    options = ScaleOptions(train_mentions=600)
    got = resolve_at_scale(iter_rows(mentions, 250), tmp_path, "duckdb", options)
    predicted = got.assignments.rename(columns={"person_id": "cluster"})
    assert pairwise_scores(predicted, truth).f1 > 0.95


def test_the_sample_is_the_whole_input_when_it_is_small(make_town: Town, tmp_path: Path) -> None:
    mentions, _ = make_town(n=100, seed=5)
    write_features(iter_rows(mentions, 64), tmp_path / "f.parquet", ResolveOptions().rules, PrepareOptions())
    model = train_on_sample(tmp_path / "f.parquet", ScaleOptions())
    reference = resolve_people(mentions).model
    pd.testing.assert_frame_equal(model.parameters, reference.parameters)


def test_a_record_id_twice_across_batches_is_refused(make_town: Town, tmp_path: Path) -> None:
    mentions, _ = make_town(n=50, seed=6)
    mentions = pd.concat([mentions, mentions.iloc[:1]], ignore_index=True)
    with pytest.raises(ValueError, match="appears more than once"):
        resolve_at_scale(iter_rows(mentions, len(mentions) - 1), tmp_path, "duckdb")


def test_gathering_refuses_features_not_numbered_by_row(make_town: Town, tmp_path: Path) -> None:
    # the gather by row number is the join only while mention i is row i
    mentions, _ = make_town(n=40, seed=9)
    write_features(iter_rows(mentions, 64), tmp_path / "f.parquet", ResolveOptions().rules, PrepareOptions())
    shuffled = pd.read_parquet(tmp_path / "f.parquet").iloc[::-1]
    shuffled.to_parquet(tmp_path / "shuffled.parquet", index=False)
    pd.DataFrame({"left_row": [0], "right_row": [1], "rules": [1]}).to_parquet(tmp_path / "pairs.parquet")
    scorer = BatchScorer(reference_model())
    with pytest.raises(ValueError, match="not numbered by their row"):
        score_by_gathering(
            tmp_path / "shuffled.parquet", tmp_path / "pairs.parquet", scorer, tmp_path / "s", 10
        )


def test_the_compared_columns_are_gathered_from_one_chunk_each(make_town: Town, tmp_path: Path) -> None:
    # written in batches of 16, the features file has many row groups: read whole, each column
    # would be in as many chunks, and every gather would concatenate them first
    mentions, _ = make_town(n=80, seed=10)
    write_features(iter_rows(mentions, 16), tmp_path / "f.parquet", ResolveOptions().rules, PrepareOptions())
    assert pq.ParquetFile(tmp_path / "f.parquet").metadata.num_row_groups > 1
    compared = _compared_columns(tmp_path / "f.parquet")
    assert {column.num_chunks for column in compared.columns} == {1}
    expected = pd.read_parquet(tmp_path / "f.parquet", columns=list(COMPARED_COLUMNS))
    pd.testing.assert_frame_equal(compared.to_pandas(), expected)
