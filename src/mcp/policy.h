/*
 * policy.h -- a tenant's tool policy on the MCP exchange (DESIGN 3.4:
 * "tools/list is filtered, a denied tools/call gets a JSON-RPC error").
 *
 * The policy is the target's tool_allow / tool_deny (src/store/target.h, from
 * tenant_servers): a tool is allowed when it is NOT in tool_deny (the deny
 * list wins) AND tool_allow is NULL (every tool) or lists it. Names match
 * exactly (bytes, case-sensitive, no patterns: MCP tool names are
 * case-sensitive identifiers). A name with an embedded NUL is never
 * allowed (it cannot be matched as the upstream would see it).
 *
 * policy_tool_allowed(): 1 allowed, 0 not; NULL tool is not allowed.
 *
 * policy_filter_tools_list(): result is the "result" member of a
 * tools/list response (not the whole response); disallowed entries are
 * removed from result.tools in place. With no policy at all (tool_allow
 * NULL, tool_deny empty) nothing is touched. Otherwise an entry that is
 * not an object with a string "name" is removed too (fail closed). Other
 * members (nextCursor, _meta) are kept: pagination still works, a page may
 * just come out shorter. Returns how many entries were removed, or -1 when
 * result is not an object with a "tools" array (then unchanged).
 *
 * policy_check_request(): msg is ONE client JSON-RPC message (the caller
 * splits batches). For a "tools/call" whose params.name is not allowed,
 * returns -1 with why = "tool '<name>' is not enabled for this tenant"
 * (the client's own string, cut to at most POLICY_NAME_SHOWN bytes on a
 * UTF-8 character boundary, for the
 * caller's JSON-RPC error -32602); a tools/call without a string
 * params.name also returns -1 ("tools/call without a tool name"). Any other
 * message returns 0 (why untouched). msg is not modified.
 *
 * All functions take borrowed references and keep none.
 */
#ifndef MCP_POLICY_H
#define MCP_POLICY_H

#include <stddef.h>

#include <jansson.h>

#include "store/target.h"

#define POLICY_NAME_SHOWN	128	/* tool name bytes echoed in why */

int	 policy_tool_allowed(const struct target *, const char *tool);
int	 policy_filter_tools_list(const struct target *, json_t *result);
int	 policy_check_request(const struct target *, const json_t *msg,
	    char *why, size_t whylen);

#endif /* MCP_POLICY_H */
