/* test_scan_checks.c — the inputs `keyward scan` hands the checks beside the scan result
 * (src/checks/scan.c): expected keys from --expect or known_hosts, revoked keys, software
 * notes, drift sentences. A hand-made result with two verified keys and one that could not
 * be verified stands in for a server.
 *  - scan.host-key-revoked (critical) for a revoked key the server proved, naming its
 *    source; nothing for a revoked key it did not prove (unverified or absent);
 *  - scan.host-key-mismatch only when none of the proved keys is expected, with the source;
 *  - scan.software-advisory at each note's severity; scan.config-drift once per sentence;
 *  - a profile that disables a check, and a target without KEXINIT (only scan.no-answer).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/err.h"
#include "checks/profile.h"
#include "checks/scan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FP_A "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define FP_B "SHA256:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
#define FP_C "SHA256:CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC"
#define FP_X "SHA256:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"

static kw_scan_key keys[3];
static kw_scan_result res;

static void key(kw_scan_key *k, const char *label, unsigned bits, const char *fp, bool verified)
{
	memset(k, 0, sizeof *k);
	snprintf(k->alg, sizeof k->alg, "%s", !strcmp(label, "RSA") ? "rsa-sha2-512" : "ssh-ed25519");
	snprintf(k->res.key.label, sizeof k->res.key.label, "%s", label);
	snprintf(k->res.key.fp, sizeof k->res.key.fp, "%s", fp);
	k->res.key.bits = bits;
	k->res.verified = verified;
	if (!verified) {
		k->res.verify_err = KW_E_UNSUPPORTED;
		snprintf(k->res.why, sizeof k->res.why, "not checked");
	}
}

static int setup(void **state)
{
	(void)state;
	memset(&res, 0, sizeof res);
	res.have_ident = res.have_kexinit = true;
	res.phase = "done";
	key(&keys[0], "ED25519", 256, FP_A, true);
	key(&keys[1], "RSA", 4096, FP_B, true);
	key(&keys[2], "ECDSA", 256, FP_C, false);
	res.keys = keys;
	res.n_keys = 3;
	return 0;
}

static size_t count(const kw_findings *fs, const char *id, const char *needle, kw_severity *sev)
{
	size_t n = 0;
	for (size_t i = 0; i < fs->n; i++)
		if (!strcmp(fs->v[i].check->id, id) && (!needle || strstr(fs->v[i].evidence, needle))) {
			n++;
			if (sev)
				*sev = fs->v[i].severity;
		}
	return n;
}

static void run(const kw_profile *p, const kw_scan_check_in *in, kw_findings *fs)
{
	*fs = (kw_findings){ 0 };
	assert_int_equal(kw_scan_checks(p, in, fs), 0);
}

static void test_revoked(void **state)
{
	(void)state;
	kw_profile p;
	kw_profile_init(&p);
	const char *revoked[] = { FP_B, FP_C, FP_X };
	kw_scan_check_in in = { .target = "h:22", .r = &res, .revoked = revoked, .n_revoked = 3,
				.revoked_source = "@revoked in known_hosts kh:7" };
	kw_findings fs;
	run(&p, &in, &fs);
	kw_severity sev = KW_SEV_INFO;
	/* B proved: a finding; C not verified, X never shown: none */
	assert_int_equal(count(&fs, "scan.host-key-revoked", NULL, &sev), 1);
	assert_int_equal(sev, KW_SEV_CRITICAL);
	assert_int_equal(count(&fs, "scan.host-key-revoked", "RSA 4096 " FP_B " (@revoked in known_hosts kh:7)", NULL), 1);
	assert_int_equal(count(&fs, "scan.host-key-mismatch", NULL, NULL), 0);
	kw_findings_release(&fs);
	/* the check is in the table (--list-checks, profiles) */
	const kw_check_def *d = kw_scan_check_find("scan.host-key-revoked");
	assert_non_null(d);
	assert_int_equal(d->severity, KW_SEV_CRITICAL);
	kw_profile_release(&p);
}

static void test_expected(void **state)
{
	(void)state;
	kw_profile p;
	kw_profile_init(&p);
	const char *other[] = { FP_X, FP_C };
	kw_scan_check_in in = { .target = "h:22", .r = &res, .expect = other, .n_expect = 2,
				.expect_given = true, .expect_source = "known_hosts kh:3" };
	kw_findings fs;
	run(&p, &in, &fs);
	assert_int_equal(count(&fs, "scan.host-key-mismatch", "(known_hosts kh:3)", NULL), 1);
	kw_findings_release(&fs);
	const char *one_right[] = { FP_X, FP_B };
	in.expect = one_right;
	run(&p, &in, &fs);
	assert_int_equal(count(&fs, "scan.host-key-mismatch", NULL, NULL), 0);
	kw_findings_release(&fs);
	in.expect_given = false; /* nothing expected for this target */
	in.expect = other;
	run(&p, &in, &fs);
	assert_int_equal(count(&fs, "scan.host-key-mismatch", NULL, NULL), 0);
	kw_findings_release(&fs);
	kw_profile_release(&p);
}

static void test_notes_and_drift(void **state)
{
	(void)state;
	kw_profile p;
	kw_profile_init(&p);
	kw_scan_note notes[] = { { KW_SEV_HIGH, "CVE-2024-6387 (...): confirmed" },
				 { KW_SEV_INFO, "old-release (...): possible" } };
	const char *drift[] = { "ciphers: the server offers aes128-cbc, the configuration does not",
				"MACs: the configuration lists hmac-sha2-512, the server does not offer it" };
	kw_scan_check_in in = { .target = "h:22", .r = &res, .notes = notes, .n_notes = 2,
				.drift = drift, .n_drift = 2 };
	kw_findings fs;
	run(&p, &in, &fs);
	kw_severity sev = KW_SEV_INFO;
	assert_int_equal(count(&fs, "scan.software-advisory", "CVE-2024-6387", &sev), 1);
	assert_int_equal(sev, KW_SEV_HIGH);
	assert_int_equal(count(&fs, "scan.software-advisory", "old-release", &sev), 1);
	assert_int_equal(sev, KW_SEV_INFO);
	assert_int_equal(count(&fs, "scan.config-drift", NULL, NULL), 2);
	assert_int_equal(count(&fs, "scan.config-drift", "aes128-cbc", NULL), 1);
	kw_findings_release(&fs);

	/* a profile turns one off */
	kw_profile q;
	kw_profile_init(&q);
	kw_diags d = { 0 };
	const char *text = "profile t\ndisable scan.config-drift\n";
	FILE *f = fopen("/tmp/kw-test-scan-checks.profile", "we");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(kw_profile_load(&q, "/tmp/kw-test-scan-checks.profile", &d), 0);
	remove("/tmp/kw-test-scan-checks.profile");
	run(&q, &in, &fs);
	assert_int_equal(count(&fs, "scan.config-drift", NULL, NULL), 0);
	assert_int_equal(count(&fs, "scan.software-advisory", NULL, NULL), 2);
	kw_findings_release(&fs);
	kw_profile_release(&q);
	kw_diags_release(&d);

	/* no KEXINIT: nothing but scan.no-answer, whatever the inputs */
	kw_scan_result none = { .phase = "connect" };
	snprintf(none.why, sizeof none.why, "refused");
	const char *revoked[] = { FP_A };
	kw_scan_check_in in2 = in;
	in2.r = &none;
	in2.revoked = revoked;
	in2.n_revoked = 1;
	run(&p, &in2, &fs);
	assert_int_equal(fs.n, 1);
	assert_string_equal(fs.v[0].check->id, "scan.no-answer");
	kw_findings_release(&fs);
	kw_profile_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_revoked, setup),
		cmocka_unit_test_setup(test_expected, setup),
		cmocka_unit_test_setup(test_notes_and_drift, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
