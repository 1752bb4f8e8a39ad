/* event.h — one recognised sshd log message, as the line parser hands it to the engine.
 *
 * The kinds and how each is counted are a table (guard/kinds.def). An event holds views
 * into the line it came from (user, host name): they live as long as that line's buffer.
 * Everything in it except kind, time, pid and proc came from the network through sshd and
 * is hostile: escape user and host before printing them.
 */
#ifndef KW_GUARD_EVENT_H
#define KW_GUARD_EVENT_H

#include "base/buf.h"
#include "guard/addr.h"

#include <stdbool.h>
#include <stdint.h>

enum kw_gkind {
	KW_GK_NONE = 0,
#define KW_GKIND(id, name, cls) KW_GK_##id,
#include "guard/kinds.def"
#undef KW_GKIND
	KW_GK_COUNT
};

enum kw_gclass { KW_GC_TRY, KW_GC_CONN, KW_GC_PROBE, KW_GC_SUCCESS, KW_GC_INFO };

/* The process that wrote the line. */
enum kw_gproc { KW_GP_UNKNOWN = 0, KW_GP_SSHD, KW_GP_SSHD_SESSION, KW_GP_SSHD_AUTH };

#define KW_GTIME_UNKNOWN INT64_MIN

typedef struct kw_gevent {
	enum kw_gkind kind;
	int64_t time_us;     /* UTC microseconds since the epoch, or KW_GTIME_UNKNOWN */
	uint32_t pid;        /* 0 if the line had none */
	enum kw_gproc proc;
	kw_addr addr;        /* fam 0 when the message has no address (kex-ident) or a host name */
	uint16_t port;       /* 0 = none in the message */
	kw_buf user;         /* view into the line; valid only when has_user */
	bool has_user;
	bool invalid_user;   /* "invalid user U" / "illegal user U" form */
	bool preauth;        /* the line ended in " [preauth]" */
	kw_buf host;         /* a host name where sshd wrote one instead of an address (UseDNS) */
	kw_buf method;       /* Failed/Accepted METHOD (password, publickey, keyboard-interactive/pam ...) */
} kw_gevent;

/* The fields a message sets (kw_gparse_message), cleared field by field: a memset of the
 * whole event is a rep stos, slow to start, and this runs on every line. */
static inline void kw_gevent_clear_msg(kw_gevent *ev)
{
	ev->kind = KW_GK_NONE;
	ev->addr = (kw_addr){ 0 };
	ev->port = 0;
	ev->user = kw_buf_view(NULL, 0);
	ev->has_user = false;
	ev->invalid_user = false;
	ev->preauth = false;
	ev->host = kw_buf_view(NULL, 0);
	ev->method = kw_buf_view(NULL, 0);
}

/* The fields a line's prefix sets (time, pid, process name). */
static inline void kw_gevent_clear_prefix(kw_gevent *ev)
{
	ev->time_us = KW_GTIME_UNKNOWN;
	ev->pid = 0;
	ev->proc = KW_GP_UNKNOWN;
}

const char *kw_gkind_name(enum kw_gkind k);     /* "failed-password"; "none" for KW_GK_NONE */
enum kw_gclass kw_gkind_class(enum kw_gkind k);
enum kw_gkind kw_gkind_from_name(const char *name); /* KW_GK_NONE if unknown */
const char *kw_gproc_name(enum kw_gproc p);     /* "sshd", "sshd-session", "sshd-auth", "" */

#endif
