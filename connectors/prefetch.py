"""Pages pulled ahead: a reader's next page is fetched while the caller handles this one.

The waiting on a source (its server composing the page, the network) releases the interpreter,
so the pull of page n+1 overlaps the work on page n. An error in the reader reaches the caller
at the page where it happened, as if read in line; leaving early stops the pulling thread.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

__all__ = ["prefetched"]

T = TypeVar("T")
_DONE = object()


def prefetched(pages: Iterator[T], depth: int = 2) -> Iterator[T]:
    """Yield the items of `pages`, pulling up to `depth` of them ahead in a background thread."""
    ready: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def pull() -> None:
        try:
            for page in pages:
                while not stop.is_set():
                    try:
                        ready.put(page, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            ready.put(_DONE)
        except BaseException as error:  # handed to the caller, raised where the page was asked for
            ready.put(error)

    worker = threading.Thread(target=pull, name="page-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item = ready.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        worker.join(timeout=30)
