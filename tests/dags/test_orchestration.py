"""The package side of the DAGs (cityhub/orchestration.py), without Airflow: which ingest DAGs the
source definitions give, how often each runs, and the fusion steps by name."""

from __future__ import annotations

import pytest
import yaml

from cityhub.orchestration import FUSION_STEPS, ingest_plans, records_asset_uri, run_fusion_step
from connectors.spec import load_sources
from ontology.errors import BadInput


def test_each_shipped_source_gets_a_plan_scheduled_by_how_it_is_fetched():
    plans = {plan.source: plan for plan in ingest_plans()}

    assert {s: p.schedule for s, p in plans.items()} == {
        "grid": "*/15 * * * *",
        "hotline": "*/15 * * * *",
        "police": "@hourly",
        "petitions": "@daily",
    }
    assert plans["police"].streams == ("incidents", "persons")
    assert plans["hotline"].dag_id == "cityhub_ingest_hotline"
    assert plans["hotline"].asset_uri == records_asset_uri("hotline") == "cityhub://warehouse/records/hotline"


def test_a_source_mixing_fetch_kinds_runs_as_often_as_its_most_frequent_kind(tmp_path):
    sources = load_sources()
    police = sources["police"]
    api_stream = police.streams[1].model_copy(update={"fetch": sources["hotline"].streams[0].fetch})
    mixed = police.model_copy(update={"source": "police_mixed", "streams": [police.streams[0], api_stream]})
    (tmp_path / "police_mixed.yaml").write_text(
        yaml.safe_dump(mixed.model_dump(mode="json"), allow_unicode=True), "utf-8"
    )

    (plan,) = ingest_plans(tmp_path)

    assert (plan.source, plan.schedule) == ("police_mixed", "*/15 * * * *")


def test_the_fusion_steps_are_named_by_their_task_ids():
    assert list(FUSION_STEPS) == ["standardise", "quality", "resolve", "project_graph", "project_search"]
    assert FUSION_STEPS["quality"] == "check_quality"


def test_an_unknown_fusion_step_is_refused_with_the_known_ones():
    with pytest.raises(BadInput, match="unknown fusion step 'merge'.*standardise.*full_rebuild"):
        run_fusion_step("merge")
