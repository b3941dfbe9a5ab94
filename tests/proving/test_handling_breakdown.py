"""The breakdown of hub cases against the true incidents: one-to-one, merged and split, each with its
on-time count beside the truth's."""

import datetime as dt

import pandas as pd

from proving.handling_breakdown import case_breakdown

T0 = pd.Timestamp("2026-09-01 09:00:00")
AT = dt.datetime(2026, 12, 1)


def _truth_city(root):
    (root / "truth").mkdir()
    records = pd.DataFrame(
        {
            "source": ["hotline"] * 5,
            "record_id": ["1", "2", "3", "4", "5"],
            "incident_id": ["A", "B", "C", "D", "D"],
        }
    )
    records.to_parquet(root / "truth" / "records.parquet")
    day = pd.Timedelta(days=1)
    cases = pd.DataFrame(
        {
            "incident_id": ["A", "B", "C", "D"],
            "opened_at": [T0, T0 + 30 * day, T0, T0],
            "due_at": [T0 + 3 * day, T0 + 33 * day, T0 + 3 * day, T0 + 3 * day],
            "closed_at": [T0 + day, T0 + 31 * day, T0 + 5 * day, T0 + 4 * day],
        }
    )
    cases.to_parquet(root / "truth" / "cases.parquet")


def test_cases_are_sorted_into_one_to_one_merged_and_split_with_both_sides_judged(tmp_path):
    _truth_city(tmp_path)
    # A and B (a recurrence) in one case, C alone, D's two records in two cases
    events = pd.DataFrame(
        {
            "event_id": [f"hotline:{i}" for i in "12345"],
            "case_id": ["AB", "AB", "C", "D1", "D2"],
        }
    )
    cases = pd.DataFrame({"case_id": ["AB", "C", "D1", "D2"], "on_time": [False, False, True, False]})
    rows = {r["cases"]: r for r in case_breakdown(tmp_path, cases, events, AT)}
    assert rows["one-to-one"] == {
        "cases": "one-to-one",
        "hub cases": 1,
        "hub on time": "0/1",
        "incidents": 1,
        "truth on time": "0/1",
    }
    assert (rows["merged"]["hub on time"], rows["merged"]["truth on time"]) == ("0/1", "2/2")
    assert (rows["split"]["hub cases"], rows["split"]["hub on time"], rows["split"]["truth on time"]) == (
        2,
        "1/2",
        "0/1",
    )
