/* config.c — the guard's configuration file (see config.h) and its ignore lists.
 *
 * One table, `keys[]`, holds a row per key: its name, its default written exactly as it
 * would appear in the file, the setter that parses and validates a value, and the field
 * and bounds the setter works on. kw_gconf_init() builds the defaults by running every
 * row's default text through its own setter, so the compiled-in defaults and the
 * documented ones (data/guard/guard.conf, checked by a unit test) cannot drift apart.
 *
 * File format: `key = value` per line; blank lines and lines whose first non-blank byte
 * is '#' are skipped; the value runs to the end of the line, blanks around it trimmed.
 * Later lines win, except `ignore`, which adds to the list (an empty `ignore =` clears
 * it). A value may not contain control bytes (tab included). Loading is all or nothing:
 * the file is first applied to a scratch copy of the defaults, and only when every line
 * is valid is it applied to the caller's configuration.
 *
 * Values that later reach other programs are checked here, once, so nothing downstream
 * quotes or re-validates them: nft and ipset names are plain identifiers, paths are
 * absolute, and ban/unban commands are argv templates split without a shell ("..." groups
 * an argument with blanks; \" and \\ are its only escapes), whose program is an absolute
 * path and whose only % directives are %a %t %r and %%.
 */
#include "guard/config.h"

#include "db/db.h"

#include "base/buf.h"
#include "base/cleanup.h"
#include "base/err.h"
#include "base/escape.h"
#include "base/file.h"
#include "base/vec.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONF_MAX_BYTES ((size_t)1 << 20)
#define CONF_MAX_LINE 4096
#define CONF_MAX_DURATION ((uint64_t)3650 * 86400) /* ten years */
#define CONF_MAX_ARGS 64
#define CONF_MAX_ARG 1024
#define CONF_MAX_NAME 64      /* nft table, daemon names */
#define CONF_MAX_SHARE 4096   /* the shared bans URI */
#define CONF_MAX_IPSET 31     /* the kernel's IPSET_MAXNAMELEN - 1 */
#define CONF_MAX_PATH 1024
#define IPLIST_MAX 65536
#define SHOW_MAX 48           /* bytes of an offending value quoted in a message */

/* ---- messages ---- */

static int msgf(char *msg, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* kw_errf that returns KW_E_USAGE: `return msgf(err, errlen, "...")` for a bad value. */
static int msgf(char *msg, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kw_verrf(msg, cap, fmt, ap);
	va_end(ap);
	return KW_E_USAGE;
}

/* Escaped, possibly shortened copy of p[0..n) for a message, in out[cap]. */
static const char *show(const char *p, size_t n, char *out, size_t cap)
{
	bool cut = n > SHOW_MAX;
	_cleanup_free_ char *e = kw_escape_dup(p, cut ? SHOW_MAX : n);
	snprintf(out, cap, "%s%s", e ? e : "?", cut ? "..." : "");
	return out;
}

/* ---- the key table ---- */

typedef struct keydef keydef;
typedef int (*setter)(kw_gconf *c, const keydef *k, const char *v, char *msg, size_t cap);

struct keydef {
	const char *name;
	const char *def;    /* the default, as written in the file */
	setter set;
	size_t off;         /* the field, for the generic setters */
	uint64_t min, max;  /* numbers and durations */
};

#define FIELD(c, k, T) ((T *)(void *)((char *)(c) + (k)->off))

static int set_bool(kw_gconf *c, const keydef *k, const char *v, char *msg, size_t cap)
{
	static const char *const yes[] = { "yes", "true", "on" }, *const no[] = { "no", "false", "off" };
	for (size_t i = 0; i < KW_ARRAY_LEN(yes); i++) {
		if (!strcmp(v, yes[i]) || !strcmp(v, no[i])) {
			*FIELD(c, k, bool) = !strcmp(v, yes[i]);
			return 0;
		}
	}
	char s[SHOW_MAX * 4 + 8];
	return msgf(msg, cap, "expected yes or no, found '%s'", show(v, strlen(v), s, sizeof s));
}

static int parse_number(const char *v, uint64_t min, uint64_t max, uint64_t *out, char *msg, size_t cap)
{
	kw_buf b = kw_buf_view(v, strlen(v));
	if (kw_buf_to_u64(&b, max, out) < 0 || *out < min) {
		char s[SHOW_MAX * 4 + 8];
		return msgf(msg, cap, "expected a whole number from %llu to %llu, found '%s'",
			    (unsigned long long)min, (unsigned long long)max, show(v, strlen(v), s, sizeof s));
	}
	return 0;
}

static int set_u32(kw_gconf *c, const keydef *k, const char *v, char *msg, size_t cap)
{
	uint64_t n = 0;
	int r = parse_number(v, k->min, k->max, &n, msg, cap);
	if (r == 0)
		*FIELD(c, k, uint32_t) = (uint32_t)n;
	return r;
}

static int set_duration(kw_gconf *c, const keydef *k, const char *v, char *msg, size_t cap)
{
	uint64_t s = 0;
	size_t n = strlen(v);
	if (kw_duration_parse(v, n, k->max, &s) < 0 || s < k->min) {
		char t[SHOW_MAX * 4 + 8];
		show(v, n, t, sizeof t);
		bool bare = n && strspn(v, "0123456789") == n;
		if (bare)
			return msgf(msg, cap, "'%s' needs a unit (s, m, h, d or w)", t);
		return msgf(msg, cap, "expected a duration from %llus to %llud (a number and s, m, h, d or w), found '%s'",
			    (unsigned long long)k->min, (unsigned long long)(k->max / 86400), t);
	}
	*FIELD(c, k, uint64_t) = s;
	return 0;
}

static int set_host_rule(kw_gconf *c, const keydef *k, const char *v, char *msg, size_t cap)
{
	(void)k;
	kw_rules r;
	int e = kw_rules_parse(v, &r, msg, cap);
	if (e < 0)
		return e;
	kw_rules_release(&c->host_rule);
	c->host_rule = r;
	return 0;
}

static int set_user_rule(kw_gconf *c, const keydef *k, const char *v, char *msg, size_t cap)
{
	(void)k;
	kw_rules r = { 0 };
	if (v[0] != '\0') {
		int e = kw_rules_parse(v, &r, msg, cap);
		if (e < 0)
			return e;
	}
	kw_rules_release(&c->user_rule);
	c->user_rule = r;
	c->has_user_rule = r.nclauses > 0;
	return 0;
}

/* One of names[] (NULL-terminated); its index in *out. */
static int pick(const char *v, const char *const *names, int *out, char *msg, size_t cap)
{
	for (int i = 0; names[i]; i++) {
		if (!strcmp(v, names[i])) {
			*out = i;
			return 0;
		}
	}
	char s[SHOW_MAX * 4 + 8], list[128] = "";
	size_t len = 0;
	for (int i = 0; names[i] && len < sizeof list; i++)
		len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", i ? ", " : "", names[i]);
	return msgf(msg, cap, "expected one of %s, found '%s'", list, show(v, strlen(v), s, sizeof s));
}

static const char *const mode_names[] = { "aggressive", "normal", NULL };
static const char *const pubkey_names[] = { "nofail", "invalid", "any", NULL };
static const char *const action_names[] = { "nft", "ipset", "hosts-deny", "command", "none", NULL };
static const char *const family_names[] = { "inet", "ip", "ip6", NULL };

static int set_mode(kw_gconf *c, const keydef *k, const char *v, char *msg, size_t cap)
{
	(void)k;
	int i = 0;
	int r = pick(v, mode_names, &i, msg, cap);
	if (r == 0)
		c->mode = (enum kw_gmode)i;
	return r;
}

static int set_publickey(kw_gconf *c, const keydef *k, const char *v, char *msg, size_t cap)
{
	(void)k;
	int i = 0;
	int r = pick(v, pubkey_names, &i, msg, cap);
	if (r == 0)
		c->publickey = (enum kw_gpubkey)i;
	return r;
}

static int set_action(kw_gconf *c, const keydef *k, const char *v, char *msg, size_t cap)
{
	(void)k;
	int i = 0;
	int r = pick(v, action_names, &i, msg, cap);
	if (r == 0)
		c->action = (enum kw_gaction_kind)i;
	return r;
}

static int set_string(kw_gconf *c, const keydef *k, const char *v)
{
	char *s = strdup(v);
	if (!s)
		return -ENOMEM;
	char **f = FIELD(c, k, char *);
	free(*f);
	*f = s;
	return 0;
}

static bool all_of(const char *v, const char *first, const char *rest)
{
	if (!v[0] || !strchr(first, v[0]))
		return false;
	return strspn(v + 1, rest) == strlen(v + 1);
}

#define ALNUM "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

static int set_nft_name(kw_gconf *c, const keydef *k, const char *v, char *msg, size_t cap)
{
	if (strlen(v) > CONF_MAX_NAME || !all_of(v, ALNUM "_", ALNUM "_-")) {
		char s[SHOW_MAX * 4 + 8];
		return msgf(msg, cap, "expected a name of letters, digits, '_' and '-' (at most %d), found '%s'",
			    CONF_MAX_NAME, show(v, strlen(v), s, sizeof s));
	}
	return set_string(c, k, v);
}

static int set_family(kw_gconf *c, const keydef *k, const char *v, char *msg, size_t cap)
{
	int i = 0;
	int r = pick(v, family_names, &i, msg, cap);
	return r < 0 ? r : set_string(c, k, family_names[i]);
}

static int set_ipset_name(kw_gconf *c, const keydef *k, const char *v, char *msg, size_t cap)
{
	if (strlen(v) > CONF_MAX_IPSET || !all_of(v, ALNUM "_", ALNUM "_.-")) {
		char s[SHOW_MAX * 4 + 8];
		return msgf(msg, cap, "expected an ipset name of letters, digits, '_', '.' and '-' (at most %d), found '%s'",
			    CONF_MAX_IPSET, show(v, strlen(v), s, sizeof s));
	}
	return set_string(c, k, v);
}

static int set_daemon(kw_gconf *c, const keydef *k, const char *v, char *msg, size_t cap)
{
	if (strlen(v) > CONF_MAX_NAME || !all_of(v, ALNUM "_", ALNUM "_.@-")) {
		char s[SHOW_MAX * 4 + 8];
		return msgf(msg, cap, "expected a daemon name of letters, digits, '_', '.', '@' and '-', found '%s'",
			    show(v, strlen(v), s, sizeof s));
	}
	return set_string(c, k, v);
}

static int check_path(const char *v, char *msg, size_t cap)
{
	if (v[0] != '/' || strlen(v) > CONF_MAX_PATH) {
		char s[SHOW_MAX * 4 + 8];
		return msgf(msg, cap, "expected an absolute path, found '%s'", show(v, strlen(v), s, sizeof s));
	}
	return 0;
}

static int set_path(kw_gconf *c, const keydef *k, const char *v, char *msg, size_t cap)
{
	int r = check_path(v, msg, cap);
	return r < 0 ? r : set_string(c, k, v);
}

static int set_source(kw_gconf *c, const keydef *k, const char *v, char *msg, size_t cap)
{
	if (!strcmp(v, "journal"))
		return set_string(c, k, v);
	if (v[0] != '/') {
		char s[SHOW_MAX * 4 + 8];
		return msgf(msg, cap, "expected 'journal' or an absolute path, found '%s'", show(v, strlen(v), s, sizeof s));
	}
	return set_path(c, k, v, msg, cap);
}

/* "" (off) or a PostgreSQL URI. */
static int set_share(kw_gconf *c, const keydef *k, const char *v, char *msg, size_t cap)
{
	if (v[0] && !kw_db_is_pg(v))
		return msgf(msg, cap, "expected a PostgreSQL URI (postgresql://USER@HOST/DB) or nothing");
	if (strlen(v) > CONF_MAX_SHARE)
		return msgf(msg, cap, "longer than %d bytes", CONF_MAX_SHARE);
	return set_string(c, k, v);
}

/* "" (derived from /etc/machine-id) or a name of printable ASCII without blanks. */
static int set_host_id(kw_gconf *c, const keydef *k, const char *v, char *msg, size_t cap)
{
	for (size_t i = 0; v[i]; i++)
		if ((unsigned char)v[i] <= ' ' || (unsigned char)v[i] >= 0x7f || i >= CONF_MAX_NAME) {
			char s[SHOW_MAX * 4 + 8];
			return msgf(msg, cap, "expected at most %d printable characters without blanks, found '%s'",
				    CONF_MAX_NAME, show(v, strlen(v), s, sizeof s));
		}
	return set_string(c, k, v);
}

/* "BITS:MEMBERS" or "0" (off) for one family. */
static int set_subnet(const char *v, unsigned maxbits, uint8_t *bits, uint32_t *members, char *msg, size_t cap)
{
	if (!strcmp(v, "0")) {
		*bits = 0;
		*members = 0;
		return 0;
	}
	const char *colon = strchr(v, ':');
	uint64_t b = 0, m = 0;
	kw_buf vb = kw_buf_view(v, colon ? (size_t)(colon - v) : 0);
	kw_buf vm = kw_buf_view(colon ? colon + 1 : v, colon ? strlen(colon + 1) : 0);
	if (!colon || kw_buf_to_u64(&vb, maxbits - 1, &b) < 0 || b == 0 ||
	    kw_buf_to_u64(&vm, IPLIST_MAX, &m) < 0 || m == 0) {
		char s[SHOW_MAX * 4 + 8];
		return msgf(msg, cap, "expected BITS:MEMBERS (BITS 1 to %u, MEMBERS 1 to %d) or 0 for off, found '%s'",
			    maxbits - 1, IPLIST_MAX, show(v, strlen(v), s, sizeof s));
	}
	*bits = (uint8_t)b;
	*members = (uint32_t)m;
	return 0;
}

static int set_subnet_v4(kw_gconf *c, const keydef *k, const char *v, char *msg, size_t cap)
{
	(void)k;
	return set_subnet(v, 32, &c->subnet_v4_bits, &c->subnet_v4_members, msg, cap);
}

static int set_subnet_v6(kw_gconf *c, const keydef *k, const char *v, char *msg, size_t cap)
{
	(void)k;
	return set_subnet(v, 128, &c->subnet_v6_bits, &c->subnet_v6_members, msg, cap);
}

/* ---- argv templates ---- */

static void free_argv(char **argv)
{
	for (size_t i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

/* Check the % directives of one argument. */
static int check_directives(const char *a, bool program, char *msg, size_t cap)
{
	for (const char *p = strchr(a, '%'); p; p = strchr(p + 2, '%')) {
		if (program)
			return msgf(msg, cap, "the program path may not contain '%%'");
		if (!p[1] || !strchr("atr%", p[1])) {
			char s[SHOW_MAX * 4 + 8];
			return msgf(msg, cap, "unknown directive '%s' (use %%a, %%t, %%r or %%%%)",
				    show(p, p[1] ? 2 : 1, s, sizeof s));
		}
	}
	if (program && a[0] != '/') {
		char s[SHOW_MAX * 4 + 8];
		return msgf(msg, cap, "the program must be an absolute path, found '%s'", show(a, strlen(a), s, sizeof s));
	}
	return 0;
}

/* Next argument from v at *i: blanks separate, "..." groups (with \" and \\). */
static int next_arg(const char *v, size_t *i, kw_sb *arg, char *msg, size_t cap)
{
	while (v[*i] && v[*i] != ' ') {
		char ch = v[*i];
		if (ch == '\'')
			return msgf(msg, cap, "column %zu: single quotes are not supported, use \"...\"", *i + 1);
		if (ch != '"') {
			(*i)++;
			if (kw_sb_putc(arg, ch) < 0)
				return -ENOMEM;
			continue;
		}
		size_t open = (*i)++;
		while (v[*i] && v[*i] != '"') {
			if (v[*i] == '\\' && (v[*i + 1] == '"' || v[*i + 1] == '\\'))
				(*i)++;
			if (kw_sb_putc(arg, v[(*i)++]) < 0)
				return -ENOMEM;
		}
		if (!v[*i])
			return msgf(msg, cap, "column %zu: unterminated quote", open + 1);
		(*i)++;
	}
	if (arg->len > CONF_MAX_ARG)
		return msgf(msg, cap, "an argument is longer than %d bytes", CONF_MAX_ARG);
	return 0;
}

static int split_argv(const char *v, char ***out, char *msg, size_t cap)
{
	char **argv = NULL;
	size_t n = 0, vcap = 0, i = 0;
	int r = 0;
	*out = NULL;
	for (;;) {
		while (v[i] == ' ')
			i++;
		if (!v[i])
			break;
		if (n >= CONF_MAX_ARGS) {
			r = msgf(msg, cap, "more than %d arguments", CONF_MAX_ARGS);
			break;
		}
		kw_sb arg;
		kw_sb_init(&arg);
		r = next_arg(v, &i, &arg, msg, cap);
		if (r == 0)
			r = check_directives(arg.s, n == 0, msg, cap);
		char **slot = r == 0 ? KW_VEC_PUSH(argv, n, vcap) : NULL;
		if (r == 0 && (!slot || !(*slot = kw_sb_detach(&arg))))
			r = -ENOMEM;
		kw_sb_release(&arg);
		if (r < 0)
			break;
	}
	if (r == 0 && n > 0 && !KW_VEC_PUSH(argv, n, vcap)) /* the NULL terminator */
		r = -ENOMEM;
	if (r < 0) {
		kw_strv_free(argv, n);
		return r;
	}
	*out = argv; /* NULL (unset) for an empty value */
	return 0;
}

static int set_argv(kw_gconf *c, const keydef *k, const char *v, char *msg, size_t cap)
{
	char **argv = NULL;
	int r = split_argv(v, &argv, msg, cap);
	if (r < 0)
		return r;
	char ***f = FIELD(c, k, char **);
	free_argv(*f);
	*f = argv;
	return 0;
}

/* ---- ignore lists ---- */

/* Parse every CIDR of text (blanks or commas between) into tmp; *bad names the first bad one. */
static int parse_cidrs(const char *text, kw_iplist *tmp, const char **bad, size_t *badlen)
{
	size_t i = 0;
	for (;;) {
		i += strspn(text + i, " \t,");
		if (!text[i])
			return 0;
		size_t n = strcspn(text + i, " \t,");
		kw_cidr c;
		if (kw_cidr_parse(text + i, n, &c) < 0) {
			*bad = text + i;
			*badlen = n;
			return KW_E_PARSE;
		}
		int r = kw_iplist_add(tmp, &c);
		if (r < 0)
			return r;
		i += n;
	}
}

static int add_all(kw_iplist *l, const kw_iplist *from)
{
	for (size_t i = 0; i < from->n; i++) {
		int r = kw_iplist_add(l, &from->v[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int set_ignore(kw_gconf *c, const keydef *k, const char *v, char *msg, size_t cap)
{
	(void)k;
	if (!v[0]) {
		kw_iplist_release(&c->ignore);
		return 0;
	}
	kw_iplist tmp = { 0 };
	const char *bad = NULL;
	size_t badlen = 0;
	int r = parse_cidrs(v, &tmp, &bad, &badlen);
	if (r == 0)
		r = add_all(&c->ignore, &tmp);
	kw_iplist_release(&tmp);
	if (r == KW_E_PARSE) {
		char s[SHOW_MAX * 4 + 8];
		return msgf(msg, cap, "'%s' is not an address or CIDR prefix", show(bad, badlen, s, sizeof s));
	}
	if (r == KW_E_TOOBIG)
		return msgf(msg, cap, "more than %d entries", IPLIST_MAX);
	return r;
}

#define OFF(f) offsetof(kw_gconf, f)

static const keydef keys[] = {
	{ "host_rule",          "*:10/1h,30/1d",            set_host_rule, 0, 0, 0 },
	{ "user_rule",          "",                         set_user_rule, 0, 0, 0 },
	{ "mode",               "aggressive",               set_mode, 0, 0, 0 },
	{ "publickey",          "nofail",                   set_publickey, 0, 0, 0 },
	{ "reset_on_success",   "no",                       set_bool, OFF(reset_on_success), 0, 0 },
	{ "bantime",            "1h",                       set_duration, OFF(bantime_s), 0, CONF_MAX_DURATION },
	{ "bantime_max",        "4w",                       set_duration, OFF(bantime_max_s), 1, CONF_MAX_DURATION },
	{ "escalation",         "2",                        set_u32, OFF(escalation), 1, 1000 },
	{ "escalation_window",  "30d",                      set_duration, OFF(escalation_window_s), 0, CONF_MAX_DURATION },
	{ "ignore",             "",                         set_ignore, 0, 0, 0 },
	{ "ignore_self",        "yes",                      set_bool, OFF(ignore_self), 0, 0 },
	{ "subnet_v4",          "0",                        set_subnet_v4, 0, 0, 0 },
	{ "subnet_v6",          "0",                        set_subnet_v6, 0, 0, 0 },
	{ "max_sources",        "100000",                   set_u32, OFF(max_sources), 1, 10000000 },
	{ "action",             "nft",                      set_action, 0, 0, 0 },
	{ "nft_table",          "keyward",                  set_nft_name, OFF(nft_table), 0, 0 },
	{ "nft_family",         "inet",                     set_family, OFF(nft_family), 0, 0 },
	{ "ipset_v4",           "keyward4",                 set_ipset_name, OFF(ipset_v4), 0, 0 },
	{ "ipset_v6",           "keyward6",                 set_ipset_name, OFF(ipset_v6), 0, 0 },
	{ "hosts_deny",         "/etc/hosts.deny",          set_path, OFF(hosts_deny), 0, 0 },
	{ "hosts_deny_service", "sshd",                     set_daemon, OFF(hosts_deny_service), 0, 0 },
	{ "ban_command",        "",                         set_argv, OFF(ban_command), 0, 0 },
	{ "unban_command",      "",                         set_argv, OFF(unban_command), 0, 0 },
	{ "db",                 "/var/lib/keyward/guard.db", set_path, OFF(db), 0, 0 },
	{ "source",             "journal",                  set_source, OFF(source), 0, 0 },
	{ "share",              "",                         set_share, OFF(share), 0, 0 },
	{ "share_rate",         "600",                      set_u32, OFF(share_rate), 1, 1000000 },
	{ "host_id",            "",                         set_host_id, OFF(host_id), 0, 0 },
};

static const keydef *find_key(const char *name)
{
	for (size_t i = 0; i < KW_ARRAY_LEN(keys); i++)
		if (!strcmp(keys[i].name, name))
			return &keys[i];
	return NULL;
}

/* ---- public: defaults, set, load ---- */

int kw_gconf_init(kw_gconf *c)
{
	memset(c, 0, sizeof *c);
	for (size_t i = 0; i < KW_ARRAY_LEN(keys); i++) {
		int r = keys[i].set(c, &keys[i], keys[i].def, NULL, 0);
		if (r < 0) {
			kw_gconf_release(c);
			return r == KW_E_USAGE ? KW_E_PARSE : r; /* a bad default is a bug */
		}
	}
	return 0;
}

void kw_gconf_release(kw_gconf *c)
{
	if (!c)
		return;
	kw_rules_release(&c->host_rule);
	kw_rules_release(&c->user_rule);
	kw_iplist_release(&c->ignore);
	char **strings[] = { &c->nft_table, &c->nft_family, &c->ipset_v4, &c->ipset_v6,
			     &c->hosts_deny, &c->hosts_deny_service, &c->db, &c->source,
			     &c->share, &c->host_id };
	for (size_t i = 0; i < KW_ARRAY_LEN(strings); i++)
		free(*strings[i]);
	free_argv(c->ban_command);
	free_argv(c->unban_command);
	memset(c, 0, sizeof *c);
}

int kw_gconf_set(kw_gconf *c, const char *key, const char *value, char *err, size_t errlen)
{
	char s[SHOW_MAX * 4 + 8], msg[512] = "";
	if (err && errlen)
		err[0] = '\0';
	if (!key || !value)
		return -EINVAL;
	const keydef *k = find_key(key);
	if (!k) {
		msgf(err, errlen, "unknown key '%s'", show(key, strlen(key), s, sizeof s));
		return KW_E_USAGE;
	}
	for (size_t i = 0; value[i]; i++) {
		unsigned char ch = (unsigned char)value[i];
		if (ch < 0x20 || ch == 0x7f)
			return msgf(err, errlen, "%s: control byte 0x%02x in the value (column %zu)", k->name, ch, i + 1);
	}
	int r = k->set(c, k, value, msg, sizeof msg);
	if (r == -ENOMEM)
		msgf(err, errlen, "%s: out of memory", k->name);
	else if (r < 0)
		msgf(err, errlen, "%s: %s", k->name, msg);
	return r;
}

const char *kw_gaction_kind_name(enum kw_gaction_kind k)
{
	return (unsigned)k < KW_ARRAY_LEN(action_names) - 1 ? action_names[k] : "unknown";
}

int kw_gaction_kind_parse(const char *s, enum kw_gaction_kind *out)
{
	for (size_t i = 0; s && action_names[i]; i++) {
		if (!strcmp(s, action_names[i])) {
			*out = (enum kw_gaction_kind)i;
			return 0;
		}
	}
	return KW_E_USAGE;
}

/* Read the whole file (regular, at most CONF_MAX_BYTES) into *out. */
static int read_conf(const char *path, char **out, size_t *len, char *err, size_t errlen)
{
	int r = kw_file_read_capped(path, CONF_MAX_BYTES, out, len, NULL);
	if (r < 0) {
		char s[SHOW_MAX * 4 + 8];
		msgf(err, errlen, "%s: %s", show(path, strlen(path), s, sizeof s), kw_strerror(r));
	}
	return r;
}

/* Apply every line of text to c; the first error is reported as "path:line: ...". */
static int apply_text(kw_gconf *c, const char *path, const char *text, size_t len, char *err, size_t errlen)
{
	char s[SHOW_MAX * 4 + 8], msg[640];
	kw_buf b = kw_buf_view(text, len), line;
	bool trunc = false;
	unsigned no = 0;
	int r = 0;
	while (r == 0 && kw_buf_line(&b, &line, CONF_MAX_LINE, &trunc)) {
		no++;
		msg[0] = '\0';
		kw_buf t = kw_buf_trim(line);
		const char *p = (const char *)kw_buf_cur(&t);
		size_t n = kw_buf_left(&t);
		const char *eq = n ? memchr(p, '=', n) : NULL;
		if (trunc)
			r = msgf(msg, sizeof msg, "line longer than %d bytes", CONF_MAX_LINE);
		else if (kw_buf_has_nul(&line))
			r = msgf(msg, sizeof msg, "NUL byte in the line");
		else if (n == 0 || p[0] == '#')
			continue;
		else if (!eq)
			r = msgf(msg, sizeof msg, "expected 'key = value', found '%s'", show(p, n, s, sizeof s));
		else {
			kw_buf kb = kw_buf_trim(kw_buf_view(p, (size_t)(eq - p)));
			kw_buf vb = kw_buf_trim(kw_buf_view(eq + 1, n - (size_t)(eq - p) - 1));
			_cleanup_free_ char *key = kw_buf_strdup(&kb), *val = kw_buf_strdup(&vb);
			if (!key || !val)
				return -ENOMEM;
			if (!key[0])
				r = msgf(msg, sizeof msg, "expected a key before '='");
			else
				r = kw_gconf_set(c, key, val, msg, sizeof msg);
		}
		if (r < 0)
			msgf(err, errlen, "%s:%u: %s", show(path, strlen(path), s, sizeof s), no, msg);
	}
	return r;
}

int kw_gconf_load(kw_gconf *c, const char *path, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r = read_conf(path, &text, &len, err, errlen);
	if (r < 0)
		return r;
	/* all or nothing: validate on a scratch configuration first. Only `ignore` depends on
	 * what is already set (the list's size cap), so the scratch starts with c's list. */
	kw_gconf scratch;
	r = kw_gconf_init(&scratch);
	if (r == 0)
		r = add_all(&scratch.ignore, &c->ignore);
	if (r == 0)
		r = apply_text(&scratch, path, text, len, err, errlen);
	kw_gconf_release(&scratch);
	if (r == 0)
		r = apply_text(c, path, text, len, err, errlen);
	return r;
}

/* ---- ignore lists ---- */

int kw_iplist_add(kw_iplist *l, const kw_cidr *c)
{
	if (c->a.fam != 4 && c->a.fam != 6)
		return -EINVAL;
	kw_cidr norm = kw_cidr_of(&c->a, c->bits);
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].bits == norm.bits && kw_addr_eq(&l->v[i].a, &norm.a))
			return 0;
	if (l->n >= IPLIST_MAX)
		return KW_E_TOOBIG;
	kw_cidr *slot = KW_VEC_PUSH(l->v, l->n, l->cap);
	if (!slot)
		return -ENOMEM;
	*slot = norm;
	/* the first bytes norm can match: all 2^(8-bits) of them below /8 */
	unsigned span = norm.bits >= 8 ? 1u : 1u << (8 - norm.bits);
	for (unsigned x = norm.a.b[0]; x < norm.a.b[0] + span; x++)
		l->lead[norm.a.fam == 6][x / 64] |= 1ull << (x % 64);
	return 0;
}

int kw_iplist_add_text(kw_iplist *l, const char *text)
{
	kw_iplist tmp = { 0 };
	const char *bad = NULL;
	size_t badlen = 0;
	int r = parse_cidrs(text ? text : "", &tmp, &bad, &badlen);
	if (r == 0)
		r = add_all(l, &tmp);
	kw_iplist_release(&tmp);
	return r;
}

bool kw_iplist_contains(const kw_iplist *l, const kw_addr *a)
{
	if (!l || !(l->lead[a->fam == 6][a->b[0] / 64] >> (a->b[0] % 64) & 1))
		return false;
	for (size_t i = 0; i < l->n; i++)
		if (kw_cidr_contains(&l->v[i], a))
			return true;
	return false;
}

void kw_iplist_release(kw_iplist *l)
{
	if (!l)
		return;
	free(l->v);
	memset(l, 0, sizeof *l);
}

static int add_host(kw_iplist *l, const kw_addr *a)
{
	kw_cidr c = kw_cidr_host(a);
	return kw_iplist_add(l, &c);
}

/* An interface address; IPv4-mapped IPv6 becomes IPv4, as kw_addr_parse does. */
static bool sockaddr_addr(const struct sockaddr *sa, kw_addr *a)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	memset(a, 0, sizeof *a);
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
		a->fam = 4;
		memcpy(a->b, &in->sin_addr, 4);
		return true;
	}
	if (sa->sa_family != AF_INET6)
		return false;
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
	if (!memcmp(in6->sin6_addr.s6_addr, mapped, 12)) {
		a->fam = 4;
		memcpy(a->b, in6->sin6_addr.s6_addr + 12, 4);
	} else {
		a->fam = 6;
		memcpy(a->b, in6->sin6_addr.s6_addr, 16);
	}
	return true;
}

/* $SSH_CONNECTION = "client_ip client_port server_ip server_port": the client's address.
 * A malformed value is skipped: it is the environment's, not the configuration's. */
static int add_ssh_client(kw_iplist *l)
{
	const char *env = getenv("SSH_CONNECTION");
	if (!env)
		return 0;
	size_t n = strcspn(env, " ");
	kw_addr a;
	if (kw_addr_parse(env, n, &a) < 0)
		return 0;
	return add_host(l, &a);
}

int kw_iplist_add_self(kw_iplist *l)
{
	kw_cidr lo4, lo6;
	int r = kw_cidr_parse("127.0.0.0/8", 11, &lo4);
	if (r == 0)
		r = kw_cidr_parse("::1", 3, &lo6);
	if (r == 0)
		r = kw_iplist_add(l, &lo4);
	if (r == 0)
		r = kw_iplist_add(l, &lo6);
	if (r == 0)
		r = add_ssh_client(l);
	if (r < 0)
		return r;
	struct ifaddrs *ifs = NULL;
	if (getifaddrs(&ifs) < 0)
		return -errno;
	for (struct ifaddrs *i = ifs; i && r == 0; i = i->ifa_next) {
		kw_addr a;
		if (i->ifa_addr && sockaddr_addr(i->ifa_addr, &a))
			r = add_host(l, &a);
	}
	freeifaddrs(ifs);
	return r;
}
