"""Airflow's own web UI over a hub home's Airflow: the DAGs, their runs, task logs and Assets.

The demo runs its DAGs in process (`dag.test()`), which records runs, task instances and Asset
events in the metadata database but writes no task log files: a scheduler's workers do that. So
while a demo DAG runs, the hub's loggers also write each task's lines where Airflow's UI reads
them (`<airflow home>/logs/dag_id=…/run_id=…/task_id=…/attempt=N.log`, one JSON object per line).
The UI is Airflow's API server started on that home, bound to this machine only.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from ontology.errors import CityhubError

#: The DAG files the demo's Airflow parses: the project's own.
DAGS_FOLDER = Path(__file__).resolve().parents[1] / "dags"
#: The packages whose log lines a task log keeps.
TASK_LOGGERS = ("cityhub", "connectors", "quality", "entity_resolution", "graph", "search")
_STARTUP_SECONDS = 90.0


def airflow_home(home: Path) -> Path:
    """Return the Airflow home (metadata database, task logs) kept under a hub home."""
    return (home / "airflow").resolve()


def task_log_path(logs: Path, ti: Any) -> Path:
    """Return where Airflow's default log template puts the log of a task instance's attempt."""
    folder = logs / f"dag_id={ti.dag_id}" / f"run_id={ti.run_id}" / f"task_id={ti.task_id}"
    if getattr(ti, "map_index", -1) >= 0:
        folder = folder / f"map_index={ti.map_index}"
    return folder / f"attempt={ti.try_number}.log"


class TaskLogFiles(logging.Handler):
    """Write each log record to the log file of the task instance running it, as Airflow's UI reads it."""

    def __init__(self, logs: Path) -> None:
        super().__init__(logging.INFO)
        self.logs = logs

    def emit(self, record: logging.LogRecord) -> None:
        """Append the record as one JSON line to the running task's log; drop it outside a task."""
        from airflow.sdk import get_current_context

        try:
            ti = get_current_context()["ti"]
        except Exception:  # noqa: BLE001 - no task is running: nothing to attach the line to
            return
        line = {
            "timestamp": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        path = task_log_path(self.logs, ti)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as log:
            log.write(json.dumps(line, ensure_ascii=False) + "\n")


@contextmanager
def task_logs_written(airflow_home: Path) -> Iterator[None]:
    """Within the block, the hub's INFO lines go to the running task's log file, not the terminal."""
    handler = TaskLogFiles(airflow_home / "logs")
    loggers = [logging.getLogger(name) for name in TASK_LOGGERS]
    saved = [(logger.level, logger.propagate) for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    try:
        yield
    finally:
        for logger, (level, propagate) in zip(loggers, saved, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)
            logger.propagate = propagate


def ui_environment(airflow_home: Path) -> dict[str, str]:
    """Return the environment of an API server over `airflow_home`: its database, DAGs and logs.

    Every visitor is an admin (Airflow's simple auth manager, no sign-in): the server listens on
    127.0.0.1 only and shows a demo's pipelines, not a deployment's.
    """
    return {
        **os.environ,
        "AIRFLOW_HOME": str(airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{airflow_home / 'airflow.db'}",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(airflow_home / "logs"),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
    }


def start_airflow_ui(airflow_home: Path, port: int) -> subprocess.Popen[bytes]:
    """Start Airflow's API server (with its web UI) over `airflow_home` on 127.0.0.1:`port`, and
    return it once it answers; raise CityhubError if it does not start."""
    if not (airflow_home / "airflow.db").exists():
        raise CityhubError(f"no Airflow metadata database in {airflow_home}: run `cityhub demo` first")
    airflow = Path(sys.executable).with_name("airflow")
    output = airflow_home / "api-server.log"
    with output.open("ab") as log:
        server = subprocess.Popen(
            [str(airflow), "api-server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
            env=ui_environment(airflow_home),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + _STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise CityhubError(
                f"Airflow's API server stopped at start (exit {server.returncode}); see {output}"
            )
        if _answers(port):
            return server
        time.sleep(0.5)
    server.terminate()
    raise CityhubError(f"Airflow's API server did not answer on port {port} within {_STARTUP_SECONDS:.0f} s")


def _answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/api/v2/monitor/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def stop(server: subprocess.Popen[bytes]) -> None:
    """Stop an API server started by `start_airflow_ui` (and its workers)."""
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
