/* sshkeys.c — checks on authorized_keys files: every key that grants a login. */
#include "checks/checks.h"

#include "base/buf.h"

#include <string.h>

enum { C_ROOT_KEYS, C_KEYS, C_BAD_LINES };

#define REF_AWS_KEYS "AWS EC2 User Guide: Guidelines for shared Linux AMIs (clear out authorized_keys; install keys at boot)"

static const kw_check_def defs[] = {
	[C_ROOT_KEYS] = { "keys.root-authorized-keys", KW_SEV_CRITICAL,
		"root has authorized SSH keys",
		"A key in root's authorized_keys lets its holder log in as root on every instance "
		"of the image. A locked root password does not stop key logins (sshd with UsePAM "
		"yes ignores the lock).",
		"Remove /root/.ssh/authorized_keys (and authorized_keys2) before capture; inject "
		"launch keys with cloud-init or the cloud agent.",
		{ REF_AWS_KEYS, "AWS Marketplace AMI policy: no authentication keys in the AMI" } },
	[C_KEYS] = { "keys.authorized-keys", KW_SEV_HIGH,
		"account has authorized SSH keys",
		"Keys left in an image grant their holder (often the builder, or a CI system) a "
		"login on every instance. A locked password does not stop key logins.",
		"Remove the authorized_keys files from the image, or make sure every key in them "
		"is meant to ship.",
		{ REF_AWS_KEYS, "AWS: Prepare to use shared AMIs (find every authorized_keys)" } },
	[C_BAD_LINES] = { "keys.authorized-keys-invalid", KW_SEV_LOW,
		"authorized_keys has lines sshd cannot use",
		"sshd skips lines it cannot parse; they may hide a key someone thinks is active, "
		"or be damage from a bad edit.",
		"Fix or remove the lines named in the evidence.",
		{ "sshd(8): AUTHORIZED_KEYS FILE FORMAT" } },
};

static void run(kw_check_ctx *x)
{
	const kw_facts *f = x->f;
	for (size_t i = 0; i < f->n_keyfiles; i++) {
		const kw_keyfile *k = &f->keyfiles[i];
		const char *who = k->account ? k->account : "(no account)";
		bool root = k->account && !strcmp(k->account, "root");
		for (size_t j = 0; root && j < f->n_accounts; j++)
			if (!strcmp(f->accounts[j].name, k->account) && f->accounts[j].uid != 0)
				root = false;
		/* the keys sshd uses; lines it ignores are the invalid-lines finding */
		size_t used = 0;
		for (size_t j = 0; j < k->keys.n; j++)
			used += !k->keys.v[j].sshd_ignores;
		if (used > 0) {
			kw_sb ev;
			kw_sb_init(&ev);
			kw_sb_printf(&ev, "%zu key%s for %s:", used, used == 1 ? "" : "s", who);
			for (size_t j = 0, shown = 0; j < k->keys.n && shown < 8; j++) {
				const kw_authkey *a = &k->keys.v[j];
				if (a->sshd_ignores)
					continue;
				kw_sb_printf(&ev, "%s line %u %s %u %s%s%s%s%s", shown++ ? ";" : "", a->line,
					     a->key.label, a->key.bits, a->key.fp,
					     a->comment ? " \"" : "", a->comment ? a->comment : "",
					     a->comment ? "\"" : "",
					     a->opt_command ? " [command=]" : a->opt_cert_authority ? " [cert-authority]" : "");
			}
			if (used > 8)
				kw_sb_printf(&ev, "; and %zu more", used - 8);
			kw_emit(x, &defs[root ? C_ROOT_KEYS : C_KEYS], k->path, k->path, 0, k->account,
				"%s", ev.s);
			kw_sb_release(&ev);
		}
		if (k->bad_lines)
			kw_emit(x, &defs[C_BAD_LINES], k->path, k->path, 0, k->account,
				"%u line%s of %s that sshd rejects or ignores (see errors)", k->bad_lines,
				k->bad_lines == 1 ? "" : "s", k->path);
	}
}

const kw_check_area kw_area_keys = { "keys", defs, sizeof defs / sizeof defs[0], run };
