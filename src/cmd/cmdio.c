/* cmdio.c — see cmdio.h. */
#include "cmd/cmdio.h"
#include "checks/cloud.h"
#include "checks/rdp.h"
#include "checks/scan.h"

#include "base/cleanup.h"
#include "base/err.h"
#include "base/escape.h"
#include "base/file.h"
#include "checks/checks.h"
#include "collect/facts.h"
#include "collect/secrets.h"
#include "keys/findings.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

int kw_cmd_open_target(const char *cmd, const char *root, const char *image, bool deep,
		       kw_progress *prog, kw_target **ret)
{
	int r;
	if (image) {
		kw_tar_opts o = {
			.want = kw_collect_want,
			.sniff = deep ? kw_sniff : NULL,
			.progress = kw_progress_archive,
			.progress_ctx = prog,
		};
		r = kw_target_open_tar(image, &o, ret);
		kw_progress_done(prog);
	} else {
		r = kw_target_open_dir(root ? root : "/", ret);
	}
	if (r < 0) {
		_cleanup_free_ char *e = kw_escape_str(image ? image : root ? root : "/");
		fprintf(stderr, "keyward %s: cannot open %s: %s\n", cmd, e ? e : "", kw_strerror(r));
	}
	return r;
}

int kw_cmd_usage_err(const char *cmd, const char *msg, const char *what)
{
	_cleanup_free_ char *e = what ? kw_escape_str(what) : NULL;
	fprintf(stderr, "keyward %s: %s%s (see --help)\n", cmd, msg, e ? e : "");
	return 2;
}

void kw_cmd_print_diags(const char *cmd, const kw_diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		_cleanup_free_ char *f = d->v[i].file ? kw_escape_str(d->v[i].file) : NULL;
		_cleanup_free_ char *m = kw_escape_str(d->v[i].msg);
		if (d->v[i].line)
			fprintf(stderr, "keyward %s: %s:%u: %s\n", cmd, f ? f : "", d->v[i].line, m ? m : "");
		else
			fprintf(stderr, "keyward %s: %s%s%s\n", cmd, f ? f : "", f ? ": " : "", m ? m : "");
	}
}

FILE *kw_cmd_open_output(const char *path, char **ret_tmp)
{
	*ret_tmp = NULL;
	if (!path)
		return stdout;
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode)) {
			errno = EISDIR;
			return NULL;
		}
		return fopen(path, "we");
	}
	char *tmp = NULL;
	if (asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0)
		return NULL;
	FILE *f = fopen(tmp, "wxe");
	if (!f) {
		free(tmp);
		return NULL;
	}
	*ret_tmp = tmp;
	return f;
}

int kw_cmd_close_output(FILE *f, const char *path, char *tmp)
{
	if (f == stdout)
		return 0;
	if (!tmp) /* written in place (a device or FIFO) */
		return (ferror(f) | (fclose(f) != 0)) ? -1 : 0;
	int bad = ferror(f) | (fflush(f) != 0) | (fsync(fileno(f)) != 0);
	bad |= fclose(f) != 0;
	if (!bad && rename(tmp, path) != 0)
		bad = 1;
	if (bad)
		unlink(tmp);
	free(tmp);
	return bad ? -1 : 0;
}

bool kw_cmd_check_known(const char *id)
{
	return kw_check_find(id) || kw_keys_check_find(id) || kw_scan_check_find(id) ||
	       kw_cloud_check_find(id) || kw_rdp_check_find(id);
}

FILE *kw_cmd_report_open(const char *cmd, const char *path, char **ret_tmp)
{
	FILE *out = kw_cmd_open_output(path, ret_tmp);
	if (!out) {
		_cleanup_free_ char *e = kw_escape_str(path);
		fprintf(stderr, "keyward %s: cannot write %s\n", cmd, e ? e : "");
	}
	return out;
}

int kw_cmd_report_done(const char *cmd, FILE *f, const char *path, char *tmp, int render_rc,
		       const char *what)
{
	if (kw_cmd_close_output(f, path, tmp) < 0 || render_rc < 0) {
		fprintf(stderr, "keyward %s: error writing the %s\n", cmd, what);
		return -1;
	}
	return 0;
}

int kw_cmd_load_profile(const char *cmd, const char *name, kw_profile *p)
{
	kw_diags d = { 0 };
	int r = kw_profile_load(p, name, &d);
	kw_cmd_print_diags(cmd, &d);
	kw_diags_release(&d);
	if (r < 0) {
		_cleanup_free_ char *e = kw_escape_str(name);
		fprintf(stderr, "keyward %s: cannot load profile %s\n", cmd, e ? e : "");
		return 2;
	}
	int bad = 0;
	for (size_t i = 0; i < p->n_ov; i++)
		if (!kw_cmd_check_known(p->ov[i].id)) {
			_cleanup_free_ char *e = kw_escape_str(p->ov[i].id);
			fprintf(stderr, "keyward %s: the profile names an unknown check: %s\n", cmd, e ? e : "");
			bad = 2;
		}
	return bad;
}

int kw_cmd_format_json(const char *cmd, const char *arg, bool *json)
{
	if (strcmp(arg, "json") != 0 && strcmp(arg, "text") != 0)
		return kw_cmd_usage_err(cmd, "--format takes text or json, not ", arg);
	*json = !strcmp(arg, "json");
	return 0;
}

const char *kw_cmd_format_list(unsigned allowed, char *buf, size_t size)
{
	size_t n = 0;
	buf[0] = 0;
	for (int f = 0; f < KW_FMT__COUNT; f++)
		if (allowed & (1u << f)) {
			int w = snprintf(buf + n, size - n, "%s%s", n ? ", " : "", kw_format_name((kw_format)f));
			if (w < 0 || (size_t)w >= size - n)
				break;
			n += (size_t)w;
		}
	return buf;
}

static int format_arg(const char *cmd, const char *opt, const char *arg, const kw_cmd_outputs *o,
		      kw_format *ret)
{
	if (kw_format_parse(arg, ret) == 0 && (o->allowed & (1u << *ret)))
		return 0;
	char list[128], msg[192];
	snprintf(msg, sizeof msg, "%s takes %s, not ", opt, kw_cmd_format_list(o->allowed, list, sizeof list));
	return kw_cmd_usage_err(cmd, msg, arg);
}

int kw_cmd_format_opt(const char *cmd, const char *arg, kw_cmd_outputs *o)
{
	return format_arg(cmd, "--format", arg, o, &o->format);
}

int kw_cmd_report_opt(const char *cmd, const char *arg, kw_cmd_outputs *o)
{
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg || !eq[1])
		return kw_cmd_usage_err(cmd, "--report takes FORMAT=FILE, not ", arg);
	if (o->n_extra == KW_CMD_MAX_REPORTS)
		return kw_cmd_usage_err(cmd, "too many --report options (8 at most): ", arg);
	char name[32];
	size_t n = (size_t)(eq - arg);
	if (n >= sizeof name)
		n = sizeof name - 1;
	memcpy(name, arg, n);
	name[n] = 0;
	if (format_arg(cmd, "--report", name, o, &o->extra[o->n_extra].format))
		return 2;
	o->extra[o->n_extra++].path = eq + 1;
	return 0;
}

static int write_one(const char *cmd, kw_format fmt, const char *path, kw_cmd_render_fn native,
		     const void *ctx, const kw_report *rep)
{
	char *tmp = NULL;
	FILE *out = kw_cmd_report_open(cmd, path, &tmp);
	if (!out)
		return -1;
	int r;
	if (native && (fmt == KW_FMT_TEXT || fmt == KW_FMT_JSON))
		r = native(out, fmt, ctx);
	else
		r = kw_report_render(out, fmt, rep, false, 0);
	if (kw_cmd_close_output(out, path, tmp) < 0 || r < 0) {
		_cleanup_free_ char *e = path ? kw_escape_str(path) : NULL;
		fprintf(stderr, "keyward %s: error writing the %s report%s%s%s: %s\n", cmd,
			kw_format_name(fmt), e ? " (" : "", e ? e : "", e ? ")" : "",
			r < 0 ? kw_strerror(r) : "the file could not be completed");
		return -1;
	}
	return 0;
}

int kw_cmd_write_outputs(const char *cmd, const kw_cmd_outputs *o, kw_cmd_render_fn native,
			 const void *ctx, const kw_report *rep)
{
	kw_report r = *rep;
	char host[256] = "";
	if (!r.host && gethostname(host, sizeof host - 1) == 0)
		r.host = host;
	int bad = write_one(cmd, o->format, o->output, native, ctx, &r);
	for (size_t i = 0; i < o->n_extra; i++)
		bad |= write_one(cmd, o->extra[i].format, o->extra[i].path, native, ctx, &r);
	return bad ? -1 : 0;
}

int kw_cmd_keys_inventory(const char *cmd, const char *root, const char *image, bool quiet,
			  const kw_collect_opts *extra, kw_target **t, kw_facts *f,
			  kw_inventory *inv)
{
	kw_progress prog;
	kw_progress_init(&prog, image ? "reading archive" : "walking", quiet);
	if (kw_cmd_open_target(cmd, root, image, false, &prog, t) < 0)
		return 2;
	kw_target_memo_stats(*t); /* read only: the collector, lock-out guard and StrictModes
				   * checks ask about the same homes */
	kw_collect_opts co = extra ? *extra : (kw_collect_opts){ 0 };
	co.live_host = !root && !image;
	co.keys_only = true;
	co.progress = kw_progress_files;
	co.progress_ctx = &prog;
	int r = kw_collect(*t, &co, f);
	kw_progress_done(&prog);
	if (r == 0)
		r = kw_inventory_build(f, inv);
	if (r < 0) {
		fprintf(stderr, "keyward %s: %s\n", cmd, kw_strerror(r));
		return 2;
	}
	return 0;
}

/* ---- keys named on the command line ---- */

int kw_cmd_load_newkey(const char *cmd, const char *path, kw_newkey *ret)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int r = !strcmp(path, "-") ? kw_fd_read_capped(STDIN_FILENO, KW_NEWKEY_MAX, &data, &len)
		: kw_file_read_capped(path, KW_NEWKEY_MAX, &data, &len, NULL);
	_cleanup_free_ char *ep = kw_escape_str(path);
	if (r < 0) {
		fprintf(stderr, "keyward %s: cannot read the key (%s): %s\n", cmd,
			r == KW_E_TOOBIG ? "more than 64 KiB: not a public key file" : kw_strerror(r),
			ep ? ep : "?");
		return 2;
	}
	char why[KW_KEYEDIT_WHY] = "";
	r = kw_newkey_parse((const uint8_t *)data, len, ret, why, sizeof why);
	if (r < 0) {
		_cleanup_free_ char *ew = kw_escape_str(why);
		fprintf(stderr, "keyward %s: %s: %s\n", cmd, ep ? ep : "?", ew ? ew : kw_strerror(r));
		return 2;
	}
	return 0;
}

int kw_cmd_load_keyref(const char *cmd, const char *arg, kw_keyref *ret)
{
	if (kw_keyref_parse(arg, ret) == 0)
		return 0;
	_cleanup_free_ char *ea = kw_escape_str(arg);
	if (!strncasecmp(arg, "SHA256:", 7) || !strncasecmp(arg, "MD5:", 4)) {
		fprintf(stderr, "keyward %s: not a well-formed fingerprint (SHA256: and 43 base64 "
			"characters, or MD5: and 16 hex pairs as ssh-keygen -E md5 prints them): %s\n",
			cmd, ea ? ea : "?");
		return 2;
	}
	if (strcmp(arg, "-") != 0 && access(arg, F_OK) != 0) {
		fprintf(stderr, "keyward %s: neither a fingerprint (SHA256:... or MD5:...) nor a "
			"readable key file: %s\n", cmd, ea ? ea : "?");
		return 2;
	}
	kw_newkey k;
	int r = kw_cmd_load_newkey(cmd, arg, &k);
	if (r)
		return r;
	*ret = (kw_keyref){ 0 };
	memcpy(ret->fp, k.key.fp, sizeof ret->fp);
	kw_newkey_release(&k);
	return 0;
}

void kw_cmd_put_esc(FILE *out, const char *s)
{
	_cleanup_free_ char *e = kw_escape_str(s ? s : "");
	fputs(e ? e : "?", out);
}

json_t *kw_cmd_json_esc(const char *s)
{
	if (!s)
		return json_null();
	_cleanup_free_ char *e = kw_escape_str(s);
	return e ? json_string(e) : json_null();
}
