/* undo.c — `keyward undo JOURNAL`: put back what a fix command's --apply changed, byte
 * for byte, from the journal it wrote (target/journal.h).
 */
#include "cmd/cmd.h"
#include "cmd/fixcommon.h"
#include "cmd/opts.h"

#include "base/err.h"
#include "base/escape.h"
#include "target/journal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const kw_opt undo_opts[] = {
	KW_OPT_END,
};

const kw_cmd_spec kw_spec_undo = {
	.name = "undo",
	.summary = "put back what sanitize or harden --apply changed, byte for byte",
	.synopsis = "JOURNAL",
	.description =
	"Restore every file a `keyward sanitize --apply` or `keyward harden --apply` changed, "
	"from the journal folder it printed: original bytes, owner, group, mode, mtime and "
	"extended attributes (SELinux labels, ACLs, capabilities); files and folders it removed "
	"come back, files it created go away. Entries are undone newest first, each one "
	"atomically. A file that is already as recorded is left alone, so undo can be run "
	"again (after an interrupted undo, or an interrupted --apply) and then does nothing. "
	"The root the journal was written for is stored in it.",
	.opts = undo_opts,
	.exit_status =
	"0 everything restored (or nothing to restore); 1 some entries could not be restored "
	"(the others were); 2 usage error or unreadable journal.",
	.examples =
	"keyward undo " KW_JOURNAL_BASE "/2026-11-21T101500Z-sanitize-3f2a\n"
	"keyward undo \"$(ls -d " KW_JOURNAL_BASE "/*-harden-* | tail -1)\"   # the last harden\n",
	.operands = KW_COMP_DIR,
};

int cmd_undo(int argc, char **argv)
{
	int c;
	kw_opts p;
	kw_opts_begin(&p, &kw_spec_undo);
	if ((c = kw_opts_next(&p, argc, argv)) >= 0)
		return kw_opts_unhandled(&p, c); /* undo has no options of its own */
	if (c == KW_OPTS_EXIT)
		return p.exit_code;
	if (argc - optind != 1) {
		fputs("usage: keyward undo JOURNAL (see --help)\n", stderr);
		return 2;
	}
	const char *dir = argv[optind];
	char *root = NULL;
	if (kw_journal_root(dir, &root) == 0 && root) {
		char *er = kw_escape_str(root);
		printf("undoing the changes journaled for %s\n", er ? er : "?");
		free(er);
		free(root);
		fflush(stdout);
	}
	unsigned restored = 0;
	int r = kw_journal_undo(dir, &restored);
	if (r == -ENOENT || r == -ENOTDIR || r == KW_E_PARSE || r == KW_E_USAGE) {
		kw_fix_err("undo", r == KW_E_PARSE ? "damaged journal entry in "
			   : r == KW_E_USAGE ? "journal with entries of more than one root: "
			   : "no journal folder at ", dir);
		if (restored)
			printf("%u entr%s restored before the error\n", restored,
			       restored == 1 ? "y" : "ies");
		return r == KW_E_PARSE && restored ? 1 : 2;
	}
	char *ed = kw_escape_str(dir);
	printf("%u entr%s restored from %s\n", restored, restored == 1 ? "y" : "ies",
	       ed ? ed : "?");
	free(ed);
	if (r < 0)
		fprintf(stderr, "keyward undo: some entries could not be restored (first error: "
			"%s); the others were.%s Fix the cause and run undo again.\n", kw_strerror(r),
			r == KW_E_NOTREG || r == -ELOOP || r == -EEXIST
			? " Something else now stands where a file was (a folder, a link, a new file):"
			  " it was left alone." : "");
	return r < 0 ? 1 : 0;
}
