"""Rows mapped part by part during the pull make the records the whole batch makes."""

from __future__ import annotations

import pandas as pd

from cityhub.pipeline.chunked import ChunkedMapping
from cityhub.pipeline.readers import open_reader
from connectors.mapping import map_stream, stream_frame
from connectors.spec import load_sources
from simulators.services.runner import DepartmentSystems


def _pulled(small_city, tmp_path, source: str) -> list[dict]:
    spec = load_sources()[source]
    with DepartmentSystems(small_city, tmp_path / "systems") as systems:
        reader = open_reader(source, spec.streams[0], systems.environment())
        try:
            return [row for page in reader.pages("") for row in page]
        finally:
            reader.close()


def _in_parts(source: str, rows: list[dict], part_rows: int, page: int = 20) -> ChunkedMapping:
    spec = load_sources()[source]
    mapping = ChunkedMapping(spec, spec.streams[0], part_rows)
    arrived: list[dict] = []
    for start in range(0, len(rows), page):
        arrived.extend(rows[start : start + page])
        mapping.offer(arrived)
    return mapping


def test_parts_make_the_records_the_whole_batch_makes(small_city, tmp_path) -> None:
    rows = _pulled(small_city, tmp_path, "grid")
    spec = load_sources()["grid"]
    stream = spec.streams[0]
    mapping = _in_parts("grid", rows, part_rows=80)
    joined = mapping.finish(rows, "batch-1")
    assert joined is not None and mapping.mapped == len(rows) > 240  # several parts
    frame, parts = joined
    whole_frame = stream_frame(rows, stream)
    whole = map_stream(spec, stream, whole_frame, "batch-1")
    pd.testing.assert_frame_equal(frame, whole_frame)
    pd.testing.assert_frame_equal(parts.events, whole.events)
    pd.testing.assert_frame_equal(parts.places, whole.places)
    # a raw row's mentions stay together and in order; only the maps' interleaving differs
    key = ["_raw_id", "mention_id"]
    pd.testing.assert_frame_equal(
        parts.persons.sort_values(key, ignore_index=True), whole.persons.sort_values(key, ignore_index=True)
    )
    assert dict(parts.problems) == dict(whole.problems)


def test_a_part_that_cannot_be_mapped_leaves_the_batch_to_be_mapped_whole(small_city, tmp_path) -> None:
    rows = _pulled(small_city, tmp_path, "grid")[:240]
    broken = [dict(row) for row in rows]
    for row in broken[120:]:
        del row["eventNo"]  # the record ID column: stream_frame refuses such rows
    mapping = _in_parts("grid", broken, part_rows=80)
    assert mapping.finish(broken, "batch-1") is None
    assert mapping.failed
