/* readers.h — helpers the three cloud readers share (aws.c, alibaba.c, terraform.c); private
 * to src/cloud. Typed field getters that make the diagnostic for a wrong type, diagnostics
 * at the reader's JSON pointer, rule records made from a template, group lists of
 * instances and launches (deduplicated into the arena), and the record makers for
 * instances, user data and launch template versions. Everything they make lives in the
 * model's arena; a kw_rd_gset owns its heap array until kw_rd_gset_done. Results: 0 (or
 * KW_RD_*) or a negative code, -ENOMEM above all.
 */
#ifndef KW_CLOUD_READERS_H
#define KW_CLOUD_READERS_H

#include "cloud/load.h"

#include <stdarg.h>

/* What the field getters say: found, absent (no key, null, ""), or present with the wrong
 * type (BAD: the diagnostic is made). Negative: -ENOMEM. */
enum { KW_RD_ABSENT = 0, KW_RD_GOT = 1, KW_RD_BAD = 2 };

/* Numbers are read within ±2^53 (what JSON numbers hold exactly) and range-checked after,
 * so a message can say which way a value is wrong. */
#define KW_RD_BIG (1LL << 53)

/* ---- diagnostics ---- */

/* "an object", "a string", "missing" ...: a value's type for a message. */
const char *kw_rd_jtype(const json_t *v);
/* A diagnostic at the current pointer (kw_rd_diag), or at pointer/key (kw_rd_diag_at).
 * 0 or -ENOMEM. */
int kw_rd_diag(kw_cloud_read_ctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int kw_rd_diag_at(kw_cloud_read_ctx *x, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The document cannot be read: a fatal diagnostic at the current pointer, KW_E_PARSE. */
int kw_rd_fatal(kw_cloud_read_ctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- typed fields: o[key] into *ret (NULL / untouched unless GOT); KW_RD_* or -ENOMEM ---- */

int kw_rd_get_str(kw_cloud_read_ctx *x, const json_t *o, const char *key, const char **ret);
int kw_rd_get_int(kw_cloud_read_ctx *x, const json_t *o, const char *key, long long *ret);
int kw_rd_get_bool(kw_cloud_read_ctx *x, const json_t *o, const char *key, bool *ret);
int kw_rd_get_arr(kw_cloud_read_ctx *x, const json_t *o, const char *key, json_t **ret);
int kw_rd_get_obj(kw_cloud_read_ctx *x, const json_t *o, const char *key, json_t **ret);
/* An arena copy of s (non-NULL) into *ret: 0 or -ENOMEM. */
int kw_rd_copy(kw_cloud_read_ctx *x, const char *s, const char **ret);

/* ---- rules, at the current pointer (its origin); 0 or -ENOMEM ---- */

/* One rule: the permission's template t with this source; why is added to t's. */
int kw_rd_emit(kw_cloud_read_ctx *x, const kw_cloud_rule *t, kw_cloud_src src, const kw_cidr *c,
	       const char *ref, const char *why);
/* A rule of which nothing can be read: any protocol, port and source. */
int kw_rd_emit_unreadable(kw_cloud_read_ctx *x, kw_cloud_provider prov, uint32_t gi,
			  kw_cloud_dir dir, const char *why);
/* A CIDR source; an unreadable one is a diagnostic and an unknown source, never dropped. */
int kw_rd_emit_cidr(kw_cloud_read_ctx *x, const kw_cloud_rule *t, const char *text);
/* A prefix list (unresolved: its why says so) or a group reference as the source. */
int kw_rd_emit_prefix_list(kw_cloud_read_ctx *x, const kw_cloud_rule *t, const char *id);
int kw_rd_emit_group_ref(kw_cloud_read_ctx *x, const kw_cloud_rule *t, const char *id);
/* o's IpProtocol into t: a string ("tcp", "-1", "50") or, leniently, a number. */
int kw_rd_read_proto(kw_cloud_read_ctx *x, const json_t *o, kw_cloud_rule *t);

/* ---- group lists of instances and launches ---- */

typedef struct kw_rd_gset {
	uint32_t *v;               /* heap: freed by kw_rd_gset_done */
	size_t n, cap;
	bool unknown;              /* some entry could not be read */
} kw_rd_gset;

/* Group id (the pointer is at where it is named): a placeholder group if new. */
int kw_rd_gset_add(kw_cloud_read_ctx *x, kw_cloud_provider prov, kw_rd_gset *s, const char *id);
/* The group ids in the array a (the pointer is at it): strings, or objects with field
 * (field non-NULL); an entry without an id makes s unknown. 0 or a negative code. */
int kw_rd_gset_add_array(kw_cloud_read_ctx *x, kw_cloud_provider prov, kw_rd_gset *s, const json_t *a,
			 const char *field);
/* When r >= 0, deduplicate s (first-seen order for short lists, index order for long ones)
 * into an arena array *ret of *n; then free s's array. Returns r, or -ENOMEM. */
int kw_rd_gset_done(kw_cloud_read_ctx *x, kw_rd_gset *s, int r, const uint32_t **ret, size_t *n);

/* ---- records ---- */

/* The start of reading an instance object `in` (the pointer is at it): its origin and its
 * "InstanceId" (the origin when it has none, which is a diagnostic). 1 when `in` is
 * not an object (a diagnostic: the caller skips it), 0 to go on, or a negative code. */
int kw_rd_instance_begin(kw_cloud_read_ctx *x, const json_t *in, const char **origin, const char **id);
/* A new instance record from what a reader found, unless r < 0 (returned as it is): *t
 * (provider, os, public_ip, public_why, origin) with its groups from gs (freed here), arena
 * copies of id and name (may be NULL). An instance with only an IPv6 address v6 (may be
 * NULL) and no public IPv4 is UNKNOWN: "IPv6 address ... (public if V6_WHEN)". A public
 * address whose text could not be made is -ENOMEM. 0 or a negative code. */
int kw_rd_instance_add(kw_cloud_read_ctx *x, kw_rd_gset *gs, int r, kw_cloud_instance *t,
		       const char *id, const char *name, const char *v6, const char *v6_when);
/* The first non-empty "Ipv6Address" string of an array of objects (a network interface's
 * IPv6 list on both clouds), or NULL. */
const char *kw_rd_first_ipv6(const json_t *a);
/* A new launch record from what a reader found, unless r < 0 (returned as it is), as
 * kw_rd_instance_add does for instances: *t (provider, kind, settings, name, template_ref,
 * origin) with its groups from gs (freed here) and an arena copy of image (may be NULL);
 * then its UserData ud (NULL: none; ud_bad: not a string) judged by kw_userdata_judge,
 * base64-encoded when b64. 0 or a negative code. */
int kw_rd_launch_add(kw_cloud_read_ctx *x, kw_rd_gset *gs, int r, const kw_cloud_launch *t,
		     const char *image, const char *ud, bool ud_bad, bool b64);

/* Reads one launch's settings d into a new launch record (the reader's read_launch). */
typedef int (*kw_rd_launch_fn)(kw_cloud_read_ctx *x, const json_t *d, kw_launch_kind kind,
			       const char *name, const char *tref, const char *origin);
/* The launch template versions in a (the pointer is at it): LaunchTemplateId or -Name,
 * VersionNumber and LaunchTemplateData, each read by read_launch. 0 or a negative code. */
int kw_rd_template_versions(kw_cloud_read_ctx *x, const json_t *a, kw_rd_launch_fn read_launch);

#endif
