/* match.c — sshd pattern lists, CIDR address lists and Match criteria (OpenSSH 9.2
 * semantics, re-implemented; see match.h). Owner: helper "engine".
 *
 * kw_sshd_match_pattern is iterative (backtrack to the last '*'), so a hostile pattern
 * costs O(len(s) * len(pattern)) and no stack.
 */
#include "sshd/match.h"

#include "base/err.h"
#include "sshd/lexer.h"

#include <ctype.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <arpa/inet.h>

int kw_sshd_match_pattern(const char *s, const char *p)
{
	const char *star_p = NULL, *star_s = NULL;
	for (;;) {
		if (*p == '*') {
			while (*p == '*')
				p++;
			if (!*p)
				return 1;
			star_p = p;
			star_s = s;
			continue;
		}
		if (*s && *p && (*p == '?' || *p == *s)) {
			s++;
			p++;
			continue;
		}
		if (!*p && !*s)
			return 1;
		if (star_p && *star_s) {
			star_s++;
			s = star_s;
			p = star_p;
			continue;
		}
		return 0;
	}
}

int kw_sshd_match_pattern_list(const char *string, const char *pattern, bool dolower)
{
	char sub[1024];
	bool got_positive = false;
	size_t len = strlen(pattern);
	for (size_t i = 0; i < len;) {
		bool negated = false;
		if (pattern[i] == '!') {
			negated = true;
			i++;
		}
		size_t subi = 0;
		for (; i < len && subi < sizeof(sub) - 1 && pattern[i] != ','; subi++, i++)
			sub[subi] = dolower && isupper((unsigned char)pattern[i])
				? (char)tolower((unsigned char)pattern[i]) : pattern[i];
		if (subi >= sizeof(sub) - 1)
			return 0;
		if (i < len && pattern[i] == ',')
			i++;
		sub[subi] = '\0';
		if (kw_sshd_match_pattern(string, sub)) {
			if (negated)
				return -1;
			got_positive = true;
		}
	}
	return got_positive ? 1 : 0;
}

typedef struct xaddr {
	int af;
	uint8_t a[16];
} xaddr;

static int addr_pton(const char *p, xaddr *n)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST }, *ai = NULL;
	if (!p || getaddrinfo(p, NULL, &hints, &ai) != 0 || !ai)
		return -1;
	int r = -1;
	if (ai->ai_addr && ai->ai_family == AF_INET && ai->ai_addrlen >= sizeof(struct sockaddr_in)) {
		n->af = AF_INET;
		memcpy(n->a, &((struct sockaddr_in *)(void *)ai->ai_addr)->sin_addr, 4);
		r = 0;
	} else if (ai->ai_addr && ai->ai_family == AF_INET6 &&
		   ai->ai_addrlen >= sizeof(struct sockaddr_in6)) {
		n->af = AF_INET6;
		memcpy(n->a, &((struct sockaddr_in6 *)(void *)ai->ai_addr)->sin6_addr, 16);
		r = 0;
	}
	freeaddrinfo(ai);
	return r;
}

static unsigned af_bits(int af) { return af == AF_INET ? 32 : 128; }

/* host bits (beyond masklen) all zero? */
static bool host_all0s(const xaddr *a, unsigned masklen)
{
	unsigned bits = af_bits(a->af);
	for (unsigned b = masklen; b < bits; b++)
		if (a->a[b / 8] & (0x80 >> (b % 8)))
			return false;
	return true;
}

static int addr_pton_cidr(const char *p, xaddr *n, unsigned *l)
{
	char buf[64];
	if (!p || strlen(p) >= sizeof buf)
		return -1;
	strcpy(buf, p);
	unsigned long masklen = 999;
	char *mp = strchr(buf, '/');
	if (mp) {
		*mp++ = '\0';
		char *cp;
		masklen = strtoul(mp, &cp, 10);
		if (*mp < '0' || *mp > '9' || *cp != '\0' || masklen > 128)
			return -1;
	}
	xaddr tmp;
	if (addr_pton(buf, &tmp) == -1)
		return -1;
	if (!mp)
		masklen = af_bits(tmp.af);
	if (masklen > af_bits(tmp.af))
		return -2;
	if (!host_all0s(&tmp, (unsigned)masklen))
		return -2;
	*n = tmp;
	*l = (unsigned)masklen;
	return 0;
}

static bool addr_netmatch(const xaddr *host, const xaddr *net, unsigned masklen)
{
	if (host->af != net->af)
		return false;
	for (unsigned b = 0; b < masklen; b++) {
		uint8_t m = (uint8_t)(0x80 >> (b % 8));
		if ((host->a[b / 8] & m) != (net->a[b / 8] & m))
			return false;
	}
	return true;
}

int kw_sshd_addr_match_list(const char *addr, const char *list)
{
	xaddr try_addr;
	if (addr && addr_pton(addr, &try_addr) != 0)
		return 0;
	char *o = strdup(list), *l = o, *cp;
	if (!o)
		return -2;
	int ret = 0;
	while ((cp = strsep(&l, ",")) != NULL) {
		bool neg = *cp == '!';
		if (neg)
			cp++;
		if (*cp == '\0') {
			ret = -2;
			break;
		}
		xaddr net;
		unsigned masklen;
		int r = addr_pton_cidr(cp, &net, &masklen);
		bool hit;
		if (r == -2) {
			ret = -2;
			break;
		} else if (r == 0) {
			hit = addr && addr_netmatch(&try_addr, &net, masklen);
		} else {
			hit = addr && kw_sshd_match_pattern(addr, cp) == 1;
		}
		if (hit) {
			if (neg) {
				ret = -1;
				break;
			}
			ret = 1;
		}
	}
	free(o);
	return ret;
}

/* a2port: 0..65535 or a service name; -1 if neither. */
static int a2port(const char *s)
{
	if (*s >= '0' && *s <= '9') {
		char *end;
		unsigned long v = strtoul(s, &end, 10);
		if (*end == '\0' && v <= 65535)
			return (int)v;
	}
	struct servent *se = getservbyname(s, "tcp");
	if (se)
		return ntohs((uint16_t)se->s_port);
	return -1;
}

int kw_sshd_conn_parse(char *spec, kw_sshd_conn *c, const char **ret_bad)
{
	char *p;
	while ((p = strsep(&spec, ",")) && *p != '\0') {
		if (!strncmp(p, "addr=", 5))
			c->addr = p + 5;
		else if (!strncmp(p, "host=", 5))
			c->host = p + 5;
		else if (!strncmp(p, "user=", 5))
			c->user = p + 5;
		else if (!strncmp(p, "laddr=", 6))
			c->laddr = p + 6;
		else if (!strncmp(p, "rdomain=", 8))
			c->rdomain = p + 8;
		else if (!strncmp(p, "lport=", 6)) {
			int port = a2port(p + 6);
			if (port == -1) {
				*ret_bad = p;
				return KW_E_USAGE;
			}
			c->lport = port;
		} else {
			*ret_bad = p;
			return KW_E_USAGE;
		}
	}
	return 0;
}

bool kw_sshd_match_group(const kw_sshd_accounts *acc, const char *user, const char *list)
{
	if (!acc || !acc->passwd)
		return false;
	const kw_passwd_ent *pw = kw_passwd_find(acc->passwd, user);
	if (!pw)
		return false;
	/* gids: primary, then every group that lists the user */
	bool found = false;
	size_t ng = acc->group ? acc->group->n : 0;
	for (size_t i = 0; i <= ng; i++) {
		uint32_t gid;
		if (i == 0) {
			gid = pw->gid;
		} else {
			const kw_group_ent *g = &acc->group->v[i - 1];
			bool member = false;
			for (size_t m = 0; m < g->n_members; m++)
				if (!strcmp(g->members[m], user)) {
					member = true;
					break;
				}
			if (!member || g->gid == pw->gid)
				continue;
			gid = g->gid;
			/* once per gid */
			bool dup = false;
			for (size_t k = 0; k < i - 1; k++) {
				const kw_group_ent *h = &acc->group->v[k];
				if (h->gid != gid)
					continue;
				for (size_t m = 0; m < h->n_members; m++)
					if (!strcmp(h->members[m], user))
						dup = true;
			}
			if (dup)
				continue;
		}
		const kw_group_ent *named = acc->group ? kw_group_find_gid(acc->group, gid) : NULL;
		if (!named)
			continue;
		int r = kw_sshd_match_pattern_list(named->name, list, false);
		if (r == -1)
			return false;
		if (r == 1)
			found = true;
	}
	return found;
}

kw_sshd_match_res kw_sshd_match_line(char *cp, const kw_sshd_conn *ci,
				     const kw_sshd_accounts *acc, char **ret_rest,
				     char *msg, size_t msglen)
{
	int result = 1, attributes = 0;
	char *attrib, *arg;
	msg[0] = '\0';
	while ((attrib = kw_sshd_strdelim(&cp)) && *attrib != '\0') {
		if (*attrib == '#') {
			cp = NULL;
			break;
		}
		arg = NULL;
		attributes++;
		if (strcasecmp(attrib, "all") == 0) {
			if (attributes > 1 || ((arg = kw_sshd_strdelim(&cp)) != NULL &&
					       *arg != '\0' && *arg != '#')) {
				snprintf(msg, msglen, "'all' cannot be combined with other Match attributes");
				return KW_SSHD_MATCH_ERROR;
			}
			if (arg && *arg == '#')
				cp = NULL;
			*ret_rest = cp;
			return KW_SSHD_MATCH_YES;
		}
		if ((arg = kw_sshd_strdelim(&cp)) == NULL || *arg == '\0' || *arg == '#') {
			snprintf(msg, msglen, "Missing Match criteria for %s", attrib);
			return KW_SSHD_MATCH_ERROR;
		}
		if (strcasecmp(attrib, "user") == 0) {
			if (!ci || !ci->user) {
				result = 0;
				continue;
			}
			if (kw_sshd_match_pattern_list(ci->user, arg, false) != 1)
				result = 0;
		} else if (strcasecmp(attrib, "group") == 0) {
			if (!ci || !ci->user) {
				result = 0;
				continue;
			}
			if (!kw_sshd_match_group(acc, ci->user, arg))
				result = 0;
		} else if (strcasecmp(attrib, "host") == 0) {
			if (!ci || !ci->host) {
				result = 0;
				continue;
			}
			char *h = strdup(ci->host);
			if (!h)
				return KW_SSHD_MATCH_FATAL;
			for (char *q = h; *q; q++)
				*q = (char)tolower((unsigned char)*q);
			if (kw_sshd_match_pattern_list(h, arg, true) != 1)
				result = 0;
			free(h);
		} else if (strcasecmp(attrib, "address") == 0 ||
			   strcasecmp(attrib, "localaddress") == 0) {
			bool local = strcasecmp(attrib, "localaddress") == 0;
			const char *a = ci ? (local ? ci->laddr : ci->addr) : NULL;
			if (!a) {
				if (kw_sshd_addr_match_list(NULL, arg) != 0) {
					snprintf(msg, msglen, "Invalid Match %s argument '%s'",
						 local ? "localaddress" : "address", arg);
					return KW_SSHD_MATCH_FATAL;
				}
				result = 0;
				continue;
			}
			switch (kw_sshd_addr_match_list(a, arg)) {
			case 1:
				break;
			case -2:
				snprintf(msg, msglen, "invalid address list '%s'", arg);
				return KW_SSHD_MATCH_ERROR;
			default:
				result = 0;
			}
		} else if (strcasecmp(attrib, "localport") == 0) {
			int port = a2port(arg);
			if (port == -1) {
				snprintf(msg, msglen, "Invalid LocalPort '%s' on Match line", arg);
				return KW_SSHD_MATCH_ERROR;
			}
			if (!ci) {
				result = 0;
				continue;
			}
			if (ci->lport == 0) {
				snprintf(msg, msglen, "'Match LocalPort' in configuration but 'lport' not in connection test specification.");
				return KW_SSHD_MATCH_FATAL;
			}
			if (port != ci->lport)
				result = 0;
		} else if (strcasecmp(attrib, "rdomain") == 0) {
			if (!ci || !ci->rdomain) {
				result = 0;
				continue;
			}
			if (kw_sshd_match_pattern_list(ci->rdomain, arg, false) != 1)
				result = 0;
		} else {
			snprintf(msg, msglen, "Unsupported Match attribute %s", attrib);
			return KW_SSHD_MATCH_ERROR;
		}
	}
	if (attributes == 0) {
		snprintf(msg, msglen, "One or more attributes required for Match");
		return KW_SSHD_MATCH_ERROR;
	}
	*ret_rest = cp;
	return result ? KW_SSHD_MATCH_YES : KW_SSHD_MATCH_NO;
}
