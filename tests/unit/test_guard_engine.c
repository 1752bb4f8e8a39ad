/* test_guard_engine.c — what counts as an attempt, windows, escalation, ignore lists,
 * user rules, subnet aggregation and the memory bound of the guard's engine. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "guard/engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0 1767225600 /* 2026-01-01T00:00:00Z */

static kw_gevent ev(enum kw_gkind k, const char *addr, uint32_t pid, int64_t t, const char *user)
{
	kw_gevent e;
	memset(&e, 0, sizeof e);
	e.kind = k;
	e.time_us = t * 1000000;
	e.pid = pid;
	e.proc = KW_GP_SSHD;
	if (addr)
		assert_int_equal(kw_addr_parse(addr, strlen(addr), &e.addr), 0);
	if (user) {
		e.user = kw_buf_view(user, strlen(user));
		e.has_user = true;
	}
	return e;
}

typedef struct fx {
	kw_gconf conf;
	kw_iplist ignore;
	kw_gengine *g;
} fx;

static void setup_rules(fx *f, const char *host, const char *user)
{
	char err[256];
	assert_int_equal(kw_gconf_init(&f->conf), 0);
	assert_int_equal(kw_gconf_set(&f->conf, "host_rule", host, err, sizeof err), 0);
	if (user)
		assert_int_equal(kw_gconf_set(&f->conf, "user_rule", user, err, sizeof err), 0);
	memset(&f->ignore, 0, sizeof f->ignore);
}

static void start(fx *f)
{
	assert_int_equal(kw_gengine_new(&f->conf, &f->ignore, &f->g), 0);
}

static void done(fx *f)
{
	kw_gengine_free(f->g);
	kw_iplist_release(&f->ignore);
	kw_gconf_release(&f->conf);
}

static int feed(fx *f, kw_gevent e, kw_gdecision d[2])
{
	int n = kw_gengine_feed(f->g, &e, e.time_us / 1000000, d);
	assert_true(n >= 0);
	return n;
}

static uint64_t counted(fx *f)
{
	kw_gengine_stats st;
	kw_gengine_get_stats(f->g, &st);
	return st.counted;
}

/* One bot connection: Invalid user, three passwords, disconnect = 3 attempts, not 5. */
static void test_attempts_per_connection(void **state)
{
	(void)state;
	fx f;
	kw_gdecision d[2];
	setup_rules(&f, "*:100/1h", NULL);
	start(&f);
	const char *a = "198.51.100.1";
	assert_int_equal(feed(&f, ev(KW_GK_INVALID_USER, a, 100, T0, "oracle"), d), 0);
	assert_int_equal(counted(&f), 1);
	feed(&f, ev(KW_GK_FAILED_PASSWORD, a, 100, T0 + 1, "oracle"), d);
	assert_int_equal(counted(&f), 1); /* the first try is the invalid-user connection's */
	feed(&f, ev(KW_GK_FAILED_PASSWORD, a, 100, T0 + 2, "oracle"), d);
	feed(&f, ev(KW_GK_FAILED_PASSWORD, a, 100, T0 + 3, "oracle"), d);
	feed(&f, ev(KW_GK_MAX_AUTH, a, 100, T0 + 3, "oracle"), d);
	feed(&f, ev(KW_GK_PREAUTH_DISCONNECT, a, 100, T0 + 4, "oracle"), d);
	assert_int_equal(counted(&f), 3);
	/* a second connection from the same address (new pid) counts again */
	feed(&f, ev(KW_GK_NO_IDENT, a, 101, T0 + 5, NULL), d);
	assert_int_equal(counted(&f), 4);
	/* lines without a pid count one each */
	feed(&f, ev(KW_GK_FAILED_PASSWORD, a, 0, T0 + 6, "root"), d);
	feed(&f, ev(KW_GK_FAILED_PASSWORD, a, 0, T0 + 6, "root"), d);
	assert_int_equal(counted(&f), 6);
	done(&f);
}

/* Probes count in aggressive mode only; address-less lines take the connection's address. */
static void test_probes_and_modes(void **state)
{
	(void)state;
	kw_gdecision d[2];
	for (int normal = 0; normal < 2; normal++) {
		fx f;
		char err[128];
		setup_rules(&f, "*:100/1h", NULL);
		if (normal)
			assert_int_equal(kw_gconf_set(&f.conf, "mode", "normal", err, sizeof err), 0);
		start(&f);
		/* kex-ident has no address and nothing known for its pid yet */
		feed(&f, ev(KW_GK_KEX_IDENT, NULL, 200, T0, NULL), d);
		kw_gengine_stats st;
		kw_gengine_get_stats(f.g, &st);
		assert_int_equal(st.unattributed, 1);
		feed(&f, ev(KW_GK_CLOSE, "203.0.113.5", 200, T0, NULL), d);
		/* now the pid is known: an address-less line of it counts for that address */
		feed(&f, ev(KW_GK_KEX_IDENT, NULL, 200, T0, NULL), d);
		feed(&f, ev(KW_GK_BANNER_INVALID, "203.0.113.6", 201, T0, NULL), d);
		feed(&f, ev(KW_GK_NO_MATCH, "203.0.113.7", 202, T0, NULL), d);
		assert_int_equal(counted(&f), normal ? 0 : 3);
		/* authentication failures count in both modes */
		feed(&f, ev(KW_GK_FAILED_PASSWORD, "203.0.113.8", 203, T0, "root"), d);
		assert_int_equal(counted(&f), normal ? 1 : 4);
		done(&f);
	}
}

/* A login and the closes after it never count; publickey offers count only if asked. */
static void test_success_and_publickey(void **state)
{
	(void)state;
	fx f;
	kw_gdecision d[2];
	char err[128];
	setup_rules(&f, "*:2/1h", NULL);
	start(&f);
	const char *a = "192.0.2.10";
	feed(&f, ev(KW_GK_FAILED_PUBLICKEY, a, 300, T0, "alice"), d);
	feed(&f, ev(KW_GK_FAILED_PUBLICKEY, a, 300, T0, "alice"), d);
	feed(&f, ev(KW_GK_ACCEPTED, a, 300, T0 + 1, "alice"), d);
	feed(&f, ev(KW_GK_RECEIVED_DISCONNECT, a, 300, T0 + 100, NULL), d);
	feed(&f, ev(KW_GK_CLOSE, a, 300, T0 + 100, NULL), d);
	assert_int_equal(counted(&f), 0);
	done(&f);

	setup_rules(&f, "*:2/1h", NULL);
	assert_int_equal(kw_gconf_set(&f.conf, "publickey", "any", err, sizeof err), 0);
	start(&f);
	feed(&f, ev(KW_GK_FAILED_PUBLICKEY, a, 300, T0, "alice"), d);
	assert_int_equal(feed(&f, ev(KW_GK_FAILED_PUBLICKEY, a, 300, T0, "alice"), d), 1);
	done(&f);

	/* reset_on_success: a typo followed by a login forgets the typo */
	setup_rules(&f, "*:2/1h", NULL);
	assert_int_equal(kw_gconf_set(&f.conf, "reset_on_success", "yes", err, sizeof err), 0);
	start(&f);
	feed(&f, ev(KW_GK_FAILED_PASSWORD, a, 301, T0, "alice"), d);
	feed(&f, ev(KW_GK_ACCEPTED, a, 301, T0 + 1, "alice"), d);
	assert_int_equal(feed(&f, ev(KW_GK_FAILED_PASSWORD, a, 302, T0 + 2, "alice"), d), 0);
	assert_int_equal(feed(&f, ev(KW_GK_FAILED_PASSWORD, a, 302, T0 + 3, "alice"), d), 1);
	done(&f);
}

/* The sliding window, the ban, and no second ban while the first lasts. */
static void test_window_and_ban(void **state)
{
	(void)state;
	fx f;
	kw_gdecision d[2];
	char err[128];
	setup_rules(&f, "*:3/1h,5/1d", NULL);
	assert_int_equal(kw_gconf_set(&f.conf, "bantime", "10m", err, sizeof err), 0);
	start(&f);
	const char *a = "2001:db8::66";
	/* 2 tries, then one more just past the hour: the first has left the window */
	feed(&f, ev(KW_GK_FAILED_PASSWORD, a, 0, T0, "root"), d);
	feed(&f, ev(KW_GK_FAILED_PASSWORD, a, 0, T0 + 1800, "root"), d);
	assert_int_equal(feed(&f, ev(KW_GK_FAILED_PASSWORD, a, 0, T0 + 3600, "root"), d), 0);
	/* third within the hour of the last two: banned by 3/1h */
	assert_int_equal(feed(&f, ev(KW_GK_FAILED_PASSWORD, a, 0, T0 + 3700, "root"), d), 1);
	char text[KW_CIDR_STRLEN];
	kw_cidr_format(&d[0].prefix, text, sizeof text);
	assert_string_equal(text, "2001:db8::66");
	assert_int_equal(d[0].prefix.bits, 128);
	assert_int_equal(d[0].duration_s, 600);
	assert_int_equal(d[0].offense, 1);
	assert_int_equal(d[0].failures, 3);
	assert_string_equal(d[0].rule, "host 3/1h");
	/* while banned: counted, but no new decision */
	for (int i = 0; i < 5; i++)
		assert_int_equal(feed(&f, ev(KW_GK_FAILED_PASSWORD, a, 0, T0 + 3800 + i, "root"), d), 0);
	/* the ::ffff: mapped form of an IPv4 source is the same source as the dotted form */
	feed(&f, ev(KW_GK_FAILED_PASSWORD, "::ffff:192.0.2.1", 0, T0, "x"), d);
	feed(&f, ev(KW_GK_FAILED_PASSWORD, "192.0.2.1", 0, T0 + 1, "x"), d);
	assert_int_equal(feed(&f, ev(KW_GK_FAILED_PASSWORD, "::ffff:192.0.2.1", 0, T0 + 2, "x"), d), 1);
	kw_cidr_format(&d[0].prefix, text, sizeof text);
	assert_string_equal(text, "192.0.2.1");
	done(&f);
}

/* Repeat offenders get escalating bans, capped at bantime_max. */
static void test_escalation(void **state)
{
	(void)state;
	fx f;
	kw_gdecision d[2];
	char err[128];
	setup_rules(&f, "*:1/1h", NULL);
	assert_int_equal(kw_gconf_set(&f.conf, "bantime", "1h", err, sizeof err), 0);
	assert_int_equal(kw_gconf_set(&f.conf, "escalation", "3", err, sizeof err), 0);
	assert_int_equal(kw_gconf_set(&f.conf, "bantime_max", "1d", err, sizeof err), 0);
	start(&f);
	const char *a = "198.51.100.77";
	uint64_t want[] = { 3600, 3 * 3600, 9 * 3600, 86400, 86400 };
	int64_t t = T0;
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(feed(&f, ev(KW_GK_FAILED_PASSWORD, a, 0, t, "root"), d), 1);
		assert_int_equal(d[0].offense, i + 1);
		assert_int_equal(d[0].duration_s, want[i]);
		t += (int64_t)d[0].duration_s + 1; /* after the ban ran out */
	}
	done(&f);
}

static int fake_offenses(void *ctx, const kw_cidr *p, int64_t since, uint32_t *count)
{
	(void)p;
	(void)since;
	*count = *(uint32_t *)ctx;
	return 0;
}

/* Bans the database remembers (before a restart) escalate too. */
static void test_offense_hook(void **state)
{
	(void)state;
	fx f;
	kw_gdecision d[2];
	char err[128];
	setup_rules(&f, "*:1/1h", NULL);
	assert_int_equal(kw_gconf_set(&f.conf, "escalation", "2", err, sizeof err), 0);
	start(&f);
	uint32_t earlier = 2;
	kw_gengine_set_offense_hook(f.g, fake_offenses, &earlier);
	assert_int_equal(feed(&f, ev(KW_GK_FAILED_PASSWORD, "192.0.2.44", 0, T0, "root"), d), 1);
	assert_int_equal(d[0].offense, 3);
	assert_int_equal(d[0].duration_s, 4 * f.conf.bantime_s);
	done(&f);
}

static void test_ignore_list(void **state)
{
	(void)state;
	fx f;
	kw_gdecision d[2];
	setup_rules(&f, "*:1/1h", NULL);
	assert_int_equal(kw_iplist_add_text(&f.ignore, "10.0.0.0/8 2001:db8:1::/48"), 0);
	start(&f);
	assert_int_equal(feed(&f, ev(KW_GK_FAILED_PASSWORD, "10.1.2.3", 0, T0, "root"), d), 0);
	assert_int_equal(feed(&f, ev(KW_GK_FAILED_PASSWORD, "2001:db8:1:5::1", 0, T0, "root"), d), 0);
	assert_int_equal(feed(&f, ev(KW_GK_FAILED_PASSWORD, "11.1.2.3", 0, T0, "root"), d), 1);
	kw_gengine_stats st;
	kw_gengine_get_stats(f.g, &st);
	assert_int_equal(st.ignored, 2);
	done(&f);
}

/* A distributed attack on root: no source crosses the host rule, the user rule fires. */
static void test_user_rule(void **state)
{
	(void)state;
	fx f;
	kw_gdecision d[2];
	setup_rules(&f, "*:50/1h", "root:3/1h");
	start(&f);
	assert_int_equal(feed(&f, ev(KW_GK_FAILED_PASSWORD, "192.0.2.1", 0, T0, "root"), d), 0);
	assert_int_equal(feed(&f, ev(KW_GK_FAILED_PASSWORD, "192.0.2.2", 0, T0 + 1, "root"), d), 0);
	/* other users do not feed root's window */
	assert_int_equal(feed(&f, ev(KW_GK_FAILED_PASSWORD, "192.0.2.9", 0, T0 + 1, "admin"), d), 0);
	assert_int_equal(feed(&f, ev(KW_GK_FAILED_PASSWORD, "192.0.2.3", 0, T0 + 2, "root"), d), 1);
	assert_string_equal(d[0].rule, "user root 3/1h");
	/* while root is blocked, any new source failing against it is banned at once */
	assert_int_equal(feed(&f, ev(KW_GK_FAILED_PASSWORD, "192.0.2.4", 0, T0 + 3, "root"), d), 1);
	assert_string_equal(d[0].rule, "user root blocked");
	/* an hour later root's block is over */
	assert_int_equal(feed(&f, ev(KW_GK_FAILED_PASSWORD, "192.0.2.5", 0, T0 + 7300, "root"), d), 0);
	done(&f);
}

static void test_subnet_aggregation(void **state)
{
	(void)state;
	fx f;
	kw_gdecision d[2];
	char err[128];
	setup_rules(&f, "*:1/1h", NULL);
	assert_int_equal(kw_gconf_set(&f.conf, "subnet_v4", "24:3", err, sizeof err), 0);
	start(&f);
	assert_int_equal(feed(&f, ev(KW_GK_FAILED_PASSWORD, "203.0.113.1", 0, T0, "a"), d), 1);
	assert_int_equal(feed(&f, ev(KW_GK_FAILED_PASSWORD, "203.0.113.2", 0, T0, "a"), d), 1);
	assert_int_equal(feed(&f, ev(KW_GK_FAILED_PASSWORD, "198.51.100.2", 0, T0, "a"), d), 1);
	assert_int_equal(feed(&f, ev(KW_GK_FAILED_PASSWORD, "203.0.113.3", 0, T0, "a"), d), 2);
	char text[KW_CIDR_STRLEN];
	kw_cidr_format(&d[1].prefix, text, sizeof text);
	assert_string_equal(text, "203.0.113.0/24");
	assert_string_equal(d[1].rule, "subnet /24 3 members");
	/* a new member of a banned subnet is not banned again on its own */
	assert_int_equal(feed(&f, ev(KW_GK_FAILED_PASSWORD, "203.0.113.4", 0, T0, "a"), d), 0);
	done(&f);
}

/* Memory is bounded by max_sources, not by the number of sources seen. */
static void test_eviction(void **state)
{
	(void)state;
	fx f;
	kw_gdecision d[2];
	char err[128];
	setup_rules(&f, "*:5/1h", NULL);
	assert_int_equal(kw_gconf_set(&f.conf, "max_sources", "16", err, sizeof err), 0);
	start(&f);
	for (int i = 0; i < 5000; i++) {
		char a[32];
		snprintf(a, sizeof a, "10.%d.%d.%d", (i >> 16) & 255, (i >> 8) & 255, i & 255);
		feed(&f, ev(KW_GK_FAILED_PASSWORD, a, 0, T0 + i, "root"), d);
	}
	kw_gengine_stats st;
	kw_gengine_get_stats(f.g, &st);
	assert_int_equal(st.sources, 16);
	assert_int_equal(st.evicted, 5000 - 16);
	/* a steady attacker among the churn still gets banned */
	int bans = 0;
	for (int i = 0; i < 5; i++) {
		bans += feed(&f, ev(KW_GK_FAILED_PASSWORD, "192.0.2.200", 0, T0 + 6000 + i, "root"), d);
		char a[32];
		snprintf(a, sizeof a, "10.200.0.%d", i);
		feed(&f, ev(KW_GK_FAILED_PASSWORD, a, 0, T0 + 6000 + i, "root"), d);
	}
	assert_int_equal(bans, 1);
	kw_gsource_info *src = NULL;
	size_t n = 0;
	assert_int_equal(kw_gengine_sources(f.g, &src, &n), 0);
	assert_int_equal(n, 16);
	free(src);
	done(&f);
}

/* Bans restored from the database are not decided again; an unban starts clean. */
static void test_note_ban_unban(void **state)
{
	(void)state;
	fx f;
	kw_gdecision d[2];
	setup_rules(&f, "*:2/1h", NULL);
	start(&f);
	kw_cidr p;
	assert_int_equal(kw_cidr_parse("192.0.2.50", 10, &p), 0);
	assert_int_equal(kw_gengine_note_ban(f.g, &p, T0, T0 + 3600, 1), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(feed(&f, ev(KW_GK_FAILED_PASSWORD, "192.0.2.50", 0, T0 + i, "root"), d), 0);
	kw_gengine_note_unban(f.g, &p);
	assert_int_equal(feed(&f, ev(KW_GK_FAILED_PASSWORD, "192.0.2.50", 0, T0 + 10, "root"), d), 0);
	assert_int_equal(feed(&f, ev(KW_GK_FAILED_PASSWORD, "192.0.2.50", 0, T0 + 11, "root"), d), 1);
	done(&f);
}

/* Users table: names tried, invalid flag, counts. */
static void test_users(void **state)
{
	(void)state;
	fx f;
	kw_gdecision d[2];
	setup_rules(&f, "*:100/1h", NULL);
	start(&f);
	kw_gevent e = ev(KW_GK_INVALID_USER, "192.0.2.1", 0, T0, "x from 203.0.113.7 port 22");
	e.invalid_user = true;
	feed(&f, e, d);
	feed(&f, ev(KW_GK_FAILED_PASSWORD, "192.0.2.1", 0, T0, "root"), d);
	feed(&f, ev(KW_GK_FAILED_PASSWORD, "192.0.2.2", 0, T0, "root"), d);
	kw_guser_info *u = NULL;
	size_t n = 0;
	assert_int_equal(kw_gengine_users(f.g, &u, &n), 0);
	assert_int_equal(n, 2);
	int seen = 0;
	for (size_t i = 0; i < n; i++) {
		if (u[i].name_len == 4 && !memcmp(u[i].name, "root", 4)) {
			assert_int_equal(u[i].tries, 2);
			assert_false(u[i].invalid);
			seen++;
		} else {
			assert_true(u[i].invalid);
			assert_int_equal(u[i].tries, 1);
			seen++;
		}
	}
	assert_int_equal(seen, 2);
	free(u);
	done(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_attempts_per_connection),
		cmocka_unit_test(test_probes_and_modes),
		cmocka_unit_test(test_success_and_publickey),
		cmocka_unit_test(test_window_and_ban),
		cmocka_unit_test(test_escalation),
		cmocka_unit_test(test_offense_hook),
		cmocka_unit_test(test_ignore_list),
		cmocka_unit_test(test_user_rule),
		cmocka_unit_test(test_subnet_aggregation),
		cmocka_unit_test(test_eviction),
		cmocka_unit_test(test_note_ban_unban),
		cmocka_unit_test(test_users),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
