/* action.h — apply bans to the system: nftables, ipset, hosts.deny, a command, or nothing.
 *
 * Every operation is idempotent: banning a banned prefix refreshes its timeout, unbanning
 * an absent one succeeds. Addresses reach the outside world only in keyward's own
 * canonical text (kw_cidr_format), never as text copied from a log.
 *
 *  nft        libnftables: table <family> <table> with sets v4 (ipv4_addr) and v6 (ipv6_addr),
 *             flags interval,timeout; a chain hooked at input priority -10 that drops
 *             traffic from either set. Per-element timeouts = remaining ban time.
 *  ipset      the ipset command: hash:net sets <ipset_v4>/<ipset_v6> with timeout support,
 *             created with -exist; the user links them into iptables (docs/guard.md).
 *  hosts-deny a block between "# keyward-guard begin" and "# keyward-guard end" lines in
 *             the hosts.deny file, rewritten atomically; expiry is done by the guard.
 *  command    ban_command/unban_command argv templates, run without a shell; %a is the
 *             prefix, %t the timeout in seconds (0 = permanent), %r the rule, %% a percent.
 *  none       report only.
 */
#ifndef KW_GUARD_ACTION_H
#define KW_GUARD_ACTION_H

#include "guard/addr.h"
#include "guard/config.h"

#include <stdint.h>

typedef struct kw_gaction kw_gaction;

/* Prepare (for nft: create table, sets, chain if missing). Errors name what failed in err. */
int kw_gaction_open(const kw_gconf *conf, kw_gaction **out, char *err, size_t errlen);
void kw_gaction_close(kw_gaction *a);
/* timeout_s 0 = permanent. rule may be NULL. */
int kw_gaction_ban(kw_gaction *a, const kw_cidr *prefix, uint64_t timeout_s, const char *rule,
		   char *err, size_t errlen);
int kw_gaction_unban(kw_gaction *a, const kw_cidr *prefix, char *err, size_t errlen);
/* Remove everything keyward made (nft table, ipsets, hosts.deny block). */
int kw_gaction_teardown(kw_gaction *a, char *err, size_t errlen);

#endif
