import hashlib
import json

import pytest

from simulators.city import simulate_city


@pytest.mark.parametrize(("fixture", "noise"), [("city", "clean"), ("hard_city", "hard")])
def test_the_same_seed_and_profile_give_byte_identical_files(fixture, noise, request, tmp_path):
    city = request.getfixturevalue(fixture)
    again = tmp_path / "again"
    simulate_city(people=city.people, seed=city.seed, out=again, days=365, end=city.end, noise=noise)
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
    assert manifest["noise"] == "clean"


def test_another_seed_gives_another_city(city, tmp_path):
    other = tmp_path / "other"
    simulate_city(people=city.people, seed=city.seed + 1, out=other, days=365, end=city.end, noise="clean")
    assert (other / "city/people.parquet").read_bytes() != (city.root / "city/people.parquet").read_bytes()


def test_noise_leaves_the_true_city_alone(city, hard_city):
    """The profiles change what departments wrote, never the people, places and incidents."""
    for name in ("people", "places", "households", "residences", "incidents"):
        assert (city.root / f"city/{name}.parquet").read_bytes() == (
            hard_city.root / f"city/{name}.parquet"
        ).read_bytes(), name
