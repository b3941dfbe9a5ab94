"""Ingest from the running department systems: real HTTP, a real SQLite/PostgreSQL police
database, real GBK and XLSX files; compared with what the city holds."""

import datetime as dt

import pandas as pd
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from cityhub.lake import Lake
from cityhub.pipeline.ingest import ingest_source
from cityhub.warehouse import Warehouse
from connectors.spec import load_sources
from ontology.errors import SchemaDrift, SourceError
from simulators.services.faults import FaultPlan
from simulators.services.runner import DepartmentSystems, history_end
from tests.simulators.services.helpers import expected_at

CHANNELS = {
    "hotline": [("hotline", "ticket_id")],
    "grid": [("grid", "event_no")],
    "police": [("police_incidents", "jjdbh")],
    "petitions": [("petitions", "信访件编号")],
}


@pytest.fixture()
def stores(tmp_path):
    warehouse = Warehouse(f"sqlite:///{tmp_path}/warehouse.sqlite", quarantine_key=tmp_path / "q.key")
    warehouse.create_all()
    return warehouse, Lake(tmp_path / "lake")


def start(small_city, tmp_path, clock=None, faults=None):
    systems = DepartmentSystems(small_city, tmp_path / "systems", clock=clock, faults=faults)
    systems.__enter__()
    return systems


def ingest_all(systems, warehouse, lake, only=None):
    return [
        r
        for spec in load_sources().values()
        if only in (None, spec.source)
        for r in ingest_source(spec, warehouse, lake, variables=systems.environment())
    ]


def malformed_records(small_city) -> set[tuple[str, str]]:
    truth = pq.read_table(small_city / "truth/records.parquet").to_pandas()
    return set(map(tuple, truth[truth["malformed"]][["source", "record_id"]].to_numpy()))


def assert_warehouse_holds_the_city(warehouse, small_city, clock):
    events = warehouse.read_table("EventRecord")
    assert not events.duplicated(["source", "record_id"]).any()
    broken = malformed_records(small_city)
    for source, channels in CHANNELS.items():
        for channel, id_column in channels:
            expected = expected_at(small_city, channel, id_column, clock)
            stored = events[events["source"] == source].set_index("record_id")
            wanted = {r for r in expected.index if (source, r) not in broken}
            assert wanted <= set(stored.index), f"{source}: records missing"
            assert set(stored.index) <= set(expected.index), f"{source}: records the city lacks"
            stamps = pd.to_datetime(expected.loc[sorted(wanted), "updated_at"])
            assert (pd.to_datetime(stored.loc[sorted(wanted), "updated_at"]) == stamps).all(), source
            assert (
                stored.loc[sorted(wanted), "deleted"].astype(bool) == expected.loc[sorted(wanted), "deleted"]
            ).all()


def test_a_day_then_its_increment_yield_exactly_the_city(small_city, tmp_path, stores):
    warehouse, lake = stores
    clock = history_end(small_city) - dt.timedelta(days=1)
    systems = start(small_city, tmp_path, clock=clock)
    try:
        first = ingest_all(systems, warehouse, lake)
        assert all(r.extracted == r.accepted + r.quarantined for r in first)
        assert_warehouse_holds_the_city(warehouse, small_city, clock)
        systems.advance(clock + dt.timedelta(days=1))
        second = ingest_all(systems, warehouse, lake)
        assert 0 < sum(r.extracted for r in second) < sum(r.extracted for r in first)
        assert_warehouse_holds_the_city(warehouse, small_city, systems.clock)
    finally:
        systems.__exit__(None, None, None)
    mentions = warehouse.read_table("PersonMention")
    assert not mentions.duplicated(["source", "mention_id"]).any()
    truth = pq.read_table(small_city / "truth/mentions.parquet").to_pandas()
    assert set(mentions["mention_id"]) <= set(truth["mention_id"])
    quarantined = warehouse.read_table("quarantine")
    assert {("petitions", r) for r in quarantined["record_id"]} == malformed_records(small_city)
    assert warehouse.count("batches") == len([r for r in first + second if r.extracted])


def test_running_again_changes_nothing(small_city, tmp_path, stores):
    warehouse, lake = stores
    systems = start(small_city, tmp_path)
    try:
        ingest_all(systems, warehouse, lake)
        counts = {
            t: warehouse.count(t) for t in ("EventRecord", "PersonMention", "PlaceMention", "quarantine")
        }
        marks = {s: warehouse.watermark(s) for s in ("hotline", "grid", "police.incidents", "petitions")}
        again = ingest_all(systems, warehouse, lake)
    finally:
        systems.__exit__(None, None, None)
    assert {t: warehouse.count(t) for t in counts} == counts
    assert {s: warehouse.watermark(s) for s in marks} == marks
    assert sum(r.extracted for r in again if r.source == "petitions") == 0  # files are not re-read


def test_transient_faults_are_retried_and_nothing_is_lost_or_doubled(small_city, tmp_path, stores):
    warehouse, lake = stores
    hotline = FaultPlan(requests={1: "503", 2: "429", 3: "duplicate"}, retry_after_seconds=0.1)
    grid = FaultPlan(requests={1: "duplicate", 2: "503"})
    systems = start(small_city, tmp_path, faults={"hotline": hotline, "grid": grid})
    try:
        ingest_all(systems, warehouse, lake, "hotline")
        ingest_all(systems, warehouse, lake, "grid")
        clock = systems.clock
    finally:
        systems.__exit__(None, None, None)
    assert [f for _, f in hotline.fired] == ["503", "429", "duplicate"]
    assert [f for _, f in grid.fired] == ["duplicate", "503"]
    events = warehouse.read_table("EventRecord")
    for source, channel, id_column in (("hotline", "hotline", "ticket_id"), ("grid", "grid", "event_no")):
        stored = events[events["source"] == source]
        assert sorted(stored["record_id"]) == sorted(expected_at(small_city, channel, id_column, clock).index)


def test_a_failure_that_persists_fails_loudly_and_keeps_the_watermark(small_city, tmp_path, stores):
    warehouse, lake = stores
    systems = start(small_city, tmp_path, faults={"hotline": FaultPlan(every=1)})
    spec = load_sources()["hotline"]
    fetch = spec.streams[0].fetch.model_copy(update={"max_attempts": 3, "max_backoff_seconds": 0.2})
    spec = spec.model_copy(update={"streams": [spec.streams[0].model_copy(update={"fetch": fetch})]})
    try:
        with pytest.raises(SourceError, match="hotline: /api/v1/tickets still failing after 3 attempts"):
            ingest_source(spec, warehouse, lake, variables=systems.environment())
    finally:
        systems.__exit__(None, None, None)
    assert warehouse.watermark("hotline") is None
    assert lake.list_batches("hotline") == []


def test_malformed_records_go_to_quarantine_with_their_reason(small_city, tmp_path, stores):
    warehouse, lake = stores
    faults = {"grid": FaultPlan(requests={1: "malformed"}), "petitions": FaultPlan(malformed_file_rows=1)}
    systems = start(small_city, tmp_path, faults=faults)
    try:
        results = ingest_all(systems, warehouse, lake, "grid") + ingest_all(
            systems, warehouse, lake, "petitions"
        )
    finally:
        systems.__exit__(None, None, None)
    reasons = warehouse.read_table("quarantine")["reasons"]
    assert reasons.str.contains(r"grid SJ\d+: occurred_at", regex=True).sum() == 1
    assert reasons.str.contains(r"信访登记_\d{8}\.csv line \d+: 2 fields, expected 15", regex=True).any()
    for r in results:
        assert r.extracted == r.accepted + r.quarantined
    assert sum(r.quarantined for r in results) == warehouse.count("quarantine")


def test_a_renamed_column_stops_the_batch_and_names_it(small_city, tmp_path, stores):
    warehouse, lake = stores
    systems = start(small_city, tmp_path)
    try:
        with sa.create_engine(systems.police_url).begin() as connection:
            connection.execute(sa.text("ALTER TABLE jq_jjd RENAME COLUMN fadz TO fadd"))
        with pytest.raises(SchemaDrift, match="police.*fadz"):
            ingest_all(systems, warehouse, lake, "police")
    finally:
        systems.__exit__(None, None, None)
    assert warehouse.watermark("police.incidents") is None
    assert warehouse.count("EventRecord") == 0


@pytest.mark.servers
def test_the_warehouse_can_be_postgresql(small_city, tmp_path, postgres_url):
    warehouse = Warehouse(postgres_url)
    from cityhub.warehouse import metadata

    metadata.drop_all(warehouse.engine)
    warehouse.create_all()
    systems = start(small_city, tmp_path)
    try:
        ingest_all(systems, warehouse, Lake(tmp_path / "lake"))
        assert_warehouse_holds_the_city(warehouse, small_city, systems.clock)
    finally:
        systems.__exit__(None, None, None)
        metadata.drop_all(warehouse.engine)


def test_stale_sources_are_flagged_and_a_data_docs_site_is_built(small_city, tmp_path, stores):
    from cityhub.pipeline.run import build_quality_docs

    warehouse, lake = stores
    spec = load_sources()["hotline"]
    spec = spec.model_copy(update={"streams": [spec.streams[0].model_copy(update={"max_age_hours": 1.0})]})
    systems = start(small_city, tmp_path)
    try:
        results = ingest_source(spec, warehouse, lake, variables=systems.environment())
    finally:
        systems.__exit__(None, None, None)
    assert any("hotline" in w and "old" in w for w in results[0].warnings), results[0].warnings
    index = build_quality_docs(results, tmp_path / "docs")
    assert index is not None and index.name == "index.html"
    assert "hotline" in index.read_text("utf-8")


def test_a_stalled_answer_times_out_and_is_retried(small_city, tmp_path, stores):
    warehouse, lake = stores
    plan = FaultPlan(requests={1: "timeout"}, stall_seconds=2.0)
    spec = load_sources()["hotline"]
    fetch = spec.streams[0].fetch.model_copy(update={"timeout_seconds": 0.5})
    spec = spec.model_copy(update={"streams": [spec.streams[0].model_copy(update={"fetch": fetch})]})
    systems = start(small_city, tmp_path, faults={"hotline": plan})
    try:
        (result,) = ingest_source(spec, warehouse, lake, variables=systems.environment())
        clock = systems.clock
    finally:
        systems.__exit__(None, None, None)
    assert plan.fired == [(1, "timeout")]
    expected = expected_at(small_city, "hotline", "ticket_id", clock)
    assert result.extracted == len(expected) == warehouse.count("EventRecord")


def late_hotline_run(small_city, tmp_path, stores, lookback_hours: float) -> list[str]:
    """Return the tickets the warehouse holds older than the city after ingesting every 6 hours
    while one version in three arrives 3 hours late."""
    warehouse, lake = stores
    plan = FaultPlan(late_update_delay=dt.timedelta(hours=3), late_update_every=3)
    spec = load_sources()["hotline"]
    stream = spec.streams[0].model_copy(update={"lookback_seconds": int(lookback_hours * 3600)})
    spec = spec.model_copy(update={"streams": [stream]})
    clock = history_end(small_city) - dt.timedelta(days=6)
    systems = start(small_city, tmp_path, clock=clock, faults={"hotline": plan})
    try:
        while systems.clock < history_end(small_city):
            ingest_source(spec, warehouse, lake, variables=systems.environment())
            systems.advance(systems.clock + dt.timedelta(hours=6))
        ingest_source(spec, warehouse, lake, variables=systems.environment())
        final = systems.clock
    finally:
        systems.__exit__(None, None, None)
    stored = warehouse.read_table("EventRecord").set_index("record_id")
    expected = expected_at(small_city, "hotline", "ticket_id", final - dt.timedelta(hours=3))
    return [
        t
        for t in expected.index
        if pd.Timestamp(stored.at[t, "updated_at"]) < pd.Timestamp(expected.at[t, "updated_at"])
    ]


def test_late_updates_are_caught_by_the_look_back_window(small_city, tmp_path, stores):
    assert late_hotline_run(small_city, tmp_path, stores, lookback_hours=4) == []


def test_without_a_look_back_late_updates_would_be_missed(small_city, tmp_path, stores):
    assert late_hotline_run(small_city, tmp_path, stores, lookback_hours=0) != []
