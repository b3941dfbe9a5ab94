"""Migration 0005 brings a 0004 warehouse to handling: new columns, and the history started with the
version of each event record it already holds."""

import datetime as dt

import pandas as pd
import sqlalchemy as sa

from cityhub.warehouse import Warehouse
from cityhub.warehouse.migrate import upgrade

WHEN = dt.datetime(2026, 11, 1, 9, 30)


def test_a_0004_warehouse_is_upgraded_with_its_records_kept_and_their_history_started(tmp_path):
    url = f"sqlite:///{tmp_path}/warehouse.sqlite"
    upgrade(url, "0004")
    with sa.create_engine(url).begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO event_records (source, record_id, category, source_category_code, occurred_at, "
                "status, updated_at, deleted, batch_id) VALUES ('hotline', 'RX1', 'neighbour_dispute.noise', "
                "'0101', :at, 'in_progress', :at, 0, 'b1')"
            ),
            {"at": WHEN},
        )
        connection.execute(
            sa.text(
                "INSERT INTO place_mentions (source, mention_id, record_id, address, updated_at, deleted, "
                "batch_id) VALUES ('grid', 'SJ1@0', 'SJ1', '聚龙城3-2-501', :at, 0, 'b1')"
            ),
            {"at": WHEN},
        )
    upgrade(url)
    warehouse = Warehouse(url)
    (record,) = warehouse.read_table("EventRecord").to_dict("records")
    assert record["status"] == "in_progress" and record["satisfaction"] is None
    assert record["handling_department"] is None
    assert warehouse.read_table("PlaceMention")["grid_code"].isna().all()
    history = warehouse.read_table("record_status_history")
    assert history[["source", "record_id", "status", "batch_id"]].values.tolist() == [
        ["hotline", "RX1", "in_progress", "b1"]
    ]
    # the next version of the record joins the history beside the one the migration kept
    newer = pd.DataFrame([{**record, "status": "resolved", "updated_at": WHEN + dt.timedelta(days=1)}])
    newer["satisfaction"] = "satisfied"
    warehouse.upsert_records("EventRecord", newer)
    assert warehouse.read_table("record_status_history")["status"].tolist() == ["in_progress", "resolved"]
    (latest,) = warehouse.read_table("EventRecord").to_dict("records")
    assert latest["status"] == "resolved" and latest["satisfaction"] == "satisfied"
    resolved = {c["name"] for c in sa.inspect(warehouse.engine).get_columns("resolved_cases")}
    assert {"status", "responsible_department", "due_at", "closed_at", "overdue", "on_time"} <= resolved
