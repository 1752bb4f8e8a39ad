/* test_keys_edit.c — unit tests of the key life cycle's editor and lock (src/keys/edit.c)
 * and of the writer's additions for it (kw_writer_mkdir, kw_writer_create and the undo of
 * a "mkdir" entry, src/target/write.c + journal.c).
 *
 * Editor: exact output bytes for every edit (every other byte kept: comments, blank lines,
 * unparsable and hostile lines, CRLF ends, a missing final newline), duplicates, lines
 * sshd ignores, options refused with sshd's reason, key inputs refused (private keys,
 * certificates, several keys ...). Lock: a second process waits while the first holds it,
 * also when the folder does not exist yet and appears meanwhile. Writer: owner and mode
 * of a made folder and a created file, undo removing them (and leaving a folder someone
 * put a file into), and a crash at every durable step of mkdir + create + edit followed
 * by undo (a re-executed copy of this program is SIGKILLed, as in test_journal). Keys
 * are fixed strings made with ssh-keygen; their fingerprints are ssh-keygen's. Runs as
 * root (chown). */
#include "keys/edit.h"
#include "target/journal.h"
#include "target/write.h"
#include "base/cleanup.h"
#include "base/err.h"
#include "testutil.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- fixture keys (ssh-keygen; fingerprints as ssh-keygen -lf / -E md5 -lf print them) */

#define ED_KEY "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDUd46qNmL9ykkQOnYzxoJ8b6mJz/tAYPT+ir5Ie2ulR"
#define ED_PUB ED_KEY " test ed25519"
#define ED_FP "SHA256:tin1Dv9Llw3t5OsaEhf+hkjftWb/ATO9JrlHtgJIcY4"
#define ED_MD5 "MD5:b9:df:9e:c9:49:33:dd:76:e5:5d:1c:8b:af:71:61:7a"
#define ED2_KEY "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAac7Rmv7QbWXhSO0+xH325D8WG8U/qtk/NffYbi8Jf8"
#define ED2_PUB ED2_KEY " second"
#define ED2_FP "SHA256:ytICjpFubISX/m4DZAl0BwIwh97j0IU+7SG+vADLpc0"
#define EC_PUB "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBDDnPJYrD" \
	"l/GOHTP07JiJLt9F9cM6iKDVKHETjZBx+bLSANGxx72wBhsFXSa5OxJzeljG4vZWGBx/3gFT1dn+8M= test ecdsa"
#define EC_FP "SHA256:1Luz4B/i6hO5xFhU2hVKFoSmt6LGNkOOeqQBQLyTERA"
#define CERT_PUB "ssh-ed25519-cert-v01@openssh.com AAAAIHNzaC1lZDI1NTE5LWNlcnQtdjAxQG9wZW5zc2guY" \
	"29tAAAAIGbX1rnB2OrkFDUN32sIzoHBsZgrtJnxOimoZVHeXMQmAAAAIDUd46qNmL9ykkQOnYzxoJ8b6mJz/tAY" \
	"PT+ir5Ie2ulRAAAAAAAAAAAAAAABAAAAAmlkAAAACQAAAAVhbGljZQAAAAAAAAAA//////////8AAAAAAAAAggAA" \
	"ABVwZXJtaXQtWDExLWZvcndhcmRpbmcAAAAAAAAAF3Blcm1pdC1hZ2VudC1mb3J3YXJkaW5nAAAAAAAAABZwZXJt" \
	"aXQtcG9ydC1mb3J3YXJkaW5nAAAAAAAAAApwZXJtaXQtcHR5AAAAAAAAAA5wZXJtaXQtdXNlci1yYwAAAAAAAAAA" \
	"AAAAMwAAAAtzc2gtZWQyNTUxOQAAACDuHL8zLUxPzOTVKTF7/d3ware3mDrDVOiZ/5KHLbm2EAAAAFMAAAALc3No" \
	"LWVkMjU1MTkAAABARM863lXv0AFTzDzrqB2k9iZUU9x0r+yKpwrqM8eIny27GY542GoMaiuhLlVZ23KkmbSV4894" \
	"sjEu8tdx+U+ZAQ== test cert"

/* ---- helpers ---- */

static void newkey(const char *text, kw_newkey *k)
{
	char why[KW_KEYEDIT_WHY] = "";
	int r = kw_newkey_parse((const uint8_t *)text, strlen(text), k, why, sizeof why);
	if (r != 0)
		fail_msg("newkey %d: %s", r, why);
}

static void parse(const char *bytes, size_t len, kw_akfile *f)
{
	assert_int_equal(kw_akfile_parse("t", (const uint8_t *)bytes, len, f), 0);
	assert_true(f->complete);
}

static void expect_out(const kw_keyedit *e, const char *want)
{
	size_t wl = strlen(want);
	if (e->len != wl || memcmp(e->data, want, wl) != 0)
		fail_msg("got [%.*s] (%zu bytes), want [%s] (%zu bytes)", (int)e->len,
			 e->data ? (const char *)e->data : "", e->len, want, wl);
}

/* add of text k (options as given) to file `in`: status, then the output. */
static void add_case(const char *in, const char *k, const char *opts, kw_keyedit_status st,
		     const char *want)
{
	kw_akfile f;
	kw_newkey nk;
	kw_keyedit e;
	parse(in, strlen(in), &f);
	newkey(k, &nk);
	int r = kw_keyedit_add(&f, &nk, opts, &e);
	if (r != 0)
		fail_msg("add: %d %s", r, e.why);
	assert_int_equal(e.status, st);
	if (want)
		expect_out(&e, want);
	else
		assert_null(e.data);
	kw_keyedit_release(&e);
	kw_newkey_release(&nk);
	kw_akfile_release(&f);
}

/* ---- the file model ---- */

static void test_lines(void **state)
{
	(void)state;
	static const char in[] = "a\r\nb\n\n  c\r";
	kw_akfile f;
	parse(in, sizeof in - 1, &f);
	assert_int_equal(f.n, 4);
	assert_int_equal(f.lines[0].body, 1);
	assert_int_equal(f.lines[0].term, 2);
	assert_int_equal(f.lines[1].body, 1);
	assert_int_equal(f.lines[1].term, 1);
	assert_int_equal(f.lines[2].body, 0);
	assert_int_equal(f.lines[2].term, 1);
	assert_int_equal(f.lines[3].off, 6);
	assert_int_equal(f.lines[3].body, 3);
	assert_int_equal(f.lines[3].term, 1); /* the lone '\r' at the end */
	kw_akfile_release(&f);
	parse("", 0, &f);
	assert_int_equal(f.n, 0);
	kw_akfile_release(&f);
	parse("x", 1, &f);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.lines[0].term, 0);
	kw_akfile_release(&f);
	/* a key line: where its options and key start */
	static const char kl[] = "# c\n \tfrom=\"a b\",no-pty  " ED_PUB "\n";
	parse(kl, sizeof kl - 1, &f);
	assert_non_null(f.lines[1].key);
	assert_null(f.lines[0].key);
	assert_true(f.lines[1].layout_ok);
	assert_int_equal(f.lines[1].lead, 2);
	assert_int_equal(f.lines[1].opt_len, strlen("from=\"a b\",no-pty"));
	assert_memory_equal(kl + f.lines[1].off + f.lines[1].key_off, "ssh-ed25519 ", 12);
	assert_string_equal(f.lines[1].key->key.fp, ED_FP);
	kw_akfile_release(&f);
}

static void test_keyref(void **state)
{
	(void)state;
	kw_keyref r;
	assert_int_equal(kw_keyref_parse(ED_FP, &r), 0);
	assert_string_equal(r.fp, ED_FP);
	assert_string_equal(r.fp_md5, "");
	assert_int_equal(kw_keyref_parse("sha256:tin1Dv9Llw3t5OsaEhf+hkjftWb/ATO9JrlHtgJIcY4=", &r), 0);
	assert_string_equal(r.fp, ED_FP);
	assert_int_equal(kw_keyref_parse("MD5:B9:DF:9E:C9:49:33:DD:76:E5:5D:1C:8B:AF:71:61:7A", &r), 0);
	assert_string_equal(r.fp_md5, ED_MD5);
	assert_int_equal(kw_keyref_parse("b9:df:9e:c9:49:33:dd:76:e5:5d:1c:8b:af:71:61:7a", &r), 0);
	assert_string_equal(r.fp_md5, ED_MD5);
	static const char *const bad[] = { "", "SHA256:", "SHA256:tin1Dv9Llw3t5OsaEhf+hkjftWb/ATO9JrlHtgJIcY",
		"SHA256:tin1Dv9Llw3t5OsaEhf+hkjftWb/ATO9JrlHtgJIcY4x", "SHA256:tin1Dv9Llw3t5OsaEhf+hkjftWb/ATO9JrlHtgJIc!4",
		"MD5:b9:df:9e:c9:49:33:dd:76:e5:5d:1c:8b:af:71:61", "MD5:b9-df:9e:c9:49:33:dd:76:e5:5d:1c:8b:af:71:61:7a",
		"MD5:g9:df:9e:c9:49:33:dd:76:e5:5d:1c:8b:af:71:61:7a", "alice.pub" };
	for (size_t i = 0; i < KW_ARRAY_LEN(bad); i++)
		if (kw_keyref_parse(bad[i], &r) != KW_E_PARSE)
			fail_msg("accepted %s", bad[i]);
	kw_newkey k;
	newkey(ED_PUB, &k);
	assert_int_equal(kw_keyref_parse(ED_MD5, &r), 0);
	assert_true(kw_keyref_matches(&r, &k.key));
	assert_int_equal(kw_keyref_parse(ED2_FP, &r), 0);
	assert_false(kw_keyref_matches(&r, &k.key));
	kw_newkey_release(&k);
}

/* ---- the key input ---- */

static void refused(const char *text, size_t len, int want, const char *why_part)
{
	kw_newkey k;
	char why[KW_KEYEDIT_WHY] = "";
	int r = kw_newkey_parse((const uint8_t *)text, len, &k, why, sizeof why);
	if (r != want || !strstr(why, why_part))
		fail_msg("input [%.40s]: got %d (%s), want %d with \"%s\"", text, r, why, want, why_part);
	assert_null(k.keytext);
}

static void test_newkey(void **state)
{
	(void)state;
	kw_newkey k;
	newkey("\n# my key\n" ED_PUB "   \r\n\n", &k);
	assert_string_equal(k.keytext, ED_PUB);
	assert_null(k.options);
	assert_string_equal(k.key.fp, ED_FP);
	assert_int_equal(k.line, 3);
	kw_newkey_release(&k);
	newkey("from=\"10.0.0.0/8\",no-pty " EC_PUB "\n", &k);
	assert_string_equal(k.keytext, EC_PUB);
	assert_string_equal(k.options, "from=\"10.0.0.0/8\",no-pty");
	assert_string_equal(k.key.fp, EC_FP);
	kw_newkey_release(&k);
	newkey(ED_KEY, &k); /* no comment, no newline */
	assert_string_equal(k.keytext, ED_KEY);
	kw_newkey_release(&k);

	static const char priv[] = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n"
				   "-----END OPENSSH PRIVATE KEY-----\n";
	refused(priv, sizeof priv - 1, KW_E_REFUSED, "PRIVATE");
	static const char pem[] = "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----\n";
	refused(pem, sizeof pem - 1, KW_E_REFUSED, "PRIVATE");
	static const char rfc[] = "---- BEGIN SSH2 PUBLIC KEY ----\nAAAA\n---- END SSH2 PUBLIC KEY ----\n";
	refused(rfc, sizeof rfc - 1, KW_E_REFUSED, "ssh-keygen -i");
	refused(CERT_PUB "\n", strlen(CERT_PUB) + 1, KW_E_REFUSED, "cert-authority");
	refused(ED_PUB "\n" EC_PUB "\n", strlen(ED_PUB EC_PUB) + 2, KW_E_PARSE, "2 keys");
	refused("# nothing\n\n", 11, KW_E_PARSE, "no public key");
	refused("", 0, KW_E_PARSE, "no public key");
	refused("hello world\n", 12, KW_E_PARSE, "line 1");
	refused(ED_KEY " evil\x1b]0;x\x07\n", strlen(ED_KEY " evil\x1b]0;x\x07\n"), KW_E_REFUSED, "control");
	refused("frobnicate " ED_PUB "\n", strlen(ED_PUB) + 12, KW_E_REFUSED, "unknown key option");
	/* the text says RSA, the blob is Ed25519 */
	refused("ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIDUd46qNmL9ykkQOnYzxoJ8b6mJz/tAYPT+ir5Ie2ulR x\n",
		strlen("ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIDUd46qNmL9ykkQOnYzxoJ8b6mJz/tAYPT+ir5Ie2ulR x\n"),
		KW_E_REFUSED, "not the key's");
	char *big = malloc(KW_NEWKEY_MAX + 2);
	assert_non_null(big);
	memset(big, '#', KW_NEWKEY_MAX + 1);
	big[KW_NEWKEY_MAX + 1] = 0;
	refused(big, KW_NEWKEY_MAX + 1, KW_E_TOOBIG, "bytes");
	free(big);
}

static void test_options(void **state)
{
	(void)state;
	char why[KW_KEYEDIT_WHY];
	static const char *const good[] = { "", "from=\"10.0.0.0/8\",no-agent-forwarding",
		"command=\"echo \\\"hi there\\\"\",restrict", "no-pty,expiry-time=\"20300101\"" };
	for (size_t i = 0; i < KW_ARRAY_LEN(good); i++)
		if (kw_keyedit_check_options(good[i], why, sizeof why) != 0)
			fail_msg("refused %s: %s", good[i], why);
	static const struct { const char *o, *why; } bad[] = {
		{ "from=\"10.0.0.0/8\", no-pty", "blank outside double quotes" },
		{ "frobnicate", "sshd rejects these options: unknown key option" },
		{ "command=\"a\",command=\"b\"", "multiple \"command\" clauses" },
		{ "expiry-time=\"2030\"", "invalid expires time" },
		{ "no-pty\nssh-ed25519 AAAA", "control characters" },
		{ "no-pty\t", "control characters or tabs" },
		{ "from=\"10.0.0.0/8", "unterminated" },
	};
	for (size_t i = 0; i < KW_ARRAY_LEN(bad); i++) {
		why[0] = 0;
		if (kw_keyedit_check_options(bad[i].o, why, sizeof why) != KW_E_REFUSED ||
		    !strstr(why, bad[i].why))
			fail_msg("options [%s]: got \"%s\", want \"%s\"", bad[i].o, why, bad[i].why);
	}
}

/* ---- add ---- */

static void test_add(void **state)
{
	(void)state;
	/* appended; a final newline added only before the new line */
	add_case("# keys\n" EC_PUB "\n", ED_PUB, NULL, KW_KEYEDIT_ADDED,
		 "# keys\n" EC_PUB "\n" ED_PUB "\n");
	add_case("# keys\n" EC_PUB, ED_PUB, NULL, KW_KEYEDIT_ADDED,
		 "# keys\n" EC_PUB "\n" ED_PUB "\n");
	add_case("", ED_PUB, NULL, KW_KEYEDIT_ADDED, ED_PUB "\n");
	add_case("\n\n", ED_PUB, NULL, KW_KEYEDIT_ADDED, "\n\n" ED_PUB "\n");
	/* CRLF files get CRLF */
	add_case("# keys\r\n" EC_PUB "\r\n", ED_PUB, NULL, KW_KEYEDIT_ADDED,
		 "# keys\r\n" EC_PUB "\r\n" ED_PUB "\r\n");
	add_case("# keys\r\n" EC_PUB, ED_PUB, NULL, KW_KEYEDIT_ADDED,
		 "# keys\r\n" EC_PUB "\r\n" ED_PUB "\r\n");
	add_case("# keys\r\n" EC_PUB "\r", ED_PUB, NULL, KW_KEYEDIT_ADDED,
		 "# keys\r\n" EC_PUB "\r\n" ED_PUB "\r\n");
	/* options: given, or those of the input line */
	add_case(EC_PUB "\n", ED_PUB, "from=\"10.0.0.0/8\",no-pty", KW_KEYEDIT_ADDED,
		 EC_PUB "\nfrom=\"10.0.0.0/8\",no-pty " ED_PUB "\n");
	add_case(EC_PUB "\n", "restrict " ED_PUB, NULL, KW_KEYEDIT_ADDED,
		 EC_PUB "\nrestrict " ED_PUB "\n");
	add_case(EC_PUB "\n", "restrict " ED_PUB, "", KW_KEYEDIT_ADDED, EC_PUB "\n" ED_PUB "\n");

	/* already there (another comment, leading blanks): nothing to do */
	add_case("#\n  " ED_KEY " old comment\n", ED_PUB, NULL, KW_KEYEDIT_NONE, NULL);
	add_case("no-pty " ED_KEY "\n", ED_PUB, NULL, KW_KEYEDIT_NONE, NULL);
	add_case("no-pty " ED_KEY "\n", ED_PUB, "no-pty", KW_KEYEDIT_NONE, NULL);
	/* other options asked for: that line's options change, key text and comment kept */
	add_case("#a\r\n  no-pty  " ED_KEY " old comment\r\n" EC_PUB, ED_PUB,
		 "from=\"192.0.2.0/24\"", KW_KEYEDIT_OPTIONS,
		 "#a\r\n  from=\"192.0.2.0/24\" " ED_KEY " old comment\r\n" EC_PUB);
	add_case("no-pty " ED_KEY " x\n", ED_PUB, "", KW_KEYEDIT_OPTIONS, ED_KEY " x\n");
	add_case(ED_KEY " x\n", "restrict " ED_PUB, NULL, KW_KEYEDIT_OPTIONS, "restrict " ED_KEY " x\n");
	/* duplicates: the first line sshd uses is the one edited */
	add_case(ED_KEY " one\n" ED_KEY " two\n", ED_PUB, "no-pty", KW_KEYEDIT_OPTIONS,
		 "no-pty " ED_KEY " one\n" ED_KEY " two\n");
	/* only a line sshd ignores holds the key: replaced by the new line */
	add_case("# c\nfrobnicate " ED_KEY " bad\n" EC_PUB "\n", ED_PUB, NULL, KW_KEYEDIT_FIXED,
		 "# c\n" ED_PUB "\n" EC_PUB "\n");
	add_case("frobnicate " ED_KEY " bad\n" ED_KEY " good\n", ED_PUB, NULL, KW_KEYEDIT_NONE, NULL);

	/* where it says the key is */
	kw_akfile f;
	kw_newkey k;
	kw_keyedit e;
	parse("#\n\n" EC_PUB "\n", strlen("#\n\n" EC_PUB "\n"), &f);
	newkey(ED_PUB, &k);
	assert_int_equal(kw_keyedit_add(&f, &k, NULL, &e), 0);
	assert_int_equal(e.line, 4);
	assert_int_equal(e.added, 1);
	assert_int_equal(e.n_fps, 0);
	kw_keyedit_release(&e);
	kw_akfile_release(&f);
	parse(EC_PUB "\n" ED_KEY "\n", strlen(EC_PUB "\n" ED_KEY "\n"), &f);
	assert_int_equal(kw_keyedit_add(&f, &k, "no-pty", &e), 0);
	assert_int_equal(e.line, 2);
	assert_int_equal(e.n_fps, 1);
	assert_string_equal(e.fps[0], ED_FP);
	kw_keyedit_release(&e);
	kw_akfile_release(&f);
	kw_newkey_release(&k);
}

/* ---- remove ---- */

#define MIXED \
	"# keys of alice\r\n" \
	"\r\n" \
	"from=\"10.0.0.0/8\" " ED_KEY " laptop\r\n" \
	"this line is not a key\r\n" \
	EC_PUB "\r\n" \
	"frobnicate " ED_KEY " ignored by sshd\n" \
	"\x1b[31mred\xff\xfe\n" \
	ED_KEY " last, no newline"

static void remove_case(const char *in, size_t len, const char *ref, kw_keyedit_status st,
			const char *want, size_t removed)
{
	kw_akfile f;
	kw_keyref r;
	kw_keyedit e;
	parse(in, len, &f);
	assert_int_equal(kw_keyref_parse(ref, &r), 0);
	assert_int_equal(kw_keyedit_remove(&f, &r, 1, &e), 0);
	assert_int_equal(e.status, st);
	assert_int_equal(e.removed, removed);
	if (want)
		expect_out(&e, want);
	else
		assert_null(e.data);
	kw_keyedit_release(&e);
	kw_akfile_release(&f);
}

static void test_remove(void **state)
{
	(void)state;
	static const char want[] =
		"# keys of alice\r\n"
		"\r\n"
		"this line is not a key\r\n"
		EC_PUB "\r\n"
		"\x1b[31mred\xff\xfe\n";
	/* every line holding the key, whether sshd uses it or not; the rest byte for byte */
	remove_case(MIXED, strlen(MIXED), ED_FP, KW_KEYEDIT_REMOVED, want, 3);
	remove_case(MIXED, strlen(MIXED), ED_MD5, KW_KEYEDIT_REMOVED, want, 3);
	remove_case(MIXED, strlen(MIXED), ED2_FP, KW_KEYEDIT_NONE, NULL, 0);
	remove_case(ED_PUB "\n", strlen(ED_PUB) + 1, ED_FP, KW_KEYEDIT_REMOVED, "", 1);
	remove_case("#x\n" ED_PUB, strlen(ED_PUB) + 3, ED_FP, KW_KEYEDIT_REMOVED, "#x\n", 1);

	/* several keys at once; the fingerprints removed, each once, in file order */
	kw_akfile f;
	kw_keyref refs[2];
	kw_keyedit e;
	parse(MIXED, strlen(MIXED), &f);
	assert_int_equal(kw_keyref_parse(EC_FP, &refs[0]), 0);
	assert_int_equal(kw_keyref_parse(ED_FP, &refs[1]), 0);
	assert_int_equal(kw_keyedit_remove(&f, refs, 2, &e), 0);
	expect_out(&e, "# keys of alice\r\n\r\nthis line is not a key\r\n\x1b[31mred\xff\xfe\n");
	assert_int_equal(e.n_fps, 2);
	assert_string_equal(e.fps[0], ED_FP);
	assert_string_equal(e.fps[1], EC_FP);
	assert_int_equal(e.line, 3);
	kw_keyedit_release(&e);
	kw_akfile_release(&f);
}

/* ---- rotate ---- */

static void rotate_case(const char *in, const char *old, const char *nk_text, const char *opts,
			int want_r, kw_keyedit_status st, const char *want, const char *why_part)
{
	kw_akfile f;
	kw_keyref r;
	kw_newkey k;
	kw_keyedit e;
	parse(in, strlen(in), &f);
	assert_int_equal(kw_keyref_parse(old, &r), 0);
	newkey(nk_text, &k);
	int got = kw_keyedit_rotate(&f, &r, &k, opts, &e);
	if (got != want_r)
		fail_msg("rotate: %d (%s), want %d", got, e.why, want_r);
	if (got == 0) {
		assert_int_equal(e.status, st);
		if (want)
			expect_out(&e, want);
		else
			assert_null(e.data);
	} else if (why_part && !strstr(e.why, why_part)) {
		fail_msg("why \"%s\" lacks \"%s\"", e.why, why_part);
	}
	kw_keyedit_release(&e);
	kw_newkey_release(&k);
	kw_akfile_release(&f);
}

static void test_rotate(void **state)
{
	(void)state;
	/* in place: position, options, leading blanks and line end kept; the new comment */
	rotate_case("# a\r\n  from=\"10.0.0.0/8\" " ED_KEY " old\r\n" EC_PUB, ED_FP, ED2_PUB, NULL, 0,
		    KW_KEYEDIT_ROTATED, "# a\r\n  from=\"10.0.0.0/8\" " ED2_PUB "\r\n" EC_PUB, NULL);
	rotate_case(ED_KEY " one\n#\n" ED_KEY " two", ED_MD5, ED2_PUB, NULL, 0, KW_KEYEDIT_ROTATED,
		    ED2_PUB "\n#\n" ED2_PUB, NULL);
	rotate_case("no-pty " ED_KEY "\n", ED_FP, ED2_PUB, "restrict", 0, KW_KEYEDIT_ROTATED,
		    "restrict " ED2_PUB "\n", NULL);
	rotate_case("no-pty " ED_KEY "\n", ED_FP, ED2_PUB, "", 0, KW_KEYEDIT_ROTATED, ED2_PUB "\n", NULL);
	/* the new key is there already: the old lines go, no duplicate */
	rotate_case(ED_KEY "\n" ED2_PUB "\n", ED_FP, ED2_PUB, NULL, 0, KW_KEYEDIT_REMOVED,
		    ED2_PUB "\n", NULL);
	rotate_case(EC_PUB "\n", ED_FP, ED2_PUB, NULL, 0, KW_KEYEDIT_NONE, NULL, NULL);
	/* the old line's options are refused by sshd: the new line would be ignored too */
	rotate_case("frobnicate " ED_KEY "\n", ED_FP, ED2_PUB, NULL, KW_E_REFUSED, 0, NULL,
		    "pass --options");
	rotate_case("frobnicate " ED_KEY "\n", ED_FP, ED2_PUB, "no-pty", 0, KW_KEYEDIT_ROTATED,
		    "no-pty " ED2_PUB "\n", NULL);
	rotate_case(ED_KEY "\n", ED_FP, ED_PUB, NULL, -EINVAL, 0, NULL, "the new key is the old key");
}

/* ---- hostile bytes and round trips ---- */

static void test_hostile(void **state)
{
	(void)state;
	/* NUL bytes, escapes, invalid UTF-8, a 20 KiB line, a bidi override, CR alone */
	size_t cap = 32768, n = 0;
	char *in = malloc(cap);
	assert_non_null(in);
	static const char head[] = "a\0b\n\x1b]0;title\x07\n\xc3\x28\xe2\x80\xae rtl\n\rcr\n";
	memcpy(in, head, sizeof head - 1);
	n += sizeof head - 1;
	memset(in + n, 'A', 20480);
	n += 20480;
	in[n++] = '\n';
	memcpy(in + n, EC_PUB "\n", strlen(EC_PUB) + 1);
	n += strlen(EC_PUB) + 1;
	kw_akfile f;
	parse(in, n, &f);
	kw_newkey k;
	newkey(ED_PUB, &k);
	kw_keyedit e;
	assert_int_equal(kw_keyedit_add(&f, &k, NULL, &e), 0);
	assert_int_equal(e.len, n + strlen(ED_PUB) + 1);
	assert_memory_equal(e.data, in, n);
	/* and removing it again gives the input back, byte for byte */
	kw_akfile f2;
	parse((const char *)e.data, e.len, &f2);
	kw_keyref r;
	assert_int_equal(kw_keyref_parse(ED_FP, &r), 0);
	kw_keyedit e2;
	assert_int_equal(kw_keyedit_remove(&f2, &r, 1, &e2), 0);
	assert_int_equal(e2.len, n);
	assert_memory_equal(e2.data, in, n);
	kw_keyedit_release(&e2);
	kw_akfile_release(&f2);
	kw_keyedit_release(&e);
	kw_newkey_release(&k);
	kw_akfile_release(&f);
	free(in);
}

/* ---- the lock ---- */

typedef struct lock_fx {
	char dir[64];
	int rootfd;
} lock_fx;

static int lock_setup(void **state)
{
	lock_fx *f = calloc(1, sizeof *f);
	assert_non_null(f);
	assert_int_equal(kwt_mkdtemp(f->dir, sizeof f->dir, "kw-kedit-"), 0);
	char p[128];
	snprintf(p, sizeof p, "%s/home", f->dir);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof p, "%s/home/u", f->dir);
	assert_int_equal(mkdir(p, 0755), 0);
	assert_int_equal(kw_write_open_root(f->dir, &f->rootfd), 0);
	*state = f;
	return 0;
}

static int lock_teardown(void **state)
{
	lock_fx *f = *state;
	close(f->rootfd);
	kwt_rm_tree(f->dir);
	free(f);
	return 0;
}

static void note_wait(void *ctx, const char *path)
{
	(void)path;
	int fd = *(int *)ctx;
	assert_int_equal(write(fd, "w", 1), 1);
}

/* Is the folder at rel (inside the fixture) locked by someone? */
static bool locked(const lock_fx *f, const char *rel)
{
	char p[160];
	snprintf(p, sizeof p, "%s/%s", f->dir, rel);
	int fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	bool busy = flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	close(fd);
	return busy;
}

/* A child that takes the lock of `path`, says "w" when it has to wait and "g" once it
 * holds it, then waits for a byte and exits. */
static pid_t lock_child(const lock_fx *f, const char *path, int *to_child, int *from_child)
{
	int down[2], up[2];
	assert_int_equal(pipe(down), 0);
	assert_int_equal(pipe(up), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* flock belongs to the open file: drop the parent's descriptors (its locks) */
		for (int fd = 3; fd < 1024; fd++)
			if (fd != down[0] && fd != up[1] && fd != f->rootfd)
				close(fd);
		kw_keylock l;
		const char *paths[] = { path };
		int r = kw_keylock_acquire(f->rootfd, paths, 1, note_wait, &up[1], &l);
		if (r == 0 && write(up[1], "g", 1) != 1)
			_exit(3);
		char c;
		if (read(down[0], &c, 1) != 1)
			_exit(4);
		kw_keylock_release(&l);
		_exit(r == 0 ? 0 : 2);
	}
	close(down[0]);
	close(up[1]);
	*to_child = down[1];
	*from_child = up[0];
	return pid;
}

static char next_byte(int fd)
{
	char c = 0;
	assert_int_equal(read(fd, &c, 1), 1);
	return c;
}

static void finish_child(pid_t pid, int to_child, int from_child)
{
	assert_int_equal(write(to_child, "x", 1), 1);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(to_child);
	close(from_child);
}

static void test_lock(void **state)
{
	lock_fx *f = *state;
	const char *paths[] = { "/home/u/.ssh/authorized_keys", "/home/u/.ssh/authorized_keys2" };
	/* .ssh is missing: the home is locked */
	kw_keylock l;
	assert_int_equal(kw_keylock_acquire(f->rootfd, paths, 2, NULL, NULL, &l), 0);
	assert_int_equal(l.n, 1); /* both files, one folder, locked once */
	assert_true(locked(f, "home/u"));
	assert_false(locked(f, "home"));
	int to, from;
	pid_t pid = lock_child(f, paths[0], &to, &from);
	assert_int_equal(next_byte(from), 'w'); /* it waits for us */
	/* meanwhile .ssh appears (as a run that makes it would): the child must notice */
	char p[160];
	snprintf(p, sizeof p, "%s/home/u/.ssh", f->dir);
	assert_int_equal(mkdir(p, 0700), 0);
	kw_keylock_release(&l);
	assert_int_equal(next_byte(from), 'g');
	assert_true(locked(f, "home/u/.ssh")); /* the child moved to the new folder */
	assert_false(locked(f, "home/u"));
	/* and now we wait for it */
	int to2, from2;
	pid_t pid2 = lock_child(f, paths[1], &to2, &from2);
	assert_int_equal(next_byte(from2), 'w');
	finish_child(pid, to, from);
	assert_int_equal(next_byte(from2), 'g');
	finish_child(pid2, to2, from2);
	assert_false(locked(f, "home/u/.ssh"));

	/* folders in a fixed order, each once; errors leave nothing locked */
	const char *two[] = { "/home/u/.ssh/a", "/home/b", "/home/u/.ssh/c" };
	assert_int_equal(kw_keylock_acquire(f->rootfd, two, 3, NULL, NULL, &l), 0);
	assert_int_equal(l.n, 2);
	assert_true(locked(f, "home") && locked(f, "home/u/.ssh"));
	kw_keylock_release(&l);
	const char *bad[] = { "/home/u/.ssh/a", "relative" };
	assert_int_equal(kw_keylock_acquire(f->rootfd, bad, 2, NULL, NULL, &l), -EINVAL);
	assert_false(locked(f, "home/u/.ssh"));
	snprintf(p, sizeof p, "%s/home/file", f->dir);
	int fd = open(p, O_WRONLY | O_CREAT, 0600);
	close(fd);
	const char *nd[] = { "/home/file/x" };
	assert_int_equal(kw_keylock_acquire(f->rootfd, nd, 1, NULL, NULL, &l), -ENOTDIR);
}

/* ---- the writer's additions ---- */

/* Everything below dir: path, type, mode, owner, size, mtime (folders and files), content. */
static void snap_dir(const char *dir, const char *rel, FILE *out, int depth)
{
	assert_true(depth < 8);
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);
	assert_true(n >= 0);
	for (int i = 0; i < n; i++) {
		const char *nm = names[i]->d_name;
		if (strcmp(nm, ".") && strcmp(nm, "..")) {
			char p[1024], r[1024];
			snprintf(p, sizeof p, "%s/%s", dir, nm);
			snprintf(r, sizeof r, "%s/%s", rel, nm);
			struct stat st;
			assert_int_equal(lstat(p, &st), 0);
			fprintf(out, "%s %o %u:%u %lld %lld.%09ld", r, (unsigned)st.st_mode, st.st_uid,
				st.st_gid, (long long)st.st_size, (long long)st.st_mtim.tv_sec,
				st.st_mtim.tv_nsec);
			if (S_ISREG(st.st_mode)) {
				size_t len;
				uint8_t *b = kwt_read_file(p, &len);
				fprintf(out, " [%.*s]", (int)len, b ? (const char *)b : "");
				free(b);
			}
			fputc('\n', out);
			if (S_ISDIR(st.st_mode))
				snap_dir(p, r, out, depth + 1);
		}
		free(names[i]);
	}
	free(names);
}

static char *snap(const char *dir)
{
	char *s = NULL;
	size_t n = 0;
	FILE *out = open_memstream(&s, &n);
	assert_non_null(out);
	snap_dir(dir, "", out, 0);
	fclose(out);
	return s;
}

typedef struct wfx {
	char dir[64];
	char root[96];
	char journal[96];
} wfx;

static int w_setup(void **state)
{
	wfx *f = calloc(1, sizeof *f);
	assert_non_null(f);
	assert_int_equal(kwt_mkdtemp(f->dir, sizeof f->dir, "kw-kwrite-"), 0);
	snprintf(f->root, sizeof f->root, "%s/root", f->dir);
	snprintf(f->journal, sizeof f->journal, "%s/journal", f->dir);
	char p[160];
	assert_int_equal(mkdir(f->root, 0755), 0);
	snprintf(p, sizeof p, "%s/home", f->root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof p, "%s/home/u", f->root);
	assert_int_equal(mkdir(p, 0750), 0);
	assert_int_equal(chown(p, 1234, 1235), 0);
	struct timespec ts[2] = { { 1000000000, 0 }, { 1000000000, 123 } };
	assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
	*state = f;
	return 0;
}

static int w_teardown(void **state)
{
	wfx *f = *state;
	kwt_rm_tree(f->dir);
	free(f);
	return 0;
}

static void test_mkdir_create(void **state)
{
	wfx *f = *state;
	char *before = snap(f->root);
	kw_writer *w;
	assert_int_equal(kw_writer_open(f->root, f->journal, &w), 0);
	assert_int_equal(kw_writer_mkdir(w, "/home/u/.ssh", 0700, 1234, 1235), 0);
	assert_int_equal(kw_writer_mkdir(w, "/home/u/.ssh", 0700, 1234, 1235), -EEXIST);
	assert_int_equal(kw_writer_mkdir(w, "/home/none/.ssh", 0700, 1234, 1235), -ENOENT);
	assert_int_equal(kw_writer_mkdir(w, "/home/u/../x", 0700, 0, 0), -EINVAL);
	static const char key[] = ED_PUB "\n";
	assert_int_equal(kw_writer_create(w, "/home/u/.ssh/authorized_keys", (const uint8_t *)key,
					  sizeof key - 1, 0600, 1234, 1235), 0);
	assert_int_equal(kw_writer_create(w, "/home/u/.ssh/authorized_keys", (const uint8_t *)"", 0,
					  0600, 1234, 1235), KW_E_CHANGED);
	char p[200];
	struct stat st;
	snprintf(p, sizeof p, "%s/home/u/.ssh", f->root);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(st.st_uid, 1234);
	assert_int_equal(st.st_gid, 1235);
	snprintf(p, sizeof p, "%s/home/u/.ssh/authorized_keys", f->root);
	assert_int_equal(lstat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_uid, 1234);
	assert_int_equal(st.st_gid, 1235);
	assert_int_equal(st.st_size, sizeof key - 1);
	/* a second file, its content then replaced: the usual replace on top */
	assert_int_equal(kw_writer_replace_expect(w, "/home/u/.ssh/authorized_keys",
						  (const uint8_t *)"x\n", 2, -1, (const uint8_t *)key,
						  sizeof key - 1, true), 0);
	kw_writer_free(w);
	unsigned restored = 0;
	assert_int_equal(kw_journal_undo(f->journal, &restored), 0);
	assert_int_equal(restored, 3);
	char *after = snap(f->root);
	assert_string_equal(before, after); /* the home's mtime too */
	free(after);
	/* again: nothing to do */
	assert_int_equal(kw_journal_undo(f->journal, &restored), 0);
	assert_int_equal(restored, 0);
	free(before);
}

static void test_mkdir_not_empty(void **state)
{
	wfx *f = *state;
	kw_writer *w;
	assert_int_equal(kw_writer_open(f->root, f->journal, &w), 0);
	assert_int_equal(kw_writer_mkdir(w, "/home/u/.ssh", 0711, 0, 0), 0);
	kw_writer_free(w);
	char p[200];
	struct stat st;
	snprintf(p, sizeof p, "%s/home/u/.ssh", f->root);
	assert_int_equal(lstat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0711);
	/* someone puts a file in it that the journal does not know */
	snprintf(p, sizeof p, "%s/home/u/.ssh/known_hosts", f->root);
	int fd = open(p, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(kw_journal_undo(f->journal, NULL), -ENOTEMPTY);
	assert_int_equal(lstat(p, &st), 0); /* left alone, folder and all */
	/* a file where the folder was: not ours either */
	assert_int_equal(unlink(p), 0);
	snprintf(p, sizeof p, "%s/home/u/.ssh", f->root);
	assert_int_equal(rmdir(p), 0);
	fd = open(p, O_WRONLY | O_CREAT, 0600);
	close(fd);
	assert_int_equal(kw_journal_undo(f->journal, NULL), -EEXIST);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISREG(st.st_mode));
}

/* ---- crash at every durable step of mkdir + create + edit, then undo ---- */

static const char *self_exe;

/* The run the crash test kills: what `keys add` does for a first key. */
static int crash_child(const char *root, const char *jdir)
{
	kw_writer *w;
	if (kw_writer_open(root, jdir, &w) < 0)
		return 10;
	int r = kw_writer_mkdir(w, "/home/u/.ssh", 0700, 1234, 1235);
	if (r == 0)
		r = kw_writer_create(w, "/home/u/.ssh/authorized_keys", NULL, 0, 0600, 1234, 1235);
	if (r == 0)
		r = kw_writer_replace_expect(w, "/home/u/.ssh/authorized_keys",
					     (const uint8_t *)ED_PUB "\n", strlen(ED_PUB) + 1, -1,
					     NULL, 0, true);
	kw_writer_free(w);
	return r == 0 ? 0 : 11;
}

/* Re-execute this program as the crash child (or undo), killed at step kill_at (0: no). */
static int run_child(const char *mode, const wfx *f, unsigned long kill_at, const char *steps)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char k[32];
		snprintf(k, sizeof k, "%lu", kill_at);
		if (kill_at)
			setenv("KEYWARD_TEST_KILL_AT", k, 1);
		else
			unsetenv("KEYWARD_TEST_KILL_AT");
		if (steps)
			setenv("KEYWARD_TEST_STEPS", steps, 1);
		else
			unsetenv("KEYWARD_TEST_STEPS");
		execl(self_exe, self_exe, mode, f->root, f->journal, (char *)NULL);
		_exit(127);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

static unsigned long read_steps(const char *file)
{
	size_t len;
	uint8_t *b = kwt_read_file(file, &len);
	assert_non_null(b);
	unsigned long n = strtoul((const char *)b, NULL, 10);
	free(b);
	return n;
}

/* After a kill: no .ssh, an empty one, or the whole folder owned right; the file absent,
 * empty, or the whole new line; no stray temp file but keyward's own. */
static void check_state(const wfx *f)
{
	char p[200];
	struct stat st;
	snprintf(p, sizeof p, "%s/home/u/.ssh", f->root);
	if (lstat(p, &st) < 0)
		return;
	assert_true(S_ISDIR(st.st_mode));
	snprintf(p, sizeof p, "%s/home/u/.ssh/authorized_keys", f->root);
	if (lstat(p, &st) < 0)
		return;
	assert_int_equal(st.st_uid, 1234);
	assert_int_equal(st.st_mode & 07777, 0600);
	size_t len;
	uint8_t *b = kwt_read_file(p, &len);
	assert_non_null(b);
	assert_true(len == 0 || (len == strlen(ED_PUB) + 1 && !memcmp(b, ED_PUB "\n", len)));
	free(b);
}

static void reset_journal(const wfx *f)
{
	kwt_rm_tree(f->journal);
	char p[200];
	snprintf(p, sizeof p, "%s/home/u/.ssh", f->root);
	kwt_rm_tree(p);
}

static void test_crash_steps(void **state)
{
	wfx *f = *state;
	char steps[128];
	snprintf(steps, sizeof steps, "%s/steps", f->dir);
	char *orig = snap(f->root);
	assert_int_equal(run_child("--crash-child", f, 0, steps), 0);
	unsigned long total = read_steps(steps);
	assert_true(total >= 8);
	assert_int_equal(kw_journal_undo(f->journal, NULL), 0);
	char *s = snap(f->root);
	assert_string_equal(s, orig);
	free(s);
	for (unsigned long k = 1; k <= total; k++) {
		reset_journal(f);
		assert_int_equal(run_child("--crash-child", f, k, NULL), 128 + SIGKILL);
		check_state(f);
		int r = kw_journal_undo(f->journal, NULL);
		if (r != 0 && r != -ENOENT)
			fail_msg("undo after a kill at step %lu: %d", k, r);
		s = snap(f->root);
		if (strcmp(s, orig) != 0)
			fail_msg("kill at step %lu: undo did not restore the tree:\n%s\nwant:\n%s", k, s, orig);
		free(s);
	}
	/* an undo killed at each of its own steps, then undone again */
	reset_journal(f);
	assert_int_equal(run_child("--crash-child", f, 0, NULL), 0);
	assert_int_equal(run_child("--undo-child", f, 0, steps), 0);
	unsigned long ut = read_steps(steps);
	assert_true(ut >= 4);
	for (unsigned long k = 1; k <= ut; k++) {
		reset_journal(f);
		assert_int_equal(run_child("--crash-child", f, 0, NULL), 0);
		assert_int_equal(run_child("--undo-child", f, k, NULL), 128 + SIGKILL);
		assert_int_equal(kw_journal_undo(f->journal, NULL), 0);
		s = snap(f->root);
		if (strcmp(s, orig) != 0)
			fail_msg("undo killed at step %lu, undone again: differs:\n%s", k, s);
		free(s);
	}
	free(orig);
}

int main(int argc, char **argv)
{
	self_exe = argv[0];
	if (argc == 4 && strcmp(argv[1], "--crash-child") == 0)
		return crash_child(argv[2], argv[3]);
	if (argc == 4 && strcmp(argv[1], "--undo-child") == 0)
		return kw_journal_undo(argv[3], NULL) == 0 ? 0 : 12;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_keyref),
		cmocka_unit_test(test_newkey),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_add),
		cmocka_unit_test(test_remove),
		cmocka_unit_test(test_rotate),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test_setup_teardown(test_lock, lock_setup, lock_teardown),
		cmocka_unit_test_setup_teardown(test_mkdir_create, w_setup, w_teardown),
		cmocka_unit_test_setup_teardown(test_mkdir_not_empty, w_setup, w_teardown),
		cmocka_unit_test_setup_teardown(test_crash_steps, w_setup, w_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
