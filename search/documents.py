"""Search documents for people, places and cases, built from the resolved tables (pure functions).

The resolved tables are the contract between resolution, the warehouse and the projections
(people, person_mentions, places, events, event_people, cases). Each builder yields one
`SearchDocument` per entity: its tokens (`search.analysis`), its facets and what highlights are
drawn on. Facets come from the ontology where it says them: category and major category from
the taxonomy; what is sensitive (ID number, phones) from the Person type, whose values are
indexed only as hashed tokens and displayed only as masks.

    >>> import pandas as pd
    >>> people = pd.DataFrame({"person_id": ["P1"], "name": ["张伟"], "id_number": [None],
    ...     "phones": [["13812345678"]], "addresses": [["重庆市沙坪坝区聚龙城3栋2单元501"]],
    ...     "last_seen": [pd.Timestamp("2026-05-01")]})
    >>> doc = next(person_documents(people))
    >>> doc.facets["district"], doc.display["phones"][0]["mask"]
    (('沙坪坝区',), '***********')
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

import pandas as pd

from ontology.model import load_ontology
from search.analysis import (
    address_parts,
    address_tokens,
    id_number_tokens,
    key_token,
    name_tokens,
    phone_tokens,
    text_tokens,
    unique,
)
from search.base import SearchDocument
from search.highlight import mask_number

__all__ = [
    "SOURCE_LABELS",
    "case_documents",
    "category_label",
    "person_documents",
    "place_documents",
    "sensitive_fields",
    "source_label",
]

# The four department systems cityhub reads (the connectors' `source` values). The ontology
# declares the owning departments of categories, not the source systems, so they are named here.
SOURCE_LABELS: dict[str, str] = {
    "hotline": "12345热线",
    "grid": "网格化管理平台",
    "police": "公安警情",
    "petitions": "信访",
}


@lru_cache(maxsize=1)
def sensitive_fields() -> frozenset[str]:
    """Return the Person properties the ontology marks sensitive (indexed hashed, shown masked)."""
    return frozenset(p.name for p in load_ontology().entities["Person"].properties if p.sensitive)


def person_documents(
    people: pd.DataFrame,
    person_mentions: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
    event_people: pd.DataFrame | None = None,
    *,
    city_code: str | None = None,
) -> Iterator[SearchDocument]:
    """Yield a document per person: name, ID number and phones (hashed), addresses, facets.

    The names the departments wrote in the person's mentions are indexed beside the resolved one
    (a caller's 赵鸣伟 for 赵明伟), so a query typed like any of them finds the person.
    Sources come from the person's mentions; categories and sources also from the events they
    are in (`event_people` joined to `events`); districts from their addresses, read inside the
    hub's city `city_code` (Settings.city_code; None: anywhere in the country).
    """
    sources = _grouped(person_mentions, "person_id", "source")
    written = (
        _grouped(person_mentions, "person_id", "name")
        if person_mentions is not None and "name" in person_mentions
        else {}
    )
    categories: dict[str, list[str]] = {}
    if events is not None and event_people is not None:
        joined = event_people.merge(events[["event_id", "source", "category"]], on="event_id")
        categories = _grouped(joined, "person_id", "category")
        for person_id, found in _grouped(joined, "person_id", "source").items():
            sources[person_id] = unique([*sources.get(person_id, []), *found])
    secret = sensitive_fields()
    for row in people.itertuples(index=False):
        person_id = str(row.person_id)
        name = _text(getattr(row, "name", None))
        id_number = _text(getattr(row, "id_number", None))
        phones = _listed(getattr(row, "phones", None))
        addresses = _listed(getattr(row, "addresses", None))
        tokens = [key_token(person_id), *name_tokens(name)]
        for alias in written.get(person_id, ()):
            tokens += name_tokens(alias)
        tokens += id_number_tokens(id_number) if "id_number" in secret else []
        phone_display = [
            {"mask": mask_number(p), "tokens": phone_tokens(p)} for p in phones if phone_tokens(p)
        ]
        for phone in phone_display:
            tokens += phone["tokens"]
        for address in addresses:
            tokens += address_tokens(address, city_code)
        last_seen = _time(getattr(row, "last_seen", None))
        display: dict[str, Any] = {"name": name, "addresses": addresses, "phones": phone_display}
        if id_number_tokens(id_number):
            display["id_mask"] = "*" * 18
        yield SearchDocument(
            id=person_id,
            kind="person",
            title=name,
            tokens=tuple(unique(tokens)),
            facets=_facets(
                sources.get(person_id, ()),
                _districts(addresses, city_code),
                categories.get(person_id, ()),
                last_seen,
            ),
            time=last_seen,
            display=display,
        )


def place_documents(
    places: pd.DataFrame, events: pd.DataFrame | None = None, *, city_code: str | None = None
) -> Iterator[SearchDocument]:
    """Yield a document per place (district down to room): its address (read inside `city_code`), and
    the events at it as facets."""
    at_place: dict[str, list[tuple[str, str, Any]]] = defaultdict(list)
    if events is not None:
        located = events[events["place_id"].notna()]
        for place_id, source, category, occurred in zip(
            located["place_id"], located["source"], located["category"], located["occurred_at"], strict=True
        ):
            at_place[str(place_id)].append((source, category, occurred))
    for row in places.itertuples(index=False):
        place_id = str(row.place_id)
        address = _text(getattr(row, "full_address", None)) or _text(row.name)
        happened = at_place.get(place_id, [])
        last = max((t for t in (_time(e[2]) for e in happened) if t is not None), default=None)
        tokens = [key_token(place_id), *address_tokens(address, city_code, with_bigrams=True)]
        yield SearchDocument(
            id=place_id,
            kind="place",
            title=address,
            tokens=tuple(unique(tokens)),
            facets=_facets(
                [e[0] for e in happened], _districts([address], city_code), [e[1] for e in happened], last
            ),
            time=last,
            display={"address": address, "level": _text(getattr(row, "level", None))},
        )


def case_documents(
    cases: pd.DataFrame,
    events: pd.DataFrame,
    event_people: pd.DataFrame | None = None,
    people: pd.DataFrame | None = None,
    *,
    city_code: str | None = None,
) -> Iterator[SearchDocument]:
    """Yield a document per case: category, descriptions and addresses (read inside `city_code`) of its
    events, people's names."""
    names = _names_by_event(event_people, people)
    by_case: dict[str, list[Any]] = defaultdict(list)
    for event in events[events["case_id"].notna()].itertuples(index=False):
        by_case[str(event.case_id)].append(event)
    for row in cases.itertuples(index=False):
        case_id = str(row.case_id)
        case_events = by_case.get(case_id, [])
        category = _text(getattr(row, "category", None)) or (case_events[0].category if case_events else "")
        label = category_label(category)
        descriptions = unique(_text(e.description) for e in case_events if _text(e.description))
        addresses = unique(_text(e.address) for e in case_events if _text(e.address))
        people_named = unique(n for e in case_events for n in names.get(str(e.event_id), ()))
        tokens = [key_token(case_id), *(key_token(str(e.event_id)) for e in case_events), *text_tokens(label)]
        for description in descriptions:
            tokens += text_tokens(description)
        for address in addresses:
            tokens += address_tokens(address, city_code, with_bigrams=True)
        for name in people_named:
            tokens += name_tokens(name)
        last = _time(getattr(row, "last_activity_at", None))
        sources = unique([*_listed(getattr(row, "sources", None)), *(str(e.source) for e in case_events)])
        yield SearchDocument(
            id=case_id,
            kind="case",
            title=f"{label} {case_id}",
            tokens=tuple(unique(tokens)),
            facets=_facets(
                sources,
                _districts(addresses, city_code),
                [category, *(e.category for e in case_events)],
                last,
            ),
            time=last,
            display={
                "title": label,
                "descriptions": descriptions,
                "addresses": addresses,
                "names": people_named,
            },
        )


def category_label(code: str) -> str:
    """Return '邻里纠纷/噪音扰民' for 'neighbour_dispute.noise' (the code when the taxonomy lacks it)."""
    category = load_ontology().taxonomy.categories.get(code)
    return f"{category.major_name}/{category.name}" if category else code


def _names_by_event(event_people: pd.DataFrame | None, people: pd.DataFrame | None) -> dict[str, list[str]]:
    if event_people is None or people is None:
        return {}
    joined = event_people.merge(people[["person_id", "name"]], on="person_id")
    return _grouped(joined, "event_id", "name")


def _facets(
    sources: Iterable[str], districts: Iterable[str], categories: Iterable[str], time: dt.datetime | None
) -> dict[str, tuple[str, ...]]:
    codes = [c for c in unique(str(c) for c in categories if c) if c]
    facets = {
        "source": tuple(unique(str(s) for s in sources if s)),
        "district": tuple(unique(d for d in districts if d)),
        "category": tuple(unique(c.split(".", 1)[0] for c in codes)),
        "subcategory": tuple(codes),
        "month": (f"{time:%Y-%m}",) if time else (),
    }
    return {name: values for name, values in facets.items() if values}


def _districts(addresses: Iterable[str], city_code: str | None) -> list[str]:
    found = (address_parts(a, city_code).district for a in addresses if a)
    return unique(district for district in found if district)


def _grouped(frame: pd.DataFrame | None, key: str, value: str) -> dict[str, list[str]]:
    """Return key -> distinct non-null values, in table order."""
    if frame is None or frame.empty:
        return {}
    pairs = frame[[key, value]].dropna().drop_duplicates()
    out: dict[str, list[str]] = defaultdict(list)
    for k, v in zip(pairs[key], pairs[value], strict=True):
        out[str(k)].append(str(v))
    return dict(out)


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip()


def _listed(value: Any) -> list[str]:
    """Return a list cell (list, array, tuple or a single string) as non-empty strings."""
    if value is None or isinstance(value, float):
        return []
    items = [value] if isinstance(value, str) else list(value)
    return unique(t for t in (_text(v) for v in items) if t)


def _time(value: Any) -> dt.datetime | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    stamp = pd.Timestamp(value)
    return None if pd.isna(stamp) else stamp.to_pydatetime().replace(tzinfo=None)


def source_label(source: str) -> str:
    """Return the department name of a source system, e.g. 'hotline' -> '12345热线'."""
    return SOURCE_LABELS.get(source, source)
