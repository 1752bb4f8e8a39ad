/* fuzz_win_unattend.c — libFuzzer harness for answer files (src/windows/unattend.c).
 *
 * The input is parsed as XML, as INF and by kw_ua_parse. Checks: no crash, no leak
 * (every result released); the return codes are the documented ones; every record is
 * within its caps (KW_UA_MAX_SECRETS records, truncated only at the cap; element at most
 * KW_UA_MAX_PATH bytes, account and pass at most KW_UA_MAX_NAME), kinds and forms known,
 * lines between 1 and the input's last line; an error message is one of keyward's own
 * (a fixed sentence, or "malformed XML: " and one of expat's messages), so no input byte
 * is ever quoted; no error without a message and no message without an error;
 * kw_ua_parse gives what the parser it chose gives; parsing twice gives the same.
 */
#include "base/err.h"
#include "windows/unattend.h"

#include <expat.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool known_error(const char *e)
{
	static const char *const fixed[] = {
		"document type declarations are not accepted",
		"entity declarations are not accepted",
		"external entities are not loaded",
		"elements nested deeper than 64",
		"a tag, comment or processing instruction over 8 MiB",
		"out of memory",
	};
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		if (!strcmp(e, fixed[i]))
			return true;
	static const char pre[] = "malformed XML: ";
	if (strncmp(e, pre, sizeof pre - 1) != 0)
		return false;
	for (int c = 1; c < 64; c++) {
		const XML_LChar *m = XML_ErrorString((enum XML_Error)c);
		if (m && !strncmp(e + sizeof pre - 1, m, sizeof(((kw_ua_result *)0)->error) - sizeof pre))
			return true;
	}
	return false;
}

static void check(const kw_ua_result *r, int rc, bool xml, size_t lines)
{
	if (rc != 0 && rc != -ENOMEM && !(xml && rc == KW_E_PARSE))
		abort();
	if (!memchr(r->error, '\0', sizeof r->error))
		abort();
	if (rc == KW_E_PARSE ? !known_error(r->error) : (r->error[0] && rc != -ENOMEM))
		abort();
	if (rc == 0 && r->error_line)
		abort();
	if (r->error_line > lines)
		abort();
	if (xml ? r->format != KW_UA_FMT_XML && r->format != KW_UA_FMT_GPP : r->format != KW_UA_FMT_INF)
		abort();
	if (r->n > KW_UA_MAX_SECRETS || r->n > r->cap || (r->truncated && r->n != KW_UA_MAX_SECRETS))
		abort();
	for (size_t i = 0; i < r->n; i++) {
		const kw_ua_secret *s = &r->v[i];
		if ((unsigned)s->kind >= KW_UA__KIND_COUNT || (unsigned)s->form >= KW_UA__FORM_COUNT)
			abort();
		if (s->line < 1 || s->line > lines)
			abort();
		if (!s->element || strlen(s->element) > KW_UA_MAX_PATH)
			abort();
		if (s->account && (strlen(s->account) > KW_UA_MAX_NAME || !s->account[0]))
			abort();
		if (s->pass && strlen(s->pass) > KW_UA_MAX_NAME)
			abort();
		if (xml != (s->element[0] != '['))
			abort();
		if (s->kind == KW_UA_GPP && s->form != KW_UA_PLAINTEXT)
			abort();
		if (!xml && (s->kind == KW_UA_GPP || s->form == KW_UA_ENCODED || s->form == KW_UA_REMOVED || s->pass))
			abort();
		if (s->form == KW_UA_ENCODED && s->kind == KW_UA_GPP)
			abort();
	}
}

static void same(const kw_ua_result *a, const kw_ua_result *b)
{
	if (a->n != b->n || a->format != b->format || a->truncated != b->truncated ||
	    a->autologon_enabled != b->autologon_enabled || a->error_line != b->error_line ||
	    strcmp(a->error, b->error) != 0)
		abort();
	for (size_t i = 0; i < a->n; i++) {
		const kw_ua_secret *x = &a->v[i], *y = &b->v[i];
		if (x->kind != y->kind || x->form != y->form || x->line != y->line || strcmp(x->element, y->element) ||
		    !x->account != !y->account || (x->account && strcmp(x->account, y->account)) ||
		    !x->pass != !y->pass || (x->pass && strcmp(x->pass, y->pass)))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* expat counts CR, LF and CRLF; the INF reader LF (either is a 0x0A or 0x0D byte,
	 * UTF-16 included) */
	size_t lines = 1;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n' || data[i] == '\r';

	kw_ua_result x, i, a, again;
	int rx = kw_ua_parse_xml(data, size, &x);
	check(&x, rx, true, lines);
	int ri = kw_ua_parse_inf(data, size, &i);
	check(&i, ri, false, lines);
	int ra = kw_ua_parse(data, size, &a);
	if (ra != -ENOMEM && rx != -ENOMEM && ri != -ENOMEM) {
		if (a.format == KW_UA_FMT_INF) {
			if (ra != ri)
				abort();
			same(&a, &i);
		} else {
			if (ra != rx)
				abort();
			same(&a, &x);
		}
	}
	int rg = kw_ua_parse_xml(data, size, &again);
	if (rg != -ENOMEM && rx != -ENOMEM) {
		if (rg != rx)
			abort();
		same(&again, &x);
	}
	kw_ua_result_release(&x);
	kw_ua_result_release(&i);
	kw_ua_result_release(&a);
	kw_ua_result_release(&again);
	if (x.v || x.n || i.v || a.v || again.v)
		abort();
	return 0;
}
