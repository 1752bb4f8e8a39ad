/* secrets.c — recognise credentials by content, and describe them without the secret.
 *
 * Owner: the secrets module (this file, tests/unit/test_secrets.c, tests/data/secrets/,
 * tests/fuzz/fuzz_secrets.c and its corpus).
 * Everything here is a pure function over bytes that come from an image: no I/O, no
 * allocation in kw_sniff(), bounded loops everywhere, recursion only over parsed JSON and
 * then with a depth cap.
 *
 * Three parts:
 *
 *  1. kw_sniff(): one look at the first KW_SNIFF_HEAD bytes of every file of a tree
 *     (`audit --deep`), so it must cost well under a microsecond on an ordinary file.
 *     It runs a few memchr passes over at most 4 KiB, each anchored on a byte that is
 *     rare in text, and checks the marker around each hit:
 *         NUL byte?           -> binary: only the text before it is searched for a key
 *         "#cloud-config"     -> kw_cloudinit_scan() on the head
 *         'V' of "PRIVATE KEY" -> on a "-----BEGIN <LABEL>PRIVATE KEY-----" line
 *                                or "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----"?
 *         'Y' of "PuTTY-User-Key-File-" at a line start
 *         '{' first           -> memmem "service_account": "type": "service_account"
 *                                and a non-empty "private_key"
 *         'I' of "AKIA"/"ASIA" -> an access key id (16 [A-Z2-7], word bounded, not the
 *                                documented example) next to a secret-looking key
 *
 *  2. kw_cred_analyze(): a known credential file (table kw_cred_files[]) and its content.
 *     INI files (AWS, Alibaba, ossutil, .boto, .my.cnf, .pypirc, .s3cfg, rclone.conf, and
 *     .npmrc with its "//registry/:key" scopes) go through one small INI reader and one
 *     analyser, ini_analyze(), driven by a table of secret key names per kind;
 *     JSON files (Docker, Azure, gcloud, aliyun, AWS caches, Terraform) through jansson,
 *     with a size cap and a textual fallback for what jansson refuses; Docker's "auths" and
 *     Terraform's "credentials" share one host-map reader (json_host_logins());
 *     YAML files are read line by line: kube config (users: items, their name and secret
 *     keys), gh hosts.yml and .gem/credentials (top-level keys and the secret keys below
 *     them, ytop_next()); .netrc by tokens; .pgpass, .git-credentials by their one-line
 *     formats; .vault-token is the token alone.
 *     relpath is a hint only: for a directory row (.config/gcloud, .aws/sso/cache) the
 *     caller may pass the directory itself, so file kinds are also told apart by content
 *     (SQLite schema, JSON vs INI). On 0 *ret_desc is set to NULL; on error untouched.
 *     The description names what was found: key names, profile/section names, registry
 *     hosts, machine names, user names from kube config. It never contains a value of a
 *     secret key, a base64 auth string or the user part of a URL (that is often a token).
 *     The few things that are not credentials though a secret key is set are skipped: the
 *     AWS documentation's example secret, npm's "${ENV_VAR}" references.
 *
 *  3. kw_cloudinit_scan(): cloud-init user data and cloud.cfg.d files, line by line, with
 *     just enough YAML awareness (indentation, "- " items, block scalars) to know whether
 *     a key has a value.
 */
#include "collect/secrets.h"
#include "base/buf.h"
#include "base/cleanup.h"
#include "base/err.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#define SNIFF_MAX 4096                  /* == KW_SNIFF_HEAD (target.h) */
#define LINE_CAP 4096                   /* lines are cut here; keys are at the start */
#define JSON_CAP ((size_t)2 << 20)      /* larger JSON: textual scan only */
#define CRED_CAP ((size_t)256 << 20)    /* larger input: KW_E_TOOBIG */
#define JSON_DEPTH 32                   /* our own walk over a parsed document */
#define JSON_BUDGET 1000000             /* nodes visited by one walk */
#define SHOW_NAME_MAX 64                /* a name from the file is cut here in descriptions */
#define NAMES_SHOWN 5                   /* names listed before ", ..." */
#define VAULT_TOKEN_MAX 4096            /* a longer "token" is some other file */

/* AWS documentation examples; access key ids ending in "EXAMPLE" are all treated alike. */
static const char aws_example_secret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

/* ---------------------------------------------------------------------------------- */
/* small helpers over views (all views here have off == 0)                             */

static inline bool c_blank(uint8_t c) { return c == ' ' || c == '\t'; }
static inline bool c_space(uint8_t c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
static inline bool c_upper(uint8_t c) { return c >= 'A' && c <= 'Z'; }
static inline bool c_lowerc(uint8_t c) { return c >= 'a' && c <= 'z'; }
static inline bool c_digit(uint8_t c) { return c >= '0' && c <= '9'; }
static inline bool c_alnum(uint8_t c) { return c_upper(c) || c_lowerc(c) || c_digit(c); }
static inline uint8_t c_fold(uint8_t c) { return c_upper(c) ? (uint8_t)(c + 32) : c; }
/* characters of an AWS secret access key (base64 without padding) */
static inline bool c_b64(uint8_t c) { return c_alnum(c) || c == '/' || c == '+'; }

static kw_buf v_sub(kw_buf v, size_t from, size_t n)
{
	if (from > v.len)
		from = v.len;
	if (n > v.len - from)
		n = v.len - from;
	return kw_buf_view(v.p + from, n);
}

static bool v_starts(kw_buf v, const char *s)
{
	size_t n = strlen(s);
	return v.len >= n && memcmp(v.p, s, n) == 0;
}

/* Case-insensitive equality, '-' and '_' equal (INI keys: "password" vs "pass-word" no,
 * but my.cnf treats "ssl-key" and "ssl_key" alike). */
static bool key_eq(kw_buf v, const char *s)
{
	size_t n = strlen(s);
	if (v.len != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint8_t a = c_fold(v.p[i]), b = c_fold((uint8_t)s[i]);
		if (a == '-')
			a = '_';
		if (b == '-')
			b = '_';
		if (a != b)
			return false;
	}
	return true;
}

static bool v_ieq(kw_buf v, const char *s)
{
	size_t n = strlen(s);
	if (v.len != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (c_fold(v.p[i]) != c_fold((uint8_t)s[i]))
			return false;
	return true;
}

/* Trim blanks and strip one pair of matching quotes. */
static kw_buf v_unquote(kw_buf v)
{
	v = kw_buf_trim(v);
	if (v.len >= 2 && (v.p[0] == '"' || v.p[0] == '\'') && v.p[v.len - 1] == v.p[0])
		v = kw_buf_trim(kw_buf_view(v.p + 1, v.len - 2));
	return v;
}

static const uint8_t *mem_find(const uint8_t *h, size_t hl, const char *needle)
{
	return memmem(h, hl, needle, strlen(needle));
}

/* Case-insensitive search; only used on small inputs after a cheap pre-filter. */
static const uint8_t *mem_ifind(const uint8_t *h, size_t hl, const char *needle)
{
	size_t n = strlen(needle);
	if (n == 0 || hl < n)
		return NULL;
	for (size_t i = 0; i + n <= hl; i++) {
		size_t j = 0;
		while (j < n && c_fold(h[i + j]) == c_fold((uint8_t)needle[j]))
			j++;
		if (j == n)
			return h + i;
	}
	return NULL;
}

static kw_buf basename_of(const char *relpath)
{
	if (!relpath)
		return kw_buf_view("", 0);
	const char *s = strrchr(relpath, '/');
	s = s ? s + 1 : relpath;
	return kw_buf_view(s, strlen(s));
}

/* Does the content start (after BOM and white space) with '{'? (Not '[': INI files do.) */
static bool looks_json(const uint8_t *d, size_t len)
{
	size_t i = 0;
	if (len >= 3 && d[0] == 0xEF && d[1] == 0xBB && d[2] == 0xBF)
		i = 3;
	while (i < len && c_space(d[i]))
		i++;
	return i < len && d[i] == '{';
}

/* Textual JSON: after a key that ends before d[i], `: "x` (a non-empty string value)? */
static bool json_text_value(const uint8_t *d, size_t len, size_t i)
{
	while (i < len && c_space(d[i]))
		i++;
	if (i >= len || d[i] != ':')
		return false;
	i++;
	while (i < len && c_space(d[i]))
		i++;
	return i + 1 < len && d[i] == '"' && d[i + 1] != '"';
}

/* ---------------------------------------------------------------------------------- */
/* description building                                                                 */

static int put_name(kw_sb *sb, const void *p, size_t n)
{
	if (n == 0)
		return kw_sb_puts(sb, "(unnamed)");
	if (n <= SHOW_NAME_MAX)
		return kw_sb_put(sb, p, n);
	int r = kw_sb_put(sb, p, SHOW_NAME_MAX);
	return r < 0 ? r : kw_sb_puts(sb, "...");
}

/* A list of up to NAMES_SHOWN names, then ", ...". n counts all added. */
typedef struct namelist {
	kw_sb sb;
	size_t n;
	const char *sep;
} namelist;

static void names_init(namelist *l, const char *sep)
{
	kw_sb_init(&l->sb);
	l->n = 0;
	l->sep = sep;
}

/* Start a new item: returns true if it is to be written (the first NAMES_SHOWN). */
static int names_next(namelist *l, bool *show)
{
	l->n++;
	*show = l->n <= NAMES_SHOWN;
	if (*show && l->n > 1)
		return kw_sb_puts(&l->sb, l->sep);
	return 0;
}

static int names_add(namelist *l, const void *p, size_t n)
{
	bool show;
	int r = names_next(l, &show);
	if (r < 0 || !show)
		return r;
	return put_name(&l->sb, p, n);
}

static int names_finish(namelist *l)
{
	if (l->n > NAMES_SHOWN) {
		int r = kw_sb_puts(&l->sb, l->sep);
		return r < 0 ? r : kw_sb_puts(&l->sb, "...");
	}
	return 0;
}

/* Hand out a description: 1 with *ret_desc set, or -ENOMEM. r < 0 is an error met while
 * writing sb: sb is released and r returned. */
static int desc_out(kw_sb *sb, int r, char **ret_desc)
{
	if (r < 0) {
		kw_sb_release(sb);
		return r;
	}
	if (sb->overflow) {
		kw_sb_release(sb);
		return KW_E_TOOBIG;
	}
	if (!ret_desc) {
		kw_sb_release(sb);
		return 1;
	}
	char *s = kw_sb_detach(sb);
	if (!s)
		return -ENOMEM;
	*ret_desc = s;
	return 1;
}

static int desc_str(const char *s, char **ret_desc)
{
	if (!ret_desc)
		return 1;
	char *d = strdup(s);
	if (!d)
		return -ENOMEM;
	*ret_desc = d;
	return 1;
}

/* End a list that r (0 or an error) was writing: 1 when it holds names, else r (<= 0)
 * with the list released. */
static int names_done(namelist *l, int r)
{
	if (r == 0)
		r = names_finish(l);
	if (r < 0 || l->n == 0) {
		kw_sb_release(&l->sb);
		return r;
	}
	return 1;
}

/* The list itself is the description. */
static int names_desc(namelist *l, int r, char **ret_desc)
{
	r = names_done(l, r);
	return r <= 0 ? r : desc_out(&l->sb, 0, ret_desc);
}

/* ---------------------------------------------------------------------------------- */
/* kw_sniff                                                                             */

static size_t line_start(const uint8_t *h, size_t pos)
{
	const uint8_t *s = pos ? memrchr(h, '\n', pos) : NULL;
	return s ? (size_t)(s - h) + 1 : 0;
}

/* Blank-only text between the start of pos's line and pos? Returns that line start. */
static bool at_line_start(const uint8_t *h, size_t pos, size_t *ret_ls)
{
	size_t ls = line_start(h, pos), i = ls;
	while (i < pos && c_blank(h[i]))
		i++;
	*ret_ls = ls;
	return i == pos;
}

/* Is there a private key header line in h[0..len)?
 * Speed: glibc's memmem costs about a microsecond per 4 KiB call, so each marker is found
 * through a rare anchor byte with memchr: the 'V' of "PRIVATE KEY" (PEM labels and the
 * SSH2 line) and the second 'Y' of "PuTTY-User-Key-File-". */
static bool sniff_private_key(const uint8_t *h, size_t len)
{
	static const char pk[] = "PRIVATE KEY";          /* 'V' at index 3 */
	static const char ssh2[] = "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----";
	static const char putty[] = "PuTTY-User-Key-File-"; /* 'Y' at index 4 */
	const uint8_t *p, *end = h + len;

	for (p = h; p < end && (p = memchr(p, 'V', (size_t)(end - p))); p++) {
		size_t v = (size_t)(p - h);
		if (v < 3 || len - (v - 3) < sizeof pk - 1 || memcmp(p - 3, pk, sizeof pk - 1) != 0)
			continue;
		size_t pos = v - 3, ls = line_start(h, pos);
		while (ls < pos && c_blank(h[ls]))
			ls++;
		kw_buf line = kw_buf_view(h + ls, len - ls);
		if (v_starts(line, "-----BEGIN ") && pos >= ls + 11) {
			/* the label: "-----BEGIN " [A-Z0-9 ]* "PRIVATE KEY-----" */
			size_t i = ls + 11;
			while (i < pos && (c_upper(h[i]) || c_digit(h[i]) || h[i] == ' '))
				i++;
			if (i == pos && pos - ls - 11 <= 64 && len - pos >= 16 &&
			    memcmp(h + pos + 11, "-----", 5) == 0)
				return true;
		} else if (v_starts(line, ssh2)) {
			return true;
		}
	}
	for (p = h; p < end && (p = memchr(p, 'Y', (size_t)(end - p))); p++) {
		size_t y = (size_t)(p - h), ls;
		if (y >= 4 && len - (y - 4) >= sizeof putty - 1 &&
		    memcmp(p - 4, putty, sizeof putty - 1) == 0 && at_line_start(h, y - 4, &ls))
			return true;
	}
	return false;
}

/* "type" : "service_account" and "private_key" : "<something>" */
static bool sniff_gcp_sa(const uint8_t *h, size_t len)
{
	static const char sa[] = "\"service_account\"";
	static const char ty[] = "\"type\"";
	static const char pk[] = "\"private_key\"";
	const uint8_t *end = h + len, *p = h;
	bool type_ok = false;

	while (!type_ok && (p = memmem(p, (size_t)(end - p), sa, sizeof sa - 1))) {
		size_t i = (size_t)(p - h);
		while (i > 0 && c_space(h[i - 1]))
			i--;
		if (i > 0 && h[i - 1] == ':') {
			i--;
			while (i > 0 && c_space(h[i - 1]))
				i--;
			if (i >= sizeof ty - 1 && memcmp(h + i - (sizeof ty - 1), ty, sizeof ty - 1) == 0)
				type_ok = true;
		}
		p += sizeof sa - 1;
	}
	if (!type_ok)
		return false;
	p = h;
	while ((p = memmem(p, (size_t)(end - p), pk, sizeof pk - 1))) {
		if (json_text_value(h, len, (size_t)(p - h) + sizeof pk - 1))
			return true;
		p += sizeof pk - 1;
	}
	return false;
}

/* An access key id at h[i]: "AKIA"/"ASIA" + 16 [A-Z2-7], word bounded, not an example. */
static bool aws_id_at(const uint8_t *h, size_t len, size_t i)
{
	if (i > 0 && c_alnum(h[i - 1]))
		return false;
	if (len - i < 20)
		return false;
	for (size_t j = 4; j < 20; j++) {
		uint8_t c = h[i + j];
		if (!c_upper(c) && !(c >= '2' && c <= '7'))
			return false;
	}
	if (len - i > 20 && c_alnum(h[i + 20]))
		return false;
	/* AWS documentation examples: AKIAIOSFODNN7EXAMPLE, ASIAIOSFODNN7EXAMPLE, ... */
	if (memcmp(h + i + 13, "EXAMPLE", 7) == 0)
		return false;
	return true;
}

/* Anchored on the 'I' both prefixes share: "AKIA", "ASIA". */
static bool sniff_aws_id(const uint8_t *h, size_t len)
{
	const uint8_t *p, *end = h + len;
	for (p = h; p < end && (p = memchr(p, 'I', (size_t)(end - p))); p++) {
		size_t i = (size_t)(p - h);
		if (i < 2 || i + 1 >= len || h[i - 2] != 'A' || (h[i - 1] != 'K' && h[i - 1] != 'S') ||
		    h[i + 1] != 'A')
			continue;
		if (aws_id_at(h, len, i - 2))
			return true;
	}
	return false;
}

static bool is_example_secret(const uint8_t *p, size_t n)
{
	return n == sizeof aws_example_secret - 1 && memcmp(p, aws_example_secret, n) == 0;
}

/* A secret-looking token: exactly 40 chars of [A-Za-z0-9/+] plus optional '=' padding,
 * bounded by other characters, with both cases present (not hex, not a word). */
static bool sniff_aws_token(const uint8_t *h, size_t len)
{
	size_t i = 0;
	while (i < len) {
		if (!c_b64(h[i])) {
			i++;
			continue;
		}
		size_t s = i;
		bool lo = false, up = false;
		while (i < len && c_b64(h[i])) {
			lo |= c_lowerc(h[i]);
			up |= c_upper(h[i]);
			i++;
		}
		size_t n = i - s;
		while (i < len && h[i] == '=' && i - s < 44)
			i++;
		if ((n == 40 || i - s == 40) && lo && up && !is_example_secret(h + s, n) &&
		    (s == 0 || (h[s - 1] != '_' && h[s - 1] != '-')) &&
		    (i == len || (h[i] != '_' && h[i] != '-')))
			return true;
	}
	return false;
}

/* "aws_secret_access_key" / "AWS_SECRET_ACCESS_KEY" / "SecretAccessKey" with a value. */
static bool sniff_aws_keyword(const uint8_t *h, size_t len)
{
	static const char *const kws[] = { "secret_access_key", "secretaccesskey" };
	for (size_t k = 0; k < KW_ARRAY_LEN(kws); k++) {
		const uint8_t *p = h;
		size_t left = len;
		const uint8_t *q;
		while ((q = mem_ifind(p, left, kws[k]))) {
			size_t i = (size_t)(q - h) + strlen(kws[k]);
			size_t lim = i + 8;
			while (i < len && i < lim && (c_blank(h[i]) || h[i] == '"' || h[i] == '\'' ||
						      h[i] == ':' || h[i] == '='))
				i++;
			size_t s = i;
			while (i < len && c_b64(h[i]))
				i++;
			if (i - s >= 16 && i - s <= 128 && !is_example_secret(h + s, i - s))
				return true;
			left = len - (size_t)(q - h) - 1;
			p = q + 1;
		}
	}
	return false;
}

int kw_sniff(const char *path, const uint8_t *head, size_t len)
{
	(void)path;
	if (!head || len == 0)
		return KW_SNIFF_NONE;
	if (len > SNIFF_MAX)
		len = SNIFF_MAX;
	const uint8_t *nul = memchr(head, 0, len);
	size_t text = nul ? (size_t)(nul - head) : len;

	if (!nul) {
		size_t o = (len >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF) ? 3 : 0;
		if (v_starts(kw_buf_view(head + o, len - o), "#cloud-config") &&
		    (kw_cloudinit_scan(head, len) & (KW_CI_CHPASSWD | KW_CI_PASSWORD | KW_CI_SSH_KEYS)))
			return KW_SNIFF_CLOUD_CONFIG;
	}
	/* Key checks look at the text before the first NUL: a PEM file padded with zeros
	 * still counts, a binary whose header has NULs does not. */
	if (sniff_private_key(head, text))
		return KW_SNIFF_PRIVATE_KEY;
	if (nul)
		return KW_SNIFF_NONE;
	/* a service account key file is a JSON object: look only in those */
	if (looks_json(head, len) && memmem(head, len, "service_account", 15) && sniff_gcp_sa(head, len))
		return KW_SNIFF_GCP_SA;
	if (sniff_aws_id(head, len) && (sniff_aws_keyword(head, len) || sniff_aws_token(head, len)))
		return KW_SNIFF_AWS_KEY;
	return KW_SNIFF_NONE;
}

const char *kw_sniff_kind_name(int kind)
{
	switch (kind) {
	case KW_SNIFF_NONE: return "nothing";
	case KW_SNIFF_PRIVATE_KEY: return "private key";
	case KW_SNIFF_AWS_KEY: return "AWS access key";
	case KW_SNIFF_GCP_SA: return "GCP service account key";
	case KW_SNIFF_CLOUD_CONFIG: return "cloud-init config with passwords";
	default: return "unknown";
	}
}

/* ---------------------------------------------------------------------------------- */
/* credential file table                                                                */

const kw_cred_file kw_cred_files[] = {
	{ ".aws/credentials", KW_CRED_AWS, false },
	{ ".aws/config", KW_CRED_AWS, false },
	{ ".aws/sso/cache", KW_CRED_AWS, true },
	{ ".aws/cli/cache", KW_CRED_AWS, true },
	{ ".aliyun/config.json", KW_CRED_ALIYUN, false },
	{ ".alibabacloud/credentials", KW_CRED_ALIYUN, false },
	{ ".alibabacloud/credentials.ini", KW_CRED_ALIYUN, false },
	{ ".ossutilconfig", KW_CRED_ALIYUN, false },
	{ ".config/gcloud", KW_CRED_GCLOUD, true },
	{ ".boto", KW_CRED_GCLOUD, false },
	{ ".azure/msal_token_cache.json", KW_CRED_AZURE, false },
	{ ".azure/accessTokens.json", KW_CRED_AZURE, false },
	{ ".azure/service_principal_entries.json", KW_CRED_AZURE, false },
	{ ".docker/config.json", KW_CRED_DOCKER, false },
	{ ".config/containers/auth.json", KW_CRED_DOCKER, false },
	{ ".kube/config", KW_CRED_KUBE, false },
	{ ".netrc", KW_CRED_NETRC, false },
	{ ".pgpass", KW_CRED_PGPASS, false },
	{ ".git-credentials", KW_CRED_GIT, false },
	{ ".config/git/credentials", KW_CRED_GIT, false },
	{ ".my.cnf", KW_CRED_MYCNF, false },
	{ ".npmrc", KW_CRED_NPM, false },
	{ ".pypirc", KW_CRED_PYPI, false },
	{ ".gem/credentials", KW_CRED_GEM, false },
	{ ".config/gh/hosts.yml", KW_CRED_GH, false },
	{ ".vault-token", KW_CRED_VAULT, false },
	{ ".terraform.d/credentials.tfrc.json", KW_CRED_TERRAFORM, false },
	{ ".s3cfg", KW_CRED_S3CFG, false },
	{ ".config/rclone/rclone.conf", KW_CRED_RCLONE, false },
};
const size_t kw_cred_files_n = KW_ARRAY_LEN(kw_cred_files);

const char *kw_cred_kind_name(kw_cred_kind k)
{
	switch (k) {
	case KW_CRED_AWS: return "AWS CLI";
	case KW_CRED_ALIYUN: return "Alibaba Cloud CLI";
	case KW_CRED_GCLOUD: return "Google Cloud SDK";
	case KW_CRED_AZURE: return "Azure CLI";
	case KW_CRED_DOCKER: return "Docker registry";
	case KW_CRED_KUBE: return "Kubernetes";
	case KW_CRED_NETRC: return "netrc";
	case KW_CRED_PGPASS: return "PostgreSQL password file";
	case KW_CRED_GIT: return "git credential store";
	case KW_CRED_MYCNF: return "MySQL client";
	case KW_CRED_NPM: return "npm";
	case KW_CRED_PYPI: return "PyPI upload";
	case KW_CRED_GEM: return "RubyGems";
	case KW_CRED_GH: return "GitHub CLI";
	case KW_CRED_VAULT: return "HashiCorp Vault";
	case KW_CRED_TERRAFORM: return "Terraform CLI";
	case KW_CRED_S3CFG: return "s3cmd";
	case KW_CRED_RCLONE: return "rclone";
	case KW_CRED__COUNT: break;
	}
	return "unknown";
}

/* ---------------------------------------------------------------------------------- */
/* INI files                                                                            */

typedef struct ini_iter {
	kw_buf b;
	kw_buf section;
	bool eq_only;   /* "key = value" only: ':' belongs to the key (.npmrc "//host:8080/:_auth") */
} ini_iter;

static void ini_init(ini_iter *it, const uint8_t *d, size_t len, bool eq_only)
{
	it->b = kw_buf_view(d, len);
	it->section = kw_buf_view("", 0);
	it->eq_only = eq_only;
}

/* Next "key = value" (or "key: value", or a bare "key"); it->section is its section. */
static bool ini_next(ini_iter *it, kw_buf *key, kw_buf *value, bool *has_value)
{
	kw_buf line;
	while (kw_buf_line(&it->b, &line, LINE_CAP, NULL)) {
		kw_buf t = kw_buf_trim(line);
		if (t.len == 0 || t.p[0] == '#' || t.p[0] == ';' || t.p[0] == '!')
			continue;
		if (t.p[0] == '[') {
			const uint8_t *e = memchr(t.p, ']', t.len);
			size_t n = e ? (size_t)(e - t.p) - 1 : t.len - 1;
			it->section = kw_buf_trim(kw_buf_view(t.p + 1, n));
			continue;
		}
		size_t i = 0;
		while (i < t.len && t.p[i] != '=' && (it->eq_only || t.p[i] != ':'))
			i++;
		*key = kw_buf_trim(kw_buf_view(t.p, i));
		*has_value = i < t.len;
		*value = *has_value ? v_unquote(kw_buf_view(t.p + i + 1, t.len - i - 1))
				    : kw_buf_view(t.p + t.len, 0);
		return true;
	}
	return false;
}

/* How the group of a set of keys (INI section, npm registry, YAML top-level key, Alibaba
 * JSON profile, kube user) is named in a description: "<keys><open><name><close>", or
 * "<keys><none>" for the empty name. */
typedef struct grp_style {
	const char *open, *close, *none;
} grp_style;

static const grp_style style_section = { " in [", "]", " outside any section" };
static const grp_style style_profile = { " in profile [", "]", " outside any section" };
static const grp_style style_registry = { " for ", "", " for the default registry" };
static const grp_style style_for = { " for ", "", " for (unnamed)" };
static const grp_style style_json_profile = { " in profile ", "", " in profile (unnamed)" };
static const grp_style style_user = { " for user ", "", " for user (unnamed)" };

/* One item "key1, key2 in [name]" for the keys[] bits set in mask. */
static int grp_flush(namelist *out, const char *const *keys, size_t nkeys, unsigned mask,
		     const grp_style *st, kw_buf name)
{
	if (!mask)
		return 0;
	bool show;
	int r = names_next(out, &show);
	if (r < 0 || !show)
		return r;
	bool first = true;
	for (size_t k = 0; k < nkeys && k < 32 && r == 0; k++) {
		if (!(mask & (1u << k)))
			continue;
		r = kw_sb_printf(&out->sb, "%s%s", first ? "" : ", ", keys[k]);
		first = false;
	}
	if (r < 0)
		return r;
	if (name.len == 0)
		return kw_sb_puts(&out->sb, st->none);
	r = kw_sb_puts(&out->sb, st->open);
	if (r == 0)
		r = put_name(&out->sb, name.p, name.len);
	if (r == 0)
		r = kw_sb_puts(&out->sb, st->close);
	return r;
}

typedef struct ini_spec {
	const char *const *keys;   /* secret keys (case-insensitive, '-' == '_'), at most 32 */
	size_t nkeys;
	const grp_style *style;
	bool aws_profiles;         /* "[profile x]" -> "x" */
	bool npm;                  /* .npmrc: '=' only, "//registry/path/:key" scopes (the
				      group, instead of the section), "${VAR}" values skipped */
} ini_spec;

static kw_buf ini_show_section(const ini_spec *s, kw_buf sec)
{
	if (s->aws_profiles && v_starts(sec, "profile ") && sec.len > 8)
		return kw_buf_trim(kw_buf_view(sec.p + 8, sec.len - 8));
	return sec;
}

/* .npmrc "//registry.example.com/npm/:_authToken" -> registry "registry.example.com/npm",
 * key "_authToken"; an unscoped key belongs to the default registry (""). */
static kw_buf npm_scope(kw_buf *key)
{
	if (!v_starts(*key, "//"))
		return kw_buf_view("", 0);
	const uint8_t *c = memrchr(key->p, ':', key->len);
	if (!c)
		return kw_buf_view("", 0);
	size_t ci = (size_t)(c - key->p);
	kw_buf scope = kw_buf_view(key->p + 2, ci > 2 ? ci - 2 : 0);
	*key = kw_buf_view(c + 1, key->len - ci - 1);
	while (scope.len && scope.p[scope.len - 1] == '/')
		scope.len--;
	return scope;
}

/* npm replaces "${NAME}" in .npmrc values by the environment's: a value made only of such
 * references holds no secret. */
static bool npm_env_ref(kw_buf v)
{
	size_t i = 0;
	while (i < v.len) {
		if (v.len - i < 3 || v.p[i] != '$' || v.p[i + 1] != '{')
			return false;
		const uint8_t *e = memchr(v.p + i + 2, '}', v.len - i - 2);
		if (!e)
			return false;
		i = (size_t)(e - v.p) + 1;
	}
	return v.len > 0;
}

static bool key_matches(kw_buf key, const char *want)
{
	if (key_eq(key, want))
		return true;
	/* my.cnf: "loose-password" is "password" that older clients may ignore */
	if (key.len > 6 && v_ieq(kw_buf_view(key.p, 5), "loose") &&
	    (key.p[5] == '-' || key.p[5] == '_'))
		return key_eq(kw_buf_view(key.p + 6, key.len - 6), want);
	return false;
}

static bool v_same(kw_buf a, kw_buf b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

/* Secret keys with a value, grouped by section (npm: by registry): consecutive hits in
 * one group make one item, "aws_secret_access_key, aws_session_token in profile [ci]". */
static int ini_analyze(const ini_spec *s, const uint8_t *d, size_t len, char **ret_desc)
{
	ini_iter it;
	kw_buf key, value, cur = kw_buf_view("", 0);
	bool has_value;
	unsigned mask = 0;
	namelist out;
	int r = 0;

	names_init(&out, "; ");
	ini_init(&it, d, len, s->npm);
	while (r == 0 && ini_next(&it, &key, &value, &has_value)) {
		kw_buf grp = s->npm ? npm_scope(&key) : ini_show_section(s, it.section);
		if (!has_value || value.len == 0 || is_example_secret(value.p, value.len) ||
		    (s->npm && npm_env_ref(value)))
			continue;
		unsigned bits = 0;
		for (size_t k = 0; k < s->nkeys && k < 32; k++)
			if (key_matches(key, s->keys[k]))
				bits |= 1u << k;
		if (!bits)
			continue;
		if (mask && !v_same(grp, cur)) {
			r = grp_flush(&out, s->keys, s->nkeys, mask, s->style, cur);
			mask = 0;
		}
		cur = grp;
		mask |= bits;
	}
	if (r == 0)
		r = grp_flush(&out, s->keys, s->nkeys, mask, s->style, cur);
	return names_desc(&out, r, ret_desc);
}

/* ---------------------------------------------------------------------------------- */
/* JSON files                                                                           */

static json_t *json_parse(const uint8_t *d, size_t len)
{
	if (len == 0 || len > JSON_CAP)
		return NULL;
	json_error_t e;
	return json_loadb((const char *)d, len, 0, &e);
}

static bool json_nonempty_str(const json_t *v)
{
	return json_is_string(v) && json_string_length(v) > 0;
}

#define JKEYS_MAX 8

typedef struct jscan {
	const char *const *keys;
	size_t nkeys;
	unsigned counts[JKEYS_MAX];
	size_t budget;
} jscan;

static void jscan_init(jscan *s, const char *const *keys, size_t nkeys)
{
	memset(s, 0, sizeof *s);
	s->keys = keys;
	s->nkeys = nkeys < JKEYS_MAX ? nkeys : JKEYS_MAX;
	s->budget = JSON_BUDGET;
}

/* Count members named keys[i] with a non-empty string value, anywhere below j. */
static void jscan_walk(jscan *s, json_t *j, unsigned depth)
{
	if (!j || depth > JSON_DEPTH || s->budget == 0)
		return;
	s->budget--;
	if (json_is_object(j)) {
		const char *k;
		json_t *v;
		json_object_foreach(j, k, v) {
			for (size_t i = 0; i < s->nkeys; i++)
				if (strcmp(k, s->keys[i]) == 0 && json_nonempty_str(v) && s->counts[i] < UINT32_MAX)
					s->counts[i]++;
			jscan_walk(s, v, depth + 1);
		}
	} else if (json_is_array(j)) {
		size_t i;
		json_t *v;
		json_array_foreach(j, i, v) jscan_walk(s, v, depth + 1);
	}
}

static unsigned jscan_total(const jscan *s)
{
	unsigned t = 0;
	for (size_t i = 0; i < s->nkeys; i++)
		t += s->counts[i] > 0;
	return t;
}

/* Walk all of j for keys[]: how many of them were found. */
static unsigned jscan_count(jscan *s, const char *const *keys, size_t nkeys, json_t *j)
{
	jscan_init(s, keys, nkeys);
	jscan_walk(s, j, 0);
	return jscan_total(s);
}

/* "2 refresh_token, 1 private_key" + suffix */
static int jscan_describe(const jscan *s, const char *prefix, const char *suffix, char **ret_desc)
{
	kw_sb sb;
	int r = 0;
	bool first = true;
	kw_sb_init(&sb);
	if (prefix)
		r = kw_sb_puts(&sb, prefix);
	for (size_t i = 0; i < s->nkeys && r == 0; i++) {
		if (!s->counts[i])
			continue;
		r = kw_sb_printf(&sb, "%s%u %s", first ? "" : ", ", s->counts[i], s->keys[i]);
		first = false;
	}
	if (r == 0 && suffix)
		r = kw_sb_puts(&sb, suffix);
	return desc_out(&sb, r, ret_desc);
}

/* For content jansson refused (or too large): count `"key" : "x...` textually. */
static void text_scan(jscan *s, const uint8_t *d, size_t len)
{
	for (size_t k = 0; k < s->nkeys; k++) {
		char pat[64];
		int pn = snprintf(pat, sizeof pat, "\"%s\"", s->keys[k]);
		if (pn <= 0 || (size_t)pn >= sizeof pat)
			continue;
		const uint8_t *p = d, *end = d + len;
		while ((p = memmem(p, (size_t)(end - p), pat, (size_t)pn))) {
			if (json_text_value(d, len, (size_t)(p - d) + (size_t)pn) && s->counts[k] < UINT32_MAX)
				s->counts[k]++;
			p += pn;
		}
	}
}

static int text_fallback(const char *const *keys, size_t nkeys, const uint8_t *d, size_t len,
			 char **ret_desc)
{
	jscan s;
	jscan_init(&s, keys, nkeys);
	text_scan(&s, d, len);
	if (!jscan_total(&s))
		return 0;
	return jscan_describe(&s, NULL, len > JSON_CAP ? " (file too large to parse)" :
				     " (file is not valid JSON)", ret_desc);
}

/* A generic JSON credential file: parse, count secret keys anywhere. */
static int json_generic(const char *const *keys, size_t nkeys, const uint8_t *d, size_t len,
			const char *prefix, char **ret_desc)
{
	json_auto_t *root = json_parse(d, len);
	if (!root)
		return text_fallback(keys, nkeys, d, len, ret_desc);
	jscan s;
	if (!jscan_count(&s, keys, nkeys, root))
		return 0;
	return jscan_describe(&s, prefix, NULL, ret_desc);
}

/* ---- AWS ---- */

static const char *const aws_ini_keys[] = { "aws_secret_access_key", "aws_session_token",
					    "aws_security_token" };
static const char *const aws_json_keys[] = { "accessToken", "refreshToken", "clientSecret",
					     "SecretAccessKey", "SessionToken" };

static int analyze_aws(const uint8_t *d, size_t len, char **ret_desc)
{
	if (looks_json(d, len))
		return json_generic(aws_json_keys, KW_ARRAY_LEN(aws_json_keys), d, len, "cached credentials: ", ret_desc);
	static const ini_spec spec = { aws_ini_keys, KW_ARRAY_LEN(aws_ini_keys), &style_profile, true, false };
	return ini_analyze(&spec, d, len, ret_desc);
}

/* ---- Alibaba Cloud ---- */

static const char *const aliyun_ini_keys[] = { "access_key_secret", "accessKeySecret",
					       "security_token", "sts_token", "stsToken",
					       "bearer_token", "private_key" };
static const char *const aliyun_json_keys[] = { "access_key_secret", "sts_token", "private_key",
						"access_token", "oauth_access_token",
						"oauth_refresh_token", "refresh_token" };

static int analyze_aliyun(const uint8_t *d, size_t len, char **ret_desc)
{
	if (!looks_json(d, len)) {
		static const ini_spec spec = { aliyun_ini_keys, KW_ARRAY_LEN(aliyun_ini_keys),
					       &style_section, false, false };
		return ini_analyze(&spec, d, len, ret_desc);
	}
	json_auto_t *root = json_parse(d, len);
	if (!root)
		return text_fallback(aliyun_json_keys, KW_ARRAY_LEN(aliyun_json_keys), d, len, ret_desc);
	json_t *profiles = json_object_get(root, "profiles");
	if (!json_is_array(profiles))
		return json_generic(aliyun_json_keys, KW_ARRAY_LEN(aliyun_json_keys), d, len, NULL, ret_desc);

	namelist out;
	size_t i;
	json_t *p;
	int r = 0;
	names_init(&out, "; ");
	json_array_foreach(profiles, i, p) {
		if (!json_is_object(p) || r < 0)
			continue;
		unsigned mask = 0;
		for (size_t k = 0; k < KW_ARRAY_LEN(aliyun_json_keys); k++)
			if (json_nonempty_str(json_object_get(p, aliyun_json_keys[k])))
				mask |= 1u << k;
		json_t *name = json_object_get(p, "name");
		kw_buf shown = json_is_string(name) ? kw_buf_view(json_string_value(name), json_string_length(name))
						    : kw_buf_view("", 0);
		r = grp_flush(&out, aliyun_json_keys, KW_ARRAY_LEN(aliyun_json_keys), mask,
			      &style_json_profile, shown);
	}
	return names_desc(&out, r, ret_desc);
}

/* ---- Google Cloud SDK ---- */

static const char *const boto_keys[] = { "gs_oauth2_refresh_token", "gs_secret_access_key",
					 "aws_secret_access_key" };
static const char *const gcloud_json_keys[] = { "refresh_token", "private_key" };

static int analyze_gcloud(const char *relpath, const uint8_t *d, size_t len, char **ret_desc)
{
	/* The collector may pass the directory's relpath (".config/gcloud") for every file
	 * in it, so the file name is only a hint: SQLite files are told apart by the table
	 * their schema creates (SQLite stores "CREATE TABLE <name> (" normalised, page 1). */
	kw_buf base = basename_of(relpath);
	bool sqlite = len >= 16 && memcmp(d, "SQLite format 3", 16) == 0;
	size_t schema = len < 65536 ? len : 65536;
	if (kw_buf_eq(&base, "credentials.db") ||
	    (sqlite && mem_find(d, schema, "CREATE TABLE credentials")))
		return len ? desc_str("credentials database (OAuth refresh tokens, service account keys)",
				      ret_desc) : 0;
	if (kw_buf_eq(&base, "access_tokens.db") ||
	    (sqlite && mem_find(d, schema, "CREATE TABLE access_tokens")))
		return len ? desc_str("access token cache", ret_desc) : 0;
	if (sqlite || (base.len >= 3 && memcmp(base.p + base.len - 3, ".db", 3) == 0))
		return 0; /* default_configs.db and the like */
	if (!looks_json(d, len)) {
		/* legacy_credentials/<account>/.boto, ~/.boto; configurations/config_*,
		 * active_config hold no such keys */
		static const ini_spec spec = { boto_keys, KW_ARRAY_LEN(boto_keys), &style_section, false, false };
		return ini_analyze(&spec, d, len, ret_desc);
	}

	json_auto_t *root = json_parse(d, len);
	if (!root)
		return text_fallback(gcloud_json_keys, KW_ARRAY_LEN(gcloud_json_keys), d, len, ret_desc);
	jscan s;
	if (!jscan_count(&s, gcloud_json_keys, KW_ARRAY_LEN(gcloud_json_keys), root))
		return 0;

	kw_sb sb;
	int r = 0;
	kw_sb_init(&sb);
	const char *type = json_string_value(json_object_get(root, "type"));
	if (s.counts[1]) {
		r = kw_sb_puts(&sb, "service account private key");
		json_t *email = json_object_get(root, "client_email");
		if (r == 0 && json_nonempty_str(email)) {
			r = kw_sb_puts(&sb, " for ");
			if (r == 0)
				r = put_name(&sb, json_string_value(email), json_string_length(email));
		}
	}
	if (r == 0 && s.counts[0]) {
		r = kw_sb_printf(&sb, "%sOAuth refresh token", s.counts[1] ? ", " : "");
		if (r == 0 && type && strcmp(type, "service_account") != 0) {
			r = kw_sb_puts(&sb, " (");
			if (r == 0)
				r = put_name(&sb, type, strlen(type));
			if (r == 0)
				r = kw_sb_putc(&sb, ')');
		}
	}
	return desc_out(&sb, r, ret_desc);
}

/* ---- Azure CLI ---- */

static const char *const azure_keys[] = { "refreshToken", "accessToken", "client_secret",
					  "refresh_token", "access_token", "secret" };

static unsigned msal_count(json_t *section)
{
	unsigned n = 0;
	const char *k;
	json_t *v;
	if (!json_is_object(section))
		return 0;
	json_object_foreach(section, k, v) {
		(void)k;
		if (json_is_object(v) && json_nonempty_str(json_object_get(v, "secret")))
			n++;
	}
	return n;
}

static int analyze_azure(const uint8_t *d, size_t len, char **ret_desc)
{
	json_auto_t *root = json_parse(d, len);
	if (!root)
		return text_fallback(azure_keys, KW_ARRAY_LEN(azure_keys), d, len, ret_desc);
	if (json_is_object(root) &&
	    (json_object_get(root, "RefreshToken") || json_object_get(root, "AccessToken"))) {
		/* MSAL token cache: {"AccessToken": {id: {"secret": ...}}, "RefreshToken": ...} */
		unsigned rt = msal_count(json_object_get(root, "RefreshToken"));
		unsigned at = msal_count(json_object_get(root, "AccessToken"));
		if (!rt && !at)
			return 0;
		kw_sb sb;
		kw_sb_init(&sb);
		int r = kw_sb_puts(&sb, "token cache with ");
		if (r == 0 && rt)
			r = kw_sb_printf(&sb, "%u refresh token%s", rt, rt == 1 ? "" : "s");
		if (r == 0 && at)
			r = kw_sb_printf(&sb, "%s%u access token%s", rt ? ", " : "", at, at == 1 ? "" : "s");
		return desc_out(&sb, r, ret_desc);
	}
	jscan s;
	if (!jscan_count(&s, azure_keys, KW_ARRAY_LEN(azure_keys), root))
		return 0;
	return jscan_describe(&s, NULL, NULL, ret_desc);
}

/* ---- host maps: Docker / podman "auths", Terraform "credentials" ---- */

/* root[member] is {"<host>": {<key>: "<secret>", ...}, ...}: add to hosts every host with a
 * non-empty string for one of keys[] ("https://index.docker.io/v1/" -> "index.docker.io").
 * 0 when root[member] is no object (Docker's credsStore / credHelpers only: the secrets
 * live elsewhere). */
static int json_host_logins(json_t *root, const char *member, const char *const *keys, size_t nkeys,
			    namelist *hosts)
{
	json_t *map = json_object_get(root, member);
	const char *host;
	json_t *v;
	int r = 0;
	if (!json_is_object(map))
		return 0;
	json_object_foreach(map, host, v) {
		if (r < 0 || !json_is_object(v))
			continue;
		bool any = false;
		for (size_t k = 0; k < nkeys; k++)
			any |= json_nonempty_str(json_object_get(v, keys[k]));
		if (!any)
			continue;
		kw_buf h = kw_buf_view(host, strlen(host));
		if (v_starts(h, "https://"))
			h = v_sub(h, 8, SIZE_MAX);
		else if (v_starts(h, "http://"))
			h = v_sub(h, 7, SIZE_MAX);
		const uint8_t *slash = h.len ? memchr(h.p, '/', h.len) : NULL;
		if (slash && slash != h.p)
			h.len = (size_t)(slash - h.p);
		r = names_add(hosts, h.p, h.len);
	}
	return r;
}

/* Parse, collect hosts, and describe them: "<n> <noun1|nounn> for <hosts>". Invalid JSON:
 * a textual count of keys[]. */
static int json_host_analyze(const char *member, const char *const *keys, size_t nkeys,
			     const char *noun1, const char *nounn, const uint8_t *d, size_t len,
			     char **ret_desc)
{
	json_auto_t *root = json_parse(d, len);
	if (!root)
		return text_fallback(keys, nkeys, d, len, ret_desc);
	namelist hosts;
	names_init(&hosts, ", ");
	int r = json_host_logins(root, member, keys, nkeys, &hosts);
	if ((r = names_done(&hosts, r)) <= 0)
		return r;
	kw_sb sb;
	kw_sb_init(&sb);
	r = kw_sb_printf(&sb, "%zu %s for %s", hosts.n, hosts.n == 1 ? noun1 : nounn, hosts.sb.s);
	kw_sb_release(&hosts.sb);
	return desc_out(&sb, r, ret_desc);
}

static const char *const docker_keys[] = { "auth", "identitytoken", "registrytoken", "password" };

static int analyze_docker(const uint8_t *d, size_t len, char **ret_desc)
{
	return json_host_analyze("auths", docker_keys, KW_ARRAY_LEN(docker_keys),
				 "registry login (auths)", "registry logins (auths)", d, len, ret_desc);
}

/* credentials.tfrc.json: {"credentials": {"app.terraform.io": {"token": "..."}}} */
static const char *const terraform_keys[] = { "token" };

static int analyze_terraform(const uint8_t *d, size_t len, char **ret_desc)
{
	return json_host_analyze("credentials", terraform_keys, KW_ARRAY_LEN(terraform_keys),
				 "token", "tokens", d, len, ret_desc);
}

/* ---- line-oriented YAML helpers (kube config, cloud-init) ---- */

typedef enum yval {
	YV_EMPTY,   /* nothing after the colon (a nested block may follow) */
	YV_BLOCK,   /* "|" or ">" block scalar: the value is on the following lines */
	YV_NULL,    /* null, ~, "", '', [], {} */
	YV_VALUE,   /* something */
} yval;

typedef struct yline {
	size_t indent;   /* column of the first non-blank character */
	bool item;       /* the line starts with "- " (a sequence item) */
	size_t key_col;  /* column of the key (after "- " markers) */
	kw_buf key;      /* unquoted key, or len 0 if the line is no "key:" */
	kw_buf value;    /* trimmed value, comment removed if it is all comment */
	yval vt;
} yline;

static yval classify_value(kw_buf v)
{
	if (v.len == 0 || v.p[0] == '#')
		return YV_EMPTY;
	if (v.p[0] == '|' || v.p[0] == '>') {
		size_t i = 1;
		while (i < v.len && (c_digit(v.p[i]) || v.p[i] == '+' || v.p[i] == '-'))
			i++;
		while (i < v.len && c_blank(v.p[i]))
			i++;
		if (i == v.len || v.p[i] == '#')
			return YV_BLOCK;
	}
	/* strip a trailing " # comment" for the null test only */
	size_t n = v.len;
	for (size_t i = 1; i < v.len; i++)
		if (v.p[i] == '#' && c_blank(v.p[i - 1])) {
			n = i;
			break;
		}
	kw_buf t = kw_buf_trim(kw_buf_view(v.p, n));
	if (t.len == 0 || kw_buf_eq(&t, "~") || v_ieq(t, "null") || kw_buf_eq(&t, "\"\"") ||
	    kw_buf_eq(&t, "''") || kw_buf_eq(&t, "[]") || kw_buf_eq(&t, "{}"))
		return YV_NULL;
	return YV_VALUE;
}

/* A plain or quoted scalar without its trailing comment: "'yes'  # c" -> "yes". */
static kw_buf yaml_scalar(kw_buf v)
{
	v = kw_buf_trim(v);
	if (v.len >= 2 && (v.p[0] == '"' || v.p[0] == '\'')) {
		const uint8_t *e = memchr(v.p + 1, v.p[0], v.len - 1);
		if (e)
			return kw_buf_view(v.p + 1, (size_t)(e - v.p) - 1);
		return v;
	}
	for (size_t i = 1; i < v.len; i++)
		if (v.p[i] == '#' && c_blank(v.p[i - 1]))
			return kw_buf_trim(kw_buf_view(v.p, i));
	return v;
}

/* Parse one line; false for blank and comment-only lines. */
static bool yaml_line(kw_buf line, yline *y)
{
	size_t i = 0;
	while (i < line.len && c_blank(line.p[i]))
		i++;
	if (i == line.len || line.p[i] == '#' || line.p[i] == '\r')
		return false;
	memset(y, 0, sizeof *y);
	y->indent = i;
	while (i < line.len && line.p[i] == '-' && (i + 1 == line.len || c_blank(line.p[i + 1]))) {
		y->item = true;
		i++;
		while (i < line.len && c_blank(line.p[i]))
			i++;
	}
	y->key_col = i;
	/* key: up to ':' followed by a blank or end of line; quoted keys allowed */
	size_t ks = i, ke;
	if (i < line.len && (line.p[i] == '"' || line.p[i] == '\'')) {
		uint8_t q = line.p[i];
		const uint8_t *e = memchr(line.p + i + 1, q, line.len - i - 1);
		if (!e)
			return true;
		ks = i + 1;
		ke = (size_t)(e - line.p);
		i = ke + 1;
		while (i < line.len && c_blank(line.p[i]))
			i++;
		if (i >= line.len || line.p[i] != ':')
			return true;
	} else {
		while (i < line.len && !(line.p[i] == ':' && (i + 1 == line.len || c_blank(line.p[i + 1]) ||
								 line.p[i + 1] == '\r')))
			i++;
		if (i >= line.len)
			return true;
		ke = i;
	}
	y->key = kw_buf_trim(kw_buf_view(line.p + ks, ke - ks));
	y->value = kw_buf_trim(kw_buf_view(line.p + i + 1, line.len - i - 1));
	y->vt = classify_value(y->value);
	return true;
}

/* Is line y inside the block opened by a key at column col? */
static bool yaml_child(const yline *y, size_t col)
{
	return y->indent > col || (y->indent == col && y->item);
}

/* Top-level keys of a YAML file and, for each, which of keys[] (exact names, at most 32)
 * have a value anywhere in its block: gh hosts.yml ("github.com:" -> "oauth_token:"),
 * .gem/credentials (":rubygems_api_key: <key>", the top-level value itself). */
typedef struct ytop_iter {
	kw_buf b;
	const char *const *keys;
	size_t nkeys;
	bool have;       /* next: a top-level line read ahead */
	yline next;
} ytop_iter;

static void ytop_init(ytop_iter *it, const uint8_t *d, size_t len, const char *const *keys, size_t nkeys)
{
	memset(it, 0, sizeof *it);
	it->b = kw_buf_view(d, len);
	it->keys = keys;
	it->nkeys = nkeys < 32 ? nkeys : 32;
}

static bool yaml_has_value(const yline *y)
{
	return y->vt == YV_VALUE || y->vt == YV_BLOCK;
}

/* The next top-level "key:" line: its key and line (for the value), and the mask of keys[]
 * set below it, up to the next top-level line. */
static bool ytop_next(ytop_iter *it, yline *ret_top, unsigned *ret_mask)
{
	kw_buf line;
	yline y;
	bool in = false;
	unsigned mask = 0;
	for (;;) {
		if (it->have) {
			y = it->next;
			it->have = false;
		} else if (!kw_buf_line(&it->b, &line, LINE_CAP, NULL)) {
			break;
		} else if (!yaml_line(line, &y)) {
			continue;
		}
		if (y.indent == 0 && !y.item) {
			if (in) {
				it->next = y;
				it->have = true;
				break;
			}
			if (y.key.len) {
				in = true;
				*ret_top = y;
			}
			continue;
		}
		if (!in || !y.key.len || !yaml_has_value(&y))
			continue;
		for (size_t k = 0; k < it->nkeys; k++)
			if (kw_buf_eq(&y.key, it->keys[k]))
				mask |= 1u << k;
	}
	if (in)
		*ret_mask = mask;
	return in;
}

/* ---- kube config ---- */

enum {
	KU_TOKEN = 1 << 0,
	KU_CLIENT_KEY = 1 << 1,
	KU_CLIENT_KEY_FILE = 1 << 2,
	KU_PASSWORD = 1 << 3,
	KU_PROVIDER_TOKEN = 1 << 4,
	KU_PROVIDER_SECRET = 1 << 5,
};
static const struct {
	const char *key;
	unsigned bit;
} kube_keys[] = {
	{ "token", KU_TOKEN },
	{ "client-key-data", KU_CLIENT_KEY },
	{ "client-key", KU_CLIENT_KEY_FILE },
	{ "password", KU_PASSWORD },
	{ "id-token", KU_PROVIDER_TOKEN },
	{ "refresh-token", KU_PROVIDER_TOKEN },
	{ "access-token", KU_PROVIDER_TOKEN },
	{ "client-secret", KU_PROVIDER_SECRET },
};
static const char *const kube_bit_names[] = { "token", "client key", "client key file",
					      "password", "auth-provider token",
					      "auth-provider client secret" };

static unsigned kube_key_bit(const char *k, size_t n)
{
	for (size_t i = 0; i < KW_ARRAY_LEN(kube_keys); i++)
		if (strlen(kube_keys[i].key) == n && memcmp(kube_keys[i].key, k, n) == 0)
			return kube_keys[i].bit;
	return 0;
}

/* "token, client key for user <name>" */
static int kube_emit(namelist *out, unsigned bits, const void *name, size_t name_len)
{
	return grp_flush(out, kube_bit_names, KW_ARRAY_LEN(kube_bit_names), bits, &style_user,
			 kw_buf_view(name, name_len));
}

/* kubeconfig as JSON (kubectl accepts it): users[].name, users[].user{...} */
static int kube_json(json_t *root, namelist *out)
{
	json_t *users = json_object_get(root, "users");
	size_t i;
	json_t *u;
	int r = 0;
	if (!json_is_array(users))
		return 0;
	json_array_foreach(users, i, u) {
		if (r < 0)
			break;
		static const char *const keys[] = { "token", "client-key-data", "client-key",
						    "password", "id-token", "refresh-token",
						    "access-token", "client-secret" };
		jscan s;
		jscan_init(&s, keys, KW_ARRAY_LEN(keys));
		jscan_walk(&s, json_object_get(u, "user"), 0);
		unsigned bits = 0;
		for (size_t k = 0; k < s.nkeys; k++)
			if (s.counts[k])
				bits |= kube_key_bit(keys[k], strlen(keys[k]));
		json_t *name = json_object_get(u, "name");
		r = json_is_string(name) ? kube_emit(out, bits, json_string_value(name), json_string_length(name))
					 : kube_emit(out, bits, "", 0);
	}
	return r;
}

static int analyze_kube(const uint8_t *d, size_t len, char **ret_desc)
{
	namelist out;
	int r = 0;
	names_init(&out, "; ");

	if (looks_json(d, len)) {
		json_auto_t *root = json_parse(d, len);
		if (root)
			r = kube_json(root, &out);
	} else {
		kw_buf b = kw_buf_view(d, len), line;
		bool in_users = false, have_item_col = false;
		size_t item_col = 0, item_key_col = 0;
		unsigned bits = 0;
		kw_buf name = kw_buf_view("", 0);

		while (r == 0 && kw_buf_line(&b, &line, LINE_CAP, NULL)) {
			yline y;
			if (!yaml_line(line, &y))
				continue;
			if (y.indent == 0 && !y.item) {
				/* a top-level key ends the users: list */
				r = kube_emit(&out, bits, name.p, name.len);
				bits = 0;
				name = kw_buf_view("", 0);
				have_item_col = false;
				in_users = kw_buf_eq(&y.key, "users") && y.vt == YV_EMPTY;
				continue;
			}
			if (!in_users)
				continue;
			if (y.item && (!have_item_col || y.indent == item_col)) {
				r = kube_emit(&out, bits, name.p, name.len);
				bits = 0;
				name = kw_buf_view("", 0);
				have_item_col = true;
				item_col = y.indent;
				item_key_col = y.key_col;
			}
			if (!have_item_col || y.key.len == 0)
				continue;
			if (y.key_col == item_key_col && kw_buf_eq(&y.key, "name")) {
				name = yaml_scalar(y.value);
				continue;
			}
			unsigned bit = kube_key_bit((const char *)y.key.p, y.key.len);
			if (bit && (y.vt == YV_VALUE || y.vt == YV_BLOCK))
				bits |= bit;
		}
		if (r == 0)
			r = kube_emit(&out, bits, name.p, name.len);
	}
	return names_desc(&out, r, ret_desc);
}

/* ---- .netrc ---- */

static bool netrc_token(kw_buf *b, kw_buf *tok)
{
	while (b->off < b->len && c_space(b->p[b->off]))
		b->off++;
	if (b->off >= b->len)
		return false;
	size_t s = b->off;
	while (b->off < b->len && !c_space(b->p[b->off]))
		b->off++;
	*tok = kw_buf_view(b->p + s, b->off - s);
	return true;
}

static int analyze_netrc(const uint8_t *d, size_t len, char **ret_desc)
{
	kw_buf b = kw_buf_view(d, len), tok;
	kw_buf machine = kw_buf_view("", 0);
	bool in_entry = false, has_pw = false;
	namelist out;
	int r = 0;
	names_init(&out, ", ");

	while (r == 0 && netrc_token(&b, &tok)) {
		if (kw_buf_eq(&tok, "machine") || kw_buf_eq(&tok, "default")) {
			if (in_entry && has_pw)
				r = names_add(&out, machine.p, machine.len);
			in_entry = true;
			has_pw = false;
			if (kw_buf_eq(&tok, "default"))
				machine = kw_buf_view("default", 7);
			else if (!netrc_token(&b, &machine))
				machine = kw_buf_view("", 0);
		} else if (kw_buf_eq(&tok, "password") || kw_buf_eq(&tok, "passwd")) {
			kw_buf pw;
			if (netrc_token(&b, &pw) && pw.len > 0) {
				has_pw = true;
				in_entry = true;
			}
		} else if (kw_buf_eq(&tok, "login") || kw_buf_eq(&tok, "account") ||
			   kw_buf_eq(&tok, "port")) {
			kw_buf skip;
			(void)netrc_token(&b, &skip);
		} else if (kw_buf_eq(&tok, "macdef")) {
			/* a macro runs to the next empty line */
			const uint8_t *e = memmem(b.p + b.off, b.len - b.off, "\n\n", 2);
			b.off = e ? (size_t)(e - b.p) + 2 : b.len;
		} else if (tok.p[0] == '#') {
			const uint8_t *e = memchr(b.p + b.off, '\n', b.len - b.off);
			b.off = e ? (size_t)(e - b.p) + 1 : b.len;
		}
	}
	if (r == 0 && in_entry && has_pw)
		r = names_add(&out, machine.p, machine.len);
	if ((r = names_done(&out, r)) <= 0)
		return r;
	kw_sb sb;
	kw_sb_init(&sb);
	if (out.n == 1)
		r = kw_sb_printf(&sb, "password for machine %s", out.sb.s);
	else
		r = kw_sb_printf(&sb, "passwords for %zu machines: %s", out.n, out.sb.s);
	kw_sb_release(&out.sb);
	return desc_out(&sb, r, ret_desc);
}

/* ---- .pgpass: hostname:port:database:username:password, '\' escapes ':' and '\' ---- */

static int analyze_pgpass(const uint8_t *d, size_t len, char **ret_desc)
{
	kw_buf b = kw_buf_view(d, len), line;
	namelist hosts;
	int r = 0;
	names_init(&hosts, ", ");
	while (r == 0 && kw_buf_line(&b, &line, LINE_CAP, NULL)) {
		if (line.len == 0 || line.p[0] == '#')
			continue;
		size_t fields = 0, host_end = 0, i = 0;
		for (; i < line.len && fields < 4; i++) {
			if (line.p[i] == '\\') {
				i++;
				continue;
			}
			if (line.p[i] == ':') {
				if (fields == 0)
					host_end = i;
				fields++;
			}
		}
		/* the rest of the line is the password */
		if (fields == 4 && i < line.len)
			r = names_add(&hosts, line.p, host_end);
	}
	if ((r = names_done(&hosts, r)) <= 0)
		return r;
	kw_sb sb;
	kw_sb_init(&sb);
	r = kw_sb_printf(&sb, "%zu entr%s for host%s %s", hosts.n, hosts.n == 1 ? "y" : "ies",
			 hosts.n == 1 ? "" : "s", hosts.sb.s);
	kw_sb_release(&hosts.sb);
	return desc_out(&sb, r, ret_desc);
}

/* ---- git credential store: scheme://user:secret@host[/path] per line ----
 * Only the host is shown: the user part is often the token itself. */

static int analyze_git(const uint8_t *d, size_t len, char **ret_desc)
{
	kw_buf b = kw_buf_view(d, len), line;
	namelist hosts;
	int r = 0;
	names_init(&hosts, ", ");
	while (r == 0 && kw_buf_line(&b, &line, LINE_CAP, NULL)) {
		kw_buf t = kw_buf_trim(line);
		const uint8_t *sep = t.len ? memmem(t.p, t.len, "://", 3) : NULL;
		if (!sep || sep == t.p)
			continue;
		bool scheme_ok = true;
		for (const uint8_t *q = t.p; q < sep; q++)
			scheme_ok &= c_alnum(*q) || *q == '+' || *q == '.' || *q == '-';
		if (!scheme_ok)
			continue;
		kw_buf auth = v_sub(t, (size_t)(sep - t.p) + 3, SIZE_MAX);
		size_t an = 0;
		while (an < auth.len && auth.p[an] != '/' && auth.p[an] != '?' && auth.p[an] != '#')
			an++;
		const uint8_t *at = an ? memrchr(auth.p, '@', an) : NULL;
		if (!at)
			continue;
		size_t ui = (size_t)(at - auth.p);
		const uint8_t *colon = ui ? memchr(auth.p, ':', ui) : NULL;
		if (!colon || (size_t)(colon - auth.p) + 1 >= ui)
			continue; /* no password, or an empty one */
		r = names_add(&hosts, at + 1, an - ui - 1);
	}
	if ((r = names_done(&hosts, r)) <= 0)
		return r;
	kw_sb sb;
	kw_sb_init(&sb);
	r = kw_sb_printf(&sb, "%zu stored login%s for %s", hosts.n, hosts.n == 1 ? "" : "s", hosts.sb.s);
	kw_sb_release(&hosts.sb);
	return desc_out(&sb, r, ret_desc);
}

/* ---- .my.cnf ---- */

static const char *const mycnf_keys[] = { "password", "password1", "password2", "password3" };

static int analyze_mycnf(const uint8_t *d, size_t len, char **ret_desc)
{
	static const ini_spec spec = { mycnf_keys, KW_ARRAY_LEN(mycnf_keys), &style_section, false, false };
	return ini_analyze(&spec, d, len, ret_desc);
}

/* ---- INI-shaped tool files: .npmrc, .pypirc, .s3cfg, rclone.conf ---- */

static const char *const npm_keys[] = { "_authToken", "_auth", "_password" };
static const char *const pypi_keys[] = { "password" };
static const char *const s3cfg_keys[] = { "secret_key", "access_token", "gpg_passphrase" };
/* rclone remotes: sftp/ftp/webdav/mega "pass", crypt "password"/"password2", S3
 * "secret_access_key", OAuth "token"/"client_secret", azureblob/b2 "key", sftp "key_pem"
 * and "key_file_pass" */
static const char *const rclone_keys[] = { "pass", "password", "password2", "secret_access_key",
					   "token", "client_secret", "key", "key_pem",
					   "key_file_pass" };

static const ini_spec npm_spec = { npm_keys, KW_ARRAY_LEN(npm_keys), &style_registry, false, true };
static const ini_spec pypi_spec = { pypi_keys, KW_ARRAY_LEN(pypi_keys), &style_section, false, false };
static const ini_spec s3cfg_spec = { s3cfg_keys, KW_ARRAY_LEN(s3cfg_keys), &style_section, false, false };
static const ini_spec rclone_spec = { rclone_keys, KW_ARRAY_LEN(rclone_keys), &style_section, false, false };

/* ---- gh hosts.yml: "<host>:" then "oauth_token: <token>" (also under users: <name>:) ---- */

static const char *const gh_keys[] = { "oauth_token" };

static int analyze_gh(const uint8_t *d, size_t len, char **ret_desc)
{
	ytop_iter it;
	yline top;
	unsigned mask;
	namelist out;
	int r = 0;
	names_init(&out, "; ");
	ytop_init(&it, d, len, gh_keys, KW_ARRAY_LEN(gh_keys));
	while (r == 0 && ytop_next(&it, &top, &mask))
		r = grp_flush(&out, gh_keys, KW_ARRAY_LEN(gh_keys), mask, &style_for, top.key);
	return names_desc(&out, r, ret_desc);
}

/* ---- .gem/credentials: every top-level key is an API key name (":rubygems_api_key" for
 * rubygems.org, a host URL or a "gem push -k" name for others) ---- */

static int analyze_gem(const uint8_t *d, size_t len, char **ret_desc)
{
	ytop_iter it;
	yline top;
	unsigned mask;
	namelist out;
	int r = 0;
	names_init(&out, ", ");
	ytop_init(&it, d, len, NULL, 0);
	while (r == 0 && ytop_next(&it, &top, &mask)) {
		if (top.vt != YV_VALUE)
			continue;
		kw_buf k = top.key;
		if (k.len > 1 && k.p[0] == ':')
			k = v_sub(k, 1, SIZE_MAX);
		r = names_add(&out, k.p, k.len);
	}
	if ((r = names_done(&out, r)) <= 0)
		return r;
	kw_sb sb;
	kw_sb_init(&sb);
	r = kw_sb_printf(&sb, "%zu API key%s: %s", out.n, out.n == 1 ? "" : "s", out.sb.s);
	kw_sb_release(&out.sb);
	return desc_out(&sb, r, ret_desc);
}

/* ---- .vault-token: the token alone (vault trims white space around it) ---- */

static int analyze_vault(const uint8_t *d, size_t len, char **ret_desc)
{
	kw_buf t = kw_buf_trim(kw_buf_view(d, len));
	if (t.len == 0 || t.len > VAULT_TOKEN_MAX)
		return 0;
	for (size_t i = 0; i < t.len; i++)
		if (t.p[i] <= ' ' || t.p[i] >= 0x7f)
			return 0; /* not one printable word: not a token */
	/* the type prefix (Vault >= 1.10 "hvs.", older "s.") names the kind of token */
	if (v_starts(t, "hvs.") || v_starts(t, "s."))
		return desc_str("service token", ret_desc);
	if (v_starts(t, "hvb.") || v_starts(t, "b."))
		return desc_str("batch token", ret_desc);
	if (v_starts(t, "hvr.") || v_starts(t, "r."))
		return desc_str("recovery token", ret_desc);
	return desc_str("token", ret_desc);
}

int kw_cred_analyze(kw_cred_kind kind, const char *relpath, const uint8_t *data, size_t len,
		    char **ret_desc)
{
	char *desc = NULL;
	int r;
	if (!data && len)
		return -EINVAL;
	if (len > CRED_CAP)
		return KW_E_TOOBIG;
	if (!data)
		data = (const uint8_t *)"";

	switch (kind) {
	case KW_CRED_AWS: r = analyze_aws(data, len, &desc); break;
	case KW_CRED_ALIYUN: r = analyze_aliyun(data, len, &desc); break;
	case KW_CRED_GCLOUD: r = analyze_gcloud(relpath, data, len, &desc); break;
	case KW_CRED_AZURE: r = analyze_azure(data, len, &desc); break;
	case KW_CRED_DOCKER: r = analyze_docker(data, len, &desc); break;
	case KW_CRED_KUBE: r = analyze_kube(data, len, &desc); break;
	case KW_CRED_NETRC: r = analyze_netrc(data, len, &desc); break;
	case KW_CRED_PGPASS: r = analyze_pgpass(data, len, &desc); break;
	case KW_CRED_GIT: r = analyze_git(data, len, &desc); break;
	case KW_CRED_MYCNF: r = analyze_mycnf(data, len, &desc); break;
	case KW_CRED_NPM: r = ini_analyze(&npm_spec, data, len, &desc); break;
	case KW_CRED_PYPI: r = ini_analyze(&pypi_spec, data, len, &desc); break;
	case KW_CRED_GEM: r = analyze_gem(data, len, &desc); break;
	case KW_CRED_GH: r = analyze_gh(data, len, &desc); break;
	case KW_CRED_VAULT: r = analyze_vault(data, len, &desc); break;
	case KW_CRED_TERRAFORM: r = analyze_terraform(data, len, &desc); break;
	case KW_CRED_S3CFG: r = ini_analyze(&s3cfg_spec, data, len, &desc); break;
	case KW_CRED_RCLONE: r = ini_analyze(&rclone_spec, data, len, &desc); break;
	default: return -EINVAL;
	}
	if (r < 0)
		return r;
	if (r == 0) {
		free(desc);
		if (ret_desc)
			*ret_desc = NULL;
		return 0;
	}
	if (ret_desc)
		*ret_desc = desc;
	else
		free(desc);
	return 1;
}

/* ---------------------------------------------------------------------------------- */
/* cloud-init                                                                           */

static bool ci_truthy(kw_buf v)
{
	v = yaml_scalar(v);
	return v_ieq(v, "true") || v_ieq(v, "yes") || v_ieq(v, "on") || kw_buf_eq(&v, "1");
}

/* Inline flow map "chpasswd: { list: [...], expire: false }": entries present? */
static bool ci_flow_entries(kw_buf v, const char *key)
{
	const uint8_t *p = mem_find(v.p, v.len, key);
	if (!p)
		return false;
	size_t i = (size_t)(p - v.p) + strlen(key);
	while (i < v.len && c_blank(v.p[i]))
		i++;
	if (i >= v.len || v.p[i] != ':')
		return false;
	i++;
	while (i < v.len && (c_blank(v.p[i]) || v.p[i] == '['))
		i++;
	return i < v.len && v.p[i] != ']' && v.p[i] != '}' && v.p[i] != ',';
}

static bool ci_shell_sets_password(const uint8_t *d, size_t len)
{
	return mem_find(d, len, "chpasswd") || mem_find(d, len, "passwd --stdin") ||
	       mem_find(d, len, "usermod -p") || mem_find(d, len, "usermod --password");
}

/* A key whose value sets flag: a value sets it now; an empty one or a block scalar makes
 * it pending on the next content line being a child of the key. */
static void ci_value_or_block(const yline *y, unsigned flag, unsigned *flags, unsigned *pending,
			      size_t *pend_col)
{
	if (y->vt == YV_VALUE) {
		*flags |= flag;
	} else if (y->vt == YV_EMPTY || y->vt == YV_BLOCK) {
		*pending = flag;
		*pend_col = y->key_col;
	}
}

unsigned kw_cloudinit_scan(const uint8_t *data, size_t len)
{
	unsigned flags = 0;
	if (!data || len == 0)
		return 0;
	if (len >= 2 && data[0] == '#' && data[1] == '!')
		return ci_shell_sets_password(data, len) ? KW_CI_CHPASSWD : 0;
	/* MIME multi-part user data may carry shell parts */
	if (mem_find(data, len, "text/x-shellscript") && ci_shell_sets_password(data, len))
		flags |= KW_CI_CHPASSWD;

	enum { BLK_NONE, BLK_CHPASSWD, BLK_SSH_KEYS };
	int blk = BLK_NONE;
	size_t blk_col = 0;
	unsigned pending = 0;  /* flag set if the next content line is a child of pend_col */
	size_t pend_col = 0;

	kw_buf b = kw_buf_view(data, len), line;
	while (kw_buf_line(&b, &line, LINE_CAP, NULL)) {
		yline y;
		if (!yaml_line(line, &y))
			continue;
		if (pending) {
			if (yaml_child(&y, pend_col))
				flags |= pending;
			pending = 0;
		}
		if (blk != BLK_NONE && !yaml_child(&y, blk_col))
			blk = BLK_NONE;
		if (y.key.len == 0)
			continue;

		kw_buf k = y.key;
		if (kw_buf_eq(&k, "chpasswd")) {
			if (y.vt == YV_VALUE && (ci_flow_entries(y.value, "list") ||
						 ci_flow_entries(y.value, "users")))
				flags |= KW_CI_CHPASSWD;
			else if (y.vt == YV_EMPTY) {
				blk = BLK_CHPASSWD;
				blk_col = y.key_col;
			}
		} else if (blk == BLK_CHPASSWD && (kw_buf_eq(&k, "list") || kw_buf_eq(&k, "users"))) {
			ci_value_or_block(&y, KW_CI_CHPASSWD, &flags, &pending, &pend_col);
		} else if (kw_buf_eq(&k, "password") || kw_buf_eq(&k, "passwd") ||
			   kw_buf_eq(&k, "plain_text_passwd") || kw_buf_eq(&k, "hashed_passwd")) {
			ci_value_or_block(&y, KW_CI_PASSWORD, &flags, &pending, &pend_col);
		} else if (kw_buf_eq(&k, "ssh_pwauth")) {
			if (y.vt == YV_VALUE && ci_truthy(y.value))
				flags |= KW_CI_SSH_PWAUTH;
		} else if (kw_buf_eq(&k, "ssh_keys")) {
			if (y.vt == YV_VALUE && mem_find(y.value.p, y.value.len, "_private"))
				flags |= KW_CI_SSH_KEYS;
			else if (y.vt == YV_EMPTY) {
				blk = BLK_SSH_KEYS;
				blk_col = y.key_col;
			}
		} else if (blk == BLK_SSH_KEYS && k.len > 8 &&
			   memcmp(k.p + k.len - 8, "_private", 8) == 0) {
			ci_value_or_block(&y, KW_CI_SSH_KEYS, &flags, &pending, &pend_col);
		} else if (kw_buf_eq(&k, "ssh_authorized_keys")) {
			if (y.vt == YV_VALUE)
				flags |= KW_CI_AUTHORIZED_KEYS;
			else if (y.vt == YV_EMPTY) {
				pending = KW_CI_AUTHORIZED_KEYS;
				pend_col = y.key_col;
			}
		}
	}
	return flags;
}
