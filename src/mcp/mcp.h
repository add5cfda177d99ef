/*
 * mcp.h -- the MCP endpoint: POST and DELETE /mcp/{tenant}/{server}
 * (MCP Streamable HTTP, revisions 2025-03-26, 2025-06-18, 2025-11-25).
 *
 * One request runs the straight line of DESIGN section 3:
 *   bound     Content-Type 415, Accept 406, Origin 403, MCP-Protocol-Version
 *             400 (the body cap, 413, is request.c's)
 *   authenticate   auth.c: 401 with the RFC 9728 challenge
 *   resolve   resolve.c + target.c: 404 for unknown tenant/server or a
 *             caller who is no member; 503 when Supabase cannot answer
 *   session   session.c: signed, stateless Mcp-Session-Id; missing after
 *             initialize 400, unknown/expired/another caller's 404
 *   exchange  upstream_stdio.c or upstream_http.c, tool policy (policy.c)
 *   respond   application/json, or text/event-stream once the upstream
 *             sends a notification before its answer; 202 for messages
 *             that hold no request
 *
 * GET (a standalone server stream) is not offered: the router answers 405
 * with Allow, which the specification permits.
 *
 * Errors the platform itself raises are JSON-RPC error objects with the
 * HTTP status of docs/api-reference.md; upstream failures are mapped by
 * upstream_http_error_map() / mcp_stdio_error_map().
 */
#ifndef MCP_MCP_H
#define MCP_MCP_H

#include "http/request.h"

/* Protocol revisions this endpoint speaks, newest first. */
#define MCP_VERSION_LATEST	"2025-11-25"
/* A request after initialize without MCP-Protocol-Version speaks the
 * version its session negotiated (the session id carries it). The spec's
 * fallback, "assume 2025-03-26", is for servers that cannot know it. */

/* JSON-RPC codes raised by the platform (JSON-RPC 2.0 section 5.1). */
#define MCP_ERR_PARSE		(-32700)
#define MCP_ERR_INVALID		(-32600)
#define MCP_ERR_METHOD		(-32601)
#define MCP_ERR_PARAMS		(-32602)
#define MCP_ERR_INTERNAL	(-32603)
#define MCP_ERR_SESSION		(-32001)	/* as the TypeScript SDK */
#define MCP_ERR_NOT_CONFIGURED	(-32014)	/* tenant's server lacks a
						   required setting/secret */

int	 mcp_post(struct request *, const struct route_params *);
int	 mcp_delete(struct request *, const struct route_params *);

/* 1 when the platform speaks revision v. */
int	 mcp_version_supported(const char *v);

/* Between requests: warm stdio children, ended-session files. */
void	 mcp_idle(const struct config *);
/* At worker exit. */
void	 mcp_shutdown(void);

#endif /* MCP_MCP_H */
