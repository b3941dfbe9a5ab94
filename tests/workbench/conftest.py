"""The workbench over the resolved small city of tests/api, served by a real hub in a thread and
driven in Debian's headless Chromium."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cityhub.config import Settings
from proving.browser import add_users, browser_available, chromium, served_hub, warm_search
from tests.api.conftest import hub  # noqa: F401  (the resolved city, one fusion run, reused)


@pytest.fixture(scope="session")
def workbench_hub(hub: Settings) -> Settings:  # noqa: F811
    """The resolved city with the workbench's users added."""
    add_users(hub)
    return hub


@pytest.fixture(scope="session")
def origin(workbench_hub: Settings) -> Iterator[str]:
    """The URL of the hub serving the API and the workbench from one process."""
    with served_hub(workbench_hub) as url:
        warm_search(url)
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not browser_available():
        if os.environ.get("CITYHUB_REQUIRE_SERVERS") == "1":
            pytest.fail(
                "Chromium required: apt-get install -y --no-install-recommends chromium fonts-noto-cjk"
            )
        pytest.skip(
            "no /usr/bin/chromium (apt-get install -y --no-install-recommends chromium fonts-noto-cjk)"
        )
    with chromium() as running:
        yield running


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the run saves its screenshots: CITYHUB_SCREENSHOTS (e.g. docs/screenshots) or a temp folder."""
    chosen = os.environ.get("CITYHUB_SCREENSHOTS")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
