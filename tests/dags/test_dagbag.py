"""Every DAG file parses the way Airflow's DAG processor parses it: no import errors, no cycles,
the expected DAGs and tasks, one ingest DAG per source definition, and no heavy work at parse time."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from cityhub import orchestration
from connectors.spec import builtin_sources_dir

DAGS_FOLDER = Path(__file__).resolve().parents[2] / "dags"

SOURCES = {"grid": "*/15 * * * *", "hotline": "*/15 * * * *", "police": "@hourly", "petitions": "@daily"}
FUSION_TASKS = ["standardise", "quality", "resolve", "project_graph", "project_search"]
OTHER_DAGS = {
    "cityhub_fusion": FUSION_TASKS,
    "cityhub_quality_report": ["build_data_docs", "summarise_quality"],
    "cityhub_full_rebuild": ["full_rebuild", "people_engine_chosen", "people_on_engine"],
    "cityhub_alerts": ["check_alerts", "deliver_alerts"],
    "cityhub_reconcile": ["reconcile", "project_graph", "project_search"],
}


def test_every_dag_file_imports_without_errors(dagbag):
    assert dagbag.import_errors == {}
    assert {Path(dag.fileloc).name for dag in dagbag.dags.values()} == {
        p.name for p in DAGS_FOLDER.glob("*.py")
    }


def test_the_dags_are_one_ingest_per_source_plus_fusion_report_and_rebuild(dagbag):
    assert set(dagbag.dag_ids) == {f"cityhub_ingest_{s}" for s in SOURCES} | set(OTHER_DAGS)


@pytest.mark.parametrize("dag_id", sorted(OTHER_DAGS))
def test_each_dag_has_the_expected_tasks(dagbag, dag_id):
    assert sorted(dagbag.dags[dag_id].task_ids) == sorted(OTHER_DAGS[dag_id])


def test_no_dag_has_a_cycle(dagbag):
    for dag in dagbag.dags.values():
        dag.check_cycle()  # raises on a cycle


def test_every_dag_has_an_owner_tags_limits_and_every_task_retries_and_a_timeout(dagbag):
    for dag in dagbag.dags.values():
        assert dag.owner == "cityhub" and "cityhub" in dag.tags, dag.dag_id
        assert dag.max_active_runs == 1 and dag.catchup is False, dag.dag_id
        assert "retries" in dag.default_args, dag.dag_id  # set deliberately, not Airflow's default
        for task in dag.tasks:
            assert task.execution_timeout is not None, f"{dag.dag_id}.{task.task_id}"


@pytest.mark.parametrize(("source", "schedule"), sorted(SOURCES.items()))
def test_each_source_has_an_ingest_dag_that_updates_its_asset(dagbag, source, schedule):
    dag = dagbag.dags[f"cityhub_ingest_{source}"]
    assert dag.task_ids == ["ingest"]
    assert dag.schedule == schedule
    assert [asset.uri for asset in dag.get_task("ingest").outlets] == [
        f"cityhub://warehouse/records/{source}"
    ]


def test_fusion_runs_its_steps_in_order_when_any_source_was_ingested(dagbag):
    dag = dagbag.dags["cityhub_fusion"]
    for before, after in zip(FUSION_TASKS, FUSION_TASKS[1:], strict=False):
        assert dag.get_task(after).upstream_task_ids == {before}
    assert type(dag.schedule).__name__ == "AssetAny"
    assert {asset.uri for asset in dag.schedule.objects} == {
        f"cityhub://warehouse/records/{s}" for s in SOURCES
    }


def test_a_new_source_file_gets_its_own_ingest_dag_and_feeds_fusion(tmp_path, monkeypatch):
    from airflow.dag_processing.dagbag import DagBag

    for path in builtin_sources_dir().glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    district = yaml.safe_load((builtin_sources_dir() / "hotline.yaml").read_text("utf-8"))
    district.update(source="hotline_district", department="区12345分中心")
    (tmp_path / "hotline_district.yaml").write_text(yaml.safe_dump(district, allow_unicode=True), "utf-8")
    monkeypatch.setenv("CITYHUB_SOURCES_DIR", str(tmp_path))

    bag = DagBag(dag_folder=DAGS_FOLDER)

    assert bag.import_errors == {}
    assert set(bag.dag_ids) - {f"cityhub_ingest_{s}" for s in SOURCES} - set(OTHER_DAGS) == {
        "cityhub_ingest_hotline_district"
    }
    new = bag.dags["cityhub_ingest_hotline_district"]
    assert new.schedule == "*/15 * * * *"
    assert "cityhub://warehouse/records/hotline_district" in {
        asset.uri for asset in bag.dags["cityhub_fusion"].schedule.objects
    }


def test_a_broken_source_file_shows_as_an_import_error_naming_it(tmp_path, monkeypatch):
    from airflow.dag_processing.dagbag import DagBag

    (tmp_path / "broken.yaml").write_text("source: broken\nstreams: not-a-list\n", "utf-8")
    monkeypatch.setenv("CITYHUB_SOURCES_DIR", str(tmp_path))

    bag = DagBag(dag_folder=DAGS_FOLDER)

    assert any("broken.yaml" in error for error in bag.import_errors.values()), bag.import_errors


def test_parsing_the_dag_files_loads_no_pipeline_warehouse_or_quality_code():
    """The scheduler parses these files every few seconds: no pandas, no GX, no stores."""
    script = (
        "import sys\n"
        "from airflow.dag_processing.dagbag import DagBag\n"
        f"bag = DagBag(dag_folder={str(DAGS_FOLDER)!r})\n"
        "assert bag.dag_ids and not bag.import_errors, bag.import_errors\n"
        "heavy = ('pandas', 'great_expectations', 'cityhub.pipeline', 'cityhub.warehouse', 'quality',\n"
        "         'entity_resolution', 'neo4j', 'elasticsearch', 'connectors.http_api')\n"
        "loaded = sorted(m for m in sys.modules if any(m == h or m.startswith(h + '.') for h in heavy))\n"
        "print('LOADED:', *loaded)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=os.environ, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    (loaded,) = [line for line in done.stdout.splitlines() if line.startswith("LOADED:")]
    assert loaded == "LOADED:"


def test_alerts_follow_every_change_of_the_resolved_tables_and_the_clock(dagbag):
    """An increment leaves the alerts to this DAG: it must run when `resolve` updates its Asset."""
    schedule = dagbag.dags["cityhub_alerts"].timetable
    assert type(schedule).__name__ == "AssetOrTimeSchedule"
    assert {asset.uri for asset in schedule.asset_condition.objects} == {orchestration.RESOLVED_ASSET}
    assert schedule.timetable.expression == orchestration.ALERTS_SCHEDULE
