"""The simulator plants handling: limits kept or missed, statuses over time, ratings, and spikes."""

import pandas as pd
import pyarrow.parquet as pq

from ontology import load_ontology
from simulators.city.handling import LATE_P


def _read(city, name):
    return pq.read_table(city / name).to_pandas()


def test_spikes_jump_well_above_the_communitys_own_weekly_baseline(small_city):
    spikes = _read(small_city, "truth/spikes.parquet")
    assert len(spikes) >= 1 and not spikes.duplicated(["community_id", "category", "week_start"]).any()
    incidents = _read(small_city, "city/incidents.parquet")
    incidents["community_id"] = incidents["place_id"].str[:12]
    incidents["week_start"] = (
        (incidents["occurred_at"] - pd.to_timedelta(incidents["occurred_at"].dt.weekday, unit="D"))
        .dt.normalize()
        .dt.date
    )
    for spike in spikes.to_dict("records"):
        mine = incidents[
            (incidents["community_id"] == spike["community_id"])
            & (incidents["category"] == spike["category"])
        ]
        weekly = mine.groupby("week_start").size()
        in_spike = int(weekly.get(spike["week_start"], 0))
        baseline = weekly.drop(spike["week_start"], errors="ignore").sum() / 52
        assert in_spike >= spike["incidents_added"] >= 8
        assert in_spike >= baseline + 6


def test_tickets_are_resolved_within_their_limit_but_for_the_late_few(small_city):
    tickets = _read(small_city, "truth/tickets.parquet")
    judged = tickets.dropna(subset=["on_time"])
    late_share = 1 - judged["on_time"].astype(bool).mean()
    assert LATE_P - 0.05 < late_share < LATE_P + 0.12  # records stopped early stay open past their limit
    closed = tickets.dropna(subset=["closed_at"])
    assert (closed["closed_at"] > closed["received_at"]).all()


def test_cases_carry_their_categorys_department_and_limit(small_city):
    cases = _read(small_city, "truth/cases.parquet")
    categories = load_ontology().taxonomy.categories
    hours = (cases["due_at"] - cases["opened_at"]).dt.total_seconds() / 3600
    assert (hours == cases["category"].map(lambda c: categories[c].time_limit_hours)).all()
    assert (
        cases["responsible_department"] == cases["category"].map(lambda c: categories[c].department)
    ).all()
    assert (
        set(cases["status"]) == {"open", "closed"}
        and cases.loc[cases["status"] == "closed", "closed_at"].notna().all()
    )
    assert set(cases["satisfaction"].dropna()) == {"satisfied", "basically_satisfied", "unsatisfied"}


def test_a_hotline_ticket_moves_through_its_statuses_in_order_with_its_department_and_rating(small_city):
    hotline = _read(small_city, "channels/hotline.parquet")
    order = {"受理": 0, "已派遣": 1, "办理中": 2, "已办结": 3, "已回访": 4}
    live = hotline[~hotline["deleted"]].assign(rank=hotline["status"].map(order))
    for _, versions in live.groupby("ticket_id"):
        assert versions["rank"].is_monotonic_increasing and versions["updated_at"].is_monotonic_increasing
    assert (live.loc[live["rank"] >= 1, "handling_department"] != "").all()
    assert (live.loc[live["rank"] == 4, "satisfaction"] != "").all()
    assert (live.loc[live["rank"] < 4, "satisfaction"] == "").all()
    assert live.groupby("ticket_id")["rank"].max().ge(3).mean() > 0.8
