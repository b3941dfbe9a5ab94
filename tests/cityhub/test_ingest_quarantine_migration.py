"""Migration 0004 seals the quarantine rows a warehouse already held in clear and masks them."""

import json

import sqlalchemy as sa

from cityhub.config import get_settings
from cityhub.warehouse import Warehouse
from cityhub.warehouse.migrate import upgrade

CLEAR = {"信访件编号": "XF20261120001", "身份证号码": "500106198503070016", "联系电话": "13812345678"}


def test_rows_quarantined_in_clear_are_sealed_and_masked_by_the_migration(tmp_path, monkeypatch):
    monkeypatch.setenv("CITYHUB_HOME", str(tmp_path / "home"))
    get_settings.cache_clear()
    url = f"sqlite:///{tmp_path}/warehouse.sqlite"
    upgrade(url, "0003")
    with sa.create_engine(url).begin() as connection:
        connection.execute(
            sa.text("INSERT INTO quarantine VALUES ('petitions', 'b1', 7, 'XF20261120001', 'why', :raw)"),
            {"raw": json.dumps(CLEAR, ensure_ascii=False)},
        )
    try:
        upgrade(url)
        warehouse = Warehouse(url)
        (row,) = warehouse.read_table("quarantine").to_dict("records")
        assert json.loads(row["raw"]) == {
            "信访件编号": "XF20261120001",
            "身份证号码": "50****************",
            "联系电话": "138******78",
        }
        assert "500106198503070016" not in row["raw_sealed"] and row["replayable"]
        assert warehouse.seal.unseal(row["raw_sealed"]) == CLEAR
        assert (tmp_path / "home" / "quarantine.key").exists()
    finally:
        get_settings.cache_clear()
