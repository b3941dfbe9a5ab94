"""Independent random streams, one per table, all derived from the city's seed.

Each table draws from its own generator, so adding a draw to one table never shifts another:
`SeedSequence(seed).spawn()` gives the children in a fixed order of names.
"""

from __future__ import annotations

import numpy as np

STREAM_NAMES: tuple[str, ...] = (
    "places",
    "households",
    "people",
    "residences",
    "grids",
    "incidents",
    "reports",
    "versions",
    "hotline",
    "grid",
    "police",
    "petitions",
    # noise beyond the departments' own (simulators/city/noise); appended, so the streams above
    # stay what they were
    "noise_hotline",
    "noise_grid",
    "noise_police",
    "noise_petitions",
    "noise_reports",
    # handling times and category spikes (simulators/city/handling); appended likewise
    "handling",
    "spikes",
)


class Streams:
    """Named numpy generators split from one seed; `streams["people"]` is always the same stream."""

    def __init__(self, seed: int) -> None:
        children = np.random.SeedSequence(seed).spawn(len(STREAM_NAMES))
        self._generators = {
            name: np.random.default_rng(child) for name, child in zip(STREAM_NAMES, children, strict=True)
        }

    def __getitem__(self, name: str) -> np.random.Generator:
        return self._generators[name]
