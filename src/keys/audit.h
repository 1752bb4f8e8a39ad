/* audit.h — the audit trail of `keyward keys`: one JSON line per operation, hash-chained.
 * Owned by the keys module.
 *
 * Every add, remove, rotate of an authorized key and every inventory snapshot appends ONE
 * line to an audit log (default KW_AUDIT_LOG_DEFAULT; the caller passes the path), and
 * `keyward keys log --verify` checks it with kw_audit_verify().
 *
 * ---- The line ----
 * One JSON object per line, written by jansson with JSON_COMPACT | JSON_PRESERVE_ORDER,
 * members in exactly this order:
 *
 *   {"seq":N,"time":"2026-11-21T12:00:00Z","actor":{"uid":0,"login":"root"|null,
 *    "sudo_user":"alice"|null},"host":"h","root":"/","action":"add|remove|rotate|snapshot",
 *    "user":"alice"|null,"fingerprints":["SHA256:..."],"detail":{...}|null,
 *    "prev":"<64 hex>","hash":"<64 hex>"}
 *
 * seq counts from 1 with no gap; time is UTC. Every string in a line (login, sudo_user,
 * host, root, user, fingerprints, and every key and string inside detail) is passed
 * through kw_escape first: the decoded values hold no control character, DEL, C1 control
 * or bidirectional override, and invalid UTF-8 appears as \xNN text. jansson escapes what
 * JSON needs on top, so the file never holds a raw control byte and one entry is always
 * one line. Lines are at most KW_AUDIT_LINE_MAX bytes (an append that would be longer is
 * refused with KW_E_TOOBIG).
 *
 * ---- The hash chain, exactly ----
 * Let L(k) be the bytes of line k without its '\n', and hex() lowercase hexadecimal.
 *   prev(1)  = 64 ASCII '0'
 *   prev(k)  = hex(SHA-256(L(k-1)))                   (the whole previous line, hash included)
 *   L(k) ends with the 75 bytes  ,"hash":"H"}  where H is 64 hex digits; let
 *   B(k)     = L(k) without those 75 bytes, followed by "}"  (the line before "hash" was added)
 *   H        = hex(SHA-256(prev(k) as its 64 ASCII characters || B(k)))
 * The head file "<log>.head" holds one JSON line
 *   {"version":1,"lines":N,"bytes":S,"head":"<hex(SHA-256(L(N))), or 64 '0' when N = 0>"}
 * where S is the log's size in bytes. It is replaced atomically (temp file, fsync, rename,
 * fsync of the folder) after each append. Re-checking a log in Python:
 *
 *   import hashlib, json
 *   prev, data, n = "0" * 64, open(LOG, "rb").read(), 0
 *   for n, raw in enumerate(data.split(b"\n")[:-1], 1):
 *       o = json.loads(raw)
 *       assert o["seq"] == n and o["prev"] == prev
 *       assert raw.endswith(b',"hash":"' + o["hash"].encode() + b'"}')
 *       assert hashlib.sha256(prev.encode() + raw[:-75] + b"}").hexdigest() == o["hash"]
 *       prev = hashlib.sha256(raw).hexdigest()
 *   h = json.load(open(LOG + ".head"))
 *   assert data.endswith(b"\n") or not data
 *   assert (h["lines"], h["bytes"], h["head"]) == (n, len(data), prev)
 *
 * ---- What each check can and cannot detect ----
 *  - "hash": an edit inside a line, the last one included. Not an edit whose author also
 *    recomputed the hash: the next line's "prev" catches that, and for the last line the
 *    head file does.
 *  - "prev": a deleted, inserted, reordered or edited earlier line, even one whose own hash
 *    was recomputed. Not the removal of whole lines at the end: the chain of what is left
 *    is still valid.
 *  - "seq": deletions, duplicates and reordering, named by line number; with "time" it
 *    gives the forensic order of operations.
 *  - the head file: whole trailing lines removed (line count, size and last hash no longer
 *    match), a last line replaced by a recomputed one, lines appended by anything but
 *    kw_audit_append. A log cut inside a line, or ending in bytes without a newline, is
 *    reported as a torn last line.
 *  - Nothing here is secret: anyone who can rewrite both the log and its head file can
 *    forge a whole consistent history, and removing both leaves no trace. The point is
 *    accidental or careless edits and a trustworthy order of events; to pin the history
 *    against a deliberate attacker, copy the head off the host (remote log, ticket).
 *
 * ---- Appending ----
 * kw_audit_append opens the log with O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, mode 0600
 * (missing parent folders are made 0700); a symbolic link (-ELOOP), anything but a regular
 * file (KW_E_NOTREG) or a file with other hard links (KW_E_REFUSED) is refused. It holds
 * flock(LOCK_EX) on the log from reading the tail until the head is updated, so appenders in
 * several processes all land, in some order, with a valid chain (kw_audit_verify takes
 * LOCK_SH). Only the last line is read, backwards from the end, never the whole log; it
 * must verify against the head file, or the append is refused (KW_E_REFUSED, with why in
 * err): a log with lines and no head, a head that is not the last line's, a torn tail. The
 * line is written, fsynced, then the head is replaced. A crash between the two leaves the
 * head exactly one line behind: kw_audit_verify reports KW_AUDIT_HEAD_BEHIND, and the next
 * append accepts that state (the extra line must chain onto the head) and repairs the head.
 * A new log gets a head of 0 lines before its first line is written.
 *
 * Library code: no output, errors are negative codes (err.h) with a message in err.
 */
#ifndef KW_KEYS_AUDIT_H
#define KW_KEYS_AUDIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define KW_AUDIT_LOG_DEFAULT "/var/lib/keyward/keys-audit.log"
#define KW_AUDIT_HEAD_SUFFIX ".head"
#define KW_AUDIT_LINE_MAX ((size_t)1 << 20)  /* bytes of one line, '\n' not counted */
#define KW_AUDIT_HASH_HEX 64
#define KW_AUDIT_SUDO_USER_MAX 32            /* a longer $SUDO_USER is dropped */

typedef enum kw_audit_action {
	KW_AUDIT_ADD = 0,
	KW_AUDIT_REMOVE,
	KW_AUDIT_ROTATE,
	KW_AUDIT_SNAPSHOT,
	KW_AUDIT_ACTION_COUNT
} kw_audit_action;

/* "add", "remove", "rotate", "snapshot"; NULL when out of range. */
const char *kw_audit_action_name(kw_audit_action a);
/* The action named s, or -1. */
int kw_audit_action_from_name(const char *s);

/* Who ran the operation. Empty strings are written as null. */
typedef struct kw_audit_actor {
	uint32_t uid;
	char login[64];
	char sudo_user[64];
} kw_audit_actor;

/* The calling process: getuid(); login from getpwuid_r (getlogin_r when the uid has no
 * passwd entry; empty if neither knows or the name does not fit); $SUDO_USER when it is
 * 1..KW_AUDIT_SUDO_USER_MAX printable ASCII characters, else empty. Always 0. */
int kw_audit_actor_current(kw_audit_actor *a);

typedef struct kw_audit_entry {
	time_t time;                   /* seconds since the epoch; 0: now */
	const kw_audit_actor *actor;   /* NULL: kw_audit_actor_current() */
	const char *host;              /* NULL: gethostname() */
	const char *root;              /* the target root operated on; NULL: "/" */
	kw_audit_action action;
	const char *user;              /* the account whose keys changed, or NULL */
	const char *const *fingerprints;
	size_t n_fingerprints;
	json_t *detail;                /* an object or NULL; borrowed, not modified */
} kw_audit_entry;

/* Append e to the log at log_path (see above). 0, or a negative code with a message in
 * err[errlen] (which may be NULL): -errno, -ELOOP for a symbolic link, -EINVAL for a bad
 * entry, KW_E_NOTREG, KW_E_TOOBIG, KW_E_REFUSED (the tail does not verify, a hard link). */
int kw_audit_append(const char *log_path, const kw_audit_entry *e, char *err, size_t errlen);

typedef enum kw_audit_problem {
	KW_AUDIT_OK = 0,
	KW_AUDIT_BAD_LINE,      /* not one JSON object of the line's shape */
	KW_AUDIT_TOO_LONG,      /* longer than KW_AUDIT_LINE_MAX */
	KW_AUDIT_TORN,          /* the log ends inside a line (no final newline) */
	KW_AUDIT_BAD_SEQ,       /* seq is not the previous line's + 1 */
	KW_AUDIT_BAD_PREV,      /* prev is not the hash of the previous line */
	KW_AUDIT_BAD_HASH,      /* hash does not recompute: the line was edited */
	KW_AUDIT_HEAD_MISSING,  /* the log has lines but there is no head file */
	KW_AUDIT_HEAD_BAD,      /* the head file is unreadable or malformed */
	KW_AUDIT_HEAD_MISMATCH, /* the log does not end where the head file says */
	KW_AUDIT_HEAD_BEHIND,   /* exactly one valid line past the head: an interrupted append */
	KW_AUDIT_PROBLEM_COUNT
} kw_audit_problem;

/* "ok", "bad-line", "too-long", "torn", "bad-seq", "bad-prev", "bad-hash", "head-missing",
 * "head-bad", "head-mismatch", "head-behind". */
const char *kw_audit_problem_name(kw_audit_problem p);

typedef struct kw_audit_report {
	bool ok;                      /* problem == KW_AUDIT_OK */
	kw_audit_problem problem;     /* the first problem found */
	uint64_t bad_line;            /* its line (from 1); 0 when it is the head file itself */
	uint64_t lines;               /* lines that verified (all of them when ok) */
	uint64_t bytes;               /* their size in bytes */
	char head[KW_AUDIT_HASH_HEX + 1]; /* hex SHA-256 of the last line that verified */
	char why[320];                /* one sentence; any text from the log is escaped */
} kw_audit_report;

/* Verify the log at log_path and its head file: every line parses and has the line's
 * shape, seq = previous + 1, prev = the previous line's hash, hash recomputes; the head
 * file matches the last line, the line count and the size. The file is streamed under
 * flock(LOCK_SH): memory is one buffer of KW_AUDIT_LINE_MAX plus one line's parse,
 * whatever the log's size. Returns 0
 * when the log could be read, whatever r says; else a negative code (-ENOENT when neither
 * the log nor its head file exists, -ELOOP for a symbolic link, KW_E_NOTREG, -errno,
 * -ENOMEM). An empty log without a head file is ok; a missing log whose head file records
 * lines is KW_AUDIT_HEAD_MISMATCH at line 1. */
int kw_audit_verify(const char *log_path, kw_audit_report *r);

/* The same checks over a log in memory; head = the head file's bytes, or NULL when there
 * is none. 0 or -ENOMEM / KW_E_CRYPTO. Never reads past log[len] or head[head_len]. */
int kw_audit_verify_buf(const void *log, size_t len, const void *head, size_t head_len,
			kw_audit_report *r);

#endif
