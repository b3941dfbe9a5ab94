"""Re-identification: with any one role's access, no ID number or mobile is narrowed below 1,000
candidates in 10,000 queries.

For each role that does not see identifiers in clear, and for people it may see, the test takes
everything the role gets about the person (the masked ID and phones, birth date or year, sex) and
counts the numbers still possible, assuming the attacker knows the region code. Then it asks the
search, as that role, for the person's name with the true and with wrong fragments and whole numbers
(last 4 / last 6 digits, birth date, the whole ID, the whole phone): a kind of probe whose answer
differs for the true value is an oracle. A fragment oracle of h hidden digits divides the
candidates by 10^h (enumerable within 10,000 queries when h <= 4); a whole-number oracle removes one
candidate per query, 10,000 at most. The rate limit is lifted here: the bound must hold without it.
"""

from __future__ import annotations

import json

import pytest

from cityhub.access.limits import RateLimits
from tests.api.conftest import ROLES

BUDGET = 10_000
FLOOR = 1_000
PURPOSE = {"purpose": "case_handling"}
MASKED_ROLES = [r for r in ROLES if r not in ("police", "auditor")]


@pytest.fixture(scope="module", autouse=True)
def unlimited(app):
    hub = app.state.hub
    saved = hub.limits
    hub.limits = RateLimits({"identifier_searches": "1000000/hour", "requests": "1000000/hour"})
    yield
    hub.limits = saved


def _hidden(mask: str | None, positions: range) -> int:
    if not mask:
        return len(positions)
    return sum(1 for i in positions if i >= len(mask) or mask[i] == "*")


def id_candidates(view: dict) -> int:
    person = view["person"]
    mask = person.get("id_number")
    birth = person.get("birth_date") or ""
    days = 1 if len(birth) >= 10 else 366 if len(birth) == 4 else 366 * 100
    birth_part = days if _hidden(mask, range(6, 14)) else 1
    seq_hidden = _hidden(mask, range(14, 17))
    seq = 10**seq_hidden // (2 if person.get("gender") and seq_hidden else 1)
    return birth_part * seq


def phone_candidates(mask: str) -> int:
    return 10 ** sum(ch == "*" for ch in mask)


def _answer(client, headers, q: str) -> list:
    body = client.get("/search", params={"q": q, "kind": "person", "limit": 50}, headers=headers).json()
    return [(h["id"], h["score"]) for h in body.get("items", [])]


def _leaks(client, headers, name: str, true: str, wrong: list[str]) -> bool:
    truth = _answer(client, headers, f"{name} {true}")
    return any(_answer(client, headers, f"{name} {w}") != truth for w in wrong)


def _wrong(value: str) -> list[str]:
    flip = lambda s, i: s[:i] + str((int(s[i]) + 1) % 10) + s[i + 1 :]  # noqa: E731
    return [flip(value, len(value) - 2), flip(value, len(value) - 3)]


@pytest.mark.parametrize("role", MASKED_ROLES)
def test_no_identifier_narrowed_below_a_thousand_candidates(client, headers, warehouse, role):
    people = warehouse.read_table("resolved_people").dropna(subset=["id_number"])
    checked = 0
    for person in people.itertuples():
        view = client.get(f"/people/{person.person_id}", params=PURPOSE, headers=headers[role])
        if view.status_code != 200 or not view.json()["person"].get("id_number"):
            continue
        view = view.json()
        number = person.id_number
        ids = id_candidates(view)
        for fragment in (number[-4:], number[-6:], number[6:14]):
            if _leaks(client, headers[role], person.name, fragment, _wrong(fragment)):
                ids //= 10 ** min(len(fragment), 4)
        if _leaks(client, headers[role], person.name, number, _wrong(number)):
            ids -= BUDGET
        assert ids >= FLOOR, (role, person.person_id, view["person"]["id_number"], ids)
        phones = json.loads(person.phones) if isinstance(person.phones, str) else list(person.phones or [])
        shown = view["person"].get("phones") or []
        for phone, mask in zip([p for p in phones if len(p) == 11], shown, strict=False):
            count = phone_candidates(mask)
            for fragment in (phone[-4:], phone[-6:]):
                if _leaks(client, headers[role], person.name, fragment, _wrong(fragment)):
                    count //= 10 ** min(len(fragment), 4)
            if _leaks(client, headers[role], person.name, phone, _wrong(phone)):
                count -= BUDGET
            assert count >= FLOOR, (role, person.person_id, mask, count)
        checked += 1
        if checked == 8:
            break
    assert checked == 8, f"{role} saw too few people with ID numbers to test"
