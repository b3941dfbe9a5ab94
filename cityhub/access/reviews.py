"""Review decisions from the API: "same person" / "not this person" on a person's source record.

Each decision is appended to the warehouse table `review_decisions` in the shape of
`entity_resolution.review`'s log (left, right, decision, who, at: record ids, 'same' or
'not_same'), one row per pair of the record with each other record of the person, so the next
fusion run that reads the log obeys it. The table is created here when the warehouse lacks it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from cityhub.warehouse import Warehouse
from cityhub.warehouse.resolved import RESOLVED_TABLES
from ontology.errors import BadInput, NotFound

__all__ = ["DECISIONS_TABLE", "record_review"]

_meta = sa.MetaData()
DECISIONS_TABLE = sa.Table(
    "review_decisions",
    _meta,
    sa.Column("decision_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("entity", sa.String(16), nullable=False),
    sa.Column("left", sa.String(80), nullable=False),
    sa.Column("right", sa.String(80), nullable=False),
    sa.Column("decision", sa.String(16), nullable=False),
    sa.Column("who", sa.String(64), nullable=False),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("note", sa.String(200)),
)


def record_review(
    warehouse: Warehouse, person_id: str, record: str, decision: str, who: str, note: str | None
) -> dict[str, Any]:
    """Append the decision that `record` ("source:record_id") is or is not `person_id`; return it."""
    if decision not in ("same", "not_same"):
        raise BadInput("decision is 'same' or 'not_same'")
    source, _, record_id = record.partition(":")
    table = RESOLVED_TABLES["person_mentions"]
    mentions = warehouse.read_table(table.name, table.c.person_id == person_id)
    if mentions.empty:
        raise NotFound(f"person {person_id!r} is not known")
    chosen = mentions[(mentions["source"] == source) & (mentions["record_id"].astype(str) == record_id)]
    if chosen.empty and decision == "not_same":
        raise NotFound(f"record {record!r} is not one of person {person_id!r}'s records")
    mine = str(chosen.iloc[0]["mention_id"]) if len(chosen) else f"{source}:{record_id}"
    others = [str(m) for m in mentions["mention_id"] if str(m) != mine]
    at = dt.datetime.now().replace(microsecond=0)
    rows = [
        {
            "entity": "person",
            "left": min(mine, o),
            "right": max(mine, o),
            "decision": decision,
            "who": who,
            "at": at,
            "note": note,
        }
        for o in others
    ]
    _meta.create_all(warehouse.engine, tables=[DECISIONS_TABLE])
    if rows:
        with warehouse.engine.begin() as connection:
            connection.execute(sa.insert(DECISIONS_TABLE), rows)
    return {
        "person_id": person_id,
        "record": record,
        "decision": decision,
        "pairs": len(rows),
        "at": at.isoformat(),
    }
