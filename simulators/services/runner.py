"""Run the four department systems of a simulated city, all at one clock.

    systems = DepartmentSystems(city_dir, workdir)
    with sources_pointed_at(systems) as variables:  # what cityhub's source definitions read
        ingest_sources(specs, warehouse, lake, variables=variables)
        systems.advance(systems.clock + timedelta(days=1))

The HTTP systems run under uvicorn in background threads on free loopback ports.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

import uvicorn
from starlette.applications import Starlette

from simulators.services.faults import FaultPlan
from simulators.services.grid_api import grid_app
from simulators.services.history import ChannelHistory
from simulators.services.hotline_api import hotline_app
from simulators.services.http_common import Clock
from simulators.services.petition_drops import PetitionDrops
from simulators.services.police_db import PoliceDatabase

ID_COLUMNS = {
    "hotline": "ticket_id",
    "grid": "event_no",
    "police_incidents": "jjdbh",
    "police_persons": "rybh",
    "petitions": "信访件编号",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Server:
    """A uvicorn server in a thread, stopped by setting `should_exit`."""

    def __init__(self, app: Starlette) -> None:
        self.port = free_port()
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False, lifespan="off"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 15.0) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError(f"department system on port {self.port} did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def history_end(city_dir: Path) -> dt.datetime:
    """Return the clock at the end of the city's history (midnight after its last day)."""
    manifest = json.loads((Path(city_dir) / "manifest.json").read_text("utf-8"))
    last_day = dt.date.fromisoformat(str(manifest["history_end"])[:10])
    return dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time())


class DepartmentSystems:
    """The hotline API, the grid API, the police database and the petition folder of one city."""

    def __init__(
        self,
        city_dir: Path,
        workdir: Path,
        clock: dt.datetime | None = None,
        faults: dict[str, FaultPlan] | None = None,
        police_url: str | None = None,
    ) -> None:
        self.city_dir = Path(city_dir)
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.faults = {
            name: (faults or {}).get(name, FaultPlan()) for name in ("hotline", "grid", "petitions")
        }
        self.clock = clock or history_end(self.city_dir)
        self.hotline_token = secrets.token_hex(16)
        self.grid_key = secrets.token_hex(16)
        self.histories = {name: self._history(name) for name in ID_COLUMNS}
        self._clock = Clock(self.clock)
        self.police_url = police_url or f"sqlite:///{(self.workdir / 'police.sqlite').resolve()}"
        self.petitions_dir = self.workdir / "petitions"
        self._servers: list[_Server] = []

    def _history(self, name: str) -> ChannelHistory:
        plan = self.faults.get(name.split("_")[0], FaultPlan())
        return ChannelHistory.read(
            self.city_dir / "channels" / f"{name}.parquet",
            ID_COLUMNS[name],
            late_delay=plan.late_update_delay,
            late_every=plan.late_update_every,
        )

    def __enter__(self) -> DepartmentSystems:
        self.hotline = _Server(
            hotline_app(self.histories["hotline"], self._clock, self.hotline_token, self.faults["hotline"])
        )
        self.grid = _Server(grid_app(self.histories["grid"], self._clock, self.grid_key, self.faults["grid"]))
        self._servers = [self.hotline, self.grid]
        for server in self._servers:
            server.start()
        self.police = PoliceDatabase(
            self.police_url, self.histories["police_incidents"], self.histories["police_persons"]
        )
        self.petitions = PetitionDrops(
            self.petitions_dir, self.histories["petitions"], self.faults["petitions"]
        )
        self.advance(self.clock)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        for server in self._servers:
            server.stop()
        self.police.dispose()

    def advance(self, to: dt.datetime) -> None:
        """Move every system's clock to `to` (the database and the folder catch up at once)."""
        self.clock = to
        self._clock.now = to
        self.police.sync_to(to)
        self.petitions.sync_to(to)

    def environment(self) -> dict[str, str]:
        """Return the CITYHUB_* variables that point cityhub's source definitions at these systems."""
        return {
            "CITYHUB_HOTLINE_URL": self.hotline.url,
            "CITYHUB_HOTLINE_TOKEN": self.hotline_token,
            "CITYHUB_GRID_URL": self.grid.url,
            "CITYHUB_GRID_KEY": self.grid_key,
            "CITYHUB_POLICE_DB_URL": self.police_url,
            "CITYHUB_PETITIONS_DIR": str(self.petitions_dir.resolve()),
        }


@contextmanager
def sources_pointed_at(systems: DepartmentSystems) -> Iterator[dict[str, str]]:
    """Run the systems and yield the variables that point cityhub's sources at them (`environment`),
    for the caller to pass on; stop the systems after. The process environment is left alone."""
    with systems:
        yield systems.environment()
