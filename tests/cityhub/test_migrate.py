import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from cityhub.warehouse import metadata
from cityhub.warehouse.migrate import upgrade


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.servers)])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/warehouse.sqlite"
    postgres = request.getfixturevalue("postgres_url")
    engine = sa.create_engine(postgres)
    metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    return postgres


def test_migrations_build_exactly_the_schema_the_code_declares(url):
    upgrade(url)
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
        version = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
    assert differences == []
    assert version == "0008"  # the newest migration: hot-spot entities and the smaller roll-ups
    upgrade(url)  # running it again is a no-op
    if engine.dialect.name == "postgresql":  # the server is shared by the session: leave it clean
        metadata.drop_all(engine)
