"""Personal names: one clean spelling, surname split, pinyin with surname readings, phonetic keys.

    >>> clean_name(" 張 偉（先生） ")
    '张伟'
    >>> clean_name("阿依古丽•买买提")
    '阿依古丽·买买提'
    >>> name_pinyin("单田芳"), split_surname("欧阳娜娜")
    ('shan tian fang', ('欧阳', '娜娜'))
    >>> phonetic_key("张伟") == phonetic_key("张玮") == phonetic_key("张炜")
    True

Traditional characters become simplified with OpenCC ('t2s', about 2 us a name). pypinyin (0.55)
has no surname mode (python-pinyin issue #297 is still open): it reads 单 as dan, 曾 as ceng, 翟
as di. So the surname part is read from `SURNAME_READINGS` and only the given name goes through
pypinyin. Pinyin is tone-less and writes u-umlaut as 'v' (吕 -> 'lv'), as pypinyin does.

Every public function is cached by its argument: a new name costs about 20 us (mostly pypinyin), a
repeat well under 1 us, so a million names with 50,000 distinct ones take about 1.5 s.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from opencc import OpenCC
from pypinyin import Style, lazy_pinyin

__all__ = [
    "COMPOUND_SURNAMES",
    "SURNAME_READINGS",
    "NameKeys",
    "clean_name",
    "fuzzy_phonetic_key",
    "name_keys",
    "name_pinyin",
    "phonetic_key",
    "split_surname",
]

MIDDLE_DOT = "·"
_CACHE_SIZE = 1 << 20

# Two-character surnames; a name starting with one of these (and longer than it) splits after two.
COMPOUND_SURNAMES: frozenset[str] = frozenset(
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 万俟 公孙 慕容 司徒 司空 夏侯 令狐 长孙 宇文 轩辕 "
    "独孤 南宫 西门 百里 呼延 赫连 端木 澹台 公冶 太史 申屠 闻人 钟离 濮阳 淳于 单于 鲜于 "
    "东郭 左丘 拓跋 第五 公羊 仲孙 亓官 司寇 巫马 梁丘 谷梁 宰父 夹谷 漆雕 乐正 壤驷 公良 "
    "段干 呼衍 羊舌 微生 即墨 东门 北宫 南门 ".split()
)

# Readings of surnames that differ from the character's everyday reading (and compound surnames
# that pypinyin reads wrongly). Only applied to the surname part of a name.
SURNAME_READINGS: dict[str, str] = {
    "单": "shan",
    "曾": "zeng",
    "解": "xie",
    "仇": "qiu",
    "查": "zha",
    "区": "ou",
    "朴": "piao",
    "盖": "ge",
    "乐": "yue",
    "缪": "miao",
    "覃": "qin",
    "召": "shao",
    "重": "chong",
    "翟": "zhai",
    "秘": "bi",
    "种": "chong",
    "繁": "po",
    "佴": "nai",
    "粘": "nian",
    "藏": "zang",
    "都": "du",
    "六": "lu",
    "薄": "bo",
    "贾": "jia",
    "居": "ju",
    "盛": "sheng",
    "柏": "bai",
    "牟": "mou",
    "阚": "kan",
    "沈": "shen",
    "宿": "su",
    "卜": "bu",
    "华": "hua",
    "过": "guo",
    "纪": "ji",
    "燕": "yan",
    "那": "na",
    "折": "she",
    "隗": "wei",
    "句": "gou",
    "员": "yun",
    "尉": "wei",
    "郇": "huan",
    "眭": "sui",
    "能": "nai",
    "不": "fou",
    "万": "wan",
    "长": "chang",
    "尉迟": "yu chi",
    "万俟": "mo qi",
    "单于": "chan yu",
    "长孙": "zhang sun",
    "澹台": "tan tai",
    "乐正": "yue zheng",
    "亓官": "qi guan",
    "令狐": "ling hu",
    "夏侯": "xia hou",
    "宰父": "zai fu",
    "谷梁": "gu liang",
}

_T2S = OpenCC("t2s")
# Dots people type between the parts of a minority or foreign name. NFKC has already folded the
# half-width katakana dot and the full-width full stop into the characters listed here.
_DOTS = str.maketrans(dict.fromkeys("•‧・⋅∙●.。﹒", MIDDLE_DOT))
_BRACKETED = re.compile(r"[(\[【〔][^)\]】〕]*[)\]】〕]")
_SPACE_BESIDE_WIDE = re.compile(r"\s+(?=[^\x00-\x7f])|(?<=[^\x00-\x7f])\s+")
_DOT_RUNS = re.compile(r"\s*·[\s·]*")
_SYLLABLE = re.compile(r"^(zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw]?)(.*)$")
# Fuzzy-pinyin merges (模糊音) for names typed by ear in south-western Mandarin: retroflex and flat
# initials sound alike, as do n/l and the front/back nasal finals.
_FUZZY_INITIALS = {"zh": "z", "ch": "c", "sh": "s", "n": "l"}
_FUZZY_FINALS = {"eng": "en", "ing": "in"}


@dataclass(frozen=True, slots=True)
class NameKeys:
    """A name's clean form, surname split and the keys that make homophones equal."""

    clean: str
    surname: str
    given: str
    pinyin: str  # "zhang wei"
    phonetic: str  # "zhangwei": 张伟, 张玮 and 张炜 share it
    fuzzy: str  # "zangwei": also equal for zh/z, ch/c, sh/s, n/l, eng/en, ing/in


@lru_cache(maxsize=_CACHE_SIZE)
def clean_name(raw: str) -> str:
    """Return the name in one spelling: NFKC, simplified, no spaces, symbols or notes.

    Bracketed notes go, the dot of minority names stays (one '·'), Latin letters are upper-cased.

    >>> clean_name("李麗華 (患者家屬)"), clean_name("ma  li"), clean_name(" 热依扎 . 阿不都 ")
    ('李丽华', 'MA LI', '热依扎·阿不都')
    """
    text = unicodedata.normalize("NFKC", raw)
    text = _BRACKETED.sub("", text).translate(_DOTS)
    kept = "".join(ch if ch == MIDDLE_DOT or ch.isalpha() else " " for ch in text)
    kept = _SPACE_BESIDE_WIDE.sub("", " ".join(kept.split()))
    kept = _DOT_RUNS.sub(MIDDLE_DOT, kept).strip(MIDDLE_DOT + " ")
    return str(_T2S.convert(kept)).upper()


@lru_cache(maxsize=_CACHE_SIZE)
def split_surname(name: str) -> tuple[str, str]:
    """Return (surname, given name) of a Han name; compound surnames take two characters.

    A name with a middle dot (Uyghur, Tibetan or foreign names) has no Han surname: ('', name).

    >>> split_surname("司马光"), split_surname("张伟"), split_surname("阿依古丽·买买提")
    (('司马', '光'), ('张', '伟'), ('', '阿依古丽·买买提'))
    """
    name = clean_name(name)
    if not name or MIDDLE_DOT in name or not _is_han(name[0]):
        return "", name
    if len(name) > 2 and name[:2] in COMPOUND_SURNAMES:
        return name[:2], name[2:]
    return name[0], name[1:]


@lru_cache(maxsize=_CACHE_SIZE)
def name_pinyin(name: str) -> str:
    """Return the tone-less pinyin of a name, syllables separated by spaces, surname read as one.

    >>> name_pinyin("曾乐"), name_pinyin("尉迟恭"), name_pinyin("翟天临")
    ('zeng le', 'yu chi gong', 'zhai tian lin')
    """
    surname, given = split_surname(name)
    syllables: list[str] = []
    if surname:
        reading = SURNAME_READINGS.get(surname)
        syllables.extend(reading.split() if reading else _pinyin(surname))
    syllables.extend(_pinyin(given))
    return " ".join(syllables)


@lru_cache(maxsize=_CACHE_SIZE)
def phonetic_key(name: str) -> str:
    """Return the name's pinyin without spaces, equal for homophones typed by ear.

    >>> phonetic_key("张炜"), phonetic_key("單田芳")
    ('zhangwei', 'shantianfang')
    """
    return name_pinyin(name).replace(" ", "")


@lru_cache(maxsize=_CACHE_SIZE)
def fuzzy_phonetic_key(name: str) -> str:
    """Return a looser phonetic key that also merges zh/z, ch/c, sh/s, n/l, eng/en and ing/in.

    Meant for blocking candidate pairs, not for deciding a match: 刘宁 and 牛林 share it.

    >>> fuzzy_phonetic_key("张成"), fuzzy_phonetic_key("藏岑")
    ('zangcen', 'zangcen')
    """
    return "".join(_fuzzy_syllable(s) for s in name_pinyin(name).split())


@lru_cache(maxsize=_CACHE_SIZE)
def name_keys(raw: str) -> NameKeys:
    """Return every normalised form of a raw name at once (the usual entry point for matching).

    >>> name_keys("張 瑋").phonetic
    'zhangwei'
    """
    clean = clean_name(raw)
    surname, given = split_surname(clean)
    return NameKeys(clean, surname, given, name_pinyin(clean), phonetic_key(clean), fuzzy_phonetic_key(clean))


@lru_cache(maxsize=_CACHE_SIZE)
def _pinyin(text: str) -> tuple[str, ...]:
    # Given names repeat far more than full names, so this cache saves most pypinyin calls.
    # Non-Han runs (Latin names, the middle dot) come back whole from pypinyin; keep letters only.
    out: list[str] = []
    for piece in lazy_pinyin(text, style=Style.NORMAL):
        out.extend(w.lower() for w in re.findall(r"[A-Za-z]+", piece))
    return tuple(out)


def _fuzzy_syllable(syllable: str) -> str:
    match = _SYLLABLE.match(syllable)
    if match is None:  # pragma: no cover - the pattern matches every string
        return syllable
    initial, final = match.groups()
    return _FUZZY_INITIALS.get(initial, initial) + _FUZZY_FINALS.get(final, final)


def _is_han(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\U00020000" <= char <= "\U0003134f"
