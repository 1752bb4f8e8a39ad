/* accounts.c — parsers for passwd, shadow, group and login.defs, and the classification
 * of a password field (see accounts.h for the interface).
 *
 * Owned by the "parsers" module (collect/accounts, sshkey, sudoers). Pure functions over
 * bytes taken from an image: nothing here does I/O, prints, or trusts the input.
 *
 * Line handling follows glibc's nss_files, which is what decides whether an account
 * exists on the running system: leading blanks are skipped, empty lines and lines whose
 * first non-blank byte is '#' are ignored, fields are separated by ':' and are not
 * trimmed. Unlike glibc we refuse (with a diagnostic) lines glibc would silently
 * misread: a NUL byte, more than 64 KiB, the wrong field count, a bad number.
 *
 * Diagnostics never quote a line of shadow (or passwd, which may hold a legacy hash):
 * they say which line and what is wrong with it, nothing more.
 */
#include "base/vec.h"
#include "collect/accounts.h"

#include "base/cleanup.h"
#include "base/err.h"

#include <stdlib.h>
#include <string.h>

#define KW_ACC_MAX_LINE  ((size_t)64 << 10)
#define KW_ACC_MAX_LINES 1000000u
#define KW_ACC_MAX_FIELDS 10 /* we look at no more than this many ':'-fields */

/* ---- password field classification ---- */

static bool is_crypt64(uint8_t c)
{
	return c == '.' || c == '/' || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	       (c >= 'a' && c <= 'z');
}

/* Length of the run of crypt-base64 characters at p[0..n). */
static size_t span64(const uint8_t *p, size_t n)
{
	size_t i = 0;
	while (i < n && is_crypt64(p[i]))
		i++;
	return i;
}

static bool all64(const uint8_t *p, size_t n)
{
	return span64(p, n) == n;
}

static bool has_prefix(const uint8_t *p, size_t n, const char *pre)
{
	size_t k = strlen(pre);
	return n >= k && memcmp(p, pre, k) == 0;
}

/* "<salt>$<hash>" with salt of [smin,smax] crypt64 chars and a hash of exactly hlen. */
static bool salt_hash(const uint8_t *p, size_t n, size_t smin, size_t smax, size_t hlen)
{
	size_t s = span64(p, n);
	if (s < smin || s > smax || s >= n || p[s] != '$')
		return false;
	p += s + 1;
	n -= s + 1;
	return n == hlen && all64(p, n);
}

/* Optional "rounds=<digits>$" of sha256crypt/sha512crypt/SunMD5 (after ',' for SunMD5). */
static size_t skip_rounds(const uint8_t *p, size_t n, const char *pre)
{
	size_t k = strlen(pre);
	if (!has_prefix(p, n, pre))
		return 0;
	size_t i = k, d = 0;
	while (i < n && p[i] >= '0' && p[i] <= '9' && d < 10) {
		i++;
		d++;
	}
	if (d == 0 || i >= n || p[i] != '$')
		return 0;
	return i + 1;
}

/* The scheme of a crypt(3) string whose shape is valid, or NONE. */
static kw_hash_scheme crypt_shape(const uint8_t *p, size_t n)
{
	if (n == 13 && all64(p, n))
		return KW_HASH_DES;
	if (n == 20 && p[0] == '_' && all64(p + 1, 19))
		return KW_HASH_BSDI;
	if (n < 4 || p[0] != '$')
		return KW_HASH_NONE;

	if (has_prefix(p, n, "$1$"))
		return salt_hash(p + 3, n - 3, 0, 8, 22) ? KW_HASH_MD5 : KW_HASH_NONE;
	if (has_prefix(p, n, "$5$") || has_prefix(p, n, "$6$")) {
		bool is6 = p[1] == '6';
		size_t off = 3 + skip_rounds(p + 3, n - 3, "rounds=");
		if (!salt_hash(p + off, n - off, 0, 16, is6 ? 86 : 43))
			return KW_HASH_NONE;
		return is6 ? KW_HASH_SHA512 : KW_HASH_SHA256;
	}
	if (n >= 4 && p[1] == '2' && (p[2] == 'a' || p[2] == 'b' || p[2] == 'x' || p[2] == 'y') &&
	    p[3] == '$') {
		/* $2b$NN$ + 22 salt + 31 hash */
		if (n != 7 + 53 || p[4] < '0' || p[4] > '3' || p[5] < '0' || p[5] > '9' || p[6] != '$')
			return KW_HASH_NONE;
		unsigned cost = (unsigned)(p[4] - '0') * 10 + (unsigned)(p[5] - '0');
		if (cost < 4 || cost > 31 || !all64(p + 7, 53))
			return KW_HASH_NONE;
		return KW_HASH_BCRYPT;
	}
	if (has_prefix(p, n, "$y$") || has_prefix(p, n, "$gy$")) {
		bool gost = p[1] == 'g';
		size_t off = gost ? 4 : 3;
		size_t prm = span64(p + off, n - off);
		if (prm == 0 || off + prm >= n || p[off + prm] != '$')
			return KW_HASH_NONE;
		off += prm + 1;
		if (!salt_hash(p + off, n - off, 0, 86, 43))
			return KW_HASH_NONE;
		return gost ? KW_HASH_GOST_YESCRYPT : KW_HASH_YESCRYPT;
	}
	if (has_prefix(p, n, "$7$")) {
		/* $7$ + N(1) r(5) p(5) + salt + $ + 43 */
		if (n < 3 + 11 + 1 + 43 || !all64(p + 3, 11))
			return KW_HASH_NONE;
		return salt_hash(p + 14, n - 14, 0, 64, 43) ? KW_HASH_SCRYPT : KW_HASH_NONE;
	}
	if (has_prefix(p, n, "$3$$")) {
		if (n != 4 + 32)
			return KW_HASH_NONE;
		for (size_t i = 4; i < n; i++)
			if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
				return KW_HASH_NONE;
		return KW_HASH_NTHASH;
	}
	if (has_prefix(p, n, "$md5$") || has_prefix(p, n, "$md5,")) {
		size_t off = 4;
		if (p[4] == ',') {
			size_t r = skip_rounds(p + 5, n - 5, "rounds=");
			if (r == 0)
				return KW_HASH_NONE;
			off = 5 + r;
		} else {
			off = 5;
		}
		size_t s = span64(p + off, n - off);
		if (s > 16 || off + s >= n || p[off + s] != '$')
			return KW_HASH_NONE;
		off += s + 1;
		if (off < n && p[off] == '$') /* the "$$" variant */
			off++;
		return (n - off == 22 && all64(p + off, 22)) ? KW_HASH_SUNMD5 : KW_HASH_NONE;
	}
	/* A known prefix with a wrong shape above is not a hash; other "$id$" strings shaped
	 * like crypt output (ids of lowercase letters/digits, then base64, '$', ',', '=')
	 * are an unknown scheme. */
	size_t i = 1;
	while (i < n && i <= 16 && ((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9')))
		i++;
	if (i == 1 || i >= n || p[i] != '$')
		return KW_HASH_NONE;
	static const char *const known[] = { "1", "2a", "2b", "2x", "2y", "3", "5", "6", "7",
					     "y", "gy", "md5" };
	for (size_t k = 0; k < KW_ARRAY_LEN(known); k++)
		if (strlen(known[k]) == i - 1 && memcmp(p + 1, known[k], i - 1) == 0)
			return KW_HASH_NONE;
	size_t body = 0;
	for (size_t j = i + 1; j < n; j++) {
		if (is_crypt64(p[j]))
			body++;
		else if (p[j] != '$' && p[j] != ',' && p[j] != '=')
			return KW_HASH_NONE;
	}
	if (body < 8 || !is_crypt64(p[n - 1]))
		return KW_HASH_NONE;
	return KW_HASH_UNKNOWN;
}

void kw_pw_classify(kw_buf field, kw_pw_info *ret)
{
	const uint8_t *p = kw_buf_cur(&field);
	size_t n = kw_buf_left(&field);
	kw_pw_info r = { .state = KW_PW_INVALID, .scheme = KW_HASH_NONE, .bang = n && p[0] == '!' };

	if (n == 0) {
		r.state = KW_PW_EMPTY;
	} else if (n == 1 && p[0] == 'x') {
		r.state = KW_PW_SHADOWED;
	} else if (p[0] == '!') {
		size_t k = 0;
		while (k < n && p[k] == '!')
			k++;
		kw_hash_scheme s = crypt_shape(p + k, n - k);
		if (s != KW_HASH_NONE) {
			r.state = KW_PW_LOCKED;
			r.scheme = s;
		} else {
			r.state = KW_PW_NOLOGIN;
		}
	} else if (p[0] == '*') {
		r.state = KW_PW_NOLOGIN;
	} else {
		kw_hash_scheme s = crypt_shape(p, n);
		if (s != KW_HASH_NONE) {
			r.state = KW_PW_HASH;
			r.scheme = s;
		}
	}
	*ret = r;
}

const char *kw_hash_scheme_name(kw_hash_scheme s)
{
	static const char *const names[] = {
		[KW_HASH_NONE] = "none",
		[KW_HASH_DES] = "DES",
		[KW_HASH_BSDI] = "BSDi",
		[KW_HASH_MD5] = "md5crypt",
		[KW_HASH_BCRYPT] = "bcrypt",
		[KW_HASH_SHA256] = "sha256crypt",
		[KW_HASH_SHA512] = "sha512crypt",
		[KW_HASH_YESCRYPT] = "yescrypt",
		[KW_HASH_GOST_YESCRYPT] = "gost-yescrypt",
		[KW_HASH_SCRYPT] = "scrypt",
		[KW_HASH_SUNMD5] = "SunMD5",
		[KW_HASH_NTHASH] = "NT-hash",
		[KW_HASH_UNKNOWN] = "unknown",
	};
	if ((unsigned)s >= KW_ARRAY_LEN(names) || !names[s])
		return "unknown";
	return names[s];
}

const char *kw_pw_state_name(kw_pw_state s)
{
	static const char *const names[] = {
		[KW_PW_EMPTY] = "empty",
		[KW_PW_HASH] = "hash",
		[KW_PW_LOCKED] = "locked",
		[KW_PW_NOLOGIN] = "nologin",
		[KW_PW_SHADOWED] = "shadowed",
		[KW_PW_INVALID] = "invalid",
	};
	if ((unsigned)s >= KW_ARRAY_LEN(names) || !names[s])
		return "unknown";
	return names[s];
}

bool kw_hash_scheme_weak(kw_hash_scheme s)
{
	return s == KW_HASH_DES || s == KW_HASH_BSDI || s == KW_HASH_MD5 || s == KW_HASH_NTHASH ||
	       s == KW_HASH_SUNMD5;
}

/* ---- shared line machinery ---- */

static int diag(kw_diags *d, const char *file, unsigned line, int err, const char *msg)
{
	if (!d)
		return 0;
	return kw_diags_add(d, file, line, err, "%s; line skipped", msg);
}

/* The iteration state shared by the three file parsers. */
typedef struct line_iter {
	kw_buf in;
	unsigned lineno;
	const char *file;
	kw_diags *d;
} line_iter;

/* Next line to parse: skips empty lines and comments and reports lines that are too
 * long, hold a NUL byte, or exceed the line cap. Returns 1 with *out set, 0 at the end,
 * or a negative error. */
static int next_line(line_iter *it, kw_buf *out)
{
	for (;;) {
		kw_buf line;
		bool trunc = false;
		if (!kw_buf_line(&it->in, &line, KW_ACC_MAX_LINE, &trunc))
			return 0;
		if (it->lineno >= KW_ACC_MAX_LINES) {
			if (it->d) {
				int r = kw_diags_add_fatal(it->d, it->file, it->lineno, KW_E_TOOBIG,
							   "more than %u lines; the rest is ignored",
							   KW_ACC_MAX_LINES);
				if (r < 0)
					return r;
			}
			return 0;
		}
		it->lineno++;
		if (trunc) {
			int r = diag(it->d, it->file, it->lineno, KW_E_TOOBIG,
				     "line longer than 65536 bytes");
			if (r < 0)
				return r;
			continue;
		}
		kw_buf_skip_blanks(&line);
		if (kw_buf_left(&line) == 0)
			continue;
		if (kw_buf_has_nul(&line)) {
			int r = diag(it->d, it->file, it->lineno, KW_E_PARSE,
				     "NUL byte in line");
			if (r < 0)
				return r;
			continue;
		}
		if (kw_buf_cur(&line)[0] == '#')
			continue;
		*out = line;
		return 1;
	}
}

/* An empty view over real memory (NULL + 0 is undefined behaviour in C). */
static kw_buf empty_view(void)
{
	static const uint8_t nothing[1];
	return kw_buf_view(nothing, 0);
}

/* Split a line into at most KW_ACC_MAX_FIELDS ':'-fields; returns the real field count
 * (which may exceed the number stored). */
static size_t split_fields(kw_buf line, kw_buf *f)
{
	size_t count = 0;
	const uint8_t *p = kw_buf_cur(&line);
	size_t n = kw_buf_left(&line), start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || p[i] == ':') {
			if (count < KW_ACC_MAX_FIELDS)
				f[count] = kw_buf_view(p + start, i - start);
			count++;
			start = i + 1;
		}
	}
	return count;
}

/* Skip what strtoul() skips before the digits: white space and a '+'. */
static kw_buf strtoul_prefix(kw_buf v)
{
	while (kw_buf_left(&v) && (kw_buf_cur(&v)[0] == ' ' || kw_buf_cur(&v)[0] == '\t'))
		v.off++;
	if (kw_buf_left(&v) && kw_buf_cur(&v)[0] == '+')
		v.off++;
	return v;
}

/* A uid/gid as glibc's files parser reads it (strtoul: leading blanks and '+' allowed),
 * in 0..4294967294. */
static int parse_id(kw_buf v, uint32_t *out)
{
	v = strtoul_prefix(v);
	uint64_t x;
	int r = kw_buf_to_u64(&v, 4294967294u, &x);
	if (r < 0)
		return r;
	*out = (uint32_t)x;
	return 0;
}

/* "expected N fields, found M" (says nothing about the content). */
static int bad_count(const line_iter *it, unsigned want, size_t got, bool kept)
{
	if (!it->d)
		return 0;
	return kw_diags_add(it->d, it->file, it->lineno, KW_E_PARSE,
			    "expected %u ':'-separated fields, found %zu; %s", want, got,
			    kept ? "the C library still reads this entry, so it is recorded"
				 : "line skipped");
}

/* The rest of the line from the start of field f. */
static kw_buf rest_of(kw_buf line, kw_buf f)
{
	const uint8_t *end = kw_buf_cur(&line) + kw_buf_left(&line);
	const uint8_t *start = kw_buf_cur(&f);
	return kw_buf_view(start, (size_t)(end - start));
}

static bool is_nis(kw_buf line)
{
	uint8_t c = kw_buf_cur(&line)[0];
	return c == '+' || c == '-';
}

/* ---- passwd ---- */

static void passwd_ent_free(kw_passwd_ent *e)
{
	free(e->name);
	free(e->gecos);
	free(e->home);
	free(e->shell);
}

void kw_passwd_db_release(kw_passwd_db *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < db->n; i++)
		passwd_ent_free(&db->v[i]);
	free(db->v);
	*db = (kw_passwd_db){ 0 };
}

int kw_passwd_parse(const char *file, const uint8_t *data, size_t len, kw_passwd_db *ret,
		    kw_diags *d)
{
	kw_passwd_db db = { 0 };
	size_t cap = 0;
	line_iter it = { .in = kw_buf_view(data, data ? len : 0), .file = file, .d = d };
	kw_buf line;
	int r;

	while ((r = next_line(&it, &line)) > 0) {
		if (is_nis(line)) {
			db.nis_lines++;
			continue;
		}
		kw_buf f[KW_ACC_MAX_FIELDS];
		size_t nf = split_fields(line, f);
		const char *bad = NULL;
		uint32_t uid = 0, gid = 0;
		if (nf < 4)
			r = bad_count(&it, 7, nf, false);
		else if (kw_buf_left(&f[0]) == 0)
			bad = "empty user name";
		else if (parse_id(f[2], &uid) < 0)
			bad = "bad uid (not a decimal number in 0..4294967294)";
		else if (parse_id(f[3], &gid) < 0)
			bad = "bad gid (not a decimal number in 0..4294967294)";
		else if (nf != 7)
			r = bad_count(&it, 7, nf, true);
		if (bad)
			r = diag(d, file, it.lineno, KW_E_PARSE, bad);
		if (r < 0)
			goto fail;
		if (bad || nf < 4)
			continue;
		/* as glibc reads it: missing trailing fields are empty, and the shell is the
		 * rest of the line, colons included */
		for (size_t i = nf; i < 7; i++)
			f[i] = empty_view();
		if (nf > 7)
			f[6] = rest_of(line, f[6]);
		if ((r = KW_VEC_RESERVE(db.v, db.n, cap)) < 0)
			goto fail;
		kw_passwd_ent *e = &db.v[db.n];
		*e = (kw_passwd_ent){ .uid = uid, .gid = gid, .line = it.lineno };
		kw_pw_classify(f[1], &e->pw);
		e->pw_off = (size_t)(kw_buf_cur(&f[1]) - data);
		e->pw_len = kw_buf_left(&f[1]);
		e->name = kw_buf_strdup(&f[0]);
		e->gecos = kw_buf_strdup(&f[4]);
		e->home = kw_buf_strdup(&f[5]);
		e->shell = kw_buf_strdup(&f[6]);
		if (!e->name || !e->gecos || !e->home || !e->shell) {
			passwd_ent_free(e);
			r = -ENOMEM;
			goto fail;
		}
		db.n++;
	}
	if (r < 0)
		goto fail;
	*ret = db;
	return 0;
fail:
	kw_passwd_db_release(&db);
	return r;
}

const kw_passwd_ent *kw_passwd_find(const kw_passwd_db *db, const char *name)
{
	if (!db || !name)
		return NULL;
	for (size_t i = 0; i < db->n; i++)
		if (strcmp(db->v[i].name, name) == 0)
			return &db->v[i];
	return NULL;
}

/* ---- shadow ---- */

/* A shadow day count: empty -> -1; digits -> value; "-digits" (some tools write -1)
 * -> -1. */
static int parse_days(kw_buf v, int64_t *out)
{
	if (kw_buf_left(&v) == 0) {
		*out = -1;
		return 0;
	}
	bool neg = false;
	v = strtoul_prefix(v);
	if (kw_buf_left(&v) && kw_buf_cur(&v)[0] == '-') {
		neg = true;
		v.off++;
	}
	uint64_t x;
	int r = kw_buf_to_u64(&v, UINT32_MAX, &x);
	if (r < 0)
		return r;
	*out = neg ? -1 : (int64_t)x;
	return 0;
}

void kw_shadow_db_release(kw_shadow_db *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < db->n; i++)
		free(db->v[i].name);
	free(db->v);
	*db = (kw_shadow_db){ 0 };
}

int kw_shadow_parse(const char *file, const uint8_t *data, size_t len, kw_shadow_db *ret,
		    kw_diags *d)
{
	kw_shadow_db db = { 0 };
	size_t cap = 0;
	line_iter it = { .in = kw_buf_view(data, data ? len : 0), .file = file, .d = d };
	kw_buf line;
	int r;

	while ((r = next_line(&it, &line)) > 0) {
		if (is_nis(line))
			continue; /* NIS compat entries carry no local password */
		kw_buf f[KW_ACC_MAX_FIELDS];
		size_t nf = split_fields(line, f);
		/* shadow(5): 9 fields; like glibc we accept the trailing ones missing (they
		 * are then empty), down to the old "name:password" form. */
		for (size_t i = nf; i < KW_ACC_MAX_FIELDS; i++)
			f[i] = empty_view();
		const char *bad = NULL;
		int64_t days[6];
		if (nf < 2 || nf > 9)
			r = bad_count(&it, 9, nf, false);
		else if (kw_buf_left(&f[0]) == 0)
			bad = "empty user name";
		else
			for (size_t i = 0; i < 6 && !bad; i++)
				if (parse_days(f[2 + i], &days[i]) < 0)
					bad = "bad number in a date or age field";
		if (bad)
			r = diag(d, file, it.lineno, KW_E_PARSE, bad);
		if (r < 0)
			goto fail;
		if (bad || nf < 2 || nf > 9)
			continue;
		if ((r = KW_VEC_RESERVE(db.v, db.n, cap)) < 0)
			goto fail;
		kw_shadow_ent *e = &db.v[db.n];
		*e = (kw_shadow_ent){ .lastchg = days[0], .expire = days[5], .line = it.lineno };
		kw_pw_classify(f[1], &e->pw);
		e->pw_off = (size_t)(kw_buf_cur(&f[1]) - data);
		e->pw_len = kw_buf_left(&f[1]);
		if (!(e->name = kw_buf_strdup(&f[0]))) {
			r = -ENOMEM;
			goto fail;
		}
		db.n++;
	}
	if (r < 0)
		goto fail;
	*ret = db;
	return 0;
fail:
	kw_shadow_db_release(&db);
	return r;
}

const kw_shadow_ent *kw_shadow_find(const kw_shadow_db *db, const char *name)
{
	if (!db || !name)
		return NULL;
	for (size_t i = 0; i < db->n; i++)
		if (strcmp(db->v[i].name, name) == 0)
			return &db->v[i];
	return NULL;
}

/* ---- group ---- */

static void group_ent_free(kw_group_ent *e)
{
	free(e->name);
	if (e->members)
		for (size_t i = 0; i < e->n_members; i++)
			free(e->members[i]);
	free(e->members);
}

void kw_group_db_release(kw_group_db *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < db->n; i++)
		group_ent_free(&db->v[i]);
	free(db->v);
	*db = (kw_group_db){ 0 };
}

/* Split "a,b,,c" into a NULL-terminated list, skipping empty names. */
static int split_members(kw_buf v, kw_group_ent *e)
{
	const uint8_t *p = kw_buf_cur(&v);
	size_t n = kw_buf_left(&v);
	size_t count = 0;
	for (size_t i = 0; i < n; i++)
		if (p[i] == ',')
			count++;
	/* count + 1 names at most; the line cap bounds this to 32 Ki */
	e->members = calloc(count + 2, sizeof *e->members);
	if (!e->members)
		return -ENOMEM;
	size_t start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && p[i] != ',')
			continue;
		if (i > start) {
			kw_buf m = kw_buf_view(p + start, i - start);
			if (!(e->members[e->n_members] = kw_buf_strdup(&m)))
				return -ENOMEM;
			e->n_members++;
		}
		start = i + 1;
	}
	return 0;
}

int kw_group_parse(const char *file, const uint8_t *data, size_t len, kw_group_db *ret,
		   kw_diags *d)
{
	kw_group_db db = { 0 };
	size_t cap = 0;
	line_iter it = { .in = kw_buf_view(data, data ? len : 0), .file = file, .d = d };
	kw_buf line;
	int r;

	while ((r = next_line(&it, &line)) > 0) {
		if (is_nis(line))
			continue;
		kw_buf f[KW_ACC_MAX_FIELDS];
		size_t nf = split_fields(line, f);
		const char *bad = NULL;
		uint32_t gid = 0;
		if (nf < 3)
			r = bad_count(&it, 4, nf, false);
		else if (kw_buf_left(&f[0]) == 0)
			bad = "empty group name";
		else if (parse_id(f[2], &gid) < 0)
			bad = "bad gid (not a decimal number in 0..4294967294)";
		else if (nf != 4)
			r = bad_count(&it, 4, nf, true);
		if (bad)
			r = diag(d, file, it.lineno, KW_E_PARSE, bad);
		if (r < 0)
			goto fail;
		if (bad || nf < 3)
			continue;
		/* as glibc reads it: no member field means no members; with more fields the
		 * member list is the rest of the line */
		if (nf == 3)
			f[3] = empty_view();
		else if (nf > 4)
			f[3] = rest_of(line, f[3]);
		if ((r = KW_VEC_RESERVE(db.v, db.n, cap)) < 0)
			goto fail;
		kw_group_ent *e = &db.v[db.n];
		*e = (kw_group_ent){ .gid = gid, .line = it.lineno };
		if (!(e->name = kw_buf_strdup(&f[0])) || (r = split_members(f[3], e)) < 0) {
			group_ent_free(e);
			r = -ENOMEM;
			goto fail;
		}
		db.n++;
	}
	if (r < 0)
		goto fail;
	*ret = db;
	return 0;
fail:
	kw_group_db_release(&db);
	return r;
}

const kw_group_ent *kw_group_find_gid(const kw_group_db *db, uint32_t gid)
{
	if (!db)
		return NULL;
	for (size_t i = 0; i < db->n; i++)
		if (db->v[i].gid == gid)
			return &db->v[i];
	return NULL;
}

const kw_group_ent *kw_group_find(const kw_group_db *db, const char *name)
{
	if (!db || !name)
		return NULL;
	for (size_t i = 0; i < db->n; i++)
		if (strcmp(db->v[i].name, name) == 0)
			return &db->v[i];
	return NULL;
}

/* ---- login.defs ---- */

/* A login.defs number as shadow-utils reads it (strtoul base 0: decimal, 0x hex, 0
 * octal), fully consumed, in [0, 4294967294]. */
static int parse_defs_number(kw_buf v, uint32_t *out)
{
	const uint8_t *p = kw_buf_cur(&v);
	size_t n = kw_buf_left(&v);
	unsigned base = 10;
	size_t i = 0;
	if (n >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		i = 2;
	} else if (n >= 2 && p[0] == '0') {
		base = 8;
		i = 1;
	}
	if (i >= n)
		return KW_E_PARSE;
	uint64_t x = 0;
	for (; i < n; i++) {
		unsigned dgt;
		if (p[i] >= '0' && p[i] <= '9')
			dgt = (unsigned)(p[i] - '0');
		else if (p[i] >= 'a' && p[i] <= 'f')
			dgt = (unsigned)(p[i] - 'a') + 10;
		else if (p[i] >= 'A' && p[i] <= 'F')
			dgt = (unsigned)(p[i] - 'A') + 10;
		else
			return KW_E_PARSE;
		if (dgt >= base)
			return KW_E_PARSE;
		x = x * base + dgt;
		if (x > 4294967294u)
			return KW_E_PARSE;
	}
	*out = (uint32_t)x;
	return 0;
}

/* As shadow-utils' getdef.c reads it: "NAME value"; the value starts after blanks and
 * double quotes and ends at the next quote or the end of the (right-trimmed) line. The
 * last line for a name wins, even when its value is not a number, which then means the
 * default (getdef_ulong's fallback). A line with a name only is ignored. */
void kw_logindefs_parse(const uint8_t *data, size_t len, kw_logindefs *ret)
{
	static const char *const keys[4] = { "UID_MIN", "UID_MAX", "SYS_UID_MIN", "SYS_UID_MAX" };
	static const uint32_t defaults[4] = { 1000, 60000, 101, 999 };
	kw_buf last[4];
	bool seen[4] = { false, false, false, false };
	kw_buf in = kw_buf_view(data, data ? len : 0);
	kw_buf line;
	unsigned lines = 0;
	while (lines++ < KW_ACC_MAX_LINES && kw_buf_line(&in, &line, KW_ACC_MAX_LINE, NULL)) {
		kw_buf key;
		if (kw_buf_has_nul(&line))
			continue;
		line = kw_buf_trim(line);
		if (!kw_buf_token(&line, &key) || kw_buf_cur(&key)[0] == '#' || kw_buf_left(&line) == 0)
			continue;
		const uint8_t *v = kw_buf_cur(&line);
		size_t vn = kw_buf_left(&line), i = 0;
		while (i < vn && (v[i] == ' ' || v[i] == '\t' || v[i] == '"'))
			i++;
		const uint8_t *q = memchr(v + i, '"', vn - i);
		kw_buf val = kw_buf_view(v + i, q ? (size_t)(q - (v + i)) : vn - i);
		for (size_t k = 0; k < 4; k++) {
			if (kw_buf_eq(&key, keys[k])) {
				last[k] = val;
				seen[k] = true;
			}
		}
	}
	uint32_t out[4];
	for (size_t k = 0; k < 4; k++)
		if (!seen[k] || parse_defs_number(last[k], &out[k]) < 0)
			out[k] = defaults[k];
	*ret = (kw_logindefs){ .uid_min = out[0], .uid_max = out[1], .sys_uid_min = out[2],
			       .sys_uid_max = out[3] };
}
