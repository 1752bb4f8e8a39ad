# pglib.sh — a real PostgreSQL server for one test (sourced after lib.sh).
#
#   pg_start        initdb and start a server in its own folder, listening on a Unix
#                   socket only (no TCP); create the role "keyward" (password $PG_PASS,
#                   scram-sha-256) and its database "keyward". Sets PGURI (with the
#                   password), PGURI_NOPASS (for PGPASSFILE) and PGSOCK. 0, or 1 with a
#                   "not ok" line.
#   pg_stop         a fast shutdown (clients are disconnected); pg_start_again starts the
#                   same cluster again (same socket, same data)
#   pg_sql SQL      run SQL as the superuser in database keyward, unaligned, tuples only
#
# The server runs as the "postgres" account of the postgresql package (initdb refuses
# root), in a folder of its own under /tmp, and is stopped when the test exits. fsync is
# off: these tests are about keyward, not about PostgreSQL's durability. PG_DURABLE=1
# before pg_start keeps PostgreSQL's defaults instead (fsync, synchronous_commit and
# full_page_writes on: each commit waits for its WAL to be on disk), as bench/fleet.sh does.
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
PG_PASS="Fixture-pg-$$-secret"
PGROOT=
pg_cleanup() {
	if [ -n "$PGROOT" ] && [ -d "$PGROOT/data" ]; then
		runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGROOT/data" -m immediate -w -t 20 stop >/dev/null 2>&1
	fi
	[ -n "$PGROOT" ] && rm -rf "$PGROOT"
	rm -rf "$TMP"
}
trap pg_cleanup EXIT

pg_ctl_run() {
	runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGROOT/data" -l "$PGROOT/log" -w -t 30 "$@" \
		>>"$PGROOT/ctl.out" 2>&1
}

pg_sql() {
	runuser -u postgres -- "$PGBIN/psql" -h "$PGSOCK" -d keyward -v ON_ERROR_STOP=1 -qAt -c "$1"
}

pg_start() {
	if [ -z "$PGBIN" ] || ! id postgres >/dev/null 2>&1; then
		echo "not ok - a PostgreSQL server is required (the postgresql package: scripts/bootstrap test)"
		return 1
	fi
	PGROOT=$(mktemp -d /tmp/kwpg.XXXXXX) || return 1
	chown postgres: "$PGROOT" && chmod 700 "$PGROOT" || return 1
	PGSOCK=$PGROOT/sock
	runuser -u postgres -- mkdir "$PGSOCK" || return 1
	if ! runuser -u postgres -- "$PGBIN/initdb" -D "$PGROOT/data" -U postgres -A trust \
		--no-sync -E UTF8 --locale=C.UTF-8 >"$PGROOT/initdb.out" 2>&1; then
		echo "not ok - initdb failed"; sed 's/^/    /' "$PGROOT/initdb.out"; return 1
	fi
	cat >"$PGROOT/data/pg_hba.conf" <<EOF
local all postgres trust
local all all scram-sha-256
EOF
	cat >>"$PGROOT/data/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$PGSOCK'
max_connections = 200
EOF
	[ "${PG_DURABLE:-0}" = 1 ] || printf 'fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n' \
		>>"$PGROOT/data/postgresql.conf"
	if ! pg_ctl_run start; then
		echo "not ok - pg_ctl start failed"; sed 's/^/    /' "$PGROOT/log" "$PGROOT/ctl.out"; return 1
	fi
	runuser -u postgres -- "$PGBIN/psql" -h "$PGSOCK" -d postgres -v ON_ERROR_STOP=1 -q \
		-c "CREATE ROLE keyward LOGIN PASSWORD '$PG_PASS'" -c "CREATE DATABASE keyward OWNER keyward" \
		>/dev/null || { echo "not ok - creating the keyward role and database"; return 1; }
	# the socket folder in a URI: percent-encoded as the host
	local host
	host=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$PGSOCK")
	PGURI="postgresql://keyward:$PG_PASS@$host/keyward"
	PGURI_NOPASS="postgresql://keyward@$host/keyward"
	return 0
}

pg_stop() { pg_ctl_run -m fast stop; }
pg_start_again() { pg_ctl_run start; }
