"""The events workflow, stage by stage: prepare → block → compare → estimate → cluster → stable IDs
→ cases.

`resolve_events` groups a whole table of events into cases; `link_events` links a new batch into
an earlier resolution, re-clustering only the cases the batch reaches. Both read the human
decision log (`entity_resolution.review`) and return an `EventResolution` of plain tables.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from entity_resolution.events.block import RULE_NAMES, BlockOptions, block_events
from entity_resolution.events.cluster import ClusterOptions, cluster_events
from entity_resolution.events.compare import (
    EVIDENCE,
    Comparison,
    EvidenceWeights,
    compare_pairs,
    explain,
    score_pairs,
)
from entity_resolution.events.escalation import EscalationOptions, case_keys, case_table
from entity_resolution.events.estimate import EstimateOptions, estimate_weights
from entity_resolution.events.prepare import (
    CHANNELS,
    SITE_DEPTH,
    PrepareOptions,
    encode_events,
    prepare_events,
)
from entity_resolution.events.recurrence import split_recurrences
from entity_resolution.events.text import TextModel, clean_texts, clean_texts_of, fit_text_model, text_vectors
from entity_resolution.identity import StableIds, assign_stable_ids
from entity_resolution.review import current_decisions, decided_positions, review_queue
from ontology.errors import NotFound

__all__ = [
    "EventOptions",
    "EventResolution",
    "case_timeline",
    "link_events",
    "resolve_events",
    "resolve_prepared",
]

CASE_PREFIX = "C"
Ints = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class EventOptions:
    """Settings of every stage."""

    prepare: PrepareOptions = field(default_factory=PrepareOptions)
    block: BlockOptions = field(default_factory=BlockOptions)
    weights: EvidenceWeights | None = None  # None: learnt from the events being resolved
    estimate: EstimateOptions = field(default_factory=EstimateOptions)
    cluster: ClusterOptions = field(default_factory=ClusterOptions)
    escalation: EscalationOptions = field(default_factory=EscalationOptions)
    review_band: tuple[float, float] = (-4.0, 4.0)  # pairs scoring in [low, high) go to review
    at: dt.datetime | str | None = None  # time stamp of ID changes (default: now)


@dataclass(frozen=True, slots=True)
class EventResolution:
    """The outcome of grouping events into cases, as tables.

    assignments   event_id, case_id
    cases         case_id, category, opened_at, last_activity_at, escalating, escalation_reason,
                  sources (in ladder order)
    links         compared pairs scoring at least the review band's lower end, or decided:
                  left, right (event ids), rules (which blocking found them), w_place, w_time,
                  w_category, w_text, w_people (what each evidence counted, log2 odds), score,
                  decision, linked (ended in one case), reason (why a link was refused),
                  explanation ('same room +7; within 6 h +4; ...')
    review_queue  pairs a person should decide (`entity_resolution.review.review_queue`)
    id_changes    entity ('case'), old_id, new_id, kind (merge | split), records, at
    prepared      the checked events with their case_id: what `link_events` links against
    case_keys     per case its place and people keys, major category and opening (for recurrence)
    text_model    the description bigrams' rarity weights, reused by `link_events`
    weights       the evidence weights the pairs were scored with (learnt, unless given), reused
                  by `link_events`
    """

    assignments: pd.DataFrame
    cases: pd.DataFrame
    links: pd.DataFrame
    review_queue: pd.DataFrame
    id_changes: pd.DataFrame
    prepared: pd.DataFrame
    case_keys: pd.DataFrame
    text_model: TextModel
    weights: EvidenceWeights


@dataclass(frozen=True, slots=True)
class _Linked:
    scored: pd.DataFrame  # left, right (row positions), rules, w_*, score, cannot, decision: the
    # pairs scoring at least the review band's lower end, or decided (the links table's)
    labels: Ints
    refused: pd.DataFrame
    comparison: Comparison  # of the pairs in `scored`
    weights: EvidenceWeights


def _link(
    prepared: pd.DataFrame,
    model: TextModel,
    decisions: pd.DataFrame | None,
    options: EventOptions,
    ties: pd.DataFrame | None = None,
    weights: EvidenceWeights | None = None,
) -> _Linked:
    """Return scored candidate pairs and the case label of every row of `prepared`.

    `ties` (left, right row positions) are records already in one case: they stay together.
    `weights` (else `options.weights`, else learnt from the candidate pairs) score the pairs.
    """
    enc = encode_events(prepared, options.prepare)
    sources = prepared["source"].to_numpy(dtype=object)
    pairs = block_events(enc, options.block)
    decided = decided_positions(decisions, prepared["event_id"])
    pairs = pairs.merge(decided, on=["left", "right"], how="outer").fillna({"rules": 0})
    pairs = pairs.astype({"left": np.int64, "right": np.int64, "rules": np.int8})
    left, right = pairs["left"].to_numpy(), pairs["right"].to_numpy()
    vectors = text_vectors(clean_texts_of(prepared), model, clean=False)
    comparison = compare_pairs(enc, vectors, sources, left, right, options.block)
    weights = weights or options.weights
    if weights is None:
        weights = estimate_weights(comparison, pairs["rules"].to_numpy() > 0, options.estimate)
    scored = pd.concat([pairs.reset_index(drop=True), score_pairs(comparison, weights)], axis=1)
    del pairs
    # only the pairs worth showing (`_links_table`) are kept past here, and their evidence
    shown = (scored["score"].to_numpy() >= options.review_band[0]) | scored["decision"].notna().to_numpy()
    comparison = comparison.of_rows(shown)
    edges = scored  # clustering reads left, right, score, cannot and decision
    if ties is not None and len(ties):
        extra = ties[["left", "right"]].assign(score=np.inf, cannot=False, decision="tie")
        columns = ["left", "right", "score", "cannot", "decision"]
        edges = pd.concat([scored[columns], extra], ignore_index=True)
    clustering = cluster_events(enc, edges, options.block, options.cluster)
    del edges
    return _Linked(
        scored[shown].reset_index(drop=True), clustering.labels, clustering.refused, comparison, weights
    )


def _links_table(linked: _Linked, event_ids: npt.NDArray[np.object_], lower: float) -> pd.DataFrame:
    """Return the pairs worth showing, with event ids, what each evidence counted and why."""
    scored = linked.scored
    keep = (scored["score"].to_numpy() >= lower) | scored["decision"].notna().to_numpy()
    links = scored[keep].copy()
    left, right = links["left"].to_numpy(np.int64), links["right"].to_numpy(np.int64)
    links["linked"] = linked.labels[left] == linked.labels[right]
    rules = links["rules"].to_numpy()
    links["rules"] = [",".join(name for bit, name in RULE_NAMES.items() if r & bit) for r in rules.tolist()]
    refused = linked.refused.rename(columns={"score": "_score"})[["left", "right", "reason"]]
    links = links.merge(refused.drop_duplicates(["left", "right"]), on=["left", "right"], how="left")
    links["explanation"] = explain(linked.comparison, keep, links).to_numpy()
    links["left"], links["right"] = event_ids[left], event_ids[right]
    links["probability"] = 1.0 / (1.0 + np.exp2(-links["score"].astype(np.float64)))
    columns = [
        "left",
        "right",
        "rules",
        *[f"w_{e}" for e in EVIDENCE],
        "score",
        "probability",
        "decision",
        "linked",
        "reason",
        "explanation",
    ]
    return links[columns].reset_index(drop=True)


def _previous_ids(previous: EventResolution | pd.DataFrame | None) -> pd.DataFrame | None:
    if previous is None:
        return None
    table = previous.assignments if isinstance(previous, EventResolution) else previous
    return table[["event_id", "case_id"]].rename(columns={"event_id": "record_id", "case_id": "entity_id"})


def _id_changes(changes: pd.DataFrame) -> pd.DataFrame:
    return changes.assign(entity="case")[["entity", "old_id", "new_id", "kind", "records", "at"]]


def _queue(links: pd.DataFrame, options: EventOptions, decisions: pd.DataFrame | None) -> pd.DataFrame:
    candidates = links[links["decision"].isna()]
    return review_queue(candidates, options.review_band[0], options.review_band[1], decisions)


def resolve_events(
    events: pd.DataFrame | pa.Table,
    previous: EventResolution | pd.DataFrame | None = None,
    decisions: pd.DataFrame | None = None,
    options: EventOptions | None = None,
    closings: pd.DataFrame | None = None,
) -> EventResolution:
    """Return events (see `prepare.EVENT_COLUMNS`) grouped into cases, with escalation signals.

    `previous` (a resolution, or its event_id -> case_id table) keeps case IDs stable and reports
    merges and splits since; `decisions` is the human decision log (left, right are event ids);
    `closings` (`recurrence.CLOSING_COLUMNS`: when each event was received and closed), when
    given, make a closed case reported again to one of its departments a new case.
    """
    options = options or EventOptions()
    return resolve_prepared(prepare_events(events, options.prepare), previous, decisions, options, closings)


def resolve_prepared(
    prepared: pd.DataFrame,
    previous: EventResolution | pd.DataFrame | None,
    decisions: pd.DataFrame | None,
    options: EventOptions,
    closings: pd.DataFrame | None,
) -> EventResolution:
    """Return prepared events (`prepare_events`) grouped into cases as `resolve_events` does: the
    text model and the evidence weights learnt from them (the weights unless `options` gives them)."""
    prepared = prepared.drop(columns=["case_id"], errors="ignore").reset_index(drop=True)
    # the cleaned text stays with the prepared events: linking a batch later compares with them
    prepared["clean_text"] = clean_texts_of(prepared)
    model = fit_text_model(prepared["clean_text"].tolist(), clean=False)
    linked = _link(prepared, model, decisions, options)
    event_ids = prepared["event_id"].to_numpy(dtype=object)
    if closings is not None:
        linked = replace(linked, labels=split_recurrences(linked.labels, event_ids, closings))
    clusters = pd.DataFrame({"record_id": event_ids, "cluster": linked.labels})
    ids = assign_stable_ids(clusters, _previous_ids(previous), CASE_PREFIX, options.at)
    case_of = ids.assignments.set_index("record_id")["entity_id"]
    prepared["case_id"] = case_of.reindex(event_ids).to_numpy()
    keys = case_keys(prepared, options.escalation)
    cases = case_table(prepared, keys, options.prepare.ladder, options.escalation)
    links = _links_table(linked, event_ids, options.review_band[0])
    return EventResolution(
        assignments=prepared[["event_id", "case_id"]].copy(),
        cases=cases,
        links=links,
        review_queue=_queue(links, options, decisions),
        id_changes=_id_changes(ids.changes),
        prepared=prepared,
        case_keys=keys,
        text_model=model,
        weights=linked.weights,
    )


def _site_of(paths: pd.Series, depth: int) -> pd.Series:
    return paths.map(lambda p: p[depth - 1] if len(p) >= depth else None)


def _near(existing: pd.DataFrame, new: pd.DataFrame, options: EventOptions) -> pd.DataFrame:
    """Return the earlier events that could pair with the batch: same site or person, in reach of time."""
    reach = pd.Timedelta(days=options.block.window_days)
    times = existing["occurred_at"]
    close = existing[
        (times >= new["occurred_at"].min() - reach) & (times <= new["occurred_at"].max() + reach)
    ]
    sites = set(_site_of(new["place_chain"], SITE_DEPTH).dropna())
    people = {p for ps in new["person_ids"] for p in ps}
    same_site = _site_of(close["place_chain"], SITE_DEPTH).isin(sites)
    same_person = close["person_ids"].map(lambda ps: not people.isdisjoint(ps))
    nearby: pd.DataFrame = close[same_site | same_person]
    return nearby


def _touched_cases(
    existing: pd.DataFrame,
    new: pd.DataFrame,
    model: TextModel,
    weights: EvidenceWeights,
    decisions: pd.DataFrame | None,
    options: EventOptions,
) -> set[str]:
    """Return the cases of earlier events that a batch event links to (scores at least the link
    threshold with), or is decided with: the only cases a batch can change."""
    near = _near(existing, new, options)
    local = pd.concat([near.drop(columns="case_id"), new], ignore_index=True)
    enc = encode_events(local, options.prepare)
    sources = local["source"].to_numpy(dtype=object)
    boundary = len(near)
    pairs = block_events(enc, options.block, across=boundary)  # the batch against what is near it
    cross = pairs[(pairs["left"] < boundary) & (pairs["right"] >= boundary)]
    left, right = cross["left"].to_numpy(), cross["right"].to_numpy()
    involved = np.zeros(len(local), dtype=bool)
    involved[np.r_[left, right]] = True
    vectors = text_vectors(clean_texts_of(local, involved), model, clean=False)
    comparison = compare_pairs(enc, vectors, sources, left, right, options.block)
    scored = score_pairs(comparison, weights)
    links = (scored["score"].to_numpy() >= options.cluster.link) & ~scored["cannot"].to_numpy(bool)
    touched = set(near["case_id"].to_numpy()[left[links]].tolist())
    decided = current_decisions(decisions)
    if len(decided):
        fresh = set(new["event_id"])
        case_of = existing.set_index("event_id")["case_id"]
        for a, b in zip(decided["left"], decided["right"], strict=True):
            other = b if a in fresh else a if b in fresh else None
            if other is not None and other in case_of.index:
                touched.add(case_of[other])
    return touched


def _ties(case_ids: npt.NDArray[np.object_]) -> pd.DataFrame:
    """Return (left, right) row pairs tying every row of a case to the case's first row."""
    rows = pd.Series(np.arange(len(case_ids)), index=case_ids)
    first = rows.groupby(level=0).transform("min").to_numpy()
    tie = first != np.arange(len(case_ids))
    return pd.DataFrame({"left": first[tie], "right": np.arange(len(case_ids))[tie]})


def _batch_ids(
    event_ids: npt.NDArray[np.object_], labels: Ints, assignments: pd.DataFrame, options: EventOptions
) -> StableIds:
    """Return case IDs for the re-linked events: every one of them had its whole case in the run,
    so the votes are those a full run would count."""
    clusters = pd.DataFrame({"record_id": event_ids, "cluster": labels})
    before = assignments[assignments["event_id"].isin(event_ids)]
    before = before.rename(columns={"event_id": "record_id", "case_id": "entity_id"})
    return assign_stable_ids(clusters, before, CASE_PREFIX, options.at)


def link_events(
    new_events: pd.DataFrame | pa.Table,
    previous: EventResolution,
    decisions: pd.DataFrame | None = None,
    options: EventOptions | None = None,
    closings: pd.DataFrame | None = None,
) -> EventResolution:
    """Return the resolution with a batch of events linked in; only the cases it reaches change.

    An event already resolved (same event_id) is replaced by its new version and linked again.
    The cases the batch reaches keep their records together (a batch adds to cases and may merge
    them, it does not split them); `links` and `review_queue` cover the batch, `id_changes` the
    merges it caused, `cases` is every case with the reached ones recomputed. `closings`, as for
    `resolve_events`, cut a recurrence out of the case it reaches, as a full resolve would.
    """
    options = options or EventOptions()
    new = prepare_events(new_events, options.prepare)
    new["clean_text"] = clean_texts(new["description"].tolist())
    replaced = previous.prepared["event_id"].isin(new["event_id"]).to_numpy()
    existing = previous.prepared[~replaced]
    touched = _touched_cases(existing, new, previous.text_model, previous.weights, decisions, options)
    touched |= set(previous.prepared.loc[replaced, "case_id"])
    held = existing["case_id"].isin(touched).to_numpy()
    members = existing[held].sort_values(["case_id", "event_id"], kind="stable")
    local = pd.concat([members.drop(columns="case_id"), new], ignore_index=True)
    ties = _ties(members["case_id"].to_numpy(dtype=object))
    linked = _link(local, previous.text_model, decisions, options, ties, previous.weights)
    event_ids = local["event_id"].to_numpy(dtype=object)
    if closings is not None:
        linked = replace(linked, labels=split_recurrences(linked.labels, event_ids, closings))
    ids = _batch_ids(event_ids, linked.labels, previous.assignments, options)
    local["case_id"] = ids.assignments.set_index("record_id")["entity_id"].reindex(event_ids).to_numpy()
    prepared = pd.concat([existing[~held], local], ignore_index=True)
    gone = touched | set(local["case_id"])
    keys = pd.concat(
        [
            previous.case_keys[~previous.case_keys["case_id"].isin(gone)],
            case_keys(local, options.escalation),
        ],
        ignore_index=True,
    )
    fresh_cases = case_table(local, keys, options.prepare.ladder, options.escalation)
    cases = pd.concat([previous.cases[~previous.cases["case_id"].isin(gone)], fresh_cases], ignore_index=True)
    links = _links_table(linked, event_ids, options.review_band[0])
    return EventResolution(
        assignments=prepared[["event_id", "case_id"]].reset_index(drop=True),
        cases=cases.sort_values("case_id", ignore_index=True),
        links=links,
        review_queue=_queue(links, options, decisions),
        id_changes=_id_changes(ids.changes),
        prepared=prepared,
        case_keys=keys,
        text_model=previous.text_model,
        weights=previous.weights,
    )


def case_timeline(resolution: EventResolution, case_id: str) -> pd.DataFrame:
    """Return a case's records in the order they were reported: event_id, source, occurred_at,
    status, category, description (same moment: lower rung of the ladder first)."""
    events = resolution.prepared[resolution.prepared["case_id"] == case_id]
    if not len(events):
        raise NotFound(f"case {case_id!r} is not in this resolution")
    rung = events["source"].map({name: i for i, name in enumerate(CHANNELS)}).fillna(len(CHANNELS))
    ordered = events.assign(_rung=rung).sort_values(["occurred_at", "_rung", "event_id"], kind="stable")
    columns = ["event_id", "source", "occurred_at", "status", "category", "description"]
    return ordered[columns].reset_index(drop=True)
