"""Unified search over people, places and cases: Chinese-aware, one interface, two backends.

    >>> index = open_index("/var/lib/cityhub/search", city_code="500100")  # embedded, the default
    >>> index = open_index("http://127.0.0.1:9200", "cityhub", city_code="500100")  # Elasticsearch

`search.analysis` turns values into tokens, `search.documents` builds documents from the
resolved tables, `search.queries` builds the analysed query, `search.base.SearchIndex` is the
interface and `proving.search_relevance` measures relevance on a simulated city's ground truth.
"""

from __future__ import annotations

from pathlib import Path

from search.base import Hit, SearchDocument, SearchIndex, SearchResults

__all__ = ["Hit", "SearchDocument", "SearchIndex", "SearchResults", "open_index"]


def open_index(url: str | Path, prefix: str = "cityhub", *, city_code: str | None = None) -> SearchIndex:
    """Return the search index at `url`: Elasticsearch for http(s)://, else an embedded folder.

    `prefix` names the indices (Elasticsearch) or files (embedded), so several deployments or
    test runs can share one server or folder. `city_code` is the hub's city (Settings.city_code):
    queries read addresses inside it.
    """
    text = str(url)
    if text.startswith(("http://", "https://")):
        from search.elasticsearch_index import ElasticsearchIndex

        return ElasticsearchIndex(text, prefix, city_code=city_code)
    from search.embedded_index import EmbeddedIndex

    return EmbeddedIndex(Path(text.removeprefix("file://")), prefix, city_code=city_code)
