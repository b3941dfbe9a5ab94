"""cityhub settings: one typed object, `CITYHUB_` environment prefix, defaults that run embedded."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel
from pydantic_settings import BaseSettings, SettingsConfigDict


class AlertWebhook(BaseModel):
    """A subscriber to alerts: where to POST them, the key they are signed with, the sources it may get."""

    name: str
    url: str
    secret: str
    sources: list[str] | None = None  # None: alerts from every source


class Settings(BaseSettings):
    """Where cityhub keeps its data and how it reaches the stores.

    The defaults run everything on one machine without servers; production changes URLs only.
    """

    model_config = SettingsConfigDict(env_prefix="CITYHUB_", env_file=".env", extra="ignore")

    home: Path = Path(".cityhub")
    warehouse_url: str = ""  # empty: SQLite file under `home`
    lake_dir: Path | None = None  # empty: `home`/lake
    sources_dir: Path | None = None  # empty: the source definitions shipped in connectors/sources
    graph_url: str = "embedded"  # or bolt://host:7687
    search_url: str = "embedded"  # or http://host:9200
    index_prefix: str = "cityhub"
    city_code: str = "500100"  # the hub's city (GB/T 2260): district short names are read inside it
    area_code: str = "023"  # landlines written without an area code are local numbers
    # The grid platform's grid codes: its first group is the community's 12-digit statistical code
    # (500106006010-G03 is grid 3 of community 500106006010), which places a grid worker's shorthand.
    grid_code_pattern: str = r"^(\d{12})-G\d+$"
    api_keys: str = ""  # "name:key,name:key": who may call the read API (none set: every call is refused)
    # Alert webhooks, as JSON: [{"name": "centre", "url": "https://...", "secret": "..."}]
    alert_webhooks: list[AlertWebhook] = []
    alert_webhook_attempts: int = 5  # tries per POST before the batch waits for the next run
    alert_webhook_backoff_seconds: float = 2.0  # the first wait; each further wait doubles

    def resolved_warehouse_url(self) -> str:
        """Return the warehouse URL, a SQLite file under `home` when none is set."""
        return self.warehouse_url or f"sqlite:///{(self.home / 'warehouse.sqlite').resolve()}"

    def resolved_lake_dir(self) -> Path:
        """Return the lake's folder, `home`/lake when none is set."""
        return self.lake_dir or self.home / "lake"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings (read once from the environment)."""
    return Settings()


def source_variables() -> dict[str, str]:
    """Return the variables the source definitions' `${NAME}` references read: this process's environment.

    The hub's one read of its environment for the sources, made where a run starts (the CLI command,
    the DAG task); everything below is given the mapping.
    """
    return dict(os.environ)
