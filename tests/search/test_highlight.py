"""Highlights: marks where the query matched, and never a digit the query did not type."""

from __future__ import annotations

from search.analysis import phone_tokens, sensitive_token
from search.base import Clause
from search.highlight import highlight, mark, mask_number


def clause(field: str, text: str, token: str | None = None) -> Clause:
    return Clause(field, (token or sensitive_token(field, text),), 1, text)


def test_id_fragments_are_shown_where_they_belong() -> None:
    display = {"id_mask": "*" * 18}
    assert highlight(display, [clause("ir", "500106")])["id_number"] == "<em>500106</em>************"
    assert highlight(display, [clause("ib", "19900307")])["id_number"] == "******<em>19900307</em>****"
    assert highlight(display, [clause("if", "50010619900307157X")])["id_number"] == f"<em>{'*' * 18}</em>"


def test_only_the_phone_that_matched_is_shown() -> None:
    phones = [{"mask": mask_number(p), "tokens": phone_tokens(p)} for p in ("13812345678", "023-62192019")]
    shown = highlight({"phones": phones}, [clause("t4", "2019")])
    assert shown == {"phones": "***-****<em>2019</em>"}
    assert highlight({"phones": phones}, [clause("tl", "62192019")]) == {"phones": "***-<em>********</em>"}


def test_names_and_addresses_are_marked() -> None:
    name = [Clause("n1", ("n1:伟",), 1, "伟")]
    assert highlight({"name": "李伟"}, name) == {"name": "李<em>伟</em>"}
    pinyin = [Clause("py", ("py:zhangwei",), 4, "张伟")]
    assert highlight({"name": "张玮"}, pinyin) == {"name": "<em>张玮</em>"}
    room = [Clause("ae", ("ae:聚龙城",), 3, ""), Clause("ar", ("ar:聚龙城|3|2|501",), 4, "")]
    shown = highlight({"address": "聚龙城3栋2单元501"}, room)
    assert shown == {"address": "<em>聚龙城</em>3栋2单元<em>501</em>"}
    dotted = [Clause("ae", ("ae:中海康居华府",), 3, "")]
    assert highlight({"address": "中海·康居华府1栋"}, dotted) == {"address": "<em>中海·康居华府</em>1栋"}


def test_mark_merges_overlapping_needles() -> None:
    assert mark("噪音扰民", ["噪音", "音扰"]) == "<em>噪音扰</em>民"
