"""The embedded engines that were considered for the search index, timed side by side
(`cityhub bench search --engines N`): posting-list blobs, SQLite FTS5 and one row per posting."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from search.base import SearchDocument


def compare_engines(n: int, folder: Path, queries: int = 200, seed: int = 7) -> list[dict[str, Any]]:
    """Time the embedded engines considered, on `n` synthetic documents of 30 tokens each.

    Each document has 3 tokens from 20 common ones (5-15 % of documents each, like a surname
    character or a district) and 27 rare ones; a query asks for 2 common and 8 rare tokens and
    wants the 10 documents matching most of them. Engines: our posting-list blobs, SQLite FTS5
    over the same pre-tokenised text (unicode61, bm25 order), one SQLite row per posting (count
    in SQL). Also checks whether FTS5's trigram tokenizer finds a 2-character name.
    """
    import sqlite3

    from search.base import Clause, SearchQuery
    from search.embedded_index import EmbeddedIndex

    rng = np.random.default_rng(seed)
    common = rng.integers(0, 20, size=(n, 3))
    rare = rng.integers(0, n // 2, size=(n, 27))
    texts = [" ".join([*(f"c{c}" for c in common[i]), *(f"r{r}" for r in rare[i])]) for i in range(n)]
    wanted = [
        [f"c{c}" for c in rng.integers(0, 20, 2)] + [f"r{r}" for r in rng.integers(0, n // 2, 8)]
        for _ in range(queries)
    ]
    rows: list[dict[str, Any]] = []

    def timed(engine: str, build: Any, ask: Any) -> None:
        began = time.perf_counter()
        build()
        built = time.perf_counter() - began
        ask(wanted[0])
        latencies = []
        for tokens in wanted:
            began = time.perf_counter()
            ask(tokens)
            latencies.append((time.perf_counter() - began) * 1000)
        p50, p99 = np.percentile(latencies, [50, 99])
        rows.append(
            {
                "system": engine,
                "what": f"{n:,} synthetic docs",
                "docs": n,
                "index s": round(built, 1),
                "p50 ms": round(float(p50), 2),
                "p99 ms": round(float(p99), 2),
            }
        )

    index = EmbeddedIndex(folder / "engines-blobs", "e")
    docs = (SearchDocument(str(i), "person", "", tuple(t.split())) for i, t in enumerate(texts))

    def blobs_build() -> None:
        index.ensure_index()
        index.full_rebuild("person", docs)

    timed(
        "posting blobs + NumPy (chosen)",
        blobs_build,
        lambda tokens: index.execute(
            SearchQuery("", tuple(Clause("x", (t,), 1.0, t) for t in tokens), ("person",))
        ),
    )
    fts = sqlite3.connect(folder / "engines-fts5.sqlite")

    def fts_build() -> None:
        fts.execute("CREATE VIRTUAL TABLE docs USING fts5(tokens, tokenize='unicode61')")
        fts.executemany("INSERT INTO docs(rowid, tokens) VALUES (?, ?)", enumerate(texts))
        fts.commit()

    timed(
        "SQLite FTS5 unicode61, bm25",
        fts_build,
        lambda tokens: fts.execute(
            "SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY rank LIMIT 10", (" OR ".join(tokens),)
        ).fetchall(),
    )
    rowwise = sqlite3.connect(folder / "engines-rows.sqlite")

    def rows_build() -> None:
        rowwise.execute("CREATE TABLE p (token TEXT, doc INTEGER, PRIMARY KEY (token, doc)) WITHOUT ROWID")
        rowwise.executemany(
            "INSERT INTO p VALUES (?, ?)",
            ((token, i) for i, t in enumerate(texts) for token in dict.fromkeys(t.split())),
        )
        rowwise.commit()

    timed(
        "SQLite row per posting, GROUP BY",
        rows_build,
        lambda tokens: rowwise.execute(
            f"SELECT doc, count(*) AS s FROM p WHERE token IN ({','.join('?' * len(tokens))}) "
            "GROUP BY doc ORDER BY s DESC, doc LIMIT 10",
            tokens,
        ).fetchall(),
    )
    trigram = sqlite3.connect(":memory:")
    trigram.execute("CREATE VIRTUAL TABLE t USING fts5(name, tokenize='trigram')")
    trigram.execute("INSERT INTO t VALUES ('张伟'), ('张伟强')")
    found = trigram.execute("SELECT count(*) FROM t WHERE t MATCH '张伟'").fetchone()[0]
    rows.append(
        {
            "system": f"SQLite {sqlite3.sqlite_version} FTS5 trigram",
            "what": "MATCH '张伟' on 张伟, 张伟强: rows found",
            "docs": int(found),
        }
    )
    index.close()
    return rows
