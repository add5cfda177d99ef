/*
 * version.h -- the platform's version, shown by --version and sent as the
 * User-Agent of outbound requests.
 */
#ifndef MCP_VERSION_H
#define MCP_VERSION_H

#define MCP_PLATFORM_NAME	"mcp-platform"
#define MCP_PLATFORM_VERSION	"0.1.0"

#endif /* MCP_VERSION_H */
