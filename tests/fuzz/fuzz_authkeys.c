/* fuzz_authkeys.c — libFuzzer harness for kw_authkeys_parse and kw_authopts_parse.
 * Owned by the "parsers" module. Frees everything it allocates (runs under ASan/LSan).
 * Besides memory errors it traps on broken invariants: fingerprints' shapes, the
 * sshd_ignores verdict, option values sshd could never have recorded, and a stored
 * options field that parses differently the second time. */
#include "collect/sshkey.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_list(const kw_authopt_list *l, const char *must_hold)
{
	if (l->n > l->cap && l->cap)
		__builtin_trap();
	for (size_t i = 0; i < l->n; i++)
		if (!l->v[i] || (must_hold && !strpbrk(l->v[i], must_hold)))
			__builtin_trap();
}

static void check_opts(const kw_authopts *o)
{
	if (o->valid != (o->error == NULL))
		__builtin_trap();
	if (o->expiry_time < 0)
		__builtin_trap();
	if (o->tunnel < KW_AUTHOPT_TUN_ANY || o->tunnel > KW_AUTHOPT_TUN_MAX)
		__builtin_trap();
	check_list(&o->permitopen, ":/");
	check_list(&o->permitlisten, ":");
	check_list(&o->environment, "=");
	if (o->valid && o->permitopen.n > 4097)
		__builtin_trap();
}

static void check_key(const kw_authkey *k)
{
	if (strlen(k->key.fp) != 50 || memcmp(k->key.fp, "SHA256:", 7) != 0 || !k->key.label[0] ||
	    !k->key.type[0])
		__builtin_trap();
	if (k->key.fp_md5[0] && (strlen(k->key.fp_md5) != 51 || memcmp(k->key.fp_md5, "MD5:", 4) != 0))
		__builtin_trap();
	if (!k->key.text_type[0] || (k->key.type_mismatch && !strcmp(k->key.text_type, k->key.type)))
		__builtin_trap();
	if (k->key.curve[0] && !strstr(k->key.type, k->key.curve))
		__builtin_trap();
	if (k->comment && (!k->comment[0] || strchr(k->comment, '\n')))
		__builtin_trap();
	if (k->options && strchr(k->options, ' ') == k->options)
		__builtin_trap();
	if (k->sshd_ignores != (k->key.type_mismatch || !k->opts.valid))
		__builtin_trap();
	if (!k->options && (!k->opts.valid || k->opts.command || k->opts.restricted))
		__builtin_trap();
	check_opts(&k->opts);
	if (k->options) {
		/* the stored field reads the same again */
		kw_authopts again;
		if (kw_authopts_parse((const uint8_t *)k->options, strlen(k->options), &again) == 0) {
			if (again.valid != k->opts.valid || again.tunnel != k->opts.tunnel ||
			    again.expiry_time != k->opts.expiry_time ||
			    again.permitopen.n != k->opts.permitopen.n)
				__builtin_trap();
			kw_authopts_release(&again);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kw_authkeys ak;
	kw_diags d = { 0 };
	if (kw_authkeys_parse("authorized_keys", data, size, &ak, &d) == 0) {
		for (size_t i = 0; i < ak.n; i++)
			check_key(&ak.v[i]);
		kw_authkeys_release(&ak);
	}
	kw_diags_release(&d);

	/* the whole input as one options field */
	kw_authopts o;
	if (kw_authopts_parse(data, size, &o) == 0) {
		check_opts(&o);
		kw_authopts_release(&o);
	}
	return 0;
}
