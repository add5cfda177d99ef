/*
 * api_pins.h -- a tenant server's tool pins over /api/v1 (issue 13 item
 * 6; docs/api-reference.md, "Tool pins"; src/mcp/pins.h for what a pin
 * is).
 *
 * GET  /api/v1/tenants/{tenant}/servers/{alias}/tool-pins
 *      any member (or key) of the tenant: {"alias", "mode", "tools":
 *      [{"tool", "status": "pinned"|"changed", "sha256", "pinned_at",
 *      "approved_by", "changed_sha256", "changed_at", "diff"}]}, by tool.
 * POST /api/v1/tenants/{tenant}/servers/{alias}/tool-pins
 *      owners and admins (a key: the admin scope): {"approve": "<tool>"}
 *      approves that tool's changed definition, {"approve_all": true}
 *      every changed tool, {"mode": "warn"|"enforce"} sets the mode; at
 *      least one, any together. Answers as GET (200). Audited:
 *      tool_pin.approve {"tools"}, tool_pin.mode {"mode"}.
 *
 * Errors: 400 (body), 401, 403 (a member who is not owner or admin; a key
 * without the scope), 404 (no such tenant for the caller, no such server,
 * approve of a tool that has no change), 415, 502/503.
 */
#ifndef MCP_API_PINS_H
#define MCP_API_PINS_H

#include "http/request.h"
#include "http/router.h"

int	 api_pins_get(struct request *, const struct route_params *);
int	 api_pins_post(struct request *, const struct route_params *);

#endif /* MCP_API_PINS_H */
