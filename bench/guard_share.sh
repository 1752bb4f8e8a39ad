#!/usr/bin/env bash
# bench/guard_share.sh — bans shared through PostgreSQL: propagation latency between two
# guards (p50, p99) and throughput of bans through the database (bench/share_driver.py).
#
# A real PostgreSQL server is started in the work folder (tests/integration/pglib.sh) and
# made durable for the bench (fsync and synchronous_commit on, as a production server);
# both guards keep their state with SQLite's synchronous=FULL. --action none: the figures
# are the guards and the database, not the firewall (an nft element is ~0.1 ms more).
# One machine: the two guards and the server share two cores, and "the network" is a
# Unix socket, so a real fleet adds its round-trip times to the latency.
#
# Usage: bench/guard_share.sh [WORKDIR]   (default /tmp/keyward-bench-share)
# Env: SHARE_LATENCY (300 bans one after the other), SHARE_BURST (20000 at once).
# Takes about a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
bench_setup
bench_workdir /tmp/keyward-bench-share 1 "$@"
TMP=$W/run
rm -rf "$TMP"
mkdir -p "$TMP"
# shellcheck source=tests/integration/pglib.sh
. tests/integration/pglib.sh
PG_DURABLE=1 pg_start || exit 1
echo "PostgreSQL $(runuser -u postgres -- "$PGBIN/postgres" --version | awk '{print $3}'), fsync on, over a Unix socket"
python3 bench/share_driver.py "$KW" "$TMP" "$PGURI" "${SHARE_LATENCY:-300}" "${SHARE_BURST:-20000}"
