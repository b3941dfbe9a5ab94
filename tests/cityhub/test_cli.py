import json
import subprocess
import sys


def cityhub(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cityhub.cli", *args], capture_output=True, text=True, timeout=300, env=env
    )


def test_simulate_writes_the_city_and_its_ground_truth(tmp_path):
    done = cityhub("simulate", "--people", "300", "--seed", "3", "--days", "30", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["people"] == 300 and manifest["seed"] == 3
    assert (tmp_path / "truth" / "mentions.parquet").exists()


def test_bad_input_ends_in_one_line_and_a_non_zero_exit(tmp_path):
    done = cityhub("simulate", "--people", "5", "--out", str(tmp_path))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: simulate --people 5: a city needs at least 100 residents"
    ]


def test_unknown_source_and_benchmark_are_named(tmp_path):
    import os

    env = {**os.environ, "CITYHUB_HOME": str(tmp_path)}
    done = cityhub("ingest", "nowhere", env=env)
    assert done.returncode == 2 and "unknown source 'nowhere'" in done.stderr
    assert "hotline" in done.stderr
    done = cityhub("bench", "nothing")
    assert done.returncode == 2 and "no benchmark named 'nothing'" in done.stderr
