"""The alerts DAG with `dag.test()`: it checks the alerts of a resolved city and delivers them to a
webhook subscriber (a real local HTTP server)."""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from cityhub.config import get_settings
from cityhub.pipeline import fusion
from cityhub.warehouse import Warehouse

received: list[tuple[bytes, str]] = []


class _Subscriber(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - the http.server name
        received.append(
            (self.rfile.read(int(self.headers["Content-Length"])), self.headers["X-Cityhub-Signature"])
        )
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture()
def subscriber():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Subscriber)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/alerts"
    server.shutdown()
    server.server_close()


def test_the_alerts_dag_checks_and_delivers(ingested_city_home, tmp_path, subscriber, dagbag, dag_runner):
    with (
        sqlite3.connect(ingested_city_home / "warehouse.sqlite") as source,
        sqlite3.connect(tmp_path / "warehouse.sqlite") as copy,
    ):
        source.backup(copy)
    hooks = [{"name": "centre", "url": subscriber, "secret": "dag-secret"}]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CITYHUB_HOME", str(tmp_path))
        patch.setenv("CITYHUB_ALERT_WEBHOOKS", json.dumps(hooks))
        patch.setenv("CITYHUB_ALERT_WEBHOOK_BACKOFF_SECONDS", "0.01")
        for name in ("CITYHUB_WAREHOUSE_URL", "CITYHUB_LAKE_DIR", "CITYHUB_SOURCES_DIR"):
            patch.delenv(name, raising=False)
        get_settings.cache_clear()
        try:
            for step in (fusion.standardise, fusion.check_quality):
                step()
            counts = fusion.resolve()
            run = dag_runner(dagbag.dags["cityhub_alerts"])
        finally:
            get_settings.cache_clear()
    assert [ti.task_id for ti in sorted(run.get_task_instances(), key=lambda t: t.start_date)] == [
        "check_alerts",
        "deliver_alerts",
    ]
    warehouse = Warehouse(f"sqlite:///{tmp_path / 'warehouse.sqlite'}")
    alerts = warehouse.read_table("alerts")
    found = counts["alerts new"] + counts["alerts updated"] + counts["alerts kept"]
    assert (
        (alerts["status"] == "active").sum() == found > 0
    )  # the scheduled check found what the fusion run saved
    delivered = [a["alert_id"] for body, _ in received for a in json.loads(body)["alerts"]]
    assert sorted(delivered) == sorted(alerts["alert_id"])
    assert all(
        sig == "sha256=" + hmac.new(b"dag-secret", body, hashlib.sha256).hexdigest() for body, sig in received
    )
    assert warehouse.read_table("alert_deliveries")["ok"].astype(bool).all()
