"""The `cityhub` command line: each command says what it reads and writes in its --help.

One module per command group. Commands of the proving ground (simulate, serve, demo, eval, bench)
are not part of the product: they arrive through the `cityhub.commands` entry point when the
proving ground is installed beside it, and are absent from the production image.
"""

from __future__ import annotations

import sys
from importlib.metadata import entry_points

import typer

from cityhub.cli import alerts, fusion, ingest, quarantine, resolve, stats, status
from cityhub.cli.output import console
from ontology.errors import CityhubError

app = typer.Typer(
    help="cityhub: department silos into one knowledge graph and one search.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

for group in (ingest, status, quarantine, resolve, fusion, stats, alerts):
    group.register(app)


def add_installed_commands(cli: typer.Typer) -> list[str]:
    """Register the command groups other installed packages declare under `cityhub.commands`.

    A declared group whose package is not installed (the production image leaves the proving ground
    out) is skipped; any other import error is raised.
    """
    added = []
    for entry in entry_points(group="cityhub.commands"):
        try:
            register = entry.load()
        except ModuleNotFoundError as missing:
            if missing.name and entry.module.split(".")[0] == missing.name.split(".")[0]:
                continue
            raise
        register(cli)
        added.append(entry.name)
    return added


add_installed_commands(app)


def main() -> None:
    """Run the CLI, turning cityhub errors into one line on stderr and a non-zero exit."""
    try:
        code = app(standalone_mode=False)  # a command's typer.Exit(n) comes back as n here
        if isinstance(code, int) and code:
            sys.exit(code)
    except typer.Abort:
        console.print("aborted")
        sys.exit(130)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except typer.TyperException as error:  # usage errors: bad option, missing argument
        show = getattr(error, "show", None)
        if show is None:
            raise
        show()
        sys.exit(getattr(error, "exit_code", 2))
    except CityhubError as error:
        typer.echo(f"error: {error}", err=True)  # one line, never wrapped: scripts read it
        sys.exit(error.exit_code)
