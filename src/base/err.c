/* err.c — names for keyward's error codes. */
#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const kw_err_names[] = {
	[KW_E_PARSE - KW_E_BASE] = "malformed input",
	[KW_E_TOOBIG - KW_E_BASE] = "input too large",
	[KW_E_NOTREG - KW_E_BASE] = "not a regular file",
	[KW_E_ESCAPE - KW_E_BASE] = "path leads outside the target root",
	[KW_E_LOOP - KW_E_BASE] = "too many levels of symbolic links",
	[KW_E_ARCHIVE - KW_E_BASE] = "archive truncated or corrupt",
	[KW_E_UNSUPPORTED - KW_E_BASE] = "unsupported format",
	[KW_E_USAGE - KW_E_BASE] = "usage error",
	[KW_E_CRYPTO - KW_E_BASE] = "cryptographic library error",
	[KW_E_NOTKEPT - KW_E_BASE] = "content not retained from the archive",
	[KW_E_CHANGED - KW_E_BASE] = "the file changed since the plan was made",
	[KW_E_INROOT - KW_E_BASE] = "the journal would be inside the image root",
	[KW_E_REFUSED - KW_E_BASE] = "refused by a safety check",
	[KW_E_SIGNATURE - KW_E_BASE] = "signature does not verify",
	[KW_E_TIMEOUT - KW_E_BASE] = "timed out",
};

const char *kw_strerror(int err)
{
	if (err > KW_E_BASE && err < KW_E_LAST) {
		const char *s = kw_err_names[err - KW_E_BASE];
		return s ? s : "unknown error";
	}
	if (err < 0 && err > -4096)
		return strerror(-err);
	return "unknown error";
}

void kw_verrf(char *err, size_t errlen, const char *fmt, va_list ap)
{
	if (err && errlen)
		vsnprintf(err, errlen, fmt, ap);
}

void kw_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kw_verrf(err, errlen, fmt, ap);
	va_end(ap);
}
