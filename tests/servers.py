"""Start real servers for the tests: PostgreSQL from the Debian binaries, in a temp folder.

When a server cannot be had, the fixture skips with the reason, unless CITYHUB_REQUIRE_SERVERS=1
(CI sets it), which turns the skip into a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


class ServerUnavailable(RuntimeError):
    """A server's binaries are missing or it did not start."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _postgres_bin() -> Path:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if not versions:
        raise ServerUnavailable("PostgreSQL server binaries not found (apt-get install postgresql)")
    return versions[-1].parent


def _as_postgres_user(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run it as the `postgres` system user then."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextmanager
def running_postgres(folder: Path) -> Iterator[str]:
    """Yield a SQLAlchemy URL of a fresh PostgreSQL server; stop it afterwards."""
    binaries = _postgres_bin()
    folder.mkdir(parents=True, exist_ok=True)
    data, port = folder / "data", free_port()
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    run = lambda *args: subprocess.run(_as_postgres_user(list(args)), check=True,  # noqa: E731
                                       capture_output=True, text=True, timeout=120)
    try:
        run(str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        run(str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start")
    except subprocess.CalledProcessError as error:
        raise ServerUnavailable(f"PostgreSQL did not start: {error.stderr.strip()[:300]}") from error
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        run(str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def unavailable(reason: str) -> None:
    """Skip, or fail when the environment requires real servers."""
    if os.environ.get("CITYHUB_REQUIRE_SERVERS") == "1":
        pytest.fail(f"required server unavailable: {reason}")
    pytest.skip(reason)
