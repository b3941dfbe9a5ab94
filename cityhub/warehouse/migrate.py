"""Schema migrations of the warehouse with Alembic (the scripts live in `migrations/`)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    """Return an Alembic configuration for the warehouse at `url`, without an ini file."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the warehouse at `url` to `revision` (default: the newest)."""
    command.upgrade(alembic_config(url), revision)
