"""The knowledge graph: a projection of the warehouse's resolved tables into people, places,
events and cases, behind one `GraphStore` interface with a Neo4j and an embedded (SQLite) backend.

    open_graph("neo4j://host:7687") or open_graph("bolt://...")    -> Neo4jGraphStore
    open_graph("sqlite:///path/graph.db") or open_graph("path")     -> EmbeddedGraphStore
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

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
    """Return the GraphStore a URL names: Neo4j for neo4j:// or bolt://, else a SQLite file."""
    text = str(url)
    if text.startswith(NEO4J_SCHEMES):
        from graph.neo4j_store import Neo4jGraphStore

        address, auth = _credentials(text)
        return Neo4jGraphStore(address, auth=auth, **options)  # type: ignore[arg-type]
    from graph.embedded_store import EmbeddedGraphStore

    if text.startswith("sqlite:///"):
        text = text.removeprefix("sqlite:///")  # SQLAlchemy's form: sqlite:////abs/path, sqlite:///rel/path
    elif "://" in text:
        raise BadInput(f"graph URL {text!r}: use neo4j://, bolt://, sqlite:///path or a file path")
    if not text:
        raise BadInput("graph URL names no file")
    return EmbeddedGraphStore(Path(text))


def _credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    """Split user:password@ out of a Neo4j URL: the driver takes credentials apart from the address.

    >>> _credentials("bolt://neo4j:s3cret@db.internal:7687")
    ('bolt://db.internal:7687', ('neo4j', 's3cret'))
    """
    parts = urlsplit(url)
    if parts.username is None:
        return url, None
    host = parts.hostname or ""
    address = urlunsplit(parts._replace(netloc=f"{host}:{parts.port}" if parts.port else host))
    return address, (unquote(parts.username), unquote(parts.password or ""))
