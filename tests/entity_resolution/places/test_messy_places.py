"""Place resolution on messy addresses written by hand from the failure classes seen in real
department data: divisions the gazetteer does not know, and one room at different granularity."""

import pandas as pd

from entity_resolution.places import resolve_places
from proving.scores import score_clusters

# (true place, address): each true place written the ways departments write it.
MESSY = [
    # 1. A community unknown to the gazetteer, with and without city, district, street, committee.
    ("天成熙园9-5-3004", "重庆市合川区钓鱼城街道学士社区天成熙园9幢5单元3004"),
    ("天成熙园9-5-3004", "合川区天成熙园九栋五单元3004室"),
    ("天成熙园9-5-3004", "重庆市天成熙园9-5-3004"),
    ("天成熙园9-5-3004", "合川天成熙园9号楼5单元3004号"),
    ("天成熙园9-5-3004", "学士社区天成熙园9-5-3004"),
    ("天成熙园9-5-3004", "重庆市合川区学士社区居委会天成熙园9幢5单元3004"),
    ("天成熙园9-5-3004", "天成熙园9栋5-3004"),
    ("天成熙园9-5-3004", "合川区钓鱼城街道天成熙园九幢五单元三零零四"),
    ("天成熙园9-5-3004", "重庆 合川区 天成熙园 第9栋 5单元 30楼04号"),
    ("天成熙园9-5-3003", "合川区天成熙园9幢5单元3003"),
    ("天成熙园9-5-3003", "合川区钓鱼城街道学士社区天成熙园九栋五单元3003室"),
    ("天成熙园9", "合川区天成熙园9幢"),
    ("天成熙园9", "重庆市合川区钓鱼城街道学士社区天成熙园9栋"),
    # An estate named like a village, with an unknown community in front of it once.
    ("红旗新村5-2-301", "重庆市沙坪坝区红旗新村5栋2单元301"),
    ("红旗新村5-2-301", "沙坪坝红旗新村五栋二单元301室"),
    ("红旗新村5-2-301", "红旗新村5-2-301"),
    ("红旗新村5-2-301", "重庆市沙坪坝区井口街道美丽山水社区红旗新村5幢2单元301号"),
    ("幸福村3-1-502", "江北区幸福村小区3栋1单元502"),
    ("幸福村3-1-502", "重庆市江北区幸福村3幢1单元502号"),
    ("幸福村3-1-502", "幸福村小区3-1-502"),
    # A village committee before the estate; a known village written with its committee word.
    ("康乐苑2-101", "重庆市永川区红星村委会康乐苑2栋101"),
    ("康乐苑2-101", "永川康乐苑2栋101室"),
    ("康乐苑2-101", "永川区红星村村委会康乐苑2幢101号"),
    ("金刚花园2-101", "渝北区木耳镇金刚村委会金刚花园2栋101"),
    ("金刚花园2-101", "渝北区金刚花园2栋101室"),
    ("金刚花园2-101", "重庆市渝北区木耳镇金刚村金刚花园2幢101"),
    # An unknown street and community.
    ("观澜雅苑12-3-1801", "重庆市九龙坡区彩云湖街道彩云社区观澜雅苑12栋3单元1801"),
    ("观澜雅苑12-3-1801", "九龙坡观澜雅苑十二栋三单元1801室"),
    ("观澜雅苑12-3-1801", "观澜雅苑12-3-1801"),
    # Names holding a community's name or division words.
    ("阳光社区花园3-1-201", "南岸区阳光社区花园3栋1单元201"),
    ("阳光社区花园3-1-201", "南岸阳光社区花园三栋一单元201室"),
    ("滨江华府2-1-1201", "巴南区李家沱片区滨江华府2栋1单元1201"),
    ("滨江华府2-1-1201", "巴南区滨江华府2-1-1201"),
    ("重钢生活区3-2-401", "大渡口区重钢生活区3栋2单元401"),
    ("重钢生活区3-2-401", "大渡口区重钢生活区三栋二单元401室"),
]


def _resolve(addresses: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame({"record_id": [f"r{i}" for i in range(len(addresses))], "address": addresses})
    return resolve_places(frame).assignments


def test_every_true_place_of_the_messy_set_is_one_place_and_no_two_share_one():
    assigned = _resolve([address for _, address in MESSY])
    assigned["truth"] = [place for place, _ in MESSY]
    split = assigned.groupby("truth")["place_id"].nunique()
    merged = assigned.groupby("place_id")["truth"].nunique()
    assert assigned["place_id"].notna().all()
    assert split[split > 1].index.tolist() == []
    assert merged[merged > 1].index.tolist() == []
    predicted = assigned.rename(columns={"place_id": "cluster"})[["record_id", "cluster"]]
    truth = assigned.rename(columns={"truth": "cluster"})[["record_id", "cluster"]]
    assert score_clusters(predicted, truth)["f1"] == 1.0


def test_an_estate_in_two_districts_is_not_guessed_for_mentions_that_name_neither():
    assigned = _resolve(
        [
            "沙坪坝区锦绣花园3栋2单元501",
            "渝北区锦绣花园3栋2单元501",
            "重庆市锦绣花园3-2-501",
            "锦绣花园3-2-501",
            "重庆市回龙坝镇学士社区锦绣花园3栋2单元501",  # the street places it in 沙坪坝
        ]
    )["place_id"].tolist()
    assert len(set(assigned[:4])) == 4
    assert assigned[4] == assigned[0]


def test_a_mention_naming_another_city_does_not_join_the_estate_of_this_one():
    assigned = _resolve(["合川区天成熙园9幢5单元3004", "成都市天成熙园9-5-3004", "重庆市天成熙园9-5-3004"])
    ids = assigned["place_id"].tolist()
    assert ids[2] == ids[0] != ids[1]


def test_a_community_the_gazetteer_does_not_know_does_not_split_an_estate():
    # 双凤桥社区 is no community the gazetteer lists: it may be the new name of 双北街社区.
    assigned = _resolve(
        [
            "重庆市渝北区两路街道双北街社区煤建宿舍2栋1单元1902",
            "重庆市渝北区两路街道双凤桥社区煤建宿舍2栋1单元1902",
            "重庆市渝北区两路街道双凤桥社区居委会煤建宿舍2幢1单元1902号",
            "渝北区煤建宿舍2-1-1902",
        ]
    )
    assert assigned["place_id"].nunique() == 1


def test_two_gazetteer_communities_still_tell_two_estates_of_one_name_apart():
    assigned = _resolve(
        [
            "重庆市渝北区两路街道双北街社区煤建宿舍2栋1单元1902",
            "重庆市渝北区两路街道双凤路社区煤建宿舍2栋1单元1902",
            "重庆市渝北区两路街道学士社区煤建宿舍2栋1单元1902",  # which of the two: not guessed
            "渝北区煤建宿舍2-1-1902",
        ]
    )
    ids = assigned["place_id"].tolist()
    assert len({ids[0], ids[1], ids[2]}) == 3 and ids[3] == ids[2]


def test_a_room_written_with_only_one_of_two_same_named_estates_is_placed_in_it():
    assigned = _resolve(
        [
            "沙坪坝区锦绣花园3栋2单元501",
            "渝北区锦绣花园5栋1单元1201",
            "锦绣花园5-1-1201",  # only 渝北's 锦绣花园 was written with this room
            "锦绣花园3-2-502",  # a room neither was written with: not guessed
            "重庆市渝北区两路街道双北街社区煤建宿舍2栋1单元1902",
            "重庆市渝北区两路街道双凤路社区煤建宿舍7栋3单元301",
            "渝北区煤建宿舍7-3-301",
            "渝北区煤建宿舍2栋",  # a building both might have
        ]
    )
    ids = assigned["place_id"].tolist()
    assert ids[2] == ids[1] and ids[6] == ids[5]
    assert len(set(ids[:4])) == 3 and len({ids[4], ids[5], ids[7]}) == 3
