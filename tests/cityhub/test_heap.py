"""The collector's settings for a batch are the batch's alone."""

from __future__ import annotations

import gc

from cityhub.pipeline.heap import batch_collections


def test_a_batch_leaves_the_collector_as_it_found_it():
    gc.unfreeze()
    before = gc.get_threshold()
    with batch_collections():
        assert gc.get_threshold()[0] >= 50_000
        assert gc.get_freeze_count() > 0  # what lived before the batch is left out of collections
        with batch_collections():  # nested: the outer one restores
            pass
        assert gc.get_threshold()[0] >= 50_000
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_a_heap_the_process_froze_itself_stays_frozen():
    gc.freeze()  # as the API does after start-up
    try:
        with batch_collections():
            pass
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
