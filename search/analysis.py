"""Client-side Chinese analysis: the tokens every backend indexes and every query is made of.

Elastic's integ-test distribution ships no IK or pinyin plugin, and the embedded index has no
analyser at all, so relevance cannot come from the engine: documents and queries are turned into
tokens here, and both backends only match tokens and add up constant weights. That is what makes
their results the same.

A token is `<field>:<value>`; the field says what kind of value it is:

    names      nf full clean name, n2 character bigram, n1 character, py pinyin key (homophones
               meet: 张伟/张玮/張偉 -> zhangwei), pz fuzzy pinyin (zh/z, n/l, eng/en ...), pi initials,
               nw the name with one character as '?' (王?国: a wrong or dropped character)
    ID number  if full, ir 6-digit region, ib birth date, i6 last 6, i4 last 4
    phone      tf full, tl landline local number, t6 last 6, t4 last 4
    address    ad district, as street, ac community, ae estate, ab/au/ar estate+building(+unit(+room)),
               ak district+building+unit+room, ao road and door number, a2 bigram of the estate
               and road, ag a bigram of the estate with the numbers of the place (天成|9|5|3004)
    text       x2 character bigram
    key        k the document's own id, lower-cased

    >>> name_tokens("張偉")
    ['nf:张伟', 'n2:张伟', 'n1:张', 'n1:伟', 'py:zhangwei', 'pz:zangwei', 'pi:zw', 'nw:?伟', 'nw:张?']
    >>> name_tokens("王建国")[-1]
    'nw:王?国'
    >>> address_tokens("聚龙城3-2-501") == address_tokens("聚龙城3栋2单元501")
    True

ID numbers and phones are sensitive in the ontology: their tokens are keyed hashes
(`sensitive_token`), so neither the index nor a response holds a number, or a fragment of one,
in clear. The hash keeps casual readers out; it is not encryption (a 4-digit fragment has only
10,000 values), which is why the index must still be guarded like the warehouse.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from functools import lru_cache

from normalize.address import AddressParts, normalize_address_text, parse_address
from normalize.id_number import InvalidIdNumber, parse_id_number
from normalize.names import clean_name, fuzzy_phonetic_key, name_pinyin, phonetic_key
from normalize.phone import clean_phone

__all__ = [
    "address_parts",
    "address_tokens",
    "bigrams",
    "id_number_tokens",
    "name_wildcards",
    "key_token",
    "name_tokens",
    "phone_tokens",
    "room_anchors",
    "sensitive_token",
    "site_bigrams",
    "structured_address_tokens",
    "text_tokens",
]

_HASH_KEY = b"cityhub-search-1"
MAX_WILDCARD_NAME = 4  # the longest Han name given inner wildcards: names are 2-4 characters
_CACHE = 1 << 18
_HAN = re.compile(r"[\u3400-\u9fff\U00020000-\U0003134f]")
# The forms parse_id_number and clean_phone return; values already in them are not parsed again.
_CANONICAL_ID = re.compile(r"[1-8]\d{16}[\dX]")
_CANONICAL_PHONE = re.compile(r"1[3-9]\d{9}|0\d{2,3}-\d{7,8}")


def sensitive_token(field: str, value: str) -> str:
    """Return the token of a sensitive value (ID number, phone) as a keyed hash, not in clear.

    >>> sensitive_token("i4", "1234") == sensitive_token("i4", "1234") != sensitive_token("t4", "1234")
    True
    """
    digest = hashlib.blake2b(f"{field}:{value}".encode(), key=_HASH_KEY, digest_size=8).hexdigest()
    return f"{field}:{digest}"


def key_token(doc_id: str) -> str:
    """Return the token that finds a document by its own id (case-insensitive)."""
    return f"k:{doc_id.strip().lower()}"


def bigrams(text: str) -> list[str]:
    """Return the overlapping character pairs of `text` that hold a Chinese character, without repeats.

    Pairs of digits and dashes ('50', '3-') are left out: they match everywhere and mean nothing
    on their own (numbers are matched by the ID, phone and address tokens instead).

    >>> bigrams("噪音扰民"), bigrams("3栋501")
    (['噪音', '音扰', '扰民'], ['3栋', '栋5'])
    """
    pairs = (text[i : i + 2] for i in range(len(text) - 1))
    return list(dict.fromkeys(p for p in pairs if _HAN.search(p)))


@lru_cache(maxsize=_CACHE)
def _name_tokens(raw: str) -> tuple[str, ...]:
    name = clean_name(raw)
    if not name:
        return ()
    han = "".join(_HAN.findall(name))
    tokens = [f"nf:{name}", *(f"n2:{pair}" for pair in bigrams(han))]
    tokens += [f"n1:{ch}" for ch in dict.fromkeys(han)]
    key = phonetic_key(name)
    if key:
        initials = "".join(syllable[0] for syllable in name_pinyin(name).split())
        tokens += [f"py:{key}", f"pz:{fuzzy_phonetic_key(name)}", f"pi:{initials}"]
    if han == name:
        tokens += [f"nw:{w}" for w in name_wildcards(han)]
    return tuple(tokens)


def name_wildcards(han: str) -> list[str]:
    """Return a name with one character in turn replaced by '?': inner ones, and both of a 2-character name.

    One wrong character inside a name still meets its own wildcard (王律国 and 王建国 share 王?国),
    and a name typed without that character meets it too (王国 read with a '?' inserted). At the
    ends of a longer name a wildcard would say no more than the bigram left over; a 2-character
    name has no bigram left, and its wildcard (陈?) keeps the character at its place in a name of
    that length.

    >>> name_wildcards("欧阳明月"), name_wildcards("张伟"), name_wildcards("张")
    (['欧?明月', '欧阳?月'], ['?伟', '张?'], [])
    """
    if len(han) == 2:
        return [f"?{han[1]}", f"{han[0]}?"]
    if not 3 <= len(han) <= MAX_WILDCARD_NAME:
        return []
    return [f"{han[:i]}?{han[i + 1 :]}" for i in range(1, len(han) - 1)]


def name_tokens(raw: str) -> list[str]:
    """Return a personal name's tokens: full name, bigrams, characters, pinyin, fuzzy pinyin, initials,
    wildcards (`name_wildcards`).

    A 2-character name has one bigram and its two characters, so it is found however short.

    >>> name_tokens("单田芳")[-4:]
    ['py:shantianfang', 'pz:santianfang', 'pi:stf', 'nw:单?芳']
    """
    return list(_name_tokens(raw))


@lru_cache(maxsize=_CACHE)
def _id_number_tokens(raw: str) -> tuple[str, ...]:
    if _CANONICAL_ID.fullmatch(raw):  # resolved tables hold canonical numbers: skip re-validating
        number = raw
    else:
        try:
            number = parse_id_number(raw).number
        except InvalidIdNumber:
            return ()
    parts = {"if": number, "ir": number[:6], "ib": number[6:14], "i6": number[-6:], "i4": number[-4:]}
    return tuple(sensitive_token(field, value) for field, value in parts.items())


def id_number_tokens(raw: str | None) -> list[str]:
    """Return the hashed tokens of an ID number: whole, region, birth date, last 6, last 4.

    An old 15-digit number is upgraded first, so either form finds the person; an invalid number
    gives no tokens (what cannot be parsed cannot be matched by a fragment either).
    """
    return list(_id_number_tokens(raw)) if raw else []


@lru_cache(maxsize=_CACHE)
def _phone_tokens(raw: str) -> tuple[str, ...]:
    phone = raw if _CANONICAL_PHONE.fullmatch(raw) else clean_phone(raw)
    if phone is None:
        return ()
    digits = phone.replace("-", "")
    parts = {"tf": digits, "t6": digits[-6:], "t4": digits[-4:]}
    if "-" in phone:
        parts["tl"] = phone.split("-", 1)[1]  # callers leave the area code out
    return tuple(sensitive_token(field, value) for field, value in parts.items())


def phone_tokens(raw: str | None) -> list[str]:
    """Return the hashed tokens of a phone number: whole, last 6, last 4, and a landline's local part."""
    return list(_phone_tokens(raw)) if raw else []


@lru_cache(maxsize=_CACHE)
def address_parts(raw: str, city_code: str | None = None) -> AddressParts:
    """Return the parsed address, read inside the hub's city `city_code` (Settings.city_code).

    Inside it, district short names (沙坪坝, 渝中) are trusted; None searches the whole country.
    """
    return parse_address(raw, city_code)


def structured_address_tokens(parts: AddressParts) -> list[str]:
    """Return the tokens of an address's parts: divisions, estate, and estate-prefixed numbers.

    Building, unit and room are prefixed by the estate so that '3-2-501' alone matches nothing,
    while every spelling of 聚龙城 3 栋 2 单元 501 gives the same tokens.
    """
    tokens = [f"ad:{parts.district}"] if parts.district else []
    tokens += [f"as:{parts.street}"] if parts.street else []
    tokens += [f"ac:{parts.community}"] if parts.community else []
    site = parts.estate.replace("·", "")
    if site:
        tokens.append(f"ae:{site}")
        path = site
        for field, number in (("ab", parts.building), ("au", parts.unit), ("ar", parts.room)):
            if not number:
                break
            path = f"{path}|{number}"
            tokens.append(f"{field}:{path}")
    if parts.district and parts.building and parts.unit and parts.room:
        # the room by district and numbers alone, for when the writer's words and the official
        # address split the estate name differently (天府民居南花园 read as 天府镇 + 民居南花园)
        tokens.append(f"ak:{parts.district}|{parts.building}|{parts.unit}|{parts.room}")
    if parts.road:
        tokens.append(f"ao:{parts.road}")
    return tokens


def room_anchors(parts: AddressParts, *, every: bool = False) -> list[str]:
    """Return the ag tokens of a place in an estate: the estate's first and last bigram joined to its
    numbers (`every`: each bigram, as a query reads it).

    They find a room whose estate is written with more or fewer words around it (学士社区天成熙园
    for 天成熙园, 渝中朝阳广场 for 朝阳广场): a query's bigrams hold the indexed estate's first or
    last one, and only at the same numbers. Only the deepest numbers written (building, unit, room)
    are used; two tokens a room keep the index small.

    >>> room_anchors(address_parts("天成熙园9幢5单元3004"))
    ['ag:天成|9|5|3004', 'ag:熙园|9|5|3004']
    """
    numbers = []
    for number in (parts.building, parts.unit, parts.room):
        if not number:
            break
        numbers.append(number)
    pairs = bigrams(parts.estate.replace("·", ""))
    if not numbers or not pairs:
        return []
    path = "|".join(numbers)
    return [f"ag:{pair}|{path}" for pair in (pairs if every else unique([pairs[0], pairs[-1]]))]


def site_bigrams(parts: AddressParts) -> list[str]:
    """Return the a2 tokens of an address: bigrams of its estate, road and unparsed rest.

    Divisions are left out (their own tokens match them), so that 重庆, 社区 and 街道, which
    nearly every address has, do not make every address match every query.

    >>> site_bigrams(address_parts("重庆市沙坪坝区回龙坝镇聚龙城社区3栋2单元501", "500100"))
    ['a2:聚龙', 'a2:龙城']
    """
    site = parts.estate.replace("·", "") + parts.road + parts.detail
    return [f"a2:{pair}" for pair in bigrams(site)]


@lru_cache(maxsize=_CACHE)
def _address_tokens(raw: str, city_code: str | None, with_bigrams: bool) -> tuple[str, ...]:
    parts = address_parts(raw, city_code)
    tokens = structured_address_tokens(parts)
    if with_bigrams:
        tokens += site_bigrams(parts) + room_anchors(parts)
    return tuple(tokens)


def address_tokens(raw: str | None, city_code: str | None = None, *, with_bigrams: bool = False) -> list[str]:
    """Return an address's tokens, read inside `city_code`; `with_bigrams` adds bigrams for loose fragments
    and for estates written with more or fewer words (`room_anchors`).

    >>> address_tokens("重庆市沙坪坝区回龙坝镇聚龙城社区3栋2单元501", "500100")[:4]
    ['ad:沙坪坝区', 'as:回龙坝镇', 'ac:聚龙城社区', 'ae:聚龙城']
    """
    return list(_address_tokens(raw, city_code, with_bigrams)) if raw else []


def text_tokens(raw: str | None) -> list[str]:
    """Return the bigram tokens of free text (descriptions, category names), folded to simplified."""
    if not raw:
        return []
    return [f"x2:{pair}" for pair in bigrams(normalize_address_text(raw))]


def unique(tokens: Iterable[str]) -> list[str]:
    """Return the tokens in first-seen order without repeats."""
    return list(dict.fromkeys(tokens))
