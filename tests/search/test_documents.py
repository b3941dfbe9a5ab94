"""Documents built from the resolved tables: tokens, facets from the ontology, masked display."""

from __future__ import annotations

import datetime as dt
import json

from search.analysis import sensitive_token
from search.documents import category_label, sensitive_fields
from tests.search.conftest import ID_ZHANG_WEI, ROOM_501, documents, resolved_tables


def test_person_document() -> None:
    person = {d.id: d for d in documents(resolved_tables())["person"]}["P1"]
    assert person.kind == "person" and person.title == "张伟"
    assert dict(person.facets) == {
        "source": ("hotline", "police"),
        "district": ("沙坪坝区",),
        "category": ("neighbour_dispute",),
        "subcategory": ("neighbour_dispute.noise",),
        "month": ("2026-05",),
    }
    assert person.time == dt.datetime(2026, 5, 1)
    assert sensitive_token("if", ID_ZHANG_WEI) in person.tokens and "ar:聚龙城|3|2|501" in person.tokens
    shown = json.dumps(dict(person.display), ensure_ascii=False)
    assert ID_ZHANG_WEI not in shown and "13812345678" not in shown and "5678" not in shown


def test_place_and_case_documents() -> None:
    docs = documents(resolved_tables())
    room = {d.id: d for d in docs["place"]}[ROOM_501]
    assert room.facets["source"] == ("hotline", "police") and room.facets["month"] == ("2026-05",)
    assert room.facets["district"] == ("沙坪坝区",)
    case = {d.id: d for d in docs["case"]}["C1"]
    assert case.title == "邻里纠纷/噪音扰民 C1"
    assert case.facets["source"] == ("hotline", "police")
    assert case.facets["category"] == ("neighbour_dispute",)
    assert {"k:hotline:rx1", "x2:噪音", "py:zhangwei", "ar:聚龙城|3|2|501"} <= set(case.tokens)


def test_ontology_decides_what_is_sensitive() -> None:
    assert sensitive_fields() == {"id_number", "phones"}
    assert category_label("no.such") == "no.such"


def test_a_person_is_found_by_every_name_the_departments_wrote() -> None:
    tables = resolved_tables()
    tables["person_mentions"] = tables["person_mentions"].assign(name=["张伟", "张卫东", None])
    person = {d.id: d for d in documents(tables)["person"]}["P1"]
    assert person.title == "张伟" and {"nf:张伟", "nf:张卫东", "nw:张?东"} <= set(person.tokens)
    other = {d.id: d for d in documents(tables)["person"]}["P2"]
    assert "nf:张卫东" not in other.tokens
