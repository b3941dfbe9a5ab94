"""What statistics and alerts a caller sees under the access policy (`cityhub/access/policy.yaml`).

Statistics: a count is made only of the rows from sources the caller's role reads (a leader, who
reads no police records, gets counts without police events; a case counts under the source of its
first event) and, for an area-limited role, of the caller's districts. A role that reads no records
(the auditor) gets none.

Alerts: an alert is shown when every source of its evidence is readable by the role and its
district is in the caller's area; an alert about a person is personal data, like a person list: it
is shown only when the person is visible to the caller and a purpose is stated, and its person id
goes to the audit line.
"""

from __future__ import annotations

from typing import Any

from cityhub.access.policy import Scope
from cityhub.access.visibility import Visibility
from cityhub.stats.query import StatsFilter, StatsQuery
from ontology.errors import Forbidden

__all__ = ["alert_visible", "scoped_filter"]


def scoped_filter(scope: Scope, query: StatsQuery, asked: StatsFilter) -> StatsFilter:
    """Return the filter asked for, limited to the sources and districts `scope` reads."""
    if not scope.role.read:
        raise Forbidden(f"role {scope.role.code} ({scope.role.label}) reads no records, nor their statistics")
    districts = None if scope.areas is None else query.district_ids(scope.areas)
    return StatsFilter(
        **{
            name: getattr(asked, name)
            for name in StatsFilter.__slots__
            if name not in ("sources", "districts")
        },
        sources=tuple(scope.sources),
        districts=districts,
    )


def alert_visible(scope: Scope, facts: Visibility, alert: dict[str, Any], purpose: str | None) -> bool:
    """Return whether `scope` may see the alert (a person alert only with a stated purpose)."""
    if not scope.role.read or not all(scope.allows_source(s) for s in alert["sources"]):
        return False
    if not scope.allows_area(facts.district_of(alert["district_id"])):
        return False
    if alert["subject_kind"] == "person":
        return purpose is not None and facts.visible(scope, "Person", str(alert["subject_id"]))
    return True
