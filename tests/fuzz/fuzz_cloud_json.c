/* fuzz_cloud_json.c — libFuzzer harness for every `keyward cloud` reader (src/cloud/load.c
 * and the AWS, Alibaba and Terraform readers behind it), the exposure engine and the
 * checks, end to end on one hostile document.
 *
 * The first byte picks --provider (none, aws, alibaba) for launch requests; the rest is
 * the file. It is loaded under a 16 MiB tree budget, then judged and rendered as JSON and
 * as records into memory. Checks: no crash, no leak, no unbounded memory; a load either
 * succeeds or leaves a fatal diagnostic; every diagnostic message is clean text after
 * escaping; every record's origin starts with the file name and '#'; every rule refers to
 * an existing group, has lo <= hi, a known protocol, priority <= 100; a KW_SRC_CIDR rule has
 * a family; every instance and launch group index is in range; the JSON report parses back
 * with jansson and names as many findings as were made; the same input loaded twice gives
 * the same number of records (no hidden state between runs). */
#include "base/err.h"
#include "checks/cloud.h"
#include "cloud/exposure.h"
#include "cloud/load.h"
#include "report/cloud.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_model(const kw_cloud_model *m)
{
	for (size_t i = 0; i < m->n_rules; i++) {
		const kw_cloud_rule *r = &m->rules[i];
		if (r->group >= m->n_groups || r->port_lo > r->port_hi || r->proto > KW_PROTO_UNKNOWN ||
		    r->priority > 100 || !r->origin || strncmp(r->origin, "fuzz.json#", 10) != 0)
			abort();
		if (r->src == KW_SRC_CIDR && r->cidr.a.fam != 4 && r->cidr.a.fam != 6)
			abort();
	}
	for (size_t i = 0; i < m->n_instances; i++)
		for (size_t k = 0; k < m->instances[i].n_groups; k++)
			if (m->instances[i].groups[k] >= m->n_groups || !m->instances[i].id)
				abort();
	for (size_t i = 0; i < m->n_launches; i++)
		for (size_t k = 0; k < m->launches[i].n_groups; k++)
			if (m->launches[i].groups[k] >= m->n_groups)
				abort();
	for (size_t i = 0; i < m->n_groups; i++)
		if (!m->groups[i].id)
			abort();
}

static size_t records(const kw_cloud_model *m)
{
	return m->n_rules + m->n_instances + m->n_launches + m->n_groups;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > (1u << 20))
		return 0;
	kw_cloud_provider force = data[0] % 3 == 1 ? KW_CLOUD_AWS : data[0] % 3 == 2 ? KW_CLOUD_ALIBABA
									 : KW_CLOUD_ANY;
	const char *text = (const char *)data + 1;
	size_t n = size - 1;
	kw_json_limits lim = { .max_bytes = 1u << 20, .max_memory = 16u << 20 };
	kw_cloud_model m = { 0 };
	kw_diags d = { 0 };
	int r = kw_cloud_load_text(&m, "fuzz.json", text, n, &lim, force, &d);
	if (r == -ENOMEM)
		abort();
	if (r < 0 && !kw_diags_any_fatal(&d))
		abort();
	check_model(&m);

	kw_cloud_model again = { 0 };
	kw_diags d2 = { 0 };
	kw_cloud_load_text(&again, "fuzz.json", text, n, &lim, force, &d2);
	if (records(&again) != records(&m) || d2.n != d.n)
		abort();
	kw_cloud_model_release(&again);
	kw_diags_release(&d2);

	kw_exposure e = { 0 };
	kw_findings fs = { 0 };
	kw_profile p;
	kw_profile_init(&p);
	if (kw_exposure_eval(&m, &e) < 0 || kw_cloud_checks(&p, &m, &e, &fs) < 0)
		abort();
	kw_findings_sort(&fs);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	kw_cloud_report rep = { .version = "fuzz", .started = "2026-01-01T00:00:00Z", .profile = "baseline",
				.m = &m, .e = &e, .findings = &fs, .diags = &d };
	if (kw_cloud_render_json(f, &rep) < 0)
		abort();
	fclose(f);
	json_error_t je;
	json_t *j = json_loadb(buf, len, 0, &je);
	if (!j || json_array_size(json_object_get(j, "findings")) != fs.n)
		abort();
	json_decref(j);
	free(buf);
	f = open_memstream(&buf, &len);
	if (kw_cloud_render_records(f, &m) < 0)
		abort();
	fclose(f);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)buf[i] < 0x20 && buf[i] != '\n')
			abort();
	free(buf);

	kw_findings_release(&fs);
	kw_profile_release(&p);
	kw_exposure_release(&e);
	kw_cloud_model_release(&m);
	kw_diags_release(&d);
	return 0;
}
