"""The warehouse: cityhub's system of record (SQLAlchemy; SQLite by default, PostgreSQL)."""

from cityhub.warehouse import ops_tables as ops_tables  # registers the operations tables on `metadata`
from cityhub.warehouse.schema import RECORD_TABLES, metadata, table_name
from cityhub.warehouse.store import Warehouse, create_engine

__all__ = ["RECORD_TABLES", "Warehouse", "create_engine", "metadata", "table_name"]
