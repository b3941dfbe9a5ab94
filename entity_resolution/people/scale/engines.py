"""The two engines behind one small interface: run SQL into Parquet or Arrow, map batches in Python.

DuckDB is the embedded default: one process, a memory limit, and what does not fit spills to a
temporary directory on disk. Spark runs the same SQL on a cluster (`master` spark://...) or in
local mode (`local[2]`); the batch function runs on its workers through `mapInPandas`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

__all__ = ["DuckDBEngine", "Engine", "EngineSettings", "SparkEngine", "open_engine"]

BatchFunction = Callable[[pd.DataFrame], pd.DataFrame]


@dataclass(frozen=True, slots=True)
class EngineSettings:
    """Where and how much: DuckDB's memory limit and spill folder, Spark's master URL."""

    memory_limit: str = "3GB"  # DuckDB's limit; for Spark, the driver's heap (all of it in local mode)
    threads: int = 2
    spill_dir: Path | None = None  # default: beside the work files
    master: str = "local[2]"
    partitions: int = 8  # Spark's shuffle partitions: a few per core of the cluster
    batch_rows: int = 100_000
    # candidate pairs are deduplicated in ranges of this many left mentions, each within memory
    pair_part_mentions: int = 2_000_000
    # components are rebuilt pair by pair in parts of about this many mentions, each part's pairs
    # fetched on their own
    cluster_part_mentions: int = 1_000_000


class Engine(Protocol):
    """What the stages ask of an engine."""

    def register_parquet(self, name: str, path: Path) -> None:
        """Make a Parquet file (or folder of files) queryable as table `name`."""

    def register_arrow(self, name: str, table: pa.Table) -> None:
        """Make an in-memory table queryable as table `name`."""

    def register_query(self, name: str, query: str) -> None:
        """Make a query's result queryable as table `name`."""

    def to_parquet(self, query: str, path: Path) -> None:
        """Write the result of a query to Parquet at `path`."""

    def to_arrow(self, query: str) -> pa.Table:
        """Return the result of a query (it must fit in memory)."""

    def map_to_parquet(self, query: str, function: BatchFunction, schema: pa.Schema, path: Path) -> None:
        """Apply `function` to the query's rows batch by batch; write what it returns to `path`."""

    def close(self) -> None:
        """Release the engine."""


class DuckDBEngine:
    """DuckDB in this process, spilling to disk past its memory limit."""

    def __init__(self, settings: EngineSettings, work: Path) -> None:
        import duckdb

        spill = settings.spill_dir or work / "spill"
        spill.mkdir(parents=True, exist_ok=True)
        self.settings = settings
        self.con = duckdb.connect(
            config={
                "memory_limit": settings.memory_limit,
                "threads": settings.threads,
                "temp_directory": str(spill),
                "preserve_insertion_order": False,
                # Joins run in the order the SQL writes them. Left to reorder, DuckDB joins a
                # block's mentions on the block key alone before the position filter, which is
                # quadratic in the largest block (id_head: 58 s of 73 s at 300,000 mentions).
                "disabled_optimizers": "join_order",
            }
        )
        self.con.execute("SET enable_progress_bar = false")  # a batch job's log, not a terminal

    def register_parquet(self, name: str, path: Path) -> None:
        """Make a Parquet file (or folder of files) queryable as table `name`."""
        source = f"{path}/*.parquet" if path.is_dir() else str(path)
        self.con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet('{source}')")

    def register_arrow(self, name: str, table: pa.Table) -> None:
        """Make an in-memory table queryable as table `name`."""
        self.con.register(name, table)

    def register_query(self, name: str, query: str) -> None:
        """Make a query's result queryable as table `name`."""
        self.con.execute(f"CREATE OR REPLACE VIEW {name} AS {query}")

    def to_parquet(self, query: str, path: Path) -> None:
        """Write the result of a query to Parquet at `path`."""
        self.con.execute(f"COPY ({query}) TO '{path}' (FORMAT parquet)")

    def to_arrow(self, query: str) -> pa.Table:
        """Return the result of a query (it must fit in memory)."""
        return self.con.sql(query).to_arrow_table()

    def map_to_parquet(self, query: str, function: BatchFunction, schema: pa.Schema, path: Path) -> None:
        """Apply `function` to the query's rows batch by batch; write what it returns to `path`."""
        reader = self.con.sql(query).to_arrow_reader(self.settings.batch_rows)
        with pq.ParquetWriter(path, schema) as writer:
            for batch in reader:
                out = function(batch.to_pandas())
                writer.write_table(pa.Table.from_pandas(out, schema=schema, preserve_index=False))

    def close(self) -> None:
        """Release the engine."""
        self.con.close()


class SparkEngine:
    """Spark SQL on the cluster at `master` (local mode in tests and on one machine)."""

    def __init__(self, settings: EngineSettings, work: Path) -> None:
        from pyspark.sql import SparkSession

        self.settings = settings
        builder = SparkSession.builder
        if settings.master.startswith("local"):  # workers of local mode run this interpreter
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        self.spark = (
            builder.master(settings.master)
            .appName("cityhub-people")
            .config("spark.sql.shuffle.partitions", str(settings.partitions))
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.execution.arrow.maxRecordsPerBatch", str(settings.batch_rows))
            .config("spark.local.dir", str(settings.spill_dir or work / "spill"))
            .config("spark.ui.enabled", "false")
            # the links and pairs clustering reads come back to the driver as Arrow, not row by row
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.driver.memory", _spark_memory(settings.memory_limit))
            .getOrCreate()
        )
        self.spark.sparkContext.setLogLevel("ERROR")

    def register_parquet(self, name: str, path: Path) -> None:
        """Make a Parquet file (or folder of files) queryable as table `name`."""
        # a folder may hold the part folders Spark wrote for each file name (pairs/part_00000.parquet/)
        reader = self.spark.read.option("recursiveFileLookup", "true")
        reader.parquet(str(path)).createOrReplaceTempView(name)

    def register_arrow(self, name: str, table: pa.Table) -> None:
        """Make an in-memory table queryable as table `name`."""
        self.spark.createDataFrame(table.to_pandas()).createOrReplaceTempView(name)

    def register_query(self, name: str, query: str) -> None:
        """Make a query's result queryable as table `name`."""
        self.spark.sql(query).createOrReplaceTempView(name)

    def to_parquet(self, query: str, path: Path) -> None:
        """Write the result of a query to Parquet at `path` (a folder of part files)."""
        self.spark.sql(query).write.mode("overwrite").parquet(str(path))

    def to_arrow(self, query: str) -> pa.Table:
        """Return the result of a query (it must fit in memory)."""
        return pa.Table.from_pandas(self.spark.sql(query).toPandas(), preserve_index=False)

    def map_to_parquet(self, query: str, function: BatchFunction, schema: pa.Schema, path: Path) -> None:
        """Apply `function` to the query's rows batch by batch on the workers; write to `path`."""

        def apply(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
            for batch in batches:
                yield function(batch)

        spark_schema = _spark_schema(schema)
        self.spark.sql(query).mapInPandas(apply, spark_schema).write.mode("overwrite").parquet(str(path))

    def close(self) -> None:
        """Release the engine (the session is left to the process that owns it)."""
        for name in self.spark.catalog.listTables():
            self.spark.catalog.dropTempView(name.name)


def _spark_memory(limit: str) -> str:
    """Return a memory size as Spark writes it: 3GB -> 3g, 512MB -> 512m."""
    number = limit.strip().upper().removesuffix("B")
    return number[:-1] + number[-1].lower() if number[-1:] in "KMGT" else number


def _spark_schema(schema: pa.Schema) -> Any:
    """Return the Spark schema of an Arrow schema."""
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(schema)


def open_engine(name: str, settings: EngineSettings, work: Path) -> Engine:
    """Return the engine called `name` (duckdb | spark)."""
    if name == "duckdb":
        return DuckDBEngine(settings, work)
    if name == "spark":
        return SparkEngine(settings, work)
    raise ValueError(f"unknown resolution engine {name!r}; known: duckdb, spark")
