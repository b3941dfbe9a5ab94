"""`cityhub ingest`: pull each source's increment into the lake, check it, load the warehouse."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from cityhub.cli.output import console


def ingest(
    source: Annotated[
        str | None, typer.Argument(help="Source to ingest (a file name in the sources folder).")
    ] = None,
    all_sources: Annotated[bool, typer.Option("--all", help="Ingest every configured source.")] = False,
) -> None:
    """Pull each source's increment into the lake, check it, and load the warehouse.

    Reads: the source definitions (CITYHUB_SOURCES_DIR, default: the built-in ones) and the
    department systems they point at. Writes: Parquet batches under the lake, canonical records,
    quarantine and watermarks in the warehouse (CITYHUB_WAREHOUSE_URL).
    """
    from rich.progress import Progress

    from cityhub.config import get_settings, source_variables
    from cityhub.pipeline.run import build_quality_docs, ingest_sources, open_stores, select_sources

    specs = select_sources(source, all_sources)
    warehouse, lake = open_stores()
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("ingesting", total=sum(len(s.streams) for s in specs))
        results = ingest_sources(
            specs,
            warehouse,
            lake,
            on_stream=lambda _r: progress.advance(task),
            variables=source_variables(),
        )
    table = Table(title="ingest")
    for column in ("source", "stream", "extracted", "accepted", "quarantined", "watermark"):
        table.add_column(column, justify="left" if column in ("source", "stream", "watermark") else "right")
    for r in results:
        table.add_row(
            r.source, r.stream, f"{r.extracted:,}", f"{r.accepted:,}", f"{r.quarantined:,}", r.watermark
        )
    console.print(table)
    for warning in (w for r in results for w in r.warnings):
        console.print(f"[yellow]warning:[/yellow] {warning}")
    docs = build_quality_docs(results, get_settings().home / "data_docs")
    if docs:
        console.print(f"data quality report: {docs}")


def register(app: typer.Typer) -> None:
    """Add the ingest command to the CLI."""
    app.command()(ingest)
