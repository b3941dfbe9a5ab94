"""Highlights: the fields of a hit with what the query matched wrapped in <em>...</em>.

Drawn on the client from the document's `display` and the clauses the backend says matched, so
every backend highlights alike (Elasticsearch's own highlighter cannot map tokens computed
outside it back to text). ID numbers and phones are never shown: the document holds only their
masks, and a highlight reveals no digit the query did not type itself.

    >>> from search.base import Clause
    >>> highlight({"id_mask": "*" * 18}, [Clause("i4", ("i4:...",), 4, "123X")])
    {'id_number': '**************<em>123X</em>'}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from search.analysis import name_tokens
from search.base import Clause

__all__ = ["highlight", "mask_number", "mark"]

NAME_FIELDS = frozenset({"nf", "n2", "n1", "py", "pz", "pi", "pe", "nw", "nv"})
WHOLE_NAME_FIELDS = frozenset({"nf", "py", "pz", "pi", "pe"})
ADDRESS_FIELDS = frozenset({"ad", "as", "ac", "ae", "ab", "au", "ar", "ak", "ao", "a2", "ag"})
# Which digits of an 18-digit ID number a fragment token stands for (start, end; None = to the end).
_ID_SPANS: dict[str, tuple[int, int | None]] = {
    "ir": (0, 6),
    "ib": (6, 14),
    "i6": (-6, None),
    "i4": (-4, None),
}
_PHONE_TAILS = {"t4": 4, "t6": 6}


def mask_number(value: str) -> str:
    """Return a number with its digits and letters starred, separators kept: '023-6888' -> '***-****'."""
    return "".join("*" if ch.isalnum() else ch for ch in value)


def mark(text: str, needles: Iterable[str]) -> str:
    """Return `text` with every occurrence of any needle wrapped in <em>...</em> (runs merged).

    >>> mark("聚龙城3栋2单元501", ["聚龙城", "501"])
    '<em>聚龙城</em>3栋2单元<em>501</em>'
    """
    marked = [False] * len(text)
    for needle in needles:
        start = text.find(needle) if needle else -1
        while start >= 0:
            marked[start : start + len(needle)] = [True] * len(needle)
            start = text.find(needle, start + 1)
    return _wrap(text, marked)


def highlight(display: Mapping[str, Any], matched: Sequence[Clause]) -> dict[str, str]:
    """Return the highlighted fields of a hit, given its display values and the clauses it matched."""
    fields = {c.field for c in matched}
    out: dict[str, str] = {}
    if fields & NAME_FIELDS:
        names = [display["name"]] if display.get("name") else list(display.get("names", ()))
        shown = [h for h in (_name(n, matched) for n in names) if "<em>" in h]
        if shown:
            out["name" if display.get("name") else "names"] = "; ".join(shown)
    if display.get("id_mask") and fields & {*_ID_SPANS, "if"}:
        out["id_number"] = _id_number(str(display["id_mask"]), matched)
    phones = [_phone(p, matched) for p in display.get("phones", ())]
    if any(phones):
        out["phones"] = "; ".join(p for p in phones if p)
    if fields & ADDRESS_FIELDS:
        for key in ("address", "addresses"):
            shown = [h for h in (_address(a, matched) for a in _listed(display.get(key))) if "<em>" in h]
            if shown:
                out[key] = "; ".join(shown)
    if "x2" in fields:
        bigram_needles = [c.text for c in matched if c.field == "x2"]
        for key in ("title", "description", "descriptions"):
            shown = [h for h in (mark(t, bigram_needles) for t in _listed(display.get(key))) if "<em>" in h]
            if shown:
                out[key] = "; ".join(shown)
    return out


def _listed(value: Any) -> list[str]:
    if not value:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _name(name: str, matched: Sequence[Clause]) -> str:
    own = set(name_tokens(name))
    hits = [c for c in matched if c.field in NAME_FIELDS and own.intersection(c.tokens)]
    if any(c.field in WHOLE_NAME_FIELDS for c in hits):
        return f"<em>{name}</em>"
    needles = [c.tokens[0].split(":", 1)[1] for c in hits if c.field not in ("nw", "nv")]
    for clause in (c for c in hits if c.field in ("nw", "nv")):  # a name one character away: what is shared
        for token in own.intersection(clause.tokens):
            needles += token.split(":", 1)[1].split("?")
    return mark(name, needles)


def _id_number(mask: str, matched: Sequence[Clause]) -> str:
    """Reveal the digits the query typed at the place of the fragment that matched."""
    if any(c.field == "if" for c in matched):
        return f"<em>{mask}</em>"  # the whole number matched: show that, not the number
    chars, marked = list(mask), [False] * len(mask)
    for clause in matched:
        span = _ID_SPANS.get(clause.field)
        if span is None:
            continue
        start = span[0] % len(mask)
        for offset, digit in enumerate(clause.text):
            if start + offset < len(chars):
                chars[start + offset] = digit
                marked[start + offset] = True
    return _wrap("".join(chars), marked)


def _phone(phone: Mapping[str, Any], matched: Sequence[Clause]) -> str:
    """Return the phone's mask with the matched fragment revealed, or '' when it did not match."""
    tokens = set(phone.get("tokens", ()))
    hits = [c for c in matched if c.field in ("tf", "tl", "t6", "t4") and tokens.intersection(c.tokens)]
    if not hits:
        return ""
    mask = str(phone["mask"])
    if any(c.field == "tf" for c in hits):
        return f"<em>{mask}</em>"
    chars, marked = list(mask), [False] * len(mask)
    for clause in hits:
        if clause.field == "tl":
            tail = len(mask.rsplit("-", 1)[-1])
            marked[len(mask) - tail :] = [True] * tail
            continue
        digits = clause.text[-_PHONE_TAILS[clause.field] :]
        for offset, digit in enumerate(digits):
            chars[len(mask) - len(digits) + offset] = digit
            marked[len(mask) - len(digits) + offset] = True
    return _wrap("".join(chars), marked)


def _address(address: str, matched: Sequence[Clause]) -> str:
    needles: list[str] = []
    for clause in matched:
        if clause.field not in ADDRESS_FIELDS:
            continue
        value = clause.tokens[0].split(":", 1)[1]
        if clause.field in ("ab", "au", "ar", "ak"):
            number = value.rsplit("|", 1)[-1]
            suffix = {"ab": "栋", "au": "单元", "ar": "", "ak": ""}[clause.field]
            if suffix or address.endswith(number):
                needles.append(number + suffix)
        elif clause.field == "ag":
            pair, _, numbers = value.partition("|")
            room = numbers.rsplit("|", 1)[-1]
            needles += [pair, room] if address.endswith(room) else [pair]
        elif clause.field == "ad":
            needles += [value, value.removesuffix("区").removesuffix("县")]
        elif clause.field == "ae":
            needles += [value, *_dotted(address, value)]
        else:
            needles.append(value)
    return mark(address, needles)


def _dotted(address: str, estate: str) -> list[str]:
    """The estate as the address spells it when the address keeps a middle dot the token dropped."""
    plain = address.replace("·", "")
    at = plain.find(estate)
    if at < 0 or "·" not in address:
        return []
    index = [i for i, ch in enumerate(address) if ch != "·"]
    return [address[index[at] : index[at + len(estate) - 1] + 1]]


def _wrap(text: str, marked: list[bool]) -> str:
    out, inside = [], False
    for ch, on in zip(text, marked, strict=True):
        if on != inside:
            out.append("<em>" if on else "</em>")
            inside = on
        out.append(ch)
    if inside:
        out.append("</em>")
    return "".join(out)
