"""`simulate_city`: build the city, its history and each department's records, and write them out."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from ontology.errors import BadInput
from ontology.gazetteer import load_gazetteer
from simulators.city import city_tables, history_tables
from simulators.city.addresses import AddressBook
from simulators.city.channels.common import SourceRecords, World, daily_ids, source_records
from simulators.city.channels.grid import render_grid
from simulators.city.channels.hotline import render_hotline
from simulators.city.channels.petitions import malformed_reasons, render_petitions
from simulators.city.channels.police import police_ids, render_police_incidents, render_police_persons
from simulators.city.divisions import choose_communities
from simulators.city.grids import build_grids
from simulators.city.handling import handled_seconds, limit_hours, plan_spikes, spike_incidents
from simulators.city.handling_truth import handling_truth, record_facts, spikes_truth
from simulators.city.households import build_households, household_sizes
from simulators.city.incidents import build_incidents, merged_in_time
from simulators.city.noise import noise_profile
from simulators.city.noise.channels import Noise
from simulators.city.noise.repeats import with_repeats
from simulators.city.people import build_people
from simulators.city.places import build_city
from simulators.city.profiles import load_profiles
from simulators.city.reports import GRID, HOTLINE, PETITIONS, POLICE, Reports, build_reports, escalation_paths
from simulators.city.residences import build_residences
from simulators.city.streams import Streams
from simulators.city.texts import incident_phrases
from simulators.city.timeline import History
from simulators.city.truth import mentions_truth, records_truth
from simulators.city.writer import write_manifest, write_parquet
from simulators.departments import load_code_books

DEFAULT_END = date(2026, 11, 20)


@dataclass(slots=True)
class Simulation:
    """The true city and its history, and the department records made of it."""

    world: World
    reports: Reports
    record_ids: list[str]  # in the order of `reports`
    malformed: list[str]  # '' for well-formed records
    streams: Streams
    handled: npt.NDArray[np.int64]  # per report: seconds until it is resolved (simulators/city/handling)


def build_world(people: int, streams: Streams, history: History) -> tuple[World, Reports]:
    """Return the true city and history, and which departments heard of what."""
    sizes = household_sizes(streams["households"], people)
    chosen = choose_communities(load_gazetteer(), len(sizes), streams["places"])
    city = build_city(load_gazetteer(), chosen, streams["places"])
    households = build_households(streams["households"], city, sizes)
    residents = build_people(streams["people"], city, households, history.start)
    residences = build_residences(streams["residences"], city, households, residents, history)
    grids = build_grids(streams["grids"], city, households, residents, residences, history)
    profiles = load_profiles()
    incidents = build_incidents(streams["incidents"], profiles, city, residents, residences, history)
    spikes = plan_spikes(streams["spikes"], people, city, profiles, history)
    adults = np.flatnonzero(residents.age_on(history.start) >= 18)
    extra = spike_incidents(streams["spikes"], spikes, city, residences, profiles, adults)
    incidents = merged_in_time([incidents, extra])
    phrases = incident_phrases(
        profiles.codes, incidents.category, streams["incidents"].integers(0, 1_000, len(incidents))
    )
    world = World(
        city=city,
        addresses=AddressBook(city),
        households=households,
        people=residents,
        residences=residences,
        grids=grids,
        incidents=incidents,
        profiles=profiles,
        phrases=phrases,
        history=history,
        spikes=spikes,
    )
    reports = build_reports(streams["reports"], incidents, profiles, city, grids, history)
    return world, reports


def _record_ids(world: World, reports: Reports) -> list[str]:
    """Return each record's id in the department's own format, in the order of `reports`."""
    ids: list[str] = [""] * len(reports)
    for source, prefix, width in ((HOTLINE, "RX", 6), (GRID, "SJ", 6), (PETITIONS, "XF", 4), (POLICE, "", 0)):
        rows = np.flatnonzero(reports.source == source)
        made = (
            police_ids(world, reports.incident[rows], reports.reported_at[rows])
            if source == POLICE
            else daily_ids(prefix, reports.reported_at[rows], width)
        )
        for row, record_id in zip(rows.tolist(), made, strict=True):
            ids[row] = record_id
    return ids


def _records_of(sim: Simulation, source: int) -> SourceRecords:
    rows = np.flatnonzero(sim.reports.source == source)
    return source_records(sim.reports, source, [sim.record_ids[r] for r in rows.tolist()], sim.handled)


SORT_KEYS = {
    "hotline": "ticket_id",
    "grid": "event_no",
    "police_incidents": "jjdbh",
    "police_persons": "rybh",
    "petitions": "信访件编号",
}


def render_channels(sim: Simulation) -> Iterator[tuple[str, pa.Table]]:
    """Yield each channel table (simulators/README.md) by its name under channels/, one at a time."""
    books, world, streams = load_code_books(), sim.world, sim.streams

    def ordered(name: str, table: pa.Table) -> tuple[str, pa.Table]:
        return name, table.sort_by([(SORT_KEYS[name], "ascending"), ("version", "ascending")])

    yield ordered(
        "hotline", render_hotline(world, _records_of(sim, HOTLINE), books["hotline"], streams["hotline"])
    )
    yield ordered("grid", render_grid(world, _records_of(sim, GRID), books["grid"], streams["grid"]))
    police = _records_of(sim, POLICE)
    incidents, deleted_at = render_police_incidents(world, police, books["police"], streams["police"])
    yield ordered("police_incidents", incidents)
    yield ordered("police_persons", render_police_persons(world, police, deleted_at, streams["police"]))
    malformed = [m for m, s in zip(sim.malformed, sim.reports.source.tolist(), strict=True) if s == PETITIONS]
    petitions = _records_of(sim, PETITIONS)
    yield ordered(
        "petitions", render_petitions(world, petitions, books["petitions"], malformed, streams["petitions"])
    )


def simulate(people: int, seed: int, history: History, noise: str = "clean") -> Simulation:
    """Return the simulated city with its history, record ids and deliberate malformations.

    `noise` names a profile (simulators/city/noise): `clean` is the departments' own noise only.
    """
    profile = noise_profile(noise)
    streams = Streams(seed)
    world, reports = build_world(people, streams, history)
    if not profile.clean:
        world.noise = Noise(profile, streams)
        reports = with_repeats(streams["noise_reports"], reports, profile, history, world.incidents)
    record_ids = _record_ids(world, reports)
    reasons = malformed_reasons(streams["petitions"], len(reports))
    malformed = [r if s == PETITIONS else "" for r, s in zip(reasons, reports.source.tolist(), strict=True)]
    limits = limit_hours(world.profiles)[world.incidents.category[reports.incident]]
    handled = handled_seconds(streams["handling"], limits)
    return Simulation(world, reports, record_ids, malformed, streams, handled)


def simulate_city(
    people: int, seed: int, out: Path, days: int = 365, end: date = DEFAULT_END, noise: str = "realistic"
) -> dict[str, int]:
    """Write the city, its department records and ground truth to `out`; return row counts per table.

    `noise` is the profile: clean (the departments' own noise only), realistic or hard.
    """
    if people < 100:
        raise BadInput(f"simulate --people {people}: a city needs at least 100 residents")
    if days < 1:
        raise BadInput(f"simulate --days {days}: the history needs at least one day")
    noise_profile(noise)  # an unknown profile fails before any work
    history = History.ending(end, days)
    sim = simulate(people, seed, history, noise)
    world = sim.world
    person_ids = world.people.person_ids
    files: dict[str, int] = {}

    def put(name: str, table: pa.Table) -> None:
        write_parquet(table, out / name)
        files[name] = table.num_rows

    put("city/places.parquet", city_tables.places_table(world.city, world.grids, world.addresses))
    put("city/grids.parquet", city_tables.grids_table(world.city, world.grids, person_ids))
    put(
        "city/households.parquet",
        city_tables.households_table(world.city, world.households, world.people, world.residences),
    )
    put("city/people.parquet", city_tables.people_table(world.city, world.people, world.residences))
    put("city/residences.parquet", city_tables.residences_table(world.city, world.people, world.residences))
    paths = escalation_paths(sim.reports, len(world.incidents))
    put(
        "city/incidents.parquet",
        history_tables.incidents_table(world.city, world.incidents, world.profiles, world.phrases, paths),
    )
    put(
        "city/incident_people.parquet",
        history_tables.incident_people_table(world.incidents, sim.reports, person_ids),
    )
    facts = []
    for name, table in render_channels(sim):
        put(f"channels/{name}.parquet", table)
        found = record_facts(name, table)
        if found is not None:
            facts.append(found)
    cases, tickets = handling_truth(world, sim.reports, sim.record_ids, sim.malformed, facts)
    put("truth/cases.parquet", cases)
    put("truth/tickets.parquet", tickets)
    put("truth/spikes.parquet", spikes_truth(world))
    put(
        "truth/records.parquet",
        records_truth(world.city, world.incidents, sim.reports, sim.record_ids, sim.malformed),
    )
    put("truth/mentions.parquet", mentions_truth(sim.reports, sim.record_ids, person_ids))
    header = {
        "seed": seed,
        "people": people,
        "history_start": history.start.isoformat(),
        "history_end": history.end.isoformat(),
        "days": days,
        "noise": noise,
    }
    write_manifest(out, header, files)
    return {name.split("/")[-1].removesuffix(".parquet"): rows for name, rows in files.items()}
