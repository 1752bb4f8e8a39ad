/* cloudtest.h — helpers the cloud reader tests share (test_cloud_aws.c, test_cloud_alibaba.c,
 * test_cloud_terraform.c; compiled into every cloud_* unit test): a fixture loaded into a
 * model (ct_load / ct_load_text, freed by ct_done), lookups of its records and assertions
 * on them. Like testutil.h, they fail the running test (cmocka fail_msg) instead of
 * returning errors.
 */
#ifndef KW_CLOUDTEST_H
#define KW_CLOUDTEST_H

#include "cloud/load.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ct_fx {
	kw_cloud_model m;
	kw_diags d;
	int rc;                    /* what kw_cloud_load_file / _text returned */
	char path[512];            /* the file name as origins hold it */
} ct_fx;

/* dir + name through kw_cloud_load_file, or text as "mem.json"; free with ct_done. */
ct_fx *ct_load(const char *dir, const char *name);
ct_fx *ct_load_text(const char *text);
void ct_done(ct_fx *f);

/* No diagnostic at all, and rc 0. */
void ct_no_diags(const ct_fx *f);
/* The diagnostic whose message contains w1 (and w2 unless NULL), or fail. */
const kw_diag *ct_diag_with(const ct_fx *f, const char *w1, const char *w2);
bool ct_ends_with(const char *s, const char *tail);

/* The one rule whose origin is f->path + ptr ("#/SecurityGroups/0/…"), or fail. */
const kw_cloud_rule *ct_rule_at(const ct_fx *f, const char *ptr);
/* The group prov/id, or fail; the id of a rule's group. */
const kw_cloud_group *ct_group(const ct_fx *f, kw_cloud_provider prov, const char *id);
const char *ct_gid(const ct_fx *f, const kw_cloud_rule *r);
/* The instance with this id, or fail. */
const kw_cloud_instance *ct_instance(const ct_fx *f, const char *id);
/* Groups g[0..n) (an instance's or a launch's) as "sg-a,sg-b" in buf[cap]. */
const char *ct_groups_of(const ct_fx *f, const uint32_t *g, size_t n, char *buf, size_t cap);

void ct_assert_cidr(const kw_cloud_rule *r, const char *want);
void ct_assert_ports(const kw_cloud_rule *r, unsigned lo, unsigned hi, bool unknown);
/* secret is in no launch field and no diagnostic. */
void ct_no_secret(const ct_fx *f, const char *secret);

/* CLOCK_MONOTONIC in seconds. */
double ct_now(void);

#endif
