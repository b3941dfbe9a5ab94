"""Pages pulled ahead: a reader's next page is fetched while the caller handles this one.

The waiting on a source (its server composing the page, the network) releases the interpreter,
so the pull of page n+1 overlaps the work on page n. An error in the reader reaches the caller
at the page where it happened, as if read in line; leaving early stops the pulling thread.
`Prefetcher.waiting()` tells the caller whether the source is ahead (pages are waiting) or behind
(the next page is still coming, so work done now fills the wait).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Generic, TypeVar

__all__ = ["Prefetcher", "prefetched"]

T = TypeVar("T")
_DONE = object()


class Prefetcher(Generic[T]):
    """The items of `pages`, up to `depth` of them pulled ahead in a background thread."""

    def __init__(self, pages: Iterator[T], depth: int = 2) -> None:
        self._pages = pages
        self._ready: queue.Queue[object] = queue.Queue(maxsize=depth)

    def waiting(self) -> int:
        """Return how many pulled pages (or the end) wait to be taken."""
        return self._ready.qsize()

    def __iter__(self) -> Iterator[T]:
        ready = self._ready
        stop = threading.Event()

        def pull() -> None:
            try:
                for page in self._pages:
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


def prefetched(pages: Iterator[T], depth: int = 2) -> Iterator[T]:
    """Yield the items of `pages`, pulling up to `depth` of them ahead in a background thread."""
    return iter(Prefetcher(pages, depth))
