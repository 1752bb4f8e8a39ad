/* test_net_software.c — banner software versions and advisories (src/net/software.c,
 * data/ssh-software.notes).
 *
 *  - version order (OpenSSH portable levels, dotted numbers, dropbear's year.release,
 *    tinyssh's date with a Debian revision), dpkg's revision order (deb12uN, ubuntuN.M, ~);
 *  - banners split into product, version, distribution and revision; hostile bytes are
 *    never kept;
 *  - the built-in table parses, every row cites a source; refusals of bad tables name the
 *    line;
 *  - the distribution rule: regreSSHion (CVE-2024-6387) on OpenSSH 9.2p1 is fixed from
 *    Debian-2+deb12u3 on, confirmed before it, possible without a Debian comment; the
 *    same for Ubuntu's revisions; OpenBSD's "OpenSSH_9.7" is not in the portable-only row;
 *  - the real banners of the local sshd, dropbear and tinysshd (netpeer.h, read through
 *    net/wire.h kw_ssh_rx_ident), compared with what dpkg says is installed.
 * Only 127.0.0.1 is used.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include "netpeer.h"

#include "base/err.h"
#include "base/escape.h"
#include "net/software.h"
#include "net/wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int sign(int x) { return x < 0 ? -1 : x > 0 ? 1 : 0; }

static void test_version_order(void **state)
{
	(void)state;
	static const struct { const char *a, *b; int want; } t[] = {
		{ "8.5p1", "9.7p1", -1 },   { "9.7p1", "9.8p1", -1 },   { "8.5p1", "9.8p1", -1 },
		{ "9.7", "9.7p1", -1 },     { "9.7p1", "9.7p1", 0 },    { "9.9p1", "9.9p2", -1 },
		{ "10.0p1", "9.9p2", 1 },   { "6.6.1p1", "6.6p1", 1 },  { "6.6.1p1", "6.7p1", -1 },
		{ "7.4", "7.4.0", 0 },      { "7.4p1", "7.4", 1 },      { "4.3p2", "4.4p1", -1 },
		{ "2022.83", "2020.79", 1 }, { "2013.56", "2016.74", -1 }, { "0.52", "2011.54", -1 },
		{ "20230101-1", "20230101", 0 }, { "20230101", "20220101", 1 },
		{ "9.2p1-hpn14v15", "9.2p1", 0 }, { "8.9p1.", "8.9p1", 0 },
		{ "x", "1", -1 },           { "1", "x", 1 },            { "", "", 0 },
		{ "99999999999.1", "4294967295.1", 0 }, /* saturates */
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		int got = sign(kw_sw_version_cmp_str(t[i].a, t[i].b));
		if (got != t[i].want)
			fail_msg("%s vs %s: %d, want %d", t[i].a, t[i].b, got, t[i].want);
		assert_int_equal(sign(kw_sw_version_cmp_str(t[i].b, t[i].a)), -t[i].want);
	}
	kw_sw_version v;
	assert_int_equal(kw_sw_version_parse("9.2p1", &v), 0);
	assert_int_equal(v.n, 2);
	assert_int_equal(v.num[0], 9);
	assert_int_equal(v.num[1], 2);
	assert_int_equal(v.p, 1);
	assert_true(v.portable);
	assert_int_equal(kw_sw_version_parse("9.7", &v), 0);
	assert_false(v.portable);
	assert_int_equal(kw_sw_version_parse("p1", &v), KW_E_PARSE);
	assert_int_equal(kw_sw_version_parse("1.2.3.4.5.6.7.8.9.10", &v), 0);
	assert_int_equal(v.n, 8);
}

static void test_revision_order(void **state)
{
	(void)state;
	static const struct { const char *a, *b; int want; } t[] = {
		{ "2+deb12u2", "2+deb12u3", -1 }, { "2+deb12u3", "2+deb12u3", 0 },
		{ "2+deb12u10", "2+deb12u3", 1 }, { "2", "2+deb12u3", -1 },
		{ "3ubuntu13.3", "3ubuntu13.10", -1 }, { "3ubuntu13", "3ubuntu13.3", -1 },
		{ "3ubuntu0.10", "3ubuntu0.9", 1 }, { "1.0~rc1", "1.0", -1 }, { "1.0~", "1.0", -1 },
		{ "1.0", "1.0+b1", -1 }, { "a", "b", -1 }, { "10", "9", 1 }, { "01", "1", 0 },
		{ "2+deb12u3~bpo1", "2+deb12u3", -1 }, { "", "1", -1 },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		int got = sign(kw_sw_revision_cmp(t[i].a, t[i].b));
		if (got != t[i].want)
			fail_msg("%s vs %s: %d, want %d", t[i].a, t[i].b, got, t[i].want);
		assert_int_equal(sign(kw_sw_revision_cmp(t[i].b, t[i].a)), -t[i].want);
	}
}

static void test_ident(void **state)
{
	(void)state;
	kw_sw_ident id;
	assert_int_equal(kw_sw_ident_parse("OpenSSH_9.2p1", "Debian-2+deb12u3", &id), 0);
	assert_string_equal(id.product, "openssh");
	assert_string_equal(id.version, "9.2p1");
	assert_string_equal(id.distro, "debian");
	assert_string_equal(id.revision, "2+deb12u3");
	assert_int_equal(kw_sw_ident_parse("OpenSSH_8.9p1", "Ubuntu-3ubuntu0.10 extra words", &id), 0);
	assert_string_equal(id.distro, "ubuntu");
	assert_string_equal(id.revision, "3ubuntu0.10");
	assert_int_equal(kw_sw_ident_parse("dropbear_2022.83", NULL, &id), 0);
	assert_string_equal(id.product, "dropbear");
	assert_string_equal(id.version, "2022.83");
	assert_string_equal(id.distro, "");
	assert_int_equal(kw_sw_ident_parse("tinyssh_20230101-1", "PEA5lAxK", &id), 0);
	assert_string_equal(id.product, "tinyssh");
	assert_string_equal(id.version, "20230101-1");
	assert_string_equal(id.distro, "");
	assert_int_equal(kw_sw_ident_parse("OpenSSH_for_Windows_8.1", NULL, &id), 0);
	assert_string_equal(id.product, "openssh_for_windows");
	assert_string_equal(id.version, "8.1");
	assert_int_equal(kw_sw_ident_parse("Cisco-1.25", NULL, &id), 0);
	assert_string_equal(id.product, "cisco");
	assert_string_equal(id.version, "1.25");
	assert_int_equal(kw_sw_ident_parse("ROSSSH", NULL, &id), KW_E_PARSE);
	assert_string_equal(id.product, "rosssh");
	assert_int_equal(kw_sw_ident_parse("_9.2", NULL, &id), KW_E_PARSE);
	/* hostile bytes are never kept */
	assert_int_equal(kw_sw_ident_parse("OpenSSH_9.2p1\x1b[31m", "Debian-2\x1b]0;x\x07", &id), KW_E_PARSE);
	assert_string_equal(id.version, "");
	assert_string_equal(id.distro, "");
	assert_int_equal(kw_sw_ident_parse("Open\xe2\x80\xaeSSH_9.2p1", NULL, &id), KW_E_PARSE);
	assert_int_equal(kw_sw_ident_parse("OpenSSH_9.2p1", "-2+deb12u3", &id), 0);
	assert_string_equal(id.distro, "");
	assert_int_equal(kw_sw_ident_parse("OpenSSH_9.2p1", "Deb1an-2", &id), 0);
	assert_string_equal(id.distro, "");
	char longv[200];
	memset(longv, '9', sizeof longv - 1);
	longv[sizeof longv - 1] = '\0';
	longv[0] = 'x';
	longv[1] = '_';
	assert_int_equal(kw_sw_ident_parse(longv, NULL, &id), KW_E_PARSE);
}

static void test_builtin_table(void **state)
{
	(void)state;
	const kw_sw_table *t = kw_sw_builtin();
	assert_non_null(t);
	assert_ptr_equal(kw_sw_builtin(), t); /* parsed once */
	const kw_sw_row *rows;
	size_t n = kw_sw_table_rows(t, &rows);
	assert_true(n >= 8);
	bool regresshion = false;
	for (size_t i = 0; i < n; i++) {
		assert_true(strlen(rows[i].source) > 10);
		assert_true(strstr(rows[i].source, "https://") != NULL);
		assert_true(rows[i].n_conds >= 1);
		assert_null(strstr(rows[i].id, "48795")); /* Terrapin is the wire check's */
		if (!strcmp(rows[i].id, "CVE-2024-6387") && rows[i].n_fixes)
			regresshion = true;
	}
	assert_true(regresshion);
	/* the same file from the source tree parses to the same rows */
	size_t len;
	char *text = (char *)kwt_read_file(KW_TEST_DATA "/../../data/ssh-software.notes", &len);
	assert_non_null(text);
	kw_sw_table *again = NULL;
	char err[256] = "";
	assert_int_equal(kw_sw_table_parse(text, len, &again, err, sizeof err), 0);
	const kw_sw_row *r2;
	assert_int_equal(kw_sw_table_rows(again, &r2), n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(r2[i].text, rows[i].text);
	kw_sw_table_free(again);
	free(text);
}

static void test_bad_tables(void **state)
{
	(void)state;
	static const struct { const char *text; const char *msg; } t[] = {
		{ "a | b | <1 | high | - | s\n", "seven fields" },
		{ "# c\n\na | openssh | <1 | severe | - | s | t\n", "line 3: the severity" },
		{ "a | openssh | ~1 | high | - | s | t\n", "version condition" },
		{ "a | openssh | portable | high | - | s | t\n", "no version condition" },
		{ "a | openssh | <x | high | - | s | t\n", "names no version" },
		{ "a | OpenSSH | <1 | high | - | s | t\n", "lowercase" },
		{ "a b | openssh | <1 | high | - | s | t\n", "one word" },
		{ "a | openssh | <1 | high | debian 9.2p1 | s | t\n", "DISTRO UPSTREAM REVISION" },
		{ "a | openssh | <1 | high | deb1an 9.2p1 2 | s | t\n", "word of letters" },
		{ "a | openssh | <1 | high | debian x 2 | s | t\n", "upstream version" },
		{ "a | openssh | <1 | high | - |  | t\n", "empty" },
		{ "a | openssh | <1 | high | - | s | t | u\n", "seven fields" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		kw_sw_table *tab = NULL;
		char err[256] = "";
		int r = kw_sw_table_parse(t[i].text, strlen(t[i].text), &tab, err, sizeof err);
		if (r != KW_E_PARSE || !strstr(err, t[i].msg))
			fail_msg("row %zu: %d \"%s\", want \"%s\"", i, r, err, t[i].msg);
		assert_null(tab);
	}
	kw_sw_table *tab = NULL;
	const char *ok = "x | openssh | >=1 <=2 portable | low | Debian 1.5p1 3, ubuntu 1.5p1 2ubuntu1 | s | t\n";
	assert_int_equal(kw_sw_table_parse(ok, strlen(ok), &tab, NULL, 0), 0);
	const kw_sw_row *rows;
	assert_int_equal(kw_sw_table_rows(tab, &rows), 1);
	assert_true(rows[0].need_portable);
	assert_int_equal(rows[0].n_conds, 2);
	assert_int_equal(rows[0].n_fixes, 2);
	assert_string_equal(rows[0].fixes[0].distro, "debian");
	kw_sw_table_free(tab);
	assert_int_equal(kw_sw_table_parse(ok, KW_SW_NOTES_MAX_TEXT + 1, &tab, NULL, 0), KW_E_TOOBIG);
}

/* The status of the first note of row id for a banner, or -1 when no row matched. */
static int status_of(const char *software, const char *comments, const char *id, char **text)
{
	kw_sw_ident ident;
	kw_sw_notes notes = { 0 };
	if (kw_sw_ident_parse(software, comments, &ident) < 0)
		return -1;
	assert_int_equal(kw_sw_match(kw_sw_builtin(), &ident, &notes), 0);
	int st = -1;
	for (size_t i = 0; i < notes.n && st < 0; i++) {
		assert_true(kw_escape_is_clean(notes.v[i].text, strlen(notes.v[i].text)));
		if (!strcmp(notes.v[i].row->id, id)) {
			st = (int)notes.v[i].status;
			if (text)
				*text = strdup(notes.v[i].text);
		}
	}
	kw_sw_notes_release(&notes);
	return st;
}

static void test_distribution_rule(void **state)
{
	(void)state;
	const char *R = "CVE-2024-6387";
	char *text = NULL;
	/* Debian 12: fixed in 1:9.2p1-2+deb12u3 (DSA-5724-1) */
	assert_int_equal(status_of("OpenSSH_9.2p1", "Debian-2+deb12u3", R, &text), KW_SW_FIXED);
	assert_non_null(strstr(text, "fixed (distribution patch level Debian-2+deb12u3"));
	free(text);
	assert_int_equal(status_of("OpenSSH_9.2p1", "Debian-2+deb12u10", R, NULL), KW_SW_FIXED);
	assert_int_equal(status_of("OpenSSH_9.2p1", "Debian-2+deb12u2", R, &text), KW_SW_CONFIRMED);
	assert_non_null(strstr(text, "confirmed"));
	assert_non_null(strstr(text, "2+deb12u2"));
	assert_non_null(strstr(text, "qualys.com"));
	free(text);
	assert_int_equal(status_of("OpenSSH_9.2p1", "Debian-2", R, NULL), KW_SW_CONFIRMED);
	assert_int_equal(status_of("OpenSSH_9.2p1", NULL, R, &text), KW_SW_POSSIBLE);
	assert_non_null(strstr(text, "possible: the banner names no distribution patch level"));
	free(text);
	/* a Debian banner of an upstream version the row has no fix for: possible */
	assert_int_equal(status_of("OpenSSH_9.4p1", "Debian-1", R, &text), KW_SW_POSSIBLE);
	assert_non_null(strstr(text, "no fixed Debian revision"));
	free(text);
	/* the fix of one distribution says nothing about another */
	assert_int_equal(status_of("OpenSSH_9.2p1", "Raspbian-2+deb12u3", R, NULL), KW_SW_POSSIBLE);
	/* no Ubuntu fix data in the table (its revisions could not be checked here): an
	 * Ubuntu banner stays possible whatever its revision */
	assert_int_equal(status_of("OpenSSH_9.6p1", "Ubuntu-3ubuntu13.11", R, NULL), KW_SW_POSSIBLE);
	assert_int_equal(status_of("OpenSSH_8.9p1", "Ubuntu-3ubuntu0.9", R, NULL), KW_SW_POSSIBLE);
	/* the range: 8.5p1 to 9.7p1, portable only */
	assert_int_equal(status_of("OpenSSH_8.5p1", NULL, R, NULL), KW_SW_POSSIBLE);
	assert_int_equal(status_of("OpenSSH_9.7p1", NULL, R, NULL), KW_SW_POSSIBLE);
	assert_int_equal(status_of("OpenSSH_8.4p1", NULL, R, NULL), -1);
	assert_int_equal(status_of("OpenSSH_9.8p1", NULL, R, NULL), -1);
	assert_int_equal(status_of("OpenSSH_9.7", NULL, R, NULL), -1); /* OpenBSD */
	assert_int_equal(status_of("OpenSSH_4.3p2", NULL, R, NULL), KW_SW_POSSIBLE);
	/* other rows */
	assert_int_equal(status_of("OpenSSH_9.7", NULL, "CVE-2025-26466", NULL), KW_SW_POSSIBLE);
	assert_int_equal(status_of("OpenSSH_9.9p2", NULL, "CVE-2025-26466", NULL), -1);
	assert_int_equal(status_of("OpenSSH_9.4p1", NULL, "CVE-2025-26466", NULL), -1);
	assert_int_equal(status_of("OpenSSH_7.3p1", NULL, "old-release", NULL), KW_SW_POSSIBLE);
	assert_int_equal(status_of("OpenSSH_7.4p1", NULL, "old-release", NULL), -1);
	assert_int_equal(status_of("dropbear_2016.73", NULL, "CVE-2016-7406", NULL), KW_SW_POSSIBLE);
	assert_int_equal(status_of("dropbear_2016.74", NULL, "CVE-2016-7406", NULL), -1);
	assert_int_equal(status_of("dropbear_2012.55", NULL, "CVE-2017-9078", NULL), -1);
	assert_int_equal(status_of("dropbear_2018.76", NULL, "CVE-2018-15599", NULL), KW_SW_POSSIBLE);
	assert_int_equal(status_of("dropbear_2019.77", NULL, "CVE-2018-15599", NULL), -1);
	/* a product the table does not name */
	kw_sw_ident id;
	kw_sw_notes notes = { 0 };
	assert_int_equal(kw_sw_ident_parse("libssh_0.9.6", NULL, &id), 0);
	assert_int_equal(kw_sw_match(kw_sw_builtin(), &id, &notes), 0);
	assert_int_equal(notes.n, 0);
	assert_string_equal(kw_sw_status_name(KW_SW_POSSIBLE), "possible");
	assert_string_equal(kw_sw_status_name(KW_SW_CONFIRMED), "confirmed");
	assert_string_equal(kw_sw_status_name(KW_SW_FIXED), "fixed");
}

/* ---- real servers ---- */

/* The identification of the server at 127.0.0.1:port, read through the wire parser. */
static void read_ident(int port, kw_ssh_ident *id)
{
	int fd = kwt_connect(port, 5000);
	assert_true(fd >= 0);
	const char hello[] = "SSH-2.0-keyward_test\r\n";
	assert_int_equal(kwt_send_all(fd, hello, sizeof hello - 1), 0);
	kw_ssh_rx rx;
	kw_ssh_rx_init(&rx, 0);
	int r = 0;
	for (int i = 0; i < 256 && r == 0; i++) {
		uint8_t buf[4096];
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		assert_true(n > 0);
		assert_int_equal(kw_ssh_rx_feed(&rx, buf, (size_t)n), 0);
		r = kw_ssh_rx_ident(&rx, id);
	}
	assert_int_equal(r, 1);
	kw_ssh_rx_release(&rx);
	close(fd);
}

/* dpkg's version of an installed package, without the epoch: "9.2p1-2+deb12u10" */
static void dpkg_version(const char *pkg, char *out, size_t cap)
{
	const char *const argv[] = { "/usr/bin/dpkg-query", "-W", "-f", "${Version}", pkg, NULL };
	char buf[128];
	assert_int_equal(kwt_run(argv, buf, sizeof buf, NULL, 10000), 0);
	const char *colon = strchr(buf, ':');
	snprintf(out, cap, "%s", colon ? colon + 1 : buf);
}

static void test_real_banners(void **state)
{
	(void)state;
	static const struct { kwt_peer_kind kind; const char *product, *pkg; } t[] = {
		{ KWT_PEER_SSHD, "openssh", "openssh-server" },
		{ KWT_PEER_DROPBEAR, "dropbear", "dropbear-bin" },
		{ KWT_PEER_TINYSSHD, "tinyssh", "tinysshd" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		kwt_peer p;
		if (kwt_peer_start(&p, t[i].kind, NULL) < 0) {
			kwt_peer_stop(&p);
			fail_msg("%s: %s", kwt_peer_name(t[i].kind), p.why);
		}
		kw_ssh_ident ident = { 0 };
		read_ident(p.port, &ident);
		kwt_peer_stop(&p);
		kw_sw_ident id;
		assert_int_equal(kw_sw_ident_parse(ident.software, ident.comments, &id), 0);
		assert_string_equal(id.product, t[i].product);
		char ver[128], want[160];
		dpkg_version(t[i].pkg, ver, sizeof ver);
		kw_sw_notes notes = { 0 };
		assert_int_equal(kw_sw_match(kw_sw_builtin(), &id, &notes), 0);
		switch (t[i].kind) {
		case KWT_PEER_SSHD:
			/* "OpenSSH_9.2p1 Debian-2+deb12u10": dpkg's 9.2p1-2+deb12u10 */
			snprintf(want, sizeof want, "%s-%s", id.version, id.revision);
			assert_string_equal(want, ver);
			assert_string_equal(id.distro, "debian");
			/* this package carries the regreSSHion fix (deb12u3 and later) */
			assert_true(kw_sw_revision_cmp(id.revision, "2+deb12u3") >= 0);
			for (size_t k = 0; k < notes.n; k++)
				if (!strcmp(notes.v[k].row->id, "CVE-2024-6387"))
					assert_int_equal(notes.v[k].status, KW_SW_FIXED);
			break;
		case KWT_PEER_DROPBEAR:
			/* "dropbear_2022.83"; dpkg says 2022.83-1+deb12u2 or so */
			assert_int_equal(strncmp(ver, id.version, strlen(id.version)), 0);
			assert_int_equal(notes.n, 0);
			break;
		case KWT_PEER_TINYSSHD:
			/* "tinyssh_20230101-1" and a random comment */
			assert_string_equal(id.version, ver);
			assert_string_equal(id.distro, "");
			assert_int_equal(notes.n, 0);
			break;
		}
		kw_sw_notes_release(&notes);
		kw_ssh_ident_release(&ident);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version_order),
		cmocka_unit_test(test_revision_order),
		cmocka_unit_test(test_ident),
		cmocka_unit_test(test_builtin_table),
		cmocka_unit_test(test_bad_tables),
		cmocka_unit_test(test_distribution_rule),
		cmocka_unit_test(test_real_banners),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
