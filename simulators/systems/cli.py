"""`cityhub serve`: run a simulated city's four department systems until interrupted.

Prints the CITYHUB_* variables that point the source definitions at them, as `export` lines on
stdout (so `eval` or a .env file can take them), and a summary on stderr.
"""

from __future__ import annotations

import datetime as dt
import sys
import threading
from pathlib import Path
from typing import TextIO

from ontology.errors import BadInput
from simulators.systems.faults import FaultPlan
from simulators.systems.runner import DepartmentSystems


def parse_as_of(text: str | None) -> dt.datetime | None:
    """Return the clock a --as-of value names: a date means its midnight; None or '' -> None.

    >>> parse_as_of("2026-11-20")
    datetime.datetime(2026, 11, 20, 0, 0)
    """
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(text).replace(tzinfo=None)
    except ValueError as error:
        raise BadInput(f"--as-of {text!r} is not an ISO date or date-time") from error


def serve_command(city: Path, workdir: Path, as_of: str | None = None, police_url: str | None = None,
                  hotline_port: int = 0, grid_port: int = 0, faults: str | None = None,
                  out: TextIO = sys.stdout, stop: threading.Event | None = None) -> None:
    """Serve the city's hotline API, grid API, police database and petition folder until stopped.

    Reads CITY (a folder written by `cityhub simulate`); writes the police SQLite database (unless
    POLICE_URL names one) and the petition drops under WORKDIR. AS_OF (ISO date or date-time)
    sets the clock, default the end of the history. FAULTS is a fault script
    ("hotline page 3 -> 503 twice; ..."), default none. Ports 0 pick free ones. Returns when
    `stop` is set or on Ctrl-C.
    """
    if not (Path(city) / "channels").is_dir():
        raise BadInput(f"{city}: not a simulated city (no channels/ folder); run `cityhub simulate` first")
    try:
        plan = FaultPlan.script(faults) if faults else None
    except ValueError as error:
        raise BadInput(f"--faults: {error}") from error
    with DepartmentSystems(Path(city), Path(workdir), as_of=parse_as_of(as_of), faults=plan,
                           police_url=police_url, hotline_port=hotline_port, grid_port=grid_port) as systems:
        for name, value in systems.environment().items():
            print(f"export {name}='{value}'", file=out, flush=True)
        print(f"department systems of {city} at {systems.as_of:%Y-%m-%d %H:%M:%S}; Ctrl-C stops them",
              file=sys.stderr, flush=True)
        stop = stop or threading.Event()
        try:
            while not stop.wait(0.5):  # short waits keep Ctrl-C responsive
                pass
        except KeyboardInterrupt:
            pass
