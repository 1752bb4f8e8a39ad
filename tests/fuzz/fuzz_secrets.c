/* fuzz_secrets.c — fuzz harness for src/collect/secrets.c (owner: secrets module).
 *
 * One input goes through every entry point: kw_sniff() (on at most the 4 KiB head, as the
 * tree walk passes it), kw_cred_analyze() for every kind with the relpaths that select its
 * sub-formats (INI vs JSON, gcloud's databases and .boto), and kw_cloudinit_scan().
 * Descriptions are freed; a returned description must be a NUL-terminated string. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collect/secrets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
	kw_cred_kind kind;
	const char *relpath;
} extra[] = {
	{ KW_CRED_GCLOUD, ".config/gcloud/credentials.db" },
	{ KW_CRED_GCLOUD, ".config/gcloud/access_tokens.db" },
	{ KW_CRED_GCLOUD, ".config/gcloud/application_default_credentials.json" },
	{ KW_CRED_GCLOUD, ".config/gcloud/legacy_credentials/a@b/.boto" },
	{ KW_CRED_AWS, ".aws/sso/cache/x.json" },
	{ KW_CRED_KUBE, NULL },
};

static void analyze(kw_cred_kind kind, const char *relpath, const uint8_t *data, size_t size)
{
	char *desc = NULL;
	int r = kw_cred_analyze(kind, relpath, data, size, &desc);
	if (r == 1 && (!desc || strlen(desc) > 1u << 20))
		abort();
	if (r != 1 && desc)
		abort();
	free(desc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int k = kw_sniff("fuzz", data, size < 4096 ? size : 4096);
	if (k < 0 || k >= KW_SNIFF__COUNT)
		abort();
	for (size_t i = 0; i < kw_cred_files_n; i++)
		analyze(kw_cred_files[i].kind, kw_cred_files[i].relpath, data, size);
	for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
		analyze(extra[i].kind, extra[i].relpath, data, size);
	unsigned f = kw_cloudinit_scan(data, size);
	if (f & ~0x1fu)
		abort();
	return 0;
}
