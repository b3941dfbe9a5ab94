"""quarantine kept masked and sealed; source_runs for `cityhub status`

The quarantine's `raw` column held raw rows in clear (ID numbers, phones). Existing rows are
sealed with the hub's quarantine key (so they can still be replayed) and their `raw` masked.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 02:00:00
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.add_column(sa.Column("raw_sealed", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("replayable", sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column("quarantined_at", sa.DateTime(), nullable=True))
    op.create_table(
        "source_runs",
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("last_run_at", sa.DateTime(), nullable=False),
        sa.Column("last_ok_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_source_runs")),
    )
    _seal_existing_rows()


def _seal_existing_rows() -> None:
    from cityhub.config import get_settings
    from cityhub.warehouse.sealed import KEY_FILE, QuarantineSeal, masked_raw

    connection = op.get_bind()
    table = sa.table(
        "quarantine",
        sa.column("source"),
        sa.column("batch_id"),
        sa.column("row_number"),
        sa.column("raw"),
        sa.column("raw_sealed"),
    )
    rows = connection.execute(sa.select(table)).mappings().all()
    if not rows:
        return
    seal = QuarantineSeal(get_settings().home / KEY_FILE)
    for row in rows:
        clear = json.loads(row["raw"])
        connection.execute(
            table.update()
            .where(
                (table.c.source == row["source"])
                & (table.c.batch_id == row["batch_id"])
                & (table.c.row_number == row["row_number"])
            )
            .values(raw=masked_raw(clear), raw_sealed=seal.seal(clear))
        )


def downgrade() -> None:
    op.drop_table("source_runs")
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.drop_column("quarantined_at")
        batch_op.drop_column("replayable")
        batch_op.drop_column("raw_sealed")
