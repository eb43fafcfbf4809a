#!/usr/bin/env bash
# A local production cluster on free loopback ports, for tests and benchmarks:
#   scripts/cluster.sh start|stop|status [--dir DIR] [--web N] [--db private|sqlite|URL] [--no-standby]
# Default: two gunicorn web nodes, one task worker and the scheduler, a PostgreSQL primary and a streaming
# standby made with Debian's PostgreSQL binaries, data in ${GONGZHI_CLUSTER_DIR:-/tmp/gongzhi-cluster-$UID}.
# After `start`, `source DIR/cluster.env` gives DATABASE_URL, DATABASE_REPLICA_URL and GONGZHI_WEB1/2.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || make venv >&2
exec .venv/bin/python scripts/cluster.py "$@"
