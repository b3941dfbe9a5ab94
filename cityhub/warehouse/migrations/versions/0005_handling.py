"""handling: status history, handling department and satisfaction, time limits, grids

Event records gain the handling department and the resident's satisfaction, place mentions the
grid code; `record_status_history` keeps every version's status (the record tables keep only the
latest); resolved events gain when they were closed and how long handling took, resolved cases
their status, responsible department, due and closed times, overdue / on time and satisfaction.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_EVENT_COLUMNS = (
    ("handling_department", sa.String(length=255)),
    ("satisfaction", sa.String(length=32)),
    ("closed_at", sa.DateTime()),
    ("handling_hours", sa.Float()),
    ("received_at", sa.DateTime()),
    ("due_at", sa.DateTime()),
    ("overdue", sa.Boolean()),
    ("on_time", sa.Boolean()),
)
_CASE_COLUMNS = (
    ("status", sa.String(length=16)),
    ("responsible_department", sa.String(length=64)),
    ("due_at", sa.DateTime()),
    ("closed_at", sa.DateTime()),
    ("overdue", sa.Boolean()),
    ("on_time", sa.Boolean()),
    ("satisfaction", sa.String(length=32)),
)


def upgrade() -> None:
    with op.batch_alter_table("event_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("handling_department", sa.String(length=512), nullable=True))
        batch_op.add_column(sa.Column("satisfaction", sa.String(length=255), nullable=True))
    with op.batch_alter_table("place_mentions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("grid_code", sa.String(length=512), nullable=True))
    with op.batch_alter_table("resolved_events", schema=None) as batch_op:
        for name, kind in _EVENT_COLUMNS:
            batch_op.add_column(sa.Column(name, kind, nullable=True))
    with op.batch_alter_table("resolved_cases", schema=None) as batch_op:
        for name, kind in _CASE_COLUMNS:
            batch_op.add_column(sa.Column(name, kind, nullable=True))
    op.create_table(
        "record_status_history",
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.String(length=512), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("batch_id", sa.String(length=512), nullable=False),
        sa.PrimaryKeyConstraint("source", "record_id", "updated_at", name=op.f("pk_record_status_history")),
    )
    _history_of_stored_versions()


def _history_of_stored_versions() -> None:
    """Start the history with the version each record table holds now (older ones are gone)."""
    op.execute(
        "INSERT INTO record_status_history (source, record_id, updated_at, status, batch_id) "
        "SELECT source, record_id, updated_at, status, batch_id FROM event_records"
    )


def downgrade() -> None:
    op.drop_table("record_status_history")
    with op.batch_alter_table("resolved_cases", schema=None) as batch_op:
        for name, _ in reversed(_CASE_COLUMNS):
            batch_op.drop_column(name)
    with op.batch_alter_table("resolved_events", schema=None) as batch_op:
        for name, _ in reversed(_EVENT_COLUMNS):
            batch_op.drop_column(name)
    with op.batch_alter_table("place_mentions", schema=None) as batch_op:
        batch_op.drop_column("grid_code")
    with op.batch_alter_table("event_records", schema=None) as batch_op:
        batch_op.drop_column("satisfaction")
        batch_op.drop_column("handling_department")
