import pyarrow as pa
import pytest

from cityhub.lake import Lake, batch_id_for


@pytest.fixture()
def table():
    return pa.table({"ticket_id": ["RX1", "RX2"], "status": ["受理", "已办结"]})


def test_same_interval_gives_the_same_batch_without_rewriting(tmp_path, table):
    lake = Lake(tmp_path)
    first = lake.write_batch("hotline", table, "2026-11-19T00:00:00", "2026-11-20T00:00:00", "t1")
    again = lake.write_batch("hotline", table, "2026-11-19T00:00:00", "2026-11-20T00:00:00", "t2")
    assert first == again
    assert [m.batch_id for m in lake.list_batches("hotline")] == [first.batch_id]
    assert lake.read_batch("hotline", first.batch_id).equals(table)


def test_manifest_describes_the_batch(tmp_path, table):
    manifest = Lake(tmp_path).write_batch("hotline", table, "a", "2026-11-20T08:00:00", "t")
    assert manifest.row_count == 2
    assert manifest.batch_id == batch_id_for("hotline", "a", "2026-11-20T08:00:00")
    assert manifest.batch_id.startswith("20261120080000-")
    assert len(manifest.sha256) == 64


def test_a_changed_file_fails_its_checksum(tmp_path, table):
    lake = Lake(tmp_path)
    manifest = lake.write_batch("hotline", table, "a", "b", "t")
    path = lake.batch_dir("hotline", manifest.batch_id) / "data.parquet"
    path.write_bytes(path.read_bytes()[:-8] + b"\0" * 8)
    with pytest.raises(ValueError, match="checksum"):
        lake.read_batch("hotline", manifest.batch_id)


def test_no_staging_folder_is_left_behind(tmp_path, table):
    lake = Lake(tmp_path)
    lake.write_batch("grid", table, "a", "b", "t")
    assert [p.name for p in (tmp_path / "raw" / "grid").iterdir() if p.name.startswith(".")] == []
