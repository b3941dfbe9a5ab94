"""Each department's payload columns with the profile's noise, applied after the department wrote them.

The noise lands in the payload every version of a record carries, so it survives into the last
version, which the warehouse and evaluation read. A `clean` profile returns every payload untouched.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from simulators.city.addresses import AddressBook
from simulators.city.noise.fields import FieldNoise
from simulators.city.noise.labels import load_labels, own_label, version_two
from simulators.city.noise.profiles import NoiseProfile
from simulators.city.streams import Streams
from simulators.departments import CodeBook

Ints = npt.NDArray[np.int64]
Payload = dict[str, pa.Array]
NOISE_STREAMS = ("noise_hotline", "noise_grid", "noise_police", "noise_petitions", "noise_reports")


@dataclass(slots=True)
class Noise:
    """The profile, and one random stream per department (never the department's own stream)."""

    profile: NoiseProfile
    streams: Streams
    _fields: dict[str, FieldNoise] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        """Return whether anything is added to today's noise."""
        return not self.profile.clean

    def of(self, source: str) -> FieldNoise:
        """Return the field noise of one department (one stream, drawn from in a fixed order)."""
        if source not in self._fields:
            self._fields[source] = FieldNoise(self.profile, self.streams[f"noise_{source}"])
        return self._fields[source]


def _strings(payload: Payload, name: str) -> list[str]:
    return ["" if v is None else str(v) for v in payload[name].to_pylist()]


def _put(payload: Payload, name: str, values: list[str]) -> None:
    payload[name] = pa.array(values, pa.string())


def _upgraded(source: str, reported_at: Ints) -> npt.NDArray[np.bool_]:
    day = np.datetime64(load_labels().upgrades[source], "s").astype(np.int64)
    return np.asarray(reported_at >= day)


def department_labels(
    noise: FieldNoise, source: str, book: CodeBook, codes: list[str], reported_at: Ints
) -> list[str]:
    """Return the label each record shows for its code: the book's name, a synonym, version 2's, or coarse."""
    by_code = book.by_code()
    upgraded = _upgraded(source, reported_at).tolist()
    draws = noise.rng.random((len(codes), 3)).tolist()
    p = noise.profile
    return [
        own_label(by_code[code], upgraded[i], (d[0], d[1], d[2]), p.own_label, p.coarse_label)
        for i, (code, d) in enumerate(zip(codes, draws, strict=True))
    ]


def petition_categories(book: CodeBook, codes: list[str], reported_at: Ints) -> list[str]:
    """Return the petitions office's 问题分类: renamed to version 2's names after its upgrade."""
    by_code = book.by_code()
    upgraded = _upgraded("petitions", reported_at).tolist()
    return [version_two(by_code[c]) if up else c for c, up in zip(codes, upgraded, strict=True)]


@dataclass(frozen=True, slots=True)
class Places:
    """Where each record's address points: rooms, levels and each room's community index."""

    rooms: Ints
    levels: Ints
    room_community: Ints


def people_fields(noise: FieldNoise, payload: Payload, name: str, phone: str, id_number: str) -> None:
    """Add typos to a payload's name, phone and ID number columns (in that order)."""
    _put(payload, name, noise.names(_strings(payload, name)))
    _put(payload, phone, noise.phones(_strings(payload, phone)))
    _put(payload, id_number, noise.id_numbers(_strings(payload, id_number)))


def address_field(noise: FieldNoise, payload: Payload, name: str, book: AddressBook, places: Places) -> None:
    """Rewrite some of a payload's addresses at another granularity."""
    _put(
        payload,
        name,
        noise.addresses(_strings(payload, name), book, places.rooms, places.levels, places.room_community),
    )


def time_field(noise: FieldNoise, payload: Payload, name: str, date_only_allowed: bool = True) -> None:
    """Write a payload's 'YYYY-MM-DD HH:MM:SS' column in mixed styles."""
    _put(payload, name, noise.datetimes(_strings(payload, name), date_only_allowed))


def date_field(noise: FieldNoise, payload: Payload, name: str, birth: bool) -> None:
    """Write a payload's date column in mixed styles (birth dates: some day/month swapped)."""
    _put(payload, name, noise.dates(_strings(payload, name), birth))


def parties_field(noise: FieldNoise, parties: list[list[dict[str, str]]]) -> list[list[dict[str, str]]]:
    """Return grid parties with typos in their names, phones and ID numbers."""
    flat = [party for row in parties for party in row]
    names = noise.names([p["name"] for p in flat])
    phones = noise.phones([p["phone"] for p in flat])
    ids = noise.id_numbers([p["id_card"] for p in flat])
    for party, n, ph, i in zip(flat, names, phones, ids, strict=True):
        party.update(name=n, phone=ph, id_card=i)
    return parties
