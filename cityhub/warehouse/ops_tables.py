"""Operations tables: statistics aggregates and alerts, rebuilt from the resolved tables by each fusion run.

`stats_daily`, `stats_monthly` and `stats_quarterly` hold the same counts at three grains (a day, the
first day of a month or of a quarter) by category, source, district, street, community, grid and
department, in roll-ups of fewer dimensions too (`CUBOIDS`), so a statistics query over a year reads
thousands of rows, not every event. Unknown dimensions are '' (not NULL) so they can be part of the
key. Event measures count events by the day they occurred; case measures count cases by the day they
were opened, under the source and place of their first event.
`stats_hotspots` lists the (place or person, case) pairs of entities with two or more cases, so
hot spots can be counted for any time range, and `stats_hotspot_entities` those entities' cases of all
time. `alerts` keeps one row per situation (a stable id);
`alert_deliveries` records every webhook attempt. The fusion run a table is as of is in
`projection_runs` (projection 'stats' and 'alerts').
"""

from __future__ import annotations

import sqlalchemy as sa

from cityhub.warehouse.schema import metadata

__all__ = [
    "CASE_MEASURES",
    "CUBOIDS",
    "DAILY_CUBOIDS",
    "DIMENSIONS",
    "EVENT_MEASURES",
    "QUARTERLY_CUBOIDS",
    "alert_deliveries",
    "alerts",
    "stats_daily",
    "stats_hotspot_entities",
    "stats_hotspots",
    "stats_monthly",
    "stats_quarterly",
    "stats_residents",
]

DIMENSIONS = (
    "category",
    "major",
    "source",
    "district_id",
    "street_id",
    "community_id",
    "grid_id",
    "department",
)
EVENT_MEASURES = ("events",)
CASE_MEASURES = (
    "cases",
    "closed",
    "on_time",
    "overdue",
    "rated",
    "satisfied",
    "basically_satisfied",
    "unsatisfied",
)


# The monthly table holds roll-ups ("cuboids"), each keeping only some dimensions ('' in the others),
# from the smallest to the whole: a query reads the first that has every dimension it uses.
CUBOIDS: dict[str, tuple[str, ...]] = {
    "source_district": ("source", "district_id"),  # a few dozen rows a day: totals, by source, by district
    "community": ("source", "district_id", "street_id", "community_id"),
    "district": ("category", "major", "source", "district_id", "department"),
    "street_major": ("major", "source", "district_id", "street_id"),
    "grid": ("source", "district_id", "street_id", "community_id", "grid_id"),
    "community_major": ("major", "source", "district_id", "street_id", "community_id"),
    "grid_major": ("major", "source", "district_id", "street_id", "community_id", "grid_id"),
    "all": DIMENSIONS,
}
# The daily table, read for the days at a range's ends, keeps the roll-ups at least half the size of
# the whole (a day has few events of each combination): by grid they are hardly smaller.
DAILY_CUBOIDS = ("source_district", "community", "district", "street_major", "all")
# The quarterly table holds the roll-ups that fill most of their combinations every month, so a year
# of them reads three quarters and a few months, not twelve months; the whole is no smaller by quarter.
QUARTERLY_CUBOIDS = tuple(name for name in CUBOIDS if name != "all")


def _aggregate(name: str, period: str) -> sa.Table:
    return sa.Table(
        name,
        metadata,
        sa.Column("cuboid", sa.String(16), primary_key=True),
        sa.Column(period, sa.Date, primary_key=True),
        *(sa.Column(d, sa.String(128), primary_key=True) for d in DIMENSIONS),
        *(sa.Column(m, sa.Integer, nullable=False) for m in (*EVENT_MEASURES, *CASE_MEASURES)),
        # a query naming one category or one community reads that one's rows, not the whole roll-up
        sa.Index(f"ix_{name}_cuboid_major_{period}", "cuboid", "major", period),
        sa.Index(f"ix_{name}_cuboid_community_id_{period}", "cuboid", "community_id", period),
    )


stats_daily = _aggregate("stats_daily", "day")
stats_monthly = _aggregate("stats_monthly", "month")
stats_quarterly = _aggregate("stats_quarterly", "quarter")

stats_hotspots = sa.Table(
    "stats_hotspots",
    metadata,
    sa.Column("kind", sa.String(16), primary_key=True),  # place | person
    sa.Column("entity_id", sa.String(128), primary_key=True),
    sa.Column("case_id", sa.String(128), primary_key=True),
    sa.Column("day", sa.Date, nullable=False),  # the entity's first event of the case
    sa.Column("source", sa.String(64), nullable=False),
    sa.Column("district_id", sa.String(128), nullable=False),
    # a hot-spot count reads this index alone, entity by entity, in its order
    sa.Index("ix_stats_hotspots_covering", "kind", "entity_id", "day", "source", "district_id", "case_id"),
)

# Each entity of `stats_hotspots` with its cases of all time: no range can give it more, so a hot-spot
# list counts the range's cases of the entities with the most cases first and stops where no other
# entity could reach the list (`cityhub.stats.hotspots`).
stats_hotspot_entities = sa.Table(
    "stats_hotspot_entities",
    metadata,
    sa.Column("kind", sa.String(16), primary_key=True),
    sa.Column("entity_id", sa.String(128), primary_key=True),
    sa.Column("cases", sa.Integer, nullable=False),
    sa.Index("ix_stats_hotspot_entities_kind_cases", "kind", "cases", "entity_id"),
)

stats_residents = sa.Table(
    "stats_residents",
    metadata,
    sa.Column("community_id", sa.String(128), primary_key=True),
    sa.Column("district_id", sa.String(128), nullable=False),
    sa.Column("residents", sa.Integer, nullable=False),
)

alerts = sa.Table(
    "alerts",
    metadata,
    sa.Column("alert_id", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("subject_kind", sa.String(16), nullable=False),  # case | place | person | community
    sa.Column("subject_id", sa.String(255), nullable=False),
    sa.Column("district_id", sa.String(128)),
    sa.Column("sources", sa.Text, nullable=False),  # JSON list: the sources its evidence comes from
    sa.Column("severity", sa.String(16), nullable=False),
    sa.Column("title", sa.String(255), nullable=False),
    sa.Column("evidence", sa.Text, nullable=False),  # JSON
    sa.Column("status", sa.String(16), nullable=False),  # active | cleared
    sa.Column("first_seen", sa.DateTime, nullable=False),
    sa.Column("last_seen", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False, index=True),  # the run it last changed in
)

alert_deliveries = sa.Table(
    "alert_deliveries",
    metadata,
    sa.Column("delivery_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("subscriber", sa.String(128), nullable=False, index=True),
    sa.Column("batch_id", sa.String(64), nullable=False),  # the same for every attempt of one POST
    sa.Column("alerts", sa.Integer, nullable=False),
    sa.Column("up_to", sa.DateTime, nullable=False),  # the newest alert change the batch carries,
    sa.Column("up_to_id", sa.String(64), nullable=False),  # and its alert (changes of one run tie)
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("status_code", sa.Integer),
    sa.Column("error", sa.String(255)),
    sa.Column("ok", sa.Boolean, nullable=False),
    sa.Column("at", sa.DateTime, nullable=False),
)
