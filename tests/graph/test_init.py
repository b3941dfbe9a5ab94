"""open_graph: which store a URL names."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph import _credentials, open_graph
from graph.embedded_store import EmbeddedGraphStore
from ontology.errors import BadInput


@pytest.mark.parametrize("url", ["sqlite:///{tmp}/a.db", "{tmp}/b.db", "{tmp}/nested/c.db"])
def test_open_graph_takes_a_sqlite_url_or_a_path(tmp_path: Path, url: str) -> None:
    with open_graph(url.format(tmp=tmp_path)) as store:
        assert isinstance(store, EmbeddedGraphStore)
        assert store.path.exists()


@pytest.mark.parametrize("url", ["http://127.0.0.1:7474", "sqlite://", ""])
def test_open_graph_refuses_what_it_cannot_open(url: str) -> None:
    with pytest.raises(BadInput):
        open_graph(url)


@pytest.mark.parametrize(
    ("url", "address", "auth"),
    [
        ("bolt://127.0.0.1:7687", "bolt://127.0.0.1:7687", None),
        ("neo4j://reader:p%40ss@graph.internal:7687", "neo4j://graph.internal:7687", ("reader", "p@ss")),
        ("bolt+s://neo4j:x@graph.internal", "bolt+s://graph.internal", ("neo4j", "x")),
    ],
)
def test_neo4j_credentials_leave_the_url(url: str, address: str, auth: tuple[str, str] | None) -> None:
    assert _credentials(url) == (address, auth)
