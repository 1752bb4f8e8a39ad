/* facts.h — what the collector learned about a Windows system volume: plain data.
 *
 * Filled by kw_win_collect (collect.c) through kw_target only; read by checks/windows.c.
 * Nothing here is a secret: for a password the facts say where it is and in what form
 * (set, empty, encoded), never its value; for an account, whether a hash is stored,
 * never the hash. Strings come from the image (account names, paths): escape to print.
 * Owned by the kw_win_facts, freed by kw_win_facts_release.
 */
#ifndef KW_WINDOWS_FACTS_H
#define KW_WINDOWS_FACTS_H

#include "base/diag.h"
#include "target/target.h"
#include "windows/hive.h"
#include "windows/sam.h"
#include "windows/unattend.h"

#include <stdbool.h>
#include <stdint.h>

typedef enum kw_win_hive_id {
	KW_WIN_SYSTEM = 0,
	KW_WIN_SOFTWARE,
	KW_WIN_SAM,
	KW_WIN_SECURITY,
	KW_WIN_HIVE__COUNT
} kw_win_hive_id;

typedef struct kw_win_hive_info {
	char *path;                 /* as spelled in the image; NULL: not found */
	bool opened;                /* read and accepted by libhivex */
	bool dirty;                 /* sequence numbers differ: results may be stale */
} kw_win_hive_info;

/* A numeric registry setting: absent, set (v), or present with a wrong type. */
typedef struct kw_win_num {
	kw_hval state;
	uint32_t v;
} kw_win_num;

/* RDP as the registry configures it: the listener's values (SYSTEM\ControlSetNNN\Control\
 * Terminal Server[\WinStations\RDP-Tcp]) and the Group Policy values that override them
 * (SOFTWARE\Policies\Microsoft\Windows NT\Terminal Services). */
typedef struct kw_win_rdp {
	kw_win_num deny, deny_policy;         /* fDenyTSConnections: 0 = RDP allowed */
	kw_win_num nla, nla_policy;           /* UserAuthentication: 1 = NLA required */
	kw_win_num layer, layer_policy;       /* SecurityLayer: 0 RDP, 1 negotiate, 2 TLS */
	kw_win_num encryption, encryption_policy; /* MinEncryptionLevel 1..4 */
	kw_win_num port;                      /* PortNumber */
	bool cert_bound;                      /* SSLCertificateSHA1Hash: a listener certificate */
} kw_win_rdp;

typedef struct kw_win_autologon {
	char *auto_admin_logon;     /* AutoAdminLogon as text ("1"), NULL when absent */
	kw_hval default_password;   /* DefaultPassword: SET means present and not empty */
	kw_hval alt_default_password;
	char *default_user;
	bool lsa_secret;            /* SECURITY\Policy\Secrets\DefaultPassword exists */
} kw_win_autologon;

typedef struct kw_win_account {
	char *name;
	uint32_t rid;               /* from Names\<name>'s default value type */
	bool have_f, have_v;        /* the records were found and parsed */
	kw_sam_f f;
	kw_sam_v v;
} kw_win_account;

/* Services a cloud server does not need (the EC2 Windows guide names Server, Print Spooler
 * and Computer Browser); the list lives here so the collector knows what to read. */
typedef struct kw_win_service_def {
	const char *name;           /* the key under Services */
	const char *display;        /* "Print Spooler" */
	const char *why;            /* one sentence for the finding */
} kw_win_service_def;
extern const kw_win_service_def kw_win_services[];
extern const size_t kw_win_services_n;

typedef struct kw_win_service {
	const kw_win_service_def *def;
	kw_win_num start;           /* 0 boot, 1 system, 2 automatic, 3 manual, 4 disabled */
} kw_win_service;

typedef struct kw_win_answer {
	char *path;
	bool from_registry;         /* named by SYSTEM\Setup!UnattendFile */
	bool truncated;             /* larger than the read cap: only the start was parsed */
	int parse_err;              /* kw_ua_parse's code (0: parsed) */
	kw_ua_result r;
} kw_win_answer;

typedef enum kw_win_leftover_kind {
	KW_WL_CREDMAN = 0,          /* Credential Manager blobs (DPAPI; the user's logon decrypts) */
	KW_WL_VAULT,                /* Windows Vault credentials */
	KW_WL_RDP_PASSWORD,         /* a .rdp file with a saved password ("password 51:b:") */
	KW_WL_OLD_HIVE,             /* RegBack / repair copy of a hive (old accounts and hashes) */
	KW_WL_MEMORY_IMAGE,         /* hiberfil.sys, pagefile.sys, swapfile.sys, MEMORY.DMP */
	KW_WL__COUNT
} kw_win_leftover_kind;

typedef struct kw_win_leftover {
	kw_win_leftover_kind kind;
	char *path;                 /* the file, or the folder holding `count` files */
	char *profile;              /* the user profile folder's name, or NULL */
	uint64_t size;
	unsigned count;
} kw_win_leftover;

typedef struct kw_win_facts {
	char *windir;               /* "/Windows" as spelled in the image */
	kw_win_hive_info hive[KW_WIN_HIVE__COUNT];
	uint32_t control_set;       /* SYSTEM\Select\Current; 0: unknown */
	kw_win_num limit_blank;     /* Control\Lsa\LimitBlankPasswordUse */
	kw_win_rdp rdp;
	kw_win_autologon autologon;
	kw_win_account *accounts;
	size_t n_accounts, cap_accounts;
	kw_win_service *services;   /* one per kw_win_services row that exists in the image */
	size_t n_services, cap_services;
	kw_win_answer *answers;
	size_t n_answers, cap_answers;
	kw_win_leftover *leftovers;
	size_t n_leftovers, cap_leftovers;
	char *unattend_file;        /* SYSTEM\Setup!UnattendFile as written, or NULL */
} kw_win_facts;

/* Is the target a Windows system volume (a Windows/System32/config folder)? */
bool kw_win_detect(kw_target *t);

/* Collect the Windows facts; max_file caps answer files (kw_collect_opts.max_file_size)
 * like every other targeted read. Problems that stop a check (a hive unreadable or refused)
 * go to diags as fatal, others as warnings. 0 or -ENOMEM. */
int kw_win_collect(kw_target *t, uint64_t max_file, kw_win_facts *wf, kw_diags *diags);
void kw_win_facts_release(kw_win_facts *wf);

const char *kw_win_hive_name(kw_win_hive_id id);  /* "SYSTEM", ... */

#endif
