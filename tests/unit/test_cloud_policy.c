/* test_cloud_policy.c — the deny policies (src/cloud/policy.c) and `keyward cloud
 * policy` rendering (src/report/cloud_policy.c).
 *
 *  - the table: the six documents are embedded, each byte-identical to its file in
 *    data/policies/, found by name (unknown and NULL names are not), with a title, an
 *    attach point naming RAM / control policy or SCP, an explanation and a source;
 *  - every document parses with jansson (duplicate keys refused) as a complete policy:
 *    Alibaba Version "1", AWS "2012-10-17", a non-empty Statement list whose statements
 *    all have Effect Deny, an Action and a Resource (string or non-empty list of
 *    strings), and a Condition (when present) of operator objects;
 *  - the particular documents: password-inherit has exactly RunInstances, CreateInstance
 *    and ReplaceSystemDisk with Bool ecs:PasswordInherit true and is marked derived with
 *    the source page; password-logon and root-logon are the documented ones (not derived);
 *    internet-rules uses ecs:SecurityGroupSourceCidrIps 0.0.0.0/0 and says it blocks HTTPS,
 *    not ::/0, not existing rules; aws-deny-key-pairs denies key-pair resources and says it
 *    is the opposite direction; aws-require-launch-template uses the two launch-template
 *    keys and says what was confirmed;
 *  - limits: the AWS and Alibaba paragraphs say what the brief requires (no CIDR/port/
 *    protocol condition, no required key pair, the detective controls by name; no port
 *    key, no IPv6 key, ESS/ROS open question, keyward sanitize), NULL-terminated, both for
 *    KW_CLOUD_ANY;
 *  - text: a named document byte for byte; all of a provider's: its documents and no
 *    others, everything else comment lines (wrapped at 88 columns), one DERIVED note per
 *    derived document; unknown name and provider mismatch are -ENOENT and print nothing;
 *  - JSON: the header fields, the policies asked for in order with "document" equal to
 *    the parsed file, limits only for the providers asked for;
 *  - a write error (/dev/full) is -EIO in both formats.
 */
#include "report/cloud_policy.h"
#include "cloud/policy.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[] = {
	"alibaba-deny-password-inherit", "alibaba-deny-password-logon", "alibaba-deny-root-logon",
	"alibaba-deny-internet-rules",   "aws-deny-key-pairs",          "aws-require-launch-template",
};
#define N_NAMES (sizeof names / sizeof names[0])

static char *data_file(const char *name, size_t *len)
{
	char path[512];
	snprintf(path, sizeof path, "%s/../../data/policies/%s.json", KW_TEST_DATA, name);
	char *t = (char *)kwt_read_file(path, len);
	assert_non_null(t);
	return t;
}

static json_t *parse(const char *text, size_t len)
{
	json_error_t e;
	json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &e);
	if (!j)
		fail_msg("parse: line %d: %s", e.line, e.text);
	return j;
}

/* Render into a string (NUL-terminated); *r the result. */
static char *render(kw_cloud_provider p, const char *name, bool json, int *r, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	assert_non_null(f);
	*r = kw_cloud_policy_render(f, p, name, json);
	assert_int_equal(fclose(f), 0);
	if (len)
		*len = n;
	return buf;
}

static bool is_str_or_list(const json_t *v)
{
	if (json_is_string(v))
		return json_string_length(v) > 0;
	if (!json_is_array(v) || json_array_size(v) == 0)
		return false;
	size_t i;
	json_t *x;
	json_array_foreach(v, i, x)
		if (!json_is_string(x) || json_string_length(x) == 0)
			return false;
	return true;
}

/* ---- the table ---- */

static void test_table(void **state)
{
	(void)state;
	size_t n;
	const kw_cloud_policy *t = kw_cloud_policies(&n);
	assert_int_equal(n, N_NAMES);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(t[i].name, names[i]); /* print order */
		assert_ptr_equal(kw_cloud_policy_find(names[i]), &t[i]);
		size_t fl;
		char *f = data_file(names[i], &fl);
		assert_int_equal(t[i].len, fl);
		assert_memory_equal(t[i].json, f, fl);
		assert_int_equal(t[i].json[t[i].len], '\0');
		free(f);
		bool ali = !strncmp(names[i], "alibaba-", 8);
		assert_int_equal(t[i].provider, ali ? KW_CLOUD_ALIBABA : KW_CLOUD_AWS);
		assert_true(strlen(t[i].title) > 20);
		assert_true(strlen(t[i].explain) > 200);
		assert_non_null(strstr(t[i].source, "https://"));
		assert_non_null(strstr(t[i].attach, ali ? "RAM custom policy" : "SCP"));
		if (ali)
			assert_non_null(strstr(t[i].attach, "Resource Directory control policy"));
		if (t[i].derived)
			assert_non_null(strstr(t[i].explain, "live") ? strstr(t[i].explain, "live")
								       : strstr(t[i].explain, "sandbox"));
	}
	assert_null(kw_cloud_policy_find("alibaba-deny-password"));
	assert_null(kw_cloud_policy_find("ALIBABA-DENY-PASSWORD-INHERIT"));
	assert_null(kw_cloud_policy_find(""));
	assert_null(kw_cloud_policy_find(NULL));
}

static void test_documents(void **state)
{
	(void)state;
	size_t n;
	const kw_cloud_policy *t = kw_cloud_policies(&n);
	for (size_t i = 0; i < n; i++) {
		json_t *d = parse(t[i].json, t[i].len);
		assert_true(json_is_object(d));
		const char *ver = json_string_value(json_object_get(d, "Version"));
		assert_non_null(ver);
		assert_string_equal(ver, t[i].provider == KW_CLOUD_ALIBABA ? "1" : "2012-10-17");
		json_t *st = json_object_get(d, "Statement");
		assert_true(json_is_array(st) && json_array_size(st) > 0);
		size_t k;
		json_t *s;
		json_array_foreach(st, k, s) {
			assert_true(json_is_object(s));
			assert_string_equal(json_string_value(json_object_get(s, "Effect")), "Deny");
			if (!is_str_or_list(json_object_get(s, "Action")) || !is_str_or_list(json_object_get(s, "Resource")))
				fail_msg("%s statement %zu: Action or Resource missing", t[i].name, k);
			const char *prefix = t[i].provider == KW_CLOUD_ALIBABA ? "ecs:" : "ec2:";
			json_t *a = json_object_get(s, "Action");
			if (json_is_string(a))
				assert_int_equal(strncmp(json_string_value(a), prefix, 4), 0);
			json_t *c = json_object_get(s, "Condition");
			if (c) {
				assert_true(json_is_object(c) && json_object_size(c) > 0);
				const char *op;
				json_t *keys;
				json_object_foreach(c, op, keys)
					assert_true(json_is_object(keys) && json_object_size(keys) > 0);
			}
		}
		/* two-space indentation, a final newline */
		assert_int_equal(t[i].json[t[i].len - 1], '\n');
		assert_int_equal(strncmp(t[i].json, "{\n  \"Version\"", 13), 0);
		json_decref(d);
	}
}

static json_t *doc_of(const char *name)
{
	const kw_cloud_policy *c = kw_cloud_policy_find(name);
	assert_non_null(c);
	return parse(c->json, c->len);
}

/* The only value of Condition[op][key] (a string or a one-element list). */
static const char *cond1(json_t *stmt, const char *op, const char *key)
{
	json_t *v = json_object_get(json_object_get(json_object_get(stmt, "Condition"), op), key);
	if (json_is_array(v)) {
		assert_int_equal(json_array_size(v), 1);
		v = json_array_get(v, 0);
	}
	return json_string_value(v);
}

static void test_particular(void **state)
{
	(void)state;
	/* the seed: exactly three actions and the Bool condition */
	json_t *d = doc_of("alibaba-deny-password-inherit");
	json_t *st = json_object_get(d, "Statement");
	assert_int_equal(json_array_size(st), 1);
	json_t *s = json_array_get(st, 0);
	json_t *a = json_object_get(s, "Action");
	assert_int_equal(json_array_size(a), 3);
	static const char *const three[] = { "ecs:RunInstances", "ecs:CreateInstance", "ecs:ReplaceSystemDisk" };
	for (size_t i = 0; i < 3; i++)
		assert_string_equal(json_string_value(json_array_get(a, i)), three[i]);
	assert_string_equal(json_string_value(json_object_get(s, "Resource")), "*");
	assert_int_equal(json_object_size(json_object_get(s, "Condition")), 1);
	assert_string_equal(cond1(s, "Bool", "ecs:PasswordInherit"), "true");
	const kw_cloud_policy *c = kw_cloud_policy_find("alibaba-deny-password-inherit");
	assert_true(c->derived);
	assert_non_null(strstr(c->source, "avoid-using-default-login-credentials-in-images"));
	assert_non_null(strstr(c->explain, "live page"));
	assert_non_null(strstr(c->explain, "keyward sanitize"));
	json_decref(d);

	/* (a) documented: custom password on Linux, then four actions on any platform */
	d = doc_of("alibaba-deny-password-logon");
	st = json_object_get(d, "Statement");
	assert_int_equal(json_array_size(st), 2);
	assert_string_equal(cond1(json_array_get(st, 0), "Bool", "ecs:PasswordCustomized"), "true");
	assert_string_equal(cond1(json_array_get(st, 0), "StringEquals", "ecs:ImagePlatform"), "linux");
	assert_int_equal(json_array_size(json_object_get(json_array_get(st, 1), "Action")), 4);
	assert_false(kw_cloud_policy_find("alibaba-deny-password-logon")->derived);
	json_decref(d);

	/* (b) documented */
	d = doc_of("alibaba-deny-root-logon");
	s = json_array_get(json_object_get(d, "Statement"), 0);
	assert_string_equal(cond1(s, "Bool", "ecs:LoginAsNonRoot"), "false");
	assert_int_equal(json_array_size(json_object_get(s, "Action")), 6);
	assert_false(kw_cloud_policy_find("alibaba-deny-root-logon")->derived);
	json_decref(d);

	/* (d) derived */
	d = doc_of("alibaba-deny-internet-rules");
	s = json_array_get(json_object_get(d, "Statement"), 0);
	assert_string_equal(cond1(s, "StringEquals", "ecs:SecurityGroupSourceCidrIps"), "0.0.0.0/0");
	c = kw_cloud_policy_find("alibaba-deny-internet-rules");
	assert_true(c->derived);
	assert_non_null(strstr(c->explain, "HTTPS"));
	assert_non_null(strstr(c->explain, "::/0"));
	assert_non_null(strstr(c->explain, "already exist"));
	assert_non_null(strstr(c->explain, "No port condition key"));
	json_decref(d);

	/* AWS: key pairs denied, the opposite direction */
	d = doc_of("aws-deny-key-pairs");
	s = json_array_get(json_object_get(d, "Statement"), 0);
	assert_string_equal(json_string_value(json_object_get(s, "Action")), "ec2:RunInstances");
	assert_string_equal(json_string_value(json_object_get(s, "Resource")), "arn:aws:ec2:*:*:key-pair/*");
	assert_null(json_object_get(s, "Condition"));
	c = kw_cloud_policy_find("aws-deny-key-pairs");
	assert_true(c->derived);
	assert_non_null(strstr(c->explain, "opposite direction"));
	assert_non_null(strstr(c->explain, "SSM"));
	assert_non_null(strstr(c->explain, "no SCP or IAM condition can require a key pair"));
	json_decref(d);

	/* AWS: launch template required, key pair and groups from it */
	d = doc_of("aws-require-launch-template");
	st = json_object_get(d, "Statement");
	assert_int_equal(json_array_size(st), 2);
	s = json_array_get(st, 0);
	assert_string_equal(json_string_value(json_object_get(s, "Resource")), "arn:aws:ec2:*:*:instance/*");
	assert_string_equal(cond1(s, "Null", "ec2:LaunchTemplate"), "true");
	s = json_array_get(st, 1);
	assert_string_equal(cond1(s, "Bool", "ec2:IsLaunchTemplateResource"), "false");
	c = kw_cloud_policy_find("aws-require-launch-template");
	assert_non_null(strstr(c->explain, "Confirmed"));
	assert_non_null(strstr(c->explain, "ec2:IsLaunchTemplateResource"));
	json_decref(d);
}

static void test_limits(void **state)
{
	(void)state;
	static const char *const aws_need[] = { "CIDR", "port", "protocol", "require a key pair", "restricted-ssh",
						"INCOMING_SSH_DISABLED", "restricted-common-ports",
						"vpc-sg-open-only-to-authorized-ports", "Security Hub", "Firewall Manager",
						"`keyward cloud`", "CI" };
	static const char *const ali_need[] = { "no port condition key", "IPv6", "ESS", "ROS", "open question",
						"root/ecs-user", "authorized_keys", "keyward sanitize", "`keyward cloud`" };
	static const struct { kw_cloud_provider p; const char *const *need; size_t n; } want[] = {
		{ KW_CLOUD_AWS, aws_need, sizeof aws_need / sizeof aws_need[0] },
		{ KW_CLOUD_ALIBABA, ali_need, sizeof ali_need / sizeof ali_need[0] },
	};
	size_t total = 0;
	for (size_t w = 0; w < 2; w++) {
		const char *const *l = kw_cloud_policy_limits(want[w].p);
		size_t np = 0;
		size_t len = 0;
		for (; l[np]; np++)
			len += strlen(l[np]) + 1;
		assert_true(np >= 3);
		total += np;
		char *all = calloc(1, len + 1);
		for (size_t i = 0; i < np; i++) {
			strcat(all, l[i]);
			strcat(all, "\n");
			/* each names its provider: they are printed together for --provider-less runs */
			assert_int_equal(strncmp(l[i], want[w].p == KW_CLOUD_AWS ? "AWS" : "Alibaba Cloud",
						 want[w].p == KW_CLOUD_AWS ? 3 : 13), 0);
		}
		for (size_t i = 0; i < want[w].n; i++)
			if (!strstr(all, want[w].need[i]))
				fail_msg("%s limits do not mention '%s'", kw_cloud_provider_name(want[w].p), want[w].need[i]);
		free(all);
	}
	size_t na = 0;
	for (const char *const *l = kw_cloud_policy_limits(KW_CLOUD_ANY); *l; l++)
		na++;
	assert_int_equal(na, total);
}

/* ---- text ---- */

static void test_text_named(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_NAMES; i++) {
		int r;
		size_t len, fl;
		char *out = render(KW_CLOUD_ANY, names[i], false, &r, &len);
		assert_int_equal(r, 0);
		char *f = data_file(names[i], &fl);
		assert_int_equal(len, fl);
		assert_memory_equal(out, f, fl);
		free(out);
		/* with the matching provider too */
		out = render(names[i][1] == 'l' ? KW_CLOUD_ALIBABA : KW_CLOUD_AWS, names[i], false, &r, &len);
		assert_int_equal(r, 0);
		assert_int_equal(len, fl);
		free(out);
		free(f);
	}
	int r;
	size_t len;
	char *out = render(KW_CLOUD_ANY, "no-such-policy", false, &r, &len);
	assert_int_equal(r, -ENOENT);
	assert_int_equal(len, 0);
	free(out);
	out = render(KW_CLOUD_AWS, "alibaba-deny-password-inherit", false, &r, &len);
	assert_int_equal(r, -ENOENT);
	assert_int_equal(len, 0);
	free(out);
	out = render(KW_CLOUD_ALIBABA, "aws-deny-key-pairs", true, &r, &len);
	assert_int_equal(r, -ENOENT);
	assert_int_equal(len, 0);
	free(out);
}

static void test_text_all(void **state)
{
	(void)state;
	for (int p = KW_CLOUD_ANY; p <= KW_CLOUD_ALIBABA; p++) {
		int r;
		char *out = render((kw_cloud_provider)p, NULL, false, &r, NULL);
		assert_int_equal(r, 0);
		/* without comment and blank lines, what is left is the documents in order */
		size_t cap = strlen(out) + 1, k = 0;
		char *docs = malloc(cap);
		char *expect = calloc(1, 8192);
		unsigned derived = 0, derived_notes = 0;
		for (char *line = out, *nl; *line; line = nl + 1) {
			nl = strchr(line, '\n');
			assert_non_null(nl); /* every line ends */
			size_t ll = (size_t)(nl - line);
			if (ll == 0)
				continue;
			if (line[0] == '#') {
				if (ll > 88) { /* only a word too long for any line (a URL) may stick out */
					const char *sp = line + ll;
					while (sp[-1] != ' ')
						sp--;
					if ((size_t)(line + ll - sp) < 40)
						fail_msg("comment line over 88 columns: %.*s", (int)ll, line);
				}
				derived_notes += !strncmp(line, "# DERIVED:", 10);
				continue;
			}
			memcpy(docs + k, line, ll + 1);
			k += ll + 1;
		}
		docs[k] = '\0';
		size_t n;
		const kw_cloud_policy *t = kw_cloud_policies(&n);
		for (size_t i = 0; i < n; i++) {
			if (p != KW_CLOUD_ANY && t[i].provider != (kw_cloud_provider)p)
				continue;
			strcat(expect, t[i].json);
			derived += t[i].derived;
		}
		assert_string_equal(docs, expect);
		assert_int_equal(derived_notes, derived);
		assert_non_null(strstr(out, "# What policy cannot enforce"));
		assert_int_equal(strstr(out, "INCOMING_SSH_DISABLED") != NULL, p != KW_CLOUD_ALIBABA);
		assert_int_equal(strstr(out, "sanitize") != NULL, p != KW_CLOUD_AWS);
		assert_int_equal(strstr(out, "# alibaba-deny-password-inherit: ") != NULL, p != KW_CLOUD_AWS);
		assert_int_equal(strstr(out, "# aws-deny-key-pairs: ") != NULL, p != KW_CLOUD_ALIBABA);
		free(docs);
		free(expect);
		free(out);
	}
}

/* ---- JSON ---- */

static void test_json(void **state)
{
	(void)state;
	static const struct { kw_cloud_provider p; const char *name; const char *prov; size_t n; bool aws, ali; } cases[] = {
		{ KW_CLOUD_ANY, NULL, "all", 6, true, true },
		{ KW_CLOUD_ALIBABA, NULL, "alibaba", 4, false, true },
		{ KW_CLOUD_AWS, NULL, "aws", 2, true, false },
		{ KW_CLOUD_ANY, "aws-require-launch-template", "aws", 1, true, false },
		{ KW_CLOUD_ALIBABA, "alibaba-deny-internet-rules", "alibaba", 1, false, true },
	};
	for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
		int r;
		size_t len;
		char *out = render(cases[ci].p, cases[ci].name, true, &r, &len);
		assert_int_equal(r, 0);
		assert_int_equal(out[len - 1], '\n');
		json_t *j = parse(out, len);
		assert_string_equal(json_string_value(json_object_get(j, "format")), "keyward-cloud-policy");
		assert_int_equal(json_integer_value(json_object_get(j, "version")), 1);
		assert_string_equal(json_string_value(json_object_get(j, "provider")), cases[ci].prov);
		json_t *pols = json_object_get(j, "policies");
		assert_int_equal(json_array_size(pols), cases[ci].n);
		size_t i;
		json_t *o;
		const char *prev = "";
		json_array_foreach(pols, i, o) {
			const char *name = json_string_value(json_object_get(o, "name"));
			assert_non_null(name);
			if (cases[ci].name)
				assert_string_equal(name, cases[ci].name);
			const kw_cloud_policy *c = kw_cloud_policy_find(name);
			assert_non_null(c);
			assert_true(strcmp(prev, name) != 0);
			prev = name;
			assert_string_equal(json_string_value(json_object_get(o, "provider")), kw_cloud_provider_name(c->provider));
			assert_string_equal(json_string_value(json_object_get(o, "title")), c->title);
			assert_string_equal(json_string_value(json_object_get(o, "attach")), c->attach);
			assert_string_equal(json_string_value(json_object_get(o, "explain")), c->explain);
			assert_string_equal(json_string_value(json_object_get(o, "source")), c->source);
			assert_true(json_is_boolean(json_object_get(o, "derived")));
			assert_int_equal(json_is_true(json_object_get(o, "derived")), c->derived);
			json_t *doc = json_object_get(o, "document");
			assert_true(json_is_object(doc));
			size_t fl;
			char *f = data_file(name, &fl);
			json_t *fd = parse(f, fl);
			assert_true(json_equal(doc, fd));
			json_decref(fd);
			free(f);
		}
		json_t *lim = json_object_get(j, "limits");
		assert_true(json_is_object(lim));
		assert_int_equal(json_object_get(lim, "aws") != NULL, cases[ci].aws);
		assert_int_equal(json_object_get(lim, "alibaba") != NULL, cases[ci].ali);
		assert_int_equal(json_object_size(lim), (size_t)cases[ci].aws + cases[ci].ali);
		if (cases[ci].aws) {
			json_t *la = json_object_get(lim, "aws");
			const char *const *l = kw_cloud_policy_limits(KW_CLOUD_AWS);
			for (i = 0; l[i]; i++)
				assert_string_equal(json_string_value(json_array_get(la, i)), l[i]);
			assert_int_equal(json_array_size(la), i);
		}
		json_decref(j);
		free(out);
	}
}

static void test_write_error(void **state)
{
	(void)state;
	FILE *f = fopen("/dev/full", "w"); /* Linux always has it: its absence is a failure */
	assert_non_null(f);
	assert_int_equal(kw_cloud_policy_render(f, KW_CLOUD_ANY, NULL, false), -EIO);
	clearerr(f);
	assert_int_equal(kw_cloud_policy_render(f, KW_CLOUD_ANY, NULL, true), -EIO);
	clearerr(f);
	assert_int_equal(kw_cloud_policy_render(f, KW_CLOUD_ANY, "aws-deny-key-pairs", false), -EIO);
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_documents),
		cmocka_unit_test(test_particular),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_text_named),
		cmocka_unit_test(test_text_all),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_write_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
