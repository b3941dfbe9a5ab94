"""Graph answers cut to what a scope may see: person 360, address dossier, source-record reasons.

Each function takes what the graph store or warehouse returned and leaves out every entity the
scope may not see (`cityhub.access.visibility`), so nothing hidden is listed, counted or linked.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pandas as pd

from cityhub.access.policy import Scope
from cityhub.access.visibility import Visibility
from graph.results import AddressDossier, Person360
from normalize.names import phonetic_key

__all__ = ["dossier_view", "person_view", "record_reasons"]


def _digits(value: Any) -> str:
    return "".join(ch for ch in str(value) if ch.isdigit() or ch in "xX").upper()


def _readable(mentions: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    return mentions[[scope.allows_source(s) for s in mentions["source"]]] if len(mentions) else mentions


def person_view(facts: Visibility, scope: Scope, found: Person360, mentions: pd.DataFrame) -> dict[str, Any]:
    """Return the 360 with only visible events, cases and places, and the person's fields as the
    readable sources state them (an ID number or phone only another department recorded is left out)."""
    readable = _readable(mentions, scope)
    person = dict(found.person)
    person["sources"] = [s for s in person.get("sources") or [] if facts.source_allowed(scope, s)]
    ids = {_digits(v) for v in readable["id_number"].dropna()} if len(readable) else set()
    phones = {_digits(v)[-11:] for v in readable["phone"].dropna()} if len(readable) else set()
    if _digits(person.get("id_number") or "") not in ids:
        person["id_number"] = None
    person["phones"] = [p for p in person.get("phones") or [] if _digits(p)[-11:] in phones]
    involvements: list[dict[str, Any]] = [
        {
            "role": item.role,
            "event": item.event,
            "place_id": item.place_id
            if item.place_id and facts.visible(scope, "Place", item.place_id)
            else None,
            "case_id": item.case_id if item.case_id and facts.visible(scope, "Case", item.case_id) else None,
        }
        for item in found.involvements
        if facts.visible(scope, "Event", str(item.event.get("event_id")))
    ]
    departments = Counter(str(item["event"].get("source")) for item in involvements)
    return {
        "person": person,
        "addresses": [a for a in found.addresses if facts.visible(scope, "Place", str(a["place_id"]))],
        "involvements": involvements,
        "cases": [c for c in found.cases if facts.visible(scope, "Case", str(c["case_id"]))],
        "departments": dict(sorted(departments.items())),
    }


def dossier_view(facts: Visibility, scope: Scope, found: AddressDossier) -> dict[str, Any]:
    """Return the dossier with only the visible places, events, residents and cases below the place."""
    events = [
        {
            "event": e.event,
            "place_id": e.place_id,
            "case_id": e.case_id if e.case_id and facts.visible(scope, "Case", e.case_id) else None,
            "people": [
                {"person_id": pid, "role": role}
                for pid, role in e.people
                if facts.visible(scope, "Person", pid)
            ],
        }
        for e in found.events
        if facts.visible(scope, "Event", str(e.event.get("event_id")))
    ]
    return {
        "place": found.place,
        "ancestors": [a for a in found.ancestors if facts.visible(scope, "Place", str(a["place_id"]))],
        "places": [p for p in found.places if facts.visible(scope, "Place", str(p["place_id"]))],
        "events": events,
        "residents": [
            {"person": r.person, "place_id": r.place_id}
            for r in found.residents
            if facts.visible(scope, "Person", str(r.person["person_id"]))
        ],
        "cases": [c for c in found.cases if facts.visible(scope, "Case", str(c["case_id"]))],
    }


def _name_reason(name: Any, mentioned: Any) -> str | None:
    if not isinstance(mentioned, str) or not mentioned or not isinstance(name, str) or not name:
        return None
    if mentioned == name:
        return "姓名相同"
    if phonetic_key(mentioned) == phonetic_key(name):
        return f"姓名同音不同字（记录为“{mentioned}”）"
    return f"姓名不同（记录为“{mentioned}”）"


def record_reasons(person: dict[str, Any], mentions: pd.DataFrame, scope: Scope) -> list[dict[str, Any]]:
    """Return, for each source record of the person the scope may read, why it belongs to them."""
    ids = _digits(person.get("id_number") or "")
    phones = {_digits(p)[-11:] for p in person.get("phones") or []}
    out = []
    for row in _readable(mentions, scope).itertuples(index=False):
        reasons = []
        if ids and isinstance(row.id_number, str) and _digits(row.id_number) == ids:
            reasons.append("身份证号相同")
        if isinstance(row.phone, str) and _digits(row.phone)[-11:] in phones:
            reasons.append("手机号相同")
        named = _name_reason(person.get("name"), row.name)
        reasons += [named] if named else []
        if isinstance(row.place_id, str) and row.place_id:
            reasons.append("地址归属同一房屋")
        out.append(
            {"source": str(row.source), "record_id": str(row.record_id), "name": row.name, "reasons": reasons}
        )
    return out
