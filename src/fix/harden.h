/* harden.h — the plan that makes a harden set's sshd settings effective
 * (`keyward harden`). Owned by the fix module.
 *
 *   harden set (data/harden/NAME.conf or a user's file, sshd_config syntax)
 *     + facts of the root (the current config, read by the engine)
 *     --> needed settings: the set's values that are not in force yet (never one that is
 *         already stricter), algorithm lists minus what the ratings grade fail (and warn,
 *         strict), ModuliFile when the moduli file has small groups
 *     --> placement: a drop-in named to sort before every drop-in that sets the same
 *         keywords, in a folder under /etc/ssh that the main file Includes before any
 *         Match; else a marked block at the top of sshd_config
 *     --> staged copy of the config with the plan applied (validate.h): our engine must
 *         see every setting in force from the new lines; the real sshd must accept it
 *         (-t) and print the same values (-T); the lock-out guard (lockout.h) must find
 *         an account that can still log in with a key
 *     --> kw_plan (REPLACE actions; REMOVE for a keyward drop-in under an old name)
 *
 * A builder only reads: nothing is written in the root here. A config that is already
 * hardened gives an empty plan, so a second `--apply` is a no-op.
 *
 * Ownership: kw_harden_set_load gives a set freed by kw_harden_set_release;
 * kw_harden_result_release frees what kw_harden_plan put in the result.
 */
#ifndef KW_FIX_HARDEN_H
#define KW_FIX_HARDEN_H

#include "base/diag.h"
#include "collect/facts.h"
#include "fix/lockout.h"
#include "fix/plan.h"
#include "fix/validate.h"
#include "sshd/keywords.h"
#include "target/target.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The drop-in's name when nothing forces a smaller one, and the first line that marks a
 * drop-in or a block as written by keyward (so later runs merge into it). */
#define KW_HARDEN_DROPIN "00-keyward-harden.conf"
#define KW_HARDEN_MARK "# keyward harden"
#define KW_HARDEN_BEGIN "# BEGIN keyward harden"
#define KW_HARDEN_END "# END keyward harden"
#define KW_HARDEN_MODULI "/etc/ssh/moduli.keyward"
#define KW_HARDEN_MIN_BITS 3072u

/* One setting of a harden set. */
typedef struct kw_harden_setting {
	kw_sshd_opt opt;
	char *keyword;         /* as written ("PasswordAuthentication") */
	char *line;            /* the line to write: "PasswordAuthentication no  # source" */
	unsigned src_line;     /* where it was read (in the set named by src) */
	const char *src;       /* points at a kw_harden_set name */
} kw_harden_setting;

typedef struct kw_harden_set {
	char *name;            /* "baseline", or the file's path */
	char *policy;          /* ratings column for computed algorithm lists; NULL: "off" */
	bool policy_set;       /* a "# keyward: algorithms" directive was read */
	kw_harden_setting *v;
	size_t n, cap;
	char **names;          /* every set text read (for src pointers) */
	size_t n_names, cap_names;
} kw_harden_set;

/* Load a built-in set by name ("baseline", "strict") or a file (an argument with '/' or
 * ending in ".conf"). Every line is checked: known keyword, global, not accumulating, a
 * value our engine (and so sshd 9.2) accepts. Errors: KW_E_USAGE / KW_E_PARSE with "FILE:
 * LINE: message" diagnostics in d; -ENOENT for an unknown built-in or missing file. */
int kw_harden_set_load(const char *name_or_path, kw_harden_set *ret, kw_diags *d);
void kw_harden_set_release(kw_harden_set *s);
/* The built-in set names, NULL-terminated. */
extern const char *const kw_harden_builtin_sets[];

typedef struct kw_harden_opts {
	const kw_harden_set *set;
	uint32_t min_bits;     /* moduli: keep groups of at least this many bits (0: 3072) */
	bool no_moduli;        /* leave the moduli file alone */
	bool console_access;   /* --i-have-console-access: the guard reports, never refuses */
	const char *sshd;      /* the sshd binary for -t/-T (NULL: /usr/sbin/sshd) */
} kw_harden_opts;

typedef enum kw_harden_refusal {
	KW_HARDEN_OK = 0,
	KW_HARDEN_REFUSE_CONFIG,  /* the current configuration is refused by sshd or unreadable */
	KW_HARDEN_REFUSE_MODULI,  /* the moduli filter would leave nothing sshd can use */
	KW_HARDEN_REFUSE_PLACE,   /* no placement makes every setting effective */
	KW_HARDEN_REFUSE_SSHD,    /* the real sshd rejects the new configuration */
	KW_HARDEN_REFUSE_LOCKOUT, /* the lock-out guard found no account that can log in */
	KW_HARDEN_REFUSE_HOSTKEY, /* no host key of the root would be offered any more */
} kw_harden_refusal;

typedef struct kw_harden_result {
	kw_harden_refusal refusal;
	char *why;             /* refusal text (target text inside: escape to print) */
	char *written;         /* the config file the settings go to (NULL: nothing to do) */
	bool dropin;           /* a drop-in (else the marked block in sshd_config) */
	size_t n_settings;     /* settings written */
	kw_sshd_check check;   /* the real sshd's verdict on the staged result */
	kw_lockout_report guard;
} kw_harden_result;

/* Build the plan for root t (facts f collected from it). Notes for the user go to
 * p->notes. Returns 0 with res->refusal == OK (p may be empty: nothing to do),
 * KW_E_REFUSED with res->refusal and res->why set (when the refusal came after the
 * placement, p holds what would have been done, for the preview; it must not be
 * applied), or a negative error (-ENOMEM, staging I/O). Runs ssh-keygen and sshd in
 * child processes (validate.h); writes only inside its own temporary folder. */
int kw_harden_plan(kw_target *t, const kw_facts *f, const kw_harden_opts *o, kw_plan *p,
		   kw_harden_result *res);
void kw_harden_result_release(kw_harden_result *r);

#endif
