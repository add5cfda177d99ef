/*
 * fail.h -- the platform's internal failures, by name. Modules name a
 * failure with one of these; response.c alone maps it to an HTTP status
 * and a JSON-RPC code (response_fail_map(), one table). Its own header so
 * that request.h (the bounds) and response.h both use it without
 * including each other.
 */
#ifndef MCP_HTTP_FAIL_H
#define MCP_HTTP_FAIL_H

/*
 * Failures and their answers: the ONE table (response.c) from an internal
 * failure to the HTTP status and the JSON-RPC error code it is answered
 * with (docs/internals/upstream-errors.md, docs/api-reference.md). The
 * codes in -32000 .. -32099 are JSON-RPC 2.0's implementation-defined
 * server errors. The status applies when the failure is the whole answer
 * to a POST; inside a batch or after an SSE stream began, only the code
 * is seen. Modules name their failures with these values; nothing else
 * picks a status or a code for them.
 */
enum response_fail {
	RESPONSE_FAIL_NONE,		/* 0, 0: not a failure */
	/* the request (DESIGN 3.1 and JSON-RPC 2.0 section 5.1) */
	RESPONSE_FAIL_MEDIA_TYPE,	/* 415, -32600: Content-Type */
	RESPONSE_FAIL_NOT_ACCEPTABLE,	/* 406, -32600: Accept */
	RESPONSE_FAIL_ORIGIN,		/* 403, -32600: Origin not allowed */
	RESPONSE_FAIL_VERSION,		/* 400, -32600: MCP-Protocol-Version */
	RESPONSE_FAIL_PARSE,		/* 400, -32700: not JSON */
	RESPONSE_FAIL_INVALID,		/* 400, -32600: not a valid message */
	RESPONSE_FAIL_SESSION_REQUIRED,	/* 400, -32600: no Mcp-Session-Id */
	RESPONSE_FAIL_SESSION_UNKNOWN,	/* 404, -32001: unknown, expired,
					   ended or another caller's */
	RESPONSE_FAIL_POLICY,		/* 200, -32602: the tool policy
					   refuses (an answer, not a failure
					   of the platform) */
	RESPONSE_FAIL_NOT_CONFIGURED,	/* 500, -32014: the tenant's server
					   lacks a setting or secret */
	RESPONSE_FAIL_FORBIDDEN,	/* 403, -32600: the caller is known
					   but may not do this (an API key
					   without mcp:call, or not for this
					   server) */
	RESPONSE_FAIL_RATE_LIMITED,	/* 429, -32015: a limit of the
					   tenant, caller or tool (src/ops/
					   limits.h); Retry-After is set */
	/* the modern era (MCP 2026-07-28, basic/index "Error Codes") */
	RESPONSE_FAIL_META,		/* 400, -32602: _meta's protocol
					   version or client capabilities
					   missing or malformed */
	RESPONSE_FAIL_HEADER_MISMATCH,	/* 400, -32020: MCP-Protocol-Version,
					   Mcp-Method, Mcp-Name missing, bad
					   or unlike the body */
	RESPONSE_FAIL_UNSUPPORTED_VERSION, /* 400, -32022: a revision the
					   platform does not speak */
	RESPONSE_FAIL_METHOD_NOT_FOUND,	/* 404, -32601: not a method of the
					   revision */
	/* the upstream */
	RESPONSE_FAIL_UPSTREAM_UNAVAILABLE, /* 502, -32013: not reached,
					   not started, handshake failed */
	RESPONSE_FAIL_UPSTREAM_TIMEOUT,	/* 504, -32010 */
	RESPONSE_FAIL_UPSTREAM_TOO_LARGE, /* 502, -32012 */
	RESPONSE_FAIL_UPSTREAM_ERROR,	/* 502, -32011: an http error, a
					   crash, output that is not MCP */
	RESPONSE_FAIL_UPSTREAM_SESSION_GONE, /* 404, -32001: as the TS SDK's
					   servers answer an unknown session */
	/* the platform itself */
	RESPONSE_FAIL_INTERNAL,		/* 500, -32603 */
	RESPONSE_FAIL_CLIENT_GONE,	/* 499, -32800: the client closed the
					   connection while the upstream
					   worked; the call was cancelled
					   (the status is for the log: nobody
					   reads the answer) */
	RESPONSE_FAIL__MAX
};

#endif /* MCP_HTTP_FAIL_H */
