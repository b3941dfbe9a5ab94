import datetime as dt

import pandas as pd
import pytest

from cityhub.lake import BatchManifest
from cityhub.warehouse import Warehouse

NOW = dt.datetime(2026, 11, 20, 10, 0, 0)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.servers)])
def warehouse(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/warehouse.sqlite"
    else:
        url = request.getfixturevalue("postgres_url")
    store = Warehouse(url)
    store.create_all()
    yield store
    if request.param == "postgresql":
        from cityhub.warehouse import metadata

        metadata.drop_all(store.engine)
    store.engine.dispose()


def mention(name: str, updated_at: dt.datetime, mention_id: str = "RX1#0") -> dict:
    return dict(
        source="hotline",
        mention_id=mention_id,
        record_id=mention_id.split("#")[0],
        role="caller",
        name=name,
        id_number=None,
        phone="13800000000",
        birth_date=None,
        gender=None,
        address="聚龙城3-2-501",
        updated_at=updated_at,
        deleted=False,
        batch_id="b1",
    )


def test_latest_version_wins_and_old_replays_do_not_roll_back(warehouse):
    warehouse.upsert_records("PersonMention", pd.DataFrame([mention("张伟", NOW)]))
    warehouse.upsert_records("PersonMention", pd.DataFrame([mention("张玮", NOW - dt.timedelta(days=1))]))
    assert warehouse.read_table("PersonMention")["name"].tolist() == ["张伟"]
    warehouse.upsert_records("PersonMention", pd.DataFrame([mention("張偉", NOW + dt.timedelta(days=1))]))
    stored = warehouse.read_table("PersonMention")
    assert stored["name"].tolist() == ["張偉"]
    assert warehouse.count("PersonMention") == 1


def test_one_bulk_load_keeps_the_newest_of_several_versions_of_a_key(warehouse):
    versions = [mention("张伟", NOW), mention("張偉", NOW + dt.timedelta(hours=1)), mention("张玮", NOW)]
    assert warehouse.upsert_records("PersonMention", pd.DataFrame(versions)) == 3
    assert warehouse.read_table("PersonMention")["name"].tolist() == ["張偉"]


def test_bulk_loaded_values_read_back_as_written_missing_ones_as_null(warehouse):
    row = mention("张伟", dt.datetime(2026, 11, 20, 10, 0, 0, 250))
    row.update(birth_date=dt.date(1990, 3, 7), deleted=True)
    other = mention("李娜", NOW, mention_id="RX2#0")  # no birth date: the column holds NaT
    warehouse.upsert_records("PersonMention", pd.DataFrame([row, other]))
    stored = warehouse.read_table("PersonMention").set_index("mention_id")
    assert pd.Timestamp(stored.at["RX1#0", "updated_at"]) == pd.Timestamp(row["updated_at"])
    assert pd.Timestamp(stored.at["RX1#0", "birth_date"]).date() == dt.date(1990, 3, 7)
    assert bool(stored.at["RX1#0", "deleted"]) is True
    assert stored.at["RX2#0", "birth_date"] is None or pd.isna(stored.at["RX2#0", "birth_date"])
    assert stored.at["RX2#0", "id_number"] is None


def test_a_bulk_load_compares_update_times_with_rows_sqlalchemy_wrote(warehouse):
    from cityhub.warehouse.schema import RECORD_TABLES

    with warehouse.engine.begin() as connection:  # stored the ORM way, at the very same moment
        connection.execute(RECORD_TABLES["PersonMention"].insert(), [mention("张伟", NOW)])
    warehouse.upsert_records("PersonMention", pd.DataFrame([mention("张玮", NOW)]))  # not older: wins
    warehouse.upsert_records("PersonMention", pd.DataFrame([mention("旧", NOW - dt.timedelta(seconds=1))]))
    assert warehouse.read_table("PersonMention")["name"].tolist() == ["张玮"]


def test_watermark_only_moves_forward(warehouse):
    def manifest(batch_id: str, to: str) -> BatchManifest:
        return BatchManifest("hotline", batch_id, "", to, 10, "f", "s" * 64, "t")

    assert warehouse.watermark("hotline") is None
    warehouse.record_batch(manifest("b2", "2026-11-20T00:00:00"), accepted=9, quarantined=1)
    warehouse.record_batch(manifest("b1", "2026-11-19T00:00:00"), accepted=10, quarantined=0)
    assert warehouse.watermark("hotline") == "2026-11-20T00:00:00"
    assert warehouse.batch_loaded("hotline", "b1") and warehouse.batch_loaded("hotline", "b2")
    assert warehouse.count("batches") == 2


def test_quarantine_is_idempotent(warehouse):
    row = {
        "source": "petitions",
        "batch_id": "b1",
        "row_number": 3,
        "record_id": "XF1",
        "reasons": "petitions XF1: 身份证号码 has 17 digits",
        "raw": "{}",
    }
    warehouse.quarantine_rows([row])
    warehouse.quarantine_rows([row])
    assert warehouse.count("quarantine") == 1


def test_a_bulk_load_commits_every_table_together_or_none(warehouse):
    persons = pd.DataFrame([mention("张伟", NOW, "RX1#0"), mention("李娜", NOW, "RX2#0")])
    with pytest.raises(RuntimeError, match="the lake refused"):
        with warehouse.bulk_load() as load:
            load.upsert("PersonMention", persons)
            raise RuntimeError("the lake refused the batch")  # after the load ran, before commit
    assert warehouse.count("PersonMention") == 0
    with warehouse.bulk_load() as load:
        load.upsert("PersonMention", persons)
        load.upsert("PersonMention", pd.DataFrame([mention("張偉", NOW + dt.timedelta(days=1), "RX1#0")]))
        assert load.offered() == 3
    stored = warehouse.read_table("PersonMention").set_index("mention_id")["name"].to_dict()
    assert stored == {"RX1#0": "張偉", "RX2#0": "李娜"}
