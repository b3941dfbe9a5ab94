"""Helpers for tests and CI: real servers started on this machine (see `servers`)."""

from cityhub.testing.servers import (
    RunningServer,
    ServerUnavailable,
    start_elasticsearch,
    start_neo4j,
    start_postgres,
)

__all__ = ["RunningServer", "ServerUnavailable", "start_elasticsearch", "start_neo4j", "start_postgres"]
