/* guard.c — `keyward guard`: parse sshd logs, replay them against pam_abl-style rules, or
 * follow a log / the journal and ban in nftables (ipset, hosts.deny, a command); manage
 * the bans kept in the state database.
 *
 * Flow when following: restore live bans from the database into the firewall; read from
 * the stored cursor; each event -> engine -> decision -> database (committed) -> action;
 * expire due bans every second; store the cursor at least once a second.
 */
#include "cmd/cmd.h"
#include "cmd/cmdio.h"
#include "cmd/opts.h"
#include "cmd/progress.h"

#include "base/buf.h"
#include "base/cleanup.h"
#include "base/err.h"
#include "base/escape.h"
#include "base/file.h"
#include "base/time.h"
#include "base/vec.h"
#include "keys/hostid.h"
#include "db/db.h"
#include "guard/action.h"
#include "guard/config.h"
#include "guard/engine.h"
#include "guard/line.h"
#include "guard/reader.h"
#include "guard/replay.h"
#include "guard/share.h"
#include "guard/source.h"
#include "guard/state.h"
#include "report/guard.h"
#include "report/jsonw.h"
#include "report/out.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define GUARD_CONF_DEFAULT "/etc/keyward/guard.conf"

enum {
	OPT_REPLAY = 256, OPT_FOLLOW, OPT_JOURNAL, OPT_JOURNAL_DIR, OPT_CONFIG, OPT_RULES,
	OPT_USER_RULES, OPT_MODE, OPT_BANTIME, OPT_IGNORE, OPT_NO_IGNORE_SELF, OPT_ACTION,
	OPT_NFT_TABLE, OPT_HOSTS_DENY, OPT_DB, OPT_FROM_START, OPT_ONCE, OPT_FORMAT, OPT_OUTPUT,
	OPT_TOP, OPT_TIME, OPT_ALL, OPT_SHARE, OPT_HOST_ID,
};

static const kw_opt guard_opts[] = {
	KW_OPT_SECTION("Modes given as options"),
	{ OPT_REPLAY, 0, "replay", KW_ARG_NONE, NULL, KW_COMP_NONE, NULL,
	  "replay the FILEs (- = stdin) against the rules: what would have been banned, top "
	  "sources, user names, timeline; exit 1 if a source would have been banned" },
	{ OPT_FOLLOW, 0, "follow", KW_ARG_REQUIRED, "FILE", KW_COMP_FILE, NULL,
	  "follow a log across rotations and ban (runs until SIGTERM)" },
	{ OPT_JOURNAL, 0, "journal", KW_ARG_NONE, NULL, KW_COMP_NONE, NULL,
	  "follow the systemd journal (sd-journal) and ban" },
	KW_OPT_SECTION("Rules"),
	{ OPT_CONFIG, 0, "config", KW_ARG_REQUIRED, "FILE", KW_COMP_FILE, NULL,
	  "settings (default " GUARD_CONF_DEFAULT " if it exists); see docs/guard.md" },
	{ OPT_RULES, 0, "rules", KW_ARG_REQUIRED, "R", KW_COMP_NONE, NULL,
	  "host rule, pam_abl syntax (default '*:10/1h,30/1d': ten failures in an hour or thirty "
	  "in a day)" },
	{ OPT_USER_RULES, 0, "user-rules", KW_ARG_REQUIRED, "R", KW_COMP_NONE, NULL,
	  "user rule: once a user name is blocked, every source failing against it is banned "
	  "(off by default)" },
	{ OPT_MODE, 0, "mode", KW_ARG_REQUIRED, "M", KW_COMP_WORDS, "aggressive normal",
	  "aggressive (default: pre-auth probes count) or normal" },
	{ OPT_BANTIME, 0, "bantime", KW_ARG_REQUIRED, "DURATION", KW_COMP_NONE, NULL,
	  "first ban length (default 1h; repeat offenders get longer bans)" },
	{ OPT_IGNORE, 0, "ignore", KW_ARG_REQUIRED, "CIDR", KW_COMP_NONE, NULL,
	  "never ban this (repeatable); the host's own addresses, loopback and the client of "
	  "$SSH_CONNECTION are ignored unless --no-ignore-self" },
	{ OPT_NO_IGNORE_SELF, 0, "no-ignore-self", KW_ARG_NONE, NULL, KW_COMP_NONE, NULL,
	  "do not ignore the host's own addresses, loopback and the client of $SSH_CONNECTION: "
	  "they are banned like any other source" },
	KW_OPT_SECTION("Bans and state"),
	{ OPT_ACTION, 0, "action", KW_ARG_REQUIRED, "KIND", KW_COMP_WORDS,
	  "nft ipset hosts-deny command none",
	  "how to ban: nft (default), ipset, hosts-deny, command, none" },
	{ OPT_NFT_TABLE, 0, "nft-table", KW_ARG_REQUIRED, "NAME", KW_COMP_NONE, NULL,
	  "nftables table (default keyward, family inet)" },
	{ OPT_HOSTS_DENY, 0, "hosts-deny", KW_ARG_REQUIRED, "FILE", KW_COMP_FILE, NULL,
	  "hosts.deny path for --action hosts-deny" },
	{ OPT_DB, 0, "db", KW_ARG_REQUIRED, "FILE", KW_COMP_FILE, NULL,
	  "state database (default /var/lib/keyward/guard.db)" },
	{ OPT_TIME, 0, "time", KW_ARG_REQUIRED, "DURATION", KW_COMP_NONE, NULL,
	  "ban length for `guard ban` (default the bantime; 0 = permanent)" },
	{ OPT_ALL, 0, "all", KW_ARG_NONE, NULL, KW_COMP_NONE, NULL,
	  "with list: every ban ever made, not only the live ones" },
	KW_OPT_SECTION("Fleet"),
	{ OPT_SHARE, 0, "share", KW_ARG_REQUIRED, "URI", KW_COMP_NONE, NULL,
	  "with --follow/--journal: publish this host's bans to the PostgreSQL database URI "
	  "(postgresql://USER@HOST/DB) and apply every other guard's; see FLEET below" },
	{ OPT_HOST_ID, 0, "host-id", KW_ARG_REQUIRED, "ID", KW_COMP_NONE, NULL,
	  "this host in the shared table (default: a keyed hash of /etc/machine-id)" },
	KW_OPT_SECTION("Reading"),
	{ OPT_JOURNAL_DIR, 0, "journal-dir", KW_ARG_REQUIRED, "DIR", KW_COMP_DIR, NULL,
	  "read journal files from DIR instead of the system journal" },
	{ OPT_FROM_START, 0, "from-start", KW_ARG_NONE, NULL, KW_COMP_NONE, NULL,
	  "ignore the stored read position and start at the beginning" },
	{ OPT_ONCE, 0, "once", KW_ARG_NONE, NULL, KW_COMP_NONE, NULL,
	  "with --follow/--journal: process what is there now, then exit" },
	KW_OPT_SECTION("Output"),
	{ OPT_FORMAT, 0, "format", KW_ARG_REQUIRED, "FORMAT", KW_COMP_WORDS, "text json html",
	  "text (default), json or html (replay, list)" },
	{ OPT_OUTPUT, 0, "output", KW_ARG_REQUIRED, "FILE", KW_COMP_FILE, NULL,
	  "write the report there instead of stdout" },
	{ OPT_TOP, 0, "top", KW_ARG_REQUIRED, "N", KW_COMP_NONE, NULL,
	  "sources and users listed in a replay report (default 20; 0 = all)" },
	KW_OPT_END,
};

const kw_cmd_spec kw_spec_guard = {
	.name = "guard",
	.summary = "find brute-force sources in sshd logs and ban them (nftables, ipset, hosts.deny)",
	.synopsis =
	"parse FILE...\n"
	"--replay FILE... [--rules R] [--format text|json|html] [OPTIONS]\n"
	"--follow FILE | --journal [--action KIND] [--db FILE] [--share URI] [OPTIONS]\n"
	"status | list [--all] | ban ADDR[/BITS] | unban ADDR[/BITS] [--db FILE]",
	.description =
	"Read sshd's log, count failed logins per source with pam_abl rules, and ban the "
	"sources that cross them. Addresses are taken only from where sshd writes them, so a "
	"user name like 'x from 203.0.113.7 port 22' never gets 203.0.113.7 banned; from the "
	"journal only records that journald says came from sshd (uid 0, process "
	"sshd/sshd-session/sshd-auth) count, so `logger -t sshd` cannot frame anyone.\n"
	"\n"
	"Modes (one at a time):\n"
	"  parse FILE...          one JSON object per recognised sshd event (- = stdin)\n"
	"  --replay FILE...       what would have been banned, top sources, user names,\n"
	"                         timeline\n"
	"  --follow FILE          follow a log across rotations and ban (runs until\n"
	"                         SIGTERM)\n"
	"  --journal              follow the systemd journal (sd-journal) and ban\n"
	"  status                 live bans and read positions in the database\n"
	"  list [--all]           live bans (--all: every ban ever made)\n"
	"  ban ADDR[/BITS]        ban by hand (--time DURATION, default bantime)\n"
	"  unban ADDR[/BITS]      lift a ban from the database and the firewall\n",
	.opts = guard_opts,
	.notes =
	"FLEET: with --share (or share = URI in the settings) every guard of a fleet writes the "
	"bans it decides to one PostgreSQL table and applies the others' within a second "
	"(LISTEN/NOTIFY), for their remaining time. The ignore list applies to them too: a "
	"fleet never bans its own bastion. At most share_rate bans (default 600) are taken from "
	"one host per minute; the rest are reported. When the database cannot be reached the "
	"guard works alone, keeps its bans in its state database, and publishes them and takes "
	"the others' when it is back: no ban is lost or taken twice.\n"
	"\n"
	"Durations take a unit: 90s, 10m, 1h, 1d, 1w.\n"
	"\n"
	"A replay shows its progress (lines read) on stderr when stderr is a terminal.",
	.exit_status = "0 ok; 1 a replay found sources to ban; 2 usage or input error.",
	.examples =
	"keyward guard parse /var/log/auth.log | head\n"
	"keyward guard --replay /var/log/auth.log* --format html --output attacks.html\n"
	"keyward guard --journal --action nft   # what keyward-guard.service runs\n"
	"keyward guard --journal --share postgresql://keyward@db.internal/keyward\n"
	"keyward guard unban 198.51.100.7\n",
	/* The operands are mostly paths (parse FILE..., --replay FILE...; ban and unban take
	 * an address): files complete, so `guard --replay /var/log/au<TAB>` works. The mode
	 * words are short and fixed; the synopsis and the modes list name them. Completing
	 * the words instead would offer them at every position and never a log file. */
	.operands = KW_COMP_FILE,
};

typedef struct gopts {
	const char *sub;           /* parse, status, list, ban, unban, or NULL */
	bool replay, follow, journal, from_start, once, all;
	const char *follow_path, *journal_dir, *config, *format, *output, *time;
	size_t top;
	char **args;
	size_t nargs;
	/* overrides, applied to the config in order */
	const char *okey[64];
	const char *oval[64];
	size_t nover;
} gopts;

static volatile sig_atomic_t stop_flag;
static void on_signal(int sig) { (void)sig; stop_flag = 1; }

static int usage_err(const char *msg, const char *what) { return kw_cmd_usage_err("guard", msg, what); }

static int add_override(gopts *o, const char *key, const char *val)
{
	if (o->nover >= KW_ARRAY_LEN(o->okey))
		return usage_err("too many options", NULL);
	o->okey[o->nover] = key;
	o->oval[o->nover] = val;
	o->nover++;
	return 0;
}

/* 0 go on, 1 help printed, 2 usage error, 70 an option without a handler */
static int parse_opts(int argc, char **argv, gopts *o)
{
	memset(o, 0, sizeof *o);
	o->top = 20;
	o->format = "text";
	kw_opts p;
	kw_opts_begin(&p, &kw_spec_guard);
	int c, r;
	while ((c = kw_opts_next(&p, argc, argv)) >= 0) {
		switch (c) {
		case OPT_REPLAY: o->replay = true; break;
		case OPT_FOLLOW: o->follow = true; o->follow_path = optarg; break;
		case OPT_JOURNAL: o->journal = true; break;
		case OPT_JOURNAL_DIR: o->journal_dir = optarg; break;
		case OPT_CONFIG: o->config = optarg; break;
		case OPT_RULES: if ((r = add_override(o, "host_rule", optarg))) return r; break;
		case OPT_USER_RULES: if ((r = add_override(o, "user_rule", optarg))) return r; break;
		case OPT_MODE: if ((r = add_override(o, "mode", optarg))) return r; break;
		case OPT_BANTIME: if ((r = add_override(o, "bantime", optarg))) return r; break;
		case OPT_IGNORE: if ((r = add_override(o, "ignore", optarg))) return r; break;
		case OPT_NO_IGNORE_SELF: if ((r = add_override(o, "ignore_self", "no"))) return r; break;
		case OPT_ACTION: if ((r = add_override(o, "action", optarg))) return r; break;
		case OPT_NFT_TABLE: if ((r = add_override(o, "nft_table", optarg))) return r; break;
		case OPT_HOSTS_DENY: if ((r = add_override(o, "hosts_deny", optarg))) return r; break;
		case OPT_DB: if ((r = add_override(o, "db", optarg))) return r; break;
		case OPT_SHARE: if ((r = add_override(o, "share", optarg))) return r; break;
		case OPT_HOST_ID: if ((r = add_override(o, "host_id", optarg))) return r; break;
		case OPT_FROM_START: o->from_start = true; break;
		case OPT_ONCE: o->once = true; break;
		case OPT_FORMAT: o->format = optarg; break;
		case OPT_OUTPUT: o->output = optarg; break;
		case OPT_TIME: o->time = optarg; break;
		case OPT_ALL: o->all = true; break;
		case OPT_TOP: {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);
			if (*end || end == optarg || v > 1000000)
				return usage_err("--top takes a number: ", optarg);
			o->top = v;
			break;
		}
		default:
			return kw_opts_unhandled(&p, c);
		}
	}
	if (c == KW_OPTS_EXIT)
		return p.exit_code ? p.exit_code : 1;
	o->args = argv + optind;
	o->nargs = (size_t)(argc - optind);
	static const char *subs[] = { "parse", "status", "list", "ban", "unban" };
	if (o->nargs) {
		for (size_t i = 0; i < KW_ARRAY_LEN(subs); i++) {
			if (!strcmp(o->args[0], subs[i])) {
				o->sub = subs[i];
				o->args++;
				o->nargs--;
				break;
			}
		}
	}
	int modes = (o->sub != NULL) + o->replay + o->follow + o->journal;
	if (modes == 0)
		return usage_err("say what to do: parse, --replay, --follow, --journal, status, list, ban or unban", NULL);
	if (modes > 1)
		return usage_err("choose one of parse, --replay, --follow, --journal, status, list, ban, unban", NULL);
	if (strcmp(o->format, "text") && strcmp(o->format, "json") && strcmp(o->format, "html"))
		return usage_err("--format must be text, json or html, not ", o->format);
	return 0;
}

/* Defaults, then the config file, then the command line. */
static int load_conf(const gopts *o, kw_gconf *conf, kw_iplist *ignore)
{
	char err[512] = "";
	if (kw_gconf_init(conf) < 0)
		return usage_err("out of memory", NULL);
	const char *path = o->config;
	struct stat st;
	if (!path && stat(GUARD_CONF_DEFAULT, &st) == 0)
		path = GUARD_CONF_DEFAULT;
	if (path) {
		int r = kw_gconf_load(conf, path, err, sizeof err);
		if (r < 0) {
			_cleanup_free_ char *e = kw_escape_str(err[0] ? err : kw_strerror(r));
			_cleanup_free_ char *p = kw_escape_str(path);
			fprintf(stderr, "keyward guard: %s: %s\n", p ? p : "?", e ? e : "?");
			return 2;
		}
	}
	for (size_t i = 0; i < o->nover; i++) {
		if (kw_gconf_set(conf, o->okey[i], o->oval[i], err, sizeof err) < 0) {
			_cleanup_free_ char *e = kw_escape_str(err);
			fprintf(stderr, "keyward guard: %s\n", e ? e : "bad option value");
			return 2;
		}
	}
	memset(ignore, 0, sizeof *ignore);
	for (size_t i = 0; i < conf->ignore.n; i++)
		if (kw_iplist_add(ignore, &conf->ignore.v[i]) < 0)
			return usage_err("out of memory", NULL);
	if (conf->ignore_self && kw_iplist_add_self(ignore) < 0)
		fprintf(stderr, "keyward guard: warning: could not list this host's addresses\n");
	return 0;
}

static FILE *open_output(const char *path)
{
	if (!path || !strcmp(path, "-"))
		return stdout;
	FILE *f = fopen(path, "we");
	if (!f) {
		_cleanup_free_ char *p = kw_escape_str(path);
		fprintf(stderr, "keyward guard: cannot write %s: %s\n", p ? p : "?", strerror(errno));
	}
	return f;
}

static int close_output(FILE *f)
{
	if (f == stdout)
		return kw_out_finish(f);
	int bad = ferror(f);
	return fclose(f) == 0 && !bad ? 0 : -EIO;
}

/* ---- parse ---- */

/* The text of the last second printed and the date of its day: a log's events share
 * their day, and many share their second. */
typedef struct time_cache {
	bool valid;
	int64_t day;
	int64_t sec;       /* seconds since the epoch of text */
	char text[21];     /* "\"YYYY-MM-DDTHH:MM:SS." */
} time_cache;

#define TIME_JSON_LEN 29

/* "YYYY-MM-DDTHH:MM:SS.uuuuuuZ", quoted, into t[0..TIME_JSON_LEN) */
static void time_json(time_cache *tc, int64_t us, char *t)
{
	int64_t s = us / 1000000, frac = us % 1000000;
	if (frac < 0) {
		frac += 1000000;
		s--;
	}
	if (tc->valid && s == tc->sec) {
		memcpy(t, tc->text, sizeof tc->text);
	} else {
		int64_t day = s / 86400, sec = s % 86400;
		if (sec < 0) {
			sec += 86400;
			day--;
		}
		if (!tc->valid || day != tc->day) {
			char iso[32];
			if (kw_time_iso(day * 86400, false, iso, sizeof iso) != KW_ISO_LEN - 1)
				memcpy(iso, "1970-01-01T", 11); /* a year beyond 9999 */
			tc->text[0] = '"';
			memcpy(tc->text + 1, iso, 11);
			tc->text[20] = '.';
			tc->day = day;
		}
		kw_time_hms(sec, tc->text + 12);
		tc->sec = s;
		tc->valid = true;
		/* the new time of day read back exactly as kw_time_hms stored it, apart from
		 * the rest (a load across both would wait for the stores) */
		memcpy(t, tc->text, 12);
		memcpy(t + 12, tc->text + 12, 8);
		t[20] = '.';
	}
	if (frac == 0) { /* syslog's timestamps have no fraction */
		memcpy(t + 21, "000000Z\"", 8);
		return;
	}
	for (int i = 26; i >= 21; i--) {
		t[i] = (char)('0' + frac % 10);
		frac /= 10;
	}
	t[27] = 'Z';
	t[28] = '"';
}

/* JSON that depends only on an event's kind, or on its process and flags, made once from
 * the names guard/event.c gives. put_event copies all FRAG_CAP bytes (it reserves room for
 * them) and keeps n. */
#define FRAG_CAP 64
typedef struct frag {
	size_t n;
	char s[FRAG_CAP];
} frag;

#define NPROC (KW_GP_SSHD_AUTH + 1)

/* what render_events needs; read by both of the reader's threads */
typedef struct parse_ctx {
	const kw_sb *names;         /* the file names as JSON strings; NULL for a single file */
	frag kind[KW_GK_COUNT];     /* ,"kind":"NAME","addr": */
	frag proc[NPROC][4];        /* ,"proc":"NAME" then ,"invalid_user":true if (flags & 1)
				       and ,"preauth":true if (flags & 2) */
} parse_ctx;

static bool frag_make(frag *f, const char *a, const char *b, const char *c, const char *d)
{
	int n = snprintf(f->s, sizeof f->s, "%s%s%s%s", a, b, c, d);
	f->n = n > 0 ? (size_t)n : 0;
	return n >= 0 && (size_t)n < sizeof f->s;
}

static bool parse_ctx_init(parse_ctx *c, const kw_sb *names)
{
	memset(c, 0, sizeof *c);
	c->names = names;
	bool ok = true;
	for (unsigned k = 0; k < KW_GK_COUNT; k++)
		ok &= frag_make(&c->kind[k], ",\"kind\":\"", kw_gkind_name((enum kw_gkind)k), "\",\"addr\":", "");
	for (unsigned p = 0; p < NPROC; p++)
		for (unsigned f = 0; f < 4; f++)
			ok &= frag_make(&c->proc[p][f], ",\"proc\":\"", kw_gproc_name((enum kw_gproc)p),
					f & 1 ? "\",\"invalid_user\":true" : "\"", f & 2 ? ",\"preauth\":true" : "");
	return ok;
}

static inline char *put(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

#define LIT(p, lit) put((p), (lit), sizeof(lit) - 1)

/* The most put_event writes around the strings that came from the log: up to the user
 * name (HEAD_MAX), and from there to the end of the line without the host name and the
 * file name (TAIL_MAX). Each piece counts at its widest: a number as KW_U64_DEC_MAX (what
 * kw_u64_dec may write), a fragment as FRAG_CAP (what is copied), the address as
 * KW_ADDR_STRLEN and its quotes; "null" is never wider than what it stands for, except
 * for the user, which TAIL_MAX counts. */
#define HEAD_MAX (sizeof "{\"line\":" + KW_U64_DEC_MAX + sizeof ",\"time\":" + TIME_JSON_LEN + \
		  FRAG_CAP + 1 + KW_ADDR_STRLEN + 1 + sizeof ",\"port\":" + KW_U64_DEC_MAX + \
		  sizeof ",\"user\":")
#define TAIL_MAX (sizeof "null" + sizeof ",\"pid\":" + KW_U64_DEC_MAX + FRAG_CAP + sizeof "}\n")

/* One event as a JSON line, written in place with one reservation for each stretch between
 * the strings that came from the log (escaped by kw_json_str). file_json: the file's name
 * as a JSON string, or NULL to leave it out. */
static void put_event(kw_sb *sb, const parse_ctx *c, time_cache *tc, uint64_t line,
		      const kw_gevent *ev, const kw_sb *file_json)
{
	char *p = kw_sb_reserve(sb, HEAD_MAX + TAIL_MAX);
	if (!p)
		return;
	p = LIT(p, "{\"line\":");
	p += kw_u64_dec(line, p);
	p = LIT(p, ",\"time\":");
	if (ev->time_us == KW_GTIME_UNKNOWN) {
		p = LIT(p, "null");
	} else {
		time_json(tc, ev->time_us, p);
		p += TIME_JSON_LEN;
	}
	const frag *f = &c->kind[(unsigned)ev->kind < KW_GK_COUNT ? ev->kind : KW_GK_NONE];
	memcpy(p, f->s, FRAG_CAP);
	p += f->n;
	if (ev->addr.fam) {
		*p++ = '"';
		p += kw_addr_format(&ev->addr, p, KW_ADDR_STRLEN);
		*p++ = '"';
	} else {
		p = LIT(p, "null");
	}
	p = LIT(p, ",\"port\":");
	if (ev->port)
		p += kw_u64_dec(ev->port, p);
	else
		p = LIT(p, "null");
	p = LIT(p, ",\"user\":");
	if (ev->has_user) {
		kw_sb_commit(sb, p);
		kw_json_str(sb, ev->user.p + ev->user.off, kw_buf_left(&ev->user));
		if (!(p = kw_sb_reserve(sb, TAIL_MAX)))
			return;
	} else {
		p = LIT(p, "null");
	}
	p = LIT(p, ",\"pid\":");
	if (ev->pid)
		p += kw_u64_dec(ev->pid, p);
	else
		p = LIT(p, "null");
	f = &c->proc[(unsigned)ev->proc < NPROC ? ev->proc : KW_GP_UNKNOWN][ev->invalid_user | ev->preauth << 1];
	memcpy(p, f->s, FRAG_CAP);
	p += f->n;
	bool host = kw_buf_left(&ev->host) > 0;
	if (!host && !file_json) {
		p = LIT(p, "}\n");
		kw_sb_commit(sb, p);
		return;
	}
	kw_sb_commit(sb, p);
	if (host) {
		kw_sb_put(sb, ",\"host\":", 8);
		kw_json_str(sb, ev->host.p + ev->host.off, kw_buf_left(&ev->host));
	}
	if (file_json) {
		kw_sb_put(sb, ",\"file\":", 8);
		kw_sb_put(sb, file_json->s, file_json->len);
	}
	kw_sb_put(sb, "}\n", 2);
}

/* The events of one batch as JSON lines; runs on the reader's threads (guard/reader.h).
 * ctx: a parse_ctx. */
static void render_events(const kw_gbatch *b, kw_sb *out, const void *ctx)
{
	const parse_ctx *c = ctx;
	const kw_sb *file = c->names ? &c->names[b->file] : NULL;
	time_cache tc = { .valid = false };
	for (size_t i = 0; i < b->n; i++)
		put_event(out, c, &tc, b->items[i].lineno, &b->items[i].ev, file);
}

/* Output into a pipe: a larger pipe buffer (1 MiB, what an unprivileged process may
 * set by default) lets a batch's text go in with fewer sleeps and wake-ups on both sides.
 * Best effort: the size stays as it is when the kernel refuses. */
static void grow_pipe(int fd)
{
#ifdef F_SETPIPE_SZ
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode))
		return;
	int cur = fcntl(fd, F_GETPIPE_SZ);
	if (cur >= 0 && cur < (1 << 20))
		(void)fcntl(fd, F_SETPIPE_SZ, 1 << 20);
#else
	(void)fd;
#endif
}

static int run_parse(const gopts *o)
{
	if (o->nargs == 0)
		return usage_err("parse needs at least one FILE (- for stdin)", NULL);
	FILE *out = open_output(o->output);
	if (!out)
		return 2;
	int status = 0;
	/* with several files each event names its file: escape each name once */
	kw_sb *names = NULL;
	if (o->nargs > 1) {
		names = calloc(o->nargs, sizeof *names);
		for (size_t i = 0; names && i < o->nargs; i++) {
			kw_sb_init(&names[i]);
			kw_json_str(&names[i], (const uint8_t *)o->args[i], strlen(o->args[i]));
		}
	}
	kw_greader *rd = NULL;
	parse_ctx ctx;
	int r = o->nargs > 1 && !names ? -ENOMEM
		: !parse_ctx_init(&ctx, names) ? -E2BIG /* a kind or process name over FRAG_CAP */
		: kw_greader_open(o->args, o->nargs, render_events, &ctx, &rd);
	const kw_gbatch *b;
	int werr = 0;
	/* each batch's text in whole write(2)s: nothing goes through out's buffer */
	int fd = fileno(out);
	grow_pipe(fd);
	while (r >= 0 && (r = kw_greader_next(rd, &b)) == 1) {
		werr = kw_fd_write_all(fd, b->text->s, b->text->len);
		kw_greader_done(rd);
		if (werr < 0)
			break;
	}
	if (r < 0) {
		const char *why = rd && kw_greader_error(rd)[0] ? kw_greader_error(rd) : kw_strerror(r);
		_cleanup_free_ char *e = kw_escape_str(why);
		fprintf(stderr, "keyward guard: %s\n", e ? e : "?");
		status = 2;
	}
	kw_greader_close(rd);
	for (size_t i = 0; names && i < o->nargs; i++)
		kw_sb_release(&names[i]);
	free(names);
	if (close_output(out) < 0 || werr < 0) {
		fprintf(stderr, "keyward guard: error writing output: %s\n", strerror(werr < 0 ? -werr : errno));
		status = 2;
	}
	return status;
}

/* ---- replay ---- */

static int run_replay(const gopts *o, const kw_gconf *conf, const kw_iplist *ignore)
{
	if (o->nargs == 0)
		return usage_err("--replay needs at least one FILE (- for stdin)", NULL);
	kw_greport rep;
	char err[512] = "";
	kw_progress prog;
	kw_progress_init(&prog, "replaying", kw_ui_settings.quiet);
	prog.unit = "lines";
	kw_greplay_opts ro = { .top = o->top, .progress = kw_progress_files, .progress_ctx = &prog };
	int r = kw_greplay(conf, ignore, o->args, o->nargs, &ro, &rep, err, sizeof err);
	kw_progress_done(&prog);
	if (r < 0) {
		_cleanup_free_ char *e = kw_escape_str(err[0] ? err : kw_strerror(r));
		fprintf(stderr, "keyward guard: %s\n", e ? e : "?");
		kw_greport_release(&rep);
		return 2;
	}
	FILE *out = open_output(o->output);
	if (!out) {
		kw_greport_release(&rep);
		return 2;
	}
	if (!strcmp(o->format, "json"))
		r = kw_greport_render_json(out, &rep);
	else if (!strcmp(o->format, "html"))
		r = kw_greport_render_html(out, &rep);
	else
		r = kw_greport_render_text(out, &rep);
	int status = rep.nbans ? 1 : 0;
	kw_greport_release(&rep);
	if (r < 0 || close_output(out) < 0) {
		fprintf(stderr, "keyward guard: error writing the report: %s\n", strerror(errno));
		return 2;
	}
	return status;
}

/* ---- state and actions ---- */

/* The fleet's share, when bans are shared. Its thread applies the bans it takes through
 * the same action handle as the main loop: every action call holds `lock`. */
typedef struct fleet {
	kw_gshare *share;
	kw_gaction *act;
	pthread_mutex_t lock;
	kw_gban *notes;            /* bans taken, for the engine (main loop drains them) */
	size_t n_notes, cap_notes;
} fleet;
static fleet fl = { .lock = PTHREAD_MUTEX_INITIALIZER };
#define NOTES_MAX 4096

static int act_ban(kw_gaction *act, const kw_cidr *p, uint64_t timeout_s, const char *rule,
		   char *err, size_t errlen)
{
	pthread_mutex_lock(&fl.lock);
	int r = kw_gaction_ban(act, p, timeout_s, rule, err, errlen);
	pthread_mutex_unlock(&fl.lock);
	return r;
}

static int act_unban(kw_gaction *act, const kw_cidr *p, char *err, size_t errlen)
{
	pthread_mutex_lock(&fl.lock);
	int r = kw_gaction_unban(act, p, err, errlen);
	pthread_mutex_unlock(&fl.lock);
	return r;
}

static int open_state(const kw_gconf *conf, kw_gstate **st)
{
	char err[512] = "";
	int r = kw_gstate_open(conf->db, st, err, sizeof err);
	if (r < 0) {
		_cleanup_free_ char *e = kw_escape_str(err[0] ? err : kw_strerror(r));
		_cleanup_free_ char *p = kw_escape_str(conf->db);
		fprintf(stderr, "keyward guard: state database %s: %s\n", p ? p : "?", e ? e : "?");
		return 2;
	}
	return 0;
}

static int open_action(const kw_gconf *conf, kw_gaction **act)
{
	char err[512] = "";
	int r = kw_gaction_open(conf, act, err, sizeof err);
	if (r < 0) {
		_cleanup_free_ char *e = kw_escape_str(err[0] ? err : kw_strerror(r));
		fprintf(stderr, "keyward guard: action %s: %s\n", kw_gaction_kind_name(conf->action), e ? e : "?");
		return 2;
	}
	return 0;
}

static void say_action_error(const char *what, const kw_cidr *p, const char *err, int r)
{
	char a[KW_CIDR_STRLEN];
	kw_cidr_format(p, a, sizeof a);
	_cleanup_free_ char *e = kw_escape_str(err && err[0] ? err : kw_strerror(r));
	fprintf(stderr, "keyward guard: could not %s %s in the firewall: %s\n", what, a, e ? e : "?");
}

/* "600s", or "ever" for 0: how long a ban lasts, in the guard's messages */
static void duration_text(uint64_t s, char out[32])
{
	if (s)
		snprintf(out, 32, "%llus", (unsigned long long)s);
	else
		snprintf(out, 32, "ever");
}

static uint64_t remaining(int64_t expires, int64_t now)
{
	if (expires == 0)
		return 0;
	return expires > now ? (uint64_t)(expires - now) : 1;
}

static int offense_hook(void *ctx, const kw_cidr *prefix, int64_t since, uint32_t *count)
{
	return kw_gstate_offenses(ctx, prefix, since, count);
}

static void origin_name(char *out, size_t cap)
{
	if (gethostname(out, cap) != 0)
		snprintf(out, cap, "localhost");
	out[cap - 1] = '\0';
}

/* Commit the ban, then tell the firewall. */
static int apply_ban(kw_gstate *st, kw_gaction *act, const kw_gdecision *d, enum kw_gkind kind)
{
	kw_gban b = { .prefix = d->prefix, .start = d->start, .offense = d->offense };
	b.expires = d->duration_s ? d->start + (int64_t)d->duration_s : 0;
	size_t rl = strnlen(d->rule, sizeof b.rule - 1);
	memcpy(b.rule, d->rule, rl);
	b.rule[rl] = '\0';
	snprintf(b.reason, sizeof b.reason, "%u attempts, last %s", d->failures, kw_gkind_name(kind));
	origin_name(b.origin, sizeof b.origin);
	int r = fl.share ? kw_gstate_ban_share(st, &b) : kw_gstate_ban(st, &b);
	char a[KW_CIDR_STRLEN];
	kw_cidr_format(&d->prefix, a, sizeof a);
	if (r < 0) {
		fprintf(stderr, "keyward guard: could not record the ban of %s: %s\n", a, kw_strerror(r));
		return r;
	}
	kw_gshare_kick(fl.share);
	char err[512] = "";
	r = act_ban(act, &d->prefix, d->duration_s, d->rule, err, sizeof err);
	if (r < 0)
		say_action_error("ban", &d->prefix, err, r);
	char dur[32];
	duration_text(d->duration_s, dur);
	fprintf(stderr, "keyward guard: banned %s for %s (%s, offense %u, %s)\n", a, dur, d->rule,
		d->offense, b.reason);
	return 0;
}

static size_t restore_bans(kw_gstate *st, kw_gaction *act, kw_gengine *g, int64_t now,
			   const kw_cidr *within);

/* nftables cannot hold a host and a prefix containing it at once: the action folds the
 * host into the prefix. When a prefix is lifted, put back the live bans inside it. */
static void reapply_inside(kw_gstate *st, kw_gaction *act, const kw_cidr *lifted, int64_t now)
{
	if (!kw_cidr_is_host(lifted))
		restore_bans(st, act, NULL, now, lifted);
}

static void expire_due(kw_gstate *st, kw_gaction *act, kw_gengine *g, int64_t now)
{
	_cleanup_free_ kw_gban *due = NULL;
	size_t n = 0;
	if (kw_gstate_expire(st, now, &due, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		char err[512] = "", a[KW_CIDR_STRLEN];
		int r = act_unban(act, &due[i].prefix, err, sizeof err);
		if (r < 0)
			say_action_error("unban", &due[i].prefix, err, r);
		if (g)
			kw_gengine_note_unban(g, &due[i].prefix);
		kw_cidr_format(&due[i].prefix, a, sizeof a);
		fprintf(stderr, "keyward guard: ban of %s expired\n", a);
		reapply_inside(st, act, &due[i].prefix, now);
	}
}

/* Re-apply every live ban (within a prefix, if given): a crash between database and
 * firewall loses nothing. Returns how many were re-applied. */
static size_t restore_bans(kw_gstate *st, kw_gaction *act, kw_gengine *g, int64_t now,
			   const kw_cidr *within)
{
	_cleanup_free_ kw_gban *live = NULL;
	size_t n = 0, done = 0;
	if (kw_gstate_live(st, now, &live, &n) < 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (within && (live[i].prefix.bits < within->bits ||
			       !kw_cidr_contains(within, &live[i].prefix.a)))
			continue;
		done++;
		char err[512] = "";
		int r = act_ban(act, &live[i].prefix, remaining(live[i].expires, now), live[i].rule,
				err, sizeof err);
		if (r < 0)
			say_action_error("restore", &live[i].prefix, err, r);
		if (g)
			kw_gengine_note_ban(g, &live[i].prefix, live[i].start, live[i].expires, live[i].offense);
	}
	return done;
}

/* ---- sharing with the fleet ---- */

static void share_apply(void *ctx, const kw_gban *b)
{
	fleet *f = ctx;
	uint64_t timeout_s = remaining(b->expires, (int64_t)time(NULL));
	char err[512] = "", a[KW_CIDR_STRLEN];
	pthread_mutex_lock(&f->lock);
	int r = kw_gaction_ban(f->act, &b->prefix, timeout_s, b->rule, err, sizeof err);
	kw_gban *slot = f->n_notes < NOTES_MAX ? KW_VEC_PUSH(f->notes, f->n_notes, f->cap_notes) : NULL;
	if (slot)
		*slot = *b;
	pthread_mutex_unlock(&f->lock);
	if (r < 0)
		say_action_error("ban", &b->prefix, err, r);
	kw_cidr_format(&b->prefix, a, sizeof a);
	char dur[32];
	duration_text(timeout_s, dur);
	/* origin, rule: clean text (kw_gban_decode) */
	fprintf(stderr, "keyward guard: banned %s for %s (shared by %s: %s)\n", a, dur, b->origin, b->rule);
}

static void share_say(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "keyward guard: %s\n", line); /* made of escaped and clean parts */
}

/* The bans the share took since the last call, told to the engine: it will not decide
 * them again. */
static void note_shared(kw_gengine *g)
{
	pthread_mutex_lock(&fl.lock);
	kw_gban *v = fl.notes;
	size_t n = fl.n_notes;
	fl.notes = NULL;
	fl.n_notes = fl.cap_notes = 0;
	pthread_mutex_unlock(&fl.lock);
	for (size_t i = 0; i < n; i++)
		kw_gengine_note_ban(g, &v[i].prefix, v[i].start, v[i].expires, v[i].offense);
	free(v);
}

/* conf->host_id, else the keyed hash of /etc/machine-id, else the host name. */
static void host_identity(const kw_gconf *conf, char *out, size_t cap)
{
	if (conf->host_id && conf->host_id[0]) {
		snprintf(out, cap, "%s", conf->host_id);
		return;
	}
	char id[KW_HOST_ID_LEN];
	if (kw_host_id_here(id) == 0) {
		snprintf(out, cap, "%s", id);
		return;
	}
	origin_name(out, cap);
}

/* 0, or 2 after saying why. */
static int start_share(const kw_gconf *conf, const kw_iplist *ignore, kw_gaction *act)
{
	char host_id[128], err[512] = "";
	host_identity(conf, host_id, sizeof host_id);
	fl.act = act;
	kw_gshare_opts so = { .uri = conf->share, .state_path = conf->db, .host_id = host_id,
			      .ignore = ignore, .rate = conf->share_rate,
			      .hooks = { .apply = share_apply, .say = share_say, .ctx = &fl } };
	int r = kw_gshare_start(&so, &fl.share, err, sizeof err);
	if (r < 0) {
		_cleanup_free_ char *e = kw_escape_str(err[0] ? err : kw_strerror(r));
		fprintf(stderr, "keyward guard: sharing bans: %s\n", e ? e : "?");
		return 2;
	}
	return 0;
}

static void stop_share(void)
{
	if (!fl.share)
		return;
	kw_gshare_stats s;
	kw_gshare_stop(fl.share, &s);
	fl.share = NULL;
	free(fl.notes);
	fl.notes = NULL;
	fl.n_notes = fl.cap_notes = 0;
	fprintf(stderr, "keyward guard: shared: %llu published, %llu taken, not taken: %llu ignored, "
		"%llu over share_rate, %llu malformed\n", (unsigned long long)s.published,
		(unsigned long long)s.taken, (unsigned long long)s.ignored,
		(unsigned long long)s.limited, (unsigned long long)s.malformed);
}

/* ---- follow ---- */

static int run_follow(const gopts *o, const kw_gconf *conf, const kw_iplist *ignore)
{
	int status = 0;
	kw_gstate *st = NULL;
	kw_gaction *act = NULL;
	kw_gengine *g = NULL;
	kw_gsource *src = NULL;
	char *key = NULL;
	if ((status = open_state(conf, &st)))
		return status;
	if ((status = open_action(conf, &act)))
		goto out;
	if (kw_gengine_new(conf, ignore, &g) < 0) {
		status = usage_err("out of memory", NULL);
		goto out;
	}
	kw_gengine_set_offense_hook(g, offense_hook, st);
	int64_t now = (int64_t)time(NULL);
	expire_due(st, act, g, now);
	size_t restored = restore_bans(st, act, g, now, NULL);
	if (conf->share && conf->share[0] && (status = start_share(conf, ignore, act)))
		goto out;

	char cursor[4096] = "", err[512] = "";
	key = kw_gsource_key(o->journal, o->journal ? o->journal_dir : o->follow_path);
	if (!key) {
		status = usage_err("out of memory", NULL);
		goto out;
	}
	bool have_cursor = !o->from_start && kw_gstate_pos_get(st, key, cursor, sizeof cursor) == 1;
	bool follow = !o->once;
	int r = o->journal
		? kw_gsource_open_journal(o->journal_dir, follow, false, have_cursor ? cursor : NULL, &src, err, sizeof err)
		: kw_gsource_open_file(o->follow_path, follow, false, have_cursor ? cursor : NULL, &src, err, sizeof err);
	if (r < 0) {
		_cleanup_free_ char *e = kw_escape_str(err[0] ? err : kw_strerror(r));
		fprintf(stderr, "keyward guard: %s\n", e ? e : "?");
		status = 2;
		goto out;
	}
	{
		_cleanup_free_ char *ek = kw_escape_str(key);
		fprintf(stderr, "keyward guard: following %s%s; %zu live bans restored; action %s\n",
			ek ? ek : "?", have_cursor ? " from the stored position" : "", restored,
			kw_gaction_kind_name(conf->action));
	}

	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	stop_flag = 0;

	kw_gparser p;
	kw_gparser_init(&p, o->journal ? now * 1000000 : kw_gsource_ref_time_us(src));
	kw_grecord rec;
	kw_gevent ev;
	kw_gdecision d[2];
	int64_t last_save = now, last_expire = now;
	unsigned dirty = 0;
	const int64_t window = (int64_t)conf->host_rule.max_period_s;
	while (!stop_flag) {
		r = kw_gsource_next(src, &rec, 1000);
		now = (int64_t)time(NULL);
		if (r == 1) {
			dirty++;
			if (!o->journal)
				p.ref_us = now * 1000000; /* new lines are from now, whatever the file's age */
			if (kw_grecord_event(&p, &rec, &ev) == 1) {
				int64_t t = ev.time_us == KW_GTIME_UNKNOWN ? now : ev.time_us / 1000000;
				/* too old to count in any window ending now */
				if (t >= now - window) {
					int nd = kw_gengine_feed(g, &ev, now, d);
					for (int i = 0; i < nd; i++)
						apply_ban(st, act, &d[i], ev.kind);
				}
			}
		} else if (r == KW_GSOURCE_END) {
			break;
		} else if (r < 0 && r != -EINTR) {
			fprintf(stderr, "keyward guard: reading %s: %s\n", key, kw_strerror(r));
			status = 2;
			break;
		}
		if (dirty && (r == 0 || dirty >= 10000 || now - last_save >= 1)) {
			if (kw_gsource_cursor(src, cursor, sizeof cursor) >= 0)
				kw_gstate_pos_set(st, key, cursor, now);
			dirty = 0;
			last_save = now;
		}
		if (now - last_expire >= 1) {
			expire_due(st, act, g, now);
			last_expire = now;
		}
		if (fl.share)
			note_shared(g);
	}
	if (dirty && kw_gsource_cursor(src, cursor, sizeof cursor) >= 0)
		kw_gstate_pos_set(st, key, cursor, (int64_t)time(NULL));
	{
		kw_gsource_stats ss;
		kw_gsource_get_stats(src, &ss);
		kw_gengine_stats es;
		kw_gengine_get_stats(g, &es);
		fprintf(stderr, "keyward guard: stopped: %llu records, %llu events, %llu attempts counted, %llu untrusted journal records skipped\n",
			(unsigned long long)ss.records, (unsigned long long)es.events,
			(unsigned long long)es.counted, (unsigned long long)ss.untrusted);
	}
out:
	stop_share();
	free(key);
	kw_gsource_close(src);
	kw_gengine_free(g);
	kw_gaction_close(act);
	kw_gstate_close(st);
	return status;
}

/* ---- status, list, ban, unban ---- */

static int parse_prefix(const char *text, kw_cidr *p)
{
	if (kw_cidr_parse(text, strlen(text), p) < 0) {
		_cleanup_free_ char *e = kw_escape_str(text);
		fprintf(stderr, "keyward guard: not an address or prefix: %s\n", e ? e : "?");
		return 2;
	}
	return 0;
}

static int run_ban(const gopts *o, const kw_gconf *conf, bool ban)
{
	if (o->nargs != 1)
		return usage_err(ban ? "ban takes one ADDR[/BITS]" : "unban takes one ADDR[/BITS]", NULL);
	kw_cidr p;
	if (parse_prefix(o->args[0], &p))
		return 2;
	uint64_t dur = conf->bantime_s;
	if (o->time && kw_duration_parse(o->time, strlen(o->time), UINT32_MAX, &dur) < 0) {
		if (strcmp(o->time, "0"))
			return usage_err("--time takes a duration such as 1h, or 0 for permanent: ", o->time);
		dur = 0;
	}
	kw_gstate *st = NULL;
	kw_gaction *act = NULL;
	int status = open_state(conf, &st);
	if (status)
		return status;
	if ((status = open_action(conf, &act))) {
		kw_gstate_close(st);
		return status;
	}
	int64_t now = (int64_t)time(NULL);
	char a[KW_CIDR_STRLEN];
	kw_cidr_format(&p, a, sizeof a);
	if (ban) {
		uint32_t earlier = 0;
		kw_gstate_offenses(st, &p, now - (int64_t)conf->escalation_window_s, &earlier);
		kw_gdecision d = { .prefix = p, .start = now, .duration_s = dur, .offense = earlier + 1 };
		snprintf(d.rule, sizeof d.rule, "manual");
		status = apply_ban(st, act, &d, KW_GK_NONE) < 0 ? 2 : 0;
	} else {
		int r = kw_gstate_unban(st, &p, now, "manual");
		char err[512] = "";
		int ra = kw_gaction_unban(act, &p, err, sizeof err);
		if (ra < 0)
			say_action_error("unban", &p, err, ra);
		else
			reapply_inside(st, act, &p, now);
		if (r < 0) {
			fprintf(stderr, "keyward guard: could not update the database: %s\n", kw_strerror(r));
			status = 2;
		} else {
			printf("%s %s\n", r == 1 ? "unbanned" : "was not banned (firewall entry removed if any):", a);
			status = ra < 0 ? 2 : 0;
		}
	}
	kw_gaction_close(act);
	kw_gstate_close(st);
	return status;
}

static int run_list(const gopts *o, const kw_gconf *conf, bool status_only)
{
	kw_gstate *st = NULL;
	int status = open_state(conf, &st);
	if (status)
		return status;
	int64_t now = (int64_t)time(NULL);
	_cleanup_free_ kw_gban *v = NULL;
	size_t n = 0;
	int r = o->all ? kw_gstate_history(st, 0, &v, &n) : kw_gstate_live(st, now, &v, &n);
	if (r < 0) {
		fprintf(stderr, "keyward guard: reading the database: %s\n", kw_strerror(r));
		kw_gstate_close(st);
		return 2;
	}
	bool json = !strcmp(o->format, "json");
	char a[KW_CIDR_STRLEN], t1[32], t2[32];
	if (status_only) {
		_cleanup_free_ char *edb = kw_escape_str(conf->db);
		printf("database: %s\nlive bans: %zu\n", edb ? edb : "?", n);
		if (conf->share && conf->share[0]) {
			_cleanup_free_ char *shown = kw_db_display(conf->share);
			_cleanup_free_ char *key = kw_gshare_position_key(conf->share);
			size_t nout = 0;
			char cur[64] = "";
			if (kw_gstate_outbox_count(st, &nout) < 0)
				nout = 0;
			if (!key || kw_gstate_pos_get(st, key, cur, sizeof cur) != 1)
				snprintf(cur, sizeof cur, "none yet");
			printf("shared with: %s\nwaiting to be published: %zu\nlast shared ban taken: %s\n",
			       shown ? shown : "?", nout, cur);
		}
		/* the configured source's position, and the journal's if that is another */
		bool src_journal = !conf->source || !strcmp(conf->source, "journal");
		for (int i = 0; i < (src_journal ? 1 : 2); i++) {
			char cur[4096];
			bool journal = i == 0 ? src_journal : true;
			_cleanup_free_ char *key = kw_gsource_key(journal, journal ? NULL : conf->source);
			if (key && kw_gstate_pos_get(st, key, cur, sizeof cur) == 1) {
				_cleanup_free_ char *ek = kw_escape_str(key);
				_cleanup_free_ char *ec = kw_escape_str(cur);
				printf("position %s: %s\n", ek ? ek : "?", ec ? ec : "?");
			}
		}
	} else if (json) {
		printf("{\"bans\":[");
		for (size_t i = 0; i < n; i++) {
			kw_addr_format(&v[i].prefix.a, a, sizeof a);
			kw_gtime_iso(v[i].start, t1, sizeof t1);
			kw_gtime_iso(v[i].expires, t2, sizeof t2);
			kw_sb sb;
			kw_sb_init(&sb);
			kw_json_str(&sb, (const uint8_t *)v[i].rule, strnlen(v[i].rule, sizeof v[i].rule));
			kw_sb_puts(&sb, ",\"reason\":");
			kw_json_str(&sb, (const uint8_t *)v[i].reason, strnlen(v[i].reason, sizeof v[i].reason));
			kw_sb_puts(&sb, ",\"origin\":");
			kw_json_str(&sb, (const uint8_t *)v[i].origin, strnlen(v[i].origin, sizeof v[i].origin));
			printf("%s\n {\"addr\":\"%s\",\"bits\":%u,\"start\":\"%s\",\"expires\":%s%s%s,\"offense\":%u,\"rule\":%s}",
			       i ? "," : "", a, v[i].prefix.bits, t1, v[i].expires ? "\"" : "",
			       v[i].expires ? t2 : "null", v[i].expires ? "\"" : "", v[i].offense, sb.s);
			kw_sb_release(&sb);
		}
		printf("\n]}\n");
	} else {
		printf("%-43s %-20s %-20s %7s  %s\n", "prefix", "since", "until", "offense", "rule");
		for (size_t i = 0; i < n; i++) {
			kw_cidr_format(&v[i].prefix, a, sizeof a);
			kw_gtime_iso(v[i].start, t1, sizeof t1);
			if (v[i].expires)
				kw_gtime_iso(v[i].expires, t2, sizeof t2);
			else
				snprintf(t2, sizeof t2, "permanent");
			_cleanup_free_ char *er = kw_escape_dup(v[i].rule, strnlen(v[i].rule, sizeof v[i].rule));
			printf("%-43s %-20s %-20s %7u  %s\n", a, t1, t2, v[i].offense, er ? er : "?");
		}
		if (n == 0)
			printf("(no %s)\n", o->all ? "bans recorded" : "live bans");
	}
	kw_gstate_close(st);
	return 0;
}

int cmd_guard(int argc, char **argv)
{
	gopts o;
	int r = parse_opts(argc, argv, &o);
	if (r)
		return r == 1 ? 0 : r;
	if (o.sub && !strcmp(o.sub, "parse"))
		return run_parse(&o);
	kw_gconf conf;
	kw_iplist ignore;
	if ((r = load_conf(&o, &conf, &ignore))) {
		kw_gconf_release(&conf);
		return r;
	}
	if (o.follow && o.follow_path && !strcmp(o.follow_path, "-"))
		r = usage_err("--follow needs a file, not stdin: use --replay - for a pipe", NULL);
	else if (o.replay)
		r = run_replay(&o, &conf, &ignore);
	else if (o.follow || o.journal)
		r = o.nargs ? usage_err("unexpected argument ", o.args[0]) : run_follow(&o, &conf, &ignore);
	else if (!strcmp(o.sub, "status"))
		r = run_list(&o, &conf, true);
	else if (!strcmp(o.sub, "list"))
		r = run_list(&o, &conf, false);
	else
		r = run_ban(&o, &conf, !strcmp(o.sub, "ban"));
	kw_iplist_release(&ignore);
	kw_gconf_release(&conf);
	return r;
}
