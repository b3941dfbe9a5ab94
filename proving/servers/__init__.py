"""Start real PostgreSQL, Neo4j and Elasticsearch servers on this machine, without Docker.

Each `start_*` function prepares what the server needs (Debian packages, a Maven build, a fetched
distribution), starts it on a free port with its own data folder, waits until it answers, and returns
a `RunningServer` whose `url` clients connect to and whose `stop()` shuts it down. Output goes to a
log file in the server's folder; when something is missing the functions raise `ServerUnavailable`
with the reason.

Servers are children of the calling process that get a parent-death signal: if the process that
started them dies without stopping them (a killed test run, `os._exit`), they shut down anyway. That
signal follows the *thread* that started them, so start servers from a long-lived thread.
"""

from proving.servers.elasticsearch import (
    ES_VERSION,
    fetch_elasticsearch,
    servers_cache_dir,
    start_elasticsearch,
)
from proving.servers.neo4j import build_neo4j_launcher, start_neo4j
from proving.servers.postgres import install_postgres, postgres_binaries, start_postgres
from proving.servers.processes import RunningServer, ServerUnavailable, free_port, java_binary

__all__ = [
    "ES_VERSION",
    "RunningServer",
    "ServerUnavailable",
    "build_neo4j_launcher",
    "fetch_elasticsearch",
    "free_port",
    "install_postgres",
    "java_binary",
    "postgres_binaries",
    "servers_cache_dir",
    "start_elasticsearch",
    "start_neo4j",
    "start_postgres",
]
