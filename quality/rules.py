"""A source's own quality rules, given as data in its definition file, on top of the ontology's.

The ontology already says which columns are required and which codes are allowed; a source adds
what only it can promise. The police export always carries ID numbers, so the police file says

    quality:
      PersonMention: {id_number: valid, phone: valid_if_present, required: [name]}

while the hotline, where callers give what they like, says nothing about ID numbers.

    >>> rules = SourceRules.from_mapping({"id_number": "valid", "required": ["name"]})
    >>> rules.required, rules.formats
    (('name', 'id_number'), (('id_number', 'id_number'),))
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ontology import RecordType
from ontology.errors import BadInput
from quality.formats import FORMATS

__all__ = ["REQUIREMENTS", "TEMPORAL_TYPES", "SourceRules"]

# "valid": the value must be there and pass its format; "valid_if_present": only if it is there.
REQUIREMENTS = ("valid", "valid_if_present")
TEMPORAL_TYPES = ("date", "datetime")


@dataclass(frozen=True, slots=True)
class SourceRules:
    """Extra checks one source makes on one record type: required columns and formats to validate.

    Frozen and made of tuples so that a suite generated from it can be cached.
    """

    required: tuple[str, ...] = ()
    formats: tuple[tuple[str, str], ...] = ()  # (column, format name)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | SourceRules | None, source: str = "") -> SourceRules:
        """Return the rules a mapping (as read from YAML) declares; an empty mapping means none.

        Keys are column names whose value is "valid" or "valid_if_present", plus an optional
        "required" list of column names. `source` only names the source in error messages.
        """
        if isinstance(data, SourceRules):
            return data
        where = f"{source} quality rules".strip()
        listed = (data or {}).get("required", [])
        if not isinstance(listed, list | tuple):
            raise BadInput(f"{where}: 'required' must be a list of columns, not {listed!r}")
        required = [str(name) for name in listed]
        formats: list[tuple[str, str]] = []
        for column, requirement in (data or {}).items():
            if column == "required":
                continue
            if requirement not in REQUIREMENTS:
                allowed = ", ".join(REQUIREMENTS)
                raise BadInput(f"{where}: {column} is {requirement!r}, not one of {allowed}")
            formats.append((str(column), str(column)))
            if requirement == "valid" and column not in required:
                required.append(str(column))
        return cls(tuple(required), tuple(formats))

    def checked_against(self, source: str, record_type: RecordType) -> SourceRules:
        """Return these rules after making sure they name columns and formats that exist.

        A typo in a rules file would otherwise switch a check off without anyone noticing.
        """
        types = {c.name: c.type for c in record_type.columns}
        for name in (*self.required, *(column for column, _ in self.formats)):
            if name not in types:
                raise BadInput(f"{source} quality rules: {record_type.name} has no column {name!r}")
        formats = []
        for column, format_name in self.formats:
            if types[column] in TEMPORAL_TYPES:
                continue  # every date is checked already, from its ontology type
            if format_name not in FORMATS:
                raise BadInput(
                    f"{source} quality rules: no format check for {record_type.name}.{column} "
                    f"(formats: {', '.join(sorted(FORMATS))}, dates and datetimes)"
                )
            formats.append((column, format_name))
        return SourceRules(self.required, tuple(formats))

    def format_of(self, column: str) -> str | None:
        """Return the name of the format `column` must have, or None if it has none."""
        return next((name for col, name in self.formats if col == column), None)
