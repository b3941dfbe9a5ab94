"""Warehouse tables: the canonical record tables are generated from the ontology; bookkeeping
tables (batches, watermarks, quarantine, source runs) are declared here.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from ontology import RecordType, load_ontology

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
    }
)

_SQL_TYPES: dict[str, sa.types.TypeEngine[Any]] = {
    "integer": sa.BigInteger(),
    "boolean": sa.Boolean(),
    "date": sa.Date(),
    "datetime": sa.DateTime(),
    "text": sa.Text(),
}


def table_name(record_type: RecordType) -> str:
    """Return the warehouse table of a record type: `PersonMention` -> `person_mentions`."""
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", record_type.name).lower()
    return snake + "s"


def _record_table(record_type: RecordType) -> sa.Table:
    columns = [
        sa.Column(
            column.name,
            _SQL_TYPES.get(column.type, sa.String(255 if column.type != "string" else 512)),
            nullable=not column.required,
            primary_key=column.name in record_type.key,
        )
        for column in record_type.columns
    ]
    table = sa.Table(table_name(record_type), metadata, *columns)
    sa.Index(None, table.c.updated_at)
    if "record_id" in table.c and "record_id" not in record_type.key:
        sa.Index(None, table.c.source, table.c.record_id)
    return table


RECORD_TABLES: dict[str, sa.Table] = {
    name: _record_table(record_type) for name, record_type in load_ontology().records.items()
}

batches = sa.Table(
    "batches",
    metadata,
    sa.Column("source", sa.String(64), primary_key=True),
    sa.Column("batch_id", sa.String(64), primary_key=True),
    sa.Column("watermark_from", sa.String(32), nullable=False),
    sa.Column("watermark_to", sa.String(32), nullable=False),
    sa.Column("extracted", sa.Integer, nullable=False),
    sa.Column("accepted", sa.Integer, nullable=False),
    sa.Column("quarantined", sa.Integer, nullable=False),
    sa.Column("schema_fingerprint", sa.String(32), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("loaded_at", sa.DateTime, nullable=False),
)

watermarks = sa.Table(
    "watermarks",
    metadata,
    sa.Column("source", sa.String(64), primary_key=True),
    sa.Column("watermark", sa.String(32), nullable=False),
    sa.Column("batch_id", sa.String(64), nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)

quarantine = sa.Table(
    "quarantine",
    metadata,
    sa.Column("source", sa.String(64), primary_key=True),
    sa.Column("batch_id", sa.String(64), primary_key=True),
    sa.Column("row_number", sa.Integer, primary_key=True),
    sa.Column("record_id", sa.String(128)),
    sa.Column("reasons", sa.Text, nullable=False),
    sa.Column("raw", sa.Text, nullable=False),  # masked JSON (cityhub.warehouse.sealed)
    sa.Column("raw_sealed", sa.Text),  # the clear row, encrypted with a key kept outside
    # False for a row a mapping fix cannot cure (a malformed line, an empty or repeated record ID)
    sa.Column("replayable", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("quarantined_at", sa.DateTime),
)

#: The last run of each stream (by its lake name), and the last error, for `cityhub status`.
source_runs = sa.Table(
    "source_runs",
    metadata,
    sa.Column("source", sa.String(64), primary_key=True),
    sa.Column("last_run_at", sa.DateTime, nullable=False),
    sa.Column("last_ok_at", sa.DateTime),
    sa.Column("last_error", sa.Text),
    sa.Column("last_error_at", sa.DateTime),
)

#: Every version of every event record's status, append-only: the record tables keep only the latest
#: version, this keeps the timeline (and so handling times) the latest-wins tables cannot.
record_status_history = sa.Table(
    "record_status_history",
    metadata,
    sa.Column("source", sa.String(64), primary_key=True),
    sa.Column("record_id", sa.String(512), primary_key=True),
    sa.Column("updated_at", sa.DateTime, primary_key=True),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("batch_id", sa.String(512), nullable=False),
)

#: Every dropped file a stream has read, known by its checksum: a file dropped late (dated at or
#: before the watermark) is still read, one dropped again unchanged is not.
source_files = sa.Table(
    "source_files",
    metadata,
    sa.Column("source", sa.String(64), primary_key=True),
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("file_name", sa.String(255), nullable=False),
    sa.Column("file_day", sa.String(8), nullable=False),
    sa.Column("batch_id", sa.String(64), nullable=False),
    sa.Column("read_at", sa.DateTime, nullable=False),
)

# The resolved tables share this metadata (declared in their own module, imported for its effect).
from cityhub.warehouse import resolved as _resolved  # noqa: E402, F401
from cityhub.warehouse import review as _review  # noqa: E402, F401
