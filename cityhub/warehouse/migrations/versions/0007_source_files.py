"""source_files: the dropped files each stream has read, known by their checksum

A petition file dropped late (dated at or before the watermark) was never read, because files were
known by their date. The files read from now on are kept with their checksum; those read before
are left as they were (read by date).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 05:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "source_files",
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("file_day", sa.String(length=8), nullable=False),
        sa.Column("batch_id", sa.String(length=64), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("source", "sha256", name=op.f("pk_source_files")),
    )


def downgrade() -> None:
    op.drop_table("source_files")
