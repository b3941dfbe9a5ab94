"""The alerts table: one row per situation, updated by each run, read by the API and the webhooks.

A run's alerts are merged into the table: a new situation is inserted; one already there keeps its
first_seen, gets last_seen = the run, and its updated_at moves to the run only when its evidence,
title or status changed; a situation no longer found is marked cleared (once). `updated_at` is what
`/alerts?since=`, the stream and the webhooks follow.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import pandas as pd
import sqlalchemy as sa

from cityhub.warehouse.ops_tables import alerts

__all__ = ["AlertPage", "changed_since", "decode", "save_alerts"]

AlertPage = list[dict[str, Any]]


def _encoded(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(
        sources=[json.dumps(list(s), ensure_ascii=False) for s in frame["sources"]],
        evidence=[json.dumps(e, ensure_ascii=False, sort_keys=True) for e in frame["evidence"]],
    )


def save_alerts(connection: sa.Connection, found: pd.DataFrame, at: dt.datetime) -> dict[str, int]:
    """Merge the alerts found by the run at `at` into the table; return new, updated, cleared, kept."""
    old = {str(r["alert_id"]): dict(r) for r in connection.execute(sa.select(alerts)).mappings()}
    new: list[dict[str, Any]] = _encoded(found).to_dict("records") if len(found) else []  # type: ignore[assignment]
    counts = {"new": 0, "updated": 0, "cleared": 0, "kept": 0}
    compared = ("title", "evidence", "sources", "severity", "district_id")
    inserts = []
    for values in new:
        before = old.get(values["alert_id"])
        if before is None:
            inserts.append(
                {**values, "status": "active", "first_seen": at, "last_seen": at, "updated_at": at}
            )
            counts["new"] += 1
            continue
        changed = before["status"] != "active" or any(before[c] != values[c] for c in compared)
        counts["updated" if changed else "kept"] += 1
        update = {**values, "status": "active", "last_seen": at, **({"updated_at": at} if changed else {})}
        connection.execute(
            alerts.update().where(alerts.c.alert_id == update.pop("alert_id")).values(**update)
        )
    if inserts:
        connection.execute(alerts.insert(), inserts)
    found_ids = {v["alert_id"] for v in new}
    gone = sorted(k for k, r in old.items() if r["status"] == "active" and k not in found_ids)
    counts["cleared"] = len(gone)
    for start in range(0, len(gone), 500):
        chunk = gone[start : start + 500]
        connection.execute(
            alerts.update().where(alerts.c.alert_id.in_(chunk)).values(status="cleared", updated_at=at)
        )
    return counts


def decode(row: dict[str, Any]) -> dict[str, Any]:
    """Return an alert row with its JSON columns decoded and times as ISO text."""
    out = dict(row)
    out["sources"] = json.loads(out["sources"])
    out["evidence"] = json.loads(out["evidence"])
    for column in ("first_seen", "last_seen", "updated_at"):
        if isinstance(out[column], dt.datetime):
            out[column] = out[column].isoformat()
    return out


def changed_since(
    connection: sa.Connection,
    since: dt.datetime | None,
    limit: int,
    after_id: str = "",
    kinds: Sequence[str] = (),
) -> AlertPage:
    """Return up to `limit` alerts changed after `since`, oldest change first (ties after `after_id`)."""
    query = sa.select(alerts)
    if since is not None:
        later = alerts.c.updated_at > since
        query = query.where(later | ((alerts.c.updated_at == since) & (alerts.c.alert_id > after_id)))
    if kinds:
        query = query.where(alerts.c.kind.in_(kinds))
    query = query.order_by(alerts.c.updated_at, alerts.c.alert_id).limit(limit)
    return [decode(dict(r)) for r in connection.execute(query).mappings()]


def changed_before(
    connection: sa.Connection,
    before: tuple[dt.datetime, str] | None,
    limit: int,
    kinds: Sequence[str] = (),
) -> AlertPage:
    """Return up to `limit` alerts changed before `before` (a change time and alert id; None: from the
    latest), the latest change first."""
    query = sa.select(alerts)
    if before is not None:
        stamp, alert_id = before
        earlier = alerts.c.updated_at < stamp
        query = query.where(earlier | ((alerts.c.updated_at == stamp) & (alerts.c.alert_id < alert_id)))
    if kinds:
        query = query.where(alerts.c.kind.in_(kinds))
    query = query.order_by(alerts.c.updated_at.desc(), alerts.c.alert_id.desc()).limit(limit)
    return [decode(dict(r)) for r in connection.execute(query).mappings()]
