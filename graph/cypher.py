"""The Neo4j adapter's Cypher, built from the graph model by pure functions.

Labels, relation types and property names come from `graph.model` (the ontology), never from a
caller, so they are spliced into the text; every value travels as a parameter. Writes are one
`UNWIND ... MERGE ...` per batch.

    >>> from graph.model import graph_model
    >>> columns = [Column("start", "text", True), Column("end", "text", True), Column("role", "text", False),
    ...            Column("last_seen", "datetime", False)]
    >>> print(upsert_relations(graph_model().relation("INVOLVED_IN"), columns))
    WITH split($cols.start, $row) AS c_start, split($cols.end, $row) AS c_end
    UNWIND range(0, size(c_start) - 1) AS i
    MATCH (a:Person {person_id: c_start[i]})
    MATCH (b:Event {event_id: c_end[i]})
    MERGE (a)-[r:INVOLVED_IN {role: $cols.role[i]}]->(b)
    SET r.last_seen = localdatetime($cols.last_seen[i])
    RETURN count(r) AS written
"""

from __future__ import annotations

from collections.abc import Sequence

from graph.model import GraphModel, NodeSpec, RelationSpec, graph_model
from graph.neo4j_columns import Column

__all__ = [
    "CO_INVOLVED",
    "DOSSIER_EVENTS",
    "DOSSIER_RESIDENTS",
    "PERSON_EVENTS",
    "PERSON_HOMES",
    "PLACES_ABOVE",
    "PLACES_BELOW",
    "REBUILD_ID",
    "clear",
    "count_nodes",
    "count_relations",
    "delete_nodes",
    "detach",
    "edges_around",
    "merge_node",
    "node_by_key",
    "redirect",
    "relations_of",
    "schema",
    "shortest_path",
    "sweep",
    "upsert_nodes",
    "upsert_relations",
]


# the property a full rebuild stamps on everything it writes (`Neo4jGraphStore.rebuilding`)
REBUILD_ID = "rebuild_id"


def schema(model: GraphModel) -> list[str]:
    """Return the statements creating the model's uniqueness constraints and indexes (idempotent)."""
    statements = []
    for spec in model.nodes.values():
        name = spec.label.lower()
        statements.append(
            f"CREATE CONSTRAINT {name}_key IF NOT EXISTS FOR (n:{spec.label}) REQUIRE n.{spec.key} IS UNIQUE"
        )
        statements += [
            f"CREATE INDEX {name}_{prop} IF NOT EXISTS FOR (n:{spec.label}) ON (n.{prop})"
            for prop in spec.indexes
        ]
    return statements


def _source(column: Column) -> str:
    return f"c_{column.name}[i]" if column.packed else f"$cols.{column.name}[i]"


def _value(column: Column) -> str:
    """Return the expression reading row i of a column (see `graph.neo4j_columns`)."""
    cell = _source(column)
    typed = {"datetime": f"localdatetime({cell})", "date": f"date({cell})"}.get(column.kind, cell)
    if not column.packed:
        return typed  # localdatetime(null) and date(null) are null
    if column.kind == "list":
        return f"CASE {cell} WHEN $missing THEN null WHEN '' THEN [] ELSE split({cell}, $item) END"
    return f"CASE {cell} WHEN $missing THEN null ELSE {typed} END"


def _rows(columns: Sequence[Column], first: str) -> str:
    """Return the clauses that split packed columns and walk the rows of a batch as i."""
    packed = [c for c in columns if c.packed]
    splits = ", ".join(f"split($cols.{c.name}, $row) AS c_{c.name}" for c in packed)
    split = f"WITH {splits}\n" if packed else ""
    size = next((f"c_{c.name}" for c in columns if c.name == first and c.packed), f"$cols.{first}")
    return f"{split}UNWIND range(0, size({size}) - 1) AS i\n"


def _assignments(variable: str, columns: Sequence[Column], stamped: bool) -> str:
    sets = [f"{variable}.{column.name} = {_value(column)}" for column in columns]
    sets += [f"{variable}.{REBUILD_ID} = $rebuild"] if stamped else []
    return "\nSET " + ",\n    ".join(sets) if sets else ""


def upsert_nodes(spec: NodeSpec, columns: Sequence[Column], stamped: bool = False) -> str:
    """Return the MERGE of a batch of columns (`graph.neo4j_columns`); the columns given are set.

    `stamped` also sets the rebuild id, parameter $rebuild.
    """
    key = next(c for c in columns if c.name == spec.key)
    others = [c for c in columns if c.name != spec.key]
    return (
        f"{_rows(columns, spec.key)}"
        f"MERGE (n:{spec.label} {{{spec.key}: {_source(key)}}})"
        f"{_assignments('n', others, stamped)}"
    )


def _identity(spec: RelationSpec, columns: Sequence[Column] | None = None) -> str:
    """Return the MERGE map of a relation's identity: from a batch's columns, or from `r` when None."""
    if not spec.identity:
        return ""
    by_name = {c.name: c for c in columns or ()}
    reads = [_source(by_name[name]) if columns is not None else f"r.{name}" for name in spec.identity]
    return " {" + ", ".join(f"{name}: {read}" for name, read in zip(spec.identity, reads, strict=True)) + "}"


def upsert_relations(spec: RelationSpec, columns: Sequence[Column], stamped: bool = False) -> str:
    """Return the MERGE of a relation batch of columns: start, end, identity, the rest set."""
    start, end = graph_model().node(spec.source), graph_model().node(spec.target)
    by_name = {c.name: c for c in columns}
    others = [c for c in columns if c.name not in ("start", "end", *spec.identity)]
    return (
        f"{_rows(columns, 'start')}"
        f"MATCH (a:{start.label} {{{start.key}: {_source(by_name['start'])}}})\n"
        f"MATCH (b:{end.label} {{{end.key}: {_source(by_name['end'])}}})\n"
        f"MERGE (a)-[r:{spec.type}{_identity(spec, columns)}]->(b)"
        f"{_assignments('r', others, stamped)}\n"
        f"RETURN count(r) AS written"
    )


def delete_nodes(spec: NodeSpec) -> str:
    """Return the statement deleting the nodes with keys $keys, and their relations; it counts them."""
    return (
        f"UNWIND $keys AS key\nMATCH (n:{spec.label} {{{spec.key}: key}})\n"
        f"DETACH DELETE n\nRETURN count(*) AS deleted"
    )


def node_by_key(spec: NodeSpec) -> str:
    """Return the statement reading the properties of the node with key $key."""
    return f"MATCH (n:{spec.label} {{{spec.key}: $key}}) RETURN properties(n) AS props"


# provenance of a relation both the old and the new node had: sources united, the widest span
_UNITE = (
    "WITH r, moved, coalesce(moved.sources, []) AS had, moved.first_seen AS first, moved.last_seen AS last\n"
    "SET moved += properties(r)\n"
    "SET moved.sources = had + [s IN coalesce(r.sources, []) WHERE NOT s IN had],\n"
    "    moved.first_seen = CASE WHEN first IS NULL OR r.first_seen < first\n"
    "                       THEN r.first_seen ELSE first END,\n"
    "    moved.last_seen = CASE WHEN last IS NULL OR r.last_seen > last THEN r.last_seen ELSE last END\n"
    "DELETE r\n"
    "RETURN count(*) AS moved"
)


def redirect(node: NodeSpec, spec: RelationSpec, outgoing: bool) -> str:
    """Return the statement moving `spec` relations of node $old onto node $new (which exists).

    `outgoing` picks the relations where the node is the start; a relation that would join the new
    node to itself is dropped with the old node instead.
    """
    match = f"(old:{node.label} {{{node.key}: $old}})"
    pattern = f"{match}-[r:{spec.type}]->(other)" if outgoing else f"(other)-[r:{spec.type}]->{match}"
    moved = (
        f"(new)-[moved:{spec.type}{_identity(spec)}]->(other)"
        if outgoing
        else f"(other)-[moved:{spec.type}{_identity(spec)}]->(new)"
    )
    return (
        f"MATCH {pattern}\n"
        f"MATCH (new:{node.label} {{{node.key}: $new}})\n"
        f"WITH r, other, new WHERE other <> new\n"
        f"MERGE {moved}\n{_UNITE}"
    )


def merge_node(node: NodeSpec) -> str:
    """Return the statement making sure the node with key $key exists."""
    return f"MERGE (n:{node.label} {{{node.key}: $key}})"


def detach(node: NodeSpec) -> str:
    """Return the statement dropping every relation of node $old (a split: they are written again)."""
    return f"MATCH (old:{node.label} {{{node.key}: $old}})-[r]-()\nDELETE r\nRETURN count(r) AS dropped"


def clear(model: GraphModel) -> str:
    """Return the statement deleting every node of the model's labels, in batches."""
    # in batches: one transaction deleting a whole city would need the heap to hold it
    labels = "|".join(model.nodes)
    return f"MATCH (n:{labels}) CALL (n) {{ DETACH DELETE n }} IN TRANSACTIONS OF 10000 ROWS"


def sweep(model: GraphModel) -> list[str]:
    """Return the statements deleting every relation, then node, not stamped with $rebuild."""
    stale = f"coalesce(x.{REBUILD_ID}, '') <> $rebuild"
    relations = [
        f"MATCH ()-[x:{spec.type}]->() WHERE {stale} CALL (x) {{ DELETE x }} IN TRANSACTIONS OF 10000 ROWS"
        for spec in model.relations.values()
    ]
    nodes = [
        f"MATCH (x:{spec.label}) WHERE {stale} CALL (x) {{ DETACH DELETE x }} IN TRANSACTIONS OF 10000 ROWS"
        for spec in model.nodes.values()
    ]
    return relations + nodes


def count_nodes(node: NodeSpec) -> str:
    """Return the statement counting a label's nodes."""
    return f"MATCH (n:{node.label}) RETURN count(n) AS n"


def count_relations(spec: RelationSpec) -> str:
    """Return the statement counting a type's relations."""
    return f"MATCH ()-[r:{spec.type}]->() RETURN count(r) AS n"


PERSON_HOMES = "MATCH (:Person {person_id: $key})-[:LIVES_AT]->(home:Place) RETURN properties(home) AS place"
PERSON_EVENTS = (
    "MATCH (:Person {person_id: $key})-[r:INVOLVED_IN]->(e:Event)\n"
    "OPTIONAL MATCH (e)-[:OCCURRED_AT]->(place:Place)\n"
    "OPTIONAL MATCH (e)-[:PART_OF_CASE]->(c:Case)\n"
    "RETURN r.role AS role, properties(e) AS event, place.place_id AS place_id, c.case_id AS case_id,\n"
    "       properties(c) AS case"
)

PLACES_ABOVE = (
    "MATCH path = (:Place {place_id: $key})-[:PART_OF*1..32]->(up:Place)\n"
    "RETURN properties(up) AS place ORDER BY length(path)"
)
PLACES_BELOW = (
    "MATCH (below:Place)-[:PART_OF*0..32]->(:Place {place_id: $key})\nRETURN properties(below) AS place"
)
DOSSIER_EVENTS = (
    "MATCH (below:Place)-[:PART_OF*0..32]->(:Place {place_id: $key})\n"
    "MATCH (e:Event)-[:OCCURRED_AT]->(below)\n"
    "OPTIONAL MATCH (e)-[:PART_OF_CASE]->(c:Case)\n"
    "OPTIONAL MATCH (p:Person)-[r:INVOLVED_IN]->(e)\n"
    "RETURN properties(e) AS event, below.place_id AS place_id, c.case_id AS case_id,\n"
    "       properties(c) AS case,\n"
    "       collect(CASE WHEN p IS NULL THEN null ELSE [p.person_id, r.role] END) AS people"
)
DOSSIER_RESIDENTS = (
    "MATCH (below:Place)-[:PART_OF*0..32]->(:Place {place_id: $key})\n"
    "MATCH (p:Person)-[:LIVES_AT]->(below)\n"
    "RETURN properties(p) AS person, below.place_id AS place_id"
)

# two MATCH clauses: within one, Cypher uses a relation once, and two people of one event share it
CO_INVOLVED = (
    "MATCH (p:Person {person_id: $key})-[:INVOLVED_IN]->(:Event)-[:PART_OF_CASE]->(c:Case)\n"
    "WITH DISTINCT p, c\n"
    "MATCH (c)<-[:PART_OF_CASE]-(:Event)<-[:INVOLVED_IN]-(other:Person)\n"
    "WHERE other <> p\n"
    "RETURN DISTINCT other.person_id AS person_id, other.name AS name, c.case_id AS case_id"
)


def relations_of(node: NodeSpec) -> str:
    """Return the statement listing every relation of node $key with the node at its other end."""
    return (
        f"MATCH (n:{node.label} {{{node.key}: $key}})-[r]-(m)\n"
        f"RETURN type(r) AS type, startNode(r) = n AS outgoing, labels(m)[0] AS label,\n"
        f"       m[$key_of[labels(m)[0]]] AS other, properties(r) AS props"
    )


def edges_around(node: NodeSpec) -> str:
    """Return the statement listing the relations of nodes $keys of one label, in either direction."""
    return (
        f"MATCH (n:{node.label}) WHERE n.{node.key} IN $keys\n"
        f"MATCH (n)-[r]-(m)\n"
        f"WHERE type(r) IN $types\n"
        f"RETURN n.{node.key} AS key, type(r) AS type, labels(m)[0] AS label,\n"
        f"       m[$key_of[labels(m)[0]]] AS other"
    )


def shortest_path(start: NodeSpec, end: NodeSpec, types: list[str], max_length: int) -> str:
    """Return the statement finding a shortest path from $start to $end over the given relation types."""
    return (
        f"MATCH (a:{start.label} {{{start.key}: $start}}), (b:{end.label} {{{end.key}: $end}})\n"
        f"MATCH p = shortestPath((a)-[:{'|'.join(types)}*..{int(max_length)}]-(b))\n"
        f"RETURN [n IN nodes(p) | [labels(n)[0], n[$key_of[labels(n)[0]]]]] AS nodes,\n"
        f"       [r IN relationships(p) | type(r)] AS types"
    )
