/*
 * modern.h -- the MCP 2026-07-28 ("modern") era at /mcp/{tenant}/{server}:
 * which era a POST is written in, the modern era's request rules, and the
 * modern answer built from a legacy upstream (the bridge).
 *
 * The era is chosen per request, body first (as the v2 TypeScript SDK
 * does): a request whose params._meta carries
 * "io.modelcontextprotocol/protocolVersion" is modern (initialize too:
 * then a removed method), and so is one whose MCP-Protocol-Version header
 * names a modern revision; initialize without a claim, a batch and
 * anything else are legacy, handled by mcp.c as before. mcp.c leaves an
 * unknown MCP-Protocol-Version to this choice when the request has
 * Mcp-Method (only modern clients send it).
 *
 * The rules (MCP 2026-07-28 basic/index "_meta", basic/versioning,
 * transports/streamable-http "Request Metadata"), in the order checked,
 * each a failure name of src/http/fail.h:
 *   a response instead of a request/notification  INVALID (400, -32600)
 *   _meta protocol version missing or not a string META (400, -32602)
 *   MCP-Protocol-Version missing or unlike _meta   HEADER_MISMATCH (400,
 *                                                  -32020)
 *   a version the platform does not speak         UNSUPPORTED_VERSION
 *                                                  (400, -32022, data:
 *                                                  supported, requested)
 *   clientCapabilities not an object, a logLevel   META
 *     that is not a level
 *   Mcp-Method missing or unlike method            HEADER_MISMATCH
 *   a method the revision does not have (or the    METHOD_NOT_FOUND (404,
 *     platform does not serve: subscriptions/listen) -32601)
 *   Mcp-Name missing, undecodable or unlike        HEADER_MISMATCH
 *     params.name / params.uri (tools/call,
 *     prompts/get, resources/read)
 *   an Mcp-Param-* value undecodable or with       HEADER_MISMATCH
 *     characters a header value cannot have
 *   more than LIMIT_MCP_PARAM_HEADERS of them, or  INVALID (400, -32600)
 *     a name over LIMIT_MCP_PARAM_NAME
 * Notifications need only a well-formed claim when they carry one (the
 * revision defines no header rules for them) and are answered 202.
 * Mcp-Session-Id is ignored: no session is read, minted or echoed.
 *
 * A modern upstream (an http one that answers server/discover:
 * bridge_modern.h) is called statelessly, the request passed through
 * (after the platform's checks and tool policy), its answer too,
 * input_required included; discover comes from the platform's cache,
 * the capabilities it cannot deliver removed.
 *
 * The bridge (modern_call) to a legacy upstream: the platform does the
 * legacy part itself -- the stdio pool's warm,
 * initialized children, or for http an initialize, the call and a DELETE
 * of that upstream session -- and forwards the request without the modern
 * _meta keys. server/discover is answered by the platform from the
 * upstream's InitializeResult. The Mcp-Param-* headers go on to an http
 * upstream with the request (named "Mcp-Param-" and the CGI name's rest,
 * '_' as '-': CGI has lost the case and the hyphens; header names are
 * case-insensitive). Every result gets resultType; list results,
 * resources/read and discover get ttlMs and cacheScope; notifications/message
 * reach the client only at or above the request's _meta logLevel (none
 * without one); requests a stdio upstream sends the client (sampling,
 * elicitation, roots) become an input_required result whose sealed
 * requestState the client's retry brings back with inputResponses
 * (mrtr.h: the call is run again and the child's requests answered from
 * them; a requestState that does not open, has expired, belongs to
 * another caller or request is refused, 400 + -32602, before the
 * upstream); an http upstream's are not relayed to a modern client yet;
 * -32002 (resource not found) becomes -32602.
 *
 * Ownership: everything passed in is borrowed; m->answer is NEW, owned
 * by m until modern_release.
 */
#ifndef MCP_MODERN_H
#define MCP_MODERN_H

#include <jansson.h>

#include "buf.h"
#include "http/request.h"
#include "http/response.h"
#include "product_limits.h"
#include "store/target.h"
#include "mcp/mrtr.h"
#include "mcp/protocol.h"
#include "mcp/upstream.h"

/* The MODERN_META_* _meta keys: mcp/protocol.h. */

/* The request headers the rules read, borrowed, NULL when absent.
 * params: the request environment's HTTP_MCP_PARAM_* entries
 * ("HTTP_MCP_PARAM_REGION=us-west1"), NULL-terminated, or NULL. */
struct modern_headers {
	const char		*protocol_version;	/* MCP-Protocol-Version */
	const char		*method;		/* Mcp-Method */
	const char		*name;			/* Mcp-Name */
	const char *const	*params;
	size_t			 n_params;
};

/* The headers of req (params point into its environment). */
void	 modern_headers_of(const struct request *, struct modern_headers *);

/* 1 when the request is written in the modern era (see above), else 0;
 * body may be anything (a batch, not JSON-RPC: 0). */
int	 modern_is(const struct modern_headers *, const json_t *body);

/*
 * An Mcp-Name or Mcp-Param-* value as the client meant it, into out
 * (appended, NUL-terminated): the "=?base64?...?=" form (exactly that
 * case) decoded (standard alphabet, padding optional, strict), else the
 * value itself, which must be header-safe (visible ASCII, SP, HTAB).
 * 0, or -1 when it cannot be read (bad base64, bad characters, the cap).
 */
int	 modern_header_value(const char *v, struct buf *out);

/* What the checks read from the request. */
struct modern_req {
	char		 version[LIMIT_PROTOCOL_VERSION + 1];	/* the claim */
	const char	*method;	/* borrowed from the body */
	int		 notification;
	int		 log_level;	/* 0 (debug) .. 7 (emergency); -1:
					   none asked: no log messages */
};

/*
 * The rules above for one parsed message (an object that mcp.c's
 * JSON-RPC checks passed). RESPONSE_FAIL_NONE, or the failure with why
 * (for the client) and, for UNSUPPORTED_VERSION, *data (NEW:
 * {"supported":[...],"requested":"..."}; else NULL).
 */
enum response_fail modern_check(const struct modern_headers *,
	    const json_t *msg, struct modern_req *, char *why, size_t whylen,
	    json_t **data);

/* A NEW JSON-RPC error with f's code, message why and data (borrowed,
 * may be NULL). */
json_t	*modern_error(enum response_fail f, const json_t *id, const char *why,
	    const json_t *data);
/* One modern exchange. */
struct modern {
	/* in */
	struct request		*req;
	const struct target	*target;
	upstream_relay_fn	*relay;		/* the client's stream */
	gone_beat_fn		*beat;		/* while the upstream works
						   (upstream.h), or NULL */
	void			*arg;		/* of relay and beat */
	struct modern_req	 r;		/* from modern_check */
	const struct modern_headers *h;		/* Mcp-Param-* to forward */
	const char		*caller;	/* "<kind>:<id>": binds a
						   requestState (mrtr.h) and
						   keys a modern upstream's
						   private discover cache
						   (bridge_modern.h) */
	struct mrtr		*mrtr;		/* the call's rounds, or NULL */

	/* out */
	json_t			*answer;	/* NEW; NULL: none (202) */
	int			 status;	/* HTTP status of the answer */
	double			 upstream_ms;	/* < 0: no upstream call */
	char			 upstream_version[LIMIT_PROTOCOL_VERSION + 1];

	/* the Mcp-Param-* headers as forwarded to an http upstream */
	struct upstream_http_header fwd[LIMIT_MCP_PARAM_HEADERS];
	char			 fwd_name[LIMIT_MCP_PARAM_HEADERS]
				    [LIMIT_MCP_PARAM_NAME + 1];
	size_t			 n_fwd;
};

void	 modern_init(struct modern *);
void	 modern_release(struct modern *);
/* The exchange for msg (modern_check passed), through the bridge; the
 * answer in m->answer with m->status. */
void	 modern_call(struct modern *, const json_t *msg);

/* Shape a legacy answer for a modern client, in place: resultType on a
 * result, ttlMs and cacheScope on a cacheable method's result (ttl_ms),
 * -32002 as -32602. resp may be NULL. */
void	 modern_shape(json_t *resp, const char *method, long ttl_ms);

#endif /* MCP_MODERN_H */
