import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from normalize.dates import parse_date
from simulators.services.history import ChannelHistory
from simulators.services.police_db import PoliceDatabase
from simulators.services.runner import history_end

from .helpers import expected_at


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/police.sqlite"
    return request.getfixturevalue("postgres_url")


def police(city, url) -> PoliceDatabase:
    return PoliceDatabase(
        url,
        ChannelHistory.read(city / "channels/police_incidents.parquet", "jjdbh"),
        ChannelHistory.read(city / "channels/police_persons.parquet", "rybh"),
    )


def test_tables_hold_the_city_at_the_clock_and_follow_it(small_city, database_url):
    clock = history_end(small_city) - dt.timedelta(days=30)
    database = police(small_city, database_url)
    with database.engine.begin() as connection:  # a PostgreSQL test server is shared: start clean
        connection.execute(sa.text("DELETE FROM jq_jjd"))
        connection.execute(sa.text("DELETE FROM jq_ry"))
        connection.execute(sa.text("DELETE FROM sim_sync_state"))
    for moment in (clock, clock + dt.timedelta(days=30)):
        database.sync_to(moment)
        stored = pd.read_sql("SELECT jjdbh, version, clzt, is_deleted FROM jq_jjd", database.engine)
        expected = expected_at(small_city, "police_incidents", "jjdbh", moment)
        assert len(stored) == len(expected)
        assert stored.set_index("jjdbh")["version"].to_dict() == expected["version"].to_dict()
        assert stored.set_index("jjdbh")["is_deleted"].astype(bool).to_dict() == expected["deleted"].to_dict()
    assert database.sync_to(clock + dt.timedelta(days=30)) == 0
    persons = pd.read_sql("SELECT xbdm, rylx, csrq FROM jq_ry", database.engine)
    assert set(persons["xbdm"]) <= {"1", "2"}
    assert set(persons["rylx"]) <= {"01", "02", "03", "04", "05"}
    # birth dates come in the styles the police system's versions wrote (19900307, 1990/3/7 ...)
    assert all(parse_date(value).year >= 1900 for value in persons["csrq"])
    database.dispose()
