#!/usr/bin/env python3
"""evil_sshd.py - a hostile fake SSH server for keyward's scanner tests.

One listening port per scenario, on 127.0.0.1 only. Each scenario is a way a server can
misbehave towards an SSH client before any key is in use (RFC 4253 sections 4.2, 6, 7,
11; RFC 4419; RFC 8731): see SCENARIOS below, or run with --list.

    evil_sshd.py --base-port P --dir D [--lifetime S] [--conn-lifetime S] [--budget BYTES]
    evil_sshd.py --list

--base-port P binds scenario i to port P+i (0: ports chosen by the kernel). Once every
port is bound, D/ports gets "scenario port" lines, D/pid the process id, and
D/ssh_host_ed25519_key.pub the host key used by the scenarios that run a real key
exchange (ok, ignore_then_kexinit, bad_signature).

Bounds: every connection ends after --conn-lifetime seconds (default 20) or after
--budget bytes sent (default 128 MiB), whichever comes first; the client's input is
bounded the same way; at most 256 connections at once (more are closed at accept); the
whole server exits after --lifetime seconds (default 120), on SIGTERM or on SIGINT.

Bytes are real SSH framing (uint32 packet_length, padding_length, payload, 4..255 bytes of
padding, a multiple of 8) except where a scenario breaks one rule on purpose.

The real key exchange (curve25519-sha256 with an ssh-ed25519 host key) needs the
`cryptography` module (Debian: python3-cryptography); without it those scenarios send a
DISCONNECT saying so, and the server says so on stderr. Python standard library otherwise.
"""

import argparse
import asyncio
import hashlib
import os
import signal
import struct
import sys

try:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, x25519
    HAVE_CRYPTO = True
except ImportError:  # pragma: no cover - reported at start
    HAVE_CRYPTO = False

HOST = "127.0.0.1"
MAX_CONNS = 256
CLIENT_PACKET_MAX = 35000
IDENT = b"SSH-2.0-EvilSSH_1.0"

# message numbers (RFC 4250 4.1)
MSG_DISCONNECT, MSG_IGNORE, MSG_DEBUG = 1, 2, 4
MSG_KEXINIT, MSG_NEWKEYS = 20, 21
MSG_KEX_ECDH_INIT, MSG_KEX_ECDH_REPLY = 30, 31
MSG_KEX_DH_GEX_GROUP, MSG_KEX_DH_GEX_INIT, MSG_KEX_DH_GEX_REQUEST = 31, 32, 34

DEFAULT_LISTS = {
    "kex": ["curve25519-sha256", "curve25519-sha256@libssh.org",
            "diffie-hellman-group-exchange-sha256", "diffie-hellman-group14-sha256"],
    "hostkey": ["ssh-ed25519"],
    "enc": ["chacha20-poly1305@openssh.com", "aes128-ctr", "aes256-gcm@openssh.com"],
    "mac": ["hmac-sha2-256-etm@openssh.com", "hmac-sha2-256"],
    "comp": ["none"],
}


# ---- SSH encodings (RFC 4251 section 5) ----

def u32(v):
    return struct.pack(">I", v)


def string(b):
    return u32(len(b)) + b


def namelist(names):
    return string(b",".join(n if isinstance(n, bytes) else n.encode() for n in names))


def mpint_bytes(b):
    """mpint of a big-endian unsigned magnitude."""
    b = b.lstrip(b"\0")
    if b and b[0] & 0x80:
        b = b"\0" + b
    return string(b)


def packet(payload, pad=None):
    """One unencrypted binary packet (RFC 4253 6): padded to a multiple of 8, 4+ bytes."""
    if pad is None:
        pad = 8 - (5 + len(payload)) % 8
        if pad < 4:
            pad += 8
    return u32(1 + len(payload) + pad) + bytes([pad]) + payload + os.urandom(pad)


def kexinit_payload(kex=None, hostkey=None, enc=None, mac=None, comp=None, raw_kex=None):
    """SSH_MSG_KEXINIT: cookie, ten name-lists, first_kex_packet_follows, reserved."""
    kex = kex or DEFAULT_LISTS["kex"]
    hostkey = hostkey or DEFAULT_LISTS["hostkey"]
    enc = enc or DEFAULT_LISTS["enc"]
    mac = mac or DEFAULT_LISTS["mac"]
    comp = comp or DEFAULT_LISTS["comp"]
    body = raw_kex if raw_kex is not None else namelist(kex)
    body += namelist(hostkey) + namelist(enc) * 2 + namelist(mac) * 2 + namelist(comp) * 2
    body += namelist([]) * 2
    return bytes([MSG_KEXINIT]) + os.urandom(16) + body + b"\0" + u32(0)


def ignore_packet(data):
    return packet(bytes([MSG_IGNORE]) + string(data))


def debug_packet(text):
    return packet(bytes([MSG_DEBUG]) + b"\0" + string(text) + string(b""))


def disconnect_packet(reason, text):
    return packet(bytes([MSG_DISCONNECT]) + u32(reason) + string(text) + string(b""))


class Parser:
    """Bounded reads from one payload; raises ValueError past the end."""

    def __init__(self, b):
        self.b, self.off = b, 0

    def take(self, n):
        if n > len(self.b) - self.off:
            raise ValueError("short payload")
        v = self.b[self.off:self.off + n]
        self.off += n
        return v

    def u8(self):
        return self.take(1)[0]

    def u32(self):
        return struct.unpack(">I", self.take(4))[0]

    def string(self):
        return self.take(self.u32())


# ---- one connection ----

class Budget(Exception):
    pass


class Conn:
    def __init__(self, reader, writer, budget):
        self.reader, self.writer = reader, writer
        self.budget = budget
        self.sent = 0
        self.received = 0
        self.client_ident = None

    async def send(self, data):
        if self.sent + len(data) > self.budget:
            data = data[:max(0, self.budget - self.sent)]
            if data:
                self.writer.write(data)
                await self.writer.drain()
            raise Budget()
        self.sent += len(data)
        self.writer.write(data)
        await self.writer.drain()

    def _count(self, n):
        self.received += n
        if self.received > self.budget:
            raise Budget()

    async def read_ident(self):
        """The client's identification line (without CR LF), at most 1024 bytes."""
        line = bytearray()
        while True:
            b = await self.reader.read(1)
            if not b:
                raise EOFError()
            self._count(1)
            if b == b"\n":
                break
            line += b
            if len(line) > 1024:
                raise ValueError("client ident too long")
        self.client_ident = bytes(line).rstrip(b"\r")
        return self.client_ident

    async def read_packet(self):
        """One unencrypted packet from the client: its payload."""
        head = await self.reader.readexactly(4)
        n = struct.unpack(">I", head)[0]
        if n < 5 or n > CLIENT_PACKET_MAX:
            raise ValueError("client packet length %d" % n)
        self._count(4 + n)
        body = await self.reader.readexactly(n)
        pad = body[0]
        if pad >= n:
            raise ValueError("client padding")
        return body[1:n - pad]

    async def read_until(self, types, limit=64):
        """Skip packets until one of the given message types; its payload."""
        for _ in range(limit):
            p = await self.read_packet()
            if p and p[0] in types:
                return p
        raise ValueError("no message of types %s" % sorted(types))

    async def drain_input(self):
        """Read and drop whatever the client sends until it closes (or a bound hits)."""
        while True:
            b = await self.reader.read(65536)
            if not b:
                return
            self._count(len(b))


class HostKey:
    """The ssh-ed25519 host key of this run (RFC 8709)."""

    def __init__(self):
        self.key = ed25519.Ed25519PrivateKey.generate()
        pub = self.key.public_key().public_bytes(serialization.Encoding.Raw,
                                                 serialization.PublicFormat.Raw)
        self.blob = string(b"ssh-ed25519") + string(pub)

    def sign(self, data):
        return string(b"ssh-ed25519") + string(self.key.sign(data))

    def openssh_pub(self):
        import base64
        return "ssh-ed25519 " + base64.b64encode(self.blob).decode() + " evil_sshd\n"


HOSTKEY = None


async def kex_curve25519(conn, server_kexinit, wrong_signature=False):
    """Answer the client's curve25519-sha256 key exchange (RFC 8731) with the ssh-ed25519
    host key: a real X25519 and a real Ed25519 signature, over the exchange hash, or with
    wrong_signature over other data (valid Ed25519, but only a verifying client notices)."""
    client_kexinit = await conn.read_until({MSG_KEXINIT})
    init = await conn.read_until({MSG_KEX_ECDH_INIT})
    q_c = Parser(init[1:]).string()
    if len(q_c) != 32:
        await conn.send(disconnect_packet(3, b"evil_sshd: expected a 32-byte X25519 value"))
        return
    eph = x25519.X25519PrivateKey.generate()
    q_s = eph.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    shared = eph.exchange(x25519.X25519PublicKey.from_public_bytes(q_c))
    h = hashlib.sha256(string(conn.client_ident) + string(IDENT) + string(client_kexinit) +
                       string(server_kexinit) + string(HOSTKEY.blob) + string(q_c) +
                       string(q_s) + mpint_bytes(shared)).digest()
    signed = hashlib.sha256(b"evil_sshd: not the exchange hash" + h).digest() if wrong_signature else h
    reply = bytes([MSG_KEX_ECDH_REPLY]) + string(HOSTKEY.blob) + string(q_s) + string(HOSTKEY.sign(signed))
    await conn.send(packet(reply) + packet(bytes([MSG_NEWKEYS])))
    await conn.drain_input()


CURVE_KEX = ["curve25519-sha256", "curve25519-sha256@libssh.org"]


async def real_kex(conn, prelude=b"", wrong_signature=False):
    kexinit = kexinit_payload(kex=CURVE_KEX, hostkey=["ssh-ed25519"])
    await conn.send(IDENT + b"\r\n" + prelude + packet(kexinit))
    if not HAVE_CRYPTO:
        await conn.send(disconnect_packet(11, b"evil_sshd: python3-cryptography is missing"))
        return
    await conn.read_ident()
    await kex_curve25519(conn, kexinit, wrong_signature)


# ---- scenarios ----

async def s_ok(conn):
    """A well-behaved server: ident, KEXINIT, a real curve25519/ed25519 key exchange."""
    await real_kex(conn)


async def s_silent(conn):
    """Accepts, sends nothing."""
    await conn.drain_input()


async def s_bigpkt(conn):
    """Valid ident, then packet_length 0x7FFFFFFC (passes the multiple-of-8 test) and
    zeros streamed until the budget or the client gives up."""
    await conn.send(IDENT + b"\r\n" + u32(0x7FFFFFFC))
    zeros = bytes(65536)
    while True:
        await conn.send(zeros)


async def s_endless_banner(conn):
    """Endless lines before the ident, none starting with SSH-."""
    i = 0
    while True:
        chunk = b"".join(b"Welcome to the endless banner, line %d\r\n" % (i + k) for k in range(64))
        i += 64
        await conn.send(chunk)


async def s_long_ident(conn):
    """"SSH-2.0-" and 10,000 'A' without a line feed."""
    await conn.send(b"SSH-2.0-" + b"A" * 10000)
    await conn.drain_input()


async def s_slow_drip(conn):
    """A valid ident and KEXINIT, one byte every 0.5 s."""
    data = IDENT + b"\r\n" + packet(kexinit_payload())
    for i in range(len(data)):
        await conn.send(data[i:i + 1])
        await asyncio.sleep(0.5)
    await conn.drain_input()


async def s_no_kexinit(conn):
    """A valid ident, then nothing."""
    await conn.send(IDENT + b"\r\n")
    await conn.drain_input()


async def s_namelist_1mb(conn):
    """A KEXINIT whose kex name-list is about 1 MB: a packet far over 35000 bytes, framed
    correctly."""
    names = [b"evil-kex-%06d@evil.example" % i for i in range(40000)]
    await conn.send(IDENT + b"\r\n" + packet(kexinit_payload(kex=names)))
    await conn.drain_input()


async def s_namelist_len(conn):
    """A KEXINIT whose first name-list claims more bytes than the packet holds."""
    raw = u32(0x00100000) + b"curve25519-sha256"
    await conn.send(IDENT + b"\r\n" + packet(kexinit_payload(raw_kex=raw)))
    await conn.drain_input()


async def s_bad_utf8(conn):
    """Names with invalid UTF-8, ESC/OSC sequences and spaces, in an otherwise valid
    KEXINIT."""
    kex = [b"curve25519-sha256", b"evil\xff\xfe-kex", b"\xc3\x28bad", b"evil\x1b[31mred\x1b[0m",
           b"\x1b]0;pwned\x07title", b"with space", b"tab\there"]
    enc = [b"aes128-ctr", b"\xed\xa0\x80surrogate", b"\x1b[2Jclear"]
    await conn.send(IDENT + b"\r\n" + packet(kexinit_payload(kex=kex, enc=enc)))
    await conn.drain_input()


async def s_bad_padding(conn):
    """padding_length (255) at least packet_length (28)."""
    body = bytes([255]) + kexinit_payload()[:27]
    await conn.send(IDENT + b"\r\n" + u32(len(body)) + body)
    await conn.drain_input()


async def s_not_mult8(conn):
    """A KEXINIT whose packet length + 4 is not a multiple of 8."""
    payload = kexinit_payload()
    pad = 4 if (4 + 1 + len(payload) + 4) % 8 else 5
    await conn.send(IDENT + b"\r\n" + packet(payload, pad=pad))
    await conn.drain_input()


async def s_ignore_flood(conn):
    """SSH_MSG_IGNORE without end."""
    chunk = b"".join(ignore_packet(b"evil_sshd ignore %d" % k) for k in range(256))
    await conn.send(IDENT + b"\r\n")
    while True:
        await conn.send(chunk)


async def s_ignore_then_kexinit(conn):
    """Legal: 3 IGNORE and 1 DEBUG before the KEXINIT, then a real key exchange."""
    prelude = b"".join(ignore_packet(b"x" * n) for n in (0, 7, 300)) + debug_packet(b"evil_sshd says hi")
    await real_kex(conn, prelude=prelude)


async def s_escape_banner(conn):
    """ESC/OSC sequences in the lines before the ident, in the ident's comment and in a
    DISCONNECT."""
    pre = (b"\x1b]0;pwned-title\x07Welcome\r\n"
           b"\x1b[2J\x1b[H\x1b[31mRED ALERT\x1b[0m\r\n"
           b"\x9b31m C1 CSI and a bidi \xe2\x80\xaeoverride\r\n")
    ident = b"SSH-2.0-EvilSSH_1.0 \x1b[31mred\x1b[0m\x1b]0;t\x07"
    await conn.send(pre + ident + b"\r\n" +
                    disconnect_packet(2, b"bye \x1b]0;pwned\x07\x1b[2J\x1b[31mgone\x1b[0m"))


async def s_early_close_ident(conn):
    """Closes right after accept."""
    return


s_early_close_ident.abrupt = True


async def s_early_close_kexinit(conn):
    """A valid ident, half a KEXINIT packet, close."""
    p = packet(kexinit_payload())
    await conn.send(IDENT + b"\r\n" + p[:len(p) // 2])


async def s_early_close_reply(conn):
    """Ident and KEXINIT, then close after the client's key exchange init (where the reply
    is due)."""
    await conn.send(IDENT + b"\r\n" + packet(kexinit_payload()))
    await conn.read_ident()
    await conn.read_until({MSG_KEXINIT})
    await conn.read_until({MSG_KEX_ECDH_INIT, MSG_KEX_DH_GEX_INIT, MSG_KEX_DH_GEX_REQUEST})


async def s_ssh1(conn):
    """An SSH-1 only server."""
    await conn.send(b"SSH-1.5-OpenSSH_3.9p1\r\n")
    await conn.drain_input()


async def s_bad_signature(conn):
    """A real curve25519-sha256 key exchange whose ssh-ed25519 signature is valid, but
    over the wrong data: only a client that verifies it notices (ssh-keyscan does not)."""
    await real_kex(conn, wrong_signature=True)


async def s_bad_hostkey_type(conn):
    """A KEX_ECDH_REPLY whose K_S says ssh-ed25519 but holds 10 of the 32 key bytes."""
    await conn.send(IDENT + b"\r\n" + packet(kexinit_payload(kex=CURVE_KEX)))
    await conn.read_ident()
    await conn.read_until({MSG_KEXINIT})
    await conn.read_until({MSG_KEX_ECDH_INIT})
    k_s = string(b"ssh-ed25519") + u32(32) + os.urandom(10)
    sig = string(b"ssh-ed25519") + string(os.urandom(64))
    await conn.send(packet(bytes([MSG_KEX_ECDH_REPLY]) + string(k_s) + string(os.urandom(32)) + string(sig)))
    await conn.drain_input()


async def s_gex_huge(conn):
    """Group exchange only; any KEX_DH_GEX_REQUEST is answered with a 16384-bit p that is
    not prime (2^16384 - 1) and g = 2."""
    kexinit = kexinit_payload(kex=["diffie-hellman-group-exchange-sha256"])
    await conn.send(IDENT + b"\r\n" + packet(kexinit))
    await conn.read_ident()
    await conn.read_until({MSG_KEXINIT})
    await conn.read_until({MSG_KEX_DH_GEX_REQUEST})
    p = b"\xff" * 2048
    await conn.send(packet(bytes([MSG_KEX_DH_GEX_GROUP]) + mpint_bytes(p) + mpint_bytes(b"\x02")))
    await conn.drain_input()


SCENARIOS = [
    ("ok", s_ok),
    ("silent", s_silent),
    ("bigpkt", s_bigpkt),
    ("endless_banner", s_endless_banner),
    ("long_ident", s_long_ident),
    ("slow_drip", s_slow_drip),
    ("no_kexinit", s_no_kexinit),
    ("namelist_1mb", s_namelist_1mb),
    ("namelist_len", s_namelist_len),
    ("bad_utf8", s_bad_utf8),
    ("bad_padding", s_bad_padding),
    ("not_mult8", s_not_mult8),
    ("ignore_flood", s_ignore_flood),
    ("ignore_then_kexinit", s_ignore_then_kexinit),
    ("escape_banner", s_escape_banner),
    ("early_close_ident", s_early_close_ident),
    ("early_close_kexinit", s_early_close_kexinit),
    ("early_close_reply", s_early_close_reply),
    ("ssh1", s_ssh1),
    ("bad_signature", s_bad_signature),
    ("bad_hostkey_type", s_bad_hostkey_type),
    ("gex_huge", s_gex_huge),
]


# ---- the server ----

class Server:
    def __init__(self, args):
        self.args = args
        self.conns = set()

    def handler(self, name, fn):
        async def handle(reader, writer):
            task = asyncio.current_task()
            if len(self.conns) >= MAX_CONNS:
                writer.transport.abort()
                return
            self.conns.add(task)
            conn = Conn(reader, writer, self.args.budget)
            done = False
            try:
                await asyncio.wait_for(fn(conn), self.args.conn_lifetime)
                done = True
                if not getattr(fn, "abrupt", False):
                    # let the client read what was sent before we close: closing with
                    # its unread bytes in our receive queue would reset the connection
                    await asyncio.wait_for(conn.drain_input(), 1.0)
            except (asyncio.TimeoutError, Budget, EOFError, ValueError, ConnectionError,
                    asyncio.IncompleteReadError, OSError, asyncio.CancelledError):
                pass
            finally:
                self.conns.discard(task)
                try:
                    if done:
                        writer.close()
                    else:
                        writer.transport.abort()
                except Exception:  # the transport may be gone already
                    pass
        return handle

    async def run(self, names):
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        loop.call_later(self.args.lifetime, stop.set)
        servers, lines = [], []
        for i, (name, fn) in enumerate(names):
            port = self.args.base_port + i if self.args.base_port else 0
            srv = await asyncio.start_server(self.handler(name, fn), HOST, port,
                                             reuse_address=True, limit=65536)
            servers.append(srv)
            lines.append("%s %d\n" % (name, srv.sockets[0].getsockname()[1]))
        d = self.args.dir
        if HOSTKEY:
            write_atomic(os.path.join(d, "ssh_host_ed25519_key.pub"), HOSTKEY.openssh_pub())
        write_atomic(os.path.join(d, "ports"), "".join(lines))
        write_atomic(os.path.join(d, "pid"), "%d\n" % os.getpid())
        try:
            await stop.wait()
        finally:
            for srv in servers:
                srv.close()
            for t in list(self.conns):
                t.cancel()
            for srv in servers:
                await srv.wait_closed()
            try:
                os.unlink(os.path.join(d, "pid"))
            except OSError:
                pass


def write_atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description="hostile fake SSH server (127.0.0.1 only)")
    ap.add_argument("--list", action="store_true", help="print the scenario names")
    ap.add_argument("--base-port", type=int, default=0, help="first port (0: kernel-chosen)")
    ap.add_argument("--dir", help="where to write ports, pid and the host key")
    ap.add_argument("--lifetime", type=float, default=120, help="seconds until exit")
    ap.add_argument("--conn-lifetime", type=float, default=20, help="seconds per connection")
    ap.add_argument("--budget", type=int, default=128 << 20, help="bytes per connection")
    ap.add_argument("--scenarios", help="comma-separated subset")
    args = ap.parse_args()
    if args.list:
        for name, _ in SCENARIOS:
            print(name)
        return 0
    if not args.dir:
        ap.error("--dir is required")
    if not 0 <= args.base_port <= 65535 - len(SCENARIOS):
        ap.error("--base-port out of range")
    if args.lifetime <= 0 or args.conn_lifetime <= 0 or args.budget <= 0:
        ap.error("lifetimes and budget must be positive")
    names = SCENARIOS
    if args.scenarios:
        want = args.scenarios.split(",")
        known = {n for n, _ in SCENARIOS}
        bad = [w for w in want if w not in known]
        if bad:
            ap.error("unknown scenario: " + ", ".join(bad))
        names = [(n, f) for n, f in SCENARIOS if n in want]
    os.makedirs(args.dir, exist_ok=True)
    global HOSTKEY
    if HAVE_CRYPTO:
        HOSTKEY = HostKey()
    else:
        print("evil_sshd: the cryptography module is missing (python3-cryptography): "
              "ok, ignore_then_kexinit and bad_signature will only disconnect", file=sys.stderr)
    asyncio.run(Server(args).run(names))
    return 0


if __name__ == "__main__":
    sys.exit(main())
