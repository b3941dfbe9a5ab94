"""The resolved tables projected into graph batches: node rows per label, relation rows per type.

Pure functions, tables in and tables out: the same batches feed every `GraphStore`. A node row
holds the label's properties (those the ontology declares and the tables have) and provenance; a
relation row holds `start` and `end` keys, identity properties and provenance (`graph.provenance`).
A node or relation lists the records that name it directly. Relations between places take the
provenance of the lower place, whose records wrote the whole address. A Department is named by
every record of its source, so it keeps their time span but lists none of them. A person LIVES_AT
the finest place their mentions were resolved to (the room where the address gives one), or,
when no mention names a place, the known places the people table's addresses spell out.

The incremental part: `id_changes_of` reads the resolution's id_changes as ordered `IdChange`s
(`GraphStore.apply_id_changes` moves a merged-away node's relations onto its new ID and deletes
it, and drops a split node's relations), `stale_nodes` says which nodes a batch of changes removes,
and `affected_keys` which entities an increment must carry in full. An increment is projected
like a full build, from rows that include each entity they name in full (the person and all
their mentions, the case and all its events), so what it writes replaces what was there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from functools import cached_property

import pandas as pd

from graph.model import DEPARTMENT_NAMES, graph_model
from graph.provenance import (
    address_index,
    finest_places,
    mention_places,
    no_pairs,
    provenance,
    record_keys,
    record_times,
    resolve_addresses,
    single_record,
    with_provenance,
)
from graph.values import plain_rows
from ontology.errors import BadInput

__all__ = [
    "ENTITY_LABELS",
    "GraphBatches",
    "IdChange",
    "ResolvedTables",
    "affected_keys",
    "id_changes_of",
    "project",
    "stale_nodes",
]

ENTITY_LABELS = {"person": "Person", "place": "Place", "case": "Case"}
START, END = "start", "end"  # the relation row keys `graph.base` reads


@dataclass(frozen=True)
class ResolvedTables:
    """The fusion step's tables (see the README's contract); a table an increment lacks is None."""

    people: pd.DataFrame | None = None
    person_mentions: pd.DataFrame | None = None
    places: pd.DataFrame | None = None
    grids: pd.DataFrame | None = None
    events: pd.DataFrame | None = None
    event_people: pd.DataFrame | None = None
    cases: pd.DataFrame | None = None
    id_changes: pd.DataFrame | None = None

    @classmethod
    def from_mapping(cls, tables: Mapping[str, pd.DataFrame]) -> ResolvedTables:
        """Return the tables of a name -> frame mapping; BadInput for a name that is no resolved table."""
        names = {f.name for f in fields(cls)}
        unknown = set(tables) - names
        if unknown:
            raise BadInput(f"unknown resolved tables {sorted(unknown)}; known: {sorted(names)}")
        return cls(**dict(tables))

    def table(self, name: str) -> pd.DataFrame:
        """Return the table, or an empty one when absent."""
        frame = getattr(self, name)
        return frame if frame is not None else pd.DataFrame()


@dataclass(frozen=True)
class GraphBatches:
    """Node batches per label and relation batches per type, nodes to be written first."""

    nodes: dict[str, pd.DataFrame] = field(default_factory=dict)
    relations: dict[str, pd.DataFrame] = field(default_factory=dict)

    def node_rows(self, label: str) -> list[dict[str, object]]:
        """Return a label's node rows with plain Python values, ready to send."""
        return plain_rows(self.nodes[label])

    def relation_rows(self, type_: str) -> list[dict[str, object]]:
        """Return a type's relation rows with plain Python values, ready to send."""
        return plain_rows(self.relations[type_])

    def sizes(self) -> dict[str, int]:
        """Return the number of rows of each label and relation type."""
        return {name: len(frame) for name, frame in {**self.nodes, **self.relations}.items()}

    @property
    def total(self) -> int:
        """The number of rows of every label and relation type together."""
        return sum(self.sizes().values())


class _Context:
    """What several batches need, computed once: record times, the address lookup, provenance."""

    def __init__(self, tables: ResolvedTables) -> None:
        self.tables = tables
        self.times = record_times(tables.table("events"), tables.table("person_mentions"))
        self.addresses = address_index(tables.table("places"))

    def table(self, name: str) -> pd.DataFrame:
        return self.tables.table(name)

    @cached_property
    def people(self) -> pd.DataFrame:
        return _people(self)

    @cached_property
    def place_provenance(self) -> pd.DataFrame:
        return _place_provenance(self)


# --- nodes ------------------------------------------------------------------------------------------


def _declared(label: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Return the columns of `frame` that are properties of `label`, one row per key (the last)."""
    spec = graph_model().node(label)
    keep = [c for c in spec.properties if c in frame and c != "sources"]
    return frame[keep].drop_duplicates(spec.key, keep="last").reset_index(drop=True)


def _people(ctx: _Context) -> pd.DataFrame:
    mentions, involved = ctx.table("person_mentions"), ctx.table("event_people")
    pairs = [no_pairs()]
    if len(mentions):
        pairs.append(pd.DataFrame({"id": mentions["person_id"], "key": record_keys(mentions)}))
    if len(involved):
        pairs.append(pd.DataFrame({"id": involved["person_id"], "key": involved["event_id"]}))
    found = provenance(pd.concat(pairs), ctx.times)
    return with_provenance(_declared("Person", ctx.table("people")), "person_id", found)


def _place_provenance(ctx: _Context) -> pd.DataFrame:
    events = ctx.table("events")
    named = mention_places(ctx.table("person_mentions"), ctx.addresses)
    pairs = [no_pairs(), named.rename(columns={"place_id": "id"})[["id", "key"]]]
    if "place_id" in events:
        pairs.append(pd.DataFrame({"id": events["place_id"], "key": events["event_id"]}))
    return provenance(pd.concat(pairs), ctx.times)


def _grids(ctx: _Context) -> pd.DataFrame:
    events, places = ctx.table("events"), ctx.table("places")
    pairs = no_pairs()
    if "place_id" in events and "grid_id" in places:
        grid_of = places.dropna(subset=["grid_id"]).set_index("place_id")["grid_id"]
        pairs = pd.DataFrame({"id": events["place_id"].map(grid_of), "key": events["event_id"]})
    return with_provenance(_declared("Grid", ctx.table("grids")), "grid_id", provenance(pairs, ctx.times))


def _events(ctx: _Context) -> pd.DataFrame:
    events = _declared("Event", ctx.table("events").rename(columns={"record_id": "source_record_id"}))
    return single_record(events, events["event_id"], ctx.times)


def _cases(ctx: _Context) -> pd.DataFrame:
    # the table's `sources` lists channels; the node's `sources` is provenance, from its events
    cases = _declared("Case", ctx.table("cases").drop(columns=["sources"], errors="ignore"))
    events = ctx.table("events")
    pairs = (
        pd.DataFrame({"id": events["case_id"], "key": events["event_id"]})
        if "case_id" in events
        else no_pairs()
    )
    if "opened_at" in cases:
        cases["first_seen"] = pd.to_datetime(cases["opened_at"])
    if "last_activity_at" in cases:
        cases["last_seen"] = pd.to_datetime(cases["last_activity_at"])
    return with_provenance(cases, "case_id", provenance(pairs, ctx.times))


def _departments(ctx: _Context, names: Mapping[str, str]) -> pd.DataFrame:
    events, mentions = ctx.table("events"), ctx.table("person_mentions")
    keyed = [
        pd.DataFrame({"source": f["source"].astype(str), "key": record_keys(f)})
        for f in (events, mentions)
        if len(f)
    ]
    if not keyed:
        return pd.DataFrame()
    span = (
        pd.concat(keyed)
        .join(ctx.times, on="key")
        .groupby("source")
        .agg(first_seen=("start", "min"), last_seen=("end", "max"))
    )
    return pd.DataFrame(
        {
            "department_id": span.index,
            "name": [names.get(s, s) for s in span.index],
            "sources": [[] for _ in span.index],
            "first_seen": span["first_seen"].to_numpy(),
            "last_seen": span["last_seen"].to_numpy(),
        }
    )


def _source_records(ctx: _Context) -> pd.DataFrame:
    tables = (ctx.table("events"), ctx.table("person_mentions"))
    parts = [f[["source", "record_id"]].astype(str) for f in tables if len(f)]
    if not parts:
        return pd.DataFrame()
    records = pd.concat(parts).drop_duplicates().reset_index(drop=True)
    records.insert(0, "record_key", record_keys(records))
    return single_record(records, records["record_key"], ctx.times)


def _nodes(ctx: _Context, departments: Mapping[str, str]) -> dict[str, pd.DataFrame]:
    nodes: dict[str, pd.DataFrame] = {}
    if len(ctx.table("people")):
        nodes["Person"] = ctx.people
    if len(ctx.table("places")):
        places = _declared("Place", ctx.table("places"))
        nodes["Place"] = with_provenance(places, "place_id", ctx.place_provenance)
    if len(ctx.table("grids")):
        nodes["Grid"] = _grids(ctx)
    if len(ctx.table("events")):
        nodes["Event"] = _events(ctx)
    if len(ctx.table("cases")):
        nodes["Case"] = _cases(ctx)
    nodes["Department"] = _departments(ctx, departments)
    nodes["SourceRecord"] = _source_records(ctx)
    return {label: frame for label, frame in nodes.items() if len(frame)}


# --- relations --------------------------------------------------------------------------------------


def _event_relations(ctx: _Context) -> dict[str, pd.DataFrame]:
    """Relations each named by one event record: where it happened, its case, record and department."""
    events = ctx.table("events")
    if events.empty:
        return {}
    ends = {
        "OCCURRED_AT": events.get("place_id"),
        "PART_OF_CASE": events.get("case_id"),
        "RECORDED_IN": events["event_id"],
        "HANDLED_BY": events["source"],
    }
    found = {}
    for type_, end in ends.items():
        if end is None:
            continue
        rows = pd.DataFrame({START: events["event_id"].astype(str), END: end}).dropna()
        found[type_] = single_record(rows.astype(str), rows[START], ctx.times)
    return found


def _involvements(ctx: _Context) -> pd.DataFrame:
    involved = ctx.table("event_people")
    rows = (
        pd.DataFrame(
            {START: involved["person_id"], END: involved["event_id"], "role": involved["role"].fillna("")}
        )
        .dropna()
        .astype(str)
        .drop_duplicates()
    )
    return single_record(rows.reset_index(drop=True), rows[END], ctx.times)


def _hierarchy(ctx: _Context) -> dict[str, pd.DataFrame]:
    """PART_OF and IN_GRID, with the provenance of the lower place."""
    places = ctx.table("places")
    found = ctx.place_provenance
    relations = {}
    for type_, column in (("PART_OF", "parent_id"), ("IN_GRID", "grid_id")):
        if column in places:
            rows = pd.DataFrame({START: places["place_id"], END: places[column]}).dropna().astype(str)
            relations[type_] = with_provenance(rows.drop_duplicates().reset_index(drop=True), START, found)
    return relations


def _homes(ctx: _Context) -> pd.DataFrame:
    """Return person_id and place_id of where each person lives, the finest place they are named at.

    A person's mentions name places through place resolution; a person none of whose mentions
    names a place lives at the addresses of the people table that name a known place.
    """
    named = mention_places(ctx.table("person_mentions"), ctx.addresses)[["person_id", "place_id"]]
    people = ctx.table("people").reindex(columns=["person_id", "addresses"]).explode("addresses")
    people = people[~people["person_id"].isin(named["person_id"])]
    written = pd.DataFrame(
        {"person_id": people["person_id"], "place_id": resolve_addresses(people["addresses"], ctx.addresses)}
    )
    homes = pd.concat([named, written.dropna()]).astype(str).drop_duplicates()
    homes = homes[homes["person_id"].isin(ctx.table("people")["person_id"].astype(str))]
    return finest_places(homes, ctx.table("places")).reset_index(drop=True)


def _lives_at(ctx: _Context) -> pd.DataFrame:
    """Person -> Place for where each person lives (`_homes`).

    Provenance: the person's mentions that named that place; the person's own when none did.
    """
    rows = _homes(ctx).rename(columns={"person_id": START, "place_id": END})
    named = mention_places(ctx.table("person_mentions"), ctx.addresses)
    pairs = pd.DataFrame(
        {"id": named["person_id"].astype(str) + "\x1f" + named["place_id"].astype(str), "key": named["key"]}
    )
    rows["pair"] = rows[START] + "\x1f" + rows[END]
    rows = with_provenance(rows, "pair", provenance(pairs, ctx.times)).drop(columns=["pair"])
    person = ctx.people.set_index("person_id")
    fallback = rows[START].map(person["sources"]).tolist()
    unnamed = pd.Series([not sources for sources in rows["sources"]], index=rows.index)
    rows["sources"] = [f if u else s for f, u, s in zip(fallback, unnamed, rows["sources"], strict=True)]
    for column in ("first_seen", "last_seen"):
        rows[column] = rows[column].where(~unnamed, rows[START].map(person[column]))
    return rows


def _relations(ctx: _Context) -> dict[str, pd.DataFrame]:
    relations: dict[str, pd.DataFrame] = {}
    if len(ctx.table("people")):
        relations["LIVES_AT"] = _lives_at(ctx)
    if len(ctx.table("event_people")):
        relations["INVOLVED_IN"] = _involvements(ctx)
    relations.update(_event_relations(ctx))
    if len(ctx.table("places")):
        relations.update(_hierarchy(ctx))
    order = list(graph_model().relations)
    return {t: relations[t] for t in order if t in relations and len(relations[t])}


def project(tables: ResolvedTables, departments: Mapping[str, str] = DEPARTMENT_NAMES) -> GraphBatches:
    """Return the node and relation batches of the resolved tables (empty batches left out)."""
    ctx = _Context(tables)
    return GraphBatches(_nodes(ctx, departments), _relations(ctx))


# --- incremental: id changes ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IdChange:
    """One entity ID change from resolution: `kind` is "merge" (old is gone) or "split" (both stay)."""

    label: str
    old_key: str
    new_key: str
    kind: str


def id_changes_of(id_changes: pd.DataFrame | None) -> list[IdChange]:
    """Return the id_changes table as IdChanges in the order they happened (ties keep table order)."""
    if id_changes is None or id_changes.empty:
        return []
    frame = id_changes.sort_values("at", kind="stable") if "at" in id_changes else id_changes
    changes = []
    for entity, old, new, kind in frame[["entity", "old_id", "new_id", "kind"]].itertuples(index=False):
        if entity not in ENTITY_LABELS:
            raise BadInput(f"id_changes: unknown entity {entity!r}; known: {sorted(ENTITY_LABELS)}")
        if kind not in ("merge", "split"):
            raise BadInput(f"id_changes: {entity} {old!r} -> {new!r} has unknown kind {kind!r}")
        if old != new:
            changes.append(IdChange(ENTITY_LABELS[entity], str(old), str(new), str(kind)))
    return changes


def stale_nodes(changes: list[IdChange]) -> dict[str, list[str]]:
    """Return, per label, the keys a batch of changes removes: merged away and not reused later."""
    gone: dict[tuple[str, str], bool] = {}
    for change in changes:
        if change.kind == "merge":
            gone[(change.label, change.old_key)] = True
        gone[(change.label, change.new_key)] = False
    stale: dict[str, list[str]] = {}
    for (label, key), removed in gone.items():
        if removed:
            stale.setdefault(label, []).append(key)
    return {label: sorted(keys) for label, keys in stale.items()}


def affected_keys(changes: list[IdChange]) -> dict[str, set[str]]:
    """Return, per label, every key a change names: the increment must include their rows in full."""
    keys: dict[str, set[str]] = {}
    for change in changes:
        keys.setdefault(change.label, set()).update({change.old_key, change.new_key})
    return keys
