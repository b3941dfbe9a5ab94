"""Operations statistics over the resolved tables: aggregates refreshed by each fusion run, and queries.

`refresh.refresh_stats` rebuilds the aggregate tables (`cityhub.warehouse.ops_tables`) from the
resolved tables; `query.StatsQuery` answers counts and rates by any dimension for any time range,
events per 10,000 residents, month-on-month and year-on-year changes, and hot spots.
"""
