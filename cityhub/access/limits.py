"""Per-user rate limits (moving windows from the `limits` library, kept in the serving process).

The policy file names them: `requests` per user, `identifier_searches` (searches or matches that
carry an ID number or a phone, whole or in part) per user, `failed_logins` per username and per
client address.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Mapping
from typing import Any

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from ontology.errors import CityhubError

__all__ = ["DEFAULTS", "RateLimited", "RateLimits", "ServerTime"]

DEFAULTS = {"requests": "600/minute", "identifier_searches": "20/hour", "failed_logins": "10/15minutes"}


class RateLimited(CityhubError):
    """A rate limit was reached; the message says which and for how long."""

    http_status = 429


class RateLimits:
    """The hub's limits by name; `hit` counts one use and raises RateLimited past the limit."""

    def __init__(self, configured: Mapping[str, Any] | None = None) -> None:
        chosen = {**DEFAULTS, **{k: str(v) for k, v in (configured or {}).items() if k in DEFAULTS}}
        self.items: dict[str, RateLimitItem] = {name: parse(text) for name, text in chosen.items()}
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def hit(self, name: str, *who: str) -> None:
        """Count one use of limit `name` by `who`; raise RateLimited when it is spent."""
        item = self.items[name]
        if not self._limiter.hit(item, *who):
            raise RateLimited(f"rate limit reached: {name.replace('_', ' ')} {item}; try again later")

    def note(self, name: str, *who: str) -> None:
        """Count one use of limit `name` by `who`, raising nothing (failed sign-ins are counted so)."""
        self._limiter.hit(self.items[name], *who)

    def spent(self, name: str, *who: str) -> bool:
        """Return whether limit `name` is spent for `who`, without counting a use."""
        return not self._limiter.test(self.items[name], *who)


class ServerTime:
    """Server seconds each user's requests took over the last `window` seconds.

    The API sends the requests of a user over `budget` through one slow lane, one at a time, so a
    few users sending costly requests share one worker between them and everyone else keeps the rest.
    """

    def __init__(self, budget: float = 2.0, window: float = 10.0) -> None:
        self.budget, self.window = budget, window
        self._spent: dict[str, deque[tuple[float, float]]] = {}
        self._lock = threading.Lock()

    def charge(self, who: str, seconds: float) -> None:
        """Record that a request of `who` took `seconds`."""
        with self._lock:
            self._spent.setdefault(who, deque()).append((time.monotonic(), seconds))

    def over_budget(self, who: str) -> bool:
        """Return whether `who` used more than the budget within the window."""
        with self._lock:
            spent = self._spent.get(who)
            if not spent:
                return False
            horizon = time.monotonic() - self.window
            while spent and spent[0][0] < horizon:
                spent.popleft()
            return sum(seconds for _, seconds in spent) > self.budget
