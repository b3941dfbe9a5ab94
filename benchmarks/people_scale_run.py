"""`cityhub bench people --scale N --engine pandas,duckdb,spark`: one engine per process on N mentions.

Each engine resolves the same Parquet file (`people_scale.write_scaled`) as a whole `cityhub
resolve people --engine E` process under /usr/bin/time: wall seconds and peak RSS (as
/usr/bin/time reports it: the largest single process of the tree, so for Spark the larger of the
driver and its JVM, not their sum), CPU seconds (user and system, children included), pairwise
and B-cubed F1 against the truth, and pairwise F1 of each engine's clusters against DuckDB's and
pandas' (1.0: the same clusters), from this run or an earlier one in the same --work folder. Each process's
output (the stage times it logs) is kept beside the result files as scale-N-ENGINE.log.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from benchmarks.people_scale import BASE_MAX, copy_scores, write_scaled

# `cityhub` with the scale engines' stage times logged (seconds and peak RSS after each stage)
_CLI_LOGGING_STAGES = (
    "import logging; logging.basicConfig(level=logging.WARNING); "
    "logging.getLogger('entity_resolution.people.scale').setLevel(logging.INFO); "
    "from cityhub.cli import main; main()"
)


def _command(
    engine: str, source: Path, output: Path, work: Path, where: tuple[str, str], train: int | None
) -> list[str]:
    command = [sys.executable, "-c", _CLI_LOGGING_STAGES, "resolve", "people", "--input", str(source)]
    command += ["--output", str(output), "--engine", engine]
    if engine != "pandas":
        command += ["--work", str(work), "--memory-limit", where[0], "--spark-master", where[1]]
        command += ["--train-mentions", str(train)] if train else []
    return command


def _timed(command: list[str], log: Path) -> tuple[int, float, float, float, str]:
    """Run a command under /usr/bin/time, its output to `log`; return (exit code, wall s, CPU s, peak MB,
    last message). CPU is user + system of the process and the children it waited for."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as stats, log.open("w") as out:
        start = time.perf_counter()
        done = subprocess.run(
            ["/usr/bin/time", "-f", "%U %S %M", "-o", stats.name, *command],
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )
        seconds = time.perf_counter() - start
        last = (stats.read().strip().splitlines() or [""])[-1].split()
    user, system, peak = (float(v) for v in last) if len(last) == 3 else (float("nan"),) * 3
    lines = log.read_text("utf-8", errors="replace").strip().splitlines()
    return done.returncode, seconds, user + system, peak / 1024, lines[-1][:200] if lines else ""


def _clusters(path: Path) -> pd.DataFrame:
    return pd.read_parquet(path).rename(columns={"person_id": "cluster"})[["record_id", "cluster"]]


def scale_rows(
    scale: int, engines: list[str], work: Path, seed: int, where: tuple[str, str], train: int | None = None
) -> list[dict[str, Any]]:
    """Return one row per engine: seconds, peak MB, F1 against the truth and against DuckDB's clusters.

    `where` is (DuckDB's memory limit, Spark's master URL); `train` the size of the sample m and u
    are fitted on (the default when None). The output of a run with `train` is named after it.
    """
    tag = f"-train{train}" if train else ""
    from proving.scores import pairwise_scores, score_clusters

    source, truth_path = write_scaled(work, scale, seed)
    # the truth is read only once a process has finished: held meanwhile it would count against
    # the machine the engine runs on (3.2 GB at 10,000,000 mentions)
    mentions = pq.ParquetFile(truth_path).metadata.num_rows
    rows: list[dict[str, Any]] = []
    for engine in engines:
        output = work / f"scale-{scale}-{engine}{tag}.parquet"
        output.unlink(missing_ok=True)
        command = _command(engine, source, output, work, where, train)
        code, seconds, cpu, peak, message = _timed(command, work / f"scale-{scale}-{engine}{tag}.log")
        row: dict[str, Any] = {"data": f"{scale:,} mentions", "engine": engine, "mentions": mentions}
        if code != 0:
            rows.append({**row, "error": message})
            continue
        predicted, truth = _clusters(output), pd.read_parquet(truth_path)
        scores = score_clusters(predicted, truth)
        row.update({k: round(scores[k], 4) for k in ("precision", "recall", "f1", "bcubed_f1")})
        if scale > BASE_MAX:
            row.update({k: round(v, 4) for k, v in copy_scores(predicted, truth).items()})
        del truth
        duckdb = work / f"scale-{scale}-duckdb{tag}.parquet"
        if duckdb.is_file():
            row["f1_vs_duckdb"] = round(pairwise_scores(predicted, _clusters(duckdb)).f1, 6)
        pandas = work / f"scale-{scale}-pandas.parquet"
        if pandas.is_file():
            row["f1_vs_pandas"] = round(pairwise_scores(predicted, _clusters(pandas)).f1, 6)
        row.update(
            {
                "seconds": round(seconds, 1),
                "cpu_seconds": round(cpu, 1),
                "peak_mb": round(peak),
                "load_1m": round(os.getloadavg()[0], 1),
            }
        )
        rows.append(row)
        del predicted
    return rows


def copy_rows(
    scale: int, engines: list[str], work: Path, seed: int, train: int | None = None
) -> list[dict[str, Any]]:
    """Return, per engine whose output of an earlier `--scale` run is in `work`, the scores of its
    tiled copies (`people_scale.copy_scores`): nothing is resolved again."""
    tag = f"-train{train}" if train else ""
    truth = pd.read_parquet(work / f"scale-{scale}-{seed}" / "people_truth.parquet")
    rows: list[dict[str, Any]] = []
    for engine in engines:
        output = work / f"scale-{scale}-{engine}{tag}.parquet"
        if not output.is_file():
            raise FileNotFoundError(f"no output of an earlier run: {output}")
        scores = {k: round(v, 4) for k, v in copy_scores(_clusters(output), truth).items()}
        rows.append({"data": f"{scale:,} mentions", "engine": engine, **scores})
    return rows
