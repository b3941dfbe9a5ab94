"""Reading the production stack's files as Docker Compose and Docker read them, for the tests beside this one.

Only what the stack uses is implemented: YAML with merge keys, `${NAME}`, `${NAME:-default}` (nested),
`${NAME:?message}` and `$$` interpolation, KEY=VALUE env files, and the Dockerfile's FROM, COPY and ENV;
and docker/prepare_databases.py loaded as a module.
"""

from __future__ import annotations

import importlib.util
import posixpath
import re
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
DOCKER = REPO / "docker"
COMPOSE_FILE = DOCKER / "compose.yaml"
ENV_EXAMPLE = DOCKER / ".env.example"
DOCKERFILE = DOCKER / "Dockerfile"

REQUIRED_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*):\?")
ANY_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)")


class Unset(LookupError):
    """A `${NAME:?message}` whose NAME is not set: Compose stops with the message."""


def load_compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text("utf-8"))


def load_env_file(path: Path = ENV_EXAMPLE) -> dict[str, str]:
    """Return the KEY=VALUE lines of an env file (comments and blank lines skipped)."""
    values = {}
    for line in path.read_text("utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def interpolate(text: str, environment: dict[str, str]) -> str:
    """Return `text` with Compose's interpolation applied; Unset for a missing required variable.

    >>> interpolate("${A:-x${B}y}/$${HOME}", {"B": "1"})
    'x1y/${HOME}'
    """
    out, position = [], 0
    while position < len(text):
        if text.startswith("$$", position):
            out.append("$")
            position += 2
        elif text.startswith("${", position):
            end = _closing_brace(text, position + 2)
            out.append(_substitute(text[position + 2 : end], environment))
            position = end + 1
        else:
            out.append(text[position])
            position += 1
    return "".join(out)


def _closing_brace(text: str, start: int) -> int:
    depth = 1
    for index in range(start, len(text)):
        if text.startswith("${", index):
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return index
    raise ValueError(f"unclosed ${{ in {text!r}")


def _substitute(expression: str, environment: dict[str, str]) -> str:
    match = re.match(r"([A-Za-z_][A-Za-z0-9_]*)(?:(:-|:\?|-|\?)(.*))?\Z", expression, re.DOTALL)
    if match is None:
        raise ValueError(f"unsupported interpolation ${{{expression}}}")
    name, operator, argument = match.groups()
    value = environment.get(name, "")
    if operator in (":-", "-"):
        return value or interpolate(argument, environment)
    if operator in (":?", "?") and not value:
        raise Unset(f"{name}: {argument}")
    return value


def service_environment(service: dict[str, Any], environment: dict[str, str]) -> dict[str, str]:
    """Return the environment a service's container gets, interpolated with `environment`."""
    raw = service.get("environment") or {}
    return {key: interpolate(str(value), environment) for key, value in raw.items()}


@dataclass(frozen=True)
class Copy:
    source: str
    destination: str


@dataclass(frozen=True)
class Dockerfile:
    base_image: str
    copies: tuple[Copy, ...]
    environment: dict[str, str]
    text: str

    def destination_of(self, source: str) -> str:
        """Return where the image puts `source` (a path relative to the build context)."""
        for copy in self.copies:
            if copy.source.rstrip("/") == source.rstrip("/"):
                return copy.destination
        raise KeyError(f"the Dockerfile copies no {source}")


def load_dockerfile(path: Path = DOCKERFILE) -> Dockerfile:
    """Return the FROM image, the COPY instructions (destinations resolved against WORKDIR) and the ENV."""
    text = path.read_text("utf-8")
    instructions = [
        line.strip()
        for line in text.replace("\\\n", " ").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    base, workdir, copies, environment = "", "/", [], {}
    for instruction in instructions:
        keyword, _, rest = instruction.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            base = rest.split()[0]
        elif keyword == "WORKDIR":
            workdir = rest.strip()
        elif keyword == "COPY":
            parts = [part for part in rest.split() if not part.startswith("--")]
            destination = posixpath.normpath(posixpath.join(workdir, parts[-1]))
            copies.extend(Copy(source, destination) for source in parts[:-1])
        elif keyword == "ENV":
            environment.update(dict(re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=(\S+)", rest)))
    return Dockerfile(base, tuple(copies), environment, text)


@cache
def prepare_module() -> ModuleType:
    """Return docker/prepare_databases.py as a module (a script baked into the image, not a package)."""
    spec = importlib.util.spec_from_file_location("prepare_databases", DOCKER / "prepare_databases.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while being defined
    spec.loader.exec_module(module)
    return module
