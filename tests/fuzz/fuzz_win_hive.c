/* fuzz_win_hive.c — libFuzzer harness for registry hives as keyward reads them
 * (windows/hive.c over libhivex, windows/sam.c on the values it finds).
 *
 * The input is a hive file. It is opened the way the collector opens one (a private
 * copy, no HIVEX_OPEN_UNSAFE); then up to 2,000 keys are visited breadth-first from the
 * root, each key's name taken, and the values the collector reads (by name, as number,
 * string and raw bytes, the default value too) read at every key; F and V values go
 * through the SAM parsers. The keys the collector looks up by path are looked up too.
 * Checked: nothing crashes or leaks, and every returned length is consistent.
 */
#include "base/err.h"
#include "windows/hive.h"
#include "windows/sam.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void values(kw_hive *h, kw_hnode k)
{
	static const char *const names[] = { "", "Current", "Start", "F", "V", "DefaultPassword",
					     "AutoAdminLogon", "UnattendFile", "PortNumber" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		uint32_t n;
		char *s = NULL;
		uint8_t *raw = NULL;
		size_t len = 0, elen = 0;
		uint32_t type;
		(void)kw_hive_num(h, k, names[i], &n);
		if (kw_hive_str(h, k, names[i], &s) == KW_HVAL_SET && !s)
			abort();
		free(s);
		kw_hval e = kw_hive_exists(h, k, names[i], &elen);
		if (kw_hive_raw(h, k, names[i], &raw, &len, &type) == KW_HVAL_SET) {
			if (e != KW_HVAL_SET || len != elen)
				abort();
			kw_sam_f f;
			kw_sam_v v;
			(void)kw_sam_parse_f(raw, len, &f);
			(void)kw_sam_parse_v(raw, len, &v);
		}
		free(raw);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kw_hive_header hdr;
	(void)kw_hive_header_parse(data, size, &hdr);
	kw_hive *h = NULL;
	char err[128];
	if (kw_hive_open(data, size, &h, err, sizeof err) < 0) {
		if (h)
			abort();
		return 0;
	}
	(void)kw_hive_dirty(h);
	kw_hnode root = kw_hive_root(h);
	static const char *const paths[] = {
		"Select", "ControlSet001\\Control\\Terminal Server\\WinStations\\RDP-Tcp",
		"SAM\\Domains\\Account\\Users\\Names", "Policy\\Secrets\\DefaultPassword",
		"Microsoft\\Windows NT\\CurrentVersion\\Winlogon", "\\\\a\\\\", "",
	};
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
		values(h, kw_hive_key(h, root, paths[i]));
	/* breadth-first over at most 2,000 keys */
	kw_hnode queue[2000];
	size_t head = 0, tail = 0;
	if (root)
		queue[tail++] = root;
	while (head < tail) {
		kw_hnode k = queue[head++];
		free(kw_hive_key_name(h, k));
		values(h, k);
		kw_hnode *kids;
		size_t n;
		if (kw_hive_children(h, k, &kids, &n) < 0)
			continue;
		for (size_t i = 0; i < n && tail < sizeof queue / sizeof queue[0]; i++)
			queue[tail++] = kids[i];
		free(kids);
	}
	kw_hive_free(h);
	return 0;
}
