#!/bin/bash
# guard_share.sh — bans shared by two guards through a real PostgreSQL server (pglib.sh).
# Guard A follows its log in network namespace NA; guard B follows another log in NB,
# where a TCP listener runs; CL is the attacker, joined to NB by a veth pair. Each guard
# has its own state database and its own nftables table in its own namespace.
#   - failures from CL in A's log: A bans it, B takes the ban within seconds and a
#     connection from CL to NB fails;
#   - B's ignore list holds for bans taken from others;
#   - PostgreSQL stopped: A keeps banning alone (outbox), PostgreSQL started again: B gets
#     every ban, each once (the table, B's history), and a restarted B takes nothing twice;
#   - a third guard flooding the table is held to B's share_rate, and reported;
#   - rows written behind keyward's back (a non-canonical prefix, a control character)
#     are not taken, and nothing raw reaches B's output.
. "$(dirname "$0")/lib.sh" "$@"
. "$(dirname "$0")/pglib.sh"

if [ "$(id -u)" != 0 ]; then
	echo "not ok - guard_share.sh needs root (network namespaces, nftables, PostgreSQL as postgres)"
	exit 1
fi
for tool in ip nft timeout python3 sqlite3; do
	command -v "$tool" >/dev/null || { echo "not ok - guard_share.sh needs $tool"; exit 1; }
done

X=$(( $$ % 200 + 20 ))
NA=kwsa-$$ NB=kwsb-$$ CL=kwsc-$$
V4S=10.232.$X.2 V4C=10.232.$X.1
PORT=8080
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	for n in "$NA" "$NB" "$CL"; do ip netns del "$n" 2>/dev/null; done
	pg_cleanup
}
trap cleanup EXIT
pg_start || exit 1

ip netns add "$NA" && ip netns add "$NB" && ip netns add "$CL" || exit 1
ip -n "$NB" link add veth0 type veth peer name veth1 netns "$CL" || exit 1
for n in "$NA" "$NB" "$CL"; do ip -n "$n" link set lo up; done
ip -n "$NB" addr add "$V4S/24" dev veth0
ip -n "$CL" addr add "$V4C/24" dev veth1
ip -n "$NB" link set veth0 up
ip -n "$CL" link set veth1 up
ip netns exec "$NB" python3 -m http.server --bind "$V4S" "$PORT" >/dev/null 2>&1 </dev/null &
PIDS+=($!)
connect() { ip netns exec "$CL" timeout 2 bash -c 'exec 3<> "/dev/tcp/$0/$1"' "$V4S" "$PORT" 2>/dev/null; }
blocked() { ! connect; }
wait_for 5 connect
expect "CL reaches the listener in NB before any ban" connect

: >"$TMP/empty.conf"
: >"$TMP/a.log"
: >"$TMP/b.log"
# fail N IP LOG: N failed passwords from IP, written now
fail() {
	local now i
	now=$(date '+%b %e %H:%M:%S')
	for i in $(seq "$1"); do
		echo "$now kwtest sshd[$((RANDOM + 1000))]: Failed password for root from $2 port $((40000 + i)) ssh2"
	done >>"$3"
}
start_guard() { # NAME NETNS LOG HOST_ID [more options]
	local name=$1 ns=$2 log=$3 hid=$4
	shift 4
	ip netns exec "$ns" "$KW" guard --follow "$log" --action nft --db "$TMP/$name.db" \
		--config "$TMP/empty.conf" --rules '*:3/1h' --bantime 10m --share "$PGURI" \
		--host-id "$hid" "$@" >>"$TMP/$name.out" 2>&1 &
	PIDS+=($!)
	eval "PID_$name=$!"
}
in_set() { ip netns exec "$1" nft list set inet keyward v4 2>/dev/null | grep -qF "$2"; }
rows() { pg_sql "SELECT count(*) FROM keyward.bans WHERE prefix = '$1'"; }
history() { # GUARD PREFIX: how many times GUARD's state recorded a ban of PREFIX
	sqlite3 "$TMP/$1.db" "SELECT count(*) FROM history WHERE prefix = '$2'"
}

start_guard a "$NA" "$TMP/a.log" host-a
start_guard b "$NB" "$TMP/b.log" host-b --ignore 198.51.100.0/24
expect "both guards connect to the shared table" \
	wait_for 10 bash -c 'grep -q "share: connected" "$1" && grep -q "share: connected" "$2"' _ "$TMP/a.out" "$TMP/b.out"

# ---- a ban on A blocks a connection on B ----
t0=$(date +%s%N)
fail 4 "$V4C" "$TMP/a.log"
expect "A bans $V4C from its own log" wait_for 10 in_set "$NA" "$V4C"
expect "B takes the ban from the table" wait_for 10 in_set "$NB" "$V4C"
t1=$(date +%s%N)
echo "# from A's log line to B's firewall: $(( (t1 - t0) / 1000000 )) ms"
expect "a connection from $V4C to NB now fails" blocked
expect "the table holds the ban once, published by host-a" \
	test "$(pg_sql "SELECT count(*), min(origin_id) FROM keyward.bans WHERE prefix = '$V4C'")" = "1|host-a"
expect "B's state records it once" test "$(history b "$V4C")" = 1
"$KW" guard list --db "$TMP/b.db" --config "$TMP/empty.conf" --format json >"$TMP/blist.json" 2>/dev/null
expect "B's guard list names the ban's origin" test "$(jget "$TMP/blist.json" '[b["origin"] for b in r["bans"]] == ["'"$(hostname)"'"]')" = True
expect "B says where the ban came from" grep -q "banned $V4C for .*(shared by " "$TMP/b.out"
ip netns exec "$NB" nft list set inet keyward v4 >"$TMP/bset" 2>&1
expect "B's element expires with the ban (a timeout of at most 10m)" grep -qE "$V4C timeout ([0-9]+m)?[0-9]+s|$V4C timeout 10m" "$TMP/bset"

# ---- B's ignore list holds for shared bans ----
fail 4 198.51.100.7 "$TMP/a.log"
expect "A bans 198.51.100.7" wait_for 10 in_set "$NA" 198.51.100.7
expect "B says it does not apply it (ignored)" wait_for 10 grep -q "not applying 198.51.100.7 from" "$TMP/b.out"
expect "... and its firewall does not hold it" bash -c '! ip netns exec "$1" nft list set inet keyward v4 | grep -qF 198.51.100.7' _ "$NB"

# ---- the database goes away and comes back ----
pg_stop
expect "PostgreSQL stopped" bash -c '! runuser -u postgres -- "$1/pg_isready" -h "$2" -q' _ "$PGBIN" "$PGSOCK"
fail 4 203.0.113.5 "$TMP/a.log"
fail 4 203.0.113.6 "$TMP/a.log"
expect "A keeps banning alone (203.0.113.5)" wait_for 10 in_set "$NA" 203.0.113.5
expect "A keeps banning alone (203.0.113.6)" wait_for 10 in_set "$NA" 203.0.113.6
expect "A says it works alone" grep -q "working alone" "$TMP/a.out"
expect "A's outbox holds the two bans" \
	wait_for 5 bash -c 'test "$(sqlite3 "$1" "SELECT count(*) FROM outbox")" = 2' _ "$TMP/a.db"
"$KW" guard status --db "$TMP/a.db" --config "$TMP/empty.conf" --share "$PGURI" >"$TMP/status.out" 2>&1
expect "guard status says two bans wait to be published, and where (no password)" \
	bash -c 'grep -qx "waiting to be published: 2" "$1" && grep -q "^shared with: postgresql://keyward:\*\*\*@" "$1"' _ "$TMP/status.out"
pg_start_again
expect "PostgreSQL is back" wait_for 10 runuser -u postgres -- "$PGBIN/pg_isready" -h "$PGSOCK" -q
expect "B gets 203.0.113.5 once A has republished (within 40 s)" wait_for 40 in_set "$NB" 203.0.113.5
expect "B gets 203.0.113.6" wait_for 10 in_set "$NB" 203.0.113.6
expect "A's outbox is empty" wait_for 5 bash -c 'test "$(sqlite3 "$1" "SELECT count(*) FROM outbox")" = 0' _ "$TMP/a.db"
expect "the table holds each once" test "$(rows 203.0.113.5):$(rows 203.0.113.6):$(rows "$V4C")" = 1:1:1
expect "B's state holds each once" \
	test "$(history b 203.0.113.5):$(history b 203.0.113.6):$(history b "$V4C")" = 1:1:1

# B restarts: nothing taken twice, its bans restored from its own state
kill "$PID_b" && wait "$PID_b" 2>/dev/null
expect "B's stop reports what it shared" grep -qE "shared: [0-9]+ published, 3 taken, not taken: 1 ignored" "$TMP/b.out"
ip netns exec "$NB" nft delete table inet keyward
start_guard b "$NB" "$TMP/b.log" host-b --ignore 198.51.100.0/24
expect "restarted B reconnects" wait_for 10 bash -c '[ "$(grep -c "share: connected" "$1")" -ge 2 ]' _ "$TMP/b.out"
expect "restarted B restores the shared bans into its firewall" wait_for 10 in_set "$NB" 203.0.113.6
sleep 1
expect "... and takes none of them twice" \
	test "$(history b 203.0.113.5):$(history b 203.0.113.6):$(history b "$V4C")" = 1:1:1

# ---- rows written behind keyward's back ----
pg_sql "INSERT INTO keyward.bans(prefix, start, expires, offense, rule, reason, origin, origin_id, origin_seq, published)
	VALUES ('192.0.2.7/24', 1, 0, 1, 'x', 'x', 'evil', 'host-e', 1, 1),
	       ('192.0.2.9', 1, 0, 1, E'rule\x1b]0;pwned\x07', 'x', 'evil', 'host-e', 2, 1),
	       ('192.0.2.11', 5, 3, 1, 'x', 'x', 'evil', 'host-e', 3, 1);
	SELECT pg_notify('keyward_bans', '')"
sleep 2
expect "a non-canonical prefix, a control character and an expiry before the start are not taken" \
	bash -c '! ip netns exec "$1" nft list set inet keyward v4 | grep -qE "192\.0\.2\.(0|7|9|11)"' _ "$NB"
expect "... and no raw control character reached B's output" \
	bash -c '! LC_ALL=C grep -q "[[:cntrl:]]" <(tr -d "\n\t" < "$1")' _ "$TMP/b.out"

# ---- a flood from one host is held to share_rate ----
printf 'share_rate = 5\n' >"$TMP/rate.conf"
kill "$PID_b" && wait "$PID_b" 2>/dev/null
ip netns exec "$NB" "$KW" guard --follow "$TMP/b.log" --action nft --db "$TMP/b.db" \
	--config "$TMP/rate.conf" --share "$PGURI" --host-id host-b >>"$TMP/b2.out" 2>&1 &
PIDS+=($!)
PID_b=$!
wait_for 10 grep -q "share: connected" "$TMP/b2.out"
: >"$TMP/d.log"
for i in $(seq 1 8); do fail 4 "100.64.$X.$i" "$TMP/d.log"; done
"$KW" guard --follow "$TMP/d.log" --once --action none --db "$TMP/d.db" --config "$TMP/empty.conf" \
	--rules '*:3/1h' --share "$PGURI" --host-id host-d >"$TMP/d.out" 2>&1
expect "guard D (--once) decides 8 bans and publishes them before it exits" \
	test "$(pg_sql "SELECT count(*) FROM keyward.bans WHERE origin_id = 'host-d'")" = 8
expect "B applies 5 of them (share_rate = 5)" wait_for 10 bash -c \
	'test "$(ip netns exec "$1" nft list set inet keyward v4 | grep -oE "100\.64\.$2\.[0-9]+" | sort -u | wc -l)" = 5' _ "$NB" "$X"
expect "... and says host-d's excess was not applied" grep -q "sent more than 5 bans within a minute" "$TMP/b2.out"

# ---- no password anywhere ----
expect "the password is in no guard's output" bash -c '! cat "$1"/*.out | grep -qF "$2"' _ "$TMP" "$PG_PASS"

if [ "$T_FAIL" -ne 0 ]; then
	for f in a b b2 d; do echo "--- $f:"; tail -30 "$TMP/$f.out"; done
fi
finish
