"""Review tables: the pairs a person should decide, and the append-only log of their decisions.

`review_queue` is the latest fusion run's queue (replaced each run, like the resolved tables).
`review_decisions` is never updated or deleted from: a reviewer who changes her mind appends a
row, and the latest row per pair is the one in force (`entity_resolution.review.current_decisions`).
Every fusion run reads the log and obeys it: 'same' pairs are one entity, 'not_same' pairs never.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import sqlalchemy as sa

from cityhub.warehouse.schema import metadata
from entity_resolution.review import DECISIONS

__all__ = [
    "append_decisions",
    "read_decisions",
    "read_review_queue",
    "review_decisions",
    "review_queue_table",
    "write_review_queue",
]

review_queue_table = sa.Table(
    "review_queue",
    metadata,
    sa.Column("entity", sa.String(16), primary_key=True),
    sa.Column("left_id", sa.String(128), primary_key=True),
    sa.Column("right_id", sa.String(128), primary_key=True),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("probability", sa.Float, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("queued_at", sa.DateTime, nullable=False),
)

review_decisions = sa.Table(
    "review_decisions",
    metadata,
    sa.Column("decision_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("entity", sa.String(16), nullable=False),
    sa.Column("left_id", sa.String(128), nullable=False),
    sa.Column("right_id", sa.String(128), nullable=False),
    sa.Column("decision", sa.String(16), nullable=False),
    sa.Column("who", sa.String(128), nullable=False),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Index(None, "entity", "left_id", "right_id"),
)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def write_review_queue(connection: sa.Connection, entity: str, queue: pd.DataFrame, at: dt.datetime) -> int:
    """Replace one entity's queue (left, right, score, probability, reason) inside a transaction."""
    connection.execute(review_queue_table.delete().where(review_queue_table.c.entity == entity))
    if queue.empty:
        return 0
    rows = pd.DataFrame(
        {
            "entity": entity,
            "left_id": queue["left"].astype(str).to_numpy(),
            "right_id": queue["right"].astype(str).to_numpy(),
            "score": queue["score"].astype(float).to_numpy(),
            "probability": queue["probability"].astype(float).to_numpy(),
            "reason": queue["reason"].astype(str).to_numpy(),
            "queued_at": at,
        }
    ).drop_duplicates(["left_id", "right_id"])
    connection.execute(review_queue_table.insert(), _records(rows))
    return len(rows)


def read_review_queue(engine: sa.Engine, entity: str = "person") -> pd.DataFrame:
    """Return the pairs waiting for a decision, most uncertain first."""
    query = sa.select(review_queue_table).where(review_queue_table.c.entity == entity)
    with engine.connect() as connection:
        frame = pd.read_sql(query, connection)
    order = (frame["probability"] - 0.5).abs().argsort(kind="stable")
    return frame.iloc[order].reset_index(drop=True)


def append_decisions(engine: sa.Engine, entity: str, decisions: pd.DataFrame) -> int:
    """Append decisions (left, right, decision, who, at) to the log; earlier rows are never touched."""
    if decisions.empty:
        return 0
    bad = ~decisions["decision"].isin(DECISIONS)
    if bad.any():
        raise ValueError(
            f"decision {decisions.loc[bad, 'decision'].iloc[0]!r} is neither 'same' nor 'not_same'"
        )
    same_record = decisions["left"].astype(str) == decisions["right"].astype(str)
    if same_record.any():
        raise ValueError(f"decision on record {decisions.loc[same_record, 'left'].iloc[0]!r} with itself")
    now = dt.datetime.now().replace(microsecond=0)
    at = decisions["at"] if "at" in decisions else pd.Series(now, index=decisions.index)
    rows = pd.DataFrame(
        {
            "entity": entity,
            "left_id": decisions["left"].astype(str).to_numpy(),
            "right_id": decisions["right"].astype(str).to_numpy(),
            "decision": decisions["decision"].to_numpy(),
            "who": decisions["who"].fillna("").astype(str).to_numpy(),
            "at": pd.to_datetime(at).fillna(pd.Timestamp(now)).dt.to_pydatetime(),
        }
    )
    with engine.begin() as connection:
        connection.execute(review_decisions.insert(), _records(rows))
    return len(rows)


def read_decisions(engine: sa.Engine, entity: str = "person") -> pd.DataFrame:
    """Return one entity's decision log (left, right, decision, who, at) in the order it was written."""
    query = (
        sa.select(review_decisions)
        .where(review_decisions.c.entity == entity)
        .order_by(review_decisions.c.decision_id)
    )
    with engine.connect() as connection:
        frame = pd.read_sql(query, connection)
    return pd.DataFrame(
        {
            "left": frame["left_id"].astype(object),
            "right": frame["right_id"].astype(object),
            "decision": frame["decision"].astype(object),
            "who": frame["who"].astype(object),
            "at": pd.to_datetime(frame["at"]),
        }
    )
