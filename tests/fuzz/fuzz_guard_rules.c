/* fuzz_guard_rules.c — libFuzzer harness for the pam_abl rule parser and windows
 * (src/guard/rules.c).
 *
 * The input up to its first NUL is rule text. Checks: no crash, no leak, no read past
 * the text; the parser returns 0 or KW_E_USAGE (-ENOMEM aside); a refusal explains itself
 * with a column and leaves the output zeroed; an accepted rule has every count and
 * period within bounds, max_count/max_period_s equal to the largest of them, names that
 * are never empty and never '*' inside a longer name, and a normalised text that parses
 * again to itself with the same structure. kw_rules_blocked is then compared with a naive
 * counter over a time series and subjects derived from the input. kw_duration_parse runs
 * on the whole input too: whatever it accepts is digits and one unit within the bound. */
#include "base/err.h"
#include "guard/rules.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_duration(const uint8_t *data, size_t size)
{
	uint64_t v = 0, max = size ? data[0] * 1000u : 0;
	if (kw_duration_parse((const char *)data, size, max, &v) != 0)
		return;
	if (size < 2 || v > max || !strchr("smhdw", data[size - 1]))
		abort();
	for (size_t i = 0; i + 1 < size; i++)
		if (data[i] < '0' || data[i] > '9')
			abort();
}

static bool same_structure(const kw_rules *a, const kw_rules *b)
{
	if (a->nclauses != b->nclauses || a->max_count != b->max_count || a->max_period_s != b->max_period_s)
		return false;
	for (size_t i = 0; i < a->nclauses; i++) {
		const kw_rule_clause *x = &a->clauses[i], *y = &b->clauses[i];
		if (x->negate != y->negate || x->nnames != y->nnames || x->ntriggers != y->ntriggers)
			return false;
		for (size_t j = 0; j < x->nnames; j++) {
			if (strcmp(x->names[j].name, y->names[j].name) != 0)
				return false;
			if (!x->names[j].service != !y->names[j].service ||
			    (x->names[j].service && strcmp(x->names[j].service, y->names[j].service) != 0))
				return false;
		}
		for (size_t j = 0; j < x->ntriggers; j++)
			if (x->triggers[j].count != y->triggers[j].count || x->triggers[j].period_s != y->triggers[j].period_s)
				return false;
	}
	return true;
}

static void check_accepted(const kw_rules *r)
{
	uint32_t mc = 0, mp = 0;
	if (!r->text || r->nclauses == 0)
		abort();
	for (size_t i = 0; i < r->nclauses; i++) {
		const kw_rule_clause *c = &r->clauses[i];
		if (c->nnames == 0 || c->ntriggers == 0)
			abort();
		for (size_t j = 0; j < c->nnames; j++) {
			const char *n = c->names[j].name, *s = c->names[j].service;
			if (!n || !n[0] || (strlen(n) > 1 && strchr(n, '*')))
				abort();
			if (s && (!s[0] || strchr(s, '*') || strchr(s, ':')))
				abort();
		}
		for (size_t j = 0; j < c->ntriggers; j++) {
			const kw_rule_trigger *t = &c->triggers[j];
			if (t->count < 1 || t->count > KW_RULE_MAX_COUNT || t->period_s < 1 || t->period_s > KW_RULE_MAX_PERIOD_S)
				abort();
			mc = t->count > mc ? t->count : mc;
			mp = t->period_s > mp ? t->period_s : mp;
		}
	}
	if (mc != r->max_count || mp != r->max_period_s)
		abort();
	kw_rules again;
	char err[256];
	if (kw_rules_parse(r->text, &again, err, sizeof err) != 0)
		abort();
	if (strcmp(again.text, r->text) != 0 || !same_structure(r, &again))
		abort();
	kw_rules_release(&again);
}

/* The naive reading of rules.h: any applicable clause, any trigger, now - t < PERIOD. */
static bool naive(const kw_rules *r, const char *subj, size_t len, const char *svc,
		  const int64_t *t, size_t n, int64_t now)
{
	for (size_t i = 0; i < r->nclauses; i++) {
		const kw_rule_clause *c = &r->clauses[i];
		bool named = false;
		for (size_t j = 0; j < c->nnames; j++) {
			const kw_rule_name *nm = &c->names[j];
			bool name_ok = !strcmp(nm->name, "*") || (strlen(nm->name) == len && !memcmp(nm->name, subj, len));
			if (name_ok && (!nm->service || !strcmp(nm->service, svc)))
				named = true;
		}
		if (named == c->negate)
			continue;
		for (size_t j = 0; j < c->ntriggers; j++) {
			uint32_t in = 0;
			for (size_t k = 0; k < n; k++)
				if (now - t[k] < (int64_t)c->triggers[j].period_s)
					in++;
			if (in >= c->triggers[j].count)
				return true;
		}
	}
	return false;
}

static void check_windows(const kw_rules *r, const uint8_t *data, size_t size)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 1099511628211ull;
	int64_t t[48];
	size_t n = (size_t)(h % 48);
	int64_t at = 1000000;
	for (size_t i = 0; i < n; i++) {
		h = h * 6364136223846793005ull + 1442695040888963407ull;
		at += (int64_t)((h >> 33) % 5000);
		t[i] = at;
	}
	/* subjects: the first name of each clause and one that no rule names */
	for (size_t i = 0; i <= r->nclauses && i < 4; i++) {
		const char *subj = i < r->nclauses ? r->clauses[i].names[0].name : "nobody-at-all";
		const char *svc = i < r->nclauses && r->clauses[i].names[0].service ? r->clauses[i].names[0].service : "sshd";
		for (int k = 0; k < 3; k++) {
			int64_t now = at - (int64_t)(k * 3000) + (int64_t)(h % 7000);
			const kw_rule_trigger *hit;
			bool b = kw_rules_blocked(r, subj, strlen(subj), svc, t, n, now, &hit);
			if (b != naive(r, subj, strlen(subj), svc, t, n, now) || b != (hit != NULL))
				abort();
			if (b && !kw_rules_match(r, subj, strlen(subj), svc))
				abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_duration(data, size);
	size_t n = strnlen((const char *)data, size);
	char *text = malloc(n + 1);
	if (!text)
		return 0;
	memcpy(text, data, n);
	text[n] = '\0';
	kw_rules r;
	char err[256];
	int rc = kw_rules_parse(text, &r, err, sizeof err);
	if (rc == 0) {
		check_accepted(&r);
		check_windows(&r, data, size);
	} else if (rc == KW_E_USAGE) {
		if (strncmp(err, "column ", 7) != 0 || r.nclauses || r.clauses || r.text)
			abort();
	} else if (rc != -ENOMEM) {
		abort();
	}
	kw_rules_release(&r);
	free(text);
	return 0;
}
