"""Early warning: check the alerts (and rebuild the statistics) from the resolved tables, then POST
what changed to the webhook subscribers.

A full fusion run checks the alerts as of itself; an incremental one leaves the check to this DAG,
which runs when the resolved tables change (the `resolve` task's Asset) and every quarter of an
hour besides, so an increment's alerts follow it at once and a subscriber that was down gets its
alerts within a quarter of an hour. Each task
calls one function of `cityhub.pipeline.operations` through `cityhub.orchestration`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from airflow.sdk import Asset, AssetOrTimeSchedule, CronTriggerTimetable, chain, dag, task

from cityhub import orchestration

DEFAULT_ARGS: dict[str, Any] = {
    "owner": orchestration.OWNER,
    # The check rewrites whole tables in one transaction and the delivery resumes after the last
    # acknowledged batch, so a retry repeats nothing.
    "retries": 1,
    "retry_delay": dt.timedelta(minutes=2),
    # A check reads the resolved tables once (a minute for a large city); deliveries back off at most
    # five minutes per attempt.
    "execution_timeout": dt.timedelta(minutes=30),
}


@dag(
    dag_id="cityhub_alerts",
    description="Check the early-warning alerts and deliver them to the webhooks",
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable(orchestration.ALERTS_SCHEDULE, timezone="UTC"),
        assets=[Asset(uri=orchestration.RESOLVED_ASSET)],
    ),
    start_date=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    catchup=False,  # a missed check is replaced by the next one
    max_active_runs=1,  # runs rewrite the same tables and resume the same deliveries
    max_active_tasks=1,
    default_args=DEFAULT_ARGS,
    tags=["cityhub", "alerts"],
    doc_md=__doc__,
)
def cityhub_alerts() -> None:
    """Wire the check, then the delivery."""

    @task(task_id="check_alerts")
    def check_alerts() -> dict[str, int]:
        return orchestration.run_alert_step("check_alerts")

    @task(task_id="deliver_alerts")
    def deliver_alerts() -> dict[str, int]:
        return orchestration.run_alert_step("deliver_alerts")

    chain(check_alerts(), deliver_alerts())


cityhub_alerts()
