"""The DAGs run end to end with `dag.test()` on the embedded default (SQLite warehouse, lake in a
temporary home) against the running department systems of the small city: each ingest DAG loads
its source, updates its Asset, a re-run is harmless, the quality report counts what came in,
and fusion resolves what was ingested."""

from __future__ import annotations

import datetime as dt
import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pandas as pd
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from cityhub.config import get_settings
from cityhub.warehouse import Warehouse
from simulators.services.faults import FaultPlan
from simulators.services.runner import DepartmentSystems, history_end
from tests.simulators.services.helpers import expected_at

#: source -> (the channel table of the city that holds its events, the channel's record id column)
EVENT_CHANNELS = {
    "hotline": ("hotline", "ticket_id"),
    "grid": ("grid", "event_no"),
    "police": ("police_incidents", "jjdbh"),
    "petitions": ("petitions", "信访件编号"),
}
RESOLVED_TABLES = (
    "people",
    "person_mentions",
    "places",
    "grids",
    "events",
    "event_people",
    "cases",
    "id_changes",
)
FUSION_TASKS = ("standardise", "quality", "resolve", "project_graph", "project_search")


@dataclass
class IngestedCity:
    """The warehouse after every ingest DAG ran once at the day before the end of the city's
    history, and once more after the systems advanced to its end."""

    city: Path
    home: Path
    systems: DepartmentSystems
    warehouse: Warehouse
    first: dict[str, Any]  # DagRun per source
    increment: dict[str, Any]  # DagRun per source
    counts_after_first: dict[str, int]


def counts(warehouse: Warehouse) -> dict[str, int]:
    return {
        t: warehouse.count(t)
        for t in ("EventRecord", "PersonMention", "PlaceMention", "quarantine", "batches")
    }


@pytest.fixture(scope="module")
def ingested(small_city, tmp_path_factory, dagbag, dag_runner) -> Iterator[IngestedCity]:
    home = tmp_path_factory.mktemp("cityhub-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CITYHUB_HOME", str(home))
        for name in ("CITYHUB_WAREHOUSE_URL", "CITYHUB_LAKE_DIR", "CITYHUB_SOURCES_DIR"):
            patch.delenv(name, raising=False)
        get_settings.cache_clear()
        clock = history_end(small_city) - dt.timedelta(days=1)
        # Each petitions file comes with one broken line, for the quality report to count.
        faults = {"petitions": FaultPlan(malformed_file_rows=1)}
        with DepartmentSystems(small_city, home / "systems", clock=clock, faults=faults) as systems:
            for name, value in systems.environment().items():
                patch.setenv(name, value)
            warehouse = Warehouse(get_settings().resolved_warehouse_url())
            first = {s: dag_runner(dagbag.dags[f"cityhub_ingest_{s}"]) for s in EVENT_CHANNELS}
            after_first = counts(warehouse)
            systems.advance(history_end(small_city))
            increment = {s: dag_runner(dagbag.dags[f"cityhub_ingest_{s}"]) for s in EVENT_CHANNELS}
            yield IngestedCity(small_city, home, systems, warehouse, first, increment, after_first)
        get_settings.cache_clear()


def malformed_records(city: Path) -> set[tuple[str, str]]:
    truth = pq.read_table(city / "truth/records.parquet").to_pandas()
    return set(map(tuple, truth[truth["malformed"]][["source", "record_id"]].to_numpy()))


@pytest.mark.parametrize("source", sorted(EVENT_CHANNELS))
def test_each_ingest_dag_loads_exactly_what_its_source_holds(ingested, source):
    events = ingested.warehouse.read_table("EventRecord")
    stored = events[events["source"] == source].set_index("record_id")
    channel, id_column = EVENT_CHANNELS[source]
    expected = expected_at(ingested.city, channel, id_column, ingested.systems.clock)
    broken = malformed_records(ingested.city)
    wanted = sorted(r for r in expected.index if (source, r) not in broken)
    assert wanted and not stored.index.duplicated().any()
    assert set(wanted) <= set(stored.index) <= set(expected.index)
    assert (
        pd.to_datetime(stored.loc[wanted, "updated_at"]) == pd.to_datetime(expected.loc[wanted, "updated_at"])
    ).all()


def test_the_increment_runs_load_the_next_day(ingested):
    assert {s: run.state for s, run in ingested.increment.items()} == dict.fromkeys(EVENT_CHANNELS, "success")
    assert counts(ingested.warehouse)["EventRecord"] > ingested.counts_after_first["EventRecord"]
    assert counts(ingested.warehouse)["batches"] > ingested.counts_after_first["batches"]


def asset_events(uri: str) -> list[tuple[str | None, dict[str, Any]]]:
    """Return (producing DAG, extra) of every event of the Asset, oldest first."""
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session

    with create_session() as session:
        rows = session.execute(
            sa.select(AssetEvent.source_dag_id, AssetEvent.extra)
            .join(AssetModel, AssetEvent.asset_id == AssetModel.id)
            .where(AssetModel.uri == uri)
            .order_by(AssetEvent.id)
        ).all()
    return [(dag_id, extra) for dag_id, extra in rows]


@pytest.mark.parametrize("source", sorted(EVENT_CHANNELS))
def test_each_ingest_run_updates_its_sources_asset(ingested, source):
    events = asset_events(f"cityhub://warehouse/records/{source}")
    runs = (ingested.first[source], ingested.increment[source])
    # every run that loaded a batch, and only those (a day may bring a source nothing: then it skips)
    loaded = [run for run in runs if run.get_task_instance("ingest").state == "success"]
    assert ingested.first[source].get_task_instance("ingest").state == "success"
    assert len(events) == len(loaded)
    assert {dag_id for dag_id, _ in events} == {f"cityhub_ingest_{source}"}
    assert all(extra["accepted"] > 0 and extra["batches"] for _, extra in events), events


def test_running_ingest_dags_again_with_nothing_new_changes_nothing(ingested, dagbag, dag_runner):
    before = counts(ingested.warehouse)
    marks = ingested.warehouse.read_table("watermarks")
    events = asset_events("cityhub://warehouse/records/petitions")

    hotline = dag_runner(dagbag.dags["cityhub_ingest_hotline"])  # re-reads its look-back window
    petitions = dag_runner(dagbag.dags["cityhub_ingest_petitions"])  # no new file: nothing at all

    assert hotline.get_task_instance("ingest").state == "success"
    assert petitions.get_task_instance("ingest").state == "skipped"
    assert asset_events("cityhub://warehouse/records/petitions") == events  # fusion is not woken
    # The look-back re-read is logged as a batch of its own; the records are what they were.
    assert {t: n for t, n in counts(ingested.warehouse).items() if t != "batches"} == {
        t: n for t, n in before.items() if t != "batches"
    }
    pd.testing.assert_frame_equal(ingested.warehouse.read_table("watermarks"), marks)


def test_the_quality_report_counts_the_days_batches_and_builds_data_docs(ingested, dagbag, dag_runner):
    run = dag_runner(dagbag.dags["cityhub_quality_report"])

    totals = run.get_task_instance("summarise_quality").xcom_pull(task_ids="summarise_quality")
    batches = ingested.warehouse.read_table("batches")
    assert totals["batches"] == len(batches)
    assert totals["quarantined"] == ingested.warehouse.count("quarantine") > 0
    quality = ingested.home / "lake" / "quality"
    (report_file,) = (quality / "reports").glob("*.json")
    report = json.loads(report_file.read_text("utf-8"))
    assert set(report["streams"]) == set(batches["source"])
    assert sum(s["extracted"] for s in report["streams"].values()) == int(batches["extracted"].sum())
    # The city's clock stopped at the end of its history, days before the real now: every stream is stale.
    assert {w.split(":")[0] for w in report["warnings"] if "old, more than" in w} >= {
        "hotline",
        "grid",
        "police.incidents",
        "police.persons",
        "petitions",
    }
    (index,) = (quality / "docs").glob("*/index.html")
    html = index.read_text("utf-8")
    assert all(f"{source}.EventRecord" in html for source in EVENT_CHANNELS)


def test_fusion_resolves_what_the_ingests_loaded_and_makes_it_searchable(ingested, dagbag, dag_runner):
    from cityhub.pipeline.fusion import read_resolved
    from cityhub.projections import open_search_index

    run = dag_runner(dagbag.dags["cityhub_fusion"])

    assert {ti.task_id: ti.state for ti in run.get_task_instances()} == dict.fromkeys(FUSION_TASKS, "success")
    resolved = read_resolved(ingested.warehouse)
    assert set(resolved) == set(RESOLVED_TABLES)
    records = ingested.warehouse.read_table("EventRecord")
    live = records[~records["deleted"].astype(bool)]
    live_ids = {f"{source}:{record}" for source, record in live[["source", "record_id"]].to_numpy()}
    assert set(resolved["events"]["event_id"]) == live_ids
    people = resolved["people"]
    assert len(people) > 0
    assert set(resolved["person_mentions"]["person_id"]) <= set(people["person_id"])
    person = people.dropna(subset=["name"]).iloc[0]
    with open_search_index(get_settings()) as index:
        hits = index.search(person["name"], kinds=["person"], size=50).hits
    assert person["person_id"] in {hit.id for hit in hits}


def test_the_full_rebuild_can_resolve_the_people_on_duckdb_with_the_same_clusters(
    ingested, dagbag, dag_runner
):
    from cityhub.people_engine import engine_output
    from cityhub.pipeline.fusion import read_resolved
    from proving.case_people import plain_people
    from proving.scores import pairwise_scores

    run = dag_runner(dagbag.dags["cityhub_full_rebuild"], conf={"people_engine": "duckdb"})

    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states == dict.fromkeys(["full_rebuild", "people_engine_chosen", "people_on_engine"], "success")
    on_duckdb = pd.read_parquet(engine_output(get_settings(), "duckdb")).rename(
        columns={"person_id": "cluster"}
    )
    mentions = read_resolved(ingested.warehouse)["person_mentions"]
    in_warehouse = pd.DataFrame(
        {"record_id": mentions["source"] + ":" + mentions["mention_id"], "cluster": mentions["person_id"]}
    )
    assert set(on_duckdb["record_id"]) == set(in_warehouse["record_id"])
    # the engine resolves the people stage; the warehouse then merges the people of one case
    assert pairwise_scores(on_duckdb, in_warehouse).precision == 1.0
    snapshot = pd.read_parquet(get_settings().home / "fusion" / "snapshot" / "person_mentions.parquet")
    assert pairwise_scores(on_duckdb, plain_people(snapshot)).f1 == 1.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_airflows_own_ui_shows_the_dags_runs_task_logs_and_assets(ingested, airflow_db):
    from proving.airflow_ui import start_airflow_ui, stop

    port = free_port()
    server = start_airflow_ui(airflow_db, port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}/api/v2", timeout=30) as api:
            dags = {d["dag_id"] for d in api.get("/dags", params={"limit": 100}).json()["dags"]}
            runs = api.get("/dags/cityhub_ingest_hotline/dagRuns").json()["dag_runs"]
            run_id = runs[0]["dag_run_id"]
            log = api.get(
                f"/dags/cityhub_ingest_hotline/dagRuns/{quote(run_id, safe='')}/taskInstances/ingest/logs/1"
            )
            assets = {a["uri"] for a in api.get("/assets").json()["assets"]}
            page = httpx.get(f"http://127.0.0.1:{port}/", timeout=30)
    finally:
        stop(server)
    assert {f"cityhub_ingest_{source}" for source in EVENT_CHANNELS} | {"cityhub_fusion"} <= dags
    assert {run["state"] for run in runs} == {"success"} and len(runs) >= 2
    lines = [entry["event"] for entry in log.json()["content"]]
    assert any(line.startswith("hotline.tickets: extracted ") for line in lines), lines
    assert {f"cityhub://warehouse/records/{source}" for source in EVENT_CHANNELS} <= assets
    assert page.status_code == 200 and "<html" in page.text.lower()
