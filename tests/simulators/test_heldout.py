"""Held-out files: exactly the documented columns of `cityhub resolve`, a truth row for every record,
the departments' own labels and dates; the scorer runs the CLI as a process and scores its output."""

from __future__ import annotations

import pandas as pd
import pytest

from cityhub.resolve_files import EVENT_COLUMNS, PEOPLE_COLUMNS, PLACE_COLUMNS
from ontology.model import load_ontology
from proving.heldout import export_city, score_kind


@pytest.fixture(scope="module")
def exported(realistic_city, tmp_path_factory):
    folder = tmp_path_factory.mktemp("heldout")
    counts = export_city(realistic_city.root, folder)
    return folder, counts


def _read(folder, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name, dtype=str, keep_default_na=False)


@pytest.mark.parametrize(
    ("kind", "columns"), [("people", PEOPLE_COLUMNS), ("places", PLACE_COLUMNS), ("events", EVENT_COLUMNS)]
)
def test_files_hold_exactly_the_documented_columns_and_truth_covers_every_record(exported, kind, columns):
    folder, counts = exported
    records = _read(folder, f"{kind}.csv")
    truth = _read(folder, f"{kind}_truth.csv")
    assert tuple(records.columns) == tuple(columns)
    assert list(truth.columns) == ["record_id", "cluster"]
    assert records["record_id"].is_unique and len(records) == counts[f"{kind}.csv"] > 0
    assert set(records["record_id"]) == set(truth["record_id"])
    assert (truth["cluster"] != "").all()


def test_events_carry_the_departments_labels_and_dates_as_written(exported):
    folder, _ = exported
    events = _read(folder, "events.csv")
    taxonomy = set(load_ontology().taxonomy.categories)
    assert not events["category"].isin(taxonomy).any()
    assert events["category"].str.contains("/").any()  # version-2 and coarse labels
    assert (~events["occurred_at"].str.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")).any()
    assert events["occurred_at"].str.contains("年").any()


def test_the_scorer_runs_the_cli_and_scores_its_output(exported):
    folder, _ = exported
    row = score_kind("places", folder)
    assert (folder / "places_resolved.csv").is_file()
    assert row["records"] == len(_read(folder, "places.csv"))
    assert 0.0 < float(row["f1"]) <= 1.0 and float(row["seconds"]) > 0
    assert "refused" not in row


def test_a_refused_file_scores_nothing_and_says_why(exported, tmp_path):
    folder, _ = exported
    broken = _read(folder, "places.csv").drop(columns="address")
    broken.to_csv(tmp_path / "places.csv", index=False)
    _read(folder, "places_truth.csv").to_csv(tmp_path / "places_truth.csv", index=False)
    row = score_kind("places", tmp_path)
    assert row["f1"] == 0.0 and "address" in str(row["refused"])


def test_people_come_from_every_department(exported):
    folder, _ = exported
    people = _read(folder, "people.csv")
    assert set(people["source"]) == {"hotline", "grid", "police", "petitions"}
    police = people[people["source"] == "police"]
    assert (police["id_number"] != "").all() and (police["birth_date"] != "").all()
