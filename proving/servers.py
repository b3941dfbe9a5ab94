"""Start real PostgreSQL, Neo4j and Elasticsearch servers on this machine, without Docker.

Each `start_*` function prepares what the server needs (Debian packages, a Maven build, a fetched
distribution), starts it on a free port with its own data folder, waits until it answers, and returns
a `RunningServer` whose `url` clients connect to and whose `stop()` shuts it down. Output goes to a
log file in the server's folder; when something is missing the functions raise `ServerUnavailable`
with the reason.

Servers are children of the calling process that get a parent-death signal: if the process that
started them dies without stopping them (a killed test run, `os._exit`), they shut down anyway. That
signal follows the *thread* that started them, so start servers from a long-lived thread.
"""

from __future__ import annotations

import ctypes
import fcntl
import http.client
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path
from types import TracebackType

REPO = Path(__file__).resolve().parents[2]
NEO4J_LAUNCHER = REPO / "docker" / "launchers" / "neo4j"
ES_FETCH_SCRIPT = REPO / "docker" / "launchers" / "elasticsearch" / "fetch.sh"
ES_VERSION = "8.19.21"
ES_USER = "esuser"
POSTGRES_USER = "postgres"  # the system user the Debian package creates
MIN_JAVA = 17  # Neo4j 5.26 and Elasticsearch 8.19 both run on 17
# Only the quick JIT compiler: a server is ready in about half the time on a busy 2-core machine
# (Elasticsearch 20 s instead of 35-45 s), at the cost of peak throughput; benchmarks pass fast_start=False.
FAST_START_JVM = ["-XX:TieredStopAtLevel=1"]
# A write transaction's state lives on the heap until commit, so with G1's small adaptive young
# generation a 10,000-row batch was promoted and copied: young GC took 25 s of a 60 s load. A young
# generation of half the heap lets it die young (GC fell to about 2 s a load).
NEO4J_GC = ["-XX:+UseParallelGC", "-XX:NewRatio=1"]
OWNER_FILE = ".owner-pid"  # in temp server folders: the pid of the process that started the server


class ServerUnavailable(RuntimeError):
    """A server cannot be had here: binaries missing, build failed, or it did not become ready."""


@dataclass
class RunningServer:
    """A started server: its URL, process, log and folder; `stop()` (or leaving `with`) ends it."""

    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    workdir: Path
    stop_signal: int = signal.SIGTERM
    remove_workdir: bool = False  # True when the folder is a temp folder made for this server
    timings: dict[str, float] = field(default_factory=dict)  # seconds: "prepare", "ready", "stop"

    def stop(self, timeout: float = 30.0) -> float:
        """Shut the server down cleanly (forcefully after `timeout`); return the seconds it took."""
        began = time.monotonic()
        if self.process.poll() is None:
            _signal_quietly(self.process.pid, self.stop_signal)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                _signal_group(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        # the server's own children (Elasticsearch's JVM, PostgreSQL backends) share its process group
        _reap_group(self.process.pid, grace=10.0)
        self.timings.setdefault("stop", time.monotonic() - began)
        if self.remove_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
        return self.timings["stop"]

    def rss_bytes(self) -> int:
        """Resident memory of the server's whole process tree."""
        return sum(_rss(pid) for pid in _descendants(self.process.pid))

    def log_tail(self, lines: int = 40) -> str:
        return _tail(self.log, lines)

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()


# --- PostgreSQL -------------------------------------------------------------------------------------


def start_postgres(workdir: Path | None = None, *, timeout: float = 60.0) -> RunningServer:
    """Start a fresh PostgreSQL cluster (trust auth, durability off) and return its SQLAlchemy URL."""
    began = time.monotonic()
    binaries = postgres_binaries()
    user = POSTGRES_USER if os.geteuid() == 0 else None  # PostgreSQL refuses to run as root
    folder, temporary = _server_folder("postgres", workdir, user)
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
    _run(initdb, "PostgreSQL initdb", user=user, timeout=120)
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
    server = _launch("postgres", command, log, folder, user=user, stop_signal=signal.SIGINT)
    server.url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    server.remove_workdir = temporary
    server.timings["prepare"] = prepared - began
    _await_ready(server, partial(_postgres_answers, port), timeout)
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
        _run(["apt-get", "update", "-qq"], "apt-get update", env=env, timeout=600)
    _run(
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


# --- Neo4j ------------------------------------------------------------------------------------------


def start_neo4j(
    workdir: Path | None = None, *, heap: str = "1g", fast_start: bool = True, timeout: float = 180.0
) -> RunningServer:
    """Start embedded Neo4j Community (auth off) from the Maven-built launcher; return its Bolt URL."""
    began = time.monotonic()
    java = java_binary()
    launcher = build_neo4j_launcher()
    folder, temporary = _server_folder("neo4j", workdir, None)
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
    server = _launch("neo4j", command, folder / "neo4j.log", folder)
    server.url = f"bolt://127.0.0.1:{port}"
    server.remove_workdir = temporary
    server.timings["prepare"] = time.monotonic() - began
    _await_ready(server, lambda: _log_contains(server.log, "READY bolt://") and _port_open(port), timeout)
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
    with _file_lock(target / ".build.lock"):
        if not _is_fresh(stamp, launcher):  # another process may have built it while we waited
            # a version bump would otherwise leave the old jars on the classpath too
            shutil.rmtree(target / "dependency", ignore_errors=True)
            _run(
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


# --- Elasticsearch ----------------------------------------------------------------------------------


def start_elasticsearch(
    workdir: Path | None = None, *, heap: str = "1g", fast_start: bool = True, timeout: float = 300.0
) -> RunningServer:
    """Start single-node Elasticsearch (security off) from the integ-test zip; return its HTTP URL."""
    began = time.monotonic()
    java = java_binary()
    home = fetch_elasticsearch()
    user = ES_USER if os.geteuid() == 0 else None  # Elasticsearch refuses to run as root
    folder, temporary = _server_folder("elasticsearch", workdir, user)
    # a private copy of the config folder: Elasticsearch writes its keystore there on first start
    config = folder / "config"
    shutil.copytree(home / "config", config, dirs_exist_ok=True)
    for sub in ("data", "logs", "tmp"):
        (folder / sub).mkdir(exist_ok=True)
    if user:
        _chown_tree(folder, user)
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
    server = _launch("elasticsearch", command, folder / "elasticsearch.log", folder, user=user, env=env)
    server.url = f"http://127.0.0.1:{http_port}"
    server.remove_workdir = temporary
    server.timings["prepare"] = time.monotonic() - began
    # the integ-test distribution has no `GET /`: cluster health is the readiness probe
    _await_ready(server, partial(_elasticsearch_healthy, server.url), timeout)
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
    output = _run(
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


# --- Java -------------------------------------------------------------------------------------------


@cache
def java_binary() -> Path:
    """The `java` to run servers with ($JAVA_HOME first, then PATH), checked to be Java 17 or newer."""
    java_home = os.environ.get("JAVA_HOME")
    candidate = Path(java_home) / "bin" / "java" if java_home else None
    found = str(candidate) if candidate and candidate.exists() else shutil.which("java")
    if found is None:
        raise ServerUnavailable(
            f"Java not found: Neo4j and Elasticsearch need Java {MIN_JAVA}+ (Debian: openjdk-17-jdk-headless)"
        )
    version = subprocess.run([found, "-version"], capture_output=True, text=True).stderr
    match = re.search(r'version "(\d+)(?:\.(\d+))?', version)
    major = int(match.group(1)) if match else 0
    major = int(match.group(2)) if match and major == 1 and match.group(2) else major  # "1.8" is 8
    if major < MIN_JAVA:
        raise ServerUnavailable(
            f"{found} is Java {major or 'of unknown version'}; Neo4j and Elasticsearch need Java {MIN_JAVA}+"
        )
    return Path(found).resolve()


# --- processes --------------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port free on loopback right now (the server binds it moments later)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _server_folder(name: str, workdir: Path | None, user: str | None) -> tuple[Path, bool]:
    """Return the server's folder (a new temp folder when none is given) and whether it is temporary.

    A server running as another user must be able to reach the folder: pytest's temp folders are
    private to root, so the default is a fresh folder under the system temp directory.
    """
    temporary = workdir is None
    if workdir is None:
        _sweep_abandoned_folders(name)
        folder = Path(tempfile.mkdtemp(prefix=f"cityhub-{name}-"))
        (folder / OWNER_FILE).write_text(str(os.getpid()))
    else:
        folder = workdir
    folder.mkdir(parents=True, exist_ok=True)
    if user:
        _check_reachable(folder, user)
        shutil.chown(folder, user, user)
    return folder.resolve(), temporary


def _sweep_abandoned_folders(name: str) -> None:
    """Remove temp folders whose starting process died without stopping its server (a killed run).

    The server itself went with it (parent-death signal); only its files are left behind.
    """
    for folder in Path(tempfile.gettempdir()).glob(f"cityhub-{name}-*"):
        try:
            owner = int((folder / OWNER_FILE).read_text())
        except (OSError, ValueError):
            continue  # not one of ours, or still being created
        if not _process_exists(owner):
            shutil.rmtree(folder, ignore_errors=True)


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _check_reachable(folder: Path, user: str) -> None:
    uid = pwd.getpwnam(user).pw_uid
    for parent in folder.resolve().parents:
        status = parent.stat()
        if status.st_uid != uid and not status.st_mode & 0o001:
            raise ServerUnavailable(
                f"{folder} is not reachable by user {user} ({parent} is private): "
                "pass a folder under the system temp directory"
            )


def _chown_tree(folder: Path, user: str) -> None:
    for path in [folder, *folder.rglob("*")]:
        shutil.chown(path, user, user)


def _user_args(user: str | None) -> dict[str, object]:
    """Popen arguments that drop root to `user`, including root's supplementary groups."""
    if user is None:
        return {}
    try:
        entry = pwd.getpwnam(user)
    except KeyError as error:
        raise ServerUnavailable(f"system user {user!r} does not exist") from error
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def _run(
    command: Sequence[str],
    what: str,
    *,
    user: str | None = None,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float,
) -> str:
    """Run a preparation step; turn its failure into ServerUnavailable with the output's tail."""
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout, **_user_args(user)
        )  # type: ignore[call-overload]
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ServerUnavailable(f"{what} failed: {error}") from error
    if done.returncode != 0:
        output = "\n".join((done.stdout + done.stderr).strip().splitlines()[-30:])
        raise ServerUnavailable(f"{what} failed (exit {done.returncode}):\n{output}")
    return str(done.stdout)


_libc = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1


def _die_with_parent(sig: int, parent: int) -> None:
    """Runs in the child before exec: ask the kernel to send `sig` when the starting thread ends."""
    _libc.prctl(_PR_SET_PDEATHSIG, sig, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _launch(
    name: str,
    command: list[str],
    log: Path,
    folder: Path,
    *,
    user: str | None = None,
    env: Mapping[str, str] | None = None,
    stop_signal: int = signal.SIGTERM,
) -> RunningServer:
    """Start a server process in its own process group, output appended to `log`."""
    with open(log, "ab") as output:
        try:
            process = subprocess.Popen(  # type: ignore[call-overload]
                command,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                cwd=folder,
                env=env,
                start_new_session=True,
                preexec_fn=partial(_die_with_parent, stop_signal, os.getpid()),
                **_user_args(user),
            )
        except OSError as error:
            raise ServerUnavailable(f"{name} could not be started: {error}") from error
    return RunningServer(name=name, url="", process=process, log=log, workdir=folder, stop_signal=stop_signal)


def _await_ready(server: RunningServer, ready: Callable[[], bool], timeout: float) -> None:
    """Wait until `ready()`; on exit, timeout or interrupt stop the server and explain why."""
    began = time.monotonic()
    try:
        while not ready():
            if server.process.poll() is not None:
                raise ServerUnavailable(
                    f"{server.name} exited with code {server.process.returncode} "
                    f"before it was ready; {server.log}:\n{server.log_tail()}"
                )
            if time.monotonic() - began > timeout:
                raise ServerUnavailable(
                    f"{server.name} was not ready within {timeout:.0f} s; {server.log}:\n{server.log_tail()}"
                )
            time.sleep(0.2)
    except BaseException:
        server.stop(timeout=10)
        raise
    server.timings["ready"] = time.monotonic() - began


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _signal_quietly(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def _signal_group(pgid: int, sig: int) -> bool:
    """Signal a process group; return False when no process is left in it."""
    try:
        os.killpg(pgid, sig)
        return True
    except ProcessLookupError:
        return False


def _reap_group(pgid: int, grace: float) -> None:
    """Wait for the group's remaining processes to exit, then kill whatever is still there."""
    deadline = time.monotonic() + grace
    while _signal_group(pgid, 0):
        if time.monotonic() > deadline:
            _signal_group(pgid, signal.SIGKILL)
            return
        time.sleep(0.1)


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        queue.extend(children.get(current, []))
    return found


def _rss(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) * 1024 if match else 0


def _log_contains(path: Path, text: str) -> bool:
    try:
        return text.encode() in path.read_bytes()
    except OSError:
        return False


def _tail(path: Path, lines: int) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - 64 * 1024))
            return "\n".join(handle.read().decode("utf-8", "replace").splitlines()[-lines:])
    except OSError:
        return ""


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """Serialise builds between processes (parallel test runs, CI's pre-build)."""
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
