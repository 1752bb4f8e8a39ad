#!/usr/bin/env bash
# fleet_keys.sh — the keys database of a fleet in a real PostgreSQL server (started here,
# tests/integration/pglib.sh): `keys snapshot --db postgresql://...` from several
# simulated hosts (image roots with their own machine-id and real ssh-keygen keys), then
# `keys query --key` and `--shared-by` checked against what the hosts hold; the same
# snapshots in a SQLite file answer the same queries with the same JSON; a key removed
# from a host stops being listed for it; keys diff against PostgreSQL; hostile bytes kept
# exactly (BYTEA) and escaped on output; the password of the URI in no output, message or
# audit line; a wrong password, an unreachable server and a newer schema refused; the host
# identity is systemd's app-specific machine ID; 24 snapshots at once, including the first
# use of an empty database, all land and the schema is created once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pglib.sh"
command -v ssh-keygen >/dev/null || { echo "not ok - ssh-keygen is required (openssh-client)"; exit 1; }
pg_start || exit 1

K=$TMP/keys
mkdir -p "$K"
for k in a b c d; do ssh-keygen -q -t ed25519 -N "" -C "key-$k" -f "$K/$k" </dev/null; done
ssh-keygen -q -t rsa -b 2048 -N "" -C "key-r" -f "$K/r" </dev/null
fp() { ssh-keygen -lf "$K/$1.pub" | awk '{print $2}'; }
FPA=$(fp a) FPB=$(fp b) FPC=$(fp c) FPD=$(fp d) FPR=$(fp r)

# host N: its own machine-id; key a for root everywhere, key b for alice on hosts 1-3,
# key c on host 4 only, key d on host 5 on a line sshd ignores (an unknown option), key r
# (RSA) as host 2's private key
mkhost() {
	local n=$1 R=$TMP/host$1
	mkdir -p "$R/etc/ssh" "$R/root/.ssh" "$R/home/alice/.ssh"
	printf 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n' >"$R/etc/passwd"
	printf 'root:*:19000:0:99999:7:::\nalice:!:19000:0:99999:7:::\n' >"$R/etc/shadow"
	python3 -c 'import uuid; print(uuid.uuid4().hex)' >"$R/etc/machine-id"
	cp "$K/a.pub" "$R/root/.ssh/authorized_keys"
	[ "$n" -le 3 ] && cp "$K/b.pub" "$R/home/alice/.ssh/authorized_keys"
	[ "$n" -eq 4 ] && cat "$K/c.pub" >>"$R/root/.ssh/authorized_keys"
	[ "$n" -eq 5 ] && printf 'frobnicate %s\n' "$(cat "$K/d.pub")" >>"$R/root/.ssh/authorized_keys"
	[ "$n" -eq 2 ] && cp "$K/r" "$R/root/.ssh/id_rsa" && cp "$K/r.pub" "$R/root/.ssh/id_rsa.pub"
	return 0
}
for n in 1 2 3 4 5; do mkhost "$n"; done

LOG=$TMP/audit.log
snap() { # N DB [args]
	local n=$1 db=$2
	shift 2
	"$KW" keys snapshot --root "$TMP/host$n" --name "host$n" --db "$db" --audit-log "$LOG" -q "$@"
}
SQ=$TMP/fleet.db
ok=1
for n in 1 2 3 4 5; do
	snap "$n" "$PGURI" >>"$TMP/snap.out" 2>>"$TMP/snap.err" || ok=0
	snap "$n" "$SQ" >>"$TMP/snap.out" 2>>"$TMP/snap.err" || ok=0
done
expect "five hosts' snapshots stored in PostgreSQL and in SQLite" test "$ok" = 1
[ "$ok" = 1 ] || sed 's/^/    /' "$TMP/snap.err"
expect "PostgreSQL holds 5 snapshots" test "$(pg_sql 'SELECT count(*) FROM keyward.snapshots')" = 5
expect "the keys schema is at version 3" \
	test "$(pg_sql "SELECT version FROM keyward.schema_version WHERE component = 'keys'")" = 3
expect "no table outside the keyward schema" \
	test "$(pg_sql "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" = 0

q() { "$KW" keys query "$@"; }
q --db "$PGURI" --key "$FPA" --format json >"$TMP/a.json" 2>"$TMP/a.err"
expect "query --key a exits 0 (found)" test $? = 0
expect "key a opens all 5 hosts" test "$(jget "$TMP/a.json" 'r["hosts"]')" = 5
expect "... as root on each, in /root/.ssh/authorized_keys line 1" test "$(jget "$TMP/a.json" \
	'sorted(set((p["target"], p["account"], p["path"], p["line"], p["kind"]) for p in r["places"])) == [("host%d" % n, "root", "/root/.ssh/authorized_keys", 1, "opens") for n in range(1, 6)]')" = True
expect "... and the host ids are 5 different app-specific ids (32 hex)" test "$(jget "$TMP/a.json" \
	'len(set(p["host_id"] for p in r["places"])) == 5 and all(len(p["host_id"]) == 32 for p in r["places"])')" = True

q --db "$PGURI" --key "$K/b.pub" --format json >"$TMP/b.json"
expect "query --key FILE.pub: key b opens hosts 1-3 as alice" test "$(jget "$TMP/b.json" \
	'sorted((p["target"], p["account"]) for p in r["places"]) == [("host1", "alice"), ("host2", "alice"), ("host3", "alice")]')" = True
q --db "$PGURI" --key "$FPD" --format json >"$TMP/d.json"
expect "key d: on host5 on a line sshd ignores, so it opens no host" test "$(jget "$TMP/d.json" \
	'(r["hosts"], [(p["target"], p["kind"], p["sshd_ignores"]) for p in r["places"]])')" = "(0, [('host5', 'ignored', True)])"
q --db "$PGURI" --key "$FPR" --format json >"$TMP/r.json"
expect "key r: host2's private key (and its .pub), RSA 2048" test "$(jget "$TMP/r.json" \
	'(r["type"], r["bits"], sorted(set((p["target"], p["kind"]) for p in r["places"])))')" = "('RSA', 2048, [('host2', 'private key')])"
q --db "$PGURI" --key "$FPC" >"$TMP/c.txt"
expect "text: key c opens 1 host, host4, as root" \
	grep -qE '^  opens +host4  account root  /root/.ssh/authorized_keys:2$' "$TMP/c.txt"
expect "text: the summary line counts it" grep -q "^$FPC (ED25519 256): opens 1 host through 1 authorized line" "$TMP/c.txt"
UNKNOWN=SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
q --db "$PGURI" --key "$UNKNOWN" >"$TMP/none.txt"
expect "an unknown key exits 1 (as grep)" test $? = 1
expect "... and says so" grep -q "is in no host's newest snapshot" "$TMP/none.txt"

q --db "$PGURI" --shared-by 3 --format json >"$TMP/s3.json"
expect "--shared-by 3: keys a (5 hosts) and b (3 hosts), most first" test "$(jget "$TMP/s3.json" \
	'[(k["fingerprint"], k["hosts"]) for k in r["keys"]] == [("'"$FPA"'", 5), ("'"$FPB"'", 3)] and r["fleet_hosts"] == 5')" = True
q --db "$PGURI" --shared-by 6 >/dev/null
expect "--shared-by 6: nothing, exit 1" test $? = 1
q --db "$PGURI" --shared-by 1 --limit 1 --format json >"$TMP/lim.json"
expect "--limit 1 gives the most shared key only" test "$(jget "$TMP/lim.json" '([k["fingerprint"] for k in r["keys"]], r["limited"])')" = "(['$FPA'], True)"

# the same questions to SQLite give the same answers
same() { # query args...
	q --db "$PGURI" "$@" --format json >"$TMP/pg.json"
	q --db "$SQ" "$@" --format json >"$TMP/sq.json"
	python3 - "$TMP/pg.json" "$TMP/sq.json" <<'PY'
import json, sys
def norm(f):
    r = json.load(open(f))
    r.pop("db")
    for p in r.get("places", []):
        p.pop("snapshot"); p.pop("taken")
    return r
sys.exit(0 if norm(sys.argv[1]) == norm(sys.argv[2]) else 1)
PY
}
for args in "--key $FPA" "--key $FPB" "--key $FPD" "--key $FPR" "--shared-by 1" "--shared-by 3"; do
	# shellcheck disable=SC2086
	expect "SQLite and PostgreSQL answer $args alike" same $args
done

# a key removed from a host stops being listed for it at its next snapshot
: >"$TMP/host1/home/alice/.ssh/authorized_keys"
snap 1 "$PGURI" >/dev/null 2>&1
q --db "$PGURI" --key "$FPB" --format json >"$TMP/b2.json"
expect "after host1 dropped key b, it opens hosts 2-3 only" test "$(jget "$TMP/b2.json" \
	'sorted(p["target"] for p in r["places"])')" = "['host2', 'host3']"
"$KW" keys diff --root "$TMP/host1" --name host1 --db "$PGURI" --since latest~1 --to latest --format json \
	>"$TMP/diff.json" 2>"$TMP/diff.err"
expect "keys diff between two PostgreSQL snapshots: exit 1, key b removed" \
	test "$?:$(jget "$TMP/diff.json" '[k["fingerprint"] for k in r["removed"]]')" = "1:['$FPB']"
"$KW" keys diff --root "$TMP/host3" --name host3 --db "$PGURI" >/dev/null 2>&1
expect "keys diff of an unchanged host against PostgreSQL: exit 0 (rows read back and digest check)" test $? = 0

# clones that call themselves by one name: each diffs against its own snapshots
"$KW" keys snapshot --root "$TMP/host4" --name web --db "$PGURI" --no-audit -q >/dev/null 2>&1
"$KW" keys snapshot --root "$TMP/host5" --name web --db "$PGURI" --no-audit -q >/dev/null 2>&1
"$KW" keys diff --root "$TMP/host4" --name web --db "$PGURI" >"$TMP/web.out" 2>&1
expect "two hosts filed as 'web': host4 diffs against its own snapshot, not host5's newer one (no change)" test $? = 0
"$KW" keys diff --root "$TMP/host5" --name web --db "$PGURI" >/dev/null 2>&1
expect "... and host5 against its own" test $? = 0

# the packaged timer's script, pointed at the fleet's database by its environment
KEYWARD="$KW" KEYWARD_KEYS_DB="$PGURI" sh "$SRC/data/systemd/keyward-keys-snapshot.sh" --root "$TMP/host2" \
	--audit-log "$LOG" >"$TMP/timer1.out" 2>&1
rc1=$?
cp "$K/c.pub" "$TMP/host2/home/alice/.ssh/authorized_keys"
KEYWARD="$KW" KEYWARD_KEYS_DB="$PGURI" sh "$SRC/data/systemd/keyward-keys-snapshot.sh" --root "$TMP/host2" \
	--audit-log "$LOG" >"$TMP/timer2.out" 2>&1
expect "keyward-keys-snapshot.sh with KEYWARD_KEYS_DB: two snapshots in PostgreSQL, the second shows the change" \
	test "$rc1:$?:$(grep -c "$FPC" "$TMP/timer2.out")" = "0:0:1" -a -n "$(grep "$FPB" "$TMP/timer2.out")"

# hostile bytes: an account name and a comment that are not UTF-8 and hold control characters
H=$TMP/host6
mkhost 6
printf 'root:x:0:0:root:/root:/bin/bash\nev\377il:x:1001:1001::/home/evil:/bin/bash\n' >"$H/etc/passwd"
mkdir -p "$H/home/evil/.ssh"
printf '%s \033]0;pwned\007 \377\376\n' "$(cut -d' ' -f1,2 "$K/c.pub")" >"$H/home/evil/.ssh/authorized_keys"
snap 6 "$PGURI" >/dev/null 2>"$TMP/h6.err"
expect "a host with non-UTF-8 names and control characters is stored" test $? = 0
"$KW" keys diff --root "$H" --name host6 --db "$PGURI" >/dev/null 2>&1
expect "... byte for byte (diff against it finds no change)" test $? = 0
q --db "$PGURI" --key "$FPC" >"$TMP/c6.txt"
expect "... and the query output has no raw control character" bash -c '! LC_ALL=C grep -q "[[:cntrl:]]" <(tr -d "\n" < "$1")' _ "$TMP/c6.txt"
expect "... but says which account, escaped" grep -q 'account ev\\xffil' "$TMP/c6.txt"

# the password never shows
cat "$TMP/snap.out" "$TMP/snap.err" "$TMP"/*.json "$TMP"/*.txt "$LOG" >"$TMP/all.out" 2>/dev/null
"$KW" keys snapshot --root "$TMP/host1" --name host1 --db "$PGURI" --audit-log "$LOG" >>"$TMP/all.out" 2>&1
"$KW" keys snapshot --list --db "$PGURI" --format json >>"$TMP/all.out" 2>&1
expect "snapshot output says where it stored, with the password hidden" grep -q 'stored in postgresql://keyward:\*\*\*@' "$TMP/all.out"
expect "the password is in no output, message or audit line" bash -c '! grep -qF "$1" "$2" "$3"' _ "$PG_PASS" "$TMP/all.out" "$LOG"
BAD=${PGURI/$PG_PASS/wrong-$PG_PASS}
q --db "$BAD" --key "$FPA" >"$TMP/bad.out" 2>&1
expect "a wrong password: exit 2" test $? = 2
expect "... saying authentication failed, without the password" bash -c 'grep -q "authentication failed" "$1" && ! grep -qF "$2" "$1"' _ "$TMP/bad.out" "$PG_PASS"
printf '*:*:*:keyward:%s\n' "$PG_PASS" >"$TMP/pgpass" && chmod 600 "$TMP/pgpass"
PGPASSFILE=$TMP/pgpass q --db "$PGURI_NOPASS" --key "$FPA" >/dev/null 2>&1
expect "a URI without password, the password in PGPASSFILE (libpq's own lookup)" test $? = 0
start=$(date +%s)
q --db "postgresql://keyward@%2Fnonexistent%2Fsocket/keyward" --key "$FPA" >"$TMP/down.out" 2>&1
rc=$?
expect "no server: exit 2 within 15 s, saying it cannot connect" \
	test "$rc:$(( $(date +%s) - start < 15 ))" = "2:1" -a -n "$(grep 'cannot connect' "$TMP/down.out")"

# host identity: systemd's app-specific machine ID of keyward's application ID
if [ -s /etc/machine-id ] && command -v systemd-id128 >/dev/null; then
	want=$(systemd-id128 machine-id --app-specific=6c1f0e8a93b24d57b0a41e2f7c9d3a58)
	"$KW" keys snapshot --db "$SQ" --no-audit -q --format json >"$TMP/live.json" 2>/dev/null
	expect "this host's host_id is systemd-id128's app-specific id ($want)" \
		test "$(jget "$TMP/live.json" 'r["host_id"]')" = "$want"
else
	expect "this host has /etc/machine-id and systemd-id128 (the host_id check)" false
fi
snap 4 "$SQ" --host-id "rack7-node4" --format json >"$TMP/hid.json" 2>/dev/null
expect "--host-id overrides it" test "$(jget "$TMP/hid.json" 'r["host_id"]')" = "rack7-node4"
: >"$TMP/host3/etc/machine-id"
snap 3 "$SQ" --format json >"$TMP/hid3.json" 2>/dev/null
expect "an image without machine-id is known by its name" test "$(jget "$TMP/hid3.json" 'r["host_id"]')" = "name:host3"

# a newer schema in the database is refused and left alone
pg_sql "UPDATE keyward.schema_version SET version = 9 WHERE component = 'keys'"
q --db "$PGURI" --key "$FPA" >"$TMP/newer.out" 2>&1
expect "a newer schema version is refused (exit 2, 'use a newer keyward')" \
	test "$?" = 2 -a -n "$(grep 'use a newer keyward' "$TMP/newer.out")"
expect "... and not changed" test "$(pg_sql "SELECT version FROM keyward.schema_version WHERE component = 'keys'")" = 9
pg_sql "UPDATE keyward.schema_version SET version = 3 WHERE component = 'keys'"

# 24 snapshots at once into an empty database: the schema is made once, every one lands
runuser -u postgres -- "$PGBIN/psql" -h "$PGSOCK" -d postgres -qc "CREATE DATABASE keyward2 OWNER keyward"
URI2=${PGURI%/keyward}/keyward2
for n in $(seq 1 24); do
	"$KW" keys snapshot --root "$TMP/host$(( (n % 5) + 1 ))" --name "c$n" --host-id "c$n" --db "$URI2" \
		--no-audit -q >/dev/null 2>"$TMP/c$n.err" || echo "$n: exit $?" >>"$TMP/cfail" &
done
wait
fails=$(cat "$TMP/cfail" "$TMP"/c[0-9]*.err 2>/dev/null | grep -cv "sshd ignores this line")
expect "24 concurrent snapshots (the first use of the database): none failed" test "$fails" = 0
[ "$fails" = 0 ] || cat "$TMP/cfail" "$TMP"/c[0-9]*.err 2>/dev/null | head -20
expect "... 24 rows, 24 hosts" test "$(runuser -u postgres -- "$PGBIN/psql" -h "$PGSOCK" -d keyward2 -qAt \
	-c 'SELECT count(*), count(DISTINCT host_id) FROM keyward.snapshots')" = "24|24"
"$KW" keys query --db "$URI2" --key "$FPA" --format json >"$TMP/c.json"
expect "... and key a opens all 24" test "$(jget "$TMP/c.json" 'r["hosts"]')" = 24

finish
