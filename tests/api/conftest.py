"""A resolved small city served by the API, with one user of every role (password `password-<role>`)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from cityhub.access.policy import load_policy
from cityhub.access.users import UserStore
from cityhub.config import Settings
from cityhub.pipeline import fusion
from cityhub.warehouse import Warehouse

AREA = "沙坪坝区"
ROLES = ("street_staff", "district_centre", "police", "petitions_office", "leader", "auditor")


@pytest.fixture(scope="session")
def hub(ingested_city_home) -> Settings:
    """Return settings of a home whose city is resolved, projected and has a user of every role."""
    settings = Settings(home=ingested_city_home)
    fusion.full_rebuild(settings)
    store = UserStore(settings.home / "users.yaml", load_policy())
    for role in ROLES:
        store.add(role, f"{role} user", role, f"password-{role}", "测试部门", AREA)
    return settings


@pytest.fixture(scope="session")
def app(hub):
    return create_app(hub)


@pytest.fixture(scope="session")
def client(app) -> TestClient:
    return TestClient(app)


def sign_in(client: TestClient, role: str) -> dict[str, str]:
    """Return the Authorization header of a fresh session of the user of `role`."""
    answer = client.post("/auth/login", json={"username": role, "password": f"password-{role}"})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


@pytest.fixture(scope="session")
def headers(client) -> dict[str, dict[str, str]]:
    """Return role -> Authorization header."""
    return {role: sign_in(client, role) for role in ROLES}


@pytest.fixture(scope="session")
def warehouse(hub) -> Warehouse:
    return Warehouse(hub.resolved_warehouse_url())
