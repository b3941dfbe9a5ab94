"""What the Airflow DAGs run: one function per task, plus the names and settings the DAG files wire.

The DAG files in `dags/` only connect these functions; everything here runs (and is tested)
without Airflow. Importing this module is cheap (no pandas, no warehouse, no GX) because the
scheduler parses the DAG files that import it every few seconds; the heavy imports happen inside
the task functions.

Ingest runs leave one JSON file per stream and batch under `<lake>/quality/runs/<day>/` with the
counts, the batch-level warnings and the GX validation results, so that the daily quality report
can build its Data Docs from what the gate actually saw. The files sit in the lake because the lake
is the storage every worker shares.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cityhub.config import Settings, get_settings
from cityhub.run_files import result_from_json, result_to_json, write_json
from connectors.spec import SourceSpec, load_sources
from ontology.errors import BadInput

if TYPE_CHECKING:
    from cityhub.pipeline.ingest import StreamResult
    from cityhub.warehouse import Warehouse

#: Task log lines (counts and names only, never record values): Airflow shows them per task.
log = logging.getLogger(__name__)

OWNER = "cityhub"
RECORDS_ASSET_PREFIX = "cityhub://warehouse/records/"
RESOLVED_ASSET = "cityhub://warehouse/resolved"
GRAPH_ASSET = "cityhub://graph/entities"
SEARCH_ASSET = "cityhub://search/entities"

#: Fusion DAG task id -> function of `cityhub.pipeline.fusion`, in the order they run.
FUSION_STEPS = {
    "standardise": "standardise",
    "quality": "check_quality",
    "resolve": "resolve",
    "project_graph": "project_graph",
    "project_search": "project_search",
}
FULL_REBUILD = "full_rebuild"
RECONCILE = "reconcile"  # drift control over the blocks incremental runs touched (nightly DAG)
RECONCILE_SCHEDULE = "30 2 * * *"  # at night, when the hotline is quiet

#: How often a source of each fetch kind is pulled. APIs answer incremental queries cheaply, so
#: they are polled often; the police exchange database is refreshed by its own hourly sync; the
#: petitions office drops one file a day.
SCHEDULE_BY_FETCH_KIND = {"http_api": "*/15 * * * *", "database": "@hourly", "file_drop": "@daily"}
_SCHEDULE_RANK = ("*/15 * * * *", "@hourly", "@daily")

#: The quality report covers this many hours before its run; a stream whose newest record is
#: older than that is reported stale, unless its definition sets its own `max_age_hours`.
REPORT_WINDOW_HOURS = 24.0


@dataclass(frozen=True, slots=True)
class IngestPlan:
    """One department as its ingest DAG sees it: which DAG, how often, which Asset it updates."""

    source: str
    department: str
    streams: tuple[str, ...]
    schedule: str

    @property
    def dag_id(self) -> str:
        """The id of the source's ingest DAG."""
        return f"cityhub_ingest_{self.source}"

    @property
    def asset_uri(self) -> str:
        """The URI of the Asset the source's ingest DAG updates."""
        return records_asset_uri(self.source)


def records_asset_uri(source: str) -> str:
    """Return the Asset URI of a source's canonical records: `cityhub://warehouse/records/hotline`."""
    return RECORDS_ASSET_PREFIX + source


def _plan(spec: SourceSpec) -> IngestPlan:
    kinds = [stream.fetch.kind for stream in spec.streams]
    # A source with several streams is pulled as often as its most frequent kind needs.
    schedule = min((SCHEDULE_BY_FETCH_KIND[kind] for kind in kinds), key=_SCHEDULE_RANK.index)
    return IngestPlan(spec.source, spec.department, tuple(s.name for s in spec.streams), schedule)


def ingest_plans(sources_dir: Path | None = None) -> list[IngestPlan]:
    """Return one plan per source definition in the sources folder (the settings' by default).

    Reads the YAML files only; `${NAME}` references are resolved when a task connects, so a DAG
    file can be parsed on a machine that has none of the sources' credentials. The settings are
    read afresh (not the process-wide cached ones) so that every parse sees the current folder.
    """
    folder = sources_dir if sources_dir is not None else Settings().sources_dir
    return [_plan(spec) for spec in sorted(load_sources(folder).values(), key=lambda s: s.source)]


def ingest_source(source: str, variables: Mapping[str, str]) -> dict[str, Any]:
    """Return counts of one source's ingest run: pull every stream's increment into the warehouse.

    Safe to re-run: a run starts from the warehouse's watermark, the lake and the warehouse are
    idempotent per batch, and the run files are rewritten whole.
    """
    from cityhub.pipeline.ingest import lake_source
    from cityhub.pipeline.run import ingest_sources, open_stores, select_sources

    (spec,) = select_sources(source, every=False)
    warehouse, lake = open_stores()
    runs = quality_dir() / "runs"

    def keep(result: StreamResult) -> None:
        log.info(
            "%s.%s: extracted %d, accepted %d, quarantined %d, batch %s",
            source,
            result.stream,
            result.extracted,
            result.accepted,
            result.quarantined,
            result.batch_id or "none (nothing new)",
        )
        for warning in result.warnings:
            log.warning("%s.%s: %s", source, result.stream, warning)
        if result.batch_id:
            key, loaded_at = lake_source(spec, spec.stream(result.stream)), dt.datetime.now()
            write_json(
                runs / loaded_at.date().isoformat() / f"{key}--{result.batch_id}.json",
                result_to_json(result, key, loaded_at),
            )

    results = ingest_sources([spec], warehouse, lake, on_stream=keep, variables=variables)
    return {
        "source": source,
        "extracted": sum(r.extracted for r in results),
        "accepted": sum(r.accepted for r in results),
        "quarantined": sum(r.quarantined for r in results),
        "batches": [r.batch_id for r in results if r.batch_id],
        "warnings": [w for r in results for w in r.warnings],
    }


def source_of_dag(dag_id: str) -> str:
    """Return the source an ingest DAG pulls (`cityhub_ingest_hotline` -> `hotline`), else the DAG id."""
    prefix = "cityhub_ingest_"
    return dag_id[len(prefix) :] if dag_id.startswith(prefix) else dag_id


def record_task_failure(context: Mapping[str, Any]) -> None:
    """Record a failed task's error where `cityhub status` shows it (Airflow's failure callback).

    The line names the DAG, the task and the try; the error is the task's exception as one line.
    """
    from cityhub.pipeline.run import open_stores

    ti = context.get("ti") or context.get("task_instance")
    dag_id = str(getattr(ti, "dag_id", "") or context.get("dag_id", "unknown"))
    task_id = str(getattr(ti, "task_id", "") or "")
    attempt = getattr(ti, "try_number", None)
    error = " ".join(str(context.get("exception") or "failed without an exception").split())
    where = f"airflow {dag_id}.{task_id}" + (f" try {attempt}" if attempt else "")
    warehouse, _ = open_stores()
    warehouse.record_run(source_of_dag(dag_id), f"{where}: {error}")


def run_fusion_step(step: str) -> dict[str, int]:
    """Return the counts of one step of `cityhub.pipeline.fusion` (a fusion task id, `full_rebuild`
    or `reconcile`).

    The module is imported here, not when the DAG file is parsed: it pulls in pandas and the
    resolution stack, which the scheduler must not load to read a DAG's shape.
    """
    name = step if step in (FULL_REBUILD, RECONCILE) else FUSION_STEPS.get(step)
    if name is None:
        known = ", ".join([*FUSION_STEPS, FULL_REBUILD, RECONCILE])
        raise BadInput(f"unknown fusion step {step!r}; known: {known}")
    fusion = importlib.import_module("cityhub.pipeline.fusion")
    log.info("fusion step %s: started", step)
    counts = {str(key): int(value) for key, value in getattr(fusion, name)().items()}
    log.info("fusion step %s: %s", step, ", ".join(f"{key} {value:,}" for key, value in counts.items()))
    return counts


#: Where the people of a full rebuild are resolved: in memory (pandas), out of core (duckdb), on a
#: Spark cluster (spark; the DAG's `spark_master` parameter names it).
PEOPLE_ENGINES = ("pandas", "duckdb", "spark")


def run_people_engine(engine: str, master: str, memory_limit: str) -> dict[str, int]:
    """Return the counts of resolving the rebuild's people on DuckDB or Spark (`cityhub.people_engine`).

    Imported here, not when the DAG file is parsed, like the fusion steps.
    """
    if engine not in PEOPLE_ENGINES[1:]:
        raise BadInput(f"unknown people engine {engine!r}; known: {', '.join(PEOPLE_ENGINES)}")
    module = importlib.import_module("cityhub.people_engine")
    log.info("people on %s (%s): started", engine, master if engine == "spark" else memory_limit)
    counts = {
        str(k): int(v) for k, v in module.rebuild_people_on_engine(engine, master, memory_limit).items()
    }
    log.info("people on %s: %s", engine, ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    return counts


#: Alerts DAG task id -> function of `cityhub.pipeline.operations`, in the order they run.
ALERT_STEPS = {"check_alerts": "refresh_operations", "deliver_alerts": "deliver_alerts"}
ALERTS_SCHEDULE = "*/15 * * * *"  # deliveries that failed are retried within a quarter of an hour


def run_alert_step(step: str) -> dict[str, int]:
    """Return the counts of one alerts task: check (statistics and alerts rebuilt) or deliver (webhooks)."""
    name = ALERT_STEPS.get(step)
    if name is None:
        raise BadInput(f"unknown alerts step {step!r}; known: {', '.join(ALERT_STEPS)}")
    operations = importlib.import_module("cityhub.pipeline.operations")
    counts = getattr(operations, name)()
    return {str(key): int(value) for key, value in counts.items()}


def quality_dir(settings: Settings | None = None) -> Path:
    """Return the folder of ingest run files, quality reports and Data Docs sites."""
    return (settings or get_settings()).resolved_lake_dir() / "quality"


def _local(moment: dt.datetime) -> dt.datetime:
    """Return a moment as naive local time, as the warehouse's batch log stores it."""
    return moment.astimezone().replace(tzinfo=None) if moment.tzinfo else moment


def _window(until: dt.datetime, hours: float) -> tuple[dt.datetime, dt.datetime]:
    end = _local(until)
    return end - dt.timedelta(hours=hours), end


def quality_report(until: dt.datetime, hours: float = REPORT_WINDOW_HOURS) -> dict[str, int]:
    """Return the totals of the quality report of the `hours` before `until`, written as JSON.

    The report names, per source stream, the batches loaded, rows extracted, accepted and
    quarantined, the warnings the ingest runs raised (volume, freshness), and a freshness check
    of every configured stream against its watermark. Counts only: no record values.
    """
    from cityhub.pipeline.run import open_stores
    from cityhub.warehouse.schema import batches

    start, end = _window(until, hours)
    warehouse, _ = open_stores()
    loaded = warehouse.read_table("batches", (batches.c.loaded_at >= start) & (batches.c.loaded_at < end))
    streams: dict[str, dict[str, int]] = {}
    for key, group in loaded.groupby("source"):
        streams[str(key)] = {
            "batches": len(group),
            **{c: int(group[c].sum()) for c in ("extracted", "accepted", "quarantined")},
        }
    warnings = [w for run in _runs(start, end) for w in run["warnings"]]
    warnings += _stale_streams(warehouse, end)
    report = {
        "from": start.isoformat(timespec="seconds"),
        "until": end.isoformat(timespec="seconds"),
        "streams": streams,
        "warnings": warnings,
    }
    write_json(quality_dir() / "reports" / f"{_stamp(end)}.json", report)
    return {
        "batches": int(len(loaded)),
        "extracted": int(loaded["extracted"].sum()),
        "quarantined": int(loaded["quarantined"].sum()),
        "warnings": len(warnings),
    }


def _stale_streams(warehouse: Warehouse, now: dt.datetime) -> list[str]:
    """Return a warning for each configured stream whose newest record is older than allowed
    (its `max_age_hours`, else the report window) or that has never been loaded."""
    from cityhub.pipeline.ingest import lake_source
    from quality.batch_checks import check_freshness

    warnings = []
    for spec in load_sources(get_settings().sources_dir).values():
        for stream in spec.streams:
            key = lake_source(spec, stream)
            max_age = dt.timedelta(hours=stream.max_age_hours or REPORT_WINDOW_HOURS)
            check = check_freshness(_parse_watermark(warehouse.watermark(key)), now, max_age)
            if not check.ok:
                warnings.append(f"{key}: {check.message}")
    return warnings


def _parse_watermark(mark: str | None) -> dt.datetime | None:
    """Return a watermark as a datetime (file drops keep a date), None if there is none."""
    try:
        return dt.datetime.fromisoformat(mark) if mark else None
    except ValueError:
        return None


def quality_docs(until: dt.datetime, hours: float = REPORT_WINDOW_HOURS) -> dict[str, int]:
    """Return how many gate validations the Data Docs site of the `hours` before `until` shows.

    The site is rebuilt whole in `<lake>/quality/docs/<until>/` from the ingest run files.
    """
    from cityhub.pipeline.run import build_quality_docs

    start, end = _window(until, hours)
    results = [result_from_json(run) for run in _runs(start, end)]
    index = build_quality_docs(results, quality_dir() / "docs" / _stamp(end))
    return {
        "runs": len(results),
        "validations": sum(len(r.reports) for r in results),
        "site": int(index is not None),
    }


def _stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S")


def _runs(start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    """Return the ingest run files whose batch was loaded in [start, end), oldest first."""
    folder = quality_dir() / "runs"
    days = {(start + dt.timedelta(days=n)).date() for n in range((end - start).days + 2)}
    runs = []
    for day in sorted(days):
        for path in sorted((folder / day.isoformat()).glob("*.json")):
            run = json.loads(path.read_text("utf-8"))
            if start <= dt.datetime.fromisoformat(run["loaded_at"]) < end:
                runs.append(run)
    return sorted(runs, key=lambda run: run["loaded_at"])
