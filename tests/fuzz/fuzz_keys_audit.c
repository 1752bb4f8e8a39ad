/* fuzz_keys_audit.c — libFuzzer harness for the audit log verifier of `keyward keys`
 * (kw_audit_verify_buf in src/keys/audit.c, the same line cutting, line checks and head
 * comparison as kw_audit_verify on a file). Owner: keys module.
 *
 * The input is a log, optionally followed by a NUL byte and the head file's bytes (no NUL:
 * no head file). Checks: no crash, no leak; the report is coherent (ok exactly when no
 * problem, a reason when not, line numbers where each problem kind puts them, nothing raw
 * in the reason); and the lines it accepted really are a sound chain: that prefix of the
 * log, with a head file made from the report, verifies with no problem. */
#include "keys/audit.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_report(const kw_audit_report *r, size_t loglen, size_t newlines)
{
	if (r->ok != (r->problem == KW_AUDIT_OK) || (unsigned)r->problem >= KW_AUDIT_PROBLEM_COUNT)
		abort();
	if (r->ok ? r->why[0] != '\0' || r->bad_line != 0 : r->why[0] == '\0')
		abort();
	if (r->lines > newlines || r->bytes > loglen || strlen(r->head) != KW_AUDIT_HASH_HEX)
		abort();
	if (r->problem >= KW_AUDIT_BAD_LINE && r->problem <= KW_AUDIT_BAD_HASH &&
	    r->bad_line != r->lines + 1)
		abort();
	if ((r->problem == KW_AUDIT_HEAD_MISSING || r->problem == KW_AUDIT_HEAD_BAD) && r->bad_line)
		abort();
	if (r->problem == KW_AUDIT_HEAD_BEHIND && r->bad_line != r->lines)
		abort();
	for (const char *c = r->why; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t loglen = nul ? (size_t)(nul - data) : size;
	const uint8_t *head = nul ? nul + 1 : NULL;
	size_t head_len = nul ? size - loglen - 1 : 0;
	size_t newlines = 0;
	for (size_t i = 0; i < loglen; i++)
		newlines += data[i] == '\n';

	kw_audit_report r;
	int rc = kw_audit_verify_buf(data, loglen, head, head_len, &r);
	if (rc != 0) {
		if (rc != -ENOMEM)
			abort();
		return 0;
	}
	check_report(&r, loglen, newlines);

	/* the accepted prefix, with a head made from the report, is a sound whole log */
	char h[256];
	int hl = snprintf(h, sizeof h, "{\"version\":1,\"lines\":%" PRIu64 ",\"bytes\":%" PRIu64
			  ",\"head\":\"%s\"}\n", r.lines, r.bytes, r.head);
	if (hl <= 0 || (size_t)hl >= sizeof h)
		abort();
	kw_audit_report again;
	if (kw_audit_verify_buf(data, (size_t)r.bytes, h, (size_t)hl, &again) == 0 &&
	    (!again.ok || again.lines != r.lines || strcmp(again.head, r.head) != 0))
		abort();
	return 0;
}
