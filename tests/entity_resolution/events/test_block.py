"""Candidate pairs: records near in place and time, of any departments, and nothing else."""

from __future__ import annotations

import numpy as np
import pytest

from entity_resolution.events.block import BlockOptions, block_events, window_pair_parts, window_pairs
from entity_resolution.events.prepare import encode_events, prepare_events
from tests.entity_resolution.events.conftest import event, table

NOISE = "neighbour_dispute.noise"
ROOM = "500106/聚龙城/3/2/501"


def pairs_of(*rows: dict[str, object], options: BlockOptions | None = None) -> set[tuple[str, str]]:
    prepared = prepare_events(table(*rows))
    enc = encode_events(prepared)
    found = block_events(enc, options)
    ids = prepared["event_id"].to_numpy()
    return {(ids[a], ids[b]) for a, b in zip(found["left"], found["right"], strict=True)}


def test_window_pairs_finds_equal_keys_within_the_window() -> None:
    key = np.array([0, 0, 0, 1, -1], dtype=np.int64)
    t = np.array([0, 10, 30, 5, 0], dtype=np.int64)
    i, j = window_pairs(key, t, key, t, 10)
    found = sorted(zip(i.tolist(), j.tolist(), strict=True))
    assert found == [(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (3, 3)]


def test_window_pairs_made_in_small_parts_are_the_same_pairs() -> None:
    generator = np.random.default_rng(3)
    key = generator.integers(-1, 6, 300)
    t = generator.integers(0, 1_000, 300)
    whole = sorted(zip(*(a.tolist() for a in window_pairs(key, t, key, t, 50)), strict=True))
    parts = list(window_pair_parts(key, t, key, t, 50, size=7))
    assert len(parts) > 10
    found = sorted((i, j) for a, b in parts for i, j in zip(a.tolist(), b.tolist(), strict=True))
    assert found == whole
    brute = sorted(
        (i, j)
        for i in range(300)
        for j in range(300)
        if key[i] >= 0 and key[i] == key[j] and abs(int(t[i]) - int(t[j])) <= 50
    )
    assert found == brute


def test_two_departments_at_one_site_are_candidates() -> None:
    found = pairs_of(
        event("1", "hotline", NOISE, "2026-03-02 21:10", ROOM),
        event("2", "grid", NOISE, "2026-03-20 10:00", "500106/聚龙城/7"),
        event("3", "petitions", NOISE, "2026-06-20", ROOM),  # a petition months later: still in reach
    )
    assert found == {
        ("grid:SJ2", "hotline:RX1"),
        ("hotline:RX1", "petitions:XF3"),
        ("grid:SJ2", "petitions:XF3"),
    }


@pytest.mark.parametrize(
    ("other", "why"),
    [
        (event("2", "petitions", NOISE, "2026-09-10", ROOM), "more than 180 days"),
        (event("2", "grid", NOISE, "2026-03-02 21:30", "500106/江南丽景/3/2/501"), "another site"),
        (event("2", "grid", NOISE, "2026-03-02 21:30", "500107/聚龙城/3/2/501"), "another district"),
        (event("2", "grid", "traffic.road_damage", "2026-03-02 21:30", ROOM), "another major category"),
    ],
)
def test_what_is_never_a_candidate(other: dict[str, object], why: str) -> None:
    assert not pairs_of(event("1", "hotline", NOISE, "2026-03-02 21:10", ROOM), other), why


def test_two_reports_of_one_department_and_a_coarse_label_are_candidates() -> None:
    found = pairs_of(
        event("1", "hotline", NOISE, "2026-03-02 21:10", ROOM),
        event("2", "hotline", "纠纷/邻里纠纷", "2026-03-05 09:00", ROOM),  # the resident calls again
        event("3", "grid", "噪音", "2026-03-06 09:00", ROOM),  # noise: a neighbour's or a site's
    )
    assert found == {
        ("hotline:RX1", "hotline:RX2"),
        ("grid:SJ3", "hotline:RX1"),
        ("grid:SJ3", "hotline:RX2"),
    }


def test_unclassified_pairs_with_any_category_and_people_reach_across_loose_addresses() -> None:
    found = pairs_of(
        event("1", "hotline", NOISE, "2026-03-02 21:10", ROOM, ("P-a",)),
        event("2", "grid", "other.unclassified", "2026-03-03 10:00", "500106/聚龙城"),
        event("3", "police", NOISE, "2026-03-02 21:05", "500106", ("P-a",)),  # names no site
    )
    assert found == {("grid:SJ2", "hotline:RX1"), ("hotline:RX1", "police:J3")}
    assert not pairs_of(
        event("1", "hotline", NOISE, "2026-03-02 21:10", ROOM, ("P-a",)),
        event("3", "police", NOISE, "2026-03-02 21:05", "500106", ("P-a",)),
        options=BlockOptions(by_people=False),
    )


def test_pairs_across_a_boundary_are_the_pairs_of_all_that_cross_it() -> None:
    from tests.entity_resolution.events.test_resolve import dispute, recurring_town

    loose = [
        event(f"9{k:02d}", ("grid", "police")[k % 2], ("other.unclassified", "噪音")[k % 2], when, place)
        for k, (when, place) in enumerate(
            (f"2026-0{1 + k % 6}-1{k % 9} 10:00", ("500106/锦绣花园", "500106/聚龙城/3")[k % 2])
            for k in range(12)
        )
    ]
    prepared = prepare_events(table(*recurring_town(), *dispute(), *loose))
    enc = encode_events(prepared)
    every = block_events(enc)
    # mixed categories and coarse labels at one site, people, and a boundary inside one estate's stream
    assert (enc.major < 0).any() and len(every) > 100
    after_grid = int((prepared["source"] == "grid").sum())  # the loose grid reports before, the rest after
    for boundary in (1, len(prepared) // 3, after_grid, len(prepared) - 5):
        crossing = every[(every["left"] < boundary) & (every["right"] >= boundary)]
        across = block_events(enc, across=boundary)
        assert across.reset_index(drop=True).equals(crossing.reset_index(drop=True)), boundary
