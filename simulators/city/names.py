"""Chinese personal names: a weighted surname table and given-name pools skewed so names repeat.

Common full names (张伟, 王芳, 李娜 ...) recur across a city, as they do in life: the surname table
follows the published frequency ranking and given-name characters follow a Zipf-like weight.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

# (surname, share in percent), roughly the national ranking.
SURNAMES: tuple[tuple[str, float], ...] = tuple(
    (entry.split(":")[0], float(entry.split(":")[1]))
    for entry in (
        "王:7.1 李:7.0 张:6.7 刘:5.4 陈:4.5 杨:3.1 黄:2.2 赵:2.3 吴:2.0 周:2.0 徐:1.7 孙:1.5 马:1.5 朱:1.3 "
        "胡:1.3 郭:1.2 何:1.2 林:1.0 罗:1.0 高:1.0 郑:0.8 梁:0.8 谢:0.7 宋:0.7 唐:0.7 许:0.7 韩:0.7 冯:0.6 "
        "邓:0.6 曹:0.6 彭:0.6 曾:0.6 肖:0.6 田:0.5 董:0.5 袁:0.5 潘:0.5 于:0.5 蒋:0.5 蔡:0.5 余:0.5 杜:0.5 "
        "叶:0.45 程:0.45 苏:0.43 魏:0.43 吕:0.42 丁:0.41 任:0.41 沈:0.39 姚:0.38 卢:0.37 姜:0.36 崔:0.35 "
        "钟:0.34 谭:0.34 陆:0.33 汪:0.32 范:0.31 金:0.3 石:0.3 廖:0.29 贾:0.29 夏:0.28 韦:0.27 付:0.27 "
        "方:0.26 白:0.26 邹:0.26 孟:0.25 熊:0.25 秦:0.25 邱:0.24 江:0.24 尹:0.23 薛:0.23 闫:0.22 段:0.22 "
        "雷:0.22 侯:0.21 龙:0.21 史:0.2 陶:0.2 黎:0.19 贺:0.19 顾:0.18 毛:0.18 郝:0.17 龚:0.17 邵:0.17 "
        "万:0.16 钱:0.16 严:0.16 覃:0.15 武:0.15 戴:0.15 莫:0.14 孔:0.14 向:0.14 汤:0.13 欧阳:0.03 司马:0.01"
    ).split()
)

MALE_CHARS = (
    "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林峰建国文志海东亮成兵洋阳毅晨博轩宏德洪彬坤"
    "锋松利清荣新春山江河胜忠良永祥福贵发群武安康乐鸣铭哲瑞航宸豪楠翔鹤然晖琪远川泉森恒"
)
FEMALE_CHARS = (
    "芳娜敏静丽艳娟霞秀玲婷雪慧燕红琳颖佳倩萍梅欣晶洁莉兰英华琴云丹璐瑶怡馨雨宁蕾薇月悦诗思梦婉菲蓉凤琼娇"
    "妍彤蔚琦璇萱涵茹露曼岚莎莹瑜芸芬春桂珍翠花香菊莲荷琪雯婕姝媛嫣"
)
MALE_FIRST = "建国志明文俊子宇浩家嘉永德海晓小天金立正世光成红少新长庆云泽宏一兴中振佳思梓铭博雨晨"
FEMALE_FIRST = "秀春玉晓小丽雅雨思欣梦佳子紫海美淑雪桂凤翠文芳艳若静诗可一慧晶爱婉梓心语馨依"

# Minority names written with a middle dot, a small share of any city's register.
MINORITY_GIVEN = ("阿依古丽", "买买提", "古丽娜尔", "阿不都", "迪丽拜尔", "艾尔肯", "热依拉", "吐尔洪")
MINORITY_FATHER = ("艾力", "吐尔逊", "热合曼", "艾买提", "玉素甫", "托合提")

# Characters a call-taker may type for what she hears: same sound, different character.
HOMOPHONE_GROUPS: tuple[str, ...] = (
    "伟玮炜威薇",
    "静婧晶靖",
    "丽莉俐利",
    "军君钧",
    "明鸣铭",
    "华桦骅",
    "芳方昉",
    "敏民闽",
    "磊蕾垒",
    "洋阳扬杨",
    "勇永咏",
    "艳燕雁彦",
    "杰洁捷婕",
    "娟鹃涓",
    "涛韬滔",
    "超朝",
    "秀绣琇",
    "霞侠",
    "平萍苹",
    "刚钢纲",
    "辉慧惠徽",
    "玲琳铃灵",
    "红虹宏鸿洪",
    "健建剑",
    "峰锋丰枫",
    "梅玫媚",
    "英莹瑛",
    "斌彬滨",
    "宇雨羽语",
    "浩昊皓",
    "凯恺楷",
    "鹏朋",
    "婷庭亭",
    "倩茜芊",
    "琴芹勤",
    "云芸韵",
    "鑫欣馨新",
    "俊骏峻",
    "晨辰臣琛",
    "东冬栋",
    "文雯闻",
    "博柏",
    "佳嘉家",
    "怡宜仪",
    "璐露路",
    "瑶遥谣",
    "兰岚澜",
    "丹单",
    "张章",
    "王汪",
    "刘柳",
    "徐许",
    "吴伍武",
    "余于俞",
    "江姜蒋",
    "肖萧",
    "彭鹏",
    "程成",
    "黄皇",
)


def _zipf_weights(n: int, exponent: float = 0.6) -> npt.NDArray[np.float64]:
    weights: npt.NDArray[np.float64] = 1.0 / np.arange(1, n + 1, dtype=np.float64) ** exponent
    normalised: npt.NDArray[np.float64] = weights / weights.sum()
    return normalised


def _homophone_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for group in HOMOPHONE_GROUPS:
        for char in group:
            table.setdefault(char, group)
    return table


HOMOPHONES: dict[str, str] = _homophone_table()


def draw_surnames(rng: np.random.Generator, n: int) -> npt.NDArray[np.int64]:
    """Return indices into SURNAMES, drawn by frequency."""
    shares = np.array([share for _, share in SURNAMES])
    return rng.choice(len(SURNAMES), size=n, p=shares / shares.sum())


def surname_text(indices: npt.NDArray[np.int64]) -> list[str]:
    """Return the surname strings for indices from `draw_surnames`."""
    table = [name for name, _ in SURNAMES]
    return [table[i] for i in indices.tolist()]


def draw_given_names(rng: np.random.Generator, female: npt.NDArray[np.bool_]) -> list[str]:
    """Return given names: one character for 15 %, two for the rest, skewed to common characters."""
    n = len(female)
    lasts = [_draw_chars(rng, MALE_CHARS, n), _draw_chars(rng, FEMALE_CHARS, n)]
    firsts = [_draw_chars(rng, MALE_FIRST, n), _draw_chars(rng, FEMALE_FIRST, n)]
    two = rng.random(n) < 0.85
    names: list[str] = []
    for i, (is_female, has_two) in enumerate(zip(female.tolist(), two.tolist(), strict=True)):
        last = lasts[is_female][i]
        names.append(firsts[is_female][i] + last if has_two else last)
    return names


def _draw_chars(rng: np.random.Generator, pool: str, n: int) -> list[str]:
    picks = rng.choice(len(pool), size=n, p=_zipf_weights(len(pool)))
    return [pool[i] for i in picks.tolist()]


def minority_names(rng: np.random.Generator, families: npt.NDArray[np.int64]) -> list[str]:
    """Return names in the given·father form (阿依古丽·买买提); one family shares the father's name."""
    given = rng.integers(0, len(MINORITY_GIVEN), len(families)).tolist()
    father = (families % len(MINORITY_FATHER)).tolist()
    return [f"{MINORITY_GIVEN[g]}·{MINORITY_FATHER[f]}" for g, f in zip(given, father, strict=True)]


def misheard(name: str, draw: float) -> str:
    """Return the name as typed by ear: one character swapped for a homophone, chosen by `draw` in [0, 1).

    >>> misheard("张伟", 0.1)
    '张薇'
    """
    positions = [i for i, char in enumerate(name) if char in HOMOPHONES]
    if not positions:
        return name
    slot = int(draw * len(positions) * 997)
    position = positions[slot % len(positions)]
    group = HOMOPHONES[name[position]].replace(name[position], "")
    return name[:position] + group[slot % len(group)] + name[position + 1 :]
