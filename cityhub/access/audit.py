"""The audit log: one hash-chained JSON line per request, allowed or refused.

Each line holds when, the status, who (user and role), the purpose stated, the client address,
the route and the entity ids returned, every value bounded and free text masked, plus `prev`
(the hash of the line before) and `hash` (SHA-256 of `prev` and this line's record). `<log>.head`
keeps the count and last hash, so a line altered, removed, inserted or cut off the end breaks
the chain or the head, and `verify` names the first line where it breaks.

The chain proves the log is whole as long as the head (or a copy of it taken elsewhere, e.g. by
a daily job) is out of the writer's reach; it is not a signature.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Any

from cityhub.access.masking import mask_free_text

__all__ = ["GENESIS", "MAX_ENTITIES", "MAX_LINE", "AuditLog", "verify_log"]

GENESIS = "0" * 64
MAX_ENTITIES = 50  # ids named per line; the count says how many more were returned
MAX_VALUE = 120  # characters per value
MAX_LINE = 4096  # bytes per line, whatever was sent


def _bounded(value: Any) -> Any:
    if isinstance(value, str):
        return mask_free_text(value[:MAX_VALUE])
    if isinstance(value, list):
        return [_bounded(v) for v in value[:MAX_ENTITIES]]
    if isinstance(value, dict):
        return {str(k)[:40]: _bounded(v) for k, v in list(value.items())[:20]}
    return value


def _digest(prev: str, record: dict[str, Any]) -> str:
    body = json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((prev + body).encode("utf-8", "replace")).hexdigest()


class AuditLog:
    """An append-only, hash-chained audit log in one file (thread-safe within a process)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.head = path.with_name(path.name + ".head")
        self._lock = threading.Lock()
        self._last: tuple[int, str] | None = None

    def record(self, **fields: Any) -> dict[str, Any]:
        """Append one line from `fields` (bounded and masked); return the record as written."""
        record: dict[str, Any] = {"at": dt.datetime.now().isoformat(timespec="milliseconds")}
        record.update({k: _bounded(v) for k, v in fields.items() if v is not None})
        entities = fields.get("entities")
        if isinstance(entities, list) and len(entities) > MAX_ENTITIES:
            record["entities_more"] = len(entities) - MAX_ENTITIES
        with self._lock:
            count, prev = self._tail()
            record["prev"] = prev
            record["hash"] = _digest(prev, record)
            line = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
            if len(line.encode()) > MAX_LINE:  # cannot happen with the bounds above; kept as a guard
                raise ValueError("audit line over its bound")
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as log:
                log.write(line + "\n")
            self._last = (count + 1, record["hash"])
            self._write_head(json.dumps({"lines": count + 1, "hash": record["hash"]}))
        return record

    def _write_head(self, text: str) -> None:
        # written over in place, not truncated first: emptying a file costs the filesystem milliseconds,
        # and this runs once for every request the hub answers
        data = text.encode("utf-8")
        handle = os.open(self.head, os.O_WRONLY | os.O_CREAT, 0o644)
        try:
            os.pwrite(handle, data, 0)
            os.ftruncate(handle, len(data))
        finally:
            os.close(handle)

    def _tail(self) -> tuple[int, str]:
        if self._last is None:
            try:
                head = json.loads(self.head.read_text("utf-8"))
                self._last = (int(head["lines"]), str(head["hash"]))
            except (OSError, ValueError, KeyError):
                self._last = (0, GENESIS)
        return self._last

    def read(self, limit: int = 100, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
        """Return lines newest first (`limit` from `offset`) and how many there are."""
        if not self.path.exists():
            return [], 0
        lines = self.path.read_text("utf-8").splitlines()
        chosen = lines[::-1][offset : offset + limit]
        return [json.loads(line) for line in chosen], len(lines)


def verify_log(path: Path) -> tuple[int, str | None]:
    """Return (lines checked, the first problem or None) for the audit log at `path`."""
    prev, count = GENESIS, 0
    if path.exists():
        with path.open(encoding="utf-8") as log:
            for count, line in enumerate(log, start=1):  # noqa: B007 - count is read after the loop
                try:
                    record = json.loads(line)
                except ValueError:
                    return count, f"line {count} is not JSON"
                stated = record.pop("hash", None)
                if record.get("prev") != prev:
                    return (
                        count,
                        f"line {count} does not follow line {count - 1} (a line removed or inserted)",
                    )
                if _digest(prev, record) != stated:
                    return count, f"line {count} was altered (its hash does not match)"
                prev = str(stated)
    head_path = path.with_name(path.name + ".head")
    try:
        head = json.loads(head_path.read_text("utf-8"))
    except (OSError, ValueError):
        return count, None if count == 0 else f"{head_path.name} is missing or unreadable"
    if int(head.get("lines", -1)) != count or head.get("hash") != prev:
        return (
            count,
            f"the log has {count} lines but its head says {head.get('lines')} (lines cut off the end)",
        )
    return count, None
