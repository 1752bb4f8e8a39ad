/* time.c — see time.h. The day arithmetic counts in 400-year eras (146097 days) from
 * 0000-03-01, so that leap days fall at the end of each counted year. */
#include "base/time.h"

#include <string.h>

int64_t kw_days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t mp = (m + 9) % 12;
	int64_t doy = (153 * mp + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void kw_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;                                  /* [0, 146096] */
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);           /* [0, 365] */
	int64_t mp = (5 * doy + 2) / 153;                                /* [0, 11] */
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static void two(char *p, int v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
}

void kw_time_hms(int64_t sec, char out[8])
{
	int h = (int)(sec / 3600), m = (int)(sec / 60 % 60), s = (int)(sec % 60);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/* one 8-byte store: a caller that copies the text on at once reads it back whole
	 * (eight byte stores would stall that load) */
	uint64_t x = (uint64_t)(h / 10) | (uint64_t)(h % 10) << 8 | (uint64_t)(m / 10) << 24 |
		     (uint64_t)(m % 10) << 32 | (uint64_t)(s / 10) << 48 | (uint64_t)(s % 10) << 56;
	x += 0x30303a30303a3030ull; /* "00:00:00" */
	memcpy(out, &x, 8);
#else
	two(out, h);
	out[2] = ':';
	two(out + 3, m);
	out[5] = ':';
	two(out + 6, s);
#endif
}

size_t kw_time_iso(int64_t s, bool zulu, char *out, size_t cap)
{
	size_t len = zulu ? KW_ISO_LEN : KW_ISO_LEN - 1;
	int64_t days = s / 86400, secs = s % 86400;
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	int64_t y;
	int m, d;
	kw_civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999) {
		if (cap < 2)
			return 0;
		memcpy(out, "-", 2);
		return 1;
	}
	if (cap <= len)
		return 0;
	two(out, (int)(y / 100));
	two(out + 2, (int)(y % 100));
	out[4] = '-';
	two(out + 5, m);
	out[7] = '-';
	two(out + 8, d);
	out[10] = 'T';
	kw_time_hms(secs, out + 11);
	if (zulu)
		out[19] = 'Z';
	out[len] = '\0';
	return len;
}

bool kw_time_is_iso_utc(const char *s, size_t n)
{
	static const char pat[] = "dddd-dd-ddTdd:dd:ddZ";
	if (n != sizeof pat - 1)
		return false;
	for (size_t i = 0; i < n; i++)
		if (pat[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != pat[i])
			return false;
	return true;
}
