"""The SearchIndex contract, run on every backend: the embedded index and a real Elasticsearch."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from ontology.errors import BadInput
from search import open_index
from search.base import SearchIndex
from search.queries import WEIGHTS
from tests.search.conftest import (
    BACKENDS,
    ID_OUYANG,
    ID_ZHANG_WEI,
    ROOM_101,
    ROOM_501,
    documents,
    resolved_tables,
)


def top(index: SearchIndex, text: str, kind: str | None = None, size: int = 10) -> list[str]:
    return [h.id for h in index.search(text, kinds=[kind] if kind else None, size=size).hits]


@pytest.mark.parametrize(
    ("text", "kind", "first"),
    [
        ("张伟", "person", "P1"),  # a 2-character name
        ("張偉", "person", "P1"),  # traditional characters
        ("张玮", "person", "P2"),  # the homophone's own holder first ...
        ("zhangwei", "person", "P1"),  # pinyin: 张伟 and 张玮 tie, broken by id
        ("zhang wei", "person", "P1"),
        ("zhangwie", "person", "P1"),  # pinyin one edit away
        ("欧阳娜娜", "person", "P4"),
        ("157X", "person", "P1"),  # last 4 of an ID number, with its check letter
        ("07157x", "person", "P1"),  # last 6, lower-case x
        ("50010619900307", "person", "P1"),  # region and birth date
        ("500106900307157", "person", "P1"),  # the old 15-digit number
        ("13812345678", "person", "P1"),
        ("+86 138 1234 5678", "person", "P1"),
        ("5678", "person", "P1"),  # last 4 of a phone
        ("62192019", "person", "P2"),  # a landline without its area code: P2 and P4 share it
        ("聚龙城3-2-501", "place", ROOM_501),  # the grid worker's shorthand
        ("聚龙城3栋2单元501", "place", ROOM_501),
        ("沙坪坝区回龙坝镇聚龙城社区3栋2单元501", "place", ROOM_501),
        ("沙坪坝聚龙城三栋二单元501室", "place", ROOM_501),
        ("铁路宿舍1-1-101", "place", ROOM_101),
        ("聚龙城3-2-501", "person", "P1"),  # people are found at their address too
        ("噪音扰民", "case", "C1"),  # free text
        ("垃圾", "case", "C2"),
        ("p4", None, "P4"),  # a document's own id
    ],
)
def test_finds(loaded_index: SearchIndex, text: str, kind: str | None, first: str) -> None:
    found = top(loaded_index, text, kind)
    assert found and found[0] == first, found


@pytest.mark.parametrize(
    ("near", "exact", "kind", "first"),
    [
        ("13812345687", "13812345678", "person", "P1"),  # two digits swapped
        ("13812395678", "13812345678", "person", "P1"),  # one digit wrong
        ("欧阳丽娜", "欧阳娜娜", "person", "P4"),  # one character wrong
        ("欧阳娜", "欧阳娜娜", "person", "P4"),  # one character dropped
        ("王若", "王芳", "person", "P5"),  # a 2-character name with one character wrong
        ("大学城聚龙城3栋2单元501", "聚龙城3栋2单元501", "place", ROOM_501),  # words the estate lacks
    ],
)
def test_a_typo_still_finds_the_document_below_the_exact_text(
    loaded_index: SearchIndex, near: str, exact: str, kind: str, first: str
) -> None:
    found = loaded_index.search(near, kinds=[kind]).hits
    assert found and found[0].id == first, [h.id for h in found]
    exactly = loaded_index.search(exact, kinds=[kind]).hits
    assert exactly[0].id == first and exactly[0].score > found[0].score


def test_a_near_phone_reveals_no_digit(loaded_index: SearchIndex) -> None:
    hit = loaded_index.search("13812345687", kinds=["person"]).hits[0]
    assert hit.id == "P1" and not re.search(r"\d", str(hit.highlights))


def test_homophone_finds_both_spellings(loaded_index: SearchIndex) -> None:
    assert top(loaded_index, "张玮", "person")[:2] == ["P2", "P1"]
    assert top(loaded_index, "张伟", "person")[:2] == ["P1", "P2"]


def test_name_and_district_prefers_the_one_living_there(loaded_index: SearchIndex) -> None:
    assert top(loaded_index, "zhangwei 渝中", "person")[0] == "P2"
    assert top(loaded_index, "zhangwei 沙坪坝", "person")[0] == "P1"


def test_a_fragment_alone_does_not_find_unrelated_people(loaded_index: SearchIndex) -> None:
    assert top(loaded_index, "9999", "person") == []
    assert top(loaded_index, "3-2-501", "place") == []  # numbers without an estate mean nothing
    assert loaded_index.search("   ").hits == []


def test_facets_count_every_match(loaded_index: SearchIndex) -> None:
    results = loaded_index.search(
        "zhangwei", kinds=["person"], facets=["source", "district", "category", "month"]
    )
    assert results.total == 2  # 张伟, 张玮
    assert results.facets["source"] == {"hotline": 1, "police": 1, "grid": 1}
    assert results.facets["district"] == {"沙坪坝区": 1, "渝中区": 1}
    assert results.facets["category"] == {"city_appearance": 1, "neighbour_dispute": 1}
    assert results.facets["month"] == {"2026-02": 1, "2026-05": 1}


def test_filters_restrict_hits_and_facets(loaded_index: SearchIndex) -> None:
    assert top(loaded_index, "伟", "person") == ["P1", "P3"]
    assert top(loaded_index, "zhangwei", "person") == ["P1", "P2"]
    assert top_filtered(loaded_index, {"source": "police"}) == ["P1"]
    assert top_filtered(loaded_index, {"district": ["渝中区", "江北区"]}) == ["P2"]
    assert top_filtered(loaded_index, {"time_from": "2026-03-01"}) == ["P1"]
    assert top_filtered(loaded_index, {"time_to": "2026-03-01", "category": "city_appearance"}) == ["P2"]
    results = loaded_index.search(
        "聚龙城",
        kinds=["case", "place"],
        filters={"subcategory": "neighbour_dispute.noise"},
        facets=["source"],
    )
    assert [h.id for h in results.hits] == [ROOM_501, "C1"]  # equal scores: ties go by id
    assert results.facets["source"] == {"hotline": 2, "police": 2}
    with pytest.raises(BadInput):
        loaded_index.search("伟", filters={"colour": "red"})
    with pytest.raises(BadInput):
        loaded_index.search("伟", kinds=["vehicle"])


def top_filtered(index: SearchIndex, filters: dict[str, object]) -> list[str]:
    return [h.id for h in index.search("zhangwei", kinds=["person"], filters=filters).hits]


def test_highlights_mark_matches_and_mask_numbers(loaded_index: SearchIndex) -> None:
    hit = loaded_index.search("张伟 157X 5678", kinds=["person"]).hits[0]
    assert hit.id == "P1"
    assert hit.highlights["name"] == "<em>张伟</em>"
    assert hit.highlights["id_number"] == "**************<em>157X</em>"
    assert hit.highlights["phones"] == "*******<em>5678</em>"
    full = loaded_index.search(f"{ID_OUYANG} 15987654321", kinds=["person"]).hits[0]
    assert full.id == "P4"
    for value in (full.highlights["id_number"], full.highlights["phones"]):
        assert not re.search(r"\d", value), value  # a full number is never shown, even when typed
    place = loaded_index.search("聚龙城3-2-501", kinds=["place"]).hits[0]
    assert place.highlights["address"].endswith("社区<em>聚龙城3栋2单元501</em>")


def test_no_hit_carries_a_number_in_clear(loaded_index: SearchIndex) -> None:
    for text in (ID_ZHANG_WEI, "13812345678", "张伟", "聚龙城"):
        for hit in loaded_index.search(text).hits:
            shown = " ".join([hit.title, *hit.highlights.values()])
            assert ID_ZHANG_WEI not in shown and "13812345678" not in shown and "62192019" not in shown


@pytest.mark.parametrize("backend", BACKENDS)
def test_upsert_replaces_and_delete_removes(make_index: Callable[[str], SearchIndex], backend: str) -> None:
    index = make_index(backend)
    docs = documents(resolved_tables())
    assert index.bulk_upsert("person", docs["person"]) == 5
    assert top(index, "张伟", "person")[0] == "P1"
    tables = resolved_tables()
    tables["people"].loc[0, "name"] = "张大伟"
    renamed = [d for d in documents(tables)["person"] if d.id == "P1"]
    index.bulk_upsert("person", renamed)
    assert index.count("person") == 5
    assert top(index, "张大伟", "person")[0] == "P1"
    renamed_hit = next(h for h in index.search("张伟", kinds=["person"]).hits if h.id == "P1")
    # the old name's own tokens are gone: the characters 张 and 伟 are left, and 张伟 as a name one
    # character short of 张大伟 (张?伟)
    assert renamed_hit.score == 2 + WEIGHTS["nw"]
    assert index.delete("person", ["P1", "no-such-id"]) == 2
    assert index.count("person") == 4
    assert "P1" not in top(index, "张大伟", "person")
    assert index.search("13812345678", kinds=["person"]).total == 0


@pytest.mark.parametrize("backend", BACKENDS)
def test_full_rebuild_swaps_the_alias(make_index: Callable[[str], SearchIndex], backend: str) -> None:
    index = make_index(backend)
    docs = documents(resolved_tables())["person"]
    first = index.full_rebuild("person", docs[:2])
    assert index.versions("person") == [first]
    assert index.count("person") == 2
    second = index.full_rebuild("person", docs[2:])
    assert second != first
    assert index.versions("person") == [second]  # the old one is gone
    assert top(index, "张伟", "person") == ["P3"]  # only 李伟 shares a character now
    assert index.count("person") == 3


@pytest.mark.parametrize("backend", BACKENDS)
def test_rebuilding_every_kind_at_once_swaps_each_alias(
    make_index: Callable[[str], SearchIndex], backend: str
) -> None:
    index = make_index(backend)
    built = documents(resolved_tables())
    versions = index.rebuild_kinds(built)
    assert set(versions) == set(built)
    for kind, docs in built.items():
        assert index.versions(kind) == [versions[kind]]
        assert index.count(kind) == len(list(docs))
    assert top(index, "张伟", "person")[0] == "P1"


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_kind_that_fails_to_rebuild_fails_the_whole_call(
    make_index: Callable[[str], SearchIndex], backend: str
) -> None:
    index = make_index(backend)
    with pytest.raises(BadInput):
        index.rebuild_kinds({"person": documents(resolved_tables())["person"], "vehicle": []})


def test_embedded_readers_see_the_new_version_after_the_swap(
    make_index: Callable[[str], SearchIndex],
) -> None:
    writer = make_index("embedded")
    docs = documents(resolved_tables())["person"]
    writer.full_rebuild("person", docs[:1])
    from search.embedded_index import EmbeddedIndex

    assert isinstance(writer, EmbeddedIndex)
    reader = EmbeddedIndex(
        writer.folder, writer.prefix, city_code=writer.city_code
    )  # as another process would
    assert top(reader, "张伟", "person") == ["P1"]
    writer.full_rebuild("person", docs[1:])
    assert top(reader, "张伟", "person") == ["P2", "P3"]
    writer.bulk_upsert("person", docs[:1])
    assert top(reader, "张伟", "person") == ["P1", "P2", "P3"]
    reader.close()


def test_kinds_are_checked(make_index: Callable[[str], SearchIndex]) -> None:
    index = make_index("embedded")
    person = documents(resolved_tables())["person"][0]
    with pytest.raises(BadInput):
        index.bulk_upsert("place", [person])
    with pytest.raises(BadInput):
        index.full_rebuild("vehicle", [])


def test_open_index_chooses_the_backend_by_url(tmp_path: Path) -> None:
    from search.elasticsearch_index import ElasticsearchIndex
    from search.embedded_index import EmbeddedIndex

    assert isinstance(open_index("http://127.0.0.1:9", "p"), ElasticsearchIndex)
    assert isinstance(open_index("https://search.example:9200"), ElasticsearchIndex)
    embedded = open_index(tmp_path / "index", "p")
    assert isinstance(embedded, EmbeddedIndex) and embedded.folder == tmp_path / "index"
    with pytest.raises(BadInput, match="lower case"):
        open_index("http://127.0.0.1:9", "Upper")


@pytest.mark.parametrize("backend", BACKENDS)
def test_drop_removes_every_version(make_index: Callable[[str], SearchIndex], backend: str) -> None:
    index = make_index(backend)
    index.full_rebuild("person", documents(resolved_tables())["person"])
    index.drop()
    assert all(index.versions(kind) == [] for kind in ("person", "place", "case"))
    index.ensure_index()  # and it can start again
    assert index.count("person") == 0


def test_many_small_writes_find_what_one_load_finds(make_index: Callable[[str], SearchIndex]) -> None:
    from search.embedded_store import MERGE_EVERY

    docs = documents(resolved_tables())["person"]
    loaded, written = make_index("embedded"), make_index("embedded")
    loaded.bulk_upsert("person", docs)
    # every document written again and again, one write each: past a merge of the added postings
    for _ in range(MERGE_EVERY // len(docs) + 2):
        for doc in docs:
            written.bulk_upsert("person", [doc])
    written.bulk_upsert("person", docs[:1])  # and one more after the merge
    for text in ("张伟", "聚龙城3-2-501", "13812345678", "zhangwei", "5678"):
        ours, theirs = written.search(text, facets=["district"]), loaded.search(text, facets=["district"])
        assert [(h.id, h.score) for h in ours.hits] == [(h.id, h.score) for h in theirs.hits], text
        assert (ours.total, ours.facets) == (theirs.total, theirs.facets), text
