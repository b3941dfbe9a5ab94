"""Typing errors that survive: visually similar or wrong characters, dropped characters, digit slips.

None of these is a homophone (the call-taker's mishearing is `names.misheard`), so no phonetic key
undoes them; a slipped ID number gets its check digit recomputed, as systems that fill in the
eighteenth digit do, so it stays a valid number of someone else.
"""

from __future__ import annotations

import unicodedata

from normalize.id_number import id_check_digit
from simulators.city.names import FEMALE_CHARS, HOMOPHONES, MALE_CHARS

# Characters that look alike (形近字) and do not sound alike; each group is read both ways.
LOOKALIKE_GROUPS: tuple[str, ...] = (
    "王玉主",
    "李季",
    "陈阵",
    "杨扬汤",
    "吴昊",
    "徐涂",
    "胡湖",
    "梁粱",
    "宋宗",
    "曹曾",
    "田由甲",
    "袁哀",
    "于干",
    "余佘",
    "沈沉",
    "金全",
    "石右",
    "白自",
    "方万",
    "孟盂",
    "秦泰",
    "伟传",
    "军车",
    "明朋",
    "平乎",
    "宇字",
    "龙尤",
    "国图",
    "海梅",
    "兵乒",
    "阳阴",
    "娟捐",
    "霞暇",
    "雪雷",
    "红江",
    "华毕",
    "云去",
    "丹舟",
    "怡恰",
    "天夭",
    "晓晚",
    "美姜",
    "玲冷",
    "林材",
    "峰蜂",
    "志忠",
    "洁浩",
    "婷停",
    "倩请",
    "辉挥",
    "博搏",
    "春椿",
    "刚列",
    "强弦",
    "凤风",
    "燕蒸",
    "琴瑟",
    "芳苦",
    "敏敢",
    "静睁",
    "鹏鹃",
    "斌赋",
    "英荚",
    "萍苹",
    "成戍",
    "超起",
    "亮高",
    "建律",
    "文又",
    "东乐",
)
WRONG_POOL = MALE_CHARS + FEMALE_CHARS


def _lookalikes() -> dict[str, str]:
    table: dict[str, str] = {}
    for group in LOOKALIKE_GROUPS:
        for char in group:
            table.setdefault(char, group.replace(char, ""))
    return table


LOOKALIKES: dict[str, str] = _lookalikes()


def _pick(options: str, draw: float) -> str:
    return options[int(draw * len(options)) % len(options)]


def name_typo(name: str, draw: float, kind_draw: float) -> str:
    """Return the name with one character mistyped: a look-alike (half), a wrong one, or one dropped.

    A character is dropped only from names of three or more characters, never the surname's first.

    >>> name_typo("王建国", 0.5, 0.1), name_typo("王建国", 0.5, 0.9)
    ('王律国', '王建')
    """
    if not name or name in ("匿名",):
        return name
    chars = list(name)
    positions = [i for i, c in enumerate(chars) if c in LOOKALIKES]
    if kind_draw < 0.5 and positions:
        i = positions[int(draw * len(positions)) % len(positions)]
        chars[i] = _pick(LOOKALIKES[chars[i]], draw * 7.0 % 1.0)
        return "".join(chars)
    given = [i for i, c in enumerate(chars) if i > 0 and c != "·"]
    if not given:
        return name
    i = given[int(draw * len(given)) % len(given)]
    if kind_draw >= 0.8 and len(chars) >= 3:
        return "".join(chars[:i] + chars[i + 1 :])
    wrong = [c for c in WRONG_POOL if c != chars[i] and c not in HOMOPHONES.get(chars[i], "")]
    chars[i] = _pick("".join(wrong), draw * 13.0 % 1.0)
    return "".join(chars)


def _digit_positions(text: str) -> list[int]:
    return [i for i, c in enumerate(text) if unicodedata.category(c) == "Nd"]


def _set_digit(text: str, i: int, digit: int) -> str:
    full = ord(text[i]) >= 0xFF10
    return text[:i] + (chr(0xFF10 + digit) if full else str(digit)) + text[i + 1 :]


def digit_slip(text: str, positions: list[int], draw: float, kind_draw: float) -> str:
    """Return text with one digit at one of `positions` replaced, or two adjacent ones swapped.

    >>> phone = "13800138000"
    >>> digit_slip(phone, list(range(3, 11)), 0.0, 0.9), digit_slip(phone, [3, 4, 5], 0.5, 0.1)
    ('13810138000', '13801038000')
    """
    if not positions:
        return text
    if kind_draw < 0.4:  # adjacent transposition of two different digits
        pairs = [
            (a, b)
            for a, b in zip(positions, positions[1:], strict=False)
            if b == a + 1 and unicodedata.digit(text[a]) != unicodedata.digit(text[b])
        ]
        if pairs:
            a, b = pairs[int(draw * len(pairs)) % len(pairs)]
            return text[:a] + text[b] + text[a] + text[b + 1 :]
    i = positions[int(draw * len(positions)) % len(positions)]
    old = unicodedata.digit(text[i])
    return _set_digit(text, i, (old + 1 + int(draw * 997) % 9) % 10)


def phone_slip(phone: str, draw: float, kind_draw: float) -> str:
    """Return the phone with a slip among its last eight digits (the prefix, which validators check, kept)."""
    return digit_slip(phone, _digit_positions(phone)[-8:], draw, kind_draw)


def id_slip(number: str, draw: float, kind_draw: float) -> str:
    """Return the ID number with a slip in its region or sequence digits; an 18-digit number keeps a
    valid check digit (the birth date, which systems check, is left alone)."""
    digits = _digit_positions(number)
    x_last = unicodedata.normalize("NFKC", number[-1:]).upper() == "X"
    if len(digits) == 18 or (len(digits) == 17 and x_last):
        region_and_sequence = [digits[k] for k in (2, 3, 4, 5, 14, 15)]
        slipped = digit_slip(number, region_and_sequence, draw, kind_draw)
        plain = unicodedata.normalize("NFKC", slipped)
        check = id_check_digit(plain[:17])
        last = slipped[-1]
        if check == "X":
            check = "x" if last == "x" else "Ｘ" if ord(last) >= 0xFF10 else "X"
        elif ord(last) >= 0xFF10:
            check = chr(0xFF10 + int(check))
        return slipped[:-1] + check
    if len(digits) == 15:
        return digit_slip(number, [digits[k] for k in (2, 3, 4, 5, 12, 13)], draw, kind_draw)
    return number
