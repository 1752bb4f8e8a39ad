/* test_guard_config.c — the guard's configuration file and ignore lists (src/guard/config.c).
 *
 *  - the compiled-in defaults, field by field, as config.h documents them;
 *  - data/guard/guard.conf: loading it as shipped yields exactly the defaults; every key
 *    is documented in it exactly once as a commented "#key = value" line, and with all
 *    those lines uncommented it still yields exactly the defaults (so the documented
 *    defaults are the real ones);
 *  - every key set to a non-default value, and refused values with their exact messages;
 *  - file errors name the file and line (unknown key, no '=', bad value, control byte,
 *    NUL, over-long line), a failed load changes nothing, I/O errors (missing file,
 *    folder); CRLF and blanks around keys and values are accepted;
 *  - command-line style overrides with kw_gconf_set after a load;
 *  - ignore lists: IPv4, IPv6, IPv4-mapped, host bits cleared, duplicates, repeat and
 *    clear, commas, refused entries (kw_iplist_add_text changes nothing on error);
 *  - ban/unban argv templates: splitting, quotes and escapes, % directives;
 *  - kw_iplist_add_self in a network namespace made by the test (loopback carrying
 *    known IPv4, IPv6 and IPv4-mapped addresses) with $SSH_CONNECTION in IPv4, IPv6 and
 *    mapped form, malformed, and unset: the list must be exactly the expected set.
 */
#include "guard/config.h"
#include "base/err.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_FILE KW_TEST_DATA "/../../data/guard/guard.conf"

static const char *const all_keys[] = {
	"host_rule", "user_rule", "mode", "publickey", "reset_on_success", "bantime",
	"bantime_max", "escalation", "escalation_window", "ignore", "ignore_self",
	"subnet_v4", "subnet_v6", "max_sources", "action", "nft_table", "nft_family",
	"ipset_v4", "ipset_v6", "hosts_deny", "hosts_deny_service", "ban_command",
	"unban_command", "db", "source", "share", "share_rate", "host_id",
};
#define NKEYS (sizeof all_keys / sizeof all_keys[0])

static char tmpdir[64];

static int setup_dir(void **state)
{
	(void)state;
	return kwt_mkdtemp(tmpdir, sizeof tmpdir, "kw-gconf-");
}

static int remove_dir(void **state)
{
	(void)state;
	return kwt_rm_tree(tmpdir);
}

/* Write text to a file in tmpdir; returns its path (static buffer). */
static const char *write_conf(const char *name, const char *text, size_t len)
{
	static char path[128];
	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return path;
}

static void assert_argv_equal(char *const *a, char *const *b)
{
	if (!a || !b) {
		assert_true(a == b);
		return;
	}
	size_t i = 0;
	for (; a[i] && b[i]; i++)
		assert_string_equal(a[i], b[i]);
	assert_true(a[i] == NULL && b[i] == NULL);
}

static void assert_iplist_equal(const kw_iplist *a, const kw_iplist *b)
{
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		assert_int_equal(a->v[i].bits, b->v[i].bits);
		assert_true(kw_addr_eq(&a->v[i].a, &b->v[i].a));
	}
}

static void assert_rules_equal(const kw_rules *a, const kw_rules *b)
{
	assert_int_equal(a->nclauses, b->nclauses);
	if (a->text || b->text)
		assert_string_equal(a->text, b->text);
	assert_int_equal(a->max_count, b->max_count);
	assert_int_equal(a->max_period_s, b->max_period_s);
}

/* Every field of two configurations. */
static void assert_gconf_equal(const kw_gconf *a, const kw_gconf *b)
{
	assert_rules_equal(&a->host_rule, &b->host_rule);
	assert_rules_equal(&a->user_rule, &b->user_rule);
	assert_int_equal(a->has_user_rule, b->has_user_rule);
	assert_int_equal(a->mode, b->mode);
	assert_int_equal(a->publickey, b->publickey);
	assert_int_equal(a->reset_on_success, b->reset_on_success);
	assert_int_equal(a->bantime_s, b->bantime_s);
	assert_int_equal(a->bantime_max_s, b->bantime_max_s);
	assert_int_equal(a->escalation, b->escalation);
	assert_int_equal(a->escalation_window_s, b->escalation_window_s);
	assert_iplist_equal(&a->ignore, &b->ignore);
	assert_int_equal(a->ignore_self, b->ignore_self);
	assert_int_equal(a->subnet_v4_bits, b->subnet_v4_bits);
	assert_int_equal(a->subnet_v6_bits, b->subnet_v6_bits);
	assert_int_equal(a->subnet_v4_members, b->subnet_v4_members);
	assert_int_equal(a->subnet_v6_members, b->subnet_v6_members);
	assert_int_equal(a->max_sources, b->max_sources);
	assert_int_equal(a->action, b->action);
	assert_string_equal(a->nft_table, b->nft_table);
	assert_string_equal(a->nft_family, b->nft_family);
	assert_string_equal(a->ipset_v4, b->ipset_v4);
	assert_string_equal(a->ipset_v6, b->ipset_v6);
	assert_string_equal(a->hosts_deny, b->hosts_deny);
	assert_string_equal(a->hosts_deny_service, b->hosts_deny_service);
	assert_argv_equal(a->ban_command, b->ban_command);
	assert_argv_equal(a->unban_command, b->unban_command);
	assert_string_equal(a->db, b->db);
	assert_string_equal(a->source, b->source);
	assert_string_equal(a->share, b->share);
	assert_int_equal(a->share_rate, b->share_rate);
	assert_string_equal(a->host_id, b->host_id);
}

static void set_ok(kw_gconf *c, const char *key, const char *value)
{
	char err[512] = "unset";
	int r = kw_gconf_set(c, key, value, err, sizeof err);
	if (r != 0)
		fail_msg("%s = %s refused (%d): %s", key, value, r, err);
	assert_string_equal(err, "");
}

static void set_bad(kw_gconf *c, const char *key, const char *value, const char *want)
{
	char err[512] = "";
	int r = kw_gconf_set(c, key, value, err, sizeof err);
	if (r != KW_E_USAGE)
		fail_msg("%s = %s gave %d, want KW_E_USAGE", key, value, r);
	if (strcmp(err, want) != 0)
		fail_msg("%s = %s:\n got  %s\n want %s", key, value, err, want);
}

static kw_addr addr(const char *s)
{
	kw_addr a;
	if (kw_addr_parse(s, strlen(s), &a) != 0)
		fail_msg("test address %s does not parse", s);
	return a;
}

/* ---- defaults ---- */

static void test_defaults(void **state)
{
	(void)state;
	kw_gconf c;
	assert_int_equal(kw_gconf_init(&c), 0);
	assert_string_equal(c.host_rule.text, "*:10/1h,30/1d");
	assert_int_equal(c.host_rule.max_count, 30);
	assert_false(c.has_user_rule);
	assert_int_equal(c.user_rule.nclauses, 0);
	assert_int_equal(c.mode, KW_GMODE_AGGRESSIVE);
	assert_int_equal(c.publickey, KW_GPUBKEY_NOFAIL);
	assert_false(c.reset_on_success);
	assert_int_equal(c.bantime_s, 3600);
	assert_int_equal(c.bantime_max_s, 4 * 7 * 86400);
	assert_int_equal(c.escalation, 2);
	assert_int_equal(c.escalation_window_s, 30 * 86400);
	assert_int_equal(c.ignore.n, 0);
	assert_true(c.ignore_self);
	assert_int_equal(c.subnet_v4_bits, 0); /* off */
	assert_int_equal(c.subnet_v4_members, 0);
	assert_int_equal(c.subnet_v6_bits, 0);
	assert_int_equal(c.subnet_v6_members, 0);
	assert_int_equal(c.max_sources, 100000);
	assert_int_equal(c.action, KW_GACT_NFT);
	assert_string_equal(c.nft_table, "keyward");
	assert_string_equal(c.nft_family, "inet");
	assert_string_equal(c.ipset_v4, "keyward4");
	assert_string_equal(c.ipset_v6, "keyward6");
	assert_string_equal(c.hosts_deny, "/etc/hosts.deny");
	assert_string_equal(c.hosts_deny_service, "sshd");
	assert_null(c.ban_command);
	assert_null(c.unban_command);
	assert_string_equal(c.db, "/var/lib/keyward/guard.db");
	assert_string_equal(c.source, "journal");
	kw_gconf_release(&c);
	assert_null(c.db);
	kw_gconf_release(&c); /* twice is harmless */
	kw_gconf_release(NULL);
}

/* ---- the shipped file ---- */

static void test_default_file(void **state)
{
	(void)state;
	kw_gconf def, c;
	char err[512] = "";
	assert_int_equal(kw_gconf_init(&def), 0);
	assert_int_equal(kw_gconf_init(&c), 0);
	int r = kw_gconf_load(&c, DEFAULT_FILE, err, sizeof err);
	if (r != 0)
		fail_msg("%s: %d %s", DEFAULT_FILE, r, err);
	assert_gconf_equal(&c, &def);
	kw_gconf_release(&c);

	/* uncomment every "#key = value" line: still exactly the defaults */
	size_t len = 0;
	char *text = (char *)kwt_read_file(DEFAULT_FILE, &len);
	char *out = malloc(len + 1);
	assert_non_null(out);
	size_t olen = 0, seen[NKEYS] = { 0 };
	for (char *line = text, *next; line < text + len; line = next) {
		char *nl = memchr(line, '\n', (size_t)(text + len - line));
		next = nl ? nl + 1 : text + len;
		size_t ll = (size_t)(next - line);
		size_t klen = strspn(line + 1, "abcdefghijklmnopqrstuvwxyz_46");
		bool setting = line[0] == '#' && klen > 0 && !strncmp(line + 1 + klen, " =", 2);
		if (setting) {
			size_t k = 0;
			while (k < NKEYS && (strlen(all_keys[k]) != klen || strncmp(all_keys[k], line + 1, klen)))
				k++;
			if (k == NKEYS)
				fail_msg("guard.conf documents an unknown key: %.*s", (int)klen, line + 1);
			seen[k]++;
			memcpy(out + olen, line + 1, ll - 1);
			olen += ll - 1;
		} else {
			memcpy(out + olen, line, ll);
			olen += ll;
		}
	}
	for (size_t k = 0; k < NKEYS; k++)
		if (seen[k] != 1)
			fail_msg("guard.conf documents key %s %zu times (want once)", all_keys[k], seen[k]);
	const char *path = write_conf("uncommented.conf", out, olen);
	assert_int_equal(kw_gconf_init(&c), 0);
	r = kw_gconf_load(&c, path, err, sizeof err);
	if (r != 0)
		fail_msg("uncommented guard.conf: %d %s", r, err);
	assert_gconf_equal(&c, &def);
	kw_gconf_release(&c);
	kw_gconf_release(&def);
	free(text);
	free(out);
}

/* ---- each key ---- */

static void test_each_key(void **state)
{
	(void)state;
	kw_gconf c;
	assert_int_equal(kw_gconf_init(&c), 0);

	set_ok(&c, "host_rule", "*:5/10m  root:2/1h");
	assert_string_equal(c.host_rule.text, "*:5/10m root:2/1h");
	assert_int_equal(c.host_rule.nclauses, 2);
	set_ok(&c, "user_rule", "root|admin/sshd:5/1h");
	assert_true(c.has_user_rule);
	assert_string_equal(c.user_rule.text, "root|admin/sshd:5/1h");
	set_ok(&c, "user_rule", "");
	assert_false(c.has_user_rule);
	assert_int_equal(c.user_rule.nclauses, 0);
	assert_null(c.user_rule.text);
	set_ok(&c, "mode", "normal");
	assert_int_equal(c.mode, KW_GMODE_NORMAL);
	set_ok(&c, "mode", "aggressive");
	assert_int_equal(c.mode, KW_GMODE_AGGRESSIVE);
	set_ok(&c, "publickey", "invalid");
	assert_int_equal(c.publickey, KW_GPUBKEY_INVALID);
	set_ok(&c, "publickey", "any");
	assert_int_equal(c.publickey, KW_GPUBKEY_ANY);
	static const struct { const char *v; bool b; } bools[] = {
		{ "yes", true }, { "no", false }, { "true", true }, { "false", false }, { "on", true }, { "off", false },
	};
	for (size_t i = 0; i < sizeof bools / sizeof bools[0]; i++) {
		set_ok(&c, "reset_on_success", bools[i].v);
		assert_int_equal(c.reset_on_success, bools[i].b);
		set_ok(&c, "ignore_self", bools[i].v);
		assert_int_equal(c.ignore_self, bools[i].b);
	}
	set_ok(&c, "bantime", "0s"); /* for ever */
	assert_int_equal(c.bantime_s, 0);
	set_ok(&c, "bantime", "90s");
	assert_int_equal(c.bantime_s, 90);
	set_ok(&c, "bantime_max", "3650d");
	assert_int_equal(c.bantime_max_s, 3650ull * 86400);
	set_ok(&c, "escalation", "1");
	assert_int_equal(c.escalation, 1);
	set_ok(&c, "escalation", "1000");
	assert_int_equal(c.escalation, 1000);
	set_ok(&c, "escalation_window", "0s");
	assert_int_equal(c.escalation_window_s, 0);
	set_ok(&c, "escalation_window", "2w");
	assert_int_equal(c.escalation_window_s, 14 * 86400);
	set_ok(&c, "subnet_v4", "16:3");
	assert_int_equal(c.subnet_v4_bits, 16);
	assert_int_equal(c.subnet_v4_members, 3);
	set_ok(&c, "subnet_v4", "0");
	assert_int_equal(c.subnet_v4_bits, 0);
	assert_int_equal(c.subnet_v4_members, 0);
	set_ok(&c, "subnet_v4", "31:1");
	assert_int_equal(c.subnet_v4_bits, 31);
	set_ok(&c, "subnet_v6", "48:10");
	assert_int_equal(c.subnet_v6_bits, 48);
	assert_int_equal(c.subnet_v6_members, 10);
	set_ok(&c, "subnet_v6", "127:2");
	assert_int_equal(c.subnet_v6_bits, 127);
	set_ok(&c, "subnet_v6", "0");
	assert_int_equal(c.subnet_v6_bits, 0);
	set_ok(&c, "max_sources", "1");
	assert_int_equal(c.max_sources, 1);
	set_ok(&c, "max_sources", "10000000");
	assert_int_equal(c.max_sources, 10000000);
	static const struct { const char *v; enum kw_gaction_kind k; } acts[] = {
		{ "ipset", KW_GACT_IPSET }, { "hosts-deny", KW_GACT_HOSTS_DENY },
		{ "command", KW_GACT_COMMAND }, { "none", KW_GACT_NONE }, { "nft", KW_GACT_NFT },
	};
	for (size_t i = 0; i < sizeof acts / sizeof acts[0]; i++) {
		set_ok(&c, "action", acts[i].v);
		assert_int_equal(c.action, acts[i].k);
	}
	set_ok(&c, "nft_table", "kw_guard-2");
	assert_string_equal(c.nft_table, "kw_guard-2");
	set_ok(&c, "nft_family", "ip6");
	assert_string_equal(c.nft_family, "ip6");
	set_ok(&c, "ipset_v4", "kw.v4-set_1");
	assert_string_equal(c.ipset_v4, "kw.v4-set_1");
	set_ok(&c, "ipset_v6", "abcdefghijklmnopqrstuvwxyz01234"); /* 31 bytes */
	assert_string_equal(c.ipset_v6, "abcdefghijklmnopqrstuvwxyz01234");
	set_ok(&c, "hosts_deny", "/srv/hosts.deny");
	assert_string_equal(c.hosts_deny, "/srv/hosts.deny");
	set_ok(&c, "hosts_deny_service", "sshd@main");
	assert_string_equal(c.hosts_deny_service, "sshd@main");
	set_ok(&c, "db", "/tmp/g.db");
	assert_string_equal(c.db, "/tmp/g.db");
	set_ok(&c, "source", "/var/log/secure");
	assert_string_equal(c.source, "/var/log/secure");
	set_ok(&c, "source", "journal");
	assert_string_equal(c.source, "journal");
	set_ok(&c, "share", "postgresql://keyward@db.internal/keyward?sslmode=verify-full");
	assert_string_equal(c.share, "postgresql://keyward@db.internal/keyward?sslmode=verify-full");
	set_ok(&c, "share", "");
	assert_string_equal(c.share, "");
	set_ok(&c, "share_rate", "5");
	assert_int_equal(c.share_rate, 5);
	set_ok(&c, "host_id", "rack7-node4");
	assert_string_equal(c.host_id, "rack7-node4");
	set_ok(&c, "ignore", "10.0.0.0/8");
	assert_int_equal(c.ignore.n, 1);
	set_ok(&c, "ban_command", "/bin/true %a");
	assert_non_null(c.ban_command);
	set_ok(&c, "unban_command", "/bin/true %a");
	assert_non_null(c.unban_command);
	set_ok(&c, "ban_command", "");
	assert_null(c.ban_command);
	kw_gconf_release(&c);
}

static void test_bad_values(void **state)
{
	(void)state;
	kw_gconf c, def;
	assert_int_equal(kw_gconf_init(&c), 0);
	assert_int_equal(kw_gconf_init(&def), 0);
	static const struct { const char *key, *value, *err; } cases[] = {
		{ "host_rule", "*:10/30,20/1h", "host_rule: column 6: period '30' needs a unit (s, m, h, d or w)" },
		{ "host_rule", "", "host_rule: column 1: empty rule (expected NAMES:COUNT/PERIOD, e.g. *:10/1h)" },
		{ "user_rule", "root:0/1h", "user_rule: column 6: count '0' must be 1 to 100000" },
		{ "mode", "Normal", "mode: expected one of aggressive, normal, found 'Normal'" },
		{ "publickey", "ignore", "publickey: expected one of nofail, invalid, any, found 'ignore'" },
		{ "reset_on_success", "1", "reset_on_success: expected yes or no, found '1'" },
		{ "ignore_self", "", "ignore_self: expected yes or no, found ''" },
		{ "bantime", "30", "bantime: '30' needs a unit (s, m, h, d or w)" },
		{ "bantime", "3651d", "bantime: expected a duration from 0s to 3650d (a number and s, m, h, d or w), found '3651d'" },
		{ "bantime_max", "0s", "bantime_max: expected a duration from 1s to 3650d (a number and s, m, h, d or w), found '0s'" },
		{ "bantime_max", "1y", "bantime_max: expected a duration from 1s to 3650d (a number and s, m, h, d or w), found '1y'" },
		{ "escalation_window", "-1d", "escalation_window: expected a duration from 0s to 3650d (a number and s, m, h, d or w), found '-1d'" },
		{ "escalation", "0", "escalation: expected a whole number from 1 to 1000, found '0'" },
		{ "escalation", "1001", "escalation: expected a whole number from 1 to 1000, found '1001'" },
		{ "escalation", "2x", "escalation: expected a whole number from 1 to 1000, found '2x'" },
		{ "max_sources", "0", "max_sources: expected a whole number from 1 to 10000000, found '0'" },
		{ "max_sources", "99999999999999999999999", "max_sources: expected a whole number from 1 to 10000000, found '99999999999999999999999'" },
		{ "subnet_v4", "32:5", "subnet_v4: expected BITS:MEMBERS (BITS 1 to 31, MEMBERS 1 to 65536) or 0 for off, found '32:5'" },
		{ "subnet_v4", "24", "subnet_v4: expected BITS:MEMBERS (BITS 1 to 31, MEMBERS 1 to 65536) or 0 for off, found '24'" },
		{ "subnet_v4", "24:0", "subnet_v4: expected BITS:MEMBERS (BITS 1 to 31, MEMBERS 1 to 65536) or 0 for off, found '24:0'" },
		{ "subnet_v4", "0:5", "subnet_v4: expected BITS:MEMBERS (BITS 1 to 31, MEMBERS 1 to 65536) or 0 for off, found '0:5'" },
		{ "subnet_v4", ":5", "subnet_v4: expected BITS:MEMBERS (BITS 1 to 31, MEMBERS 1 to 65536) or 0 for off, found ':5'" },
		{ "subnet_v6", "128:2", "subnet_v6: expected BITS:MEMBERS (BITS 1 to 127, MEMBERS 1 to 65536) or 0 for off, found '128:2'" },
		{ "subnet_v6", "64:", "subnet_v6: expected BITS:MEMBERS (BITS 1 to 127, MEMBERS 1 to 65536) or 0 for off, found '64:'" },
		{ "action", "iptables", "action: expected one of nft, ipset, hosts-deny, command, none, found 'iptables'" },
		{ "nft_table", "a b", "nft_table: expected a name of letters, digits, '_' and '-' (at most 64), found 'a b'" },
		{ "nft_table", "-x", "nft_table: expected a name of letters, digits, '_' and '-' (at most 64), found '-x'" },
		{ "nft_table", "t;flush", "nft_table: expected a name of letters, digits, '_' and '-' (at most 64), found 't;flush'" },
		{ "nft_table", "", "nft_table: expected a name of letters, digits, '_' and '-' (at most 64), found ''" },
		{ "nft_family", "bridge", "nft_family: expected one of inet, ip, ip6, found 'bridge'" },
		{ "ipset_v4", "-exist", "ipset_v4: expected an ipset name of letters, digits, '_', '.' and '-' (at most 31), found '-exist'" },
		{ "ipset_v6", "abcdefghijklmnopqrstuvwxyz012345", "ipset_v6: expected an ipset name of letters, digits, '_', '.' and '-' (at most 31), found 'abcdefghijklmnopqrstuvwxyz012345'" },
		{ "hosts_deny", "hosts.deny", "hosts_deny: expected an absolute path, found 'hosts.deny'" },
		{ "hosts_deny_service", "sshd:ALL", "hosts_deny_service: expected a daemon name of letters, digits, '_', '.', '@' and '-', found 'sshd:ALL'" },
		{ "db", "", "db: expected an absolute path, found ''" },
		{ "source", "auth.log", "source: expected 'journal' or an absolute path, found 'auth.log'" },
		{ "source", "Journal", "source: expected 'journal' or an absolute path, found 'Journal'" },
		{ "share", "/var/lib/keyward/bans.db", "share: expected a PostgreSQL URI (postgresql://USER@HOST/DB) or nothing" },
		{ "share_rate", "0", "share_rate: expected a whole number from 1 to 1000000, found '0'" },
		{ "host_id", "web 1", "host_id: expected at most 64 printable characters without blanks, found 'web 1'" },
		{ "ignore", "10.0.0.0/8 10.0.0.0/33", "ignore: '10.0.0.0/33' is not an address or CIDR prefix" },
		{ "ignore", "example.com", "ignore: 'example.com' is not an address or CIDR prefix" },
		{ "ban_command", "logger %a", "ban_command: the program must be an absolute path, found 'logger'" },
		{ "ban_command", "/bin/echo %h", "ban_command: unknown directive '%h' (use %a, %t, %r or %%)" },
		{ "ban_command", "/bin/echo 100%", "ban_command: unknown directive '%' (use %a, %t, %r or %%)" },
		{ "ban_command", "/bin/%a x", "ban_command: the program path may not contain '%'" },
		{ "ban_command", "/bin/echo \"a b", "ban_command: column 11: unterminated quote" },
		{ "unban_command", "/bin/echo 'a b'", "unban_command: column 11: single quotes are not supported, use \"...\"" },
		{ "unban_command", "\"\" %a", "unban_command: the program must be an absolute path, found ''" },
		{ "mode", "normal\x1b[2J", "mode: control byte 0x1b in the value (column 7)" },
		{ "db", "/a\tb", "db: control byte 0x09 in the value (column 3)" },
		{ "db", "/a\x7f", "db: control byte 0x7f in the value (column 3)" },
		{ "bantime", "1h\n", "bantime: control byte 0x0a in the value (column 3)" },
		{ "Bantime", "1h", "unknown key 'Bantime'" },
		{ "ban time", "1h", "unknown key 'ban time'" },
		{ "", "1h", "unknown key ''" },
		{ "k\x1b]0;x\a", "1", "unknown key 'k\\x1b]0;x\\x07'" },
		{ "mode", "\xe2\x80\xae" "evil", "mode: expected one of aggressive, normal, found '\\u{202e}evil'" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		set_bad(&c, cases[i].key, cases[i].value, cases[i].err);
	/* a refused value changes nothing */
	assert_gconf_equal(&c, &def);
	/* 64 arguments are fine, 65 are not; a 1025-byte argument is refused */
	char cmd[2048] = "/bin/echo";
	for (int i = 1; i < 64; i++)
		strcat(cmd, " a");
	set_ok(&c, "ban_command", cmd);
	strcat(cmd, " a");
	set_bad(&c, "ban_command", cmd, "ban_command: more than 64 arguments");
	char big[1100] = "/bin/echo ";
	memset(big + 10, 'x', 1025);
	big[1035] = '\0';
	set_bad(&c, "ban_command", big, "ban_command: an argument is longer than 1024 bytes");
	assert_int_equal(kw_gconf_set(&c, NULL, "x", NULL, 0), -EINVAL);
	assert_int_equal(kw_gconf_set(&c, "mode", NULL, NULL, 0), -EINVAL);
	assert_int_equal(kw_gconf_set(&c, "mode", "x", NULL, 0), KW_E_USAGE); /* no err buffer */
	kw_gconf_release(&c);
	kw_gconf_release(&def);
}

/* ---- argv templates ---- */

static void test_argv(void **state)
{
	(void)state;
	kw_gconf c;
	assert_int_equal(kw_gconf_init(&c), 0);
	set_ok(&c, "ban_command", "  /usr/bin/logger  -t keyward \"banned %a for %t s\" rule=%r 100%% ");
	char *const want[] = { "/usr/bin/logger", "-t", "keyward", "banned %a for %t s", "rule=%r", "100%%", NULL };
	assert_argv_equal(c.ban_command, want);
	set_ok(&c, "unban_command", "\"/opt/my tool/unban\" \"\" a\"b c\"d \"q\\\"x\\\\y\\z\" %a");
	char *const want2[] = { "/opt/my tool/unban", "", "ab cd", "q\"x\\y\\z", "%a", NULL };
	assert_argv_equal(c.unban_command, want2);
	set_ok(&c, "unban_command", "/x/b\\c");
	char *const want3[] = { "/x/b\\c", NULL };
	assert_argv_equal(c.unban_command, want3);
	set_ok(&c, "unban_command", "   ");
	assert_null(c.unban_command);
	kw_gconf_release(&c);
}

/* ---- files ---- */

static void load_bad(const char *name, const char *text, size_t len, const char *want_tail)
{
	kw_gconf c, def;
	assert_int_equal(kw_gconf_init(&c), 0);
	assert_int_equal(kw_gconf_init(&def), 0);
	const char *path = write_conf(name, text, len);
	char err[768] = "", want[768];
	snprintf(want, sizeof want, "%s:%s", path, want_tail);
	int r = kw_gconf_load(&c, path, err, sizeof err);
	if (r != KW_E_USAGE)
		fail_msg("%s: %d, want KW_E_USAGE (%s)", name, r, err);
	if (strcmp(err, want) != 0)
		fail_msg("%s:\n got  %s\n want %s", name, err, want);
	assert_gconf_equal(&c, &def); /* all or nothing */
	kw_gconf_release(&c);
	kw_gconf_release(&def);
}

static void test_file_errors(void **state)
{
	(void)state;
#define T(s) s, sizeof(s) - 1
	load_bad("unknown.conf", T("# c\n\nbantime = 2h\nfoo = 1\n"), "4: unknown key 'foo'");
	load_bad("noeq.conf", T("bantime = 2h\nbantime 2h\n"), "2: expected 'key = value', found 'bantime 2h'");
	load_bad("nokey.conf", T(" = 2h\n"), "1: expected a key before '='");
	load_bad("unit.conf", T("mode = normal\nignore = 10.0.0.0/8\n\n\nbantime = 30\n"),
		 "5: bantime: '30' needs a unit (s, m, h, d or w)");
	load_bad("rule.conf", T("host_rule = *:10/30,20/1h\n"),
		 "1: host_rule: column 6: period '30' needs a unit (s, m, h, d or w)");
	load_bad("inline.conf", T("bantime = 1h # one hour\n"),
		 "1: bantime: expected a duration from 0s to 3650d (a number and s, m, h, d or w), found '1h # one hour'");
	load_bad("ctl.conf", T("mode = normal\ndb = /a\x01" "b\n"), "2: db: control byte 0x01 in the value (column 3)");
	load_bad("nul.conf", T("mode = normal\nmode = nor\0mal\n"), "2: NUL byte in the line");
	load_bad("cr.conf", T("mode = nor\rmal\n"), "1: mode: control byte 0x0d in the value (column 4)");
	char longline[5000];
	memset(longline, ' ', sizeof longline);
	memcpy(longline, "mode=", 5);
	memcpy(longline + 4990, "normal\n", 7);
	load_bad("long.conf", longline, 4997, "1: line longer than 4096 bytes");
#undef T
}

static void test_file_ok(void **state)
{
	(void)state;
	static const char text[] =
		"# comment\r\n"
		"   # indented comment = ignored\r\n"
		"\t\r\n"
		"bantime=2h\r\n"
		"  mode\t=\tnormal  \r\n"
		"ignore = 10.0.0.0/8\n"
		"ignore = 2001:db8::/32, 192.0.2.1\n"
		"ban_command = /bin/echo ban=%a # hash kept\n"
		"action = command\n"
		"bantime = 3h"; /* no final newline; later lines win */
	const char *path = write_conf("ok.conf", text, sizeof text - 1);
	kw_gconf c;
	char err[512] = "x";
	assert_int_equal(kw_gconf_init(&c), 0);
	assert_int_equal(kw_gconf_load(&c, path, err, sizeof err), 0);
	assert_string_equal(err, "");
	assert_int_equal(c.bantime_s, 3 * 3600);
	assert_int_equal(c.mode, KW_GMODE_NORMAL);
	assert_int_equal(c.ignore.n, 3);
	assert_int_equal(c.action, KW_GACT_COMMAND);
	char *const want[] = { "/bin/echo", "ban=%a", "#", "hash", "kept", NULL };
	assert_argv_equal(c.ban_command, want);
	/* command-line overrides after the file */
	set_ok(&c, "bantime", "10m");
	set_ok(&c, "ignore", "198.51.100.0/24");
	assert_int_equal(c.bantime_s, 600);
	assert_int_equal(c.ignore.n, 4);
	set_ok(&c, "ignore", "");
	assert_int_equal(c.ignore.n, 0);
	/* loading a second file goes on from the current values */
	const char *p2 = write_conf("ok2.conf", "escalation = 3\n", 15);
	assert_int_equal(kw_gconf_load(&c, p2, err, sizeof err), 0);
	assert_int_equal(c.escalation, 3);
	assert_int_equal(c.bantime_s, 600);
	/* an empty file changes nothing */
	const char *p3 = write_conf("empty.conf", "", 0);
	assert_int_equal(kw_gconf_load(&c, p3, err, sizeof err), 0);
	assert_int_equal(c.escalation, 3);
	kw_gconf_release(&c);
}

static void test_file_io(void **state)
{
	(void)state;
	kw_gconf c;
	char err[512], want[512];
	assert_int_equal(kw_gconf_init(&c), 0);
	char missing[128];
	snprintf(missing, sizeof missing, "%s/none.conf", tmpdir);
	assert_int_equal(kw_gconf_load(&c, missing, err, sizeof err), -ENOENT);
	snprintf(want, sizeof want, "%s: %s", missing, kw_strerror(-ENOENT));
	assert_string_equal(err, want);
	assert_int_equal(kw_gconf_load(&c, tmpdir, err, sizeof err), KW_E_NOTREG);
	snprintf(want, sizeof want, "%s: %s", tmpdir, kw_strerror(KW_E_NOTREG));
	assert_string_equal(err, want);
	char fifo[128];
	snprintf(fifo, sizeof fifo, "%s/fifo", tmpdir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(kw_gconf_load(&c, fifo, err, sizeof err), KW_E_NOTREG); /* never blocks */
	/* over 1 MiB */
	size_t big = ((size_t)1 << 20) + 1;
	char *text = malloc(big);
	assert_non_null(text);
	memset(text, '#', big);
	for (size_t i = 63; i < big; i += 64)
		text[i] = '\n';
	const char *path = write_conf("big.conf", text, big);
	assert_int_equal(kw_gconf_load(&c, path, err, sizeof err), KW_E_TOOBIG);
	/* exactly 1 MiB of comment lines is fine */
	path = write_conf("edge.conf", text, big - 1);
	assert_int_equal(kw_gconf_load(&c, path, err, sizeof err), 0);
	free(text);
	kw_gconf def;
	assert_int_equal(kw_gconf_init(&def), 0);
	assert_gconf_equal(&c, &def);
	kw_gconf_release(&def);
	kw_gconf_release(&c);
}

/* ---- ignore lists ---- */

static void test_iplist(void **state)
{
	(void)state;
	kw_gconf c;
	assert_int_equal(kw_gconf_init(&c), 0);
	set_ok(&c, "ignore", "10.1.2.3/8 192.0.2.7");
	set_ok(&c, "ignore", "2001:db8:aaaa::1/48,::ffff:198.51.100.1/120 ,, fe80::1%eth0");
	set_ok(&c, "ignore", "10.0.0.0/8 10.9.9.9/8");  /* duplicates of the first entry */
	assert_int_equal(c.ignore.n, 5);
	char buf[KW_CIDR_STRLEN];
	static const char *const stored[] = { "10.0.0.0/8", "192.0.2.7", "2001:db8:aaaa::/48", "198.51.100.0/24", "fe80::1" };
	for (size_t i = 0; i < 5; i++) {
		kw_cidr_format(&c.ignore.v[i], buf, sizeof buf);
		assert_string_equal(buf, stored[i]);
	}
	static const struct { const char *a; bool in; } probes[] = {
		{ "10.0.0.0", true }, { "10.255.255.255", true }, { "11.0.0.0", false }, { "9.255.255.255", false },
		{ "192.0.2.7", true }, { "192.0.2.6", false }, { "192.0.2.8", false },
		{ "2001:db8:aaaa:ffff::9", true }, { "2001:db8:aaab::", false },
		{ "198.51.100.255", true }, { "::ffff:198.51.100.17", true }, { "198.51.101.0", false },
		{ "fe80::1", true }, { "fe80::1%lo", true }, { "fe80::2", false },
		{ "::ffff:10.1.1.1", true }, { "::a01:101", false }, /* IPv4-compatible is not mapped */
		{ "::", false }, { "0.0.0.0", false },
	};
	for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
		kw_addr a = addr(probes[i].a);
		if (kw_iplist_contains(&c.ignore, &a) != probes[i].in)
			fail_msg("%s: contains %d, want %d", probes[i].a, !probes[i].in, probes[i].in);
	}
	kw_addr none = { 0 };
	assert_false(kw_iplist_contains(&c.ignore, &none));
	assert_false(kw_iplist_contains(NULL, &none));

	/* /0 covers a whole family, not the other */
	kw_iplist l = { 0 };
	assert_int_equal(kw_iplist_add_text(&l, "0.0.0.0/0"), 0);
	kw_addr v4 = addr("203.0.113.1"), v6 = addr("2001:db8::1");
	assert_true(kw_iplist_contains(&l, &v4));
	assert_false(kw_iplist_contains(&l, &v6));
	assert_int_equal(kw_iplist_add_text(&l, "::/0"), 0);
	assert_true(kw_iplist_contains(&l, &v6));
	/* add_text is all or nothing */
	assert_int_equal(kw_iplist_add_text(&l, "192.0.2.1 bogus 192.0.2.2"), KW_E_PARSE);
	assert_int_equal(l.n, 2);
	assert_int_equal(kw_iplist_add_text(&l, ""), 0);
	assert_int_equal(kw_iplist_add_text(&l, NULL), 0);
	assert_int_equal(l.n, 2);
	/* kw_iplist_add clears host bits it is given, and refuses an empty address */
	kw_cidr raw = { .a = addr("172.16.5.5"), .bits = 12 };
	assert_int_equal(kw_iplist_add(&l, &raw), 0);
	kw_cidr_format(&l.v[2], buf, sizeof buf);
	assert_string_equal(buf, "172.16.0.0/12");
	kw_cidr empty = { 0 };
	assert_int_equal(kw_iplist_add(&l, &empty), -EINVAL);
	kw_iplist_release(&l);
	assert_null(l.v);
	assert_int_equal(l.n, 0);
	kw_iplist_release(&l);
	kw_gconf_release(&c);
}

static void test_action_names(void **state)
{
	(void)state;
	static const char *const names[] = { "nft", "ipset", "hosts-deny", "command", "none" };
	for (int i = 0; i < 5; i++) {
		enum kw_gaction_kind k = KW_GACT_NONE;
		assert_string_equal(kw_gaction_kind_name((enum kw_gaction_kind)i), names[i]);
		assert_int_equal(kw_gaction_kind_parse(names[i], &k), 0);
		assert_int_equal(k, i);
	}
	enum kw_gaction_kind k = KW_GACT_IPSET;
	assert_int_equal(kw_gaction_kind_parse("NFT", &k), KW_E_USAGE);
	assert_int_equal(kw_gaction_kind_parse("", &k), KW_E_USAGE);
	assert_int_equal(kw_gaction_kind_parse(NULL, &k), KW_E_USAGE);
	assert_int_equal(k, KW_GACT_IPSET);
	assert_string_equal(kw_gaction_kind_name((enum kw_gaction_kind)99), "unknown");
}

/* ---- the host's own addresses, in a network namespace of our own ---- */

static void run(const char *cmd)
{
	int r = system(cmd);
	if (r != 0)
		fail_msg("'%s' failed (%d); this test needs root and iproute2's ip", cmd, r);
}

/* The list must hold exactly the entries of want (in any order). */
static void assert_list_is(const kw_iplist *l, const char *const *want, size_t n)
{
	char got[2048] = "";
	for (size_t i = 0; i < l->n; i++) {
		char b[KW_CIDR_STRLEN];
		kw_cidr_format(&l->v[i], b, sizeof b);
		snprintf(got + strlen(got), sizeof got - strlen(got), " %s", b);
	}
	if (l->n != n)
		fail_msg("self list has %zu entries, want %zu:%s", l->n, n, got);
	for (size_t i = 0; i < n; i++) {
		kw_cidr c;
		assert_int_equal(kw_cidr_parse(want[i], strlen(want[i]), &c), 0);
		bool found = false;
		for (size_t j = 0; j < l->n && !found; j++)
			found = l->v[j].bits == c.bits && kw_addr_eq(&l->v[j].a, &c.a);
		if (!found)
			fail_msg("self list lacks %s:%s", want[i], got);
	}
}

static void test_add_self(void **state)
{
	(void)state;
	/* a private network namespace: it disappears with this process */
	if (unshare(CLONE_NEWNET) != 0)
		fail_msg("unshare(CLONE_NEWNET): %s; this test needs root", strerror(errno));
	run("ip link set lo up");
	run("ip addr add 198.51.100.7/24 dev lo");
	run("ip addr add 2001:db8::7/64 dev lo nodad");
	run("ip addr add ::ffff:203.0.113.9/128 dev lo nodad");

	static const char *const base[] = { "127.0.0.0/8", "::1", "127.0.0.1", "198.51.100.7",
					    "203.0.113.9", "2001:db8::7" };
	const char *want[8];
	memcpy(want, base, sizeof base);
	static const struct { const char *env, *client; } cases[] = {
		{ NULL, NULL },
		{ "192.0.2.44 52000 198.51.100.7 22", "192.0.2.44" },
		{ "2001:db8:1::99 52000 2001:db8::7 22", "2001:db8:1::99" },
		{ "::ffff:192.0.2.45 52000 ::ffff:198.51.100.7 22", "192.0.2.45" },
		{ "192.0.2.46", "192.0.2.46" },
		{ "198.51.100.7 1 198.51.100.7 22", NULL },  /* already there */
		{ "garbage 1 2 3", NULL },
		{ "", NULL },
		{ " 192.0.2.47 1 2 3", NULL },               /* not the documented form */
		{ "192.0.2.300 1 2 3", NULL },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (cases[i].env)
			assert_int_equal(setenv("SSH_CONNECTION", cases[i].env, 1), 0);
		else
			assert_int_equal(unsetenv("SSH_CONNECTION"), 0);
		kw_iplist l = { 0 };
		assert_int_equal(kw_iplist_add_self(&l), 0);
		size_t n = sizeof base / sizeof base[0];
		if (cases[i].client)
			want[n++] = cases[i].client;
		assert_list_is(&l, want, n);
		kw_addr lo = addr("127.45.6.7"), far = addr("192.0.2.99");
		assert_true(kw_iplist_contains(&l, &lo));
		assert_false(kw_iplist_contains(&l, &far));
		/* adding again changes nothing */
		assert_int_equal(kw_iplist_add_self(&l), 0);
		assert_list_is(&l, want, n);
		kw_iplist_release(&l);
	}
	unsetenv("SSH_CONNECTION");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_default_file),
		cmocka_unit_test(test_each_key),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_argv),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_file_ok),
		cmocka_unit_test(test_file_io),
		cmocka_unit_test(test_iplist),
		cmocka_unit_test(test_action_names),
		cmocka_unit_test(test_add_self), /* last: it moves the process to its own network */
	};
	return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
