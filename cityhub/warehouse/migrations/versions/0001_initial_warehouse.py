"""initial warehouse

Revision ID: 0001
Revises:
Create Date: 2026-11-23 09:08:07.630091
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "batches",
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("batch_id", sa.String(length=64), nullable=False),
        sa.Column("watermark_from", sa.String(length=32), nullable=False),
        sa.Column("watermark_to", sa.String(length=32), nullable=False),
        sa.Column("extracted", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("quarantined", sa.Integer(), nullable=False),
        sa.Column("schema_fingerprint", sa.String(length=32), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("loaded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("source", "batch_id", name=op.f("pk_batches")),
    )
    op.create_table(
        "event_records",
        sa.Column("source", sa.String(length=512), nullable=False),
        sa.Column("record_id", sa.String(length=512), nullable=False),
        sa.Column("category", sa.String(length=255), nullable=False),
        sa.Column("source_category_code", sa.String(length=512), nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("reported_at", sa.DateTime(), nullable=True),
        sa.Column("status", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("address", sa.String(length=512), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("batch_id", sa.String(length=512), nullable=False),
        sa.PrimaryKeyConstraint("source", "record_id", name=op.f("pk_event_records")),
    )
    with op.batch_alter_table("event_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_records_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "person_mentions",
        sa.Column("source", sa.String(length=512), nullable=False),
        sa.Column("mention_id", sa.String(length=512), nullable=False),
        sa.Column("record_id", sa.String(length=512), nullable=False),
        sa.Column("role", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=512), nullable=True),
        sa.Column("id_number", sa.String(length=512), nullable=True),
        sa.Column("phone", sa.String(length=512), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("gender", sa.String(length=255), nullable=True),
        sa.Column("address", sa.String(length=512), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("batch_id", sa.String(length=512), nullable=False),
        sa.PrimaryKeyConstraint("source", "mention_id", name=op.f("pk_person_mentions")),
    )
    with op.batch_alter_table("person_mentions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_person_mentions_source_record_id"), ["source", "record_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_person_mentions_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "place_mentions",
        sa.Column("source", sa.String(length=512), nullable=False),
        sa.Column("mention_id", sa.String(length=512), nullable=False),
        sa.Column("record_id", sa.String(length=512), nullable=False),
        sa.Column("address", sa.String(length=512), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("batch_id", sa.String(length=512), nullable=False),
        sa.PrimaryKeyConstraint("source", "mention_id", name=op.f("pk_place_mentions")),
    )
    with op.batch_alter_table("place_mentions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_place_mentions_source_record_id"), ["source", "record_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_place_mentions_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "quarantine",
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("batch_id", sa.String(length=64), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.String(length=128), nullable=True),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("source", "batch_id", "row_number", name=op.f("pk_quarantine")),
    )
    op.create_table(
        "watermarks",
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("watermark", sa.String(length=32), nullable=False),
        sa.Column("batch_id", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_watermarks")),
    )


def downgrade() -> None:
    op.drop_table("watermarks")
    op.drop_table("quarantine")
    with op.batch_alter_table("place_mentions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_place_mentions_updated_at"))
        batch_op.drop_index(batch_op.f("ix_place_mentions_source_record_id"))

    op.drop_table("place_mentions")
    with op.batch_alter_table("person_mentions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_mentions_updated_at"))
        batch_op.drop_index(batch_op.f("ix_person_mentions_source_record_id"))

    op.drop_table("person_mentions")
    with op.batch_alter_table("event_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_records_updated_at"))

    op.drop_table("event_records")
    op.drop_table("batches")
