"""Clustering links into cases without gluing incidents together."""

from __future__ import annotations

import numpy as np
import pandas as pd

from entity_resolution.events.cluster import cluster_events
from entity_resolution.events.prepare import encode_events, prepare_events
from tests.entity_resolution.events.conftest import event, table

NOISE = "neighbour_dispute.noise"
ROOM = "500106/聚龙城/3/2/501"


def cluster(
    rows: list[dict[str, object]], links: list[tuple[int, int, float]]
) -> tuple[list[int], pd.DataFrame]:
    prepared = prepare_events(table(*rows))
    assert prepared["event_id"].tolist() == sorted(str(r["event_id"]) for r in rows)
    enc = encode_events(prepared)
    pairs = pd.DataFrame(links, columns=["left", "right", "score"]).assign(cannot=False)
    found = cluster_events(enc, pairs)
    return found.labels.tolist(), found.refused


def test_a_chain_of_links_does_not_join_records_that_look_like_two_incidents() -> None:
    rows = [  # sorted: grid:SJ1, hotline:RX2, hotline:RX3
        event("1", "grid", NOISE, "2026-03-03 10:00", ROOM),
        event("2", "hotline", NOISE, "2026-03-02 21:10", ROOM),
        event("3", "hotline", NOISE, "2026-03-20 21:10", ROOM),
    ]
    labels, refused = cluster(rows, [(0, 1, 12.0), (0, 2, 3.0), (1, 2, -9.0)])
    assert labels == [0, 0, 2]
    assert refused[["left", "right", "reason"]].values.tolist() == [[0, 2, "weak across the cases"]]


def test_two_reports_of_one_department_join_one_case() -> None:
    rows = [
        event("1", "hotline", NOISE, "2026-03-02 21:10", ROOM),
        event("2", "hotline", NOISE, "2026-03-04 09:00", ROOM),
    ]
    labels, refused = cluster(rows, [(0, 1, 5.0)])
    assert labels == [0, 0] and refused.empty


def test_records_of_parting_places_or_categories_stay_apart_even_when_linked() -> None:
    rows = [  # sorted: grid:SJ1, hotline:RX2, police:J3
        event("1", "grid", NOISE, "2026-03-03 10:00", "500106/聚龙城/3"),
        event("2", "hotline", NOISE, "2026-03-02 21:10", ROOM),
        event("3", "police", NOISE, "2026-03-02 21:05", "500106/聚龙城/4/1/101"),
    ]
    labels, refused = cluster(rows, [(0, 1, 9.0), (0, 2, 8.0)])
    assert labels == [0, 0, 2]  # the building-level grid report went with the room inside it
    assert refused["reason"].tolist() == ["different places"]
    rows[2] = event("3", "police", "public_order.theft", "2026-03-02 21:05", ROOM)
    labels, refused = cluster(rows, [(0, 1, 9.0), (1, 2, 8.0)])
    assert labels == [0, 0, 2] and refused["reason"].tolist() == ["different major categories"]


def test_a_chain_cannot_stretch_a_case_past_the_window() -> None:
    rows = [  # sorted: grid:SJ1, hotline:RX2, police:J3
        event("1", "grid", NOISE, "2026-03-20 10:00", ROOM),
        event("2", "hotline", NOISE, "2026-03-01 21:10", ROOM),
        event("3", "police", NOISE, "2026-09-08 21:05", ROOM),
    ]
    labels, refused = cluster(rows, [(0, 1, 5.0), (0, 2, 4.0)])
    assert labels == [0, 0, 2] and refused["reason"].tolist() == ["too far apart in time"]


def test_labels_do_not_depend_on_the_order_of_the_links() -> None:
    rows = [
        event(str(k), ("grid", "hotline", "police")[k % 3], NOISE, "2026-03-02 21:00", ROOM) for k in range(6)
    ]
    links = [(0, 1, 5.0), (1, 2, 5.0), (3, 4, 7.0), (4, 5, 6.0), (2, 3, 6.0)]
    first, _ = cluster(rows, links)
    again, _ = cluster(rows, [links[i] for i in np.random.default_rng(0).permutation(len(links))])
    assert first == again
