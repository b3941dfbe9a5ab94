"""Manual full rebuild: resolve everything in the warehouse again and rebuild the graph and the
search index from scratch, each swapped in only when complete. Triggered by hand, e.g. after a
change to the resolution rules or the ontology.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from airflow.sdk import Asset, dag, task

from cityhub import orchestration

DEFAULT_ARGS: dict[str, Any] = {
    "owner": orchestration.OWNER,
    # A rebuild is long and asked for by a person, who reads a failure before trying again.
    "retries": 0,
    # The whole city at a million residents rebuilds well within this.
    "execution_timeout": dt.timedelta(hours=4),
}


@dag(
    dag_id="cityhub_full_rebuild",
    description="Rebuild resolved tables, graph and search index from the whole warehouse",
    schedule=None,
    start_date=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    catchup=False,
    # Two rebuilds at once would race to swap in their results.
    max_active_runs=1,
    max_active_tasks=1,
    default_args=DEFAULT_ARGS,
    tags=["cityhub", "fusion", "manual"],
    doc_md=__doc__,
)
def cityhub_full_rebuild() -> None:
    """Wire the one task that rebuilds the resolved tables, the graph and the search index from scratch."""

    @task(
        task_id="full_rebuild",
        outlets=[
            Asset(uri=orchestration.RESOLVED_ASSET),
            Asset(uri=orchestration.GRAPH_ASSET),
            Asset(uri=orchestration.SEARCH_ASSET),
        ],
    )
    def full_rebuild() -> dict[str, int]:
        return orchestration.run_fusion_step(orchestration.FULL_REBUILD)

    full_rebuild()


cityhub_full_rebuild()
