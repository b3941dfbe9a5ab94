"""The people workflow, stage by stage: prepare → block → train → compare → cluster → stable IDs.

`resolve_people` resolves a whole table; `link_people` links a new batch into an earlier
resolution, reading only the blocks the batch falls into and re-clustering only the people it
touches. Both read the human decision log and return a `PeopleResolution` of plain tables.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import pyarrow as pa

from entity_resolution.identity import assign_stable_ids
from entity_resolution.people.block import DEFAULT_RULES, BlockingRule, block_against, block_pairs
from entity_resolution.people.cluster import (
    CANNOT_DECIDED,
    CANNOT_IDS,
    Attributes,
    ClusterOptions,
    cluster_mentions,
    components,
)
from entity_resolution.people.compare import Encoded, comparison_levels, encode, level_index, score_pairs
from entity_resolution.people.prepare import PrepareOptions, prepare_mentions
from entity_resolution.people.queue import people_queue
from entity_resolution.people.train import MatchModel, TrainOptions, reference_model, train_model
from entity_resolution.review import decided_positions, review_queue

__all__ = ["PeopleResolution", "ResolveOptions", "link_people", "resolve_people"]

PERSON_PREFIX = "P"
EXPLANATION = ("w_id", "w_name", "w_birth", "w_gender", "w_mobile", "w_landline", "w_address", "w_name_birth")


@dataclass(frozen=True, slots=True)
class ResolveOptions:
    """Settings of every stage."""

    prepare: PrepareOptions = field(default_factory=PrepareOptions)
    rules: tuple[BlockingRule, ...] = DEFAULT_RULES
    max_block: int = 60
    train: TrainOptions = field(default_factory=TrainOptions)
    cluster: ClusterOptions = field(default_factory=ClusterOptions)
    review_band: tuple[float, float] = (-4.0, 4.0)  # pairs scoring in [low, high) go to review
    at: dt.datetime | str | None = None  # time stamp of ID changes (default: now)
    # Every input is scored with parameters estimated from itself: a small one's u from all its
    # pairs, its m shrunk towards the generic prior of train.DEFAULT_M. Below this (one mention,
    # nothing to compare) the shipped reference model stands in.
    min_train_mentions: int = 2
    # Recorded birth dates of one person that disagree this often (m of the 'differ' level) are
    # noise, not a sign of two people: the clustering then leaves them to the pair scores.
    unreliable_births: float = 0.01


@dataclass(frozen=True, slots=True)
class PeopleResolution:
    """The outcome of resolving person mentions, as tables.

    assignments  record_id, person_id
    links        scored pairs at or above the review band: left, right (record ids), rules, levels
                 (l_*) and weights (w_*) per field, score, probability, decision, linked
    review_queue pairs a person should decide (see `entity_resolution.review.review_queue`)
    id_changes   old_id, new_id, kind (merge | split), records, at
    prepared     the normalised mentions with their person_id: what `link_people` blocks against
    model        the fitted match model (m, u and weights per field level, name frequencies)
    blocking     per blocking rule: blocks, pairs, capped blocks and mentions, pairs skipped
    block_keys   every prepared row's block key per rule (uint64): what a new batch is matched on
    """

    assignments: pd.DataFrame
    links: pd.DataFrame
    review_queue: pd.DataFrame
    id_changes: pd.DataFrame
    prepared: pd.DataFrame
    model: MatchModel
    blocking: pd.DataFrame
    block_keys: pd.DataFrame


def _previous_ids(previous: PeopleResolution | pd.DataFrame | None) -> pd.DataFrame | None:
    if previous is None:
        return None
    table = previous.assignments if isinstance(previous, PeopleResolution) else previous
    return table[["record_id", "person_id"]].rename(columns={"person_id": "entity_id"})


def _with_decisions(pairs: pd.DataFrame, decided: pd.DataFrame) -> pd.DataFrame:
    """Return candidate pairs plus decided pairs not among them, with a `decision` column."""
    extra = decided.merge(pairs[["left", "right"]], how="left", indicator=True)
    extra = extra.loc[extra["_merge"] == "left_only", ["left", "right"]].assign(rules=0)
    pairs = pd.concat([pairs, extra], ignore_index=True)
    return pairs.merge(decided, on=["left", "right"], how="left")


def _cluster_input(scored: pd.DataFrame) -> pd.DataFrame:
    """Return (left, right, score, cannot) with human decisions overriding the model."""
    same = (scored["decision"] == "same").to_numpy()
    not_same = (scored["decision"] == "not_same").to_numpy()
    score = np.where(same, np.inf, scored["score"].to_numpy(np.float64))
    cannot = np.where(
        not_same, CANNOT_DECIDED, np.where(scored["conflict"].to_numpy(bool) & ~same, CANNOT_IDS, 0)
    )
    return pd.DataFrame(
        {
            "left": scored["left"].to_numpy(),
            "right": scored["right"].to_numpy(),
            "score": score,
            "cannot": cannot.astype(np.int8),
        }
    )


def _attributes(enc: Encoded, scored: pd.DataFrame) -> Attributes:
    """Return what merges are checked against; valid ID numbers a slip apart count as one."""
    ids = enc.codes["id18"]
    left, right = scored["left"].to_numpy(np.int64), scored["right"].to_numpy(np.int64)
    close = (scored["l_id"].to_numpy() == level_index("id", "close")) & (ids[left] >= 0) & (ids[right] >= 0)
    if close.any():
        count = int(ids.max()) + 1
        family = components(count, ids[left[close]].astype(np.int64), ids[right[close]].astype(np.int64))
        ids = np.where(ids >= 0, family[np.maximum(ids, 0)], -1).astype(np.int32)
    return Attributes(ids, enc.birth, enc.gender)


def _links_table(
    scored: pd.DataFrame, record_ids: np.ndarray, labels: np.ndarray, lower: float
) -> pd.DataFrame:
    keep = (scored["score"].to_numpy() >= lower) | scored["decision"].notna().to_numpy()
    links = scored[keep].copy()
    left, right = links["left"].to_numpy(np.int64), links["right"].to_numpy(np.int64)
    links["linked"] = labels[left] == labels[right]
    links["left"], links["right"] = record_ids[left], record_ids[right]
    return links.reset_index(drop=True)


def _queue(
    links: pd.DataFrame,
    refused: pd.DataFrame,
    record_ids: np.ndarray,
    options: ResolveOptions,
    decisions: pd.DataFrame | None,
    person_of: pd.Series,
) -> pd.DataFrame:
    reasons = refused.assign(
        left=record_ids[refused["left"].to_numpy(np.int64)],
        right=record_ids[refused["right"].to_numpy(np.int64)],
    )[["left", "right", "reason"]]
    candidates = links[links["decision"].isna()].merge(reasons, on=["left", "right"], how="left")
    queue = review_queue(candidates, options.review_band[0], options.review_band[1], decisions)
    return people_queue(queue, person_of)


def _cluster_options(model: MatchModel, options: ResolveOptions) -> ClusterOptions:
    """Return the clustering options, with the birth date check off where births are noisy."""
    birth = model.parameters.set_index(["field", "level_name"])["m"]
    reliable = float(birth[("birth", "differ")]) < options.unreliable_births
    return replace(options.cluster, births_reliable=options.cluster.births_reliable and reliable)


def _score_and_cluster(
    enc: Encoded,
    pairs: pd.DataFrame,
    model: MatchModel,
    options: ResolveOptions,
    levels: dict[str, np.ndarray] | None = None,
    ties: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    """Return (scored pairs, cluster labels, refused links) of pairs carrying their `decision`.

    `ties` are (left, right) pairs that always stay together, unscored: the mentions of a person
    resolved before.
    """
    scored = score_pairs(enc, pairs, model.weights(), model.tf_arrays(enc), model.m_tf(), model.prior, levels)
    edges = _cluster_input(scored)
    if ties is not None and len(ties):
        edges = pd.concat(
            [edges, ties[["left", "right"]].assign(score=np.inf, cannot=np.int8(0))], ignore_index=True
        )
    clustering = cluster_mentions(len(enc), edges, _attributes(enc, scored), _cluster_options(model, options))
    return scored, clustering.labels, clustering.refused


def resolve_people(
    mentions: pd.DataFrame | pa.Table,
    previous: PeopleResolution | pd.DataFrame | None = None,
    decisions: pd.DataFrame | None = None,
    options: ResolveOptions | None = None,
) -> PeopleResolution:
    """Return who is who among person mentions (record_id, source, name, id_number, phone,
    birth_date, gender, address); `previous` (a resolution or its record_id -> person_id table)
    keeps person IDs stable, `decisions` is the human decision log."""
    options = options or ResolveOptions()
    prepared = prepare_mentions(mentions, options.prepare)
    blocks = block_pairs(prepared, options.rules, options.max_block)
    enc = encode(prepared)
    decided = decided_positions(decisions, prepared["record_id"])
    pairs = _with_decisions(blocks.pairs, decided)
    left, right = pairs["left"].to_numpy(np.int64), pairs["right"].to_numpy(np.int64)
    levels = comparison_levels(enc, left, right)
    if len(prepared) < options.min_train_mentions:
        model = reference_model()
    else:
        model = train_model(
            enc, prepared, left, levels, options.train, pairs["rules"].to_numpy(np.int64), options.rules
        )
    scored, labels, refused = _score_and_cluster(enc, pairs, model, options, levels=levels)
    record_ids = prepared["record_id"].to_numpy(dtype=object)
    clusters = pd.DataFrame({"record_id": record_ids, "cluster": labels})
    ids = assign_stable_ids(clusters, _previous_ids(previous), PERSON_PREFIX, options.at)
    assignments = ids.assignments.rename(columns={"entity_id": "person_id"})
    links = _links_table(scored, record_ids, labels, options.review_band[0])
    person = assignments.set_index("record_id")["person_id"]
    return PeopleResolution(
        assignments=assignments,
        links=links,
        review_queue=_queue(links, refused, record_ids, options, decisions, person),
        id_changes=ids.changes,
        prepared=prepared.assign(person_id=person.reindex(record_ids).to_numpy()),
        model=model,
        blocking=blocks.report,
        block_keys=blocks.keys,
    )


def _local_table(
    resolution: PeopleResolution, new: pd.DataFrame, cross: pd.DataFrame
) -> tuple[pd.DataFrame, np.ndarray, pd.Series]:
    """Return the rows to re-cluster, existing ones first, their positions in the resolution, and
    the number of mentions of each person the batch touches.

    Of each person the batch touches, the mentions it was blocked with are kept, plus one mention
    per distinct (ID number, birth date, gender): enough to check every merge against what the
    person is known to be, without carrying a frequent caller's whole history along.
    """
    existing = resolution.prepared
    matched = cross["existing"].to_numpy(np.int64)
    touched = pd.unique(existing["person_id"].to_numpy(dtype=object)[matched])
    rows = np.flatnonzero(existing["person_id"].isin(touched).to_numpy())
    facts = existing.iloc[rows][["person_id", "id18", "birth_date", "gender"]]
    sizes = facts["person_id"].value_counts()
    distinct = rows[~facts.duplicated().to_numpy()]
    rows = np.union1d(np.sort(pd.unique(matched)), distinct).astype(np.int64)
    local = pd.concat([existing.iloc[rows].drop(columns="person_id"), new], ignore_index=True)
    return local, rows, sizes


def _local_pairs(
    resolution: PeopleResolution, rows: np.ndarray, cross: pd.DataFrame, within: pd.DataFrame
) -> pd.DataFrame:
    """Return candidate pairs in local positions: new-existing, new-new, and each touched person's
    mentions tied together (a batch adds to people, it does not split them)."""
    offset = len(rows)
    local_of = pd.Series(np.arange(offset), index=rows)
    a = local_of.reindex(cross["existing"].to_numpy()).to_numpy(np.int64)
    b = cross["new"].to_numpy(np.int64) + offset
    person = resolution.prepared["person_id"].to_numpy(dtype=object)[rows]
    first = pd.Series(np.arange(offset)).groupby(person).transform("min").to_numpy(np.int64)
    tie = first != np.arange(offset)
    return pd.concat(
        [
            pd.DataFrame({"left": a, "right": b, "rules": cross["rules"].to_numpy()}),
            pd.DataFrame(
                {"left": within["left"] + offset, "right": within["right"] + offset, "rules": within["rules"]}
            ),
            pd.DataFrame({"left": first[tie], "right": np.arange(offset)[tie], "rules": 0, "_tie": True}),
        ],
        ignore_index=True,
    )


def _batch_ids(
    resolution: PeopleResolution,
    rows: np.ndarray,
    record_ids: np.ndarray,
    labels: np.ndarray,
    sizes: pd.Series,
    options: ResolveOptions,
) -> tuple[np.ndarray, pd.DataFrame]:
    """Return the person ID of every local row, and the ID changes, voting with whole people.

    Each touched person is represented by one of its local mentions, weighted by how many
    mentions it has (`sizes`, by person ID), so the majority rule is the one a full re-run applies.
    """
    existing_ids = resolution.prepared["person_id"].to_numpy(dtype=object)
    old = existing_ids[rows]
    first = ~pd.Series(old).duplicated().to_numpy()
    keep = np.r_[first, np.ones(len(record_ids) - len(rows), dtype=bool)]
    weight = np.r_[
        sizes.reindex(old[first]).to_numpy(np.int64), np.ones(len(record_ids) - len(rows), dtype=np.int64)
    ]
    clusters = pd.DataFrame({"record_id": record_ids[keep], "cluster": labels[keep], "weight": weight})
    before = pd.DataFrame({"record_id": record_ids[: len(rows)][first], "entity_id": old[first]})
    ids = assign_stable_ids(clusters, before, PERSON_PREFIX, options.at)
    by_cluster = pd.Series(
        ids.assignments["entity_id"].to_numpy(),
        index=ids.assignments["record_id"].map(pd.Series(labels, index=record_ids)).to_numpy(),
    )
    by_cluster = by_cluster[~by_cluster.index.duplicated()]
    return by_cluster.reindex(labels).to_numpy(dtype=object), ids.changes


def _renamed(existing_ids: np.ndarray, rows: np.ndarray, person: np.ndarray) -> np.ndarray:
    """Return every earlier mention's person ID after the batch.

    A batch only adds to people and merges them, so a merged person is renamed on all its
    mentions, including those that were not part of the local table.
    """
    renamed = pd.Series(person[: len(rows)], index=existing_ids[rows])
    renamed = renamed[renamed.index != renamed.to_numpy()]
    renamed = renamed[~renamed.index.duplicated()]
    updated = existing_ids.copy()
    moved = pd.Series(existing_ids).isin(renamed.index).to_numpy()
    updated[moved] = renamed.reindex(existing_ids[moved]).to_numpy()
    return updated


def link_people(
    new_mentions: pd.DataFrame | pa.Table,
    resolution: PeopleResolution,
    decisions: pd.DataFrame | None = None,
    options: ResolveOptions | None = None,
) -> PeopleResolution:
    """Return the resolution with a batch of new mentions linked in, using the resolution's model.

    Only the people the batch touches are re-clustered; the others keep their mentions and IDs.
    `links` and `review_queue` of the result cover the batch; `id_changes` lists the merges it caused;
    `assignments` follow the order of `prepared` (the earlier mentions, then the batch).
    """
    options = options or ResolveOptions()
    new = prepare_mentions(new_mentions, options.prepare)
    # probing the resolved ids with the batch's, not the other way round: no table of a million ids
    seen = resolution.prepared["record_id"].isin(new["record_id"]).to_numpy()
    if seen.any():
        again = new["record_id"].isin(resolution.prepared["record_id"][seen]).to_numpy()
        raise ValueError(
            f"person mentions: record_id {new['record_id'].iloc[int(again.argmax())]!r} was already resolved"
        )
    existing_ids = resolution.prepared["person_id"].to_numpy(dtype=object)
    cross, within = block_against(
        new, resolution.block_keys, existing_ids, options.rules, options.max_block, per_entity=1
    )
    local, rows, sizes = _local_table(resolution, new, cross)
    pairs = _local_pairs(resolution, rows, cross, within.pairs)
    ties = pairs.pop("_tie").eq(True).to_numpy()
    pairs_ties = pairs[ties]
    enc = encode(local)
    pairs = _with_decisions(pairs[~ties], decided_positions(decisions, local["record_id"]))
    scored, labels, refused = _score_and_cluster(enc, pairs, resolution.model, options, ties=pairs_ties)
    record_ids = local["record_id"].to_numpy(dtype=object)
    person, changes = _batch_ids(resolution, rows, record_ids, labels, sizes, options)
    updated = _renamed(resolution.prepared["person_id"].to_numpy(dtype=object), rows, person)
    prepared = pd.concat([resolution.prepared, new.assign(person_id=None)], ignore_index=True)
    prepared["person_id"] = np.concatenate([updated, person[len(rows) :]])  # one copy of the table, not two
    assignments = prepared[["record_id", "person_id"]]
    links = _links_table(scored, record_ids, labels, options.review_band[0])
    keys = pd.concat([resolution.block_keys, within.keys], ignore_index=True)
    return PeopleResolution(
        assignments,
        links,
        _queue(
            links, refused, record_ids, options, decisions, assignments.set_index("record_id")["person_id"]
        ),
        changes,
        prepared,
        resolution.model,
        resolution.blocking,
        keys,
    )
