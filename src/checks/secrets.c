/* secrets.c — checks on secrets left in homes: histories, private keys, cloud and tool
 * credentials, and what `--deep` found elsewhere. Evidence names the file and what kind
 * of secret it holds — never the secret. */
#include "checks/checks.h"

#include <stdio.h>
#include <string.h>

enum {
	C_HISTORY,
	C_PRIVKEY,
	C_PRIVKEY_ENC,
	C_CLOUD_CREDS,
	C_TOOL_CREDS,
	C_DEEP_PRIVKEY,
	C_DEEP_AWS,
	C_DEEP_GCP,
	C_DEEP_CLOUD_CONFIG,
};

#define REF_AWS_HIST "AWS EC2 User Guide: Guidelines for shared Linux AMIs (delete shell history; keep bundling credentials off the image)"
#define REF_AWS_MKT "AWS Marketplace AMI policy: AMIs must not contain passwords, authentication keys, key pairs, security keys or other credentials"

static const kw_check_def defs[] = {
	[C_HISTORY] = { "secrets.history", KW_SEV_MEDIUM,
		"shell or REPL history left in the image",
		"Histories hold what was typed: passwords on command lines, tokens, access keys "
		"(AWS notes a failed bundle upload leaves the secret key in the history).",
		"Delete the file before capture (`shred -u FILE` where the file system allows) and "
		"unset HISTFILE in the build session.",
		{ REF_AWS_HIST } },
	[C_PRIVKEY] = { "secrets.private-key", KW_SEV_HIGH,
		"unencrypted private key in a home",
		"Anyone who launches the image gets the key, and whatever it opens.",
		"Remove the key from the image; keep build keys in an agent or a secrets store.",
		{ REF_AWS_MKT, "AWS: Guidelines for shared Linux AMIs (exclude key pairs)" } },
	[C_PRIVKEY_ENC] = { "secrets.private-key-encrypted", KW_SEV_MEDIUM,
		"passphrase-protected private key in a home",
		"An encrypted key can still be attacked offline with a password cracker.",
		"Remove the key from the image.",
		{ REF_AWS_MKT } },
	[C_CLOUD_CREDS] = { "secrets.cloud-credentials", KW_SEV_CRITICAL,
		"cloud CLI credentials in a home",
		"Cloud access keys and tokens give their holder the builder's cloud account, not "
		"just one machine.",
		"Remove the file, and rotate (deactivate) the credential: it has been copied into "
		"every instance and snapshot. Use instance roles (AWS IAM roles, Alibaba Cloud "
		"RAM roles) at run time.",
		{ REF_AWS_MKT, "AWS EC2 User Guide: keep bundling credentials off the image" } },
	[C_TOOL_CREDS] = { "secrets.tool-credentials", KW_SEV_HIGH,
		"tool credentials in a home (registry, Kubernetes, git, database)",
		"Registry logins, kubeconfig tokens, .netrc and .pgpass passwords and git "
		"credentials are stored in clear text and work from anywhere.",
		"Remove the file and rotate the credential.",
		{ REF_AWS_MKT, "git-credential-store(1): stores passwords unencrypted on disk" } },
	[C_DEEP_PRIVKEY] = { "deep.private-key", KW_SEV_HIGH,
		"private key found outside the usual places",
		"A key in /opt, /srv, an application directory or a backup ships with the image.",
		"Remove it, or if the service needs it, provision it at launch from a secrets store.",
		{ REF_AWS_MKT } },
	[C_DEEP_AWS] = { "deep.aws-credentials", KW_SEV_CRITICAL,
		"AWS access key with its secret found in a file",
		"An access key id next to a secret key is a working credential for an AWS account.",
		"Remove it and deactivate the key in IAM.",
		{ REF_AWS_MKT } },
	[C_DEEP_GCP] = { "deep.gcp-service-account", KW_SEV_CRITICAL,
		"Google Cloud service account key found in a file",
		"A service account JSON key is a working credential for a Google Cloud project.",
		"Remove it and delete the key in IAM.",
		{ "Google Cloud: Best practices for managing service account keys" } },
	[C_DEEP_CLOUD_CONFIG] = { "deep.cloud-config-password", KW_SEV_HIGH,
		"cloud-config that sets passwords found in a file",
		"A #cloud-config with chpasswd or password keys holds plain-text or hashed "
		"passwords for instances.",
		"Remove it from the image.",
		{ "cloud-init docs: Set Passwords module" } },
};

static bool cloud_kind(kw_cred_kind k)
{
	return k == KW_CRED_AWS || k == KW_CRED_ALIYUN || k == KW_CRED_GCLOUD || k == KW_CRED_AZURE;
}

static const char *enc_word(int e)
{
	return e > 0 ? "encrypted" : e == 0 ? "not encrypted" : "encryption unknown";
}

static void privkey(kw_check_ctx *x, const kw_artifact *a, const kw_check_def *def)
{
	const kw_privkey_info *k = &a->privkey;
	char pub[128] = "";
	if (k->has_pub)
		snprintf(pub, sizeof pub, "; public key %s %u %s", k->pub.label, k->pub.bits, k->pub.fp);
	kw_emit(x, def, a->path, a->path, 0, a->account, "%s private key, %s%s%s%s%s",
		kw_privkey_format_name(k->format), enc_word(k->encrypted),
		k->cipher[0] ? " (cipher " : "", k->cipher, k->cipher[0] ? ")" : "", pub);
}

static void run(kw_check_ctx *x)
{
	const kw_facts *f = x->f;
	for (size_t i = 0; i < f->n_artifacts; i++) {
		const kw_artifact *a = &f->artifacts[i];
		switch (a->kind) {
		case KW_ART_HISTORY:
			kw_emit(x, &defs[C_HISTORY], a->path, a->path, 0, a->account,
				"%llu bytes of history%s", (unsigned long long)a->size,
				a->symlink ? " (the name is a symlink)" : "");
			break;
		case KW_ART_PRIVATE_KEY:
			privkey(x, a, &defs[a->privkey.encrypted > 0 ? C_PRIVKEY_ENC : C_PRIVKEY]);
			break;
		case KW_ART_CREDENTIAL:
			kw_emit(x, &defs[cloud_kind(a->cred_kind) ? C_CLOUD_CREDS : C_TOOL_CREDS], a->path,
				a->path, 0, a->account, "%s credentials: %s", kw_cred_kind_name(a->cred_kind),
				a->detail ? a->detail : "present");
			break;
		case KW_ART_DEEP_SECRET:
			switch (a->sniff_kind) {
			case KW_SNIFF_PRIVATE_KEY:
				if (a->privkey.format != KW_PK_NONE)
					privkey(x, a, &defs[C_DEEP_PRIVKEY]);
				else
					kw_emit(x, &defs[C_DEEP_PRIVKEY], a->path, a->path, 0, NULL,
						"private key header in a %llu-byte file",
						(unsigned long long)a->size);
				break;
			case KW_SNIFF_AWS_KEY:
				kw_emit(x, &defs[C_DEEP_AWS], a->path, a->path, 0, NULL,
					"AWS access key id and secret key pattern");
				break;
			case KW_SNIFF_GCP_SA:
				kw_emit(x, &defs[C_DEEP_GCP], a->path, a->path, 0, NULL,
					"service_account JSON with a private_key");
				break;
			case KW_SNIFF_CLOUD_CONFIG:
				kw_emit(x, &defs[C_DEEP_CLOUD_CONFIG], a->path, a->path, 0, NULL,
					"#cloud-config setting passwords");
				break;
			default:
				break;
			}
			break;
		default:
			break;
		}
	}
}

const kw_check_area kw_area_secrets = { "secrets", defs, sizeof defs / sizeof defs[0], run };
