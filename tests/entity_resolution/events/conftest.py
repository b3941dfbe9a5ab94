"""Hand-made events: a few incidents reported to several departments, written as they would be.

`event(...)` builds one record; a place is written 'district/site/building/unit/room' (as far as it
is known) and becomes the place path the resolution reads; people are resolved person ids.
"""

from __future__ import annotations

import pandas as pd

WRAP = {  # how each department words what happened
    "hotline": "来电人反映：{}，要求尽快处理。",
    "grid": "{}，网格员已上门核实，已通知物业处理。",
    "police": "报警人报警称：{}，民警已到场处置。",
    "petitions": "信访人反映：{}，请求有关部门依法处理。",
}
PREFIX = {"hotline": "RX", "grid": "SJ", "police": "J", "petitions": "XF"}


def path_of(place: str) -> list[str]:
    """Return the place path of 'district/site/building/unit/room' (successive prefixes)."""
    parts = [p for p in place.split("/") if p]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def event(
    record: str,
    source: str,
    category: str,
    when: str,
    place: str,
    people: tuple[str, ...] = (),
    what: str = "",
    status: str = "received",
) -> dict[str, object]:
    """Return one event row in the columns `resolve_events` reads."""
    path = path_of(place)
    return {
        "event_id": f"{source}:{PREFIX[source]}{record}",
        "source": source,
        "record_id": f"{PREFIX[source]}{record}",
        "category": category,
        "occurred_at": pd.Timestamp(when),
        "description": WRAP[source].format(what) if what else "",
        "place_id": path[-1] if path else None,
        "place_path": path,
        "person_ids": list(people),
        "status": status,
    }


def table(*rows: dict[str, object]) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def background() -> list[dict[str, object]]:
    """Return unrelated one-department reports around the town (so rarity weights mean something)."""
    things = [
        ("city_appearance.garbage", "小区垃圾桶满溢无人清运"),
        ("traffic.road_damage", "人行道地砖破损"),
        ("public_facilities.street_light", "小区外路灯不亮"),
        ("consumer.price", "商家虚假打折"),
        ("property_management.elevator", "电梯停运多日无人维修"),
        ("safety_hazard.fire_hazard", "楼道堆放易燃物堵塞消防通道"),
    ]
    rows = []
    for k in range(24):
        category, what = things[k % len(things)]
        source = ("hotline", "grid")[k % 2]
        site = ("锦绣花园", "聚龙城", "江南丽景")[k % 3]
        rows.append(
            event(
                f"9{k:04d}",
                source,
                category,
                f"2026-0{1 + k % 6}-{10 + k % 15} 09:00",
                f"500106/{site}/{1 + k % 5}",
                (f"P-bg{k}",),
                what,
            )
        )
    return rows
