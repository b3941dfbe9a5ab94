"""Blocking: candidate pairs per rule, capped blocks, deduplication, and blocking a batch against keys."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from entity_resolution.people.block import (
    NO_KEY,
    BlockingRule,
    block_against,
    block_pairs,
    dedupe_pairs,
    pairs_within,
    rule_keys,
    rule_names,
)
from entity_resolution.people.prepare import prepare_mentions

BY_PHONE = BlockingRule("mobile", ("mobile",))
BY_NAME_BIRTH = BlockingRule("name_birth", ("name_key", "birth_date"))


def table(**columns: list[object]) -> pd.DataFrame:
    frame = pd.DataFrame(columns)
    if "birth_date" in frame:
        frame["birth_date"] = pd.to_datetime(frame["birth_date"])
    return frame


def pair_list(pairs: pd.DataFrame) -> list[tuple[int, int]]:
    return [(int(a), int(b)) for a, b in pairs[["left", "right"]].itertuples(index=False)]


@pytest.mark.parametrize(
    ("sizes", "cap", "expected"),
    [
        ([3], 10, [(0, 1), (0, 2), (1, 2)]),
        ([2, 1, 2], 10, [(0, 1), (3, 4)]),
        ([1], 10, []),
        ([5], 4, [(0, 1), (0, 2), (1, 2), (1, 3), (2, 3), (2, 4), (3, 4)]),  # window of 2 past the cap
    ],
)
def test_pairs_within_groups(sizes: list[int], cap: int, expected: list[tuple[int, int]]) -> None:
    size = np.array(sizes, dtype=np.int64)
    starts = np.r_[0, np.cumsum(size)[:-1]].astype(np.int64)
    left, right, _ = pairs_within(starts, size, cap)
    assert list(zip(left.tolist(), right.tolist(), strict=True)) == expected


def test_missing_values_never_block_together() -> None:
    prepared = table(mobile=["13800138000", None, None, "13800138000"])
    assert pair_list(block_pairs(prepared, (BY_PHONE,)).pairs) == [(0, 3)]


def test_every_column_of_a_rule_must_agree() -> None:
    prepared = table(name_key=["zhangwei"] * 3, birth_date=["1990-03-07", "1990-03-07", "1991-01-01"])
    assert pair_list(block_pairs(prepared, (BY_NAME_BIRTH,)).pairs) == [(0, 1)]


def test_pairs_found_by_several_rules_appear_once_with_both_rules() -> None:
    prepared = table(mobile=["1", "1"], name_key=["a", "a"], birth_date=["2000-01-01", "2000-01-01"])
    blocks = block_pairs(prepared, (BY_PHONE, BY_NAME_BIRTH))
    assert pair_list(blocks.pairs) == [(0, 1)]
    assert rule_names(int(blocks.pairs["rules"].iloc[0]), (BY_PHONE, BY_NAME_BIRTH)) == [
        "mobile",
        "name_birth",
    ]


def test_an_oversized_block_is_windowed_and_counted() -> None:
    # one landline shared by 200 mentions (a switchboard): all pairs would be 19,900
    prepared = table(landline=["023-68881234"] * 200, name_key=[f"n{i % 7}" for i in range(200)])
    blocks = block_pairs(prepared, (BlockingRule("landline", ("landline",)),), max_block=20)
    report = blocks.report.set_index("rule").loc["landline"]
    assert report["capped_blocks"] == 1 and report["capped_mentions"] == 200
    assert len(blocks.pairs) <= max(20 * 19 // 2, 2 * 200)  # a chain at least, never all pairs
    assert report["pairs"] + report["pairs_skipped"] == 200 * 199 // 2
    # the window runs over mentions sorted by name, so mentions of one name are paired
    names = prepared["name_key"].to_numpy()
    same_name = names[blocks.pairs["left"]] == names[blocks.pairs["right"]]
    assert same_name.mean() > 0.9


def test_blocking_is_deterministic_and_order_free() -> None:
    rng = np.random.default_rng(3)
    prepared = table(
        mobile=[f"1{rng.integers(0, 30)}" for _ in range(300)],
        name_key=[f"n{rng.integers(0, 5)}" for _ in range(300)],
    )
    once = block_pairs(prepared, (BY_PHONE,), max_block=8).pairs
    again = block_pairs(prepared, (BY_PHONE,), max_block=8).pairs
    pd.testing.assert_frame_equal(once, again)


def test_rule_keys_agree_across_tables() -> None:
    a = table(mobile=["13800138000", None], name_key=["x", "y"], birth_date=["1990-01-01", None])
    b = table(mobile=["13800138000"], name_key=["x"], birth_date=["1990-01-01"])
    keys_a, keys_b = rule_keys(a, (BY_PHONE, BY_NAME_BIRTH)), rule_keys(b, (BY_PHONE, BY_NAME_BIRTH))
    assert (keys_a.iloc[0] == keys_b.iloc[0]).all()
    assert (keys_a.iloc[1] == NO_KEY).all()


def test_a_batch_is_blocked_against_kept_keys() -> None:
    existing = table(mobile=["111", "111", "111", "222"], name_key=["a", "a", "a", "b"])
    entity = np.array(["P1", "P1", "P1", "P2"], dtype=object)
    new = table(mobile=["111", "333", "333"], name_key=["a", "c", "c"])
    cross, within = block_against(new, rule_keys(existing, (BY_PHONE,)), entity, (BY_PHONE,), per_entity=2)
    # P1 has three mentions on that phone; the newest two are enough
    assert sorted(zip(cross["existing"].tolist(), cross["new"].tolist(), strict=True)) == [(1, 0), (2, 0)]
    assert pair_list(within.pairs) == [(1, 2)]


def test_dedupe_orders_each_pair() -> None:
    pairs = dedupe_pairs(np.array([3, 1, 1]), np.array([1, 3, 1]), np.array([1, 2, 4]), 10)
    assert pair_list(pairs) == [(1, 3)] and pairs["rules"].tolist() == [3]


@pytest.mark.parametrize("slipped", ["5405829", "1405822", "5408522"])
def test_an_id_number_with_one_slip_meets_its_correct_form(slipped: str) -> None:
    mentions = pd.DataFrame(
        {
            "record_id": ["a", "b", "c"],
            "name": ["RYAN JOSHUA", "DOWDNEY JOSHUA", "WEBB KEATON"],
            "id_number": ["5405822", slipped, "9911003"],
        }
    )
    assert pair_list(block_pairs(prepare_mentions(mentions)).pairs) == [(0, 1)]


def test_a_free_text_address_with_a_late_typo_meets_its_correct_form() -> None:
    mentions = pd.DataFrame(
        {
            "record_id": ["a", "b", "c", "d"],
            "name": ["RYAN JOSHUA", "DOWDNEY JOSHUA", "RYAN KEATON", "WEBB KEATON"],
            "address": [
                "14 wynn street, tathra, bilpin 2529 vic",
                "14 wynn street, tathra, bilpiw 2529 vic",
                "85 smiths road, moolooboola 4560 nsw",
                "14 wynn street, tathra, bilpin 2529 vic",
            ],
        }
    )
    prepared = prepare_mentions(mentions)
    assert prepared["address_head"].tolist() == ["14wynns", "14wynns", "85smith", "14wynns"]
    # a and b share the given name, a and d nothing but the address
    assert pair_list(block_pairs(prepared).pairs) == [(0, 1)]


def test_a_keyed_address_has_no_head() -> None:
    prepared = prepare_mentions(pd.DataFrame({"record_id": ["a"], "address": ["聚龙城3-2-501"]}))
    assert prepared["address_head"].isna().all()
