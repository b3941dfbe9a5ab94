"""The production stack (docker/compose.yaml, docker/Dockerfile, docker/.env.example) read against the code,
the test servers and the image, so that none of them can drift without a failing test.

There is no Docker engine on the build machines, so the file is read, not run: its settings are the ones
cityhub reads, its URLs reach the stack's services with the credentials the stores' adapters extract,
its images are the versions the tests run, and each Airflow service runs its component. Its validity
against the Compose Specification is test_compose_schema.py's; the image's packages, test_image_packages.py's.
"""

from __future__ import annotations

import ast
import base64
import importlib.util
import re
import tomllib
import xml.etree.ElementTree as ET
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from elastic_transport.client_utils import url_to_node_config
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from sqlalchemy.engine import make_url

from cityhub.config import Settings
from graph import _credentials as neo4j_credentials
from proving.servers import ES_VERSION
from tests.docker.compose_files import (
    ANY_REFERENCE,
    COMPOSE_FILE,
    REPO,
    REQUIRED_REFERENCE,
    Unset,
    interpolate,
    load_compose,
    load_dockerfile,
    load_env_file,
    prepare_module,
    service_environment,
)

AIRFLOW_COMMANDS = {
    "airflow-apiserver": "api-server",
    "airflow-scheduler": "scheduler",
    "airflow-dag-processor": "dag-processor",
    "airflow-triggerer": "triggerer",
}
INIT = "airflow-init"
API = "cityhub-api"
CODE_PACKAGES = (
    "api",
    "cityhub",
    "connectors",
    "dags",
    "entity_resolution",
    "graph",
    "ontology",
    "quality",
    "search",
    "simulators",
)
ENV_READ = re.compile(r"""(?:environ\.get\(|environ\[|getenv\()\s*["']([A-Z][A-Z0-9_]*)["']""")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose()


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


@pytest.fixture(scope="module")
def filled_env() -> dict[str, str]:
    """The example env file with each required value filled in (distinct placeholders), as operators do."""
    required = set(REQUIRED_REFERENCE.findall(COMPOSE_FILE.read_text("utf-8")))
    return {
        key: value or (f"{key.lower()}-value" if key in required else "")
        for key, value in load_env_file().items()
    }


def hub_services(services: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Return the services that run the image built from docker/Dockerfile."""
    return {name: service for name, service in services.items() if "build" in service}


def source_definition_variables() -> set[str]:
    """Return the variables the shipped source definitions name (`${NAME}` in connectors/sources/)."""
    return {
        name
        for path in (REPO / "connectors" / "sources").glob("*.yaml")
        for name in ANY_REFERENCE.findall(path.read_text("utf-8"))
    }


def variables_read_by_code() -> set[str]:
    """Return every environment variable cityhub reads: Settings fields, source definitions, environ reads."""
    prefix = Settings.model_config["env_prefix"]
    names = {f"{prefix}{field}".upper() for field in Settings.model_fields}
    names |= source_definition_variables()
    for package in CODE_PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            names |= set(ENV_READ.findall(path.read_text("utf-8")))
    return names


# --- settings --------------------------------------------------------------------------------------------


def test_every_cityhub_variable_the_stack_sets_is_one_the_code_reads(services):
    known = variables_read_by_code()
    written = set(load_env_file()) | set(ANY_REFERENCE.findall(COMPOSE_FILE.read_text("utf-8")))
    for service in services.values():
        written |= set(service.get("environment") or {})
    cityhub_variables = {name for name in written if name.startswith("CITYHUB_")}
    assert cityhub_variables, "the stack sets no CITYHUB_ variable at all"
    assert sorted(cityhub_variables - known) == []


def test_the_code_reading_check_knows_the_settings_and_the_sources():
    known = variables_read_by_code()
    assert {"CITYHUB_WAREHOUSE_URL", "CITYHUB_GRAPH_URL", "CITYHUB_SEARCH_URL", "CITYHUB_API_KEYS"} <= known
    assert "CITYHUB_HOTLINE_URL" in known  # from connectors/sources/hotline.yaml
    assert "CITYHUB_TYPO_URL" not in known


def test_every_required_variable_is_documented_and_every_documented_one_is_used():
    text = COMPOSE_FILE.read_text("utf-8")
    documented = load_env_file()
    assert sorted(set(REQUIRED_REFERENCE.findall(text)) - set(documented)) == []
    used = set(ANY_REFERENCE.findall(text)) | {"COMPOSE_PROJECT_NAME"}  # read by Compose itself
    assert sorted(set(documented) - used) == []


def test_an_empty_env_file_stops_the_stack_with_the_missing_key(services):
    with pytest.raises(Unset, match="POSTGRES_PASSWORD"):
        service_environment(services["postgres"], {})


def test_each_hub_process_gets_its_home_warehouse_graph_and_search(services, filled_env):
    for name, service in hub_services(services).items():
        environment = service_environment(service, filled_env)
        assert environment["CITYHUB_HOME"] == "/var/lib/cityhub", name
        assert make_url(environment["CITYHUB_WAREHOUSE_URL"]).drivername == "postgresql+psycopg", name
        assert environment["CITYHUB_GRAPH_URL"].startswith("bolt://"), name
        assert environment["CITYHUB_SEARCH_URL"].startswith("http"), name
    api_keys = service_environment(services[API], filled_env)["CITYHUB_API_KEYS"]
    assert api_keys == filled_env["CITYHUB_API_KEYS"]


def test_the_tasks_get_every_variable_the_source_definitions_name(services, filled_env):
    # with the LocalExecutor the ingest tasks run in the scheduler's container
    environment = service_environment(services["airflow-scheduler"], filled_env)
    needed = source_definition_variables()
    assert needed
    assert sorted(name for name in needed if not environment.get(name)) == []


def test_the_petition_drop_folder_is_mounted_where_the_source_reads_it(services, filled_env):
    environment = service_environment(services["airflow-scheduler"], filled_env)
    volumes = services["airflow-scheduler"]["volumes"]
    targets = [interpolate(volume, filled_env).split(":")[1] for volume in volumes]
    assert environment["CITYHUB_PETITIONS_DIR"] in targets


def test_the_store_urls_reach_the_stack_with_the_credentials_the_adapters_extract(services, filled_env):
    environment = service_environment(services[API], filled_env)

    warehouse = make_url(environment["CITYHUB_WAREHOUSE_URL"])
    assert (warehouse.host, warehouse.port) == ("postgres", 5432)
    assert warehouse.password == filled_env["WAREHOUSE_DB_PASSWORD"]

    address, auth = neo4j_credentials(environment["CITYHUB_GRAPH_URL"])
    assert urlsplit(address).hostname in services and urlsplit(address).port == 7687
    neo4j_auth = service_environment(services["neo4j"], filled_env)["NEO4J_AUTH"]
    assert auth == tuple(neo4j_auth.split("/", 1))

    node = url_to_node_config(environment["CITYHUB_SEARCH_URL"], use_default_ports_for_scheme=True)
    assert node.host in services and node.port == 9200
    elastic_password = service_environment(services["elasticsearch"], filled_env)["ELASTIC_PASSWORD"]
    basic = base64.b64encode(f"elastic:{elastic_password}".encode()).decode()
    assert node.headers["authorization"] == f"Basic {basic}"


def test_operators_can_point_the_stores_at_their_own_servers(services, filled_env):
    own = {**filled_env, "CITYHUB_GRAPH_URL": "neo4j+s://neo4j:pw@graph.internal:7687"}
    assert service_environment(services[API], own)["CITYHUB_GRAPH_URL"] == own["CITYHUB_GRAPH_URL"]


# --- images and versions ---------------------------------------------------------------------------------


def _image_tag(services: dict[str, dict[str, Any]], service: str) -> str:
    return services[service]["image"].rsplit(":", 1)[1]


def test_neo4j_is_the_version_the_tests_run(services):
    pom = ET.parse(REPO / "docker" / "launchers" / "neo4j" / "pom.xml").getroot()
    version = pom.find("{*}properties/{*}neo4j.version")
    assert version is not None
    assert _image_tag(services, "neo4j") == f"{version.text}-community"


def test_elasticsearch_is_the_version_the_tests_run(services):
    fetch = (REPO / "docker" / "launchers" / "elasticsearch" / "fetch.sh").read_text("utf-8")
    default = re.search(r'ES_VERSION="\$\{CITYHUB_ES_VERSION:-([0-9.]+)\}"', fetch)
    assert default is not None
    assert services["elasticsearch"]["image"].startswith("docker.elastic.co/elasticsearch/elasticsearch:")
    assert _image_tag(services, "elasticsearch") == default.group(1) == ES_VERSION
    # an 8.x server takes only an 8.x client (9.x clients send headers it rejects)
    assert version("elasticsearch").split(".")[0] == ES_VERSION.split(".")[0]


def test_airflow_and_python_are_the_versions_the_project_requires():
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))
    match = re.fullmatch(r"apache/airflow:(\d+\.\d+\.\d+)-python(\d+\.\d+)", load_dockerfile().base_image)
    assert match is not None, load_dockerfile().base_image
    airflow, python = match.groups()
    requirements = [Requirement(text) for text in pyproject["project"]["dependencies"]]
    [airflow_requirement] = [r for r in requirements if r.name == "apache-airflow"]
    assert airflow_requirement.specifier.contains(airflow)
    # the DAG tests ran on the installed Airflow: the image runs the same minor version
    assert airflow.split(".")[:2] == version("apache-airflow").split(".")[:2]
    assert SpecifierSet(pyproject["project"]["requires-python"]).contains(f"{python}.0")
    assert python == "3.11"


def test_postgresql_is_the_major_version_the_tests_run(services):
    # the fixture runs the newest Debian PostgreSQL under /usr/lib/postgresql (proving/servers.py)
    installed = [int(path.parent.parent.name) for path in Path("/usr/lib/postgresql").glob("*/bin/postgres")]
    if not installed:
        pytest.skip("no Debian PostgreSQL installed to compare with")
    assert services["postgres"]["image"] == f"postgres:{max(installed)}"


# --- what each service runs ------------------------------------------------------------------------------


def test_each_airflow_service_runs_its_component(services, filled_env):
    for name, command in AIRFLOW_COMMANDS.items():
        assert services[name]["command"] == command, name
    environment = service_environment(services["airflow-scheduler"], filled_env)
    assert environment["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    assert make_url(environment["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]).host == "postgres"


def test_every_airflow_component_shares_one_configuration(services, filled_env):
    configurations = {
        name: {
            k: v
            for k, v in service_environment(services[name], filled_env).items()
            if k.startswith("AIRFLOW__")
        }
        for name in (*AIRFLOW_COMMANDS, INIT)
    }
    first = configurations["airflow-apiserver"]
    secrets = {"AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__API__SECRET_KEY"}
    assert secrets <= set(first)
    assert all(configuration == first for configuration in configurations.values())


def test_the_tasks_reach_the_execution_api_of_the_api_server(services, filled_env):
    environment = service_environment(services["airflow-scheduler"], filled_env)
    url = urlsplit(environment["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"])
    container_ports = [int(str(port).rsplit(":", 1)[1]) for port in services["airflow-apiserver"]["ports"]]
    assert (url.hostname, url.path) == ("airflow-apiserver", "/execution/")
    assert url.port in container_ports


def test_init_prepares_the_databases_then_migrates_airflow(services):
    script = services[INIT]["command"][-1]
    prepare = script.index("python /opt/cityhub/prepare_databases.py")
    assert prepare < script.index("airflow db migrate") < script.index("airflow users create")
    assert "set -euo pipefail" in script  # a failed step fails the init, and nothing starts after it
    script_in_image = load_dockerfile().destination_of("docker/prepare_databases.py")
    assert script_in_image == "/opt/cityhub/prepare_databases.py"


def test_init_creates_both_databases_on_the_stack_server(services, filled_env):
    environment = service_environment(services[INIT], filled_env)
    prepare = prepare_module()
    admin = prepare.database_target(environment["POSTGRES_ADMIN_URL"])
    targets = [prepare.database_target(environment[name]) for name in prepare.DATABASE_URL_VARIABLES]
    assert all(target.server == admin.server for target in targets)
    assert sorted(target.database for target in targets) == ["airflow", "cityhub"]


def test_the_api_is_served_by_uvicorn_from_the_app_factory(services):
    command = services[API]["command"]
    assert command[:3] == ["python", "-m", "uvicorn"]
    module, factory = command[command.index("--factory") + 1].split(":")
    # read, not imported (importing the API loads the whole resolution stack): uvicorn --factory calls
    # the module-level function with no arguments
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin is not None
    tree = ast.parse(Path(spec.origin).read_text("utf-8"))
    [function] = [node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == factory]
    arguments = function.args
    assert len(arguments.defaults) == len(arguments.posonlyargs + arguments.args)
    assert all(default is not None for default in arguments.kw_defaults)
    port = command[command.index("--port") + 1]
    assert any(str(mapping).endswith(f":{port}") for mapping in services[API]["ports"])
    assert f"localhost:{port}/" in " ".join(services[API]["healthcheck"]["test"])


# --- start order and health ------------------------------------------------------------------------------


def test_hub_services_wait_for_a_healthy_postgresql_and_a_finished_init(services):
    for name, service in hub_services(services).items():
        assert service["depends_on"]["postgres"] == {"condition": "service_healthy"}, name
        if name != INIT:
            assert service["depends_on"][INIT] == {"condition": "service_completed_successfully"}, name


def test_every_long_running_service_has_a_healthcheck(services):
    unchecked = [name for name, service in services.items() if name != INIT and "healthcheck" not in service]
    assert unchecked == []


def test_services_waited_on_as_healthy_have_healthchecks(services):
    for name, service in services.items():
        for dependency, condition in (service.get("depends_on") or {}).items():
            if condition["condition"] == "service_healthy":
                assert "healthcheck" in services[dependency], f"{name} waits on {dependency}"


def test_the_projections_start_only_once_their_stores_are_healthy(services):
    for name in ("airflow-scheduler", API):
        for store in ("neo4j", "elasticsearch"):
            assert services[name]["depends_on"][store] == {"condition": "service_healthy"}, name


# --- the image -------------------------------------------------------------------------------------------


def test_the_dag_folder_is_where_the_image_puts_the_dags(services, filled_env):
    dockerfile = load_dockerfile()
    folder = dockerfile.destination_of("dags/")
    assert dockerfile.environment["AIRFLOW__CORE__DAGS_FOLDER"] == folder
    for name in (*AIRFLOW_COMMANDS, INIT):
        assert service_environment(services[name], filled_env)["AIRFLOW__CORE__DAGS_FOLDER"] == folder, name


def test_the_sources_folder_is_where_the_image_puts_the_definitions(services, filled_env):
    dockerfile = load_dockerfile()
    folder = dockerfile.destination_of("connectors/sources/")
    assert dockerfile.environment["CITYHUB_SOURCES_DIR"] == folder
    for name, service in hub_services(services).items():
        assert service_environment(service, filled_env)["CITYHUB_SOURCES_DIR"] == folder, name


def test_the_home_is_a_volume_in_every_hub_service(services, filled_env):
    dockerfile = load_dockerfile()
    home = dockerfile.environment["CITYHUB_HOME"]
    assert f"mkdir -p /opt/cityhub/src {home}" in dockerfile.text
    for name, service in hub_services(services).items():
        mounts = [interpolate(volume, filled_env) for volume in service["volumes"]]
        assert f"cityhub-home:{home}" in mounts, name
