/* policy.h — the deny policies `keyward cloud policy` prints, and what each cloud cannot
 * enforce by policy.
 *
 * The documents are data (data/policies/NAME.json, embedded at build time): users may
 * adapt them. This table says what each one is for, which provider takes it, where it is
 * attached, its limits, and whether its JSON is quoted from the provider's documentation
 * or derived from documented condition keys (then the text says to check it against the
 * live documentation before relying on it).
 */
#ifndef KW_CLOUD_POLICY_H
#define KW_CLOUD_POLICY_H

#include "cloud/model.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct kw_cloud_policy {
	const char *name;          /* "alibaba-deny-password-inherit" (data/policies/NAME.json) */
	kw_cloud_provider provider;
	const char *title;         /* one line */
	const char *attach;        /* "RAM custom policy or Resource Directory control policy" */
	const char *explain;       /* what it stops and what it does not (several sentences) */
	const char *source;        /* documentation it follows */
	bool derived;              /* built from documented keys, not quoted */
	const char *json;          /* the document (embedded data), NUL-terminated */
	size_t len;
} kw_cloud_policy;

/* All policies, in print order (each names its provider). */
const kw_cloud_policy *kw_cloud_policies(size_t *n);
const kw_cloud_policy *kw_cloud_policy_find(const char *name);

/* What cannot be enforced by policy on p, and the detective controls to use instead:
 * NULL-terminated list of paragraphs. */
const char *const *kw_cloud_policy_limits(kw_cloud_provider p);

#endif
