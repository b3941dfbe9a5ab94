"""`cityhub bench people --scale N --engine pandas,duckdb,spark`: one engine per process on N mentions.

Each engine resolves the same Parquet file (`people_scale.write_scaled`) as a whole `cityhub
resolve people --engine E` process under /usr/bin/time: wall seconds and peak RSS (as
/usr/bin/time reports it: the largest single process of the tree, so for Spark the larger of the
driver and its JVM, not their sum), pairwise and B-cubed F1 against the
truth, and pairwise F1 of each engine's clusters against DuckDB's (1.0: the same clusters), from this
run or an earlier one in the same --work folder.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks.people_scale import write_scaled


def _command(engine: str, source: Path, output: Path, work: Path, memory: str, master: str) -> list[str]:
    command = [sys.executable, "-m", "cityhub.cli", "resolve", "people", "--input", str(source)]
    command += ["--output", str(output), "--engine", engine]
    if engine != "pandas":
        command += ["--work", str(work), "--memory-limit", memory, "--spark-master", master]
    return command


def _clusters(path: Path) -> pd.DataFrame:
    return pd.read_parquet(path).rename(columns={"person_id": "cluster"})[["record_id", "cluster"]]


def scale_rows(
    scale: int, engines: list[str], work: Path, seed: int, memory: str, master: str
) -> list[dict[str, Any]]:
    """Return one row per engine: seconds, peak MB, F1 against the truth and against the first engine."""
    from benchmarks.bench_people import _timed
    from proving.scores import pairwise_scores, score_clusters

    source, truth_path = write_scaled(work, scale, seed)
    truth = pd.read_parquet(truth_path)
    rows: list[dict[str, Any]] = []
    for engine in engines:
        output = work / f"scale-{scale}-{engine}.parquet"
        output.unlink(missing_ok=True)
        code, seconds, peak, message = _timed(_command(engine, source, output, work, memory, master))
        row: dict[str, Any] = {"data": f"{scale:,} mentions", "engine": engine, "mentions": len(truth)}
        if code != 0:
            rows.append({**row, "error": message})
            continue
        predicted = _clusters(output)
        scores = score_clusters(predicted, truth)
        row.update({k: round(scores[k], 4) for k in ("precision", "recall", "f1", "bcubed_f1")})
        duckdb = work / f"scale-{scale}-duckdb.parquet"
        if duckdb.is_file():
            row["f1_vs_duckdb"] = round(pairwise_scores(predicted, _clusters(duckdb)).f1, 6)
        row.update(
            {"seconds": round(seconds, 1), "peak_mb": round(peak), "load_1m": round(os.getloadavg()[0], 1)}
        )
        rows.append(row)
        del predicted
    return rows
