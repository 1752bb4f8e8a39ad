/* fuzz_guard_json.c — libFuzzer harness for the journalctl -o json path of the guard's line
 * parser (guard/line.c).
 *
 *  - the input as a line (seeds are journal JSON objects): 0 or 1, a valid kind, views
 *    readable to their end (they live in the parser's per-thread MESSAGE buffer);
 *  - the input as the MESSAGE of a record from _COMM sshd (a JSON string, or journald's
 *    byte array when it is not valid UTF-8): the event must be exactly what
 *    kw_gparse_message makes of the same bytes, with _PID and __REALTIME_TIMESTAMP taken
 *    from the record;
 *  - the same record with _COMM "logger" (SYSLOG_IDENTIFIER "sshd"), without _COMM, or
 *    with a _UID other than 0 never matches: only journald's trusted fields count. */
#include "guard/line.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void touch(kw_buf v)
{
	volatile uint8_t sink = 0;
	for (size_t i = 0; i < v.len; i++)
		sink ^= v.p[i];
	(void)sink;
}

static void check(int rc, const kw_gevent *ev)
{
	if (rc != 0 && rc != 1)
		abort();
	if (rc == 0) {
		if (ev->kind != KW_GK_NONE || ev->has_user || ev->addr.fam)
			abort();
		return;
	}
	if (ev->kind <= KW_GK_NONE || ev->kind >= KW_GK_COUNT || ev->proc == KW_GP_UNKNOWN)
		abort();
	touch(ev->user);
	touch(ev->host);
	touch(ev->method);
}

/* A journal record around msg; NULL if it cannot be built. */
static char *record(const uint8_t *msg, size_t n, const char *comm, const char *uid)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	json_t *m = memchr(msg, 0, n) ? NULL : json_stringn((const char *)msg, n);
	if (!m) { /* not UTF-8, or a NUL: journald writes the bytes as numbers */
		m = json_array();
		for (size_t i = 0; m && i < n; i++)
			json_array_append_new(m, json_integer(msg[i]));
	}
	json_object_set_new(o, "__REALTIME_TIMESTAMP", json_string("1740787200123456"));
	json_object_set_new(o, "_PID", json_string("4321"));
	if (uid)
		json_object_set_new(o, "_UID", json_string(uid));
	if (comm)
		json_object_set_new(o, "_COMM", json_string(comm));
	json_object_set_new(o, "SYSLOG_IDENTIFIER", json_string("sshd"));
	json_object_set_new(o, "MESSAGE", m);
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 16384)
		return 0;
	kw_gparser p;
	kw_gparser_init(&p, INT64_C(1767312000) * 1000000);
	kw_gevent ev, want;
	check(kw_gparse_line(&p, data, size, &ev), &ev);

	int wr = kw_gparse_message(data, size, &want);
	char ab[KW_ADDR_STRLEN];
	kw_addr_format(&want.addr, ab, sizeof ab);
	size_t ulen = want.has_user ? want.user.len : 0;
	uint8_t *user = malloc(ulen + 1);
	if (!user)
		return 0;
	if (ulen)
		memcpy(user, want.user.p, ulen);
	char *rec = record(data, size, "sshd", "0");
	if (rec) {
		int rc = kw_gparse_line(&p, (const uint8_t *)rec, strlen(rec), &ev);
		check(rc, &ev);
		/* line.c copies MESSAGE into an 8 KiB buffer: longer ones are not sshd's (its
		 * log.c cuts at 1 KiB) and do not match */
		if (rc != (size > 8192 ? 0 : wr))
			abort();
		if (rc == 1) {
			char eb[KW_ADDR_STRLEN];
			kw_addr_format(&ev.addr, eb, sizeof eb);
			if (ev.kind != want.kind || strcmp(ab, eb) || ev.port != want.port ||
			    ev.has_user != want.has_user || ev.invalid_user != want.invalid_user ||
			    ev.preauth != want.preauth || ev.pid != 4321 || ev.proc != KW_GP_SSHD ||
			    ev.time_us != INT64_C(1740787200123456))
				abort();
			if (ev.has_user && (ev.user.len != ulen || (ulen && memcmp(ev.user.p, user, ulen))))
				abort();
		}
		free(rec);
	}
	static const struct { const char *comm, *uid; } untrusted[] = {
		{ "logger", "0" }, { NULL, "0" }, { "sshd", "1000" }, { "sshd-foo", NULL },
	};
	for (size_t i = 0; i < sizeof untrusted / sizeof untrusted[0]; i++) {
		rec = record(data, size, untrusted[i].comm, untrusted[i].uid);
		if (!rec)
			continue;
		if (kw_gparse_line(&p, (const uint8_t *)rec, strlen(rec), &ev) != 0)
			abort();
		free(rec);
	}
	free(user);
	return 0;
}
