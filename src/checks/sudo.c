/* sudo.c — who may become root without a password: NOPASSWD rules and
 * `Defaults !authenticate` for accounts that are not system accounts.
 *
 * A grant names a user, a %group (members from /etc/group plus accounts whose primary
 * group it is), #uid, or ALL. It is reported when it covers at least one account in the
 * login UID range (or ALL, or a user/group the image does not define — a name the
 * builder may add later). Grants that only cover system accounts are left out.
 */
#include "checks/checks.h"

#include "base/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { C_NOPASSWD, C_NOAUTH };

static const kw_check_def defs[] = {
	[C_NOPASSWD] = { "sudo.nopasswd", KW_SEV_HIGH,
		"passwordless sudo for a login account",
		"NOPASSWD turns any foothold in that account (a leaked key, a web shell) into root "
		"with no further secret. Provisioning drop-ins such as cloud-init's "
		"90-cloud-init-users are easily captured into images by mistake.",
		"Remove the rule or its drop-in, such as /etc/sudoers.d/90-cloud-init-users, before "
		"capture; if the cloud user needs it, let cloud-init write it at launch.",
		{ "AWS EC2 Image Builder: security best practices (remove 90-cloud-init-users)",
		  "CIS Debian Linux 12: Ensure re-authentication for privilege escalation is not disabled globally" } },
	[C_NOAUTH] = { "sudo.noauth-default", KW_SEV_HIGH,
		"sudo authentication turned off by Defaults !authenticate",
		"With !authenticate, sudo asks nobody for a password: every rule it covers is "
		"NOPASSWD.",
		"Remove the Defaults line.",
		{ "sudoers(5): authenticate", "CIS Debian Linux 12: Ensure users must provide password for privilege escalation" } },
};

typedef struct cover {
	size_t login;        /* login-range accounts covered */
	bool unknown;        /* names an undefined user/group */
	bool all;
	kw_sb names;         /* up to a few covered account names */
} cover;

static void note(cover *cv, const char *name)
{
	if (cv->login < 5)
		kw_sb_printf(&cv->names, "%s%s", cv->login ? ", " : "", name);
	cv->login++;
}

static void covered(const kw_check_ctx *x, const char *who, cover *cv)
{
	const kw_facts *f = x->f;
	uint32_t lo = kw_checks_uid_min(x), hi = kw_checks_uid_max(x);
	if (!strcmp(who, "ALL")) {
		cv->all = true;
		return;
	}
	if (who[0] == '%') {
		const char *g = who + 1 + (who[1] == ':');
		const kw_group_ent *ge = f->have_group ? kw_group_find(&f->groups, g) : NULL;
		if (!ge) {
			cv->unknown = true;
			return;
		}
		for (size_t i = 0; i < f->n_accounts; i++) {
			const kw_account *a = &f->accounts[i];
			bool member = a->gid == ge->gid;
			for (size_t m = 0; !member && m < ge->n_members; m++)
				member = !strcmp(ge->members[m], a->name);
			if (member && a->uid >= lo && a->uid <= hi)
				note(cv, a->name);
		}
		return;
	}
	for (size_t i = 0; i < f->n_accounts; i++) {
		const kw_account *a = &f->accounts[i];
		bool match = who[0] == '#' ? strtoul(who + 1, NULL, 10) == a->uid : !strcmp(who, a->name);
		if (match) {
			if (a->uid >= lo && a->uid <= hi)
				note(cv, a->name);
			return;
		}
	}
	cv->unknown = true;
}

static void run(kw_check_ctx *x)
{
	const kw_facts *f = x->f;
	for (size_t i = 0; i < f->n_sudo; i++) {
		const kw_sudo_grant *g = &f->sudo[i];
		cover cv = { 0 };
		kw_sb_init(&cv.names);
		covered(x, g->who, &cv);
		if (cv.login || cv.all || cv.unknown) {
			char what[160];
			if (cv.all)
				snprintf(what, sizeof what, "every user (ALL)");
			else if (cv.login)
				snprintf(what, sizeof what, "%zu login account%s: %s%s", cv.login,
					 cv.login == 1 ? "" : "s", cv.names.s, cv.login > 5 ? ", ..." : "");
			else
				snprintf(what, sizeof what, "a name not defined in the image");
			kw_emit(x, &defs[g->noauth_default ? C_NOAUTH : C_NOPASSWD], g->who, g->file,
				g->line, NULL, "%s:%u: %s for %s, covering %s%s", g->file, g->line,
				g->noauth_default ? "Defaults !authenticate" : "NOPASSWD",
				g->who, what, g->all_commands ? "; all commands" : "");
		}
		kw_sb_release(&cv.names);
	}
}

const kw_check_area kw_area_sudo = { "sudo", defs, sizeof defs / sizeof defs[0], run };
