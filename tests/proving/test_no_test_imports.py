"""The proving ground, benchmarks and simulators run without the tests on the path: none imports `tests`.
Read with `ast`, so nothing is imported."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
APART = ["proving", "benchmarks", "simulators"]


def imported_modules(path: Path) -> list[str]:
    """Return every module `path` imports, at any depth (lazy imports inside functions included)."""
    tree = ast.parse(path.read_text("utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
    return names


def test_nothing_apart_from_the_product_imports_the_tests() -> None:
    offenders = [
        f"{path.relative_to(REPO)} imports {name}"
        for folder in APART
        for path in sorted((REPO / folder).rglob("*.py"))
        for name in imported_modules(path)
        if name == "tests" or name.startswith("tests.")
    ]
    checked = sum(1 for folder in APART for _ in (REPO / folder).rglob("*.py"))
    assert checked > 20, "the folders to check were not found"
    assert offenders == []
