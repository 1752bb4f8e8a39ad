/* secrets.h — recognise credentials by content, without ever copying them out.
 *
 * Two jobs, both pure functions over bytes:
 *  1. kw_sniff(): look at the first bytes of any file (for `audit --deep`) and name what
 *     it holds: a private key header, an AWS access key id, a cloud credential file shape.
 *  2. kw_cred_analyze(): given a known credential file kind (.aws/credentials,
 *     .docker/config.json, .kube/config, .netrc, .npmrc, .pypirc, gh hosts.yml, ...) and
 *     its content, say whether it really holds a credential, and describe it without the
 *     secret: "aws_secret_access_key in profile [default]", "2 registry auths", "token for
 *     user admin", "_authToken for registry.npmjs.org", "oauth_token for github.com".
 * Descriptions may carry names from the file (profile, host, user): escape to print;
 * never a secret value.
 */
#ifndef KW_COLLECT_SECRETS_H
#define KW_COLLECT_SECRETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum kw_sniff_kind {
	KW_SNIFF_NONE = 0,
	KW_SNIFF_PRIVATE_KEY,     /* -----BEGIN ... PRIVATE KEY-----, PuTTY, SSH2 */
	KW_SNIFF_AWS_KEY,         /* AKIA/ASIA + 16 [A-Z2-7] next to a secret key */
	KW_SNIFF_GCP_SA,          /* "type": "service_account" with "private_key" */
	KW_SNIFF_CLOUD_CONFIG,    /* cloud-init #cloud-config with password/chpasswd */
	KW_SNIFF__COUNT
} kw_sniff_kind;

/* kw_sniff_fn-compatible (target.h). Only the first `len` bytes (<= 4096) are looked at. */
int kw_sniff(const char *path, const uint8_t *head, size_t len);
const char *kw_sniff_kind_name(int kind); /* "private key", "AWS access key", ... */

typedef enum kw_cred_kind {
	KW_CRED_AWS = 0,        /* ~/.aws/credentials, ~/.aws/config */
	KW_CRED_ALIYUN,         /* ~/.aliyun/config.json, ~/.alibabacloud/credentials, ~/.ossutilconfig */
	KW_CRED_GCLOUD,         /* ~/.config/gcloud/ (credentials.db, access_tokens.db, adc json, legacy_credentials) */
	KW_CRED_AZURE,          /* ~/.azure/msal_token_cache.json, accessTokens.json, service_principal_entries.json */
	KW_CRED_DOCKER,         /* ~/.docker/config.json, ~/.config/containers/auth.json (auths with auth) */
	KW_CRED_KUBE,           /* ~/.kube/config (token, client-key-data, password) */
	KW_CRED_NETRC,          /* ~/.netrc (password) */
	KW_CRED_PGPASS,         /* ~/.pgpass (any entry) */
	KW_CRED_GIT,            /* ~/.git-credentials, ~/.config/git/credentials (user:pass@) */
	KW_CRED_MYCNF,          /* ~/.my.cnf (password=) */
	KW_CRED_NPM,            /* ~/.npmrc (_authToken, _auth, _password, also //registry/:_authToken) */
	KW_CRED_PYPI,           /* ~/.pypirc (password in any section) */
	KW_CRED_GEM,            /* ~/.gem/credentials (:rubygems_api_key: and per-host API keys) */
	KW_CRED_GH,             /* ~/.config/gh/hosts.yml (oauth_token) */
	KW_CRED_VAULT,          /* ~/.vault-token (the token itself) */
	KW_CRED_TERRAFORM,      /* ~/.terraform.d/credentials.tfrc.json (credentials.<host>.token) */
	KW_CRED_S3CFG,          /* ~/.s3cfg (secret_key, access_token, gpg_passphrase) */
	KW_CRED_RCLONE,         /* ~/.config/rclone/rclone.conf (pass, secret_access_key, token, client_secret, ...) */
	KW_CRED__COUNT
} kw_cred_kind;

/* One row of the table of credential files, relative to a home directory. */
typedef struct kw_cred_file {
	const char *relpath;   /* ".aws/credentials" */
	kw_cred_kind kind;
	bool directory;        /* relpath is a directory: any regular file in it counts
	                          (content analysed with kind) */
} kw_cred_file;

extern const kw_cred_file kw_cred_files[];
extern const size_t kw_cred_files_n;

const char *kw_cred_kind_name(kw_cred_kind k); /* "AWS CLI", "Docker registry", ... */

/* 1: holds a credential (ret_desc: malloc'd description without the secret);
 * 0: no credential found; negative: error. */
int kw_cred_analyze(kw_cred_kind kind, const char *relpath, const uint8_t *data, size_t len,
		    char **ret_desc);

/* cloud-init user data / cloud.cfg.d: does it set passwords or enable password SSH?
 * Returns a bit set of KW_CI_* and, per bit, nothing secret. */
enum {
	KW_CI_CHPASSWD = 1 << 0,       /* chpasswd: list / users with password */
	KW_CI_PASSWORD = 1 << 1,       /* password: / passwd: / plain_text_passwd: / hashed_passwd: */
	KW_CI_SSH_PWAUTH = 1 << 2,     /* ssh_pwauth: true/yes/1 */
	KW_CI_SSH_KEYS = 1 << 3,       /* ssh_keys: (host private keys) */
	KW_CI_AUTHORIZED_KEYS = 1 << 4,/* ssh_authorized_keys: */
};
unsigned kw_cloudinit_scan(const uint8_t *data, size_t len);

#endif
