/* model.h — the one model every cloud input is normalised into (`keyward cloud`).
 *
 * Readers (aws.c, alibaba.c, terraform.c) turn an export into records; exposure.c and
 * checks/cloud.c read only these records, never JSON:
 *   - groups    security groups, keyed by (provider, id); a group named only by an
 *               instance or a rule is a placeholder until some input gives its rules;
 *   - rules     one record per (rule, source): provider, group, direction, protocol,
 *               port range, source (CIDR v4/v6, group reference, prefix list, unknown),
 *               action, priority, and where it came from as FILE#JSON-pointer;
 *   - instances running machines with their groups and whether they have a public
 *               address (describe-instances, DescribeInstances, Terraform resources);
 *   - launches  what creates a machine: RunInstances / CreateInstance requests, launch
 *               template versions, Terraform instance and template resources; the logon
 *               settings (password inherit, password set, key pair, user data verdict).
 * Values are never secrets: a password is recorded as "set", never kept.
 *
 * Every string is a copy in the model's arena (kw_cloud_str) and lives as long as the
 * model; records point into it. Records are plain structs in growable arrays: take
 * pointers to them only after the last add.
 */
#ifndef KW_CLOUD_MODEL_H
#define KW_CLOUD_MODEL_H

#include "guard/addr.h"

#include "base/arena.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum kw_cloud_provider {
	KW_CLOUD_ANY = 0,          /* (options: not given) */
	KW_CLOUD_AWS,
	KW_CLOUD_ALIBABA,
} kw_cloud_provider;

const char *kw_cloud_provider_name(kw_cloud_provider p);   /* "aws", "alibaba", "?" */

/* A setting that may be absent, known, or known only later (Terraform: after apply). */
typedef enum kw_tri {
	KW_TRI_ABSENT = 0,
	KW_TRI_FALSE,
	KW_TRI_TRUE,
	KW_TRI_UNKNOWN,
} kw_tri;

typedef enum kw_cloud_proto {
	KW_PROTO_TCP = 0,
	KW_PROTO_UDP,
	KW_PROTO_ICMP,
	KW_PROTO_ICMPV6,
	KW_PROTO_ALL,              /* AWS "-1", Alibaba "ALL": every protocol, every port */
	KW_PROTO_OTHER,            /* another protocol number / name (GRE): all its ports, no TCP */
	KW_PROTO_UNKNOWN,          /* unknown until apply, or unreadable */
} kw_cloud_proto;

/* "tcp", "6", "TCP", "-1", "all", "ALL", "udp", "17", "icmp", "1", "icmpv6", "58", "gre",
 * other numbers 0..255: KW_PROTO_OTHER with *num set. Case-insensitive, surrounding
 * blanks ignored. 0, or KW_E_PARSE for anything else. */
int kw_cloud_proto_parse(const char *s, kw_cloud_proto *ret, unsigned *num);
const char *kw_cloud_proto_name(kw_cloud_proto p);         /* "tcp", "all", ... */

typedef enum kw_cloud_src {
	KW_SRC_CIDR = 0,           /* cidr holds it (host bits cleared; 0::/0 is ::/0) */
	KW_SRC_GROUP,              /* members of another group (ref): never the internet */
	KW_SRC_PREFIX_LIST,        /* a prefix list (ref) the input does not resolve */
	KW_SRC_UNKNOWN,            /* unknown until apply, or no source given */
} kw_cloud_src;

typedef enum kw_cloud_dir { KW_DIR_INGRESS = 0, KW_DIR_EGRESS } kw_cloud_dir;
typedef enum kw_cloud_action { KW_ACT_ALLOW = 0, KW_ACT_DENY } kw_cloud_action;
typedef enum kw_cloud_os { KW_OS_UNKNOWN = 0, KW_OS_LINUX, KW_OS_WINDOWS } kw_cloud_os;

#define KW_PORT_ALL_LO 0u
#define KW_PORT_ALL_HI 65535u

typedef struct kw_cloud_rule {
	uint32_t group;            /* index in groups */
	uint8_t provider;          /* kw_cloud_provider */
	uint8_t dir;               /* kw_cloud_dir */
	uint8_t proto;             /* kw_cloud_proto */
	uint8_t action;            /* kw_cloud_action */
	uint8_t src;               /* kw_cloud_src */
	bool ports_unknown;        /* a port list the input does not resolve, or unknown until
				    * apply: any port may be meant */
	uint16_t proto_num;        /* KW_PROTO_OTHER: the number (0 = a name such as GRE) */
	uint16_t port_lo, port_hi; /* inclusive; 0..65535 when the protocol has no ports */
	uint16_t priority;         /* Alibaba 1..100 (1 first); AWS 0 */
	kw_cidr cidr;              /* src == KW_SRC_CIDR */
	const char *ref;           /* group id, prefix-list id, port-list id; or NULL */
	const char *id;            /* "sgr-…" when the input names the rule; or NULL */
	const char *origin;        /* "FILE#/SecurityGroups/0/IpPermissions/1/IpRanges/0" */
	const char *why_unknown;   /* set when src/proto/ports are unknown: "prefix list pl-1
				    * is not resolved by the input", "known after apply" */
} kw_cloud_rule;

typedef struct kw_cloud_group {
	uint8_t provider;
	bool has_rules;            /* some input described this group's rules */
	bool partial;              /* the export was paged (NextToken): rules may be missing */
	bool rules_unknown;        /* Terraform: its rules are known only after apply */
	bool enterprise;           /* Alibaba enterprise group (default deny inside) */
	bool classic;              /* Alibaba classic network (no VPC) */
	const char *id;            /* "sg-…", or a Terraform address when the id is unknown */
	const char *name;          /* or NULL */
	const char *vpc;           /* or NULL */
	const char *origin;        /* where its rules (or the first mention) came from */
} kw_cloud_group;

typedef struct kw_cloud_instance {
	uint8_t provider;
	uint8_t os;                /* kw_cloud_os */
	uint8_t public_ip;         /* kw_tri: a public address, EIP or internet bandwidth */
	const char *id;            /* instance id, or Terraform address */
	const char *name;          /* Name tag / InstanceName, or NULL */
	const char *public_why;    /* "public IP 203.0.113.5", "InternetMaxBandwidthOut 5" */
	const char *origin;
	const uint32_t *groups;    /* indexes in groups (arena) */
	size_t n_groups;
	bool groups_unknown;       /* its groups are known only after apply */
} kw_cloud_instance;

typedef enum kw_launch_kind {
	KW_LAUNCH_REQUEST = 0,     /* RunInstances / CreateInstance / ReplaceSystemDisk request */
	KW_LAUNCH_TEMPLATE,        /* a launch template version */
	KW_LAUNCH_RESOURCE,        /* a Terraform resource that creates machines */
} kw_launch_kind;

/* What user data was found to do (userdata.h) */
enum {
	KW_UD_PWAUTH = 1u << 0,    /* enables SSH password logon (ssh_pwauth: true,
				    * PasswordAuthentication yes written by a script) */
	KW_UD_SETPW = 1u << 1,     /* sets a password (chpasswd:, `chpasswd`, `passwd
				    * --stdin`, `usermod -p`, password: in users:) */
	KW_UD_WINUSER = 1u << 2,   /* Windows: net user NAME PASSWORD, an autologon password */
	KW_UD_ROOTLOGIN = 1u << 3, /* PermitRootLogin yes / disable_root: false */
};

typedef struct kw_cloud_launch {
	uint8_t provider;
	uint8_t kind;              /* kw_launch_kind */
	uint8_t os;                /* kw_cloud_os (from the platform or the image, if said) */
	uint8_t password_inherit;  /* kw_tri: Alibaba PasswordInherit */
	uint8_t password;          /* kw_tri: a plaintext password is given (never kept) */
	uint8_t key_pair;          /* kw_tri: a key pair is named */
	uint8_t public_ip;         /* kw_tri */
	uint8_t user_data;         /* kw_tri: TRUE read and scanned; UNKNOWN present but not
				    * readable (a hash, compressed, known after apply) */
	unsigned ud_hits;          /* KW_UD_* */
	unsigned ud_line;          /* first line of the first hit, 1-based; 0 none */
	const char *ud_what;       /* the first hit, described ("ssh_pwauth: true"); secret-free */
	const char *ud_why;        /* user_data UNKNOWN: why */
	const char *name;          /* "RunInstances request", "lt-0abc version 3",
				    * "alicloud_instance.web" */
	const char *image;         /* image id, or NULL */
	bool custom_image;         /* Alibaba m-…: a custom image (may carry a password) */
	const char *template_ref;  /* values may come from this launch template */
	const char *origin;
	const uint32_t *groups;    /* indexes in groups (arena) */
	size_t n_groups;
} kw_cloud_launch;

/* The kinds of input the loader recognises (load.c detects them). */
typedef enum kw_cloud_kind {
	KW_KIND_UNKNOWN = 0,
	KW_KIND_AWS_SECURITY_GROUPS,      /* describe-security-groups */
	KW_KIND_AWS_SECURITY_GROUP_RULES, /* describe-security-group-rules */
	KW_KIND_AWS_INSTANCES,            /* describe-instances (Reservations) */
	KW_KIND_AWS_LAUNCH_TEMPLATES,     /* describe-launch-template-versions */
	KW_KIND_AWS_RUN_REQUEST,          /* run-instances --cli-input-json */
	KW_KIND_ALI_SECURITY_GROUP,       /* DescribeSecurityGroupAttribute */
	KW_KIND_ALI_INSTANCES,            /* DescribeInstances */
	KW_KIND_ALI_LAUNCH_TEMPLATES,     /* DescribeLaunchTemplateVersions */
	KW_KIND_ALI_RUN_REQUEST,          /* RunInstances / CreateInstance / ReplaceSystemDisk */
	KW_KIND_TF_PLAN,                  /* terraform show -json PLAN */
	KW_KIND_TF_STATE,                 /* terraform show -json (state) */
	KW_KIND__COUNT
} kw_cloud_kind;

const char *kw_cloud_kind_name(kw_cloud_kind k);  /* "aws describe-security-groups", ... */

typedef struct kw_cloud_input {
	const char *file;          /* as the user named it */
	uint8_t kind;              /* kw_cloud_kind */
	size_t records;            /* rules + instances + launches it gave */
} kw_cloud_input;


typedef struct kw_cloud_model {
	kw_cloud_group *groups;
	size_t n_groups, cap_groups;
	kw_cloud_rule *rules;
	size_t n_rules, cap_rules;
	kw_cloud_instance *instances;
	size_t n_instances, cap_instances;
	kw_cloud_launch *launches;
	size_t n_launches, cap_launches;
	kw_cloud_input *inputs;
	size_t n_inputs, cap_inputs;
	bool have_instances;       /* some input listed instances: group use is known */
	/* private */
	uint32_t *gidx;            /* open addressing over groups: index + 1, 0 = empty */
	size_t gidx_cap;
	kw_arena arena;            /* every string and group list; .bytes: what it holds */
} kw_cloud_model;

void kw_cloud_model_release(kw_cloud_model *m);

/* Copy s[0..n) into the arena, NUL-terminated. NULL on ENOMEM. */
const char *kw_cloud_strn(kw_cloud_model *m, const char *s, size_t n);
/* Copy of a NUL-terminated string; NULL stays NULL (and so does ENOMEM: check s first). */
const char *kw_cloud_str(kw_cloud_model *m, const char *s);
/* printf into the arena. NULL on ENOMEM. */
const char *kw_cloud_strf(kw_cloud_model *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Room for n group indexes in the arena (for instance and launch group lists). */
uint32_t *kw_cloud_idx_array(kw_cloud_model *m, size_t n);

/* The group (provider, id): found, or added as a placeholder (has_rules false; id copied).
 * 0 or -ENOMEM; *ret its index. */
int kw_cloud_group_get(kw_cloud_model *m, kw_cloud_provider p, const char *id, uint32_t *ret);
/* Look up only: its index, or -1. */
long kw_cloud_group_find(const kw_cloud_model *m, kw_cloud_provider p, const char *id);

/* Append a zeroed record; NULL on ENOMEM. The pointer is valid until the next add of
 * the same kind. */
kw_cloud_rule *kw_cloud_rule_add(kw_cloud_model *m);
kw_cloud_instance *kw_cloud_instance_add(kw_cloud_model *m);
kw_cloud_launch *kw_cloud_launch_add(kw_cloud_model *m);
kw_cloud_input *kw_cloud_input_add(kw_cloud_model *m);

/* A CIDR from an export, leniently: blanks around, host bits set ("2.2.2.2/28"), any IPv6
 * spelling ("0::/0", "0000:…:0000/0"), a bare address = a host. 0 or KW_E_PARSE. */
int kw_cloud_cidr_parse(const char *s, kw_cidr *ret);
/* Is it the whole IPv4 or IPv6 space (prefix length 0)? */
static inline bool kw_cloud_cidr_is_internet(const kw_cidr *c)
{
	return c->a.fam != 0 && c->bits == 0;
}

#endif
