#!/bin/bash
# guard_follow.sh — `keyward guard --follow` on a log rotated by the REAL logrotate, and a
# guard killed with SIGKILL and restarted.
#
# A guard follows $TMP/auth.log (hosts-deny action on $TMP/hosts.deny, rule *:3/1h, so three
# failures ban an address and two do not). Attack lines are appended with current RFC 3339
# timestamps, as rsyslog writes them on Debian 12. Checked, polling `guard list` for at most
# 10 s each time:
#  - three failures ban an address (in `guard list` and in hosts.deny);
#  - logrotate -f with `create` (rename + new file): two failures written to the old file
#    just before the rotation and one to the new file ban their address (both files were
#    read); three failures after the rotation ban theirs;
#  - logrotate -f with `copytruncate`: the same, across the copy and the truncation;
#  - kill -9, after the guard stored its position (the "F1:" cursor in the database names
#    the end of the file): while it is down, the admin rewrites hosts.deny, lines are
#    appended, logrotate renames the file once more and more lines go to the new file;
#    after a restart every earlier ban is live again and back in hosts.deny (the admin's
#    line kept), and the lines written while it was down are processed exactly once: an
#    address with three failures split across the old and the new file is banned, one with
#    two (one in each file) is not (read twice it would have four), and one with two
#    failures before the kill and one after is not (the old lines are not read again).
. "$(dirname "$0")/lib.sh" "$@"

LOG=$TMP/auth.log
DB=$TMP/guard.db
DENY=$TMP/hosts.deny
GUARD_PID=

cleanup() {
	[ -n "$GUARD_PID" ] && kill -9 "$GUARD_PID" 2>/dev/null && wait "$GUARD_PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' TERM INT

LOGROTATE=$(command -v logrotate || echo /usr/sbin/logrotate)
if [ ! -x "$LOGROTATE" ]; then
	echo "not ok - logrotate is missing (apt-get install logrotate; scripts/bootstrap installs it)"
	exit 1
fi


PID=1000
# attack ADDR N [FILE]: N failed passwords from ADDR, each from its own sshd process
attack() {
	local addr=$1 n=$2 file=${3:-$LOG} i
	for ((i = 0; i < n; i++)); do
		PID=$((PID + 1))
		printf '%s testhost sshd[%d]: Failed password for root from %s port %d ssh2\n' \
			"$(date -u +%Y-%m-%dT%H:%M:%S.%6N+00:00)" "$PID" "$addr" $((40000 + PID)) >>"$file"
	done
}
# a line of another program, to make the log look like one
noise() {
	printf '%s testhost CRON[%d]: (root) CMD (true)\n' "$(date -u +%Y-%m-%dT%H:%M:%S.%6N+00:00)" "$PID" >>"$LOG"
}

listed() { # ADDR: in `guard list --format json`?
	timeout 20 "$KW" guard list --db "$DB" --format json >"$TMP/list.json" 2>/dev/null &&
		python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if any(b["addr"]==sys.argv[2] for b in r["bans"]) else 1)' \
			"$TMP/list.json" "$1"
}
denied() { grep -qx "sshd: $1" "$DENY"; }
banned() { wait_for 10 listed "$1" && denied "$1"; }
not_banned() { ! listed "$1" && ! denied "$1"; }

# the file offset in the cursor the guard stored, or nothing
stored_offset() {
	python3 - "$DB" <<'PY'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True, timeout=5)
for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'"):
    for row in db.execute('SELECT * FROM "%s"' % t):
        for v in row:
            if isinstance(v, str) and v.startswith("F1:"):
                print(v.split(":")[3])
PY
}
position_saved() { [ "$(stored_offset)" = "$(stat -c %s "$LOG")" ]; }

start_guard() {
	"$KW" guard --follow "$LOG" --db "$DB" --action hosts-deny --hosts-deny "$DENY" \
		--rules '*:3/1h' --no-ignore-self 2>>"$TMP/guard.err" &
	GUARD_PID=$!
	wait_for 10 grep -q "following" "$TMP/guard.err"
}

printf '# kept by the admin\nALL: 192.0.2.200\n' >"$DENY"
: >"$LOG"
noise
expect "the guard starts following $LOG" start_guard

# ---- plain appends ----
attack 198.51.100.1 3
expect "three failures ban 198.51.100.1 (guard list and hosts.deny)" banned 198.51.100.1
attack 198.51.100.9 2
noise

# ---- logrotate: create ----
cat >"$TMP/lr-create.conf" <<EOF
$LOG {
	create 0640 root root
	rotate 5
	missingok
}
EOF
cat >"$TMP/lr-copytruncate.conf" <<EOF
$LOG {
	copytruncate
	rotate 5
	missingok
}
EOF
attack 198.51.100.2 2
INO=$(stat -c %i "$LOG")
timeout 30 "$LOGROTATE" -f -s "$TMP/lr.state" "$TMP/lr-create.conf"
expect "logrotate (create) renamed the log and made a new one" \
	test "$(stat -c %i "$LOG.1")" = "$INO" -a "$(stat -c %s "$LOG")" = 0
attack 198.51.100.2 1
expect "after create: 2 failures in the old file + 1 in the new ban 198.51.100.2" banned 198.51.100.2
attack 198.51.100.3 3
expect "after create: 3 failures in the new file ban 198.51.100.3" banned 198.51.100.3

# ---- logrotate: copytruncate ----
attack 198.51.100.4 2
INO=$(stat -c %i "$LOG")
timeout 30 "$LOGROTATE" -f -s "$TMP/lr.state" "$TMP/lr-copytruncate.conf"
expect "logrotate (copytruncate) kept the inode and emptied it" \
	test "$(stat -c %i "$LOG")" = "$INO" -a "$(stat -c %s "$LOG")" = 0 -a -s "$LOG.1"
attack 198.51.100.4 1
expect "after copytruncate: 2 failures before + 1 after ban 198.51.100.4" banned 198.51.100.4
attack 198.51.100.5 3
expect "after copytruncate: 3 failures ban 198.51.100.5" banned 198.51.100.5
expect "198.51.100.9 (two failures) is not banned" not_banned 198.51.100.9

# ---- kill -9 and restart ----
attack 203.0.113.1 2     # counted before the kill, forgotten with the process
expect "the guard stored its position at the end of the log" wait_for 10 position_saved
expect "the guard is still running before the kill" kill -0 "$GUARD_PID"
kill -9 "$GUARD_PID"
wait "$GUARD_PID" 2>/dev/null
GUARD_PID=
BEFORE="198.51.100.1 198.51.100.2 198.51.100.3 198.51.100.4 198.51.100.5"

printf '# kept by the admin\nALL: 192.0.2.200\n' >"$DENY"   # the admin edits it meanwhile
attack 203.0.113.2 2
attack 203.0.113.3 1
attack 203.0.113.1 1
timeout 30 "$LOGROTATE" -f -s "$TMP/lr.state" "$TMP/lr-create.conf"
attack 203.0.113.2 1
attack 203.0.113.3 1
noise
attack 203.0.113.4 3

expect "the guard restarts from its stored position" start_guard
expect "lines written while it was down are read: 203.0.113.4 (3 in the new file) is banned" banned 203.0.113.4
expect "203.0.113.2 (2 in the rotated file + 1 in the new one) is banned" banned 203.0.113.2
for a in $BEFORE; do
	expect "ban of $a made before the kill is live in guard list" listed "$a"
	expect "... and back in hosts.deny" denied "$a"
done
admin_kept() { grep -qx '# kept by the admin' "$DENY" && grep -qx 'ALL: 192.0.2.200' "$DENY"; }
expect "the admin's own hosts.deny lines are kept" admin_kept
expect "203.0.113.3 (one failure in each file) is not banned: nothing was read twice" not_banned 203.0.113.3
expect "203.0.113.1 (2 before the kill, 1 after) is not banned: old lines were not read again" not_banned 203.0.113.1
expect "198.51.100.9 is still not banned" not_banned 198.51.100.9
expect "the restarted guard is running" kill -0 "$GUARD_PID"
kill -TERM "$GUARD_PID"
wait_for 10 eval '! kill -0 $GUARD_PID' || kill -9 "$GUARD_PID"
wait "$GUARD_PID" 2>/dev/null
GUARD_PID=
expect "no sanitizer report from the guard" eval '! grep -q "Sanitizer\|runtime error" "$TMP/guard.err"'
if [ "$T_FAIL" -gt 0 ]; then
	echo "--- guard stderr:"
	sed 's/^/  /' "$TMP/guard.err"
fi
finish
