"""The four department systems of a simulated city, serving its channel tables at a clock.

- `hotline_app`: the 12345 hotline's HTTP JSON API (bearer token, page numbers, updated_since).
- `grid_app`: the grid-management platform's HTTP API (API key, nested events, opaque cursor).
- `PoliceDatabase`: the police incident database (SQLite or PostgreSQL, coded values, soft deletes).
- `PetitionDrops`: the petitions office's daily CSV (GBK) / XLSX files.
- `DepartmentSystems`: all four at one clock, with `advance(to)`; `FaultPlan`: faults on request.
"""

from simulators.systems.faults import FaultPlan, FileFault, FiredFault, HttpFault, LateUpdate
from simulators.systems.grid import grid_app
from simulators.systems.history import ChannelHistory, CityChannels, history_end, history_start
from simulators.systems.hotline import hotline_app
from simulators.systems.petitions import PetitionDrops
from simulators.systems.police import PoliceDatabase
from simulators.systems.runner import DepartmentSystems
from simulators.systems.web import SimClock

__all__ = [
    "ChannelHistory",
    "CityChannels",
    "DepartmentSystems",
    "FaultPlan",
    "FileFault",
    "FiredFault",
    "HttpFault",
    "LateUpdate",
    "PetitionDrops",
    "PoliceDatabase",
    "SimClock",
    "grid_app",
    "history_end",
    "history_start",
    "hotline_app",
]
