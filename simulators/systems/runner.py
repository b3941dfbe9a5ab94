"""Run the four department systems of a simulated city, all at one clock.

    with DepartmentSystems(city_dir, workdir) as systems:
        os.environ.update(systems.environment())   # what cityhub's source definitions read
        ...ingest...
        systems.advance(systems.as_of + timedelta(days=1))
        ...ingest the increment...

The HTTP systems run under uvicorn in background threads on loopback ports (free ones unless
given); the police database is a SQLite file in `workdir` unless a URL is given; petition files
are dropped into `workdir/petitions`.
"""

from __future__ import annotations

import datetime as dt
import secrets
import socket
import threading
import time
from pathlib import Path
from types import TracebackType

import uvicorn
from starlette.applications import Starlette

from simulators.systems.faults import FaultPlan
from simulators.systems.grid import grid_app
from simulators.systems.history import CityChannels
from simulators.systems.hotline import hotline_app
from simulators.systems.petitions import PetitionDrops
from simulators.systems.police import PoliceDatabase
from simulators.systems.web import SimClock


class BackgroundServer:
    """A uvicorn server in a daemon thread, listening on 127.0.0.1, stopped through `should_exit`."""

    def __init__(self, app: Starlette, port: int = 0) -> None:
        # bind before starting so the port is ours: no race between finding and using a free port
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", port))
        self.port = int(self.socket.getsockname()[1])
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                                timeout_graceful_shutdown=1)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]},
                                       name=f"department-system-{self.port}", daemon=True)

    @property
    def url(self) -> str:
        """Return the server's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 15.0) -> None:
        """Start serving; RuntimeError when the server is not up within `timeout` seconds."""
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError(f"department system on port {self.port} did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        """Ask the server to finish and wait for its thread."""
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.socket.close()


class DepartmentSystems:
    """The hotline API, the grid API, the police database and the petition folder of one city."""

    def __init__(self, city_dir: Path, workdir: Path, as_of: dt.datetime | None = None,
                 faults: FaultPlan | None = None, police_url: str | None = None,
                 hotline_port: int = 0, grid_port: int = 0) -> None:
        self.city_dir = Path(city_dir)
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.faults = faults or FaultPlan()
        self.channels = CityChannels(self.city_dir, self.faults)
        self.sim_clock = SimClock(as_of or self.channels.history_end())
        self.hotline_token = secrets.token_urlsafe(24)
        self.grid_api_key = secrets.token_hex(16)
        self.police_url = police_url or f"sqlite:///{(self.workdir / 'police.sqlite').resolve()}"
        self.petitions_dir = (self.workdir / "petitions").resolve()
        self._ports = (hotline_port, grid_port)
        self._servers: list[BackgroundServer] = []

    @property
    def as_of(self) -> dt.datetime:
        """Return the clock all four systems show the city at."""
        return self.sim_clock.as_of

    def __enter__(self) -> DepartmentSystems:
        self.hotline = BackgroundServer(
            hotline_app(self.channels["hotline"], self.sim_clock, self.hotline_token, self.faults),
            self._ports[0])
        self.grid = BackgroundServer(
            grid_app(self.channels["grid"], self.sim_clock, self.grid_api_key, self.faults), self._ports[1])
        self._servers = [self.hotline, self.grid]
        try:
            for server in self._servers:
                server.start()
            self.police = PoliceDatabase(self.police_url, self.channels, self.faults)
            self.petitions = PetitionDrops(self.petitions_dir, self.channels, self.faults)
            self._sync(self.as_of)
        except BaseException:
            self._stop_servers()
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._stop_servers()
        if hasattr(self, "police"):
            self.police.dispose()

    def _stop_servers(self) -> None:
        for server in self._servers:
            if server.thread.is_alive():
                server.stop()

    @property
    def hotline_url(self) -> str:
        """Return the hotline API's base URL (GET {url}/api/v1/tickets)."""
        return self.hotline.url

    @property
    def grid_url(self) -> str:
        """Return the grid API's base URL (POST {url}/openapi/v2/events/query)."""
        return self.grid.url

    def advance(self, to: dt.datetime) -> None:
        """Move every system's clock to `to`: the APIs answer at once, the database and folder catch up."""
        if to < self.sim_clock.as_of:
            raise ValueError(f"the clock only moves forward: {to} is before {self.sim_clock.as_of}")
        self._sync(to)
        self.sim_clock.as_of = to

    def _sync(self, to: dt.datetime) -> None:
        self.police.sync_to(to)
        self.petitions.sync_to(to)

    def environment(self) -> dict[str, str]:
        """Return the CITYHUB_* variables that point cityhub's source definitions at these systems."""
        return {
            "CITYHUB_HOTLINE_URL": self.hotline_url,
            "CITYHUB_HOTLINE_TOKEN": self.hotline_token,
            "CITYHUB_GRID_URL": self.grid_url,
            "CITYHUB_GRID_KEY": self.grid_api_key,
            "CITYHUB_POLICE_DB_URL": self.police_url,
            "CITYHUB_PETITIONS_DIR": str(self.petitions_dir),
        }
