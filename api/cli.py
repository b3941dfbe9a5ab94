"""`cityhub users`, `cityhub audit` and `cityhub api`: who may sign in, whether the audit log is
whole, and serving the API over an existing home (no pipeline run)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cityhub.cli.output import console, print_rows

__all__ = ["register"]

users_app = typer.Typer(
    help="Users of the hub: add one, list them, give one an API key.", no_args_is_help=True
)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
HomeOption = Annotated[Path | None, typer.Option(help="The hub's home (default: CITYHUB_HOME or .cityhub).")]


def _settings(home: Path | None):  # type: ignore[no-untyped-def]
    from cityhub.config import Settings, get_settings

    return Settings(home=home) if home else get_settings()


def _store(home: Path | None):  # type: ignore[no-untyped-def]
    from api.context import policy_file
    from cityhub.access.policy import load_policy
    from cityhub.access.users import UserStore, users_file

    settings = _settings(home)
    return UserStore(users_file(settings.home), load_policy(policy_file(settings.home)))


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="Sign-in name (ASCII).")],
    name: Annotated[str, typer.Option(help="Display name, e.g. 王芳.")],
    role: Annotated[
        str, typer.Option(help="street_staff, district_centre, police, petitions_office, leader, auditor.")
    ],
    department: Annotated[str, typer.Option(help="Department, e.g. 覃家岗街道办事处.")] = "",
    area: Annotated[str, typer.Option(help="District(s) an area-limited role reads, e.g. 沙坪坝区.")] = "",
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)] = "",
    home: HomeOption = None,
) -> None:
    """Add (or replace) a user in the users file; the password is stored only as an Argon2 hash."""
    user = _store(home).add(username, name, role, password, department, area)
    console.print(f"user {user.username} ({user.name}, {user.role}) saved")


@users_app.command("list")
def users_list(home: HomeOption = None) -> None:
    """List the users: username, name, role, department, area, API keys held."""
    store = _store(home)
    rows = [
        {
            "username": u.username,
            "name": u.name,
            "role": f"{u.role} {store.policy.role(u.role).label}",
            "department": u.department,
            "area": u.area,
            "api_keys": len(u.api_key_sha256),
        }
        for u in store.all()
    ]
    print_rows("users", rows)


@users_app.command("key")
def users_key(username: Annotated[str, typer.Argument()], home: HomeOption = None) -> None:
    """Give a user a new API key for machine clients (printed once; only its digest is kept)."""
    typer.echo(_store(home).new_api_key(username))


@audit_app.command("verify")
def audit_verify(home: HomeOption = None) -> None:
    """Check the audit log's hash chain and head; exit 1 naming the first line altered, removed or added."""
    from cityhub.access.audit import verify_log

    path = _settings(home).home / "audit.jsonl"
    lines, problem = verify_log(path)
    if problem:
        typer.echo(f"audit log {path}: {problem}", err=True)
        raise typer.Exit(1)
    console.print(f"audit log {path}: {lines:,} lines, chain whole")


def api(
    home: HomeOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
) -> None:
    """Serve the API (and the workbench, where installed) over an existing home; runs no pipeline."""
    import uvicorn

    from api.app import create_app

    settings = _settings(home)
    if not (settings.home / "warehouse.sqlite").exists() and not settings.warehouse_url:
        raise typer.BadParameter(
            f"{settings.home} holds no warehouse: run `cityhub demo` or the pipeline first"
        )
    console.print(f"serving {settings.home} at http://{host}:{port}/ (OpenAPI: /docs)")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")


def register(cli: typer.Typer) -> None:
    """Add the users, audit and api commands to the `cityhub` CLI."""
    cli.add_typer(users_app, name="users")
    cli.add_typer(audit_app, name="audit")
    cli.command("api")(api)
