"""The raw lake: every extracted batch as Parquet with a manifest, written atomically.

Layout: `<root>/raw/<source>/<batch_id>/data.parquet` and `manifest.json` beside it. A batch id is
derived from the source and its watermark range, so extracting the same interval again yields the
same batch (same id, same bytes) instead of a duplicate.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

_PARQUET_OPTIONS = {"compression": "zstd", "write_statistics": True, "use_dictionary": True}


@dataclass(frozen=True, slots=True)
class BatchManifest:
    """What a landed batch holds: enough to verify it and to replay it."""

    source: str
    batch_id: str
    watermark_from: str
    watermark_to: str
    row_count: int
    schema_fingerprint: str
    sha256: str
    extracted_at: str


def batch_id_for(source: str, watermark_from: str, watermark_to: str) -> str:
    """Return the batch id of an interval: stable, sortable, and safe as a folder name."""
    digest = hashlib.sha256(f"{source}|{watermark_from}|{watermark_to}".encode()).hexdigest()[:12]
    stamp = "".join(ch for ch in watermark_to if ch.isdigit())[:14] or "initial"
    return f"{stamp}-{digest}"


def schema_fingerprint(schema: pa.Schema) -> str:
    """Return a short hash of the column names and types (not metadata)."""
    text = ";".join(f"{field.name}:{field.type}" for field in schema)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Lake:
    """A folder of raw batches, one subfolder per source."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def batch_dir(self, source: str, batch_id: str) -> Path:
        """Return the folder of one batch of a source."""
        return self.root / "raw" / source / batch_id

    def write_batch(
        self,
        source: str,
        table: pa.Table,
        watermark_from: str,
        watermark_to: str,
        extracted_at: str,
    ) -> BatchManifest:
        """Return the manifest of the batch, writing it unless the same batch is already there."""
        batch_id = batch_id_for(source, watermark_from, watermark_to)
        final = self.batch_dir(source, batch_id)
        if (final / "manifest.json").exists():
            return self.read_manifest(source, batch_id)
        staging = final.with_name(f".{batch_id}.staging-{os.getpid()}")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        data_path = staging / "data.parquet"
        pq.write_table(table, data_path, **_PARQUET_OPTIONS)
        manifest = BatchManifest(
            source=source,
            batch_id=batch_id,
            watermark_from=watermark_from,
            watermark_to=watermark_to,
            row_count=table.num_rows,
            schema_fingerprint=schema_fingerprint(table.schema),
            sha256=_sha256(data_path),
            extracted_at=extracted_at,
        )
        (staging / "manifest.json").write_text(json.dumps(asdict(manifest), indent=2), "utf-8")
        _fsync_dir(staging)
        os.replace(staging, final)  # the batch appears whole or not at all
        return manifest

    def read_manifest(self, source: str, batch_id: str) -> BatchManifest:
        """Return the manifest written with a batch."""
        text = (self.batch_dir(source, batch_id) / "manifest.json").read_text("utf-8")
        return BatchManifest(**json.loads(text))

    def read_batch(self, source: str, batch_id: str) -> pa.Table:
        """Return a landed batch, verifying its checksum first."""
        manifest = self.read_manifest(source, batch_id)
        path = self.batch_dir(source, batch_id) / "data.parquet"
        if _sha256(path) != manifest.sha256:
            raise ValueError(f"lake batch {source}/{batch_id}: checksum does not match its manifest")
        return pq.read_table(path)

    def list_batches(self, source: str) -> list[BatchManifest]:
        """Return the source's batches in watermark order."""
        folder = self.root / "raw" / source
        if not folder.exists():
            return []
        manifests = [
            self.read_manifest(source, entry.name)
            for entry in folder.iterdir()
            if entry.is_dir() and not entry.name.startswith(".")
        ]
        return sorted(manifests, key=lambda m: (m.watermark_to, m.batch_id))


def _fsync_dir(folder: Path) -> None:
    for path in folder.iterdir():
        with path.open("rb") as handle:
            os.fsync(handle.fileno())
