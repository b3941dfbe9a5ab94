"""Daily data-quality report: quarantine counts, volume and freshness warnings, GX Data Docs.

Covers the 24 hours before the run. The report is JSON in `<lake>/quality/reports/`, the Data
Docs site is rebuilt whole in `<lake>/quality/docs/<time>/`; re-running a day rewrites both.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from airflow.sdk import dag, task

from cityhub import orchestration

DEFAULT_ARGS: dict[str, Any] = {
    "owner": orchestration.OWNER,
    # Both tasks only read the warehouse and the run files; a retry after a lost connection is safe.
    "retries": 2,
    "retry_delay": dt.timedelta(minutes=5),
    # A day of run files renders in seconds; half an hour means something is wrong.
    "execution_timeout": dt.timedelta(minutes=30),
}


@dag(
    dag_id="cityhub_quality_report",
    description="Daily quality report of the ingests: quarantine, warnings, GX Data Docs",
    schedule="@daily",
    start_date=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    # Yesterday's report is of no use a week late; the run files of missed days stay on disk.
    catchup=False,
    max_active_runs=1,
    # The summary and the Data Docs read different things and may run side by side.
    max_active_tasks=2,
    default_args=DEFAULT_ARGS,
    tags=["cityhub", "quality"],
    doc_md=__doc__,
)
def cityhub_quality_report() -> None:
    """Wire the day's quality summary and the Data Docs build, side by side."""

    @task(task_id="summarise_quality")
    def summarise_quality(**context: Any) -> dict[str, int]:
        return orchestration.quality_report(until=context["dag_run"].run_after)

    @task(task_id="build_data_docs")
    def build_data_docs(**context: Any) -> dict[str, int]:
        return orchestration.quality_docs(until=context["dag_run"].run_after)

    summarise_quality()
    build_data_docs()


cityhub_quality_report()
