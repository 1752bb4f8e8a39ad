/* test_keys_audit.c — unit tests of the audit trail of `keyward keys` (src/keys/audit.c):
 * real logs in a private temp folder, appended with the C code, tampered with byte by byte,
 * and checked twice: by kw_audit_verify (file and buffer entry points) and by an
 * independent Python checker (hashlib + json, written from the definition in audit.h), which
 * must find the same first bad line. Also: two processes appending at once, links and
 * special files refused, a 50 MB log verified in flat memory (written by Python, so the
 * verifier also accepts a log it did not write), hostile text escaped. */
#include "keys/audit.h"
#include "base/cleanup.h"
#include "base/err.h"
#include "base/escape.h"
#include "testutil.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define T0 ((time_t)1795262400) /* 2026-11-21T12:00:00Z */

typedef struct fixture {
	char dir[64];
	char log[256];
	char head[264];
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	assert_non_null(f);
	assert_int_equal(kwt_mkdtemp(f->dir, sizeof f->dir, "kw-audit-"), 0);
	snprintf(f->log, sizeof f->log, "%s/keys-audit.log", f->dir);
	snprintf(f->head, sizeof f->head, "%s.head", f->log);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	kwt_rm_tree(f->dir);
	free(f);
	return 0;
}

/* ---- helpers ---- */

static void write_file(const char *path, const void *p, size_t n)
{
	FILE *fp = fopen(path, "wb");
	if (!fp)
		fail_msg("cannot write %s", path);
	assert_int_equal(fwrite(p, 1, n, fp), n);
	assert_int_equal(fclose(fp), 0);
}

static bool exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

/* Append entry number i (from 1): a fixed actor, host and time, one of five users. */
static void add(const char *log, unsigned i)
{
	static const char *const users[] = { "alice", "bob", "carol", "dave", "erin" };
	kw_audit_actor a = { .uid = 0, .login = "root", .sudo_user = "alice" };
	char fp[64];
	snprintf(fp, sizeof fp, "SHA256:test-fingerprint-%u", i);
	const char *fps[] = { fp };
	json_t *d = json_pack("{s:s, s:i}", "comment", "key of the test", "n", (int)i);
	assert_non_null(d);
	kw_audit_entry e = {
		.time = T0 + (time_t)i - 1, .actor = &a, .host = "h1", .root = "/",
		.action = (kw_audit_action)((i - 1) % KW_AUDIT_ACTION_COUNT),
		.user = users[(i - 1) % 5], .fingerprints = fps, .n_fingerprints = 1, .detail = d,
	};
	char err[512] = "";
	int r = kw_audit_append(log, &e, err, sizeof err);
	json_decref(d);
	if (r != 0)
		fail_msg("append %u: %s (%s)", i, kw_strerror(r), err);
}

/* The lines of a file, without their '\n'; the file must end with one. */
typedef struct lines {
	char *v[512];
	size_t n;
} lines;

static void lines_read(const char *path, lines *L)
{
	size_t len;
	char *text = (char *)kwt_read_file(path, &len);
	L->n = 0;
	for (char *p = text; p < text + len;) {
		char *nl = memchr(p, '\n', (size_t)(text + len - p));
		assert_non_null(nl);
		assert_true(L->n < KW_ARRAY_LEN(L->v));
		L->v[L->n++] = strndup(p, (size_t)(nl - p));
		p = nl + 1;
	}
	free(text);
}

static void lines_write(const char *path, const lines *L)
{
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	for (size_t i = 0; i < L->n; i++)
		fprintf(fp, "%s\n", L->v[i]);
	assert_int_equal(fclose(fp), 0);
}

static void lines_free(lines *L)
{
	for (size_t i = 0; i < L->n; i++)
		free(L->v[i]);
	L->n = 0;
}

static void test_sha256_hex(const void *a, size_t an, const void *b, size_t bn, char out[65])
{
	unsigned char d[32];
	unsigned dl = 0;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	assert_non_null(md);
	assert_true(EVP_DigestInit_ex(md, EVP_sha256(), NULL) && EVP_DigestUpdate(md, a, an) &&
		    EVP_DigestUpdate(md, b, bn) && EVP_DigestFinal_ex(md, d, &dl));
	EVP_MD_CTX_free(md);
	for (unsigned i = 0; i < dl; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* ---- the Python oracle ---- */

static const char py_check[] =
	"import hashlib, json, os, sys\n"
	"KEYS = ['seq', 'time', 'actor', 'host', 'root', 'action', 'user', 'fingerprints',\n"
	"        'detail', 'prev', 'hash']\n"
	"log = sys.argv[1]\n"
	"data = open(log, 'rb').read()\n"
	"lines = data.split(b'\\n')\n"
	"rest = lines.pop()\n"
	"prev, good, bad = '0' * 64, 0, 0\n"
	"for n, raw in enumerate(lines, 1):\n"
	"    try:\n"
	"        o = json.loads(raw)\n"
	"        ok = (list(o) == KEYS and type(o['seq']) is int and o['seq'] == n\n"
	"              and o['prev'] == prev\n"
	"              and raw.endswith(b',\"hash\":\"' + o['hash'].encode() + b'\"}')\n"
	"              and hashlib.sha256(prev.encode() + raw[:-75] + b'}').hexdigest() == o['hash'])\n"
	"    except Exception:\n"
	"        ok = False\n"
	"    if not ok:\n"
	"        bad = n\n"
	"        break\n"
	"    prev = hashlib.sha256(raw).hexdigest()\n"
	"    good = n\n"
	"if not bad and rest:\n"
	"    bad = good + 1\n"
	"head = 'missing'\n"
	"if os.path.exists(log + '.head'):\n"
	"    try:\n"
	"        h = json.load(open(log + '.head'))\n"
	"        same = (h['lines'], h['bytes'], h['head']) == (good, len(data), prev)\n"
	"        head = 'ok' if same else 'mismatch'\n"
	"    except (ValueError, KeyError, TypeError):\n"
	"        head = 'bad'\n"
	"print(bad, good, prev, head)\n";

/* A log of about `size` bytes, chained, with its head file, written by Python alone. */
static const char py_gen[] =
	"import hashlib, json, sys\n"
	"log, target = sys.argv[1], int(sys.argv[2])\n"
	"prev, n, size = '0' * 64, 0, 0\n"
	"pad = 'x' * 400\n"
	"with open(log, 'wb') as f:\n"
	"    while size < target:\n"
	"        n += 1\n"
	"        o = {'seq': n, 'time': '2026-11-21T12:00:00Z',\n"
	"             'actor': {'uid': 0, 'login': 'root', 'sudo_user': None}, 'host': 'gen',\n"
	"             'root': '/', 'action': 'snapshot', 'user': 'u%d' % n,\n"
	"             'fingerprints': ['SHA256:%043d' % n], 'detail': {'pad': pad}, 'prev': prev}\n"
	"        body = json.dumps(o, separators=(',', ':'), ensure_ascii=False).encode()\n"
	"        h = hashlib.sha256(prev.encode() + body).hexdigest()\n"
	"        line = body[:-1] + b',\"hash\":\"' + h.encode() + b'\"}'\n"
	"        f.write(line + b'\\n')\n"
	"        size += len(line) + 1\n"
	"        prev = hashlib.sha256(line).hexdigest()\n"
	"with open(log + '.head', 'w') as f:\n"
	"    h = {'version': 1, 'lines': n, 'bytes': size, 'head': prev}\n"
	"    f.write(json.dumps(h, separators=(',', ':')) + '\\n')\n"
	"print(n, size, prev)\n";

typedef struct py_result {
	unsigned long bad, good;
	char head[65];
	char head_state[16];
} py_result;

/* Run a script with python3; its one output line into out[cap]. */
static void run_python(const fixture *f, const char *name, const char *script, const char *args,
		       char *out, size_t cap)
{
	char path[128], cmd[512];
	snprintf(path, sizeof path, "%s/%s", f->dir, name);
	if (!exists(path))
		write_file(path, script, strlen(script));
	snprintf(cmd, sizeof cmd, "python3 %s %s", path, args);
	FILE *p = popen(cmd, "r");
	if (!p)
		fail_msg("cannot run python3: %s", strerror(errno));
	out[0] = '\0';
	if (!fgets(out, (int)cap, p))
		out[0] = '\0';
	int st = pclose(p);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("'%s' failed (status %d): python3 with hashlib and json is required", cmd, st);
}

static void python_check(const fixture *f, py_result *pr)
{
	char out[256];
	run_python(f, "check.py", py_check, f->log, out, sizeof out);
	if (sscanf(out, "%lu %lu %64s %15s", &pr->bad, &pr->good, pr->head, pr->head_state) != 4)
		fail_msg("python checker said: %s", out);
}

/* kw_audit_verify_buf over the files' bytes gives the same report as kw_audit_verify. */
static void same_from_buffer(const fixture *f, const kw_audit_report *r)
{
	size_t ll, hl = 0;
	_cleanup_free_ uint8_t *log = kwt_read_file(f->log, &ll);
	_cleanup_free_ uint8_t *head = exists(f->head) ? kwt_read_file(f->head, &hl) : NULL;
	kw_audit_report b;
	assert_int_equal(kw_audit_verify_buf(log, ll, head, hl, &b), 0);
	assert_int_equal(b.ok, r->ok);
	assert_int_equal(b.problem, r->problem);
	assert_int_equal(b.bad_line, r->bad_line);
	assert_int_equal(b.lines, r->lines);
	assert_int_equal(b.bytes, r->bytes);
	assert_string_equal(b.head, r->head);
	assert_string_equal(b.why, r->why);
}

/* The log verifies, with n lines; Python agrees, hash for hash. */
static void expect_ok(const fixture *f, uint64_t n)
{
	kw_audit_report r;
	assert_int_equal(kw_audit_verify(f->log, &r), 0);
	if (!r.ok)
		fail_msg("verify: %s at line %lu: %s", kw_audit_problem_name(r.problem),
			 (unsigned long)r.bad_line, r.why);
	assert_int_equal(r.problem, KW_AUDIT_OK);
	assert_int_equal(r.lines, n);
	same_from_buffer(f, &r);
	py_result pr;
	python_check(f, &pr);
	assert_int_equal(pr.bad, 0);
	assert_int_equal(pr.good, n);
	assert_string_equal(pr.head, r.head);
	assert_string_equal(pr.head_state, "ok");
}

/* The first problem is p at line `line`; Python finds the same line (or, for a head
 * problem, a sound chain and a head that does not match). */
static void expect_bad(const fixture *f, kw_audit_problem p, uint64_t line)
{
	kw_audit_report r;
	assert_int_equal(kw_audit_verify(f->log, &r), 0);
	if (r.problem != p || r.bad_line != line)
		fail_msg("verify: got %s at line %lu (%s), want %s at line %lu",
			 kw_audit_problem_name(r.problem), (unsigned long)r.bad_line, r.why,
			 kw_audit_problem_name(p), (unsigned long)line);
	assert_false(r.ok);
	assert_true(r.why[0] != '\0');
	same_from_buffer(f, &r);
	py_result pr;
	python_check(f, &pr);
	if (p >= KW_AUDIT_HEAD_MISSING) {
		assert_int_equal(pr.bad, 0);
		assert_int_equal(pr.good, r.lines);
		assert_string_equal(pr.head, r.head);
		assert_string_equal(pr.head_state, p == KW_AUDIT_HEAD_MISSING ? "missing" :
						    p == KW_AUDIT_HEAD_BAD ? "bad" : "mismatch");
	} else {
		if (pr.bad != line)
			fail_msg("python found line %lu bad, C line %lu", pr.bad, (unsigned long)line);
		assert_int_equal(pr.good, r.lines);
	}
}

/* An append is refused with KW_E_REFUSED and leaves the log and head as they were. */
static void expect_append_refused(const fixture *f)
{
	size_t l1, l2, h1 = 0, h2 = 0;
	_cleanup_free_ uint8_t *log1 = kwt_read_file(f->log, &l1);
	_cleanup_free_ uint8_t *head1 = exists(f->head) ? kwt_read_file(f->head, &h1) : NULL;
	kw_audit_entry e = { .time = T0, .host = "h1", .action = KW_AUDIT_SNAPSHOT };
	char err[512] = "";
	assert_int_equal(kw_audit_append(f->log, &e, err, sizeof err), KW_E_REFUSED);
	assert_true(strstr(err, "refused") != NULL);
	_cleanup_free_ uint8_t *log2 = kwt_read_file(f->log, &l2);
	_cleanup_free_ uint8_t *head2 = exists(f->head) ? kwt_read_file(f->head, &h2) : NULL;
	assert_int_equal(l1, l2);
	assert_memory_equal(log1, log2, l1);
	assert_int_equal(head1 != NULL, head2 != NULL);
	if (head1) {
		assert_int_equal(h1, h2);
		assert_memory_equal(head1, head2, h1);
	}
}

static void make_log(const fixture *f, unsigned n)
{
	for (unsigned i = 1; i <= n; i++)
		add(f->log, i);
}

/* ---- tests ---- */

/* Three entries: the exact line format, modes, the head file, and both checkers agree. */
static void test_three_entries(void **state)
{
	fixture *f = *state;
	/* parents that do not exist yet are made 0700 */
	snprintf(f->log, sizeof f->log, "%s/var/lib/keyward/keys-audit.log", f->dir);
	snprintf(f->head, sizeof f->head, "%s.head", f->log);
	make_log(f, 3);
	expect_ok(f, 3);

	struct stat st;
	char dir[128];
	snprintf(dir, sizeof dir, "%s/var/lib/keyward", f->dir);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(stat(f->log, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	off_t size = st.st_size;
	assert_int_equal(stat(f->head, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);

	lines L;
	lines_read(f->log, &L);
	assert_int_equal(L.n, 3);
	static const char want1[] =
		"{\"seq\":1,\"time\":\"2026-11-21T12:00:00Z\",\"actor\":{\"uid\":0,\"login\":\"root\","
		"\"sudo_user\":\"alice\"},\"host\":\"h1\",\"root\":\"/\",\"action\":\"add\","
		"\"user\":\"alice\",\"fingerprints\":[\"SHA256:test-fingerprint-1\"],"
		"\"detail\":{\"comment\":\"key of the test\",\"n\":1},"
		"\"prev\":\"0000000000000000000000000000000000000000000000000000000000000000\","
		"\"hash\":\"";
	assert_int_equal(strncmp(L.v[0], want1, strlen(want1)), 0);
	assert_non_null(strstr(L.v[1], "\"seq\":2,\"time\":\"2026-11-21T12:00:01Z\""));
	assert_non_null(strstr(L.v[1], "\"action\":\"remove\",\"user\":\"bob\""));
	assert_non_null(strstr(L.v[2], "\"action\":\"rotate\",\"user\":\"carol\""));

	/* line 2's prev is the hash of line 1; its hash is over prev || line minus "hash" */
	char h1[65], h2[65];
	test_sha256_hex(L.v[0], strlen(L.v[0]), "", 0, h1);
	char want_prev[80];
	snprintf(want_prev, sizeof want_prev, "\"prev\":\"%s\"", h1);
	assert_non_null(strstr(L.v[1], want_prev));
	size_t n2 = strlen(L.v[1]);
	_cleanup_free_ char *body = malloc(n2);
	assert_non_null(body);
	memcpy(body, L.v[1], n2 - 75);
	memcpy(body + n2 - 75, "}", 1);
	test_sha256_hex(h1, 64, body, n2 - 74, h2);
	assert_memory_equal(L.v[1] + n2 - 66, h2, 64);

	/* the head file: lines, size, hash of the last line */
	char h3[65], want_head[256];
	test_sha256_hex(L.v[2], strlen(L.v[2]), "", 0, h3);
	snprintf(want_head, sizeof want_head, "{\"version\":1,\"lines\":3,\"bytes\":%lld,\"head\":\"%s\"}\n",
		 (long long)size, h3);
	size_t hl;
	_cleanup_free_ char *head = (char *)kwt_read_file(f->head, &hl);
	assert_string_equal(head, want_head);
	lines_free(&L);
}

/* Names of actions and problems round-trip; bad entries are refused before any I/O. */
static void test_names_and_bad_entries(void **state)
{
	fixture *f = *state;
	for (int a = 0; a < KW_AUDIT_ACTION_COUNT; a++)
		assert_int_equal(kw_audit_action_from_name(kw_audit_action_name((kw_audit_action)a)), a);
	assert_int_equal(kw_audit_action_from_name("delete"), -1);
	assert_null(kw_audit_action_name(KW_AUDIT_ACTION_COUNT));
	assert_string_equal(kw_audit_problem_name(KW_AUDIT_HEAD_BEHIND), "head-behind");

	json_t *arr = json_array();
	kw_audit_entry e = { .time = T0, .host = "h", .action = KW_AUDIT_ADD, .detail = arr };
	assert_int_equal(kw_audit_append(f->log, &e, NULL, 0), -EINVAL); /* detail not an object */
	json_decref(arr);
	e.detail = NULL;
	e.action = KW_AUDIT_ACTION_COUNT;
	assert_int_equal(kw_audit_append(f->log, &e, NULL, 0), -EINVAL);
	e.action = KW_AUDIT_ADD;
	e.n_fingerprints = 1; /* and no array */
	assert_int_equal(kw_audit_append(f->log, &e, NULL, 0), -EINVAL);
	assert_false(exists(f->log));
}

static void test_tamper_edit_byte(void **state)
{
	fixture *f = *state;
	make_log(f, 3);
	lines L;
	lines_read(f->log, &L);
	char *u = strstr(L.v[1], "\"user\":\"bob\"");
	assert_non_null(u);
	u[10] = 'c'; /* "bob" -> "boc": one byte */
	lines_write(f->log, &L);
	expect_bad(f, KW_AUDIT_BAD_HASH, 2);
	lines_free(&L);
}

static void test_tamper_edit_hash_member(void **state)
{
	fixture *f = *state;
	make_log(f, 3);
	lines L;
	lines_read(f->log, &L);
	char *c = L.v[1] + strlen(L.v[1]) - 3; /* the last hex digit of line 2's hash */
	*c = *c == '0' ? '1' : '0';
	lines_write(f->log, &L);
	expect_bad(f, KW_AUDIT_BAD_HASH, 2);
	lines_free(&L);
}

static void test_tamper_delete_line(void **state)
{
	fixture *f = *state;
	make_log(f, 3);
	lines L;
	lines_read(f->log, &L);
	free(L.v[1]);
	L.v[1] = L.v[2];
	L.n = 2;
	lines_write(f->log, &L);
	expect_bad(f, KW_AUDIT_BAD_SEQ, 2);
	lines_free(&L);
}

static void test_tamper_swap_lines(void **state)
{
	fixture *f = *state;
	make_log(f, 3);
	lines L;
	lines_read(f->log, &L);
	char *t = L.v[1];
	L.v[1] = L.v[2];
	L.v[2] = t;
	lines_write(f->log, &L);
	expect_bad(f, KW_AUDIT_BAD_SEQ, 2);
	lines_free(&L);
}

/* The forger's edit: the line's user bob becomes eve, in place. */
static void bob_to_eve(char *line)
{
	char *u = strstr(line, "\"user\":\"bob\"");
	assert_non_null(u);
	memcpy(u + 8, "eve", 3);
}

/* Recompute a line's hash in place, as a forger who read audit.h would: over its prev
 * and the line without ,"hash":"..." but with its closing brace (B(k) of audit.h). */
static void rehash(char *line)
{
	size_t n = strlen(line);
	char prev[65] = "", hash[65];
	char *pv = strstr(line, "\"prev\":\"");
	assert_non_null(pv);
	memcpy(prev, pv + 8, 64);
	_cleanup_free_ char *body = strndup(line, n - 74);
	body[n - 75] = '}';
	test_sha256_hex(prev, 64, body, n - 74, hash);
	memcpy(line + n - 66, hash, 64);
}

/* Put line in as line 2 of a 3-line log (which then has 4). */
static void insert_second(lines *L, char *line)
{
	memmove(&L->v[2], &L->v[1], 2 * sizeof L->v[0]);
	L->v[1] = line;
	L->n = 4;
}

/* A copy of line 2 with another user: forged after line 1 with seq 2 and the right prev,
 * but its hash was not recomputed. */
static void test_tamper_insert_naive(void **state)
{
	fixture *f = *state;
	make_log(f, 3);
	lines L;
	lines_read(f->log, &L);
	char *forged = strdup(L.v[1]);
	bob_to_eve(forged);
	insert_second(&L, forged);
	lines_write(f->log, &L);
	expect_bad(f, KW_AUDIT_BAD_HASH, 2);
	lines_free(&L);
}

/* The same forgery with its hash recomputed: line 2 is a perfect line, and the real line
 * 2, now third, gives it away (seq 2 again). */
static void test_tamper_insert_recomputed(void **state)
{
	fixture *f = *state;
	make_log(f, 3);
	lines L;
	lines_read(f->log, &L);
	char *forged = strdup(L.v[1]);
	bob_to_eve(forged);
	rehash(forged);
	/* on its own, line 1 + the forgery is a sound chain (only a head file is missing) */
	char two[4096];
	int tl = snprintf(two, sizeof two, "%s\n%s\n", L.v[0], forged);
	assert_true(tl > 0 && (size_t)tl < sizeof two);
	kw_audit_report r;
	assert_int_equal(kw_audit_verify_buf(two, (size_t)tl, NULL, 0, &r), 0);
	assert_int_equal(r.problem, KW_AUDIT_HEAD_MISSING);
	assert_int_equal(r.lines, 2);
	insert_second(&L, forged);
	lines_write(f->log, &L);
	expect_bad(f, KW_AUDIT_BAD_SEQ, 3);
	lines_free(&L);
}

/* Line 2 edited by someone who also recomputed its hash: line 2 alone looks perfect, and
 * line 3's prev gives it away. */
static void test_tamper_edit_recomputed(void **state)
{
	fixture *f = *state;
	make_log(f, 3);
	lines L;
	lines_read(f->log, &L);
	bob_to_eve(L.v[1]);
	rehash(L.v[1]);
	lines_write(f->log, &L);
	expect_bad(f, KW_AUDIT_BAD_PREV, 3);
	lines_free(&L);
}

/* The head file edited or broken: every field counts. */
static void test_head_file_edited(void **state)
{
	fixture *f = *state;
	make_log(f, 3);
	size_t hl;
	_cleanup_free_ char *good = (char *)kwt_read_file(f->head, &hl);
	char *b = strstr(good, "\"bytes\":");
	assert_non_null(b);
	_cleanup_free_ char *edited = strdup(good);
	edited[b - good + 8] = edited[b - good + 8] == '9' ? '8' : '9'; /* another size */
	write_file(f->head, edited, hl);
	expect_bad(f, KW_AUDIT_HEAD_MISMATCH, 3);
	expect_append_refused(f);

	const char *broken = "{\"version\":1,\"lines\":3}\n";
	write_file(f->head, broken, strlen(broken));
	expect_bad(f, KW_AUDIT_HEAD_BAD, 0);
	expect_append_refused(f);

	write_file(f->head, good, hl);
	expect_ok(f, 3);
}

/* Whole trailing lines removed: the chain is sound, only the head file sees it. */
static void test_tamper_truncate_last_line(void **state)
{
	fixture *f = *state;
	make_log(f, 3);
	lines L;
	lines_read(f->log, &L);
	L.n = 2;
	lines_write(f->log, &L);
	L.n = 3;
	expect_bad(f, KW_AUDIT_HEAD_MISMATCH, 3);
	expect_append_refused(f);
	lines_free(&L);
}

/* A cut inside the last line keeps a prefix of it: a torn line. */
static void test_tamper_cut_inside_line(void **state)
{
	fixture *f = *state;
	make_log(f, 3);
	struct stat st;
	assert_int_equal(stat(f->log, &st), 0);
	assert_int_equal(truncate(f->log, st.st_size - 40), 0);
	expect_bad(f, KW_AUDIT_TORN, 3);
	expect_append_refused(f);
}

static void test_tamper_head_deleted(void **state)
{
	fixture *f = *state;
	make_log(f, 3);
	assert_int_equal(unlink(f->head), 0);
	expect_bad(f, KW_AUDIT_HEAD_MISSING, 0);
	expect_append_refused(f);
}

static void test_tamper_garbage_appended(void **state)
{
	fixture *f = *state;
	make_log(f, 3);
	FILE *fp = fopen(f->log, "ab");
	assert_non_null(fp);
	fputs("garbage\n", fp);
	fclose(fp);
	expect_bad(f, KW_AUDIT_BAD_LINE, 4);
	expect_append_refused(f);

	/* and without a newline: a torn fourth line */
	struct stat st;
	assert_int_equal(stat(f->log, &st), 0);
	assert_int_equal(truncate(f->log, st.st_size - 1), 0);
	expect_bad(f, KW_AUDIT_TORN, 4);
	expect_append_refused(f);
}

/* The last line edited: verify names it, and append (which reads only the tail) refuses. */
static void test_tamper_last_line_refuses_append(void **state)
{
	fixture *f = *state;
	make_log(f, 3);
	lines L;
	lines_read(f->log, &L);
	char *u = strstr(L.v[2], "\"user\":\"carol\"");
	assert_non_null(u);
	u[8] = 'k';
	lines_write(f->log, &L);
	expect_bad(f, KW_AUDIT_BAD_HASH, 3);
	expect_append_refused(f);
	lines_free(&L);
}

/* A crash between writing a line and replacing the head: the head is one line behind.
 * Verify says so; the next append accepts it (the line chains onto the head) and repairs
 * the head. A head two lines behind is not that case: refused. */
static void test_interrupted_append(void **state)
{
	fixture *f = *state;
	make_log(f, 2);
	size_t hl;
	_cleanup_free_ uint8_t *old = kwt_read_file(f->head, &hl);
	add(f->log, 3);
	write_file(f->head, old, hl);
	expect_bad(f, KW_AUDIT_HEAD_BEHIND, 3);
	add(f->log, 4);
	expect_ok(f, 4);

	add(f->log, 5);
	write_file(f->head, old, hl); /* 2 lines recorded, 5 in the log */
	expect_bad(f, KW_AUDIT_HEAD_MISMATCH, 3);
	expect_append_refused(f);
}

/* An empty log: fine with or without a head; the first append starts at seq 1. A head
 * that records lines for an empty log means the log was emptied. */
static void test_empty_log(void **state)
{
	fixture *f = *state;
	write_file(f->log, "", 0);
	kw_audit_report r;
	assert_int_equal(kw_audit_verify(f->log, &r), 0);
	assert_true(r.ok);
	assert_int_equal(r.lines, 0);
	add(f->log, 1);
	expect_ok(f, 1);

	assert_int_equal(truncate(f->log, 0), 0);
	expect_bad(f, KW_AUDIT_HEAD_MISMATCH, 1);
	expect_append_refused(f);

	/* the log deleted, its head left behind: noticed; both gone: nothing to verify */
	assert_int_equal(unlink(f->log), 0);
	assert_int_equal(kw_audit_verify(f->log, &r), 0);
	assert_int_equal(r.problem, KW_AUDIT_HEAD_MISMATCH);
	assert_int_equal(r.bad_line, 1);
	assert_non_null(strstr(r.why, "log is missing"));
	assert_int_equal(unlink(f->head), 0);
	assert_int_equal(kw_audit_verify(f->log, &r), -ENOENT);
}

/* Two processes append 200 entries each at the same moment: 400 lines, seq 1..400 in
 * file order, a sound chain, every entry of both present. */
static void test_concurrent_appends(void **state)
{
	fixture *f = *state;
	enum { PER = 200 };
	int go[2];
	assert_int_equal(pipe(go), 0);
	pid_t kids[2];
	for (int k = 0; k < 2; k++) {
		kids[k] = fork();
		assert_true(kids[k] >= 0);
		if (kids[k] == 0) {
			close(go[1]);
			char b;
			if (read(go[0], &b, 1) != 0) /* blocks until the parent closes its end */
				_exit(3);
			for (int i = 0; i < PER; i++) {
				char user[32];
				snprintf(user, sizeof user, "kid%d-%d", k, i);
				kw_audit_actor a = { .uid = 0, .login = "root" };
				kw_audit_entry e = { .time = T0, .actor = &a, .host = "h", .root = "/",
						     .action = KW_AUDIT_ADD, .user = user };
				char err[512];
				if (kw_audit_append(f->log, &e, err, sizeof err) != 0) {
					fprintf(stderr, "kid %d entry %d: %s\n", k, i, err);
					_exit(1);
				}
			}
			_exit(0);
		}
	}
	close(go[0]);
	close(go[1]); /* both start now */
	for (int k = 0; k < 2; k++) {
		int st;
		assert_int_equal(waitpid(kids[k], &st, 0), kids[k]);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
	}
	expect_ok(f, 2 * PER);

	size_t len;
	_cleanup_free_ char *text = (char *)kwt_read_file(f->log, &len);
	unsigned seen[2][PER] = { { 0 } };
	long long want = 1;
	for (char *p = text; p < text + len; want++) {
		char *nl = strchr(p, '\n');
		assert_non_null(nl);
		json_error_t je;
		json_t *o = json_loadb(p, (size_t)(nl - p), 0, &je);
		assert_non_null(o);
		assert_int_equal(json_integer_value(json_object_get(o, "seq")), want);
		int k, i;
		assert_int_equal(sscanf(json_string_value(json_object_get(o, "user")), "kid%d-%d", &k, &i), 2);
		assert_true(k >= 0 && k < 2 && i >= 0 && i < PER);
		seen[k][i]++;
		json_decref(o);
		p = nl + 1;
	}
	assert_int_equal(want - 1, 2 * PER);
	for (int k = 0; k < 2; k++)
		for (int i = 0; i < PER; i++)
			assert_int_equal(seen[k][i], 1);
}

/* The log path is a symbolic link (to a file, or dangling), a hard link, a FIFO: refused,
 * nothing written through it. A head file that is a link is not followed either. */
static void test_links_refused(void **state)
{
	fixture *f = *state;
	char target[128];
	snprintf(target, sizeof target, "%s/elsewhere", f->dir);
	write_file(target, "precious\n", 9);
	assert_int_equal(symlink(target, f->log), 0);
	kw_audit_entry e = { .time = T0, .host = "h", .action = KW_AUDIT_ADD, .user = "alice" };
	char err[512] = "";
	assert_int_equal(kw_audit_append(f->log, &e, err, sizeof err), -ELOOP);
	assert_non_null(strstr(err, "symbolic link"));
	size_t n;
	_cleanup_free_ char *t = (char *)kwt_read_file(target, &n);
	assert_string_equal(t, "precious\n");
	kw_audit_report r;
	assert_int_equal(kw_audit_verify(f->log, &r), -ELOOP);
	assert_false(exists(f->head));

	/* dangling: O_CREAT must not create the link's target */
	char dangling[128];
	snprintf(dangling, sizeof dangling, "%s/not-there", f->dir);
	assert_int_equal(unlink(f->log), 0);
	assert_int_equal(symlink(dangling, f->log), 0);
	assert_int_equal(kw_audit_append(f->log, &e, NULL, 0), -ELOOP);
	assert_false(exists(dangling));
	assert_int_equal(unlink(f->log), 0);

	/* a hard link to another file */
	assert_int_equal(link(target, f->log), 0);
	assert_int_equal(kw_audit_append(f->log, &e, err, sizeof err), KW_E_REFUSED);
	assert_non_null(strstr(err, "hard link"));
	free(t);
	t = (char *)kwt_read_file(target, &n);
	assert_string_equal(t, "precious\n");
	assert_int_equal(unlink(f->log), 0);

	/* a FIFO: refused at once, neither blocking nor writing */
	assert_int_equal(mkfifo(f->log, 0600), 0);
	assert_int_equal(kw_audit_append(f->log, &e, NULL, 0), KW_E_NOTREG);
	assert_int_equal(kw_audit_verify(f->log, &r), KW_E_NOTREG);
	assert_int_equal(unlink(f->log), 0);

	/* the head file as a link: verify does not follow it, append refuses */
	make_log(f, 2);
	char real_head[128];
	snprintf(real_head, sizeof real_head, "%s/real-head", f->dir);
	assert_int_equal(rename(f->head, real_head), 0);
	assert_int_equal(symlink(real_head, f->head), 0);
	assert_int_equal(kw_audit_verify(f->log, &r), 0);
	assert_int_equal(r.problem, KW_AUDIT_HEAD_BAD);
	assert_int_equal(r.lines, 2);
	assert_int_equal(kw_audit_append(f->log, &e, NULL, 0), -ELOOP);
}

/* 50 MB written by Python: verified with memory that does not follow the size, then one
 * more line appended by reading only the tail; both checkers agree on the result. */
static void test_big_log(void **state)
{
	fixture *f = *state;
	char out[256], args[300];
	snprintf(args, sizeof args, "%s %d", f->log, 50 << 20);
	run_python(f, "gen.py", py_gen, args, out, sizeof out);
	unsigned long n;
	unsigned long long size;
	char head[65];
	assert_int_equal(sscanf(out, "%lu %llu %64s", &n, &size, head), 3);
	assert_true(size >= (50ULL << 20));

	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rusage before, after;
		getrusage(RUSAGE_SELF, &before);
		kw_audit_report r;
		int rc = kw_audit_verify(f->log, &r);
		getrusage(RUSAGE_SELF, &after);
		long long grew_kb = (long long)after.ru_maxrss - before.ru_maxrss;
		char msg[512];
		int ml = snprintf(msg, sizeof msg, "%d %d %llu %llu %s %lld %s\n", rc, r.ok,
				  (unsigned long long)r.lines, (unsigned long long)r.bytes, r.head,
				  grew_kb, r.why[0] ? "why" : "-");
		if (write(fds[1], msg, (size_t)ml) != ml)
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	char msg[512] = "";
	ssize_t k = read(fds[0], msg, sizeof msg - 1);
	close(fds[0]);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(k > 0);
	int rc, ok;
	unsigned long long vlines, vbytes;
	long long grew_kb;
	char vhead[65];
	assert_int_equal(sscanf(msg, "%d %d %llu %llu %64s %lld", &rc, &ok, &vlines, &vbytes, vhead,
				&grew_kb), 6);
	assert_int_equal(rc, 0);
	assert_int_equal(ok, 1);
	assert_int_equal(vlines, n);
	assert_int_equal(vbytes, size);
	assert_string_equal(vhead, head);
#if !defined(__SANITIZE_ADDRESS__)
	/* one line buffer and one line's parse; ASan's quarantine keeps freed memory, so the
	 * bound holds only without it */
	if (grew_kb > 16 * 1024)
		fail_msg("verifying %llu bytes grew the peak RSS by %lld KiB", size, grew_kb);
#endif
	(void)grew_kb;

	add(f->log, 1);
	expect_ok(f, n + 1);
}

/* Hostile text in every string field: escaped (kw_escape) and JSON-encoded, so the file
 * holds no raw control byte, no C1 control or bidi override, and one entry per line. */
static void test_hostile_strings(void **state)
{
	fixture *f = *state;
	static const char user[] = "ev\x1b[31mil\nuser\"q\\\xff\xfe\x7f\xc2\x9b\xe2\x80\xae\r";
	static const char comment[] = "a\x1b]0;pwn\x07\r\n\"x\"\n{\"seq\":99}";
	kw_audit_actor a = { .uid = 1000, .login = "ro\x1bot", .sudo_user = "x\ny" };
	const char *fps[] = { "SHA256:\x1b[2Jabc", "SHA256:\n" };
	json_t *d = json_object();
	json_object_set_new(d, "comment", json_string(comment));
	json_object_set_new(d, "k\x01y", json_stringn("nul\0byte", 8));
	json_object_set_new(d, "list", json_pack("[s, i, {s:s}, b, n, f]", "\xe2\x80\xae" "rtl", 5,
						 "in\x1bner", "v\n", 1, 2.5));
	kw_audit_entry e = { .time = T0, .actor = &a, .host = "h\x1bost\n", .root = "/mnt/\x1b[1m",
			     .action = KW_AUDIT_ROTATE, .user = user, .fingerprints = fps,
			     .n_fingerprints = 2, .detail = d };
	char err[512] = "";
	assert_int_equal(kw_audit_append(f->log, &e, err, sizeof err), 0);
	assert_int_equal(kw_audit_append(f->log, &e, err, sizeof err), 0);
	json_decref(d);
	expect_ok(f, 2);

	size_t len;
	_cleanup_free_ uint8_t *text = kwt_read_file(f->log, &len);
	size_t newlines = 0;
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\n')
			newlines++;
		else if (text[i] < 0x20 || text[i] == 0x7f)
			fail_msg("raw control byte 0x%02x at offset %zu", text[i], i);
		else if (text[i] >= 0x80) /* every non-ASCII input here is unsafe or invalid */
			fail_msg("raw byte 0x%02x at offset %zu", text[i], i);
	}
	assert_int_equal(newlines, 2);

	/* decoded, each value is exactly kw_escape of what was given */
	char *nl = memchr(text, '\n', len);
	json_error_t je;
	json_t *o = json_loadb((char *)text, (size_t)(nl - (char *)text), 0, &je);
	assert_non_null(o);
	_cleanup_free_ char *eu = kw_escape_str(user);
	_cleanup_free_ char *ec = kw_escape_str(comment);
	assert_string_equal(json_string_value(json_object_get(o, "user")), eu);
	assert_string_equal(json_string_value(json_object_get(o, "host")), "h\\x1bost\\n");
	assert_string_equal(json_string_value(json_object_get(o, "root")), "/mnt/\\x1b[1m");
	json_t *act = json_object_get(o, "actor");
	assert_string_equal(json_string_value(json_object_get(act, "login")), "ro\\x1bot");
	assert_string_equal(json_string_value(json_object_get(act, "sudo_user")), "x\\ny");
	json_t *fpa = json_object_get(o, "fingerprints");
	assert_string_equal(json_string_value(json_array_get(fpa, 0)), "SHA256:\\x1b[2Jabc");
	json_t *det = json_object_get(o, "detail");
	assert_string_equal(json_string_value(json_object_get(det, "comment")), ec);
	assert_string_equal(json_string_value(json_object_get(det, "k\\x01y")), "nul\\x00byte");
	json_t *list = json_object_get(det, "list");
	assert_string_equal(json_string_value(json_array_get(list, 0)), "\\u{202e}rtl");
	assert_int_equal(json_integer_value(json_array_get(list, 1)), 5);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 2), "in\\x1bner")),
			    "v\\n");
	assert_true(json_is_true(json_array_get(list, 3)));
	assert_true(json_is_null(json_array_get(list, 4)));
	assert_true(json_real_value(json_array_get(list, 5)) == 2.5);
	/* nothing decoded holds a control character either */
	for (const char *s = json_string_value(json_object_get(o, "user")); *s; s++)
		assert_true((unsigned char)*s >= 0x20 && *s != 0x7f);
	json_decref(o);
}

/* A line over KW_AUDIT_LINE_MAX or a detail nested too deep is refused; the log is
 * untouched and still verifies. */
static void test_too_long_refused(void **state)
{
	fixture *f = *state;
	make_log(f, 2);
	size_t big = KW_AUDIT_LINE_MAX;
	char *s = malloc(big + 1);
	assert_non_null(s);
	memset(s, 'k', big);
	s[big] = '\0';
	json_t *d = json_pack("{s:s}", "comment", s);
	free(s);
	kw_audit_entry e = { .time = T0, .host = "h", .action = KW_AUDIT_ADD, .detail = d };
	assert_int_equal(kw_audit_append(f->log, &e, NULL, 0), KW_E_TOOBIG);
	json_decref(d);

	d = json_object();
	json_t *cur = d;
	for (int i = 0; i < 40; i++) {
		json_t *in = json_object();
		json_object_set_new(cur, "in", in);
		cur = in;
	}
	e.detail = d;
	assert_int_equal(kw_audit_append(f->log, &e, NULL, 0), KW_E_TOOBIG);
	json_decref(d);
	expect_ok(f, 2);

	/* a long line that fits (five read chunks): the next append finds its start */
	s = malloc(300000 + 1);
	assert_non_null(s);
	memset(s, 'k', 300000);
	s[300000] = '\0';
	d = json_pack("{s:s}", "comment", s);
	free(s);
	e.detail = d;
	assert_int_equal(kw_audit_append(f->log, &e, NULL, 0), 0);
	json_decref(d);
	e.detail = NULL;
	assert_int_equal(kw_audit_append(f->log, &e, NULL, 0), 0);
	assert_int_equal(kw_audit_append(f->log, &e, NULL, 0), 0);
	expect_ok(f, 5);

	/* a log line over the limit is reported as such */
	FILE *fp = fopen(f->log, "ab");
	assert_non_null(fp);
	for (size_t i = 0; i < KW_AUDIT_LINE_MAX + 10; i++)
		fputc('x', fp);
	fputc('\n', fp);
	fclose(fp);
	kw_audit_report r;
	assert_int_equal(kw_audit_verify(f->log, &r), 0);
	assert_int_equal(r.problem, KW_AUDIT_TOO_LONG);
	assert_int_equal(r.bad_line, 6);
	assert_int_equal(r.lines, 5);
	expect_append_refused(f);
}

/* The calling process as actor: uid and passwd name; $SUDO_USER only when it is 1..32
 * printable ASCII characters. */
static void test_actor_current(void **state)
{
	(void)state;
	char *saved = getenv("SUDO_USER") ? strdup(getenv("SUDO_USER")) : NULL;
	kw_audit_actor a;
	struct passwd *pw = getpwuid(getuid());
	assert_non_null(pw);

	setenv("SUDO_USER", "alice", 1);
	assert_int_equal(kw_audit_actor_current(&a), 0);
	assert_int_equal(a.uid, getuid());
	assert_string_equal(a.login, pw->pw_name);
	assert_string_equal(a.sudo_user, "alice");

	setenv("SUDO_USER", "bob\x1b[2J", 1);
	kw_audit_actor_current(&a);
	assert_string_equal(a.sudo_user, "");
	setenv("SUDO_USER", "carol\n", 1);
	kw_audit_actor_current(&a);
	assert_string_equal(a.sudo_user, "");
	char name[40];
	memset(name, 'a', 33);
	name[33] = '\0';
	setenv("SUDO_USER", name, 1);
	kw_audit_actor_current(&a);
	assert_string_equal(a.sudo_user, "");
	name[32] = '\0';
	setenv("SUDO_USER", name, 1);
	kw_audit_actor_current(&a);
	assert_string_equal(a.sudo_user, name);
	setenv("SUDO_USER", "", 1);
	kw_audit_actor_current(&a);
	assert_string_equal(a.sudo_user, "");
	unsetenv("SUDO_USER");
	kw_audit_actor_current(&a);
	assert_string_equal(a.sudo_user, "");
	if (saved)
		setenv("SUDO_USER", saved, 1);
	free(saved);
}

/* With no actor and no host given, the append fills in the caller and gethostname;
 * an unknown sudo user and empty login are written as null. */
static void test_defaults(void **state)
{
	fixture *f = *state;
	unsetenv("SUDO_USER");
	kw_audit_entry e = { .action = KW_AUDIT_SNAPSHOT };
	assert_int_equal(kw_audit_append(f->log, &e, NULL, 0), 0);
	kw_audit_actor a = { .uid = 7 };
	e.actor = &a;
	assert_int_equal(kw_audit_append(f->log, &e, NULL, 0), 0);
	expect_ok(f, 2);
	lines L;
	lines_read(f->log, &L);
	char host[256] = "", want[600];
	assert_int_equal(gethostname(host, sizeof host - 1), 0);
	_cleanup_free_ char *eh = kw_escape_str(host);
	struct passwd *pw = getpwuid(getuid());
	snprintf(want, sizeof want, "\"actor\":{\"uid\":%u,\"login\":\"%s\",\"sudo_user\":null},"
		 "\"host\":\"%s\",\"root\":\"/\",\"action\":\"snapshot\",\"user\":null,"
		 "\"fingerprints\":[],\"detail\":null,", (unsigned)getuid(), pw->pw_name, eh);
	if (!strstr(L.v[0], want))
		fail_msg("line 1 is %s\nwant a part %s", L.v[0], want);
	assert_non_null(strstr(L.v[1], "\"actor\":{\"uid\":7,\"login\":null,\"sudo_user\":null}"));
	/* "now" is a real time stamp, not 1970 */
	assert_null(strstr(L.v[0], "\"time\":\"1970"));
	lines_free(&L);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_three_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names_and_bad_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper_edit_byte, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper_edit_hash_member, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper_delete_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper_swap_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper_insert_naive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper_insert_recomputed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper_edit_recomputed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_head_file_edited, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper_truncate_last_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper_cut_inside_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper_head_deleted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper_garbage_appended, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper_last_line_refuses_append, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interrupted_append, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_log, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_appends, setup, teardown),
		cmocka_unit_test_setup_teardown(test_links_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_big_log, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_strings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_long_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_actor_current, setup, teardown),
		cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
