"""Divisions the gazetteer does not know, estate names that only look like divisions, and rooms
written at every granularity: messy values from real department data, written by hand."""

import pytest

from normalize.address import parse_address, place_key
from ontology.gazetteer import load_gazetteer

CHONGQING = "500100"


def _parts(raw: str) -> tuple[str, str, str, str, str, str]:
    p = parse_address(raw, CHONGQING)
    return (p.street, p.community, p.estate, p.building, p.unit, p.room)


@pytest.mark.parametrize(
    ("name", "district"),
    [("学士社区", "500117"), ("新城街道", "500117"), ("红星村", "500118"), ("凤鸣片区", "5001")],
)
def test_the_unknown_names_used_here_are_unknown_to_the_gazetteer(name, district):
    # The cases below are about divisions no gazetteer lists; check they really are unlisted there.
    codes = [d.code for d in load_gazetteer().divisions.values() if d.name == name]
    assert not [c for c in codes if c.startswith(district)]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # A renamed or new community between a known street and the estate.
        (
            "重庆市合川区钓鱼城街道学士社区天成熙园9幢5单元3004",
            ("钓鱼城街道", "学士社区", "天成熙园", "9", "5", "3004"),
        ),
        # Committee words belong to the community's name.
        ("合川区学士社区居委会天成熙园9幢5单元3004", ("", "学士社区", "天成熙园", "9", "5", "3004")),
        ("合川区学士社区居民委员会天成熙园9幢", ("", "学士社区", "天成熙园", "9", "", "")),
        ("合川区学士居委会天成熙园9幢", ("", "学士社区", "天成熙园", "9", "", "")),
        # A village and its committee, however written.
        ("永川区红星村委会康乐苑2栋101", ("", "红星村", "康乐苑", "2", "", "101")),
        ("永川区红星村村委会康乐苑2栋101", ("", "红星村", "康乐苑", "2", "", "101")),
        ("永川区红星村民委员会康乐苑2栋101", ("", "红星村", "康乐苑", "2", "", "101")),
        # An unknown street and an unknown community together.
        ("合川区新城街道学士社区天成熙园9栋", ("新城街道", "学士社区", "天成熙园", "9", "", "")),
        # No district at all: the community is still no part of the estate's name.
        ("学士社区天成熙园9-5-3004", ("", "学士社区", "天成熙园", "9", "5", "3004")),
        ("凤鸣片区滨江华府2-1-1201", ("", "凤鸣片区", "滨江华府", "2", "1", "1201")),
        # A known village followed by its committee word.
        ("渝北区木耳镇金刚村委会金刚花园2栋101", ("木耳镇", "金刚村", "金刚花园", "2", "", "101")),
        # 办事处 after a street, a grid or a villagers' group between the community and the estate.
        (
            "重庆市合川区钓鱼城街道办事处学士社区居委会天成熙园9幢5单元3004",
            ("钓鱼城街道", "学士社区", "天成熙园", "9", "5", "3004"),
        ),
        ("合川区钓鱼城街道学士社区第三网格天成熙园9栋", ("钓鱼城街道", "学士社区", "天成熙园", "9", "", "")),
        ("合川区学士社区3网格天成熙园9栋", ("", "学士社区", "天成熙园", "9", "", "")),
        ("永川区红星村3组康乐苑2栋", ("", "红星村", "康乐苑", "2", "", "")),
        # 片区 after a known street is that street's area.
        ("巴南区李家沱片区滨江华府2栋1单元1201", ("李家沱街道", "", "滨江华府", "2", "1", "1201")),
    ],
)
def test_a_division_the_gazetteer_does_not_know_is_kept_out_of_the_estate(raw, expected):
    assert _parts(raw) == expected


@pytest.mark.parametrize(
    ("raw", "estate"),
    [
        ("沙坪坝区红旗新村5栋2单元301", "红旗新村"),
        ("红旗新村小区5栋", "红旗新村"),
        ("江北区幸福村小区3栋1单元502", "幸福村"),
        ("江北区幸福村3幢1单元502号", "幸福村"),
        ("南岸区阳光社区花园3栋1单元201", "阳光社区花园"),  # 阳光社区 is a community there too
        ("大渡口区重钢生活区3栋2单元401", "重钢生活区"),
        ("北碚区龙湖小镇枫丹苑3栋", "龙湖小镇枫丹苑"),
        ("沙坪坝区磁器口古镇宝轮苑2栋", "磁器口古镇宝轮苑"),
        ("渝北区梦里水乡花园5栋", "梦里水乡花园"),
        ("渝北区地球村花园5栋", "地球村花园"),
        ("江津区乡情苑3栋", "乡情苑"),
        ("九龙坡区镇江花园1栋", "镇江花园"),
        ("南岸区社区服务中心宿舍2栋", "社区服务中心宿舍"),
        ("巴南区桃花村小区2栋", "桃花村"),
        ("永川区红星村3组12号", "红星村"),
        ("北碚区金科·小镇3栋", "金科·小镇"),
    ],
)
def test_estate_names_that_end_like_a_division_are_not_split(raw, estate):
    parts = parse_address(raw, CHONGQING)
    assert parts.estate == estate, parts


@pytest.mark.parametrize(
    "raw",
    [
        "重庆市合川区钓鱼城街道学士社区天成熙园9幢5单元3004",
        "合川区天成熙园九栋五单元3004室",
        "合川天成熙园9号楼5单元3004号",
        "合川区天成熙园第9栋5单元3004",
        "合川区天成熙园9栋5-3004",
        "合川区钓鱼城街道天成熙园九幢五单元三零零四",
        "重庆 合川区 天成熙园 9栋 5单元 30楼04号",
        "合川区天成熙园9栋5单元3004房间",
        "合川区天成熙园09幢05单元3004",
        "重庆市合川区天成熙园小区9-5-3004室",
        "合川区天成熙园9#5门3004",
    ],
)
def test_one_room_at_every_granularity_has_one_key(raw):
    assert place_key(parse_address(raw, CHONGQING)) == "500117|天成熙园|9|5|3004"


def test_a_floor_and_a_short_door_number_make_the_room_number():
    assert _parts("天成熙园9栋5单元5楼2号")[-1] == "502"
    assert _parts("天成熙园9栋5单元5楼502")[-1] == "502"  # a full room number is kept


@pytest.mark.parametrize(
    "raw",
    ["重庆市两江新区天成熙园9栋", "重庆高新区天成熙园9栋", "重庆市两江新区人和街道天成熙园9栋"],
)
def test_a_functional_zone_is_no_part_of_the_estate(raw):
    assert _parts(raw)[2:4] == ("天成熙园", "9")


@pytest.mark.parametrize(
    "raw", ["地址：重庆市合川区天成熙园9栋", "家住合川区天成熙园9栋", "住址:中国重庆市合川区天成熙园9栋"]
)
def test_words_written_before_the_address_are_passed_over(raw):
    assert place_key(parse_address(raw, CHONGQING)) == "500117|天成熙园|9"
