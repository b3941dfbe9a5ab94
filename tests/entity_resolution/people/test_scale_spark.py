"""The same stages on PySpark in local mode (a session of its own, one core) give the pandas clusters."""

from __future__ import annotations

from pathlib import Path

import pytest

from entity_resolution.people import resolve_people
from entity_resolution.people.resolve import ResolveOptions
from entity_resolution.people.scale import ScaleOptions, resolve_at_scale
from entity_resolution.people.scale.engines import EngineSettings
from entity_resolution.people.scale.features import iter_rows
from tests.entity_resolution.people.test_scale import Town, crowded_town

pytestmark = pytest.mark.spark


def test_spark_local_mode_resolves_as_pandas_does(make_town: Town, tmp_path: Path) -> None:
    pytest.importorskip("pyspark", reason="the spark extra is not installed")
    mentions = crowded_town(make_town, n=120)
    options = ResolveOptions(at="2026-12-01")
    expected = resolve_people(mentions, options=options)
    settings = EngineSettings(master="local[1]", partitions=1)
    got = resolve_at_scale(iter_rows(mentions, 100), tmp_path, "spark", ScaleOptions(options, settings))
    merged = expected.assignments.merge(got.assignments, on="record_id", suffixes=("", "_spark"))
    assert len(merged) == len(mentions) == got.counts["mentions"]
    assert got.counts["refused"] > 0
    assert (merged["person_id"] == merged["person_id_spark"]).all()
