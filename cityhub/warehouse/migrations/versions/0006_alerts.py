"""statistics aggregates, hot spots, residents per community, alerts and webhook deliveries

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

DIMENSIONS = (
    "category",
    "major",
    "source",
    "district_id",
    "street_id",
    "community_id",
    "grid_id",
    "department",
)
MEASURES = (
    "events",
    "cases",
    "closed",
    "on_time",
    "overdue",
    "rated",
    "satisfied",
    "basically_satisfied",
    "unsatisfied",
)


def _aggregate(name: str, period: str) -> None:
    op.create_table(
        name,
        sa.Column("cuboid", sa.String(length=16), nullable=False),
        sa.Column(period, sa.Date(), nullable=False),
        *(sa.Column(d, sa.String(length=128), nullable=False) for d in DIMENSIONS),
        *(sa.Column(m, sa.Integer(), nullable=False) for m in MEASURES),
        sa.PrimaryKeyConstraint("cuboid", period, *DIMENSIONS, name=op.f(f"pk_{name}")),
    )
    for column in ("major", "community_id"):
        index = f"ix_{name}_cuboid_{column}_{period}"
        op.create_index(op.f(index), name, ["cuboid", column, period], unique=False)


def upgrade() -> None:
    _aggregate("stats_daily", "day")
    _aggregate("stats_monthly", "month")
    op.create_table(
        "stats_hotspots",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("entity_id", sa.String(length=128), nullable=False),
        sa.Column("case_id", sa.String(length=128), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("district_id", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("kind", "entity_id", "case_id", name=op.f("pk_stats_hotspots")),
    )
    op.create_index(
        op.f("ix_stats_hotspots_covering"),
        "stats_hotspots",
        ["kind", "entity_id", "day", "source", "district_id", "case_id"],
        unique=False,
    )
    op.create_table(
        "stats_residents",
        sa.Column("community_id", sa.String(length=128), nullable=False),
        sa.Column("district_id", sa.String(length=128), nullable=False),
        sa.Column("residents", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("community_id", name=op.f("pk_stats_residents")),
    )
    op.create_table(
        "alerts",
        sa.Column("alert_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject_kind", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.String(length=255), nullable=False),
        sa.Column("district_id", sa.String(length=128), nullable=True),
        sa.Column("sources", sa.Text(), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("first_seen", sa.DateTime(), nullable=False),
        sa.Column("last_seen", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("alert_id", name=op.f("pk_alerts")),
    )
    op.create_index(op.f("ix_alerts_updated_at"), "alerts", ["updated_at"], unique=False)
    op.create_table(
        "alert_deliveries",
        sa.Column("delivery_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("subscriber", sa.String(length=128), nullable=False),
        sa.Column("batch_id", sa.String(length=64), nullable=False),
        sa.Column("alerts", sa.Integer(), nullable=False),
        sa.Column("up_to", sa.DateTime(), nullable=False),
        sa.Column("up_to_id", sa.String(length=64), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=255), nullable=True),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("delivery_id", name=op.f("pk_alert_deliveries")),
    )
    op.create_index(op.f("ix_alert_deliveries_subscriber"), "alert_deliveries", ["subscriber"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_alert_deliveries_subscriber"), table_name="alert_deliveries")
    op.drop_table("alert_deliveries")
    op.drop_index(op.f("ix_alerts_updated_at"), table_name="alerts")
    op.drop_table("alerts")
    op.drop_table("stats_residents")
    op.drop_index(op.f("ix_stats_hotspots_covering"), table_name="stats_hotspots")
    op.drop_table("stats_hotspots")
    op.drop_table("stats_monthly")
    op.drop_table("stats_daily")
