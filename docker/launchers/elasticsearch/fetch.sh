#!/usr/bin/env bash
# Fetch and unpack the Elasticsearch integ-test distribution (no bundled JDK: runs on the system Java 17)
# into a cache folder outside the repository, and prepare the user it runs as.
#
#   fetch.sh [CACHE_DIR]    prints the Elasticsearch home on its last line
#
# Maven's local repository keeps the zip, so a second machine-wide fetch is an unpack only; an already
# unpacked home is reused without starting Maven at all.
set -euo pipefail

ES_VERSION="${CITYHUB_ES_VERSION:-8.19.21}"
ES_USER="${CITYHUB_ES_USER:-esuser}"
ARTIFACT="org.elasticsearch.distribution.integ-test-zip:elasticsearch:${ES_VERSION}:zip"
DEPENDENCY_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"

# root's home is private (0700), and Elasticsearch refuses to run as root: as root, cache where the
# unprivileged user can read
if [ "$(id -u)" = 0 ]; then
  default_cache="/var/cache/cityhub/servers"
else
  default_cache="${XDG_CACHE_HOME:-$HOME/.cache}/cityhub/servers"
fi
CACHE_DIR="${1:-${CITYHUB_SERVERS_CACHE:-$default_cache}}"
ES_HOME="$CACHE_DIR/elasticsearch-$ES_VERSION"
mkdir -p "$CACHE_DIR"

# concurrent test runs and the CI install share the cache: one unpack at a time
exec 9>"$CACHE_DIR/.elasticsearch.lock"
flock 9

if [ ! -f "$ES_HOME/.unpacked" ]; then
  command -v mvn >/dev/null || { echo "mvn not found: Maven is needed to fetch Elasticsearch" >&2; exit 3; }
  # the unpack goal without a project writes a stray '${project.basedir}' folder into the working
  # directory: run it from a scratch folder and unpack beside the final home, then rename
  scratch="$(mktemp -d "$CACHE_DIR/.fetch-XXXXXX")"
  trap 'rm -rf "$scratch"' EXIT
  (cd "$scratch" && mvn -q -B -ntp -Dstyle.color=never "$DEPENDENCY_PLUGIN:unpack" -Dartifact="$ARTIFACT" \
      -DoutputDirectory="$scratch/out" >"$scratch/mvn.log" 2>&1) || {
    tail -n 30 "$scratch/mvn.log" >&2
    exit 4
  }
  rm -rf "$ES_HOME"
  mv "$scratch/out/elasticsearch-$ES_VERSION" "$ES_HOME"
  touch "$ES_HOME/.unpacked"  # written last: a half-unpacked home is never taken for a complete one
fi

if [ "$(id -u)" = 0 ]; then
  id -u "$ES_USER" >/dev/null 2>&1 || useradd --system --create-home --shell /usr/sbin/nologin "$ES_USER"
  if [ "$(stat -c %U "$ES_HOME")" != "$ES_USER" ]; then
    chown -R "$ES_USER:" "$ES_HOME"
  fi
fi
echo "$ES_HOME"
