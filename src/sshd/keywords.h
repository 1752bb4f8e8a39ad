/* keywords.h — the sshd_config keyword table (generated from keywords.def by X-macros).
 * Owner: helper "engine". One row per option (how it parses, its default, how `sshd -T`
 * prints it) and one row per keyword name (aliases included: which option, where it is
 * allowed, whether it is deprecated/unsupported/ignored). Pure data and lookups.
 */
#ifndef KW_SSHD_KEYWORDS_H
#define KW_SSHD_KEYWORDS_H

#include <stdbool.h>
#include <stddef.h>

typedef enum kw_sshd_vtype {
	KW_VT_FLAG,        /* yes | no */
	KW_VT_INT,         /* decimal 0..INT_MAX */
	KW_VT_TIME,        /* sshd time format (1h30m) -> seconds */
	KW_VT_PATH,        /* a file name; relative names get the current directory */
	KW_VT_TILDE,       /* a file name; ~ expanded */
	KW_VT_STRING,      /* one argument, as written */
	KW_VT_REST,        /* the rest of the line, as written */
	KW_VT_COMMAND,     /* the rest of the line; an absolute path or "none" */
	KW_VT_ALGO,        /* an algorithm list (+ - ^), resolved by algos.c */
	KW_VT_ADDRFAM,     /* any | inet | inet6 */
	KW_VT_PERMITROOT,  /* yes | no | prohibit-password | without-password | forced-commands-only */
	KW_VT_IGNORERHOSTS,/* yes | no | shosts-only */
	KW_VT_COMPRESSION, /* yes | delayed | no */
	KW_VT_GATEWAYPORTS,/* yes | no | clientspecified */
	KW_VT_TCPFWD,      /* yes | all | no | local | remote */
	KW_VT_LOGLEVEL,    /* QUIET ... DEBUG3 */
	KW_VT_SPECIAL,     /* parsed by its own code in config.c */
} kw_sshd_vtype;

typedef enum kw_sshd_printfmt {
	KW_PR_VALUE,   /* "name value" */
	KW_PR_EACH,    /* one "name value" line per value */
	KW_PR_ONELINE, /* "name v1 v2 ..." (omitted when empty and no default) */
	KW_PR_NEVER,   /* accepted, never printed */
} kw_sshd_printfmt;

enum {
	KW_KF_GLOBAL = 0x01,
	KW_KF_MATCH = 0x02,
	KW_KF_ALL = 0x03,
	KW_KF_DEPRECATED = 0x10,
	KW_KF_UNSUPPORTED = 0x20,
	KW_KF_IGNORE = 0x40,
};

typedef enum kw_sshd_opt {
#define OPT(id, tname, type, def, print) KW_SO_##id,
#define KWD(name, id, flags)
#include "sshd/keywords.def"
#undef OPT
#undef KWD
	KW_SO__COUNT
} kw_sshd_opt;

typedef struct kw_sshd_optdef {
	kw_sshd_opt id;
	const char *tname;
	kw_sshd_vtype type;
	const char *def;
	kw_sshd_printfmt print;
	unsigned flags; /* KW_KF_MATCH if any of its names is allowed in Match */
} kw_sshd_optdef;

typedef struct kw_sshd_kwdef {
	const char *name; /* lowercase */
	kw_sshd_opt opt;
	unsigned flags;
} kw_sshd_kwdef;

/* The option row for an id (never NULL for id < KW_SO__COUNT). */
const kw_sshd_optdef *kw_sshd_optdef_get(kw_sshd_opt id);
/* The keyword row for a name (case-insensitive); NULL if sshd does not know it. */
const kw_sshd_kwdef *kw_sshd_keyword_find(const char *name);
/* All keyword rows (for docs and tests). */
const kw_sshd_kwdef *kw_sshd_keywords(size_t *ret_n);

#endif
