"""Alembic environment: migrates the warehouse the settings (or the caller) point at."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

from cityhub.config import get_settings
from cityhub.warehouse.schema import metadata

config = context.config
url = config.get_main_option("sqlalchemy.url") or get_settings().resolved_warehouse_url()


def run_offline() -> None:
    context.configure(url=url, target_metadata=metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    engine = engine_from_config({"sqlalchemy.url": url}, prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as connection:
        # batch mode lets SQLite alter tables the way PostgreSQL does
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
