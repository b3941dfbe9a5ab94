"""Alerts: stable across fusion runs, escalations as the cases say, planted spikes found, webhooks
signed and retried against a real HTTP server."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pandas as pd
import pytest

from cityhub.alerts.webhooks import SIGNATURE_HEADER, deliver
from cityhub.config import AlertWebhook, Settings
from cityhub.pipeline import fusion
from cityhub.pipeline.operations import refresh_operations
from cityhub.warehouse import Warehouse
from cityhub.warehouse.migrate import upgrade
from cityhub.warehouse.resolved import RESOLVED_TABLES
from proving.alert_scores import found_spikes, score_spikes


def _alerts(settings):
    return (
        Warehouse(settings.resolved_warehouse_url()).read_table("alerts").set_index("alert_id").sort_index()
    )


def test_a_second_fusion_run_keeps_every_alert_id_and_changes_none(resolved_home):
    before = _alerts(resolved_home)
    counts = fusion.resolve(resolved_home)
    after = _alerts(resolved_home)
    assert len(before) > 10 and set(before["kind"]) >= {"escalating", "recurring_person"}
    assert list(after.index) == list(before.index)
    assert (counts["alerts new"], counts["alerts updated"], counts["alerts cleared"]) == (0, 0, 0)
    assert (after["updated_at"] == before["updated_at"]).all()
    assert (after["last_seen"] > before["last_seen"]).all()


def test_each_escalating_case_has_one_alert(resolved_home):
    warehouse = Warehouse(resolved_home.resolved_warehouse_url())
    cases = warehouse.read_table("resolved_cases")
    alerts = _alerts(resolved_home)
    escalating = set(cases.loc[cases["escalating"].astype(bool), "case_id"])
    assert escalating and set(alerts.loc[alerts["kind"] == "escalating", "subject_id"]) == escalating


def test_alert_titles_name_categories_and_departments_in_chinese(resolved_home):
    titles = _alerts(resolved_home)["title"]
    assert len(titles) and not titles.str.contains(r"[a-z_]+\.[a-z_]+|（[a-z_]+）", regex=True).any()
    assert titles.str.contains("/").any()  # "物业管理/电梯故障": major and subcategory


WEEKS = 30
START = dt.date(2026, 1, 5)  # a Monday
COMMUNITIES = [f"5001060060{i:02d}" for i in range(1, 13)]
CATEGORIES = ["neighbour_dispute.noise", "city_appearance.garbage", "property_management.elevator"]


def _planted_city(home, rng):
    """Write resolved tables of a city with steady weekly cases and planted spikes; return the spikes."""
    at = dt.datetime(2026, 8, 1)
    places = [
        {
            "place_id": "500106",
            "level": "district",
            "name": "沙坪坝区",
            "full_address": "沙坪坝区",
            "parent_id": None,
            "grid_id": None,
            "changed_at": at,
        },
        {
            "place_id": "500106006",
            "level": "street",
            "name": "街道",
            "full_address": "",
            "parent_id": "500106",
            "grid_id": None,
            "changed_at": at,
        },
    ]
    places += [
        {
            "place_id": c,
            "level": "community",
            "name": f"社区{c[-2:]}",
            "full_address": "",
            "parent_id": "500106006",
            "grid_id": None,
            "changed_at": at,
        }
        for c in COMMUNITIES
    ]
    planted = {(COMMUNITIES[i], CATEGORIES[i % 3], 8 + 2 * i) for i in range(10)}
    events, cases = [], []
    for community in COMMUNITIES:
        for k, category in enumerate(CATEGORIES):
            rate = 0.5 + k * 0.75
            for week in range(WEEKS):
                n = rng.poisson(rate) + (rng.integers(8, 13) if (community, category, week) in planted else 0)
                for j in range(n):
                    when = dt.datetime.combine(
                        START + dt.timedelta(weeks=week, days=int(rng.integers(0, 7))), dt.time(10, j % 60)
                    )
                    case = f"CASE-{community}-{k}-{week}-{j}"
                    cases.append(
                        {
                            "case_id": case,
                            "category": category,
                            "opened_at": when,
                            "last_activity_at": when,
                            "escalating": False,
                            "escalation_reason": None,
                            "sources": '["hotline"]',
                            "changed_at": at,
                        }
                    )
                    events.append(
                        {
                            "event_id": f"hotline:{case}",
                            "source": "hotline",
                            "record_id": case,
                            "category": category,
                            "occurred_at": when,
                            "status": "open",
                            "description": "",
                            "address": "",
                            "place_id": community,
                            "case_id": case,
                            "updated_at": when,
                            "changed_at": at,
                        }
                    )
    url = f"sqlite:///{home / 'warehouse.sqlite'}"
    upgrade(url)
    warehouse = Warehouse(url)
    with warehouse.engine.begin() as connection:
        for name, rows in (("places", places), ("cases", cases), ("events", events)):
            connection.execute(RESOLVED_TABLES[name].insert(), rows)
    truth = pd.DataFrame(
        [
            {"community_id": c, "category": k, "week_start": START + dt.timedelta(weeks=w)}
            for c, k, w in planted
        ]
    )
    return warehouse, truth, at


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    home = tmp_path_factory.mktemp("planted")
    warehouse, truth, at = _planted_city(home, np.random.default_rng(11))
    counts = refresh_operations(Settings(home=home), at)
    return warehouse, truth, counts


def test_planted_spikes_are_found_with_precision_and_recall_of_at_least_0_9(planted):
    warehouse, truth, counts = planted
    scores = score_spikes(found_spikes(warehouse), truth)
    assert scores["planted"] == 10 and counts["alerts new"] >= 9
    assert scores["precision"] >= 0.9 and scores["recall"] >= 0.9, scores


class _Subscriber(BaseHTTPRequestHandler):
    """Answers 503 to the first `failures` POSTs, then 200; keeps every body and signature."""

    failures = 2
    final_status = 200
    received: list[tuple[bytes, str]] = []

    def do_POST(self):  # noqa: N802 - the http.server name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((body, self.headers[SIGNATURE_HEADER]))
        failing = len(type(self).received) <= type(self).failures
        self.send_response(503 if failing else type(self).final_status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture()
def subscriber_server():
    handler = type("Handler", (_Subscriber,), {"received": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, handler
    server.shutdown()
    server.server_close()


def test_webhooks_are_signed_retried_with_backoff_and_every_attempt_recorded(planted, subscriber_server):
    warehouse, _, _ = planted
    server, handler = subscriber_server
    hook = AlertWebhook(name="centre", url=f"http://127.0.0.1:{server.server_port}/hook", secret="s3cret")
    sent = deliver(warehouse.engine, [hook], attempts=5, backoff=0.01)
    active = warehouse.read_table("alerts")
    assert sent == {"centre": len(active)} and len(active) > 0
    attempts = warehouse.read_table("alert_deliveries").sort_values("delivery_id")
    first = attempts[attempts["batch_id"] == attempts["batch_id"].iloc[0]]
    assert first["attempt"].tolist() == [1, 2, 3]
    assert first["ok"].astype(bool).tolist() == [False, False, True]
    assert first["status_code"].tolist() == [503, 503, 200]
    for body, signature in handler.received:
        assert signature == "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    delivered = [a["alert_id"] for body, _ in handler.received[2:] for a in json.loads(body)["alerts"]]
    assert sorted(delivered) == sorted(active["alert_id"])
    assert deliver(warehouse.engine, [hook], attempts=5, backoff=0.01) == {"centre": 0}  # nothing new


def test_a_refused_webhook_is_not_retried_and_its_alerts_wait_for_the_next_run(planted, subscriber_server):
    warehouse, _, _ = planted
    server, handler = subscriber_server
    handler.failures, handler.final_status = 0, 400
    hook = AlertWebhook(name="refuses", url=f"http://127.0.0.1:{server.server_port}/hook", secret="k")
    assert deliver(warehouse.engine, [hook], attempts=5, backoff=0.01) == {"refuses": 0}
    attempts = warehouse.read_table("alert_deliveries")
    mine = attempts[attempts["subscriber"] == "refuses"]
    assert mine["attempt"].tolist() == [1] and mine["status_code"].tolist() == [400]
    handler.final_status = 200
    assert deliver(warehouse.engine, [hook], attempts=5, backoff=0.01)["refuses"] > 0
