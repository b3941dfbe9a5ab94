"""What officials and applications read: search, person 360, address dossier, case timeline,
neighbours and person matching, over the warehouse and its projections.

Personal identifiers (ID numbers, phones) leave masked; every read is written to the audit log
(`home/audit.jsonl`: when, who, what, which IDs) without the identifiers themselves.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import threading
from pathlib import Path
from typing import Any

from cityhub.config import Settings, get_settings
from cityhub.projections import open_graph_store, open_search_index
from cityhub.resolve_files import people_options
from cityhub.warehouse import Warehouse
from cityhub.warehouse.resolved import RESOLVED_TABLES
from entity_resolution.people.match import match_person
from ontology.errors import Forbidden, NotFound
from quality.formats import mask_identifier

__all__ = ["Reader", "audit", "caller_of", "masked"]

SENSITIVE = frozenset({"id_number", "phone", "phones", "id_numbers", "sfzh", "lxdh"})
_AUDIT_LOCK = threading.Lock()


def masked(value: Any) -> Any:
    """Return a JSON-ready copy of `value` with sensitive fields masked, at any depth."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {k: (_mask(v) if k in SENSITIVE else masked(v)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [masked(v) for v in value]
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return value


def _mask(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_mask(v) for v in value]
    return mask_identifier(value) if value not in (None, "") else value


def caller_of(api_key: str | None, settings: Settings) -> str:
    """Return the caller's name for an API key, or raise Forbidden."""
    keys = dict(pair.split(":", 1) for pair in settings.api_keys.split(",") if ":" in pair)
    by_key = {key.strip(): name.strip() for name, key in keys.items()}
    if not api_key or api_key not in by_key:
        raise Forbidden("a valid X-API-Key header is required (keys are set in CITYHUB_API_KEYS)")
    return by_key[api_key]


def audit(settings: Settings, caller: str, action: str, target: str) -> None:
    """Append one line to the audit log: when, who, what and on which entity (never identifiers)."""
    line = json.dumps(
        {
            "at": dt.datetime.now().isoformat(timespec="seconds"),
            "caller": caller,
            "action": action,
            "target": target,
        },
        ensure_ascii=False,
    )
    path: Path = settings.home / "audit.jsonl"
    with _AUDIT_LOCK, path.open("a", encoding="utf-8") as log:
        log.write(line + "\n")


class Reader:
    """Read access to the hub; each method returns JSON-ready, masked values."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        self.warehouse = Warehouse(self.settings.resolved_warehouse_url())

    def search(
        self, text: str, kinds: list[str] | None, size: int, filters: dict[str, Any]
    ) -> dict[str, Any]:
        with open_search_index(self.settings) as index:
            results = index.search(
                text,
                kinds=kinds,
                filters=filters or None,
                facets=("source", "district", "category"),
                size=size,
            )
        return masked(results)

    def person(self, person_id: str) -> dict[str, Any]:
        with open_graph_store(self.settings) as store:
            return masked(store.person_360(person_id))

    def dossier(self, place_id: str) -> dict[str, Any]:
        with open_graph_store(self.settings) as store:
            return masked(store.address_dossier(place_id))

    def neighbours(self, label: str, key: str, depth: int) -> list[Any]:
        with open_graph_store(self.settings) as store:
            return masked(store.neighbours(label, key, depth))

    def co_involved(self, person_id: str) -> list[Any]:
        with open_graph_store(self.settings) as store:
            return masked(store.co_involved(person_id))

    def case_timeline(self, case_id: str) -> dict[str, Any]:
        """Return the case and its events in time order: which department, when, what status."""
        cases, events = RESOLVED_TABLES["cases"], RESOLVED_TABLES["events"]
        case = self.warehouse.read_table(cases.name, cases.c.case_id == case_id)
        if case.empty:
            raise NotFound(f"case {case_id!r} is not known")
        timeline = self.warehouse.read_table(events.name, events.c.case_id == case_id).sort_values(
            ["occurred_at", "event_id"]
        )
        row = case.iloc[0].drop("changed_at").to_dict()
        row["sources"] = json.loads(row["sources"]) if isinstance(row["sources"], str) else []
        entries = timeline[
            ["event_id", "source", "occurred_at", "status", "category", "description", "place_id"]
        ].to_dict("records")
        return masked({"case": row, "timeline": entries})

    def match(self, record: dict[str, Any], limit: int = 10) -> list[dict[str, Any]]:
        """Return candidate people for a person record, with scores and per-field weights."""
        query = " ".join(str(record[f]) for f in ("name", "phone", "id_number") if record.get(f))
        if not query:
            return []
        with open_search_index(self.settings) as index:
            hits = index.search(query, kinds=["person"], size=30).hits
        ids = [hit.id for hit in hits]
        if not ids:
            return []
        table = RESOLVED_TABLES["person_mentions"]
        mentions = self.warehouse.read_table(table.name, table.c.person_id.in_(ids))
        mentions = mentions.assign(birth_date=None, gender=None)
        ranked = match_person(record, mentions, people_options(self.settings).prepare, limit=limit)
        return [_explained(row) for row in ranked.to_dict("records")]


def _explained(row: dict[str, Any]) -> dict[str, Any]:
    weights = {k.removeprefix("w_"): round(float(v), 2) for k, v in row.items() if k.startswith("w_")}
    return {
        "person_id": row["person_id"],
        "score": round(float(row["score"]), 2),
        "probability": round(float(row["probability"]), 4),
        "explanation": {k: v for k, v in weights.items() if v != 0.0},
    }
