"""Nightly drift control: re-resolve the blocks of the people and cases that incremental fusion runs
linked since the last reconciliation, apply the merges and splits found (logged in
`resolved_id_changes`), then bring the graph and the search index up to date.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from airflow.sdk import Asset, chain, dag, task

from cityhub import orchestration

DEFAULT_ARGS: dict[str, Any] = {
    "owner": orchestration.OWNER,
    # A reconciliation reads the kept fusion state and rewrites only what it changes: safe to retry.
    "retries": 1,
    "retry_delay": dt.timedelta(minutes=10),
    "execution_timeout": dt.timedelta(hours=2),
}


@dag(
    dag_id="cityhub_reconcile",
    description="Re-resolve the blocks incremental fusion touched; apply merges and splits",
    schedule=orchestration.RECONCILE_SCHEDULE,
    start_date=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    catchup=False,
    # It rewrites the resolved tables as fusion runs do: one at a time.
    max_active_runs=1,
    max_active_tasks=1,
    default_args=DEFAULT_ARGS,
    tags=["cityhub", "fusion"],
    doc_md=__doc__,
)
def cityhub_reconcile() -> None:
    """Wire reconciliation, then the graph and search projections of what it changed."""

    @task(task_id="reconcile", outlets=[Asset(uri=orchestration.RESOLVED_ASSET)])
    def reconcile() -> dict[str, int]:
        return orchestration.run_fusion_step(orchestration.RECONCILE)

    @task(task_id="project_graph", outlets=[Asset(uri=orchestration.GRAPH_ASSET)])
    def project_graph() -> dict[str, int]:
        return orchestration.run_fusion_step("project_graph")

    @task(task_id="project_search", outlets=[Asset(uri=orchestration.SEARCH_ASSET)])
    def project_search() -> dict[str, int]:
        return orchestration.run_fusion_step("project_search")

    chain(reconcile(), project_graph(), project_search())


cityhub_reconcile()
