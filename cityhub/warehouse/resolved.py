"""Resolved tables: who is who, which place is which, which events are one case.

The fusion step writes them into the warehouse beside the canonical records; the graph and the
search index are projections of these tables. List values (phones, addresses, sources) are JSON
text so every dialect stores them alike. `changed_at` is the fusion run in which a row last
changed: an incremental projection reads the rows changed since its last run.
"""

from __future__ import annotations

import sqlalchemy as sa

from cityhub.warehouse.schema import metadata

__all__ = ["JSON_COLUMNS", "RESOLVED_TABLES", "projection_runs"]


def _id(name: str, primary: bool = True) -> sa.Column[str]:
    return sa.Column(name, sa.String(128), primary_key=primary, nullable=not primary)


def _changed() -> sa.Column[object]:
    return sa.Column("changed_at", sa.DateTime, nullable=False, index=True)


RESOLVED_TABLES: dict[str, sa.Table] = {
    "people": sa.Table(
        "resolved_people",
        metadata,
        _id("person_id"),
        sa.Column("name", sa.String(128)),
        sa.Column("name_pinyin", sa.String(255)),
        sa.Column("id_number", sa.String(32)),
        sa.Column("gender", sa.String(1)),
        sa.Column("birth_date", sa.Date),
        sa.Column("phones", sa.Text),
        sa.Column("addresses", sa.Text),
        sa.Column("first_seen", sa.DateTime),
        sa.Column("last_seen", sa.DateTime),
        _changed(),
    ),
    "person_mentions": sa.Table(
        "resolved_person_mentions",
        metadata,
        _id("source"),
        _id("mention_id"),
        _id("record_id", False),
        sa.Column("person_id", sa.String(128), nullable=False, index=True),
        sa.Column("role", sa.String(32)),
        sa.Column("name", sa.String(128)),
        sa.Column("id_number", sa.String(64)),
        sa.Column("phone", sa.String(128)),
        sa.Column("address", sa.String(512)),
        _id("place_id", False),
        sa.Column("updated_at", sa.DateTime),
        _changed(),
    ),
    "places": sa.Table(
        "resolved_places",
        metadata,
        _id("place_id"),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("name", sa.String(255)),
        sa.Column("full_address", sa.String(512)),
        sa.Column("parent_id", sa.String(128), index=True),
        _id("grid_id", False),
        _changed(),
    ),
    "grids": sa.Table(
        "resolved_grids",
        metadata,
        _id("grid_id"),
        sa.Column("name", sa.String(128)),
        _id("community_id", False),
        _changed(),
    ),
    "events": sa.Table(
        "resolved_events",
        metadata,
        _id("event_id"),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("record_id", sa.String(128), nullable=False),
        sa.Column("category", sa.String(64)),
        sa.Column("occurred_at", sa.DateTime),
        sa.Column("status", sa.String(32)),
        sa.Column("description", sa.Text),
        sa.Column("address", sa.String(512)),
        sa.Column("place_id", sa.String(128), index=True),
        sa.Column("case_id", sa.String(128), index=True),
        sa.Column("updated_at", sa.DateTime),
        sa.Column("handling_department", sa.String(255)),
        sa.Column("satisfaction", sa.String(32)),
        sa.Column("closed_at", sa.DateTime),  # the first version at resolved or closed
        sa.Column("handling_hours", sa.Float),  # from received_at to closed_at
        sa.Column("received_at", sa.DateTime),  # occurred_at, or its first version when only a day is given
        sa.Column("due_at", sa.DateTime),  # received_at + the time limit of its case's category
        sa.Column("overdue", sa.Boolean),
        sa.Column("on_time", sa.Boolean),
        _changed(),
    ),
    "event_people": sa.Table(
        "resolved_event_people",
        metadata,
        _id("event_id"),
        _id("person_id"),
        _id("role"),
        _changed(),
    ),
    "cases": sa.Table(
        "resolved_cases",
        metadata,
        _id("case_id"),
        sa.Column("category", sa.String(64)),
        sa.Column("opened_at", sa.DateTime),
        sa.Column("last_activity_at", sa.DateTime),
        sa.Column("escalating", sa.Boolean),
        sa.Column("escalation_reason", sa.String(255)),
        sa.Column("sources", sa.Text),
        sa.Column("status", sa.String(16)),  # open / closed
        sa.Column("responsible_department", sa.String(64)),  # the taxonomy's department code
        sa.Column("due_at", sa.DateTime),  # opened_at + the category's time limit
        sa.Column("closed_at", sa.DateTime),
        sa.Column("overdue", sa.Boolean),  # open past due as of the run, or closed after due
        sa.Column("on_time", sa.Boolean),  # null while open and not yet due
        sa.Column("satisfaction", sa.String(32)),  # the latest reported of its events
        _changed(),
    ),
    "id_changes": sa.Table(
        "resolved_id_changes",
        metadata,
        sa.Column("change_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("entity", sa.String(16), nullable=False),
        sa.Column("old_id", sa.String(128), nullable=False),
        sa.Column("new_id", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("records", sa.Integer),
        sa.Column("at", sa.DateTime, nullable=False, index=True),
    ),
}

JSON_COLUMNS = {"people": ("phones", "addresses"), "cases": ("sources",)}

# One row per projection (graph, search): the fusion run it has caught up with.
projection_runs = sa.Table(
    "projection_runs",
    metadata,
    sa.Column("projection", sa.String(32), primary_key=True),
    sa.Column("caught_up_to", sa.DateTime, nullable=False),
    sa.Column("projected_at", sa.DateTime, nullable=False),
)
