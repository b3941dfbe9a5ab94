"""Stage 4 at scale: the pandas path's clustering, fed only the scored pairs that can change it.

`cluster.cluster_mentions` joins links into components, accepts the components nothing objects
to, and rebuilds the others pair by pair. Outside the rebuilt components only the links matter,
and only for the components they make; inside them every scored pair does (weak pairs add to or
take from the support of a merge). So the engine is asked for the links (which tell the
components), for the doubtful and conflicting pairs inside a component (which tell the components
to rebuild), then, a part of those components at a time, for every pair inside them. Each answer
fits in memory as arrays where the whole scored table would not.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from entity_resolution.people.cluster import (
    CANNOT_IDS,
    Attributes,
    ClusterOptions,
    components,
    conflicted_rows,
    rebuild_components,
    refused_table,
)
from entity_resolution.people.compare import level_index
from entity_resolution.people.scale.engines import Engine
from entity_resolution.people.scale.sql import close_ids_sql, doubtful_inside_sql, edges_inside_sql, links_sql
from entity_resolution.people.train import MatchModel

__all__ = ["cluster_at_scale", "component_parts", "mention_attributes"]

Ints = npt.NDArray[np.int64]
log = logging.getLogger(__name__)


def _edges(table: pa.Table) -> pd.DataFrame:
    """Return (left, right, score, cannot) as `cluster_mentions` reads them, sorted by (left, right)."""
    frame = pd.DataFrame(
        {
            "left": table["left_row"].to_numpy().astype(np.int64),
            "right": table["right_row"].to_numpy().astype(np.int64),
            "score": table["score"].to_numpy().astype(np.float64),
            "cannot": np.where(table["conflict"].to_numpy(zero_copy_only=False), CANNOT_IDS, 0).astype(
                np.int8
            ),
        }
    )
    return frame.sort_values(["left", "right"], kind="stable", ignore_index=True)


def mention_attributes(features: Path, engine: Engine) -> Attributes:
    """Return every mention's valid ID number (as a code), birth day and gender, in row order."""
    table = pq.read_table(features, columns=["id18", "birth_day", "gender_code"])
    codes = pc.dictionary_encode(table["id18"].combine_chunks()).indices
    ids = pc.fill_null(codes, -1).to_numpy().astype(np.int32)
    birth = table["birth_day"].to_numpy().astype(np.int32)
    gender = table["gender_code"].to_numpy().astype(np.int8)
    close = engine.to_arrow(close_ids_sql(level_index("id", "close")))
    left, right = (
        close["left_row"].to_numpy().astype(np.int64),
        close["right_row"].to_numpy().astype(np.int64),
    )
    both = (ids[left] >= 0) & (ids[right] >= 0)
    if both.any():  # valid ID numbers a slip apart count as one, as in `resolve._attributes`
        family = components(
            int(ids.max()) + 1, ids[left[both]].astype(np.int64), ids[right[both]].astype(np.int64)
        )
        ids = np.where(ids >= 0, family[np.maximum(ids, 0)], -1).astype(np.int32)
    return Attributes(ids, birth, gender)


def cluster_options(model: MatchModel, options: ClusterOptions, unreliable_births: float) -> ClusterOptions:
    """Return the clustering options, the birth date check off where births are noisy (as `resolve`)."""
    birth = model.parameters.set_index(["field", "level_name"])["m"]
    reliable = float(birth[("birth", "differ")]) < unreliable_births
    return replace(options, births_reliable=options.births_reliable and reliable)


def cluster_at_scale(
    count: int, engine: Engine, attrs: Attributes, options: ClusterOptions, part_mentions: int = 1_000_000
) -> tuple[npt.NDArray[np.int64], pd.DataFrame]:
    """Return the cluster label of each of `count` mentions and the refused links (table `scored`).

    The components to rebuild are rebuilt a part of about `part_mentions` mentions at a time, each
    part's pairs fetched on their own: all of them at once held tens of millions of pairs.
    """
    links = engine.to_arrow(links_sql(options.link))
    labels = components(count, _column(links, "left_row"), _column(links, "right_row"))
    log.info("clustering: %d links make %d components", len(links), len(np.unique(labels)))
    del links  # the components are all clustering needs of the links outside the parts rebuilt
    # only doubtful pairs inside one component can ask for it to be rebuilt; fetching them all
    # held most of the scored pairs (237 million at 10,000,000 mentions: past 24 GB)
    engine.register_arrow("labels", pa.table({"mention": np.arange(count, dtype=np.int64), "label": labels}))
    doubtful = engine.to_arrow(doubtful_inside_sql(max(options.doubt, options.cannot)))
    rebuild = conflicted_rows(labels, attrs, _column(doubtful, "left_row"), _column(doubtful, "right_row"))
    log.info("clustering: %d doubtful or conflicting pairs inside a component", len(doubtful))
    del doubtful
    refused: list[tuple[int, int, float, str]] = []
    parts = component_parts(labels, np.flatnonzero(rebuild).astype(np.int64), part_mentions)
    log.info("clustering: %d mentions in components to rebuild, in %d parts", rebuild.sum(), len(parts))
    for number, rows in enumerate(parts, 1):
        engine.register_arrow("rebuild", pa.table({"mention": rows, "label": labels[rows]}))
        edges = _edges(engine.to_arrow(edges_inside_sql()))
        rebuild_components(labels, rows, edges, attrs, options, refused)
        log.info("clustering: part %d of %d rebuilt (%d pairs)", number, len(parts), len(edges))
    return labels, refused_table(refused)


def component_parts(labels: Ints, rows: Ints, size: int) -> list[Ints]:
    """Split `rows` into parts of whole components (by `labels`): about `size` rows, or one component."""
    rows = rows[np.argsort(labels[rows], kind="stable")]
    groups = labels[rows]
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]]) if len(rows) else np.zeros(0, np.int64)
    cuts = starts[np.unique(np.searchsorted(starts, np.arange(size, len(rows), size), side="right") - 1)]
    return [part for part in np.split(rows, cuts[cuts > 0]) if len(part)]


def _column(table: pa.Table, name: str) -> Ints:
    return np.asarray(table[name].to_numpy(), dtype=np.int64)
