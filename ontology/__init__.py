"""Canonical entity, link and record types and the category taxonomy, declared once as data."""

from ontology.model import (
    Category,
    EntityType,
    LinkType,
    Ontology,
    Property,
    RecordType,
    Taxonomy,
    arrow_schema,
    load_ontology,
)

__all__ = [
    "Category",
    "EntityType",
    "LinkType",
    "Ontology",
    "Property",
    "RecordType",
    "Taxonomy",
    "arrow_schema",
    "load_ontology",
]
