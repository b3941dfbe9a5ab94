"""The embedded store's own promises: one file that another process reads while it is written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from graph import open_graph, rebuild
from tests.graph.city import city

READER = """
import json, sys
from graph import open_graph
with open_graph(sys.argv[1]) as store:
    for _ in sys.stdin:  # one answer for each line the test writes
        found = store.person_360("P1")
        events = [i.event["event_id"] for i in found.involvements]
        print(json.dumps({"counts": store.counts(), "events": events}), flush=True)
"""


def test_another_process_reads_the_graph_and_sees_each_increment(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'graph.db'}"
    with open_graph(url) as writer:
        rebuild(writer, city())
        reader = subprocess.Popen(
            [sys.executable, "-c", READER, url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parents[2],
        )
        assert reader.stdin is not None and reader.stdout is not None
        try:
            reader.stdin.write("read\n")
            reader.stdin.flush()
            seen = json.loads(reader.stdout.readline())
            assert seen["counts"] == writer.counts()
            assert seen["events"] == ["hotline:H1", "grid:G7", "grid:G8", "police:J3", "petitions:X9"]
            writer.delete_nodes("Event", ["grid:G8"])  # both stay open, as the API and a projection would
            reader.stdin.write("read\n")
            reader.stdin.flush()
            seen = json.loads(reader.stdout.readline())
            assert seen["events"] == ["hotline:H1", "grid:G7", "police:J3", "petitions:X9"]
        finally:
            reader.stdin.close()
            reader.wait(timeout=60)


def test_the_graph_outlives_its_store(tmp_path: Path) -> None:
    with open_graph(tmp_path / "graph.db") as store:
        rebuild(store, city())
        counts = store.counts()
    with open_graph(str(tmp_path / "graph.db")) as reopened:
        assert reopened.counts() == counts
