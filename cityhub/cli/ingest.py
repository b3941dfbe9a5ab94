"""`cityhub ingest`: pull each source's increment into the lake, check it, load the warehouse."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from cityhub.cli.output import console

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from cityhub.pipeline.ingest import StreamResult
    from cityhub.pipeline.run import IngestRun

#: Piped to a log, a stream's progress is told every this many pages or seconds, whichever first.
LOG_EVERY_PAGES = 20
LOG_EVERY_SECONDS = 10.0


class LogLines:
    """Progress as plain lines on stderr, for a log (Airflow, cron): one per stream every
    LOG_EVERY_PAGES pages or LOG_EVERY_SECONDS seconds, and one when the stream ends."""

    def __init__(self, every_pages: int = LOG_EVERY_PAGES, every_seconds: float = LOG_EVERY_SECONDS) -> None:
        self.every_pages, self.every_seconds = every_pages, every_seconds
        self._started = self._told = 0.0
        self._pages = 0

    def stream_started(self, key: str) -> None:
        """Start the stream's clock."""
        self._started = self._told = time.monotonic()
        self._pages = 0
        _line(f"ingest {key}: started")

    def page_pulled(self, key: str, records: int) -> None:
        """Tell the records pulled so far and the rate, every so many pages or seconds."""
        self._pages += 1
        now = time.monotonic()
        if self._pages % self.every_pages and now - self._told < self.every_seconds:
            return
        self._told = now
        _line(f"ingest {key}: {self._pages:,} pages, {records:,} records pulled, {self._rate(records)}")

    def stream_done(self, key: str, result: StreamResult | None) -> None:
        """Tell what the stream loaded, or that it failed."""
        if result is None:
            _line(f"ingest {key}: failed")
            return
        _line(
            f"ingest {key}: done, {result.extracted:,} records, {result.accepted:,} accepted, "
            f"{result.quarantined:,} quarantined, {self._rate(result.extracted)}"
        )

    def _rate(self, records: int) -> str:
        elapsed = max(time.monotonic() - self._started, 1e-6)
        return f"{records / elapsed:,.0f} records/s"


class ProgressBar:
    """Progress as a rich bar at a terminal: one step per stream."""

    def __init__(self, progress: Progress, task: TaskID) -> None:
        self.progress, self.task = progress, task

    def stream_started(self, key: str) -> None:
        """Show which stream is being pulled."""
        self.progress.update(self.task, description=f"ingesting {key}")

    def page_pulled(self, key: str, records: int) -> None:
        """Show the records pulled so far."""
        self.progress.update(self.task, description=f"ingesting {key}: {records:,} records")

    def stream_done(self, key: str, result: StreamResult | None) -> None:
        """Advance the bar by one stream."""
        self.progress.advance(self.task)


def _line(text: str) -> None:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
    typer.echo(f"{stamp} {text}", err=True)


def ingest(
    source: Annotated[
        str | None, typer.Argument(help="Source to ingest (a file name in the sources folder).")
    ] = None,
    all_sources: Annotated[bool, typer.Option("--all", help="Ingest every configured source.")] = False,
) -> None:
    """Pull each source's increment into the lake, check it, and load the warehouse.

    Reads: the source definitions (CITYHUB_SOURCES_DIR, default: the built-in ones) and the
    department systems they point at. Writes: Parquet batches under the lake, canonical records,
    quarantine, watermarks and each stream's last run or error in the warehouse
    (CITYHUB_WAREHOUSE_URL). A stream that fails is named on one line (source, stream, file) and
    the others are still ingested; the exit code is then non-zero. Piped to a log, progress is
    printed as lines on stderr; at a terminal, as a bar.
    """
    from rich.progress import Progress

    from cityhub.config import source_variables
    from cityhub.pipeline.run import ingest_every_source, open_stores, select_sources

    specs = select_sources(source, all_sources)
    warehouse, lake = open_stores()
    streams = sum(len(s.streams) for s in specs)
    if console.is_terminal:
        with Progress(console=console, transient=True) as bar:
            shown = ProgressBar(bar, bar.add_task("ingesting", total=streams))
            run = ingest_every_source(specs, warehouse, lake, variables=source_variables(), progress=shown)
    else:
        run = ingest_every_source(specs, warehouse, lake, variables=source_variables(), progress=LogLines())
    _print_run(run)
    docs = build_docs(run)
    if docs:
        typer.echo(f"data quality report: {docs}", err=True)
    if run.failures:
        raise typer.Exit(max(failure.error.exit_code for failure in run.failures))


def build_docs(run: IngestRun) -> str:
    """Return where the Data Docs of the run's gate reports were built ("" if nothing was checked)."""
    from cityhub.config import get_settings
    from cityhub.pipeline.run import build_quality_docs

    index = build_quality_docs(run.results, get_settings().home / "data_docs")
    return str(index) if index else ""


def _print_run(run: IngestRun) -> None:
    """Print the table of the streams loaded and failed, then warnings and one line per failure."""
    table = Table(title="ingest")
    for column in ("source", "stream", "extracted", "accepted", "quarantined", "watermark"):
        table.add_column(column, justify="left" if column in ("source", "stream", "watermark") else "right")
    for r in run.results:
        table.add_row(
            r.source, r.stream, f"{r.extracted:,}", f"{r.accepted:,}", f"{r.quarantined:,}", r.watermark
        )
    for failure in run.failures:
        table.add_row(failure.source, failure.stream, "-", "-", "-", "failed (watermark kept)")
    Console(stderr=True, width=max(160, console.width)).print(table)
    for warning in (w for r in run.results for w in r.warnings):
        console.print(f"[yellow]warning:[/yellow] {warning}")
    for failure in run.failures:
        typer.echo(f"error: {failure.line()}", err=True)  # one line, never wrapped: scripts read it


def register(app: typer.Typer) -> None:
    """Add the ingest command to the CLI."""
    app.command()(ingest)
