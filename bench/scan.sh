#!/usr/bin/env bash
# bench/scan.sh — `keyward scan` against ssh-audit, ssh-keyscan and a bare non-blocking
# client (the floor), over one farm of loopback servers, in one run; then 1,000 entries.
#
#   the farm: tests/integration/scanpeers.sh `peers_farm BENCH_SSHD` (default 20 sshd
#   cycling through its six profiles, plus dropbear and tinysshd: 22 targets), on
#   127.0.0.1 only, stopped on exit by the library's traps. Host keys are cached in
#   WORKDIR/keys between runs. Every server logs one line per TCP connection (sshd
#   LogLevel VERBOSE "Connection from", dropbear "Child connection from", tinysshd -v
#   "connection from"): connections per target are counted from those logs, on one
#   separate run of each command.
#
#   timed (hyperfine --warmup 1, medians of all runs; -N where there is no shell loop;
#   -i because ssh-audit exits non-zero on findings):
#     keyward scan @targets --hostkeys -q --format json   every host key, each verified
#     keyward scan @targets -q --format json              algorithms + the preferred host
#                                                         key verified: one connection each
#     for p in PORTS; do ssh-audit -n -p $p 127.0.0.1; done   one after another
#     ssh-audit -n -T targets                             its batch mode (32 threads)
#     for p in PORTS; do ssh-keyscan -p $p 127.0.0.1; done    default key types, one after another
#     xargs -P N -I{} ssh-keyscan -p {} 127.0.0.1         the same, all in parallel
#     the floor: WORKDIR/floor, a bare epoll client in C (source below), every target at
#       once, one connection each: KEXINIT only; KEXINIT + one host key (curve25519 with 32
#       random bytes, or group exchange, up to the reply carrying K_S: no signature check,
#       no NEWKEYS); and all host keys with keyward --hostkeys' plan. Timed inside the
#       process (exec excluded: a stricter floor than keyward's hyperfine time).
#   keyward and the floor run in two rounds (before and after the slow tools: the machine
#   is shared and drifts); each is scored by the median of all its runs.
#   ratios keyward/ssh-audit one after another (target >= 20), keyward/ssh-keyscan one
#   after another (>= 8), keyward/floor (<= 1.5), for both keyward modes; the research's
#   own figures (remote-scan.md section 0, 20 sshd) are printed alongside.
#   correctness: every fingerprint keyward reports as verified equals ssh-keyscan's
#   (`ssh-keyscan -t rsa,dsa,ecdsa,ed25519 | ssh-keygen -lf -`: dsa added, the legacy
#   profile has one) and the host .pub files', and --hostkeys misses none of them.
#   1,000 entries: the farm repeated (900 entries) plus 100 closed loopback ports, scanned
#   once with /usr/bin/time (targets/s, peak RSS, scanned / refused / other), at -j 64
#   (about 3 connections per server: dropbear drops a sixth unauthenticated connection
#   from one address) and at the default -j; the floor client on the same list at 64.
#
# Usage: bench/scan.sh [WORKDIR]   (default /tmp/keyward-bench-scan)
# Env: BENCH_SSHD (20), BENCH_RUNS (10: keyward and the floor, per round),
#      BENCH_SLOW_RUNS (5: ssh-audit, ssh-keyscan), BENCH_ENTRIES (1000).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
bench_setup
bench_workdir /tmp/keyward-bench-scan 10 "$@"
K=${BENCH_SSHD:-20}
SLOW_RUNS=${BENCH_SLOW_RUNS:-5}
ENTRIES=${BENCH_ENTRIES:-1000}
R=$W/results
rm -rf "$R"
mkdir -p "$R"

# ---- the floor client ----
cat >"$W/floor.c" <<'C'
/* floor.c — a bare non-blocking SSH client: the floor a scanner can reach on these servers.
 * One epoll loop, every target at once, one connection per target: identification, the
 * server's KEXINIT, then (mode h, a) our KEXINIT with one kex and one host key algorithm
 * and the first kex message (curve25519: 32 random bytes; group exchange 2048:2048:8192
 * and a real g^x mod p), up to the reply carrying the host key K_S, whose SHA256
 * fingerprint is kept. No signature check, no NEWKEYS. Mode a: then one more connection
 * per further host key family (RSA once), as keyward --hostkeys does. Mode k: KEXINIT only.
 * Times are taken inside the process (exec and start-up excluded).
 * At most JOBS (default 128) first connections at once; follow-ups are not limited.
 *   floor TARGETS k|h|a WARMUP RUNS [JOBS]  ->  JSON {"times":[...],"conns":N,"errors":N,"keys":{...}}
 * Needs libcrypto (SHA256, base64, BN_mod_exp). Bench helper, not part of keyward. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXC 512
#define MAXT 4096
#define MAXFP 8

typedef struct {
	char host[64];
	int port;
	char fp[MAXFP][64];
	int nfp;
	int err;
} target;

typedef struct {
	int used, fd, ti, st; /* st: 0 connecting, 1 ident, 2 kexinit, 3 reply */
	int gex;
	char hk[40];          /* host key algorithm to ask for ("" = choose) */
	uint8_t in[65536];
	size_t inlen;
	uint8_t out[4096];
	size_t outlen;
} conn;

static target T[MAXT];
static int nt;
static conn C[MAXC];
static int ep, active, nconns, nerrors;
static char mode;

static const char *const KNOWN[] = { "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
				     "ecdsa-sha2-nistp521", "rsa-sha2-512", "rsa-sha2-256", "ssh-rsa",
				     "ssh-dss", NULL };

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24, p[1] = v >> 16, p[2] = v >> 8, p[3] = v;
}
static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* append one packet with payload pl[0..n) to c->out */
static void packet(conn *c, const uint8_t *pl, size_t n)
{
	size_t pad = 8 - (n + 5) % 8;
	if (pad < 4)
		pad += 8;
	uint8_t *o = c->out + c->outlen;
	put32(o, (uint32_t)(n + pad + 1));
	o[4] = (uint8_t)pad;
	memcpy(o + 5, pl, n);
	memset(o + 5 + n, 0, pad);
	c->outlen += 5 + n + pad;
}

static void flush(conn *c)
{
	while (c->outlen) {
		ssize_t w = send(c->fd, c->out, c->outlen, MSG_NOSIGNAL);
		if (w <= 0)
			return; /* tiny messages: the loopback buffer takes them at once */
		memmove(c->out, c->out + w, c->outlen - (size_t)w);
		c->outlen -= (size_t)w;
	}
}

static int start(int ti, const char *hk)
{
	int i;
	for (i = 0; i < MAXC && C[i].used; i++)
		;
	if (i == MAXC)
		return -1;
	conn *c = &C[i];
	memset(c, 0, offsetof(conn, in));
	c->inlen = c->outlen = 0;
	c->used = 1, c->ti = ti;
	snprintf(c->hk, sizeof c->hk, "%s", hk ? hk : "");
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)T[ti].port) };
	inet_pton(AF_INET, T[ti].host, &sa.sin_addr);
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int one = 1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	connect(c->fd, (struct sockaddr *)&sa, sizeof sa);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.u32 = (uint32_t)i };
	epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
	active++, nconns++;
	return 0;
}

static void finish(conn *c, int err)
{
	if (err) {
		T[c->ti].err = 1;
		nerrors++;
	}
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->used = 0;
	active--;
}

/* name-list i of a KEXINIT payload (after type and cookie) */
static int namelist(const uint8_t *p, size_t n, int idx, const uint8_t **s, uint32_t *len)
{
	size_t o = 17;
	for (int i = 0; i <= idx; i++) {
		if (o + 4 > n)
			return -1;
		uint32_t l = get32(p + o);
		if (o + 4 + l > n)
			return -1;
		*s = p + o + 4, *len = l;
		o += 4 + l;
	}
	return 0;
}

static int has(const uint8_t *s, uint32_t len, const char *name)
{
	size_t nl = strlen(name);
	const uint8_t *e = s + len;
	while (s < e) {
		const uint8_t *c = memchr(s, ',', (size_t)(e - s));
		if (!c)
			c = e;
		if ((size_t)(c - s) == nl && !memcmp(s, name, nl))
			return 1;
		s = c + 1;
	}
	return 0;
}

/* host key families in the server's order (RSA once, as its best signature algorithm) */
static int families(const uint8_t *s, uint32_t len, const char **out)
{
	int n = 0, rsa = 0;
	const uint8_t *e = s + len, *all = s;
	while (s < e) {
		const uint8_t *c = memchr(s, ',', (size_t)(e - s));
		if (!c)
			c = e;
		for (int k = 0; KNOWN[k]; k++) {
			if (strlen(KNOWN[k]) != (size_t)(c - s) || memcmp(s, KNOWN[k], (size_t)(c - s)))
				continue;
			const char *a = KNOWN[k];
			if (!strncmp(a, "rsa-", 4) || !strcmp(a, "ssh-rsa")) {
				if (rsa)
					break;
				rsa = 1;
				for (int r = 4; r <= 6; r++) /* best offered */
					if (has(all, len, KNOWN[r])) {
						a = KNOWN[r];
						break;
					}
			}
			int dup = 0;
			for (int j = 0; j < n; j++)
				dup |= !strcmp(out[j], a);
			if (!dup)
				out[n++] = a;
			break;
		}
		s = c + 1;
	}
	return n;
}

static void put_str(uint8_t *b, size_t *o, const void *s, size_t n)
{
	put32(b + *o, (uint32_t)n);
	memcpy(b + *o + 4, s, n);
	*o += 4 + n;
}

static void keep_fp(conn *c, const uint8_t *p, size_t n)
{
	/* p: payload after the type byte; K_S is its first string */
	if (n < 4 || get32(p) > n - 4) {
		finish(c, 1);
		return;
	}
	uint8_t h[32];
	SHA256(p + 4, get32(p), h);
	char b64[64];
	int l = EVP_EncodeBlock((unsigned char *)b64, h, 32);
	while (l > 0 && b64[l - 1] == '=')
		b64[--l] = 0;
	target *t = &T[c->ti];
	if (t->nfp < MAXFP)
		snprintf(t->fp[t->nfp++], sizeof t->fp[0], "SHA256:%.56s", b64);
	finish(c, 0);
}

/* one message of type ty, payload m[0..n) */
static void on_msg(conn *c, const uint8_t *m, size_t n)
{
	uint8_t ty = m[0];
	if (ty == 2 || ty == 4)
		return;
	if (c->st == 2) {
		if (ty != 20)
			return finish(c, 1);
		if (mode == 'k')
			return finish(c, 0);
		const uint8_t *kx, *hks;
		uint32_t kxl, hkl;
		if (namelist(m, n, 0, &kx, &kxl) || namelist(m, n, 1, &hks, &hkl))
			return finish(c, 1);
		const char *fam[8];
		int nf = families(hks, hkl, fam);
		if (!nf)
			return finish(c, 1);
		if (!c->hk[0]) {
			snprintf(c->hk, sizeof c->hk, "%s", fam[0]);
			if (mode == 'a')
				for (int i = 1; i < nf; i++)
					start(c->ti, fam[i]);
		}
		const char *kex = has(kx, kxl, "curve25519-sha256") ? "curve25519-sha256"
				  : has(kx, kxl, "curve25519-sha256@libssh.org") ? "curve25519-sha256@libssh.org"
				  : has(kx, kxl, "diffie-hellman-group-exchange-sha256") ? "diffie-hellman-group-exchange-sha256"
				  : has(kx, kxl, "diffie-hellman-group-exchange-sha1") ? "diffie-hellman-group-exchange-sha1"
				  : NULL;
		if (!kex)
			return finish(c, 1);
		c->gex = kex[0] == 'd';
		uint8_t b[2048];
		size_t o = 0;
		b[o++] = 20;
		RAND_bytes(b + o, 16);
		o += 16;
		put_str(b, &o, kex, strlen(kex));
		put_str(b, &o, c->hk, strlen(c->hk));
		for (int i = 2; i < 10; i++) {
			const uint8_t *s;
			uint32_t l;
			if (namelist(m, n, i, &s, &l) || o + l + 16 > sizeof b)
				return finish(c, 1);
			put_str(b, &o, s, l);
		}
		b[o++] = 0;
		put32(b + o, 0);
		o += 4;
		packet(c, b, o);
		o = 0;
		if (c->gex) {
			b[o++] = 34;
			put32(b + o, 2048), put32(b + o + 4, 2048), put32(b + o + 8, 8192);
			o += 12;
		} else {
			uint8_t q[32];
			RAND_bytes(q, 32);
			b[o++] = 30;
			put_str(b, &o, q, 32);
		}
		packet(c, b, o);
		c->st = 3;
		flush(c);
		return;
	}
	/* st 3 */
	if (!c->gex) {
		if (ty != 31)
			return finish(c, 1);
		return keep_fp(c, m + 1, n - 1);
	}
	if (ty == 31) { /* GEX group: p, g */
		size_t o = 1;
		if (n < o + 4 || get32(m + o) > n - o - 4)
			return finish(c, 1);
		BIGNUM *p = BN_bin2bn(m + o + 4, (int)get32(m + o), NULL);
		o += 4 + get32(m + o);
		if (n < o + 4 || get32(m + o) > n - o - 4)
			return finish(c, 1);
		BIGNUM *g = BN_bin2bn(m + o + 4, (int)get32(m + o), NULL), *x = BN_new(), *e = BN_new();
		BN_CTX *bc = BN_CTX_new();
		BN_rand(x, 256, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY);
		BN_mod_exp(e, g, x, p, bc);
		uint8_t b[1100];
		size_t bl = 0;
		b[bl++] = 32;
		int el = BN_num_bytes(e), lead = BN_num_bits(e) % 8 == 0;
		put32(b + bl, (uint32_t)(el + lead));
		bl += 4;
		if (lead)
			b[bl++] = 0;
		BN_bn2bin(e, b + bl);
		bl += (size_t)el;
		BN_free(p), BN_free(g), BN_free(x), BN_free(e), BN_CTX_free(bc);
		packet(c, b, bl);
		flush(c);
		return;
	}
	if (ty != 33)
		return finish(c, 1);
	keep_fp(c, m + 1, n - 1);
}

static void on_read(conn *c)
{
	for (;;) {
		if (c->inlen == sizeof c->in)
			return finish(c, 1);
		ssize_t r = recv(c->fd, c->in + c->inlen, sizeof c->in - c->inlen, 0);
		if (r < 0 && errno == EAGAIN)
			return;
		if (r <= 0)
			return finish(c, 1);
		c->inlen += (size_t)r;
		for (;;) {
			if (c->st == 1) {
				uint8_t *nl = memchr(c->in, '\n', c->inlen);
				if (!nl)
					break;
				size_t l = (size_t)(nl - c->in) + 1;
				if (l >= 4 && !memcmp(c->in, "SSH-", 4))
					c->st = 2;
				memmove(c->in, c->in + l, c->inlen - l);
				c->inlen -= l;
				continue;
			}
			if (c->inlen < 5)
				break;
			uint32_t pl = get32(c->in);
			if (pl > sizeof c->in - 4 || pl < 2)
				return finish(c, 1);
			if (c->inlen < 4 + pl)
				break;
			uint8_t pad = c->in[4];
			if ((size_t)pad + 1 >= pl)
				return finish(c, 1);
			int st = c->st;
			on_msg(c, c->in + 5, pl - 1 - pad);
			if (!c->used)
				return;
			(void)st;
			memmove(c->in, c->in + 4 + pl, c->inlen - 4 - pl);
			c->inlen -= 4 + pl;
		}
	}
}

int main(int argc, char **argv)
{
	if (argc != 5 && argc != 6)
		return 2;
	mode = argv[2][0];
	int warm = atoi(argv[3]), runs = atoi(argv[4]), jobs = argc == 6 ? atoi(argv[5]) : 128;
	FILE *f = fopen(argv[1], "r");
	char line[256];
	while (f && fgets(line, sizeof line, f) && nt < MAXT) {
		char *colon = strrchr(line, ':');
		if (line[0] == '#' || !colon)
			continue;
		*colon = 0;
		snprintf(T[nt].host, sizeof T[nt].host, "%.63s", line);
		T[nt++].port = atoi(colon + 1);
	}
	ep = epoll_create1(0);
	double times[256];
	int nruns = 0;
	for (int r = 0; r < warm + runs && nruns < 256; r++) {
		for (int i = 0; i < nt; i++)
			T[i].nfp = T[i].err = 0;
		nconns = nerrors = 0;
		double t0 = now();
		int next = 0;
		struct epoll_event ev[256];
		for (;;) {
			while (next < nt && active < jobs && start(next, NULL) == 0)
				next++;
			if (!active)
				break;
			int n = epoll_wait(ep, ev, 256, 5000);
			if (n == 0)
				break; /* a stuck server: counted below */
			for (int i = 0; i < n; i++) {
				conn *c = &C[ev[i].data.u32];
				if (!c->used)
					continue;
				if (c->st == 0) {
					int e = 0;
					socklen_t sl = sizeof e;
					getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &sl);
					if (e) {
						finish(c, 1);
						continue;
					}
					struct epoll_event m = { .events = EPOLLIN, .data.u32 = ev[i].data.u32 };
					epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &m);
					memcpy(c->out, "SSH-2.0-kwfloor_0.1\r\n", 21);
					c->outlen = 21;
					flush(c);
					c->st = 1;
				}
				if (ev[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
					on_read(c);
			}
		}
		double t1 = now();
		for (int i = 0; i < MAXC; i++)
			if (C[i].used)
				finish(&C[i], 1);
		if (r >= warm)
			times[nruns++] = t1 - t0;
		usleep(50000);
	}
	printf("{\"times\":[");
	for (int i = 0; i < nruns; i++)
		printf("%s%.6f", i ? "," : "", times[i]);
	printf("],\"conns\":%d,\"errors\":%d,\"keys\":{", nconns, nerrors);
	for (int i = 0; i < nt; i++) {
		printf("%s\"%s:%d\":[", i ? "," : "", T[i].host, T[i].port);
		for (int k = 0; k < T[i].nfp; k++)
			printf("%s\"%s\"", k ? "," : "", T[i].fp[k]);
		printf("]");
	}
	printf("}}\n");
	return 0;
}
C
if [ ! -x "$W/floor" ] || [ "$W/floor.c" -nt "$W/floor" ]; then
	cc -O2 -Wall -o "$W/floor" "$W/floor.c" -lcrypto
fi

# ---- the farm ----
PEERS_KEY_CACHE=$W/keys
# shellcheck source=tests/integration/scanpeers.sh
. tests/integration/scanpeers.sh
peers_init
echo "starting the farm: $K sshd + dropbear + tinysshd on 127.0.0.1 ..."
t0=$SECONDS
peers_farm "$K" || { echo "bench: the farm did not start" >&2; exit 1; }
T=$PEERS_DIR/farm_targets.txt
NT=$(wc -l <"$T")
cut -d: -f2 "$T" >"$R/ports.txt"
PORTS=$(tr '\n' ' ' <"$R/ports.txt")
echo "farm up in $((SECONDS - t0)) s: $NT targets ($(awk '{print $3}' "$PEERS_DIR/farm.txt" | sort | uniq -c | awk '{printf "%s%s x%s", s, $2, $1; s=", "}'))"

# connections logged by every farm server so far
conn_count() {
	cat "$PEERS_DIR"/*/log 2>/dev/null |
		grep -cE '^Connection from .* port [0-9]+ on |Child connection from |info: connection from ' || true
}
# once NAME CMD: run CMD once through bash (stdout to R/NAME.out, exit code R/NAME.rc) and
# write the connections it made to R/NAME.conns
once() {
	local name=$1 cmd=$2 before after rc=0
	before=$(conn_count)
	bash -c "$cmd" >"$R/$name.out" 2>"$R/$name.err" || rc=$?
	echo "$rc" >"$R/$name.rc"
	sleep 0.5 # the servers' connection children write their lines
	after=$(conn_count)
	echo $((after - before)) >"$R/$name.conns"
}
# speed NAME RUNS MODE CMD [ROUND]: hyperfine (MODE -N: no shell; sh: a shell loop)
speed() {
	local name=$1${5:+.$5} runs=$2 mode=$3 cmd=$4 nflag=()
	[ "$mode" = -N ] && nflag=(-N)
	if ! hyperfine "${nflag[@]}" -i --warmup 1 --runs "$runs" \
		--export-json "$R/$name.json" "$cmd" >"$R/$name.hf" 2>&1; then
		echo "  $name: hyperfine failed (see $R/$name.hf)"
		rm -f "$R/$name.json"
	fi
}

KW_ALL="$KW scan @$T --hostkeys -q --format json"
KW_ONE="$KW scan @$T -q --format json"
SA_SEQ="for p in $PORTS; do ssh-audit -n -p \$p 127.0.0.1; done"
SA_T="ssh-audit -n -T $T"
KS_SEQ="for p in $PORTS; do ssh-keyscan -p \$p 127.0.0.1; done"
KS_PAR="xargs -a $R/ports.txt -P $NT -I{} ssh-keyscan -p {} 127.0.0.1"

# phase NAME: the time so far and the load average (the machine is shared: read the
# ratios with the load they were measured under)
phase() {
	echo "$1 ($((SECONDS - T_START)) s in; load average $(cut -d' ' -f1-3 /proc/loadavg))"
	echo "$(cut -d' ' -f1-3 /proc/loadavg)|$1" >>"$R/load.txt"
}
T_START=$SECONDS
phase "counting connections (one run of each)"
once kw-all "$KW_ALL"
once kw-one "$KW_ONE"
once sa-seq "$SA_SEQ"
once sa-t "$SA_T"
once ks-seq "$KS_SEQ 2>/dev/null"
once ks-par "$KS_PAR 2>/dev/null"
once floor-k "$W/floor $T k 0 1"
once floor-h "$W/floor $T h 0 1"
once floor-a "$W/floor $T a 0 1"

fast_round() {
	speed kw-all "$RUNS" -N "$KW_ALL" "$1"
	speed kw-one "$RUNS" -N "$KW_ONE" "$1"
	local m
	for m in k h a; do
		"$W/floor" "$T" "$m" 1 "$RUNS" >"$R/floor-$m.$1.json"
	done
}
phase "timing (keyward and the floor: $RUNS runs x 2 rounds; ssh-audit, ssh-keyscan: $SLOW_RUNS runs)"
fast_round 1
phase "timing ssh-audit and ssh-keyscan"
speed sa-seq "$SLOW_RUNS" sh "$SA_SEQ"
speed sa-t "$SLOW_RUNS" -N "$SA_T"
speed ks-seq "$SLOW_RUNS" sh "$KS_SEQ"
speed ks-par "$SLOW_RUNS" -N "$KS_PAR"
phase "timing keyward and the floor, round 2"
fast_round 2

phase "checking fingerprints (ssh-keyscan -t rsa,dsa,ecdsa,ed25519 | ssh-keygen -lf -, and the .pub files)"
: >"$R/ks-fp.txt"
: >"$R/pub-fp.txt"
while read -r name port _; do
	ssh-keyscan -t rsa,dsa,ecdsa,ed25519 -p "$port" 127.0.0.1 2>/dev/null | ssh-keygen -lf - |
		awk -v t="127.0.0.1:$port" '{print t, $2}' >>"$R/ks-fp.txt"
	peers_keys "$name" | while read -r f; do
		ssh-keygen -lf "$f" | awk -v t="127.0.0.1:$port" '{print t, $2}'
	done >>"$R/pub-fp.txt"
done <"$PEERS_DIR/farm.txt"

# ---- 1,000 entries ----
phase "the $ENTRIES-entry run"
python3 - "$T" "$ENTRIES" "$R/t1000.txt" <<'PY'
import socket, sys
farm = [l.strip() for l in open(sys.argv[1]) if l.strip()]
n, out = int(sys.argv[2]), sys.argv[3]
nclosed = n // 10
# closed ports: chosen free by the kernel on 127.0.0.1, released (connect gets RST)
socks = []
for _ in range(nclosed):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
closed = ["127.0.0.1:%d" % s.getsockname()[1] for s in socks]
for s in socks:
    s.close()
lines = [farm[i % len(farm)] for i in range(n - nclosed)]
for k, c in enumerate(closed):  # spread through the list
    lines.insert(k * 10 + 5, c)
open(out, "w").write("\n".join(lines) + "\n")
PY
for j in 64 0; do
	jflag=()
	[ "$j" = 0 ] || jflag=(-j "$j")
	before=$(conn_count)
	/usr/bin/time -f '%e %M %U %S' -o "$R/big-$j.time" "$KW" scan "@$R/t1000.txt" "${jflag[@]}" -q --format json \
		>"$R/big-$j.json" 2>"$R/big-$j.err" || true
	sleep 0.5
	echo $(($(conn_count) - before)) >"$R/big-$j.conns"
	sleep 1 # let the servers' children exit
done
"$W/floor" "$R/t1000.txt" h 0 1 64 >"$R/big-floor.json"
phase "done"

python3 - "$R" "$NT" "$K" <<'PY'
import glob, json, os, statistics, sys
R, nt, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])

def runs(name):
    t = []
    for p in sorted(glob.glob(os.path.join(R, name + ".json")) + glob.glob(os.path.join(R, name + ".[0-9].json"))):
        d = json.load(open(p))
        t += d["results"][0]["times"] if "results" in d else d["times"]
    return t

def cpu(name):
    """mean user + system seconds of the command (hyperfine's means, averaged over rounds)"""
    v = []
    for p in glob.glob(os.path.join(R, name + ".json")) + glob.glob(os.path.join(R, name + ".[0-9].json")):
        d = json.load(open(p))
        if "results" in d:
            v.append(d["results"][0]["user"] + d["results"][0]["system"])
    return sum(v) / len(v) if v else None

def conns(name):
    try:
        return int(open(os.path.join(R, name + ".conns")).read())
    except (OSError, ValueError):
        return None

# research (remote-scan.md section 0): seconds for 20 sshd
ref = {"sa-seq": 2.910, "sa-t": 1.252, "ks-seq": 1.512, "ks-par": 0.958, "floor-k": 0.080, "floor-h": 0.102}
rows = [("kw-all", "keyward scan --hostkeys (every host key verified)"),
        ("kw-one", "keyward scan (algorithms + preferred key verified)"),
        ("sa-seq", "ssh-audit -n -p PORT, one after another"),
        ("sa-t", "ssh-audit -n -T targets (batch, 32 threads)"),
        ("ks-seq", "ssh-keyscan -p PORT, one after another"),
        ("ks-par", "xargs -P%d ssh-keyscan -p PORT (parallel)" % nt),
        ("floor-k", "floor: bare C client, KEXINIT only *"),
        ("floor-h", "floor: bare C client, KEXINIT + one host key *"),
        ("floor-a", "floor: bare C client, every host key *")]
med = {}
print()
print("load average (1, 5, 15 min) at each phase: " + "; ".join(
    "%s: %s" % (l.split("|", 1)[1].split(" (")[0].strip(), l.split("|", 1)[0]) for l in open(os.path.join(R, "load.txt"))))
print("%d targets on 127.0.0.1 (%d sshd, dropbear, tinysshd); medians of all runs; * timed inside the process" % (nt, k))
print("%-52s %4s %24s %9s %10s %7s %25s" % ("command", "runs", "total s (min .. max)", "s/target", "conns/tgt", "CPU s", "research s/tgt (20 sshd)"))
for key, label in rows:
    t = runs(key)
    c = conns(key)
    rs = "%.4f" % (ref[key] / 20) if key in ref else "-"
    if not t:
        print("%-52s %4s %24s" % (label, "-", "n/a (failed)"))
        continue
    m = statistics.median(t)
    med[key] = m
    cp = cpu(key)
    print("%-52s %4d %24s %9.4f %10s %7s %25s" % (label, len(t), "%.3f (%.3f .. %.3f)" % (m, min(t), max(t)),
          m / nt, "%.2f" % (c / nt) if c is not None else "-", "%.3f" % cp if cp is not None else "-", rs))

print()
print("ratios (same %d targets, medians):" % nt)
def ratio(label, num, den, target, ge):
    if num not in med or den not in med:
        print("  %-58s %8s" % (label, "n/a"))
        return
    r = med[num] / med[den]
    ok = r >= target if ge else r <= target
    print("  %-58s %8.2f   target %s %-5g %s" % (label, r, ">=" if ge else "<=", target, "met" if ok else "NOT MET"))
for kw, kl in (("kw-one", "keyward"), ("kw-all", "keyward --hostkeys")):
    ratio("ssh-audit one after another / %s" % kl, "sa-seq", kw, 20, True)
    ratio("ssh-keyscan one after another / %s" % kl, "ks-seq", kw, 8, True)
ratio("keyward / floor (one host key, 1 connection per target)", "kw-one", "floor-h", 1.5, False)
ratio("keyward --hostkeys / floor (every host key, same plan)", "kw-all", "floor-a", 1.5, False)
print("  for reference (no target):")
for num, den, label in (("sa-t", "kw-one", "ssh-audit -T batch / keyward"), ("ks-par", "kw-one", "xargs ssh-keyscan / keyward"),
                        ("kw-one", "floor-k", "keyward / floor KEXINIT only"), ("kw-all", "floor-h", "keyward --hostkeys / floor one host key")):
    if num in med and den in med:
        print("    %-56s %8.2f" % (label, med[num] / med[den]))
if "kw-one" in med:
    print("    %-56s %8.2f   (research floor 0.102 s for 20 sshd = 5.1 ms/target; the floor measured here: %s)"
          % ("keyward s/target / research floor s/target", med["kw-one"] / nt / (0.102 / 20),
             "%.1f ms/target" % (med["floor-h"] / nt * 1e3) if "floor-h" in med else "n/a"))

# ---- correctness ----
print()
def fps(path):
    d = {}
    for line in open(path):
        t, f = line.split()
        d.setdefault(t, set()).add(f)
    return d
ks, pub = fps(os.path.join(R, "ks-fp.txt")), fps(os.path.join(R, "pub-fp.txt"))
bad = []
for name in ("kw-all", "kw-one"):
    rc = open(os.path.join(R, name + ".rc")).read().strip()
    try:
        d = json.load(open(os.path.join(R, name + ".out")))
    except ValueError:
        print("%s: no JSON (exit %s)" % (name, rc))
        continue
    nkeys = nver = 0
    scanned = sum(1 for t in d["targets"] if t["status"] == "scanned")
    for t in d["targets"]:
        got = set()
        for h in t["host_keys"]:
            nkeys += 1
            if not h["verified"]:
                bad.append("%s %s: %s not verified (%s)" % (name, t["target"], h["algorithm"], h["error"]))
                continue
            nver += 1
            got.add(h["fingerprint"])
            if h["fingerprint"] not in ks.get(t["target"], set()):
                bad.append("%s %s: %s %s is not among ssh-keyscan's" % (name, t["target"], h["algorithm"], h["fingerprint"]))
            if h["fingerprint"] not in pub.get(t["target"], set()):
                bad.append("%s %s: %s %s is not among the .pub files" % (name, t["target"], h["algorithm"], h["fingerprint"]))
        if name == "kw-all":
            for f in sorted(ks.get(t["target"], set()) - got):
                bad.append("kw-all %s: ssh-keyscan's %s missing" % (t["target"], f))
            for f in sorted(pub.get(t["target"], set()) - got):
                bad.append("kw-all %s: .pub %s missing" % (t["target"], f))
        elif len(got) != 1:
            bad.append("kw-one %s: %d verified keys" % (t["target"], len(got)))
    print("%-18s exit %s, %d/%d targets scanned, %d host keys, %d verified, %d findings (ratings)"
          % ("keyward --hostkeys:" if name == "kw-all" else "keyward:", rc, scanned, len(d["targets"]), nkeys, nver, len(d["findings"])))
fl = json.load(open(os.path.join(R, "floor-a.out")))
nfl = sum(len(v) for v in fl["keys"].values())
fl_ok = all(set(v) == pub.get(t, set()) for t, v in fl["keys"].items())
print("floor (every host key): %d keys, %s, %d errors" % (nfl, "the same as the .pub files" if fl_ok else "NOT the same as the .pub files", fl["errors"]))
print("ssh-keyscan: %d keys over %d targets; .pub files: %d keys" % (sum(map(len, ks.values())), len(ks), sum(map(len, pub.values()))))
if bad:
    print("FINGERPRINT CHECK FAILED:")
    for b in bad:
        print("  " + b)
else:
    print("fingerprints: every verified key keyward reports equals ssh-keyscan's and the .pub file's; --hostkeys found all of them")

# ---- 1,000 entries ----
print()
n = sum(1 for l in open(os.path.join(R, "t1000.txt")) if l.strip())
print("%d entries (the farm repeated + closed loopback ports), one run each, default mode:" % n)
for j, label in (("64", "keyward scan -j 64"), ("0", "keyward scan (default -j 128)")):
    try:
        tl = open(os.path.join(R, "big-%s.time" % j)).read().strip().split("\n")[-1].split()
        e, rss, u, s = float(tl[0]), int(tl[1]), float(tl[2]), float(tl[3])
        d = json.load(open(os.path.join(R, "big-%s.json" % j)))
    except (OSError, ValueError, IndexError) as ex:
        print("  %-32s n/a (%s)" % (label, ex))
        continue
    st = {"scanned": 0, "refused": 0}
    other = {}
    for t in d["targets"]:
        if t["status"] == "scanned":
            st["scanned"] += 1
        elif "refused" in (t["error"] or ""):
            st["refused"] += 1
        else:
            w = "%s: %s" % (t["phase"], t["error"])
            other[w] = other.get(w, 0) + 1
    c = conns("big-" + j)
    print("  %-32s %6.2f s  %7.1f targets/s  peak RSS %5.1f MB  CPU %.2f s  %d scanned, %d refused, %d other%s  (%s connections logged)"
          % (label, e, n / e, rss / 1024, u + s, st["scanned"], st["refused"], sum(other.values()),
             "".join("\n      %d x %s" % (v, k) for k, v in sorted(other.items())), c))
try:
    f = json.load(open(os.path.join(R, "big-floor.json")))
    e = f["times"][0]
    print("  %-32s %6.2f s  %7.1f targets/s  (%d errors: the closed ports) *" % ("floor client, 64 at once", e, n / e, f["errors"]))
except (OSError, ValueError, IndexError):
    pass
PY
