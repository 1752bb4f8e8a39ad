/* fuzz_keys_edit.c — libFuzzer harness for the authorized_keys line editor
 * (src/keys/edit.c: kw_keyedit_add / remove / rotate over kw_akfile_parse). Owned by the
 * keys module.
 *
 * Input: byte 0 picks the edit (add, remove, rotate), byte 1 the key and the options
 * asked for (from fixed lists: three real keys, options valid and invalid), the rest is
 * the file. Besides memory errors it traps when
 *   - an edit returns anything but 0, KW_E_PARSE (a parser cap), KW_E_REFUSED (a line
 *     that would not read back as intended), -EINVAL (rotate to the same key), -ENOMEM;
 *   - "nothing to do" comes with output, or a change without;
 *   - remove's output is not exactly the input's lines minus those holding the key
 *     (checked by an independent line split: every other line byte for byte, in order);
 *   - add (append) does not keep the whole input as a prefix, or its new last line does
 *     not hold the key, used by sshd;
 *   - add (options, fix) and rotate change another line than those holding the key, or
 *     a line's end ("\r\n", "\n", none), or leave a touched line without the new key.
 * Pure: nothing is written. */
#include "base/err.h"
#include "keys/edit.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const keys[] = {
	"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDUd46qNmL9ykkQOnYzxoJ8b6mJz/tAYPT+ir5Ie2ulR test ed25519",
	"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAac7Rmv7QbWXhSO0+xH325D8WG8U/qtk/NffYbi8Jf8 second",
	("no-pty ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBDDnPJYrDl/GOHTP"
	 "07JiJLt9F9cM6iKDVKHETjZBx+bLSANGxx72wBhsFXSa5OxJzeljG4vZWGBx/3gFT1dn+8M= test ecdsa"),
};
static const char *const options[] = { NULL, "", "no-pty", "from=\"10.0.0.0/8\",restrict",
	"frobnicate", "command=\"a\",command=\"b\"" };

/* One raw line: bytes up to and including its '\n' (or the end). */
typedef struct seg { const uint8_t *p; size_t n; } seg;

static size_t split(const uint8_t *p, size_t n, seg *v, size_t cap)
{
	size_t k = 0;
	for (size_t off = 0; off < n && k < cap;) {
		const uint8_t *nl = memchr(p + off, '\n', n - off);
		size_t e = nl ? (size_t)(nl - p) + 1 : n;
		v[k++] = (seg){ p + off, e - off };
		off = e;
	}
	return k;
}

/* The end class of a raw line as the editor sees it: 2 "\r\n", 1 "\n" or a last "\r",
 * 0 none. */
static int end_of(seg s)
{
	if (s.n >= 2 && s.p[s.n - 2] == '\r' && s.p[s.n - 1] == '\n')
		return 2;
	if (s.n >= 1 && (s.p[s.n - 1] == '\n' || s.p[s.n - 1] == '\r'))
		return 1;
	return 0;
}

static bool holds(const kw_akline *l, const char *fp)
{
	return l->key && !strcmp(l->key->key.fp, fp);
}

static bool holds_ref(const kw_akline *l, const kw_keyref *r)
{
	return l->key && kw_keyref_matches(r, &l->key->key);
}

/* Does the one line (raw) hold the key fp, used by sshd? */
static bool line_has(seg s, const char *fp)
{
	kw_akfile f;
	if (kw_akfile_parse("x", s.p, s.n, &f) < 0)
		return true; /* ENOMEM: no verdict */
	bool ok = f.n == 1 && f.lines[0].key && !f.lines[0].key->sshd_ignores &&
		  !strcmp(f.lines[0].key->key.fp, fp);
	kw_akfile_release(&f);
	return ok;
}

#define MAXL 4096

static void check_remove(const kw_akfile *in, const kw_keyedit *e, const kw_keyref *r)
{
	/* the expected output, rebuilt line by line */
	size_t want = 0;
	for (size_t i = 0; i < in->n; i++)
		if (!holds_ref(&in->lines[i], r))
			want += in->lines[i].body + in->lines[i].term;
	if (e->len != want)
		__builtin_trap();
	size_t o = 0;
	for (size_t i = 0; i < in->n; i++) {
		const kw_akline *l = &in->lines[i];
		if (holds_ref(l, r))
			continue;
		if (memcmp(e->data + o, in->data + l->off, l->body + l->term) != 0)
			__builtin_trap();
		o += l->body + l->term;
	}
}

/* Same number of lines; only the lines holding the key `old` (or, old NULL, line number
 * e->line) may differ, keeping their end; those now hold new_fp, used by sshd. */
static void check_in_place(const kw_akfile *in, const kw_keyedit *e, const kw_keyref *old,
			   const char *new_fp)
{
	static seg a[MAXL], b[MAXL];
	size_t na = split(in->data, in->len, a, MAXL), nb = split(e->data, e->len, b, MAXL);
	if (na == MAXL || nb == MAXL)
		return;
	if (na != nb || na != in->n)
		__builtin_trap();
	if (!old && (e->line == 0 || e->line > na || !holds(&in->lines[e->line - 1], new_fp)))
		__builtin_trap();
	for (size_t i = 0; i < na; i++) {
		bool hit = old ? holds_ref(&in->lines[i], old) : i + 1 == e->line;
		if (!hit) {
			if (a[i].n != b[i].n || memcmp(a[i].p, b[i].p, a[i].n) != 0)
				__builtin_trap();
			continue;
		}
		if (end_of(a[i]) != end_of(b[i]) || !line_has(b[i], new_fp))
			__builtin_trap();
	}
}

static void check_append(const kw_akfile *in, const kw_keyedit *e, const char *fp)
{
	if (e->len <= in->len || (in->len && memcmp(e->data, in->data, in->len) != 0))
		__builtin_trap();
	static seg b[MAXL];
	size_t nb = split(e->data, e->len, b, MAXL);
	if (nb == MAXL || nb == 0)
		return;
	if (!line_has(b[nb - 1], fp) || end_of(b[nb - 1]) == 0)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2 || size > 65536)
		return 0;
	unsigned op = data[0] % 3, pick = data[1];
	const char *ktext = keys[pick % 3];
	const char *opts = options[(pick / 3) % 6];
	kw_akfile f;
	kw_newkey k;
	char why[KW_KEYEDIT_WHY];
	if (kw_akfile_parse("fuzz", data + 2, size - 2, &f) < 0)
		return 0;
	if (kw_newkey_parse((const uint8_t *)ktext, strlen(ktext), &k, why, sizeof why) != 0)
		__builtin_trap(); /* fixed, valid keys */
	kw_keyedit e;
	kw_keyref ref = { 0 };
	int r;
	if (op == 0) {
		r = kw_keyedit_add(&f, &k, opts, &e);
	} else {
		/* remove or rotate: one of the fixed keys, or the file's first key */
		const kw_pubkey *target = &k.key;
		if ((pick & 0x80) && f.keys.n)
			target = &f.keys.v[0].key;
		memcpy(ref.fp, target->fp, sizeof ref.fp);
		if (op == 1) {
			r = kw_keyedit_remove(&f, &ref, 1, &e);
		} else {
			kw_newkey k2;
			const char *other = keys[(pick + 1) % 3];
			if (kw_newkey_parse((const uint8_t *)other, strlen(other), &k2, why, sizeof why) != 0)
				__builtin_trap();
			r = kw_keyedit_rotate(&f, &ref, &k2, opts, &e);
			if (r == 0 && e.status == KW_KEYEDIT_ROTATED)
				check_in_place(&f, &e, &ref, k2.key.fp);
			if (r == 0 && e.status == KW_KEYEDIT_REMOVED)
				check_remove(&f, &e, &ref);
			if (r == -EINVAL && !kw_keyref_matches(&ref, &k2.key))
				__builtin_trap();
			kw_newkey_release(&k2);
		}
	}
	if (r != 0 && r != KW_E_PARSE && r != KW_E_REFUSED && r != -EINVAL && r != -ENOMEM)
		__builtin_trap();
	if (r == KW_E_PARSE && f.complete)
		__builtin_trap();
	if (r == 0) {
		if ((e.status == KW_KEYEDIT_NONE) != (e.data == NULL))
			__builtin_trap();
		if (op == 1 && e.status == KW_KEYEDIT_REMOVED)
			check_remove(&f, &e, &ref);
		if (op == 1 && e.status == KW_KEYEDIT_NONE)
			for (size_t i = 0; i < f.n; i++)
				if (holds_ref(&f.lines[i], &ref))
					__builtin_trap();
		if (op == 0 && e.status == KW_KEYEDIT_ADDED)
			check_append(&f, &e, k.key.fp);
		if (op == 0 && (e.status == KW_KEYEDIT_OPTIONS || e.status == KW_KEYEDIT_FIXED))
			check_in_place(&f, &e, NULL, k.key.fp);
		if (op == 0 && e.status == KW_KEYEDIT_NONE) {
			bool there = false;
			for (size_t i = 0; i < f.n && !there; i++)
				there = holds(&f.lines[i], k.key.fp) && !f.lines[i].key->sshd_ignores;
			if (!there)
				__builtin_trap();
		}
	}
	kw_keyedit_release(&e);
	kw_newkey_release(&k);
	kw_akfile_release(&f);
	return 0;
}
