"""Faults a department system can be told to commit, for tests. Off unless asked for.

A plan is explicit: which request numbers (1-based, per system) fail and how, so a test knows
exactly what happens. `every` lets a benchmark sprinkle faults deterministically.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from typing import Literal

HttpFault = Literal["503", "429", "timeout", "duplicate", "malformed"]


@dataclass
class FaultPlan:
    """What goes wrong and when. Request numbers count every request a system receives."""

    requests: dict[int, HttpFault] = field(default_factory=dict)
    every: int = 0  # also fail every n-th request with `every_fault`
    every_fault: HttpFault = "503"
    retry_after_seconds: float = 0.2
    stall_seconds: float = 3.0  # a "timeout" holds the answer this long
    late_update_delay: dt.timedelta | None = None  # late versions appear this much later
    late_update_every: int = 0  # one version in this many (after the first) arrives late
    malformed_file_rows: int = 0  # extra lines with the wrong field count in each dropped file
    _count: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    fired: list[tuple[int, HttpFault]] = field(default_factory=list)

    def next_request(self) -> HttpFault | None:
        """Count a request and return the fault to commit on it, if any (thread-safe)."""
        with self._lock:
            self._count += 1
            number = self._count
            fault = self.requests.get(number)
            if fault is None and self.every and number % self.every == 0:
                fault = self.every_fault
            if fault is not None:
                self.fired.append((number, fault))
            return fault


NO_FAULTS = FaultPlan()
