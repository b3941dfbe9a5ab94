"""The error hierarchy: raised deep in the packages, mapped once to exit codes and HTTP statuses."""

from __future__ import annotations


class CityhubError(Exception):
    """Base of every error cityhub reports to a user; the message is one clear line."""

    exit_code = 1
    http_status = 500


class BadInput(CityhubError):
    """A file or argument a user gave cannot be used."""

    exit_code = 2
    http_status = 400


class SourceError(CityhubError):
    """A department system failed or sent something unusable."""

    exit_code = 3
    http_status = 502


class SchemaDrift(SourceError):
    """A source's columns changed: the batch is stopped, nothing is loaded."""


class QualityError(CityhubError):
    """A batch failed its quality gate."""

    exit_code = 4
    http_status = 422


class NotFound(CityhubError):
    exit_code = 5
    http_status = 404


class Forbidden(CityhubError):
    exit_code = 6
    http_status = 403
