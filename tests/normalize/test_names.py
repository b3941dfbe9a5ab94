import pytest

from normalize.names import (
    COMPOUND_SURNAMES,
    clean_name,
    fuzzy_phonetic_key,
    name_keys,
    name_pinyin,
    phonetic_key,
    split_surname,
)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (" 張 偉 ", "张伟"),
        ("张伟（先生）", "张伟"),
        ("李娜(患者家属)", "李娜"),
        ("李娜【已核实】", "李娜"),
        ("歐陽娜娜", "欧阳娜娜"),
        ("鍾麗緹", "钟丽缇"),
        ("阿依古丽•买买提", "阿依古丽·买买提"),
        ("阿依古丽‧买买提", "阿依古丽·买买提"),
        ("阿依古丽・买买提", "阿依古丽·买买提"),
        ("阿依古丽.买买提", "阿依古丽·买买提"),
        ("阿依古丽．买买提", "阿依古丽·买买提"),
        ("阿依古丽 · 买买提", "阿依古丽·买买提"),
        ("·阿依古丽··买买提·", "阿依古丽·买买提"),
        ("ＺＨＡＮＧ　ＷＥＩ", "ZHANG WEI"),
        ("john  smith", "JOHN SMITH"),
        ("张伟1", "张伟"),
        ("张伟。", "张伟"),
        ("王先生", "王先生"),
        ("", ""),
        ("123-456", ""),
    ],
)
def test_clean_name(raw, clean):
    assert clean_name(raw) == clean


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("张伟", ("张", "伟")),
        ("欧阳娜娜", ("欧阳", "娜娜")),
        ("司马光", ("司马", "光")),
        ("诸葛亮", ("诸葛", "亮")),
        ("上官婉儿", ("上官", "婉儿")),
        ("东方明珠", ("东方", "明珠")),
        ("皇甫嵩", ("皇甫", "嵩")),
        ("尉迟恭", ("尉迟", "恭")),
        ("万俟卨", ("万俟", "卨")),
        ("歐陽修", ("欧阳", "修")),
        ("欧阳", ("欧", "阳")),  # two characters: a one-character surname and a given name
        ("阿依古丽·买买提", ("", "阿依古丽·买买提")),
        ("JOHN SMITH", ("", "JOHN SMITH")),
        ("", ("", "")),
    ],
)
def test_split_surname(name, parts):
    assert split_surname(name) == parts


def test_every_compound_surname_has_two_characters():
    assert all(len(s) == 2 for s in COMPOUND_SURNAMES)


@pytest.mark.parametrize(
    ("name", "pinyin"),
    [
        ("单田芳", "shan tian fang"),
        ("曾国藩", "zeng guo fan"),
        ("解缙", "xie jin"),
        ("仇英", "qiu ying"),
        ("查良镛", "zha liang yong"),
        ("区志强", "ou zhi qiang"),
        ("朴树", "piao shu"),
        ("盖聪", "ge cong"),
        ("尉迟恭", "yu chi gong"),
        ("万俟卨", "mo qi xie"),
        ("乐嘉", "yue jia"),
        ("缪斯", "miao si"),
        ("覃雪", "qin xue"),
        ("召明", "shao ming"),
        ("重阳", "chong yang"),
        ("翟天临", "zhai tian lin"),
        ("长孙无忌", "zhang sun wu ji"),
        ("张伟", "zhang wei"),
        ("吕方", "lv fang"),
        ("張曾", "zhang ceng"),  # the surname reading applies to the surname only
        ("阿依古丽·买买提", "a yi gu li mai mai ti"),
        ("JOHN SMITH", "john smith"),
        ("", ""),
    ],
)
def test_name_pinyin_reads_surnames_as_surnames(name, pinyin):
    assert name_pinyin(name) == pinyin


@pytest.mark.parametrize(
    "homophones",
    [
        ("张伟", "张玮", "张炜", "張偉", " 张 伟 "),
        ("李娜", "李纳", "李呐"),
        ("单田芳", "單田芳", "善田芳"),
        ("刘洋", "刘阳", "柳杨"),
    ],
)
def test_phonetic_key_makes_homophones_equal(homophones):
    assert len({phonetic_key(name) for name in homophones}) == 1


@pytest.mark.parametrize(
    ("one", "other"),
    [("张伟", "王伟"), ("单田芳", "丹田芳"), ("张伟", "张伟伟"), ("曾国藩", "层国藩")],
)
def test_phonetic_key_keeps_different_sounds_apart(one, other):
    assert phonetic_key(one) != phonetic_key(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [("张成", "藏岑"), ("刘宁", "牛林"), ("陈明", "岑敏"), ("施胜", "司森")],
)
def test_fuzzy_key_merges_southwestern_confusions(one, other):
    assert phonetic_key(one) != phonetic_key(other)
    assert fuzzy_phonetic_key(one) == fuzzy_phonetic_key(other)


def test_name_keys_gathers_every_form():
    keys = name_keys(" 歐陽 娜娜 ")
    assert (keys.clean, keys.surname, keys.given) == ("欧阳娜娜", "欧阳", "娜娜")
    assert (keys.pinyin, keys.phonetic, keys.fuzzy) == ("ou yang na na", "ouyangnana", "ouyanglala")


def test_name_keys_of_junk_is_empty():
    keys = name_keys("  --  ")
    assert keys.clean == keys.phonetic == keys.fuzzy == ""
