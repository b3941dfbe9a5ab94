"""`sources_pointed_at`: the variables it yields reach the running systems; the environment is untouched."""

import os

import httpx
import pytest

from simulators.services.runner import DepartmentSystems, sources_pointed_at


def test_the_variables_point_at_the_running_systems_and_the_environment_is_left_alone(
    small_city, tmp_path, monkeypatch
):
    monkeypatch.delenv("CITYHUB_HOTLINE_URL", raising=False)
    systems = DepartmentSystems(small_city, tmp_path)
    with sources_pointed_at(systems) as variables:
        assert variables["CITYHUB_HOTLINE_URL"] == systems.hotline.url
        answer = httpx.get(
            f"{variables['CITYHUB_HOTLINE_URL']}/api/v1/tickets",
            headers={"Authorization": f"Bearer {variables['CITYHUB_HOTLINE_TOKEN']}"},
            timeout=10,
        )
        assert answer.status_code == 200
        assert "CITYHUB_HOTLINE_URL" not in os.environ
    with pytest.raises(httpx.TransportError):  # stopped after the block
        httpx.get(f"{variables['CITYHUB_HOTLINE_URL']}/api/v1/tickets", timeout=2)


def test_the_systems_stop_when_the_block_fails(small_city, tmp_path):
    systems = DepartmentSystems(small_city, tmp_path)
    with pytest.raises(RuntimeError, match="ingest failed"), sources_pointed_at(systems) as variables:
        raise RuntimeError("ingest failed")
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{variables['CITYHUB_GRID_URL']}/api/events", timeout=2)
