"""A synthetic Chinese city with ground truth, and each department's records of it.

`simulate_city(people=, seed=, out=, days=, end=, noise=)` writes the layout of simulators/README.md
and returns row counts per table; the same seed and noise profile (clean, realistic, hard) give
byte-identical files.
"""

from simulators.city.simulation import Simulation, simulate, simulate_city

__all__ = ["Simulation", "simulate", "simulate_city"]
