/* hive.c — libhivex on a private copy of a hive, with typed value reads. */
#include "windows/hive.h"

#include "base/cleanup.h"
#include "base/err.h"
#include "base/file.h"

#include <errno.h>
#include <hivex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct kw_hive {
	hive_h *h;
	kw_hive_header hdr;
};

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int kw_hive_header_parse(const uint8_t *data, size_t len, kw_hive_header *ret)
{
	if (len < 0x200 || memcmp(data, "regf", 4))
		return KW_E_PARSE;
	ret->seq1 = le32(data + 4);
	ret->seq2 = le32(data + 8);
	ret->major = le32(data + 0x14);
	ret->minor = le32(data + 0x18);
	return 0;
}

/* an anonymous file holding the bytes: hivex opens it by its /proc name */
static int private_copy(const uint8_t *data, size_t len)
{
	int fd = memfd_create("keyward-hive", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = kw_fd_write_all(fd, data, len);
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

int kw_hive_open(const uint8_t *data, size_t len, kw_hive **ret, char *err, size_t errlen)
{
	*ret = NULL;
	kw_hive_header hdr;
	if (len > KW_HIVE_MAX) {
		kw_errf(err, errlen, "larger than %zu MiB", KW_HIVE_MAX >> 20);
		return KW_E_TOOBIG;
	}
	if (kw_hive_header_parse(data, len, &hdr) < 0) {
		kw_errf(err, errlen, "not a registry hive (no regf base block)");
		return KW_E_PARSE;
	}
	_cleanup_close_ int fd = private_copy(data, len);
	if (fd < 0) {
		kw_errf(err, errlen, "cannot make a private copy: %s", kw_strerror(fd));
		return fd;
	}
	char name[64];
	snprintf(name, sizeof name, "/proc/self/fd/%d", fd);
	hive_h *h = hivex_open(name, 0);
	if (!h) {
		int e = errno;
		if (e == ENOMEM)
			return -ENOMEM;
		if (e == ENOENT) {
			kw_errf(err, errlen, "cannot open the private copy (is /proc mounted?)");
			return -ENOENT;
		}
		kw_errf(err, errlen, "libhivex refused it: %s", strerror(e));
		return KW_E_PARSE;
	}
	kw_hive *k = calloc(1, sizeof *k);
	if (!k) {
		hivex_close(h);
		return -ENOMEM;
	}
	k->h = h;
	k->hdr = hdr;
	*ret = k;
	return 0;
}

void kw_hive_free(kw_hive *h)
{
	if (!h)
		return;
	hivex_close(h->h);
	free(h);
}

bool kw_hive_dirty(const kw_hive *h) { return h->hdr.seq1 != h->hdr.seq2; }

kw_hnode kw_hive_root(kw_hive *h) { return hivex_root(h->h); }

kw_hnode kw_hive_key(kw_hive *h, kw_hnode from, const char *path)
{
	kw_hnode n = from;
	char name[256];
	while (n && *path) {
		size_t len = strcspn(path, "\\");
		if (len >= sizeof name)
			return 0;
		if (len) {
			memcpy(name, path, len);
			name[len] = '\0';
			n = hivex_node_get_child(h->h, n, name);
		}
		path += len;
		if (*path == '\\')
			path++;
	}
	return n;
}

int kw_hive_children(kw_hive *h, kw_hnode key, kw_hnode **ret, size_t *n)
{
	*ret = NULL;
	*n = 0;
	hive_node_h *c = hivex_node_children(h->h, key);
	if (!c)
		return errno ? -errno : KW_E_PARSE;
	size_t k = 0;
	while (c[k])
		k++;
	*ret = c; /* hive_node_h is size_t */
	*n = k;
	return 0;
}

char *kw_hive_key_name(kw_hive *h, kw_hnode key) { return hivex_node_name(h->h, key); }

static hive_value_h value(kw_hive *h, kw_hnode key, const char *name)
{
	if (!key)
		return 0;
	return hivex_node_get_value(h->h, key, name);
}

kw_hval kw_hive_exists(kw_hive *h, kw_hnode key, const char *name, size_t *len)
{
	hive_value_h v = value(h, key, name);
	hive_type t;
	size_t l = 0;
	if (!v)
		return KW_HVAL_ABSENT;
	if (hivex_value_type(h->h, v, &t, &l) < 0)
		return KW_HVAL_BADTYPE;
	if (len)
		*len = l;
	return KW_HVAL_SET;
}

/* decimal digits of a REG_SZ number, bounded */
static bool parse_decimal(const char *s, uint32_t *ret)
{
	uint64_t v = 0;
	size_t i = 0;
	while (s[i] == ' ')
		i++;
	if (s[i] < '0' || s[i] > '9')
		return false;
	for (; s[i] >= '0' && s[i] <= '9'; i++) {
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > UINT32_MAX)
			return false;
	}
	while (s[i] == ' ')
		i++;
	if (s[i])
		return false;
	*ret = (uint32_t)v;
	return true;
}

kw_hval kw_hive_num(kw_hive *h, kw_hnode key, const char *name, uint32_t *ret)
{
	hive_value_h v = value(h, key, name);
	hive_type t;
	size_t len;
	if (!v)
		return KW_HVAL_ABSENT;
	if (hivex_value_type(h->h, v, &t, &len) < 0)
		return KW_HVAL_BADTYPE;
	if ((t == hive_t_REG_DWORD || t == hive_t_REG_DWORD_BIG_ENDIAN) && len == 4) {
		*ret = (uint32_t)hivex_value_dword(h->h, v);
		return KW_HVAL_SET;
	}
	if (t == hive_t_REG_SZ || t == hive_t_REG_EXPAND_SZ) {
		_cleanup_free_ char *s = hivex_value_string(h->h, v);
		if (s && parse_decimal(s, ret))
			return KW_HVAL_SET;
	}
	return KW_HVAL_BADTYPE;
}

kw_hval kw_hive_str(kw_hive *h, kw_hnode key, const char *name, char **ret)
{
	*ret = NULL;
	hive_value_h v = value(h, key, name);
	hive_type t;
	size_t len;
	if (!v)
		return KW_HVAL_ABSENT;
	if (hivex_value_type(h->h, v, &t, &len) < 0 ||
	    (t != hive_t_REG_SZ && t != hive_t_REG_EXPAND_SZ))
		return KW_HVAL_BADTYPE;
	*ret = hivex_value_string(h->h, v);
	return *ret ? KW_HVAL_SET : KW_HVAL_BADTYPE;
}

kw_hval kw_hive_raw(kw_hive *h, kw_hnode key, const char *name, uint8_t **data, size_t *len,
		    uint32_t *type)
{
	*data = NULL;
	*len = 0;
	hive_value_h v = value(h, key, name);
	if (!v)
		return KW_HVAL_ABSENT;
	hive_type t;
	size_t l;
	char *d = hivex_value_value(h->h, v, &t, &l);
	if (!d)
		return KW_HVAL_BADTYPE;
	*data = (uint8_t *)d;
	*len = l;
	if (type)
		*type = (uint32_t)t;
	return KW_HVAL_SET;
}
