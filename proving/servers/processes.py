"""Processes and folders of the test servers: start one in its own process group with a parent-death
signal, wait until it answers, stop it and whatever it started; find Java; run a preparation step.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path
from types import TracebackType

MIN_JAVA = 17  # Neo4j 5.26 and Elasticsearch 8.19 both run on 17
# Only the quick JIT compiler: a server is ready in about half the time on a busy 2-core machine
# (Elasticsearch 20 s instead of 35-45 s), at the cost of peak throughput; benchmarks pass fast_start=False.
FAST_START_JVM = ["-XX:TieredStopAtLevel=1"]
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
        """The last `lines` lines of the server's log."""
        return _tail(self.log, lines)

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()


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


def server_folder(name: str, workdir: Path | None, user: str | None) -> tuple[Path, bool]:
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


def chown_tree(folder: Path, user: str) -> None:
    """Give `folder` and everything in it to `user` (a server that runs as another user writes there)."""
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


def run_step(
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


def launch(
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


def await_ready(server: RunningServer, ready: Callable[[], bool], timeout: float) -> None:
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


def port_open(port: int) -> bool:
    """Whether something accepts connections on the loopback port."""
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


def log_contains(path: Path, text: str) -> bool:
    """Whether the log file holds `text` (False while it does not exist)."""
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
def file_lock(path: Path) -> Iterator[None]:
    """Serialise builds between processes (parallel test runs, CI's pre-build)."""
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
