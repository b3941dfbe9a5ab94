import hashlib
import json

from simulators.city import simulate_city


def test_the_same_seed_gives_byte_identical_files(city, tmp_path):
    again = tmp_path / "again"
    simulate_city(people=city.people, seed=city.seed, out=again, days=365, end=city.end)
    files = sorted(p.relative_to(city.root) for p in city.root.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    for name in files:
        assert (city.root / name).read_bytes() == (again / name).read_bytes(), name


def test_the_manifest_lists_every_file_with_its_hash(city):
    manifest = json.loads((city.root / "manifest.json").read_text("utf-8"))
    files = sorted(str(p.relative_to(city.root)) for p in city.root.rglob("*.parquet"))
    assert sorted(manifest["sha256"]) == files
    for name, digest in manifest["sha256"].items():
        assert hashlib.sha256((city.root / name).read_bytes()).hexdigest() == digest
    assert manifest["seed"] == city.seed and manifest["people"] == city.people


def test_another_seed_gives_another_city(city, tmp_path):
    other = tmp_path / "other"
    simulate_city(people=city.people, seed=city.seed + 1, out=other, days=365, end=city.end)
    assert (other / "city/people.parquet").read_bytes() != (city.root / "city/people.parquet").read_bytes()
