#!/usr/bin/env bash
# scan_hostile.sh — `keyward scan` against every scenario of the hostile fake server
# (tests/integration/evil_sshd.py, one port per scenario) in ONE run together with two real
# peers (sshd default, dropbear), --timeout 3s --gex:
#  - the run ends within the timeout plus a small margin (wall < 6 s), its peak RSS stays
#    under 64 MB (/usr/bin/time -f %M), the real peers' results are complete and verified;
#  - each hostile target has the outcome of the table below (status, phase, error, finding):
#    limits hit at the byte they become certain, the absolute deadline (slow_drip), a
#    signature over the wrong data refused (bad_signature), a 16384-bit group refused;
#  - nothing a server sent reaches stdout or stderr raw: no ESC or BEL byte, no C0/C1
#    control, DEL or bidi override, valid UTF-8 (text and JSON);
#  - Ctrl-C: SIGINT after 1 s ends a --timeout 20s scan of silent + default within 2 s,
#    exit 3, with the finished peer reported and the silent one marked interrupted; and a
#    scan interrupted with follow-up probes still queued reports them as not probed.
# Args: KEYWARD_BINARY SOURCE_ROOT.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/integration/scanpeers.sh"
peers_init "$TMP/peers" || exit 1

start=$SECONDS
if ! peers_start default dropbear evil; then
	echo "not ok - the peers start (default, dropbear, evil)"
	exit 1
fi
expect "the peers started within 30 s ($((SECONDS - start)) s)" test $((SECONDS - start)) -lt 30
EVIL=$SRC/tests/integration/evil_sshd.py
python3 "$EVIL" --list >"$TMP/scenarios"
mapfile -t SCEN <"$TMP/scenarios"
expect "evil_sshd.py --list names ${#SCEN[@]} scenarios, each with a port" \
	bash -c '[ "$1" -ge 22 ] && diff <(awk "{print \$1}" "$2") "$3"' _ "${#SCEN[@]}" "$PEERS_DIR/evil/ports" "$TMP/scenarios"
PD=$(peers_port default)
PB=$(peers_port dropbear)
fps() { local k; for k in $(peers_keys "$1"); do ssh-keygen -lf "$k" | awk '{print $2}'; done | tr '\n' ' '; }
FP_EVIL=$(ssh-keygen -lf "$PEERS_DIR/evil/ssh_host_ed25519_key.pub" | awk '{print $2}')
FP_DEFAULT=$(fps default)
FP_DROPBEAR=$(fps dropbear)

targets=()
for s in "${SCEN[@]}"; do targets+=("127.0.0.1:$(peers_evil_port "$s")"); done
targets+=("127.0.0.1:$PD" "127.0.0.1:$PB")

# hostile RUN FORMAT: one bounded run; out.FORMAT, err.FORMAT, rc.FORMAT, ms.FORMAT, rss.FORMAT
hostile() {
	local f=$1 t0
	t0=$(date +%s%N)
	timeout 30 /usr/bin/time -f %M -o "$TMP/rss.$f" "$KW" scan "${targets[@]}" --timeout 3s --gex --format "$f" \
		>"$TMP/out.$f" 2>"$TMP/err.$f"
	echo $? >"$TMP/rc.$f"
	echo $((($(date +%s%N) - t0) / 1000000)) >"$TMP/ms.$f"
}
hostile json
hostile text
for f in json text; do
	expect "$f run: exit 3 (some targets could not be scanned)" test "$(cat "$TMP/rc.$f")" = 3
	expect "$f run: ended in $(cat "$TMP/ms.$f") ms (< 6 s with --timeout 3s)" test "$(cat "$TMP/ms.$f")" -lt 6000
	expect "$f run: peak RSS $(tail -1 "$TMP/rss.$f") KB (< 64 MB)" test "$(tail -1 "$TMP/rss.$f")" -lt 65536
	# raw control bytes: ESC and BEL by name, then every C0 (but LF), DEL, C1, bidi override
	expect "$f run: no raw ESC (0x1b) or BEL (0x07) byte on stdout or stderr" \
		bash -c '! LC_ALL=C grep -qaP "[\x1b\x07]" "$1" "$2"' _ "$TMP/out.$f" "$TMP/err.$f"
	expect "$f run: stdout and stderr are valid UTF-8 without C0/C1 controls, DEL or bidi overrides" python3 -c '
import re, sys
for p in sys.argv[1:]:
    b = open(p, "rb").read()
    t = b.decode("utf-8")  # strict: raises on invalid UTF-8
    m = re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", t)
    if m:
        sys.exit("%s: %r at %d" % (p, m.group(), m.start()))
' "$TMP/out.$f" "$TMP/err.$f"
done
expect "json run: valid JSON (python3 -m json.tool)" python3 -m json.tool "$TMP/out.json" /dev/null

# ---- each target's outcome ----
cat >"$TMP/check.py" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
ports = dict(l.split() for l in open(sys.argv[2]))
order = [l.strip() for l in open(sys.argv[3]) if l.strip()]
fp_evil, fp_default, fp_dropbear = sys.argv[4], sys.argv[5].split(), sys.argv[6].split()
pd, pb = int(sys.argv[7]), int(sys.argv[8])
TIMEOUT = 3000
by_port = {t["port"]: t for t in r["targets"]}
def F(t, fid=None):
    return [f for f in r["findings"] if f["target"] == t["target"] and (fid is None or f["id"] == fid)]
def sev(t, fid):
    return [f["severity"] for f in F(t, fid)]
def key0(t):
    return t["host_keys"][0] if t["host_keys"] else {}
def verified(t, fps):
    return bool(t["host_keys"]) and all(k["verified"] is True and k["fingerprint"] in fps and k["error"] is None for k in t["host_keys"])
def timed_out(t):  # at the connection's absolute deadline (slack for a loaded machine),
    return TIMEOUT - 100 <= t["ms"] <= TIMEOUT + 1000  # not pushed back by bytes trickling in
def fast(t):       # refused at once, no waiting for a deadline
    return t["ms"] < 1500
def esc(t):
    k = t["kexinit"]
    return ("evil\\x1b[31mred\\x1b[0m" in k["kex"] and "evil\\xff\\xfe-kex" in k["kex"] and
            "\\x1b]0;pwned\\x07title" in k["kex"] and "\\x1b[2Jclear" in k["enc_sc"])

# scenario: (status, phase, the target's error contains (None: no error), extra check, what)
EXPECT = {
    "ok": ("scanned", "done", None, lambda t: verified(t, [fp_evil]) and not F(t, "scan.no-answer"),
           "its ed25519 key verified"),
    "silent": ("failed", "banner", "no answer within 3000 ms (waiting for the banner)", timed_out,
               "banner timeout at the deadline"),
    "bigpkt": ("failed", "kexinit", "packet_length 2147483644 over the 35000-byte limit", fast,
               "packet_length refused from its 4 bytes"),
    "endless_banner": ("failed", "banner", "more than 1024 lines before the identification",
                       lambda t: fast(t) and t["banner"] is None, "stopped at 1024 lines"),
    "long_ident": ("failed", "banner", "identification longer than 255 bytes", fast, "ident over 255 bytes"),
    "slow_drip": ("failed", "banner", "no answer within 3000 ms", timed_out,
                  "absolute deadline: trickling bytes do not extend it"),
    "no_kexinit": ("failed", "kexinit", "no answer within 3000 ms (waiting for KEXINIT)",
                   lambda t: timed_out(t) and t["banner"]["software"] == "EvilSSH_1.0", "KEXINIT timeout"),
    "namelist_1mb": ("failed", "kexinit", "over the 35000-byte limit", fast, "1 MB KEXINIT refused by its length"),
    "namelist_len": ("failed", "kexinit", "name-list length 1048576 over the", fast, "name-list length checked"),
    "bad_utf8": ("scanned", "kex", None,
                 lambda t: t["kexinit"]["malformed_names"] == 10 and sev(t, "scan.malformed-names") == ["low"] and esc(t),
                 "scan.malformed-names (10), names escaped"),
    "bad_padding": ("failed", "kexinit", "padding_length 255 leaves no payload", fast, "padding checked"),
    "not_mult8": ("failed", "kexinit", "not a multiple of 8 bytes", fast, "length checked"),
    "ignore_flood": ("failed", "kexinit", "more than 32 IGNORE/DEBUG/UNIMPLEMENTED messages", fast,
                     "stopped after 32 IGNORE"),
    "ignore_then_kexinit": ("scanned", "done", None, lambda t: verified(t, [fp_evil]),
                            "IGNORE/DEBUG skipped, key verified"),
    "escape_banner": ("failed", "kexinit", "the server disconnected: PROTOCOL_ERROR (2): bye ",
                      lambda t: "x1b]0;pwned" in t["error"] and "\\x1b[31mred" in t["banner"]["comments"] and
                      t["banner"]["lines_before"] == 3 and "\\u{202e}" in t["banner"]["lines_before_kept"][2],
                      "DISCONNECT text, banner and lines before it escaped"),
    "early_close_ident": ("failed", "banner", "the server closed the connection", lambda t: t["banner"] is None,
                          "closed before the banner"),
    "early_close_kexinit": ("failed", "kexinit", "the server closed the connection",
                            lambda t: t["banner"] is not None and t["kexinit"] is None, "closed in the KEXINIT"),
    "early_close_reply": ("scanned", "kex", None,
                          lambda t: key0(t).get("verified") is False and "the server closed the connection" in key0(t)["error"] and
                          len(t["gex"]) == 4 and all("closed the connection" in g["error"] for g in t["gex"]),
                          "closed where the reply was due (key and every gex probe)"),
    "ssh1": ("failed", "banner", "not an SSH-2 server", lambda t: t["banner"]["protocol"] == "1.5", "SSH-1.5 refused"),
    "bad_signature": ("scanned", "done", None,
                      lambda t: len(t["host_keys"]) == 1 and key0(t)["verified"] is False and key0(t)["fingerprint"] == fp_evil and
                      "does not verify" in key0(t)["error"] and sev(t, "scan.host-key-bad-signature") == ["critical"],
                      "scan.host-key-bad-signature critical, key NOT verified"),
    "bad_hostkey_type": ("scanned", "kex", None,
                         lambda t: key0(t)["verified"] is False and key0(t)["type"] is None and "does not decode" in key0(t)["error"] and
                         sev(t, "scan.host-key-unverified") == ["info"], "K_S refused (key error)"),
    "gex_huge": ("scanned", "kex", None,
                 lambda t: key0(t)["verified"] is False and "16384 bits" in key0(t)["error"] and len(t["gex"]) == 4 and
                 all(g["bits"] == 16384 and g["in_range"] is False for g in t["gex"]) and
                 sev(t, "scan.gex-bad-group") == ["high"] * 4, "16384-bit group refused, scan.gex-bad-group"),
}

out = []
def report(ok, desc, t=None):
    out.append(("PASS" if ok else "FAIL") + "\t" + desc)
    if not ok and t is not None:
        out.append("#\t    got: " + json.dumps({k: t.get(k) for k in ("status", "phase", "error", "ms", "banner", "host_keys", "gex")})[:1500])

report(sorted(EXPECT) == sorted(order), "the table covers every scenario of --list (and nothing else)")
for s in order:
    if s not in EXPECT:
        continue
    st, ph, err, extra, what = EXPECT[s]
    t = by_port.get(int(ports[s]))
    if t is None:
        report(False, "evil %s: in the report" % s)
        continue
    ok = t["status"] == st and t["phase"] == ph
    ok = ok and ((err is None and t["error"] is None) or (err is not None and t["error"] is not None and err in t["error"]))
    try:
        ok = ok and bool(extra(t))
    except Exception as e:
        ok = False
        out.append("#\t    error: %r" % (e,))
    report(ok, "evil %s: %s, phase %s%s (%s)" % (s, st, ph, ", error ~ '%s'" % err if err else "", what), t)
    if st == "failed":
        report(sev(t, "scan.no-answer") == ["info"] and t["host_keys"] == [] and t["kexinit"] is None,
               "evil %s: only scan.no-answer for it" % s, t)

d, b = by_port[pd], by_port[pb]
report(d["status"] == "scanned" and d["phase"] == "done" and verified(d, fp_default), "default: scanned, its key verified (a default .pub)", d)
report(len(d["gex"]) == 4 and all(g["error"] is None and g["in_range"] and g["bits"] >= 2048 for g in d["gex"]),
       "default: its four group-exchange probes complete", d)
report(b["status"] == "scanned" and b["phase"] == "done" and verified(b, fp_dropbear) and b["gex"] == [],
       "dropbear: scanned, its key verified (a dropbear .pub), no group exchange offered", b)
report(not [f for f in r["findings"] if f["target"] in (d["target"], b["target"]) and
            f["id"] in ("scan.no-answer", "scan.host-key-unverified", "scan.host-key-bad-signature")],
       "the real peers have no no-answer / unverified / bad-signature finding")
report([t["port"] for t in r["targets"]] == [int(ports[s]) for s in order] + [pd, pb], "results in input order")
report(r["exit_code"] == 3 and r["interrupted"] is False, "exit_code 3, not interrupted")
print("\n".join(out))
PY
while IFS=$'\t' read -r res desc; do
	case $res in
	'#') echo "$desc" ;;
	*) expect "$desc" test "$res" = PASS ;;
	esac
done < <(python3 "$TMP/check.py" "$TMP/out.json" "$PEERS_DIR/evil/ports" "$TMP/scenarios" "$FP_EVIL" "$FP_DEFAULT" "$FP_DROPBEAR" "$PD" "$PB" 2>&1 || echo "FAIL	the checker ran")

# the text report: the same targets, escaped
T=$TMP/out.text
expect "text: one block per target, in input order" bash -c 'diff <(grep -oE "^127\.0\.0\.1:[0-9]+" "$1") <(printf "%s\n" "${@:2}")' _ "$T" "${targets[@]}"
# scanned = a KEXINIT was read: the 7 scenarios that send a valid one and the 2 real peers
expect "text: scanned 9 of $((${#SCEN[@]} + 2)) targets" grep -q "^scanned 9 of $((${#SCEN[@]} + 2)) targets in " "$T"
expect "text: the DISCONNECT text shown escaped (bye \\x1b]0;pwned...)" grep -qF 'the server disconnected: PROTOCOL_ERROR (2): bye \x1b]0;pwned\x07' "$T"
expect "text: the banner comment shown escaped" grep -qF "EvilSSH_1.0 \\x1b[31mred\\x1b[0m\\x1b]0;t\\x07" "$T"
expect "text: the malformed names shown escaped" grep -qF 'evil\x1b[31mred\x1b[0m, \x1b]0;pwned\x07title' "$T"
expect "text: bad_signature is NOT VERIFIED" grep -q "NOT VERIFIED: signature over the exchange hash does not verify" "$T"
expect "text: ssh1 is not an SSH-2 server" grep -q "not scanned: banner: not an SSH-2 server" "$T"
expect "text: CRITICAL scan.host-key-bad-signature in the findings" grep -q "CRITICAL *scan.host-key-bad-signature" "$T"

# ---- Ctrl-C ----
alive() { # running, not a zombie waiting for this shell
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	s=${s##*) }
	[ "${s%% *}" != Z ]
}
# interrupt NAME DELAY ARGS...: run keyward scan ARGS in the background, SIGINT after DELAY
# seconds; out.NAME, err.NAME, rc.NAME and ms.NAME (from the signal to the exit)
interrupt() {
	local name=$1 delay=$2 pid t0 n=0
	shift 2
	"$KW" scan "$@" >"$TMP/out.$name" 2>"$TMP/err.$name" &
	pid=$!
	sleep "$delay"
	t0=$(date +%s%N)
	kill -INT "$pid"
	while alive "$pid" && [ $n -lt 100 ]; do sleep 0.02; n=$((n + 1)); done
	echo $((($(date +%s%N) - t0) / 1000000)) >"$TMP/ms.$name"
	alive "$pid" && kill -KILL "$pid"
	wait "$pid"
	echo $? >"$TMP/rc.$name"
}
PS=$(peers_evil_port silent)
interrupt int-json 1 "127.0.0.1:$PS" "127.0.0.1:$PD" --timeout 20s --format json
interrupt int-text 1 "127.0.0.1:$PS" "127.0.0.1:$PD" --timeout 20s
for n in int-json int-text; do
	expect "Ctrl-C ($n): exits $(cat "$TMP/ms.$n") ms after SIGINT (< 2 s), exit 3" \
		bash -c '[ "$1" -lt 2000 ] && [ "$2" = 3 ]' _ "$(cat "$TMP/ms.$n")" "$(cat "$TMP/rc.$n")"
done
cat >"$TMP/int.py" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
ps, pd, fps = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4].split()
t = {x["port"]: x for x in r["targets"]}
s, d = t[ps], t[pd]
checks = [
    (r["interrupted"] is True and r["exit_code"] == 3, "the report says interrupted, exit_code 3"),
    (s["status"] == "not scanned" and s["phase"] == "interrupted" and "interrupted" in s["error"] and s["banner"] is None,
     "silent: not scanned, phase interrupted"),
    (d["status"] == "scanned" and d["phase"] == "done" and all(k["verified"] and k["fingerprint"] in fps for k in d["host_keys"]) and d["host_keys"],
     "default (finished before the signal): scanned, key verified"),
    (any(f["id"] == "scan.no-answer" and f["target"] == s["target"] for f in r["findings"]) and
     any(f["target"] == d["target"] for f in r["findings"]), "findings of both targets are reported"),
]
for ok, desc in checks:
    print(("PASS" if ok else "FAIL") + "\tCtrl-C (json): " + desc)
PY
while IFS=$'\t' read -r res desc; do
	expect "$desc" test "$res" = PASS
done < <(python3 "$TMP/int.py" "$TMP/out.int-json" "$PS" "$PD" "$FP_DEFAULT" 2>&1 || echo "FAIL	Ctrl-C (json): the report reads")
expect "Ctrl-C (text): silent is 'not scanned: interrupted'" grep -q "^  not scanned: interrupted: interrupted" "$TMP/out.int-text"
expect "Ctrl-C (text): default's key is verified" grep -q "verified (ssh-ed25519, " "$TMP/out.int-text"
expect "Ctrl-C (text): the summary says scanned 1 of 2 ... (interrupted)" grep -q "^scanned 1 of 2 targets in .* (interrupted)$" "$TMP/out.int-text"

# Ctrl-C with follow-up probes still queued (-j 1: one connection at a time). early_close_reply
# closes each connection ~1 s after its key exchange message, so at 1.5 s its main
# connection is done, one group probe runs and three wait; default has not started.
# Queued probes must read "not probed (interrupted)", not a 0-bit group (which would be a
# false scan.gex-bad-group).
PR=$(peers_evil_port early_close_reply)
interrupt int-queued 1.5 "127.0.0.1:$PR" "127.0.0.1:$PD" -j 1 --gex --hostkeys --timeout 10s --format json
expect "Ctrl-C with probes queued: exits $(cat "$TMP/ms.int-queued") ms after SIGINT (< 2 s), exit 3" \
	bash -c '[ "$1" -lt 2000 ] && [ "$2" = 3 ]' _ "$(cat "$TMP/ms.int-queued")" "$(cat "$TMP/rc.int-queued")"
expect "Ctrl-C with probes queued: no scan.gex-bad-group, every probe has a result or says interrupted" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
t = {x["port"]: x for x in r["targets"]}
e, d = t[int(sys.argv[2])], t[int(sys.argv[3])]
bad = [f for f in r["findings"] if f["id"] == "scan.gex-bad-group"]
gex_ok = len(e["gex"]) == 4 and all((g["bits"] or 0) > 0 or "interrupted" in (g["error"] or "") or "closed" in (g["error"] or "") for g in e["gex"])
gex_queued = any("not probed (interrupted)" == g["error"] for g in e["gex"])
keys_ok = all(k["type"] or k["error"] for k in e["host_keys"])
d_ok = d["status"] == "not scanned" and d["phase"] == "interrupted" and d["connections"] == 0
if bad or not (gex_ok and gex_queued and keys_ok and d_ok):
    sys.exit("bad=%s gex=%s keys=%s default=%s" % (bad, e["gex"], e["host_keys"], {k: d[k] for k in ("status", "phase", "error")}))
' "$TMP/out.int-queued" "$PR" "$PD"

expect "no sanitizer report on keyward's stderr in any run (ASan/UBSan builds)" \
	bash -c '! cat "$@" | grep -aE "ERROR: (Address|Leak)Sanitizer|runtime error:"' _ "$TMP"/err.*
peers_stop
no_procs() { ! pgrep -f "$1" >/dev/null; }
expect "peers_stop leaves no peer process" no_procs "$PEERS_DIR"
expect "the test took under 60 s ($SECONDS s)" test "$SECONDS" -lt 60
finish
