"""`cityhub alerts`: the alerts of the last fusion run, and their delivery to the webhooks."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated

import typer

from cityhub.cli.output import print_rows, summary_table

alerts_app = typer.Typer(help="Early-warning alerts (checked by every fusion run).", no_args_is_help=True)


@alerts_app.command("list")
def list_alerts(
    since: Annotated[str | None, typer.Option(help="Only alerts changed after this time (ISO).")] = None,
    kind: Annotated[
        list[str] | None,
        typer.Option(
            help="escalating, overdue, due_soon, recurring_place, recurring_person, spike (repeatable)."
        ),
    ] = None,
    limit: Annotated[int, typer.Option(help="Alerts to print.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per alert on stdout.")] = False,
) -> None:
    """Print the alerts changed after --since (all of them without it), oldest change first."""
    from cityhub.alerts.store import changed_since
    from cityhub.pipeline.run import open_stores
    from ontology.errors import BadInput

    try:
        start = dt.datetime.fromisoformat(since) if since else None
    except ValueError:
        raise BadInput(f"--since {since!r}: not an ISO time") from None
    warehouse, _ = open_stores()
    with warehouse.engine.connect() as connection:
        found = changed_since(connection, start, limit, kinds=kind or ())
    if as_json:
        for alert in found:
            typer.echo(json.dumps(alert, ensure_ascii=False))
        return
    columns = ("alert_id", "kind", "status", "severity", "title", "updated_at")
    print_rows("预警", [{c: a[c] for c in columns} for a in found], left=columns)


@alerts_app.command("check")
def check() -> None:
    """Rebuild the statistics and check the alerts from the resolved tables (fusion runs do this)."""
    from cityhub.pipeline.operations import refresh_operations

    summary_table("statistics and alerts", refresh_operations())


@alerts_app.command("deliver")
def deliver() -> None:
    """POST the changed alerts to the configured webhooks (CITYHUB_ALERT_WEBHOOKS), signed and retried."""
    from cityhub.pipeline.operations import deliver_alerts

    summary_table("alerts delivered", deliver_alerts())


def register(app: typer.Typer) -> None:
    """Add the alerts command group to the CLI."""
    app.add_typer(alerts_app, name="alerts")
