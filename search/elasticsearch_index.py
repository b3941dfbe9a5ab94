"""The Elasticsearch adapter: an index template, one versioned index per kind behind an alias.

Documents arrive with their tokens computed (`search.analysis`), so the mapping indexes them as a
multi-valued `keyword` field and the engine analyses nothing: the integ-test distribution has no
Chinese analysis plugins, and relevance must equal the embedded index's. A query is a `bool` of
`constant_score` clauses (each named, so a hit says which matched), scores add up exactly as on
the embedded index, and ties are broken by the `id` keyword (UTF-8 order, as Python orders str).

    <prefix>-<kind>            alias searched and written through
    <prefix>-<kind>-<version>  the index behind it; `full_rebuild` fills a new one (refresh off,
                               translog synced in the background), then moves the alias in one
                               `update_aliases` call and deletes the old index

Bulk requests are NDJSON bytes serialised here with orjson, cut by size (`CHUNK_BYTES`), two in
flight: the server indexes one while the next is serialised. The bulk helpers serialise every
action through the client's generic path, which cost this process about three times the CPU.
Written for the official client of the server's major version (8.x for Elasticsearch 8.19).
`cityhub bench search` measures the rate (benchmarks/results/bench_search.json).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import orjson
from elasticsearch import Elasticsearch, helpers
from elasticsearch.serializer import OrjsonSerializer

from ontology.errors import BadInput
from search.base import (
    FACET_FIELDS,
    KINDS,
    MatchedHit,
    SearchDocument,
    SearchIndex,
    SearchQuery,
    check_kind,
    checked_documents,
)

__all__ = ["ElasticsearchIndex", "index_template"]

FACET_SIZE = 100
CHUNK_SIZE = 2000  # deletes per bulk request
CHUNK_BYTES = 4 << 20  # bytes of NDJSON per bulk request (the server accepts up to 100 MB)
IN_FLIGHT = 2  # bulk requests sent at once: one indexing on the server while the next is built
JSON_OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS  # as the client's own serializer
RETRIES = 3  # resends of documents the server rejected as too busy (429)


def index_template(prefix: str) -> dict[str, Any]:
    """Return the index template (settings and mappings) for every kind's versioned indices."""
    keyword = {"type": "keyword"}
    return {
        "index_patterns": [f"{prefix}-{kind}-*" for kind in KINDS],
        "template": {
            "settings": {"number_of_shards": 1, "number_of_replicas": 0, "refresh_interval": "1s"},
            "mappings": {
                "dynamic": "strict",
                "_source": {"excludes": ["tokens"]},  # hits say which clauses matched; tokens are not shown
                "properties": {
                    "id": keyword,
                    "kind": keyword,
                    "title": {"type": "keyword", "index": False, "doc_values": False},
                    "tokens": {"type": "keyword", "doc_values": False},
                    "time": {"type": "date"},
                    "display": {"type": "object", "enabled": False},
                    **{name: keyword for name in FACET_FIELDS},
                },
            },
        },
    }


class ElasticsearchIndex(SearchIndex):
    """A search index on an Elasticsearch cluster; `prefix` keeps deployments (and test runs) apart."""

    def __init__(
        self,
        url: str,
        prefix: str = "cityhub",
        *,
        city_code: str | None = None,
        client: Elasticsearch | None = None,
    ) -> None:
        if prefix != prefix.lower() or not prefix:
            raise BadInput(f"search: Elasticsearch index prefix {prefix!r} must be lower case")
        self.prefix = prefix
        self.city_code = city_code
        self.client = client or Elasticsearch(url, serializer=OrjsonSerializer(), request_timeout=120)

    def alias(self, kind: str) -> str:
        """Return the alias readers search for a kind: it points at the live version."""
        return f"{self.prefix}-{kind}"

    def ensure_index(self) -> None:
        self.client.indices.put_index_template(name=f"{self.prefix}-search", **index_template(self.prefix))
        for kind in KINDS:
            if not self.client.indices.exists_alias(name=self.alias(kind)):
                self.client.indices.create(index=self._version_name(kind), aliases={self.alias(kind): {}})

    def bulk_upsert(self, kind: str, docs: Iterable[SearchDocument]) -> int:
        count = self._bulk(_index_lines(self.alias(kind), kind, docs))
        self.client.indices.refresh(index=self.alias(kind))
        return count

    def delete(self, kind: str, ids: Iterable[str]) -> int:
        check_kind(kind)
        actions = ({"_op_type": "delete", "_index": self.alias(kind), "_id": i} for i in ids)
        count = 0
        for ok, item in helpers.streaming_bulk(
            self.client, actions, chunk_size=CHUNK_SIZE, raise_on_error=False
        ):
            if not ok and item["delete"].get("status") != 404:  # unknown ids are ignored
                raise RuntimeError(
                    f"search: Elasticsearch refused a delete in {self.alias(kind)}: "
                    f"{item['delete'].get('error')}"
                )
            count += 1
        self.client.indices.refresh(index=self.alias(kind))
        return count

    def full_rebuild(self, kind: str, docs: Iterable[SearchDocument]) -> str:
        check_kind(kind)
        self.client.indices.put_index_template(name=f"{self.prefix}-search", **index_template(self.prefix))
        name = self._version_name(kind)
        # refresh off and the translog synced in the background while loading: nobody reads this
        # index until the alias moves to it, and a failed load is dropped and started again
        self.client.indices.create(
            index=name, settings={"refresh_interval": "-1", "translog": {"durability": "async"}}
        )
        try:
            self._bulk(_index_lines(name, kind, docs))
            self.client.indices.put_settings(
                index=name, settings={"refresh_interval": "1s", "translog": {"durability": "request"}}
            )
            self.client.indices.refresh(index=name)
        except BaseException:
            self.client.indices.delete(index=name, ignore_unavailable=True)
            raise
        old = list(self.client.indices.get_alias(name=self.alias(kind), ignore_unavailable=True))
        actions: list[dict[str, Any]] = [{"remove": {"index": o, "alias": self.alias(kind)}} for o in old]
        actions.append({"add": {"index": name, "alias": self.alias(kind)}})
        self.client.indices.update_aliases(actions=actions)  # one call: readers see old or new
        for index in old:
            self.client.indices.delete(index=index, ignore_unavailable=True)
        return name

    def rebuild_kinds(self, streams: Mapping[str, Iterable[SearchDocument]]) -> dict[str, str]:
        """Full-rebuild the kinds side by side: one kind's index creation, final refresh and alias
        swap, each on one server thread, overlap another's bulk requests (11,000-14,300 docs/s
        against 9,100-11,400 one kind after another, in alternating runs on one warm server)."""
        with ThreadPoolExecutor(max(1, len(streams)), thread_name_prefix="search-rebuild") as kinds:
            versions = {kind: kinds.submit(self.full_rebuild, kind, docs) for kind, docs in streams.items()}
            return {kind: version.result() for kind, version in versions.items()}

    def count(self, kind: str) -> int:
        return int(self.client.count(index=self.alias(kind))["count"])

    def versions(self, kind: str) -> list[str]:
        found = self.client.indices.get(index=f"{self.prefix}-{kind}-*", allow_no_indices=True)
        return sorted(found)

    def drop(self) -> None:
        """Delete every index and the template of this prefix."""
        for kind in KINDS:  # deleting by wildcard is refused (action.destructive_requires_name)
            for index in self.versions(kind):
                self.client.indices.delete(index=index, ignore_unavailable=True)
        self.client.options(ignore_status=404).indices.delete_index_template(name=f"{self.prefix}-search")

    def close(self) -> None:
        self.client.close()

    def execute(self, query: SearchQuery) -> tuple[list[MatchedHit], int, dict[str, dict[str, int]]]:
        response = self.client.search(
            index=[self.alias(kind) for kind in query.kinds],
            query=_bool_query(query),
            sort=[{"_score": "desc"}, {"id": "asc"}],
            track_scores=True,
            track_total_hits=True,
            size=query.size,
            source_includes=["kind", "title", "display"],
            aggs={name: {"terms": {"field": name, "size": FACET_SIZE}} for name in query.facets} or None,
        )
        hits = [
            MatchedHit(
                id=hit["_id"],
                kind=hit["_source"]["kind"],
                score=float(hit["_score"]),
                title=hit["_source"]["title"],
                display=hit["_source"].get("display", {}),
                matched=tuple(sorted(int(n) for n in hit.get("matched_queries", ()))),
            )
            for hit in response["hits"]["hits"]
        ]
        aggregations = response.get("aggregations", {})
        facets = {
            name: {str(b["key"]): int(b["doc_count"]) for b in aggregations[name]["buckets"]}
            for name in query.facets
        }
        return hits, int(response["hits"]["total"]["value"]), facets

    def _bulk(self, lines: Iterable[bytes]) -> int:
        """Index NDJSON action-and-document line pairs; return how many documents were indexed."""
        count = 0
        with ThreadPoolExecutor(IN_FLIGHT, thread_name_prefix="search-bulk") as pool:
            pending: deque[Future[int]] = deque()
            for chunk in _chunks(lines, CHUNK_BYTES):
                if len(pending) == IN_FLIGHT:
                    count += pending.popleft().result()
                pending.append(pool.submit(self._send, chunk))
            for future in pending:
                count += future.result()
        return count

    def _send(self, pairs: list[bytes]) -> int:
        """Send one bulk request; resend what the server was too busy for; raise on any other refusal."""
        for attempt in range(RETRIES + 1):
            # the NDJSON serializer passes bytes through, as the bulk helpers rely on
            response = self.client.bulk(operations=b"".join(pairs))  # type: ignore[arg-type]
            if not response["errors"]:
                return len(pairs)
            busy, refused = [], []
            for pair, item in zip(pairs, response["items"], strict=True):
                outcome = item["index"]
                if outcome.get("status") == 429:
                    busy.append(pair)
                elif "error" in outcome:
                    refused.append(outcome)
            if refused:  # the reason may quote a field's value: only its type and the entity id are shown
                first = refused[0]
                raise RuntimeError(
                    f"search: Elasticsearch refused {len(refused)} document(s) in "
                    f"{first.get('_index')}, first {first.get('_id')}: "
                    f"{first['error'].get('type')}"
                )
            if attempt < RETRIES:
                time.sleep(2**attempt)
            pairs = busy
        raise RuntimeError(
            f"search: Elasticsearch was too busy for {len(pairs)} document(s) after {RETRIES} retries"
        )

    def _version_name(self, kind: str) -> str:
        return f"{self.alias(kind)}-{time.strftime('%Y%m%d%H%M%S')}{time.time_ns() % 1_000_000_000:09d}"


def _bool_query(query: SearchQuery) -> dict[str, Any]:
    should = [
        {
            "constant_score": {
                "filter": {"terms": {"tokens": list(c.tokens)}},
                "boost": c.weight,
                "_name": str(i),
            }
        }
        for i, c in enumerate(query.clauses)
    ]
    filters: list[dict[str, Any]] = [
        {"terms": {name: list(values)}} for name, values in query.filters.values.items()
    ]
    bounds = {}
    if query.filters.time_from is not None:
        bounds["gte"] = query.filters.time_from.isoformat()
    if query.filters.time_to is not None:
        bounds["lte"] = query.filters.time_to.isoformat()
    if bounds:
        filters.append({"range": {"time": bounds}})
    refused = [{"terms": {name: list(values)}} for name, values in query.filters.exclude.items() if values]
    return {"bool": {"should": should, "minimum_should_match": 1, "filter": filters, "must_not": refused}}


def _index_lines(index: str, kind: str, docs: Iterable[SearchDocument]) -> Iterator[bytes]:
    """Yield each document as its NDJSON bulk pair: the index action line and the source line."""
    for doc in checked_documents(kind, docs):
        action = orjson.dumps({"index": {"_index": index, "_id": doc.id}})
        source = {
            "id": doc.id,
            "kind": doc.kind,
            "title": doc.title,
            "tokens": doc.tokens,
            "time": doc.time.isoformat() if doc.time else None,
            "display": dict(doc.display),
            **doc.facets,
        }
        yield b"%s\n%s\n" % (action, orjson.dumps(source, option=JSON_OPTIONS))


def _chunks(lines: Iterable[bytes], limit: int) -> Iterator[list[bytes]]:
    """Group byte strings into lists of about `limit` bytes (at least one item each)."""
    chunk: list[bytes] = []
    size = 0
    for line in lines:
        chunk.append(line)
        size += len(line)
        if size >= limit:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk
