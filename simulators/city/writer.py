"""Byte-stable Parquet files and the manifest: fixed writer options, sha256 of every file."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

ROW_GROUP_ROWS = 262_144


def write_parquet(table: pa.Table, path: Path) -> None:
    """Write a table with fixed options, so the same table always gives the same bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        table.replace_schema_metadata(None),
        path,
        row_group_size=ROW_GROUP_ROWS,
        compression="zstd",
        compression_level=3,
        use_dictionary=True,
        write_statistics=True,
        version="2.6",
        data_page_version="1.0",
        store_schema=True,
    )


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_manifest(out: Path, header: dict[str, Any], files: dict[str, int]) -> Path:
    """Write manifest.json: the header, row counts and the sha256 of every file (keys are paths under out)."""
    document = {
        **header,
        "rows": dict(sorted(files.items())),
        "sha256": {name: sha256(out / name) for name in sorted(files)},
    }
    path = out / "manifest.json"
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False) + "\n", "utf-8")
    return path
