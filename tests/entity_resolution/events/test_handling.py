"""Handling from tables: closing times from the status history, time limits, overdue and on time."""

import datetime as dt

import pandas as pd

from entity_resolution.events.handling import case_handling, event_deadlines, event_handling, handling_rates

T0 = pd.Timestamp("2026-11-01 09:00:00")
AT = dt.datetime(2026, 11, 20)


def _events(rows):
    columns = [
        "event_id",
        "source",
        "record_id",
        "occurred_at",
        "status",
        "updated_at",
        "satisfaction",
        "case_id",
    ]
    return pd.DataFrame(rows, columns=columns)


def _history(rows):
    return pd.DataFrame(rows, columns=["source", "record_id", "updated_at", "status"])


def test_an_event_closes_at_its_first_resolved_version_not_at_the_follow_up_call():
    events = _events(
        [("hotline:A", "hotline", "A", T0, "closed", T0 + pd.Timedelta(days=4), "satisfied", "C1")]
    )
    history = _history(
        [
            ("hotline", "A", T0, "received"),
            ("hotline", "A", T0 + pd.Timedelta(hours=30), "resolved"),
            ("hotline", "A", T0 + pd.Timedelta(days=4), "closed"),
        ]
    )
    (row,) = event_handling(events, history).to_dict("records")
    assert row["closed_at"] == T0 + pd.Timedelta(hours=30) and row["handling_hours"] == 30.0


def test_without_history_a_closed_latest_version_closes_at_its_own_time_and_a_reopened_one_is_open():
    events = _events(
        [
            ("grid:B", "grid", "B", T0, "closed", T0 + pd.Timedelta(hours=5), None, "C1"),
            ("grid:C", "grid", "C", T0, "in_progress", T0 + pd.Timedelta(days=3), None, "C2"),
        ]
    )
    history = _history([("grid", "C", T0 + pd.Timedelta(days=1), "closed")])
    frame = event_handling(events, history).set_index("event_id")
    assert frame.at["grid:B", "closed_at"] == T0 + pd.Timedelta(hours=5)
    assert pd.isna(frame.at["grid:C", "closed_at"])


def test_a_day_without_a_time_is_received_at_its_first_version_that_day():
    day = T0.normalize()
    events = _events([("petitions:D", "petitions", "D", day, "received", T0, None, "C1")])
    history = _history([("petitions", "D", T0, "received")])
    (row,) = event_handling(events, history).to_dict("records")
    assert row["received_at"] == T0


def _cases(*rows):
    return pd.DataFrame(rows, columns=["case_id", "category", "opened_at"])


def test_a_case_is_due_its_category_limit_after_it_opened_and_judged_as_of_the_run():
    gas = "safety_hazard.gas_leak"  # 4 hours
    events = event_handling(
        _events(
            [
                ("hotline:1", "hotline", "1", T0, "resolved", T0 + pd.Timedelta(hours=3), None, "ON"),
                ("hotline:2", "hotline", "2", T0, "resolved", T0 + pd.Timedelta(hours=6), None, "LATE"),
                ("grid:3", "grid", "3", T0, "in_progress", T0, None, "OPEN-LATE"),
                ("grid:4", "grid", "4", T0, "received", T0, None, "OPEN-DUE"),
                ("police:5", "police", "5", T0, "closed", T0 + pd.Timedelta(hours=1), None, "PART"),
                ("hotline:6", "hotline", "6", T0, "in_progress", T0, "unsatisfied", "PART"),
            ]
        ),
        None,
    )
    cases = _cases(
        ("ON", gas, T0), ("LATE", gas, T0), ("OPEN-LATE", gas, T0), ("OPEN-DUE", gas, T0), ("PART", gas, T0)
    )
    at = T0 + pd.Timedelta(hours=5)
    frame = case_handling(cases, events, at.to_pydatetime()).set_index("case_id")
    assert (frame["due_at"] == T0 + pd.Timedelta(hours=4)).all()
    assert (frame["responsible_department"] == "emergency").all()
    assert frame["status"].to_dict() == {
        "ON": "closed",
        "LATE": "closed",
        "OPEN-LATE": "open",
        "OPEN-DUE": "open",
        "PART": "open",
    }
    assert frame.at["ON", "on_time"] is True and not frame.at["ON", "overdue"]
    assert frame.at["LATE", "on_time"] is False and frame.at["LATE", "overdue"]
    assert frame.at["OPEN-LATE", "on_time"] is False and frame.at["OPEN-LATE", "overdue"]
    assert frame.at["PART", "satisfaction"] == "unsatisfied" and pd.isna(frame.at["PART", "closed_at"])
    early = case_handling(cases, events, (T0 + pd.Timedelta(hours=2)).to_pydatetime()).set_index("case_id")
    assert early.at["OPEN-DUE", "on_time"] is None and not early.at["OPEN-DUE", "overdue"]
    rates = handling_rates(frame.reset_index())
    assert rates["completion_rate"] == 2 / 5
    assert rates["on_time_rate"] == 1 / 5  # every case is past due at 5 h: one of five on time
    tickets = event_deadlines(events, frame.reset_index(), at.to_pydatetime()).set_index("event_id")
    assert tickets.at["police:5", "on_time"] is True and tickets.at["hotline:6", "overdue"]


def test_a_case_closes_when_all_its_events_have_at_the_last_of_their_times_and_takes_the_latest_rating():
    events = event_handling(
        _events(
            [
                ("hotline:1", "hotline", "1", T0, "closed", T0 + pd.Timedelta(days=2), "unsatisfied", "C"),
                ("hotline:2", "hotline", "2", T0, "closed", T0 + pd.Timedelta(days=5), "satisfied", "C"),
                ("police:3", "police", "3", T0, "withdrawn", T0 + pd.Timedelta(days=1), None, "C"),
            ]
        ),
        None,
    )
    frame = case_handling(_cases(("C", "neighbour_dispute.noise", T0)), events, AT)
    (row,) = frame.to_dict("records")
    assert row["status"] == "closed" and row["closed_at"] == T0 + pd.Timedelta(days=5)
    assert row["satisfaction"] == "satisfied" and row["responsible_department"] == "justice"
    assert row["due_at"] == T0 + pd.Timedelta(hours=72) and row["overdue"] and row["on_time"] is False
