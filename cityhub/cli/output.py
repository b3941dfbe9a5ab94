"""What every command prints: summary tables on stderr, result tables at the terminal's width."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.console import Console
from rich.table import Table

console = Console(stderr=True)


def summary_table(title: str, rows: Mapping[str, object]) -> None:
    """Print a two-column summary table to stderr."""
    table = Table(title=title)
    table.add_column("what")
    table.add_column("value", justify="right")
    for key, value in rows.items():
        table.add_row(key, f"{value:,}" if isinstance(value, int) else str(value))
    console.print(table)


def print_rows(
    title: str, rows: Sequence[Mapping[str, object]], left: tuple[str, ...] = ("dataset", "what")
) -> None:
    """Print rows of a result (one dict per row) as a table on stdout, at least 160 columns wide."""
    table = Table(title=title)
    columns = list(dict.fromkeys(key for row in rows for key in row))
    for column in columns:
        table.add_column(column, justify="left" if column in left else "right")
    for row in rows:
        table.add_row(*(str(row.get(column, "")) for column in columns))
    Console(width=max(160, Console().width)).print(table)
