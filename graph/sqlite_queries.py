"""The embedded store's SQL, in one place: schema, writes and the walks its queries make.

Sets of refs travel as one JSON array parameter read with `json_each`, so a query has a fixed
text whatever the size of the set (no variable limit, one prepared statement).
"""

from __future__ import annotations

from graph.model import GraphModel

_IN = "IN (SELECT value FROM json_each(?))"


def schema(model: GraphModel) -> list[str]:
    """Return the statements creating the tables and the model's indexes (idempotent)."""
    statements = [
        "CREATE TABLE IF NOT EXISTS nodes (ref TEXT PRIMARY KEY, label TEXT NOT NULL, props TEXT NOT NULL)"
        " WITHOUT ROWID",
        "CREATE TABLE IF NOT EXISTS relations (source TEXT NOT NULL, type TEXT NOT NULL,"
        " target TEXT NOT NULL, ident TEXT NOT NULL, props TEXT NOT NULL,"
        " PRIMARY KEY (source, type, target, ident)) WITHOUT ROWID",
        "CREATE INDEX IF NOT EXISTS relations_in ON relations (target, type)",
    ]
    for spec in model.nodes.values():
        for prop in spec.indexes:
            statements.append(
                f"CREATE INDEX IF NOT EXISTS node_{spec.label.lower()}_{prop} "
                f"ON nodes (json_extract(props, '$.{prop}')) WHERE label = '{spec.label}'"
            )
    return statements


UPSERT_NODE = (
    "INSERT INTO nodes (ref, label, props) VALUES (?, ?, ?) "
    "ON CONFLICT (ref) DO UPDATE SET props = json_patch(nodes.props, excluded.props)"
)
INSERT_NODE_IF_MISSING = "INSERT INTO nodes (ref, label, props) VALUES (?, ?, ?) ON CONFLICT (ref) DO NOTHING"
# a relation whose end is not in the graph is skipped, as Neo4j's MATCH ... MERGE skips it
UPSERT_RELATION = (
    "INSERT INTO relations (source, type, target, ident, props) "
    "SELECT :source, :type, :target, :ident, :props "
    "WHERE EXISTS (SELECT 1 FROM nodes WHERE ref = :source) "
    "AND EXISTS (SELECT 1 FROM nodes WHERE ref = :target) "
    "ON CONFLICT (source, type, target, ident) "
    "DO UPDATE SET props = json_patch(relations.props, excluded.props)"
)
PUT_RELATION = (
    "INSERT INTO relations (source, type, target, ident, props) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (source, type, target, ident) DO UPDATE SET props = excluded.props"
)
RELATION_PROPS = "SELECT props FROM relations WHERE source = ? AND type = ? AND target = ? AND ident = ?"
RELATIONS_TOUCHING = (
    "SELECT source, type, target, ident, props FROM relations WHERE source = ? "
    "UNION SELECT source, type, target, ident, props FROM relations WHERE target = ?"
)
DELETE_RELATIONS_OF = f"DELETE FROM relations WHERE source {_IN} OR target {_IN}"
DELETE_NODES = f"DELETE FROM nodes WHERE ref {_IN}"

NODE_EXISTS = "SELECT 1 FROM nodes WHERE ref = ?"
COUNT_NODES = "SELECT label, count(*) FROM nodes GROUP BY label"
COUNT_RELATIONS = "SELECT type, count(*) FROM relations GROUP BY type"
NODES_BY_REF = f"SELECT ref, label, props FROM nodes WHERE ref {_IN}"
TARGETS_OF = f"SELECT source, target FROM relations WHERE source {_IN} AND type = ?"
SOURCES_INTO = f"SELECT source, target FROM relations WHERE target {_IN} AND type = ?"
RELATIONS_FROM = "SELECT target, props FROM relations WHERE source = ? AND type = ?"
INVOLVED_IN_EVENTS = (
    f"SELECT target, source, props FROM relations WHERE target {_IN} AND type = 'INVOLVED_IN'"
)

PLACES_BELOW = (
    "WITH RECURSIVE below(ref) AS (SELECT ? UNION "
    "SELECT r.source FROM relations r JOIN below b ON r.target = b.ref AND r.type = 'PART_OF') "
    "SELECT ref FROM below"
)
# the depth bound stops a walk that a bad parent_id turned into a cycle
PLACES_ABOVE = (
    "WITH RECURSIVE above(ref, depth) AS (SELECT ?, 0 UNION "
    "SELECT r.target, a.depth + 1 FROM relations r JOIN above a ON r.source = a.ref AND r.type = 'PART_OF' "
    "WHERE a.depth < 32) "
    "SELECT ref FROM above WHERE depth > 0 ORDER BY depth"
)

EDGES_AROUND = (
    "SELECT source, type, target FROM relations WHERE source IN (SELECT value FROM json_each(:frontier)) "
    "AND type IN (SELECT value FROM json_each(:types)) "
    "UNION ALL "
    "SELECT target, type, source FROM relations WHERE target IN (SELECT value FROM json_each(:frontier)) "
    "AND type IN (SELECT value FROM json_each(:types))"
)

CO_INVOLVED = (
    "SELECT DISTINCT other.source, json_extract(n.props, '$.name'), mine_case.target "
    "FROM relations mine "
    "JOIN relations mine_case ON mine_case.source = mine.target AND mine_case.type = 'PART_OF_CASE' "
    "JOIN relations their_case ON their_case.target = mine_case.target AND their_case.type = 'PART_OF_CASE' "
    "JOIN relations other ON other.target = their_case.source AND other.type = 'INVOLVED_IN' "
    "JOIN nodes n ON n.ref = other.source "
    "WHERE mine.source = :person AND mine.type = 'INVOLVED_IN' AND other.source <> :person"
)
