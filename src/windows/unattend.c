/* unattend.c — PLACEHOLDER so that the tree links while the real parser is written on its branch (win-unattend); it finds nothing. Replaced by that branch. */
#include "windows/unattend.h"
#include <stdlib.h>
#include <string.h>
int kw_ua_parse_xml(const uint8_t *data, size_t len, kw_ua_result *out) { (void)data; (void)len; memset(out, 0, sizeof *out); return 0; }
int kw_ua_parse_inf(const uint8_t *data, size_t len, kw_ua_result *out) { (void)data; (void)len; memset(out, 0, sizeof *out); return 0; }
int kw_ua_parse(const uint8_t *data, size_t len, kw_ua_result *out) { return kw_ua_parse_xml(data, len, out); }
void kw_ua_result_release(kw_ua_result *r) { free(r->v); }
const char *kw_ua_kind_name(kw_ua_kind k) { (void)k; return "password"; }
const char *kw_ua_form_name(kw_ua_form f) { (void)f; return "plain text"; }
