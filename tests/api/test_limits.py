"""Per-user limits: identifier searches, failed sign-ins, session expiry, the slow lane."""

from __future__ import annotations

import time

from cityhub.access.limits import RateLimits, ServerTime
from cityhub.access.sessions import SessionStore
from tests.api.conftest import sign_in


def test_whole_number_searches_are_rate_limited_per_user(client, app):
    hub = app.state.hub
    saved = hub.limits
    hub.limits = RateLimits({"identifier_searches": "3/hour"})
    try:
        headers = sign_in(client, "petitions_office")
        statuses = [
            client.get("/search", params={"q": f"1381234{n:04d}"}, headers=headers).status_code
            for n in range(5)
        ]
        assert statuses == [200, 200, 200, 429, 429]
        other = sign_in(client, "police")
        assert client.get("/search", params={"q": "13812340000"}, headers=other).status_code == 200
        assert client.get("/search", params={"q": "张伟"}, headers=headers).status_code == 200
    finally:
        hub.limits = saved


def test_repeated_wrong_passwords_are_refused_for_a_while(client, app):
    hub = app.state.hub
    saved = hub.limits
    hub.limits = RateLimits({"failed_logins": "3/minute"})
    try:
        wrong = [
            client.post("/auth/login", json={"username": "leader", "password": "wrong-one"}) for _ in range(4)
        ]
        assert [w.status_code for w in wrong] == [401, 401, 401, 429]
        right = client.post("/auth/login", json={"username": "leader", "password": "password-leader"})
        assert right.status_code == 429 and set(right.json()) == {"error"}
    finally:
        hub.limits = saved


def test_sessions_expire():
    store = SessionStore(minutes=0)
    token, _ = store.open("someone")
    time.sleep(0.01)
    assert store.get(token) is None


def test_a_user_over_the_server_time_budget_is_told_apart():
    meter = ServerTime(budget=0.5, window=10)
    meter.charge("heavy", 0.4)
    assert not meter.over_budget("heavy")
    meter.charge("heavy", 0.2)
    assert meter.over_budget("heavy") and not meter.over_budget("light")
