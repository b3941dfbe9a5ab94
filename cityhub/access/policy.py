"""The access policy: which sources, fields and areas each role reads, loaded from one YAML file.

The file shipped beside this module is the default; `CITYHUB_POLICY_FILE` or `<home>/policy.yaml`
replaces it whole. A `Scope` is what one signed-in user may read: the policy of their role bound
to their area.

    >>> policy = load_policy()
    >>> scope = policy.scope("street_staff", area="沙坪坝区")
    >>> scope.sources, scope.areas, scope.field_form("id_number")
    (('hotline', 'grid'), ('沙坪坝区',), 'masked')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ontology.errors import BadInput

__all__ = ["DEFAULT_POLICY_FILE", "SOURCES", "Policy", "Purpose", "RolePolicy", "Scope", "load_policy"]

DEFAULT_POLICY_FILE = Path(__file__).with_name("policy.yaml")
SOURCES: tuple[str, ...] = ("hotline", "grid", "police", "petitions")
FIELD_FORMS = frozenset({"clear", "masked", "year", "hidden"})


@dataclass(frozen=True, slots=True)
class RolePolicy:
    """What one role may read and do."""

    code: str
    label: str
    read: bool
    sources: tuple[str, ...]
    area_limited: bool
    fields: dict[str, str]
    identifier_search: bool
    review: bool
    audit: bool


@dataclass(frozen=True, slots=True)
class Purpose:
    code: str
    label: str


@dataclass(frozen=True, slots=True)
class Scope:
    """What one caller may read: the role's sources and fields, and the areas (None: every area)."""

    role: RolePolicy
    areas: tuple[str, ...] | None = None

    @property
    def sources(self) -> tuple[str, ...]:
        """Return the record sources this caller reads (none for a role that reads no records)."""
        return self.role.sources if self.role.read else ()

    def field_form(self, name: str) -> str:
        """Return how a personal field leaves for this caller: clear, masked, year or hidden."""
        return self.role.fields.get(name, "masked")

    def allows_source(self, source: Any) -> bool:
        """Return whether records of `source` may be read."""
        return str(source) in self.sources

    def allows_area(self, district: Any) -> bool:
        """Return whether a district is inside the caller's areas (anything, when not area-limited)."""
        return self.areas is None or (district is not None and str(district) in self.areas)


@dataclass(frozen=True)
class Policy:
    """Roles, purposes and limits, as the policy file says them."""

    roles: dict[str, RolePolicy]
    purposes: tuple[Purpose, ...]
    limits: dict[str, Any] = field(default_factory=dict)

    def role(self, code: str) -> RolePolicy:
        """Return a role's policy; raise BadInput for a role the policy does not define."""
        if code not in self.roles:
            raise BadInput(f"unknown role {code!r}; roles are {', '.join(self.roles)}")
        return self.roles[code]

    def scope(self, role: str, area: str | None = None) -> Scope:
        """Return what a user of `role` with `area` may read."""
        policy = self.role(role)
        if not policy.area_limited:
            return Scope(policy, None)
        areas = tuple(a.strip() for a in (area or "").split(",") if a.strip())
        return Scope(policy, areas)  # an area-limited user without an area reads no area

    def purpose_label(self, code: str) -> str | None:
        """Return the label of a purpose code, or None when it is not on the list."""
        return next((p.label for p in self.purposes if p.code == code), None)


def _role(code: str, raw: dict[str, Any]) -> RolePolicy:
    fields = {str(k): str(v) for k, v in (raw.get("fields") or {}).items()}
    bad = sorted(set(fields.values()) - FIELD_FORMS) + sorted(set(raw.get("sources") or ()) - set(SOURCES))
    if bad:
        raise BadInput(f"policy role {code}: unknown field form or source {bad[0]!r}")
    return RolePolicy(
        code=code,
        label=str(raw["label"]),
        read=bool(raw.get("read", True)),
        sources=tuple(str(s) for s in raw.get("sources") or ()),
        area_limited=bool(raw.get("area_limited", False)),
        fields=fields,
        identifier_search=bool(raw.get("identifier_search", False)),
        review=bool(raw.get("review", False)),
        audit=bool(raw.get("audit", False)),
    )


def load_policy(path: Path | None = None) -> Policy:
    """Return the policy in `path` (default: the one shipped with cityhub)."""
    chosen = path or DEFAULT_POLICY_FILE
    try:
        raw = yaml.safe_load(chosen.read_text("utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise BadInput(f"policy {chosen}: {error}") from None
    roles = {str(code): _role(str(code), spec) for code, spec in (raw.get("roles") or {}).items()}
    purposes = tuple(Purpose(str(p["code"]), str(p["label"])) for p in raw.get("purposes") or ())
    return Policy(roles=roles, purposes=purposes, limits=dict(raw.get("limits") or {}))
