"""The one GX context the gate validates with: created once per process, reused by every batch.

Creating a context and registering a data source costs far more than validating a small batch,
so neither happens per batch. The context is ephemeral (in memory): the gate keeps nothing
between runs; Data Docs are built separately, from the results the gate hands back.
"""

from __future__ import annotations

import threading
from functools import cache, lru_cache
from typing import Any

import great_expectations as gx
from great_expectations.core.batch_definition import BatchDefinition
from great_expectations.data_context.data_context.abstract_data_context import AbstractDataContext
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)

__all__ = ["DATA_SOURCE", "batch_definition", "in_memory_context"]

DATA_SOURCE = "cityhub_gate"
_LOCK = threading.Lock()  # the asset registry is not safe to extend from two threads at once


def in_memory_context(data_docs_sites: dict[str, dict[str, object]] | None = None) -> AbstractDataContext:
    """Return a new ephemeral GX context: in-memory stores, no progress bars, only the given docs sites.

    Progress bars are off because the gate runs in scheduled tasks, where they only fill the logs.
    """
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        data_docs_sites=data_docs_sites or {},
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
        analytics_enabled=False,
    )
    return gx.get_context(mode="ephemeral", project_config=config)


@lru_cache(maxsize=1)
def _gate_context() -> AbstractDataContext:
    context = in_memory_context()
    context.data_sources.add_pandas(DATA_SOURCE)
    return context


@cache
def _cached_batch_definition(record_type_name: str) -> BatchDefinition[Any]:
    source = _gate_context().data_sources.get(DATA_SOURCE)
    asset = source.add_dataframe_asset(record_type_name)  # type: ignore[attr-defined]
    definition: BatchDefinition[Any] = asset.add_batch_definition_whole_dataframe("whole batch")
    return definition


def batch_definition(record_type_name: str) -> BatchDefinition[Any]:
    """Return the batch definition the gate hands a record type's frames to (made on first use)."""
    with _LOCK:
        return _cached_batch_definition(record_type_name)
