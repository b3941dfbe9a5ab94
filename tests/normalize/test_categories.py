"""Department category labels read as taxonomy categories: codes, names, terms, coarse paths, mappings."""

from __future__ import annotations

import pytest

from normalize.categories import CategoryMapper, category_mapper, map_category
from ontology.errors import BadInput

WATER_LEAK = "neighbour_dispute.water_leak"
NEIGHBOUR = frozenset(
    {
        "neighbour_dispute.noise",
        "neighbour_dispute.water_leak",
        "neighbour_dispute.parking_space",
        "neighbour_dispute.pets",
        "neighbour_dispute.shared_space",
    }
)


@pytest.mark.parametrize(
    ("label", "code", "specific"),
    [
        ("neighbour_dispute.noise", "neighbour_dispute.noise", True),  # a taxonomy code
        (" NEIGHBOUR_DISPUTE.WATER_LEAK ", WATER_LEAK, True),
        ("房屋漏水", WATER_LEAK, True),  # the taxonomy's own name
        ("物業收費", "property_management.property_fee", True),  # traditional characters
        ("劳资纠纷/欠薪", "labour.wage_arrears", True),  # coarse part narrowed by the fine one
        ("邻里纠纷-噪音", "neighbour_dispute.noise", True),
        ("楼上卫生间漏水", WATER_LEAK, True),  # a term inside free text
        ("拖欠物业费", "property_management.property_fee", True),  # the longer term wins
        ("消防隐患", "safety_hazard.fire_hazard", True),  # terms narrow each other
        ("纠纷/邻里纠纷", "neighbour_dispute", False),  # coarse: any neighbour dispute
        ("信访/邻里矛盾", "neighbour_dispute", False),
        ("neighbour_dispute", "neighbour_dispute", False),  # a major code
        ("噪音", "other.unclassified", False),  # a neighbour's or a building site's: no one major
        ("来电咨询", "other.unclassified", False),  # names nothing
        ("其他", "other.unclassified", False),
        ("", "other.unclassified", False),
        (None, "other.unclassified", False),
    ],
)
def test_labels_read_as_taxonomy_codes(label: object, code: str, specific: bool) -> None:
    found = map_category(label)
    assert (found.code, found.specific) == (code, specific)


def test_a_coarse_label_means_every_subcategory_of_its_major() -> None:
    assert map_category("纠纷/邻里纠纷").codes == NEIGHBOUR
    assert map_category("噪音").codes == {"neighbour_dispute.noise", "pollution.industrial_noise"}
    assert not map_category("来电咨询").known


def test_a_users_mapping_comes_first_and_may_name_several_codes() -> None:
    mapper = category_mapper({"A07楼上滴漏": WATER_LEAK, "房屋漏水": "safety_hazard.structural"})
    assert mapper.match("A07楼上滴漏").code == WATER_LEAK
    assert mapper.match("A07楼上滴漏").how == "mapping"
    assert mapper.match("房屋漏水").code == "safety_hazard.structural"  # overrides the taxonomy name
    several = CategoryMapper(
        mapping={"水电": ["public_facilities.water_supply", "public_facilities.power_outage"]}
    )
    assert several.match("水电").major == "public_facilities" and not several.match("水电").specific


def test_a_mapping_to_no_taxonomy_code_is_refused_with_the_label() -> None:
    with pytest.raises(BadInput, match="label '漏水': 'neighbour_dispute.leaks' is not a taxonomy code"):
        CategoryMapper(mapping={"漏水": "neighbour_dispute.leaks"})
