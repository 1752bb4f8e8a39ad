/* test_secrets.c — unit tests for src/collect/secrets.c (owner: secrets module).
 *
 * Fixtures in tests/data/secrets/ hold obviously fake but correctly shaped secrets.
 * Every positive fixture lists its secret values, and each description is checked not
 * to contain any of them. Private keys for kw_sniff() are made at test time by the real
 * ssh-keygen and openssl in a mkdtemp directory; SQLite files by the real sqlite3.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "base/err.h"
#include "collect/secrets.h"

#define DATA KW_TEST_DATA "/secrets/"

static uint8_t *read_fixture(const char *name, size_t *ret_len)
{
	char path[1024];
	snprintf(path, sizeof path, "%s%s", DATA, name);
	return kwt_read_file(path, ret_len);
}

static int sniff_file(const char *path)
{
	size_t len;
	uint8_t *d = kwt_read_file(path, &len);
	int k = kw_sniff(path, d, len < 4096 ? len : 4096);
	free(d);
	return k;
}

static void run(const char *cmd)
{
	int r = system(cmd);
	if (r != 0)
		fail_msg("command failed (%d): %s", r, cmd);
}

/* Copy tmpl to out with every "@D" replaced by dir. */
static void subst_dir(char *out, size_t cap, const char *tmpl, const char *dir)
{
	size_t n = 0, dl = strlen(dir);
	for (const char *p = tmpl; *p; p++) {
		if (p[0] == '@' && p[1] == 'D') {
			assert_true(n + dl < cap);
			memcpy(out + n, dir, dl);
			n += dl;
			p++;
			continue;
		}
		assert_true(n + 1 < cap);
		out[n++] = *p;
	}
	out[n] = '\0';
}

/* ---- fixture secrets (must match tests/data/secrets/) ---- */

#define AK1 "AKIAKWTEST2FAKE7KEYS"
#define AK2 "ASIAKWTEST3FAKE6TMPX"
#define SK1 "kwFakeSecretKey/ForTests+0123456789abcde"
#define SK2 "ZzFakeSecondSecretKeyForKeywardTests9876"
#define ST "IQoJb3JpZ2luX2VjEFakeSessionTokenForKeywardTests0123456789/+AbCdEfGh=="
#define ALI_SK "kwFakeAliyunAccessKeySecret0123"
#define ALI_ID "LTAI5tKwFakeAccessKeyId"
#define D1 "a3d1c2VyOmt3RmFrZURvY2tlckh1YlBhc3N3MHJk"
#define D2 "a3d1c2VyOmdocF9rd0Zha2VHaGNyVG9rZW4wMTIzNDU2Nzg5"
#define D4 "a3dib3Q6a3dGYWtlUXVheVJvYm90UHc="

typedef struct cred_case {
	const char *file;
	kw_cred_kind kind;
	const char *relpath;
	int expect;
	const char *desc_has[4];   /* substrings the description must contain */
	const char *secrets[8];    /* values it must never contain */
} cred_case;

static const cred_case cred_cases[] = {
	{ "aws_credentials", KW_CRED_AWS, ".aws/credentials", 1,
	  { "aws_secret_access_key in profile [default]",
	    "aws_secret_access_key, aws_session_token in profile [ci]" },
	  { AK1, AK2, SK1, SK2, ST } },
	{ "aws_config_with_keys", KW_CRED_AWS, ".aws/config", 1,
	  { "aws_secret_access_key in profile [build]" }, { AK1, SK1 } },
	{ "aws_sso_cache.json", KW_CRED_AWS, ".aws/sso/cache/0f1e2d3c.json", 1,
	  { "cached credentials:", "1 accessToken", "1 refreshToken" },
	  { "aoaAAAAAGFakeSsoAccessTokenForKeywardTests0123456789", "aorFakeSsoRefreshToken42" } },
	{ "aws_config_region_only", KW_CRED_AWS, ".aws/config", 0, { 0 }, { 0 } },
	{ "aws_config_sso", KW_CRED_AWS, ".aws/config", 0, { 0 }, { 0 } },
	{ "aws_credentials_doc_example", KW_CRED_AWS, ".aws/credentials", 0, { 0 }, { 0 } },

	{ "aliyun_config.json", KW_CRED_ALIYUN, ".aliyun/config.json", 1,
	  { "access_key_secret in profile default" }, { ALI_SK, ALI_ID } },
	{ "alibabacloud_credentials", KW_CRED_ALIYUN, ".alibabacloud/credentials", 1,
	  { "access_key_secret in [default]" }, { ALI_SK, ALI_ID } },
	{ "ossutilconfig", KW_CRED_ALIYUN, ".ossutilconfig", 1,
	  { "accessKeySecret in [Credentials]" }, { ALI_SK, ALI_ID } },
	{ "aliyun_config_ramrole.json", KW_CRED_ALIYUN, ".aliyun/config.json", 0, { 0 }, { 0 } },
	{ "ossutilconfig_noauth", KW_CRED_ALIYUN, ".ossutilconfig", 0, { 0 }, { 0 } },

	{ "gcloud_adc_user.json", KW_CRED_GCLOUD, ".config/gcloud/application_default_credentials.json", 1,
	  { "OAuth refresh token (authorized_user)" },
	  { "1//0gKwFakeGoogleRefreshTokenForTests", "d-FL95Q19q7MQmFpd7hHD0Ty" } },
	{ "gcloud_sa.json", KW_CRED_GCLOUD, ".config/gcloud/legacy_credentials/keyward-test@fake-project.iam.gserviceaccount.com/adc.json", 1,
	  { "service account private key for keyward-test@fake-project.iam.gserviceaccount.com" },
	  { "BEGIN PRIVATE KEY", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDKwFakeKeyBodyForTests",
	    "0123456789abcdef0123456789abcdef01234567" } },
	{ "boto", KW_CRED_GCLOUD, ".config/gcloud/legacy_credentials/deploy@example.com/.boto", 1,
	  { "gs_oauth2_refresh_token in [Credentials]" }, { "1//0gKwFakeBotoRefreshTokenForTests" } },
	{ "boto", KW_CRED_GCLOUD, ".boto", 1, { "gs_oauth2_refresh_token" }, { "KwFakeBoto" } },
	/* the collector passes the directory's relpath for files found inside it */
	{ "gcloud_adc_user.json", KW_CRED_GCLOUD, ".config/gcloud", 1, { "OAuth refresh token" }, { "1//0gKw" } },
	{ "boto", KW_CRED_GCLOUD, ".config/gcloud", 1, { "gs_oauth2_refresh_token in [Credentials]" }, { "1//0gKw" } },
	{ "gcloud_config_default", KW_CRED_GCLOUD, ".config/gcloud", 0, { 0 }, { 0 } },
	{ "aws_sso_cache.json", KW_CRED_AWS, ".aws/sso/cache", 1, { "1 accessToken" }, { "aoaAAAAAG" } },
	{ "gcloud_external.json", KW_CRED_GCLOUD, ".config/gcloud/application_default_credentials.json", 0, { 0 }, { 0 } },
	{ "gcloud_sa_nokey.json", KW_CRED_GCLOUD, ".config/gcloud/application_default_credentials.json", 0, { 0 }, { 0 } },
	{ "gcloud_config_default", KW_CRED_GCLOUD, ".config/gcloud/configurations/config_default", 0, { 0 }, { 0 } },

	{ "azure_msal_token_cache.json", KW_CRED_AZURE, ".azure/msal_token_cache.json", 1,
	  { "token cache with 1 refresh token, 1 access token" },
	  { "FakeAzureAccessTokenForKeywardTests", "KwFakeAzureRefreshToken" } },
	{ "azure_service_principal_entries.json", KW_CRED_AZURE, ".azure/service_principal_entries.json", 1,
	  { "1 client_secret" }, { "FakeServicePrincipalSecret" } },
	{ "azure_accessTokens.json", KW_CRED_AZURE, ".azure/accessTokens.json", 1,
	  { "1 refreshToken", "1 accessToken" }, { "FakeOldAzureAccessToken", "FakeOldAzureRefreshToken" } },
	{ "azure_msal_empty.json", KW_CRED_AZURE, ".azure/msal_token_cache.json", 0, { 0 }, { 0 } },
	{ "azure_service_principal_cert.json", KW_CRED_AZURE, ".azure/service_principal_entries.json", 0, { 0 }, { 0 } },

	{ "docker_config.json", KW_CRED_DOCKER, ".docker/config.json", 1,
	  { "3 registry logins (auths) for index.docker.io, ghcr.io, registry.example.com:5000" },
	  { D1, D2, "kwFakeIdentityTokenForPrivateRegistry", "quay.io", "ecr" } },
	{ "podman_auth.json", KW_CRED_DOCKER, ".config/containers/auth.json", 1,
	  { "1 registry login (auths) for quay.io" }, { D4 } },
	{ "docker_truncated.json", KW_CRED_DOCKER, ".docker/config.json", 1,
	  { "1 auth (file is not valid JSON)" }, { D1 } },
	{ "docker_credsstore.json", KW_CRED_DOCKER, ".docker/config.json", 0, { 0 }, { 0 } },
	{ "docker_empty_auths.json", KW_CRED_DOCKER, ".docker/config.json", 0, { 0 }, { 0 } },
	{ "docker_credhelpers.json", KW_CRED_DOCKER, ".docker/config.json", 0, { 0 }, { 0 } },

	{ "kubeconfig", KW_CRED_KUBE, ".kube/config", 1,
	  { "client key for user admin", "token for user ci-bot", "password for user basic",
	    "auth-provider token for user gke-legacy" },
	  { "LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0tCkt3RmFrZUNsaWVudEtleURhdGEK",
	    "KwFakeServiceAccountToken", "kwFakeKubeBasicPw", "KwFakeAuthProviderAccessToken",
	    "LS0tLS1CRUdJTiBDRVJU" } },
	{ "kubeconfig_exec", KW_CRED_KUBE, ".kube/config", 0, { 0 }, { 0 } },
	{ "kubeconfig_nulltoken", KW_CRED_KUBE, ".kube/config", 0, { 0 }, { 0 } },

	{ "netrc", KW_CRED_NETRC, ".netrc", 1, { "password for machine api.example.com" },
	  { "n3tRcKwFakePass", "deploy", "notreally", "ftp.example.org" } },
	{ "netrc_nopw", KW_CRED_NETRC, ".netrc", 0, { 0 }, { 0 } },

	{ "pgpass", KW_CRED_PGPASS, ".pgpass", 1, { "2 entries for hosts localhost, db.example.com" },
	  { "pgKwFakePw1", "FakePw2", "Kw\\\\" } },
	{ "pgpass_comments_only", KW_CRED_PGPASS, ".pgpass", 0, { 0 }, { 0 } },

	{ "git_credentials", KW_CRED_GIT, ".git-credentials", 1,
	  { "2 stored logins for github.com, gitlab.example.com" },
	  { "ghp_KwFakeGitToken0123456789abcdefABCDEF", "glpat-KwFakeGitlabTok3n", "alice", "oauth2" } },
	{ "git_credentials", KW_CRED_GIT, ".config/git/credentials", 1, { "2 stored logins" }, { "KwFake" } },
	{ "git_credentials_nopw", KW_CRED_GIT, ".git-credentials", 0, { 0 }, { 0 } },

	{ "my.cnf", KW_CRED_MYCNF, ".my.cnf", 1, { "password in [client]" }, { "myKwFakeSqlPw!", "root" } },
	{ "my.cnf_prompt", KW_CRED_MYCNF, ".my.cnf", 0, { 0 }, { 0 } },

	{ "npmrc", KW_CRED_NPM, ".npmrc", 1,
	  { "_authToken for registry.npmjs.org; _authToken for npm.pkg.github.com; "
	    "_password for registry.example.com:8443/npm" },
	  { "npm_KwFakeNpmAutomationToken0123456789", "ghp_KwFakeGithubPackagesToken0123456789",
	    "a3dGYWtlTnBtUGFzc3dvcmQ=", "deploy", "ci.example.org", "NPM_TOKEN" } },
	{ "npmrc_settings", KW_CRED_NPM, ".npmrc", 0, { 0 }, { 0 } },

	{ "pypirc", KW_CRED_PYPI, ".pypirc", 1, { "password in [pypi]; password in [testpypi]" },
	  { "pypi-AgEIcHlwaS5vcmcCJKwFakePyPIUploadToken0123456789abcdef", "kwFakeTestPyPIpass",
	    "__token__", "kwtester" } },
	{ "pypirc_nopw", KW_CRED_PYPI, ".pypirc", 0, { 0 }, { 0 } },

	{ "gem_credentials", KW_CRED_GEM, ".gem/credentials", 1,
	  { "2 API keys: rubygems_api_key, https://rubygems.pkg.github.com/kwtest" },
	  { "rubygems_0123456789abcdefkwfake0123456789abcdef01234567",
	    "ghp_KwFakeGemGithubToken0123456789ab", "Bearer" } },
	{ "gem_credentials_empty", KW_CRED_GEM, ".gem/credentials", 0, { 0 }, { 0 } },

	{ "gh_hosts.yml", KW_CRED_GH, ".config/gh/hosts.yml", 1,
	  { "oauth_token for github.com; oauth_token for ghe.example.com" },
	  { "gho_KwFakeGhCliOAuthToken0123456789abc", "ghp_KwFakeGheToken0123456789abcdefABCD" } },
	{ "gh_hosts_keyring.yml", KW_CRED_GH, ".config/gh/hosts.yml", 0, { 0 }, { 0 } },

	{ "vault_token", KW_CRED_VAULT, ".vault-token", 1, { "service token" },
	  { "hvs.CAESIKwFakeVaultServiceTokenForKeywardTests0123456789GiEKHGh2cy5GYWtl", "CAESIK" } },
	{ "vault_token_empty", KW_CRED_VAULT, ".vault-token", 0, { 0 }, { 0 } },

	{ "terraform_credentials.tfrc.json", KW_CRED_TERRAFORM, ".terraform.d/credentials.tfrc.json", 1,
	  { "2 tokens for app.terraform.io, tfe.example.com" },
	  { "KwFakeTfcToken01.atlasv1.0123456789abcdefKwFakeTerraformCloudToken0123456789",
	    "KwFakeTfeToken02", "atlasv1" } },
	{ "terraform_credentials_empty.tfrc.json", KW_CRED_TERRAFORM, ".terraform.d/credentials.tfrc.json", 0,
	  { 0 }, { 0 } },

	{ "s3cfg", KW_CRED_S3CFG, ".s3cfg", 1, { "secret_key in [default]" }, { SK1, AK1 } },
	{ "s3cfg_empty", KW_CRED_S3CFG, ".s3cfg", 0, { 0 }, { 0 } },

	{ "rclone.conf", KW_CRED_RCLONE, ".config/rclone/rclone.conf", 1,
	  { "secret_access_key in [s3remote]; token in [gdrive]; pass in [backup-sftp]" },
	  { SK2, AK1, "ya29.KwFakeRcloneAccessToken", "1//0gKwFakeRcloneRefreshToken",
	    "KwFakeObscuredRclonePassw0rd", "kwbackup" } },
	{ "rclone_envauth.conf", KW_CRED_RCLONE, ".config/rclone/rclone.conf", 0, { 0 }, { 0 } },
	{ "rclone_encrypted.conf", KW_CRED_RCLONE, ".config/rclone/rclone.conf", 0, { 0 }, { 0 } },
};

static void test_cred_fixtures(void **state)
{
	(void)state;
	unsigned pos = 0, neg = 0;
	for (size_t i = 0; i < sizeof cred_cases / sizeof cred_cases[0]; i++) {
		const cred_case *c = &cred_cases[i];
		size_t len;
		uint8_t *d = read_fixture(c->file, &len);
		char *desc = (char *)0x1;
		int r = kw_cred_analyze(c->kind, c->relpath, d, len, &desc);
		if (r != c->expect)
			fail_msg("%s: kw_cred_analyze returned %d, expected %d", c->file, r, c->expect);
		if (r == 1) {
			pos++;
			assert_non_null(desc);
			for (size_t k = 0; k < 4 && c->desc_has[k]; k++)
				if (!strstr(desc, c->desc_has[k]))
					fail_msg("%s: description \"%s\" lacks \"%s\"", c->file, desc, c->desc_has[k]);
			for (size_t k = 0; k < 8 && c->secrets[k]; k++)
				if (strstr(desc, c->secrets[k]))
					fail_msg("%s: description \"%s\" contains \"%s\"", c->file, desc, c->secrets[k]);
			/* the fixture really holds every listed value (else the check proves nothing) */
			for (size_t k = 0; k < 8 && c->secrets[k]; k++)
				if (!memmem(d, len, c->secrets[k], strlen(c->secrets[k])))
					fail_msg("%s: fixture lacks listed secret \"%s\"", c->file, c->secrets[k]);
			free(desc);
		} else {
			neg++;
			assert_null(desc); /* 0: *ret_desc is set to NULL */
		}
		/* a NULL ret_desc is fine and gives the same answer */
		assert_int_equal(kw_cred_analyze(c->kind, c->relpath, d, len, NULL), c->expect);
		free(d);
	}
	assert_true(pos >= 20);
	assert_true(neg >= 15);
}

/* Every credential kind has at least one positive and one negative fixture above. */
static void test_cred_fixture_coverage(void **state)
{
	(void)state;
	unsigned seen_pos[KW_CRED__COUNT] = { 0 }, seen_neg[KW_CRED__COUNT] = { 0 };
	for (size_t i = 0; i < sizeof cred_cases / sizeof cred_cases[0]; i++) {
		if (cred_cases[i].expect == 1)
			seen_pos[cred_cases[i].kind]++;
		else
			seen_neg[cred_cases[i].kind]++;
	}
	for (int k = 0; k < KW_CRED__COUNT; k++) {
		if (!seen_pos[k] || !seen_neg[k])
			fail_msg("kind %d (%s) lacks a positive or a negative fixture", k,
				 kw_cred_kind_name((kw_cred_kind)k));
	}
}

static void test_cred_table(void **state)
{
	(void)state;
	static const struct {
		const char *path;
		kw_cred_kind kind;
		bool dir;
	} want[] = {
		{ ".aws/credentials", KW_CRED_AWS, false },
		{ ".aws/config", KW_CRED_AWS, false },
		{ ".aliyun/config.json", KW_CRED_ALIYUN, false },
		{ ".alibabacloud/credentials", KW_CRED_ALIYUN, false },
		{ ".ossutilconfig", KW_CRED_ALIYUN, false },
		{ ".config/gcloud", KW_CRED_GCLOUD, true },
		{ ".azure/msal_token_cache.json", KW_CRED_AZURE, false },
		{ ".azure/accessTokens.json", KW_CRED_AZURE, false },
		{ ".azure/service_principal_entries.json", KW_CRED_AZURE, false },
		{ ".docker/config.json", KW_CRED_DOCKER, false },
		{ ".config/containers/auth.json", KW_CRED_DOCKER, false },
		{ ".kube/config", KW_CRED_KUBE, false },
		{ ".netrc", KW_CRED_NETRC, false },
		{ ".pgpass", KW_CRED_PGPASS, false },
		{ ".git-credentials", KW_CRED_GIT, false },
		{ ".config/git/credentials", KW_CRED_GIT, false },
		{ ".my.cnf", KW_CRED_MYCNF, false },
		{ ".npmrc", KW_CRED_NPM, false },
		{ ".pypirc", KW_CRED_PYPI, false },
		{ ".gem/credentials", KW_CRED_GEM, false },
		{ ".config/gh/hosts.yml", KW_CRED_GH, false },
		{ ".vault-token", KW_CRED_VAULT, false },
		{ ".terraform.d/credentials.tfrc.json", KW_CRED_TERRAFORM, false },
		{ ".s3cfg", KW_CRED_S3CFG, false },
		{ ".config/rclone/rclone.conf", KW_CRED_RCLONE, false },
	};
	assert_true(kw_cred_files_n >= sizeof want / sizeof want[0]);
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		bool found = false;
		for (size_t j = 0; j < kw_cred_files_n; j++) {
			if (strcmp(kw_cred_files[j].relpath, want[i].path) != 0)
				continue;
			assert_int_equal(kw_cred_files[j].kind, want[i].kind);
			assert_int_equal(kw_cred_files[j].directory, want[i].dir);
			found = true;
		}
		if (!found)
			fail_msg("%s missing from kw_cred_files", want[i].path);
	}
	for (size_t j = 0; j < kw_cred_files_n; j++) {
		const char *p = kw_cred_files[j].relpath;
		assert_non_null(p);
		assert_true(p[0] != '/' && p[0] != '\0');
		assert_null(strstr(p, ".."));
		assert_true((int)kw_cred_files[j].kind >= 0 && kw_cred_files[j].kind < KW_CRED__COUNT);
		for (size_t k = j + 1; k < kw_cred_files_n; k++)
			assert_string_not_equal(p, kw_cred_files[k].relpath);
	}
	for (int k = 0; k < KW_CRED__COUNT; k++)
		assert_string_not_equal(kw_cred_kind_name((kw_cred_kind)k), "unknown");
	assert_string_equal(kw_cred_kind_name(KW_CRED__COUNT), "unknown");
	assert_string_equal(kw_cred_kind_name(KW_CRED_DOCKER), "Docker registry");
	assert_string_equal(kw_cred_kind_name(KW_CRED_NPM), "npm");
	assert_string_equal(kw_cred_kind_name(KW_CRED_GH), "GitHub CLI");
	/* every kind has a file to look for, and the kind names are distinct */
	for (int k = 0; k < KW_CRED__COUNT; k++) {
		bool row = false;
		for (size_t j = 0; j < kw_cred_files_n; j++)
			row |= kw_cred_files[j].kind == (kw_cred_kind)k;
		if (!row)
			fail_msg("kind %d (%s) has no row in kw_cred_files", k, kw_cred_kind_name((kw_cred_kind)k));
		for (int l = k + 1; l < KW_CRED__COUNT; l++)
			assert_string_not_equal(kw_cred_kind_name((kw_cred_kind)k), kw_cred_kind_name((kw_cred_kind)l));
	}
	/* the values the earlier kinds had stay (they are stored in reports and waivers) */
	assert_int_equal(KW_CRED_AWS, 0);
	assert_int_equal(KW_CRED_MYCNF, 9);
	assert_int_equal(KW_CRED_NPM, 10);
	assert_int_equal(KW_CRED_RCLONE, 17);
}

static void test_cred_errors_and_empty(void **state)
{
	(void)state;
	char *desc = NULL;
	assert_int_equal(kw_cred_analyze(KW_CRED__COUNT, ".x", (const uint8_t *)"a", 1, &desc), -EINVAL);
	assert_int_equal(kw_cred_analyze((kw_cred_kind)-1, ".x", (const uint8_t *)"a", 1, &desc), -EINVAL);
	assert_int_equal(kw_cred_analyze(KW_CRED_NETRC, ".netrc", NULL, 5, &desc), -EINVAL);
	assert_null(desc); /* untouched on error */
	for (int k = 0; k < KW_CRED__COUNT; k++) {
		desc = (char *)0x1;
		assert_int_equal(kw_cred_analyze((kw_cred_kind)k, NULL, NULL, 0, &desc), 0);
		assert_null(desc);
		assert_int_equal(kw_cred_analyze((kw_cred_kind)k, "x", (const uint8_t *)"\0\0\0", 3, NULL), 0);
	}
}

/* gcloud keeps tokens in SQLite files: made here by the real sqlite3, with gcloud's schema. */
static uint8_t *make_db(const char *dir, const char *name, const char *sql, size_t *len)
{
	char cmd[1024], path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	snprintf(cmd, sizeof cmd, "sqlite3 %s \"%s\"", path, sql);
	run(cmd);
	uint8_t *d = kwt_read_file(path, len);
	assert_true(*len > 0);
	/* a SQLite file is binary: the sniffer skips it even though a token is inside */
	assert_int_equal(kw_sniff(path, d, *len < 4096 ? *len : 4096), KW_SNIFF_NONE);
	return d;
}

static void test_cred_gcloud_sqlite(void **state)
{
	(void)state;
	char dir[] = "/tmp/kw-secrets-XXXXXX", cmd[512];
	assert_non_null(mkdtemp(dir));
	size_t clen, alen, olen;
	uint8_t *cdb = make_db(dir, "credentials.db",
			       "CREATE TABLE IF NOT EXISTS credentials (account_id TEXT PRIMARY KEY, value BLOB);"
			       " INSERT INTO credentials VALUES ('a@example.com', '{\\\"refresh_token\\\": \\\"1//kwFakeDbToken\\\"}');",
			       &clen);
	uint8_t *adb = make_db(dir, "access_tokens.db",
			       "CREATE TABLE IF NOT EXISTS access_tokens (account_id TEXT PRIMARY KEY, access_token TEXT,"
			       " token_expiry TIMESTAMP, rapt_token TEXT, id_token TEXT);"
			       " INSERT INTO access_tokens VALUES ('a@example.com', 'ya29.kwFakeDbAccess', NULL, NULL, NULL);",
			       &alen);
	uint8_t *odb = make_db(dir, "default_configs.db",
			       "CREATE TABLE IF NOT EXISTS default_configs (name TEXT PRIMARY KEY, value TEXT);"
			       " INSERT INTO default_configs VALUES ('x', 'y');", &olen);
	assert_non_null(memmem(cdb, clen, "kwFakeDbToken", 13));

	/* by file name, and by content when only the directory's relpath is given */
	static const char *const rel_c[] = { ".config/gcloud/credentials.db", ".config/gcloud" };
	static const char *const rel_a[] = { ".config/gcloud/access_tokens.db", ".config/gcloud" };
	for (int i = 0; i < 2; i++) {
		char *desc = NULL;
		assert_int_equal(kw_cred_analyze(KW_CRED_GCLOUD, rel_c[i], cdb, clen, &desc), 1);
		assert_string_equal(desc, "credentials database (OAuth refresh tokens, service account keys)");
		free(desc);
		assert_int_equal(kw_cred_analyze(KW_CRED_GCLOUD, rel_a[i], adb, alen, &desc), 1);
		assert_string_equal(desc, "access token cache");
		free(desc);
	}
	/* other databases in the directory hold no secrets; an empty file neither */
	assert_int_equal(kw_cred_analyze(KW_CRED_GCLOUD, ".config/gcloud/default_configs.db", odb, olen, NULL), 0);
	assert_int_equal(kw_cred_analyze(KW_CRED_GCLOUD, ".config/gcloud", odb, olen, NULL), 0);
	assert_int_equal(kw_cred_analyze(KW_CRED_GCLOUD, ".config/gcloud/credentials.db", cdb, 0, NULL), 0);
	free(cdb);
	free(adb);
	free(odb);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	run(cmd);
}

static void test_cred_desc_caps(void **state)
{
	(void)state;
	char buf[8192];
	size_t n = (size_t)snprintf(buf, sizeof buf, "{\"auths\": {");
	for (int i = 0; i < 12; i++)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "%s\"reg%02d.example.com\": {\"auth\": \"c2VjcmV0OnNlY3JldA==\"}",
				      i ? ", " : "", i);
	n += (size_t)snprintf(buf + n, sizeof buf - n, ", \"%0100d.example.com\": {\"auth\": \"eA==\"}}}", 7);
	char *desc = NULL;
	assert_int_equal(kw_cred_analyze(KW_CRED_DOCKER, ".docker/config.json", (uint8_t *)buf, n, &desc), 1);
	assert_non_null(strstr(desc, "13 registry logins (auths) for reg00.example.com, reg01.example.com"));
	assert_non_null(strstr(desc, "reg04.example.com, ..."));
	assert_null(strstr(desc, "reg05"));
	assert_null(strstr(desc, "c2VjcmV0"));
	free(desc);

	/* one name longer than 64 bytes is cut */
	n = (size_t)snprintf(buf, sizeof buf, "machine %0100d.example.com password x\n", 9);
	assert_int_equal(kw_cred_analyze(KW_CRED_NETRC, ".netrc", (uint8_t *)buf, n, &desc), 1);
	assert_true(strlen(desc) < 21 + 64 + 4 + 1);
	assert_non_null(strstr(desc, "..."));
	free(desc);

	/* many AWS profiles: five shown */
	n = 0;
	for (int i = 0; i < 9; i++)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "[p%d]\naws_secret_access_key = s3cr3tValue%d\n", i, i);
	assert_int_equal(kw_cred_analyze(KW_CRED_AWS, ".aws/credentials", (uint8_t *)buf, n, &desc), 1);
	assert_non_null(strstr(desc, "profile [p4]; ..."));
	assert_null(strstr(desc, "[p5]"));
	assert_null(strstr(desc, "s3cr3t"));
	free(desc);
}

static void test_cred_small_cases(void **state)
{
	(void)state;
	static const struct {
		kw_cred_kind kind;
		const char *relpath;
		const char *text;
		int expect;
		const char *desc;  /* exact description, or NULL */
	} cases[] = {
		/* INI details: comments, "key: value", quotes, CRLF, key case */
		{ KW_CRED_AWS, ".aws/credentials", "; c\r\n[default]\r\nAWS_Secret_Access_Key: abc\r\n", 1,
		  "aws_secret_access_key in profile [default]" },
		{ KW_CRED_AWS, ".aws/credentials", "aws_secret_access_key = abc\n", 1,
		  "aws_secret_access_key outside any section" },
		{ KW_CRED_AWS, ".aws/credentials", "[x]\n# aws_secret_access_key = abc\n", 0, NULL },
		{ KW_CRED_AWS, ".aws/credentials", "[x]\naws_access_key_id = AKIAKWTEST2FAKE7KEYS\n", 0, NULL },
		{ KW_CRED_AWS, ".aws/credentials", "[x]\naws_secret_access_key = \"\"\n", 0, NULL },
		{ KW_CRED_MYCNF, ".my.cnf", "[mysqldump]\nloose-password = 'pw'\n", 1, "password in [mysqldump]" },
		{ KW_CRED_MYCNF, ".my.cnf", "[client]\npassword=\n", 0, NULL },
		{ KW_CRED_MYCNF, ".my.cnf", "!includedir /etc/mysql/conf.d/\n[client]\nuser=x\n", 0, NULL },
		/* netrc: tokens across lines, default entry, comment */
		{ KW_CRED_NETRC, ".netrc", "# machine a password b\ndefault\nlogin x\npassword y\n", 1,
		  "password for machine default" },
		{ KW_CRED_NETRC, ".netrc", "machine a password p machine b password q\n", 1,
		  "passwords for 2 machines: a, b" },
		{ KW_CRED_NETRC, ".netrc", "machine a login x password", 0, NULL },
		/* pgpass: escaped colons, fewer fields, empty password */
		{ KW_CRED_PGPASS, ".pgpass", "h\\:x:1:d:u:p\n", 1, "1 entry for host h\\:x" },
		{ KW_CRED_PGPASS, ".pgpass", "h:1:d:u\\:p\n", 0, NULL },
		{ KW_CRED_PGPASS, ".pgpass", "h:1:d:u:\n", 0, NULL },
		{ KW_CRED_PGPASS, ".pgpass", "*:*:*:*:pw", 1, "1 entry for host *" },
		/* git: password with '@', port and path, no scheme */
		{ KW_CRED_GIT, ".git-credentials", "https://u:p@ss@git.example.com:8443/path\n", 1,
		  "1 stored login for git.example.com:8443" },
		{ KW_CRED_GIT, ".git-credentials", "u:p@host\n", 0, NULL },
		{ KW_CRED_GIT, ".git-credentials", "https://host/u:p@x\n", 0, NULL },
		/* docker: non-object entries, other secret fields */
		{ KW_CRED_DOCKER, ".docker/config.json", "{\"auths\": {\"a\": 1, \"b\": {\"auth\": \"\"}}}", 0, NULL },
		{ KW_CRED_DOCKER, ".docker/config.json", "{\"auths\": {\"r.io\": {\"registrytoken\": \"t\"}}}", 1,
		  "1 registry login (auths) for r.io" },
		{ KW_CRED_DOCKER, ".docker/config.json", "[1, 2]", 0, NULL },
		{ KW_CRED_DOCKER, ".docker/config.json", "{\"auths\": {\"x\": {\"auths\": \"v\"}", 0, NULL },
		/* kube as JSON */
		{ KW_CRED_KUBE, ".kube/config",
		  "{\"users\": [{\"name\": \"j\", \"user\": {\"token\": \"t0k\"}}, {\"name\": \"e\", \"user\": {\"exec\": {}}}]}", 1,
		  "token for user j" },
		/* kube: users: at the end without items; token in clusters is not a user's */
		{ KW_CRED_KUBE, ".kube/config", "clusters:\n- name: c\n  cluster:\n    token: x\nusers:\n", 0, NULL },
		{ KW_CRED_KUBE, ".kube/config", "users:\n  - name: i\n    user:\n      client-key: /k.pem\n", 1,
		  "client key file for user i" },
		{ KW_CRED_KUBE, ".kube/config", "users:\n- user:\n    token: |\n      abc\n", 1,
		  "token for user (unnamed)" },
		/* azure generic JSON and invalid JSON */
		{ KW_CRED_AZURE, ".azure/x.json", "{\"RefreshToken\": {\"k\": {\"secret\": \"\"}}}", 0, NULL },
		{ KW_CRED_AZURE, ".azure/msal_token_cache.json", "{\"RefreshToken\": {\"k\": {\"secret\": \"s", 1,
		  "1 secret (file is not valid JSON)" },
		/* aliyun profiles without a list */
		{ KW_CRED_ALIYUN, ".aliyun/config.json", "{\"access_key_secret\": \"x\"}", 1, "1 access_key_secret" },
		{ KW_CRED_ALIYUN, ".aliyun/config.json",
		  "{\"profiles\": [{\"mode\": \"StsToken\", \"sts_token\": \"t\", \"access_key_secret\": \"s\"}, 3]}", 1,
		  "access_key_secret, sts_token in profile (unnamed)" },
		/* gcloud: impersonated account with a nested refresh token */
		{ KW_CRED_GCLOUD, "application_default_credentials.json",
		  "{\"type\": \"impersonated_service_account\", \"source_credentials\": {\"type\": \"authorized_user\", \"refresh_token\": \"r\"}}",
		  1, "OAuth refresh token (impersonated_service_account)" },
		{ KW_CRED_GCLOUD, ".config/gcloud/active_config", "default\n", 0, NULL },
		/* INI grouping: hits in one section merge even with other sections between */
		{ KW_CRED_AWS, ".aws/credentials",
		  "[a]\naws_secret_access_key = x\n[b]\nregion = r\n[a]\naws_session_token = y\n", 1,
		  "aws_secret_access_key, aws_session_token in profile [a]" },
		/* npm: unscoped keys, env references, ports, quotes, interleaved registries */
		{ KW_CRED_NPM, ".npmrc", "_auth=a3c6cA==\nemail=x@example.com\n", 1, "_auth for the default registry" },
		{ KW_CRED_NPM, ".npmrc", "_authToken = \"t\"\n", 1, "_authToken for the default registry" },
		{ KW_CRED_NPM, ".npmrc", "//r.example.com/:_authToken=${TOKEN}\n", 0, NULL },
		{ KW_CRED_NPM, ".npmrc", "//r.example.com/:_authToken=${A}${B}\n", 0, NULL },
		{ KW_CRED_NPM, ".npmrc", "//r.example.com/:_authToken=${TOKEN\n", 1, "_authToken for r.example.com" },
		{ KW_CRED_NPM, ".npmrc", "//r.example.com/:_authToken=pre${TOKEN}\n", 1, "_authToken for r.example.com" },
		{ KW_CRED_NPM, ".npmrc", "//r.example.com/:_authToken=$ab}\n", 1, "_authToken for r.example.com" },
		{ KW_CRED_NPM, ".npmrc", "//r.example.com/:_authToken=\n//r.example.com/:_authToken=''\n", 0, NULL },
		{ KW_CRED_NPM, ".npmrc", "//h:8080/:_authToken=x\n//h:8080/:_password=y\n", 1, "_authToken, _password for h:8080" },
		{ KW_CRED_NPM, ".npmrc", "//a/:_authToken=x\n//b/:_authToken=y\n//a/:_password=z\n", 1,
		  "_authToken for a; _authToken for b; _password for a" },
		{ KW_CRED_NPM, ".npmrc", "//a/:certfile=/c.pem\n//a/:keyfile=/k.pem\n//a/:_authTokenX=1\n", 0, NULL },
		{ KW_CRED_NPM, ".npmrc", "@scope:_authToken=x\n", 0, NULL },
		/* pypirc: "key: value", the old server-login section */
		{ KW_CRED_PYPI, ".pypirc", "[server-login]\nusername: u\npassword: p\n", 1, "password in [server-login]" },
		{ KW_CRED_PYPI, ".pypirc", "[pypi]\npassword:\n", 0, NULL },
		/* gem: empty and null values, comments, the document start */
		{ KW_CRED_GEM, ".gem/credentials", ":rubygems_api_key:\n", 0, NULL },
		{ KW_CRED_GEM, ".gem/credentials", "--- \n# c\n:rubygems_api_key: ~\n", 0, NULL },
		{ KW_CRED_GEM, ".gem/credentials", "---\n:rubygems_api_key: k\n", 1, "1 API key: rubygems_api_key" },
		/* gh: the token must be below a host, and have a value */
		{ KW_CRED_GH, ".config/gh/hosts.yml", "github.com:\n  oauth_token: \"\"\n", 0, NULL },
		{ KW_CRED_GH, ".config/gh/hosts.yml", "github.com:\n\toauth_token: t # c\r\n", 1, "oauth_token for github.com" },
		{ KW_CRED_GH, ".config/gh/hosts.yml", "oauth_token: t\n", 0, NULL },
		{ KW_CRED_GH, ".config/gh/hosts.yml", "a.example:\n  user: u\nb.example:\n  oauth_token: t\n", 1,
		  "oauth_token for b.example" },
		/* vault: the token type from its prefix; not one word: not a token */
		{ KW_CRED_VAULT, ".vault-token", "s.KwFakeLegacy\r\n", 1, "service token" },
		{ KW_CRED_VAULT, ".vault-token", "hvb.AAAAAQKwFake", 1, "batch token" },
		{ KW_CRED_VAULT, ".vault-token", "kwFakeOpaqueToken", 1, "token" },
		{ KW_CRED_VAULT, ".vault-token", "two words\n", 0, NULL },
		{ KW_CRED_VAULT, ".vault-token", " \t\r\n", 0, NULL },
		/* terraform: empty tokens, a wrong shape, invalid JSON */
		{ KW_CRED_TERRAFORM, ".terraform.d/credentials.tfrc.json",
		  "{\"credentials\": {\"h\": {\"token\": \"\"}, \"i\": 3}}", 0, NULL },
		{ KW_CRED_TERRAFORM, ".terraform.d/credentials.tfrc.json", "{\"credentials\": [\"t\"]}", 0, NULL },
		{ KW_CRED_TERRAFORM, ".terraform.d/credentials.tfrc.json",
		  "{\"credentials\": {\"app.terraform.io\": {\"token\": \"x", 1, "1 token (file is not valid JSON)" },
		{ KW_CRED_TERRAFORM, ".terraform.d/credentials.tfrc.json",
		  "{\"credentials\": {\"app.terraform.io\": {\"token\": \"x\"}}}", 1, "1 token for app.terraform.io" },
		/* s3cfg: an access key id alone is no secret */
		{ KW_CRED_S3CFG, ".s3cfg", "[default]\naccess_key = AKIAKWTEST2FAKE7KEYS\n", 0, NULL },
		{ KW_CRED_S3CFG, ".s3cfg", "[default]\ngpg_passphrase = x\naccess_token = y\n", 1,
		  "access_token, gpg_passphrase in [default]" },
		/* rclone: crypt passwords, inline key, key file path only */
		{ KW_CRED_RCLONE, ".config/rclone/rclone.conf", "[c]\ntype = crypt\npassword = x\npassword2 = y\n", 1,
		  "password, password2 in [c]" },
		{ KW_CRED_RCLONE, ".config/rclone/rclone.conf", "[s]\ntype = sftp\nkey_pem = -----BEGIN\n", 1, "key_pem in [s]" },
		{ KW_CRED_RCLONE, ".config/rclone/rclone.conf", "[s]\ntype = sftp\nkey_file = /k\nkey_use_agent = true\n", 0, NULL },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *desc = NULL;
		int r = kw_cred_analyze(cases[i].kind, cases[i].relpath, (const uint8_t *)cases[i].text,
					strlen(cases[i].text), &desc);
		if (r != cases[i].expect)
			fail_msg("case %zu (%s): got %d, expected %d", i, cases[i].text, r, cases[i].expect);
		if (cases[i].desc && strcmp(desc, cases[i].desc) != 0)
			fail_msg("case %zu: description \"%s\", expected \"%s\"", i, desc, cases[i].desc);
		free(desc);
	}
}

/* ---- cloud-init ---- */

static void test_cloudinit_fixtures(void **state)
{
	(void)state;
	static const struct {
		const char *file;
		unsigned flags;
		int sniff;
	} cases[] = {
		{ "ci_chpasswd_list.yaml", KW_CI_CHPASSWD | KW_CI_SSH_PWAUTH, KW_SNIFF_CLOUD_CONFIG },
		{ "ci_chpasswd_users.yaml", KW_CI_CHPASSWD | KW_CI_PASSWORD, KW_SNIFF_CLOUD_CONFIG },
		{ "ci_chpasswd_flow.yaml", KW_CI_CHPASSWD, KW_SNIFF_CLOUD_CONFIG },
		{ "ci_password_top.yaml", KW_CI_PASSWORD | KW_CI_SSH_PWAUTH, KW_SNIFF_CLOUD_CONFIG },
		{ "ci_users.yaml", KW_CI_PASSWORD | KW_CI_AUTHORIZED_KEYS, KW_SNIFF_CLOUD_CONFIG },
		{ "ci_ssh_keys.yaml", KW_CI_SSH_KEYS, KW_SNIFF_CLOUD_CONFIG },
		{ "ci_ssh_keys_public_only.yaml", 0, KW_SNIFF_NONE },
		{ "ci_authorized_only.yaml", KW_CI_AUTHORIZED_KEYS, KW_SNIFF_NONE },
		{ "ci_clean.yaml", 0, KW_SNIFF_NONE },
		{ "cloud_cfg_d_password.cfg", KW_CI_PASSWORD, KW_SNIFF_NONE }, /* no #cloud-config line */
		{ "ci_script.sh", KW_CI_CHPASSWD, KW_SNIFF_NONE },
		{ "ci_script_stdin.sh", KW_CI_CHPASSWD, KW_SNIFF_NONE },
		{ "ci_script_clean.sh", 0, KW_SNIFF_NONE },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t len;
		uint8_t *d = read_fixture(cases[i].file, &len);
		unsigned f = kw_cloudinit_scan(d, len);
		if (f != cases[i].flags)
			fail_msg("%s: flags 0x%x, expected 0x%x", cases[i].file, f, cases[i].flags);
		int k = kw_sniff(cases[i].file, d, len);
		if (k != cases[i].sniff)
			fail_msg("%s: sniff %d, expected %d", cases[i].file, k, cases[i].sniff);
		free(d);
	}
}

static void test_cloudinit_small(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		unsigned flags;
	} cases[] = {
		{ "", 0 },
		{ "ssh_pwauth: true\n", KW_CI_SSH_PWAUTH },
		{ "ssh_pwauth: 1\n", KW_CI_SSH_PWAUTH },
		{ "ssh_pwauth: 'yes'  # enable\n", KW_CI_SSH_PWAUTH },
		{ "ssh_pwauth: True\r\n", KW_CI_SSH_PWAUTH },
		{ "ssh_pwauth: false\n", 0 },
		{ "ssh_pwauth: unchanged\n", 0 },
		{ "ssh_pwauth:\n", 0 },
		{ "password: \"\"\n", 0 },
		{ "password: null\n", 0 },
		{ "password: ~\n", 0 },
		{ "password: # nothing\n", 0 },
		{ "password: x # comment\n", KW_CI_PASSWORD },
		{ "password:\n  continued\n", KW_CI_PASSWORD },
		{ "passwd:\nnext: 1\n", 0 },
		{ "password: |\n  p\n", KW_CI_PASSWORD },
		{ "lock_passwd: false\npasswd_x: 1\nmy_password: 2\n", 0 },
		{ "\"password\": x\n", KW_CI_PASSWORD },
		{ "- name: a\n  hashed_passwd: $6$x\n", KW_CI_PASSWORD },
		{ "  # password: commented\n", 0 },
		{ "chpasswd:\n  expire: false\n", 0 },
		{ "chpasswd:\n  list:\n    - root:x\n", KW_CI_CHPASSWD },
		{ "chpasswd:\n  list:\n  - root:x\n", KW_CI_CHPASSWD },
		{ "chpasswd:\n  list: []\n", 0 },
		{ "chpasswd:\n  list: |\n", 0 },
		{ "chpasswd: {expire: false}\n", 0 },
		{ "chpasswd: {users: [{name: a, password: b}]}\n", KW_CI_CHPASSWD },
		{ "list:\n  - root:x\n", 0 },            /* list: outside chpasswd */
		{ "chpasswd:\n  expire: false\nlist:\n  - x\n", 0 },
		{ "ssh_authorized_keys:\n", 0 },
		{ "ssh_authorized_keys:\n- ssh-ed25519 AAAA\n", KW_CI_AUTHORIZED_KEYS },
		{ "ssh_authorized_keys: [ssh-rsa AAAA]\n", KW_CI_AUTHORIZED_KEYS },
		{ "ssh_keys: {rsa_private: x}\n", KW_CI_SSH_KEYS },
		{ "ssh_keys:\n  ed25519_private: |\n    -----BEGIN OPENSSH PRIVATE KEY-----\n", KW_CI_SSH_KEYS },
		{ "ssh_keys:\n  ed25519_private: |\nnext: 1\n", 0 },
		{ "rsa_private: x\n", 0 },               /* outside ssh_keys */
		{ "#!/bin/sh\nusermod -p '$6$x' root\n", KW_CI_CHPASSWD },
		{ "#!/bin/sh\npassword: x\n", 0 },        /* a script is not YAML */
		{ "Content-Type: multipart/mixed; boundary=\"b\"\n--b\nContent-Type: text/x-shellscript\n\n#!/bin/sh\necho r:x | chpasswd\n--b--\n",
		  KW_CI_CHPASSWD },
		{ "\tpassword:\tx\n", KW_CI_PASSWORD },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		unsigned f = kw_cloudinit_scan((const uint8_t *)cases[i].text, strlen(cases[i].text));
		if (f != cases[i].flags)
			fail_msg("case %zu \"%s\": flags 0x%x, expected 0x%x", i, cases[i].text, f, cases[i].flags);
	}
	assert_int_equal(kw_cloudinit_scan(NULL, 10), 0);
}

/* ---- sniffing ---- */

static void test_sniff_generated_keys(void **state)
{
	(void)state;
	char dir[] = "/tmp/kw-secrets-XXXXXX", cmd[2048], path[512];
	assert_non_null(mkdtemp(dir));
	static const struct {
		const char *name;
		const char *cmd; /* @D = the temporary directory */
		const char *header;
	} keys[] = {
		{ "ed25519", "ssh-keygen -q -t ed25519 -N '' -C kw -f @D/ed25519", "OPENSSH PRIVATE KEY" },
		{ "ed25519_enc", "ssh-keygen -q -t ed25519 -N 'kw-pass' -C kw -f @D/ed25519_enc", "OPENSSH PRIVATE KEY" },
		{ "rsa_pem", "ssh-keygen -q -t rsa -b 2048 -m PEM -N '' -f @D/rsa_pem", "RSA PRIVATE KEY" },
		{ "ecdsa_pem", "ssh-keygen -q -t ecdsa -m PEM -N '' -f @D/ecdsa_pem", "EC PRIVATE KEY" },
		{ "rsa_pkcs8", "ssh-keygen -q -t rsa -b 2048 -m PKCS8 -N '' -f @D/rsa_pkcs8", "BEGIN PRIVATE KEY" },
		{ "ecdsa_pkcs8_enc", "ssh-keygen -q -t ecdsa -m PKCS8 -N 'kw-pass' -f @D/ecdsa_pkcs8_enc",
		  "ENCRYPTED PRIVATE KEY" },
		{ "ossl_ed25519", "openssl genpkey -algorithm ed25519 -out @D/ossl_ed25519 2>/dev/null", "BEGIN PRIVATE KEY" },
		{ "ossl_rsa_enc", "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -aes256 -pass pass:kw "
				  "-out @D/ossl_rsa_enc 2>/dev/null", "ENCRYPTED PRIVATE KEY" },
		{ "ossl_ec_trad", "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 2>/dev/null | "
				  "openssl pkey -traditional -out @D/ossl_ec_trad", "EC PRIVATE KEY" },
		{ "ossl_dsa_trad", "openssl genpkey -genparam -algorithm DSA -pkeyopt dsa_paramgen_bits:1024 2>/dev/null | "
				   "openssl genpkey -paramfile /dev/stdin 2>/dev/null | openssl pkey -traditional -out @D/ossl_dsa_trad",
		  "DSA PRIVATE KEY" },
		{ "ossl_rsa_trad_enc", "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 2>/dev/null | "
				       "openssl pkey -traditional -aes128 -passout pass:kw -out @D/ossl_rsa_trad_enc",
		  "Proc-Type: 4,ENCRYPTED" },
	};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		subst_dir(cmd, sizeof cmd, keys[i].cmd, dir);
		run(cmd);
		snprintf(path, sizeof path, "%s/%s", dir, keys[i].name);
		size_t len;
		uint8_t *d = kwt_read_file(path, &len);
		if (!strstr((char *)d, keys[i].header))
			fail_msg("%s: the tool wrote no \"%s\"", keys[i].name, keys[i].header);
		int k = kw_sniff(path, d, len < 4096 ? len : 4096);
		if (k != KW_SNIFF_PRIVATE_KEY)
			fail_msg("%s: sniff %d", keys[i].name, k);
		free(d);
	}
	/* public halves are not secrets */
	snprintf(path, sizeof path, "%s/ed25519.pub", dir);
	assert_int_equal(sniff_file(path), KW_SNIFF_NONE);
	snprintf(path, sizeof path, "%s/rsa_pem.pub", dir);
	assert_int_equal(sniff_file(path), KW_SNIFF_NONE);

	/* a .pem bundle with the certificate first, and the certificate alone */
	snprintf(cmd, sizeof cmd,
		 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout %s/b.key "
		 "-out %s/b.crt -subj /CN=kw.test -days 1 2>/dev/null && cat %s/b.crt %s/b.key > %s/bundle.pem",
		 dir, dir, dir, dir, dir);
	run(cmd);
	snprintf(path, sizeof path, "%s/bundle.pem", dir);
	assert_int_equal(sniff_file(path), KW_SNIFF_PRIVATE_KEY);
	snprintf(path, sizeof path, "%s/b.crt", dir);
	assert_int_equal(sniff_file(path), KW_SNIFF_NONE);

	/* the key is indented (a YAML/config embedding) and followed by NUL padding */
	snprintf(path, sizeof path, "%s/ed25519", dir);
	size_t len;
	uint8_t *d = kwt_read_file(path, &len);
	uint8_t buf[4096];
	memset(buf, 0, sizeof buf);
	memcpy(buf, "key: |\n  ", 9);
	memcpy(buf + 9, d, len);
	assert_int_equal(kw_sniff("x", buf, sizeof buf), KW_SNIFF_PRIVATE_KEY);
	/* NUL before the key: binary, skipped */
	buf[3] = 0;
	assert_int_equal(kw_sniff("x", buf, sizeof buf), KW_SNIFF_NONE);
	free(d);

	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	run(cmd);
}

static void test_sniff_fixtures(void **state)
{
	(void)state;
	static const struct {
		const char *file;
		int kind;
	} cases[] = {
		{ "sniff_putty.ppk", KW_SNIFF_PRIVATE_KEY },
		{ "sniff_ssh2.key", KW_SNIFF_PRIVATE_KEY },
		{ "sniff_pgp.asc", KW_SNIFF_NONE },
		{ "sniff_prose.txt", KW_SNIFF_NONE },
		{ "sniff_aws_env.sh", KW_SNIFF_AWS_KEY },
		{ "sniff_aws_console.csv", KW_SNIFF_AWS_KEY },
		{ "aws_credentials", KW_SNIFF_AWS_KEY },
		{ "sniff_aws_doc.md", KW_SNIFF_NONE },
		{ "aws_credentials_doc_example", KW_SNIFF_NONE },
		{ "sniff_aws_id_only.log", KW_SNIFF_NONE },
		{ "sniff_aws_placeholder.ini", KW_SNIFF_NONE },
		{ "sniff_aws_badid.sh", KW_SNIFF_NONE },
		{ "gcloud_sa.json", KW_SNIFF_GCP_SA },
		{ "gcloud_sa_nokey.json", KW_SNIFF_NONE },
		{ "gcloud_adc_user.json", KW_SNIFF_NONE },
		{ "docker_config.json", KW_SNIFF_NONE },
		{ "kubeconfig", KW_SNIFF_NONE },
		{ "netrc", KW_SNIFF_NONE },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char path[1024];
		snprintf(path, sizeof path, "%s%s", DATA, cases[i].file);
		int k = sniff_file(path);
		if (k != cases[i].kind)
			fail_msg("%s: sniff %d (%s), expected %d", cases[i].file, k, kw_sniff_kind_name(k),
				 cases[i].kind);
	}
}

static void test_sniff_inline(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		int kind;
	} cases[] = {
		{ "", KW_SNIFF_NONE },
		{ "-----BEGIN OPENSSH PRIVATE KEY-----\n", KW_SNIFF_PRIVATE_KEY },
		{ "-----BEGIN PRIVATE KEY-----", KW_SNIFF_PRIVATE_KEY },
		{ "-----BEGIN PRIVATE KEY----", KW_SNIFF_NONE },
		{ "\t -----BEGIN RSA PRIVATE KEY-----\r\n", KW_SNIFF_PRIVATE_KEY },
		{ "x -----BEGIN RSA PRIVATE KEY-----\n", KW_SNIFF_NONE },
		{ "-----BEGIN rsa PRIVATE KEY-----\n", KW_SNIFF_NONE },
		{ "\"-----BEGIN PRIVATE KEY-----\\nMII\"", KW_SNIFF_NONE },
		{ "-----BEGIN X509 CRL-----\n-----BEGIN RSA PRIVATE KEY-----\n", KW_SNIFF_PRIVATE_KEY },
		{ "PuTTY-User-Key-File-2: ssh-rsa\n", KW_SNIFF_PRIVATE_KEY },
		{ "see PuTTY-User-Key-File-2\n", KW_SNIFF_NONE },
		{ "\n---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\n", KW_SNIFF_PRIVATE_KEY },
		/* AWS: boundaries, alphabet, example ids, keyword forms */
		{ "AKIAKWTEST2FAKE7KEYS kwFakeSecretKey/ForTests+0123456789abcde", KW_SNIFF_AWS_KEY },
		{ "id=ASIAKWTEST2FAKE7KEYS\nsecret=kwFakeSecretKey/ForTests+0123456789abcde\n", KW_SNIFF_AWS_KEY },
		{ "XAKIAKWTEST2FAKE7KEYS kwFakeSecretKey/ForTests+0123456789abcde", KW_SNIFF_NONE },
		{ "AKIAKWTEST2FAKE7KEYSX kwFakeSecretKey/ForTests+0123456789abcde", KW_SNIFF_NONE },
		{ "AKIAKWTEST2FAKE7KEY kwFakeSecretKey/ForTests+0123456789abcde", KW_SNIFF_NONE },
		{ "AKIAKWTEST2FAKE7KEYS kwFakeSecretKey/ForTests+0123456789abcdeF", KW_SNIFF_NONE },
		{ "AKIAKWTEST2FAKE7KEYS 0123456789abcdef0123456789abcdef01234567", KW_SNIFF_NONE },
		{ "AKIAIOSFODNN7EXAMPLE kwFakeSecretKey/ForTests+0123456789abcde", KW_SNIFF_NONE },
		{ "AKIAKWTEST2FAKE7KEYS wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", KW_SNIFF_NONE },
		{ "\"AccessKeyId\": \"ASIAKWTEST2FAKE7KEYS\", \"SecretAccessKey\": \"short+Secret/Value1234\"", KW_SNIFF_AWS_KEY },
		{ "AKIAKWTEST2FAKE7KEYS aws_secret_access_key=${SECRET}", KW_SNIFF_NONE },
		{ "AKIAKWTEST2FAKE7KEYS\naws_secret_access_key\n", KW_SNIFF_NONE },
		/* GCP service account */
		{ "{\"type\" : \"service_account\", \"private_key\": \"-----BEGIN PRIVATE KEY-----\\n\"}", KW_SNIFF_GCP_SA },
		{ "{\"type\": \"service_account\", \"private_key\": \"\"}", KW_SNIFF_NONE },
		{ "{\"kind\": \"service_account\", \"private_key\": \"x\"}", KW_SNIFF_NONE },
		{ "{\"private_key_id\": \"x\", \"type\": \"service_account\"}", KW_SNIFF_NONE },
		/* cloud-config */
		{ "#cloud-config\npassword: x\n", KW_SNIFF_CLOUD_CONFIG },
		{ "\xef\xbb\xbf#cloud-config\nchpasswd:\n  list:\n  - r:x\n", KW_SNIFF_CLOUD_CONFIG },
		{ "#cloud-config\nssh_pwauth: true\n", KW_SNIFF_NONE },
		{ "# cloud-config\npassword: x\n", KW_SNIFF_NONE },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int k = kw_sniff("t", (const uint8_t *)cases[i].text, strlen(cases[i].text));
		if (k != cases[i].kind)
			fail_msg("case %zu \"%s\": sniff %d, expected %d", i, cases[i].text, k, cases[i].kind);
	}
	assert_int_equal(kw_sniff(NULL, NULL, 100), KW_SNIFF_NONE);
}

static void test_sniff_binary_and_bounds(void **state)
{
	(void)state;
	uint8_t buf[8192];
	/* pseudo-random junk, NULs included */
	uint32_t x = 12345;
	for (size_t i = 0; i < sizeof buf; i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (uint8_t)(x >> 16);
	}
	assert_int_equal(kw_sniff("junk", buf, 4096), KW_SNIFF_NONE);

	/* an ELF-like header, then text that would match if it were a text file */
	static const char aws[] = "\nAKIAKWTEST2FAKE7KEYS kwFakeSecretKey/ForTests+0123456789abcde\n";
	static const char pem[] = "\n-----BEGIN OPENSSH PRIVATE KEY-----\n";
	memset(buf, 'a', sizeof buf);
	memcpy(buf, "\x7f" "ELF\x02\x01\x01\0\0\0", 10);
	memcpy(buf + 100, aws, sizeof aws - 1);
	memcpy(buf + 200, pem, sizeof pem - 1);
	memcpy(buf + 300, "#cloud-config\npassword: x\n", 26);
	assert_int_equal(kw_sniff("elf", buf, 4096), KW_SNIFF_NONE);
	/* the same text without the NUL is found */
	buf[7] = buf[8] = buf[9] = 'a';
	assert_int_equal(kw_sniff("txt", buf, 4096), KW_SNIFF_PRIVATE_KEY);
	memset(buf + 200, 'a', sizeof pem - 1);
	assert_int_equal(kw_sniff("txt", buf, 4096), KW_SNIFF_AWS_KEY);

	/* only the first 4096 bytes count, even if more are passed */
	memset(buf, 'a', sizeof buf);
	buf[4999] = '\n';
	memcpy(buf + 5000, pem + 1, sizeof pem - 2);
	assert_int_equal(kw_sniff("big", buf, sizeof buf), KW_SNIFF_NONE);
	/* markers cut by the end of the input: no match, and nothing is read past the end
	 * (exact-size heap copies, so ASan would see an overread) */
	static const char *const cut[] = { "-----BEGIN PRIVATE KEY----", "-----BEGIN PRIVATE K",
					   "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ---",
					   "PuTTY-User-Key-File", "AKIAKWTEST2FAKE7KEY",
					   "{\"type\": \"service_account\", \"private_key\": \"",
					   "x AKIAKWTEST2FAKE7KEYS aws_secret_access_key=" };
	for (size_t i = 0; i < sizeof cut / sizeof cut[0]; i++) {
		size_t n = strlen(cut[i]);
		uint8_t *tail = malloc(n);
		assert_non_null(tail);
		memcpy(tail, cut[i], n);
		assert_int_equal(kw_sniff("cut", tail, n), KW_SNIFF_NONE);
		free(tail);
	}
	/* a key id that ends the input is still word bounded */
	static const char end_id[] = "secret kwFakeSecretKey/ForTests+0123456789abcde AKIAKWTEST2FAKE7KEYS";
	uint8_t *e = malloc(sizeof end_id - 1);
	assert_non_null(e);
	memcpy(e, end_id, sizeof end_id - 1);
	assert_int_equal(kw_sniff("end", e, sizeof end_id - 1), KW_SNIFF_AWS_KEY);
	free(e);
}

static void test_sniff_kind_names(void **state)
{
	(void)state;
	assert_string_equal(kw_sniff_kind_name(KW_SNIFF_PRIVATE_KEY), "private key");
	assert_string_equal(kw_sniff_kind_name(KW_SNIFF_AWS_KEY), "AWS access key");
	for (int k = 1; k < KW_SNIFF__COUNT; k++)
		assert_string_not_equal(kw_sniff_kind_name(k), "unknown");
	assert_string_equal(kw_sniff_kind_name(KW_SNIFF__COUNT), "unknown");
	assert_string_equal(kw_sniff_kind_name(-3), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cred_fixtures),
		cmocka_unit_test(test_cred_fixture_coverage),
		cmocka_unit_test(test_cred_table),
		cmocka_unit_test(test_cred_errors_and_empty),
		cmocka_unit_test(test_cred_gcloud_sqlite),
		cmocka_unit_test(test_cred_desc_caps),
		cmocka_unit_test(test_cred_small_cases),
		cmocka_unit_test(test_cloudinit_fixtures),
		cmocka_unit_test(test_cloudinit_small),
		cmocka_unit_test(test_sniff_generated_keys),
		cmocka_unit_test(test_sniff_fixtures),
		cmocka_unit_test(test_sniff_inline),
		cmocka_unit_test(test_sniff_binary_and_bounds),
		cmocka_unit_test(test_sniff_kind_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
