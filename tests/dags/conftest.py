"""Airflow for the DAG tests: a home and a SQLite metadata database of its own, in a temporary folder.

Airflow reads its configuration once, when it is first imported, so the environment is set here,
before any test module imports it; the metadata database is created once per session from
Airflow's models (what `airflow db migrate` does on an empty database, without starting the CLI).
"""

from __future__ import annotations

import atexit
import os
import secrets
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

DAGS_FOLDER = Path(__file__).resolve().parents[2] / "dags"
AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="cityhub-airflow-"))
# Removed at exit rather than by a fixture: Airflow writes into its home until the process ends,
# and a handler registered before Airflow is imported runs after Airflow's own.
atexit.register(shutil.rmtree, AIRFLOW_HOME, ignore_errors=True)

_CONFIGURED_ELSEWHERE = "airflow" in sys.modules
os.environ.update(
    {
        "AIRFLOW_HOME": str(AIRFLOW_HOME),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{AIRFLOW_HOME / 'airflow.db'}",
        # The task execution API signs its tokens with this; the CLI would write one into airflow.cfg.
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
    }
)


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """Return the Airflow home after creating its metadata database."""
    if _CONFIGURED_ELSEWHERE:
        pytest.fail("airflow was imported before tests/dags/conftest.py could point it at a test home")
    from airflow.utils.db import initdb

    initdb()
    return AIRFLOW_HOME


@pytest.fixture(scope="session")
def dagbag() -> Any:
    """Return the DAGs of `dags/` as Airflow's DAG processor parses them (source definitions: the
    ones shipped in connectors/sources)."""
    from airflow.dag_processing.dagbag import DagBag

    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("CITYHUB_SOURCES_DIR", raising=False)
        return DagBag(dag_folder=DAGS_FOLDER)


def run_dag(dag: Any, expect: str = "success", conf: dict[str, Any] | None = None) -> Any:
    """Return the DagRun of one `dag.test()` run, failing the test unless it ends in `expect`.

    The run uses a copy of the DAG without retries, so a failing task fails the test at once
    instead of waiting out its retry delay. `conf` sets the run's parameters.
    """
    import copy

    from proving.airflow_ui import task_logs_written

    trial = copy.deepcopy(dag)
    for task in trial.tasks:
        task.retries = 0
    with task_logs_written(AIRFLOW_HOME):  # as a worker would, so Airflow's UI can show them
        run = trial.test(run_conf=conf)
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert run.state == expect, f"{dag.dag_id} ended {run.state}: {states}"
    return run


@pytest.fixture(scope="session")
def dag_runner(airflow_db: Path) -> Any:
    """Return `run_dag`, once Airflow's metadata database exists."""
    return run_dag
