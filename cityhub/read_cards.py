"""What tells namesakes apart on a search hit, and what a graph node is called, as a scope may see them.

A person hit carries the districts and departments it is seen in (only the sources the scope reads,
only inside its areas) and, for a stated purpose, the birth year and the ID number in the form the
role's policy gives it (masked for all but police), and only when a readable record states it.
A neighbour carries a title: a place's address, a case's or event's category and day, and a
person's name only for a stated purpose (naming a person is a person lookup).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

import pandas as pd

from cityhub.access.masking import shaped
from cityhub.access.policy import Scope
from cityhub.access.visibility import Visibility
from cityhub.warehouse import Warehouse
from cityhub.warehouse.resolved import RESOLVED_TABLES
from ontology.errors import NotFound

__all__ = ["node_title", "person_cards", "titled"]


def _digits(value: Any) -> str:
    return "".join(ch for ch in str(value) if ch.isdigit() or ch in "xX").upper()


def person_cards(
    warehouse: Warehouse, facts: Visibility, scope: Scope, ids: list[str], personal: bool
) -> dict[str, dict[str, Any]]:
    """Return person_id -> {districts, sources[, birth_year, id_number]} for the people `ids`."""
    cards: dict[str, dict[str, Any]] = {}
    for person_id in ids:
        seen = [(s, d) for s, d in facts.person.get(person_id, ()) if scope.allows_source(s)]
        seen = [(s, d) for s, d in seen if scope.allows_area(d)]
        cards[person_id] = {
            "districts": sorted({d for _, d in seen if d}),
            "sources": sorted({s for s, _ in seen}),
        }
    if not personal or not ids or scope.field_form("birth_date") == "hidden":
        return cards
    people_table, mentions_table = RESOLVED_TABLES["people"], RESOLVED_TABLES["person_mentions"]
    people = warehouse.read_table(people_table.name, people_table.c.person_id.in_(ids))
    mentions = warehouse.read_table(mentions_table.name, mentions_table.c.person_id.in_(ids))
    stated = _readable_numbers(mentions, scope)
    for row in people.itertuples(index=False):
        card = cards.get(str(row.person_id))
        if card is None:
            continue
        birth = getattr(row, "birth_date", None)
        card["birth_year"] = str(birth)[:4] if birth is not None and not pd.isna(birth) else None
        number = getattr(row, "id_number", None)
        readable = number is not None and _digits(number) in stated.get(str(row.person_id), set())
        card["id_number"] = shaped({"id_number": number if readable else None}, scope)["id_number"]
    return cards


def _readable_numbers(mentions: pd.DataFrame, scope: Scope) -> dict[str, set[str]]:
    """Return person_id -> the ID numbers records of readable sources state (a number only another
    department recorded is not shown, as on the 360)."""
    found: dict[str, set[str]] = {}
    for person_id, source, number in zip(
        mentions["person_id"], mentions["source"], mentions["id_number"], strict=True
    ):
        if scope.allows_source(source) and isinstance(number, str) and number:
            found.setdefault(str(person_id), set()).add(_digits(number))
    return found


@cache
def _category_names() -> dict[str, str]:
    from ontology.model import load_ontology

    names: dict[str, str] = {}
    for code, category in load_ontology().taxonomy.categories.items():
        names[code] = category.name
        names.setdefault(category.major_code, category.major_name)
    return names


def _day(value: Any) -> str:
    return str(value)[:10] if value is not None and str(value) not in ("", "None", "NaT") else ""


def node_title(label: str, props: dict[str, Any], people_named: bool) -> str | None:
    """Return what a node is called on a graph: an address, a category and day, or a name."""
    if label == "Person":
        return str(props.get("name") or "") or None if people_named else None
    if label == "Place":
        return str(props.get("full_address") or props.get("name") or "") or None
    if label in ("Case", "Event"):
        category = str(props.get("category") or "")
        named = _category_names().get(category, category)
        day = _day(props.get("opened_at") if label == "Case" else props.get("occurred_at"))
        return f"{named}（{day}）" if day else named or None
    return str(props.get("name") or "") or None


def titled(
    items: Iterable[dict[str, Any]],
    props_of: Callable[[str, str], dict[str, Any]],
    scope: Scope,
    people_named: bool,
) -> list[dict[str, Any]]:
    """Return the neighbour items with their titles, shaped for the scope (digits in text masked)."""
    out = []
    for item in items:
        try:
            props = props_of(item["label"], item["key"])
        except NotFound:  # a node gone since the walk keeps no title
            props = {}
        out.append({**item, "title": node_title(item["label"], props, people_named)})
    return list(shaped(out, scope))
