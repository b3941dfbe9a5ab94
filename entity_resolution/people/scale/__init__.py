"""Resolving people at the size of a real city: the stages of `entity_resolution.people` on an engine.

    result = resolve_at_scale(batches, work_dir, engine="duckdb")   # or "spark", master "local[2]"

Normalising stays per mention in Python, batch by batch (`features.py`); blocking, the join of
pairs with their mentions, scoring and the edge queries of clustering run as SQL on DuckDB (spills
to disk, bounded memory) or Spark SQL (a cluster, or local mode), the same SQL text for both
(`sql.py`). Comparing two mentions is the pandas path's own code, applied to batches of joined
pairs (`batch.py`), so the clusters are those of `resolve_people` on the same input and model.
"""

from entity_resolution.people.scale.run import ScaleOptions, ScaleResult, resolve_at_scale

__all__ = ["ScaleOptions", "ScaleResult", "resolve_at_scale"]
