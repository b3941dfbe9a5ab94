"""The operations step after resolving: statistics rebuilt, alerts checked and saved, webhooks delivered.

`fusion.resolve` calls `refresh_operations` with its run's time, so every fusion run leaves the
aggregates and the alerts as of itself; the alerts DAG calls it again on its schedule (as of the
newest fusion run) and then `deliver_alerts`.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from cityhub.alerts.detect import find_alerts
from cityhub.alerts.store import save_alerts
from cityhub.alerts.webhooks import deliver
from cityhub.config import Settings, get_settings
from cityhub.stats.frames import load_frames
from cityhub.stats.refresh import mark_run, refresh_stats
from cityhub.warehouse import Warehouse
from cityhub.warehouse.migrate import upgrade
from cityhub.warehouse.resolved import RESOLVED_TABLES

__all__ = ["deliver_alerts", "latest_fusion_run", "refresh_operations"]


def _warehouse(settings: Settings) -> Warehouse:
    url = settings.resolved_warehouse_url()
    upgrade(url)
    return Warehouse(url)


def latest_fusion_run(warehouse: Warehouse) -> dt.datetime | None:
    """Return the time of the newest fusion run that changed a resolved table (None before any)."""
    with warehouse.engine.connect() as connection:
        stamps = [
            connection.execute(sa.select(sa.func.max(t.c.changed_at))).scalar_one_or_none()
            for name, t in RESOLVED_TABLES.items()
            if name != "id_changes"
        ]
    known = [s for s in stamps if s is not None]
    return max(known) if known else None


def refresh_operations(settings: Settings | None = None, at: dt.datetime | None = None) -> dict[str, int]:
    """Rebuild the statistics and check the alerts from the resolved tables, as of the fusion run `at`."""
    warehouse = _warehouse(settings or get_settings())
    at = at or latest_fusion_run(warehouse)
    if at is None:
        return {"alerts": 0}
    frames = load_frames(warehouse)
    counts = refresh_stats(warehouse, frames, at)
    found = find_alerts(frames, warehouse.read_table("resolved_event_people"))
    with warehouse.engine.begin() as connection:
        saved = save_alerts(connection, found, at)
        mark_run(connection, "alerts", at)
    counts.update({f"alerts {k}": v for k, v in saved.items()})
    return counts


def deliver_alerts(settings: Settings | None = None) -> dict[str, int]:
    """POST the alerts changed since each configured subscriber's last delivery; return alerts sent each."""
    settings = settings or get_settings()
    warehouse = _warehouse(settings)
    return deliver(
        warehouse.engine,
        settings.alert_webhooks,
        settings.alert_webhook_attempts,
        settings.alert_webhook_backoff_seconds,
    )
