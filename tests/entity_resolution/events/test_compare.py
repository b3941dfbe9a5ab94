"""Evidence levels of a pair: place, time, category, text and people."""

from __future__ import annotations

import numpy as np
import pytest

from entity_resolution.events.block import BlockOptions
from entity_resolution.events.compare import LEVEL_NAMES, _department_pairs, compare_pairs
from entity_resolution.events.prepare import encode_events, prepare_events
from entity_resolution.events.text import fit_text_model, text_vectors
from tests.entity_resolution.events.conftest import background, event, table

NOISE = "neighbour_dispute.noise"
ROOM = "500106/聚龙城/3/2/501"


def levels(first: dict[str, object], second: dict[str, object]) -> dict[str, str]:
    prepared = prepare_events(table(first, second))
    enc = encode_events(prepared)
    texts = prepared["description"].tolist()
    corpus = texts + [row["description"] for row in background()]  # so boilerplate is seen to be common
    vectors = text_vectors(texts, fit_text_model(corpus))
    sources = prepared["source"].to_numpy(dtype=object)
    found = compare_pairs(enc, vectors, sources, np.array([0]), np.array([1]), BlockOptions())
    named = {e: LEVEL_NAMES[e][int(found.levels[e][0])] for e in found.levels}
    named["time group"] = str(found.groups["time"][0])
    return named


@pytest.mark.parametrize(
    ("place", "level"),
    [
        (ROOM, "same room"),
        ("500106/聚龙城/3/2/601", "other room"),
        ("500106/聚龙城/4/2/501", "other building"),
        ("500106/聚龙城/3", "one inside the other"),
        ("500106/江南丽景/3/2/501", "other site"),
        ("500106", "unknown"),
    ],
)
def test_place_levels(place: str, level: str) -> None:
    first = event("1", "hotline", NOISE, "2026-03-02 21:10", ROOM)
    assert levels(first, event("2", "grid", NOISE, "2026-03-02 22:00", place))["place"] == level


def test_building_and_site_level_records_agree_at_their_level() -> None:
    building = "500106/聚龙城/3"
    first = event("1", "hotline", NOISE, "2026-03-02 21:10", building)
    assert levels(first, event("2", "grid", NOISE, "2026-03-02 22:00", building))["place"] == "same building"


@pytest.mark.parametrize(
    ("source", "when", "level", "group"),
    [
        ("police", "2026-03-02 21:40", "within 1 h", "hotline|police close"),
        ("grid", "2026-03-04 09:00", "within 3 days", "grid|hotline close"),
        ("hotline", "2026-03-20 09:00", "within 30 days", "hotline|hotline close"),
        ("petitions", "2026-04-20", "within 60 days", "hotline|petitions close"),
    ],
)
def test_time_levels_and_their_department_pair(source: str, when: str, level: str, group: str) -> None:
    first = event("1", "hotline", NOISE, "2026-03-02 21:10", ROOM)
    found = levels(first, event("2", source, NOISE, when, ROOM))
    assert (found["time"], found["time group"]) == (level, group)


@pytest.mark.parametrize(
    ("label", "level"),
    [
        (NOISE, "same subcategory"),
        ("纠纷/邻里纠纷", "coarse, agrees"),  # covers noise and leaks alike
        ("neighbour_dispute", "coarse, agrees"),
        ("来电咨询", "unclassified"),  # names nothing
        ("neighbour_dispute.water_leak", "same major"),
        ("劳资纠纷/欠薪", "disagree"),
    ],
)
def test_category_levels_from_department_labels(label: str, level: str) -> None:
    first = event("1", "hotline", NOISE, "2026-03-02 21:10", ROOM)
    assert levels(first, event("2", "grid", label, "2026-03-02 22:00", ROOM))["category"] == level


def test_category_text_and_people() -> None:
    first = event("1", "hotline", NOISE, "2026-03-02 21:10", ROOM, ("P-a",), "楼上住户深夜噪音扰民")
    same = levels(
        first, event("2", "grid", NOISE, "2026-03-03 09:00", ROOM, ("P-a", "P-b"), "楼上住户深夜噪音扰民")
    )
    assert (same["category"], same["text"], same["people"]) == (
        "same subcategory",
        "text >= 0.5",
        "shared person",
    )
    other = levels(
        first,
        event("2", "grid", "neighbour_dispute.pets", "2026-03-03 09:00", ROOM, ("P-c",), "邻居的狗夜间吠叫"),
    )
    assert (other["category"], other["text"], other["people"]) == (
        "same major",
        "text < 0.1",
        "no shared person",
    )
    loose = levels(first, event("2", "grid", "other.unclassified", "2026-03-03 09:00", ROOM))
    assert (loose["category"], loose["text"], loose["people"]) == ("unclassified", "no text", "unknown")


def test_department_pairs_name_each_pair_once_and_share_the_names() -> None:
    sources = np.array(["police", "hotline", "grid", "hotline", "petitions"], dtype=object)
    left = np.array([0, 1, 2, 3, 4, 1, 0], dtype=np.int64)
    right = np.array([1, 3, 1, 2, 0, 1, 4], dtype=np.int64)
    close = np.array([True, False, True, False, False, True, False])
    groups = _department_pairs(sources, left, right, close)
    expected = [
        "|".join(sorted((str(sources[a]), str(sources[b])))) + (" close" if near else "")
        for a, b, near in zip(left, right, close, strict=True)
    ]
    assert groups.tolist() == expected
    # one string object per distinct label, not one per pair
    assert len({id(g) for g in groups}) == len(set(expected))
    assert _department_pairs(sources, left[:0], right[:0], close[:0]).shape == (0,)
