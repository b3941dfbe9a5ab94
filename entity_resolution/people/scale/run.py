"""The whole rebuild on an engine: features, model, candidate pairs, scores, clusters, stable IDs.

Every intermediate table is a Parquet file under the work folder (features, pairs, scored), so
no stage holds the input in memory: the engines stream or spill, and the driver keeps only
per-mention arrays and the edges clustering needs.
"""

from __future__ import annotations

import logging
import resource
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from entity_resolution.identity import assign_stable_ids
from entity_resolution.people.block import block_pairs
from entity_resolution.people.compare import comparison_levels, encode
from entity_resolution.people.resolve import PERSON_PREFIX, ResolveOptions
from entity_resolution.people.scale.batch import BatchScorer, scored_schema
from entity_resolution.people.scale.blocking import write_candidate_pairs
from entity_resolution.people.scale.clustering import cluster_at_scale, cluster_options, mention_attributes
from entity_resolution.people.scale.engines import Engine, EngineSettings, open_engine
from entity_resolution.people.scale.features import sample_prepared, write_features
from entity_resolution.people.scale.gather import score_by_gathering
from entity_resolution.people.scale.sql import compare_input_sql
from entity_resolution.people.train import MatchModel, reference_model, train_model

__all__ = ["ScaleOptions", "ScaleResult", "resolve_at_scale", "train_on_sample"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ScaleOptions:
    """The resolution's settings, the engine's, and how many mentions the model is fitted on."""

    resolve: ResolveOptions = field(default_factory=ResolveOptions)
    engine: EngineSettings = field(default_factory=EngineSettings)
    # m and u are fitted in pandas on a random sample of this many mentions (all of a smaller
    # input, so the model, and with it every cluster, is the pandas path's).
    train_mentions: int = 1_000_000
    seed: int = 0


@dataclass(frozen=True, slots=True)
class ScaleResult:
    """record_id -> person_id, the fitted model, counts, and seconds per stage."""

    assignments: pd.DataFrame
    model: MatchModel
    counts: dict[str, int]
    seconds: dict[str, float]


def train_on_sample(features: Path, options: ScaleOptions) -> MatchModel:
    """Return the match model fitted by the pandas path on a sample of the prepared mentions."""
    prepared = sample_prepared(features, options.train_mentions, options.seed)
    settings = options.resolve
    if len(prepared) < settings.min_train_mentions:
        return reference_model()
    blocks = block_pairs(prepared, settings.rules, settings.max_block)
    enc = encode(prepared)
    left = blocks.pairs["left"].to_numpy(np.int64)
    right = blocks.pairs["right"].to_numpy(np.int64)
    levels = comparison_levels(enc, left, right)
    bits = blocks.pairs["rules"].to_numpy(np.int64)
    return train_model(enc, prepared, left, levels, settings.train, bits, settings.rules)


def _check_unique(db: Engine) -> None:
    """Refuse an input naming one record_id twice (each batch was checked alone when prepared)."""
    twice = db.to_arrow(
        "SELECT MIN(record_id) AS example FROM (SELECT record_id FROM features GROUP BY record_id "
        "HAVING COUNT(*) > 1) AS d"
    )["example"][0].as_py()
    if twice is not None:
        raise ValueError(f"person mentions: record_id {twice!r} appears more than once")


def resolve_at_scale(
    batches: Iterable[pd.DataFrame | pa.Table],
    work: Path,
    engine: str = "duckdb",
    options: ScaleOptions | None = None,
) -> ScaleResult:
    """Return who is who among person mentions read batch by batch, resolved on `engine` (duckdb | spark).

    `work` holds the intermediate Parquet files (and DuckDB's spill files); it may be deleted after.
    """
    options = options or ScaleOptions()
    settings = options.resolve
    work.mkdir(parents=True, exist_ok=True)
    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[stage] = round(now - clock, 1)
        clock = now
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        log.info("people on %s: %s done in %.1f s (peak RSS %.0f MB)", engine, stage, seconds[stage], peak)

    features = work / "features.parquet"
    count = write_features(batches, features, settings.rules, settings.prepare)
    lap("prepare")
    model = train_on_sample(features, options)
    lap("train")
    db = open_engine(engine, options.engine, work)
    try:
        db.register_parquet("features", features)
        _check_unique(db)
        pairs = write_candidate_pairs(
            db, settings.rules, settings.max_block, count, work, options.engine.pair_part_mentions
        )
        db.register_parquet("pairs", pairs)
        lap("block")
        scored = work / ("scored" if engine == "spark" else "scored.parquet")
        if engine == "spark":  # the workers join and score their partitions of the pairs
            db.map_to_parquet(compare_input_sql(), BatchScorer(model), scored_schema(model), scored)
        else:
            score_by_gathering(features, pairs, BatchScorer(model), scored, options.engine.batch_rows)
        db.register_parquet("scored", scored)
        lap("compare")
        attrs = mention_attributes(features, db)
        labels, refused = cluster_at_scale(
            count,
            db,
            attrs,
            cluster_options(model, settings.cluster, settings.unreliable_births),
            options.engine.cluster_part_mentions,
        )
        counts = {"mentions": count, **_pair_counts(db, settings.cluster.link)}
        lap("cluster")
    finally:
        db.close()
    record_ids = pq.read_table(features, columns=["record_id"])["record_id"].to_numpy(zero_copy_only=False)
    clusters = pd.DataFrame({"record_id": record_ids, "cluster": labels})
    ids = assign_stable_ids(clusters, None, PERSON_PREFIX, settings.at)
    # in input order, as the pandas path writes them (a merge on ten million record ids took 240 s,
    # looking them up in an index of the assignments 11 s)
    where = pd.Index(ids.assignments["record_id"]).get_indexer(record_ids)
    person_ids = ids.assignments["entity_id"].to_numpy()[where]
    assignments = pd.DataFrame({"record_id": record_ids, "person_id": person_ids})
    counts.update({"people": int(assignments["person_id"].nunique()), "refused": len(refused)})
    lap("identify")
    return ScaleResult(assignments, model, counts, seconds)


def _pair_counts(db: Engine, link: float) -> dict[str, int]:
    """Return the numbers of candidate pairs and of links among them."""
    table = db.to_arrow(
        f"SELECT COUNT(*) AS pairs, SUM(CASE WHEN score >= {link} THEN 1 ELSE 0 END) AS links FROM scored"
    )
    return {"pairs": int(table["pairs"][0].as_py()), "links": int(table["links"][0].as_py() or 0)}
