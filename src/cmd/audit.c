/* audit.c — placeholder while the collector lands (replaced in the same session). */
#include "cmd/cmd.h"
#include <stdio.h>
int cmd_audit(int argc, char **argv)
{
	(void)argc; (void)argv;
	fprintf(stderr, "keyward audit: being built\n");
	return 2;
}
