/* cloud_policy.h — `keyward cloud policy` as text and JSON.
 *
 * Text: for each policy a commented header (# NAME: title, # attach to: ..., # what it
 * stops and what it does not, # source, # DERIVED: check it ... when derived) then the
 * document exactly as data/policies/NAME.json holds it; then the provider's limits as
 * comment paragraphs. With a name: only that document, byte for byte, ready to paste or
 * to pass as a file to the provider's CLI.
 * JSON: {"format":"keyward-cloud-policy","version":1,"provider":..,"policies":[{"name",
 * "provider","title","attach","explain","source","derived","document":{...}}],
 * "limits":{"aws":[..],"alibaba":[..]}} with only the providers asked for.
 */
#ifndef KW_REPORT_CLOUD_POLICY_H
#define KW_REPORT_CLOUD_POLICY_H

#include "cloud/policy.h"

#include <stdbool.h>
#include <stdio.h>

/* p: KW_CLOUD_ANY for both. name: NULL for all of p's, else only that one (text: the bare
 * document). 0, -ENOENT for an unknown name, or -EIO. */
int kw_cloud_policy_render(FILE *out, kw_cloud_provider p, const char *name, bool json);

#endif
