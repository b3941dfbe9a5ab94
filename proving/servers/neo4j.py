"""Embedded Neo4j Community served over Bolt, from the Maven-built launcher in docker/launchers/neo4j."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from proving.servers.processes import (
    FAST_START_JVM,
    RunningServer,
    ServerUnavailable,
    await_ready,
    file_lock,
    free_port,
    java_binary,
    launch,
    log_contains,
    port_open,
    run_step,
    server_folder,
)

REPO = Path(__file__).resolve().parents[2]
NEO4J_LAUNCHER = REPO / "docker" / "launchers" / "neo4j"
# A write transaction's state lives on the heap until commit, so with G1's small adaptive young
# generation a 10,000-row batch was promoted and copied: young GC took 25 s of a 60 s load. A young
# generation of half the heap lets it die young (GC fell to about 2 s a load).
NEO4J_GC = ["-XX:+UseParallelGC", "-XX:NewRatio=1"]


def start_neo4j(
    workdir: Path | None = None, *, heap: str = "1g", fast_start: bool = True, timeout: float = 180.0
) -> RunningServer:
    """Start embedded Neo4j Community (auth off) from the Maven-built launcher; return its Bolt URL."""
    began = time.monotonic()
    java = java_binary()
    launcher = build_neo4j_launcher()
    folder, temporary = server_folder("neo4j", workdir, None)
    port = free_port()
    classpath = f"{launcher / 'target' / 'classes'}:{launcher / 'target' / 'dependency'}/*"
    command = [
        str(java),
        f"-Xms{heap}",
        f"-Xmx{heap}",
        *NEO4J_GC,
        *(FAST_START_JVM if fast_start else []),
        # Neo4j's off-heap page cache and Netty reach into these JDK internals
        "--add-opens=java.base/java.nio=ALL-UNNAMED",
        "--add-opens=java.base/java.io=ALL-UNNAMED",
        "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
        "-Dio.netty.tryReflectionSetAccessible=true",
        "-cp",
        classpath,
        "Main",
        str(folder / "home"),
        str(port),
    ]
    server = launch("neo4j", command, folder / "neo4j.log", folder)
    server.url = f"bolt://127.0.0.1:{port}"
    server.remove_workdir = temporary
    server.timings["prepare"] = time.monotonic() - began
    await_ready(server, lambda: log_contains(server.log, "READY bolt://") and port_open(port), timeout)
    return server


def build_neo4j_launcher(launcher: Path = NEO4J_LAUNCHER) -> Path:
    """Compile the launcher and copy Neo4j's jars into target/ unless that is already up to date."""
    target = launcher / "target"
    stamp = target / ".built"
    if _is_fresh(stamp, launcher):
        return launcher
    mvn = shutil.which("mvn")
    if mvn is None:
        raise ServerUnavailable(
            "Maven (mvn) not found: it builds the Neo4j launcher once (.ci/install-servers.sh does)"
        )
    java_binary()  # fail with the Java reason rather than Maven's
    target.mkdir(parents=True, exist_ok=True)
    with file_lock(target / ".build.lock"):
        if not _is_fresh(stamp, launcher):  # another process may have built it while we waited
            # a version bump would otherwise leave the old jars on the classpath too
            shutil.rmtree(target / "dependency", ignore_errors=True)
            run_step(
                [mvn, "-q", "-B", "-ntp", "-Dstyle.color=never", "package"],
                "Neo4j launcher build (mvn package)",
                cwd=launcher,
                timeout=1800,
            )
            stamp.touch()
    return launcher


def _is_fresh(stamp: Path, launcher: Path) -> bool:
    if not stamp.exists():
        return False
    sources = [launcher / "pom.xml", *launcher.glob("src/**/*")]
    return all(source.stat().st_mtime <= stamp.stat().st_mtime for source in sources)
