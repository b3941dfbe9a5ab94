"""Noise on whole columns: each value hit with the profile's rate, draws from the channel's noise stream."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simulators.city.addresses import AddressBook
from simulators.city.noise.addresses import messy_address, unknown_division
from simulators.city.noise.dates import restyle_date, restyle_datetime
from simulators.city.noise.profiles import NoiseProfile
from simulators.city.noise.typos import id_slip, name_typo, phone_slip

Ints = npt.NDArray[np.int64]
Typo = Callable[[str, float, float], str]


@dataclass(slots=True)
class FieldNoise:
    """One channel's noise: the profile and the channel's own random stream."""

    profile: NoiseProfile
    rng: np.random.Generator

    def _typos(self, values: list[str], rate: float, typo: Typo) -> list[str]:
        """Return values with a typo in each value hit (a second one in `double_typo` of those)."""
        n = len(values)
        hit = self.rng.random(n) < rate
        again = self.rng.random(n) < self.profile.double_typo
        draws = self.rng.random((n, 4)).tolist()
        out = list(values)
        for i in np.flatnonzero(hit).tolist():
            value = values[i]
            if not value:
                continue
            d = draws[i]
            value = typo(value, d[0], d[1])
            out[i] = typo(value, d[2], d[3]) if again[i] else value
        return out

    def names(self, values: list[str]) -> list[str]:
        """Return names with look-alike, wrong or dropped characters."""
        return self._typos(values, self.profile.name_typo, name_typo) if self.profile.name_typo else values

    def phones(self, values: list[str]) -> list[str]:
        """Return phones with digit slips and transpositions."""
        return self._typos(values, self.profile.phone_slip, phone_slip) if self.profile.phone_slip else values

    def id_numbers(self, values: list[str]) -> list[str]:
        """Return ID numbers with slips that keep the check digit valid."""
        return self._typos(values, self.profile.id_slip, id_slip) if self.profile.id_slip else values

    def datetimes(self, values: list[str], date_only_allowed: bool = True) -> list[str]:
        """Return 'YYYY-MM-DD HH:MM:SS' stamps in mixed styles, some without the time of day."""
        if not self.profile.date_styles:
            return values
        n = len(values)
        restyle = self.rng.random(n) < self.profile.date_styles
        bare = (self.rng.random(n) < self.profile.date_only) & date_only_allowed
        draws = self.rng.random(n).tolist()
        return [
            restyle_datetime(v, draws[i], bool(bare[i])) if restyle[i] or bare[i] else v
            for i, v in enumerate(values)
        ]

    def dates(self, values: list[str], swaps: bool) -> list[str]:
        """Return written dates in mixed styles; birth dates (`swaps`) some with day and month swapped."""
        if not self.profile.date_styles:
            return values
        n = len(values)
        restyle = self.rng.random(n) < self.profile.date_styles
        swap = (self.rng.random(n) < self.profile.birth_swap) & swaps
        draws = self.rng.random(n).tolist()
        return [
            restyle_date(v, draws[i], bool(swap[i])) if restyle[i] or swap[i] else v
            for i, v in enumerate(values)
        ]

    def addresses(
        self, values: list[str], book: AddressBook, rooms: Ints, levels: Ints, room_community: Ints
    ) -> list[str]:
        """Return addresses, some rewritten at another granularity or with an unknown community."""
        rate = self.profile.address_rewrite
        if not rate:
            return values
        n = len(values)
        rewrite = self.rng.random(n) < rate
        unknown = self.rng.random(n) < self.profile.unknown_division
        draws = self.rng.random((n, 6))
        out = list(values)
        for i in np.flatnonzero(rewrite).tolist():
            room = int(rooms[i])
            parts = book.parts(room)
            community = int(room_community[room])
            division = unknown_division(community, parts.community) if unknown[i] else None
            out[i] = messy_address(parts, int(levels[i]), tuple(draws[i].tolist()), division)
        return out
