"""Alert webhooks: the alerts changed since a subscriber's last delivery, POSTed in signed batches.

Each POST body is JSON `{"batch_id", "subscriber", "alerts": [...]}` with the header
`X-Cityhub-Signature: sha256=<hex HMAC-SHA256 of the body under the subscriber's secret>`. A
connection error, a timeout, a 429 or a 5xx is retried with exponential backoff (tenacity); any
other 4xx is final. Every attempt is a row of `alert_deliveries`; a subscriber's next batch starts
after the last one it acknowledged (2xx), so a batch that failed is sent again on the next run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import uuid
from typing import Any

import httpx
import sqlalchemy as sa
from tenacity import RetryError, Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from cityhub.alerts.store import changed_since
from cityhub.config import AlertWebhook
from cityhub.warehouse.ops_tables import alert_deliveries

__all__ = ["BATCH", "SIGNATURE_HEADER", "deliver", "sign"]

BATCH = 100  # alerts per POST
SIGNATURE_HEADER = "X-Cityhub-Signature"
TIMEOUT = 10.0
MAX_WAIT = 300.0


class _Retryable(Exception):
    """A failure worth another attempt (the subscriber is down or busy)."""


class _Final(Exception):
    """A refusal another attempt would not change (a 4xx other than 429)."""


def sign(secret: str, body: bytes) -> str:
    """Return the signature header value of `body`: sha256=<hex HMAC-SHA256 under `secret`>.

    >>> value = sign("key", b"{}")
    >>> value.startswith("sha256="), len(value), value == sign("key", b"{} ")
    (True, 71, False)
    """
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _last_delivered(connection: sa.Connection, name: str) -> tuple[dt.datetime | None, str]:
    t = alert_deliveries
    row = connection.execute(
        sa.select(t.c.up_to, t.c.up_to_id)
        .where((t.c.subscriber == name) & t.c.ok)
        .order_by(t.c.up_to.desc(), t.c.up_to_id.desc())
        .limit(1)
    ).first()
    return (row[0], str(row[1])) if row else (None, "")


def _for(subscriber: AlertWebhook, alert: dict[str, Any]) -> bool:
    return subscriber.sources is None or set(alert["sources"]) <= set(subscriber.sources)


def _post_once(client: httpx.Client, subscriber: AlertWebhook, body: bytes) -> int:
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(subscriber.secret, body)}
    try:
        response = client.post(subscriber.url, content=body, headers=headers)
    except httpx.HTTPError as error:
        raise _Retryable(f"{type(error).__name__}: {error}"[:255]) from None
    if response.status_code == 429 or response.status_code >= 500:
        raise _Retryable(f"HTTP {response.status_code}")
    if response.status_code >= 400:
        raise _Final(f"HTTP {response.status_code}")
    return response.status_code


def _send(
    engine: sa.Engine,
    client: httpx.Client,
    subscriber: AlertWebhook,
    batch: list[dict[str, Any]],
    sent: list[Any],
    retry: tuple[int, float],
) -> bool:
    """POST one batch with retries, recording every attempt; return whether it was acknowledged."""
    batch_id = uuid.uuid4().hex
    body = json.dumps(
        {"batch_id": batch_id, "subscriber": subscriber.name, "alerts": sent},
        ensure_ascii=False,
        sort_keys=True,
    ).encode()
    last = batch[-1]
    row = {"subscriber": subscriber.name, "batch_id": batch_id, "alerts": len(sent)}
    row |= {"up_to": dt.datetime.fromisoformat(last["updated_at"]), "up_to_id": last["alert_id"]}
    if not sent:  # nothing in the batch is for this subscriber: note it was passed, post nothing
        _record(engine, {**row, "attempt": 0, "ok": True, "error": "nothing for this subscriber"})
        return True
    retrying = Retrying(
        stop=stop_after_attempt(retry[0]),
        wait=wait_exponential(multiplier=retry[1], max=MAX_WAIT),
        retry=retry_if_exception_type(_Retryable),
        reraise=False,
    )
    try:
        for attempt in retrying:
            with attempt:
                number = attempt.retry_state.attempt_number
                try:
                    status = _post_once(client, subscriber, body)
                except (_Retryable, _Final) as error:
                    _record(engine, {**row, "attempt": number, "ok": False, "error": str(error)[:255]})
                    raise
                _record(engine, {**row, "attempt": number, "ok": True, "status_code": status})
    except (RetryError, _Final):
        return False
    return True


def _record(engine: sa.Engine, row: dict[str, Any]) -> None:
    code = row.get("status_code")
    if code is None and str(row.get("error", "")).startswith("HTTP "):
        row["status_code"] = int(str(row["error"]).split()[1])
    with engine.begin() as connection:
        connection.execute(
            alert_deliveries.insert().values(**row, at=dt.datetime.now().replace(microsecond=0))
        )


def deliver(
    engine: sa.Engine, subscribers: list[AlertWebhook], attempts: int = 5, backoff: float = 2.0
) -> dict[str, int]:
    """Send every subscriber the alerts changed since its last acknowledged batch; return alerts sent per
    subscriber (a subscriber that failed is left where it was, for the next run)."""
    sent_counts: dict[str, int] = {}
    with httpx.Client(timeout=TIMEOUT) as client:
        for subscriber in subscribers:
            total = 0
            while True:
                with engine.connect() as connection:
                    since, after = _last_delivered(connection, subscriber.name)
                    batch = changed_since(connection, since, BATCH, after)
                if not batch:
                    break
                sent = [a for a in batch if _for(subscriber, a)]
                if not _send(engine, client, subscriber, batch, sent, (attempts, backoff)):
                    break
                total += len(sent)
            sent_counts[subscriber.name] = total
    return sent_counts
