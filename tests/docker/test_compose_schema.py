"""docker/compose.yaml against the Compose Specification's JSON schema, and the files a newcomer copies.

`compose_spec.json` beside this file is that schema as shipped in the PyPI package docker-compose 1.29.2
(compose/config/compose_spec.json, Apache-2.0); it predates keys added since (top-level `name`, healthcheck
`start_interval`), so the stack uses none.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.docker.compose_files import COMPOSE_FILE, ENV_EXAMPLE, REPO, load_compose

SCHEMA = Path(__file__).with_name("compose_spec.json")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose()


@pytest.fixture(scope="module")
def compose_validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA.read_text("utf-8"))
    # its $schema spells draft 2019-09's address in a form jsonschema does not look up: name the draft
    jsonschema.Draft201909Validator.check_schema(schema)
    return jsonschema.Draft201909Validator(schema)


def test_the_file_is_valid_against_the_compose_schema(compose, compose_validator):
    errors = [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in compose_validator.iter_errors(compose)
    ]
    assert errors == []


def test_the_schema_rejects_a_misspelt_key(compose, compose_validator):
    broken = copy.deepcopy(compose)
    broken["services"]["postgres"]["healthchek"] = broken["services"]["postgres"].pop("healthcheck")
    assert list(compose_validator.iter_errors(broken))


def test_the_env_example_is_what_the_readme_tells_newcomers_to_copy():
    readme = (REPO / "README.md").read_text("utf-8")
    assert f"cp {ENV_EXAMPLE.relative_to(REPO)} docker/.env" in readme
    assert f"docker compose -f {COMPOSE_FILE.relative_to(REPO)}" in readme


def test_the_secrets_file_stays_out_of_the_image_and_the_repository():
    ignored_in_build = (REPO / "docker" / "Dockerfile.dockerignore").read_text("utf-8").splitlines()
    assert "docker/.env" in ignored_in_build and ".venv" in ignored_in_build
    assert "docker/.env" in (REPO / ".gitignore").read_text("utf-8").splitlines()
