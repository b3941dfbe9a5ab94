"""One version of one kind's embedded index: a SQLite file of documents and posting lists.

    docs(idx, id, title, display, time)   one row per live document; `idx` is never reused
    postings(token, docs)                 token -> sorted int32 array of idx, as a blob
    postings_added(token, generation, docs)  the idx a later write added to a token's list
    meta(key, value)                      kind, next idx, generation (bumped by every write)

A write appends its idx to a token as a row of `postings_added` instead of rewriting the token's
whole list (a common token lists most documents: rewriting it made every small write cost as
much as the index is large); new idx are larger, so the base list then the added rows in
generation order stay sorted. Every `MERGE_EVERY` writes the added rows are merged into the base.

Facet values are postings too, under tokens `\\x01<field>=<value>`. A document replaced or
deleted loses its `docs` row; its idx stays in old postings and is masked out as dead until the
next full rebuild compacts it away.

A reader keeps per-version arrays in memory (which idx are live, each idx's rank in id order for
tie-breaking, times, facet postings) and reloads them when the generation changes, so another
process's writes are seen at the next query.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from array import array
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from search.base import SearchDocument, epoch_seconds

__all__ = ["FACET_PREFIX", "VersionStore", "facet_token"]

FACET_PREFIX = "\x01"
_EPOCH_NONE = np.iinfo(np.int64).min
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs (idx INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, title TEXT NOT NULL,
                                 display TEXT NOT NULL, time INTEGER);
CREATE TABLE IF NOT EXISTS postings (token TEXT PRIMARY KEY, docs BLOB NOT NULL);
"""
_ADDED = """
CREATE TABLE IF NOT EXISTS postings_added (token TEXT NOT NULL, generation INTEGER NOT NULL,
                                           docs BLOB NOT NULL, PRIMARY KEY (token, generation));
"""
MERGE_EVERY = 32  # writes between merges of the added posting rows into the base lists


def facet_token(field: str, value: str) -> str:
    """Return the internal token under which documents with a facet value are listed."""
    return f"{FACET_PREFIX}{field}={value}"


@dataclass
class ReaderCache:
    """What a reader holds in memory for one generation of a version."""

    generation: str
    live: np.ndarray  # bool per idx
    rank: np.ndarray  # int32 per idx: position of the id in sorted order (ties break by it)
    times: np.ndarray  # int64 epoch seconds per idx, _EPOCH_NONE when the document has no time
    facets: dict[str, dict[str, np.ndarray]]  # field -> value -> idx array, loaded on demand


class VersionStore:
    """Read and write one version file; safe to share between threads of one process."""

    def __init__(self, path: Path, *, create: bool = False, kind: str = "") -> None:
        self.path = path
        uri = f"file:{path}?mode={'rwc' if create else 'rw'}"
        self._db = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
        self._lock = threading.RLock()
        self._cache: ReaderCache | None = None
        if create:
            self._db.executescript(_SCHEMA)
            self._db.executemany(
                "INSERT OR IGNORE INTO meta VALUES (?, ?)",
                [("kind", kind), ("next_idx", "0"), ("generation", "0")],
            )
        self._db.execute("PRAGMA busy_timeout = 30000")
        self._db.executescript(_ADDED)  # a version written before added rows existed gains the table

    def close(self) -> None:
        """Close the version's database connection."""
        with self._lock:
            self._db.close()

    # --- writing --------------------------------------------------------------------------------

    def bulk_load(self, docs: Iterable[SearchDocument]) -> int:
        """Fill an empty version quickly (no journal: the file is not visible to readers yet)."""
        with self._lock:
            self._db.execute("PRAGMA journal_mode = OFF")
            self._db.execute("PRAGMA synchronous = OFF")
            count = self._write(docs, fresh=True)
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            return count

    def upsert(self, docs: Iterable[SearchDocument]) -> int:
        """Insert or replace documents in one transaction."""
        with self._lock:
            return self._write(docs, fresh=False)

    def delete(self, ids: Sequence[str]) -> int:
        """Delete the documents with these ids; return how many there were."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany("DELETE FROM docs WHERE id = ?", [(i,) for i in ids])
                self._bump()
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return len(ids)

    def _write(self, docs: Iterable[SearchDocument], *, fresh: bool) -> int:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            next_idx = int(self._meta("next_idx"))
            postings: dict[str, array[int]] = defaultdict(lambda: array("i"))
            rows, count = [], 0
            for doc in docs:
                idx = next_idx + count
                count += 1
                rows.append(
                    (
                        idx,
                        doc.id,
                        doc.title,
                        json.dumps(doc.display, ensure_ascii=False),
                        epoch_seconds(doc.time) if doc.time else None,
                    )
                )
                for token in doc.tokens:
                    postings[token].append(idx)
                for name, values in doc.facets.items():
                    for value in values:
                        postings[facet_token(name, value)].append(idx)
                if len(rows) >= 5000:
                    self._insert_docs(rows)
                    rows = []
            self._insert_docs(rows)
            self._merge_postings(postings, fresh)
            self._db.execute("UPDATE meta SET value = ? WHERE key = 'next_idx'", (str(next_idx + count),))
            self._bump()
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        return count

    def _insert_docs(self, rows: list[tuple[Any, ...]]) -> None:
        # a repeated id replaces the older row; that row's idx is then dead in the postings
        self._db.executemany("INSERT OR REPLACE INTO docs VALUES (?, ?, ?, ?, ?)", rows)

    def _merge_postings(self, postings: dict[str, array[int]], fresh: bool) -> None:
        if fresh:
            self._db.executemany(
                "INSERT INTO postings VALUES (?, ?)",
                ((token, ids.tobytes()) for token, ids in postings.items()),
            )
            return
        generation = int(self._meta("generation")) + 1  # this write's, once `_bump` has run
        self._db.executemany(
            "INSERT INTO postings_added VALUES (?, ?, ?)",
            ((token, generation, ids.tobytes()) for token, ids in postings.items()),
        )
        if generation % MERGE_EVERY == 0:
            self._merge_added()

    def _merge_added(self) -> None:
        """Fold the added posting rows into the base lists, inside the caller's transaction."""
        merged: dict[str, list[bytes]] = defaultdict(list)
        tokens = [r[0] for r in self._db.execute("SELECT DISTINCT token FROM postings_added")]
        for start in range(0, len(tokens), 30000):
            chunk = tokens[start : start + 30000]
            marks = ",".join("?" * len(chunk))
            for token, blob in self._db.execute(
                f"SELECT token, docs FROM postings WHERE token IN ({marks})", chunk
            ):
                merged[token].append(blob)
        for token, blob in self._db.execute(
            "SELECT token, docs FROM postings_added ORDER BY token, generation"
        ):
            merged[token].append(blob)
        self._db.executemany(
            "INSERT OR REPLACE INTO postings VALUES (?, ?)",
            ((t, b"".join(parts)) for t, parts in merged.items()),
        )
        self._db.execute("DELETE FROM postings_added")

    def _bump(self) -> None:
        self._db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")

    def _meta(self, key: str) -> str:
        return str(self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()[0])

    # --- reading --------------------------------------------------------------------------------

    def count(self) -> int:
        """Return the number of documents in this version."""
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM docs").fetchone()[0])

    def cache(self) -> ReaderCache:
        """Return the in-memory arrays for the current generation, reloading them after a write."""
        with self._lock:
            generation = self._meta("generation")
            if self._cache is None or self._cache.generation != generation:
                self._cache = self._load_cache(generation)
            return self._cache

    def _load_cache(self, generation: str) -> ReaderCache:
        size = int(self._meta("next_idx"))
        rows = self._db.execute("SELECT idx, id, time FROM docs").fetchall()
        live = np.zeros(size, dtype=bool)
        rank = np.zeros(size, dtype=np.int32)
        times = np.full(size, _EPOCH_NONE, dtype=np.int64)
        if rows:
            idx = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
            live[idx] = True
            order = sorted(range(len(rows)), key=lambda i: rows[i][1])
            rank[idx[order]] = np.arange(len(rows), dtype=np.int32)
            stamps = np.array([_EPOCH_NONE if r[2] is None else r[2] for r in rows], dtype=np.int64)
            times[idx] = stamps
        return ReaderCache(generation, live, rank, times, {})

    def postings(self, tokens: Sequence[str]) -> dict[str, np.ndarray]:
        """Return token -> idx array for the tokens the index has (one query for all of them)."""
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for start in range(0, len(tokens), 30000):
                chunk = list(tokens[start : start + 30000])
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(f"SELECT token, docs FROM postings WHERE token IN ({marks})", chunk)
                added = self._db.execute(
                    f"SELECT token, docs FROM postings_added WHERE token IN ({marks})"
                    " ORDER BY token, generation",
                    chunk,
                )
                found.update(_joined([*rows, *added]))
        return found

    def facet_postings(self, cache: ReaderCache, field: str) -> dict[str, np.ndarray]:
        """Return value -> idx array for every value of a facet field (cached per generation)."""
        with self._lock:
            if field not in cache.facets:
                low, high = facet_token(field, ""), f"{FACET_PREFIX}{field}>"
                rows = self._db.execute(
                    "SELECT token, docs FROM postings WHERE token >= ? AND token < ?", (low, high)
                ).fetchall()
                rows += self._db.execute(
                    "SELECT token, docs FROM postings_added WHERE token >= ? AND token < ? "
                    "ORDER BY token, generation",
                    (low, high),
                ).fetchall()
                cache.facets[field] = {token[len(low) :]: ids for token, ids in _joined(rows).items()}
            return cache.facets[field]

    def fetch(self, idx: Sequence[int]) -> dict[int, tuple[str, str, dict[str, Any]]]:
        """Return idx -> (id, title, display) for the given documents."""
        marks = ",".join("?" * len(idx))
        with self._lock:
            rows = self._db.execute(
                f"SELECT idx, id, title, display FROM docs WHERE idx IN ({marks})", [int(i) for i in idx]
            ).fetchall()
        return {r[0]: (r[1], r[2], json.loads(r[3])) for r in rows}


def _joined(rows: Iterable[tuple[str, bytes]]) -> dict[str, np.ndarray]:
    """Return token -> idx array from (token, blob) rows: the base list first, then the added rows
    in generation order (each later one holds larger idx, so the whole stays sorted)."""
    parts: dict[str, list[bytes]] = defaultdict(list)
    for token, blob in rows:
        parts[token].append(blob)
    return {
        token: np.frombuffer(blobs[0] if len(blobs) == 1 else b"".join(blobs), dtype=np.int32)
        for token, blobs in parts.items()
    }
