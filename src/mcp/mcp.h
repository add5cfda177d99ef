/*
 * mcp.h -- the MCP endpoint: POST and DELETE /mcp/{tenant}/{server}
 * (MCP Streamable HTTP, revisions 2025-03-26, 2025-06-18, 2025-11-25).
 *
 * One request runs the straight line of DESIGN section 3:
 *   bound     request.c: Content-Type 415, Accept 406, Origin 403,
 *             MCP-Protocol-Version 400 (and the body cap, 413)
 *   authenticate   auth.c: 401 with the RFC 9728 challenge
 *   resolve   resolve.c + target.c: 404 for unknown tenant/server or a
 *             caller who is no member; 503 when Supabase cannot answer
 *   session   session.c: signed, stateless Mcp-Session-Id; missing after
 *             initialize 400, unknown/expired/another caller's 404
 *   exchange  upstream.c (on upstream_stdio.c or upstream_http.c), tool
 *             policy (policy.c)
 *   respond   application/json, or text/event-stream once the upstream
 *             sends a notification before its answer; 202 for messages
 *             that hold no request
 *
 * GET (a standalone server stream) is not offered: the router answers 405
 * with Allow, which the specification permits.
 *
 * The handler is a short driver over one context: each step is a call
 * into the module that owns it (request.c, auth.c, resolve.c and
 * target.c, session.c, upstream.c and policy.c, response.c, reqlog.c),
 * and the request-log record is filled once, at the end. Errors the
 * platform raises and upstream failures alike are JSON-RPC error objects
 * whose HTTP status and code come from response.c's one table of
 * failures (enum response_fail; docs/internals/upstream-errors.md).
 */
#ifndef MCP_MCP_H
#define MCP_MCP_H

#include "http/request.h"

/* A request after initialize without MCP-Protocol-Version speaks the
 * version its session negotiated (the session id carries it). The spec's
 * fallback, "assume 2025-03-26", is for servers that cannot know it. */

int	 mcp_post(struct request *, const struct route_params *);
int	 mcp_delete(struct request *, const struct route_params *);
int	 mcp_get(struct request *, const struct route_params *);


/* Between requests: warm stdio children, ended-session files. */
void	 mcp_idle(const struct config *);
/* At worker exit. */
void	 mcp_shutdown(void);

#endif /* MCP_MCP_H */
