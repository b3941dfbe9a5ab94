"""The situations an operations centre is warned of, found in the resolved tables.

    escalating       a case the resolver marked escalating (it went from one department to another)
    overdue          an open case past its time limit; due_soon: one whose limit falls within a day
    recurring_place  a place below the community with RECUR_CASES or more cases in RECUR_DAYS days
    recurring_person a person in RECUR_CASES or more cases in RECUR_DAYS days
    spike            a community whose weekly count of new cases of one category jumps beyond its own
                     baseline (below)

Spikes: see `cityhub.alerts.spikes` (the weekly count of one subcategory in one community against
a baseline mixing the series' own history and what the community's volume and the subcategory's
share of the city lead one to expect). Cases, not tickets, are counted: a resident calling again
about one incident does not make a spike.

"Now" is the data's clock, the newest event time, so replaying history finds what was true then.
An alert's id is a hash of its kind and its subject (case, place, person, or community, category
and week), so the same situation keeps its id across runs. Evidence names ids, counts and times,
never names or numbers of people.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from types import SimpleNamespace
from typing import Any, cast

import pandas as pd

from cityhub.alerts.spikes import weekly_spikes
from cityhub.stats.frames import OperationsFrames
from ontology import load_ontology

__all__ = ["ALERT_COLUMNS", "alert_id", "find_alerts", "weekly_spikes"]

RECUR_CASES = 3
RECUR_DAYS = 90
DUE_SOON = dt.timedelta(hours=24)
ALERT_COLUMNS = [
    "alert_id",
    "kind",
    "subject_kind",
    "subject_id",
    "district_id",
    "sources",
    "severity",
    "title",
    "evidence",
]
_ABOVE_PLACES = ("district", "street", "community")


def alert_id(kind: str, subject: str) -> str:
    """Return the stable id of the alert of `kind` about `subject`.

    >>> alert_id("escalating", "CASE-1") == alert_id("escalating", "CASE-1") != alert_id("overdue", "CASE-1")
    True
    """
    return "AL-" + hashlib.blake2b(f"{kind}|{subject}".encode(), digest_size=10).hexdigest()


def _alert(
    kind: str,
    subject_kind: str,
    subject: str,
    district: Any,
    sources: Any,
    severity: str,
    title: str,
    evidence: dict[str, Any],
) -> dict[str, Any]:
    return {
        "alert_id": alert_id(kind, subject),
        "kind": kind,
        "subject_kind": subject_kind,
        "subject_id": subject,
        "district_id": str(district) if district else None,
        "sources": sorted({str(s) for s in sources if s}),
        "severity": severity,
        "title": title,
        "evidence": evidence,
    }


def _stamp(value: Any) -> str | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).isoformat()


def _category_words(code: Any) -> str:
    """Return a category code in Chinese for an alert's title ("物业管理/电梯故障"); evidence keeps codes."""
    if not isinstance(code, str) or not code:
        return "未分类"
    categories = load_ontology().taxonomy.categories
    if code in categories:
        return f"{categories[code].major_name}/{categories[code].name}"
    majors = {c.split(".", 1)[0]: entry.major_name for c, entry in categories.items()}
    return majors.get(code, code)


def _department_words(code: Any) -> str:
    """Return a department code in Chinese for an alert's title; the evidence keeps the code."""
    if not isinstance(code, str) or not code:
        return "未定部门"
    return str(load_ontology().taxonomy.departments.get(code, code))


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return cast(list[dict[str, Any]], frame.to_dict("records"))


def _sorted_sets(frame: pd.DataFrame, keys: list[str], column: str) -> pd.Series:
    """Return, per group of `keys`, the sorted distinct values of `column` (a list)."""
    pairs = frame[[*keys, column]].drop_duplicates().sort_values([*keys, column])
    return pairs.groupby(keys, sort=True)[column].agg(list)


def _case_sources(frames: OperationsFrames) -> pd.Series:
    return _sorted_sets(frames.events.dropna(subset=["case_id"]), ["case_id"], "source")


def _escalations(frames: OperationsFrames, sources: pd.Series) -> list[dict[str, Any]]:
    cases = frames.cases[frames.cases["escalating"].fillna(False).astype(bool)]
    counts = frames.events.groupby("case_id").size()
    return [
        _alert(
            "escalating",
            "case",
            c.case_id,
            c.district_id,
            sources.get(c.case_id, []),
            "high",
            f"升级案件：{_category_words(c.category)}，涉及{len(sources.get(c.case_id, []))}个部门",
            {
                "case_id": c.case_id,
                "category": c.category,
                "reason": c.escalation_reason,
                "events": int(counts.get(c.case_id, 0)),
                "sources": sources.get(c.case_id, []),
                "opened_at": _stamp(c.opened_at),
                "last_activity_at": _stamp(c.last_activity_at),
            },
        )
        for c in (SimpleNamespace(**r) for r in _rows(cases))
    ]


def _deadlines(frames: OperationsFrames, sources: pd.Series) -> list[dict[str, Any]]:
    cases = frames.cases
    if "due_at" not in cases or "status" not in cases or frames.clock is None:
        return []
    due = pd.to_datetime(cases["due_at"])
    # assigned before filtering: an empty frame given a Series would take on its index and rows
    with_due = cases.assign(due=due)
    open_cases = with_due[(with_due["status"] != "closed") & with_due["due"].notna()]
    out = []
    for c in (SimpleNamespace(**r) for r in _rows(open_cases)):
        late = c.due <= frames.clock
        if not late and c.due > frames.clock + DUE_SOON:
            continue
        kind, word = ("overdue", "已超期") if late else ("due_soon", "即将超期")
        out.append(
            _alert(
                kind,
                "case",
                c.case_id,
                c.district_id,
                sources.get(c.case_id, []),
                "high" if late else "medium",
                f"{word}：{_category_words(c.category)}（{_department_words(c.department)}）",
                {
                    "case_id": c.case_id,
                    "category": c.category,
                    "department": c.department,
                    "opened_at": _stamp(c.opened_at),
                    "due_at": _stamp(c.due),
                },
            )
        )
    return out


def _recurring(frames: OperationsFrames, people: pd.DataFrame) -> list[dict[str, Any]]:
    if frames.clock is None:
        return []
    since = frames.clock - dt.timedelta(days=RECUR_DAYS)
    events = frames.events[(frames.events["occurred_at"] > since) & frames.events["case_id"].notna()]
    level = frames.places.set_index("place_id")["level"] if len(frames.places) else pd.Series(dtype=object)
    at_place = events[events["place_id"].notna() & ~events["place_id"].map(level).isin(_ABOVE_PLACES)]
    by_person = events.merge(people[["event_id", "person_id"]], on="event_id")
    out = []
    for kind, frame, column, word in (
        ("recurring_place", at_place, "place_id", "同一地点"),
        ("recurring_person", by_person, "person_id", "同一人员"),
    ):
        for subject, rows in frame.groupby(column):
            cases = sorted(set(rows["case_id"]))
            if len(cases) < RECUR_CASES:
                continue
            out.append(
                _alert(
                    kind,
                    kind.removeprefix("recurring_"),
                    str(subject),
                    rows["district_id"].iloc[-1],
                    rows["source"],
                    "medium",
                    f"{word}{RECUR_DAYS}天内反复出现{len(cases)}件案件",
                    {
                        column: str(subject),
                        "cases": cases,
                        "window_days": RECUR_DAYS,
                        "categories": sorted(set(rows["category"]) - {""}),
                        "first": _stamp(rows["occurred_at"].min()),
                        "last": _stamp(rows["occurred_at"].max()),
                    },
                )
            )
    return out


def _spikes(frames: OperationsFrames) -> list[dict[str, Any]]:
    spikes = weekly_spikes(frames.cases)
    district = frames.cases.drop_duplicates("community_id").set_index("community_id")["district_id"]
    sources = _sorted_sets(frames.cases, ["community_id", "category"], "source")
    out = []
    for s in _rows(spikes):
        subject = f"{s['community_id']}|{s['category']}|{s['week_start']}"
        title = (
            f"社区{_category_words(s['category'])}类事件周内激增：{s['count']}件（基线{s['baseline']}件/周）"
        )
        evidence = {**s, "previous_weeks": s["history"]}
        evidence.pop("history")
        found_in = sources.get((s["community_id"], s["category"]), [])
        out.append(
            _alert(
                "spike",
                "community",
                subject,
                district.get(s["community_id"]),
                found_in,
                "medium",
                title,
                evidence,
            )
        )
    return out


def find_alerts(frames: OperationsFrames, people: pd.DataFrame) -> pd.DataFrame:
    """Return every alert the resolved tables show now (ALERT_COLUMNS; evidence as a dict).

    `people` is resolved_event_people (event_id, person_id).
    """
    sources = _case_sources(frames)
    rows = [
        *_escalations(frames, sources),
        *_deadlines(frames, sources),
        *_recurring(frames, people),
        *_spikes(frames),
    ]
    frame = pd.DataFrame(rows, columns=ALERT_COLUMNS)
    # evidence as canonical JSON so that an unchanged situation compares equal across runs
    frame["evidence"] = [
        json.loads(json.dumps(e, ensure_ascii=False, sort_keys=True, default=str)) for e in frame["evidence"]
    ]
    return frame.drop_duplicates("alert_id").reset_index(drop=True)
