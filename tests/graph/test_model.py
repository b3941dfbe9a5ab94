"""The graph model is the ontology's: every entity type a label, every link type a relation type."""

from __future__ import annotations

import pytest

from graph.cypher import schema as cypher_schema
from graph.model import PROVENANCE, graph_model
from graph.sqlite_queries import schema as sqlite_schema
from ontology import load_ontology
from ontology.errors import BadInput


def test_every_entity_type_is_a_label_keyed_by_its_declared_key() -> None:
    ontology, model = load_ontology(), graph_model()
    assert (
        set(model.nodes)
        == set(ontology.entities)
        >= {"Person", "Place", "Grid", "Event", "Case", "Department", "SourceRecord"}
    )
    for name, entity in ontology.entities.items():
        spec = model.node(name)
        assert spec.key == entity.key
        assert [p.name for p in entity.properties] == list(spec.properties[: len(entity.properties)])


def test_every_link_type_is_a_relation_between_the_labels_it_joins() -> None:
    ontology, model = load_ontology(), graph_model()
    assert (
        set(model.relations)
        == set(ontology.links)
        == {
            "LIVES_AT",
            "INVOLVED_IN",
            "OCCURRED_AT",
            "PART_OF",
            "IN_GRID",
            "PART_OF_CASE",
            "RECORDED_IN",
            "HANDLED_BY",
        }
    )
    for name, link in ontology.links.items():
        spec = model.relation(name)
        assert (spec.source, spec.target) == (link.source, link.target)
    assert model.relation("INVOLVED_IN").identity == ("role",)
    assert model.relation("LIVES_AT").identity == ()


def test_every_node_and_relation_carries_provenance() -> None:
    model = graph_model()
    for node in model.nodes.values():
        assert set(PROVENANCE) <= set(node.properties), node
    for relation in model.relations.values():
        assert set(PROVENANCE) <= set(relation.properties), relation


def test_sensitive_properties_come_from_the_ontology() -> None:
    assert graph_model().node("Person").sensitive == {"id_number", "phones"}
    assert "phones" in graph_model().node("Person").multiple


def test_each_backend_creates_a_uniqueness_constraint_per_label_and_the_model_indexes() -> None:
    model = graph_model()
    constraints = [s for s in cypher_schema(model) if "IS UNIQUE" in s]
    assert len(constraints) == len(model.nodes)
    assert (
        "CREATE CONSTRAINT person_key IF NOT EXISTS FOR (n:Person) REQUIRE n.person_id IS UNIQUE"
        in constraints
    )
    assert "CREATE INDEX person_name IF NOT EXISTS FOR (n:Person) ON (n.name)" in cypher_schema(model)
    indexes = [s for s in sqlite_schema(model) if "json_extract" in s]
    assert len(indexes) == sum(len(spec.indexes) for spec in model.nodes.values()) > 0


def test_unknown_labels_and_types_are_bad_input() -> None:
    with pytest.raises(BadInput, match="Suspect"):
        graph_model().node("Suspect")
    with pytest.raises(BadInput, match="KNOWS"):
        graph_model().relation("KNOWS")
