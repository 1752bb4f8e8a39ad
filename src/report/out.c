/* out.c — see out.h. */
#include "report/out.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

int kw_out_finish(FILE *out)
{
	return fflush(out) == 0 && !ferror(out) ? 0 : -EIO;
}

int kw_json_write(FILE *out, json_t *root, size_t flags)
{
	char *text = root ? json_dumps(root, flags) : NULL;
	json_decref(root);
	if (!text)
		return -ENOMEM;
	size_t n = strlen(text);
	bool ok = fwrite(text, 1, n, out) == n && fputc('\n', out) != EOF;
	free(text);
	return ok ? kw_out_finish(out) : -EIO;
}
