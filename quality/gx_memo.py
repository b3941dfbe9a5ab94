"""One validation's expectation configurations, built once each instead of some ninety times.

GX 1.x derives an expectation's configuration from its fields on every read of
`Expectation.configuration` (a pydantic `dict()` and a fresh `ExpectationConfiguration`), and
planning the metrics of one expectation reads it about ninety times: that is most of the fixed
cost of a validation, whatever the batch size, and most of a small day's ingest.

Inside `configurations_memoized()` the property answers each expectation object from a memo that
lives for that block only (per thread and task: a context variable). The objects are held while
the block runs, so an id is never reused for another; GX builds fresh expectation objects for
each validation, so nothing carries from one validation to the next. Outside the block the
property behaves exactly as GX wrote it. GX still plans, computes and judges every expectation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from great_expectations.expectations.expectation import Expectation
from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

__all__ = ["configurations_memoized"]

_Memo = dict[int, tuple[Expectation, ExpectationConfiguration]]
_MEMO: ContextVar[_Memo | None] = ContextVar("cityhub_gx_configurations", default=None)


def _memoized(build: Callable[[Expectation], ExpectationConfiguration]) -> property:
    """Return a `configuration` property that consults the active memo, if any, before `build`."""

    def configuration(self: Expectation) -> ExpectationConfiguration:
        memo = _MEMO.get()
        if memo is None:
            return build(self)
        held = memo.get(id(self))
        if held is not None and held[0] is self:
            return held[1]
        built = build(self)
        memo[id(self)] = (self, built)
        return built

    configuration.__doc__ = "The expectation's configuration (memoized inside configurations_memoized())."
    return property(configuration)


def _install() -> None:
    """Wrap GX's property once per process (a second import finds it wrapped already)."""
    current: Any = Expectation.__dict__["configuration"]
    if not getattr(current.fget, "_cityhub_memoized", False):
        wrapped = _memoized(current.fget)
        wrapped.fget._cityhub_memoized = True  # type: ignore[union-attr]
        Expectation.configuration = wrapped  # type: ignore[method-assign,assignment]


_install()


@contextmanager
def configurations_memoized() -> Iterator[None]:
    """Memoize expectation configurations for the block (one validation); forget them after."""
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)
