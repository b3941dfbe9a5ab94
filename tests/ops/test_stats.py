"""Statistics over the resolved small city, checked against counts made here from the resolved tables."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pandas as pd
import pytest

from cityhub.stats.query import StatsFilter, StatsQuery
from cityhub.warehouse import Warehouse


@pytest.fixture(scope="module")
def tables(resolved_home):
    with sqlite3.connect(resolved_home.home / "warehouse.sqlite") as db:
        events = pd.read_sql(
            "SELECT event_id, source, category, occurred_at, place_id, case_id FROM resolved_events", db
        )
        places = pd.read_sql("SELECT place_id, level, parent_id FROM resolved_places", db)
        mentions = pd.read_sql(
            "SELECT person_id, mention_id, place_id, updated_at FROM resolved_person_mentions", db
        )
        cases = pd.read_sql("SELECT case_id, opened_at FROM resolved_cases", db)
        people = pd.read_sql("SELECT event_id, person_id FROM resolved_event_people", db)
    parent = dict(zip(places["place_id"], places["parent_id"], strict=True))
    level = dict(zip(places["place_id"], places["level"], strict=True))

    def community(place):
        while isinstance(place, str):
            if level.get(place) == "community":
                return place
            place = parent.get(place)
        return ""

    events["community"] = [community(p) for p in events["place_id"]]
    events["day"] = pd.to_datetime(events["occurred_at"]).dt.date
    return {
        "events": events,
        "cases": cases,
        "mentions": mentions,
        "community": community,
        "people": people,
        "level": level,
    }


@pytest.fixture(scope="module")
def query(resolved_home):
    return StatsQuery(Warehouse(resolved_home.resolved_warehouse_url()))


RANGES = [
    (dt.date(2026, 1, 1), dt.date(2026, 6, 30)),  # whole months: the monthly table
    (dt.date(2026, 3, 17), dt.date(2026, 9, 3)),  # days: the daily table
]


@pytest.mark.parametrize(("start", "end"), RANGES)
def test_events_by_source_match_the_resolved_events(query, tables, start, end):
    events = tables["events"]
    inside = events[(events["day"] >= start) & (events["day"] <= end)]
    expected = inside.groupby("source").size().to_dict()
    got = query.counts(["source"], StatsFilter(start=start, end=end)).set_index("source")["events"].to_dict()
    assert got == expected and sum(expected.values()) > 100


@pytest.mark.parametrize(("start", "end"), RANGES)
def test_events_by_community_and_category_match(query, tables, start, end):
    events = tables["events"]
    inside = events[(events["day"] >= start) & (events["day"] <= end)].fillna({"category": ""})
    expected = inside.groupby(["community", "category"]).size()
    got = query.counts(["community", "category"], StatsFilter(start=start, end=end))
    assert (
        got.set_index(["community_id", "category"])["events"].sort_index().to_dict()
        == expected.sort_index().to_dict()
    )


def test_cases_opened_by_month_match_and_the_filters_cut(query, tables):
    cases = tables["cases"].assign(
        month=lambda c: pd.to_datetime(c["opened_at"]).dt.to_period("M").dt.start_time.dt.date
    )
    expected = cases.groupby("month").size().to_dict()
    got = query.counts(["month"], StatsFilter()).set_index("month")["cases"].to_dict()
    assert got == expected
    police_only = query.counts([], StatsFilter(sources=("police",)))["events"].iloc[0]
    assert police_only == (tables["events"]["source"] == "police").sum() > 0


def test_month_on_month_and_year_on_year_use_the_shifted_ranges(query):
    asked = StatsFilter(start=dt.date(2026, 8, 1), end=dt.date(2026, 8, 31))
    row = query.compare([], asked).iloc[0]
    july = query.counts([], StatsFilter(start=dt.date(2026, 7, 1), end=dt.date(2026, 7, 31))).iloc[0]
    assert row["events_mom_base"] == july["events"] > 0
    assert row["events_mom"] == pytest.approx((row["events"] - july["events"]) / july["events"], abs=1e-4)
    assert row["events_yoy_base"] == 0 and row["events_yoy"] is None  # the city's history is one year


def test_events_per_10000_residents(query, tables):
    mentions = tables["mentions"].dropna(subset=["place_id"]).copy()
    mentions["community"] = [tables["community"](p) for p in mentions["place_id"]]
    mentions = mentions[mentions["community"] != ""]
    homes = mentions.sort_values(["updated_at", "mention_id"]).drop_duplicates("person_id", keep="last")
    residents = homes.groupby("community").size()
    events = tables["events"].groupby("community").size()
    frame = query.per_10k(StatsFilter()).set_index("community_id")
    assert frame["residents"].to_dict() == residents.to_dict()
    busiest = frame.index[0]
    assert frame.loc[busiest, "events_per_10k"] == pytest.approx(
        events.get(busiest, 0) * 10_000 / residents[busiest], abs=0.01
    )


def test_hot_spot_people_are_those_in_the_most_cases(query, tables):
    joined = tables["people"].merge(tables["events"], on="event_id")
    per_person = joined.groupby("person_id")["case_id"].nunique()
    top = query.hotspots("person", StatsFilter(), min_cases=2, limit=5)
    assert (
        len(top)
        and top["cases"].tolist() == sorted(per_person[per_person >= 2].tolist(), reverse=True)[: len(top)]
    )
    assert all(per_person[p] == n for p, n in zip(top["entity_id"], top["cases"], strict=True))


def test_the_stats_command_prints_the_same_counts(resolved_home, query):
    import json
    import os
    import subprocess
    import sys

    env = {**os.environ, "CITYHUB_HOME": str(resolved_home.home)}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "cityhub.cli",
            "stats",
            "counts",
            "--by",
            "source",
            "--from",
            "2026-02-01",
            "--to",
            "2026-05-20",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    printed = {row["source"]: row["events"] for row in map(json.loads, done.stdout.splitlines())}
    expected = query.counts(["source"], StatsFilter(start=dt.date(2026, 2, 1), end=dt.date(2026, 5, 20)))
    assert printed == dict(zip(expected["source"], expected["events"], strict=True)) and printed
