"""The ontology, loaded from the YAML files in `ontology/schema/`.

Everything downstream (warehouse tables, Arrow schemas, quality expectations, graph labels and
search mappings) is derived from this one definition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import pyarrow as pa
import yaml

SCHEMA_PACKAGE = "ontology.schema"


@dataclass(frozen=True, slots=True)
class Property:
    """A typed property of an entity, link or record type."""

    name: str
    type: str
    required: bool = False
    multiple: bool = False
    sensitive: bool = False
    values: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class EntityType:
    name: str
    label: str
    key: str
    properties: tuple[Property, ...]


@dataclass(frozen=True, slots=True)
class LinkType:
    name: str
    source: str
    target: str
    properties: tuple[Property, ...] = ()


@dataclass(frozen=True, slots=True)
class RecordType:
    """A canonical record type: the columns every connector maps its source into."""

    name: str
    key: tuple[str, ...]
    columns: tuple[Property, ...]

    def column(self, name: str) -> Property:
        """Return the column called `name`."""
        return next(c for c in self.columns if c.name == name)

    @property
    def required_columns(self) -> list[str]:
        """The names of the columns every record must fill."""
        return [c.name for c in self.columns if c.required]


@dataclass(frozen=True, slots=True)
class Category:
    """A subcategory of the unified taxonomy, e.g. `neighbour_dispute.noise`."""

    code: str
    name: str
    major_code: str
    major_name: str
    department: str  # the responsible department's code: the subcategory's own, else the major's
    time_limit_hours: int  # the handling time limit


@dataclass(frozen=True, slots=True)
class Taxonomy:
    departments: dict[str, str]
    categories: dict[str, Category] = field(default_factory=dict)

    def majors(self) -> list[str]:
        """Return the major category codes, sorted."""
        return sorted({c.major_code for c in self.categories.values()})


@dataclass(frozen=True, slots=True)
class Ontology:
    entities: dict[str, EntityType]
    links: dict[str, LinkType]
    records: dict[str, RecordType]
    taxonomy: Taxonomy


def _read_yaml(name: str) -> Any:
    return yaml.safe_load(resources.files(SCHEMA_PACKAGE).joinpath(name).read_text("utf-8"))


def _properties(spec: dict[str, Any] | None) -> tuple[Property, ...]:
    return tuple(
        Property(
            name=name,
            type=p["type"],
            required=bool(p.get("required", False)),
            multiple=bool(p.get("multiple", False)),
            sensitive=bool(p.get("sensitive", False)),
            values=tuple(p.get("values", ())),
        )
        for name, p in (spec or {}).items()
    )


def _taxonomy(spec: dict[str, Any]) -> Taxonomy:
    categories: dict[str, Category] = {}
    for major_code, major in spec["categories"].items():
        for sub_code, sub in major["subcategories"].items():
            code = f"{major_code}.{sub_code}"
            categories[code] = Category(
                code,
                sub["name"],
                major_code,
                major["name"],
                sub.get("department", major["department"]),
                int(sub["time_limit_hours"]),
            )
    return Taxonomy(departments=dict(spec["departments"]), categories=categories)


@lru_cache(maxsize=1)
def load_ontology() -> Ontology:
    """Return the ontology declared in `ontology/schema/*.yaml`."""
    entities = {
        name: EntityType(name, e["label"], e["key"], _properties(e["properties"]))
        for name, e in _read_yaml("entities.yaml").items()
    }
    links = {
        name: LinkType(name, link["from"], link["to"], _properties(link.get("properties")))
        for name, link in _read_yaml("links.yaml").items()
    }
    records = {
        name: RecordType(name, tuple(r["key"]), _properties(r["columns"]))
        for name, r in _read_yaml("records.yaml").items()
    }
    return Ontology(entities, links, records, _taxonomy(_read_yaml("taxonomy.yaml")))


_ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "text": pa.string(),
    "identifier": pa.string(),
    "code": pa.string(),
    "category": pa.string(),
    "name": pa.string(),
    "address": pa.string(),
    "id_number": pa.string(),
    "phone": pa.string(),
    "integer": pa.int64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "datetime": pa.timestamp("s"),
}


def arrow_schema(record_type: RecordType) -> pa.Schema:
    """Return the Arrow schema of a canonical record type."""
    return pa.schema(
        [pa.field(c.name, _ARROW_TYPES[c.type], nullable=not c.required) for c in record_type.columns]
    )
