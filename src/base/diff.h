/* diff.h — unified diffs of two texts, line by line (Myers' O(ND) algorithm), for the
 * previews of the fix commands. Pure: no I/O.
 *
 * The output is what `diff -u` prints for the same inputs (hunks with `context` lines
 * around changes, "@@ -a,b +c,d @@" headers, "\ No newline at end of file" markers),
 * except that every content line goes through `line_fn` so the caller can escape or
 * redact it. Header lines are "--- a_label" and "+++ b_label" (labels printed as given:
 * escape them first; NULL is ""). Identical inputs print nothing, whatever their size.
 * Lines end at '\n'; a last line without one is a line too, and never equals the same
 * bytes with a '\n'. NUL and CR are ordinary bytes. The edit script is a shortest one;
 * where several are, the lines chosen are usually, not always, the ones GNU diff picks.
 *
 * Inputs are bounded: more than KW_DIFF_MAX_LINES lines on either side, or an edit
 * distance above KW_DIFF_MAX_EDITS, gives KW_E_TOOBIG (the caller then says "N lines
 * changed" instead of a diff). Time is O((N+M)·D) at worst, memory O(N+M).
 */
#ifndef KW_BASE_DIFF_H
#define KW_BASE_DIFF_H

#include "base/buf.h"

#include <stddef.h>
#include <stdint.h>

#define KW_DIFF_MAX_LINES 200000
#define KW_DIFF_MAX_EDITS 20000

/* Append one content line (without its newline) to out. `sign` is ' ', '-' or '+' and
 * has already been appended. NULL line_fn: the bytes are appended as they are. */
typedef int (*kw_diff_line_fn)(kw_sb *out, const uint8_t *line, size_t len, void *ctx);

/* Append the unified diff of a -> b to out. Returns 0, -ENOMEM, KW_E_TOOBIG (also when
 * out would exceed KW_SB_MAX), or line_fn's negative error; on any error out is left as
 * it was. `a`/`b` may be NULL when their length is 0. */
int kw_diff_unified(kw_sb *out, const char *a_label, const uint8_t *a, size_t alen,
		    const char *b_label, const uint8_t *b, size_t blen, unsigned context,
		    kw_diff_line_fn line_fn, void *ctx);

#endif
