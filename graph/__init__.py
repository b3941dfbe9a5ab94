"""The knowledge graph: a projection of the warehouse's resolved tables into people, places,
events and cases, behind one `GraphStore` interface with a Neo4j and an embedded (SQLite) backend.

    open_graph("neo4j://host:7687") or open_graph("bolt://...")    -> Neo4jGraphStore
    open_graph("sqlite:///path/graph.db") or open_graph("path")     -> EmbeddedGraphStore
"""

from __future__ import annotations

from pathlib import Path

from graph.base import GraphStore
from graph.model import NodeRef, graph_model
from graph.projection import GraphBatches, IdChange, ResolvedTables, project
from graph.sync import apply_increment, rebuild, write_batches
from ontology.errors import BadInput

__all__ = [
    "GraphBatches",
    "GraphStore",
    "IdChange",
    "NodeRef",
    "ResolvedTables",
    "apply_increment",
    "graph_model",
    "open_graph",
    "project",
    "rebuild",
    "write_batches",
]

NEO4J_SCHEMES = ("neo4j://", "neo4j+s://", "neo4j+ssc://", "bolt://", "bolt+s://", "bolt+ssc://")


def open_graph(url: str | Path, **options: object) -> GraphStore:
    """Return the GraphStore a URL names: a Neo4j server by its neo4j:// or bolt:// URL, else a SQLite file."""
    text = str(url)
    if text.startswith(NEO4J_SCHEMES):
        from graph.neo4j_store import Neo4jGraphStore

        return Neo4jGraphStore(text, **options)  # type: ignore[arg-type]
    from graph.embedded_store import EmbeddedGraphStore

    if text.startswith("sqlite:///"):
        text = text.removeprefix("sqlite:///")  # SQLAlchemy's form: sqlite:////abs/path, sqlite:///rel/path
    elif "://" in text:
        raise BadInput(f"graph URL {text!r}: use neo4j://, bolt://, sqlite:///path or a file path")
    if not text:
        raise BadInput("graph URL names no file")
    return EmbeddedGraphStore(Path(text))
