"""The fusion steps on an ingested city: resolved tables, stable re-runs, projections that follow."""

import sqlite3

import pandas as pd
import pytest

from cityhub.config import Settings
from cityhub.pipeline import fusion
from cityhub.projections import open_graph_store, open_search_index
from cityhub.warehouse import Warehouse


@pytest.fixture(scope="module")
def hub(ingested_city_home, tmp_path_factory):
    home = tmp_path_factory.mktemp("fusion")
    with (
        sqlite3.connect(ingested_city_home / "warehouse.sqlite") as source,
        sqlite3.connect(home / "warehouse.sqlite") as copy,
    ):
        source.backup(copy)  # the WAL's pages too, which a file copy would miss
    settings = Settings(home=home)
    counts = fusion.full_rebuild(settings)
    return settings, counts


def _table(settings, name):
    return Warehouse(settings.resolved_warehouse_url()).read_table(name)


def test_every_live_record_is_resolved_and_every_event_has_a_case(hub):
    settings, counts = hub
    events = _table(settings, "resolved_events")
    assert len(events) == counts["standardise.events"] > 500
    assert events["case_id"].notna().all()
    mentions = _table(settings, "resolved_person_mentions")
    assert mentions["person_id"].notna().all() and len(mentions) > 500


def test_resolving_again_changes_nothing(hub):
    settings, _ = hub
    again = fusion.resolve(settings)
    assert {k: v for k, v in again.items() if k.endswith("changed")} == dict.fromkeys(
        [k for k in again if k.endswith("changed")], 0
    )
    assert again["id_changes"] == 0
    assert fusion.project_graph(settings) == {}


def test_person_360_lists_every_record_of_a_person_across_departments(hub, small_city):
    settings, _ = hub
    truth = pd.read_parquet(small_city / "truth" / "mentions.parquet")
    mentions = _table(settings, "resolved_person_mentions").merge(
        truth.drop(columns="record_id").rename(columns={"person_id": "true_person"}),
        on=["source", "mention_id"],
    )
    per_truth = mentions.groupby("true_person").agg(
        people=("person_id", "nunique"), sources=("source", "nunique"), records=("record_id", "nunique")
    )
    chosen = per_truth[(per_truth["people"] == 1)].sort_values(["sources", "records"]).index[-1]
    own = mentions[mentions["true_person"] == chosen]
    assert own["source"].nunique() >= 3
    with open_graph_store(settings) as store:
        view = store.person_360(own["person_id"].iloc[0])
    listed = {involvement.event["event_id"] for involvement in view.involvements}
    assert set(own["source"] + ":" + own["record_id"]) <= listed


def test_the_projections_follow_an_increment_and_the_result_is_searchable(hub):
    settings, _ = hub
    people = _table(settings, "resolved_people")
    person = people.sort_values("person_id").iloc[0]
    with open_search_index(settings) as index:
        hits = index.search(person["name"], kinds=["person"], size=20).hits
    assert person["person_id"] in [hit.id for hit in hits]
    with open_graph_store(settings) as store:
        assert store.person_360(person["person_id"]).person["person_id"] == person["person_id"]


def test_resolution_without_a_snapshot_names_the_missing_step(tmp_path):
    with pytest.raises(Exception, match="run standardise first"):
        fusion.resolve(Settings(home=tmp_path))
