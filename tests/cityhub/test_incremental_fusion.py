"""Incremental fusion day by day on a simulated city: only the news is resolved, the resolved tables
are updated in place, the projections follow, and the result agrees with a full re-resolve."""

import pandas as pd
import pytest

from cityhub.pipeline import fusion, fusion_state
from cityhub.projections import open_graph_store, open_search_index
from cityhub.warehouse import Warehouse
from proving.incremental import agreement, full_reference, fuse_daily

DAYS = 5


@pytest.fixture(scope="module")
def daily(small_city, tmp_path_factory):
    home = tmp_path_factory.mktemp("incremental")
    settings, run = fuse_daily(small_city, home, DAYS)
    reference = full_reference(settings, tmp_path_factory.mktemp("full"))
    return settings, run, reference


def _table(settings, name):
    return Warehouse(settings.resolved_warehouse_url()).read_table(name)


def test_every_day_after_the_first_is_resolved_incrementally_and_touches_only_the_news(daily):
    settings, run, _ = daily
    assert len(run.days) == DAYS
    assert all(day["incremental"] == 1 for day in run.days)
    events = len(_table(settings, "resolved_events"))
    assert all(0 < day["events changed"] < events / 10 for day in run.days)


def test_the_incremental_result_agrees_with_a_full_re_resolve(daily):
    settings, _, reference = daily
    scores = agreement(settings, reference)
    assert scores["people only one side"] == scores["cases only one side"] == 0
    assert scores["people f1"] >= 0.995 and scores["cases f1"] >= 0.995


def test_the_resolved_tables_hold_together_after_the_increments(daily):
    settings, _, _ = daily
    people, mentions = _table(settings, "resolved_people"), _table(settings, "resolved_person_mentions")
    events, cases = _table(settings, "resolved_events"), _table(settings, "resolved_cases")
    assert set(mentions["person_id"]) == set(people["person_id"])
    assert set(events["case_id"]) == set(cases["case_id"])
    links = _table(settings, "resolved_event_people")
    assert set(links["event_id"]) <= set(events["event_id"]) and set(links["person_id"]) <= set(
        people["person_id"]
    )
    places = set(_table(settings, "resolved_places")["place_id"])
    assert set(events["place_id"].dropna()) <= places and set(mentions["place_id"].dropna()) <= places


def test_the_projections_carry_the_last_day(daily):
    settings, _, _ = daily
    events = _table(settings, "resolved_events")
    last = events[events["changed_at"] == events["changed_at"].max()]
    with open_search_index(settings) as index:
        assert index.count("case") == len(_table(settings, "resolved_cases"))
    mentions = _table(settings, "resolved_person_mentions")
    mentions = mentions.assign(event_id=mentions["source"] + ":" + mentions["record_id"])
    fresh = mentions[mentions["event_id"].isin(set(last["event_id"]))].iloc[0]
    with open_graph_store(settings) as store:
        view = store.person_360(fresh["person_id"])
    assert fresh["event_id"] in {involvement.event["event_id"] for involvement in view.involvements}


def test_a_new_process_reads_the_state_and_links_the_journalled_days_again(daily):
    settings, _, _ = daily
    warehouse = Warehouse(settings.resolved_warehouse_url())
    kept = fusion_state.load_state(settings.home, *fusion_state.read_mark(warehouse))
    assert kept is not None and kept.serial > 0  # the days after the full run were journalled
    journal = sorted(p.name for p in (settings.home / "fusion" / "journal").glob("*.pickle"))
    assert len(journal) == kept.serial
    fusion_state.forget_state(settings.home)
    assert fusion_state.load_state(settings.home, *fusion_state.read_mark(warehouse)) is None  # no replay
    fusion_state.forget_state(settings.home)
    read = fusion_state.load_state(
        settings.home, *fusion_state.read_mark(warehouse), fusion.replay_increment(settings)
    )
    assert read is not None and (read.mark, read.at, read.serial) == (kept.mark, kept.at, kept.serial)
    for name, table in kept.tables.items():
        pd.testing.assert_frame_equal(read.tables[name], table, obj=name)
    pd.testing.assert_frame_equal(read.resolutions.events.assignments, kept.resolutions.events.assignments)
    pd.testing.assert_frame_equal(read.resolutions.people.prepared, kept.resolutions.people.prepared)
    assert read.touched == kept.touched


def test_reconciliation_re_resolves_what_was_touched_and_keeps_the_agreement(daily):
    settings, _, reference = daily
    before = _table(settings, "resolved_id_changes")
    counts = fusion.reconcile(settings)
    assert counts["reconciled people"] > 0 and counts["reconciled cases"] > 0
    after = _table(settings, "resolved_id_changes")
    logged = after[~after["change_id"].isin(before["change_id"])]
    assert set(logged["kind"]) <= {"merge", "split", "removed"}
    assert len(logged[logged["kind"] != "removed"]) == (
        counts["person merges and splits"] + counts["case merges and splits"]
    )
    scores = agreement(settings, reference)
    assert scores["people f1"] >= 0.995 and scores["cases f1"] >= 0.995
    again = fusion.reconcile(settings)
    assert again["reconciled people"] == again["reconciled cases"] == 0


def test_a_full_run_after_the_increments_changes_nothing_the_reference_would_not(daily):
    settings, _, reference = daily
    fusion.standardise(settings, full=True)
    counts = fusion.resolve(settings)
    assert counts["events"] == len(_table(reference, "resolved_events"))
    scores = agreement(settings, reference)
    assert scores["people f1"] == scores["cases f1"] == 1.0
    assert pd.Index(_table(settings, "resolved_people")["person_id"]).is_unique


def test_visibility_follows_a_run_from_the_rows_it_changed(daily):
    """Runs last: a reviewer's decision splits a person, which the facts must follow."""
    from cityhub.access.visibility import build_visibility
    from cityhub.access.visibility_update import latest_change, update_visibility
    from cityhub.warehouse.review import append_decisions
    from entity_resolution.review import empty_decisions, record_decision

    settings, _, _ = daily
    warehouse = Warehouse(settings.resolved_warehouse_url())
    mentions = _table(settings, "resolved_person_mentions")
    many = mentions.groupby("person_id")["source"].nunique()
    split = mentions[mentions["person_id"] == many.idxmax()].drop_duplicates("source").head(2)
    left, right = (split["source"] + ":" + split["mention_id"]).tolist()
    append_decisions(
        warehouse.engine, "person", record_decision(empty_decisions(), left, right, "not_same", who="test")
    )
    before, since = build_visibility(warehouse), latest_change(warehouse)
    fusion.standardise(settings, full=True)
    fusion.resolve(settings)
    assert latest_change(warehouse) > since
    updated, rebuilt = update_visibility(warehouse, before, since), build_visibility(warehouse)
    assert before.person != rebuilt.person  # the split changed what the update had to follow
    assert updated == rebuilt
