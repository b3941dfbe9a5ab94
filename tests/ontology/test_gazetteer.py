import pytest

from ontology.gazetteer import load_gazetteer


@pytest.fixture(scope="module")
def gazetteer():
    return load_gazetteer()


def test_chongqing_district_lineage(gazetteer):
    assert [d.name for d in gazetteer.lineage("500106")] == ["重庆市", "重庆市", "沙坪坝区"]


def test_towns_and_communities_get_statistical_codes(gazetteer):
    towns = {d.name: d for d in gazetteer.children_of("500106")}
    town = towns["回龙坝镇"]
    assert len(town.code) == 9 and town.code.startswith("500106")
    communities = [d.name for d in gazetteer.children_of(town.code)]
    assert "聚龙城社区" in communities
    assert all(len(d.code) == 12 for d in gazetteer.children_of(town.code))


def test_levels_are_consistent_with_parents(gazetteer):
    order = ["province", "city", "district", "street", "community"]
    for division in list(gazetteer.divisions.values())[:50_000]:
        if division.parent_code is not None:
            parent = gazetteer.divisions[division.parent_code]
            assert order.index(parent.level) == order.index(division.level) - 1


def test_cities_without_districts_keep_their_own_entry(gazetteer):
    dongguan = gazetteer.divisions["441900"]
    assert dongguan.name == "东莞市" and dongguan.level == "city"
    placeholder = gazetteer.children_of("441900")[0]
    assert placeholder.code == "441900D"
    assert [d.code for d in gazetteer.lineage(placeholder.code)] == ["440000", "441900", "441900D"]
