/*
 * protocol.h -- the MCP protocol revisions the platform speaks, to
 * clients and to upstreams (DESIGN section 3, "Protocol eras").
 */
#ifndef MCP_PROTOCOL_H
#define MCP_PROTOCOL_H

/* The newest revision: what the platform offers when a client asks for
 * one it does not speak, and what it asks stdio upstreams for. */
#define MCP_VERSION_LATEST	"2025-11-25"

/* 1 when the platform speaks revision v (2025-11-25, 2025-06-18,
 * 2025-03-26). */
int	 mcp_version_supported(const char *v);

#endif /* MCP_PROTOCOL_H */
