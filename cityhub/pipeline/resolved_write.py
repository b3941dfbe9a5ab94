"""Writing the resolved tables: all of them (a full run), or only the rows a batch changed.

Every row carries `changed_at`, the run that last changed its content: a row recomputed with the
same content keeps its stamp, so the projections read only what really changed. Entities that are
gone are logged in `resolved_id_changes` as 'removed', merges and splits as the resolvers report them.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, cast

import pandas as pd
import sqlalchemy as sa

from cityhub.pipeline.fusion_state import write_mark
from cityhub.pipeline.link_tables import Change
from cityhub.pipeline.table_keys import keyed_rows
from cityhub.warehouse import Warehouse
from cityhub.warehouse.resolved import JSON_COLUMNS, RESOLVED_TABLES
from cityhub.warehouse.review import write_review_queue

__all__ = ["apply_changes", "canonical", "changed_tables", "encoded", "records", "row_hashes", "write_all"]


def canonical(value: object) -> str:
    """Return a value as text that is the same whether it came from pandas or back from SQL."""
    if value is None or (not isinstance(value, (list, str)) and pd.isna(value)):  # type: ignore[call-overload]
        return ""
    if isinstance(value, (dt.datetime, dt.date)):
        return pd.Timestamp(value).isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def row_hashes(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """Return a hash per row of `columns`, the same for the same values from pandas or from SQL."""
    text = frame[columns].apply(lambda column: column.map(canonical))
    return pd.util.hash_pandas_object(text, index=False)


def _with_changed_at(new: pd.DataFrame, old: pd.DataFrame, keys: list[str], at: dt.datetime) -> pd.DataFrame:
    """Return `new` with changed_at: kept from `old` for rows whose content did not change."""
    columns = [c for c in new.columns if c != "changed_at"]
    new = new.assign(_hash=row_hashes(new, columns).to_numpy())
    if old.empty:
        return new.drop(columns="_hash").assign(changed_at=at)
    old = old.assign(_hash=row_hashes(old, columns).to_numpy())[[*keys, "_hash", "changed_at"]]
    merged = new.merge(old, on=[*keys, "_hash"], how="left")
    merged["changed_at"] = merged["changed_at"].fillna(at)
    return merged.drop(columns="_hash")


def encoded(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Return a resolved table's rows with its list columns as JSON text, as stored."""
    frame = frame.copy()
    for column in JSON_COLUMNS.get(name, ()):
        frame[column] = [json.dumps(list(v), ensure_ascii=False) for v in frame[column]]
    return frame


def _removed(
    name: str, new: pd.DataFrame, old: pd.DataFrame, keys: list[str], at: dt.datetime
) -> pd.DataFrame:
    """Return id changes of kind 'removed' for entities that are gone (their records were deleted)."""
    entity = {"people": "person", "places": "place", "cases": "case", "events": "event"}.get(name)
    if entity is None or old.empty:
        return pd.DataFrame()
    gone = sorted(set(old[keys[0]]) - set(new[keys[0]]))
    return pd.DataFrame(
        {"entity": entity, "old_id": gone, "new_id": "", "kind": "removed", "records": 0, "at": at}
    )


def write_all(
    warehouse: Warehouse,
    tables: dict[str, pd.DataFrame],
    at: dt.datetime,
    mark: dt.datetime | None = None,
) -> tuple[dict[str, int], dict[str, pd.DataFrame]]:
    """Replace the resolved tables and the review queue in one transaction; append the id changes.

    Returns the counts and the resolved tables as written, each row with its changed_at (what an
    incremental run starts from); `mark` (the newest batch resolved) is recorded in the same commit.
    """
    written: dict[str, pd.DataFrame] = {}
    counts: dict[str, int] = {}
    changes = [tables["id_changes"]]
    with warehouse.engine.begin() as connection:
        if "person_review" in tables:
            counts["people to review"] = write_review_queue(connection, "person", tables["person_review"], at)
        for name, table in RESOLVED_TABLES.items():
            if name == "id_changes":
                continue
            keys = [c.name for c in table.primary_key.columns]
            old = pd.read_sql(sa.select(table), connection)
            new = encoded(name, tables[name])
            changes.append(_removed(name, new, old, keys, at))
            rows = _with_changed_at(new, old, keys, at)
            written[name] = tables[name].assign(changed_at=rows["changed_at"].to_numpy())
            connection.execute(table.delete())
            if len(rows):
                rows = rows.astype(object).where(rows.notna(), None)
                connection.execute(table.insert(), records(rows))
            counts[name] = len(rows)
            counts[f"{name} changed"] = int((rows["changed_at"] == at).sum()) if len(rows) else 0
        changes = [c for c in changes if len(c)]
        id_changes = pd.concat(changes, ignore_index=True) if changes else pd.DataFrame()
        if len(id_changes):
            id_changes = id_changes.assign(at=at, records=id_changes["records"].fillna(0).astype(int))
            connection.execute(
                RESOLVED_TABLES["id_changes"].insert(),
                records(id_changes[["entity", "old_id", "new_id", "kind", "records", "at"]]),
            )
        counts["id_changes"] = len(id_changes)
        if mark is not None:
            write_mark(connection, mark, at)
    return counts, written


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Return the frame's rows as column-name -> value dicts, for an executemany insert."""
    return cast(list[dict[str, Any]], frame.to_dict("records"))  # the columns are the table's names


def _quick_hashes(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """Return a hash per row of `columns`, for rows that both come from pandas (a value written
    differently, 1 and 1.0, only makes a row count as changed, never the reverse)."""
    text = pd.DataFrame(
        {c: frame[c].astype(str).where(frame[c].notna().to_numpy(), "") for c in columns}, index=frame.index
    )
    return pd.util.hash_pandas_object(text, index=False)


def _changed_rows(
    name: str, change: Change, old: pd.DataFrame, at: dt.datetime
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Return (rows to insert, stored rows to delete, the table's new rows with changed_at)."""
    keys = [c.name for c in RESOLVED_TABLES[name].primary_key.columns]
    hit = keyed_rows(name, old, change.keys)
    before = old[hit]
    columns = [c for c in change.rows.columns if c != "changed_at"]
    new = change.rows[columns].drop_duplicates(keys, keep="last")
    new = new.assign(_hash=_quick_hashes(new, columns).to_numpy()) if len(new) else new.assign(_hash=0)
    stamped = (
        before.assign(_hash=_quick_hashes(before, columns).to_numpy())
        if len(before)
        else before.assign(_hash=0)
    )
    new = new.astype(dict.fromkeys(keys, object))  # an empty frame's keys come as floats
    stamped = stamped.astype(dict.fromkeys(keys, object))
    merged = new.merge(stamped[[*keys, "_hash", "changed_at"]], on=[*keys, "_hash"], how="left")
    fresh = merged["changed_at"].isna().to_numpy()
    merged["changed_at"] = merged["changed_at"].where(~fresh, pd.Timestamp(at))
    unchanged = merged.loc[~fresh, keys]
    gone = stamped.merge(unchanged, on=keys, how="left", indicator=True)
    gone = gone[gone["_merge"] == "left_only"]
    table = pd.concat([old[~hit], merged.drop(columns="_hash")], ignore_index=True)
    return merged[fresh].drop(columns="_hash"), gone[keys], table


def _delete(connection: sa.Connection, table: sa.Table, keys: pd.DataFrame) -> None:
    if keys.empty:
        return
    where = sa.and_(*(table.c[k] == sa.bindparam(f"k_{k}") for k in keys.columns))
    rows = [{f"k_{k}": v for k, v in row.items()} for row in records(keys)]
    connection.execute(table.delete().where(where), rows)


def _gone(name: str, deletes: pd.DataFrame, table: pd.DataFrame, at: dt.datetime) -> pd.DataFrame:
    """Return id changes of kind 'removed' for the entities whose rows were deleted and not written again."""
    key = deletes.columns[0] if len(deletes.columns) else ""
    candidates = set(deletes[key]) if key else set()
    if not candidates:
        return pd.DataFrame()
    still = set(table.loc[table[key].isin(candidates), key])
    return _removed(
        name, pd.DataFrame({key: sorted(still)}), pd.DataFrame({key: sorted(candidates)}), [key], at
    )


def apply_changes(
    warehouse: Warehouse,
    tables: dict[str, pd.DataFrame],
    changes: dict[str, Change],
    id_changes: pd.DataFrame,
    at: dt.datetime,
    mark: dt.datetime,
) -> tuple[dict[str, int], dict[str, pd.DataFrame]]:
    """Write what a batch changed, in place and in one transaction with the run's mark; return the
    counts and the resolved tables after it (with changed_at)."""
    counts: dict[str, int] = {}
    after = dict(tables)
    logged = [id_changes] if len(id_changes) else []
    with warehouse.engine.begin() as connection:
        for name, change in changes.items():
            table = RESOLVED_TABLES[name]
            inserts, deletes, after[name] = _changed_rows(name, change, tables[name], at)
            _delete(connection, table, deletes)
            if len(inserts):
                rows = encoded(name, inserts)
                rows = rows.astype(object).where(rows.notna(), None)
                connection.execute(table.insert(), records(rows))
            counts[f"{name} changed"] = len(inserts)
            logged.append(_gone(name, deletes, after[name], at))
        logged = [c for c in logged if len(c)]
        if logged:
            frame = pd.concat(logged, ignore_index=True)
            frame = frame.assign(at=at, records=frame["records"].fillna(0).astype(int))
            connection.execute(
                RESOLVED_TABLES["id_changes"].insert(),
                records(frame[["entity", "old_id", "new_id", "kind", "records", "at"]]),
            )
            counts["id_changes"] = len(frame)
        write_mark(connection, mark, at)
    return counts, after


def changed_tables(
    tables: dict[str, pd.DataFrame], changes: dict[str, Change], at: dt.datetime
) -> dict[str, pd.DataFrame]:
    """Return the resolved tables after a batch's changes, as `apply_changes` leaves them, without
    writing anything (for linking a journalled batch into a state again)."""
    after = dict(tables)
    for name, change in changes.items():
        after[name] = _changed_rows(name, change, tables[name], at)[2]
    return after
