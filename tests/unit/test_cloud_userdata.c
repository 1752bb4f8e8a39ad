/* test_cloud_userdata.c — instance user data (src/cloud/userdata.c).
 *
 *  - decoding: base64 wrapped at 60/76 columns with CRLF, spaces and tabs, missing '='
 *    padding, not-base64 refused with the reason, plain text copied; gzip made here with
 *    libarchive (gzip filter, raw format) round-trips, one exactly at KW_USERDATA_MAX
 *    passes, a gzip bomb one byte over stops with KW_E_TOOBIG, truncated gzip and a
 *    gzip magic in front of garbage are KW_E_PARSE ("broken gzip data"); plain text
 *    over the cap is KW_E_TOOBIG;
 *  - the scanner, table-driven: every cloud-config, shell and Windows form listed in
 *    userdata.h with its flag, line and description, and the look-alikes that must not
 *    hit (PasswordAuthentication no, comments, ssh_pwauth: false, a password with the
 *    default lock_passwd, "passwd" only in an echo message, net user without a password,
 *    -PasswordNeverExpires, sed replacing yes by no, ...); the first hit's line is the
 *    smallest even when a users: entry is decided later; every positive carries a
 *    password that must never appear in `what`;
 *  - MIME multipart: text parts, a base64 part, a base64+gzip part, a nested multipart,
 *    a part after the closing delimiter ignored, the reported lines;
 *  - kw_userdata_judge: launch fields filled with arena strings, UNKNOWN with a reason
 *    for broken gzip and for a bomb, plain text accepted where base64 was expected;
 *  - random bytes (seeded; KW_TEST_SEED replays) never crash and never report line 0
 *    with a hit.
 */
#include "cloud/userdata.h"
#include "base/err.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SECRET "Sup3r-S3cret"

/* ---- helpers ---- */

/* base64 of data, a line break (CRLF when crlf) every `wrap` characters (0: none). */
static char *b64(const void *data, size_t n, size_t wrap, bool crlf)
{
	size_t el = 4 * ((n + 2) / 3);
	unsigned char *e = malloc(el + 1);
	assert_non_null(e);
	assert_int_equal(EVP_EncodeBlock(e, data, (int)n), (int)el);
	char *out = malloc(el + (wrap ? (el / wrap + 1) * 2 : 0) + 1);
	assert_non_null(out);
	size_t k = 0;
	for (size_t i = 0; i < el; i++) {
		if (wrap && i && i % wrap == 0) {
			if (crlf)
				out[k++] = '\r';
			out[k++] = '\n';
		}
		out[k++] = (char)e[i];
	}
	out[k] = '\0';
	free(e);
	return out;
}

/* gzip of data, made with libarchive (the same library that decodes it, but its writer). */
static uint8_t *gz(const void *data, size_t n, size_t *ret_len)
{
	size_t cap = n / 100 + (1 << 16);
	uint8_t *buf = malloc(cap);
	assert_non_null(buf);
	struct archive *a = archive_write_new();
	assert_non_null(a);
	assert_int_equal(archive_write_add_filter_gzip(a), ARCHIVE_OK);
	assert_int_equal(archive_write_set_format_raw(a), ARCHIVE_OK);
	assert_int_equal(archive_write_set_bytes_in_last_block(a, 1), ARCHIVE_OK);
	size_t used = 0;
	assert_int_equal(archive_write_open_memory(a, buf, cap, &used), ARCHIVE_OK);
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, "user-data");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_size(e, (la_int64_t)n);
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	const uint8_t *p = data;
	for (size_t off = 0; off < n;) {
		size_t chunk = n - off < (1 << 20) ? n - off : (1 << 20);
		assert_true(archive_write_data(a, p + off, chunk) == (la_ssize_t)chunk);
		off += chunk;
	}
	archive_entry_free(e);
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	assert_true(used > 18 && buf[0] == 0x1f && buf[1] == 0x8b);
	*ret_len = used;
	return buf;
}

static void scan_str(const char *text, kw_userdata_verdict *v)
{
	kw_userdata_scan((const uint8_t *)text, strlen(text), v);
}

/* ---- decoding ---- */

static void test_decode_base64(void **state)
{
	(void)state;
	const char *text = "#cloud-config\nssh_pwauth: true\nruncmd:\n  - echo hello world\n";
	size_t tl = strlen(text);
	for (int form = 0; form < 4; form++) {
		char *enc = b64(text, tl, form == 0 ? 0 : form == 1 ? 60 : 76, form == 2);
		if (form == 3) { /* blanks and tabs inside, no padding */
			size_t el = strlen(enc);
			while (el && enc[el - 1] == '=')
				enc[--el] = '\0';
			char *sp = malloc(2 * el + 4);
			size_t k = 0;
			sp[k++] = ' ';
			for (size_t i = 0; i < el; i++) {
				sp[k++] = enc[i];
				if (i % 7 == 3)
					sp[k++] = i % 2 ? '\t' : ' ';
			}
			sp[k++] = '\n';
			sp[k] = '\0';
			free(enc);
			enc = sp;
		}
		uint8_t *out = NULL;
		size_t n = 0;
		const char *why = "x";
		assert_int_equal(kw_userdata_decode(enc, strlen(enc), true, &out, &n, &why), 0);
		assert_null(why);
		assert_int_equal(n, tl);
		assert_memory_equal(out, text, tl);
		free(out);
		free(enc);
	}
	/* refused: not base64, a lone trailing character */
	static const char *const bad[] = { "#!/bin/bash\necho hi\n", "QUJD$RA==", "QUJDR", "QQ=A" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint8_t *out = (uint8_t *)"untouched";
		size_t n = 7;
		const char *why = NULL;
		assert_int_equal(kw_userdata_decode(bad[i], strlen(bad[i]), true, &out, &n, &why), KW_E_PARSE);
		assert_null(out);
		assert_string_equal(why, "not base64");
	}
	/* empty and blank: nothing, but fine */
	uint8_t *out;
	size_t n = 9;
	assert_int_equal(kw_userdata_decode(" \n\t", 3, true, &out, &n, NULL), 0);
	assert_int_equal(n, 0);
	free(out);
	/* plain text is copied */
	assert_int_equal(kw_userdata_decode("abc\0def", 7, false, &out, &n, NULL), 0);
	assert_int_equal(n, 7);
	assert_memory_equal(out, "abc\0def", 7);
	free(out);
}

static void test_decode_gzip(void **state)
{
	(void)state;
	const char *text = "#!/bin/sh\necho 'root:" SECRET "' | chpasswd\n";
	size_t gl;
	uint8_t *g = gz(text, strlen(text), &gl);
	/* raw gzip bytes and base64 of them */
	uint8_t *out;
	size_t n;
	const char *why;
	assert_int_equal(kw_userdata_decode((const char *)g, gl, false, &out, &n, &why), 0);
	assert_int_equal(n, strlen(text));
	assert_memory_equal(out, text, n);
	free(out);
	char *enc = b64(g, gl, 76, false);
	assert_int_equal(kw_userdata_decode(enc, strlen(enc), true, &out, &n, &why), 0);
	assert_int_equal(n, strlen(text));
	assert_memory_equal(out, text, n);
	free(out);
	free(enc);
	/* truncated: broken */
	enc = b64(g, gl - 12, 0, false);
	out = NULL;
	assert_int_equal(kw_userdata_decode(enc, strlen(enc), true, &out, &n, &why), KW_E_PARSE);
	assert_string_equal(why, "broken gzip data");
	assert_null(out);
	free(enc);
	/* the magic in front of garbage: not handed back as if it were the text */
	static const uint8_t junk[] = { 0x1f, 0x8b, 'n', 'o', 't', ' ', 'g', 'z', 'i', 'p', ' ', 'a', 't', ' ',
					'a', 'l', 'l', '\n', 'x', 'y', 'z', 'w' };
	assert_int_equal(kw_userdata_decode((const char *)junk, sizeof junk, false, &out, &n, &why), KW_E_PARSE);
	assert_string_equal(why, "broken gzip data");
	free(g);
	/* an empty gzip member decodes to nothing */
	g = gz("", 0, &gl);
	assert_int_equal(kw_userdata_decode((const char *)g, gl, false, &out, &n, &why), 0);
	assert_int_equal(n, 0);
	free(out);
	free(g);
}

static void test_decode_caps(void **state)
{
	(void)state;
	size_t big = KW_USERDATA_MAX + 1;
	uint8_t *zeros = calloc(1, big);
	assert_non_null(zeros);
	memcpy(zeros, "#!/bin/sh\n", 10);
	/* exactly the cap: accepted, all of it */
	size_t gl;
	uint8_t *g = gz(zeros, KW_USERDATA_MAX, &gl);
	assert_true(gl < 64 * 1024); /* a real bomb: tiny in, 16 MiB out */
	uint8_t *out;
	size_t n;
	const char *why;
	assert_int_equal(kw_userdata_decode((const char *)g, gl, false, &out, &n, &why), 0);
	assert_int_equal(n, KW_USERDATA_MAX);
	assert_memory_equal(out, "#!/bin/sh\n", 10);
	free(out);
	free(g);
	/* one byte over: stops at the cap */
	g = gz(zeros, big, &gl);
	char *enc = b64(g, gl, 76, true);
	out = (uint8_t *)"untouched";
	assert_int_equal(kw_userdata_decode(enc, strlen(enc), true, &out, &n, &why), KW_E_TOOBIG);
	assert_null(out);
	assert_null(why);
	free(enc);
	free(g);
	/* plain text over the cap */
	assert_int_equal(kw_userdata_decode((const char *)zeros, big, false, &out, &n, &why), KW_E_TOOBIG);
	free(zeros);
}

/* ---- the scanner ---- */

static const struct sc {
	const char *name;
	const char *text;
	unsigned hits;
	unsigned line;
	const char *what;
} cases[] = {
	/* cloud-config */
	{ "ssh_pwauth true", "#cloud-config\nssh_pwauth: true\n", KW_UD_PWAUTH, 2, "ssh_pwauth: true" },
	{ "ssh_pwauth yes", "#cloud-config\npackages: [curl]\nssh_pwauth: yes\n", KW_UD_PWAUTH, 3, "ssh_pwauth: true" },
	{ "ssh_pwauth True quoted", "#cloud-config\nssh_pwauth: \"True\"  # why not\n", KW_UD_PWAUTH, 2, "ssh_pwauth: true" },
	{ "ssh_pwauth 1 crlf", "#cloud-config\r\nhostname: web\r\nssh_pwauth: 1\r\n", KW_UD_PWAUTH, 3, "ssh_pwauth: true" },
	{ "ssh_pwauth on, jinja", "## template: jinja\n#cloud-config\nssh_pwauth: on\n", KW_UD_PWAUTH, 3, "ssh_pwauth: true" },
	{ "chpasswd list block",
	  "#cloud-config\nchpasswd:\n  expire: false\n  list: |\n    root:" SECRET "\n    ubuntu:" SECRET "\n",
	  KW_UD_SETPW, 4, "chpasswd: list sets a password" },
	{ "chpasswd users",
	  "#cloud-config\nchpasswd:\n  expire: false\n  users:\n    - {name: root, password: " SECRET ", type: text}\n",
	  KW_UD_SETPW, 4, "chpasswd: users sets a password" },
	{ "chpasswd flow", "#cloud-config\nchpasswd: { list: [ 'root:" SECRET "' ], expire: False }\n", KW_UD_SETPW, 2,
	  "chpasswd: sets a password" },
	{ "users passwd lock false",
	  "#cloud-config\nusers:\n  - default\n  - name: ops\n    passwd: $6$rounds=4096$" SECRET "\n    lock_passwd: false\n"
	  "    groups: [wheel]\nruncmd:\n  - echo done\n",
	  KW_UD_SETPW, 5, "users: passwd with lock_passwd: false" },
	{ "users plain_text_passwd, lock first, items at key column",
	  "#cloud-config\nusers:\n- name: ops\n  lock_passwd: no\n  ssh_authorized_keys:\n    - ssh-ed25519 AAAA x\n"
	  "  plain_text_passwd: " SECRET "\n",
	  KW_UD_SETPW, 7, "users: plain_text_passwd with lock_passwd: false" },
	{ "users flow entry",
	  "#cloud-config\nusers:\n  - {name: ops, hashed_passwd: '$6$" SECRET "', lock_passwd: False}\n",
	  KW_UD_SETPW, 3, "users: hashed_passwd with lock_passwd: false" },
	{ "password top-level", "#cloud-config\npassword: " SECRET "\nchpasswd: { expire: False }\n", KW_UD_SETPW, 2,
	  "password: sets the default user's password" },
	{ "disable_root false", "#cloud-config\ndisable_root: false\n", KW_UD_ROOTLOGIN, 2, "disable_root: false" },
	{ "runcmd chpasswd", "#cloud-config\nruncmd:\n  - echo 'root:" SECRET "' | chpasswd\n", KW_UD_SETPW, 3,
	  "chpasswd sets a password" },
	{ "runcmd sh -c list", "#cloud-config\nruncmd:\n  - [ sh, -c, \"echo ops:" SECRET " | chpasswd\" ]\n",
	  KW_UD_SETPW, 3, "chpasswd sets a password" },
	{ "write_files sshd drop-in",
	  "#cloud-config\nwrite_files:\n  - path: /etc/ssh/sshd_config.d/10-pw.conf\n    content: |\n"
	  "      PasswordAuthentication yes\n",
	  KW_UD_PWAUTH, 5, "PasswordAuthentication yes" },
	/* shell */
	{ "sed no->yes",
	  "#!/bin/bash\nset -e\nsed -i 's/^PasswordAuthentication no/PasswordAuthentication yes/' /etc/ssh/sshd_config\n",
	  KW_UD_PWAUTH, 3, "PasswordAuthentication yes" },
	{ "sed any->yes", "#!/bin/bash\nsed -i -e 's/^#\\?PasswordAuthentication .*/PasswordAuthentication yes/g' /etc/ssh/sshd_config\n",
	  KW_UD_PWAUTH, 2, "PasswordAuthentication yes" },
	{ "sed uncomments", "#!/bin/bash\nsed -i '/^#PasswordAuthentication/s/^#//' /etc/ssh/sshd_config\n", KW_UD_PWAUTH, 2,
	  "sed uncomments PasswordAuthentication" },
	{ "echo >>", "#!/bin/sh\necho \"PasswordAuthentication yes\" >> /etc/ssh/sshd_config\n", KW_UD_PWAUTH, 2,
	  "PasswordAuthentication yes" },
	{ "printf | tee, case", "#!/bin/sh\nprintf 'passwordauthentication=YES\\n' | tee -a /etc/ssh/sshd_config\n",
	  KW_UD_PWAUTH, 2, "PasswordAuthentication yes" },
	{ "heredoc", "#!/bin/sh\ncat > /etc/ssh/sshd_config.d/pw.conf <<EOF\nPasswordAuthentication   yes\nEOF\n", KW_UD_PWAUTH, 3,
	  "PasswordAuthentication yes" },
	{ "PermitRootLogin yes", "#!/bin/sh\necho 'PermitRootLogin yes' >> /etc/ssh/sshd_config\n", KW_UD_ROOTLOGIN, 2,
	  "PermitRootLogin yes" },
	{ "chpasswd pipe", "#!/bin/sh\necho \"root:" SECRET "\" | chpasswd\n", KW_UD_SETPW, 2, "chpasswd sets a password" },
	{ "chpasswd heredoc, path, sudo", "#!/bin/sh\nsudo /usr/sbin/chpasswd <<EOF\nroot:" SECRET "\nEOF\n", KW_UD_SETPW, 2,
	  "chpasswd sets a password" },
	{ "passwd --stdin", "#!/bin/sh\necho " SECRET " | passwd --stdin ec2-user\n", KW_UD_SETPW, 2,
	  "passwd --stdin sets a password" },
	{ "echo | passwd", "#!/bin/sh\necho -e \"" SECRET "\\n" SECRET "\" | passwd root\n", KW_UD_SETPW, 2,
	  "passwd sets a password from its input" },
	{ "passwd heredoc", "#!/bin/sh\nif true; then passwd root <<EOF\n" SECRET "\n" SECRET "\nEOF\nfi\n", KW_UD_SETPW, 2,
	  "passwd sets a password from its input" },
	{ "usermod -p", "#!/bin/sh\nusermod -p \"$(openssl passwd -6 " SECRET ")\" root\n", KW_UD_SETPW, 2,
	  "usermod sets a password" },
	{ "usermod --password=", "#!/bin/sh\nusermod --password='$6$" SECRET "' ops\n", KW_UD_SETPW, 2,
	  "usermod sets a password" },
	{ "useradd -p", "#!/bin/sh\nuseradd -m -s /bin/bash -p '$6$" SECRET "' ops && echo ok\n", KW_UD_SETPW, 2,
	  "useradd sets a password" },
	/* Windows */
	{ "net user", "<script>\nnet user Administrator " SECRET "\n</script>\n", KW_UD_WINUSER, 2, "net user sets a password" },
	{ "net user /add", "<powershell>\n& net.exe user backup \"" SECRET "\" /add /y\n</powershell>\n", KW_UD_WINUSER, 2,
	  "net user sets a password" },
	{ "NET USER case", "<script>\r\nNET USER ops " SECRET " /ADD\r\n</script>\r\n", KW_UD_WINUSER, 2,
	  "net user sets a password" },
	{ "Set-LocalUser", "<powershell>\n$p = ConvertTo-SecureString '" SECRET "' -AsPlainText -Force\n"
	  "Set-LocalUser -Name Administrator -Password $p\n</powershell>\n",
	  KW_UD_WINUSER, 3, "Set-LocalUser sets a password" },
	{ "New-LocalUser", "<powershell>\nnew-localuser -Name ops -Password (ConvertTo-SecureString '" SECRET
	  "' -AsPlainText -Force)\n</powershell>\n",
	  KW_UD_WINUSER, 2, "New-LocalUser sets a password" },
	{ "ADSI SetPassword", "<powershell>\n([ADSI]'WinNT://./Administrator').SetPassword('" SECRET "')\n</powershell>\n",
	  KW_UD_WINUSER, 2, "SetPassword sets a password" },
	{ "Winlogon DefaultPassword",
	  "<powershell>\n$k = 'HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon'\n"
	  "Set-ItemProperty $k -Name DefaultPassword -Value '" SECRET "'\n</powershell>\n",
	  KW_UD_WINUSER, 3, "Winlogon DefaultPassword (autologon password)" },
	{ "AutoAdminLogon reg add",
	  "<script>\nreg add \"HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon\" /v AutoAdminLogon /t REG_SZ /d 1 /f\n</script>\n",
	  KW_UD_WINUSER, 2, "Winlogon AutoAdminLogon enabled" },
	/* several: flags add up, the first line wins */
	{ "several",
	  "#cloud-config\nruncmd:\n  - sed -i 's/PermitRootLogin no/PermitRootLogin yes/' /etc/ssh/sshd_config\n"
	  "ssh_pwauth: true\nusers:\n  - name: a\n    passwd: " SECRET "\n    lock_passwd: false\n",
	  KW_UD_PWAUTH | KW_UD_SETPW | KW_UD_ROOTLOGIN, 3, "PermitRootLogin yes" },
	{ "users entry decided late keeps its early line",
	  "#cloud-config\nusers:\n  - name: a\n    passwd: " SECRET "\n    shell: /bin/bash\n    lock_passwd: false\n"
	  "ssh_pwauth: true\n",
	  KW_UD_SETPW | KW_UD_PWAUTH, 4, "users: passwd with lock_passwd: false" },

	/* look-alikes: nothing */
	{ "PasswordAuthentication no", "#!/bin/sh\necho 'PasswordAuthentication no' >> /etc/ssh/sshd_config\n", 0, 0, NULL },
	{ "sed yes->no", "#!/bin/sh\nsed -i 's/^PasswordAuthentication yes/PasswordAuthentication no/' /etc/ssh/sshd_config\n",
	  0, 0, NULL },
	{ "sed uncomment to no", "#!/bin/sh\nsed -i 's/#PasswordAuthentication no/PasswordAuthentication no/' /etc/ssh/sshd_config\n",
	  0, 0, NULL },
	{ "comment ssh_pwauth", "#cloud-config\n# ssh_pwauth: true\n  # ssh_pwauth: true\nhostname: x\n", 0, 0, NULL },
	{ "ssh_pwauth false", "#cloud-config\nssh_pwauth: false\nssh_pwauth: unchanged\n", 0, 0, NULL },
	{ "trailing comment", "#cloud-config\nssh_pwauth: false # was: ssh_pwauth: true\n", 0, 0, NULL },
	{ "passwd in an echo message", "#!/bin/bash\necho \"Run passwd to set your password\"\necho 'passwd changed'\n"
	  "logger \"chpasswd is not used here\"\ngrep ops /etc/passwd\n", 0, 0, NULL },
	{ "passwd -l and -e", "#!/bin/sh\npasswd -l root\npasswd -e ops\n", 0, 0, NULL },
	{ "openssl passwd only", "#!/bin/sh\nH=$(openssl passwd -6 -salt x y)\n", 0, 0, NULL },
	{ "users with default lock", "#cloud-config\nusers:\n  - name: ops\n    passwd: $6$" SECRET "\n", 0, 0, NULL },
	{ "users lock_passwd quoted false is truthy", "#cloud-config\nusers:\n  - name: ops\n    passwd: x\n    lock_passwd: \"false\"\n",
	  0, 0, NULL },
	{ "lock false on one user, password on another",
	  "#cloud-config\nusers:\n  - name: a\n    lock_passwd: false\n  - name: b\n    passwd: x\n", 0, 0, NULL },
	{ "chpasswd expire only", "#cloud-config\nchpasswd:\n  expire: true\n  list: []\n", 0, 0, NULL },
	{ "disable_root true", "#cloud-config\ndisable_root: true\n", 0, 0, NULL },
	{ "password in a shell heredoc", "#!/bin/sh\ncat > /etc/app.yml <<EOF\npassword: x\nEOF\n", 0, 0, NULL },
	{ "usermod without -p", "#!/bin/sh\nusermod -aG docker ops\nuseradd -m ops\n", 0, 0, NULL },
	{ "net user without password", "<script>\nnet user ops /add\nnet user ops * /add\nnet user ops /active:yes\nnet user\n</script>\n",
	  0, 0, NULL },
	{ "internet user", "#!/bin/sh\necho internet user guide\n", 0, 0, NULL },
	{ "PasswordNeverExpires", "<powershell>\nSet-LocalUser -Name ops -PasswordNeverExpires $true\nNew-LocalUser -Name x -NoPassword\n</powershell>\n",
	  0, 0, NULL },
	{ "AutoAdminLogon 0", "<script>\nreg add \"HKLM\\...\\Winlogon\" /v AutoAdminLogon /t REG_SZ /d 0 /f\n</script>\n", 0, 0, NULL },
	{ "PermitRootLogin prohibit-password", "#!/bin/sh\necho 'PermitRootLogin prohibit-password' >> /etc/ssh/sshd_config\n",
	  0, 0, NULL },
	{ "PowerShell block comment", "<powershell>\n<#\nnet user Administrator x\n#>\nWrite-Output ok\n</powershell>\n", 0, 0, NULL },
	{ "cmd REM", "<script>\nREM net user Administrator x\n:: net user Administrator y\n</script>\n", 0, 0, NULL },
	{ "empty", "", 0, 0, NULL },
};

static void test_scan_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct sc *c = &cases[i];
		kw_userdata_verdict v;
		memset(&v, 0xa5, sizeof v);
		scan_str(c->text, &v);
		if (v.hits != c->hits || v.line != c->line || (c->what ? strcmp(v.what, c->what) != 0 : v.what[0] != '\0'))
			fail_msg("%s: hits %#x line %u what '%s'; expected %#x line %u what '%s'", c->name, v.hits, v.line,
				 v.what, c->hits, c->line, c->what ? c->what : "");
		if (strstr(v.what, SECRET) || strstr(v.what, "$6$"))
			fail_msg("%s: the description holds the secret: %s", c->name, v.what);
	}
}

/* The same findings through a NUL and binary junk around them, and over long lines. */
static void test_scan_binary(void **state)
{
	(void)state;
	static const uint8_t text[] = "\x00\xff\xfe garbage\x01\n#cloud-config\nssh_pwauth: true\x00 tail\n"
				      "\x80\x81\x82\n";
	kw_userdata_verdict v;
	kw_userdata_scan(text, sizeof text - 1, &v);
	/* the NUL ends nothing: the value is "true\0 tail", which is not "true" */
	assert_int_equal(v.hits, 0);
	static const uint8_t text2[] = "\x00\xff\n\x01#!/bin/sh\necho 'root:x' | chpasswd\n\xff\xff";
	kw_userdata_scan(text2, sizeof text2 - 1, &v);
	assert_int_equal(v.hits, KW_UD_SETPW);
	assert_int_equal(v.line, 3);
	/* a 1 MiB line with the directive at its end */
	size_t n = 1 << 20;
	char *big = malloc(n + 64);
	assert_non_null(big);
	memset(big, 'a', n);
	big[0] = 'x';
	strcpy(big + n, " ; echo PasswordAuthentication yes\n");
	kw_userdata_scan((const uint8_t *)big, strlen(big), &v);
	assert_int_equal(v.hits, KW_UD_PWAUTH);
	assert_int_equal(v.line, 1);
	free(big);
	/* words repeated along one long line cost linear time: arguments and long quoted
	 * tokens are read once, not once per repetition */
	static const char *const reps[] = { "-c passwd -l ", "net \"", "net user \"", "sh -c usermod -a ",
					    "PasswordAuthentication======", "passwd: 'passwd: ", "users: [ lock_passwd: " };
	for (size_t r = 0; r < sizeof reps / sizeof reps[0]; r++) {
		size_t rl = strlen(reps[r]), k = 0;
		big = malloc(n + 1);
		assert_non_null(big);
		while (k + rl < n) {
			memcpy(big + k, reps[r], rl);
			k += rl;
		}
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		kw_userdata_scan((const uint8_t *)big, k, &v);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		if (s > 2.0)
			fail_msg("'%s' x %zu: %.1f s", reps[r], k / rl, s);
		free(big);
	}
	kw_userdata_scan(NULL, 0, &v);
	assert_int_equal(v.hits, 0);
}

/* ---- MIME ---- */

static char *mime_doc(const char *inner_b64_part, const char *extra)
{
	char *d = NULL;
	int r = asprintf(&d,
			 "Content-Type: multipart/mixed;\n"
			 " boundary=\"===============0035287898381899620==\"\n"
			 "MIME-Version: 1.0\n"
			 "\n"
			 "This is a multi-part message in MIME format.\n"
			 "--===============0035287898381899620==\n"
			 "Content-Type: text/cloud-config; charset=\"us-ascii\"\n"
			 "MIME-Version: 1.0\n"
			 "Content-Transfer-Encoding: 7bit\n"
			 "Content-Disposition: attachment; filename=\"cloud-config.txt\"\n"
			 "\n"
			 "#cloud-config\n"          /* line 12 */
			 "package_update: true\n"
			 "\n"
			 "--===============0035287898381899620==\n"
			 "Content-Type: text/x-shellscript; charset=\"us-ascii\"\n"
			 "MIME-Version: 1.0\n"
			 "Content-Transfer-Encoding: base64\n"
			 "\n"
			 "%s\n"                     /* line 20 */
			 "%s"
			 "--===============0035287898381899620==--\n"
			 "ssh_pwauth: true\n",     /* the epilogue: ignored */
			 inner_b64_part, extra);
	assert_true(r > 0);
	return d;
}

static void test_mime(void **state)
{
	(void)state;
	/* a clean archive: nothing (and the epilogue's ssh_pwauth is not read) */
	char *script = b64("#!/bin/sh\necho hello\n", 21, 76, false);
	char *d = mime_doc(script, "");
	kw_userdata_verdict v;
	scan_str(d, &v);
	assert_int_equal(v.hits, 0);
	free(d);
	free(script);

	/* the base64 part sets a password: reported at the part's first body line */
	const char *sh = "#!/bin/sh\nset -e\nyum -y update\necho 'root:" SECRET "' | chpasswd\n";
	script = b64(sh, strlen(sh), 60, false);
	d = mime_doc(script, "");
	scan_str(d, &v);
	assert_int_equal(v.hits, KW_UD_SETPW);
	assert_int_equal(v.line, 20);
	assert_string_equal(v.what, "chpasswd sets a password");
	free(d);

	/* a text part after it */
	const char *extra = "--===============0035287898381899620==\n"
			    "Content-Type: text/cloud-config\n"
			    "\n"
			    "ssh_pwauth: yes\n"
			    "disable_root: false\n";
	char *d2 = mime_doc(script, extra);
	scan_str(d2, &v);
	assert_int_equal(v.hits, KW_UD_SETPW | KW_UD_PWAUTH | KW_UD_ROOTLOGIN);
	assert_int_equal(v.line, 20);
	free(d2);
	free(script);
	/* the same with a clean script: the first hit is in the text part */
	script = b64("#!/bin/sh\necho hi\n", 18, 0, false);
	d2 = mime_doc(script, extra);
	scan_str(d2, &v);
	assert_int_equal(v.hits, KW_UD_PWAUTH | KW_UD_ROOTLOGIN);
	assert_int_equal(v.line, 24); /* the script's base64 is one line (20) */
	assert_string_equal(v.what, "ssh_pwauth: true");
	free(d2);
	free(script);

	/* base64 of gzip inside a part */
	const char *cc = "#cloud-config\nchpasswd:\n  list: |\n    root:" SECRET "\n";
	size_t gl;
	uint8_t *g = gz(cc, strlen(cc), &gl);
	script = b64(g, gl, 76, true);
	d = mime_doc(script, "");
	scan_str(d, &v);
	assert_int_equal(v.hits, KW_UD_SETPW);
	assert_int_equal(v.line, 20);
	assert_string_equal(v.what, "chpasswd: list sets a password");
	free(d);
	free(script);
	free(g);

	/* nested multipart, CRLF */
	const char *nested =
		"MIME-Version: 1.0\r\n"
		"Content-Type: multipart/mixed; boundary=outer\r\n"
		"\r\n"
		"--outer\r\n"
		"Content-Type: multipart/alternative; boundary=\"inner\"\r\n"
		"\r\n"
		"--inner\r\n"
		"Content-Type: text/plain\r\n"
		"\r\n"
		"just words\r\n"
		"--inner\r\n"
		"Content-Type: text/x-shellscript\r\n"
		"\r\n"
		"#!/bin/sh\r\n"
		"echo PasswordAuthentication yes >> /etc/ssh/sshd_config\r\n" /* line 15 */
		"--inner--\r\n"
		"--outer--\r\n";
	scan_str(nested, &v);
	assert_int_equal(v.hits, KW_UD_PWAUTH);
	assert_int_equal(v.line, 15);
	/* a multipart header without a boundary is only text */
	scan_str("Content-Type: multipart/mixed\n\n--x\n\nssh_pwauth: true\n", &v);
	assert_int_equal(v.hits, KW_UD_PWAUTH);
	assert_int_equal(v.line, 5);
}

/* ---- judge ---- */

static void test_judge(void **state)
{
	(void)state;
	kw_cloud_model m = { 0 };
	kw_cloud_launch l = { 0 };
	const char *cc = "#cloud-config\nhostname: a\nssh_pwauth: true\n";
	char *enc = b64(cc, strlen(cc), 0, false);
	assert_int_equal(kw_userdata_judge(&m, &l, enc, strlen(enc), true), 0);
	assert_int_equal(l.user_data, KW_TRI_TRUE);
	assert_int_equal(l.ud_hits, KW_UD_PWAUTH);
	assert_int_equal(l.ud_line, 3);
	assert_string_equal(l.ud_what, "ssh_pwauth: true");
	assert_null(l.ud_why);
	assert_true(m.arena.bytes > 0); /* ud_what lives in the arena */
	free(enc);

	/* plain text where base64 was expected (aws run-instances --cli-input-json) */
	kw_cloud_launch l2 = { 0 };
	const char *sh = "#!/bin/bash\necho 'ops:" SECRET "' | chpasswd\n";
	assert_int_equal(kw_userdata_judge(&m, &l2, sh, strlen(sh), true), 0);
	assert_int_equal(l2.user_data, KW_TRI_TRUE);
	assert_int_equal(l2.ud_hits, KW_UD_SETPW);
	assert_int_equal(l2.ud_line, 2);
	assert_null(strstr(l2.ud_what, SECRET));

	/* clean: scanned, nothing */
	kw_cloud_launch l3 = { 0 };
	assert_int_equal(kw_userdata_judge(&m, &l3, "IyEvYmluL3NoCmVjaG8gaGkK", 24, true), 0);
	assert_int_equal(l3.user_data, KW_TRI_TRUE);
	assert_int_equal(l3.ud_hits, 0);
	assert_null(l3.ud_what);

	/* broken gzip: unknown, with the reason */
	size_t gl;
	uint8_t *g = gz(cc, strlen(cc), &gl);
	enc = b64(g, gl / 2, 0, false);
	kw_cloud_launch l4 = { 0 };
	assert_int_equal(kw_userdata_judge(&m, &l4, enc, strlen(enc), true), 0);
	assert_int_equal(l4.user_data, KW_TRI_UNKNOWN);
	assert_non_null(l4.ud_why);
	assert_non_null(strstr(l4.ud_why, "broken gzip data"));
	assert_int_equal(l4.ud_hits, 0);
	free(enc);
	free(g);

	/* a bomb: unknown, too big */
	size_t big = KW_USERDATA_MAX + 4096;
	uint8_t *zeros = calloc(1, big);
	assert_non_null(zeros);
	g = gz(zeros, big, &gl);
	free(zeros);
	enc = b64(g, gl, 76, false);
	kw_cloud_launch l5 = { 0 };
	assert_int_equal(kw_userdata_judge(&m, &l5, enc, strlen(enc), true), 0);
	assert_int_equal(l5.user_data, KW_TRI_UNKNOWN);
	assert_non_null(strstr(l5.ud_why, "16 MiB"));
	free(enc);
	free(g);
	kw_cloud_model_release(&m);
}

/* ---- random input ---- */

static void test_random(void **state)
{
	(void)state;
	const char *env = getenv("KW_TEST_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	print_message("test_cloud_userdata: seed %llu (KW_TEST_SEED=%llu to replay)\n", (unsigned long long)seed,
		      (unsigned long long)seed);
	uint64_t r = seed | 1;
	static const char *const bits[] = { "\n", " ", "  ", "- ", "#", ":", "'", "\"", "|", ";", "users:", "chpasswd",
					    "passwd", "ssh_pwauth", "true", "lock_passwd", "false", "net", "user",
					    "PasswordAuthentication", "yes", "sed", "s/^#//", "--", "Content-Type: multipart/mixed; boundary=b\n\n--b\n",
					    "Content-Transfer-Encoding: base64\n", "\x1f\x8b", "=", "{", "}", "[", "]", ",",
					    "\r", "\t", "<#", "#>", "rem", "-Password", "DefaultPassword", "1" };
	char buf[2048];
	for (int iter = 0; iter < 3000; iter++) {
		size_t n = 0;
		while (n < sizeof buf - 64) {
			r ^= r << 13;
			r ^= r >> 7;
			r ^= r << 17;
			if ((r & 63) == 0)
				break;
			const char *b = bits[(r >> 8) % (sizeof bits / sizeof bits[0])];
			size_t bl = strlen(b);
			memcpy(buf + n, b, bl);
			n += bl;
			if ((r >> 20) % 7 == 0)
				buf[n++] = (char)(r >> 32);
		}
		kw_userdata_verdict v;
		kw_userdata_scan((const uint8_t *)buf, n, &v);
		if (v.hits && (v.line == 0 || !v.what[0]))
			fail_msg("iteration %d: hits %#x with line %u what '%s'", iter, v.hits, v.line, v.what);
		if (!v.hits && (v.line || v.what[0]))
			fail_msg("iteration %d: no hits but line %u", iter, v.line);
		if (v.hits & ~(unsigned)(KW_UD_PWAUTH | KW_UD_SETPW | KW_UD_WINUSER | KW_UD_ROOTLOGIN))
			fail_msg("iteration %d: unknown flags %#x", iter, v.hits);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_base64),
		cmocka_unit_test(test_decode_gzip),
		cmocka_unit_test(test_decode_caps),
		cmocka_unit_test(test_scan_table),
		cmocka_unit_test(test_scan_binary),
		cmocka_unit_test(test_mime),
		cmocka_unit_test(test_judge),
		cmocka_unit_test(test_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
