/* keywords.c — the tables generated from keywords.def, and lookups. Owner: helper
 * "engine". */
#include "sshd/keywords.h"

#include <strings.h>

static const kw_sshd_kwdef kwdefs[] = {
#define OPT(id, tname, type, def, print)
#define KWD(name, id, flags) { name, KW_SO_##id, flags },
#include "sshd/keywords.def"
#undef OPT
#undef KWD
};

static const kw_sshd_optdef optdefs[] = {
#define OPT(id, tname, type, def, print) { KW_SO_##id, tname, type, def, print, 0 },
#define KWD(name, id, flags)
#include "sshd/keywords.def"
#undef OPT
#undef KWD
};

static bool opt_match_allowed(kw_sshd_opt id)
{
	for (size_t i = 0; i < sizeof kwdefs / sizeof kwdefs[0]; i++)
		if (kwdefs[i].opt == id && (kwdefs[i].flags & KW_KF_MATCH))
			return true;
	return false;
}

static kw_sshd_optdef optdefs_flagged[KW_SO__COUNT];
static bool flagged_ready;

const kw_sshd_optdef *kw_sshd_optdef_get(kw_sshd_opt id)
{
	if ((unsigned)id >= KW_SO__COUNT)
		return NULL;
	if (!flagged_ready) {
		for (size_t i = 0; i < KW_SO__COUNT; i++) {
			optdefs_flagged[i] = optdefs[i];
			optdefs_flagged[i].flags = opt_match_allowed(optdefs[i].id) ? KW_KF_MATCH : 0;
		}
		flagged_ready = true;
	}
	return &optdefs_flagged[id];
}

const kw_sshd_kwdef *kw_sshd_keyword_find(const char *name)
{
	for (size_t i = 0; i < sizeof kwdefs / sizeof kwdefs[0]; i++)
		if (strcasecmp(name, kwdefs[i].name) == 0)
			return &kwdefs[i];
	return NULL;
}

const kw_sshd_kwdef *kw_sshd_keywords(size_t *ret_n)
{
	*ret_n = sizeof kwdefs / sizeof kwdefs[0];
	return kwdefs;
}
