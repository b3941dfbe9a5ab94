"""Refit the reference people model: `python -m proving.people_model [--people N --seed S --noise P]`.

`resolve_people` does not use it: every input of two or more mentions is scored with parameters
estimated from itself (u from its own random pairs or all of them, m from the pairs it vouches for
and EM sessions, shrunk towards the generic prior `train.DEFAULT_M`), so nothing measured on a
simulated seed reaches a user's file. The reference model serves only `match_person`, which ranks
the resolved people for one record and has no data of its own to estimate from; it is fitted on a
simulated city (20,000 residents, seed 7, realistic noise by default) and written to
`entity_resolution/people/reference_model.json`.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from cityhub.resolve_files import people_options
from entity_resolution.people import resolve_people
from entity_resolution.people.train import save_reference_model
from proving.scores import load_simulated_city
from simulators.city import simulate_city


def fit_reference_model(people: int = 20_000, seed: int = 7, noise: str = "realistic") -> Path:
    """Simulate a city, resolve its people, and save the fitted model as the reference model."""
    with tempfile.TemporaryDirectory() as folder:
        simulate_city(people=people, seed=seed, out=Path(folder), noise=noise)
        result = resolve_people(load_simulated_city(folder).mentions, options=people_options())
    return save_reference_model(result.model)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--noise", default="realistic")
    arguments = parser.parse_args()
    print(fit_reference_model(arguments.people, arguments.seed, arguments.noise))
