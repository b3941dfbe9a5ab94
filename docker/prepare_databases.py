"""Prepare the PostgreSQL databases of a cityhub deployment, then migrate the warehouse to the newest schema.

    python prepare_databases.py        (the compose stack's init service runs it on every start)

Reads from the environment:
- POSTGRES_ADMIN_URL: a superuser of the stack's PostgreSQL server (postgresql://postgres:PW@host:5432/postgres);
- CITYHUB_WAREHOUSE_URL and AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: the databases the services use.

Each of those URLs that points at the admin's server gets its login role (with the URL's password) and its
database (owned by that role), created when missing. The role's password is set to the URL's every time, so
a password changed in the environment takes effect on the next start. A URL on another server is left to
that server's administrator. Nothing here prints a password.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

DATABASE_URL_VARIABLES = ("CITYHUB_WAREHOUSE_URL", "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN")
DEFAULT_PORT = 5432


@dataclass(frozen=True)
class DatabaseTarget:
    """Where a service's database lives and which role owns it."""

    host: str
    port: int
    database: str
    role: str
    password: str

    @property
    def server(self) -> tuple[str, int]:
        return self.host, self.port


def database_target(url: str) -> DatabaseTarget:
    """Return the server, database, role and password a SQLAlchemy or libpq PostgreSQL URL names.

    >>> database_target("postgresql+psycopg://cityhub:s3cret@postgres:5432/cityhub").role
    'cityhub'
    """
    parsed = make_url(url)
    shown = parsed.render_as_string(hide_password=True)
    if not parsed.drivername.startswith("postgresql"):
        raise ValueError(f"{shown} is not a PostgreSQL URL")
    if not (parsed.host and parsed.database and parsed.username):
        raise ValueError(f"{shown} must name a host, a user and a database")
    return DatabaseTarget(
        host=parsed.host,
        port=parsed.port or DEFAULT_PORT,
        database=parsed.database,
        role=parsed.username,
        password=parsed.password or "",
    )


def _connect(admin: DatabaseTarget) -> psycopg.Connection:
    # CREATE DATABASE cannot run inside a transaction
    return psycopg.connect(
        host=admin.host,
        port=admin.port,
        dbname=admin.database,
        user=admin.role,
        password=admin.password or None,
        autocommit=True,
    )


def _exists(connection: psycopg.Connection, query: str, name: str) -> bool:
    return connection.execute(query, (name,)).fetchone() is not None


def prepare_database(admin: DatabaseTarget, target: DatabaseTarget) -> str:
    """Create the target's role and database when missing; return what was done, without the password."""
    role, database = sql.Identifier(target.role), sql.Identifier(target.database)
    password = sql.Literal(target.password) if target.password else sql.SQL("NULL")
    done = []
    with _connect(admin) as connection:
        if not _exists(connection, "SELECT 1 FROM pg_roles WHERE rolname = %s", target.role):
            connection.execute(sql.SQL("CREATE ROLE {} LOGIN").format(role))
            done.append(f"role {target.role} created")
        connection.execute(sql.SQL("ALTER ROLE {} WITH LOGIN PASSWORD {}").format(role, password))
        if not _exists(connection, "SELECT 1 FROM pg_database WHERE datname = %s", target.database):
            connection.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(database, role))
            done.append(f"database {target.database} created")
    return ", ".join(done) or f"database {target.database} and role {target.role} present"


def prepare_databases(admin_url: str, urls: list[str]) -> list[str]:
    """Prepare every URL on the admin's server; return one line per URL."""
    admin = database_target(admin_url)
    lines = []
    for url in urls:
        target = database_target(url)
        if target.server != admin.server:
            where = f"{target.host}:{target.port}"
            lines.append(f"database {target.database} on {where}: another server, left as is")
            continue
        lines.append(prepare_database(admin, target))
    return lines


def migrate_warehouse() -> str:
    """Bring the warehouse the settings name to the newest schema; return its URL without the password."""
    from cityhub.config import get_settings
    from cityhub.warehouse.migrate import upgrade

    url = get_settings().resolved_warehouse_url()
    upgrade(url)
    return make_url(url).render_as_string(hide_password=True)


def main() -> int:
    missing = [name for name in ("POSTGRES_ADMIN_URL", *DATABASE_URL_VARIABLES) if not os.environ.get(name)]
    if missing:
        print(f"error: set {', '.join(missing)}", file=sys.stderr)
        return 2
    urls = [os.environ[name] for name in DATABASE_URL_VARIABLES]
    for line in prepare_databases(os.environ["POSTGRES_ADMIN_URL"], urls):
        print(line)
    print(f"warehouse migrated: {migrate_warehouse()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
