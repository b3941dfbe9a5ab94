"""The embedded store's own promises: one file that another process reads, and open_graph's URLs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from graph import open_graph, rebuild
from graph.embedded_store import EmbeddedGraphStore
from ontology.errors import BadInput
from tests.graph.city import city

READER = """
import json, sys
from graph import open_graph
with open_graph(sys.argv[1]) as store:
    found = store.person_360("P1")
    print(json.dumps({"counts": store.counts(), "events": [i.event["event_id"] for i in found.involvements]}))
"""


def _read_in_another_process(url: str) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", READER, url], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[2], check=True)
    return json.loads(done.stdout)


def test_another_process_reads_the_graph_and_sees_each_increment(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'graph.db'}"
    with open_graph(url) as writer:
        rebuild(writer, city())
        seen = _read_in_another_process(url)
        assert seen["counts"] == writer.counts()
        assert seen["events"] == ["hotline:H1", "grid:G7", "grid:G8", "police:J3", "petitions:X9"]
        writer.delete_nodes("Event", ["grid:G8"])  # the writer stays open, as a projection would
        assert _read_in_another_process(url)["events"] == ["hotline:H1", "grid:G7", "police:J3", "petitions:X9"]


def test_the_graph_outlives_its_store(tmp_path: Path) -> None:
    with open_graph(tmp_path / "graph.db") as store:
        rebuild(store, city())
        counts = store.counts()
    with open_graph(str(tmp_path / "graph.db")) as reopened:
        assert reopened.counts() == counts


@pytest.mark.parametrize("url", ["sqlite:///{tmp}/a.db", "{tmp}/b.db", "{tmp}/nested/c.db"])
def test_open_graph_takes_a_sqlite_url_or_a_path(tmp_path: Path, url: str) -> None:
    with open_graph(url.format(tmp=tmp_path)) as store:
        assert isinstance(store, EmbeddedGraphStore)
        assert store.path.exists()


@pytest.mark.parametrize("url", ["http://127.0.0.1:7474", "sqlite://", ""])
def test_open_graph_refuses_what_it_cannot_open(url: str) -> None:
    with pytest.raises(BadInput):
        open_graph(url)
