/* rules.h — pam_abl rules: `*:10/1h,30/1d`, `root|admin:3/1h`, `!root:20/1d`, `root/sshd:5/1h`.
 *
 *   rule    ::= clause (WS clause)*
 *   clause  ::= ['!'] names ':' trigger (',' trigger)*
 *   names   ::= name ['/' service] ('|' name ['/' service])*       '*' matches anything
 *   trigger ::= COUNT '/' PERIOD          PERIOD ::= NUMBER ('s'|'m'|'h'|'d'|'w')
 *
 * A subject (an address for host rules, a user name for user rules) is blocked when, for
 * any clause whose names match it, any trigger sees COUNT or more attempts within its
 * PERIOD (a sliding window ending now). Unlike pam_abl, a period without a unit is an
 * error, not a silently skipped trigger. Parsing never reads past the string.
 */
#ifndef KW_GUARD_RULES_H
#define KW_GUARD_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KW_RULE_MAX_COUNT 100000u
#define KW_RULE_MAX_PERIOD_S (366u * 86400u)

typedef struct kw_rule_trigger {
	uint32_t count;    /* 1..KW_RULE_MAX_COUNT */
	uint32_t period_s; /* 1..KW_RULE_MAX_PERIOD_S */
} kw_rule_trigger;

typedef struct kw_rule_name {
	char *name;    /* owned; "*" = any */
	char *service; /* owned; NULL = any */
} kw_rule_name;

typedef struct kw_rule_clause {
	bool negate;
	kw_rule_name *names;
	size_t nnames;
	kw_rule_trigger *triggers;
	size_t ntriggers;
} kw_rule_clause;

typedef struct kw_rules {
	kw_rule_clause *clauses;
	size_t nclauses;
	uint32_t max_count;    /* the largest COUNT of any trigger: attempts a subject must keep */
	uint32_t max_period_s; /* the longest PERIOD: how long attempts must be kept */
	char *text;            /* owned: the normalised rule, for reports */
} kw_rules;

/* Parse; on error returns KW_E_USAGE and writes a message naming the column to err. */
int kw_rules_parse(const char *text, kw_rules *out, char *err, size_t errlen);
void kw_rules_release(kw_rules *r);

/* Does any clause apply to this subject (and service; NULL = "sshd")? */
bool kw_rules_match(const kw_rules *r, const char *subject, size_t subject_len, const char *service);

/* times[0..n): attempt times in seconds, ascending (only the last max_count matter).
 * Returns true when blocked at `now`; *hit (optional) gets the trigger that fired first. */
bool kw_rules_blocked(const kw_rules *r, const char *subject, size_t subject_len,
		      const char *service, const int64_t *times, size_t n, int64_t now,
		      const kw_rule_trigger **hit);

/* Parse a duration: NUMBER followed by s, m, h, d or w ("90s", "1h", "2w"). Bare numbers
 * are refused. 0 or KW_E_USAGE. Shared with the config file. */
int kw_duration_parse(const char *p, size_t n, uint64_t max_s, uint64_t *out_s);

#endif
