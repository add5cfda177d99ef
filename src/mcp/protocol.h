/*
 * protocol.h -- the MCP protocol revisions the platform speaks, to
 * clients and to upstreams (DESIGN section 3, "Protocol eras").
 *
 * Two eras (MCP 2026-07-28, basic/versioning "Terminology"): "legacy"
 * revisions open a session with initialize (2025-03-26 .. 2025-11-25),
 * "modern" ones carry version and capabilities in every request's _meta
 * (2026-07-28). The platform is dual-era: it answers each request in the
 * era the request is written in (src/mcp/modern.h).
 */
#ifndef MCP_PROTOCOL_H
#define MCP_PROTOCOL_H

#include <jansson.h>

/* The newest legacy revision: what the platform offers when a client
 * asks initialize for one it does not speak, and what it asks legacy
 * upstreams for. */
#define MCP_VERSION_LATEST	"2025-11-25"

/* The modern revision the platform speaks. */
#define MCP_VERSION_MODERN	"2026-07-28"

/* The 2026-07-28 request and result _meta keys (basic/index "_meta"). */
#define MODERN_META_VERSION	"io.modelcontextprotocol/protocolVersion"
#define MODERN_META_CAPS	"io.modelcontextprotocol/clientCapabilities"
#define MODERN_META_INFO	"io.modelcontextprotocol/clientInfo"
#define MODERN_META_LOG_LEVEL	"io.modelcontextprotocol/logLevel"
#define MODERN_META_SERVER_INFO	"io.modelcontextprotocol/serverInfo"

/* 1 when the platform speaks legacy revision v (2025-11-25, 2025-06-18,
 * 2025-03-26) with initialize and sessions. */
int	 mcp_version_supported(const char *v);
/* 1 when v is a modern revision the platform speaks (2026-07-28). */
int	 mcp_version_modern(const char *v);
/* 1 when v is either. */
int	 mcp_version_known(const char *v);
/* A NEW array of every revision the platform speaks, newest first (the
 * "supported" of -32022 and server/discover's supportedVersions); NULL
 * on out of memory. */
json_t	*mcp_versions_json(void);

/* A log level (MCP logging: RFC 5424 severities) as its rank, "debug" 0
 * to "emergency" 7, or -1 when name is not one; and back (NULL when
 * level is not a rank). */
int	 mcp_log_level(const char *name);
const char *mcp_log_level_name(int level);

/*
 * Server->client requests and the client capability each needs
 * (sampling/createMessage: sampling, elicitation/create: elicitation,
 * roots/list: roots). mcp_client_cap(): the capability's name and bit
 * (*bit may be NULL), or NULL and 0 for another method.
 * mcp_client_caps(): the bits a capabilities object declares;
 * mcp_client_caps_json(): back to an object ({"sampling": {}, ...}; NEW,
 * NULL on out of memory).
 */
#define MCP_CAP_SAMPLING	0x01
#define MCP_CAP_ELICITATION	0x02
#define MCP_CAP_ROOTS		0x04

const char *mcp_client_cap(const char *method, unsigned *bit);
unsigned mcp_client_caps(const json_t *capabilities);
json_t	*mcp_client_caps_json(unsigned bits);

/* JSON-RPC's "method not found": what an upstream gets for a request
 * the client cannot answer. */
#define MCP_ERR_METHOD_NOT_FOUND	-32601

/*
 * The response to a server->client request with id (borrowed), from what
 * an ask hook (upstream.h) gave: reply {"result": v} or {"error": {...}}
 * (borrowed); NULL or anything else is MCP_ERR_METHOD_NOT_FOUND. NEW, or
 * NULL (out of memory).
 */
json_t	*mcp_client_reply(const json_t *id, const json_t *reply);

#endif /* MCP_PROTOCOL_H */
