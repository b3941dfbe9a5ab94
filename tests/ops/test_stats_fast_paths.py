"""The statistics' fast paths (quarters, months less their days, roll-ups, hot spots among the entities that
can still reach the list) give what counting the resolved tables directly gives, for ranges with ends
mid-month and for access-limited roles."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pandas as pd
import pytest

from cityhub.access.policy import load_policy
from cityhub.stats import hotspots
from cityhub.stats.policy import scoped_filter
from cityhub.stats.query import GROUPS, StatsFilter, StatsQuery
from cityhub.stats.ranges import plan_range
from cityhub.warehouse import Warehouse

RANGES = [
    (dt.date(2026, 2, 10), dt.date(2026, 8, 25)),  # one end under half a month, one over: month less days
    (dt.date(2026, 1, 20), dt.date(2026, 10, 5)),  # whole quarters between
    (dt.date(2025, 12, 14), dt.date(2026, 11, 17)),  # a year, both ends mid-month
    (dt.date(2026, 5, 3), dt.date(2026, 5, 29)),  # within one month, most of it
    (dt.date(2026, 5, 30), dt.date(2026, 6, 2)),  # across a month's end
    (None, dt.date(2026, 5, 17)),
    (dt.date(2026, 4, 16), None),
    (dt.date(2026, 4, 1), dt.date(2026, 9, 30)),  # whole quarters only
]
GROUPINGS = [
    ["district"],
    ["source", "month"],
    ["community"],
    ["street", "major"],
    ["grid"],
    ["department"],
    ["category"],
    [],
]


@pytest.fixture(scope="module")
def query(resolved_home):
    return StatsQuery(Warehouse(resolved_home.resolved_warehouse_url()))


@pytest.fixture(scope="module")
def resolved(resolved_home):
    """Events and cases with their divisions, and the (entity, case) pairs, counted here from the tables."""
    with sqlite3.connect(resolved_home.home / "warehouse.sqlite") as db:
        events = pd.read_sql(
            "SELECT event_id, source, category, occurred_at, place_id, case_id FROM resolved_events", db
        )
        places = pd.read_sql("SELECT place_id, level, parent_id, grid_id FROM resolved_places", db)
        cases = pd.read_sql("SELECT case_id, category, opened_at FROM resolved_cases", db)
        people = pd.read_sql("SELECT event_id, person_id FROM resolved_event_people", db)
    parent = dict(zip(places["place_id"], places["parent_id"], strict=True))
    level = dict(zip(places["place_id"], places["level"], strict=True))
    grid = dict(zip(places["place_id"], places["grid_id"], strict=True))

    def above(place, wanted):
        while isinstance(place, str):
            if wanted == "grid" and grid.get(place):
                return grid[place]
            if level.get(place) == wanted:
                return place
            place = parent.get(place)
        return ""

    for name in ("district", "street", "community", "grid"):
        events[name] = [above(p, name) for p in events["place_id"]]
    events["occurred_at"] = pd.to_datetime(events["occurred_at"])
    events["day"] = events["occurred_at"].dt.date
    events["category"] = events["category"].fillna("")
    events["major"] = events["category"].str.split(".").str[0]
    first = (
        events.dropna(subset=["case_id"]).sort_values(["occurred_at", "event_id"]).drop_duplicates("case_id")
    )
    cases = cases.merge(
        first[["case_id", "source", "district", "street", "community", "grid"]], on="case_id", how="left"
    ).fillna({"source": "", "district": "", "street": "", "community": "", "grid": "", "category": ""})
    cases["day"] = pd.to_datetime(cases["opened_at"]).dt.date
    cases["major"] = cases["category"].str.split(".").str[0]
    in_cases = events.dropna(subset=["case_id"])
    at_places = in_cases[~in_cases["place_id"].map(level).isin(["district", "street", "community"])]
    at_places = at_places.dropna(subset=["place_id"]).assign(entity_id=lambda e: e["place_id"], kind="place")
    persons = in_cases.merge(people, on="event_id").assign(entity_id=lambda e: e["person_id"], kind="person")
    pairs = (
        pd.concat([at_places, persons])
        .sort_values(["occurred_at", "event_id"])
        .drop_duplicates(["kind", "entity_id", "case_id"])
    )
    repeated = pairs.groupby(["kind", "entity_id"])["case_id"].transform("size") >= 2
    return {"events": events, "cases": cases, "pairs": pairs[repeated]}


def _inside(frame, f: StatsFilter) -> pd.DataFrame:
    keep = pd.Series(True, index=frame.index)
    if f.start is not None:
        keep &= frame["day"] >= f.start
    if f.end is not None:
        keep &= frame["day"] <= f.end
    if f.sources is not None:
        keep &= frame["source"].isin(f.sources)
    if f.districts is not None:
        keep &= frame["district"].isin(f.districts)
    if f.category:
        keep &= frame["category" if "." in f.category else "major"] == f.category
    return frame[keep]


COLUMN = {"district": "district", "street": "street", "community": "community", "grid": "grid"}


def _expected(resolved, by, f: StatsFilter, measure: str) -> dict:
    frame = _inside(resolved["events" if measure == "events" else "cases"], f)
    if "department" in by:
        return {}
    if "month" in by:
        frame = frame.assign(month=[d.replace(day=1) for d in frame["day"]])
    keys = [COLUMN.get(b, b) for b in by]
    if not keys:
        return {(): len(frame)}
    counted = frame.groupby(keys).size()
    return {k if isinstance(k, tuple) else (k,): int(n) for k, n in counted.items() if n}


def _got(query, by, f: StatsFilter, measure: str) -> dict:
    frame = query.counts(by, f)
    keys = [GROUPS[b] for b in by]
    return {tuple(r[k] for k in keys): int(r[measure]) for _, r in frame.iterrows() if r[measure]}


@pytest.mark.parametrize(("start", "end"), RANGES)
@pytest.mark.parametrize("by", GROUPINGS, ids=lambda b: "+".join(b) or "total")
def test_counts_match_the_resolved_tables(query, resolved, by, start, end):
    f = StatsFilter(start=start, end=end)
    for measure in ("events", "cases"):
        expected = _expected(resolved, by, f, measure)
        got = _got(query, by, f, measure)
        if "department" in by:  # the department is the taxonomy's: count the totals only
            total = len(_inside(resolved["events" if measure == "events" else "cases"], f))
            assert sum(got.values()) == total
        else:
            assert got == expected
    assert sum(_got(query, [], f, "events").values()) > 0 or start is None


@pytest.mark.parametrize(("start", "end"), RANGES[:4])
@pytest.mark.parametrize("role", ["leader", "street_staff"])
def test_counts_for_an_access_limited_role_match(query, resolved, role, start, end):
    policy = load_policy()
    scope = policy.scope(role, "沙坪坝区" if role == "street_staff" else None)
    f = scoped_filter(scope, query, StatsFilter(start=start, end=end, category="city_appearance"))
    assert f.sources is not None and len(f.sources) < 4
    for by in (["grid"], ["street", "major"], ["source", "month"], ["community"]):
        assert _got(query, by, f, "events") == _expected(resolved, by, f, "events")
        assert _got(query, by, f, "cases") == _expected(resolved, by, f, "cases")


def test_a_month_mostly_asked_for_is_read_whole_less_its_other_days():
    parts = plan_range(dt.date(2026, 2, 10), dt.date(2026, 8, 25), quarters=True)
    assert [(p.grain, p.sign) for p in parts] == [
        ("month", 1),  # March
        ("quarter", 1),  # April to June
        ("month", 1),  # July
        ("month", 1),  # February (19 of its 28 days)
        ("day", -1),  # less 1 to 9 February
        ("month", 1),  # August (25 of 31 days)
        ("day", -1),  # less 26 to 31 August
    ]
    assert parts[-1].first == dt.date(2026, 8, 26) and parts[-1].last == dt.date(2026, 8, 31)


def _expected_hotspots(resolved, kind, f: StatsFilter, min_cases, limit) -> list:
    pairs = _inside(resolved["pairs"][resolved["pairs"]["kind"] == kind], f)
    counted = pairs.groupby("entity_id").agg(cases=("case_id", "size"), last_day=("day", "max")).reset_index()
    counted = counted[counted["cases"] >= min_cases].sort_values(
        ["cases", "entity_id"], ascending=[False, True]
    )
    return [tuple(r) for r in counted.head(limit)[["entity_id", "cases", "last_day"]].itertuples(index=False)]


@pytest.mark.parametrize(("start", "end"), [*RANGES, (None, None)])
@pytest.mark.parametrize("kind", ["place", "person"])
@pytest.mark.parametrize("first", [1, 3, 40, hotspots.FIRST_ENTITIES])
def test_hot_spots_match_the_resolved_tables(query, resolved, monkeypatch, kind, start, end, first):
    monkeypatch.setattr(hotspots, "FIRST_ENTITIES", first)  # how many are counted before the bar is set
    policy = load_policy()
    scopes = [None, policy.scope("leader"), policy.scope("street_staff", "沙坪坝区")]
    for scope in scopes:
        asked = StatsFilter(start=start, end=end)
        f = asked if scope is None else scoped_filter(scope, query, asked)
        for min_cases, limit in ((2, 5), (2, 1), (3, 20), (2, 300)):
            got = query.hotspots(kind, f, min_cases, limit)
            assert [tuple(r) for r in got.itertuples(index=False)] == _expected_hotspots(
                resolved, kind, f, min_cases, limit
            )
    assert len(query.hotspots(kind, StatsFilter(), 2, 5)) == 5
