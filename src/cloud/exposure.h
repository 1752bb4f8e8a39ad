/* exposure.h — what the whole internet reaches, from the normalised rules (model.h).
 *
 * A *subject* is what traffic lands on: an instance (the rules of all its groups pooled),
 * a launch request or template that names groups (a Terraform instance resource is an
 * instance already), or a group evaluated alone when nothing in the input uses
 * it (or no input listed instances). For each subject and address family (IPv4, IPv6):
 *
 *   - openings: every Allow ingress rule whose source is the whole family (0.0.0.0/0, ::/0,
 *     any spelling), or several Allow rules for the same protocol and ports whose sources
 *     together cover the whole family (0.0.0.0/1 + 128.0.0.0/1), with the ports still open
 *     after Alibaba's Drop rules; plus the *unknown* ones: Allow rules from a prefix list
 *     the input does not resolve, with a port list, or with values known only after apply.
 *   - points: SSH (tcp/22), RDP (tcp/3389), RDP over UDP (udp/3389): open, unknown or
 *     closed, and the rule that decided.
 *
 * AWS groups only allow: traffic is open when any Allow covers it. Alibaba rules are
 * pooled across the subject's groups and ordered by priority (1 first) with Drop before
 * Accept at equal priority: an Accept from the whole family is cancelled only by a Drop of
 * equal or better priority that covers its protocol, the port, and the whole family (a
 * Drop of a narrower source does not cancel it). Group references are members of another
 * group, never the internet. Pure: no I/O.
 */
#ifndef KW_CLOUD_EXPOSURE_H
#define KW_CLOUD_EXPOSURE_H

#include "cloud/model.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum kw_expo_kind { KW_SUBJ_GROUP = 0, KW_SUBJ_INSTANCE, KW_SUBJ_LAUNCH } kw_expo_kind;
typedef enum kw_expo_svc { KW_SVC_SSH = 0, KW_SVC_RDP, KW_SVC_RDP_UDP, KW_SVC__COUNT } kw_expo_svc;
typedef enum kw_expo_state { KW_EXPO_CLOSED = 0, KW_EXPO_OPEN, KW_EXPO_UNKNOWN } kw_expo_state;

#define KW_EXPO_NONE UINT32_MAX
#define KW_EXPO_RANGES 6

typedef struct kw_expo_range {
	uint16_t lo, hi;
} kw_expo_range;

typedef struct kw_expo_opening {
	uint32_t rule;             /* the Allow rule (the first of a union) */
	uint32_t n_union;          /* 1, or how many rules' sources together make the family */
	uint32_t cut_by;           /* the first Drop that closed some of its ports, or NONE */
	uint8_t fam;               /* 4 or 6 */
	bool unknown;              /* may be open: see the rule's why_unknown */
	bool all_ports;            /* every protocol, or every port of TCP or UDP, still open */
	uint8_t n_left;            /* open port ranges (TCP/UDP; the rule's range otherwise) */
	bool more_left;            /* more than KW_EXPO_RANGES ranges */
	kw_expo_range left[KW_EXPO_RANGES];
} kw_expo_opening;

typedef struct kw_expo_point {
	uint8_t state;             /* kw_expo_state */
	uint32_t rule;             /* the rule that opens it (or may), or NONE */
	uint32_t n_union;
} kw_expo_point;

typedef struct kw_expo_subject {
	uint8_t kind;              /* kw_expo_kind */
	uint32_t index;            /* in groups, instances or launches */
	kw_expo_point pt[KW_SVC__COUNT][2];   /* [service][0 = IPv4, 1 = IPv6] */
	kw_expo_opening *open;     /* owned */
	size_t n_open;
	uint32_t *missing;         /* owned: its groups whose rules the input does not hold */
	size_t n_missing;
	bool partial;              /* some group's export was paged (NextToken) */
	bool rules_unknown;        /* some group's rules are known only after apply */
	bool alone;                /* a group judged alone (no instance mapping for it) */
} kw_expo_subject;

typedef struct kw_exposure {
	kw_expo_subject *v;
	size_t n;
	uint32_t *group_users;     /* per group: instances and launches naming it */
} kw_exposure;

/* 0 or -ENOMEM. */
int kw_exposure_eval(const kw_cloud_model *m, kw_exposure *out);
void kw_exposure_release(kw_exposure *e);

/* The service's protocol and port (tcp 22, tcp 3389, udp 3389) and its name ("SSH"). */
void kw_expo_svc_port(kw_expo_svc s, kw_cloud_proto *proto, uint16_t *port);
const char *kw_expo_svc_name(kw_expo_svc s);

/* Does the opening leave proto/port open (its protocol covers proto and a left range
 * holds port)? */
bool kw_expo_opening_has(const kw_cloud_rule *r, const kw_expo_opening *o, kw_cloud_proto proto,
			 uint16_t port);

#endif
