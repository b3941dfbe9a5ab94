"""Residents: names, birth dates, sexes, ID numbers and mobiles, with twins and namesakes.

A household shares one surname line (children take the father's), a registered region (the
district of its community, or a home county for migrant households) and a home phone. Twins
share birth date, household and surname. Names are drawn from skewed pools, so namesakes occur.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from simulators.city import idcards, names
from simulators.city.households import CHILD, HEAD, PARENT, RELATIVE, SPOUSE, Households
from simulators.city.places import City

Ints = npt.NDArray[np.int64]
MOBILE_PREFIXES = np.array(
    [
        130,
        131,
        132,
        133,
        135,
        136,
        137,
        138,
        139,
        150,
        151,
        152,
        155,
        157,
        158,
        159,
        166,
        173,
        175,
        177,
        180,
        181,
        182,
        183,
        185,
        186,
        187,
        188,
        189,
        191,
        198,
        199,
    ]
)


@dataclass(slots=True)
class People:
    """Every resident, in household order; index i is person P{i+1:08d}."""

    household: Ints
    relation: Ints
    female: npt.NDArray[np.bool_]
    birth: npt.NDArray[np.datetime64]
    name: list[str]
    id_number: list[str]
    region: list[str]
    mobile: list[str | None]
    twin_of: Ints  # -1: not a twin
    namesake_group: Ints  # -1: the full name is unique in the city

    def __len__(self) -> int:
        return len(self.household)

    @property
    def person_ids(self) -> list[str]:
        return [f"P{i:08d}" for i in range(1, len(self.household) + 1)]

    def age_on(self, day: date) -> Ints:
        """Return whole years of age on `day`."""
        return ((np.datetime64(day, "D") - self.birth).astype(np.int64) // 365.25).astype(np.int64)


def build_people(rng: np.random.Generator, city: City, households: Households, start: date) -> People:
    """Return the residents of `households`, as of the history's first day."""
    hh, relation = households.member_household, households.member_relation
    female = households.member_female
    birth = np.datetime64(start, "D") - (
        households.member_age * 365.25 + rng.integers(1, 365, len(hh))
    ).astype("timedelta64[D]")
    twin_of = _twins(rng, hh, relation, households.size)
    has_twin = twin_of >= 0
    birth[has_twin] = np.minimum(birth[has_twin], birth[twin_of[has_twin]])
    full_names = _names(rng, hh, relation, female, len(households.size))
    region = _regions(rng, city, households)[hh]
    region_list = region.tolist()
    keys = np.unique(region, return_inverse=True)[1].astype(np.int64) * 100_000 + birth.astype(np.int64)
    sequences = idcards.sequences_for(rng, keys, ~female)
    ids = idcards.id_numbers(region_list, birth, sequences)
    return People(
        household=hh,
        relation=relation,
        female=female,
        birth=birth,
        name=full_names,
        id_number=ids,
        region=region_list,
        mobile=_mobiles(rng, households.member_age),
        twin_of=twin_of,
        namesake_group=namesake_groups(full_names),
    )


def _twins(rng: np.random.Generator, hh: Ints, relation: Ints, size: Ints) -> Ints:
    """Return each person's twin (-1 for none): some first-and-second children are twins."""
    index = np.arange(len(hh))
    first_child = np.flatnonzero(
        (relation == CHILD)
        & (np.r_[relation[1:], -1] == CHILD)
        & (np.r_[-1, relation[:-1]] != CHILD)
        & (np.r_[hh[1:], -1] == hh)
    )
    chosen = first_child[rng.random(len(first_child)) < 0.06]
    twin_of = np.full(len(hh), -1, dtype=np.int64)
    twin_of[chosen] = index[chosen + 1]
    twin_of[chosen + 1] = chosen
    return twin_of


def _names(
    rng: np.random.Generator, hh: Ints, relation: Ints, female: npt.NDArray[np.bool_], household_count: int
) -> list[str]:
    """Return full names: children carry the father's surname, a few households use minority names."""
    head_surname = names.draw_surnames(rng, household_count)
    own = names.draw_surnames(rng, len(hh))
    head_of = np.searchsorted(hh, hh)  # the head is each household's first member
    spouse_of = np.minimum(head_of + 1, len(hh) - 1)
    male_spouse = (relation[spouse_of] == SPOUSE) & ~female[spouse_of] & (hh[spouse_of] == hh)
    father_line = np.where(female[head_of] & male_spouse, own[spouse_of], head_surname[hh])
    surname = own.copy()
    surname[relation == HEAD] = head_surname[hh][relation == HEAD]
    surname = np.where(relation == CHILD, father_line, surname)
    kin = ((relation == PARENT) & ~female) | ((relation == RELATIVE) & (rng.random(len(hh)) < 0.5))
    surname = np.where(kin, head_surname[hh], surname)
    given = names.draw_given_names(rng, female)
    full = [s + g for s, g in zip(names.surname_text(surname), given, strict=True)]
    minority = np.flatnonzero((rng.random(household_count) < 0.003)[hh])
    father = rng.integers(0, 1_000, household_count)[hh[minority]]
    for i, name in zip(minority.tolist(), names.minority_names(rng, father), strict=True):
        full[i] = name
    return full


def _regions(rng: np.random.Generator, city: City, households: Households) -> npt.NDArray[np.str_]:
    """Return each household's registered region code: its district, or a home county for migrants."""
    district_codes = np.array([d.code for d in city.districts])
    local = district_codes[city.community_district[households.community]]
    origins = np.array([d.code for d in city.origins])
    away = origins[rng.integers(0, len(origins), len(households.size))]
    return np.where(households.migrant, away, local)


def _mobiles(rng: np.random.Generator, ages: Ints) -> list[str | None]:
    """Return unique 11-digit mobiles for most people over 14 (fewer of the very old), None otherwise."""
    n = len(ages)
    has = (ages >= 14) & (rng.random(n) < np.where(ages >= 75, 0.65, 0.96))
    prefix = MOBILE_PREFIXES[rng.integers(0, len(MOBILE_PREFIXES), n)] * 100_000_000
    numbers = prefix + rng.integers(0, 100_000_000, n)
    while True:
        _, first = np.unique(numbers, return_index=True)
        clash = np.ones(n, dtype=bool)
        clash[first] = False
        if not clash.any():
            break
        numbers[clash] = prefix[clash] + rng.integers(0, 100_000_000, int(clash.sum()))
    return [str(m) if h else None for m, h in zip(numbers.tolist(), has.tolist(), strict=True)]


def namesake_groups(full_names: list[str]) -> Ints:
    """Return a group number shared by people with the same full name (-1 where the name is unique).

    Groups are numbered in the sort order of the names, so the numbering is stable.
    """
    unique, inverse, counts = np.unique(np.array(full_names), return_inverse=True, return_counts=True)
    repeated = counts > 1
    group_of_unique = np.where(repeated, np.cumsum(repeated) - 1, -1)
    return group_of_unique[inverse].astype(np.int64)
