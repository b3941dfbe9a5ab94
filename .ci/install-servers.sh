#!/usr/bin/env bash
# Install the servers the tests start themselves: PostgreSQL from Debian's packages.
set -euo pipefail
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
fi
echo "servers: PostgreSQL $(ls /usr/lib/postgresql)"
