"""The permission matrix again, with the graph in Neo4j and the search index in Elasticsearch.

The tests are those of `test_permissions`; this module gives them a hub whose projections live on
real servers (started by the session fixtures; skipped when they cannot be had).
"""

from __future__ import annotations

import shutil
import uuid

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from cityhub.access.policy import load_policy
from cityhub.access.users import UserStore
from cityhub.config import Settings
from cityhub.pipeline import fusion
from tests.api.conftest import AREA, ROLES, sign_in
from tests.api.test_permissions import (  # noqa: F401 - collected here with this module's fixtures
    test_area_limited_roles_find_addresses_only_in_their_district,
    test_identifiers_leave_in_clear_only_for_roles_that_may_see_them,
    test_only_the_auditor_reads_the_audit_log,
    test_person_views_show_only_readable_events_cases_and_fields,
    test_places_cases_escalations_and_graph_hops_stay_inside_the_policy,
    test_search_never_returns_or_counts_what_the_role_may_not_read,
    truth,
)

pytestmark = pytest.mark.servers


@pytest.fixture(scope="module")
def hub(ingested_city_home, tmp_path_factory, neo4j_url, elasticsearch_url) -> Settings:
    # the whole home but its embedded projections and users: the warehouse may already have been
    # fused by another module's hub, and its snapshot lives beside it
    home = tmp_path_factory.mktemp("hub-servers") / "home"
    shutil.copytree(
        ingested_city_home,
        home,
        ignore=shutil.ignore_patterns("graph.sqlite*", "search", "users.yaml", "audit*", "systems"),
    )
    settings = Settings(
        home=home,
        graph_url=neo4j_url,
        search_url=elasticsearch_url,
        index_prefix=f"api-{uuid.uuid4().hex[:8]}",
    )
    fusion.full_rebuild(settings)
    store = UserStore(settings.home / "users.yaml", load_policy())
    for role in ROLES:
        store.add(role, f"{role} user", role, f"password-{role}", "测试部门", AREA)
    return settings


@pytest.fixture(scope="module")
def client(hub) -> TestClient:
    return TestClient(create_app(hub))


@pytest.fixture(scope="module")
def headers(client) -> dict[str, dict[str, str]]:
    return {role: sign_in(client, role) for role in ROLES}


@pytest.fixture(scope="module")
def warehouse(hub):
    from cityhub.warehouse import Warehouse

    return Warehouse(hub.resolved_warehouse_url())
