/* jsonout.h — the one way reports write a jansson document: dumped into memory with the
 * caller's flags, written with one fwrite and a final newline (json_dumpf makes an fwrite
 * call per token), then flushed. Takes the reference to root.
 */
#ifndef KW_REPORT_JSONOUT_H
#define KW_REPORT_JSONOUT_H

#include <jansson.h>
#include <stdio.h>

/* 0, -ENOMEM (root NULL or no memory) or -EIO. root is released in every case. */
int kw_json_write(FILE *out, json_t *root, size_t flags);

#endif
