"""Run ingests for the configured sources against the configured stores."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path

from cityhub.config import get_settings
from cityhub.lake import Lake
from cityhub.pipeline.ingest import StreamResult, ingest_stream
from cityhub.warehouse import Warehouse
from cityhub.warehouse.migrate import upgrade
from connectors.spec import SourceSpec, load_sources
from ontology.errors import BadInput


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
    """Return one result per stream, ingesting the sources in order (`${NAME}` from `variables`)."""
    now = dt.datetime.now().replace(microsecond=0)
    results = []
    for spec in specs:
        for stream in spec.streams:
            result = ingest_stream(spec, stream, warehouse, lake, now, variables)
            results.append(result)
            if on_stream:
                on_stream(result)
    return results
