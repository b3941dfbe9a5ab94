"""`cityhub stats`: counts and rates, per 10,000 residents, hot spots, read from the statistics aggregates."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

import typer

from cityhub.cli.output import print_rows, summary_table

stats_app = typer.Typer(
    help="Statistics of the fused records (as of the last fusion run).", no_args_is_help=True
)

From = Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD (included).")]
To = Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD (included).")]
Category = Annotated[str | None, typer.Option(help="A subcategory code, or a major category code.")]
AsJson = Annotated[bool, typer.Option("--json", help="One JSON object per row on stdout.")]


def _day(text: str | None, option: str) -> dt.date | None:
    from ontology.errors import BadInput

    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise BadInput(f"{option} {text!r}: not a day (YYYY-MM-DD)") from None


def _query() -> Any:
    from cityhub.pipeline.run import open_stores
    from cityhub.stats.query import StatsQuery

    warehouse, _ = open_stores()
    return StatsQuery(warehouse)


def _show(title: str, rows: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row, ensure_ascii=False, default=str))
        return
    print_rows(
        title, rows, left=tuple(k for k in (rows[0] if rows else {}) if not isinstance(rows[0][k], int))
    )


@stats_app.command("counts")
def counts(
    by: Annotated[
        list[str] | None,
        typer.Option(
            help="Group by (repeatable): category, major, source, "
            "district, street, community, grid, department, month."
        ),
    ] = None,
    date_from: From = None,
    date_to: To = None,
    category: Category = None,
    source: Annotated[str | None, typer.Option(help="hotline, grid, police or petitions.")] = None,
    district: Annotated[str | None, typer.Option(help="A district id (its 6-digit code).")] = None,
    compare: Annotated[bool, typer.Option(help="Add month-on-month and year-on-year changes.")] = False,
    as_json: AsJson = False,
) -> None:
    """Print event and case counts with completion, on-time and satisfaction rates, grouped as asked.

    Reads: the statistics aggregates in the warehouse (rebuilt by every fusion run). Writes nothing.
    """
    from cityhub.stats.query import StatsFilter

    query = _query()
    asked = StatsFilter(_day(date_from, "--from"), _day(date_to, "--to"), category, source, district)
    frame = query.compare(by or [], asked) if compare else query.counts(by or [], asked)
    rows = frame.astype(object).where(frame.notna(), None).to_dict("records")
    _show(f"统计（截至融合运行 {query.as_of()}）", rows, as_json)


@stats_app.command("per-10k")
def per_10k(
    date_from: From = None, date_to: To = None, category: Category = None, as_json: AsJson = False
) -> None:
    """Print events and cases per 10,000 residents by community, highest first."""
    from cityhub.stats.query import StatsFilter

    query = _query()
    frame = query.per_10k(StatsFilter(_day(date_from, "--from"), _day(date_to, "--to"), category))
    _show(f"万人事件率（截至 {query.as_of()}）", frame.to_dict("records"), as_json)


@stats_app.command("hotspots")
def hotspots(
    kind: Annotated[
        str, typer.Option(help="place or person (person ids only: names are not printed).")
    ] = "place",
    date_from: From = None,
    date_to: To = None,
    min_cases: Annotated[int, typer.Option(help="Cases an entity needs in the range.")] = 2,
    limit: Annotated[int, typer.Option(help="Rows to print.")] = 20,
    as_json: AsJson = False,
) -> None:
    """Print the places or people with repeated cases in the range, most cases first."""
    from cityhub.stats.query import StatsFilter

    query = _query()
    frame = query.hotspots(
        kind, StatsFilter(_day(date_from, "--from"), _day(date_to, "--to")), min_cases, limit
    )
    rows = frame.to_dict("records")
    if kind == "place":
        names = query.names("place", frame["entity_id"].tolist())
        rows = [{**r, "name": names.get(str(r["entity_id"]), "")} for r in rows]
    _show(f"热点{'地点' if kind == 'place' else '人员'}（截至 {query.as_of()}）", rows, as_json)


@stats_app.command("refresh")
def refresh() -> None:
    """Rebuild the statistics and check the alerts from the resolved tables (fusion runs do this)."""
    from cityhub.pipeline.operations import refresh_operations

    summary_table("statistics and alerts", refresh_operations())


def register(app: typer.Typer) -> None:
    """Add the stats command group to the CLI."""
    app.add_typer(stats_app, name="stats")
