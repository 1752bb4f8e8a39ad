#!/usr/bin/env bash
# scan_software.sh — banner advisories (data/ssh-software.notes) through `keyward scan`:
#  - the real sshd peer (Debian's 9.2p1, a revision with the regreSSHion fix), dropbear
#    and tinysshd on 127.0.0.1: no scan.software-advisory;
#  - a proxy in front of the real sshd that rewrites only the server's identification line
#    (so everything after it is a real sshd's): Debian-2+deb12u2 gives CVE-2024-6387
#    "confirmed" at high severity (exit 1 with --fail-on high), Debian-2+deb12u3 nothing,
#    no comment "possible", OpenBSD's "OpenSSH_9.7" not regreSSHion but CVE-2025-26466,
#    an old dropbear its advisories, a banner with an escape sequence nothing and no raw
#    escape in the report; a profile can turn the check off.
# The rewritten identification is not the one sshd signs over, so those targets also get
# scan.host-key-bad-signature: the signature check does its job; this test looks only at
# the advisories.
# Args: KEYWARD_BINARY SOURCE_ROOT.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/integration/scanpeers.sh"
peers_init "$TMP/peers" || exit 1

expect "the default sshd, dropbear and tinysshd peers start" peers_start default dropbear tinysshd
up=$(peers_port default) || exit 1

scan() {
	rm -f "$TMP/out.json"
	"$KW" scan -q "$@" --format json --output "$TMP/out.json" 2>"$TMP/err"
	echo $? >"$TMP/rc"
}
advisories() { # the evidence of every scan.software-advisory finding of target $1
	python3 - "$TMP/out.json" "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
for f in r["findings"]:
    if f["id"] == "scan.software-advisory" and f["target"] == sys.argv[2]:
        print(f["severity"], f["evidence"])
PY
}

# the real servers
targets=()
for n in default dropbear tinysshd; do targets+=("127.0.0.1:$(peers_port $n)"); done
scan "${targets[@]}"
for t in "${targets[@]}"; do
	expect "real server $t: scanned, no advisory" sh -c '[ -s "$1" ] && [ -z "$2" ]' _ "$TMP/out.json" "$(advisories "$t")"
done
expect "the real sshd's banner names Debian's patch level" \
	test "$(jget "$TMP/out.json" 'r["targets"][0]["banner"]["comments"].split("-")[0]')" = Debian

# the proxy: one port per banner, each connection relayed to the real sshd with the
# first line the server sends replaced
cat >"$TMP/proxy.py" <<'PY'
import socket, sys, threading, time
upstream, out, banners = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
deadline = time.time() + 120
def pipe(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
def relay(c, banner):
    c.settimeout(20)
    u = socket.create_connection(("127.0.0.1", upstream), timeout=20)
    buf = b""
    while b"\n" not in buf:
        d = u.recv(4096)
        if not d:
            c.close(); u.close(); return
        buf += d
    line, rest = buf.split(b"\n", 1)
    c.sendall(banner + b"\r\n" + rest)
    threading.Thread(target=pipe, args=(c, u), daemon=True).start()
    pipe(u, c)
def serve(ls, banner):
    while time.time() < deadline:
        try:
            c, _ = ls.accept()
        except socket.timeout:
            continue
        threading.Thread(target=relay, args=(c, banner), daemon=True).start()
ports = []
for b in banners:
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(64)
    ls.settimeout(1)
    ports.append(ls.getsockname()[1])
    threading.Thread(target=serve, args=(ls, b.encode("latin-1")), daemon=True).start()
with open(out + ".tmp", "w") as f:
    f.write("\n".join(map(str, ports)) + "\n")
import os
os.rename(out + ".tmp", out)
while time.time() < deadline:
    time.sleep(1)
PY
BANNERS=(
	"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u2"
	"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3"
	"SSH-2.0-OpenSSH_9.6p1"
	"SSH-2.0-OpenSSH_9.7"
	"SSH-2.0-dropbear_2016.72"
	$'SSH-2.0-OpenSSH_9.2p1\033[31m Debian-2+deb12u2'
)
python3 "$TMP/proxy.py" "$up" "$TMP/ports" "${BANNERS[@]}" </dev/null >/dev/null 2>"$TMP/proxy.log" &
proxy=$!
trap 'kill $proxy 2>/dev/null; wait $proxy 2>/dev/null; _peers_exit_trap' EXIT
expect "the banner proxy starts" wait_for 10 test -s "$TMP/ports"
mapfile -t P <"$TMP/ports"

scan "127.0.0.1:${P[0]}" --fail-on high
adv=$(advisories "127.0.0.1:${P[0]}")
expect "Debian-2+deb12u2: CVE-2024-6387 confirmed" sh -c 'echo "$1" | grep -q "^high CVE-2024-6387 (regreSSHion.*confirmed: the Debian package revision 2+deb12u2 predates the fix 2+deb12u3"' _ "$adv"
expect "Debian-2+deb12u2: the advisory cites its sources" sh -c 'echo "$1" | grep -qF "https://www.qualys.com/2024/07/01/cve-2024-6387/regresshion.txt"' _ "$adv"
expect "Debian-2+deb12u2: --fail-on high exits 1" test "$(cat "$TMP/rc")" = 1

scan "127.0.0.1:${P[1]}"
expect "Debian-2+deb12u3: fixed, no advisory" sh -c '[ -s "$1" ] && [ -z "$2" ]' _ "$TMP/out.json" "$(advisories "127.0.0.1:${P[1]}")"
expect "Debian-2+deb12u3: the proxy really rewrote the banner" \
	test "$(jget "$TMP/out.json" 'r["targets"][0]["banner"]["comments"]')" = "Debian-2+deb12u3"

scan "127.0.0.1:${P[2]}"
adv=$(advisories "127.0.0.1:${P[2]}")
expect "OpenSSH_9.6p1 without a comment: CVE-2024-6387 possible" sh -c 'echo "$1" | grep -q "^high CVE-2024-6387 .*possible: the banner names no distribution patch level"' _ "$adv"
expect "OpenSSH_9.6p1: CVE-2025-26466 possible (medium)" sh -c 'echo "$1" | grep -q "^medium CVE-2025-26466 .*possible"' _ "$adv"

scan "127.0.0.1:${P[3]}"
adv=$(advisories "127.0.0.1:${P[3]}")
expect "OpenBSD's OpenSSH_9.7: not the portable-only regreSSHion row" sh -c '! echo "$1" | grep -q CVE-2024-6387' _ "$adv"
expect "OpenBSD's OpenSSH_9.7: CVE-2025-26466" sh -c 'echo "$1" | grep -q "CVE-2025-26466"' _ "$adv"

scan "127.0.0.1:${P[4]}"
adv=$(advisories "127.0.0.1:${P[4]}")
expect "dropbear_2016.72: CVE-2016-7406 (high)" sh -c 'echo "$1" | grep -q "^high CVE-2016-7406 "' _ "$adv"
expect "dropbear_2016.72: CVE-2017-9078, CVE-2018-15599 and the old-release note" \
	sh -c 'echo "$1" | grep -q "CVE-2017-9078" && echo "$1" | grep -q "CVE-2018-15599" && echo "$1" | grep -q "^info old-release"' _ "$adv"

scan "127.0.0.1:${P[5]}"
expect "a banner with an escape sequence: no advisory" sh -c '[ -s "$1" ] && [ -z "$2" ]' _ "$TMP/out.json" "$(advisories "127.0.0.1:${P[5]}")"
"$KW" scan -q "127.0.0.1:${P[5]}" >"$TMP/out.txt" 2>&1
expect "a banner with an escape sequence: no raw escape in the text report" sh -c '! grep -q $'"'"'\033'"'"' "$1" && grep -qF "\\x1b" "$1"' _ "$TMP/out.txt"

# a profile turns the check off
printf 'profile no-software\ndisable scan.software-advisory\n' >"$TMP/p.profile"
rm -f "$TMP/out.json"
scan "127.0.0.1:${P[0]}" --profile "$TMP/p.profile"
expect "a profile that disables scan.software-advisory: the scan ran" test "$(jget "$TMP/out.json" 'r["targets"][0]["status"]')" = scanned
expect "a profile that disables scan.software-advisory: none reported" test -z "$(advisories "127.0.0.1:${P[0]}")"

kill "$proxy" 2>/dev/null
wait "$proxy" 2>/dev/null
peers_stop
finish
