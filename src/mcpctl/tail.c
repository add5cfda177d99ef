/* tail.c -- placeholder until the subcommand lands (issue 4). */
#include <stdio.h>

#include "mcpctl.h"

int
mcpctl_logs_tail(const struct config *cfg, int argc, char *argv[])
{
	(void)cfg; (void)argc; (void)argv;
	fprintf(stderr, "%s: logs tail: not built yet\n", MCPCTL_NAME);
	return 1;
}
