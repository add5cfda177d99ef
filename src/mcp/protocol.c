/*
 * protocol.c -- the MCP protocol revisions; see protocol.h.
 */
#include <string.h>

#include "mcp/protocol.h"

/* Newest first. */
static const char *const mcp_versions[] = {
	"2025-11-25", "2025-06-18", "2025-03-26",
};

int
mcp_version_supported(const char *v)
{
	size_t	 i;

	for (i = 0; i < sizeof(mcp_versions) / sizeof(mcp_versions[0]); i++)
		if (strcmp(v, mcp_versions[i]) == 0)
			return 1;
	return 0;
}
