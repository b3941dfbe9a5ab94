"""stats_speed: each hot-spot entity's cases of all time, the statistics roll-ups by source and district
(daily and monthly) and by grid and major category (monthly), the daily roll-ups by community, by
district with category and department, and by street with major category, and the quarterly table

The new rows are sums of rows already in the tables (the daily and monthly whole, the monthly
roll-ups), so they are filled here from them and the aggregates stay whole until the next fusion run
rebuilds them.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
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
NEW_ROLLUPS = (
    ("stats_daily", "day", "source_district", ("source", "district_id")),
    ("stats_daily", "day", "community", ("source", "district_id", "street_id", "community_id")),
    ("stats_daily", "day", "district", ("category", "major", "source", "district_id", "department")),
    ("stats_daily", "day", "street_major", ("major", "source", "district_id", "street_id")),
    ("stats_monthly", "month", "source_district", ("source", "district_id")),
    (
        "stats_monthly",
        "month",
        "grid_major",
        ("major", "source", "district_id", "street_id", "community_id", "grid_id"),
    ),
)


def _rollup_from_whole(table: str, period: str, cuboid: str, kept: tuple[str, ...]) -> None:
    dimensions = ", ".join(d if d in kept else f"'' AS {d}" for d in DIMENSIONS)
    sums = ", ".join(f"SUM({m})" for m in MEASURES)
    op.execute(
        f"INSERT INTO {table} (cuboid, {period}, {', '.join(DIMENSIONS)}, {', '.join(MEASURES)}) "
        f"SELECT '{cuboid}', {period}, {dimensions}, {sums} FROM {table} WHERE cuboid = 'all' "
        f"GROUP BY {period}, {', '.join(kept)}"
    )


def _quarterly() -> None:
    op.create_table(
        "stats_quarterly",
        sa.Column("cuboid", sa.String(length=16), nullable=False),
        sa.Column("quarter", sa.Date(), nullable=False),
        *(sa.Column(d, sa.String(length=128), nullable=False) for d in DIMENSIONS),
        *(sa.Column(m, sa.Integer(), nullable=False) for m in MEASURES),
        sa.PrimaryKeyConstraint("cuboid", "quarter", *DIMENSIONS, name=op.f("pk_stats_quarterly")),
    )
    for column in ("major", "community_id"):
        index = f"ix_stats_quarterly_cuboid_{column}_quarter"
        op.create_index(op.f(index), "stats_quarterly", ["cuboid", column, "quarter"], unique=False)

    def columns(period: str) -> list[sa.ColumnClause[object]]:
        return [
            sa.column("cuboid", sa.String),
            sa.column(period, sa.Date),
            *(sa.column(d, sa.String) for d in DIMENSIONS),
            *(sa.column(m, sa.Integer) for m in MEASURES),
        ]

    monthly = sa.table("stats_monthly", *columns("month"))
    quarterly = sa.table("stats_quarterly", *columns("quarter"))
    connection = op.get_bind()
    sums: dict[tuple[object, ...], list[int]] = {}
    rows = connection.execute(sa.select(monthly).where(monthly.c.cuboid != "all"))
    for row in rows:
        quarter = row.month.replace(month=(row.month.month - 1) // 3 * 3 + 1, day=1)
        key = (row.cuboid, quarter, *(getattr(row, d) for d in DIMENSIONS))
        total = sums.setdefault(key, [0] * len(MEASURES))
        for i, m in enumerate(MEASURES):
            total[i] += getattr(row, m)
    names = ("cuboid", "quarter", *DIMENSIONS, *MEASURES)
    records = [dict(zip(names, (*key, *total), strict=True)) for key, total in sums.items()]
    for start in range(0, len(records), 50_000):
        connection.execute(quarterly.insert(), records[start : start + 50_000])


def upgrade() -> None:
    op.create_table(
        "stats_hotspot_entities",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("entity_id", sa.String(length=128), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "entity_id", name=op.f("pk_stats_hotspot_entities")),
    )
    op.create_index(
        op.f("ix_stats_hotspot_entities_kind_cases"),
        "stats_hotspot_entities",
        ["kind", "cases", "entity_id"],
        unique=False,
    )
    op.execute(
        "INSERT INTO stats_hotspot_entities (kind, entity_id, cases) "
        "SELECT kind, entity_id, COUNT(*) FROM stats_hotspots GROUP BY kind, entity_id"
    )
    for table, period, cuboid, kept in NEW_ROLLUPS:
        _rollup_from_whole(table, period, cuboid, kept)
    _quarterly()  # from the monthly roll-ups, the new ones included


def downgrade() -> None:
    for column in ("major", "community_id"):
        op.drop_index(op.f(f"ix_stats_quarterly_cuboid_{column}_quarter"), table_name="stats_quarterly")
    op.drop_table("stats_quarterly")
    for table, _, cuboid, _ in NEW_ROLLUPS:
        op.execute(f"DELETE FROM {table} WHERE cuboid = '{cuboid}'")
    op.drop_index(op.f("ix_stats_hotspot_entities_kind_cases"), table_name="stats_hotspot_entities")
    op.drop_table("stats_hotspot_entities")
