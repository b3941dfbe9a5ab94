"""The freshness path at small scale: after the demo, a resident calls the hotline again; the hotline
ingest DAG and the fusion DAG run through Airflow, and the new ticket is found by search and
attached to the same person the hub already knew, the one the ground truth says called.

The measurement runs in a child process (`cityhub bench freshness`), as Airflow reads its
configuration once per process; the checks here read the hub's stores directly."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from cityhub.config import Settings
from cityhub.read import Reader
from proving.freshness import CALL_QUERY
from tests.proving.conftest import DEMO_PEOPLE, REPOSITORY, child_environment


@pytest.fixture(scope="module")
def measured(
    demo_home_copy: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, list[dict[str, Any]]]:
    home, results = demo_home_copy, tmp_path_factory.mktemp("results")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "cityhub.cli",
            "bench",
            "freshness",
            "--home",
            str(home),
            "--people",
            str(DEMO_PEOPLE),
            "--calls",
            "2",
            "--out-dir",
            str(results),
        ],
        capture_output=True,
        text=True,
        timeout=1200,
        env=child_environment(),
        cwd=REPOSITORY,
    )
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-3000:]
    document = json.loads((results / f"freshness_calls_{DEMO_PEOPLE}.json").read_text("utf-8"))
    return home, document["parameters"]["results"]


@pytest.mark.slow
def test_each_call_comes_from_another_known_resident_and_is_attached_to_them(measured):
    home, results = measured
    reader = Reader(Settings(home=home))
    mentions = reader.warehouse.read_table("resolved_person_mentions")
    assert len({r["person_id_before"] for r in results}) == len(results) == 2
    for result in results:
        ticket = mentions[(mentions["source"] == "hotline") & (mentions["record_id"] == result["ticket_id"])]
        assert ticket["person_id"].tolist() == [result["person_id_before"]] == [result["person_id_after"]]
        assert result["fusion_task_seconds"]["resolve"] < result["fusion_dag_seconds"]


@pytest.mark.slow
def test_the_new_ticket_is_attached_to_the_person_the_hub_already_knew(measured):
    home, (result, _) = measured
    reader = Reader(Settings(home=home))
    mentions = reader.warehouse.read_table("resolved_person_mentions")
    ticket = mentions[(mentions["source"] == "hotline") & (mentions["record_id"] == result["ticket_id"])]
    assert ticket["person_id"].tolist() == [result["person_id_before"]]
    assert result["person_id_after"] == result["person_id_before"]
    # The right person: every other record resolved to them is, in the ground truth, the resident who called.
    truth = pd.read_parquet(home / "city" / "truth" / "mentions.parquet")
    theirs = mentions[mentions["person_id"] == result["person_id_before"]]
    known = theirs.merge(truth, on=["source", "mention_id"], suffixes=("", "_truth"))
    assert len(known) >= 2 and set(known["person_id_truth"]) == {result["resident"]}
    profile = reader.person(result["person_id_before"])
    assert result["event_id"] in {item["event"]["event_id"] for item in profile["involvements"]}


@pytest.mark.slow
def test_the_new_ticket_is_found_by_search_and_was_not_before_the_trigger(measured):
    home, (result, _) = measured
    reader = Reader(Settings(home=home))
    events = reader.warehouse.read_table("resolved_events")
    (case_id,) = events.loc[events["event_id"] == result["event_id"], "case_id"].tolist()
    hits = reader.search(CALL_QUERY, kinds=["case"], size=20, filters={})["hits"]
    assert case_id in {hit["id"] for hit in hits}
    assert result["case_id"] == case_id
    assert result["seen_before_trigger"] is False
    assert result["searchable_seconds"] is not None and result["attached_seconds"] is not None
