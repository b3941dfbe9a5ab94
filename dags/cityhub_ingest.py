"""One ingest DAG per department, generated from the source definitions.

Every YAML file in the sources folder (`CITYHUB_SOURCES_DIR`, default: the definitions shipped in
`connectors/sources/`) of a known fetch kind gets a DAG `cityhub_ingest_<source>` here, with no new
code. Its one task pulls the source's increment into the warehouse and, when anything new came,
updates the Asset `cityhub://warehouse/records/<source>` that the fusion DAG is scheduled on.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from airflow.sdk import DAG, Asset, dag, task
from airflow.sdk.exceptions import AirflowSkipException

from cityhub import orchestration
from cityhub.config import source_variables

START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

DEFAULT_ARGS: dict[str, Any] = {
    "owner": orchestration.OWNER,
    # The connectors already retry a failing request with backoff (Retry-After honoured); these
    # task retries cover outages longer than that, a source system restarting for a few minutes.
    "retries": 3,
    "retry_delay": dt.timedelta(minutes=2),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": dt.timedelta(minutes=20),
    # A normal increment takes seconds; a first load of a big city a few minutes. A pull that
    # hangs longer than this is stuck on the source side and is better killed and retried.
    "execution_timeout": dt.timedelta(minutes=45),
    # Every failed try is recorded in the warehouse, where `cityhub status` shows it.
    "on_failure_callback": orchestration.record_task_failure,
    "on_retry_callback": orchestration.record_task_failure,
}


def build_ingest_dag(plan: orchestration.IngestPlan) -> DAG:
    """Return the ingest DAG of one source."""
    records = Asset(uri=plan.asset_uri)

    @dag(
        dag_id=plan.dag_id,
        dag_display_name=f"ingest {plan.source} ({plan.department})",
        description=f"Pull {plan.department}'s new and changed records into the warehouse",
        schedule=plan.schedule,
        start_date=START,
        # A run reads everything since the source's watermark, so a missed interval needs no
        # backfill: the next run picks it up.
        catchup=False,
        # Two runs of one source would read the same watermark and load the same batch twice.
        max_active_runs=1,
        max_active_tasks=1,
        default_args=DEFAULT_ARGS,
        tags=["cityhub", "ingest", plan.source],
        doc_md=__doc__,
    )
    def ingest_dag() -> None:
        @task(outlets=[records])
        def ingest(**context: Any) -> dict[str, Any]:
            # the task's environment is where a deployment gives the sources their URLs and secrets
            summary = orchestration.ingest_source(plan.source, source_variables())
            # A skipped task updates no Asset, so fusion does not run for a source with nothing new.
            if summary["extracted"] == 0:
                raise AirflowSkipException(f"{plan.source}: nothing new since the watermark")
            context["outlet_events"][records].extra = {
                "batches": summary["batches"],
                "accepted": summary["accepted"],
            }
            return summary

        ingest()

    return ingest_dag()


for _plan in orchestration.ingest_plans():
    build_ingest_dag(_plan)
