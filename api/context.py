"""What every request handler shares: settings, policy, users, sessions, limits, audit and reader."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import Request

from cityhub.access.audit import AuditLog
from cityhub.access.limits import RateLimits, ServerTime
from cityhub.access.policy import Policy, Scope, load_policy
from cityhub.access.sessions import SessionStore
from cityhub.access.users import User, UserStore, users_file
from cityhub.config import Settings
from cityhub.read import Reader

__all__ = ["Caller", "Hub", "hub_of", "policy_file"]

log = logging.getLogger("cityhub.api")


def policy_file(home: Path) -> Path | None:
    """Return the policy file in force: CITYHUB_POLICY_FILE, `<home>/policy.yaml`, or None (the default)."""
    named = os.environ.get("CITYHUB_POLICY_FILE")
    if named:
        return Path(named)
    local = home / "policy.yaml"
    return local if local.exists() else None


@dataclass(frozen=True, slots=True)
class Caller:
    """A signed-in caller: the user, what they may read, and how they signed in (bearer or key)."""

    user: User
    scope: Scope
    via: str


@dataclass
class Hub:
    """The stores and services one API process serves from."""

    settings: Settings
    policy: Policy = field(init=False)
    users: UserStore = field(init=False)
    sessions: SessionStore = field(init=False)
    limits: RateLimits = field(init=False)
    server_time: ServerTime = field(init=False)
    audit: AuditLog = field(init=False)
    reader: Reader = field(init=False)

    def __post_init__(self) -> None:
        home = self.settings.home
        self.policy = load_policy(policy_file(home))
        self.users = UserStore(users_file(home), self.policy)
        self.sessions = SessionStore(int(self.policy.limits.get("session_minutes", 480)))
        self.limits = RateLimits(self.policy.limits)
        self.server_time = ServerTime(float(self.policy.limits.get("server_seconds_per_10s", 2.0)))
        self.audit = AuditLog(home / "audit.jsonl")
        self.reader = Reader(self.settings)

    def warm(self) -> None:
        """Load what the first requests would otherwise load while they wait: the address
        gazetteer query building uses (seconds, a few hundred MB) and the visibility facts."""
        from search.queries import build_query

        build_query("重庆市沙坪坝区聚龙城3栋2单元501")
        try:
            self.reader.visibility.facts()
        except Exception:  # noqa: BLE001 - a home not resolved yet answers its first reads with the error
            log.warning("visibility facts not built at start (is the home resolved?)")

    def caller(self, user: User, via: str) -> Caller:
        """Return the caller `user` is under the policy."""
        return Caller(user, self.policy.scope(user.role, user.area), via)


def hub_of(request: Request) -> Hub:
    """Return the hub the app serves."""
    hub: Hub = request.app.state.hub
    return hub
