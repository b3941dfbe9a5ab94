"""Faults the department systems commit on request, for tests. None happen unless a plan asks.

A `FaultPlan` is deterministic. Either it lists exactly what goes wrong (scripted rules, e.g.
`FaultPlan.script("hotline page 3 -> 503 twice")`), or it draws faults from rates with a seed
(`FaultPlan.from_rates(seed=7, rates={"503": 0.05})`): the same seed and the same sequence of
requests give the same faults. Every fault that fires is appended to `plan.fired`.

Kinds:
- HTTP (hotline, grid): `timeout` (the answer stalls `stall_seconds`, longer than a client waits),
  `503`, `429` (with Retry-After), `duplicate` (the page is served twice in a row), `malformed`
  (one record of the page lacks a field).
- Files (petitions): a malformed row on a given day (a row with one field too many).
- Late updates (any channel): a version becomes visible `delay` after its `updated_at`, so a
  client whose watermark already passed that time misses it unless it looks back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

HttpFaultKind = Literal["timeout", "503", "429", "duplicate", "malformed"]
HTTP_FAULT_KINDS: tuple[HttpFaultKind, ...] = ("timeout", "503", "429", "duplicate", "malformed")
HTTP_SYSTEMS = ("hotline", "grid")


@dataclass(frozen=True, slots=True)
class HttpFault:
    """A scripted HTTP fault: on page `page` (or on the `request`-th request), `times` times."""

    system: str  # "hotline" or "grid"
    kind: HttpFaultKind
    page: int | None = None  # 1-based page of a walk (grid: counted along the cursor chain)
    request: int | None = None  # 1-based count of authorised requests the system received
    times: int = 1
    missing_field: str | None = None  # for `malformed`; default: the system's own choice

    def __post_init__(self) -> None:
        if self.system not in HTTP_SYSTEMS:
            raise ValueError(f"HTTP fault for unknown system {self.system!r}; expected one of {HTTP_SYSTEMS}")
        if self.kind not in HTTP_FAULT_KINDS:
            raise ValueError(f"unknown HTTP fault kind {self.kind!r}; expected one of {HTTP_FAULT_KINDS}")
        if (self.page is None) == (self.request is None):
            raise ValueError("an HTTP fault names either a page or a request number, not both")


@dataclass(frozen=True, slots=True)
class FileFault:
    """A scripted malformed row in the petition file of `day` (1-based data row `row`)."""

    day: dt.date
    row: int = 1


@dataclass(frozen=True, slots=True)
class LateUpdate:
    """A scripted late version: `channel`'s record `record_id` version `version` shows `delay` late."""

    channel: str  # hotline, grid, police_incidents, police_persons, petitions
    record_id: str
    version: int
    delay: dt.timedelta


@dataclass(frozen=True, slots=True)
class FiredFault:
    """One fault that happened: where, what, and on which request, page, day or record."""

    system: str
    kind: str
    request: int | None = None
    page: int | None = None
    detail: str = ""


@dataclass
class FaultPlan:
    """What goes wrong, when. Off by default: an empty plan commits no fault."""

    http: list[HttpFault] = field(default_factory=list)
    files: list[FileFault] = field(default_factory=list)
    late: list[LateUpdate] = field(default_factory=list)
    seed: int = 0
    rates: dict[str, float] = field(default_factory=dict)  # HTTP kind -> share of requests
    file_malformed_rate: float = 0.0  # share of daily files with one malformed row
    late_rate: float = 0.0  # share of versions that show up late
    late_delay: dt.timedelta = dt.timedelta(hours=6)
    stall_seconds: float = 2.0
    retry_after_seconds: float = 1  # real servers send whole seconds; tests may ask for less
    fired: list[FiredFault] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    _requests: dict[str, int] = field(default_factory=dict, repr=False, compare=False)
    _used: dict[int, int] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        unknown = set(self.rates) - set(HTTP_FAULT_KINDS)
        if unknown:
            raise ValueError(f"unknown HTTP fault kinds in rates: {sorted(unknown)}")
        if sum(self.rates.values()) > 1:
            raise ValueError("HTTP fault rates add up to more than 1")

    @classmethod
    def from_rates(cls, seed: int, rates: dict[str, float] | None = None, **options: object) -> FaultPlan:
        """Return a plan that draws faults from `rates` (HTTP kind -> share of requests) with `seed`."""
        return cls(seed=seed, rates=dict(rates or {}), **options)  # type: ignore[arg-type]

    @classmethod
    def script(cls, text: str, **options: object) -> FaultPlan:
        """Return the plan a script describes, e.g. "hotline page 3 -> 503 twice; grid request 2 -> 429"."""
        from simulators.systems.fault_script import parse_script

        http, files, late = parse_script(text)
        return cls(http=http, files=files, late=late, **options)  # type: ignore[arg-type]

    @property
    def active(self) -> bool:
        """Return whether this plan can commit any fault at all."""
        return bool(self.http or self.files or self.late or any(self.rates.values())
                    or self.file_malformed_rate or self.late_rate)

    def http_fault(self, system: str, page: int) -> HttpFault | None:
        """Return the fault to commit on this request to `system` for `page`, counting the request."""
        with self._lock:
            number = self._requests.get(system, 0) + 1
            self._requests[system] = number
            chosen = self._scripted(system, page, number) or self._drawn(system, page, number)
            if chosen is not None:
                self.fired.append(FiredFault(system, chosen.kind, number, page, chosen.missing_field or ""))
            return chosen

    def _scripted(self, system: str, page: int, number: int) -> HttpFault | None:
        for index, rule in enumerate(self.http):
            matches = rule.page == page if rule.page is not None else rule.request == number
            if rule.system == system and matches and self._used.get(index, 0) < rule.times:
                self._used[index] = self._used.get(index, 0) + 1
                return rule
        return None

    def _drawn(self, system: str, page: int, number: int) -> HttpFault | None:
        if not self.rates:
            return None
        draw = _uniform(self.seed, system, number)
        for kind in HTTP_FAULT_KINDS:  # a fixed order, so a draw maps to one kind whatever the dict order
            draw -= self.rates.get(kind, 0.0)
            if draw < 0:
                return HttpFault(system, kind, request=number)
        return None

    def malformed_row(self, day: dt.date) -> int | None:
        """Return the 1-based data row of `day`'s petition file to break, or None."""
        for rule in self.files:
            if rule.day == day:
                return rule.row
        draw = _uniform(self.seed, "petitions", day.toordinal())
        if self.file_malformed_rate and draw < self.file_malformed_rate:
            return 1
        return None

    def record_file_fault(self, day: dt.date, row: int, record_id: str) -> None:
        """Log a malformed file row that was written."""
        with self._lock:
            detail = f"{day:%Y-%m-%d} row {row} {record_id}".strip()
            self.fired.append(FiredFault("petitions", "malformed", None, None, detail))

    def late_delays(self, channel: str, record_ids: np.ndarray, versions: np.ndarray) -> np.ndarray:
        """Return each version's extra delay in seconds (int64, 0 = on time) for one channel table."""
        delays = np.zeros(len(record_ids), dtype=np.int64)
        if self.late_rate:
            rng = np.random.default_rng([self.seed, _stable_int(channel)])
            delays[rng.random(len(record_ids)) < self.late_rate] = int(self.late_delay.total_seconds())
        for rule in self.late:
            if rule.channel != channel:
                continue
            hits = np.flatnonzero((record_ids == rule.record_id) & (versions == rule.version))
            if len(hits) == 0:
                raise ValueError(f"late update {channel} {rule.record_id} v{rule.version}: no such version")
            delays[hits] = int(rule.delay.total_seconds())
        return delays


def _stable_int(text: str) -> int:
    """Return a process-independent integer for a text (Python's hash() is salted per process)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def _uniform(seed: int, system: str, number: int) -> float:
    """Return a deterministic draw in [0, 1) for (seed, system, number)."""
    digest = hashlib.blake2b(f"{seed}:{system}:{number}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64
