/* image.c — per-instance identity and provisioning state left in an image: SSH host
 * keys, machine-id, systemd secrets, cloud-init instance data and passwords, DHCP leases.
 *
 * On the running host (audit without --root/--image) host keys and machine-id are how a
 * live machine should look, so those findings are capped at info and worded as advice
 * for capture time. Passwords in cloud-init data are findings everywhere.
 */
#include "checks/checks.h"

#include "base/buf.h"

#include <string.h>

enum {
	C_HOST_KEYS,
	C_MACHINE_ID,
	C_DBUS_MACHINE_ID,
	C_CRED_SECRET,
	C_RANDOM_SEED,
	C_CLOUD_INSTANCE,
	C_CLOUD_PASSWORD,
	C_CLOUD_KEYS,
	C_DHCP,
};

static const kw_check_def defs[] = {
	[C_HOST_KEYS] = { "image.ssh-host-keys", KW_SEV_HIGH,
		"SSH host key present in the image",
		"Every instance of the image would share one host identity, so clients cannot tell "
		"them apart and one leaked instance lets an attacker impersonate all of them. AWS "
		"audits public AMIs for left-over host keys.",
		"Delete /etc/ssh/ssh_host_*_key and .pub before capture; cloud-init or "
		"sshd-keygen creates new ones at first boot.",
		{ "AWS EC2 User Guide: Guidelines for shared Linux AMIs (remove SSH host key pairs)",
		  "Alibaba Cloud ECS: regenerate host keys for instances created from custom images" } },
	[C_MACHINE_ID] = { "image.machine-id", KW_SEV_MEDIUM,
		"/etc/machine-id is set in the image",
		"machine-id should be unique per machine (machine-id(5) calls it confidential); "
		"clones that share it collide in DHCP identifiers, journald and systemd-networkd.",
		"Truncate /etc/machine-id to an empty file (or write 'uninitialized') before capture.",
		{ "machine-id(5)", "AWS EC2 Image Builder: security best practices (touch /etc/machine-id)" } },
	[C_DBUS_MACHINE_ID] = { "image.dbus-machine-id", KW_SEV_MEDIUM,
		"stale /var/lib/dbus/machine-id file",
		"When /etc/machine-id is empty, systemd falls back to /var/lib/dbus/machine-id, so "
		"clones get the old ID back.",
		"Delete it or make it a symlink to /etc/machine-id.",
		{ "machine-id(5)" } },
	[C_CRED_SECRET] = { "image.credential-secret", KW_SEV_MEDIUM,
		"systemd credential secret in the image",
		"/var/lib/systemd/credential.secret is the host key for systemd-creds: every clone "
		"can decrypt credentials encrypted for any other.",
		"Delete it before capture; systemd creates a new one when needed.",
		{ "systemd-creds(1)" } },
	[C_RANDOM_SEED] = { "image.random-seed", KW_SEV_LOW,
		"systemd random seed in the image",
		"Every clone starts with the same stored entropy.",
		"Delete /var/lib/systemd/random-seed before capture.",
		{ "systemd-random-seed.service(8)", "virt-sysprep(1): customize (random seed)" } },
	[C_CLOUD_INSTANCE] = { "image.cloud-init-instance", KW_SEV_MEDIUM,
		"cloud-init per-instance state left in the image",
		"Instance data holds the builder's user data and tells cloud-init the instance was "
		"already provisioned.",
		"Run `cloud-init clean --logs` before capture (add --seed unless the image relies "
		"on a NoCloud seed).",
		{ "cloud-init clean(1)", "AWS EC2 Image Builder: remove /var/lib/cloud/*" } },
	[C_CLOUD_PASSWORD] = { "image.cloud-init-password", KW_SEV_CRITICAL,
		"cloud-init data sets passwords or enables password SSH",
		"chpasswd lists and password keys in user data, seeds or cloud.cfg.d are plain-text "
		"or hashed passwords that ship with the image; ssh_pwauth turns password SSH on.",
		"Remove the data (cloud-init clean --seed) or the cloud.cfg.d snippet; set "
		"passwords, if at all, at launch.",
		{ "cloud-init docs: Set Passwords module (chpasswd, ssh_pwauth)", "AWS Marketplace AMI policy" } },
	[C_CLOUD_KEYS] = { "image.cloud-init-keys", KW_SEV_HIGH,
		"cloud-init data carries SSH keys",
		"ssh_authorized_keys baked into the image grant logins on every instance; ssh_keys "
		"holds host private keys.",
		"Remove the keys from the image's cloud-init configuration; pass them in user data "
		"at launch.",
		{ "cloud-init docs: SSH module" } },
	[C_DHCP] = { "image.dhcp-leases", KW_SEV_LOW,
		"DHCP lease left in the image",
		"Leases reveal the build network and carry a client identifier that clones reuse.",
		"Delete the lease files before capture.",
		{ "virt-sysprep(1): dhcp-client-state" } },
};

static void ci_flags_text(kw_sb *sb, unsigned flags, bool keys)
{
	static const struct { unsigned bit; const char *text; bool key; } names[] = {
		{ KW_CI_CHPASSWD, "chpasswd", false },
		{ KW_CI_PASSWORD, "password keys", false },
		{ KW_CI_SSH_PWAUTH, "ssh_pwauth enabled", false },
		{ KW_CI_SSH_KEYS, "ssh_keys (host private keys)", true },
		{ KW_CI_AUTHORIZED_KEYS, "ssh_authorized_keys", true },
	};
	bool first = true;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (!(flags & names[i].bit) || names[i].key != keys)
			continue;
		kw_sb_printf(sb, "%s%s", first ? "" : ", ", names[i].text);
		first = false;
	}
}

static void run(kw_check_ctx *x)
{
	const kw_facts *f = x->f;
	kw_severity cap = f->live_host ? KW_SEV_INFO : KW_SEV_CRITICAL;
	const char *live = f->live_host ? " (running host: remove before capturing an image)" : "";
	for (size_t i = 0; i < f->n_artifacts; i++) {
		const kw_artifact *a = &f->artifacts[i];
		switch (a->kind) {
		case KW_ART_HOST_KEY:
			if (a->privkey.has_pub)
				kw_emit_capped(x, &defs[C_HOST_KEYS], cap, a->path, a->path, 0, NULL,
					       "host key %s %u %s%s", a->privkey.pub.label,
					       a->privkey.pub.bits, a->privkey.pub.fp, live);
			else
				kw_emit_capped(x, &defs[C_HOST_KEYS], cap, a->path, a->path, 0, NULL,
					       "host private key (no .pub beside it)%s", live);
			break;
		case KW_ART_MACHINE_ID:
			kw_emit_capped(x, &defs[C_MACHINE_ID], cap, a->path, a->path, 0, NULL,
				       "machine-id is set%s", live);
			break;
		case KW_ART_DBUS_MACHINE_ID:
			kw_emit_capped(x, &defs[C_DBUS_MACHINE_ID], cap, a->path, a->path, 0, NULL,
				       "regular file of %llu bytes%s", (unsigned long long)a->size, live);
			break;
		case KW_ART_CREDENTIAL_SECRET:
			kw_emit_capped(x, &defs[C_CRED_SECRET], cap, a->path, a->path, 0, NULL,
				       "present (%llu bytes)%s", (unsigned long long)a->size, live);
			break;
		case KW_ART_RANDOM_SEED:
			kw_emit_capped(x, &defs[C_RANDOM_SEED], cap, a->path, a->path, 0, NULL,
				       "present (%llu bytes)%s", (unsigned long long)a->size, live);
			break;
		case KW_ART_CLOUD_INSTANCE:
			kw_emit_capped(x, &defs[C_CLOUD_INSTANCE], cap, a->path, a->path, 0, NULL,
				       "instance directory%s", live);
			break;
		case KW_ART_CLOUD_PASSWORD: {
			kw_sb sb;
			kw_sb_init(&sb);
			ci_flags_text(&sb, a->ci_flags, false);
			if (sb.len)
				kw_emit(x, &defs[C_CLOUD_PASSWORD], a->path, a->path, 0, NULL, "sets %s", sb.s);
			kw_sb_clear(&sb);
			ci_flags_text(&sb, a->ci_flags, true);
			if (sb.len)
				kw_emit(x, &defs[C_CLOUD_KEYS], a->path, a->path, 0, NULL, "carries %s", sb.s);
			kw_sb_release(&sb);
			break;
		}
		case KW_ART_DHCP_LEASE:
			kw_emit_capped(x, &defs[C_DHCP], cap, a->path, a->path, 0, NULL,
				       "lease file, %llu bytes%s", (unsigned long long)a->size, live);
			break;
		default:
			break;
		}
	}
}

const kw_check_area kw_area_image = { "image", defs, sizeof defs / sizeof defs[0], run };
