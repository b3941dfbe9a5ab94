"""`cityhub quarantine list|show|replay`: read the quarantine, and replay it after a mapping fix.

What these commands print of a raw row is its masked form (ID numbers and phones starred); the
clear row is only ever decrypted inside `replay`, to be mapped again.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from cityhub.cli.output import print_rows, summary_table

quarantine_app = typer.Typer(
    help="Read the quarantine, and replay it after a mapping fix.", no_args_is_help=True
)

SourceOption = Annotated[str | None, typer.Option("--source", help="Only this source's rows.")]


@quarantine_app.command("list")
def list_rows(
    source: SourceOption = None,
    batch: Annotated[str | None, typer.Option("--batch", help="Only this batch's rows.")] = None,
    limit: Annotated[int, typer.Option(help="Show at most this many rows (newest batches first).")] = 50,
) -> None:
    """Print quarantined rows: source, batch, row, record ID, whether a replay can cure it, reasons.

    Reads: the warehouse's quarantine (CITYHUB_WAREHOUSE_URL). Writes nothing.
    """
    from cityhub.pipeline.replay import quarantine_where
    from cityhub.pipeline.run import open_stores

    warehouse, _ = open_stores()
    kept = warehouse.read_table("quarantine", quarantine_where(source, batch))
    kept = kept.sort_values(["batch_id", "row_number"], ascending=[False, True]).head(limit)
    rows = [
        {
            "source": r["source"],
            "batch": r["batch_id"],
            "row": int(r["row_number"]),
            "record_id": r["record_id"],
            "replayable": "yes" if r["replayable"] else "no",
            "reasons": str(r["reasons"])[:160],
        }
        for r in kept.to_dict("records")
    ]
    if not rows:
        typer.echo("quarantine: no rows" + (f" of {source}" if source else ""), err=True)
        return
    print_rows(f"quarantine ({len(rows)} shown)", rows, left=("source", "batch", "record_id", "reasons"))


@quarantine_app.command("show")
def show(
    source: Annotated[str, typer.Argument(help="The row's source.")],
    batch: Annotated[str, typer.Argument(help="The row's batch id.")],
    row: Annotated[int, typer.Argument(help="The row's number in its batch.")],
) -> None:
    """Print one quarantined row: its reasons and its raw values, masked, as JSON on stdout.

    Reads: the warehouse's quarantine (CITYHUB_WAREHOUSE_URL). Writes nothing.
    """
    from cityhub.pipeline.replay import quarantine_where
    from cityhub.pipeline.run import open_stores
    from cityhub.warehouse.schema import quarantine
    from ontology.errors import NotFound

    warehouse, _ = open_stores()
    found = warehouse.read_table(
        "quarantine", quarantine_where(source, batch) & (quarantine.c.row_number == row)
    )
    if found.empty:
        raise NotFound(f"quarantine holds no row {row} of {source} batch {batch}")
    entry = found.iloc[0]
    shown = {
        "source": entry["source"],
        "batch_id": entry["batch_id"],
        "row_number": int(entry["row_number"]),
        "record_id": entry["record_id"],
        "replayable": bool(entry["replayable"]),
        "reasons": str(entry["reasons"]).split("; "),
        "raw": json.loads(entry["raw"]),
    }
    typer.echo(json.dumps(shown, ensure_ascii=False, indent=1, default=str))


@quarantine_app.command("replay")
def replay(source: SourceOption = None) -> None:
    """Map and check the quarantined rows again (after a mapping fix); load those that now pass.

    Reads: the source definitions (CITYHUB_SOURCES_DIR), the sealed raw rows of the quarantine and
    the quarantine key (`quarantine.key` under CITYHUB_HOME). Writes: canonical records, and the
    quarantine and batch log (a row that passes leaves the quarantine and counts as accepted).
    """
    from cityhub.config import get_settings
    from cityhub.pipeline.replay import replay_quarantine
    from cityhub.pipeline.run import open_stores
    from connectors.spec import load_sources

    warehouse, _ = open_stores()
    results = replay_quarantine(warehouse, load_sources(get_settings().sources_dir), source)
    print_rows(
        "replay",
        [
            {
                "source": r.source,
                "batch": r.batch_id,
                "replayed": r.replayed,
                "accepted": r.accepted,
                "still quarantined": r.still_quarantined,
            }
            for r in results
        ],
        left=("source", "batch"),
    )
    summary_table(
        "replay totals",
        {
            "replayed": sum(r.replayed for r in results),
            "accepted": sum(r.accepted for r in results),
            "still quarantined": sum(r.still_quarantined for r in results),
        },
    )


def register(app: typer.Typer) -> None:
    """Add the quarantine command group to the CLI."""
    app.add_typer(quarantine_app, name="quarantine")
