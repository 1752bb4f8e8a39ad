/* config.h — the guard's configuration file (/etc/keyward/guard.conf) and ignore list.
 *
 * Format: one `key = value` per line, `#` starts a comment line, blank lines ignored,
 * unknown keys and bad values are errors that name the file and line. Durations take
 * units (90s, 10m, 1h, 1d, 1w). Command-line options override the file. The keys, their
 * defaults and meaning are a table in config.c and documented in docs/guard.md:
 *
 *   host_rule = *:10/1h,30/1d     user_rule =            (off by default: account lock-out DoS)
 *   mode = aggressive|normal      publickey = nofail|invalid|any (nofail: key offers never count)
 *   reset_on_success = no         bantime = 1h           bantime_max = 4w
 *   escalation = 2                (bantime is multiplied by this for each earlier ban...)
 *   escalation_window = 30d       (... of the same address within this window)
 *   ignore = CIDR ...             (may repeat; v4 and v6)
 *   ignore_self = yes             (the host's own addresses, loopback, $SSH_CONNECTION's client)
 *   subnet_v4 = 0                 (24:5 bans the /24 once 5 of its members are banned; 0 = off)
 *   subnet_v6 = 0                 (64:5 likewise for IPv6)
 *   max_sources = 100000          (tracked sources; least recently seen evicted first)
 *   action = nft|ipset|hosts-deny|command|none
 *   nft_table = keyward           nft_family = inet
 *   ipset_v4 = keyward4           ipset_v6 = keyward6
 *   hosts_deny = /etc/hosts.deny  hosts_deny_service = sshd
 *   ban_command = /path arg %a %t %r       unban_command = /path arg %a
 *   db = /var/lib/keyward/guard.db
 *   source = /var/log/auth.log | journal
 *   share = postgresql://...      (bans shared with the fleet's other guards; "" = off)
 *   share_rate = 600              (bans accepted from one other host per minute)
 *   host_id =                     (this host in the shared table; "" = from /etc/machine-id)
 */
#ifndef KW_GUARD_CONFIG_H
#define KW_GUARD_CONFIG_H

#include "guard/addr.h"
#include "guard/rules.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum kw_gmode { KW_GMODE_AGGRESSIVE = 0, KW_GMODE_NORMAL };
enum kw_gpubkey { KW_GPUBKEY_NOFAIL = 0, KW_GPUBKEY_INVALID, KW_GPUBKEY_ANY };
enum kw_gaction_kind { KW_GACT_NFT = 0, KW_GACT_IPSET, KW_GACT_HOSTS_DENY, KW_GACT_COMMAND, KW_GACT_NONE };

typedef struct kw_iplist {
	kw_cidr *v;
	size_t n, cap;
	/* first bytes that some entry can match, per family (0: IPv4, 1: IPv6): most
	 * addresses are found outside the list without a look at the entries */
	uint64_t lead[2][4];
} kw_iplist;

typedef struct kw_gconf {
	kw_rules host_rule;      /* always set (default *:10/1h,30/1d) */
	kw_rules user_rule;      /* nclauses == 0 when off */
	bool has_user_rule;
	enum kw_gmode mode;
	enum kw_gpubkey publickey;
	bool reset_on_success;
	uint64_t bantime_s, bantime_max_s;
	uint32_t escalation;     /* multiplier >= 1 */
	uint64_t escalation_window_s;
	kw_iplist ignore;        /* configured entries (ignore_self adds at run time, see below) */
	bool ignore_self;
	uint8_t subnet_v4_bits, subnet_v6_bits; /* 0 = off */
	uint32_t subnet_v4_members, subnet_v6_members;
	uint32_t max_sources;
	enum kw_gaction_kind action;
	char *nft_table, *nft_family;
	char *ipset_v4, *ipset_v6;
	char *hosts_deny, *hosts_deny_service;
	char **ban_command, **unban_command; /* argv templates, NULL-terminated; NULL = unset */
	char *db;
	char *source;            /* path, or "journal" */
	char *share;             /* PostgreSQL URI of the fleet's shared bans; "" = off */
	uint32_t share_rate;     /* bans accepted from one other host per minute */
	char *host_id;           /* "" = derived from /etc/machine-id */
} kw_gconf;

/* Defaults as documented above. */
int kw_gconf_init(kw_gconf *c);
void kw_gconf_release(kw_gconf *c);

/* Read a file over the defaults. Errors: -errno for I/O, KW_E_USAGE for content, with a
 * "file:line: message" in err. A missing file is -ENOENT (the caller decides). */
int kw_gconf_load(kw_gconf *c, const char *path, char *err, size_t errlen);
/* Set one key from text, as in the file (used for command-line overrides too). */
int kw_gconf_set(kw_gconf *c, const char *key, const char *value, char *err, size_t errlen);
/* Names of the action kinds ("nft", ...) and back. */
const char *kw_gaction_kind_name(enum kw_gaction_kind k);
int kw_gaction_kind_parse(const char *s, enum kw_gaction_kind *out);

/* Ignore lists. */
int kw_iplist_add(kw_iplist *l, const kw_cidr *c);
int kw_iplist_add_text(kw_iplist *l, const char *text); /* "CIDR CIDR ..." */
bool kw_iplist_contains(const kw_iplist *l, const kw_addr *a);
void kw_iplist_release(kw_iplist *l);
/* The host's own addresses (getifaddrs), 127.0.0.0/8, ::1, and the client address of
 * $SSH_CONNECTION if set: added to l. */
int kw_iplist_add_self(kw_iplist *l);

#endif
