/* fuzz_net_rdp.c — libFuzzer harness for the RDP codec (net/rdp.c) and the verdicts over
 * its answers (net/rdpscan.c, checks/rdp.c).
 *
 * The input is what a server sends after the Connection Request. Its first byte picks how
 * the stream is cut into feeds (1 to 64 bytes, never more than kw_rdp_rx_want asks for);
 * the rest goes through kw_rdp_rx as the prober takes it, and a complete TPKT through
 * kw_rdp_confirm_parse. Checked each time: the reader never asks for a byte past the
 * TPKT's length nor holds more than KW_RDP_CONFIRM_MAX; errors stick; the same stream fed
 * a byte at a time gives the same confirm or the same error; every error text is clean
 * printable ASCII (it holds no server byte). The parsed confirm, in each of the three
 * probes' places, goes through kw_rdp_followups, kw_rdp_verdicts and kw_rdp_checks
 * (findings name nothing but the target and the codec's own words).
 *
 * The whole input is also read as a DER certificate (thumbprints 40 and 64 uppercase hex
 * digits, names NUL-terminated within their caps) and as a thumbprint a user typed.
 */
#include "base/err.h"
#include "checks/profile.h"
#include "checks/rdp.h"
#include "net/rdp.h"
#include "net/rdpscan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_text(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);
	if (n == cap)
		abort();
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			abort();
}

typedef struct outcome {
	int r;               /* 1 incomplete, 0 parsed, < 0 error */
	kw_rdp_confirm c;
	char why[160];
} outcome;

static outcome read_stream(const uint8_t *data, size_t size, size_t chunk)
{
	outcome o;
	memset(&o, 0, sizeof o);
	kw_rdp_rx rx;
	kw_rdp_rx_init(&rx);
	size_t off = 0;
	int r = 0;
	while (r == 0 && off < size) {
		size_t want = kw_rdp_rx_want(&rx);
		if (want == 0)
			abort(); /* neither complete nor failed, yet it asks for nothing */
		if (rx.need > KW_RDP_CONFIRM_MAX || rx.have + want > rx.need)
			abort();
		size_t k = want < chunk ? want : chunk;
		if (k > size - off)
			k = size - off;
		r = kw_rdp_rx_feed(&rx, data + off, k);
		off += k;
		if (rx.have > KW_RDP_CONFIRM_MAX)
			abort();
	}
	if (r < 0) {
		check_text(rx.why, sizeof rx.why);
		if (kw_rdp_rx_want(&rx) != 0 || kw_rdp_rx_feed(&rx, data, 0) != r)
			abort(); /* errors stick */
		o.r = r;
		snprintf(o.why, sizeof o.why, "%s", rx.why);
		return o;
	}
	if (r == 0) {
		o.r = 1;
		return o;
	}
	if (kw_rdp_rx_want(&rx) != 0 || rx.have != rx.need || rx.have != ((size_t)rx.b[2] << 8 | rx.b[3]))
		abort();
	o.r = kw_rdp_confirm_parse(kw_buf_view(rx.b, rx.have), &o.c, o.why, sizeof o.why);
	if (o.r < 0)
		check_text(o.why, sizeof o.why);
	else if (o.r != 0 || o.c.kind > KW_RDP_CC_FAILURE)
		abort();
	return o;
}

static void judge(const kw_rdp_confirm *c)
{
	static kw_profile prof;
	static int init;
	if (!init) {
		kw_profile_init(&prof);
		init = 1;
	}
	for (int place = 0; place < KW_RDP_PROBES; place++) {
		kw_rdp_result r;
		memset(&r, 0, sizeof r);
		r.probes[KW_RDP_PROBE_NEGOTIATE] = (kw_rdp_probe){ .ran = true, .phase = "done" };
		r.probes[place] = (kw_rdp_probe){ .ran = true, .phase = "done", .cc = *c };
		r.answered = r.finished = true;
		unsigned f = kw_rdp_followups(&r.probes[KW_RDP_PROBE_NEGOTIATE]);
		if (f & ~((1u << KW_RDP_PROBE_TLS_ONLY) | (1u << KW_RDP_PROBE_RDP_ONLY)))
			abort();
		kw_rdp_verdicts(&r);
		if (r.standard_security > KW_RDP_YES || r.nla_required > KW_RDP_YES)
			abort();
		if (r.standard_security == KW_RDP_YES && r.nla_required != KW_RDP_NO)
			abort(); /* standard security gets in without CredSSP */
		const char *expect[] = { "0000000000000000000000000000000000000000" };
		kw_rdp_check_in in = { .target = "rdp://t:3389", .r = &r, .expect = expect, .n_expect = 1, .now = 0 };
		kw_findings fs = { 0 };
		if (kw_rdp_checks(&prof, &in, &fs) < 0)
			abort();
		for (size_t i = 0; i < fs.n; i++)
			check_text(fs.v[i].evidence, strlen(fs.v[i].evidence) + 1);
		kw_findings_release(&fs);
	}
}

static void check_hex(const char *s, size_t n)
{
	if (strlen(s) != n)
		abort();
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'F')))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	size_t chunk = (size_t)(data[0] % 64) + 1;
	const uint8_t *p = data + 1;
	size_t n = size - 1;
	outcome a = read_stream(p, n, chunk), b = read_stream(p, n, 1);
	if (a.r != b.r || strcmp(a.why, b.why) != 0)
		abort();
	if (a.r == 0) {
		if (memcmp(&a.c, &b.c, sizeof a.c) != 0)
			abort();
		judge(&a.c);
	}

	kw_rdp_cert c;
	char why[128] = "";
	if (kw_rdp_cert_from_der(p, n, &c, why, sizeof why) == 0) {
		check_hex(c.sha1, 40);
		check_hex(c.sha256, 64);
		if (strnlen(c.subject, sizeof c.subject) == sizeof c.subject ||
		    strnlen(c.issuer, sizeof c.issuer) == sizeof c.issuer || c.der_len != n)
			abort();
	} else {
		check_text(why, sizeof why);
	}

	char s[256], out[72];
	size_t k = n < sizeof s - 1 ? n : sizeof s - 1;
	memcpy(s, p, k);
	s[k] = '\0';
	int t = kw_rdp_thumbprint_norm(s, out, sizeof out);
	if (t >= 0)
		check_hex(out, (size_t)t);
	if (n >= 4) {
		uint32_t mask = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
		char ps[400];
		kw_rdp_protocols_str(mask, ps, sizeof ps);
		check_text(ps, sizeof ps);
		kw_rdp_protocols_str(mask, ps, 5);
		if (strlen(ps) >= 5)
			abort();
	}
	return 0;
}
