/* fuzz_guard_config.c — libFuzzer harness for the guard's configuration (src/guard/config.c).
 *
 * The input is used twice:
 *  1. as a whole file, loaded through a memfd (/proc/self/fd/N) with kw_gconf_load: the
 *     result is 0 or KW_E_USAGE with a "path:line: " message, and a refused file leaves
 *     the configuration exactly as it was (all or nothing);
 *  2. split into lines, each "key=value" handed to kw_gconf_set as the command line
 *     would (the raw bytes, control bytes included, up to a NUL): 0 or KW_E_USAGE with a
 *     message.
 * After every step the configuration must hold its invariants: a host rule, a consistent
 * user rule, numbers within their bounds, names of the safe character sets, absolute
 * paths, argv templates whose program is an absolute path and whose only % directives
 * are %a %t %r %%, ignore entries of a real family with their host bits clear. */
#include "base/err.h"
#include "guard/config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool charset(const char *s, const char *set)
{
	return s && s[0] && s[0] != '-' && s[0] != '.' && strspn(s, set) == strlen(s);
}

#define NAMECH "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"

static void check_argv(char **argv)
{
	if (!argv)
		return;
	if (!argv[0] || argv[0][0] != '/' || strchr(argv[0], '%'))
		abort();
	for (size_t i = 0; argv[i]; i++) {
		if (i >= 64 || strlen(argv[i]) > 1024)
			abort();
		for (const char *p = strchr(argv[i], '%'); p; p = strchr(p + 2, '%'))
			if (!p[1] || !strchr("atr%", p[1]))
				abort();
	}
}

static void check(const kw_gconf *c)
{
	if (c->host_rule.nclauses == 0 || !c->host_rule.text)
		abort();
	if (c->has_user_rule != (c->user_rule.nclauses > 0) || (!c->has_user_rule && c->user_rule.text))
		abort();
	if ((unsigned)c->mode > KW_GMODE_NORMAL || (unsigned)c->publickey > KW_GPUBKEY_ANY ||
	    (unsigned)c->action > KW_GACT_NONE)
		abort();
	if (c->bantime_max_s < 1 || c->escalation < 1 || c->escalation > 1000 ||
	    c->max_sources < 1)
		abort();
	if (c->subnet_v4_bits > 31 || c->subnet_v6_bits > 127 ||
	    (c->subnet_v4_bits == 0) != (c->subnet_v4_members == 0) ||
	    (c->subnet_v6_bits == 0) != (c->subnet_v6_members == 0))
		abort();
	if (!charset(c->nft_table, NAMECH "-") || !charset(c->ipset_v4, NAMECH ".-") ||
	    !charset(c->ipset_v6, NAMECH ".-") || !charset(c->hosts_deny_service, NAMECH ".@-"))
		abort();
	if (strcmp(c->nft_family, "inet") && strcmp(c->nft_family, "ip") && strcmp(c->nft_family, "ip6"))
		abort();
	if (c->hosts_deny[0] != '/' || c->db[0] != '/' || (c->source[0] != '/' && strcmp(c->source, "journal")))
		abort();
	check_argv(c->ban_command);
	check_argv(c->unban_command);
	for (size_t i = 0; i < c->ignore.n; i++) {
		const kw_cidr *e = &c->ignore.v[i];
		kw_cidr again = kw_cidr_of(&e->a, e->bits);
		if ((e->a.fam != 4 && e->a.fam != 6) || again.bits != e->bits || !kw_addr_eq(&again.a, &e->a))
			abort();
	}
}

/* A cheap fingerprint of the whole configuration, to see that a refused load changed nothing. */
static uint64_t fingerprint(const kw_gconf *c)
{
	uint64_t h = 1469598103934665603ull;
#define MIX(p, n) do { const uint8_t *q_ = (const uint8_t *)(p); for (size_t i_ = 0; i_ < (n); i_++) h = (h ^ q_[i_]) * 1099511628211ull; h *= 31; } while (0)
#define MIXS(s) do { if (s) MIX((s), strlen(s)); else MIX("\1", 1); } while (0)
	MIXS(c->host_rule.text);
	MIXS(c->user_rule.text);
	uint64_t nums[] = { c->mode, c->publickey, c->reset_on_success, c->bantime_s, c->bantime_max_s,
			    c->escalation, c->escalation_window_s, c->ignore_self, c->subnet_v4_bits,
			    c->subnet_v6_bits, c->subnet_v4_members, c->subnet_v6_members, c->max_sources,
			    c->action, c->ignore.n, c->has_user_rule };
	MIX(nums, sizeof nums);
	for (size_t i = 0; i < c->ignore.n; i++)
		MIX(&c->ignore.v[i], sizeof c->ignore.v[i]);
	const char *strs[] = { c->nft_table, c->nft_family, c->ipset_v4, c->ipset_v6, c->hosts_deny,
			       c->hosts_deny_service, c->db, c->source };
	for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
		MIXS(strs[i]);
	for (char **a = c->ban_command; a && *a; a++)
		MIXS(*a);
	MIX("|", 1);
	for (char **a = c->unban_command; a && *a; a++)
		MIXS(*a);
#undef MIX
#undef MIXS
	return h;
}

static void load_as_file(kw_gconf *c, const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	if (fd < 0) {
		fd = memfd_create("guard.conf", MFD_CLOEXEC);
		if (fd < 0)
			abort();
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) < 0 || (size && pwrite(fd, data, size, 0) != (ssize_t)size))
		abort();
	uint64_t before = fingerprint(c);
	char err[1024];
	int r = kw_gconf_load(c, path, err, sizeof err);
	if (r == KW_E_USAGE) {
		size_t pl = strlen(path);
		if (strncmp(err, path, pl) != 0 || err[pl] != ':' || fingerprint(c) != before)
			abort();
	} else if (r != 0 && r != -ENOMEM) {
		abort();
	}
	check(c);
}

static void set_lines(kw_gconf *c, const uint8_t *data, size_t size)
{
	size_t i = 0;
	while (i < size) {
		const uint8_t *nl = memchr(data + i, '\n', size - i);
		size_t len = nl ? (size_t)(nl - (data + i)) : size - i;
		const uint8_t *eq = memchr(data + i, '=', len);
		if (eq) {
			size_t kl = (size_t)(eq - (data + i)), vl = len - kl - 1;
			char *k = strndup((const char *)data + i, kl), *v = strndup((const char *)eq + 1, vl);
			if (k && v) {
				char err[1024] = "";
				int r = kw_gconf_set(c, k, v, err, sizeof err);
				if ((r != 0 && r != KW_E_USAGE && r != -ENOMEM) || (r == KW_E_USAGE && !err[0]))
					abort();
				check(c);
			}
			free(k);
			free(v);
		}
		i += len + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kw_gconf c;
	if (kw_gconf_init(&c) != 0)
		abort();
	check(&c);
	load_as_file(&c, data, size);
	set_lines(&c, data, size);
	kw_gconf_release(&c);
	return 0;
}
