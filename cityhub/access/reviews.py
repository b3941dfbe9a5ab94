"""Review decisions from the API: "same person" / "not this person" on a person's source record.

Each decision is appended to the warehouse's append-only review log (`review_decisions`, see
`cityhub.warehouse.review`), one row per pair of the record with each other record of the person,
so the next fusion run obeys it. The reviewer's note goes to the audit, not the log.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from cityhub.warehouse import Warehouse
from cityhub.warehouse.resolved import RESOLVED_TABLES
from cityhub.warehouse.review import append_decisions, review_decisions
from ontology.errors import BadInput, NotFound

__all__ = ["DECISIONS_TABLE", "record_review"]

DECISIONS_TABLE = review_decisions


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
    rows = pd.DataFrame(
        {
            "left": [min(mine, o) for o in others],
            "right": [max(mine, o) for o in others],
            "decision": decision,
            "who": who,
            "at": at,
        }
    )
    warehouse.create_all()
    written = append_decisions(warehouse.engine, "person", rows)
    return {
        "person_id": person_id,
        "record": record,
        "decision": decision,
        "pairs": written,
        "at": at.isoformat(),
    }
