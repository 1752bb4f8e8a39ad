/* test_win_unattend.c — passwords in Windows answer and GPP files (src/windows/unattend.c).
 *
 *  - names: every kind and form has its own short lowercase phrase;
 *  - the XML forms, table-driven (the value made here: base64 of UTF-16LE password +
 *    suffix): plain with and without PlainText, Microsoft's documented example
 *    "cABhAHMAcwB3AG8AcgBkAFAAYQBzAHMAdwBvAHIAZAA=" for a LocalAccount and an AutoLogon
 *    password (ENCODED) and for an AdministratorPassword (wrong suffix: OPAQUE), an
 *    AdministratorPassword with its own suffix, a surrogate pair, no padding, blanks
 *    around, not base64, an odd byte count, a lone surrogate, the suffix alone (EMPTY),
 *    removed (as the element's text and as a Value), empty and blank values, domain join,
 *    WDS credentials and other *Password elements (OTHER), the kind, element path,
 *    account (before and after the password) and line of each;
 *  - several settings passes; accounts belong to their own scope only; AutoLogon/Enabled;
 *  - GPP: Groups.xml with cpassword and with an empty one, NTServices / ScheduledTasks /
 *    DataSources account attributes, a cpassword outside a GPP root;
 *  - INF: sections and keys in any case, '*', quotes, ';' comments (not inside quotes),
 *    EncryptedAdminPassword before and after (per section), AutoLogon, DomainAdmin after
 *    the password, other *Password keys, a cut line, UTF-16LE and UTF-16BE;
 *  - kw_ua_parse chooses XML or INF by content (byte order marks, blanks);
 *  - encodings: UTF-16LE and UTF-16BE XML with a BOM, windows-1252 read as Latin-1;
 *  - hostile inputs: billion laughs (KW_E_PARSE at the DOCTYPE, in well under a second),
 *    external entities and DTDs refused, an undefined entity, 10,000 nested elements,
 *    a 50 MB text node (parsed inside the 8 MiB memory budget: still "set"), a 9 MiB
 *    comment (over the budget: KW_E_PARSE), malformed XML (a line, nothing of the input
 *    in the message, secrets before the error kept), more than KW_UA_MAX_SECRETS;
 *  - the fixture files of tests/data/windows/answers, exactly as their README says.
 * After every parse, no string of the result (element, account, pass, error) contains
 * the password or the text that encodes it.
 */
#include "windows/unattend.h"
#include "base/err.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MS_EXAMPLE "cABhAHMAcwB3AG8AcgBkAFAAYQBzAHMAdwBvAHIAZAA="

/* ---- helpers ---- */

static char *b64_raw(const uint8_t *p, size_t n)
{
	char *out = malloc(4 * ((n + 2) / 3) + 1);
	assert_non_null(out);
	EVP_EncodeBlock((unsigned char *)out, p, (int)n);
	return out;
}

/* UTF-8 (well-formed) to UTF-16LE; *n bytes */
static uint8_t *utf16le(const char *s, size_t *n)
{
	size_t len = strlen(s);
	uint8_t *o = malloc(4 * len + 2);
	assert_non_null(o);
	size_t k = 0;
	for (size_t i = 0; i < len;) {
		const unsigned char *c = (const unsigned char *)s + i;
		uint32_t u;
		if (c[0] < 0x80) u = c[0], i += 1;
		else if (c[0] < 0xE0) u = (uint32_t)(c[0] & 0x1F) << 6 | (c[1] & 0x3F), i += 2;
		else if (c[0] < 0xF0) u = (uint32_t)(c[0] & 0x0F) << 12 | (uint32_t)(c[1] & 0x3F) << 6 | (c[2] & 0x3F), i += 3;
		else u = (uint32_t)(c[0] & 0x07) << 18 | (uint32_t)(c[1] & 0x3F) << 12 | (uint32_t)(c[2] & 0x3F) << 6 | (c[3] & 0x3F), i += 4;
		if (u >= 0x10000) {
			uint32_t v = u - 0x10000, hi = 0xD800 + (v >> 10), lo = 0xDC00 + (v & 0x3FF);
			o[k++] = (uint8_t)hi, o[k++] = (uint8_t)(hi >> 8);
			o[k++] = (uint8_t)lo, o[k++] = (uint8_t)(lo >> 8);
		} else {
			o[k++] = (uint8_t)u, o[k++] = (uint8_t)(u >> 8);
		}
	}
	*n = k;
	return o;
}

/* base64(UTF-16LE(pw + suffix)), as Windows System Image Manager writes it */
static char *encode_pw(const char *pw, const char *suffix)
{
	char both[512];
	snprintf(both, sizeof both, "%s%s", pw, suffix);
	size_t n;
	uint8_t *u = utf16le(both, &n);
	char *b = b64_raw(u, n);
	free(u);
	return b;
}

/* s with every "@V@" replaced by v */
static char *subst(const char *s, const char *v)
{
	size_t cap = strlen(s) + 1 + (v ? 4 * strlen(v) : 0);
	char *o = malloc(cap);
	assert_non_null(o);
	size_t k = 0;
	while (*s) {
		if (v && !strncmp(s, "@V@", 3)) {
			memcpy(o + k, v, strlen(v));
			k += strlen(v);
			s += 3;
		} else {
			o[k++] = *s++;
		}
	}
	o[k] = '\0';
	return o;
}

/* No string of r contains needle. */
static void assert_no_leak(const kw_ua_result *r, const char *needle)
{
	if (!needle || !*needle)
		return;
	for (size_t i = 0; i < r->n; i++) {
		const kw_ua_secret *s = &r->v[i];
		if ((s->element && strstr(s->element, needle)) || (s->account && strstr(s->account, needle)) ||
		    (s->pass && strstr(s->pass, needle)))
			fail_msg("secret %zu carries \"%s\"", i, needle);
	}
	if (strstr(r->error, needle))
		fail_msg("the error carries \"%s\"", needle);
}

static void assert_str_or_null(const char *got, const char *want)
{
	if (!want)
		assert_null(got);
	else {
		assert_non_null(got);
		assert_string_equal(got, want);
	}
}

static int parse_xml_str(const char *s, kw_ua_result *r)
{
	return kw_ua_parse_xml((const uint8_t *)s, strlen(s), r);
}

static int parse_inf_str(const char *s, kw_ua_result *r)
{
	return kw_ua_parse_inf((const uint8_t *)s, strlen(s), r);
}

static const char head[] =
	"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	"<unattend xmlns=\"urn:schemas-microsoft-com:unattend\">\n"
	"<settings pass=\"oobeSystem\">\n"
	"<component name=\"Microsoft-Windows-Shell-Setup\" processorArchitecture=\"amd64\" "
	"xmlns:wcm=\"http://schemas.microsoft.com/WMIConfig/2002/State\">\n";
#define HEAD_LINES 4
static const char tail[] = "</component>\n</settings>\n</unattend>\n";

static char *wrap(const char *body)
{
	size_t n = strlen(head) + strlen(body) + strlen(tail) + 1;
	char *s = malloc(n);
	assert_non_null(s);
	snprintf(s, n, "%s%s%s", head, body, tail);
	return s;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- names ---- */

static void test_names(void **state)
{
	(void)state;
	const char *seen[KW_UA__KIND_COUNT + KW_UA__FORM_COUNT];
	size_t n = 0;
	for (int k = 0; k < KW_UA__KIND_COUNT; k++)
		seen[n++] = kw_ua_kind_name((kw_ua_kind)k);
	for (int f = 0; f < KW_UA__FORM_COUNT; f++)
		seen[n++] = kw_ua_form_name((kw_ua_form)f);
	for (size_t i = 0; i < n; i++) {
		assert_non_null(seen[i]);
		assert_true(strlen(seen[i]) > 3 && strlen(seen[i]) < 40);
		assert_string_not_equal(seen[i], "unknown");
		if (i != KW_UA__KIND_COUNT + KW_UA_ENCODED) /* "PlainText" is the element's name */
			for (const char *c = seen[i]; *c; c++)
				assert_false(*c >= 'A' && *c <= 'Z');
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(seen[i], seen[j]);
	}
	assert_string_equal(kw_ua_kind_name(KW_UA__KIND_COUNT), "unknown");
	assert_string_equal(kw_ua_form_name((kw_ua_form)-1), "unknown");
	assert_string_equal(kw_ua_form_name(KW_UA_ENCODED), "base64 (PlainText=false)");
	assert_string_equal(kw_ua_kind_name(KW_UA_ADMIN), "administrator password");
}

/* ---- XML forms ---- */

struct xcase {
	const char *what;
	const char *body;        /* "@V@" is replaced by the value made from pw/suffix or raw */
	const char *pw, *suffix; /* the value: encode_pw(pw, suffix) */
	kw_ua_kind kind;
	kw_ua_form form;
	unsigned line;           /* in body */
	const char *element, *account;
	const char *secret;      /* must not appear anywhere (pw when NULL) */
};

static const struct xcase xcases[] = {
	{ "admin plain", "<UserAccounts>\n<AdministratorPassword>\n<Value>Adm1n-Plain</Value>\n"
	  "<PlainText>true</PlainText>\n</AdministratorPassword>\n</UserAccounts>\n",
	  NULL, NULL, KW_UA_ADMIN, KW_UA_PLAINTEXT, 3, "UserAccounts/AdministratorPassword", NULL, "Adm1n-Plain" },
	{ "admin without PlainText", "<UserAccounts><AdministratorPassword><Value>NoFlag-Pw</Value>"
	  "</AdministratorPassword></UserAccounts>\n",
	  NULL, NULL, KW_UA_ADMIN, KW_UA_PLAINTEXT, 1, "UserAccounts/AdministratorPassword", NULL, "NoFlag-Pw" },
	{ "admin encoded with its suffix", "<UserAccounts>\n<AdministratorPassword>\n<Value>@V@</Value>\n"
	  "<PlainText>false</PlainText>\n</AdministratorPassword>\n</UserAccounts>\n",
	  "Adm1n-Enc0ded", "AdministratorPassword", KW_UA_ADMIN, KW_UA_ENCODED, 3,
	  "UserAccounts/AdministratorPassword", NULL, NULL },
	{ "admin encoded, PlainText before Value, FALSE in capitals",
	  "<UserAccounts><AdministratorPassword>\n<PlainText>FALSE</PlainText>\n<Value>@V@</Value>\n"
	  "</AdministratorPassword></UserAccounts>\n",
	  "Adm1n-Enc0ded", "AdministratorPassword", KW_UA_ADMIN, KW_UA_ENCODED, 3,
	  "UserAccounts/AdministratorPassword", NULL, NULL },
	{ "admin with Microsoft's example: wrong suffix", "<UserAccounts><AdministratorPassword>\n"
	  "<Value>" MS_EXAMPLE "</Value><PlainText>false</PlainText>\n</AdministratorPassword></UserAccounts>\n",
	  NULL, NULL, KW_UA_ADMIN, KW_UA_OPAQUE, 2, "UserAccounts/AdministratorPassword", NULL, MS_EXAMPLE },
	{ "admin encoded with the Password suffix: wrong suffix", "<UserAccounts><AdministratorPassword>\n"
	  "<Value>@V@</Value><PlainText>false</PlainText>\n</AdministratorPassword></UserAccounts>\n",
	  "Adm1n-Wr0ng", "Password", KW_UA_ADMIN, KW_UA_OPAQUE, 2, "UserAccounts/AdministratorPassword", NULL, NULL },
	{ "local account, Microsoft's example, Name after", "<UserAccounts>\n<LocalAccounts>\n"
	  "<LocalAccount wcm:action=\"add\">\n<Password>\n<Value>" MS_EXAMPLE "</Value>\n<PlainText>false</PlainText>\n"
	  "</Password>\n<Group>Administrators</Group>\n<Name>alice</Name>\n</LocalAccount>\n</LocalAccounts>\n</UserAccounts>\n",
	  NULL, NULL, KW_UA_LOCAL_ACCOUNT, KW_UA_ENCODED, 5, "UserAccounts/LocalAccounts/LocalAccount/Password", "alice", MS_EXAMPLE },
	{ "autologon, Microsoft's example, Username before", "<AutoLogon>\n<Username>Administrator</Username>\n"
	  "<Password>\n<Value>" MS_EXAMPLE "</Value>\n<PlainText>false</PlainText>\n</Password>\n"
	  "<Enabled>true</Enabled>\n</AutoLogon>\n",
	  NULL, NULL, KW_UA_AUTOLOGON, KW_UA_ENCODED, 4, "AutoLogon/Password", "Administrator", MS_EXAMPLE },
	{ "encoded, unpadded, blanks around, a surrogate pair and accents", "<AutoLogon><Password><Value>\n  @V@  \n</Value>"
	  "<PlainText> false </PlainText></Password></AutoLogon>\n",
	  "h\xc3\xa9llo-\xf0\x9f\x98\x80-\xe2\x82\xac", "Password", KW_UA_AUTOLOGON, KW_UA_ENCODED, 1, "AutoLogon/Password", NULL, NULL },
	{ "PlainText 0 is false", "<AutoLogon><Password><Value>" MS_EXAMPLE "</Value>"
	  "<PlainText>0</PlainText></Password></AutoLogon>\n",
	  NULL, NULL, KW_UA_AUTOLOGON, KW_UA_ENCODED, 1, "AutoLogon/Password", NULL, MS_EXAMPLE },
	{ "PlainText false but not base64", "<AutoLogon><Password><Value>n0t*base64!</Value>"
	  "<PlainText>false</PlainText></Password></AutoLogon>\n",
	  NULL, NULL, KW_UA_AUTOLOGON, KW_UA_OPAQUE, 1, "AutoLogon/Password", NULL, "n0t*base64!" },
	{ "PlainText false, base64 of an odd byte count", "<AutoLogon><Password><Value>UGFzc3dvcmRz</Value>"
	  "<PlainText>false</PlainText></Password></AutoLogon>\n",
	  NULL, NULL, KW_UA_AUTOLOGON, KW_UA_OPAQUE, 1, "AutoLogon/Password", NULL, "UGFzc3dvcmRz" },
	{ "PlainText false, a lone surrogate before the suffix", "<AutoLogon><Password><Value>@V@</Value>"
	  "<PlainText>false</PlainText></Password></AutoLogon>\n",
	  "\x01", "Password", KW_UA_AUTOLOGON, KW_UA_OPAQUE, 1, "AutoLogon/Password", NULL, NULL },
	{ "PlainText false, the suffix alone: an empty password", "<UserAccounts><AdministratorPassword>"
	  "<Value>@V@</Value><PlainText>false</PlainText></AdministratorPassword></UserAccounts>\n",
	  "", "AdministratorPassword", KW_UA_ADMIN, KW_UA_EMPTY, 1, "UserAccounts/AdministratorPassword", NULL, NULL },
	{ "removed, the element's own text", "<UserAccounts>\n<AdministratorPassword>*SENSITIVE*DATA*DELETED*"
	  "</AdministratorPassword>\n</UserAccounts>\n",
	  NULL, NULL, KW_UA_ADMIN, KW_UA_REMOVED, 2, "UserAccounts/AdministratorPassword", NULL, NULL },
	{ "removed, in a Value with PlainText false", "<AutoLogon><Password>\n<Value>*SENSITIVE*DATA*DELETED*</Value>"
	  "<PlainText>false</PlainText></Password></AutoLogon>\n",
	  NULL, NULL, KW_UA_AUTOLOGON, KW_UA_REMOVED, 2, "AutoLogon/Password", NULL, NULL },
	{ "empty Value", "<AutoLogon><Password><Value></Value><PlainText>true</PlainText></Password>"
	  "<Username>kiosk</Username></AutoLogon>\n",
	  NULL, NULL, KW_UA_AUTOLOGON, KW_UA_EMPTY, 1, "AutoLogon/Password", "kiosk", NULL },
	{ "blank Value", "<AutoLogon><Password><Value>  \n\t </Value></Password></AutoLogon>\n",
	  NULL, NULL, KW_UA_AUTOLOGON, KW_UA_EMPTY, 1, "AutoLogon/Password", NULL, NULL },
	{ "empty element", "<UserAccounts>\n<AdministratorPassword/>\n</UserAccounts>\n",
	  NULL, NULL, KW_UA_ADMIN, KW_UA_EMPTY, 2, "UserAccounts/AdministratorPassword", NULL, NULL },
	{ "domain join", "<Identification>\n<Credentials>\n<Domain>corp</Domain>\n<Password>J0in-Pw</Password>\n"
	  "<Username>joiner</Username>\n</Credentials>\n</Identification>\n",
	  NULL, NULL, KW_UA_DOMAIN_JOIN, KW_UA_PLAINTEXT, 4, "Identification/Credentials/Password", "joiner", "J0in-Pw" },
	{ "WDS login credentials", "<WindowsDeploymentServices><Login><Credentials><Domain>d</Domain>\n"
	  "<Password>Wds-L0gin</Password><Username>wdsuser</Username></Credentials></Login></WindowsDeploymentServices>\n",
	  NULL, NULL, KW_UA_OTHER, KW_UA_PLAINTEXT, 2, "WindowsDeploymentServices/Login/Credentials/Password", "wdsuser", "Wds-L0gin" },
	{ "another *Password element", "<Identification>\n<MachinePassword>M4chine-Pw</MachinePassword>\n</Identification>\n",
	  NULL, NULL, KW_UA_OTHER, KW_UA_PLAINTEXT, 2, "Identification/MachinePassword", NULL, "M4chine-Pw" },
	{ "a wrongly cased password under LocalAccount", "<UserAccounts><LocalAccounts><LocalAccount>\n"
	  "<password><Value>Ca5e-Pw</Value></password><Name>bob</Name></LocalAccount></LocalAccounts></UserAccounts>\n",
	  NULL, NULL, KW_UA_OTHER, KW_UA_PLAINTEXT, 2, "UserAccounts/LocalAccounts/LocalAccount/password", "bob", "Ca5e-Pw" },
	{ "only the first Value counts", "<AutoLogon><Password><Value>*SENSITIVE*DATA*DELETED*</Value>"
	  "<Value>Sec0nd-Value</Value></Password></AutoLogon>\n",
	  NULL, NULL, KW_UA_AUTOLOGON, KW_UA_REMOVED, 1, "AutoLogon/Password", NULL, "Sec0nd-Value" },
};

static char *xcase_value(const struct xcase *c)
{
	if (!c->pw)
		return NULL;
	if (!strcmp(c->pw, "\x01")) { /* a lone high surrogate, then the suffix */
		uint8_t raw[64] = { 0x41, 0x00, 0x00, 0xD8 };
		size_t n = 4;
		for (const char *s = c->suffix; *s; s++)
			raw[n++] = (uint8_t)*s, raw[n++] = 0;
		return b64_raw(raw, n);
	}
	char *v = encode_pw(c->pw, c->suffix);
	if (!strcmp(c->what, "encoded, unpadded, blanks around, a surrogate pair and accents"))
		for (size_t n = strlen(v); n && v[n - 1] == '='; n--)
			v[n - 1] = '\0';
	return v;
}

static void test_xml_forms(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof xcases / sizeof xcases[0]; i++) {
		const struct xcase *c = &xcases[i];
		char *v = xcase_value(c);
		char *body = subst(c->body, v);
		char *doc = wrap(body);
		kw_ua_result r;
		int rc = parse_xml_str(doc, &r);
		if (rc != 0 || r.n != 1)
			fail_msg("%s: rc %d, %zu secrets (%s)", c->what, rc, r.n, r.error);
		const kw_ua_secret *s = &r.v[0];
		if (s->kind != c->kind || s->form != c->form || s->line != HEAD_LINES + c->line)
			fail_msg("%s: kind %s, form %s, line %u", c->what, kw_ua_kind_name(s->kind),
				 kw_ua_form_name(s->form), s->line);
		assert_int_equal(r.format, KW_UA_FMT_XML);
		assert_string_equal(s->element, c->element);
		assert_str_or_null(s->account, c->account);
		assert_str_or_null(s->pass, "oobeSystem");
		assert_false(r.truncated);
		assert_string_equal(r.error, "");
		if (c->pw && c->pw[0] != '\x01')
			assert_no_leak(&r, c->pw);
		assert_no_leak(&r, v);
		assert_no_leak(&r, c->secret);
		kw_ua_result_release(&r);
		assert_null(r.v);
		free(doc);
		free(body);
		free(v);
	}
}

/* ---- passes, scopes, AutoLogon ---- */

static void test_passes_and_scopes(void **state)
{
	(void)state;
	const char *doc =
		"<?xml version=\"1.0\"?>\n"
		"<unattend xmlns=\"urn:schemas-microsoft-com:unattend\">\n"
		"<settings pass=\"windowsPE\"><component name=\"Microsoft-Windows-Setup\">\n"
		"<WindowsDeploymentServices><Login><Credentials><Password>Pe-Pass-1</Password></Credentials></Login></WindowsDeploymentServices>\n"
		"</component></settings>\n"
		"<settings pass=\"specialize\"><component name=\"Microsoft-Windows-UnattendedJoin\">\n"
		"<Identification><Credentials><Password>Sp-Pass-2</Password><Username>joiner</Username></Credentials></Identification>\n"
		"</component></settings>\n"
		"<settings pass=\"oobeSystem\"><component name=\"Microsoft-Windows-Shell-Setup\">\n"
		"<UserAccounts><LocalAccounts>\n"
		"<LocalAccount><Password><Value>Oo-Pass-3</Value></Password><Name>first</Name></LocalAccount>\n"
		"<LocalAccount><Password><Value>Oo-Pass-4</Value></Password></LocalAccount>\n"
		"<LocalAccount><Name>third</Name><Name>ignored</Name><Password><Value>Oo-Pass-5</Value></Password></LocalAccount>\n"
		"</LocalAccounts></UserAccounts>\n"
		"<AutoLogon><Enabled>false</Enabled></AutoLogon>\n"
		"</component></settings>\n"
		"<settings><component><UserAccounts><AdministratorPassword>No-Pass-6</AdministratorPassword></UserAccounts></component></settings>\n"
		"</unattend>\n";
	kw_ua_result r;
	assert_int_equal(parse_xml_str(doc, &r), 0);
	assert_int_equal(r.n, 6);
	static const struct { kw_ua_kind kind; unsigned line; const char *pass, *account; } want[] = {
		{ KW_UA_OTHER, 4, "windowsPE", NULL },
		{ KW_UA_DOMAIN_JOIN, 7, "specialize", "joiner" },
		{ KW_UA_LOCAL_ACCOUNT, 11, "oobeSystem", "first" },
		{ KW_UA_LOCAL_ACCOUNT, 12, "oobeSystem", NULL },
		{ KW_UA_LOCAL_ACCOUNT, 13, "oobeSystem", "third" },
		{ KW_UA_ADMIN, 17, NULL, NULL },
	};
	for (size_t i = 0; i < r.n; i++) {
		assert_int_equal(r.v[i].kind, want[i].kind);
		assert_int_equal(r.v[i].form, KW_UA_PLAINTEXT);
		assert_int_equal(r.v[i].line, want[i].line);
		assert_str_or_null(r.v[i].pass, want[i].pass);
		assert_str_or_null(r.v[i].account, want[i].account);
	}
	assert_false(r.autologon_enabled);
	for (int i = 1; i <= 6; i++) {
		char pw[24];
		snprintf(pw, sizeof pw, "Pass-%d", i);
		assert_no_leak(&r, pw);
	}
	kw_ua_result_release(&r);

	/* AutoLogon/Enabled true (any case, blanks) turns it on; Enabled elsewhere does not */
	char *on = wrap("<AutoLogon>\n<Enabled> True </Enabled>\n</AutoLogon>\n");
	assert_int_equal(parse_xml_str(on, &r), 0);
	assert_true(r.autologon_enabled);
	assert_int_equal(r.n, 0);
	kw_ua_result_release(&r);
	char *off = wrap("<Enabled>true</Enabled><Other><AutoLogon/><Enabled>true</Enabled></Other>\n");
	assert_int_equal(parse_xml_str(off, &r), 0);
	assert_false(r.autologon_enabled);
	kw_ua_result_release(&r);
	free(on);
	free(off);

	/* a password inside a password is not looked at; a Name inside it names nothing */
	char *nested = wrap("<LocalAccount><Password><Value>Outer-Pw</Value><Name>x</Name>"
			    "<Password>Inner-Pw</Password></Password></LocalAccount>\n");
	assert_int_equal(parse_xml_str(nested, &r), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.v[0].kind, KW_UA_LOCAL_ACCOUNT);
	assert_null(r.v[0].account);
	assert_no_leak(&r, "Outer-Pw");
	assert_no_leak(&r, "Inner-Pw");
	kw_ua_result_release(&r);
	free(nested);
}

/* ---- GPP ---- */

static void test_gpp(void **state)
{
	(void)state;
	const char *groups =
		"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
		"<Groups clsid=\"{3125E937-EB16-4b4c-9934-544FC6D24D26}\">\n"
		"<User clsid=\"{DF5F1855-51E5-4d24-8B1A-D9BDE98BA1D1}\" name=\"admin2\">\n"
		"<Properties action=\"U\" newName=\"renamed\" cpassword=\"Z3BwLWNpcGhlcg\" userName=\"admin2\"/></User>\n"
		"<User name=\"Guest\"><Properties action=\"U\" cpassword=\"\" userName=\"Guest\"/></User>\n"
		"<User name=\"blank\"><Properties action=\"U\" cpassword=\"  \" userName=\"blank\"/></User>\n"
		"<User name=\"new\"><Properties action=\"C\" newName=\"newbie\" cpassword=\"bmV3YmllLWNpcGhlcg\"/></User>\n"
		"</Groups>\n";
	kw_ua_result r;
	assert_int_equal(parse_xml_str(groups, &r), 0);
	assert_int_equal(r.format, KW_UA_FMT_GPP);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.v[0].kind, KW_UA_GPP);
	assert_int_equal(r.v[0].form, KW_UA_PLAINTEXT);
	assert_int_equal(r.v[0].line, 4);
	assert_string_equal(r.v[0].element, "Groups/User/Properties@cpassword");
	assert_string_equal(r.v[0].account, "admin2");
	assert_null(r.v[0].pass);
	assert_int_equal(r.v[1].line, 7);
	assert_string_equal(r.v[1].account, "newbie");
	assert_no_leak(&r, "Z3BwLWNpcGhlcg");
	assert_no_leak(&r, "bmV3YmllLWNpcGhlcg");
	kw_ua_result_release(&r);

	static const struct { const char *doc, *element, *account; kw_ua_format format; } more[] = {
		{ "<NTServices clsid=\"{x}\"><NTService name=\"svc\"><Properties serviceName=\"svc\" "
		  "accountName=\"DOMAIN\\svc\" cpassword=\"c3ZjLWNpcGhlcg\"/></NTService></NTServices>",
		  "NTServices/NTService/Properties@cpassword", "DOMAIN\\svc", KW_UA_FMT_GPP },
		{ "<ScheduledTasks><Task name=\"t\"><Properties runAs=\"tasker\" cpassword=\"dGFzay1jaXBoZXI\"/>"
		  "</Task></ScheduledTasks>", "ScheduledTasks/Task/Properties@cpassword", "tasker", KW_UA_FMT_GPP },
		{ "<DataSources><DataSource><Properties dsn=\"d\" username=\"dbuser\" cpassword=\"ZHNuLWNpcGhlcg\"/>"
		  "</DataSource></DataSources>", "DataSources/DataSource/Properties@cpassword", "dbuser", KW_UA_FMT_GPP },
		{ "<Drives><Drive><Properties path=\"\\\\srv\\s\" cpassword=\"ZHJpdmUtY2lwaGVy\"/></Drive></Drives>",
		  "Drives/Drive/Properties@cpassword", NULL, KW_UA_FMT_GPP },
		{ "<Other><Thing cpassword=\"b3RoZXItY2lwaGVy\" userName=\"u\"/></Other>",
		  "Other/Thing@cpassword", "u", KW_UA_FMT_XML },
	};
	for (size_t i = 0; i < sizeof more / sizeof more[0]; i++) {
		assert_int_equal(parse_xml_str(more[i].doc, &r), 0);
		assert_int_equal(r.format, more[i].format);
		assert_int_equal(r.n, 1);
		assert_int_equal(r.v[0].kind, KW_UA_GPP);
		assert_int_equal(r.v[0].form, KW_UA_PLAINTEXT);
		assert_string_equal(r.v[0].element, more[i].element);
		assert_str_or_null(r.v[0].account, more[i].account);
		assert_no_leak(&r, "LWNpcGhlcg");
		kw_ua_result_release(&r);
	}
}

/* ---- INF ---- */

struct icase {
	const char *what, *text;
	size_t n;                 /* secrets */
	kw_ua_kind kind;          /* of the first */
	kw_ua_form form;
	unsigned line;
	const char *element, *account;
	bool autologon;
	const char *secret;
};

static const struct icase icases[] = {
	{ "star is blank", "[GuiUnattended]\nAdminPassword=*\n", 1, KW_UA_ADMIN, KW_UA_EMPTY, 2,
	  "[GuiUnattended] AdminPassword", NULL, false, NULL },
	{ "quoted star is blank", "[GuiUnattended]\nAdminPassword=\"*\"\n", 1, KW_UA_ADMIN, KW_UA_EMPTY, 2,
	  "[GuiUnattended] AdminPassword", NULL, false, NULL },
	{ "any case, quotes, comment, CRLF", "; answer file\r\n[guiunattended]\r\n  adminpassword = \"Inf-Pw-1\" ; set by OEM\r\n",
	  1, KW_UA_ADMIN, KW_UA_PLAINTEXT, 3, "[GuiUnattended] AdminPassword", NULL, false, "Inf-Pw-1" },
	{ "EncryptedAdminPassword after", "[GuiUnattended]\nAdminPassword=Inf-Pw-2\nEncryptedAdminPassword=Yes\n",
	  1, KW_UA_ADMIN, KW_UA_OPAQUE, 2, "[GuiUnattended] AdminPassword", NULL, false, "Inf-Pw-2" },
	{ "EncryptedAdminPassword before", "[GuiUnattended]\nEncryptedAdminPassword = YES\nAdminPassword=Inf-Pw-2b\n",
	  1, KW_UA_ADMIN, KW_UA_OPAQUE, 3, "[GuiUnattended] AdminPassword", NULL, false, "Inf-Pw-2b" },
	{ "EncryptedAdminPassword No", "[GuiUnattended]\nEncryptedAdminPassword=No\nAdminPassword=Inf-Pw-2c\n",
	  1, KW_UA_ADMIN, KW_UA_PLAINTEXT, 3, "[GuiUnattended] AdminPassword", NULL, false, "Inf-Pw-2c" },
	{ "Encrypted applies to its own section", "[GuiUnattended]\nEncryptedAdminPassword=Yes\n[GuiUnattended]\nAdminPassword=Inf-Pw-2d\n",
	  1, KW_UA_ADMIN, KW_UA_PLAINTEXT, 4, "[GuiUnattended] AdminPassword", NULL, false, "Inf-Pw-2d" },
	{ "blank value, AutoLogon", "[GuiUnattended]\nAdminPassword=\nAutoLogon=Yes\n", 1, KW_UA_ADMIN, KW_UA_EMPTY, 2,
	  "[GuiUnattended] AdminPassword", NULL, true, NULL },
	{ "AutoLogon No", "[GuiUnattended]\nAdminPassword=\"\"\nAutoLogon=No\n", 1, KW_UA_ADMIN, KW_UA_EMPTY, 2,
	  "[GuiUnattended] AdminPassword", NULL, false, NULL },
	{ "AutoLogon outside GuiUnattended", "[Unattended]\nAutoLogon=Yes\n", 0, 0, 0, 0, NULL, NULL, false, NULL },
	{ "domain join, DomainAdmin after", "[ Identification ]\nJoinDomain=CORP\nDomainAdminPassword=Inf-Pw-3\nDomainAdmin=joiner\n",
	  1, KW_UA_DOMAIN_JOIN, KW_UA_PLAINTEXT, 3, "[Identification] DomainAdminPassword", "joiner", false, "Inf-Pw-3" },
	{ "';' inside quotes is not a comment", "; AdminPassword=commented\n[UserData]\nProxyPassword=\"Inf;Pw;4\"\n",
	  1, KW_UA_OTHER, KW_UA_PLAINTEXT, 3, "[UserData] ProxyPassword", NULL, false, "Inf;Pw;4" },
	{ "a comment-only value is blank", "[UserData]\nProxyPassword= ; none\n",
	  1, KW_UA_OTHER, KW_UA_EMPTY, 2, "[UserData] ProxyPassword", NULL, false, NULL },
	{ "AdminPassword in another section", "[Unattended]\nAdminPassword=Inf-Pw-5\n",
	  1, KW_UA_OTHER, KW_UA_PLAINTEXT, 2, "[Unattended] AdminPassword", NULL, false, "Inf-Pw-5" },
	{ "EncryptedAdminPassword is no password", "[GuiUnattended]\nEncryptedAdminPassword=Yes\n[X]\nEncryptedAdminPassword=1\n",
	  0, 0, 0, 0, NULL, NULL, false, NULL },
	{ "lines without a key", "[GuiUnattended]\nAdminPassword\n=Inf-Pw-6\n   \n;\n", 0, 0, 0, 0, NULL, NULL, false, "Inf-Pw-6" },
	{ "before any section", "RemotePassword=Inf-Pw-7\n", 1, KW_UA_OTHER, KW_UA_PLAINTEXT, 1,
	  "[] RemotePassword", NULL, false, "Inf-Pw-7" },
	{ "a last line without a newline", "[Identification]\nDomainAdminPassword=Inf-Pw-8", 1, KW_UA_DOMAIN_JOIN,
	  KW_UA_PLAINTEXT, 2, "[Identification] DomainAdminPassword", NULL, false, "Inf-Pw-8" },
};

static void test_inf(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof icases / sizeof icases[0]; i++) {
		const struct icase *c = &icases[i];
		kw_ua_result r;
		int rc = parse_inf_str(c->text, &r);
		if (rc != 0 || r.n != c->n)
			fail_msg("%s: rc %d, %zu secrets", c->what, rc, r.n);
		assert_int_equal(r.format, KW_UA_FMT_INF);
		if (r.autologon_enabled != c->autologon)
			fail_msg("%s: autologon %d", c->what, r.autologon_enabled);
		if (c->n) {
			const kw_ua_secret *s = &r.v[0];
			if (s->kind != c->kind || s->form != c->form || s->line != c->line)
				fail_msg("%s: kind %s, form %s, line %u", c->what, kw_ua_kind_name(s->kind),
					 kw_ua_form_name(s->form), s->line);
			assert_string_equal(s->element, c->element);
			assert_str_or_null(s->account, c->account);
			assert_null(s->pass);
		}
		assert_no_leak(&r, c->secret);
		kw_ua_result_release(&r);
	}

	/* a line longer than KW_UA_MAX_LINE: the value is still set; blanks past the cut
	 * are not */
	char *lng = malloc(KW_UA_MAX_LINE + 2000);
	assert_non_null(lng);
	for (int blanks = 0; blanks < 2; blanks++) {
		size_t k = (size_t)snprintf(lng, 64, "[X]\nLongPassword=");
		memset(lng + k, blanks ? ' ' : 'x', KW_UA_MAX_LINE + 1000);
		strcpy(lng + k + KW_UA_MAX_LINE + 1000, "\nNextPassword=Inf-Pw-9\n");
		kw_ua_result r;
		assert_int_equal(parse_inf_str(lng, &r), 0);
		assert_int_equal(r.n, 2);
		assert_int_equal(r.v[0].form, blanks ? KW_UA_EMPTY : KW_UA_PLAINTEXT);
		assert_string_equal(r.v[0].element, "[X] LongPassword");
		assert_int_equal(r.v[1].line, 3);
		assert_no_leak(&r, "xxxxxxxx");
		kw_ua_result_release(&r);
	}
	free(lng);
}

/* UTF-16LE / BE of an ASCII string, with a byte order mark */
static uint8_t *utf16_bom(const char *s, bool be, size_t *n)
{
	size_t k;
	uint8_t *u = utf16le(s, &k);
	uint8_t *o = malloc(k + 2);
	assert_non_null(o);
	o[0] = be ? 0xFE : 0xFF;
	o[1] = be ? 0xFF : 0xFE;
	for (size_t i = 0; i < k; i += 2) {
		o[2 + i] = be ? u[i + 1] : u[i];
		o[3 + i] = be ? u[i] : u[i + 1];
	}
	free(u);
	*n = k + 2;
	return o;
}

static void test_encodings(void **state)
{
	(void)state;
	const char *inf = "[GuiUnattended]\r\nAdminPassword=\"Wide-Pw-1\"\r\n[Identification]\r\n"
			  "DomainAdmin=j\xc3\xb6iner\r\nDomainAdminPassword=Wide-Pw-2\r\n";
	char *xml8 = wrap("<AutoLogon><Username>\xc3\xa9lise</Username>\n<Password><Value>Wide-Pw-3</Value></Password></AutoLogon>\n");
	char *xml = malloc(strlen(xml8) + 2);
	assert_non_null(xml);
	const char *at = strstr(xml8, "utf-8");
	assert_non_null(at);
	sprintf(xml, "%.*sutf-16%s", (int)(at - xml8), xml8, at + 5);
	free(xml8);
	for (int be = 0; be < 2; be++) {
		size_t n;
		uint8_t *w = utf16_bom(inf, be, &n);
		kw_ua_result r;
		assert_int_equal(kw_ua_parse(w, n, &r), 0);
		assert_int_equal(r.format, KW_UA_FMT_INF);
		assert_int_equal(r.n, 2);
		assert_int_equal(r.v[0].kind, KW_UA_ADMIN);
		assert_int_equal(r.v[0].line, 2);
		assert_int_equal(r.v[1].kind, KW_UA_DOMAIN_JOIN);
		assert_int_equal(r.v[1].line, 5);
		assert_string_equal(r.v[1].account, "j\xc3\xb6iner");
		assert_no_leak(&r, "Wide-Pw");
		kw_ua_result_release(&r);
		free(w);

		/* without a BOM, UTF-16LE is known by its NULs */
		if (!be) {
			size_t k;
			uint8_t *u = utf16le(inf, &k);
			assert_int_equal(kw_ua_parse_inf(u, k, &r), 0);
			assert_int_equal(r.n, 2);
			assert_int_equal(r.v[1].line, 5);
			kw_ua_result_release(&r);
			free(u);
		}

		w = utf16_bom(xml, be, &n);
		assert_int_equal(kw_ua_parse(w, n, &r), 0);
		assert_int_equal(r.format, KW_UA_FMT_XML);
		assert_int_equal(r.n, 1);
		assert_int_equal(r.v[0].kind, KW_UA_AUTOLOGON);
		assert_int_equal(r.v[0].line, HEAD_LINES + 2);
		assert_string_equal(r.v[0].account, "\xc3\xa9lise");
		assert_no_leak(&r, "Wide-Pw");
		kw_ua_result_release(&r);
		free(w);
	}
	free(xml);

	/* windows-1252 is not built into expat: read as Latin-1 */
	const char *cp = "<?xml version=\"1.0\" encoding=\"windows-1252\"?>\n"
			 "<unattend><LocalAccount><Name>Ren\xe9</Name><Password>Cp-Pw-1</Password></LocalAccount></unattend>";
	kw_ua_result r;
	assert_int_equal(parse_xml_str(cp, &r), 0);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.v[0].account, "Ren\xc3\xa9");
	assert_string_equal(r.v[0].element, "unattend/LocalAccount/Password");
	kw_ua_result_release(&r);
}

static void test_dispatch(void **state)
{
	(void)state;
	static const struct { const char *text; size_t len; kw_ua_format format; size_t n; } cases[] = {
		{ "\xef\xbb\xbf \r\n\t<unattend><AdministratorPassword>Dp-1</AdministratorPassword></unattend>", 0, KW_UA_FMT_XML, 1 },
		{ "\xef\xbb\xbf[GuiUnattended]\nAdminPassword=Dp-2\n", 0, KW_UA_FMT_INF, 1 },
		{ "  ; <not xml>\n[GuiUnattended]\nAdminPassword=Dp-3\n", 0, KW_UA_FMT_INF, 1 },
		{ "<Groups><U><Properties cpassword=\"Dp4\"/></U></Groups>", 0, KW_UA_FMT_GPP, 1 },
		{ "", 0, KW_UA_FMT_INF, 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		kw_ua_result r;
		assert_int_equal(kw_ua_parse((const uint8_t *)cases[i].text, strlen(cases[i].text), &r), 0);
		assert_int_equal(r.format, cases[i].format);
		assert_int_equal(r.n, cases[i].n);
		assert_no_leak(&r, "Dp-");
		kw_ua_result_release(&r);
	}
	kw_ua_result r;
	assert_int_equal(kw_ua_parse(NULL, 0, &r), 0);
	assert_int_equal(r.n, 0);
	kw_ua_result_release(&r);
}

/* ---- hostile inputs ---- */

static void test_entities(void **state)
{
	(void)state;
	/* billion laughs: refused at the DOCTYPE, before any expansion */
	char doc[4096];
	size_t k = (size_t)snprintf(doc, sizeof doc, "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol0 \"lol\">\n");
	for (int i = 1; i < 10; i++) {
		k += (size_t)snprintf(doc + k, sizeof doc - k, "<!ENTITY lol%d \"", i);
		for (int j = 0; j < 10; j++)
			k += (size_t)snprintf(doc + k, sizeof doc - k, "&lol%d;", i - 1);
		k += (size_t)snprintf(doc + k, sizeof doc - k, "\">\n");
	}
	snprintf(doc + k, sizeof doc - k, "]>\n<unattend><Password>&lol9;</Password></unattend>\n");
	double t0 = now();
	kw_ua_result r;
	assert_int_equal(parse_xml_str(doc, &r), KW_E_PARSE);
	assert_true(now() - t0 < 0.5);
	assert_string_equal(r.error, "document type declarations are not accepted");
	assert_int_equal(r.error_line, 2);
	assert_int_equal(r.n, 0);
	kw_ua_result_release(&r);

	static const char *const refused[] = {
		"<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n<r><Password>&x;</Password></r>",
		"<!DOCTYPE r SYSTEM \"file:///etc/passwd\">\n<r><Password>x</Password></r>",
		"<!DOCTYPE r [<!ENTITY % p SYSTEM \"file:///etc/passwd\"> %p;]>\n<r/>",
		"<?xml version=\"1.0\" standalone=\"no\"?><!DOCTYPE r PUBLIC \"-//x//y\" \"http://127.0.0.1:9/x.dtd\"><r/>",
	};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		assert_int_equal(parse_xml_str(refused[i], &r), KW_E_PARSE);
		assert_string_equal(r.error, "document type declarations are not accepted");
		assert_int_equal(r.n, 0);
		assert_no_leak(&r, "root:");
		assert_no_leak(&r, "passwd");
		kw_ua_result_release(&r);
	}

	/* no DOCTYPE, an entity reference: undefined */
	assert_int_equal(parse_xml_str("<r>\n<Password>&secret;</Password></r>", &r), KW_E_PARSE);
	assert_string_equal(r.error, "malformed XML: undefined entity");
	assert_int_equal(r.error_line, 2);
	assert_no_leak(&r, "secret");
	kw_ua_result_release(&r);
}

static void test_deep(void **state)
{
	(void)state;
	size_t n = 10000;
	char *doc = malloc(n * 4 + 1);
	assert_non_null(doc);
	for (size_t i = 0; i < n; i++)
		memcpy(doc + 4 * i, "<a>\n", 4);
	doc[4 * n] = '\0';
	kw_ua_result r;
	assert_int_equal(parse_xml_str(doc, &r), KW_E_PARSE);
	assert_string_equal(r.error, "elements nested deeper than 64");
	assert_int_equal(r.error_line, KW_UA_MAX_DEPTH + 1);
	kw_ua_result_release(&r);
	free(doc);

	/* exactly KW_UA_MAX_DEPTH deep is fine, and a password at the bottom is found */
	char buf[2048];
	size_t k = 0;
	for (int i = 0; i < KW_UA_MAX_DEPTH - 1; i++)
		k += (size_t)snprintf(buf + k, sizeof buf - k, "<a>");
	k += (size_t)snprintf(buf + k, sizeof buf - k, "<Password>Deep-Pw</Password>");
	for (int i = 0; i < KW_UA_MAX_DEPTH - 1; i++)
		k += (size_t)snprintf(buf + k, sizeof buf - k, "</a>");
	assert_int_equal(parse_xml_str(buf, &r), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.v[0].form, KW_UA_PLAINTEXT);
	assert_true(strlen(r.v[0].element) <= KW_UA_MAX_PATH);
	kw_ua_result_release(&r);
}

/* pre, n times c, post (a new string) */
static char *filled(const char *pre, char c, size_t n, const char *post)
{
	size_t lp = strlen(pre), lq = strlen(post);
	char *s = malloc(lp + n + lq + 1);
	assert_non_null(s);
	memcpy(s, pre, lp);
	memset(s + lp, c, n);
	memcpy(s + lp + n, post, lq + 1);
	return s;
}

static void test_big(void **state)
{
	(void)state;
	/* a 50 MB Value streams through in chunks, inside expat's 8 MiB budget: still set,
	 * and too long to be a Windows encoding */
	const char *pre = "<unattend><AdministratorPassword><Value>";
	size_t big = (size_t)50 << 20, lp = strlen(pre);
	char *doc = filled(pre, 'A', big, "</Value><PlainText>false</PlainText></AdministratorPassword></unattend>");
	double t0 = now();
	kw_ua_result r;
	assert_int_equal(parse_xml_str(doc, &r), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.v[0].form, KW_UA_OPAQUE);
	assert_no_leak(&r, "AAAAAAAA");
	kw_ua_result_release(&r);
	/* the same text with PlainText true: plain text */
	memcpy(doc + lp + big, "</Value><PlainText>true</PlainText></AdministratorPassword></unattend>",
	       strlen("</Value><PlainText>true</PlainText></AdministratorPassword></unattend>") + 1);
	assert_int_equal(parse_xml_str(doc, &r), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.v[0].form, KW_UA_PLAINTEXT);
	kw_ua_result_release(&r);
	printf("two 50 MB values: %.2f s\n", now() - t0);

	/* a 9 MiB comment is one token: over the budget */
	free(doc);
	doc = filled("<unattend>\n<!--", 'c', (size_t)9 << 20, "--><Password>After-Pw</Password></unattend>");
	assert_int_equal(parse_xml_str(doc, &r), KW_E_PARSE);
	assert_string_equal(r.error, "a tag, comment or processing instruction over 8 MiB");
	assert_int_equal(r.n, 0);
	kw_ua_result_release(&r);
	free(doc);
}

static void test_malformed(void **state)
{
	(void)state;
	const char *doc = "<unattend>\n<UserAccounts><AdministratorPassword>Kept-Pw-1</AdministratorPassword>\n"
			  "<LocalAccount><Password>Kept-Pw-2\n<Bad-Secret-Tag>\n</b>\n</unattend>";
	kw_ua_result r;
	assert_int_equal(parse_xml_str(doc, &r), KW_E_PARSE);
	assert_string_equal(r.error, "malformed XML: mismatched tag");
	assert_int_equal(r.error_line, 5);
	/* the secrets before the error are kept, the open one too */
	assert_int_equal(r.n, 2);
	assert_int_equal(r.v[0].kind, KW_UA_ADMIN);
	assert_int_equal(r.v[1].kind, KW_UA_LOCAL_ACCOUNT);
	assert_int_equal(r.v[1].form, KW_UA_PLAINTEXT);
	assert_no_leak(&r, "Kept-Pw");
	assert_no_leak(&r, "Bad-Secret");
	kw_ua_result_release(&r);

	static const char *const bad[] = { "", "not xml", "<a>", "<a></b>", "<a x='1' x='2'/>", "<a>\x01</a>",
					   "<?xml version=\"1.0\" encoding=\"utf-8\"?><a>\xff\xfe</a>", "<a/><b/>",
					   "<a><![CDATA[x</a>" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(parse_xml_str(bad[i], &r), KW_E_PARSE);
		assert_true(!strncmp(r.error, "malformed XML: ", 15));
		assert_true(r.error_line >= 1);
		kw_ua_result_release(&r);
	}
}

static void test_truncated(void **state)
{
	(void)state;
	size_t n = KW_UA_MAX_SECRETS + 10;
	char *doc = malloc(n * 32 + 64);
	assert_non_null(doc);
	size_t k = (size_t)sprintf(doc, "<Groups>");
	for (size_t i = 0; i < n; i++)
		k += (size_t)sprintf(doc + k, "<U cpassword=\"Tr-%zu\"/>\n", i);
	sprintf(doc + k, "</Groups>");
	kw_ua_result r;
	assert_int_equal(parse_xml_str(doc, &r), 0);
	assert_int_equal(r.n, KW_UA_MAX_SECRETS);
	assert_true(r.truncated);
	assert_int_equal(r.v[KW_UA_MAX_SECRETS - 1].line, KW_UA_MAX_SECRETS);
	kw_ua_result_release(&r);

	k = 0;
	for (size_t i = 0; i < n; i++)
		k += (size_t)sprintf(doc + k, "Key%zuPassword=Tr-%zu\n", i, i);
	assert_int_equal(parse_inf_str(doc, &r), 0);
	assert_int_equal(r.n, KW_UA_MAX_SECRETS);
	assert_true(r.truncated);
	assert_no_leak(&r, "Tr-");
	kw_ua_result_release(&r);
	free(doc);
}

static void test_long_names(void **state)
{
	(void)state;
	/* names, passes and accounts are cut to their caps at a character boundary */
	char name[1100];
	memset(name, 'n', 1000);
	memcpy(name + 1000, "\xc3\xa9Password", 11); /* é then the suffix */
	name[1011] = '\0';
	char acc[600];
	memset(acc, 'u', 255);
	memcpy(acc + 255, "\xc3\xa9tail", 7);
	size_t need = 4 * sizeof name + 2 * sizeof acc + 200;
	char *doc = malloc(need);
	assert_non_null(doc);
	snprintf(doc, need, "<settings pass=\"%s\"><LocalAccount><Name>%s</Name><%s>Long-Pw</%s></LocalAccount></settings>",
		 acc, acc, name, name);
	kw_ua_result r;
	assert_int_equal(parse_xml_str(doc, &r), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.v[0].kind, KW_UA_OTHER);
	assert_int_equal(strlen(r.v[0].account), 255);
	assert_int_equal(strlen(r.v[0].pass), 255);
	assert_true(strlen(r.v[0].element) <= KW_UA_MAX_PATH);
	assert_true(!strncmp(r.v[0].element, "settings/LocalAccount/nnnn", 26));
	kw_ua_result_release(&r);
	free(doc);
}

/* ---- fixtures ---- */

struct fsecret {
	kw_ua_kind kind;
	kw_ua_form form;
	unsigned line;
	const char *element, *account, *pass;
};

static void check_fixture(const char *file, kw_ua_format format, bool autologon,
			  const struct fsecret *want, size_t n)
{
	static const char *const secrets[] = {
		"Fixture-", "RgBpAHgAdAB1AHIAZQ", "i5kJ1LW7pZdRgOK4ta8oaTHkFXJvIVeYpIbTROMpBEU",
	};
	char path[512];
	snprintf(path, sizeof path, "%s/windows/answers/%s", KW_TEST_DATA, file);
	size_t len;
	uint8_t *data = kwt_read_file(path, &len);
	kw_ua_result r;
	assert_int_equal(kw_ua_parse(data, len, &r), 0);
	if (r.format != format || r.autologon_enabled != autologon || r.n != n)
		fail_msg("%s: format %d, autologon %d, %zu secrets", file, r.format, r.autologon_enabled, r.n);
	for (size_t i = 0; i < n; i++) {
		const kw_ua_secret *s = &r.v[i];
		if (s->kind != want[i].kind || s->form != want[i].form || s->line != want[i].line)
			fail_msg("%s #%zu: %s, %s, line %u", file, i, kw_ua_kind_name(s->kind),
				 kw_ua_form_name(s->form), s->line);
		assert_string_equal(s->element, want[i].element);
		assert_str_or_null(s->account, want[i].account);
		assert_str_or_null(s->pass, want[i].pass);
	}
	for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
		assert_no_leak(&r, secrets[i]);
	kw_ua_result_release(&r);
	free(data);
}

static void test_fixtures(void **state)
{
	(void)state;
	const char *la = "UserAccounts/LocalAccounts/LocalAccount/Password", *ad = "UserAccounts/AdministratorPassword";
	const struct fsecret plain[] = {
		{ KW_UA_AUTOLOGON, KW_UA_PLAINTEXT, 17, "AutoLogon/Password", "Administrator", "oobeSystem" },
		{ KW_UA_ADMIN, KW_UA_PLAINTEXT, 33, ad, NULL, "oobeSystem" },
		{ KW_UA_LOCAL_ACCOUNT, KW_UA_ENCODED, 39, la, "builder", "oobeSystem" },
	};
	check_fixture("unattend-plain.xml", KW_UA_FMT_XML, true, plain, 3);
	const struct fsecret clean[] = {
		{ KW_UA_AUTOLOGON, KW_UA_REMOVED, 6, "AutoLogon/Password", "Administrator", "oobeSystem" },
		{ KW_UA_ADMIN, KW_UA_REMOVED, 11, ad, NULL, "oobeSystem" },
		{ KW_UA_LOCAL_ACCOUNT, KW_UA_REMOVED, 15, la, "builder", "oobeSystem" },
	};
	check_fixture("unattend-clean.xml", KW_UA_FMT_XML, false, clean, 3);
	const struct fsecret wide[] = {
		{ KW_UA_DOMAIN_JOIN, KW_UA_PLAINTEXT, 8, "Identification/Credentials/Password", "joiner", "specialize" },
		{ KW_UA_ADMIN, KW_UA_ENCODED, 19, ad, NULL, "oobeSystem" },
	};
	check_fixture("unattend-utf16.xml", KW_UA_FMT_XML, false, wide, 2);
	const struct fsecret inf[] = {
		{ KW_UA_ADMIN, KW_UA_PLAINTEXT, 8, "[GuiUnattended] AdminPassword", NULL, NULL },
		{ KW_UA_DOMAIN_JOIN, KW_UA_PLAINTEXT, 25, "[Identification] DomainAdminPassword", "joiner", NULL },
	};
	check_fixture("sysprep.inf", KW_UA_FMT_INF, true, inf, 2);
	const struct fsecret gpp[] = {
		{ KW_UA_GPP, KW_UA_PLAINTEXT, 2, "Groups/User/Properties@cpassword", "svc-deploy", NULL },
	};
	check_fixture("Groups.xml", KW_UA_FMT_GPP, false, gpp, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_xml_forms),
		cmocka_unit_test(test_passes_and_scopes),
		cmocka_unit_test(test_gpp),
		cmocka_unit_test(test_inf),
		cmocka_unit_test(test_encodings),
		cmocka_unit_test(test_dispatch),
		cmocka_unit_test(test_entities),
		cmocka_unit_test(test_deep),
		cmocka_unit_test(test_big),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_long_names),
		cmocka_unit_test(test_fixtures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
