/* replay.c — run a fuzz harness over committed inputs, as an ordinary test.
 *
 * Usage: replay_<name> DIR|FILE...  Every regular file in each DIR (not recursive) is fed
 * to LLVMFuzzerTestOneInput once. A crash or sanitizer report fails the test; the count
 * replayed is printed. An empty or missing corpus fails: a replay that tests nothing
 * must not pass silently. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) { perror(path); return -1; }
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 4096;
			uint8_t *n = realloc(buf, cap);
			if (!n) { free(buf); fclose(f); return -1; }
			buf = n;
		}
		size_t r = fread(buf + len, 1, cap - len, f);
		len += r;
		if (r == 0) break;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	size_t count = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) < 0) { perror(argv[i]); return 1; }
		if (!S_ISDIR(st.st_mode)) {
			if (replay_file(argv[i]) < 0) return 1;
			count++;
			continue;
		}
		DIR *d = opendir(argv[i]);
		if (!d) { perror(argv[i]); return 1; }
		struct dirent *e;
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.') continue;
			char p[4096];
			snprintf(p, sizeof p, "%s/%s", argv[i], e->d_name);
			if (stat(p, &st) < 0 || !S_ISREG(st.st_mode)) continue;
			if (replay_file(p) < 0) { closedir(d); return 1; }
			count++;
		}
		closedir(d);
	}
	printf("replayed %zu inputs\n", count);
	return count ? 0 : 1;
}
