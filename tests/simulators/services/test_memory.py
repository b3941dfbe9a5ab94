"""What the department systems hold: each rendered record once, compactly, and nothing after they go."""

import datetime as dt
import gc
import tracemalloc
import weakref

import orjson

from simulators.services.history import ChannelHistory
from simulators.services.http_common import RenderedHistory
from simulators.services.runner import DepartmentSystems, history_end


def test_rendered_bodies_are_the_rows_json_and_hold_no_spare_buffer(small_city):
    history = ChannelHistory.read(small_city / "channels" / "hotline.parquet", "ticket_id")
    tracemalloc.start()
    try:
        rendered = RenderedHistory(history, dict)
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(rendered.bodies) == len(history.frame)
    first = orjson.loads(rendered.bodies[0])
    assert first["ticket_id"] == history.frame["ticket_id"].iloc[0]
    # orjson's own bytes keep their write buffer: kilobytes for a row of a few hundred bytes
    assert held < 1.5 * sum(len(body) + 40 for body in rendered.bodies)


def test_a_history_and_its_snapshots_go_when_the_systems_go(small_city, tmp_path):
    clock = history_end(small_city) - dt.timedelta(days=1)
    with DepartmentSystems(small_city, tmp_path, clock=clock) as systems:
        hotline = systems.histories["hotline"]
        assert len(hotline.snapshot(clock).frame)  # a snapshot the systems keep serving from
        gone = weakref.ref(hotline)
    del systems, hotline
    gc.collect()
    assert gone() is None
