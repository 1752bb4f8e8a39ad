#!/usr/bin/env python3
"""gen_authlog.py — a deterministic synthetic /var/log/auth.log of an internet-facing sshd.

    gen_authlog.py -n N [-o FILE] [--labels L.tsv] [--stats S.json] [--seed 1]
                   [--format bsd|iso] [--rate 2] [--ipv6-frac 0.05] [--attackers K]
                   [--sshd-session-frac F] [--injection-victims K] [--w-invalid 40]
                   [--w-valid 20] [--w-scan 25] [--w-legit 5] [--w-other 10]

The same seed and options give the same bytes. Up to 8 connections are open at once and
their lines interleave, each connection under its own sshd pid, as on a real server.

Session mix (weights): brute force against invalid users (Invalid user, pam_unix check
pass / authentication failure, Failed password, keyboard-interactive/pam, none or publickey;
Received disconnect + Disconnected / Connection closed|reset [preauth], or MaxAuthTries:
maximum authentication attempts + Disconnecting ... Too many authentication failures +
PAM n more authentication failures + PAM service(sshd) ignoring max retries); brute force
against existing accounts (root and service accounts; ROOT LOGIN REFUSED, not allowed
because ..., failed publickey and hostbased); pre-authentication scanners
(kex_exchange_identification closed / reset / invalid identifier / invalid characters,
banner exchange invalid format, Unable to negotiate, Timeout before authentication, Did not
receive identification string, Bad protocol version identification, MAC errors,
MaxStartups drops, PerSourcePenalties drops); legitimate logins of 40 clients (publickey or
password, a mistyped password first now and then, session opened/closed, systemd-logind,
sudo); unrelated lines (CRON, su, sudo, logind, sshd restarts). Attackers come from a pool
of K addresses (default N/25) drawn with Zipf-like weights, a --ipv6-frac share IPv6.
1.5 % of attacker user names are hostile: empty, `admin from V`, `x from V port 22 ssh2`,
`test user`, a bare address V; with --injection-victims K the V are K fixed addresses that
never connect, and the sshguard-fooling shape `x V` is added (its `Connection closed by
invalid user x V REAL port N [preauth]` makes sshguard 2.4 report V).

Message texts are OpenSSH 9.2p1's format strings (Debian 12, UsePAM yes, LogLevel INFO),
checked against openssh-portable V_9_2_P1 and against real sshd 9.2 output
(tests/data/guard/injection/injection.log); with --sshd-session-frac F a share F of the
connections is logged as OpenSSH 9.8 does (V_9_8_P1): per-connection lines tagged
`sshd-session[pid]`, the kex_exchange_identification details at VERBOSE (absent), timeouts
and drops logged by the listener (`Timeout before authentication for connection from LOCAL
to REMOTE, pid = N` -- 9.8 prints the local address first; fixed in 9.9 --, `drop connection
#N from [H]:P on [L]:22 past Maxstartups` / `penalty: ...`).

--labels writes one line per log line: "lineno<TAB>kind<TAB>true_src<TAB>attack" where kind is
the keyward event kind (src/guard/kinds.def names, as guard/msgs.c classifies the message:
a post-login "Received disconnect" is received-disconnect, "Disconnected from user U H port
P" is close; "none" for a line that is no kind there: other programs, PAM bookkeeping,
session lines), true_src the address of the client the line is about ("-" for none) and
attack 1 for lines of attacker connections (0 for a legitimate client's mistyped password).
One known difference from keyward's reading: OpenSSH 9.8p1 alone writes "Timeout before
authentication for connection from LOCAL to REMOTE" (local address first); the label's
true_src is REMOTE.
--stats writes JSON: {"lines", "attack_lines", "kinds": {kind: lines}, "attackers": [...],
"legit": [...], "victims": [...], "first", "last", "seed", ...}; victims are addresses that
appear only inside user names (never as a source).
"""
import argparse
import bisect
import datetime
import ipaddress
import itertools
import json
import os
import random
import sys

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
START = datetime.datetime(2025, 3, 1, 0, 0, 0, tzinfo=datetime.timezone.utc)
HOST = "srv"
LOCAL4 = "192.0.2.10"   # the server's own addresses (drop / timeout lines name them)
LOCAL6 = "2001:db8::10"

INVALID_USERS = ("admin", "test", "user", "oracle", "ubuntu", "postgres1", "git1", "ftpuser",
                 "guest", "pi", "debian", "support", "user1", "test1", "deploy", "jenkins",
                 "hadoop", "minecraft", "steam", "tomcat", "nagios", "odoo", "es", "ansible",
                 "centos", "ec2-user", "vagrant", "docker", "server", "info", "sales", "demo",
                 "dev", "web", "www", "backup1", "mysql1", "redis", "zabbix", "teamspeak")
VALID_USERS = (("root", 0),) * 14 + (("postgres", 108), ("git", 110), ("mysql", 109),
                                      ("backup", 34), ("www-data", 33), ("nobody", 65534))
LEGIT_USERS = (("alice", 1000), ("bob", 1001), ("carol", 1002), ("deploy", 1003),
               ("dave", 1004), ("erin", 1005))
PAM_NOUSER = "logname= uid=0 euid=0 tty=ssh ruser= rhost=%s"
PAM_USER = "logname= uid=0 euid=0 tty=ssh ruser= rhost=%s  user=%s"
NOT_ALLOWED = ("not listed in AllowUsers", "listed in DenyUsers", "not in any group",
               "a group is listed in DenyGroups", "none of user's groups are listed in AllowGroups")
BYE = ("Bye Bye", "Bye Bye", "Bye Bye", "Normal Shutdown, Thank you for playing",
       "Client disconnecting normally", "disconnected by user")
OFFERS = (("key exchange method", "diffie-hellman-group14-sha1,diffie-hellman-group-exchange-sha1,diffie-hellman-group1-sha1"),
          ("key exchange method", "diffie-hellman-group1-sha1"),
          ("host key type", "ssh-rsa,ssh-dss"),
          ("host key type", "ssh-dss"),
          ("cipher", "aes128-cbc,3des-cbc,aes192-cbc,aes256-cbc"),
          ("MAC", "hmac-md5,hmac-sha1,hmac-ripemd160"))
IDENTS = ("GET / HTTP/1.1", "\\026\\003\\001", "MGLNDD_192.0.2.10_22", "HELP", "SSH-2.0-Go",
          "\\026\\003\\001\\002", "OPTIONS / RTSP/1.0", "ssh")
PENALTIES = ("penalty: failed authentication", "penalty: connections without attempting authentication",
             "penalty: exceeded LoginGraceTime", "penalty: caused crash")
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
SUDO_CMDS = ("/usr/bin/apt update", "/usr/bin/systemctl restart nginx", "/usr/bin/journalctl -u ssh",
             "/usr/bin/tail -f /var/log/syslog", "/usr/sbin/reboot")


def addr_key(a):
	ip = ipaddress.ip_address(a)
	return (ip.version, int(ip))


def kinds_def():
	"""The kind names of src/guard/kinds.def, if this script sits in the keyward tree."""
	p = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "guard", "kinds.def")
	try:
		text = open(p).read()
	except OSError:
		return None
	import re
	return re.findall(r'^KW_GKIND\(\s*\w+\s*,\s*"([a-z-]+)"', text, re.M)


class Gen:
	def __init__(self, a):
		self.a = a
		self.rng = random.Random(a.seed)
		r = self.rng
		self.pid = 900
		self.listener_pid = 612
		self.logind_pid = 401
		self.session_no = 1
		self.legit = [self.addr4() for _ in range(40)]
		self.legit_set = set(self.legit)
		npool = a.attackers if a.attackers else max(10, a.n // 25)
		pool, seen = [], set(self.legit)
		while len(pool) < npool:
			ad = self.addr6() if r.random() < a.ipv6_frac else self.addr4()
			if ad not in seen:
				seen.add(ad)
				pool.append(ad)
		self.pool = pool
		# Zipf-like: weight 1/(rank+1)^0.9
		acc, cum = 0.0, []
		for i in range(npool):
			acc += 1.0 / (i + 1) ** 0.9
			cum.append(acc)
		self.cum = cum
		self.victims = []
		self.seen = seen
		if a.injection_victims:
			while len(self.victims) < a.injection_victims:
				v = self.addr4()
				if v not in seen:
					seen.add(v)
					self.victims.append(v)
		self.hostile_used = set()
		self.fps = ["SHA256:" + "".join(r.choice(B64) for _ in range(43)) for _ in range(64)]
		self.legit_fp = {u: self.fps[i] for i, (u, _) in enumerate(LEGIT_USERS)}
		w = (a.w_invalid, a.w_valid, a.w_scan, a.w_legit, a.w_other)
		self.kind_cum = list(itertools.accumulate(w))
		self.forced = self.coverage_sessions()

	# ---- addresses, ports, pids ---------------------------------------------------------
	def addr4(self):
		r = self.rng
		while True:
			a = r.randrange(1 << 24, 224 << 24)
			o = a >> 24
			b = (a >> 16) & 255
			if o in (10, 127, 0) or (o == 100 and 64 <= b < 128) or (o == 169 and b == 254) or \
			   (o == 172 and 16 <= b < 32) or (o == 192 and b == 168) or (o == 198 and b in (18, 19)):
				continue
			return str(ipaddress.IPv4Address(a))

	def addr6(self):
		r = self.rng
		pre = r.choice((0x2001, 0x2400, 0x2401, 0x2604, 0x2a01, 0x2a03, 0x2a0e, 0x240e))
		if pre == 0x2001:
			nxt = r.choice((0x0470, 0x041d, 0x067c, 0x0bc8))
		else:
			nxt = r.randrange(0x1000)
		tail = [r.randrange(0x10000) for _ in range(6)]
		if r.random() < 0.5:
			tail[2:5] = [0, 0, 0]
		return str(ipaddress.IPv6Address(":".join("%x" % x for x in [pre, nxt] + tail)))

	def attacker(self):
		i = bisect.bisect_left(self.cum, self.rng.random() * self.cum[-1])
		return self.pool[min(i, len(self.pool) - 1)]

	def port(self):
		return self.rng.randrange(1024, 65536)

	def newpid(self):
		self.pid += self.rng.randint(2, 60)
		if self.pid > 4194000:
			self.pid = 300
		return self.pid

	def fp(self):
		return self.rng.choice(self.fps)

	def victim(self):
		if self.victims:
			return self.rng.choice(self.victims)
		while True:
			v = self.addr4()
			if v not in self.seen:
				self.seen.add(v)
				return v

	def hostile_name(self):
		r = self.rng
		v = self.victim()
		shapes = ["", "admin from %s" % v, "x from %s port 22 ssh2" % v, "test user", v]
		if self.victims:
			shapes += ["x %s" % v] * 3
		name = r.choice(shapes)
		if v in name:
			self.hostile_used.add(v)
		return name

	def invalid_name(self):
		hostile = 0.015
		if self.rng.random() < hostile:
			return self.hostile_name()
		return self.rng.choice(INVALID_USERS)

	# ---- sessions: lists of (tag, pid, message, kind, src, attack) ------------------------
	def conn(self, v98):
		return ("sshd-session" if v98 else "sshd"), self.newpid()

	def bye(self, out, tag, pid, src, port, pre, attack=1):
		"""The end of an unsuccessful connection that did not hit MaxAuthTries."""
		r = self.rng
		x = r.random()
		sp = pre + " " if pre else ""
		if x < 0.62:
			out.append((tag, pid, "Received disconnect from %s port %d:11: %s [preauth]" % (src, port, r.choice(BYE)),
				    "received-disconnect", src, attack))
			out.append((tag, pid, "Disconnected from %s%s port %d [preauth]" % (sp, src, port),
				    "preauth-disconnect", src, attack))
		elif x < 0.90:
			out.append((tag, pid, "Connection closed by %s%s port %d [preauth]" % (sp, src, port),
				    "preauth-close", src, attack))
		elif x < 0.97:
			out.append((tag, pid, "Connection reset by %s%s port %d [preauth]" % (sp, src, port),
				    "preauth-close", src, attack))
		else:
			self.timeout(out, tag, pid, src, port, tag == "sshd-session")

	def timeout(self, out, tag, pid, src, port, v98):
		if v98:
			local = LOCAL4 if ":" not in src else LOCAL6
			out.append(("sshd", self.listener_pid,
				    "Timeout before authentication for connection from %s to %s, pid = %d" % (local, src, pid),
				    "timeout", src, 1))
		else:
			out.append((tag, pid, "fatal: Timeout before authentication for %s port %d" % (src, port),
				    "timeout", src, 1))

	def s_invalid(self, v98=None, method=None, tries=None, ending=None, name=None):
		r = self.rng
		if v98 is None:
			v98 = r.random() < self.a.sshd_session_frac
		tag, pid = self.conn(v98)
		src, port = self.attacker(), self.port()
		user = self.invalid_name() if name is None else name
		out = [(tag, pid, "Invalid user %s from %s port %d" % (user, src, port), "invalid-user", src, 1)]
		if method is None:
			x = r.random()
			method = "password" if x < 0.85 else "kbdint" if x < 0.92 else "none" if x < 0.97 else "publickey"
		if tries is None:
			x = r.random()
			tries = 1 if x < 0.55 else 2 if x < 0.70 else 3 if x < 0.80 else r.randint(4, 5) if x < 0.86 else 6
		pam = PAM_NOUSER % src
		for t in range(tries):
			if method == "password":
				out.append((tag, pid, "pam_unix(sshd:auth): check pass; user unknown", "none", src, 1))
				if t == 0:
					out.append((tag, pid, "pam_unix(sshd:auth): authentication failure; " + pam,
						    "pam-unix-failure", src, 1))
				out.append((tag, pid, "Failed password for invalid user %s from %s port %d ssh2" % (user, src, port),
					    "failed-password", src, 1))
			elif method == "kbdint":
				out.append((tag, pid, "pam_unix(sshd:auth): check pass; user unknown", "none", src, 1))
				if t == 0:
					out.append((tag, pid, "pam_unix(sshd:auth): authentication failure; " + pam,
						    "pam-unix-failure", src, 1))
				out.append((tag, pid, "error: PAM: Authentication failure for illegal user %s from %s" % (user, src),
					    "pam-failure", src, 1))
				out.append((tag, pid, "Failed keyboard-interactive/pam for invalid user %s from %s port %d ssh2" % (user, src, port),
					    "failed-kbdint", src, 1))
			elif method == "none":
				out.append((tag, pid, "Failed none for invalid user %s from %s port %d ssh2" % (user, src, port),
					    "failed-none", src, 1))
			else:
				out.append((tag, pid, "Failed publickey for invalid user %s from %s port %d ssh2: %s %s" % (
					user, src, port, r.choice(("RSA", "ED25519", "ECDSA")), self.fp()), "failed-publickey", src, 1))
		if ending is None:
			ending = "max" if tries >= 6 else "bye"
		pam_more = method in ("password", "kbdint") and tries > 1
		if ending == "max":
			out.append((tag, pid, "error: maximum authentication attempts exceeded for invalid user %s from %s port %d ssh2 [preauth]" % (
				user, src, port), "max-auth-attempts", src, 1))
			out.append((tag, pid, "Disconnecting invalid user %s %s port %d: Too many authentication failures [preauth]" % (
				user, src, port), "too-many-auth", src, 1))
		else:
			self.bye(out, tag, pid, src, port, "invalid user " + user)
		if pam_more:
			out.append((tag, pid, "PAM %d more authentication failure%s; %s" % (tries - 1, "s" if tries > 2 else "", pam),
				    "none", src, 1))
			if tries > 3:
				out.append((tag, pid, "PAM service(sshd) ignoring max retries; %d > 3" % tries, "none", src, 1))
		return out

	def s_valid(self, v98=None, variant=None, tries=None):
		r = self.rng
		if v98 is None:
			v98 = r.random() < self.a.sshd_session_frac
		tag, pid = self.conn(v98)
		src, port = self.attacker(), self.port()
		user, _uid = r.choice(VALID_USERS)
		if variant is None:
			x = r.random()
			variant = "password" if x < 0.86 else "notallowed" if x < 0.92 else "rootrefused" if x < 0.95 else \
				"publickey" if x < 0.99 else "hostbased"
		if tries is None:
			x = r.random()
			tries = 1 if x < 0.45 else 2 if x < 0.60 else 3 if x < 0.72 else r.randint(4, 5) if x < 0.80 else 6
		out = []
		valid = True
		if variant == "rootrefused":
			user = "root"
		if variant == "notallowed":
			out.append((tag, pid, "User %s from %s not allowed because %s" % (user, src, r.choice(NOT_ALLOWED)),
				    "not-allowed", src, 1))
			valid = False
		inv = "" if valid else "invalid user "
		pam = PAM_USER % (src, user)
		for t in range(tries):
			if variant in ("password", "notallowed", "rootrefused"):
				if t == 0:
					out.append((tag, pid, "pam_unix(sshd:auth): authentication failure; " + pam,
						    "pam-unix-failure", src, 1))
				if variant == "rootrefused" and t == tries - 1:
					out.append((tag, pid, "ROOT LOGIN REFUSED FROM %s port %d" % (src, port), "root-refused", src, 1))
				out.append((tag, pid, "Failed password for %s%s from %s port %d ssh2" % (inv, user, src, port),
					    "failed-password", src, 1))
			elif variant == "publickey":
				out.append((tag, pid, "Failed publickey for %s from %s port %d ssh2: %s %s" % (
					user, src, port, r.choice(("RSA", "ED25519", "ECDSA")), self.fp()), "failed-publickey", src, 1))
			else:
				out.append((tag, pid, 'Failed hostbased for %s from %s port %d ssh2: ED25519 %s, client user "%s", client host "%s"' % (
					user, src, port, self.fp(), user, "localhost"), "failed-other", src, 1))
		pre = ("authenticating user " if valid else "invalid user ") + user
		if tries >= 6:
			out.append((tag, pid, "error: maximum authentication attempts exceeded for %s%s from %s port %d ssh2 [preauth]" % (
				inv, user, src, port), "max-auth-attempts", src, 1))
			out.append((tag, pid, "Disconnecting %s %s port %d: Too many authentication failures [preauth]" % (pre, src, port),
				    "too-many-auth", src, 1))
		else:
			self.bye(out, tag, pid, src, port, pre)
		if variant in ("password", "notallowed", "rootrefused") and tries > 1:
			out.append((tag, pid, "PAM %d more authentication failure%s; %s" % (tries - 1, "s" if tries > 2 else "", pam),
				    "none", src, 1))
			if tries > 3:
				out.append((tag, pid, "PAM service(sshd) ignoring max retries; %d > 3" % tries, "none", src, 1))
		return out

	def s_scan(self, v98=None, variant=None):
		r = self.rng
		if v98 is None:
			v98 = r.random() < self.a.sshd_session_frac
		tag, pid = self.conn(v98)
		src, port = self.attacker(), self.port()
		if variant is None:
			variant = r.choices(("closed", "reset", "ident", "chars", "nomatch", "timeout", "noident", "badproto",
					     "mac", "maxstartups", "kexclose", "kexbye", "penalty"),
					    (30, 6, 14, 2, 12, 5, 1, 1, 3, 1, 12, 10, 3))[0]
		out = []
		if variant == "closed":
			if not v98:
				out.append((tag, pid, "error: kex_exchange_identification: Connection closed by remote host", "kex-ident", src, 1))
			out.append((tag, pid, "Connection closed by %s port %d" % (src, port), "close", src, 1))
		elif variant == "reset":
			out.append((tag, pid, "error: kex_exchange_identification: read: Connection reset by peer", "kex-ident", src, 1))
			out.append((tag, pid, "Connection reset by %s port %d" % (src, port), "close", src, 1))
		elif variant in ("ident", "chars"):
			if not v98:
				if variant == "ident":
					msg = 'error: kex_exchange_identification: client sent invalid protocol identifier "%s"' % r.choice(IDENTS)
				else:
					msg = "error: kex_exchange_identification: banner line contains invalid characters"
				out.append((tag, pid, msg, "kex-ident", src, 1))
			out.append((tag, pid, "banner exchange: Connection from %s port %d: invalid format" % (src, port),
				    "banner-invalid", src, 1))
		elif variant == "nomatch":
			what, offer = r.choice(OFFERS)
			out.append((tag, pid, "Unable to negotiate with %s port %d: no matching %s found. Their offer: %s [preauth]" % (
				src, port, what, offer), "no-matching-algo", src, 1))
		elif variant == "timeout":
			self.timeout(out, tag, pid, src, port, v98)
		elif variant == "noident":
			out.append((tag, pid, "Did not receive identification string from %s port %d" % (src, port), "no-ident", src, 1))
		elif variant == "badproto":
			out.append((tag, pid, "Bad protocol version identification '%s' from %s port %d" % (r.choice(IDENTS), src, port),
				    "bad-protocol", src, 1))
		elif variant == "mac":
			out.append((tag, pid, "Bad packet length %d. [preauth]" % r.randrange(1 << 24, 1 << 31), "none", src, 1))
			out.append((tag, pid, "ssh_dispatch_run_fatal: Connection from %s port %d: %s [preauth]" % (
				src, port, r.choice(("message authentication code incorrect", "Connection corrupted"))), "mac-error", src, 1))
		elif variant == "maxstartups":
			local = LOCAL4 if ":" not in src else LOCAL6
			fmt = "[%s]:%d" % (src, port)
			if v98:
				out.append(("sshd", self.listener_pid, "drop connection #%d from %s on [%s]:22 past Maxstartups" % (
					r.randint(10, 99), fmt, local), "maxstartups-drop", src, 1))
			else:
				out.append(("sshd", self.listener_pid, "error: beginning MaxStartups throttling", "none", src, 1))
				out.append(("sshd", self.listener_pid, "drop connection #%d from %s on [%s]:22 past MaxStartups" % (
					r.randint(10, 99), fmt, local), "maxstartups-drop", src, 1))
		elif variant == "penalty":
			local = LOCAL4 if ":" not in src else LOCAL6
			out.append(("sshd", self.listener_pid, "drop connection #%d from [%s]:%d on [%s]:22 %s" % (
				r.randint(0, 9), src, port, local, r.choice(PENALTIES)), "penalty", src, 1))
		elif variant == "kexclose":
			out.append((tag, pid, "Connection %s by %s port %d [preauth]" % (r.choice(("closed", "closed", "reset")), src, port),
				    "preauth-close", src, 1))
		else:   # kexbye
			out.append((tag, pid, "Received disconnect from %s port %d:11: %s [preauth]" % (src, port, r.choice(BYE)),
				    "received-disconnect", src, 1))
			out.append((tag, pid, "Disconnected from %s port %d [preauth]" % (src, port), "preauth-disconnect", src, 1))
		return out

	def s_legit(self, v98=None, typo=None):
		r = self.rng
		if v98 is None:
			v98 = r.random() < self.a.sshd_session_frac
		tag, pid = self.conn(v98)
		i = r.randrange(len(self.legit))
		src, port = self.legit[i], self.port()
		user, uid = LEGIT_USERS[i % len(LEGIT_USERS)]
		if typo is None:
			typo = r.random() < 0.10
		out = []
		pw = typo or r.random() < 0.3
		if typo:
			out.append((tag, pid, "pam_unix(sshd:auth): authentication failure; " + PAM_USER % (src, user),
				    "pam-unix-failure", src, 0))
			out.append((tag, pid, "Failed password for %s from %s port %d ssh2" % (user, src, port), "failed-password", src, 0))
		if pw:
			out.append((tag, pid, "Accepted password for %s from %s port %d ssh2" % (user, src, port), "accepted", src, 0))
		else:
			out.append((tag, pid, "Accepted publickey for %s from %s port %d ssh2: ED25519 %s" % (
				user, src, port, self.legit_fp[user]), "accepted", src, 0))
		out.append((tag, pid, "pam_unix(sshd:session): session opened for user %s(uid=%d) by (uid=0)" % (user, uid),
			    "none", src, 0))
		sno = self.session_no
		self.session_no += 1
		out.append(("systemd-logind", self.logind_pid, "New session %d of user %s." % (sno, user), "none", "-", 0))
		if r.random() < 0.4:
			spid = 0
			cmd = r.choice(SUDO_CMDS)
			out.append(("sudo", spid, "%8s : TTY=pts/%d ; PWD=/home/%s ; USER=root ; COMMAND=%s" % (
				user, r.randrange(4), user, cmd), "none", "-", 0))
			out.append(("sudo", spid, "pam_unix(sudo:session): session opened for user root(uid=0) by %s(uid=%d)" % (user, uid),
				    "none", "-", 0))
			out.append(("sudo", spid, "pam_unix(sudo:session): session closed for user root", "none", "-", 0))
		out.append((tag, pid, "Received disconnect from %s port %d:11: disconnected by user" % (src, port),
			    "received-disconnect", src, 0))
		out.append((tag, pid, "Disconnected from user %s %s port %d" % (user, src, port), "close", src, 0))
		out.append((tag, pid, "pam_unix(sshd:session): session closed for user %s" % user, "none", src, 0))
		out.append(("systemd-logind", self.logind_pid, "Session %d logged out. Waiting for processes to exit." % sno, "none", "-", 0))
		out.append(("systemd-logind", self.logind_pid, "Removed session %d." % sno, "none", "-", 0))
		return out

	def s_other(self):
		r = self.rng
		x = r.random()
		if x < 0.70:
			pid = self.newpid()
			return [("CRON", pid, "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)", "none", "-", 0),
				("CRON", pid, "pam_unix(cron:session): session closed for user root", "none", "-", 0)]
		if x < 0.85:
			pid = self.newpid()
			user, uid = r.choice(LEGIT_USERS)
			return [("su", pid, "(to root) %s on pts/%d" % (user, r.randrange(4)), "none", "-", 0),
				("su", pid, "pam_unix(su-l:session): session opened for user root(uid=0) by %s(uid=%d)" % (user, uid), "none", "-", 0),
				("su", pid, "pam_unix(su-l:session): session closed for user root", "none", "-", 0)]
		if x < 0.95:
			return [("systemd-logind", self.logind_pid, "Watching system buttons on Power Button (Power Button)", "none", "-", 0)]
		old = self.listener_pid
		self.listener_pid = self.newpid()
		return [("sshd", old, "Received signal 15; terminating.", "none", "-", 0),
			("sshd", self.listener_pid, "Server listening on 0.0.0.0 port 22.", "none", "-", 0),
			("sshd", self.listener_pid, "Server listening on :: port 22.", "none", "-", 0)]

	def coverage_sessions(self):
		"""Sessions that make every kind and message variant appear even in a short log."""
		f = []
		f.append(lambda: self.s_invalid(v98=False, method="password", tries=6))
		f.append(lambda: self.s_invalid(v98=False, method="kbdint", tries=2))
		f.append(lambda: self.s_invalid(v98=False, method="none", tries=1))
		f.append(lambda: self.s_invalid(v98=False, method="publickey", tries=1))
		for v in ("password", "notallowed", "rootrefused", "publickey", "hostbased"):
			f.append(lambda v=v: self.s_valid(v98=False, variant=v, tries=2))
		for v in ("closed", "reset", "ident", "chars", "nomatch", "timeout", "noident", "badproto", "mac",
			  "maxstartups", "kexclose", "kexbye", "penalty"):
			f.append(lambda v=v: self.s_scan(v98=False, variant=v))
		f.append(lambda: self.s_legit(v98=False, typo=True))
		if self.a.sshd_session_frac > 0:
			f.append(lambda: self.s_invalid(v98=True, method="password", tries=6))
			for v in ("closed", "ident", "timeout", "maxstartups"):
				f.append(lambda v=v: self.s_scan(v98=True, variant=v))
		if self.victims:
			for v in self.victims:
				f.append(lambda v=v: self.s_invalid(v98=False, method="password", tries=1, name="x %s" % v))
		return f

	def session(self):
		if self.forced:
			return self.forced.pop(0)()
		x = self.rng.random() * self.kind_cum[-1]
		k = bisect.bisect_right(self.kind_cum, x)
		return (self.s_invalid, self.s_valid, self.s_scan, self.s_legit, self.s_other)[k]()

	# ---- the log ---------------------------------------------------------------------------
	def run(self, out, labels):
		a, r = self.a, self.rng
		n = a.n
		iso = a.format == "iso"
		t = 0.0
		active = []
		target = 4
		kinds = {}
		attackers, legit = set(), set()
		attack_lines = 0
		last_key, last_stamp = None, ""
		buf, lbuf = [], []
		mean_gap = 1.0 / a.rate
		for lineno in range(1, n + 1):
			while len(active) < target:
				active.append([self.session(), 0])
			i = r.randrange(len(active))
			s = active[i]
			tag, pid, msg, kind, src, attack = s[0][s[1]]
			s[1] += 1
			if s[1] == len(s[0]):
				active[i] = active[-1]
				active.pop()
			if r.random() < 0.02:
				target = r.randint(1, 8)
			t += r.expovariate(1.0) * mean_gap
			sec = int(t)
			if iso:
				us = int((t - sec) * 1e6)
				if sec != last_key:
					d = START + datetime.timedelta(seconds=sec)
					last_stamp = d.strftime("%Y-%m-%dT%H:%M:%S")
					last_key = sec
				stamp = "%s.%06d+00:00" % (last_stamp, us)
			else:
				if sec != last_key:
					d = START + datetime.timedelta(seconds=sec)
					last_stamp = "%s %2d %02d:%02d:%02d" % (MONTHS[d.month - 1], d.day, d.hour, d.minute, d.second)
					last_key = sec
				stamp = last_stamp
			if pid:
				buf.append("%s %s %s[%d]: %s\n" % (stamp, HOST, tag, pid, msg))
			else:   # sudo logs without a pid
				buf.append("%s %s %s: %s\n" % (stamp, HOST, tag, msg))
			kinds[kind] = kinds.get(kind, 0) + 1
			if attack:
				attack_lines += 1
				attackers.add(src)
			elif src != "-":
				legit.add(src)
			if labels is not None:
				lbuf.append("%d\t%s\t%s\t%d\n" % (lineno, kind, src, attack))
			if len(buf) >= 8192:
				out.write("".join(buf))
				buf.clear()
				if labels is not None:
					labels.write("".join(lbuf))
					lbuf.clear()
		out.write("".join(buf))
		if labels is not None:
			labels.write("".join(lbuf))
		victims = sorted((self.hostile_used | set(self.victims)) - attackers - legit,
				 key=addr_key)
		return {
			"lines": n, "seed": a.seed, "format": a.format,
			"first": START.isoformat(), "last": (START + datetime.timedelta(seconds=t)).isoformat(),
			"attack_lines": attack_lines, "kinds": dict(sorted(kinds.items())),
			"attackers": sorted(attackers, key=addr_key),
			"legit": sorted(legit, key=addr_key),
			"victims": victims,
			"injection_victims": sorted(self.victims, key=addr_key),
			"server": [LOCAL4, LOCAL6],
			"sshd_session_frac": a.sshd_session_frac,
		}


def main():
	p = argparse.ArgumentParser(description="deterministic synthetic sshd auth.log")
	p.add_argument("-n", type=int, default=100000, help="lines (default 100000)")
	p.add_argument("-o", "--output", default="-", help="log file ('-' = stdout)")
	p.add_argument("--labels", help="write lineno, kind, true source, attack per line (TSV)")
	p.add_argument("--stats", help="write address sets and counts (JSON)")
	p.add_argument("--seed", type=int, default=1)
	p.add_argument("--format", choices=("bsd", "iso"), default="bsd",
		       help="bsd: 'Mar  1 00:00:00 host'; iso: rsyslog RFC 3339 (Debian 12)")
	p.add_argument("--rate", type=float, default=2.0, help="mean lines per second (default 2)")
	p.add_argument("--ipv6-frac", type=float, default=0.05)
	p.add_argument("--attackers", type=int, default=0, help="attacker pool size (default n/25)")
	p.add_argument("--sshd-session-frac", type=float, default=0.0,
		       help="share of connections logged as OpenSSH 9.8 (sshd-session)")
	p.add_argument("--injection-victims", type=int, default=0,
		       help="K addresses that appear only inside user names")
	for k, w in (("invalid", 40), ("valid", 20), ("scan", 25), ("legit", 5), ("other", 10)):
		p.add_argument("--w-" + k, type=float, default=w, help="session weight (default %g)" % w)
	a = p.parse_args()
	if a.n < 1 or a.rate <= 0 or not 0 <= a.ipv6_frac <= 1 or not 0 <= a.sshd_session_frac <= 1:
		p.error("bad numbers")
	g = Gen(a)
	out = sys.stdout if a.output == "-" else open(a.output, "w", encoding="utf-8", newline="\n")
	labels = open(a.labels, "w") if a.labels else None
	stats = g.run(out, labels)
	if out is not sys.stdout:
		out.close()
	if labels:
		labels.close()
	want = kinds_def()
	if want is not None:
		missing = [k for k in want if k not in stats["kinds"]]
		unknown = [k for k in stats["kinds"] if k != "none" and k not in want]
		if unknown:
			sys.exit("gen_authlog: kinds not in kinds.def: %s" % ", ".join(unknown))
		if missing:
			print("gen_authlog: %d lines are too few for every kind; missing: %s" % (a.n, ", ".join(missing)),
			      file=sys.stderr)
	if a.stats:
		with open(a.stats, "w") as f:
			json.dump(stats, f, indent=1)
			f.write("\n")


if __name__ == "__main__":
	main()
