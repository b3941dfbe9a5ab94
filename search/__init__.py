"""Unified search over people, places and cases: Chinese-aware, one interface, two backends.

    >>> index = open_index("/var/lib/cityhub/search")          # embedded, the default
    >>> index = open_index("http://127.0.0.1:9200", "cityhub")  # Elasticsearch

`search.analysis` turns values into tokens, `search.documents` builds documents from the
resolved tables, `search.queries` builds the analysed query, `search.base.SearchIndex` is the
interface and `proving.search_relevance` measures relevance on a simulated city's ground truth.
"""

from __future__ import annotations

from pathlib import Path

from search.base import Hit, SearchDocument, SearchIndex, SearchResults

__all__ = ["Hit", "SearchDocument", "SearchIndex", "SearchResults", "open_index"]


def open_index(url: str | Path, prefix: str = "cityhub") -> SearchIndex:
    """Return the search index at `url`: Elasticsearch for http(s)://, else an embedded folder.

    `prefix` names the indices (Elasticsearch) or files (embedded), so several deployments or
    test runs can share one server or folder.
    """
    text = str(url)
    if text.startswith(("http://", "https://")):
        from search.elasticsearch_index import ElasticsearchIndex

        return ElasticsearchIndex(text, prefix)
    from search.embedded_index import EmbeddedIndex

    return EmbeddedIndex(Path(text.removeprefix("file://")), prefix)
