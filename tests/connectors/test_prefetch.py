"""Pages pulled ahead keep their order, end cleanly, and raise a reader's error at its page."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from connectors.prefetch import prefetched
from ontology.errors import SourceError


def test_every_page_comes_once_and_in_order():
    assert list(prefetched(iter(range(50)), depth=3)) == list(range(50))


def test_an_error_of_the_reader_is_raised_after_the_pages_before_it():
    def pages() -> Iterator[int]:
        yield 1
        yield 2
        raise SourceError("hotline: /api/v1/tickets still failing after 6 attempts")

    seen = []
    with pytest.raises(SourceError, match="still failing"):
        for page in prefetched(pages()):
            seen.append(page)
    assert seen == [1, 2]


def test_leaving_early_stops_the_pulling_thread():
    pulled = []

    def pages() -> Iterator[int]:
        for n in range(1000):
            pulled.append(n)
            yield n

    for page in prefetched(pages(), depth=2):
        if page == 3:
            break
    assert not any(t.name == "page-prefetch" and t.is_alive() for t in threading.enumerate())
    assert len(pulled) < 10
