#!/usr/bin/env bash
# guard_cli.sh — `keyward guard` end to end on fixture logs: parse, replay (text, JSON,
# HTML, golden), escaping of hostile user names, rules and modes, the state database
# (ban, unban, list, status) with --action none and hosts-deny, config errors, the
# systemd unit (systemd-analyze verify).
. "$(dirname "$0")/lib.sh"
D=$SRC/tests/data/guard
# The sample has year-less syslog stamps: its year comes from the file's mtime. Pin it so
# the reports do not depend on the day the test runs.
LOG=$TMP/sample-auth.log
cp "$D/sample-auth.log" "$LOG"
touch -d 2026-06-01T00:00:00Z "$LOG"

# ---- help and usage ----
expect "guard --help explains the modes" sh -c '"$1" guard --help | grep -q -- "--replay FILE"' _ "$KW"
expect "guard without a mode is a usage error (2)" sh -c '"$1" guard >/dev/null 2>&1; [ $? -eq 2 ]' _ "$KW"
expect "two modes at once are refused" sh -c '"$1" guard --replay x --journal >/dev/null 2>&1; [ $? -eq 2 ]' _ "$KW"
expect "a bad rule is refused with a message" sh -c '"$1" guard --replay "$2" --rules "*:10/30" 2>&1 >/dev/null | grep -qi "unit"' _ "$KW" "$LOG"
expect "a missing log file is an input error (2)" sh -c '"$1" guard --replay /nonexistent/auth.log >/dev/null 2>&1; [ $? -eq 2 ]' _ "$KW"

# ---- parse ----
"$KW" guard parse "$LOG" >"$TMP/events.jsonl"
expect "parse exits 0" test $? -eq 0
python3 - "$TMP/events.jsonl" >"$TMP/parse.txt" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
print(len(ev))
print(" ".join(sorted({e["kind"] for e in ev})))
print(" ".join(sorted({e["addr"] for e in ev if e["addr"]})))
print(sum(1 for e in ev if e["proc"] == "sshd-session"))
PY
expect "parse finds every sshd event of the sample (37 of 41 lines)" test "$(sed -n 1p "$TMP/parse.txt")" = 37
expect "parse sees failures, invalid users, probes, logins" sh -c 'for k in failed-password invalid-user max-auth-attempts too-many-auth kex-ident close no-ident no-matching-algo accepted preauth-close preauth-disconnect received-disconnect; do grep -qw -- "$k" "$1" || { echo "missing $k"; exit 1; }; done' _ "$TMP/parse.txt"
expect "parse takes addresses only from where sshd writes them" test "$(sed -n 3p "$TMP/parse.txt")" = "192.0.2.10 192.0.2.99 198.51.100.23 2001:db8:5::10 2001:db8:bad::1"
expect "parse reads sshd-session lines (OpenSSH >= 9.8)" test "$(sed -n 4p "$TMP/parse.txt")" = 12
expect "parse ignores lines from other programs that quote sshd" sh -c '! grep -q "203.0.113.5" "$1"' _ "$TMP/events.jsonl"
expect "parse reads stdin with -" sh -c '"$1" guard parse - <"$2" | wc -l | grep -qx 37' _ "$KW" "$LOG"
# the line numbers point at the right lines
expect "parse line numbers match the file" sh -c 'n=$(head -1 "$1" | python3 -c "import json,sys; print(json.load(sys.stdin)[\"line\"])"); [ "$n" = 1 ] && grep -q "\"line\":41," "$1"' _ "$TMP/events.jsonl"

# ---- replay ----
"$KW" guard --replay "$LOG" --no-ignore-self --format json >"$TMP/r.json"
expect "replay exits 1 when something would have been banned" test $? -eq 1
expect "replay bans the 10-attempt source and only it (default *:10/1h,30/1d)" \
	test "$(jget "$TMP/r.json" '" ".join(b["addr"] for b in r["bans"])')" = "2001:db8:bad::1"
expect "replay counts a bot connection as max(1, tries)" \
	test "$(jget "$TMP/r.json" '[s["failures"] for s in r["sources"] if s["addr"]=="198.51.100.23"][0]')" = 9
expect "replay counts three probes for the scanner" \
	test "$(jget "$TMP/r.json" '[s["failures"] for s in r["sources"] if s["addr"]=="192.0.2.99"][0]')" = 3
expect "replay never counts or bans an injected address" \
	test "$(jget "$TMP/r.json" 'sum("203.0.113" in x["addr"] for x in r["bans"] + r["sources"])')" = 0
expect "replay timeline has the attack hours" \
	test "$(jget "$TMP/r.json" '",".join(h["hour"][11:13]+":"+str(h["failures"]) for h in r["timeline"])')" = "09:13,10:10,11:0"
"$KW" guard --replay "$LOG" --no-ignore-self --rules '*:5/1h' --format json >"$TMP/r5.json"
expect "a stricter rule bans the second source too" \
	test "$(jget "$TMP/r5.json" '" ".join(sorted(b["addr"] for b in r["bans"]))')" = "198.51.100.23 2001:db8:bad::1"
"$KW" guard --replay "$LOG" --no-ignore-self --rules '*:3/1h' --mode normal --format json >"$TMP/rn.json"
expect "--mode normal does not count the scanner's probes" \
	python3 -c "import json,sys; r=json.load(open(sys.argv[1])); sys.exit(any(b['addr']=='192.0.2.99' for b in r['bans']) or not r['bans'])" "$TMP/rn.json"
"$KW" guard --replay "$LOG" --no-ignore-self --rules '*:3/1h' --format json >"$TMP/ra.json"
expect "aggressive mode (default) bans the scanner at 3 probes" \
	python3 -c "import json,sys; r=json.load(open(sys.argv[1])); sys.exit(not any(b['addr']=='192.0.2.99' for b in r['bans']))" "$TMP/ra.json"
"$KW" guard --replay "$LOG" --no-ignore-self --ignore 2001:db8:bad::/48 --format json >"$TMP/ri.json"
expect "--ignore keeps a prefix from being banned" test "$(jget "$TMP/ri.json" 'len(r["bans"])')" = 0
expect "replay of a clean log exits 0" sh -c 'grep -v -e "bad::1" -e 198.51 -e 192.0.2.99 "$2" >"$3/clean.log"; "$1" guard --replay "$3/clean.log" --no-ignore-self >/dev/null' _ "$KW" "$LOG" "$TMP"

# golden JSON report (reviewed by reading it; KEYWARD_UPDATE_GOLDEN=1 rewrites it)
GOLD=$SRC/tests/data/golden/guard-replay.json
python3 - "$TMP/r5.json" >"$TMP/r5.norm" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["files"] = ["<log>"]
print(json.dumps(r, indent=1, sort_keys=False))
PY
if [ "${KEYWARD_UPDATE_GOLDEN:-}" = 1 ]; then cp "$TMP/r5.norm" "$GOLD"; fi
expect "replay JSON matches the reviewed golden file" diff -u "$GOLD" "$TMP/r5.norm"

# ---- hostile text never reaches a terminal or a page raw ----
printf 'Mar  1 12:00:00 h sshd[9]: Invalid user \033]0;pwn\007\033[2J<img src=x onerror=alert(1)> from 192.0.2.77 port 1\n' >"$TMP/esc.log"
for i in 1 2 3 4 5 6 7 8 9 10; do
	printf 'Mar  1 12:00:%02d h sshd[9%d]: Failed password for invalid user \033[31m<b>"q"</b> from 192.0.2.77 port 1 ssh2\n' "$i" "$i" >>"$TMP/esc.log"
done
"$KW" guard --replay "$TMP/esc.log" --no-ignore-self >"$TMP/esc.txt"
"$KW" guard --replay "$TMP/esc.log" --no-ignore-self --format html >"$TMP/esc.html"
"$KW" guard --replay "$TMP/esc.log" --no-ignore-self --format json >"$TMP/esc.json"
"$KW" guard parse "$TMP/esc.log" >"$TMP/esc.jsonl"
expect "the text report has no control bytes" sh -c '! LC_ALL=C grep -q "[[:cntrl:]]" "$1" || ! LC_ALL=C tr -d "\n" <"$1" | grep -q "[[:cntrl:]]"' _ "$TMP/esc.txt"
expect "parse output has no raw escape bytes" sh -c '! LC_ALL=C grep -q "$(printf "\033")" "$1"' _ "$TMP/esc.jsonl"
expect "the user name is shown escaped in the text report" grep -qF '\x1b[31m<b>' "$TMP/esc.txt"
expect "the HTML report has no markup from the log" sh -c '! grep -q "<img\|<b>\|onerror=alert(1)>" "$1" && grep -q "&lt;b&gt;" "$1"' _ "$TMP/esc.html"
expect "the HTML report has its chart" grep -q '<svg role="img"' "$TMP/esc.html"
expect "the JSON report is valid and keeps the name (escaped)" \
	python3 -c "import json,sys; r=json.load(open(sys.argv[1])); sys.exit(not any('<b>' in u['user'] and '\x1b' not in u['user'] for u in r['users']))" "$TMP/esc.json"

# ---- state: ban, list, unban, status ----
DB=$TMP/state/guard.db
"$KW" guard ban 192.0.2.5 --time 1h --action none --db "$DB" 2>"$TMP/ban.err"
expect "guard ban records a ban" test $? -eq 0
expect "the database is private (0600)" test "$(stat -c %a "$DB")" = 600
"$KW" guard ban 2001:db8::/64 --time 0 --action none --db "$DB" 2>/dev/null
"$KW" guard list --db "$DB" --format json >"$TMP/list.json"
expect "guard list shows both bans" test "$(jget "$TMP/list.json" '" ".join(sorted("%s/%d" % (b["addr"], b["bits"]) for b in r["bans"]))')" = "192.0.2.5/32 2001:db8::/64"
expect "a permanent ban has no expiry" test "$(jget "$TMP/list.json" '[b["expires"] for b in r["bans"] if b["bits"]==64][0]')" = None
expect "guard status counts live bans" sh -c '"$1" guard status --db "$2" | grep -q "live bans: 2"' _ "$KW" "$DB"
"$KW" guard ban 192.0.2.5 --time 1h --action none --db "$DB" 2>/dev/null
"$KW" guard list --all --db "$DB" --format json >"$TMP/all.json"
expect "a second ban of the same address is offense 2" test "$(jget "$TMP/all.json" 'max(b["offense"] for b in r["bans"] if b["addr"]=="192.0.2.5")')" = 2
"$KW" guard unban 192.0.2.5 --action none --db "$DB" >"$TMP/unban.out"
expect "guard unban lifts it" sh -c 'grep -q "^unbanned 192.0.2.5" "$1" && "$2" guard list --db "$3" --format json | grep -vq "192.0.2.5"' _ "$TMP/unban.out" "$KW" "$DB"
expect "unban of an address that is not banned still succeeds" "$KW" guard unban 198.51.100.200 --action none --db "$DB"
expect "a bad address is refused" sh -c '"$1" guard ban 1.2.3 --action none --db "$2" 2>/dev/null; [ $? -eq 2 ]' _ "$KW" "$DB"

# hosts-deny action keeps foreign lines
printf 'ALL: 10.9.9.9 # kept\n' >"$TMP/hosts.deny"
"$KW" guard ban 192.0.2.6 --action hosts-deny --hosts-deny "$TMP/hosts.deny" --db "$DB" 2>/dev/null
expect "hosts-deny gets the ban" grep -q '^sshd: 192.0.2.6$' "$TMP/hosts.deny"
expect "hosts-deny keeps lines it does not own" grep -q '^ALL: 10.9.9.9 # kept$' "$TMP/hosts.deny"
"$KW" guard unban 192.0.2.6 --action hosts-deny --hosts-deny "$TMP/hosts.deny" --db "$DB" >/dev/null
expect "unban removes it from hosts.deny" sh -c '! grep -q 192.0.2.6 "$1" && grep -q "10.9.9.9" "$1"' _ "$TMP/hosts.deny"

# ---- config file ----
printf 'host_rule = *:2/1h\nbantime = 2h\n' >"$TMP/g.conf"
"$KW" guard --replay "$LOG" --config "$TMP/g.conf" --no-ignore-self --format json >"$TMP/rc.json"
expect "the config file's rule and bantime apply" test "$(jget "$TMP/rc.json" 'sorted({b["duration"] for b in r["bans"]}) == [7200] and r["rules"]["host"]')" = "*:2/1h"
printf 'host_rule = *:2/1h\nbanntime = 2h\n' >"$TMP/bad.conf"
expect "an unknown key is an error naming the line" bash -c '"$1" guard --replay "$2" --config "$3" 2>&1 >/dev/null | grep -q ":2"; [ "${PIPESTATUS[0]}" != 0 ]' _ "$KW" "$LOG" "$TMP/bad.conf"
expect "the command line overrides the config file" sh -c '"$1" guard --replay "$2" --config "$3" --rules "*:50/1h" --no-ignore-self >/dev/null' _ "$KW" "$LOG" "$TMP/g.conf"
expect "the shipped config file loads" sh -c '"$1" guard --replay "$2" --config "$3" --no-ignore-self --format json >/dev/null; [ $? -le 1 ]' _ "$KW" "$LOG" "$SRC/data/guard/guard.conf"

# ---- systemd unit ----
sed "s#/usr/bin/keyward#$(realpath "$KW")#" "$SRC/data/systemd/keyward-guard.service" >"$TMP/keyward-guard.service"
expect "the systemd unit verifies" sh -c 'systemd-analyze verify --man=no "$1" 2>&1 | tee /dev/stderr | grep -v "Failed to\|not executable" | grep -q . && exit 1; exit 0' _ "$TMP/keyward-guard.service"

finish
