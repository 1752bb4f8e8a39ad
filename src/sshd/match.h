/* match.h — sshd's pattern lists, address lists and Match lines, as OpenSSH 9.2 evaluates
 * them (match.c, addrmatch.c, servconf.c match_cfg_line). Owner: helper "engine".
 * Pure functions: user and group facts come from the caller (the target's /etc/passwd and
 * /etc/group parsed with collect/accounts.h), never from this host's NSS.
 */
#ifndef KW_SSHD_MATCH_H
#define KW_SSHD_MATCH_H

#include "collect/accounts.h"

#include <stdbool.h>

/* One pattern with '*' and '?' (iterative; bounded). 1 match, 0 not. */
int kw_sshd_match_pattern(const char *s, const char *pattern);
/* A comma list with '!' negation: 1 positive match, 0 none, -1 a negated match. */
int kw_sshd_match_pattern_list(const char *s, const char *list, bool dolower);
/* Address list with CIDR and patterns (addr_match_list): 1 match, 0 none, -1 negated
 * match, -2 the list is invalid (e.g. 10.0.0.1/8, /33). addr may be NULL (validate only). */
int kw_sshd_addr_match_list(const char *addr, const char *list);

/* The connection that -C describes. NULL fields are absent; lport 0 = absent. */
typedef struct kw_sshd_conn {
	const char *user, *host, *addr, *laddr, *rdomain;
	int lport;
} kw_sshd_conn;

/* Parse a -C spec ("user=u,host=h,addr=a,laddr=l,lport=p,rdomain=r") into c; strings
 * point into spec (modified). 0 or KW_E_USAGE with *ret_bad pointing at the bad item. */
int kw_sshd_conn_parse(char *spec, kw_sshd_conn *c, const char **ret_bad);

typedef struct kw_sshd_accounts {
	const kw_passwd_db *passwd; /* may be NULL: no user exists */
	const kw_group_db *group;   /* may be NULL */
} kw_sshd_accounts;

/* Does user belong to a group matching the pattern list (primary group from passwd,
 * supplementary from group members)? A negated hit on any group means no. */
bool kw_sshd_match_group(const kw_sshd_accounts *acc, const char *user, const char *list);

typedef enum kw_sshd_match_res {
	KW_SSHD_MATCH_NO = 0,
	KW_SSHD_MATCH_YES = 1,
	KW_SSHD_MATCH_ERROR = -1, /* "Bad Match condition" (message in *ret_msg) */
	KW_SSHD_MATCH_FATAL = -2, /* sshd exits at once with *ret_msg */
} kw_sshd_match_res;

/* Evaluate the criteria after "Match" (modified in place). conn NULL: the first pass
 * (only "all" matches). With conn, test mode semantics: an absent field never matches,
 * except LocalPort without lport, which 9.2 makes fatal. *ret_rest is what is left
 * unconsumed (NULL or "" when all was used). *ret_msg (static or malloc'd into msgbuf) is
 * set on ERROR/FATAL. */
kw_sshd_match_res kw_sshd_match_line(char *criteria, const kw_sshd_conn *conn,
				     const kw_sshd_accounts *acc, char **ret_rest,
				     char *msgbuf, size_t msglen);

#endif
