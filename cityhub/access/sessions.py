"""Sign-in sessions: opaque random bearer tokens, kept server-side (as digests) and expiring.

Sessions live in the serving process: a restart signs everyone out, which for a hub serving one
process is the safe way round.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass

__all__ = ["Session", "SessionStore"]


@dataclass(frozen=True, slots=True)
class Session:
    username: str
    expires_at: float  # seconds since the epoch


class SessionStore:
    """Tokens -> sessions; a token is 32 random bytes, stored only as its SHA-256 digest."""

    def __init__(self, minutes: int = 480) -> None:
        self.seconds = minutes * 60
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def open(self, username: str) -> tuple[str, Session]:
        """Return a new token for `username` and its session."""
        token = secrets.token_urlsafe(32)
        session = Session(username, time.time() + self.seconds)
        with self._lock:
            self._drop_expired()
            self._sessions[_digest(token)] = session
        return token, session

    def get(self, token: str) -> Session | None:
        """Return the live session of a token, or None (unknown or expired)."""
        with self._lock:
            session = self._sessions.get(_digest(token))
            if session is None or session.expires_at < time.time():
                self._sessions.pop(_digest(token), None)
                return None
            return session

    def close(self, token: str) -> bool:
        """End a session; return whether there was one."""
        with self._lock:
            return self._sessions.pop(_digest(token), None) is not None

    def _drop_expired(self) -> None:
        now = time.time()
        for key in [k for k, s in self._sessions.items() if s.expires_at < now]:
            del self._sessions[key]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()
