/* event.c — names and classes of the guard's event kinds and of sshd's process names.
 *
 * Everything here is generated from the one list in guard/kinds.def (X-macros), so a kind
 * added there gets its JSON name and its counting class without touching this file.
 */
#include "guard/event.h"

#include <string.h>

static const char *const kind_names[KW_GK_COUNT] = {
	[KW_GK_NONE] = "none",
#define KW_GKIND(id, name, cls) [KW_GK_##id] = name,
#include "guard/kinds.def"
#undef KW_GKIND
};

static const enum kw_gclass kind_classes[KW_GK_COUNT] = {
	[KW_GK_NONE] = KW_GC_INFO,
#define KW_GKIND(id, name, cls) [KW_GK_##id] = KW_GC_##cls,
#include "guard/kinds.def"
#undef KW_GKIND
};

const char *kw_gkind_name(enum kw_gkind k)
{
	if ((unsigned)k >= KW_GK_COUNT)
		return "none";
	return kind_names[k];
}

enum kw_gclass kw_gkind_class(enum kw_gkind k)
{
	if ((unsigned)k >= KW_GK_COUNT)
		return KW_GC_INFO;
	return kind_classes[k];
}

enum kw_gkind kw_gkind_from_name(const char *name)
{
	if (!name)
		return KW_GK_NONE;
	for (unsigned k = KW_GK_NONE + 1; k < KW_GK_COUNT; k++)
		if (!strcmp(kind_names[k], name))
			return (enum kw_gkind)k;
	return KW_GK_NONE;
}

const char *kw_gproc_name(enum kw_gproc p)
{
	switch (p) {
	case KW_GP_SSHD:
		return "sshd";
	case KW_GP_SSHD_SESSION:
		return "sshd-session";
	case KW_GP_SSHD_AUTH:
		return "sshd-auth";
	case KW_GP_UNKNOWN:
		break;
	}
	return "";
}
