"""Build the analysed query both backends execute: query text and filters in, `SearchQuery` out.

The text is read the way an official types it: names (张伟, 張偉, zhangwei), numbers (a phone,
an ID number or a fragment of either), addresses (聚龙城3-2-501, 沙坪坝), free text (噪音扰民),
several at once separated by spaces. Every reading that could apply becomes clauses; a document
scores the weights of the clauses it matches, so the reading that fits wins without guessing.

Typos are readings too, each weighed below the exact one: a whole phone one digit slip away (tn:
the slips are made here, so the index holds nothing more, and access policies treat it as a
fragment), a name one character wrong, dropped or added (nw, and nv for 2-character names), an
estate written with more or fewer words (ag: its bigrams at the same building, unit and room).
Every reading is bounded by the length of its piece, so a query's tokens grow linearly with it.

    >>> [c.field for c in build_query("张伟").clauses][:5]
    ['nf', 'n2', 'n1', 'n1', 'py']
    >>> sorted({c.field for c in build_query("1234").clauses}), build_query("P0001").clauses[0].field
    (['i4', 't4'], 'k')

Weights are small multiples of 0.5, so sums are exact in any float type and two backends rank
identically.
"""

from __future__ import annotations

import datetime as dt
import re
import string
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from normalize.address import normalize_address_text
from normalize.id_number import PROVINCE_PREFIXES, InvalidIdNumber, parse_id_number
from normalize.names import clean_name
from normalize.phone import clean_phone
from ontology.errors import BadInput
from search.analysis import (
    MAX_WILDCARD_NAME,
    address_parts,
    bigrams,
    key_token,
    name_tokens,
    name_wildcards,
    room_anchors,
    sensitive_token,
    site_bigrams,
    structured_address_tokens,
)
from search.base import FACET_FIELDS, KINDS, Clause, Filters, SearchQuery

__all__ = [
    "IDENTIFIER_FIELDS",
    "WEIGHTS",
    "build_filters",
    "build_query",
    "digit_slips",
    "near_names",
    "pinyin_variants",
]

# Clause fields that match an ID number, a phone or a part of one (birth date included): a search
# that uses them narrows down a person's identifiers, so access policies limit who may send them.
# A near phone (tn) is one too, and never a whole number: a role allowed whole numbers only must not
# learn that a number one digit away is someone's.
IDENTIFIER_FIELDS = frozenset({"if", "ir", "ib", "i6", "i4", "tf", "tn", "tl", "t6", "t4"})

WEIGHTS: dict[str, float] = {
    "nf": 6,
    "n2": 2,
    "n1": 1,
    "py": 4,
    "pz": 2,
    "pi": 1,
    "pe": 2,  # pe: pinyin one edit away
    "nw": 3,  # a name one character away: more than the bigram and character it shares, less than exact
    "nv": 1.5,  # a 2-character name one character away: less than a bigram of a longer name
    "if": 16,
    "ir": 3,
    "ib": 5,
    "i6": 6,
    "i4": 4,
    "tf": 16,
    "tn": 8,  # the phone with one digit wrong or two swapped
    "tl": 8,
    "t6": 6,
    "t4": 4,
    "ad": 2,
    "as": 1,
    "ac": 1,
    "ae": 3,
    "ab": 3,
    "au": 3,
    "ar": 4,
    "ak": 3,
    "ao": 3,
    "a2": 0.5,
    "ag": 1,
    "x2": 1,
    "k": 16,
}
MAX_NAME_CHARS = 4  # longer Han pieces are read as addresses and text only (names with '·' excepted)
MIN_EDIT_LENGTH = 5  # shorter pinyin has too many neighbours one edit away
MAX_EDIT_LENGTH = 30  # longer than any name's pinyin: its variants would cost the square of its length
MAX_NUMBER_DIGITS = 18  # the longest whole number (an ID number): groups join up to that many digits
# Digits, possibly with spaces, dashes and a final X, standing apart from words: phones and IDs.
_NUMBER = re.compile(r"(?<![\w-])\+?\d[\d \-]*\d[xX]?(?![\w-])")
_SHORTHAND = re.compile(r"^\d{1,3}-\d{1,2}-\d{1,4}$")  # 3-2-501 after an estate name
_SPLIT = re.compile(r"[\s,，;；、]+")
_LATIN = re.compile(r"^[a-z]+$")
_HAN = re.compile(r"[\u3400-\u9fff\U00020000-\U0003134f]")


def build_query(
    text: str,
    *,
    kinds: Sequence[str] | None = None,
    filters: Filters | Mapping[str, Any] | None = None,
    facets: Sequence[str] = (),
    size: int = 10,
    city_code: str | None = None,
) -> SearchQuery:
    """Return the analysed query for `text` (addresses read inside `city_code`); BadInput for unknown
    kinds or facet fields."""
    chosen = tuple(kinds) if kinds else KINDS
    unknown = [k for k in chosen if k not in KINDS] + [f for f in facets if f not in FACET_FIELDS]
    if unknown:
        raise BadInput(
            f"search: unknown kind or facet field {unknown[0]!r}; "
            f"kinds are {', '.join(KINDS)}, facets {', '.join(FACET_FIELDS)}"
        )
    if not 0 < size <= 1000:
        raise BadInput(f"search: size {size} is not between 1 and 1000")
    return SearchQuery(
        text=text,
        clauses=tuple(_merge(_clauses(text, city_code))),
        kinds=chosen,
        filters=build_filters(filters),
        facets=tuple(dict.fromkeys(facets)),
        size=size,
    )


def build_filters(filters: Filters | Mapping[str, Any] | None) -> Filters:
    """Return `Filters` from a mapping of facet field -> value(s), plus `time_from` / `time_to`."""
    if filters is None or isinstance(filters, Filters):
        return filters or Filters()
    values: dict[str, tuple[str, ...]] = {}
    for name, value in filters.items():
        if name in ("time_from", "time_to"):
            continue
        if name not in FACET_FIELDS:
            raise BadInput(f"search: cannot filter on {name!r}; filter fields are {', '.join(FACET_FIELDS)}")
        values[name] = (str(value),) if isinstance(value, str) else tuple(str(v) for v in value)
    return Filters(values, _as_datetime(filters.get("time_from")), _as_datetime(filters.get("time_to")))


def _as_datetime(value: Any) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    try:
        return dt.datetime.fromisoformat(str(value))
    except ValueError:
        raise BadInput(f"search: time filter {value!r} is not an ISO date or time") from None


def _clauses(text: str, city_code: str | None) -> Iterator[Clause]:
    text = unicodedata.normalize("NFKC", text)
    numbers: list[str] = []
    pieces: list[str] = []
    for piece in _SPLIT.split(_NUMBER.sub(lambda m: _set_aside(m.group(), numbers), text)):
        if piece:
            pieces.append(piece)
    # "聚龙城 3-2-501": the shorthand belongs to the estate before it
    for number in [n for n in numbers if _SHORTHAND.match(n)]:
        numbers.remove(number)
        pieces = pieces[:-1] + [pieces[-1] + number] if pieces else [number]
    for number in numbers:
        yield from _number_clauses(number)
    latin = "".join(p.lower() for p in pieces if _LATIN.match(p.lower()))
    if latin:
        yield from _pinyin_clauses(latin)
    for piece in pieces:
        if _HAN.search(piece):
            yield from _han_clauses(piece, city_code)
        else:  # ids are ASCII: P00000001, INC00000003, 500106001003-E01
            yield _clause("k", [key_token(piece)], piece)


def _set_aside(run: str, numbers: list[str]) -> str:
    """Keep the numbers of a run of digit groups: groups join only into a whole phone or ID number.

    '138 1234 5678' is one phone; '500103198506293429 15987654321' is an ID number and a phone.
    """
    groups = run.split()
    start = 0
    while start < len(groups):
        # only as many groups as hold at most MAX_NUMBER_DIGITS digits can make one number, so the
        # search for the longest stays linear in the run however long it is
        reach, digits = start + 1, len(groups[start])
        while reach < len(groups) and digits + len(groups[reach]) <= MAX_NUMBER_DIGITS + 4:
            digits += len(groups[reach])
            reach += 1
        end = next(
            e
            for e in range(reach, start, -1)
            if e == start + 1 or _is_whole_number(" ".join(groups[start:e]))
        )
        numbers.append(" ".join(groups[start:end]))
        start = end
    return " "


def _is_whole_number(written: str) -> bool:
    digits = re.sub(r"[^\dX]", "", written.upper())
    if len(digits) in (15, 18):
        try:
            parse_id_number(digits)
            return True
        except InvalidIdNumber:
            pass
    return len(digits) >= 10 and clean_phone(written) is not None


def _clause(field: str, tokens: Sequence[str], text: str) -> Clause:
    return Clause(field, tuple(tokens), float(WEIGHTS[field]), text)


def _number_clauses(written: str) -> Iterator[Clause]:
    """Clauses for a run of digits: whole phone or ID number, or the fragment it can be."""
    digits = re.sub(r"[^\dX]", "", written.upper())
    length = len(digits)
    if length in (15, 18):
        try:
            yield _clause("if", [sensitive_token("if", parse_id_number(digits).number)], digits)
            return  # a whole, valid number: its fragments would only find other people
        except InvalidIdNumber:
            pass
    if 7 <= length <= 14 and "X" not in digits:
        phone = clean_phone(written)  # a local number gets the city's area code
        if phone is not None:
            whole = phone.replace("-", "")
            yield _clause("tf", [sensitive_token("tf", whole)], digits)
            yield _clause("tn", [sensitive_token("tf", v) for v in digit_slips(whole)], digits)
    if length in (7, 8) and "X" not in digits:
        yield _clause("tl", [sensitive_token("tl", digits)], digits)
    if length == 4:
        yield _clause("i4", [sensitive_token("i4", digits)], digits)
        if "X" not in digits:
            yield _clause("t4", [sensitive_token("t4", digits)], digits)
    if length == 6:
        yield _clause("i6", [sensitive_token("i6", digits)], digits)
        if "X" not in digits:
            yield _clause("t6", [sensitive_token("t6", digits)], digits)
    if length == 8 and _is_date(digits):
        yield _clause("ib", [sensitive_token("ib", digits)], digits)
    if (length == 6 or 12 <= length <= 18) and digits[:2] in PROVINCE_PREFIXES:
        yield _clause("ir", [sensitive_token("ir", digits[:6])], digits[:6])
        if length >= 14 and _is_date(digits[6:14]):
            yield _clause("ib", [sensitive_token("ib", digits[6:14])], digits[6:14])


def digit_slips(digits: str) -> list[str]:
    """Return the numbers one slip away: one digit replaced, or two adjacent digits swapped.

    A phone is matched by its whole token, so the slips are made here, on the query (at most
    9 x 14 + 13 of them), and the index holds nothing more.

    >>> len(digit_slips("13812345678")), "13812345687" in digit_slips("13812345678")
    (109, True)
    """
    found = {digits[:i] + d + digits[i + 1 :] for i in range(len(digits)) for d in "0123456789"}
    found |= {digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :] for i in range(len(digits) - 1)}
    found.discard(digits)
    return sorted(found)


def _is_date(digits: str) -> bool:
    try:
        return 1870 <= dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8])).year
    except ValueError:
        return False


def _pinyin_clauses(latin: str) -> Iterator[Clause]:
    """Clauses for typed pinyin: the whole key, initials when short, and keys one edit away."""
    yield _clause("py", [f"py:{latin}"], latin)
    if len(latin) <= MAX_NAME_CHARS:
        yield _clause("pi", [f"pi:{latin}"], latin)
    if MIN_EDIT_LENGTH <= len(latin) <= MAX_EDIT_LENGTH:
        yield _clause("pe", [f"py:{v}" for v in pinyin_variants(latin)], latin)


def pinyin_variants(key: str) -> list[str]:
    """Return the strings one edit (delete, swap, replace, insert) away from a pinyin key.

    >>> "zhangwei" in pinyin_variants("zhangwie"), "zhangwie" in pinyin_variants("zhangwie")
    (True, False)
    """
    letters = string.ascii_lowercase
    splits = [(key[:i], key[i:]) for i in range(len(key) + 1)]
    found = {a + b[1:] for a, b in splits if b}
    found |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    found |= {a + c + b[1:] for a, b in splits if b for c in letters}
    found |= {a + c + b for a, b in splits for c in letters}
    found.discard(key)
    return sorted(found)


def _han_clauses(piece: str, city_code: str | None) -> Iterator[Clause]:
    """Clauses for a piece with Chinese characters: as a name, an address and free text."""
    han_count = len(_HAN.findall(piece))
    if (han_count <= MAX_NAME_CHARS or "·" in piece) and not re.search(r"\d", piece):
        for token in name_tokens(piece):
            if not token.startswith("nw:"):  # the query's own wildcards are among near_names
                yield _clause(token.split(":", 1)[0], [token], piece)
        name = clean_name(piece)
        near = near_names(name)
        if near:
            yield _clause("nw", near, piece)
        if len(name) == 2:  # its wildcard keeps one character only: weighed apart, lower
            yield _clause("nv", [f"nw:{w}" for w in name_wildcards(name)], piece)
    parts = address_parts(piece, city_code)
    for token in structured_address_tokens(parts):
        yield _clause(token.split(":", 1)[0], [token], piece)
    for token in site_bigrams(parts):
        yield _clause("a2", [token], token[3:])
    for token in room_anchors(parts, every=True):
        yield _clause("ag", [token], token[3:5])
    for pair in bigrams(normalize_address_text(piece)):
        yield _clause("x2", [f"x2:{pair}"], pair)


def near_names(name: str) -> list[str]:
    """Return the tokens of names one character away from a clean Han name (typed wrong, dropped or
    added): its inner wildcards, itself with a '?' inserted inside, and itself less one character.

    >>> near_names("王律国")
    ['nw:王?国', 'nw:王?律国', 'nw:王律?国', 'nf:律国', 'nf:王国', 'nf:王律']
    >>> near_names("王建")
    ['nw:王?建']
    """
    if not 2 <= len(name) <= MAX_WILDCARD_NAME or len(_HAN.findall(name)) != len(name):
        return []
    tokens = [f"nw:{w}" for w in name_wildcards(name)] if len(name) > 2 else []
    if len(name) < MAX_WILDCARD_NAME:
        tokens += [f"nw:{name[:i]}?{name[i:]}" for i in range(1, len(name))]
    if len(name) > 2:
        tokens += [f"nf:{name[:i]}{name[i + 1 :]}" for i in range(len(name))]
    return list(dict.fromkeys(tokens))


def _merge(clauses: Iterator[Clause]) -> list[Clause]:
    """Keep one clause per token set (the heaviest), in first-seen order."""
    kept: dict[tuple[str, ...], Clause] = {}
    for clause in clauses:
        seen = kept.get(clause.tokens)
        if seen is None or clause.weight > seen.weight:
            kept[clause.tokens] = clause
    return list(kept.values())
