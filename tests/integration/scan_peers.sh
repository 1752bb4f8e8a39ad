#!/usr/bin/env bash
# scan_peers.sh — the scanner's test peers (scanpeers.sh, evil_sshd.py) checked against the
# tools that exist today, before any scanner test relies on them:
#  - every sshd profile, dropbear and tinysshd start on 127.0.0.1 only, each sshd config
#    means what its profile says (`sshd -T`), and `ssh-keyscan | ssh-keygen -lf -` sees
#    exactly the host keys peers_keys names;
#  - ssh-audit sees CBC and hmac-sha1 on legacy and neither on hardened, 2048-bit groups on
#    gex-weak, no Debian banner comment on hardened;
#  - the evil server: every scenario of --list has a port that accepts, each sends the
#    bytes its description promises (a Python client reads them), ssh-keyscan takes the
#    host key of ok, ignore_then_kexinit and bad_signature (it never verifies the
#    signature: that is the point of bad_signature) while `ssh` rejects bad_signature and
#    gex_huge; the per-connection lifetime and byte budget and the global lifetime hold;
#  - a 20-sshd farm (+ dropbear + tinysshd) starts, a pipeline around peers_start gets
#    EOF, and peers_stop leaves no process behind (connection children included).
# Args: KEYWARD_BINARY SOURCE_ROOT (the binary is not used yet).
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/integration/scanpeers.sh"
peers_init "$TMP/peers" || exit 1

SSHD_PROFILES="default hardened legacy rsa-only terrapin gex-weak"
ALL="$SSHD_PROFILES dropbear tinysshd"

start=$SECONDS
expect "every peer starts (sshd -t first, bounded wait)" peers_start $ALL evil
expect "the peers started within 30 s" test $((SECONDS - start)) -lt 30

# ---- the peers themselves ----
listening_only_loopback() {
	local out
	out=$(ss -Hltn "sport = :$1") || return 1
	[ -n "$out" ] && ! echo "$out" | awk '{print $4}' | grep -vq "^127\.0\.0\.1:$1\$"
}
for n in $ALL; do
	expect "$n: has a port and a live PID" sh -c 'kill -0 "$1" && [ "$2" -gt 0 ]' _ "$(peers_pid $n)" "$(peers_port $n)"
	expect "$n: listens on 127.0.0.1 only" listening_only_loopback "$(peers_port $n)"
	expect "$n: accepts TCP connections" peers_accepts "$(peers_port $n)"
done

sshd_T() { /usr/sbin/sshd -T -f "$(peers_dir "$1")/config" 2>/dev/null | awk -v k="$2" '$1 == k { print $2 }'; }
has() { case ",$1," in *",$2,"*) return 0 ;; esac; return 1; }
only() { # only LIST PATTERN: every element of the comma list matches the ERE
	! echo "$1" | tr ',' '\n' | grep -qvE "$2"
}
expect "hardened: kex is sntrup761/curve25519 only" only "$(sshd_T hardened kexalgorithms)" '^(sntrup761x25519-sha512(@openssh.com)?|curve25519-sha256(@libssh.org)?)$'
expect "hardened: ciphers are chacha20/aes-gcm/aes-ctr only" only "$(sshd_T hardened ciphers)" '^(chacha20-poly1305@openssh.com|aes(128|256)-gcm@openssh.com|aes(128|192|256)-ctr)$'
expect "hardened: MACs are etm only" only "$(sshd_T hardened macs)" '-etm@openssh.com$'
expect "hardened: DebianBanner no (sshd -T does not print it; ssh-audit checks the banner below)" grep -qx "DebianBanner no" "$(peers_dir hardened)/config"
expect "legacy: group1, group14-sha1 and gex-sha1 kex" sh -c 'for a in diffie-hellman-group1-sha1 diffie-hellman-group14-sha1 diffie-hellman-group-exchange-sha1; do case ",$1," in *",$a,"*) ;; *) exit 1;; esac; done' _ "$(sshd_T legacy kexalgorithms)"
expect "legacy: CBC ciphers" has "$(sshd_T legacy ciphers)" aes128-cbc
expect "legacy: hmac-sha1 and hmac-md5" sh -c 'case ",$1," in *,hmac-sha1,*hmac-md5,*) ;; *) exit 1;; esac' _ "$(sshd_T legacy macs)"
expect "legacy: ssh-rsa and ssh-dss host key algorithms" sh -c 'case ",$1," in *,ssh-rsa,*) ;; *) exit 1;; esac; case ",$1," in *,ssh-dss,*) ;; *) exit 1;; esac' _ "$(sshd_T legacy hostkeyalgorithms)"
expect "terrapin: chacha20-poly1305 and CBC, etm MACs only" sh -c 'case "$1" in chacha20-poly1305@openssh.com,aes128-cbc,aes256-cbc) ;; *) exit 1;; esac' _ "$(sshd_T terrapin ciphers)"
expect "terrapin: etm MACs only" only "$(sshd_T terrapin macs)" '-etm@openssh.com$'
expect "gex-weak: group exchange only" only "$(sshd_T gex-weak kexalgorithms)" '^diffie-hellman-group-exchange-sha(1|256)$'
expect "gex-weak: its moduli file holds only 1536/2048-bit groups" \
	sh -c 'f=$1; [ -s "$f" ] && awk "!/^#/ && \$5 != 1535 && \$5 != 2047 { bad = 1 } END { exit bad }" "$f"' _ "$(sshd_T gex-weak modulifile)"
expect "every sshd: LoginGraceTime 5 and MaxStartups 100:30:200" sh -c '
	for n in '"$SSHD_PROFILES"'; do
		c=$(/usr/sbin/sshd -T -f "$1/$n/config")
		echo "$c" | grep -qx "logingracetime 5" && echo "$c" | grep -qx "maxstartups 100:30:200" || exit 1
	done' _ "$PEERS_DIR"
expect "PerSourcePenalties only where sshd knows it" sh -c '
	if /usr/sbin/sshd -T -f "$1/default/config" | grep -q "^persourcepenalties "; then
		grep -q "^PerSourcePenalties no" "$1/default/config"
	else ! grep -q PerSourcePenalties "$1/default/config"; fi' _ "$PEERS_DIR"

# ---- host keys: what ssh-keyscan sees is what peers_keys names ----
# "bits fingerprint (TYPE)" lines, sorted
fp_scan() { ssh-keyscan -T 5 -p "$1" -t ed25519,rsa,ecdsa,dsa 127.0.0.1 2>/dev/null | ssh-keygen -lf - | awk '{print $1, $2, $NF}' | sort; }
fp_files() { local k; for k in $(peers_keys "$1"); do ssh-keygen -lf "$k"; done | awk '{print $1, $2, $NF}' | sort; }
for n in $ALL; do
	fp_scan "$(peers_port $n)" >"$TMP/fp-scan-$n"
	fp_files "$n" >"$TMP/fp-files-$n"
	expect "$n: ssh-keyscan fingerprints equal peers_keys ($(wc -l <"$TMP/fp-files-$n") keys)" \
		sh -c '[ -s "$1" ] && diff -u "$1" "$2"' _ "$TMP/fp-files-$n" "$TMP/fp-scan-$n"
done
expect "default: ed25519, ecdsa-256 and rsa-3072" test "$(awk '{print $1 $3}' "$TMP/fp-files-default" | sort | tr '\n' ' ')" = "256(ECDSA) 256(ED25519) 3072(RSA) "
expect "hardened: ed25519 and rsa-4096" test "$(awk '{print $1 $3}' "$TMP/fp-files-hardened" | sort | tr '\n' ' ')" = "256(ED25519) 4096(RSA) "
expect "legacy: rsa-2048 and dsa" test "$(awk '{print $1 $3}' "$TMP/fp-files-legacy" | sort | tr '\n' ' ')" = "1024(DSA) 2048(RSA) "
expect "rsa-only: one RSA key and nothing for ed25519" sh -c '[ "$(wc -l <"$1")" = 1 ] && grep -q "(RSA)" "$1" && [ -z "$(ssh-keyscan -T 5 -p "$2" -t ed25519 127.0.0.1 2>/dev/null)" ]' _ "$TMP/fp-files-rsa-only" "$(peers_port rsa-only)"

# ---- ssh-audit's view ----
audit() { timeout 60 ssh-audit -j -p "$(peers_port "$1")" 127.0.0.1 >"$TMP/audit-$1.json" 2>/dev/null; [ -s "$TMP/audit-$1.json" ]; }
alist() { python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
v = r[sys.argv[2]]
print(",".join(x if isinstance(x, str) else x["algorithm"] + (":%d" % x["keysize"] if "keysize" in x else "") for x in v))' "$TMP/audit-$1.json" "$2"; }
for n in legacy hardened gex-weak dropbear tinysshd; do
	expect "ssh-audit -j reads $n" audit "$n"
done
expect "ssh-audit: legacy offers aes128-cbc" has "$(alist legacy enc)" aes128-cbc
expect "ssh-audit: legacy offers hmac-sha1" has "$(alist legacy mac)" hmac-sha1
expect "ssh-audit: legacy offers group1-sha1 and ssh-dss" sh -c 'case ",$1,$2," in *,diffie-hellman-group1-sha1,*ssh-dss,*) ;; *) exit 1;; esac' _ "$(alist legacy kex)" "$(alist legacy key)"
lacks() { ! has "$@"; }
expect "ssh-audit: hardened offers no aes128-cbc" lacks "$(alist hardened enc)" aes128-cbc
expect "ssh-audit: hardened offers no hmac-sha1" lacks "$(alist hardened mac)" hmac-sha1
expect "ssh-audit: hardened offers no hmac-sha1, no CBC, no SHA-1 at all" sh -c '! echo "$1 $2 $3" | grep -qE "cbc|sha1|md5"' _ "$(alist hardened enc)" "$(alist hardened mac)" "$(alist hardened kex)"
expect "ssh-audit: hardened's RSA key is 4096 bits" has "$(alist hardened key)" rsa-sha2-512:4096
expect "ssh-audit: gex-weak's groups are 2048 bits" sh -c 'case "$1" in diffie-hellman-group-exchange-sha256:2048,*) ;; *) exit 1;; esac' _ "$(alist gex-weak kex)"
expect "ssh-audit: hardened's banner has no Debian comment" test "$(jget "$TMP/audit-hardened.json" 'r["banner"]["raw"]')" = "SSH-2.0-OpenSSH_9.2p1"
expect "ssh-audit: dropbear is dropbear" sh -c 'grep -qi "dropbear" "$1"' _ "$TMP/audit-dropbear.json"
expect "ssh-audit: tinysshd is tinyssh" sh -c 'grep -qi "tinyssh" "$1"' _ "$TMP/audit-tinysshd.json"

# ---- the evil server ----
EVIL=$SRC/tests/integration/evil_sshd.py
python3 "$EVIL" --list >"$TMP/scenarios"
expect "evil --list names the scenarios" test "$(wc -l <"$TMP/scenarios")" -ge 21
expect "evil: every scenario of --list has a port" diff <(awk '{print $1}' "$PEERS_DIR/evil/ports") "$TMP/scenarios"
expect "evil: its pid file names a live process" kill -0 "$(cat "$PEERS_DIR/evil/pid")"
evil_port_ok() { [ -n "$1" ] && listening_only_loopback "$1" && peers_accepts "$1"; }
while read -r s; do
	p=$(peers_evil_port "$s")
	expect "evil $s: port $p accepts, on 127.0.0.1 only" evil_port_ok "$p"
done <"$TMP/scenarios"

# the bytes of each scenario, read by a small client (one thread per scenario, 8 s each)
python3 - "$PEERS_DIR/evil/ports" >"$TMP/evil-bytes" 2>&1 <<'PY'
import os, socket, struct, sys, threading, time

ports = dict(l.split() for l in open(sys.argv[1]))
u32 = lambda v: struct.pack(">I", v)
string = lambda b: u32(len(b)) + b
def packet(payload):
    pad = 8 - (5 + len(payload)) % 8
    pad += 8 if pad < 4 else 0
    return u32(1 + len(payload) + pad) + bytes([pad]) + payload + bytes(pad)
def kexinit(kex):
    nl = lambda s: string(s.encode())
    return bytes([20]) + os.urandom(16) + nl(kex) + nl("ssh-ed25519") + nl("aes128-ctr") * 2 + \
        nl("hmac-sha2-256") * 2 + nl("none") * 2 + nl("") * 2 + b"\0" + u32(0)

class C:
    def __init__(self, name):
        self.s = socket.create_connection(("127.0.0.1", int(ports[name])), timeout=8)
        self.buf = b""
        self.eof = False
    def fill(self, n, timeout=8.0):
        self.s.settimeout(timeout)
        while len(self.buf) < n and not self.eof:
            try:
                b = self.s.recv(65536)
            except socket.timeout:
                return False
            except ConnectionResetError:
                self.eof = True
                break
            if not b:
                self.eof = True
            self.buf += b
        return len(self.buf) >= n
    def take(self, n):
        if not self.fill(n):
            raise AssertionError("short read: wanted %d, have %d" % (n, len(self.buf)))
        v, self.buf = self.buf[:n], self.buf[n:]
        return v
    def line(self, limit=20000):
        while b"\n" not in self.buf:
            if len(self.buf) > limit or not self.fill(len(self.buf) + 1):
                raise AssertionError("no line")
        i = self.buf.index(b"\n")
        v, self.buf = self.buf[:i + 1], self.buf[i + 1:]
        return v
    def quiet(self, secs):
        """True if nothing more arrives for secs (EOF counts as nothing)."""
        self.fill(len(self.buf) + 1, timeout=secs)
        return not self.buf
    def header(self):
        n = struct.unpack(">I", self.take(4))[0]
        return n
    def packet(self):
        n = self.header()
        assert 12 <= n <= 35000 and (n + 4) % 8 == 0, "framing %d" % n
        body = self.take(n)
        pad = body[0]
        assert 4 <= pad < n - 1, "padding %d of %d" % (pad, n)
        return body[1:n - pad]
    def send(self, b):
        self.s.sendall(b)

IDENT = b"SSH-2.0-EvilSSH_1.0\r\n"
def ident(c):
    l = c.line()
    assert l == IDENT, "ident %r" % l[:60]

def t_ok(c):
    ident(c); assert c.packet()[0] == 20
def t_silent(c):
    assert c.quiet(0.5), "sent bytes"
def t_bigpkt(c):
    ident(c); assert c.header() == 0x7FFFFFFC; assert c.take(65536) == bytes(65536)
def t_endless_banner(c):
    for _ in range(300):
        l = c.line(); assert not l.startswith(b"SSH-") and l.endswith(b"\r\n")
def t_long_ident(c):
    assert c.take(10008) == b"SSH-2.0-" + b"A" * 10000; assert c.quiet(0.3)
def t_slow_drip(c):
    t0 = time.monotonic(); assert c.take(3) == b"SSH"
    assert time.monotonic() - t0 >= 0.9, "not slow"
def t_no_kexinit(c):
    ident(c); assert c.quiet(0.5)
def t_namelist_1mb(c):
    ident(c); n = c.header()
    assert 900000 < n < 2000000 and (n + 4) % 8 == 0
    body = c.take(n); assert body[1] == 20
    assert struct.unpack(">I", body[18:22])[0] > 900000
def t_namelist_len(c):
    ident(c); p = c.packet(); assert p[0] == 20
    assert struct.unpack(">I", p[17:21])[0] > len(p) - 21
def t_bad_utf8(c):
    ident(c); p = c.packet(); assert p[0] == 20
    n = struct.unpack(">I", p[17:21])[0]; kex = p[21:21 + n]
    assert b"\x1b" in kex and b" " in kex
    try:
        kex.decode("utf-8"); raise AssertionError("valid UTF-8")
    except UnicodeDecodeError:
        pass
def t_bad_padding(c):
    ident(c); n = c.header(); body = c.take(n)
    assert (n + 4) % 8 == 0 and body[0] >= n
def t_not_mult8(c):
    ident(c); n = c.header(); body = c.take(n)
    assert (n + 4) % 8 != 0 and body[0] >= 4 and body[1] == 20
def t_ignore_flood(c):
    ident(c)
    for _ in range(1000):
        assert c.packet()[0] == 2
def t_ignore_then_kexinit(c):
    ident(c); assert [c.packet()[0] for _ in range(5)] == [2, 2, 2, 4, 20]
def t_escape_banner(c):
    pre = c.line(); assert b"\x1b]0;" in pre and not pre.startswith(b"SSH-")
    while True:
        l = c.line()
        if l.startswith(b"SSH-"):
            break
    assert l.startswith(b"SSH-2.0-") and b"\x1b[" in l and len(l) <= 255
    p = c.packet(); assert p[0] == 1 and b"\x1b]0;" in p
def t_early_close_ident(c):
    assert not c.fill(1, 3) and c.eof and not c.buf
def t_early_close_kexinit(c):
    ident(c); n = c.header(); c.fill(n, 3)
    assert c.eof and 0 < len(c.buf) < n
def t_early_close_reply(c):
    ident(c); assert c.packet()[0] == 20
    c.send(b"SSH-2.0-check\r\n" + packet(kexinit("curve25519-sha256")) + packet(bytes([30]) + string(os.urandom(32))))
    assert not c.fill(1, 5) and c.eof, "no close"
def t_ssh1(c):
    assert c.line().startswith(b"SSH-1.5-")
def t_bad_hostkey_type(c):
    ident(c); assert c.packet()[0] == 20
    c.send(b"SSH-2.0-check\r\n" + packet(kexinit("curve25519-sha256")) + packet(bytes([30]) + string(os.urandom(32))))
    p = c.packet(); assert p[0] == 31
    ks_len = struct.unpack(">I", p[1:5])[0]; ks = p[5:5 + ks_len]
    assert ks[:15] == string(b"ssh-ed25519") and struct.unpack(">I", ks[15:19])[0] == 32 and len(ks) - 19 < 32
def t_gex_huge(c):
    ident(c); assert c.packet()[0] == 20
    c.send(b"SSH-2.0-check\r\n" + packet(kexinit("diffie-hellman-group-exchange-sha256")) +
           packet(bytes([34]) + u32(2048) + u32(3072) + u32(8192)))
    p = c.packet(); assert p[0] == 31
    n = struct.unpack(">I", p[1:5])[0]; pb = p[5:5 + n]
    v = int.from_bytes(pb, "big"); assert v.bit_length() == 16384 and v % 3 == 0
def t_bad_signature(c):
    ident(c); assert c.packet()[0] == 20

results = {}
def run(name):
    try:
        c = C(name)
        globals()["t_" + name](c)
        results[name] = "ok"
    except Exception as e:
        results[name] = "FAIL %r" % (e,)
threads = [threading.Thread(target=run, args=(n,)) for n in ports]
for t in threads: t.start()
for t in threads: t.join(20)
for n in ports:
    print(n, results.get(n, "FAIL hung"))
PY
while read -r s; do
	expect "evil $s: sends what it promises" grep -qx "$s ok" "$TMP/evil-bytes"
done <"$TMP/scenarios"
grep -v ' ok$' "$TMP/evil-bytes" >&2

# ssh-keyscan never verifies the signature: it prints the key of bad_signature
fp_evil=$(ssh-keygen -lf "$PEERS_DIR/evil/ssh_host_ed25519_key.pub" | awk '{print $2}')
for s in ok ignore_then_kexinit bad_signature; do
	expect "evil $s: ssh-keyscan -t ed25519 prints the evil host key" \
		sh -c 'ssh-keyscan -T 5 -p "$1" -t ed25519 127.0.0.1 2>/dev/null | ssh-keygen -lf - | grep -q " $2 "' _ "$(peers_evil_port $s)" "$fp_evil"
done
expect "evil bad_hostkey_type: ssh-keyscan gets no key" sh -c '[ -z "$(ssh-keyscan -T 5 -p "$1" -t ed25519 127.0.0.1 2>/dev/null | grep -v "^#")" ]' _ "$(peers_evil_port bad_hostkey_type)"
expect "evil escape_banner: the ESC bytes reach the client raw (ssh-keyscan prints them)" \
	sh -c 'ssh-keyscan -T 5 -p "$1" -t ed25519 127.0.0.1 2>&1 | grep -q "$(printf "\033")"' _ "$(peers_evil_port escape_banner)"
# a verifying client: ok and ignore_then_kexinit complete the key exchange, bad_signature
# and gex_huge are refused (three in parallel: ok's client waits for a service reply)
sshv() { timeout 4 ssh -v -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	-o KexAlgorithms=curve25519-sha256,diffie-hellman-group-exchange-sha256 -p "$1" check@127.0.0.1 true >"$2" 2>&1; }
pids=()
for s in ok ignore_then_kexinit bad_signature gex_huge; do
	sshv "$(peers_evil_port $s)" "$TMP/ssh-$s" &
	pids+=($!)
done
wait "${pids[@]}" # not a bare wait: the daemons are children of this shell too
expect "evil ok: ssh completes the key exchange (the signature verifies)" grep -q "SSH2_MSG_NEWKEYS received" "$TMP/ssh-ok"
expect "evil ignore_then_kexinit: ssh completes the key exchange" grep -q "SSH2_MSG_NEWKEYS received" "$TMP/ssh-ignore_then_kexinit"
expect "evil bad_signature: ssh refuses it (incorrect signature)" grep -q "incorrect signature" "$TMP/ssh-bad_signature"
expect "evil gex_huge: ssh refuses the 16384-bit group" grep -q "DH GEX group out of range" "$TMP/ssh-gex_huge"

# the bounds: per-connection lifetime and byte budget, global lifetime
E2=$PEERS_DIR/evil2
mkdir -p "$E2"
python3 "$EVIL" --dir "$E2" --lifetime 4 --conn-lifetime 1 --budget 200000 --scenarios silent,bigpkt,ignore_flood \
	</dev/null >"$E2/stdout" 2>"$E2/log" &
echo $! >"$E2/PID" # peers_stop ends it if the checks below do not
expect "evil (bounded): starts" wait_for 5 test -s "$E2/pid"
python3 - "$E2/ports" >"$TMP/evil-bounds" <<'PY'
import socket, sys, time
ports = dict(l.split() for l in open(sys.argv[1]))
for name in ("silent", "bigpkt", "ignore_flood"):
    s = socket.create_connection(("127.0.0.1", int(ports[name])), timeout=10)
    t0, total = time.monotonic(), 0
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            total += len(b)
    except (ConnectionResetError, socket.timeout):
        pass
    print(name, total, "%.1f" % (time.monotonic() - t0))
PY
expect "evil (bounded): silent is closed after its 1 s lifetime" awk '$1 == "silent" { exit !($3 >= 0.8 && $3 < 3) }' "$TMP/evil-bounds"
expect "evil (bounded): bigpkt stops at the 200000-byte budget" awk '$1 == "bigpkt" { exit !($2 > 100000 && $2 <= 200000 && $3 < 3) }' "$TMP/evil-bounds"
expect "evil (bounded): ignore_flood stops at the budget" awk '$1 == "ignore_flood" { exit !($2 > 100000 && $2 <= 200000) }' "$TMP/evil-bounds"
gone() { ! _peers_alive "$1"; } # a child that exited is a zombie until waited for
no_procs() { ! pgrep -f "$1" >/dev/null; }
expect "evil (bounded): exits on its own after its 4 s lifetime" wait_for 8 gone "$(cat "$E2/PID")"
wait "$(cat "$E2/PID")" 2>/dev/null
expect "evil (bounded): removed its pid file at exit" test ! -e "$E2/pid"
rm -f "$E2/PID"

# ---- stopping: connection children too ----
exec 5<>"/dev/tcp/127.0.0.1/$(peers_port default)" # a pre-auth connection: sshd forks a child
head -c 4 <&5 >/dev/null                             # its banner: the child exists now
kids=$(pgrep -P "$(peers_pid default)" | tr '\n' ' ')
expect "a connection to default has a child sshd" test -n "$kids"
peers_stop
exec 5<&-
all_gone() { local k; for k in "$@"; do gone "$k" || return 1; done; }
expect "peers_stop ends the connection children too" all_gone $kids
expect "peers_stop leaves no process of the peers folder" no_procs "$PEERS_DIR"
expect "peers_stop can run twice" peers_stop

# ---- the farm, a pipeline, the final stop ----
start=$SECONDS
expect "peers_farm 20 starts 20 sshd + dropbear + tinysshd" peers_farm 20
expect "the farm started within 15 s (keys shared per profile)" test $((SECONDS - start)) -lt 15
expect "farm.txt and farm_targets.txt list 22 peers" sh -c '[ "$(wc -l <"$1/farm.txt")" = 22 ] && [ "$(wc -l <"$1/farm_targets.txt")" = 22 ]' _ "$PEERS_DIR"
all_accept() { local n p; while read -r n p _; do peers_accepts "$p" || return 1; done <"$1"; }
expect "every farm peer accepts" all_accept "$PEERS_DIR/farm.txt"
expect "the farm cycles through the sshd profiles" test "$(awk '{print $3}' "$PEERS_DIR/farm.txt" | sort -u | wc -l)" = 8
expect "instances of a profile share its host keys" sh -c 'diff "$1/default.0/KEYS" "$1/default.6/KEYS" && [ "$(ssh-keyscan -p "$2" -t ed25519 127.0.0.1 2>/dev/null | ssh-keygen -lf - | cut -d" " -f2)" = "$(ssh-keyscan -p "$3" -t ed25519 127.0.0.1 2>/dev/null | ssh-keygen -lf - | cut -d" " -f2)" ]' \
	_ "$PEERS_DIR" "$(peers_port default.0)" "$(peers_port default.6)"
expect "peers_targets lists 127.0.0.1:PORT" test "$(peers_targets default.0)" = "127.0.0.1:$(peers_port default.0)"
out=$( (peers_start terrapin.pipe >/dev/null 2>&1; echo started) | timeout 20 cat)
expect "a pipeline around peers_start gets EOF (daemons hold none of its pipes)" test "$out" = started
expect "the peer started inside the pipeline runs" peers_accepts "$(peers_port terrapin.pipe)"
peers_stop
expect "the final peers_stop leaves no process" no_procs "$TMP"
expect "the test took under 60 s" test "$SECONDS" -lt 60
finish
