"""Recurrences: a closed case reported again to one of its departments after a quiet week is a new
case; a report to a department it has not been to is the same case climbing the ladder."""

import numpy as np
import pandas as pd

from entity_resolution.events.recurrence import split_recurrences

T0 = pd.Timestamp("2026-09-01 09:00:00")


def _closings(rows):
    frame = pd.DataFrame(rows, columns=["event_id", "source", "received_at", "closed_at", "finished"])
    frame["closed_at"] = pd.to_datetime(frame["closed_at"])
    return frame


def _days(n):
    return T0 + pd.Timedelta(days=n)


def test_the_same_department_hearing_again_a_week_after_closing_opens_a_new_case():
    closings = _closings(
        [
            ("hotline:1", "hotline", _days(0), _days(2), True),
            ("grid:2", "grid", _days(1), _days(3), True),
            ("hotline:3", "hotline", _days(30), _days(31), True),  # a recurrence
            ("police:4", "police", _days(45), None, False),  # the recurrence climbs: same case
        ]
    )
    ids = closings["event_id"].to_numpy(dtype=object)
    labels = split_recurrences(np.zeros(4, dtype=np.int64), ids, closings)
    assert labels.tolist() == [0, 0, 2, 2]


def test_no_cut_while_a_record_is_open_or_within_the_week_or_at_a_new_department():
    cases = {
        "open": [
            ("hotline:1", "hotline", _days(0), _days(2), True),
            ("grid:2", "grid", _days(1), None, False),
            ("hotline:3", "hotline", _days(30), None, False),
        ],
        "soon": [
            ("hotline:1", "hotline", _days(0), _days(2), True),
            ("hotline:2", "hotline", _days(8), None, False),
        ],
        "new department": [
            ("hotline:1", "hotline", _days(0), _days(2), True),
            ("petitions:2", "petitions", _days(40), None, False),
        ],
    }
    for name, rows in cases.items():
        closings = _closings(rows)
        ids = closings["event_id"].to_numpy(dtype=object)
        labels = split_recurrences(np.zeros(len(rows), dtype=np.int64), ids, closings)
        assert set(labels.tolist()) == {0}, name


def test_cases_apart_stay_apart_and_each_piece_is_labelled_by_its_smallest_row():
    # rows out of time order: the recurrence (row 0) is received last
    closings = _closings(
        [
            ("hotline:3", "hotline", _days(20), None, False),
            ("grid:9", "grid", _days(5), None, False),
            ("hotline:1", "hotline", _days(0), _days(1), True),
        ]
    )
    ids = closings["event_id"].to_numpy(dtype=object)
    labels = split_recurrences(np.array([0, 1, 0]), ids, closings)
    assert labels.tolist() == [0, 1, 2]


def test_a_batch_without_records_has_nothing_to_cut():
    # an increment that reaches no case (people or places changed, no event) links no records
    closings = _closings([("hotline:1", "hotline", _days(0), _days(2), True)])
    labels = split_recurrences(np.zeros(0, dtype=np.int64), np.array([], dtype=object), closings)
    assert labels.tolist() == []
