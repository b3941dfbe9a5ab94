"""Manual full rebuild: resolve everything in the warehouse again and rebuild the graph and the
search index from scratch, each swapped in only when complete. Triggered by hand, e.g. after a
change to the resolution rules or the ontology.

Parameters: `people_engine` pandas (default) | duckdb | spark also resolves the people on that
engine, out of core or on the Spark cluster at `spark_master` (spark://host:7077; local[2] runs
Spark inside the worker), into the lake's people_rebuild/<engine>.parquet; `memory_limit` is
DuckDB's memory before it spills to disk.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from airflow.sdk import Asset, Param, dag, task

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
    params={
        "people_engine": Param("pandas", enum=list(orchestration.PEOPLE_ENGINES)),
        "spark_master": Param("local[2]", type="string"),
        "memory_limit": Param("3GB", type="string"),
    },
    doc_md=__doc__,
)
def cityhub_full_rebuild() -> None:
    """Wire the rebuild of the resolved tables, graph and search index, then the people on an engine."""

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

    @task.short_circuit(task_id="people_engine_chosen")
    def people_engine_chosen(params: dict[str, Any] | None = None) -> bool:
        return str((params or {}).get("people_engine", "pandas")) != "pandas"

    @task(task_id="people_on_engine")
    def people_on_engine(params: dict[str, Any] | None = None) -> dict[str, int]:
        chosen = params or {}
        return orchestration.run_people_engine(
            chosen["people_engine"], chosen["spark_master"], chosen["memory_limit"]
        )

    full_rebuild() >> people_engine_chosen() >> people_on_engine()


cityhub_full_rebuild()
