/* main.c — keyward's entry point: a table of commands, each cmd_<name>(argc, argv). */
#include "cmd/cmd.h"
#include "kw_config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const struct kw_command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "audit", cmd_audit, "audit a host, an image folder or an image tarball for preset credentials" },
	{ "sshd", cmd_sshd, "print the effective sshd configuration like sshd -T, or check it like sshd -t" },
	{ "sanitize", cmd_sanitize, "remove preset credentials from an image root (dry run unless --apply)" },
	{ "harden", cmd_harden, "harden sshd: drop-in, moduli filter, sshd -t, lock-out guard (dry run unless --apply)" },
	{ "guard", cmd_guard, "find brute-force sources in sshd logs and ban them (nftables, ipset, hosts.deny)" },
	{ "keys", cmd_keys, "list every SSH key that grants access, and to whom" },
	{ "scan", cmd_scan, "rate live SSH servers: algorithms, verified host keys, DH groups, many at once" },
	{ "cloud", cmd_cloud, "audit exported cloud settings: SSH/RDP open to the internet, inherited passwords; deny policies" },
	{ "undo", cmd_undo, "put back what sanitize or harden --apply changed, byte for byte" },
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: keyward COMMAND [OPTIONS]\n"
		"\n"
		"keyward keeps remote logon to cloud servers and server images safe.\n"
		"\n"
		"commands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out,
		"\n"
		"Run 'keyward COMMAND --help' for a command's options.\n"
		"Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or input error,\n"
		"3 some checks could not run.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *name = argv[1];
	if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(name, "--version") || !strcmp(name, "version")) {
		printf("keyward %s\n", KW_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		if (strcmp(commands[i].name, name))
			continue;
		int r = commands[i].fn(argc - 1, argv + 1);
		/* a failed write to stdout (full disk, closed pipe) must not pass as success */
		if (fflush(stdout) != 0 || ferror(stdout)) {
			fprintf(stderr, "keyward: error writing output: %s\n", strerror(errno));
			return 2;
		}
		return r;
	}
	fprintf(stderr, "keyward: unknown command '%s'\n\n", name);
	usage(stderr);
	return 2;
}
