/* targets.c — what `keyward scan` connects to (see targets.h for the spec forms).
 *
 * A spec is split in two steps. First the port: "[inner]" or "[inner]:PORT" (the brackets
 * hold an IPv6 address or prefix); otherwise two or more colons make the whole spec a bare
 * IPv6 address or prefix (no port), one colon separates HOST:PORT, none means no port.
 * Then the host part: with a '/', a prefix (kw_cidr_parse); else an address
 * (kw_addr_parse); else a hostname, validated here and kept as text for
 * kw_targets_resolve. guard/addr.c is the only address parser in keyward.
 *
 * Memory: one kw_target_ep per endpoint, each owning a copy of its spec (at most
 * KW_TARGET_SPEC_MAX bytes) and, for names, the name. A prefix is sized before anything is
 * allocated: 2^(host bits), and the sum with what the list holds must stay within t->max,
 * so "10.0.0.0/8" fails in microseconds instead of allocating 16 M entries. The array grows
 * once per spec to the exact size it needs (doubling, bounded by t->max).
 *
 * Files: kw_targets_add_text parses a file's bytes (pure, fuzzed); kw_targets_load_file
 * only reads them (capped at KW_TARGETS_FILE_MAX, regular files or stdin) and hands over.
 * A line is one spec; '#' starts a comment; blanks, CR LF and a leading BOM are tolerated.
 *
 * Errors leave the list as it was: a spec adds all its endpoints or none, a file all its
 * specs or none. Messages quote the spec escaped (it may come from an untrusted file).
 */
#include "net/targets.h"

#include "base/buf.h"
#include "base/cleanup.h"
#include "base/err.h"
#include "base/escape.h"
#include "base/file.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define LABEL_MAX 63

void kw_targets_init(kw_targets *t, size_t max)
{
	*t = (kw_targets){ .max = max ? max : KW_TARGETS_DEFAULT_CAP };
}

/* Drop endpoints [n, t->n): how a failed spec or file is undone. */
static void truncate_to(kw_targets *t, size_t n)
{
	for (size_t i = n; i < t->n; i++) {
		free(t->v[i].spec);
		free(t->v[i].host);
	}
	t->n = n;
}

void kw_targets_release(kw_targets *t)
{
	truncate_to(t, 0);
	free(t->v);
	kw_targets_init(t, t->max);
}

/* "'SPEC': message" with the spec escaped. */
static void spec_errf(char *err, size_t errlen, const char *spec, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void spec_errf(char *err, size_t errlen, const char *spec, size_t n, const char *fmt, ...)
{
	if (!err || !errlen)
		return;
	char msg[192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	bool cut = n > 80; /* the start of a long spec is enough to find it */
	_cleanup_free_ char *esc = kw_escape_dup(spec, cut ? 80 : n);
	kw_errf(err, errlen, "'%s%s': %s", esc ? esc : "?", cut ? "..." : "", msg);
}

static int parse_port(const char *p, size_t n, uint16_t *out)
{
	if (n == 0 || n > 5)
		return KW_E_PARSE;
	unsigned v = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return KW_E_PARSE;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	if (v < 1 || v > 65535)
		return KW_E_PARSE;
	*out = (uint16_t)v;
	return 0;
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.';
}

/* A hostname as targets.h describes it; *why says what is wrong. */
static int check_name(const char *p, size_t n, const char **why)
{
	if (n == 0) {
		*why = "empty host";
		return KW_E_PARSE;
	}
	if (n > KW_TARGET_NAME_MAX) {
		*why = "host name longer than 255 bytes";
		return KW_E_PARSE;
	}
	for (size_t i = 0; i < n; i++) {
		if (!name_char(p[i])) {
			*why = "not an address and not a host name (letters, digits, '-', '_', '.')";
			return KW_E_PARSE;
		}
	}
	size_t end = p[n - 1] == '.' ? n - 1 : n; /* one trailing dot: a rooted name */
	if (end == 0) {
		*why = "empty host name label";
		return KW_E_PARSE;
	}
	size_t start = 0;
	bool last_numeric = false;
	while (start <= end) {
		const char *dot = memchr(p + start, '.', end - start);
		size_t len = dot ? (size_t)(dot - (p + start)) : end - start;
		const char *l = p + start;
		if (len == 0) {
			*why = "empty host name label";
			return KW_E_PARSE;
		}
		if (len > LABEL_MAX) {
			*why = "host name label longer than 63 bytes";
			return KW_E_PARSE;
		}
		if (l[0] == '-' || l[len - 1] == '-') {
			*why = "host name label starts or ends with '-'";
			return KW_E_PARSE;
		}
		last_numeric = true;
		for (size_t i = 0; i < len; i++)
			if (l[i] < '0' || l[i] > '9')
				last_numeric = false;
		start += len + 1;
		if (!dot)
			break;
	}
	/* RFC 3696 §2: a top-level label is never all digits; 256.1.1.1 or 1.2.3.4.5 is a
	 * mistyped address, not a name to send to DNS */
	if (last_numeric) {
		*why = "not a valid IPv4 address";
		return KW_E_PARSE;
	}
	/* glibc's resolver reads inet_aton's forms (1.2.3, 010.0.0.1, 0x7f000001) as
	 * addresses: refuse them rather than connect somewhere the user did not write */
	char tmp[KW_TARGET_NAME_MAX + 1];
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	struct in_addr ia;
	if (inet_aton(tmp, &ia)) {
		*why = "a numeric form that is not dotted decimal; write the address as a.b.c.d";
		return KW_E_PARSE;
	}
	return 0;
}

typedef enum { HOST_ADDR, HOST_PREFIX, HOST_NAME } host_kind;

typedef struct parsed {
	host_kind kind;
	kw_cidr prefix;       /* HOST_ADDR: a host prefix of the address */
	const char *name;     /* HOST_NAME: name[0..name_len) inside the spec */
	size_t name_len;
	uint16_t port;
} parsed;

static int parse_spec(const char *spec, size_t n, uint16_t default_port, parsed *out,
		      const char **why)
{
	const char *host = spec;
	size_t hlen = n;
	bool bracketed = false, v6_text = false;
	out->port = default_port;
	if (n > 0 && spec[0] == '[') {
		const char *close = memchr(spec, ']', n);
		if (!close) {
			*why = "'[' without ']'";
			return KW_E_PARSE;
		}
		host = spec + 1;
		hlen = (size_t)(close - host);
		const char *rest = close + 1;
		size_t rlen = n - (size_t)(rest - spec);
		if (rlen > 0) {
			if (rest[0] != ':') {
				*why = "only ':PORT' may follow ']'";
				return KW_E_PARSE;
			}
			if (parse_port(rest + 1, rlen - 1, &out->port) < 0) {
				*why = "the port must be a number from 1 to 65535";
				return KW_E_PARSE;
			}
		}
		if (!memchr(host, ':', hlen)) {
			*why = "brackets hold an IPv6 address or prefix";
			return KW_E_PARSE;
		}
		bracketed = v6_text = true;
	} else {
		size_t colons = 0;
		const char *last = NULL;
		for (size_t i = 0; i < n; i++)
			if (spec[i] == ':')
				colons++, last = spec + i;
		if (colons == 1) {
			hlen = (size_t)(last - spec);
			if (parse_port(last + 1, n - hlen - 1, &out->port) < 0) {
				*why = "the port must be a number from 1 to 65535";
				return KW_E_PARSE;
			}
		} else if (colons > 1) {
			v6_text = true; /* a bare IPv6 address never carries a port */
		}
	}
	if (hlen == 0) {
		*why = "empty host";
		return KW_E_PARSE;
	}
	if (v6_text && (memchr(host, '[', hlen) || memchr(host, ']', hlen))) {
		*why = "a port after an IPv6 address needs the form [ADDRESS]:PORT";
		return KW_E_PARSE;
	}
	if (memchr(host, '%', hlen)) {
		*why = "IPv6 zone ids (%IFACE) are not supported";
		return KW_E_PARSE;
	}
	if (memchr(host, '/', hlen)) {
		if (kw_cidr_parse(host, hlen, &out->prefix) < 0) {
			*why = "not an address prefix (ADDRESS/BITS)";
			return KW_E_PARSE;
		}
		out->kind = HOST_PREFIX;
		return 0;
	}
	kw_addr a;
	if (kw_addr_parse(host, hlen, &a) == 0) {
		out->kind = HOST_ADDR;
		out->prefix = kw_cidr_host(&a);
		return 0;
	}
	if (v6_text) {
		*why = bracketed ? "not an IPv6 address" :
				   "not an IPv6 address (HOST:PORT has one colon, IPv6 needs [ADDRESS]:PORT)";
		return KW_E_PARSE;
	}
	if (check_name(host, hlen, why) < 0)
		return KW_E_PARSE;
	out->kind = HOST_NAME;
	out->name = host;
	out->name_len = hlen;
	return 0;
}

/* Room for `more` endpoints: capacity doubles, but never past t->max. */
static int reserve(kw_targets *t, size_t more)
{
	size_t need = t->n + more;
	if (need <= t->cap)
		return 0;
	size_t c = t->cap ? t->cap * 2 : 16;
	if (c < need)
		c = need;
	if (c > t->max)
		c = need > t->max ? need : t->max;
	if (c > SIZE_MAX / sizeof *t->v)
		return -ENOMEM;
	kw_target_ep *v = realloc(t->v, c * sizeof *v);
	if (!v)
		return -ENOMEM;
	t->v = v;
	t->cap = c;
	return 0;
}

int kw_targets_add(kw_targets *t, const char *spec, uint16_t default_port, char *err,
		   size_t errlen)
{
	if (default_port == 0)
		default_port = KW_TARGET_PORT_DEFAULT;
	size_t n = strnlen(spec, KW_TARGET_SPEC_MAX + 1);
	if (n > KW_TARGET_SPEC_MAX) {
		spec_errf(err, errlen, spec, n, "longer than %d bytes", KW_TARGET_SPEC_MAX);
		return KW_E_PARSE;
	}
	parsed p = { 0 };
	const char *why = "malformed";
	if (parse_spec(spec, n, default_port, &p, &why) < 0) {
		spec_errf(err, errlen, spec, n, "%s", why);
		return KW_E_PARSE;
	}

	/* size first, allocation after */
	unsigned total_bits = p.prefix.a.fam == 4 ? 32u : 128u;
	unsigned host_bits = p.kind == HOST_NAME ? 0u : total_bits - p.prefix.bits;
	uint64_t count = 1, first = 0;
	if (host_bits >= 63) {
		spec_errf(err, errlen, spec, n, "2^%u addresses, over the cap of %zu endpoints",
			  host_bits, t->max);
		return KW_E_TOOBIG;
	}
	count = (uint64_t)1 << host_bits;
	if (p.prefix.a.fam == 4 && host_bits >= 2) {
		count -= 2; /* network and broadcast addresses */
		first = 1;
	}
	if (count > t->max || t->n > t->max - count) {
		if (t->n)
			spec_errf(err, errlen, spec, n,
				  "%llu endpoints, with the %zu already listed over the cap of %zu",
				  (unsigned long long)count, t->n, t->max);
		else
			spec_errf(err, errlen, spec, n, "%llu endpoints, over the cap of %zu",
				  (unsigned long long)count, t->max);
		return KW_E_TOOBIG;
	}
	if (reserve(t, (size_t)count) < 0) {
		spec_errf(err, errlen, spec, n, "%s", kw_strerror(-ENOMEM));
		return -ENOMEM;
	}

	size_t before = t->n;
	for (uint64_t i = 0; i < count; i++) {
		kw_target_ep *e = &t->v[t->n];
		*e = (kw_target_ep){ .port = p.port };
		e->spec = strndup(spec, n);
		if (!e->spec)
			goto nomem;
		if (p.kind == HOST_NAME) {
			e->host = strndup(p.name, p.name_len);
			if (!e->host) {
				free(e->spec);
				goto nomem;
			}
		} else {
			/* the offset fits in the host bits, which the prefix has cleared: OR it
			 * into the low bytes, no carries */
			e->addr = p.prefix.a;
			uint64_t off = first + i;
			unsigned len = total_bits / 8;
			for (unsigned k = 0; k < 8 && off; k++, off >>= 8)
				e->addr.b[len - 1 - k] |= (uint8_t)(off & 0xff);
		}
		t->n++;
	}
	return 0;
nomem:
	truncate_to(t, before);
	spec_errf(err, errlen, spec, n, "%s", kw_strerror(-ENOMEM));
	return -ENOMEM;
}

int kw_targets_add_text(kw_targets *t, const char *text, size_t len, const char *name,
			uint16_t default_port, char *err, size_t errlen)
{
	_cleanup_free_ char *ename = kw_escape_str(name);
	const char *en = ename ? ename : "?";
	size_t start = t->n;
	kw_buf b = kw_buf_view(text, len);
	/* a UTF-8 byte order mark before the first line */
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		b.off = 3;
	kw_buf line;
	bool trunc;
	size_t lineno = 0;
	int r;
	while (kw_buf_line(&b, &line, KW_TARGET_SPEC_MAX, &trunc)) {
		lineno++;
		const char *why = NULL;
		char msg[320];
		const uint8_t *p = kw_buf_cur(&line);
		size_t n = kw_buf_left(&line);
		const uint8_t *hash = n ? memchr(p, '#', n) : NULL;
		if (hash)
			n = (size_t)(hash - p);
		kw_buf spec = kw_buf_trim(kw_buf_view(p, n));
		n = kw_buf_left(&spec);
		p = kw_buf_cur(&spec);
		if (trunc && !hash)
			why = "line too long";
		else if (n == 0)
			continue;
		else if (memchr(p, '\0', n))
			why = "NUL byte in the line";
		else if (p[0] == '@')
			why = "a targets file may not name another file (@FILE)";
		if (why) {
			r = KW_E_PARSE;
			kw_errf(err, errlen, "%s:%zu: %s", en, lineno, why);
			goto fail;
		}
		char s[KW_TARGET_SPEC_MAX + 1];
		memcpy(s, p, n);
		s[n] = '\0';
		size_t before = t->n;
		r = kw_targets_add(t, s, default_port, msg, sizeof msg);
		if (r < 0) {
			kw_errf(err, errlen, "%s:%zu: %s", en, lineno, msg);
			goto fail;
		}
		for (size_t i = before; i < t->n; i++)
			t->v[i].line = lineno;
	}
	return 0;
fail:
	truncate_to(t, start);
	return r;
}

int kw_targets_load_file(kw_targets *t, const char *path, uint16_t default_port, char *err,
			 size_t errlen)
{
	bool is_stdin = strcmp(path, "-") == 0;
	const char *name = is_stdin ? "<stdin>" : path;
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r = is_stdin ? kw_fd_read_capped(STDIN_FILENO, KW_TARGETS_FILE_MAX, &text, &len)
			 : kw_file_read_capped(path, KW_TARGETS_FILE_MAX, &text, &len, NULL);
	if (r < 0) {
		_cleanup_free_ char *ename = kw_escape_str(name);
		kw_errf(err, errlen, "%s: %s", ename ? ename : "?", kw_strerror(r));
		return r;
	}
	return kw_targets_add_text(t, text, len, name, default_port, err, errlen);
}

int kw_targets_add_arg(kw_targets *t, const char *arg, uint16_t default_port, char *err,
		       size_t errlen)
{
	if (arg[0] == '@')
		return kw_targets_load_file(t, arg + 1, default_port, err, errlen);
	return kw_targets_add(t, arg, default_port, err, errlen);
}

static int gai_err(int g, int saved_errno)
{
	switch (g) {
	case EAI_NONAME:
#ifdef EAI_NODATA
	case EAI_NODATA:
#endif
#ifdef EAI_ADDRFAMILY
	case EAI_ADDRFAMILY:
#endif
		return -ENXIO;
	case EAI_AGAIN:
		return -EAGAIN;
	case EAI_MEMORY:
		return -ENOMEM;
	case EAI_SYSTEM:
		return saved_errno > 0 ? -saved_errno : -EHOSTUNREACH;
	default:
		return -EHOSTUNREACH;
	}
}

/* The address of one sockaddr as a kw_addr (IPv4-mapped IPv6 becomes IPv4, as
 * kw_addr_parse does). false for other families. */
static bool from_sockaddr(const struct sockaddr *sa, kw_addr *out)
{
	*out = (kw_addr){ 0 };
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)sa;
		out->fam = 4;
		memcpy(out->b, &s4->sin_addr, 4);
		return true;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)sa;
		static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
		const uint8_t *b = s6->sin6_addr.s6_addr;
		if (!memcmp(b, mapped, 12)) {
			out->fam = 4;
			memcpy(out->b, b + 12, 4);
		} else {
			out->fam = 6;
			memcpy(out->b, b, 16);
		}
		return true;
	}
	return false;
}

void kw_targets_resolve(kw_targets *t)
{
	for (size_t i = 0; i < t->n; i++) {
		kw_target_ep *e = &t->v[i];
		if (!e->host || e->addr.fam)
			continue;
		struct addrinfo hints = { 0 }, *res = NULL;
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = SOCK_STREAM;
		hints.ai_protocol = IPPROTO_TCP;
		hints.ai_flags = AI_NUMERICSERV; /* no AI_ADDRCONFIG: loopback-only hosts resolve */
		char port[8];
		snprintf(port, sizeof port, "%u", (unsigned)e->port);
		errno = 0;
		int g = getaddrinfo(e->host, port, &hints, &res);
		if (g != 0) {
			e->resolve_err = gai_err(g, errno);
			continue;
		}
		e->resolve_err = -ENXIO;
		for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
			if (ai->ai_addr && from_sockaddr(ai->ai_addr, &e->addr)) {
				e->resolve_err = 0;
				break;
			}
		}
		freeaddrinfo(res);
	}
}

char *kw_target_label(const kw_target_ep *e)
{
	kw_sb sb;
	kw_sb_init(&sb);
	char a[KW_ADDR_STRLEN];
	int r;
	if (e->host)
		r = kw_escape_append(&sb, e->host, strlen(e->host));
	else if (e->addr.fam == 6 && kw_addr_format(&e->addr, a, sizeof a))
		r = kw_sb_printf(&sb, "[%s]", a);
	else if (e->addr.fam == 4 && kw_addr_format(&e->addr, a, sizeof a))
		r = kw_sb_puts(&sb, a);
	else
		r = kw_escape_append(&sb, e->spec ? e->spec : "?", e->spec ? strlen(e->spec) : 1);
	if (r == 0)
		r = kw_sb_printf(&sb, ":%u", (unsigned)e->port);
	if (r < 0) {
		kw_sb_release(&sb);
		return NULL;
	}
	return kw_sb_detach(&sb);
}
