#!/bin/bash
# guard_injection.sh — log injection against `keyward guard`: replay real sshd 9.2 output
# with hostile user names, banners, algorithm names and disconnect reasons
# (tests/data/guard/injection/injection.log, captured by capture.sh there) and hand-written
# shapes the local sshd cannot produce (injection-extra.log: spoofed process names, RFC 5424,
# journalctl -o json, the sshguard and fail2ban CVE shapes), with the strictest rule
# ('*:1/1h': one counted failure bans) and without the self-ignore list. Asserts:
#   - no ban (or reported source) covers any address that appears only inside attacker text
#     (victims.txt, and every 203.0.113.x of the extra file);
#   - the real sources are banned: 127.0.0.1 (the capture's only client) and the
#     198.51.100.x sources of the extra file;
#   - `guard parse` never reports a victim as an event's address or host, attributes every
#     address-bearing event of the capture to 127.0.0.1, keeps hostile user names whole,
#     and finds as many Failed password / Invalid user / maximum-attempts events as sshd wrote.
. "$(dirname "$0")/lib.sh" "$@"
D=$SRC/tests/data/guard/injection
LOG=$D/injection.log
EXTRA=$D/injection-extra.log
PY=${PYTHON:-python3}

for f in "$LOG" "$EXTRA" "$D/victims.txt"; do
	[ -s "$f" ] || { echo "not ok - corpus file $f is missing or empty"; exit 1; }
done
# victims: what the capture clients sent, plus every TEST-NET-3 address of the extra file
{ cat "$D/victims.txt"; grep -ao '203\.0\.113\.[0-9]\{1,3\}' "$EXTRA"; } | sort -u > "$TMP/victims"
nvictims=$(wc -l < "$TMP/victims")
expect "the corpus names at least 60 victim addresses ($nvictims)" [ "$nvictims" -ge 60 ]
expect "every victim of the capture appears in the log at least once or was cut by sshd" \
	"$PY" - "$LOG" "$D/victims.txt" <<'PY'
import sys
log = open(sys.argv[1], "rb").read()
v = [l.strip().encode() for l in open(sys.argv[2]) if l.strip()]
seen = [a for a in v if a in log]
print("  %d of %d victims are in injection.log" % (len(seen), len(v)))
sys.exit(0 if len(seen) >= 25 else 1)
PY

# ---- replay ---------------------------------------------------------------------------
"$KW" guard --replay "$LOG" "$EXTRA" --rules '*:1/1h' --no-ignore-self --format json \
	> "$TMP/replay.json" 2> "$TMP/replay.err"
rc=$?
expect "replay exits 1: something would have been banned (rc=$rc)" [ "$rc" -eq 1 ]
if [ "$rc" -ne 1 ]; then sed 's/^/  stderr: /' "$TMP/replay.err" | head -20; fi

check_replay() {
	"$PY" - "$TMP/replay.json" "$TMP/victims" "$1" <<'PY'
import ipaddress, json, sys
try:
    r = json.load(open(sys.argv[1]))
except Exception as e:
    print("  replay output is not JSON: %s" % e)
    sys.exit(1)
victims = [ipaddress.ip_address(l.strip()) for l in open(sys.argv[2]) if l.strip()]
what = sys.argv[3]
bans = r.get("bans", [])
def net(b):
    return ipaddress.ip_network("%s/%s" % (b["addr"], b.get("bits", 128 if ":" in b["addr"] else 32)), strict=False)
if what == "no-victim-banned":
    bad = sorted({str(v) for b in bans for v in victims if v.version == net(b).version and v in net(b)})
    for v in bad:
        print("  victim banned: %s" % v)
    sys.exit(1 if bad else 0)
if what == "no-victim-source":
    srcs = {s["addr"] for s in r.get("sources", [])}
    bad = sorted(srcs & {str(v) for v in victims})
    for v in bad:
        print("  victim reported as a source: %s" % v)
    sys.exit(1 if bad else 0)
if what.startswith("banned:"):
    want = ipaddress.ip_address(what.split(":", 1)[1])
    ok = any(want.version == net(b).version and want in net(b) for b in bans)
    if not ok:
        print("  not banned: %s (bans: %s)" % (want, ", ".join(str(net(b)) for b in bans)))
    sys.exit(0 if ok else 1)
sys.exit(2)
PY
}
expect "no ban covers a victim address" check_replay no-victim-banned
expect "no victim address is reported as a source" check_replay no-victim-source
expect "the capture's real client 127.0.0.1 is banned" check_replay banned:127.0.0.1
for real in 198.51.100.10 198.51.100.11 198.51.100.12 198.51.100.13 198.51.100.14 \
	198.51.100.15 198.51.100.16 198.51.100.17 198.51.100.20 198.51.100.21 \
	198.51.100.30 198.51.100.31 198.51.100.40; do
	expect "extra file: the real source $real is banned" check_replay "banned:$real"
done

# ---- parse ----------------------------------------------------------------------------
"$KW" guard parse "$LOG" "$EXTRA" > "$TMP/parse.jsonl" 2> "$TMP/parse.err"
rc=$?
expect "guard parse exits 0 (rc=$rc)" [ "$rc" -eq 0 ]

check_parse() {
	"$PY" - "$TMP/parse.jsonl" "$TMP/victims" "$LOG" "$1" <<'PY'
import json, re, sys
evs = []
for n, l in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    try:
        evs.append(json.loads(l))
    except Exception as e:
        print("  parse output line %d is not JSON: %s" % (n, e))
        sys.exit(1)
victims = {l.strip() for l in open(sys.argv[2]) if l.strip()}
log = sys.argv[3]
what = sys.argv[4]
cap = [e for e in evs if e.get("file") == log]
if what == "no-victim":
    bad = [e for e in evs if e.get("addr") in victims or e.get("host") in victims]
    for e in bad[:10]:
        print("  victim as address: %s" % json.dumps(e))
    sys.exit(1 if bad else 0)
if what == "capture-127":
    with_addr = [e for e in cap if e.get("addr") is not None]
    bad = [e for e in with_addr if e["addr"] != "127.0.0.1"]
    for e in bad[:10]:
        print("  wrong source: %s" % json.dumps(e))
    print("  %d events of injection.log carry an address" % len(with_addr))
    sys.exit(1 if bad or len(with_addr) < 100 else 0)
if what.startswith("count:"):
    kind, pat = what.split(":", 2)[1:]
    raw = open(log, "rb").read().split(b"\n")
    want = sum(1 for l in raw if re.search(pat.encode(), l))
    got = sum(1 for e in cap if e.get("kind") == kind)
    print("  %s: %d lines, %d events" % (kind, want, got))
    sys.exit(0 if want > 0 and want == got else 1)
if what == "users-whole":
    # every "Invalid user NAME from 127.0.0.1 port N" and "Failed password for invalid user
    # NAME from 127.0.0.1 port N ssh2" line: the event's user is NAME exactly
    raw = open(log, "rb").read().split(b"\n")
    want = {}
    for i, l in enumerate(raw, 1):
        m = re.search(rb"\]: Invalid user (.*) from 127\.0\.0\.1 port \d+$", l) or \
            re.search(rb"\]: Failed password for invalid user (.*) from 127\.0\.0\.1 port \d+ ssh2$", l)
        if m:
            # as keyward prints it (kw_escape): a backslash doubled, controls as \xNN
            # (sshd already turned every control character into a visible escape)
            name = m.group(1).decode("utf-8", "replace").replace("\\", "\\\\")
            want[i] = "".join(c if c >= " " and c != "\x7f" else "\\x%02x" % ord(c) for c in name)
    bad = 0
    kinds = ("invalid-user", "failed-password")
    for e in cap:
        if e.get("kind") in kinds and e.get("line") in want:
            if e.get("user") != want[e["line"]]:
                bad += 1
                if bad <= 5:
                    print("  line %d: user %r, sshd wrote %r" % (e["line"], e.get("user"), want[e["line"]]))
    got = sum(1 for e in cap if e.get("kind") in kinds and e.get("line") in want)
    print("  %d user names checked" % got)
    sys.exit(0 if not bad and got == len(want) and got > 60 else 1)
if what == "no-raw-controls":
    raw = open(sys.argv[1], "rb").read()
    bad = [c for c in raw if c < 0x20 and c != 0x0a]
    sys.exit(1 if bad else 0)
sys.exit(2)
PY
}
expect "parse never reports a victim as an address or host" check_parse no-victim
expect "parse attributes every address of injection.log to 127.0.0.1" check_parse capture-127
expect "parse: one failed-password event per 'Failed password' line of the capture" \
	check_parse 'count:failed-password:\]: Failed password for '
expect "parse: one invalid-user event per 'Invalid user' line of the capture" \
	check_parse 'count:invalid-user:\]: Invalid user '
expect "parse: one max-auth-attempts event per 'maximum authentication attempts' line" \
	check_parse 'count:max-auth-attempts:\]: error: maximum authentication attempts exceeded for '
expect "parse keeps hostile user names whole (spaces, 'from ADDR port 22', '[preauth]', empty)" \
	check_parse users-whole
expect "parse output holds no raw control characters" check_parse no-raw-controls

finish
