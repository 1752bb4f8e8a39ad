#!/usr/bin/env bash
# scan_rdp.sh — `keyward scan --rdp` against a real xrdp (Debian's /usr/sbin/xrdp, run in
# the foreground on free 127.0.0.1 ports with configurations, a certificate and a key made
# here; /etc/xrdp and the system's pid file are not touched: with --nodaemon xrdp writes no
# pid file) and against hostile peers (a small python3 server, one port per scenario):
#  - security_layer=rdp, tls and negotiate in one run with a closed port and every hostile
#    scenario, --timeout 1s: the run ends within the timeout plus a margin, exit 3, results
#    in input order; per xrdp the selected protocol, the verdicts (standard RDP security
#    accepted by rdp and negotiate, refused by tls; NLA never required: xrdp has no
#    CredSSP), TLS and the certificate: SHA-1 and SHA-256 thumbprints equal to
#    `openssl x509 -fingerprint`, subject, validity dates, key size, self-signed; the
#    findings of each (rdp.standard-security, rdp.nla-not-required, rdp.cert-self-signed);
#  - a Windows-like peer (python ssl) that requires NLA: three connections, CredSSP
#    selected, HYBRID_REQUIRED_BY_SERVER to TLS alone and to standard security, no finding
#    but self-signed; its certificate's subject carries ESC and U+202E, which never reach
#    stdout raw (text and JSON);
#  - hostile peers: garbage, a huge TPKT followed by an endless stream, silence, a confirm
#    trickled a byte every 0.3 s (the absolute deadline), a TLS handshake that stalls, TLS
#    answered with garbage: each a plain error for its target, phase and reason right;
#  - --expect-thumbprint: SHA-1 as openssl prints it (colons) and SHA-256 lowercase match
#    (no finding, exit 0 with --fail-on critical); another thumbprint is
#    rdp.thumbprint-mismatch (critical, exit 1 with --fail-on critical); a server without
#    TLS cannot match;
#  - SSH and RDP targets in one run (a real dropbear and xrdp, `rdp://` written as a
#    target): one report, both kinds of findings; SARIF and JUnit carry the RDP findings;
#  - usage: a malformed thumbprint, --expect-thumbprint without an RDP target (exit 2);
#  - no sanitizer report on stderr (the test runs in the ASan/UBSan build too).
# Network traffic only to 127.0.0.1. Every daemon started here is killed by the EXIT trap.
# Args: KEYWARD_BINARY SOURCE_ROOT.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/integration/scanpeers.sh"

XRDP=/usr/sbin/xrdp
D=$TMP/rdp
mkdir -p "$D"
DAEMONS=()
rdp_stop() {
	local p
	for p in "${DAEMONS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${DAEMONS[@]}"; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	DAEMONS=()
}
trap 'rdp_stop; rm -rf "$TMP"' EXIT
peers_init "$TMP/peers" || exit 1
start_all=$SECONDS

free_ports() {
	python3 - "$1" <<'PY'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}

# ---- certificates ----
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$D/key.pem" -out "$D/cert.pem" -days 30 \
	-subj "/CN=keyward-xrdp-test/O=keyward tests" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$D/evil.key" -out "$D/evil.pem" -days 30 -utf8 \
	-subj "/CN=evil"$'\x1b'"[31mred"$'\xe2\x80\xae'"txt" 2>/dev/null
fp() { openssl x509 -in "$1" -noout -fingerprint "-$2" | sed 's/.*=//; s/://g'; }
SHA1=$(fp "$D/cert.pem" sha1)
SHA256=$(fp "$D/cert.pem" sha256)
SHA1_COLONS=$(openssl x509 -in "$D/cert.pem" -noout -fingerprint -sha1 | sed 's/.*=//')
EVIL256=$(fp "$D/evil.pem" sha256)
unix_date() { date -u -d "$(openssl x509 -in "$1" -noout "-$2" | sed 's/.*=//')" +%s; }
NB=$(unix_date "$D/cert.pem" startdate)
NA=$(unix_date "$D/cert.pem" enddate)
expect "the test certificates exist (SHA-1 $SHA1)" test ${#SHA1} -eq 40 -a ${#SHA256} -eq 64 -a ${#EVIL256} -eq 64

# ---- xrdp, one per security layer ----
read -r P_RDP P_TLS P_NEG P_CLOSED <<<"$(free_ports 4)"
xrdp_start() { # MODE PORT
	cat >"$D/xrdp-$1.ini" <<EOF
[Globals]
ini_version=1
fork=false
port=tcp://127.0.0.1:$2
security_layer=$1
crypt_level=high
certificate=$D/cert.pem
key_file=$D/key.pem
ssl_protocols=TLSv1.2, TLSv1.3
[Logging]
LogFile=$D/xrdp-$1.log
LogLevel=INFO
EnableSyslog=false
[Xorg]
name=Xorg
lib=libxup.so
username=ask
password=ask
ip=127.0.0.1
port=-1
code=20
EOF
	"$XRDP" --nodaemon --config "$D/xrdp-$1.ini" </dev/null >"$D/xrdp-$1.out" 2>&1 &
	DAEMONS+=($!)
}
xrdp_start rdp "$P_RDP"
xrdp_start tls "$P_TLS"
xrdp_start negotiate "$P_NEG"

# ---- the hostile and Windows-like peers ----
cat >"$D/peers.py" <<'PY'
# One listening port per scenario on 127.0.0.1; "NAME PORT" lines go to argv[1].
import os, socket, ssl, struct, sys, threading, time

D = os.path.dirname(sys.argv[1])

def neg(kind, value, flags=0):
    return bytes([3, 0, 0, 0x13, 0x0e, 0xd0, 0, 0, 0x12, 0x34, 0]) + struct.pack("<BBHI", kind, flags, 8, value)

def read_request(c):
    b = b""
    while len(b) < 19:
        d = c.recv(19 - len(b))
        if not d:
            break
        b += d
    return struct.unpack("<I", b[15:19])[0] if len(b) == 19 else None

def tls(c, cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    with ctx.wrap_socket(c, server_side=True) as s:
        s.recv(1)

def nla(c):  # Windows with NLA required
    asked = read_request(c)
    if asked is not None and asked & 2:
        c.sendall(neg(2, 2, 0x1f))
        tls(c, D + "/evil.pem", D + "/evil.key")
    else:
        c.sendall(neg(3, 5))

def garbage(c):
    read_request(c)
    c.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")

def huge(c):
    read_request(c)
    c.sendall(bytes([3, 0, 0xff, 0xff]))
    while True:
        c.sendall(b"\0" * 65536)

def silent(c):
    read_request(c)
    time.sleep(30)

def trickle(c):
    read_request(c)
    for b in neg(2, 1):
        c.sendall(bytes([b]))
        time.sleep(0.3)

def tls_stall(c):
    read_request(c)
    c.sendall(neg(2, 1))
    time.sleep(30)

def tls_garbage(c):
    read_request(c)
    c.sendall(neg(2, 1))
    c.recv(4096)
    c.sendall(b"\x15\x03\x03\x00\x02\x02\x28" + b"\xff" * 64)

SCEN = dict(nla=nla, garbage=garbage, huge=huge, silent=silent, trickle=trickle,
            tls_stall=tls_stall, tls_garbage=tls_garbage)

def handle(fn, c):
    try:
        fn(c)
    except Exception:
        pass
    finally:
        c.close()

def serve(fn, ls):
    while True:
        c, _ = ls.accept()
        threading.Thread(target=handle, args=(fn, c), daemon=True).start()

lines = []
for name, fn in SCEN.items():
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(16)
    lines.append("%s %d" % (name, ls.getsockname()[1]))
    threading.Thread(target=serve, args=(fn, ls), daemon=True).start()
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write("\n".join(lines) + "\n")
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    time.sleep(60)
PY
python3 "$D/peers.py" "$D/ports" </dev/null >"$D/peers.out" 2>&1 &
DAEMONS+=($!)
hport() { awk -v n="$1" '$1 == n {print $2}' "$D/ports"; }

peers_start dropbear || { echo "not ok - dropbear starts"; exit 1; }
ok=1
for p in "$P_RDP" "$P_TLS" "$P_NEG"; do wait_for 5 peers_accepts "$p" || ok=0; done
wait_for 5 test -s "$D/ports" || ok=0
expect "xrdp (rdp, tls, negotiate), the python peers and dropbear accept within 5 s ($((SECONDS - start_all)) s)" test $ok = 1
if [ $ok = 0 ]; then
	cat "$D"/*.out "$D"/*.log >&2
	finish
	exit 1
fi

# ---- one run over everything ----
HOSTILE=(garbage huge silent trickle tls_stall tls_garbage)
args=(--rdp "127.0.0.1:$P_RDP" --rdp "127.0.0.1:$P_TLS" --rdp "127.0.0.1:$P_NEG" --rdp "127.0.0.1:$P_CLOSED"
	--rdp "127.0.0.1:$(hport nla)")
for h in "${HOSTILE[@]}"; do args+=(--rdp "127.0.0.1:$(hport "$h")"); done
run() { # NAME ARGS...: out.NAME err.NAME rc.NAME ms.NAME
	local n=$1 t0
	shift
	t0=$(date +%s%N)
	timeout 30 "$KW" scan "$@" >"$TMP/out.$n" 2>"$TMP/err.$n"
	echo $? >"$TMP/rc.$n"
	echo $((($(date +%s%N) - t0) / 1000000)) >"$TMP/ms.$n"
}
run json "${args[@]}" --timeout 1s --format json
run text "${args[@]}" --timeout 1s
for f in json text; do
	expect "$f run: exit 3 (targets that could not be probed)" test "$(cat "$TMP/rc.$f")" = 3
	expect "$f run: ended in $(cat "$TMP/ms.$f") ms (< 2.5 s with --timeout 1s)" test "$(cat "$TMP/ms.$f")" -lt 2500
	expect "$f run: stdout and stderr are valid UTF-8 without C0/C1 controls, DEL or bidi overrides" python3 -c '
import re, sys
for p in sys.argv[1:]:
    t = open(p, "rb").read().decode("utf-8")
    m = re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", t)
    if m:
        sys.exit("%s: %r at %d" % (p, m.group(), m.start()))
' "$TMP/out.$f" "$TMP/err.$f"
done
expect "json run: valid JSON" python3 -m json.tool "$TMP/out.json" /dev/null
expect "text run: the hostile subject is shown escaped (libcrypto's \\1B with its backslash doubled, \\u{202e})" \
	grep -qF 'CN=evil\\1B[31mred\u{202e}txt' "$TMP/out.text"

cat >"$TMP/check.py" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
env = dict(a.split("=", 1) for a in sys.argv[2:])
T = {t["port"]: t for t in r["rdp_targets"]}
bad = []
def want(what, cond):
    if not cond:
        bad.append(what)
want("no SSH target", r["targets"] == [])
want("input order", [t["port"] for t in r["rdp_targets"]] == [int(p) for p in env["order"].split()])
F = {}
for f in r["findings"]:
    F.setdefault(f["target"], set()).add(f["id"])
def probe(t, n):
    return [p for p in t["probes"] if p["name"] == n][0]
def cc(t, n):
    c = probe(t, n)["confirm"]
    return c and (c["type"], c["selected"] or c["failure"])
cert_ok = lambda c: (c["sha1"] == env["sha1"] and c["sha256"] == env["sha256"] and
                     c["subject"] == "O=keyward tests,CN=keyward-xrdp-test" and c["issuer"] == c["subject"] and
                     c["self_signed"] and c["key_type"] == "RSA" and c["key_bits"] == 2048 and
                     c["not_before_unix"] == int(env["nb"]) and c["not_after_unix"] == int(env["na"]))
# xrdp security_layer=rdp
t = T[int(env["rdp"])]
want("rdp: probed, 1 connection", t["status"] == "probed" and t["connections"] == 1)
want("rdp: PROTOCOL_RDP selected", cc(t, "negotiate") == ("response", "PROTOCOL_RDP"))
want("rdp: follow-ups not needed", not probe(t, "tls-only")["ran"] and not probe(t, "rdp-only")["ran"])
want("rdp: standard accepted, NLA not required, no TLS",
     t["standard_security"] is True and t["nla_required"] is False and t["tls"] is None)
want("rdp: findings", F.get(t["target"]) == {"rdp.standard-security", "rdp.nla-not-required"})
# xrdp security_layer=tls
t = T[int(env["tls"])]
want("tls: 2 connections, SSL selected", t["connections"] == 2 and cc(t, "negotiate") == ("response", "PROTOCOL_SSL"))
want("tls: EXTENDED_CLIENT_DATA_SUPPORTED", probe(t, "negotiate")["confirm"]["flags"] == ["EXTENDED_CLIENT_DATA_SUPPORTED"])
want("tls: RDP refused with SSL_REQUIRED_BY_SERVER", cc(t, "rdp-only") == ("failure", "SSL_REQUIRED_BY_SERVER"))
want("tls: verdicts", t["standard_security"] is False and t["nla_required"] is False)
want("tls: TLS 1.2 or 1.3", t["tls"]["version"] in ("TLSv1.2", "TLSv1.3") and t["tls"]["error"] is None and t["tls"]["cipher"])
want("tls: the certificate", cert_ok(t["tls"]["certificate"]))
want("tls: findings", F.get(t["target"]) == {"rdp.nla-not-required", "rdp.cert-self-signed"})
# xrdp security_layer=negotiate
t = T[int(env["neg"])]
want("negotiate: SSL, then RDP accepted", cc(t, "negotiate") == ("response", "PROTOCOL_SSL") and
     cc(t, "rdp-only") == ("response", "PROTOCOL_RDP"))
want("negotiate: verdicts", t["standard_security"] is True and t["nla_required"] is False)
want("negotiate: the certificate", cert_ok(t["tls"]["certificate"]))
want("negotiate: findings", F.get(t["target"]) == {"rdp.standard-security", "rdp.nla-not-required", "rdp.cert-self-signed"})
# closed
t = T[int(env["closed"])]
want("closed: failed at connect", t["status"] == "failed" and probe(t, "negotiate")["phase"] == "connect" and
     "refused" in probe(t, "negotiate")["error"] and t["standard_security"] is None and t["nla_required"] is None)
want("closed: rdp.no-answer only", F.get(t["target"]) == {"rdp.no-answer"})
# Windows-like, NLA required
t = T[int(env["nla"])]
want("nla: 3 connections, CredSSP selected", t["connections"] == 3 and cc(t, "negotiate") == ("response", "PROTOCOL_HYBRID"))
want("nla: every flag", len(probe(t, "negotiate")["confirm"]["flags"]) == 5)
want("nla: HYBRID_REQUIRED_BY_SERVER twice", cc(t, "tls-only") == ("failure", "HYBRID_REQUIRED_BY_SERVER") and
     cc(t, "rdp-only") == ("failure", "HYBRID_REQUIRED_BY_SERVER"))
want("nla: verdicts", t["standard_security"] is False and t["nla_required"] is True)
c = t["tls"]["certificate"]
# libcrypto's RFC 2253 escape \1B, then keyward's: the backslash doubled, U+202E shown
want("nla: the hostile subject, escaped in JSON", c["subject"] == "CN=evil\\\\1B[31mred\\u{202e}txt" and c["sha256"] == env["evil256"])
want("nla: only self-signed", F.get(t["target"]) == {"rdp.cert-self-signed"})
# hostile
def failed(n, phase, text, where="negotiate"):
    t = T[int(env[n])]
    if where == "tls":
        e = t["tls"] and t["tls"]["error"]
        ok = t["status"] == "probed" and e and text in e and t["tls"]["certificate"] is None
    else:
        p = probe(t, "negotiate")
        ok = t["status"] == "failed" and p["phase"] == phase and p["error"] and text in p["error"]
    want("%s: %s %s (%s)" % (n, phase, text, json.dumps(t["tls"]["error"] if where == "tls" and t["tls"] else
                                                          probe(t, "negotiate")["error"])), ok)
    want("%s: rdp.no-answer" % n, "rdp.no-answer" in F.get(t["target"], set()))
failed("garbage", "confirm", "not TPKT")
failed("huge", "confirm", "65535")
failed("silent", "confirm", "no answer within 1000 ms (waiting for the connection confirm)")
failed("trickle", "confirm", "no answer within 1000 ms")
failed("tls_stall", "tls", "no answer within 1000 ms (in the TLS handshake)", where="tls")
failed("tls_garbage", "tls", "TLS handshake failed", where="tls")
for b in bad:
    print("FAILED:", b)
sys.exit(1 if bad else 0)
PY
order="$P_RDP $P_TLS $P_NEG $P_CLOSED $(hport nla)"
for h in "${HOSTILE[@]}"; do order="$order $(hport "$h")"; done
penv=(order="$order" rdp="$P_RDP" tls="$P_TLS" neg="$P_NEG" closed="$P_CLOSED" sha1="$SHA1" sha256="$SHA256"
	nb="$NB" na="$NA" evil256="$EVIL256")
for h in nla "${HOSTILE[@]}"; do penv+=("$h=$(hport "$h")"); done
expect "each target's outcome (protocols, verdicts, certificates against openssl, errors, findings)" \
	python3 "$TMP/check.py" "$TMP/out.json" "${penv[@]}"
expect "text run: one block per target in input order" bash -c '
	grep -o "^rdp://127.0.0.1:[0-9]*" "$1" | sed "s/.*://" | tr "\n" " " | sed "s/ $//" >"$1.order"
	[ "$(cat "$1.order")" = "$2" ]' _ "$TMP/out.text" "$order"
expect "text run: the thumbprints as openssl prints them, and the summary line" bash -c '
	grep -q "SHA-1   $2" "$1" && grep -q "SHA-256 $3" "$1" && grep -q "^probed 6 of 11 RDP targets in" "$1"' \
	_ "$TMP/out.text" "$SHA1" "$SHA256"

# ---- --expect-thumbprint ----
run match --rdp "127.0.0.1:$P_TLS" --expect-thumbprint "$SHA1_COLONS" --expect-thumbprint "${SHA256,,}" \
	--fail-on critical --format json -q
expect "a matching thumbprint (SHA-1 with colons, SHA-256 lowercase): exit 0" test "$(cat "$TMP/rc.match")" = 0
expect "a matching thumbprint: no mismatch, and self-signed is not reported once pinned" \
	python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); ids={f["id"] for f in r["findings"]}; sys.exit(ids != {"rdp.nla-not-required"})' "$TMP/out.match"
run match256 --rdp "127.0.0.1:$P_NEG" --expect-thumbprint "$SHA256" --fail-on critical -q
expect "SHA-256 alone matches too: exit 0" test "$(cat "$TMP/rc.match256")" = 0
run miss --rdp "127.0.0.1:$P_TLS" --expect-thumbprint "${SHA1:1}0" --fail-on critical --format json -q
expect "another thumbprint: exit 1 with --fail-on critical" test "$(cat "$TMP/rc.miss")" = 1
expect "another thumbprint: rdp.thumbprint-mismatch, critical, naming what the server showed" \
	python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); m=[f for f in r["findings"] if f["id"]=="rdp.thumbprint-mismatch"]; sys.exit(not (len(m)==1 and m[0]["severity"]=="critical" and sys.argv[2] in m[0]["evidence"]))' \
	"$TMP/out.miss" "$SHA1"
run notls --rdp "127.0.0.1:$P_RDP" --expect-thumbprint "$SHA1" --format json -q
expect "a server without TLS cannot match: rdp.thumbprint-mismatch (it does not offer TLS)" \
	python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(not any(f["id"]=="rdp.thumbprint-mismatch" and "does not offer TLS" in f["evidence"] for f in r["findings"]))' "$TMP/out.notls"

# ---- SSH and RDP in one run, shared formats ----
PB=$(peers_port dropbear)
run mixed "rdp://127.0.0.1:$P_NEG" "127.0.0.1:$PB" --format json --report "sarif=$TMP/mixed.sarif" \
	--report "junit=$TMP/mixed.xml" --fail-on high -q
expect "SSH and RDP in one run: exit 1 (rdp.standard-security is high)" test "$(cat "$TMP/rc.mixed")" = 1
if [ "$(cat "$TMP/rc.mixed")" != 1 ]; then # say why (a slow machine: which target, what status)
	echo "# mixed run: exit $(cat "$TMP/rc.mixed") after $(cat "$TMP/ms.mixed") ms; stderr:"
	sed 's/^/#   /' "$TMP/err.mixed" | head -20
	python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print("#   statuses:", [t.get("status") for t in r.get("targets", [])], [t.get("status") for t in r.get("rdp_targets", [])], [t.get("error") for t in r.get("targets", []) + r.get("rdp_targets", [])])' "$TMP/out.mixed" 2>&1 | head -5
fi
expect "one report: the SSH target scanned, the RDP target probed, findings of both" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
ids = {f["id"].split(".")[0] for f in r["findings"]}
ok = (len(r["targets"]) == 1 and r["targets"][0]["status"] == "scanned" and len(r["rdp_targets"]) == 1
      and r["rdp_targets"][0]["status"] == "probed" and ids == {"scan", "rdp"}
      and any(f["target"] == "rdp://127.0.0.1:" + sys.argv[2] for f in r["findings"]))
sys.exit(not ok)' "$TMP/out.mixed" "$P_NEG"
expect "SARIF: the rdp.* rules and a result for rdp.standard-security" python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
run = s["runs"][0]
rules = {r["id"] for r in run["tool"]["driver"]["rules"]}
sys.exit(not ("rdp.thumbprint-mismatch" in rules and any(x["ruleId"] == "rdp.standard-security" for x in run["results"])))' "$TMP/mixed.sarif"
expect "JUnit: a suite for the RDP target with the failing check" bash -c '
	grep -q "<testsuite name=\"keyward scan rdp://127.0.0.1:$2\"" "$1" && grep -q "name=\"rdp.standard-security\"" "$1"' \
	_ "$TMP/mixed.xml" "$P_NEG"

# ---- usage ----
run badfp --rdp "127.0.0.1:$P_TLS" --expect-thumbprint "SHA256:abc"
expect "a malformed thumbprint: exit 2 with a message" bash -c '[ "$(cat "$1")" = 2 ] && grep -q "expect-thumbprint takes" "$2"' \
	_ "$TMP/rc.badfp" "$TMP/err.badfp"
run nordp "127.0.0.1:$PB" --expect-thumbprint "$SHA1"
expect "--expect-thumbprint without an RDP target: exit 2" bash -c '[ "$(cat "$1")" = 2 ] && grep -q "goes with --rdp" "$2"' \
	_ "$TMP/rc.nordp" "$TMP/err.nordp"

expect "no sanitizer report on keyward's stderr in any run (ASan/UBSan builds)" \
	bash -c '! grep -lE "ERROR: (Address|Leak)Sanitizer|runtime error:" "$@"' _ "$TMP"/err.*
rdp_stop
expect "every daemon started here is gone" bash -c '! pgrep -f -- "--config $1/xrdp-" >/dev/null' _ "$D"
echo "# $((SECONDS - start_all)) s in all"
finish
