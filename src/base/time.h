/* time.h — calendar arithmetic without the C library's time zone machinery: days since
 * the epoch from a proleptic Gregorian date and back, and UTC timestamps as ISO 8601
 * text. gmtime_r + strftime cost over a thousand instructions a call; reports print
 * thousands of timestamps and log parsers read millions.
 */
#ifndef KW_BASE_TIME_H
#define KW_BASE_TIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Days since 1970-01-01 of year y, month m (1-12), day d (1-31); no range check. */
int64_t kw_days_from_civil(int64_t y, int m, int d);
/* The date of day z since 1970-01-01. */
void kw_civil_from_days(int64_t z, int64_t *y, int *m, int *d);

/* sec (0 .. 86399, seconds of a day) as "HH:MM:SS" into out (8 chars, no NUL). */
void kw_time_hms(int64_t sec, char out[8]);

/* Is s[0..n) shaped like "YYYY-MM-DDTHH:MM:SSZ" (digits where digits go)? */
bool kw_time_is_iso_utc(const char *s, size_t n);

#define KW_ISO_LEN 20 /* "2026-11-21T12:00:00Z" */
/* s seconds since the epoch as "YYYY-MM-DDTHH:MM:SS" followed by "Z" when zulu, into out
 * (cap bytes, NUL-terminated). Years outside 0..9999 are written as "-". Returns the
 * length written (0 when cap is too small). */
size_t kw_time_iso(int64_t s, bool zulu, char *out, size_t cap);

#endif
