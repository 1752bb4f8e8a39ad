/* out.h — how every renderer ends: its output flushed and checked, and a jansson document
 * dumped into memory with the caller's flags and written with one fwrite and a final
 * newline (json_dumpf makes an fwrite call per token).
 */
#ifndef KW_REPORT_OUT_H
#define KW_REPORT_OUT_H

#include <jansson.h>
#include <stdio.h>

/* Flush out: 0, or -EIO if writing failed at any point. */
int kw_out_finish(FILE *out);
/* 0, -ENOMEM (root NULL or no memory) or -EIO. Takes the reference to root: it is
 * released in every case. Flushes (kw_out_finish). */
int kw_json_write(FILE *out, json_t *root, size_t flags);

#endif
