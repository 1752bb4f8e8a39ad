/* accounts.c — checks on passwd/shadow: usable and empty passwords, extra UID 0 accounts,
 * consistency between the files, and the list of login accounts for review. */
#include "checks/checks.h"

#include <stdio.h>
#include <string.h>

#define REF_AWS_SHARED "AWS EC2 User Guide: Guidelines for shared Linux AMIs (disable password root login, lock root)"
#define REF_AWS_MKT "AWS Marketplace AMI policy: no passwords or credentials in the AMI; null and blank passwords not allowed"
#define REF_ALI_IMG "Alibaba Cloud ECS: custom images must not carry preset passwords (reset at instance creation)"

enum {
	C_ROOT_PASSWORD,
	C_USABLE_PASSWORD,
	C_EMPTY_PASSWORD,
	C_EXTRA_UID0,
	C_PASSWD_HASH,
	C_WEAK_HASH,
	C_LOCKED_HASH,
	C_MISSING_SHADOW,
	C_ORPHAN_SHADOW,
	C_NIS,
	C_LOGIN_ACCOUNT,
};

static const kw_check_def defs[] = {
	[C_ROOT_PASSWORD] = { "accounts.root-password", KW_SEV_CRITICAL,
		"root (a UID 0 account) has a usable password",
		"A password hash for root, or for any other UID 0 account, in an image is a preset "
		"credential: every instance launched from it shares the root password, and whoever "
		"built the image knows it.",
		"Lock root's password before capture: `passwd -l root` (or set the shadow field "
		"to '*'), and log in with keys injected at launch.",
		{ REF_AWS_SHARED, REF_AWS_MKT, REF_ALI_IMG } },
	[C_USABLE_PASSWORD] = { "accounts.usable-password", KW_SEV_HIGH,
		"account has a usable password",
		"A password hash baked into an image is known to its builder and identical in "
		"every instance. A password that must be changed at next login is still usable "
		"once.",
		"Lock the password (`passwd -l USER` or `usermod -L USER`), or remove the account; "
		"let cloud-init or the cloud agent set credentials at launch.",
		{ REF_AWS_MKT, REF_ALI_IMG } },
	[C_EMPTY_PASSWORD] = { "accounts.empty-password", KW_SEV_CRITICAL,
		"account has an empty password",
		"An empty password field means no password is needed: Debian's pam_unix is "
		"configured with nullok, so the account logs in at the console and with su, and "
		"over SSH wherever PermitEmptyPasswords is on.",
		"Lock the account (`passwd -l USER`), which puts '!' in the field, or set a '*'.",
		{ REF_AWS_MKT, "CIS Debian Linux 12: Ensure /etc/shadow password fields are not empty" } },
	[C_EXTRA_UID0] = { "accounts.extra-uid0", KW_SEV_CRITICAL,
		"account other than root has UID 0",
		"Any account with UID 0 is root. A second one is a classic backdoor, and image "
		"sanitizers leave it alone.",
		"Remove the account, or give it a non-zero UID after checking what it owns; lock "
		"its password and remove its keys.",
		{ "CIS Debian Linux 12: Ensure root is the only UID 0 account",
		  "AWS: Prepare to use shared AMIs (look for other superusers)" } },
	[C_PASSWD_HASH] = { "accounts.passwd-hash", KW_SEV_HIGH,
		"password hash stored in /etc/passwd",
		"/etc/passwd is world-readable: a hash there can be cracked offline by any local "
		"user.",
		"Move the hash to /etc/shadow (`pwconv`) or lock the account and set the field to "
		"'x'.",
		{ "CIS Debian Linux 12: Ensure accounts in /etc/passwd use shadowed passwords" } },
	[C_WEAK_HASH] = { "accounts.weak-hash", KW_SEV_MEDIUM,
		"password hashed with a weak scheme",
		"DES, BSDi, md5crypt and NT hashes fall to offline cracking quickly.",
		"Lock the password, or reset it so it is hashed with yescrypt or sha512crypt "
		"(ENCRYPT_METHOD in /etc/login.defs).",
		{ "CIS Debian Linux 12: Ensure strong password hashing algorithm is configured" } },
	[C_LOCKED_HASH] = { "accounts.locked-hash", KW_SEV_LOW,
		"locked password still holds its hash",
		"'!' in front of a hash locks the password, but `usermod -U` or `passwd -u` "
		"brings the old password back, and the hash can be cracked offline.",
		"Replace the field with '!' or '*' alone (`usermod -p '*' USER`).",
		{ REF_AWS_MKT } },
	[C_MISSING_SHADOW] = { "accounts.missing-shadow", KW_SEV_LOW,
		"account in /etc/passwd has no /etc/shadow line",
		"passwd and shadow disagree: the image was edited by hand or partly sanitized, "
		"and tools that rewrite one file may resurrect stale entries.",
		"Run `pwck` in the image and fix what it reports.",
		{ "shadow(5), pwck(8)" } },
	[C_ORPHAN_SHADOW] = { "accounts.orphan-shadow", KW_SEV_LOW,
		"/etc/shadow line without an /etc/passwd account",
		"A leftover shadow entry keeps an old hash in the image and comes back to life if "
		"an account of that name is created again.",
		"Remove the line (`pwck` offers to).",
		{ "shadow(5), pwck(8)" } },
	[C_NIS] = { "accounts.nis-compat", KW_SEV_MEDIUM,
		"NIS compat (+/-) lines in /etc/passwd",
		"'+' lines pull accounts from a directory service that the image's launch "
		"environment does not control.",
		"Remove the '+'/'-' lines unless the fleet really uses NIS compat mode.",
		{ "nsswitch.conf(5), passwd(5)" } },
	[C_LOGIN_ACCOUNT] = { "accounts.login-account", KW_SEV_INFO,
		"login account for review",
		"Accounts in the login UID range, or with a login shell and a way in (password or "
		"key), are where a builder's or operator's account hides.",
		"Remove accounts that are not meant to ship (`userdel -r USER`), or lock them.",
		{ "AWS: Prepare to use shared AMIs (look for other users able to log in)" } },
};

static const char *must_change(const kw_account *a)
{
	return a->lastchg == 0 ? " (must be changed at next login: still usable once)" : "";
}

static const char *expired_note(const kw_account *a)
{
	return a->expired ? " (account expired)" : "";
}

/* The password state that decides logins: the passwd field unless it says "x". */
static void effective_pw(const kw_account *a, kw_pw_info *pw, const char **file, unsigned *line)
{
	if (a->passwd_pw.state == KW_PW_SHADOWED && a->has_shadow) {
		*pw = a->shadow_pw;
		*file = "/etc/shadow";
		*line = a->shadow_line;
	} else {
		*pw = a->passwd_pw;
		*file = "/etc/passwd";
		*line = a->passwd_line;
	}
}

static void run(kw_check_ctx *x)
{
	const kw_facts *f = x->f;
	uint32_t uid_min = kw_checks_uid_min(x), uid_max = kw_checks_uid_max(x);

	if (f->nis_lines)
		kw_emit(x, &defs[C_NIS], "/etc/passwd", "/etc/passwd", 0, NULL,
			"%u NIS compat line(s) in /etc/passwd", f->nis_lines);

	for (size_t i = 0; i < f->n_accounts; i++) {
		const kw_account *a = &f->accounts[i];
		kw_pw_info pw;
		const char *file;
		unsigned line;
		effective_pw(a, &pw, &file, &line);
		bool root = a->uid == 0;

		if (a->uid == 0 && strcmp(a->name, "root"))
			kw_emit(x, &defs[C_EXTRA_UID0], a->name, "/etc/passwd", a->passwd_line, a->name,
				"account %s has UID 0 (/etc/passwd:%u), shell %s", a->name,
				a->passwd_line, a->shell[0] ? a->shell : "(default)");

		if (a->passwd_pw.state == KW_PW_HASH || a->passwd_pw.state == KW_PW_LOCKED)
			kw_emit(x, &defs[C_PASSWD_HASH], a->name, "/etc/passwd", a->passwd_line, a->name,
				"account %s has a %s hash in /etc/passwd:%u", a->name,
				kw_hash_scheme_name(a->passwd_pw.scheme), a->passwd_line);

		if (a->passwd_pw.state == KW_PW_SHADOWED && !a->has_shadow && f->have_shadow)
			kw_emit(x, &defs[C_MISSING_SHADOW], a->name, "/etc/passwd", a->passwd_line,
				a->name, "account %s (/etc/passwd:%u) has no /etc/shadow line",
				a->name, a->passwd_line);

		switch (pw.state) {
		case KW_PW_HASH:
			kw_emit(x, &defs[root ? C_ROOT_PASSWORD : C_USABLE_PASSWORD], a->name, file, line,
				a->name, "account %s (uid %u) has a usable %s password hash in %s:%u%s%s",
				a->name, a->uid, kw_hash_scheme_name(pw.scheme), file, line,
				must_change(a), expired_note(a));
			if (kw_hash_scheme_weak(pw.scheme))
				kw_emit(x, &defs[C_WEAK_HASH], a->name, file, line, a->name,
					"account %s uses %s (%s:%u)", a->name,
					kw_hash_scheme_name(pw.scheme), file, line);
			break;
		case KW_PW_EMPTY:
			kw_emit(x, &defs[C_EMPTY_PASSWORD], a->name, file, line, a->name,
				"account %s (uid %u) has an empty password field in %s:%u%s",
				a->name, a->uid, file, line, expired_note(a));
			break;
		case KW_PW_LOCKED:
			if (x->p->report_locked_hash)
				kw_emit(x, &defs[C_LOCKED_HASH], a->name, file, line, a->name,
					"account %s is locked but keeps a %s hash in %s:%u", a->name,
					kw_hash_scheme_name(pw.scheme), file, line);
			break;
		default:
			break;
		}

		bool login_range = a->uid >= uid_min && a->uid <= uid_max;
		bool way_in = pw.state == KW_PW_HASH || pw.state == KW_PW_EMPTY || a->n_keys > 0;
		if (login_range || (a->login_shell && way_in && a->uid != 0))
			kw_emit(x, &defs[C_LOGIN_ACCOUNT], a->name, "/etc/passwd", a->passwd_line, a->name,
				"account %s: uid %u, shell %s, home %s; password: %s; authorized keys: %u",
				a->name, a->uid, a->shell[0] ? a->shell : "(default)", a->home,
				pw.state == KW_PW_HASH ? kw_hash_scheme_name(pw.scheme)
				: pw.state == KW_PW_SHADOWED ? "none (no shadow line)" : kw_pw_state_name(pw.state),
				a->n_keys);
	}

	for (size_t i = 0; i < f->n_orphan_shadow; i++)
		kw_emit(x, &defs[C_ORPHAN_SHADOW], f->orphan_shadow[i].name, "/etc/shadow",
			f->orphan_shadow[i].line, NULL, "%s has a line in /etc/shadow:%u but no account",
			f->orphan_shadow[i].name, f->orphan_shadow[i].line);
}

const kw_check_area kw_area_accounts = { "accounts", defs, sizeof defs / sizeof defs[0], run };
