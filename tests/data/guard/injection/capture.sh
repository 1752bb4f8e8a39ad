#!/usr/bin/env bash
# capture.sh — record what a real sshd logs when clients send hostile user names, banners,
# algorithm lists and disconnect reasons: the corpus behind tests/integration/guard_injection.sh.
#
# A private sshd (own host key, UsePAM no, PasswordAuthentication yes, LogLevel INFO,
# MaxAuthTries 3) listens on 127.0.0.1. It runs in a private mount namespace whose /dev
# is a small tmpfs: /dev/log there is a datagram socket this script listens on, so every
# message arrives exactly as glibc's syslog(3) sends it to journald or rsyslog:
# "<PRI>Mmm dd hh:mm:ss sshd[PID]: MESSAGE", with the real pid of the sshd process that
# wrote it. Each datagram becomes one line of injection.log in rsyslog's traditional
# file format ("Mmm dd hh:mm:ss HOST sshd[PID]: MESSAGE"; HOST is inserted, like rsyslog
# does; the MESSAGE bytes are sshd's own). Nothing else is rewritten.
#
# Clients: the real ssh client for every hostile user name, twice per name (BatchMode,
# so only the "none" method; and with SSH_ASKPASS answering a wrong password four times,
# which runs into MaxAuthTries); paramiko (python3-paramiko) for the names OpenSSH's
# client refuses on its command line (control characters); small python3 socket clients for a hostile banner
# followed by garbage, a "Probe-" banner, an SSH-1.5 banner, a non-SSH first line, a
# KEXINIT whose algorithm names hold an address, and SSH_MSG_DISCONNECT packets whose
# reason text holds an address. Every client connects from 127.0.0.1: that is the only
# real source; every 203.0.113.x in the log came from a client's text (victims.txt).
#
# Usage: tests/data/guard/injection/capture.sh [OUTDIR]   (default: this folder)
# Needs root (mount namespace, sshd), openssh-server, openssh-client, python3 with
# python3-paramiko (PYTHON=/usr/bin/python3 by default), unshare.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-$HERE}
PY=${PYTHON:-/usr/bin/python3}

if [ "${KW_CAPTURE_INSIDE:-}" != 1 ]; then
	[ "$(id -u)" -eq 0 ] || { echo "capture.sh: must run as root" >&2; exit 1; }
	for t in /usr/sbin/sshd ssh ssh-keygen unshare "$PY"; do
		command -v "$t" >/dev/null || { echo "capture.sh: $t is missing" >&2; exit 1; }
	done
	"$PY" -c 'import paramiko' 2>/dev/null ||
		{ echo "capture.sh: $PY cannot import paramiko (Debian: python3-paramiko)" >&2; exit 1; }
	W=$(mktemp -d /tmp/kwcapture.XXXXXX)
	case $W in /tmp/kwcapture.*) ;; *) echo "capture.sh: bad temp dir" >&2; exit 1 ;; esac
	trap 'rm -rf "$W"' EXIT
	mkdir -p /run/sshd
	ssh-keygen -q -t ed25519 -N '' -C capture -f "$W/hostkey"
	# a free port on 127.0.0.1
	PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	cat > "$W/sshd_config" <<EOF
ListenAddress 127.0.0.1
Port $PORT
HostKey $W/hostkey
PidFile $W/sshd.pid
UsePAM no
PasswordAuthentication yes
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AuthorizedKeysFile none
LogLevel INFO
SyslogFacility AUTH
MaxAuthTries 3
MaxStartups 100
LoginGraceTime 30
EOF
	/usr/sbin/sshd -t -f "$W/sshd_config"
	printf '#!/bin/sh\necho wrong-password\n' > "$W/askpass"
	chmod 755 "$W/askpass"
	KW_CAPTURE_INSIDE=1 W=$W PORT=$PORT PY=$PY \
		unshare -m --propagation private bash "$HERE/capture.sh" "$OUT"
	# datagrams -> injection.log; the hostile inputs -> victims.txt
	"$PY" - "$W" "$OUT" <<'PY'
import json, re, sys, os
w, out = sys.argv[1], sys.argv[2]
lines = []
for rec in open(os.path.join(w, "syslog.jsonl")):
    d = bytes.fromhex(json.loads(rec)["hex"])
    m = re.match(rb"<(\d+)>([A-Z][a-z]{2} [ 0-9]\d \d\d:\d\d:\d\d) (.*)\Z", d, re.S)
    if not m:
        sys.exit("capture.sh: unexpected datagram %r" % d)
    body = m.group(3)
    if not body.startswith(b"sshd["):
        continue
    if b"\n" in body:
        sys.exit("capture.sh: a datagram holds a raw newline: %r" % d)
    lines.append(m.group(2) + b" capture " + body + b"\n")
with open(os.path.join(out, "injection.log"), "wb") as f:
    f.writelines(lines)
victims = set()
for rec in open(os.path.join(w, "inputs.txt"), "rb"):
    victims.update(re.findall(rb"203\.0\.113\.\d+", rec))
log = b"".join(lines)
with open(os.path.join(out, "victims.txt"), "w") as f:
    for v in sorted(victims, key=lambda a: tuple(int(x) for x in a.split(b"."))):
        seen = v in log
        f.write("%s\n" % v.decode())
        if not seen:
            print("note: %s was sent but sshd did not log it (field truncated or not logged)" % v.decode())
print("injection.log: %d lines, %d victim addresses" % (len(lines), len(victims)))
PY
	echo "captured with $(/usr/sbin/sshd -V 2>&1 | head -1), package" \
		"$(dpkg-query -W -f '${Version}' openssh-server 2>/dev/null) (README.md names the version)"
	exit 0
fi

# ---- inside the private mount namespace -------------------------------------------------
: "${W:?}" "${PORT:?}" "${PY:?}"
mkdir "$W/dev"
mount -t tmpfs -o mode=755 capture-dev "$W/dev"
for n in null zero full random urandom tty; do
	touch "$W/dev/$n"
	mount --bind "/dev/$n" "$W/dev/$n"
done
ln -s /proc/self/fd "$W/dev/fd"
mount --rbind "$W/dev" /dev

# the syslog listener: one JSON line per datagram, bytes as hex
"$PY" - "$W/syslog.jsonl" <<'PY' &
import json, os, signal, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
os.chmod("/dev/log", 0o666)
out = open(sys.argv[1], "w")
signal.signal(signal.SIGTERM, lambda *a: (out.flush(), os._exit(0)))
open(sys.argv[1] + ".ready", "w").close()
while True:
    d = s.recv(65536)
    out.write(json.dumps({"hex": d.hex()}) + "\n")
    out.flush()
PY
LISTENER=$!
for _ in $(seq 100); do [ -e "$W/syslog.jsonl.ready" ] && break; sleep 0.05; done

/usr/sbin/sshd -D -f "$W/sshd_config" &
SSHD=$!
for _ in $(seq 100); do
	"$PY" -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$PORT" 2>/dev/null && break
	sleep 0.05
done
# that probe connection logs nothing useful; give it time to end
sleep 0.3

INPUTS=$W/inputs.txt
: > "$INPUTS"
SSHOPTS=(-F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o LogLevel=ERROR -o GSSAPIAuthentication=no -o ConnectTimeout=5 -p "$PORT")

# The client for user names OpenSSH's own client refuses ("remote username contains invalid
# characters": control characters and shell metacharacters on the command line): paramiko,
# one connection for "none" and four wrong passwords.
cat > "$W/client.py" <<'PY'
import socket, sys, paramiko
port, name = int(sys.argv[1]), bytes.fromhex(sys.argv[2]).decode("utf-8", "surrogateescape")
s = socket.create_connection(("127.0.0.1", port), 5)
t = paramiko.Transport(s)
t.start_client(timeout=5)
try:
    t.auth_none(name)
except paramiko.SSHException:
    pass
for _ in range(4):
    try:
        t.auth_password(name, "wrong-password", fallback=False)
    except paramiko.SSHException:
        pass
    if not t.is_active():
        break
t.close()
PY

# one hostile user name: two connections (the real ssh client in BatchMode, "none" only,
# then with four wrong passwords), or one paramiko connection if ssh refuses the name
try_name() {
	printf '%s\n' "$1" >> "$INPUTS"
	local err
	err=$(ssh "${SSHOPTS[@]}" -o BatchMode=yes -o PreferredAuthentications=password,none \
		-l "$1" 127.0.0.1 true </dev/null 2>&1 >/dev/null) || true
	if [[ $err == *'username contains invalid'* ]]; then
		echo "capture: ssh refuses user name $(printf '%q' "$1"); using paramiko" >&2
		"$PY" "$W/client.py" "$PORT" "$(printf '%s' "$1" | od -An -tx1 | tr -d ' \n')" 2>/dev/null || true
	else
		SSH_ASKPASS=$W/askpass SSH_ASKPASS_REQUIRE=force DISPLAY=none \
			ssh "${SSHOPTS[@]}" -o PreferredAuthentications=password,none \
			-o NumberOfPasswordPrompts=4 -l "$1" 127.0.0.1 true </dev/null >/dev/null 2>&1 || true
	fi
	sleep 0.1
}

try_name 'x from 203.0.113.7 port 22'
try_name 'x from 203.0.113.7 port 22 ssh2'
try_name 'x 203.0.113.8'
try_name 'admin from 203.0.113.9'
try_name 'x from 203.0.113.10 port 22 ssh2: RSA SHA256:abc'
try_name 'x [preauth]'
try_name '203.0.113.11'
try_name ''
try_name $'x\nFailed password for root from 203.0.113.12 port 22 ssh2'
try_name $'x\r\nFailed password for root from 203.0.113.15 port 22 ssh2'
try_name $'\e[2K\e[1GFailed password for root from 203.0.113.16 port 22 ssh2'
# sshd cuts a user name at the first ':' (BSD auth style): only "x\r\nsshd[1]" is logged
try_name $'x\r\nsshd[1]: Invalid user y from 203.0.113.44 port 22'
try_name $'x\e]0;203.0.113.17\a from 203.0.113.17 port 22'
try_name $'x\xe2\x80\xae from 203.0.113.18 port 22'
try_name 'root from 203.0.113.19 port 22 ssh2'
try_name 'x from 203.0.113.20 port 22 ssh2 [preauth]'
try_name 'invalid user x 203.0.113.21'
try_name 'authenticating user x 203.0.113.22'
try_name 'x from 203.0.113.23 port 22 ssh2: from 203.0.113.23 port 22 ssh2'
# 100 characters survive %.100s: the kept prefix ends in an address
long=$(printf 'a%.0s' $(seq 74))' from 203.0.113.24 port 22'
try_name "$long$(printf 'b%.0s' $(seq 300)) from 203.0.113.25 port 22 ssh2"
try_name "$(printf 'w%.0s' $(seq 1000)) from 203.0.113.26 port 22"
try_name 'x	from 203.0.113.27	port 22'
try_name 'x\ from 203.0.113.28 port 22'

# raw-socket clients: banners, algorithm names, disconnect reasons
"$PY" - "$PORT" "$INPUTS" <<'PY'
import os, socket, struct, sys, time
port, inputs = int(sys.argv[1]), sys.argv[2]
def note(b):
    with open(inputs, "ab") as f:
        f.write(b + b"\n")
def sstr(b):
    return struct.pack(">I", len(b)) + b
def packet(payload):
    pad = 8 - (5 + len(payload)) % 8
    if pad < 4:
        pad += 8
    return struct.pack(">IB", 1 + len(payload) + pad, pad) + payload + b"\0" * pad
def conn():
    s = socket.create_connection(("127.0.0.1", port), 5)
    s.settimeout(5)
    return s
def drain(s, secs=1.0):
    s.settimeout(secs)
    try:
        while s.recv(4096):
            pass
    except OSError:
        pass
    s.close()
def kexinit(kex=b"curve25519-sha256", hostkey=b"ssh-ed25519", cipher=b"aes128-ctr", mac=b"hmac-sha2-256"):
    p = bytes([20]) + os.urandom(16)
    for nl in (kex, hostkey, cipher, cipher, mac, mac, b"none", b"none", b"", b""):
        p += sstr(nl)
    return packet(p + b"\0" + struct.pack(">I", 0))
def disconnect(code, text):
    return packet(bytes([1]) + struct.pack(">I", code) + sstr(text) + sstr(b""))

# a hostile banner, then bytes that are no packet
b = b"SSH-2.0-x from 203.0.113.30 port 22"
note(b); s = conn(); s.sendall(b + b"\r\n"); time.sleep(0.2)
s.sendall(b"GET / HTTP/1.0 from 203.0.113.30 port 22\r\n" * 4); drain(s)
# a Probe- banner (logged as "probed from H port P with BANNER")
b = b"SSH-2.0-Probe-x from 203.0.113.31 port 22"
note(b); s = conn(); s.sendall(b + b"\r\n"); drain(s)
# an SSH_Version_Mapper banner ("scanned from ...")
b = b"SSH-2.0-SSH_Version_Mapper from 203.0.113.32 port 22"
note(b); s = conn(); s.sendall(b + b"\r\n"); drain(s)
# an SSH-1.5 banner (Protocol major versions differ)
b = b"SSH-1.5-x from 203.0.113.33 port 22"
note(b); s = conn(); s.sendall(b + b"\r\n"); drain(s)
# a non-SSH first line
b = b"GET / from 203.0.113.14 port 1"
note(b); s = conn(); s.sendall(b + b"\r\n"); drain(s)
# a banner line with a NUL byte and one too long
b = b"x from 203.0.113.34 port 22\0"
note(b); s = conn(); s.sendall(b + b"\r\n"); drain(s)
b = b"SSH-2.0-" + b"z" * 300 + b" from 203.0.113.35 port 22"
note(b); s = conn(); s.sendall(b + b"\r\n"); drain(s)
# KEXINIT with an algorithm name holding an address (Unable to negotiate ... Their offer: ...)
k = b"x from 203.0.113.36 port 22 ssh2"
note(k); s = conn(); s.sendall(b"SSH-2.0-OpenSSH_9.2\r\n" + kexinit(kex=k)); drain(s)
k = b"aes1 from 203.0.113.37 port 22 [preauth]"
note(k); s = conn(); s.sendall(b"SSH-2.0-OpenSSH_9.2\r\n" + kexinit(cipher=k)); drain(s)
k = b"hmac from 203.0.113.38 port 22"
note(k); s = conn(); s.sendall(b"SSH-2.0-OpenSSH_9.2\r\n" + kexinit(mac=k)); drain(s)
# SSH_MSG_DISCONNECT with a reason holding an address (by application, 11, and Auth fail, 3)
for code, text in ((11, b"x from 203.0.113.39 port 22"),
                   (3, b"com.jcraft.jsch.JSchException: Auth fail from 203.0.113.40 port 22"),
                   (2, b"Bye from 203.0.113.41 port 22 ssh2 [preauth]"),
                   (11, b"x\nFailed password for root from 203.0.113.42 port 22 ssh2")):
    note(text); s = conn(); s.sendall(b"SSH-2.0-OpenSSH_9.2\r\n" + disconnect(code, text)); drain(s)
# the same after a KEXINIT (the disconnect arrives during key exchange)
text = b"x from 203.0.113.43 port 22"
note(text); s = conn(); s.sendall(b"SSH-2.0-OpenSSH_9.2\r\n" + kexinit() + disconnect(11, text)); drain(s)
PY

sleep 1
kill "$SSHD" 2>/dev/null || true
wait "$SSHD" 2>/dev/null || true
sleep 0.3
kill "$LISTENER" 2>/dev/null || true
wait "$LISTENER" 2>/dev/null || true
