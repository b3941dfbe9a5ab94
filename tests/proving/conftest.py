"""One demo run (`cityhub demo` in a child process, as `make demo` runs it) shared by the demo and
freshness tests: Airflow reads its configuration once, at import, and this test process may already
have imported it for the DAG tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from simulators.services.runner import free_port

REPOSITORY = Path(__file__).resolve().parents[2]
DEMO_PEOPLE = 300


def child_environment() -> dict[str, str]:
    """This environment without Airflow's or cityhub's settings, so the child builds its own."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "CITYHUB_"))}


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    home = tmp_path_factory.mktemp("demo")
    command = [
        sys.executable,
        "-m",
        "cityhub.cli",
        "demo",
        "--home",
        str(home),
        "--people",
        str(DEMO_PEOPLE),
        "--port",
        str(free_port()),
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=900, env=child_environment(), cwd=REPOSITORY
    )
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-3000:]
    return home, done


@pytest.fixture(scope="session")
def demo_home_copy(demo_run, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the finished demo's home (no process holds it open), for tests that change it."""
    home = tmp_path_factory.mktemp("demo-copy") / "home"
    shutil.copytree(demo_run[0], home)
    return home
