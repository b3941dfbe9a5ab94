"""Noise profiles: how often each kind of mess reaches the data that is scored.

`clean` is the simulator as it always was (homophones, phone styles, slips fixed by a later version);
`realistic` adds what real department data shows and the normalisers do not undo; `hard` more and
stronger of each. Rates are per field value (a name, a phone, an address) unless said otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

from ontology.errors import BadInput


@dataclass(frozen=True, slots=True)
class NoiseProfile:
    """Rates of each noise kind; a rate of 0 turns the kind off (and draws nothing)."""

    name: str
    id_slip: float = 0.0  # a digit slip or adjacent transposition in an ID number (check digit recomputed)
    phone_slip: float = 0.0  # a digit slip or adjacent transposition in a phone number
    name_typo: float = 0.0  # a visually similar or wrong character, or a dropped one
    birth_swap: float = 0.0  # day and month swapped in a written birth date (where both are <= 12)
    date_styles: float = 0.0  # share of date and time values written in another format
    date_only: float = 0.0  # share of event times written without the time of day
    address_rewrite: float = 0.0  # an address rewritten at another granularity
    unknown_division: float = 0.0  # of rewritten addresses: a community the gazetteer does not know
    own_label: float = 0.0  # the department's label differs from its code book's name (renamed, synonym)
    coarse_label: float = 0.0  # the department files only the kind of matter (纠纷/邻里纠纷)
    repeat_hotline: float = 0.0  # a second 12345 ticket about the same incident days later
    repeat_grid: float = 0.0  # a grid worker's second report on the next patrol
    double_typo: float = 0.0  # of noisy values: a second slip in the same value

    @property
    def clean(self) -> bool:
        """Return whether this profile adds nothing to today's noise."""
        return self == PROFILES["clean"]


PROFILES: dict[str, NoiseProfile] = {
    "clean": NoiseProfile("clean"),
    "realistic": NoiseProfile(
        "realistic",
        id_slip=0.03,
        phone_slip=0.04,
        name_typo=0.04,
        birth_swap=0.04,
        date_styles=0.5,
        date_only=0.05,
        address_rewrite=0.3,
        unknown_division=0.35,
        own_label=0.4,
        coarse_label=0.15,
        repeat_hotline=0.06,
        repeat_grid=0.05,
    ),
    "hard": NoiseProfile(
        "hard",
        id_slip=0.07,
        phone_slip=0.08,
        name_typo=0.09,
        birth_swap=0.08,
        date_styles=0.8,
        date_only=0.12,
        address_rewrite=0.55,
        unknown_division=0.5,
        own_label=0.7,
        coarse_label=0.3,
        repeat_hotline=0.12,
        repeat_grid=0.1,
        double_typo=0.2,
    ),
}


def noise_profile(name: str) -> NoiseProfile:
    """Return the profile called `name` (clean, realistic, hard)."""
    try:
        return PROFILES[name]
    except KeyError:
        raise BadInput(f"--noise {name!r}: choose one of {', '.join(PROFILES)}") from None
