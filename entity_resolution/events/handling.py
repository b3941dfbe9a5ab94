"""Handling: when each event was closed and how long it took; each case's responsible department,
time limit, due and closed times, overdue or on time, and the satisfaction its residents reported.

Pure: events (the latest version of each record, with its case), the status history (every version
seen) and the cases in; the events' and cases' handling columns out. An event is closed the first
time a version of it reached `resolved` or `closed`; a withdrawn event needs no closing. A case is
closed when all its events are, at the last of their closing times; it is due its category's time
limit after it opened (the taxonomy's `time_limit_hours` and department, per subcategory).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ontology import load_ontology

__all__ = [
    "CASE_HANDLING_COLUMNS",
    "CLOSED_STATUSES",
    "EVENT_HANDLING_COLUMNS",
    "WITHDRAWN",
    "case_handling",
    "event_deadlines",
    "event_handling",
    "handling_rates",
]

CLOSED_STATUSES = ("resolved", "closed")
WITHDRAWN = "withdrawn"
SATISFIED = ("satisfied", "basically_satisfied")
EVENT_HANDLING_COLUMNS = (
    "handling_department",
    "satisfaction",
    "closed_at",
    "handling_hours",
    "received_at",
    "due_at",
    "overdue",
    "on_time",
)
CASE_HANDLING_COLUMNS = (
    "status",
    "responsible_department",
    "due_at",
    "closed_at",
    "overdue",
    "on_time",
    "satisfaction",
)


def _received_at(frame: pd.DataFrame, history: pd.DataFrame | None, key: pd.Series) -> pd.Series:
    """Return when each event was received: its occurred_at, or, when the source gave only the day
    (midnight exactly), its first version seen that day."""
    occurred = pd.to_datetime(frame["occurred_at"])
    if history is None or not len(history):
        return occurred
    history_key = history["source"].astype(str) + ":" + history["record_id"].astype(str)
    first_seen = pd.to_datetime(history["updated_at"]).groupby(history_key.to_numpy()).min()
    seen = pd.to_datetime(key.map(first_seen))
    day_only = occurred == occurred.dt.normalize()
    same_day = seen.dt.normalize() == occurred
    return occurred.where(~(day_only & same_day), seen)


def _first_closed(history: pd.DataFrame) -> pd.Series:
    """Return, per `source:record_id`, the time of the first version at resolved or closed."""
    done = history[history["status"].isin(CLOSED_STATUSES)]
    key = done["source"].astype(str) + ":" + done["record_id"].astype(str)
    return pd.to_datetime(done["updated_at"]).groupby(key.to_numpy()).min()


def event_handling(events: pd.DataFrame, history: pd.DataFrame | None) -> pd.DataFrame:
    """Return `events` (event_id, source, record_id, occurred_at, status, updated_at, and
    handling_department / satisfaction when the sources carry them) with EVENT_HANDLING_COLUMNS.

    `history` holds (source, record_id, updated_at, status) per version seen; an event closed in
    its latest version but absent from the history is closed at that version's time.
    """
    frame = events.copy()
    for column in ("handling_department", "satisfaction"):
        if column not in frame:
            frame[column] = None
    key = frame["source"].astype(str) + ":" + frame["record_id"].astype(str)
    known = (
        _first_closed(history) if history is not None and len(history) else pd.Series(dtype="datetime64[ns]")
    )
    closed_at = pd.to_datetime(key.map(known))
    latest_closed = frame["status"].isin(CLOSED_STATUSES)
    updated = pd.to_datetime(frame["updated_at"])
    closed_at = closed_at.where(closed_at.notna() | ~latest_closed, updated)
    # a record reopened after closing (a later version not closed) is not closed now
    frame["closed_at"] = closed_at.where(latest_closed)
    frame["received_at"] = _received_at(frame, history, key)
    hours = (frame["closed_at"] - frame["received_at"]).dt.total_seconds() / 3600
    frame["handling_hours"] = hours.clip(lower=0).round(2)
    return frame


def _limits() -> tuple[dict[str, str], dict[str, int]]:
    categories = load_ontology().taxonomy.categories
    return (
        {code: c.department for code, c in categories.items()},
        {code: c.time_limit_hours for code, c in categories.items()},
    )


def _latest_satisfaction(events: pd.DataFrame) -> pd.Series:
    """Return per case the satisfaction of its most recently updated event that reports one."""
    rated = events.dropna(subset=["satisfaction"]).sort_values(["case_id", "updated_at", "event_id"])
    return rated.drop_duplicates("case_id", keep="last").set_index("case_id")["satisfaction"]


def case_handling(cases: pd.DataFrame, events: pd.DataFrame, at: dt.datetime) -> pd.DataFrame:
    """Return `cases` (case_id, category, opened_at) with CASE_HANDLING_COLUMNS, as of `at`.

    `events` are `event_handling`'s output with their case_id. The limit runs from the first of its
    events' `received_at` (`opened_at` but for days given without a time). Overdue: open past its due time at
    `at`, or closed after it; on time: closed by its due time (None while open and not yet due).
    """
    departments, hours = _limits()
    live = events.dropna(subset=["case_id"])
    finished = live["closed_at"].notna() | (live["status"] == WITHDRAWN)
    grouped = live.assign(finished=finished).groupby("case_id")
    all_finished = grouped["finished"].all()
    last_closed = grouped["closed_at"].max()
    frame = cases.copy()
    ids = frame["case_id"]
    limit = frame["category"].map(hours).fillna(hours.get("other.unclassified", 240))
    frame["responsible_department"] = frame["category"].map(departments)
    opened = pd.to_datetime(frame["opened_at"])
    received = pd.to_datetime(ids.map(grouped["received_at"].min())).fillna(opened)
    frame["due_at"] = received + pd.to_timedelta(limit.astype(float), unit="h")
    closed = ids.map(all_finished).fillna(False).astype(bool)
    frame["status"] = np.where(closed, "closed", "open")
    closed_at = pd.to_datetime(ids.map(last_closed))
    # a case whose every event was withdrawn closes when the last of them was updated
    withdrawn_only = closed & closed_at.isna()
    closed_at = closed_at.where(~withdrawn_only, pd.to_datetime(ids.map(grouped["updated_at"].max())))
    frame["closed_at"] = closed_at.where(closed)
    frame["overdue"], frame["on_time"] = _verdicts(closed, frame["closed_at"], frame["due_at"], at)
    frame["satisfaction"] = ids.map(_latest_satisfaction(live))
    return frame


def _verdicts(
    closed: pd.Series, closed_at: pd.Series, due_at: pd.Series, at: dt.datetime
) -> tuple[pd.Series, pd.Series]:
    """Return (overdue, on_time): overdue when closed after the due time or open past it at `at`;
    on time when closed by it, None while open and not yet due."""
    late_closed = closed & (closed_at > due_at)
    late_open = ~closed & (due_at < pd.Timestamp(at))
    on_time = pd.Series(closed & ~late_closed, index=closed.index, dtype=object)
    return late_closed | late_open, on_time.where(closed | late_open, None)


def event_deadlines(events: pd.DataFrame, cases: pd.DataFrame, at: dt.datetime) -> pd.DataFrame:
    """Return `event_handling`'s events with due_at (received + the time limit of its case's category),
    overdue and on_time as of `at`: each department's own ticket judged alone, as the hotline's
    on-time rate is, whatever the case it joined."""
    _, hours = _limits()
    category = events["case_id"].map(cases.set_index("case_id")["category"])
    limit = category.map(hours).fillna(hours.get("other.unclassified", 240)).astype(float)
    frame = events.assign(due_at=pd.to_datetime(events["received_at"]) + pd.to_timedelta(limit, unit="h"))
    closed = frame["closed_at"].notna()
    frame["overdue"], frame["on_time"] = _verdicts(closed, frame["closed_at"], frame["due_at"], at)
    return frame


def handling_rates(cases: pd.DataFrame) -> dict[str, float]:
    """Return the completion rate (closed / all), the on-time rate (on time / those with a verdict)
    and the satisfaction rate (satisfied or basically satisfied / those rated), as shares, of cases
    or events (closed: a closing time)."""
    verdicts = cases["on_time"].dropna().astype(bool)
    rated = cases["satisfaction"].dropna()
    return {
        "cases": float(len(cases)),
        "completion_rate": float(cases["closed_at"].notna().mean()) if len(cases) else float("nan"),
        "on_time_rate": float(verdicts.mean()) if len(verdicts) else float("nan"),
        "satisfaction_rate": float(rated.isin(SATISFIED).mean()) if len(rated) else float("nan"),
    }
