/* flush.c -- placeholder until the subcommand lands (issue 4). */
#include <stdio.h>

#include "mcpctl.h"

int
mcpctl_logs_flush(const struct config *cfg, int argc, char *argv[])
{
	(void)cfg; (void)argc; (void)argv;
	fprintf(stderr, "%s: logs flush: not built yet\n", MCPCTL_NAME);
	return 1;
}

int
mcpctl_logs_maintain(const struct config *cfg, int argc, char *argv[])
{
	(void)cfg; (void)argc; (void)argv;
	fprintf(stderr, "%s: logs maintain: not built yet\n", MCPCTL_NAME);
	return 1;
}
