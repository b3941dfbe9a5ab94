"""The graph model: labels, keys, constraints and indexes, derived from the ontology.

Every entity type in `ontology/schema/entities.yaml` is a node label keyed by its declared key;
every link type in `links.yaml` is a relation type between the labels it joins. Nothing here
names a property by hand except provenance, which every node and relation carries:

    sources     the "source:record_id" keys of the records that attest it
    first_seen  the earliest time those records saw it
    last_seen   the latest

A link's coded properties (INVOLVED_IN's `role`) are part of the relation's identity: a person who
is both the caller and a witness of one event has two INVOLVED_IN relations, not one overwritten.

    >>> spec = graph_model().node("Person")
    >>> spec.key, "sources" in spec.properties, spec.property_type("birth_date")
    ('person_id', True, 'date')
    >>> graph_model().relation("INVOLVED_IN").identity
    ('role',)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from ontology.errors import BadInput
from ontology.model import Ontology, load_ontology

__all__ = [
    "DEPARTMENT_NAMES",
    "GraphModel",
    "NodeRef",
    "NodeSpec",
    "PATH_RELATIONS",
    "PROVENANCE",
    "RelationSpec",
    "graph_model",
]

PROVENANCE: dict[str, str] = {"sources": "string", "first_seen": "datetime", "last_seen": "datetime"}
# Types looked up by value (names, categories, addresses) get an index; keys get a uniqueness constraint.
INDEXED_TYPES = frozenset({"name", "category", "address"})
# The four department systems; a caller that knows other sources passes their names to the projection.
DEPARTMENT_NAMES: dict[str, str] = {
    "hotline": "12345热线",
    "grid": "网格化管理平台",
    "police": "公安警情",
    "petitions": "信访",
}
# A Department joins every event of its source and a SourceRecord is a dead end, so a path through
# them says nothing about how two entities are connected: shortest paths leave them out by default.
PATH_RELATIONS = ("LIVES_AT", "INVOLVED_IN", "OCCURRED_AT", "PART_OF", "IN_GRID", "PART_OF_CASE")


@dataclass(frozen=True, slots=True, order=True)
class NodeRef:
    """One node, named by its label and key: `NodeRef("Person", "P-1")`."""

    label: str
    key: str


@dataclass(frozen=True, slots=True)
class NodeSpec:
    """A node label: its key, its properties (provenance included) and their ontology types."""

    label: str
    key: str
    types: tuple[tuple[str, str], ...]  # (property, ontology type) in declaration order
    multiple: frozenset[str]  # list-valued properties
    sensitive: frozenset[str]  # never logged in clear
    indexes: tuple[str, ...]

    @property
    def properties(self) -> tuple[str, ...]:
        """The names of the properties, in declaration order."""
        return tuple(name for name, _ in self.types)

    def property_type(self, name: str) -> str:
        """Return the declared type of the property called `name`."""
        return dict(self.types)[name]


@dataclass(frozen=True, slots=True)
class RelationSpec:
    """A relation type: the labels it joins, its identity properties and its other properties."""

    type: str
    source: str
    target: str
    identity: tuple[str, ...]
    types: tuple[tuple[str, str], ...]  # every property, identity and provenance included

    @property
    def properties(self) -> tuple[str, ...]:
        """The names of the properties, in declaration order."""
        return tuple(name for name, _ in self.types)

    def property_type(self, name: str) -> str:
        """Return the declared type of the property called `name`."""
        return dict(self.types)[name]


@dataclass(frozen=True, slots=True)
class GraphModel:
    """All node labels and relation types of the graph."""

    nodes: dict[str, NodeSpec]
    relations: dict[str, RelationSpec]

    def node(self, label: str) -> NodeSpec:
        """Return the spec of `label`; an unknown label is bad input (it may come from a URL)."""
        try:
            return self.nodes[label]
        except KeyError:
            raise BadInput(f"unknown node label {label!r}; known: {', '.join(self.nodes)}") from None

    def relation(self, type_: str) -> RelationSpec:
        """Return the relation type called `type_`; BadInput for an unknown one."""
        try:
            return self.relations[type_]
        except KeyError:
            known = ", ".join(self.relations)
            raise BadInput(f"unknown relation type {type_!r}; known: {known}") from None

    def relations_of(self, label: str) -> list[RelationSpec]:
        """Return the relation types that start or end at `label`."""
        return [spec for spec in self.relations.values() if label in (spec.source, spec.target)]


def _node_spec(ontology: Ontology, name: str) -> NodeSpec:
    entity = ontology.entities[name]
    types = [(p.name, p.type) for p in entity.properties]
    types += [(prop, kind) for prop, kind in PROVENANCE.items() if prop not in dict(types)]
    indexes = tuple(p.name for p in entity.properties if p.type in INDEXED_TYPES and p.name != entity.key)
    return NodeSpec(
        label=name,
        key=entity.key,
        types=tuple(types),
        multiple=frozenset({p.name for p in entity.properties if p.multiple} | {"sources"}),
        sensitive=frozenset(p.name for p in entity.properties if p.sensitive),
        indexes=indexes,
    )


def _relation_spec(ontology: Ontology, name: str) -> RelationSpec:
    link = ontology.links[name]
    identity = tuple(p.name for p in link.properties if p.type == "code" and p.values)
    types = [(p.name, p.type) for p in link.properties] + list(PROVENANCE.items())
    return RelationSpec(name, link.source, link.target, identity, tuple(types))


@cache
def graph_model() -> GraphModel:
    """Return the graph model of the ontology `ontology.model.load_ontology()` reads."""
    ontology = load_ontology()
    nodes = {name: _node_spec(ontology, name) for name in ontology.entities}
    relations = {name: _relation_spec(ontology, name) for name in ontology.links}
    return GraphModel(nodes, relations)
