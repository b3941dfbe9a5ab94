"""Picking a resolved table's rows by key."""

import pandas as pd

from cityhub.pipeline.table_keys import keyed_rows, row_keys


def test_keyed_rows_picks_the_rows_row_keys_would():
    mentions = pd.DataFrame(
        {
            "source": ["hotline", "police", "hotline", "grid", "police"],
            "mention_id": ["m1", "m1", "a:b", "7", "m2"],
            "record_id": ["r1", "r2", "r3", "r4", "r5"],
        }
    )
    keys = {"police:m1", "hotline:a:b", "grid:7", "grid:m2"}
    expected = row_keys("person_mentions", mentions).isin(keys).to_numpy()
    assert (
        keyed_rows("person_mentions", mentions, keys).tolist()
        == expected.tolist()
        == [
            False,
            True,
            True,
            True,
            False,
        ]
    )
    people = pd.DataFrame({"person_id": ["p1", "p2"]})
    assert keyed_rows("people", people, {"p2"}).tolist() == [False, True]
