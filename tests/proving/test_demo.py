"""`cityhub demo` runs the DAGs of `dags/` through Airflow, with Airflow's home and metadata
database under the demo home, and ends with the read API answering the example requests (the run is
the `demo_run` fixture in conftest.py)."""

from __future__ import annotations

import sqlite3

import pytest

INGEST_DAGS = [f"cityhub_ingest_{source}" for source in ("grid", "hotline", "petitions", "police")]


@pytest.mark.slow
def test_the_demo_runs_every_ingest_dag_twice_then_fusion_in_its_own_airflow(demo_run):
    home, _ = demo_run
    with sqlite3.connect(home / "airflow" / "airflow.db") as airflow:
        runs = airflow.execute("SELECT dag_id, state, count(*) FROM dag_run GROUP BY 1, 2").fetchall()
        assets = dict(
            airflow.execute(
                "SELECT a.uri, count(*) FROM asset_event e JOIN asset a ON a.id = e.asset_id GROUP BY a.uri"
            ).fetchall()
        )
    expected = [(dag, "success", 2) for dag in INGEST_DAGS] + [("cityhub_fusion", "success", 1)]
    assert sorted(runs) == sorted(expected)
    # Each ingest run that loaded something updated its source's Asset; fusion updated what it wrote.
    assert assets["cityhub://warehouse/records/hotline"] == 2
    assert assets["cityhub://warehouse/resolved"] == assets["cityhub://search/entities"] == 1


@pytest.mark.slow
def test_the_demo_resolves_the_city_and_the_api_answers_every_example(demo_run):
    home, done = demo_run
    with sqlite3.connect(home / "warehouse.sqlite") as warehouse:
        (people,) = warehouse.execute("SELECT count(*) FROM resolved_people").fetchone()
        (events,) = warehouse.execute("SELECT count(*) FROM resolved_events").fetchone()
        (live,) = warehouse.execute("SELECT count(*) FROM event_records WHERE NOT deleted").fetchone()
    assert people > 0 and events == live > 0
    lines = done.stderr.splitlines()
    # every example request is printed with its answer; the sign-in line is shown for users to paste
    examples = [i for i, line in enumerate(lines) if line.startswith("$ curl") and "/auth/login" not in line]
    answers = [lines[i + 1] for i in examples]
    assert len(answers) >= 5 and all(answer.startswith("200 ") for answer in answers), answers
    assert "cityhub_fusion: success" in done.stderr
    assert "Asset-scheduled in production" in done.stderr
