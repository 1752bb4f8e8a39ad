/* test_net_drift.c — a server's KEXINIT against its sshd_config (src/net/drift.c).
 *
 *  - the pseudo kex names sshd adds are never drift;
 *  - list_hostkey_types(): RSA keys give rsa-sha2-512 and rsa-sha2-256 (and ssh-rsa only
 *    when HostKeyAlgorithms lists it), certificates their -cert forms, HostKeyAlgorithms
 *    filters, HostKey order is kept, each name once;
 *  - differences in both directions, one sentence each, in the order kex, host key,
 *    ciphers, MACs; both directions of ciphers and MACs taken together; a hostile list is
 *    capped at KW_DRIFT_PER_LIST sentences per list and direction plus a count;
 *  - a real sshd on 127.0.0.1 (netpeer.h): its configuration read by the sshd engine, its
 *    KEXINIT read through net/wire.h: no drift; then the file changed without a restart
 *    (a cipher added, one removed, a host key algorithm narrowed): exactly those
 *    differences.
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
#include "net/drift.h"
#include "net/wire.h"
#include "sshd/algos.h"
#include "sshd/config.h"
#include "target/target.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* a KEXINIT with the given comma lists (NULL = empty) */
static void mk_kexinit(kw_ssh_kexinit *k, const char *kex, const char *hostkey, const char *enc,
		       const char *mac)
{
	const char *lists[KW_KEXL_N] = { kex, hostkey, enc, enc, mac, mac, "none", "none", NULL, NULL };
	uint8_t cookie[16] = { 0 };
	kw_sb sb;
	kw_sb_init(&sb);
	assert_int_equal(kw_ssh_kexinit_build(lists, cookie, &sb), 0);
	char err[256];
	assert_int_equal(kw_ssh_kexinit_parse(kw_buf_view(sb.s, sb.len), k, err, sizeof err), 0);
	kw_sb_release(&sb);
}

static bool has_line(const kw_drift *d, const char *s)
{
	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->v[i], s))
			return true;
	return false;
}

static void dump(const kw_drift *d)
{
	for (size_t i = 0; i < d->n; i++)
		print_message("  drift: %s\n", d->v[i]);
}

static void test_pseudo(void **state)
{
	(void)state;
	assert_true(kw_drift_pseudo_kex("ext-info-s"));
	assert_true(kw_drift_pseudo_kex("kex-strict-s-v00@openssh.com"));
	assert_true(kw_drift_pseudo_kex("kex-strict-c-v00@openssh.com"));
	assert_true(kw_drift_pseudo_kex("ext-info-c"));
	assert_false(kw_drift_pseudo_kex("curve25519-sha256"));
	assert_false(kw_drift_pseudo_kex(""));
}

static void offer(const char *hka, const char *const *types, size_t n, const char *want)
{
	kw_drift_config c = { .hostkey_algs = hka, .key_types = types, .n_key_types = n };
	kw_sb sb;
	kw_sb_init(&sb);
	assert_int_equal(kw_drift_hostkey_offer(&c, &sb), 0);
	assert_string_equal(sb.s, want);
	kw_sb_release(&sb);
}

static void test_hostkey_offer(void **state)
{
	(void)state;
	const char *def = kw_algos_default(KW_ALG_HOSTKEY);
	assert_non_null(def);
	const char *three[] = { "ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa" };
	offer(def, three, 3, "ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-512,rsa-sha2-256");
	/* HostKey order, not HostKeyAlgorithms order */
	const char *rev[] = { "ssh-rsa", "ssh-ed25519" };
	offer(def, rev, 2, "rsa-sha2-512,rsa-sha2-256,ssh-ed25519");
	/* ssh-rsa only when listed (HostKeyAlgorithms +ssh-rsa) */
	char *plus = NULL, *err = NULL;
	assert_int_equal(kw_algos_resolve(KW_ALG_HOSTKEY, "+ssh-rsa,ssh-dss", &plus, &err), 0);
	const char *rsa_dsa[] = { "ssh-rsa", "ssh-dss" };
	offer(plus, rsa_dsa, 2, "rsa-sha2-512,rsa-sha2-256,ssh-rsa,ssh-dss");
	offer(def, rsa_dsa, 2, "rsa-sha2-512,rsa-sha2-256");
	/* certificates */
	const char *certs[] = { "ssh-ed25519", "ssh-rsa", "ssh-ed25519-cert-v01@openssh.com",
				"ssh-rsa-cert-v01@openssh.com" };
	offer(def, certs, 4, "ssh-ed25519,rsa-sha2-512,rsa-sha2-256,ssh-ed25519-cert-v01@openssh.com,"
	      "rsa-sha2-512-cert-v01@openssh.com,rsa-sha2-256-cert-v01@openssh.com");
	free(plus);
	/* HostKeyAlgorithms filters; duplicates once; nothing loaded: nothing offered */
	const char *dup[] = { "ssh-ed25519", "ssh-ed25519", "ecdsa-sha2-nistp256" };
	offer("ssh-ed25519,rsa-sha2-256", dup, 3, "ssh-ed25519");
	offer("rsa-sha2-256", three, 3, "rsa-sha2-256");
	offer(def, NULL, 0, "");
	offer(NULL, three, 3, "");
}

static void test_compare(void **state)
{
	(void)state;
	const char *types[] = { "ssh-ed25519", "ssh-rsa" };
	kw_drift_config c = {
		.kex = "curve25519-sha256,diffie-hellman-group14-sha256",
		.hostkey_algs = kw_algos_default(KW_ALG_HOSTKEY),
		.ciphers = "chacha20-poly1305@openssh.com,aes128-ctr",
		.macs = "hmac-sha2-256-etm@openssh.com",
		.key_types = types, .n_key_types = 2,
	};
	kw_ssh_kexinit k;
	kw_drift d = { 0 };
	/* the same, in another order, with the pseudo names sshd adds */
	mk_kexinit(&k, "diffie-hellman-group14-sha256,curve25519-sha256,ext-info-s,kex-strict-s-v00@openssh.com",
		   "rsa-sha2-256,ssh-ed25519,rsa-sha2-512", "aes128-ctr,chacha20-poly1305@openssh.com",
		   "hmac-sha2-256-etm@openssh.com");
	assert_int_equal(kw_drift_compare(&c, &k, &d), 0);
	dump(&d);
	assert_int_equal(d.n, 0);
	kw_ssh_kexinit_release(&k);
	/* differences both ways */
	mk_kexinit(&k, "curve25519-sha256,diffie-hellman-group1-sha1", "ssh-ed25519,ssh-rsa",
		   "aes128-ctr,aes128-cbc", "hmac-sha2-256-etm@openssh.com");
	assert_int_equal(kw_drift_compare(&c, &k, &d), 0);
	dump(&d);
	const char *want[] = {
		"key exchange: the server offers diffie-hellman-group1-sha1, the configuration does not",
		"key exchange: the configuration lists diffie-hellman-group14-sha256, the server does not offer it",
		"host key algorithms: the server offers ssh-rsa, the configuration does not",
		"host key algorithms: the configuration lists rsa-sha2-512, the server does not offer it",
		"host key algorithms: the configuration lists rsa-sha2-256, the server does not offer it",
		"ciphers: the server offers aes128-cbc, the configuration does not",
		"ciphers: the configuration lists chacha20-poly1305@openssh.com, the server does not offer it",
	};
	assert_int_equal(d.n, sizeof want / sizeof want[0]);
	for (size_t i = 0; i < d.n; i++)
		assert_string_equal(d.v[i], want[i]);
	kw_drift_release(&d);
	assert_int_equal(d.n, 0);
	kw_ssh_kexinit_release(&k);

	/* one direction only differs: ciphers of client-to-server and server-to-client are
	 * taken together */
	const char *lists[KW_KEXL_N] = { c.kex, "ssh-ed25519,rsa-sha2-512,rsa-sha2-256",
					 "chacha20-poly1305@openssh.com", "aes128-ctr", c.macs, c.macs,
					 "none", "none", NULL, NULL };
	uint8_t cookie[16] = { 0 };
	kw_sb sb;
	kw_sb_init(&sb);
	assert_int_equal(kw_ssh_kexinit_build(lists, cookie, &sb), 0);
	char err[256];
	assert_int_equal(kw_ssh_kexinit_parse(kw_buf_view(sb.s, sb.len), &k, err, sizeof err), 0);
	kw_sb_release(&sb);
	assert_int_equal(kw_drift_compare(&c, &k, &d), 0);
	assert_int_equal(d.n, 0);
	kw_ssh_kexinit_release(&k);

	/* a server with 100 ciphers the configuration does not list */
	kw_sb many;
	kw_sb_init(&many);
	for (int i = 0; i < 100; i++)
		kw_sb_printf(&many, "%sx%d-cbc", i ? "," : "", i);
	kw_sb_printf(&many, ",aes128-ctr,chacha20-poly1305@openssh.com");
	mk_kexinit(&k, c.kex, "ssh-ed25519,rsa-sha2-512,rsa-sha2-256", many.s, c.macs);
	kw_sb_release(&many);
	assert_int_equal(kw_drift_compare(&c, &k, &d), 0);
	assert_int_equal(d.n, KW_DRIFT_PER_LIST + 1);
	assert_true(has_line(&d, "ciphers: the server offers x0-cbc, the configuration does not"));
	assert_true(has_line(&d, "ciphers: the server offers 84 more the configuration does not"));
	kw_drift_release(&d);
	kw_ssh_kexinit_release(&k);

	/* an empty configuration side: everything the server offers is drift */
	kw_drift_config none = { 0 };
	mk_kexinit(&k, "curve25519-sha256", "ssh-ed25519", "aes128-ctr", "hmac-sha2-256");
	assert_int_equal(kw_drift_compare(&none, &k, &d), 0);
	assert_int_equal(d.n, 4);
	kw_drift_release(&d);
	kw_ssh_kexinit_release(&k);
}

/* ---- a real sshd ---- */

static void read_kexinit(int port, kw_ssh_kexinit *k)
{
	int fd = kwt_connect(port, 5000);
	assert_true(fd >= 0);
	const char hello[] = "SSH-2.0-keyward_test\r\n";
	assert_int_equal(kwt_send_all(fd, hello, sizeof hello - 1), 0);
	kw_ssh_rx rx;
	kw_ssh_rx_init(&rx, 0);
	kw_ssh_ident id = { 0 };
	int r = 0, phase = 0;
	for (int i = 0; i < 256 && phase < 2; i++) {
		uint8_t buf[8192];
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		assert_true(n > 0);
		assert_int_equal(kw_ssh_rx_feed(&rx, buf, (size_t)n), 0);
		if (phase == 0 && (r = kw_ssh_rx_ident(&rx, &id)) == 1)
			phase = 1;
		assert_true(r >= 0);
		if (phase == 1) {
			uint8_t type;
			kw_buf payload;
			r = kw_ssh_rx_message(&rx, &type, &payload);
			assert_true(r >= 0);
			if (r == 1) {
				assert_int_equal(type, KW_SSH_MSG_KEXINIT);
				char err[256];
				assert_int_equal(kw_ssh_kexinit_parse(payload, k, err, sizeof err), 0);
				phase = 2;
			}
		}
	}
	assert_int_equal(phase, 2);
	kw_ssh_ident_release(&id);
	kw_ssh_rx_release(&rx);
	close(fd);
}

/* The peer's configuration file (as it is now) through the sshd engine; compared. */
static void compare_with_config(const kwt_peer *p, const kw_ssh_kexinit *k, kw_drift *d)
{
	kw_target *t = NULL;
	assert_int_equal(kw_target_open_dir("/", &t), 0);
	kw_sshd_load_opts lo = { .config_path = p->config };
	kw_sshd_config *cfg = NULL;
	kw_diags dg = { 0 };
	int r = kw_sshd_config_load(t, &lo, &cfg, &dg);
	if (r < 0)
		fail_msg("sshd config: %s (%s)", kw_strerror(r), dg.n ? dg.v[dg.n - 1].msg : "");
	const kw_sshd_result *res = kw_sshd_config_global(cfg);
	/* netpeer's keys: ed25519, ecdsa-256, rsa-2048, in that HostKey order */
	const char *types[] = { "ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa" };
	kw_drift_config c = {
		.ciphers = kw_sshd_value(res, KW_SO_CIPHERS),
		.macs = kw_sshd_value(res, KW_SO_MACS),
		.kex = kw_sshd_value(res, KW_SO_KEXALGORITHMS),
		.hostkey_algs = kw_sshd_value(res, KW_SO_HOSTKEYALGORITHMS),
		.key_types = types, .n_key_types = 3,
	};
	assert_int_equal(kw_drift_compare(&c, k, d), 0);
	dump(d);
	kw_sshd_config_free(cfg);
	kw_diags_release(&dg);
	kw_target_free(t);
}

/* Put lines before the peer's config file (sshd keeps the first value). */
static void prepend(const kwt_peer *p, const char *lines)
{
	size_t len;
	char *old = (char *)kwt_read_file(p->config, &len);
	assert_non_null(old);
	FILE *f = fopen(p->config, "we");
	assert_non_null(f);
	assert_true(fputs(lines, f) >= 0);
	assert_true(fputs(old, f) >= 0);
	assert_int_equal(fclose(f), 0);
	free(old);
}

static void test_real_sshd(void **state)
{
	(void)state;
	static const char *const extras[] = { NULL, "Ciphers aes256-gcm@openssh.com,aes128-ctr\nMACs -umac-64-etm@openssh.com\n" };
	for (size_t e = 0; e < 2; e++) {
		kwt_peer p;
		if (kwt_peer_start(&p, KWT_PEER_SSHD, extras[e]) < 0) {
			kwt_peer_stop(&p);
			fail_msg("sshd: %s", p.why);
		}
		kw_ssh_kexinit k;
		read_kexinit(p.port, &k);
		assert_true(k.strict_kex); /* Debian's 9.2 adds it: not drift */
		kw_drift d = { 0 };
		compare_with_config(&p, &k, &d);
		assert_int_equal(d.n, 0);
		/* the file changes, the running server does not */
		prepend(&p, "Ciphers +aes128-cbc\nHostKeyAlgorithms ssh-ed25519,rsa-sha2-512\n");
		compare_with_config(&p, &k, &d);
		if (e == 0) {
			/* "+aes128-cbc" appends to the default, the peer runs the default */
			assert_int_equal(d.n, 3);
			assert_string_equal(d.v[0], "host key algorithms: the server offers ecdsa-sha2-nistp256, "
					    "the configuration does not");
			assert_string_equal(d.v[1], "host key algorithms: the server offers rsa-sha2-256, "
					    "the configuration does not");
			assert_string_equal(d.v[2], "ciphers: the configuration lists aes128-cbc, the server "
					    "does not offer it");
		} else {
			/* the first Ciphers line (the one added now) wins: default + aes128-cbc */
			assert_true(has_line(&d, "ciphers: the configuration lists aes128-cbc, the server does "
					     "not offer it"));
			assert_true(has_line(&d, "ciphers: the configuration lists "
					     "chacha20-poly1305@openssh.com, the server does not offer it"));
			assert_false(has_line(&d, "ciphers: the server offers aes256-gcm@openssh.com, the "
					      "configuration does not"));
		}
		kw_drift_release(&d);
		kw_ssh_kexinit_release(&k);
		kwt_peer_stop(&p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pseudo),
		cmocka_unit_test(test_hostkey_offer),
		cmocka_unit_test(test_compare),
		cmocka_unit_test(test_real_sshd),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
