"""`cityhub status`: where every configured source stands, read from the warehouse."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated

import typer

from cityhub.cli.output import print_rows


def status(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per stream on stdout.")] = False,
) -> None:
    """Print every source stream's watermark, last batch, records, quarantined rows, last error and age.

    Reads: the source definitions (CITYHUB_SOURCES_DIR) and the warehouse's batch log, watermarks,
    quarantine and source runs (CITYHUB_WAREHOUSE_URL). Writes nothing. The last error is shown
    until a later run of the stream succeeds; it includes failures the Airflow tasks recorded.
    """
    from cityhub.config import get_settings
    from cityhub.pipeline.run import open_stores
    from cityhub.pipeline.status import source_status
    from connectors.spec import load_sources

    warehouse, _ = open_stores()
    rows = source_status(warehouse, load_sources(get_settings().sources_dir), dt.datetime.now())
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row, ensure_ascii=False))
        return
    print_rows("status", rows, left=("stream", "watermark", "last batch", "loaded", "age", "last error"))


def register(app: typer.Typer) -> None:
    """Add the status command to the CLI."""
    app.command()(status)
