/* line.c — one log line to one sshd event: the line's format, its time stamp, its process
 * tag; the message itself goes to kw_gparse_message (msgs.c).
 *
 * The format is told from the first bytes of each line:
 *   '{'            journalctl -o json (jansson): a record counts only when journald's own
 *                  _COMM is sshd, sshd-session or sshd-auth (and _UID, when present, is
 *                  0); SYSLOG_IDENTIFIER, which `logger -t sshd` sets, is never looked at.
 *                  MESSAGE is decoded into a per-thread buffer, so for these lines the
 *                  event's views point there and stay valid until the thread's next
 *                  JSON line, not into the line itself
 *   '<' PRI "1 "   RFC 5424: "<38>1 2025-03-01T00:00:00.123Z host sshd 123 - - MSG"
 *   '<' PRI        RFC 3164 or RFC 3339 stamp after a syslog priority
 *   letter         RFC 3164 "Mar  1 00:00:00", journalctl short ("Mar 01 00:00:00"),
 *                  short-precise ("Mar 01 00:00:00.123456"), some syslogds' "Mar  1 2025
 *                  00:00:00": local time, year from the parser's reference time
 *   digit          rsyslog RFC 3339 "2025-03-01T00:00:00.123456+00:00", journalctl
 *                  short-iso "2025-03-01T00:00:00+0000"
 * then " HOST TAG: MSG" (HOST missing in what syslog(3) itself sends) where TAG is exactly
 * sshd, sshd-session or sshd-auth with "[PID]" (or bare, pid 0): no other program, no
 * "sshd-foo", no tag further on in the message. journalctl's "-- Boot ... --" lines and
 * anything else return 0.
 *
 * Time: a stamp whose text equals the previous line's reuses its value; local time is
 * turned into UTC with an offset cached per local hour (one mktime per hour of log, none
 * per line). Nothing else survives from one line to the next.
 */
#include "guard/line.h"

#include "base/time.h"

#include <jansson.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#define US_PER_S INT64_C(1000000)
#define JSON_LINE_MAX (64 * 1024)
#define JSON_MSG_MAX 8192

/* ---- calendar ---- */

static bool is_digit(uint8_t c) { return c >= '0' && c <= '9'; }

static bool leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int mdays(int64_t y, int m)
{
	static const uint8_t d[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return m == 2 && leap(y) ? 29 : d[m - 1];
}

static bool digits(const uint8_t *p, size_t n, int *out)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(p[i]))
			return false;
		v = v * 10 + (p[i] - '0');
	}
	*out = v;
	return true;
}

/* "hh:mm:ss" at p: seconds into the day. */
static bool hms(const uint8_t *p, int64_t *secs)
{
	int h, mi, s;
	if (p[2] != ':' || p[5] != ':' || !digits(p, 2, &h) || !digits(p + 3, 2, &mi) ||
	    !digits(p + 6, 2, &s) || h > 23 || mi > 59 || s > 60)
		return false;
	*secs = h * 3600 + mi * 60 + s;
	return true;
}

/* ".ffffff" (1 to 9 digits) at p[0..n): microseconds; *used = bytes taken (0 if none). */
static int64_t fraction(const uint8_t *p, size_t n, size_t *used)
{
	*used = 0;
	if (n < 2 || p[0] != '.' || !is_digit(p[1]))
		return 0;
	size_t i = 1;
	int64_t us = 0;
	while (i < n && is_digit(p[i]) && i <= 9) {
		if (i <= 6)
			us = us * 10 + (p[i] - '0');
		i++;
	}
	for (size_t k = i; k <= 6; k++)
		us *= 10;
	*used = i;
	return us;
}

static int month_of(const uint8_t *p)
{
	switch ((uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2]) {
	case 'J' << 16 | 'a' << 8 | 'n': return 1;
	case 'F' << 16 | 'e' << 8 | 'b': return 2;
	case 'M' << 16 | 'a' << 8 | 'r': return 3;
	case 'A' << 16 | 'p' << 8 | 'r': return 4;
	case 'M' << 16 | 'a' << 8 | 'y': return 5;
	case 'J' << 16 | 'u' << 8 | 'n': return 6;
	case 'J' << 16 | 'u' << 8 | 'l': return 7;
	case 'A' << 16 | 'u' << 8 | 'g': return 8;
	case 'S' << 16 | 'e' << 8 | 'p': return 9;
	case 'O' << 16 | 'c' << 8 | 't': return 10;
	case 'N' << 16 | 'o' << 8 | 'v': return 11;
	case 'D' << 16 | 'e' << 8 | 'c': return 12;
	}
	return 0;
}

/* ---- local time ---- */

/* Lines are parsed on two threads (guard/reader.c). glibc's mktime re-reads the zone on
 * every call when TZ is unset, under a lock of its own that ThreadSanitizer cannot see;
 * the calls are rare (once per hour of log), so keyward serialises them itself. */
static pthread_mutex_t tz_lock = PTHREAD_MUTEX_INITIALIZER;

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* UTC offset (seconds east) in effect at the local wall-clock time `local` (seconds
 * since the epoch as if local time were UTC), cached per local hour. */
static int64_t local_offset(kw_gparser *p, int64_t local)
{
	int64_t hour = floor_div(local, 3600);
	if (hour == p->tz_key)
		return p->tz_off_s;
	int64_t start = hour * 3600;
	int64_t days = floor_div(start, 86400), y;
	int m, d;
	kw_civil_from_days(days, &y, &m, &d);
	struct tm tm = {
		.tm_year = (int)(y - 1900), .tm_mon = m - 1, .tm_mday = d,
		.tm_hour = (int)((start - days * 86400) / 3600), .tm_isdst = -1,
	};
	pthread_mutex_lock(&tz_lock);
	time_t t = mktime(&tm);
	pthread_mutex_unlock(&tz_lock);
	int64_t off = t == (time_t)-1 ? 0 : start - (int64_t)t;
	p->tz_key = hour;
	p->tz_off_s = off;
	return off;
}

/* The local calendar year at `us`. UTC's, unless within 15 hours of a New Year, where
 * the zone decides (localtime_r, rarely). Cheap enough to redo on every new stamp, so a
 * caller may move ref_us forward while following a log. */
static int64_t local_year(int64_t us)
{
	int64_t s = floor_div(us, US_PER_S), y;
	int m, d;
	kw_civil_from_days(floor_div(s, 86400), &y, &m, &d);
	if (s - kw_days_from_civil(y, 1, 1) * 86400 >= 15 * 3600 &&
	    kw_days_from_civil(y + 1, 1, 1) * 86400 - s > 15 * 3600)
		return y;
	time_t t = (time_t)s;
	struct tm tm;
	pthread_mutex_lock(&tz_lock);
	struct tm *ok = localtime_r(&t, &tm);
	pthread_mutex_unlock(&tz_lock);
	if (!ok)
		return y;
	return (int64_t)tm.tm_year + 1900;
}

void kw_gparser_init(kw_gparser *p, int64_t ref_us)
{
	memset(p, 0, sizeof *p);
	if (ref_us == KW_GTIME_UNKNOWN) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ref_us = (int64_t)ts.tv_sec * US_PER_S + ts.tv_nsec / 1000;
	}
	p->ref_us = ref_us;
	p->ref_year = (int)local_year(ref_us);
	p->ref_year_us = ref_us;
	p->tz_key = INT64_MIN;
	p->last_stamp_len = 0;
}

/* Local date and time to UTC microseconds. */
static int64_t local_to_us(kw_gparser *p, int64_t y, int mon, int day, int64_t secs, int64_t frac)
{
	int64_t local = kw_days_from_civil(y, mon, day) * 86400 + secs;
	return (local - local_offset(p, local)) * US_PER_S + frac;
}

/* ---- time stamps ---- */

/* RFC 3164 family at p[0..n): "Mmm dd hh:mm:ss[.f]" or "Mmm dd yyyy hh:mm:ss[.f]" (day
 * space- or zero-padded). Returns the stamp's length, 0 if it is not one. */
static size_t stamp3164_len(const uint8_t *p, size_t n)
{
	if (n < 16 || p[3] != ' ' || p[6] != ' ')
		return 0;
	size_t t = 7;
	if (p[9] != ':') { /* with a year */
		if (n < 21 || p[11] != ' ' || !is_digit(p[7]))
			return 0;
		t = 12;
	}
	size_t e = t + 8, used;
	(void)fraction(p + e, n - e, &used);
	return e + used;
}

static bool parse3164(kw_gparser *p, const uint8_t *s, size_t len, int64_t *us)
{
	int mon = month_of(s), day;
	if (!mon)
		return false;
	if (s[4] == ' ') {
		if (!digits(s + 5, 1, &day))
			return false;
	} else if (!digits(s + 4, 2, &day)) {
		return false;
	}
	size_t t = 7;
	int year = -1;
	if (s[9] != ':') {
		if (!digits(s + 7, 4, &year))
			return false;
		t = 12;
	}
	int64_t secs;
	if (!hms(s + t, &secs))
		return false;
	size_t used;
	int64_t frac = fraction(s + t + 8, len - (t + 8), &used);
	if (day < 1 || day > 31)
		return false;
	if (year >= 0) {
		if (day > mdays(year, mon))
			return false;
		*us = local_to_us(p, year, mon, day, secs, frac);
		return true;
	}
	/* no year: the reference year, unless that puts the line more than a day after the
	 * reference time (then it was written the year before) */
	if (p->ref_year_us != p->ref_us) {
		p->ref_year = (int)local_year(p->ref_us);
		p->ref_year_us = p->ref_us;
	}
	int64_t y = p->ref_year;
	for (int tries = 0; tries < 8 && day > mdays(y, mon); tries++)
		y--; /* Feb 29: the latest leap year */
	if (day > mdays(y, mon))
		return false;
	int64_t v = local_to_us(p, y, mon, day, secs, frac);
	if (v > p->ref_us + 86400 * US_PER_S) {
		y--;
		for (int tries = 0; tries < 8 && day > mdays(y, mon); tries++)
			y--;
		v = local_to_us(p, y, mon, day, secs, frac);
	}
	*us = v;
	return true;
}

/* RFC 3339 at p[0..n): "YYYY-MM-DDTHH:MM:SS[.f](Z|+HH:MM|+HHMM)". Returns its length. */
static size_t parse3339(const uint8_t *s, size_t n, int64_t *us)
{
	int y, mon, day;
	int64_t secs;
	if (n < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') ||
	    !digits(s, 4, &y) || !digits(s + 5, 2, &mon) || !digits(s + 8, 2, &day) ||
	    mon < 1 || mon > 12 || day < 1 || day > mdays(y, mon) || !hms(s + 11, &secs))
		return 0;
	size_t i = 19, used;
	int64_t frac = fraction(s + i, n - i, &used);
	i += used;
	int64_t off = 0;
	if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
		i++;
	} else if (i + 5 <= n && (s[i] == '+' || s[i] == '-')) {
		int oh, om;
		size_t k = i + 1;
		if (!digits(s + k, 2, &oh))
			return 0;
		k += 2;
		if (k < n && s[k] == ':')
			k++;
		if (k + 2 > n || !digits(s + k, 2, &om) || oh > 23 || om > 59)
			return 0;
		off = (oh * 3600 + om * 60) * (s[i] == '-' ? -1 : 1);
		i = k + 2;
	} else {
		return 0;
	}
	int64_t t = kw_days_from_civil(y, mon, day) * 86400 + secs - off;
	*us = t * US_PER_S + frac;
	return i;
}

/* The stamp s[0..len) through the one-entry cache. */
static bool cached(kw_gparser *p, const uint8_t *s, size_t len, int64_t *us)
{
	if (len == p->last_stamp_len && len && kw_mem_eq(p->last_stamp, s, len)) {
		*us = p->last_stamp_us;
		return true;
	}
	return false;
}

static void remember(kw_gparser *p, const uint8_t *s, size_t len, int64_t us)
{
	if (len > sizeof p->last_stamp) {
		p->last_stamp_len = 0;
		return;
	}
	memcpy(p->last_stamp, s, len);
	p->last_stamp_len = len;
	p->last_stamp_us = us;
}

/* Second cache: the minute. A stamp in the same minute as the last new one is that
 * minute's start plus its seconds; all of a minute lies in one local hour, so one UTC
 * offset. Not taken for a leap second (:60, which may reach the next hour) nor where the
 * seconds carry a year-less stamp past ref_us + 1 day while the minute's start was not
 * (the year decision could differ): those go the full way. */
static bool minute_cached(kw_gparser *p, const uint8_t *s, size_t len, int64_t *us)
{
	size_t m = p->minute_len;
	if (!m || p->minute_ref_us != p->ref_us || len < m + 3 || !kw_mem_eq(p->minute, s, m))
		return false;
	int ss;
	if (s[m] != ':' || !digits(s + m + 1, 2, &ss) || ss > 59)
		return false;
	size_t used;
	int64_t frac = fraction(s + m + 3, len - (m + 3), &used);
	int64_t v = p->minute_us + ss * US_PER_S + frac;
	int64_t edge = p->ref_us + 86400 * US_PER_S;
	bool year = m > 12;
	if (!year && v > edge && p->minute_us <= edge)
		return false;
	*us = v;
	return true;
}

static void remember_minute(kw_gparser *p, const uint8_t *s)
{
	size_t m = s[9] == ':' ? 12 : 17; /* "Mmm dd hh:mm" or "Mmm dd yyyy hh:mm" */
	char start[24];
	memcpy(start, s, m);
	memcpy(start + m, ":00", 3);
	p->minute_len = 0;
	if (!parse3164(p, (const uint8_t *)start, m + 3, &p->minute_us))
		return;
	memcpy(p->minute, s, m);
	p->minute_len = m;
	p->minute_ref_us = p->ref_us;
}

static size_t stamp3164(kw_gparser *p, const uint8_t *s, size_t n, int64_t *us)
{
	size_t len = stamp3164_len(s, n);
	if (!len)
		return 0;
	if (cached(p, s, len, us))
		return len;
	if (!minute_cached(p, s, len, us)) {
		if (!parse3164(p, s, len, us))
			return 0;
		remember_minute(p, s);
	}
	remember(p, s, len, *us);
	return len;
}

static size_t stamp3339(kw_gparser *p, const uint8_t *s, size_t n, int64_t *us)
{
	size_t lim = n < 40 ? n : 40;
	const uint8_t *sp = memchr(s, ' ', lim);
	if (sp && cached(p, s, (size_t)(sp - s), us))
		return (size_t)(sp - s);
	size_t len = parse3339(s, n, us);
	if (!len)
		return 0;
	remember(p, s, len, *us);
	return len;
}

/* ---- process tag ---- */

bool kw_gproc_from_name(const uint8_t *name, size_t n, enum kw_gproc *proc)
{
	if (n < 4 || memcmp(name, "sshd", 4))
		return false;
	if (n == 4)
		*proc = KW_GP_SSHD;
	else if (n == 12 && !memcmp(name + 4, "-session", 8))
		*proc = KW_GP_SSHD_SESSION;
	else if (n == 9 && !memcmp(name + 4, "-auth", 5))
		*proc = KW_GP_SSHD_AUTH;
	else
		return false;
	return true;
}

/* "NAME[PID]: " or "NAME: " at s[0..n): the message offset, 0 if not sshd's tag. */
/* The leading decimal digits of s[0..n), up to eight, read eight bytes at a time (a pid
 * on every line): how many there were, their value in *v. 0 when fewer than eight bytes
 * are left (the caller's loop reads those) or on a big-endian machine. */
static size_t digits8(const uint8_t *s, size_t n, uint64_t *v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (n < 8)
		return 0;
	uint64_t x;
	memcpy(&x, s, 8);
	const uint64_t lo7 = 0x7f7f7f7f7f7f7f7full, hi = 0x8080808080808080ull;
	uint64_t x7 = x & lo7;
	/* per byte, no carry between bytes: >= '0' sets bit 7 of x7 + 0x50, > '9' of x7 + 0x46 */
	uint64_t digit = (x7 + 0x5050505050505050ull) & ~(x7 + 0x4646464646464646ull) & ~x & hi;
	uint64_t other = ~digit & hi;
	size_t c = other ? (size_t)__builtin_ctzll(other) / 8 : 8;
	if (c == 0)
		return 0;
	/* the digits to the top bytes, the first (most significant) lowest: leading zeros
	 * below; then pairs, quads and the eight combined */
	uint64_t d = (x - 0x3030303030303030ull) << (8 * (8 - c));
	d = (d * 10 + (d >> 8)) & 0x00ff00ff00ff00ffull;
	d = (d * 100 + (d >> 16)) & 0x0000ffff0000ffffull;
	d = (d * 10000 + (d >> 32)) & 0xffffffffull;
	*v = d;
	return c;
#else
	(void)s;
	(void)n;
	(void)v;
	return 0;
#endif
}

static size_t tag(const uint8_t *s, size_t n, kw_gevent *ev)
{
	/* every name we accept starts "sshd": most host names fail here at once */
	if (n < 6 || s[0] != 's' || s[1] != 's' || s[2] != 'h' || s[3] != 'd')
		return 0;
	/* the name ends where "[" or ":" follows one of the three accepted lengths */
	size_t i = 0;
	for (size_t k = 4; k <= 12 && k < n; k += k == 4 ? 5 : 3)
		if (s[k] == '[' || s[k] == ':') {
			i = k;
			break;
		}
	if (!i || !kw_gproc_from_name(s, i, &ev->proc))
		return 0;
	if (s[i] == '[') {
		size_t k = ++i;
		uint64_t pid = 0;
		i += digits8(s + i, n - i, &pid);
		while (i < n && is_digit(s[i]) && i - k < 10)
			pid = pid * 10 + (uint64_t)(s[i++] - '0');
		if (i == k || pid > UINT32_MAX || i + 1 >= n || s[i] != ']')
			return 0;
		ev->pid = (uint32_t)pid;
		i++;
	}
	if (i + 1 >= n || s[i] != ':' || s[i + 1] != ' ')
		return 0;
	return i + 2;
}

/* After the stamp: " HOST TAG: MSG" (or " TAG: MSG" from syslogds that write no host). */
static int host_tag_msg(const uint8_t *s, size_t n, kw_gevent *ev)
{
	if (n < 2 || s[0] != ' ')
		return 0;
	s++;
	n--;
	size_t m = tag(s, n, ev);
	if (!m) {
		const uint8_t *e = memchr(s, ' ', n);
		if (!e || e == s)
			return 0;
		size_t h = (size_t)(e - s) + 1;
		m = tag(s + h, n - h, ev);
		if (!m)
			return 0;
		m += h;
	}
	return kw_gparse_message(s + m, n - m, ev);
}

/* ---- formats ---- */

static size_t token(const uint8_t *s, size_t n)
{
	const uint8_t *e = memchr(s, ' ', n);
	return e ? (size_t)(e - s) : n;
}

/* RFC 5424 after "<PRI>1 ": "TIMESTAMP HOST APP PROCID MSGID SD [MSG]". */
static int rfc5424(const uint8_t *s, size_t n, kw_gevent *ev)
{
	size_t i, t = token(s, n);
	if (!(t == 1 && s[0] == '-') && parse3339(s, t, &ev->time_us) != t) /* the whole token */
		return 0;
	i = t + 1;
	if (i >= n)
		return 0;
	i += token(s + i, n - i) + 1; /* HOST */
	if (i >= n)
		return 0;
	t = token(s + i, n - i); /* APP-NAME */
	if (!kw_gproc_from_name(s + i, t, &ev->proc))
		return 0;
	i += t + 1;
	if (i >= n)
		return 0;
	t = token(s + i, n - i); /* PROCID */
	if (!(t == 1 && s[i] == '-')) {
		uint64_t pid = 0;
		if (t == 0 || t > 10)
			return 0;
		for (size_t k = 0; k < t; k++) {
			if (!is_digit(s[i + k]))
				return 0;
			pid = pid * 10 + (uint64_t)(s[i + k] - '0');
		}
		if (pid > UINT32_MAX)
			return 0;
		ev->pid = (uint32_t)pid;
	}
	i += t + 1;
	if (i >= n)
		return 0;
	i += token(s + i, n - i) + 1; /* MSGID */
	if (i >= n)
		return 0;
	/* STRUCTURED-DATA: "-" or one or more [ID PARAM="value"...] (\" \\ \] escaped) */
	if (s[i] == '-') {
		i++;
	} else {
		while (i < n && s[i] == '[') {
			bool quoted = false;
			for (i++; i < n; i++) {
				if (quoted && s[i] == '\\') {
					i++;
					continue;
				}
				if (s[i] == '"')
					quoted = !quoted;
				else if (!quoted && s[i] == ']')
					break;
			}
			if (i >= n)
				return 0;
			i++;
		}
	}
	if (i >= n || s[i] != ' ')
		return 0;
	i++;
	if (n - i >= 3 && s[i] == 0xEF && s[i + 1] == 0xBB && s[i + 2] == 0xBF)
		i += 3;
	return kw_gparse_message(s + i, n - i, ev);
}

static int syslog_line(kw_gparser *p, const uint8_t *s, size_t n, kw_gevent *ev)
{
	size_t k;
	if (n && s[0] >= 'A' && s[0] <= 'Z')
		k = stamp3164(p, s, n, &ev->time_us);
	else if (n && is_digit(s[0]))
		k = stamp3339(p, s, n, &ev->time_us);
	else
		return 0;
	if (!k)
		return 0;
	return host_tag_msg(s + k, n - k, ev);
}

/* ---- journalctl -o json ---- */

static _Thread_local uint8_t json_msg[JSON_MSG_MAX];

static bool json_u64(json_t *v, uint64_t max, uint64_t *out)
{
	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);
		if (i < 0 || (uint64_t)i > max)
			return false;
		*out = (uint64_t)i;
		return true;
	}
	const char *s = json_string_value(v);
	if (!s)
		return false;
	size_t n = json_string_length(v);
	if (n == 0 || n > 19)
		return false;
	uint64_t x = 0;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit((uint8_t)s[i]))
			return false;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	if (x > max)
		return false;
	*out = x;
	return true;
}

/* MESSAGE as text, or as journald's array of byte values for binary data. */
static bool json_message(json_t *v, size_t *len)
{
	if (json_is_string(v)) {
		size_t n = json_string_length(v);
		if (n > sizeof json_msg)
			return false;
		memcpy(json_msg, json_string_value(v), n);
		*len = n;
		return true;
	}
	if (!json_is_array(v) || json_array_size(v) > sizeof json_msg)
		return false;
	size_t i;
	json_t *b;
	json_array_foreach(v, i, b) {
		if (!json_is_integer(b) || json_integer_value(b) < 0 || json_integer_value(b) > 255)
			return false;
		json_msg[i] = (uint8_t)json_integer_value(b);
	}
	*len = json_array_size(v);
	return true;
}

/* Cheap look before jansson: some "_COMM" key with a value starting "sshd. It only ever
 * says no to records jansson would turn down too (other programs' records, most of a
 * journal), so they cost a memmem instead of a parse. */
static bool maybe_sshd_record(const uint8_t *s, size_t n)
{
	static const char key[] = "\"_COMM\"";
	size_t at = 0;
	while (at < n) {
		const uint8_t *k = memmem(s + at, n - at, key, sizeof key - 1);
		if (!k)
			return false;
		size_t i = (size_t)(k - s) + sizeof key - 1;
		at = i;
		while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
			i++;
		if (i >= n || s[i] != ':')
			continue;
		i++;
		while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
			i++;
		if (n - i >= 5 && !memcmp(s + i, "\"sshd", 5))
			return true;
	}
	return false;
}

static int json_line(const uint8_t *s, size_t n, kw_gevent *ev)
{
	if (n > JSON_LINE_MAX || !maybe_sshd_record(s, n))
		return 0;
	json_t *o = json_loadb((const char *)s, n, JSON_REJECT_DUPLICATES, NULL);
	if (!o)
		return 0;
	int r = 0;
	uint64_t v;
	enum kw_gproc proc;
	json_t *comm = json_object_get(o, "_COMM");
	json_t *uid = json_object_get(o, "_UID");
	size_t mlen;
	/* trust: journald's own _COMM (and _UID 0 when present), never SYSLOG_IDENTIFIER */
	if (!json_is_string(comm) ||
	    !kw_gproc_from_name((const uint8_t *)json_string_value(comm), json_string_length(comm), &proc) ||
	    (uid && (!json_u64(uid, UINT32_MAX, &v) || v != 0)) ||
	    !json_message(json_object_get(o, "MESSAGE"), &mlen))
		goto out;
	r = kw_gparse_message(json_msg, mlen, ev);
	if (r != 1)
		goto out;
	ev->proc = proc;
	if (json_u64(json_object_get(o, "_PID"), UINT32_MAX, &v))
		ev->pid = (uint32_t)v;
	if (json_u64(json_object_get(o, "__REALTIME_TIMESTAMP"), INT64_MAX, &v))
		ev->time_us = (int64_t)v;
out:
	json_decref(o);
	return r;
}

/* ---- entry point ---- */

/* The message fields are cleared by kw_gparse_message, which every successful line passes
 * through; a line that fails is cleared whole. */
int kw_gparse_line(kw_gparser *p, const uint8_t *line, size_t n, kw_gevent *ev)
{
	kw_gevent_clear_prefix(ev);
	int r = 0;
	if (n == 0) {
		r = 0;
	} else if (line[0] == '{') {
		r = json_line(line, n, ev);
	} else if (line[0] == '<') {
		size_t i = 1;
		unsigned pri = 0;
		while (i < n && i < 4 && is_digit(line[i]))
			pri = pri * 10 + (unsigned)(line[i++] - '0');
		if (i == 1 || i >= n || line[i] != '>' || pri > 191)
			r = 0;
		else if (n - i - 1 >= 2 && line[i + 1] == '1' && line[i + 2] == ' ')
			r = rfc5424(line + i + 3, n - i - 3, ev);
		else
			r = syslog_line(p, line + i + 1, n - i - 1, ev);
	} else {
		r = syslog_line(p, line, n, ev);
	}
	if (r != 1) {
		kw_gevent_clear_prefix(ev);
		kw_gevent_clear_msg(ev);
		return 0;
	}
	return 1;
}
