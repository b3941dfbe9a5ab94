"""A fresh PostgreSQL cluster from the Debian packages, trust auth and durability off (test data)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from functools import partial
from pathlib import Path

from proving.servers.processes import (
    RunningServer,
    ServerUnavailable,
    await_ready,
    free_port,
    launch,
    run_step,
    server_folder,
)

POSTGRES_USER = "postgres"  # the system user the Debian package creates


def start_postgres(workdir: Path | None = None, *, timeout: float = 60.0) -> RunningServer:
    """Start a fresh PostgreSQL cluster (trust auth, durability off) and return its SQLAlchemy URL."""
    began = time.monotonic()
    binaries = postgres_binaries()
    user = POSTGRES_USER if os.geteuid() == 0 else None  # PostgreSQL refuses to run as root
    folder, temporary = server_folder("postgres", workdir, user)
    data, log, port = folder / "data", folder / "postgres.log", free_port()
    initdb = [
        str(binaries / "initdb"),
        "-D",
        str(data),
        "-U",
        "postgres",
        "--auth=trust",
        "-E",
        "UTF8",
        "--locale=C.UTF-8",
        "--no-sync",
    ]
    run_step(initdb, "PostgreSQL initdb", user=user, timeout=120)
    prepared = time.monotonic()
    command = [
        str(binaries / "postgres"),
        "-D",
        str(data),
        "-p",
        str(port),
        "-k",
        str(folder),
        "-c",
        "listen_addresses=127.0.0.1",
        # test data is disposable: skip the disk flushes that make small commits slow
        "-c",
        "fsync=off",
        "-c",
        "synchronous_commit=off",
        "-c",
        "full_page_writes=off",
    ]
    # SIGINT is PostgreSQL's "fast" shutdown: it does not wait for clients a test left connected
    server = launch("postgres", command, log, folder, user=user, stop_signal=signal.SIGINT)
    server.url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    server.remove_workdir = temporary
    server.timings["prepare"] = prepared - began
    await_ready(server, partial(_postgres_answers, port), timeout)
    return server


def postgres_binaries() -> Path:
    """Return the newest /usr/lib/postgresql/<major>/bin, installing the Debian package if missing."""
    found = _postgres_bin_dirs()
    if not found:
        install_postgres()
        found = _postgres_bin_dirs()
    if not found:
        raise ServerUnavailable("PostgreSQL server binaries not found under /usr/lib/postgresql")
    return found[-1]


def install_postgres() -> None:
    """Install the Debian `postgresql` package (root only); refresh the package lists only if needed."""
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise ServerUnavailable(
            "PostgreSQL server binaries not found under /usr/lib/postgresql: install "
            "the Debian package `postgresql` (.ci/install-servers.sh does)"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if not _apt_has_candidate("postgresql"):
        run_step(["apt-get", "update", "-qq"], "apt-get update", env=env, timeout=600)
    run_step(
        ["apt-get", "install", "-y", "-qq", "postgresql"], "apt-get install postgresql", env=env, timeout=900
    )


def _postgres_bin_dirs() -> list[Path]:
    found = [path.parent for path in Path("/usr/lib/postgresql").glob("*/bin/postgres")]
    return sorted(found, key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0)


def _apt_has_candidate(package: str) -> bool:
    policy = subprocess.run(["apt-cache", "policy", package], capture_output=True, text=True)
    match = re.search(r"Candidate:\s*(\S+)", policy.stdout)
    return match is not None and match.group(1) != "(none)"


def _postgres_answers(port: int) -> bool:
    import psycopg

    try:
        with psycopg.connect(
            host="127.0.0.1", port=port, user="postgres", dbname="postgres", connect_timeout=2
        ) as connection:
            connection.execute("select 1")
        return True
    except psycopg.OperationalError:
        return False
