"""The people stage of a full rebuild on DuckDB or Spark: the fusion snapshot's person mentions,
resolved by `entity_resolution.people.scale`, written to the lake as record_id, person_id.

The rebuild DAG runs it when its `people_engine` parameter names an engine (and `spark_master`
names the cluster). The mentions are those the pandas resolution reads (staff left out, the same
record keys), so on the same snapshot the clusters are those of the pandas people stage; the
warehouse's resolved tables, their links and review queue still come from the pandas resolution of
the rebuild, whose people are then merged within cases (`entity_resolution.people.coreference`).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from cityhub.config import Settings, get_settings
from cityhub.resolve_files import PEOPLE_COLUMNS, people_options
from entity_resolution.people.scale import ScaleOptions, resolve_at_scale
from entity_resolution.people.scale.engines import EngineSettings
from ontology.errors import BadInput

__all__ = ["engine_output", "rebuild_people_on_engine"]

STAFF_ROLES = ("grid_worker",)  # as `pipeline.resolve_tables`: staff are not resolved as residents
_READ = ("source", "mention_id", "role", *[c for c in PEOPLE_COLUMNS if c not in ("record_id", "source")])


def _snapshot(settings: Settings) -> Path:
    return settings.home / "fusion" / "snapshot" / "person_mentions.parquet"


def engine_output(settings: Settings, engine: str) -> Path:
    """Return where the rebuild on `engine` writes its record_id, person_id table."""
    return settings.resolved_lake_dir() / "people_rebuild" / f"{engine}.parquet"


def _mentions(path: Path, rows: int) -> Iterator[pd.DataFrame]:
    for batch in pq.ParquetFile(path).iter_batches(batch_size=rows, columns=list(_READ)):
        frame = batch.to_pandas()
        frame = frame[~frame["role"].isin(STAFF_ROLES)]
        yield frame.assign(record_id=frame["source"] + ":" + frame["mention_id"])[list(PEOPLE_COLUMNS)]


def rebuild_people_on_engine(
    engine: str, master: str = "local[2]", memory_limit: str = "3GB", settings: Settings | None = None
) -> dict[str, int]:
    """Resolve the snapshot's person mentions on `engine` (duckdb | spark); return the counts."""
    settings = settings or get_settings()
    source = _snapshot(settings)
    if not source.is_file():
        raise BadInput(f"{source}: no fusion snapshot yet; run the fusion or the full rebuild first")
    work = settings.home / "fusion" / f"people-{engine}"
    options = ScaleOptions(people_options(settings), EngineSettings(memory_limit=memory_limit, master=master))
    try:
        result = resolve_at_scale(_mentions(source, 200_000), work, engine, options)
    finally:
        shutil.rmtree(work, ignore_errors=True)  # intermediate Parquet and spill files
    target = engine_output(settings, engine)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}")
    pq.write_table(pa.Table.from_pandas(result.assignments, preserve_index=False), temporary)
    temporary.replace(target)  # readers never see half a file
    return {k: result.counts[k] for k in ("mentions", "people", "pairs")}
