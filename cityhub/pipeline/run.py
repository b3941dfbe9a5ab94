"""Run ingests for the configured sources against the configured stores."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from cityhub.config import get_settings
from cityhub.lake import Lake
from cityhub.pipeline.ingest import StreamResult, ingest_stream, lake_source
from cityhub.warehouse import Warehouse
from cityhub.warehouse.migrate import upgrade
from connectors.spec import SourceSpec, load_sources
from ontology.errors import BadInput, CityhubError


@dataclass(frozen=True, slots=True)
class StreamFailure:
    """A stream whose run stopped: nothing of its batch was loaded and its watermark kept."""

    source: str
    stream: str
    file: str  # the file that stopped it, for file drops ("" otherwise)
    error: CityhubError

    def line(self) -> str:
        """Return the failure as one line naming the source, the stream and the file."""
        where = f"{self.source}/{self.stream}" + (f" {self.file}" if self.file else "")
        return f"{where}: {getattr(self.error, 'problem', self.error)}"


@dataclass(slots=True)
class IngestRun:
    """What an ingest of several sources did: the streams loaded and the streams that failed."""

    results: list[StreamResult] = field(default_factory=list)
    failures: list[StreamFailure] = field(default_factory=list)


class IngestProgress(Protocol):
    """What the ingest tells as it goes (a bar at a terminal, lines in a log)."""

    def stream_started(self, key: str) -> None:
        """A stream's pull starts."""

    def page_pulled(self, key: str, records: int) -> None:
        """A page came; `records` rows of the stream have been pulled so far."""

    def stream_done(self, key: str, result: StreamResult | None) -> None:
        """A stream ended, loaded (its result) or failed (None)."""


class _Silent:
    """Progress that tells nothing."""

    def stream_started(self, key: str) -> None:
        """Tell nothing."""

    def page_pulled(self, key: str, records: int) -> None:
        """Tell nothing."""

    def stream_done(self, key: str, result: StreamResult | None) -> None:
        """Tell nothing."""


def open_stores() -> tuple[Warehouse, Lake]:
    """Return the warehouse (migrated to the newest schema) and the lake the settings point at."""
    settings = get_settings()
    settings.home.mkdir(parents=True, exist_ok=True)
    url = settings.resolved_warehouse_url()
    upgrade(url)
    warehouse = Warehouse(url)
    return warehouse, Lake(settings.resolved_lake_dir())


def select_sources(name: str | None, every: bool) -> list[SourceSpec]:
    """Return the named source, or all of them with `every`; BadInput for an unknown name."""
    specs = load_sources(get_settings().sources_dir)
    if every:
        return list(specs.values())
    if name is None:
        raise BadInput("name a source or pass --all")
    if name not in specs:
        raise BadInput(f"unknown source {name!r}; configured: {', '.join(sorted(specs))}")
    return [specs[name]]


def build_quality_docs(results: list[StreamResult], site_dir: Path) -> Path | None:
    """Return the Data Docs index built from the runs' gate reports (None if nothing was checked)."""
    from quality.data_docs import build_data_docs

    reports = [report for result in results for report in result.reports]
    return build_data_docs(reports, site_dir) if reports else None


def ingest_sources(
    specs: list[SourceSpec],
    warehouse: Warehouse,
    lake: Lake,
    on_stream: Callable[[StreamResult], None] | None = None,
    *,
    variables: Mapping[str, str],
) -> list[StreamResult]:
    """Return one result per stream, ingesting the sources in order; the first failure is raised."""
    run = ingest_every_source(specs, warehouse, lake, on_stream, variables=variables, keep_going=False)
    return run.results


def _pages_of(tell: IngestProgress, key: str) -> Callable[[int], None]:
    """Return the page hook of one stream."""
    return lambda records: tell.page_pulled(key, records)


def ingest_every_source(
    specs: list[SourceSpec],
    warehouse: Warehouse,
    lake: Lake,
    on_stream: Callable[[StreamResult], None] | None = None,
    *,
    variables: Mapping[str, str],
    progress: IngestProgress | None = None,
    keep_going: bool = True,
) -> IngestRun:
    """Return what ingesting every stream of the sources did (`${NAME}` from `variables`).

    A stream that fails is noted (in the run and in the warehouse's source runs, for `cityhub
    status`) and, with `keep_going`, the next stream is ingested; without it the error is raised.
    """
    now = dt.datetime.now().replace(microsecond=0)
    tell: IngestProgress = progress or _Silent()
    run = IngestRun()
    for spec in specs:
        for stream in spec.streams:
            key = lake_source(spec, stream)
            tell.stream_started(key)
            try:
                result = ingest_stream(spec, stream, warehouse, lake, now, variables, _pages_of(tell, key))
            except CityhubError as error:
                failure = StreamFailure(spec.source, stream.name, str(getattr(error, "file", "")), error)
                warehouse.record_run(key, failure.line())
                tell.stream_done(key, None)
                if not keep_going:
                    raise
                run.failures.append(failure)
                continue
            warehouse.record_run(key)
            tell.stream_done(key, result)
            run.results.append(result)
            if on_stream:
                on_stream(result)
    return run
