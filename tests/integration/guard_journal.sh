#!/bin/bash
# guard_journal.sh — `keyward guard --journal` against a REAL systemd-journald fed by a REAL
# sshd, and forgeries that must not count.
#
# The whole test runs in a private mount namespace (it re-executes itself under
# `unshare -m`): a tmpfs on /run holds journald's sockets and its volatile journal
# (/run/log/journal; a drop-in in /run/systemd/journald.conf.d forces Storage=volatile and
# nothing is forwarded to the console or kmsg; a tmpfs also covers /var/log/journal so
# nothing persistent is ever written). syslog(3) writes to /dev/log, which this machine may
# not have: a copy of /dev is made on the namespace's own /run tmpfs (every entry
# bind-mounted from the real one, plus `log` -> /run/systemd/journal/dev-log) and bound over
# /dev inside the namespace only, so the real /dev is never changed. The copy is never
# under $TMP: removing $TMP must not walk into bind mounts of real /dev folders. Everything
# vanishes with the namespace.
#
# Then:
#  (a) a real /usr/sbin/sshd on 127.0.0.1:<free port> (own host key, SyslogFacility AUTH,
#      UsePAM no) gets failed logins from `ssh -l nosuchuser` and logs "Invalid user ..."
#      through syslog into journald, as root with _COMM=sshd;
#  (b) forgeries of "Failed password for root from 192.0.2.66" with SYSLOG_IDENTIFIER=sshd:
#      `logger -t sshd` run as nobody, a copy of logger named `sshd` run as nobody (so its
#      _COMM is sshd but its _UID is not 0), and `logger -t sshd` run as root (_COMM=logger).
#  journalctl -o json proves the forged entries are there with SYSLOG_IDENTIFIER=sshd, and a
#  replay of `journalctl -o short-iso` (text, where the tag is all there is) would ban
#  192.0.2.66: the forgeries work against a reader that trusts the tag.
#  `keyward guard --journal --journal-dir /run/log/journal --once --from-start` must ban
#  127.0.0.1 and never 192.0.2.66, and count the skipped forgeries; a guard following the
#  journal live (started before any of it) must do the same within 10 s; after more logins
#  from 127.0.0.2 while no guard runs, a second --once run resumes from the stored cursor:
#  it reads exactly the trusted records written since (none twice, none lost, counted
#  against journalctl) and bans 127.0.0.2.
if [ -z "${KW_JOURNAL_NS:-}" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "not ok - guard_journal.sh needs root (unshare -m, journald, sshd)"
		exit 1
	fi
	exec env KW_JOURNAL_NS=1 timeout -k 5 300 unshare -m --propagation private bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh" "$@"

PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do
		kill -9 "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	rm -rf --one-file-system "$TMP"
}
trap cleanup EXIT
trap 'exit 1' TERM INT

fail_setup() {
	echo "not ok - setup: $*"
	T_FAIL=$((T_FAIL + 1))
	finish
	exit 1
}

for tool in /lib/systemd/systemd-journald /usr/sbin/sshd ssh ssh-keygen logger journalctl setpriv python3; do
	command -v "$tool" >/dev/null || fail_setup "$tool is missing (scripts/bootstrap installs it)"
done


# ---- the namespace: /run, /var/log/journal, /dev ----
mount -t tmpfs -o mode=755 tmpfs /run || fail_setup "tmpfs on /run"
mount -t tmpfs -o mode=755 tmpfs /var/log/journal 2>/dev/null || [ ! -d /var/log/journal ] ||
	fail_setup "tmpfs on /var/log/journal"
mkdir -p /run/systemd/journal /run/systemd/journald.conf.d /run/log/journal /run/sshd /run/kw-forge
chmod 755 /run/sshd /run/kw-forge
cat >/run/systemd/journald.conf.d/kw-test.conf <<'EOF'
[Journal]
Storage=volatile
RateLimitIntervalSec=0
ForwardToSyslog=no
ForwardToKMsg=no
ForwardToConsole=no
ForwardToWall=no
Audit=no
EOF

DEV=/run/kw-dev
mkdir "$DEV" && mount -t tmpfs -o mode=755 tmpfs "$DEV" || fail_setup "tmpfs for the /dev copy"
for e in /dev/* /dev/.[!.]*; do
	[ -e "$e" ] || [ -L "$e" ] || continue
	name=${e#/dev/}
	[ "$name" = log ] && continue
	if [ -L "$e" ]; then
		ln -s "$(readlink "$e")" "$DEV/$name"
	elif [ -d "$e" ]; then
		mkdir "$DEV/$name" && mount --rbind "$e" "$DEV/$name"
	else
		: >"$DEV/$name" && mount --bind "$e" "$DEV/$name"
	fi
done
ln -s /run/systemd/journal/dev-log "$DEV/log"
mount --rbind "$DEV" /dev || fail_setup "bind the /dev copy over /dev"
[ -c /dev/null ] || fail_setup "/dev/null in the copy"

# ---- journald ----
/lib/systemd/systemd-journald </dev/null >"$TMP/journald.out" 2>&1 &
PIDS+=($!)
wait_for 10 test -S /run/systemd/journal/dev-log || fail_setup "journald did not create its syslog socket"
MID=$(cat /etc/machine-id)
JDIR=/run/log/journal
wait_for 10 test -d "$JDIR/$MID" || fail_setup "journald did not create $JDIR/$MID"
logger -t kw-probe "journal is up" || fail_setup "logger into journald"
wait_for 10 sh -c "journalctl -D $JDIR -t kw-probe -o cat | grep -q 'journal is up'" ||
	fail_setup "journald does not store what logger sends"

# ---- sshd ----
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ssh-keygen -q -t ed25519 -N '' -f "$TMP/hostkey" || fail_setup "host key"
cat >"$TMP/sshd_config" <<EOF
Port $PORT
ListenAddress 127.0.0.1
HostKey $TMP/hostkey
PidFile $TMP/sshd.pid
SyslogFacility AUTH
LogLevel INFO
UsePAM no
StrictModes no
MaxStartups 100
EOF
/usr/sbin/sshd -D -f "$TMP/sshd_config" </dev/null >"$TMP/sshd.out" 2>&1 &
PIDS+=($!)
wait_for 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT" || fail_setup "sshd does not listen on 127.0.0.1:$PORT"

# failed logins from FROM (a loopback address), N times
attack() {
	local from=$1 n=$2 i
	for ((i = 0; i < n; i++)); do
		timeout 15 ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=no \
			-o UserKnownHostsFile=/dev/null -o PubkeyAuthentication=no -o BindAddress="$from" \
			-o ConnectTimeout=5 -l nosuchuser -p "$PORT" 127.0.0.1 true </dev/null >/dev/null 2>&1
	done
}

# trusted sshd records in the journal, counted by journalctl itself
trusted_count() {
	journalctl -D "$JDIR" -o json _UID=0 _COMM=sshd + _UID=0 _COMM=sshd-session + _UID=0 _COMM=sshd-auth |
		python3 -c 'import sys, json; print(sum(1 for l in sys.stdin if "MESSAGE" in json.loads(l)))'
}

JARGS=(guard --journal --journal-dir "$JDIR" --action none --rules '*:2/1h' --no-ignore-self)

# wait until journald has stored everything sshd is still writing (the count is stable)
settle() {
	local a b n=40
	a=$(trusted_count)
	while [ "$n" -gt 0 ]; do
		sleep 0.5
		b=$(trusted_count)
		[ "$a" = "$b" ] && return 0
		a=$b
		n=$((n - 1))
	done
	return 1
}

banned() { # DB ADDR: is ADDR in `guard list`?
	timeout 20 "$KW" guard list --db "$1" --format json >"$TMP/list.json" 2>/dev/null &&
		python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if any(b["addr"]==sys.argv[2] for b in r["bans"]) else 1)' \
			"$TMP/list.json" "$2"
}

# ---- a guard following the journal live, from before anything happened ----
"$KW" "${JARGS[@]}" --db "$TMP/follow.db" 2>"$TMP/follow.err" &
FOLLOW=$!
PIDS+=($FOLLOW)
wait_for 10 grep -q "following" "$TMP/follow.err" || fail_setup "the following guard did not start: $(cat "$TMP/follow.err")"

# ---- forgeries ----
cp /usr/bin/logger /run/kw-forge/sshd && chmod 755 /run/kw-forge/sshd || fail_setup "renamed logger"
FORGED='Failed password for root from 192.0.2.66 port 1 ssh2'
NFORGE=6
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
# forge N MESSAGE COMMAND...: N lines tagged sshd from one process that stays alive a moment
# after writing them, so journald can still read its /proc entry (_COMM, _EXE) when they
# arrive (a process gone by then leaves those fields out)
forge() {
	local n=$1 msg=$2 i
	shift 2
	{ for ((i = 0; i < n; i++)); do echo "$msg"; done; sleep 1.5; } | "$@" -p auth.info -t sshd
}
forge "$NFORGE" "$FORGED" "${NOBODY[@]}" logger &
f1=$!
forge "$NFORGE" "$FORGED" "${NOBODY[@]}" /run/kw-forge/sshd &
f2=$!
forge "$NFORGE" "Invalid user x from 192.0.2.66 port 1" logger &
f3=$!
wait $f1 && wait $f2 && wait $f3 || fail_setup "the forgers failed"

# ---- real failed logins ----
attack 127.0.0.1 3
wait_for 10 sh -c "journalctl -D $JDIR -o cat _COMM=sshd _UID=0 | grep -c 'Invalid user nosuchuser from 127.0.0.1' | grep -qx 3" ||
	fail_setup "sshd's 'Invalid user' lines did not reach the journal: $(journalctl -D $JDIR -o short | tail -5)"

# ---- the forgeries are really there, and would work on a tag-trusting reader ----
journalctl -D "$JDIR" -o json >"$TMP/all.json"
forged_kinds() {
	python3 - "$TMP/all.json" <<'PY'
import json, sys
kinds = set()
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e.get("SYSLOG_IDENTIFIER") == "sshd" and "192.0.2.66" in str(e.get("MESSAGE", "")):
        kinds.add("%s/%s" % (e.get("_UID"), e.get("_COMM")))
print(" ".join(sorted(kinds)))
PY
}
expect "forged entries with SYSLOG_IDENTIFIER=sshd are in the journal: as nobody via logger, as nobody with _COMM=sshd, as root via logger" \
	test "$(forged_kinds)" = "0/logger 65534/logger 65534/sshd"
# records the guard's _COMM match lets through but its _UID check must refuse
untrusted_count() {
	journalctl -D "$JDIR" -o json _COMM=sshd + _COMM=sshd-session + _COMM=sshd-auth |
		python3 -c 'import sys, json; print(sum(1 for l in sys.stdin if json.loads(l).get("_UID") != "0"))'
}
U1=$(untrusted_count)
expect "all $NFORGE forgeries from the copy named sshd are there with _COMM=sshd (journalctl: $U1)" test "$U1" = "$NFORGE"
expect "sshd's own records carry _UID=0 _COMM=sshd" \
	python3 -c 'import json,sys
ok = any(e.get("_COMM") == "sshd" and e.get("_UID") == "0" and "Invalid user nosuchuser from 127.0.0.1" in str(e.get("MESSAGE"))
         for e in map(json.loads, open(sys.argv[1])))
sys.exit(0 if ok else 1)' "$TMP/all.json"
journalctl -D "$JDIR" -o short-iso >"$TMP/short.log"
timeout 60 "$KW" guard --replay "$TMP/short.log" --rules '*:2/1h' --no-ignore-self --format json >"$TMP/naive.json" 2>/dev/null
expect "a reader that trusts the syslog tag (replay of journalctl -o short-iso) would ban 192.0.2.66" \
	python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if any(b["addr"]=="192.0.2.66" for b in r["bans"]) else 1)' "$TMP/naive.json"

# ---- one pass over the journal ----
settle || fail_setup "the journal does not settle"
T1=$(trusted_count)
timeout 60 "$KW" "${JARGS[@]}" --db "$TMP/once.db" --from-start --once 2>"$TMP/once.err"
expect "guard --journal --once exits 0" test $? = 0
expect "127.0.0.1 (real sshd failures) is banned" banned "$TMP/once.db" 127.0.0.1
expect "192.0.2.66 (forgeries) is not banned" eval '! banned "$TMP/once.db" 192.0.2.66'
rec1=$(sed -n 's/.*stopped: \([0-9]*\) records.*/\1/p' "$TMP/once.err")
untrusted=$(sed -n 's/.* \([0-9]*\) untrusted journal records.*/\1/p' "$TMP/once.err")
expect "every trusted sshd record was read once ($T1 by journalctl, guard says ${rec1:-?})" test "${rec1:-x}" = "$T1"
expect "the forgeries named sshd but not from root were skipped and counted ($U1, guard says ${untrusted:-?})" \
	test "${untrusted:-x}" = "$U1"

# ---- the live follower ----
expect "the guard following the journal live bans 127.0.0.1 within 10 s" wait_for 10 banned "$TMP/follow.db" 127.0.0.1
expect "... and never 192.0.2.66" eval '! banned "$TMP/follow.db" 192.0.2.66'
expect "... and is still running" kill -0 "$FOLLOW"
kill -TERM "$FOLLOW"
wait_for 10 eval '! kill -0 $FOLLOW' || kill -9 "$FOLLOW"

# ---- resume from the stored cursor: more logins while no guard runs ----
attack 127.0.0.2 3
wait_for 10 sh -c "journalctl -D $JDIR -o cat _COMM=sshd _UID=0 | grep -c 'Invalid user nosuchuser from 127.0.0.2' | grep -qx 3" ||
	fail_setup "sshd's lines for 127.0.0.2 did not reach the journal"
forge 2 "$FORGED" "${NOBODY[@]}" /run/kw-forge/sshd
settle || fail_setup "the journal does not settle"
T2=$(trusted_count)
U2=$(untrusted_count)
timeout 60 "$KW" "${JARGS[@]}" --db "$TMP/once.db" --once 2>"$TMP/once2.err"
expect "the second --once run exits 0" test $? = 0
rec2=$(sed -n 's/.*stopped: \([0-9]*\) records.*/\1/p' "$TMP/once2.err")
expect "resumed after the stored cursor: exactly the $((T2 - T1)) new trusted records (guard says ${rec2:-?})" \
	test "${rec2:-x}" = "$((T2 - T1))"
untrusted2=$(sed -n 's/.* \([0-9]*\) untrusted journal records.*/\1/p' "$TMP/once2.err")
expect "... and skipped exactly the $((U2 - U1)) new forgeries (guard says ${untrusted2:-?})" \
	test "${untrusted2:-x}" = "$((U2 - U1))"
expect "127.0.0.2 is banned after the resume" banned "$TMP/once.db" 127.0.0.2
expect "127.0.0.1 is still banned" banned "$TMP/once.db" 127.0.0.1
expect "192.0.2.66 is still not banned" eval '! banned "$TMP/once.db" 192.0.2.66'
expect "no sanitizer report from any guard run" \
	eval '! grep -q "Sanitizer\|runtime error" "$TMP/follow.err" "$TMP/once.err" "$TMP/once2.err"'
if [ "$T_FAIL" -gt 0 ]; then
	for f in follow once once2; do
		echo "--- guard stderr ($f):"
		sed 's/^/  /' "$TMP/$f.err"
	done
fi
finish
