/* software.h — what a server's banner says about its software, and the advisories that
 * name that version (data/ssh-software.notes, embedded as kw_scan_data "ssh-software";
 * format in docs/scan-data.md).
 *
 * RFC 4253 §4.2: "SSH-protoversion-softwareversion SP comments". The software version
 * "OpenSSH_9.2p1" is read as product "openssh" and version "9.2p1" (split at the first '_'
 * followed by a digit, else the first '-' followed by a digit; the product lowercased).
 * The comments "Debian-2+deb12u3" are read as distribution "debian" and package revision
 * "2+deb12u3" (the first word, split at its first '-'): Debian and Ubuntu put the
 * package's revision there (DebianBanner yes, the default), which is how a backported fix
 * shows on the wire.
 *
 * Versions compare as dotted numbers then the portable "pN" level (8.5p1 < 9.7p1 < 9.8p1,
 * 9.7 < 9.7p1, 6.6.1p1 > 6.6p1); text after that is ignored ("20230101-1" is 20230101).
 * Package revisions compare as dpkg compares them (verrevcmp: 2+deb12u2 < 2+deb12u3 <
 * 2+deb12u10, 3ubuntu13.3 < 3ubuntu13.10).
 *
 * A row matches when the product is the row's and every version condition holds. Then:
 *  - the banner names a distribution and revision, and the row lists that distribution's
 *    fixed revision for exactly this upstream version: FIXED when the banner's revision is
 *    that or later (no finding), else CONFIRMED (the package predates the fix);
 *  - otherwise POSSIBLE (no distribution suffix, or no fix data for it: distributions
 *    backport fixes without changing the upstream version).
 *
 * Pure: strings in, notes out. Text taken from the banner is kept only when it consists
 * of safe characters ([A-Za-z0-9._+~:-]), so notes are clean to print.
 */
#ifndef KW_NET_SOFTWARE_H
#define KW_NET_SOFTWARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KW_SW_NOTES_MAX_TEXT ((size_t)1 << 20)
#define KW_SW_ROWS_MAX 4096

typedef struct kw_sw_ident {
	char product[32];    /* "openssh", "dropbear", "tinyssh" (lowercase); "" unknown */
	char version[48];    /* "9.2p1", "2022.83", "20230101-1"; "" none */
	char distro[24];     /* "debian", "ubuntu" (lowercase); "" none */
	char revision[48];   /* "2+deb12u3"; "" none */
} kw_sw_ident;

/* Read a banner's softwareversion and comments (comments may be NULL). 0 when a product
 * and version were found, KW_E_PARSE otherwise (*id is filled as far as it could be). */
int kw_sw_ident_parse(const char *software, const char *comments, kw_sw_ident *id);

/* A version as compared: up to 8 dotted numbers and the "p" level. */
typedef struct kw_sw_version {
	uint32_t num[8];
	size_t n;
	uint32_t p;          /* portable level: 9.2p1 -> 1; 0 when absent */
	bool portable;       /* a "pN" was written */
} kw_sw_version;

/* 0, or KW_E_PARSE when s does not start with a number. */
int kw_sw_version_parse(const char *s, kw_sw_version *v);
/* <0, 0, >0; missing components count as 0 (7.4 == 7.4.0). */
int kw_sw_version_cmp(const kw_sw_version *a, const kw_sw_version *b);
/* Both parsed, then compared; an unparsable version sorts first. */
int kw_sw_version_cmp_str(const char *a, const char *b);
/* dpkg's revision order (verrevcmp): <0, 0, >0. */
int kw_sw_revision_cmp(const char *a, const char *b);

typedef struct kw_sw_table kw_sw_table;

typedef struct kw_sw_fix {
	char distro[24];     /* lowercase */
	char upstream[48];   /* the upstream version the revision belongs to */
	char revision[48];   /* the first fixed revision */
} kw_sw_fix;

typedef struct kw_sw_row {
	unsigned line;
	char *id;            /* "CVE-2024-6387" */
	char *product;       /* lowercase */
	char *versions;      /* the conditions as written (">=8.5p1 <9.8p1 portable") */
	char *severity;      /* "info" "low" "medium" "high" "critical" */
	char *source;        /* URLs and advisory ids */
	char *text;          /* what it is */
	kw_sw_fix *fixes;
	size_t n_fixes;
	/* parsed conditions */
	struct kw_sw_cond { int op; kw_sw_version v; } *conds;
	size_t n_conds;
	bool need_portable;
} kw_sw_row;

/* Parse a notes table (the format of data/ssh-software.notes). 0 and *ret; KW_E_PARSE
 * with "line N: message" in err; KW_E_TOOBIG (over KW_SW_NOTES_MAX_TEXT or
 * KW_SW_ROWS_MAX rows); -ENOMEM. */
int kw_sw_table_parse(const char *text, size_t len, kw_sw_table **ret, char *err, size_t errlen);
void kw_sw_table_free(kw_sw_table *t);
size_t kw_sw_table_rows(const kw_sw_table *t, const kw_sw_row **ret);
/* The embedded table (parsed once; NULL if it does not parse: a build error the unit
 * test catches). */
const kw_sw_table *kw_sw_builtin(void);

typedef enum kw_sw_status {
	KW_SW_POSSIBLE,      /* the version is in range; nothing says it was patched */
	KW_SW_CONFIRMED,     /* the distribution revision predates the distribution's fix */
	KW_SW_FIXED,         /* the distribution revision has the fix: no finding */
} kw_sw_status;

typedef struct kw_sw_note {
	const kw_sw_row *row;
	kw_sw_status status;
	char *text;          /* owned: "CVE-2024-6387 (...): OpenSSH 9.2p1 ... possible: ..." */
} kw_sw_note;

typedef struct kw_sw_notes {
	kw_sw_note *v;
	size_t n, cap;
} kw_sw_notes;

/* Every row of t that matches id, in table order (FIXED ones included, so callers can
 * show them; they make no finding). 0 or -ENOMEM. */
int kw_sw_match(const kw_sw_table *t, const kw_sw_ident *id, kw_sw_notes *out);
void kw_sw_notes_release(kw_sw_notes *n);
const char *kw_sw_status_name(kw_sw_status s); /* "possible" "confirmed" "fixed" */

#endif
