import pytest

from normalize.address import (
    AddressParts,
    normalize_address_text,
    parse_address,
    place_key,
)
from normalize.address_detail import DetailParts, parse_detail

ONE_ROOM = [
    "重庆市沙坪坝区回龙坝镇聚龙城社区3栋2单元501",
    "聚龙城3-2-501",
    "沙坪坝聚龙城三栋二单元501室",
    "沙坪坝区聚龙城3幢2单元501号",
    "聚龙城小区3号楼2单元501",
    "重庆沙坪坝 聚龙城 3栋 2单元 0501",
    "聚龙城３－２－５０１",
]


@pytest.mark.parametrize("raw", ONE_ROOM)
def test_every_writing_of_one_room_agrees(raw):
    parts = parse_address(raw)
    assert (parts.estate, parts.building, parts.unit, parts.room) == ("聚龙城", "3", "2", "501")


def test_the_registry_form_is_parsed_to_the_community():
    assert parse_address("重庆市沙坪坝区回龙坝镇聚龙城社区3栋2单元501") == AddressParts(
        province="重庆市",
        city="重庆市",
        district="沙坪坝区",
        street="回龙坝镇",
        community="聚龙城社区",
        estate="聚龙城",
        building="3",
        unit="2",
        room="501",
        division_code="500106006010",
    )


@pytest.mark.parametrize(
    ("raw", "district", "street", "community", "code"),
    [
        ("沙坪坝区聚龙城3幢2单元501号", "沙坪坝区", "", "", "500106"),
        ("沙坪坝聚龙城三栋二单元501室", "沙坪坝区", "", "", "500106"),  # the district lost its 区
        ("重庆沙坪坝回龙坝锦绣花园3栋", "沙坪坝区", "回龙坝镇", "", "500106006"),  # short street name
        ("重庆市沙坪坝区回龙坝镇聚龙城社区", "沙坪坝区", "回龙坝镇", "聚龙城社区", "500106006010"),
        ("重庆市沙坪坝区聚龙城社区5栋", "沙坪坝区", "回龙坝镇", "聚龙城社区", "500106006010"),
        ("重庆市市辖区沙坪坝区", "沙坪坝区", "", "", "500106"),
        ("重庆市渝中区解放碑街道", "渝中区", "解放碑街道", "", "500103011"),
        ("彭水县绍庆街道", "彭水苗族土家族自治县", "绍庆街道", "", "500243023"),
        ("忠县忠州镇", "忠县", "忠州街道", "", "500233010"),  # 镇 after the short name of a 街道
        ("四川成都武侯区", "武侯区", "", "", "510107"),
        ("聚龙城3-2-501", "", "", "", ""),  # shorthand: no district to find
        ("聚龙城社区3栋", "", "", "", ""),  # communities only inside a known district
    ],
)
def test_divisions(raw, district, street, community, code):
    parts = parse_address(raw)
    found = (parts.district, parts.street, parts.community, parts.division_code)
    assert found == (district, street, community, code)


@pytest.mark.parametrize(
    ("raw", "district", "estate"),
    [
        ("聚龙城3-2-501", "", "聚龙城"),  # jionlp's parse_location reads this as 辽宁省朝阳市龙城区
        ("重庆沙坪坝天星桥小区3栋", "沙坪坝区", "天星桥"),  # not the 天星桥街道: 小区 follows the short name
        ("江南新村2栋", "", "江南新村"),  # not 江南区 (Nanning)
        ("东方花园5栋", "", "东方花园"),  # not 东方市 (Hainan)
        ("朝阳花园3栋1单元201", "", "朝阳花园"),  # not one of the 朝阳区
        ("锦江天街2号楼1单元1901室", "", "锦江天街"),  # not 锦江区 (Chengdu), and 2号楼 is no door number
    ],
)
def test_estate_names_are_not_taken_for_divisions(raw, district, estate):
    parts = parse_address(raw)
    assert (parts.district, parts.street, parts.community, parts.estate) == (district, "", "", estate)


def test_a_district_name_shared_by_two_cities_needs_the_city():
    national = parse_address("江北区建新北路12号")
    assert (national.district, national.division_code) == ("江北区", "")
    in_chongqing = parse_address("江北区建新北路12号", city_code="500100")
    found = (in_chongqing.city, in_chongqing.district, in_chongqing.division_code)
    assert found == ("重庆市", "江北区", "500105")
    in_ningbo = parse_address("宁波市江北区")
    assert in_ningbo.division_code == "330205"


@pytest.mark.parametrize("city_code", [None, "500100"])
def test_a_district_of_another_city_needs_its_full_name(city_code):
    # 锦江 and 龙湖 are districts of Chengdu and Shantou, and estate brands in Chongqing.
    assert parse_address("锦江天街1-1-1501", city_code).estate == "锦江天街"
    assert parse_address("龙湖·天籁广场3-2-601", city_code).estate == "龙湖·天籁广场"
    assert parse_address("成都市锦江区", city_code).division_code == "510104"


def test_two_letter_district_names_need_the_city():
    assert parse_address("渝中御景新城7幢1单元1403").estate == "渝中御景新城"
    parts = parse_address("渝中御景新城7幢1单元1403", city_code="500100")
    assert (parts.district, parts.estate) == ("渝中区", "御景新城")


def test_a_street_name_of_two_streets_is_still_no_estate_name():
    parts = parse_address("南岸区南坪御景雅居五幢一单元2202室")  # 南坪街道 and 南坪镇
    assert (parts.street, parts.estate, parts.division_code) == ("", "御景雅居", "500108")


def test_the_next_level_can_pick_between_same_named_districts():
    assert parse_address("江北区观音桥街道建新北路12号").division_code == "500105009"


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("重庆市沙坪坝区回龙坝镇聚龙城社区3栋2单元501", "500106|聚龙城|3|2|501"),
        ("沙坪坝聚龙城三栋二单元501室", "500106|聚龙城|3|2|501"),
        ("沙坪坝区聚龙城3幢2单元501号", "500106|聚龙城|3|2|501"),
        ("聚龙城3-2-501", "|聚龙城|3|2|501"),
        ("聚龙城3栋501", "|聚龙城|3||501"),
        ("重庆市沙坪坝区聚龙城3栋", "500106|聚龙城|3"),
        ("重庆市沙坪坝区金科·天籁城5栋", "500106|金科天籁城|5"),
        ("重庆市沙坪坝区金科天籁城5栋", "500106|金科天籁城|5"),
        ("重庆市江北区观音桥街道建新北路12号", "500105|建新北路12号"),
        ("重庆市沙坪坝区回龙坝镇", "500106006"),
        ("重庆市", "500100"),
        ("", ""),
    ],
)
def test_place_key(raw, key):
    assert place_key(parse_address(raw)) == key


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("聚龙城3栋2单元501", DetailParts("", "聚龙城", "3", "2", "501", "")),
        ("聚龙城3-2-501", DetailParts("", "聚龙城", "3", "2", "501", "")),
        ("聚龙城3-501", DetailParts("", "聚龙城", "3", "", "501", "")),
        ("聚龙城3-2", DetailParts("", "聚龙城", "3", "2", "", "")),
        ("聚龙城3栋501", DetailParts("", "聚龙城", "3", "", "501", "")),
        ("聚龙城3号501", DetailParts("", "聚龙城", "3", "", "501", "")),
        ("聚龙城3座501", DetailParts("", "聚龙城", "3", "", "501", "")),
        ("聚龙城3#501", DetailParts("", "聚龙城", "3", "", "501", "")),
        ("聚龙城十二栋一单元1201", DetailParts("", "聚龙城", "12", "1", "1201", "")),
        ("聚龙城二十一幢两单元三零二室", DetailParts("", "聚龙城", "21", "2", "302", "")),
        ("聚龙城3楼2单元301", DetailParts("", "聚龙城", "3", "2", "301", "")),  # 楼 before a unit: building
        ("重钢宿舍3栋2单元5楼501", DetailParts("", "重钢宿舍", "3", "2", "501", "5楼")),  # otherwise a floor
        ("锦绣花园二期3栋1单元0502", DetailParts("", "锦绣花园2期", "3", "1", "502", "")),
        ("锦绣花园B区3栋", DetailParts("", "锦绣花园B区", "3", "", "", "")),
        ("SOHO现代城A座1201", DetailParts("", "SOHO现代城", "A", "", "1201", "")),
        ("汉渝路12号锦绣花园3幢501号", DetailParts("汉渝路12号", "锦绣花园", "3", "", "501", "")),
        ("沙坪坝正街12-3号附1号", DetailParts("沙坪坝正街12-3号附1号", "", "", "", "", "")),
        ("十八梯3栋", DetailParts("", "十八梯", "3", "", "", "")),  # numerals inside names stay
        ("聚龙城小区门口", DetailParts("", "聚龙城", "", "", "", "门口")),
        ("聚龙城501", DetailParts("", "聚龙城", "", "", "", "501")),  # a bare number with no building
        ("小区3栋", DetailParts("", "小区", "3", "", "", "")),
        ("", DetailParts()),
    ],
)
def test_parse_detail(text, parts):
    assert parse_detail(text) == parts


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (" 重慶市 沙坪壩區（聚龍城）３棟—501 ", "重庆市沙坪坝区聚龙城3栋-501"),
        ("金科•天籁城 5栋", "金科·天籁城5栋"),
        ("soho现代城a座", "SOHO现代城A座"),
        ("聚龙城3~2~501。", "聚龙城3-2-501"),
    ],
)
def test_normalize_address_text(raw, text):
    assert normalize_address_text(raw) == text


@pytest.mark.parametrize(
    ("raw", "community", "key"),
    [
        # Division names with digits in them are still found, though the matcher's work is shared
        # by the addresses of one head (everything before the first digit).
        (
            "北京市丰台区丰台街道程庄路16号院社区3号楼2单元101",
            "程庄路16号院社区",
            "110106|程庄路16号院|3|2|101",
        ),
        ("北京市丰台区丰台街道程庄路15号", "", "110106|程庄路15号"),
        ("包头市昆都仑区沼潭街道105208社区5栋", "105208社区", "150203|105208|5"),
        ("包头市昆都仑区沼潭街道10栋", "", "150203||10"),
        ("包头市昆都仑区沼潭街道105208社区5栋", "105208社区", "150203|105208|5"),  # now from the cache
    ],
)
def test_division_names_with_digits(raw, community, key):
    parts = parse_address(raw)
    assert (parts.community, place_key(parts)) == (community, key)


def test_addresses_of_one_head_keep_their_own_rooms():
    first = parse_address("重庆市沙坪坝区回龙坝镇聚龙城社区3栋2单元501")
    second = parse_address("重庆市沙坪坝区回龙坝镇聚龙城社区3栋1单元302")
    assert first.division_code == second.division_code == "500106006010"
    assert (place_key(first), place_key(second)) == ("500106|聚龙城|3|2|501", "500106|聚龙城|3|1|302")


def test_an_address_without_han_characters_names_no_division_and_needs_no_gazetteer(monkeypatch) -> None:
    from normalize import address

    def refuse(*_: object) -> None:
        raise AssertionError("the gazetteer was read for a Latin address")

    monkeypatch.setattr(address, "_matcher", refuse)
    monkeypatch.setattr(address, "_digit_names", refuse)
    text = normalize_address_text("1201 smiths road, kinglake west 4560")
    found = address._head_divisions(text, None)
    assert found.by_level == {} and found.end == 0
    with pytest.raises(AssertionError, match="gazetteer"):  # a Han address is still matched
        address._head_divisions(normalize_address_text("沙坪坝区聚龙城3-2-501"), None)
