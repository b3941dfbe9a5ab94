"""Stable identities (entity_resolution/identity.py): IDs survive re-runs; merges and splits are recorded."""

from __future__ import annotations

import pandas as pd

from entity_resolution.identity import assign_stable_ids, new_entity_id

AT = "2026-11-20T08:00:00"


def clusters(**groups: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        [(r, c) for c, records in groups.items() for r in records], columns=["record_id", "cluster"]
    )


def ids(result: pd.DataFrame) -> dict[str, str]:
    return dict(zip(result["record_id"], result["entity_id"], strict=True))


def previous(**groups: list[str]) -> pd.DataFrame:
    frame = clusters(**groups)
    return frame.rename(columns={"cluster": "entity_id"})


def test_new_ids_come_from_the_smallest_record_and_repeat() -> None:
    first = assign_stable_ids(clusters(x=["b", "a"], y=["c"]), None, "P", AT)
    again = assign_stable_ids(clusters(k=["c"], j=["a", "b"]), None, "P", AT)
    assert ids(first.assignments) == ids(again.assignments)
    assert ids(first.assignments)["a"] == new_entity_id("P", "a")
    assert first.changes.empty


def test_an_unchanged_cluster_keeps_its_id() -> None:
    result = assign_stable_ids(
        clusters(q=["a", "b"], r=["c"], s=["d"]), previous(P1=["a", "b"], P2=["c"]), "P", AT
    )
    assert ids(result.assignments) == {"a": "P1", "b": "P1", "c": "P2", "d": new_entity_id("P", "d")}
    assert result.changes.empty


def test_a_merge_keeps_the_id_of_the_majority_and_records_the_other() -> None:
    result = assign_stable_ids(clusters(q=["a", "b", "c"]), previous(P1=["a"], P2=["b", "c"]), "P", AT)
    assert set(ids(result.assignments).values()) == {"P2"}
    assert result.changes[["old_id", "new_id", "kind", "records"]].values.tolist() == [
        ["P1", "P2", "merge", 1]
    ]
    assert (result.changes["at"] == pd.Timestamp(AT)).all()


def test_a_split_keeps_the_id_on_the_larger_part() -> None:
    result = assign_stable_ids(clusters(q=["a", "b"], r=["c"]), previous(P1=["a", "b", "c"]), "P", AT)
    out = ids(result.assignments)
    assert out["a"] == out["b"] == "P1" and out["c"] != "P1"
    assert result.changes[["old_id", "new_id", "kind"]].values.tolist() == [["P1", out["c"], "split"]]


def test_an_id_goes_to_one_cluster_only_even_on_a_tie() -> None:
    result = assign_stable_ids(clusters(q=["a"], r=["b"]), previous(P1=["a", "b"]), "P", AT)
    out = ids(result.assignments)
    assert out["a"] == "P1" and out["b"] != "P1"  # the tie goes to the cluster with the smaller record


def test_a_new_id_never_reuses_one_still_held() -> None:
    # the part that kept P-hash(a) left 'a' behind; a's new cluster must get another id
    held = new_entity_id("P", "a")
    result = assign_stable_ids(clusters(q=["a"], r=["b", "c"]), previous(**{held: ["a", "b", "c"]}), "P", AT)
    out = ids(result.assignments)
    assert out["b"] == held and out["a"] != held and out["a"].startswith("P-")
