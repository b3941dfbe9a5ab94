"""docker/prepare_databases.py, the compose stack's init step, against a real PostgreSQL server: it creates
the roles and databases the URLs name, sets their passwords, repeats safely, leaves other servers alone,
migrates the warehouse and prints no password."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

from cityhub.config import get_settings
from tests.docker.compose_files import prepare_module


def _psycopg_kwargs(url: URL) -> dict[str, object]:
    return {
        "host": url.host,
        "port": url.port,
        "user": url.username,
        "dbname": url.database,
        "autocommit": True,
    }


@pytest.fixture
def fresh_names(postgres_url: str) -> Iterator[tuple[str, str]]:
    """Yield two unused database names (each also its role's name); drop them afterwards."""
    names = (f"hub_{secrets.token_hex(4)}", f"flow_{secrets.token_hex(4)}")
    yield names
    sa.create_engine(postgres_url).dispose()
    with psycopg.connect(**_psycopg_kwargs(make_url(postgres_url))) as admin:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'DROP ROLE IF EXISTS "{name}"')


def _url_for(postgres_url: str, name: str, password: str, driver: str = "postgresql+psycopg") -> str:
    admin = make_url(postgres_url)
    url = admin.set(drivername=driver, username=name, password=password, database=name)
    return url.render_as_string(hide_password=False)


def _role_and_owner(postgres_url: str, name: str) -> tuple[bool, bool, str | None]:
    """Return (role can log in, role has a password, owner of the database `name`)."""
    with psycopg.connect(**_psycopg_kwargs(make_url(postgres_url))) as admin:
        login, password = admin.execute(
            "SELECT rolcanlogin, rolpassword IS NOT NULL FROM pg_authid WHERE rolname = %s", (name,)
        ).fetchone()
        owner = admin.execute(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", (name,)
        ).fetchone()
    return login, password, owner[0] if owner else None


@pytest.mark.servers
def test_it_creates_the_roles_and_databases_then_finds_them_present(postgres_url, fresh_names):
    prepare = prepare_module()
    warehouse, airflow = fresh_names
    urls = [
        _url_for(postgres_url, warehouse, "w-pass-1"),
        _url_for(postgres_url, airflow, "a-pass-1", "postgresql+psycopg2"),
    ]

    first = prepare.prepare_databases(postgres_url, urls)
    assert first == [
        f"role {warehouse} created, database {warehouse} created",
        f"role {airflow} created, database {airflow} created",
    ]
    for name in fresh_names:
        assert _role_and_owner(postgres_url, name) == (True, True, name)
    with psycopg.connect(**_psycopg_kwargs(make_url(urls[0]))) as connection:  # the role can use its database
        connection.execute("CREATE TABLE probe (id int)")

    again = prepare.prepare_databases(postgres_url, urls)
    assert again == [
        f"database {warehouse} and role {warehouse} present",
        f"database {airflow} and role {airflow} present",
    ]


@pytest.mark.servers
def test_a_database_on_another_server_is_left_alone(postgres_url):
    prepare = prepare_module()
    elsewhere = "postgresql+psycopg://cityhub:pw@warehouse.example.org:5432/cityhub"
    assert prepare.prepare_databases(postgres_url, [elsewhere]) == [
        "database cityhub on warehouse.example.org:5432: another server, left as is"
    ]


@pytest.mark.servers
def test_main_prepares_migrates_and_prints_no_password(postgres_url, fresh_names, monkeypatch, capsys):
    prepare = prepare_module()
    warehouse, airflow = fresh_names
    warehouse_url = _url_for(postgres_url, warehouse, "secret-warehouse-pw")
    monkeypatch.setenv("POSTGRES_ADMIN_URL", postgres_url)
    monkeypatch.setenv("CITYHUB_WAREHOUSE_URL", warehouse_url)
    airflow_url = _url_for(postgres_url, airflow, "secret-airflow-pw")
    monkeypatch.setenv("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", airflow_url)
    get_settings.cache_clear()
    try:
        assert prepare.main() == 0
    finally:
        get_settings.cache_clear()
    printed = capsys.readouterr()
    assert "secret-" not in printed.out + printed.err
    assert f"warehouse migrated: postgresql+psycopg://{warehouse}:***@" in printed.out
    engine = sa.create_engine(warehouse_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
    finally:
        engine.dispose()


def test_main_names_the_missing_variables(monkeypatch, capsys):
    for name in ("POSTGRES_ADMIN_URL", "CITYHUB_WAREHOUSE_URL", "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"):
        monkeypatch.delenv(name, raising=False)
    assert prepare_module().main() == 2
    assert capsys.readouterr().err.strip() == (
        "error: set POSTGRES_ADMIN_URL, CITYHUB_WAREHOUSE_URL, AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"
    )


@pytest.mark.parametrize(
    "url, problem",
    [
        ("sqlite:///warehouse.sqlite", "is not a PostgreSQL URL"),
        ("postgresql+psycopg://postgres@db.internal:5432", "must name a host, a user and a database"),
    ],
)
def test_urls_it_cannot_prepare_are_refused_without_their_password(url, problem):
    with pytest.raises(ValueError, match=problem):
        prepare_module().database_target(url)


def test_a_password_with_url_escapes_reaches_the_role_decoded():
    url = "postgresql+psycopg://cityhub:p%40ss%2Fw0rd@postgres:5432/cityhub"
    target = prepare_module().database_target(url)
    assert (target.role, target.password) == ("cityhub", "p@ss/w0rd")
    assert target.server == ("postgres", 5432)
