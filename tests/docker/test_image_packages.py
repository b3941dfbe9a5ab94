"""The production image installs the product only: the wheel built from exactly what docker/Dockerfile
copies into its source folder (minus what its .dockerignore keeps out) holds no simulators, benchmarks,
proving ground or tests."""

from __future__ import annotations

import fnmatch
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from tests.docker.compose_files import DOCKER, REPO, load_dockerfile

SOURCE_FOLDER = "/opt/cityhub/src"  # where the Dockerfile copies the project and runs `pip install`
PRODUCT = {
    "ontology",
    "normalize",
    "connectors",
    "quality",
    "entity_resolution",
    "graph",
    "search",
    "cityhub",
    "api",
}
PROVING_GROUND = {"simulators", "benchmarks", "proving", "tests"}


def ignored(relative: str, patterns: list[str]) -> bool:
    """Whether the build context leaves a path out (.dockerignore patterns, matched as Docker does)."""
    parts = relative.split("/")
    for pattern in patterns:
        bare = pattern.removeprefix("**/")
        if pattern.startswith("**/") and any(fnmatch.fnmatch(part, bare) for part in parts):
            return True
        if any(fnmatch.fnmatch("/".join(parts[: n + 1]), pattern) for n in range(len(parts))):
            return True
    return False


def stage_source_folder(target: Path) -> Path:
    """Copy into `target` what the Dockerfile's COPY lines put in its source folder; return `target`."""
    patterns = [
        line.strip()
        for line in (DOCKER / "Dockerfile.dockerignore").read_text("utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for copy in load_dockerfile().copies:
        if copy.destination != SOURCE_FOLDER and not copy.destination.startswith(SOURCE_FOLDER + "/"):
            continue
        source = REPO / copy.source
        inside = copy.destination.removeprefix(SOURCE_FOLDER).lstrip("/")
        if source.is_dir():
            for path in source.rglob("*"):
                relative = path.relative_to(REPO).as_posix()
                if path.is_file() and not ignored(relative, patterns):
                    staged = target / inside / path.relative_to(source)
                    staged.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, staged)
        elif not ignored(copy.source, patterns):
            staged = target / (inside or source.name)
            staged.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, staged)
    return target


@pytest.fixture(scope="module")
def wheel_packages(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """Return the top-level packages of the wheel `pip` builds from the staged source folder."""
    folder = stage_source_folder(tmp_path_factory.mktemp("image-src"))
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(folder),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    (wheel,) = out.glob("cityhub-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    return {
        name.split("/")[0] for name in names if "/" in name and not name.split("/")[0].endswith(".dist-info")
    }


def test_the_image_wheel_holds_the_product_and_nothing_of_the_proving_ground(
    wheel_packages: set[str],
) -> None:
    assert wheel_packages == PRODUCT
    assert not wheel_packages & PROVING_GROUND


def test_the_staging_follows_the_dockerignore(tmp_path: Path) -> None:
    folder = stage_source_folder(tmp_path)
    assert (folder / "pyproject.toml").is_file() and (folder / "cityhub" / "config.py").is_file()
    assert not list(folder.rglob("__pycache__")) and not list(folder.rglob("*.pyc"))
    assert not (folder / "simulators").exists() and not (folder / "tests").exists()


def test_the_image_copies_every_product_package_and_nothing_of_the_proving_ground():
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))
    # the import contract that keeps the product apart names both sides
    (apart,) = [c for c in pyproject["tool"]["importlinter"]["contracts"] if c["type"] == "forbidden"]
    dockerfile = load_dockerfile()
    for package in apart["source_modules"]:
        assert dockerfile.destination_of(package) == f"/opt/cityhub/src/{package}", package
    for package in [*apart["forbidden_modules"], "tests"]:
        with pytest.raises(KeyError):
            dockerfile.destination_of(package)
    assert dockerfile.destination_of("pyproject.toml") == "/opt/cityhub/src"
