"""Clustering: links make clusters, constraints stop chains, the outcome does not depend on order."""

from __future__ import annotations

import numpy as np
import pandas as pd

from entity_resolution.people.cluster import (
    CANNOT_DECIDED,
    CANNOT_IDS,
    Attributes,
    ClusterOptions,
    cluster_mentions,
)

NO_DATE = np.iinfo(np.int32).min
OPTIONS = ClusterOptions(link=0.0, strong=10.0, cannot=-8.0)


def attrs(
    n: int,
    ids: dict[int, int] | None = None,
    births: dict[int, int] | None = None,
    genders: dict[int, int] | None = None,
) -> Attributes:
    id18 = np.full(n, -1, dtype=np.int32)
    birth = np.full(n, NO_DATE, dtype=np.int32)
    gender = np.full(n, -1, dtype=np.int8)
    for row, value in (ids or {}).items():
        id18[row] = value
    for row, value in (births or {}).items():
        birth[row] = value
    for row, value in (genders or {}).items():
        gender[row] = value
    return Attributes(id18, birth, gender)


def pairs(*rows: tuple[int, int, float] | tuple[int, int, float, int]) -> pd.DataFrame:
    return pd.DataFrame(
        [(r[0], r[1], r[2], r[3] if len(r) > 3 else 0) for r in rows],
        columns=["left", "right", "score", "cannot"],
    )


def groups(labels: np.ndarray) -> set[frozenset[int]]:
    out: dict[int, set[int]] = {}
    for row, label in enumerate(labels.tolist()):
        out.setdefault(label, set()).add(row)
    return {frozenset(g) for g in out.values()}


def test_links_join_and_labels_are_the_smallest_row() -> None:
    result = cluster_mentions(5, pairs((0, 1, 12.0), (1, 2, 11.0), (3, 4, -5.0)), attrs(5), OPTIONS)
    assert result.labels.tolist() == [0, 0, 0, 3, 4]


def test_two_valid_ids_never_merge_even_through_a_strong_chain() -> None:
    # 0 and 2 carry different ID numbers; 1 (no ID) looks like both
    result = cluster_mentions(3, pairs((0, 1, 30.0), (1, 2, 25.0)), attrs(3, ids={0: 7, 2: 8}), OPTIONS)
    assert groups(result.labels) == {frozenset({0, 1}), frozenset({2})}
    assert result.refused["reason"].tolist() == ["different ID numbers"]


def test_a_weak_link_is_refused_when_other_pairs_contradict_it() -> None:
    # 王先生 (1) on the family landline looks a bit like the father (0) and the son (2);
    # father and son, compared directly, are clearly two people
    scored = pairs((0, 1, 4.0), (1, 2, 3.0), (0, 2, -12.0))
    result = cluster_mentions(3, scored, attrs(3), OPTIONS)
    assert groups(result.labels) == {frozenset({0, 1}), frozenset({2})}


def test_a_weak_link_needs_support_from_the_other_pairs() -> None:
    # {0, 1} and {2, 3} are joined by one weak link while the other pairs between them disagree
    scored = pairs((0, 1, 20.0), (2, 3, 20.0), (1, 2, 3.0), (0, 3, -6.0), (0, 2, -2.0))
    result = cluster_mentions(4, scored, attrs(4), OPTIONS)
    assert groups(result.labels) == {frozenset({0, 1}), frozenset({2, 3})}
    assert "weak link without support" in result.refused["reason"].tolist()


def test_weak_links_may_not_join_different_genders_or_birth_dates() -> None:
    days = {0: 7_000, 2: 9_000}  # 1989 and 1994: no typo away from each other
    result = cluster_mentions(3, pairs((0, 1, 5.0), (1, 2, 5.0)), attrs(3, births=days), OPTIONS)
    assert len(groups(result.labels)) == 2
    result = cluster_mentions(2, pairs((0, 1, 6.0)), attrs(2, genders={0: 0, 1: 1}), OPTIONS)
    assert len(groups(result.labels)) == 2


def test_a_strong_link_may_carry_a_birth_date_typo() -> None:
    result = cluster_mentions(2, pairs((0, 1, 25.0)), attrs(2, births={0: 7_000, 1: 9_000}), OPTIONS)
    assert groups(result.labels) == {frozenset({0, 1})}


def test_human_decisions_override_scores() -> None:
    scored = pairs((0, 1, 30.0, CANNOT_DECIDED), (2, 3, float("inf")), (1, 2, 30.0))
    result = cluster_mentions(4, scored, attrs(4), OPTIONS)
    assert groups(result.labels) == {frozenset({0}), frozenset({1, 2, 3})}


def test_a_cannot_link_pair_is_never_inside_a_cluster() -> None:
    scored = pairs((0, 1, 20.0), (1, 2, 20.0), (0, 2, 20.0, CANNOT_IDS))
    result = cluster_mentions(3, scored, attrs(3), OPTIONS)
    assert result.labels[0] != result.labels[2]


def test_the_outcome_does_not_depend_on_pair_order() -> None:
    rng = np.random.default_rng(5)
    n = 60
    left = rng.integers(0, n, 300)
    right = rng.integers(0, n, 300)
    keep = left < right
    scored = pd.DataFrame(
        {
            "left": left[keep],
            "right": right[keep],
            "score": rng.normal(2, 8, keep.sum()).round(1),
            "cannot": 0,
        }
    )
    scored = scored.drop_duplicates(["left", "right"])
    ids = {int(i): int(i) % 3 for i in rng.choice(n, 15, replace=False)}
    first = cluster_mentions(n, scored, attrs(n, ids=ids), OPTIONS).labels
    shuffled = scored.sample(frac=1.0, random_state=1).reset_index(drop=True)
    assert (cluster_mentions(n, shuffled, attrs(n, ids=ids), OPTIONS).labels == first).all()


def test_where_births_are_noisy_a_weak_link_may_join_two_birth_dates() -> None:
    noisy = ClusterOptions(link=0.0, strong=10.0, cannot=-8.0, births_reliable=False)
    result = cluster_mentions(2, pairs((0, 1, 5.0)), attrs(2, births={0: 7_000, 1: 9_000}), noisy)
    assert groups(result.labels) == {frozenset({0, 1})}
    result = cluster_mentions(2, pairs((0, 1, 6.0)), attrs(2, genders={0: 0, 1: 1}), noisy)
    assert len(groups(result.labels)) == 2  # genders still may not
