"""The workbench's own files served from memory, gzipped once at start.

Every path under these folders names one version of its file for good (the app's folders carry a digest
of their contents in their path, the vendored libraries are rebuilt only with the workbench), so each
answer may be kept by the browser for a week without asking again. A browser that has not kept one
yet (a new official's first chart, say) gets it in one piece, compressed, straight from memory: read
from disk in chunks, half a megabyte of ECharts took the hub a dozen thread hand-overs while it was
answering the page's data requests beside it.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse, Response
from starlette.types import Receive, Scope, Send

__all__ = ["IMMUTABLE", "KeptFiles"]

#: Files that never change under the same path: the browser keeps them for a week.
IMMUTABLE = "public, max-age=604800, immutable"
GZIP_LEVEL = 9  # once, at start: the smallest answer for every later request
SMALLEST_GZIPPED = 1024  # bytes; below this, compressing saves nothing worth a header


@dataclass(frozen=True, slots=True)
class _Kept:
    """One file: its bytes, gzipped bytes (None when not worth it), media type and entity tag."""

    body: bytes
    gzipped: bytes | None
    media_type: str
    etag: str


def _media_type(path: Path) -> str:
    known = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
    if path.suffix in known:
        return known[path.suffix]
    guessed = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"{guessed}; charset=utf-8" if guessed.startswith("text/") else guessed


def _kept(path: Path) -> _Kept:
    stat = path.stat()
    return _compressed(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=256)
def _compressed(path: Path, mtime_ns: int, size: int) -> _Kept:
    """The file as kept, once per version of it in a process (apps made again, as tests do, reuse it)."""
    body = path.read_bytes()
    smaller = gzip.compress(body, GZIP_LEVEL, mtime=0) if len(body) >= SMALLEST_GZIPPED else None
    if smaller is not None and len(smaller) >= len(body):
        smaller = None
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return _Kept(body, smaller, _media_type(path), etag)


class KeptFiles:
    """An ASGI app serving every file under a folder from memory (GET and HEAD), gzipped when asked."""

    def __init__(self, folder: Path) -> None:
        self.files = {
            path.relative_to(folder).as_posix(): _kept(path)
            for path in sorted(folder.rglob("*"))
            if path.is_file()
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer a request for a file: 200 (gzipped if accepted), 304 for the browser's own copy, or 404."""
        response = self.response(scope)
        await response(scope, receive, send)

    def response(self, scope: Scope) -> Response:
        """Return the answer to a request for a file under the folder."""
        if scope["method"] not in ("GET", "HEAD"):
            return PlainTextResponse("Method Not Allowed", 405, headers={"Allow": "GET, HEAD"})
        kept = self.files.get(str(scope["path"]).removeprefix(scope.get("root_path", "")).lstrip("/"))
        if kept is None:
            return PlainTextResponse("Not Found", 404)
        asked = Headers(scope=scope)
        headers = {"Cache-Control": IMMUTABLE, "ETag": kept.etag, "Vary": "Accept-Encoding"}
        if asked.get("if-none-match") == kept.etag:
            return Response(status_code=304, headers=headers)
        body = kept.body
        if kept.gzipped is not None and "gzip" in asked.get("accept-encoding", ""):
            body = kept.gzipped
            headers["Content-Encoding"] = "gzip"
        if scope["method"] == "HEAD":
            headers["Content-Length"] = str(len(body))
            return Response(status_code=200, headers=headers, media_type=kept.media_type)
        return Response(body, 200, headers=headers, media_type=kept.media_type)
