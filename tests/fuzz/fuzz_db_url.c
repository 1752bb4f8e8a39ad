/* fuzz_db_url.c — libFuzzer harness for what keyward does with a database name before any
 * connection: kw_db_is_pg and kw_db_display (src/db/db.c), which rewrites a URI in place
 * to hide its password, and the share's position key built from it (src/guard/share.c).
 *
 * Properties checked on every input (a NUL-free string):
 *  - kw_db_display returns text with no control character (it is escaped);
 *  - for a postgresql:// name whose authority is "USER:SECRET@HOST" (one '@'; SECRET of 8 or more
 *    characters, no '@', '/', '?', '%' or '\\' in it), the result still has a
 *    "USER:...@" part and SECRET is not between its ':' and '@';
 *  - a name that is not a URI comes out as kw_escape_str would make it;
 *  - the position key is "share:" and the displayed name. */
#include "base/escape.h"
#include "db/db.h"
#include "guard/share.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096 || memchr(data, 0, size))
		return 0;
	char *name = malloc(size + 1);
	if (!name)
		return 0;
	memcpy(name, data, size);
	name[size] = '\0';
	char *d = kw_db_display(name);
	if (!d)
		abort();
	for (const char *p = d; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			abort();
	if (kw_db_is_pg(name)) {
		const char *auth = strstr(name, "://") + 3;
		size_t host = strcspn(auth, "/?");
		const char *colon = memchr(auth, ':', host);
		const char *at = colon ? memchr(colon, '@', (size_t)(auth + host - colon)) : NULL;
		/* one '@' in the authority: "USER:SECRET@HOST" */
		if (at && !memchr(at + 1, '@', (size_t)(auth + host - at - 1)) &&
		    !memchr(auth, '@', (size_t)(colon - auth))) {
			size_t n = (size_t)(at - colon - 1);
			char secret[64];
			if (n >= 8 && n < sizeof secret && strcspn(colon + 1, "@/?%\\") >= n) {
				memcpy(secret, colon + 1, n);
				secret[n] = '\0';
				/* where the password was: between the ':' and the '@' of the
				 * result's userinfo */
				const char *ui = strstr(d, "://") + 3;
				const char *dat = strchr(ui, '@');
				const char *pc = dat ? memchr(ui, ':', (size_t)(dat - ui)) : NULL;
				char *found = pc ? strstr(pc, secret) : NULL;
				if (!dat || !pc || (found && found < dat))
					abort();
			}
		}
	} else {
		char *e = kw_escape_str(name);
		if (!e || strcmp(d, e) != 0)
			abort();
		free(e);
	}
	char *k = kw_gshare_position_key(name);
	if (!k || strncmp(k, "share:", 6) != 0 || strcmp(k + 6, d) != 0)
		abort();
	free(k);
	free(d);
	free(name);
	return 0;
}
