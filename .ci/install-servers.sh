#!/usr/bin/env bash
# Install what the tests' real servers need, so the first test does not pay for it:
#   PostgreSQL (Debian package), Java 17 + Maven (if missing), the Neo4j launcher (built into
#   docker/launchers/neo4j/target) and the Elasticsearch distribution (unpacked into a cache folder).
# The test session starts the servers from these (proving/servers). `make test` runs this script, on a
# developer's machine and in CI (.ci/run) alike; CITYHUB_SKIP_SERVERS=1 skips it and the server tests.
# Idempotent and quiet: when everything is in place it only checks, in about a second.
set -euo pipefail
cd "$(dirname "$0")/.."
trap 'echo "servers: installing what the server tests need failed (above); they would fail too." \
  "Fix it, or run \`CITYHUB_SKIP_SERVERS=1 make test\` to skip them." >&2' ERR

now() { date +%s.%N; }
took() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=""
apt_install() {
  # refresh the package lists once, and only when a package has no install candidate
  local package candidate
  for package in "$@"; do
    candidate=$(apt-cache policy "$package" 2>/dev/null | awk '/Candidate:/ { print $2 }')
    if [ -z "$apt_updated" ] && { [ -z "$candidate" ] || [ "$candidate" = "(none)" ]; }; then
      as_root apt-get update -qq
      apt_updated=1
    fi
  done
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

started=$(now)
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  apt_install postgresql
fi
echo "servers: PostgreSQL $(ls /usr/lib/postgresql | sort -n | tail -n 1) ready ($(took "$started"))"

started=$(now)
missing=()
command -v javac >/dev/null || missing+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || missing+=(maven)
if [ ${#missing[@]} -gt 0 ]; then
  apt_install "${missing[@]}"
fi
echo "servers: $(java -version 2>&1 | head -n 1), $(mvn -v 2>/dev/null | head -n 1 | sed 's/\x1b\[[0-9;]*m//g') ($(took "$started"))"

# Neo4j: the same freshness rule as proving.servers.build_neo4j_launcher (target/.built
# newer than the pom and sources), under the same lock
started=$(now)
launcher=docker/launchers/neo4j
mkdir -p "$launcher/target"
(
  flock 9
  if [ ! -f "$launcher/target/.built" ] \
      || [ -n "$(find "$launcher/pom.xml" "$launcher/src" -newer "$launcher/target/.built" -print -quit)" ]; then
    rm -rf "$launcher/target/dependency"
    (cd "$launcher" && mvn -q -B -ntp -Dstyle.color=never package >target/build.log 2>&1) || { tail -n 30 "$launcher/target/build.log"; exit 1; }
    touch "$launcher/target/.built"
  fi
) 9>"$launcher/target/.build.lock"
echo "servers: Neo4j launcher built ($(took "$started"))"

started=$(now)
es_home=$(bash docker/launchers/elasticsearch/fetch.sh | tail -n 1)
echo "servers: Elasticsearch in $es_home ($(took "$started"))"
