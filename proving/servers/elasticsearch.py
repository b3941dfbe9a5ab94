"""Single-node Elasticsearch from the integ-test distribution (fetched through Maven), security off."""

from __future__ import annotations

import http.client
import os
import pwd
import shutil
import time
import urllib.request
from functools import partial
from pathlib import Path

from proving.servers.processes import (
    FAST_START_JVM,
    RunningServer,
    ServerUnavailable,
    await_ready,
    chown_tree,
    free_port,
    java_binary,
    launch,
    run_step,
    server_folder,
)

REPO = Path(__file__).resolve().parents[2]
ES_FETCH_SCRIPT = REPO / "docker" / "launchers" / "elasticsearch" / "fetch.sh"
ES_VERSION = "8.19.21"
ES_USER = "esuser"


def start_elasticsearch(
    workdir: Path | None = None, *, heap: str = "1g", fast_start: bool = True, timeout: float = 300.0
) -> RunningServer:
    """Start single-node Elasticsearch (security off) from the integ-test zip; return its HTTP URL."""
    began = time.monotonic()
    java = java_binary()
    home = fetch_elasticsearch()
    user = ES_USER if os.geteuid() == 0 else None  # Elasticsearch refuses to run as root
    folder, temporary = server_folder("elasticsearch", workdir, user)
    # a private copy of the config folder: Elasticsearch writes its keystore there on first start
    config = folder / "config"
    shutil.copytree(home / "config", config, dirs_exist_ok=True)
    for sub in ("data", "logs", "tmp"):
        (folder / sub).mkdir(exist_ok=True)
    if user:
        chown_tree(folder, user)
    http_port, transport_port = free_port(), free_port()
    settings = {
        "http.port": http_port,
        "transport.port": transport_port,  # the default range 9300-9399 collides with other nodes
        "network.host": "127.0.0.1",  # loopback keeps it in development mode: bootstrap checks only warn
        "discovery.type": "single-node",
        "xpack.security.enabled": "false",
        "path.data": folder / "data",
        "path.logs": folder / "logs",
        # a nearly full disk must not turn test indices read-only
        "cluster.routing.allocation.disk.threshold_enabled": "false",
    }
    command = [str(home / "bin" / "elasticsearch")]
    for key, value in settings.items():
        command += ["-E", f"{key}={value}"]
    env = {key: value for key, value in os.environ.items() if key != "JAVA_HOME"}  # ES warns about it
    jvm_options = " ".join([f"-Xms{heap}", f"-Xmx{heap}", *(FAST_START_JVM if fast_start else [])])
    env.update(
        ES_JAVA_HOME=str(java.parent.parent),
        ES_JAVA_OPTS=jvm_options,
        ES_PATH_CONF=str(config),
        ES_TMPDIR=str(folder / "tmp"),
        HOME=str(folder),
    )
    # run in the foreground: stopping this process stops the node, and the node exits if it dies
    server = launch("elasticsearch", command, folder / "elasticsearch.log", folder, user=user, env=env)
    server.url = f"http://127.0.0.1:{http_port}"
    server.remove_workdir = temporary
    server.timings["prepare"] = time.monotonic() - began
    # the integ-test distribution has no `GET /`: cluster health is the readiness probe
    await_ready(server, partial(_elasticsearch_healthy, server.url), timeout)
    return server


def fetch_elasticsearch(cache_dir: Path | None = None) -> Path:
    """Return the unpacked Elasticsearch home, fetching it through Maven the first time."""
    cache_dir = cache_dir or servers_cache_dir()
    home = cache_dir / f"elasticsearch-{ES_VERSION}"
    if (home / ".unpacked").exists() and _owned_by_es_user(home):
        return home
    if shutil.which("mvn") is None and not (home / ".unpacked").exists():
        raise ServerUnavailable(
            "Maven (mvn) not found: it fetches Elasticsearch once (.ci/install-servers.sh does)"
        )
    env = {**os.environ, "CITYHUB_ES_VERSION": ES_VERSION, "CITYHUB_ES_USER": ES_USER}
    output = run_step(
        ["bash", str(ES_FETCH_SCRIPT), str(cache_dir)], "Elasticsearch fetch", env=env, timeout=1800
    )
    return Path(output.strip().splitlines()[-1])


def servers_cache_dir() -> Path:
    """Where fetched servers are unpacked: outside the repository, shared by every checkout."""
    if "CITYHUB_SERVERS_CACHE" in os.environ:
        return Path(os.environ["CITYHUB_SERVERS_CACHE"])
    if os.geteuid() == 0:
        # root's home is private, and the unprivileged user Elasticsearch runs as must read the files
        return Path("/var/cache/cityhub/servers")
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "cityhub" / "servers"


def _owned_by_es_user(home: Path) -> bool:
    if os.geteuid() != 0:
        return True
    try:
        return home.stat().st_uid == pwd.getpwnam(ES_USER).pw_uid
    except KeyError:
        return False


def _elasticsearch_healthy(url: str) -> bool:
    request = f"{url}/_cluster/health?wait_for_status=yellow&timeout=1s"
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status == 200 and b'"status":"red"' not in response.read()
    except (OSError, http.client.HTTPException):  # not listening yet, 503 while starting, 408 timeout
        return False
