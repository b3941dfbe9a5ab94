"""`cityhub fuse` and `cityhub project`: the fusion steps on the warehouse, by hand."""

from __future__ import annotations

from typing import Annotated

import typer

from cityhub.cli.output import summary_table
from ontology.errors import BadInput


def fuse(
    full: Annotated[
        bool,
        typer.Option("--full", help="Resolve every record again instead of the batches since the last run."),
    ] = False,
) -> None:
    """Run the fusion steps on the warehouse: standardise, check, resolve, then project the graph and
    the search index incrementally (what the fusion DAG runs)."""
    from cityhub.pipeline import fusion

    summary_table("standardise", fusion.standardise(full=full))
    for step in (
        fusion.check_quality,
        fusion.resolve,
        fusion.project_graph,
        fusion.project_search,
    ):
        summary_table(step.__name__, step())


def project(
    target: Annotated[str, typer.Argument(help="graph or search")],
    full: Annotated[
        bool, typer.Option("--full", help="Rebuild from scratch instead of the increment.")
    ] = False,
) -> None:
    """Project the resolved tables into the graph or the search index: only what changed since the
    last projection, or everything with --full (the search index swaps in a new version)."""
    from cityhub.pipeline import fusion

    steps = {"graph": fusion.project_graph, "search": fusion.project_search}
    if target not in steps:
        raise BadInput(f"project {target!r}: choose graph or search")
    summary_table(f"project {target}", steps[target](full=full))


def reconcile() -> None:
    """Re-resolve the blocks of the people and cases incremental runs linked since the last
    reconciliation, apply the merges and splits found, and project them (what the reconcile DAG runs)."""
    from cityhub.pipeline import fusion

    summary_table("reconcile", fusion.reconcile())
    summary_table("project_graph", fusion.project_graph())
    summary_table("project_search", fusion.project_search())


def register(app: typer.Typer) -> None:
    """Add the fuse, reconcile and project commands to the CLI."""
    app.command()(fuse)
    app.command()(reconcile)
    app.command()(project)
