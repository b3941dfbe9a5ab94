"""Fusion: standardise -> quality -> resolve -> project_graph -> project_search.

Scheduled on the Assets of every source's canonical records: a run starts when any ingest DAG
loaded something new. Each task calls one function of `cityhub.pipeline.fusion`, imported when
the task runs, not when this file is parsed. A run is incremental: it resolves only the batches
loaded since the last run, linked into the resolved entities, and projects only what changed (the
rebuild DAG resolves everything again; the reconcile DAG corrects the drift nightly).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from airflow.sdk import Asset, AssetAny, chain, dag, task

from cityhub import orchestration

DEFAULT_ARGS: dict[str, Any] = {
    "owner": orchestration.OWNER,
    # Each step follows the plan standardise left and a batch already resolved is not applied
    # twice, so a retry starts from the same inputs; one retry covers a lost database or search
    # connection.
    "retries": 1,
    "retry_delay": dt.timedelta(minutes=5),
    # Resolution of a million mentions takes a few minutes of CPU; an hour means it is stuck.
    "execution_timeout": dt.timedelta(hours=1),
}

RECORDS = [Asset(uri=plan.asset_uri) for plan in orchestration.ingest_plans()]


@dag(
    dag_id="cityhub_fusion",
    description="Resolve people, places and cases across departments; project the graph and the index",
    schedule=AssetAny(*RECORDS),
    start_date=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    catchup=False,
    # One run at a time: runs rewrite the same resolved tables. Asset updates that arrive during
    # a run are queued and start one next run, which then sees every source's new records.
    max_active_runs=1,
    # The steps form a chain; nothing could run side by side anyway.
    max_active_tasks=1,
    default_args=DEFAULT_ARGS,
    tags=["cityhub", "fusion"],
    doc_md=__doc__,
)
def cityhub_fusion() -> None:
    """Wire the fusion steps in order: standardise, quality, resolve, project the graph, project search."""

    @task(task_id="standardise")
    def standardise() -> dict[str, int]:
        return orchestration.run_fusion_step("standardise")

    @task(task_id="quality")
    def quality() -> dict[str, int]:
        return orchestration.run_fusion_step("quality")

    @task(task_id="resolve", outlets=[Asset(uri=orchestration.RESOLVED_ASSET)])
    def resolve() -> dict[str, int]:
        return orchestration.run_fusion_step("resolve")

    @task(task_id="project_graph", outlets=[Asset(uri=orchestration.GRAPH_ASSET)])
    def project_graph() -> dict[str, int]:
        return orchestration.run_fusion_step("project_graph")

    @task(task_id="project_search", outlets=[Asset(uri=orchestration.SEARCH_ASSET)])
    def project_search() -> dict[str, int]:
        return orchestration.run_fusion_step("project_search")

    chain(standardise(), quality(), resolve(), project_graph(), project_search())


cityhub_fusion()
