"""Benchmark results: printed as a table and written as JSON under benchmarks/results/."""

from __future__ import annotations

import json
import logging
import platform
import resource
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

RESULTS_DIR = Path(__file__).parent / "results"


def peak_rss_mb() -> float:
    """Return this process's peak resident memory so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def children_peak_rss_mb() -> float:
    """Return the largest peak resident memory of any waited-for child process, in MB."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def process_tree_cpu_seconds(pid: int) -> float:
    """Return the user and system CPU seconds of a process and its descendants so far."""
    import psutil

    root = psutil.Process(pid)
    total = 0.0
    for process in [root, *root.children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.Error:  # a child that ended between listing and reading
            continue
        total += times.user + times.system
    return total


def jit_cpu_seconds(pid: int) -> float:
    """Return the CPU seconds the JIT compiler threads of the JVMs in a process tree have used.

    psutil gives each thread's CPU time but not its name, which Linux keeps in /proc.
    """
    import psutil

    root = psutil.Process(pid)
    total = 0.0
    for process in [root, *root.children(recursive=True)]:
        try:
            threads = process.threads()
        except psutil.Error:
            continue
        for thread in threads:
            try:
                name = Path(f"/proc/{process.pid}/task/{thread.id}/comm").read_text()
            except OSError:  # a thread that ended between listing and reading
                continue
            if "CompilerThre" in name:
                total += thread.user_time + thread.system_time
    return total


@contextmanager
def stopwatch() -> Iterator[Callable[[], float]]:
    """Yield a function that returns the seconds elapsed since entering the block."""
    start = time.perf_counter()
    yield lambda: time.perf_counter() - start


def machine() -> dict[str, Any]:
    import os

    return {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()}


def write_result(
    name: str, rows: list[dict[str, Any]], parameters: dict[str, Any], out_dir: Path | None = None
) -> Path:
    """Write a benchmark's rows as JSON and return the path."""
    folder = out_dir or RESULTS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    document = {
        "benchmark": name,
        "parameters": parameters,
        "machine": machine(),
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "rows": rows,
    }
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False, default=str), "utf-8")
    return path


def print_rows(title: str, rows: list[dict[str, Any]]) -> None:
    """Print rows (dicts with the same keys) as a table."""
    table = Table(title=title)
    columns = list(dict.fromkeys(key for row in rows for key in row))
    for column in columns:
        table.add_column(column, justify="left" if column in ("what", "system", "source") else "right")
    for row in rows:
        table.add_row(*[_format(row.get(column)) for column in columns])
    Console(width=max(160, Console().width)).print(table)


def _format(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return "" if value is None else str(value)


class RetryCount(logging.Handler):
    """Count the transactions the Neo4j driver retried (it logs each, with the server's error code)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.retries = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "will be retried" in record.getMessage():
            self.retries += 1
