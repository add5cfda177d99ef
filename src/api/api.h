/*
 * api.h -- what every /api/v1 handler shares: the caller, the tenant of
 * the path, calls to Supabase as that caller, strict JSON bodies, scopes
 * and the audit trail (DESIGN section 5; docs/api-reference.md).
 *
 * A handler reads as:
 *
 *	if (api_begin(&c, req, rp) == -1)	authenticate (401/503)
 *		goto out;
 *	if (api_need_scope(&c, API_SCOPE_ADMIN) == -1)	key scopes (403)
 *		goto out;
 *	if (api_body(&c, fields, nfields, &body) == -1)	strict body (4xx)
 *		goto out;
 *	if (api_tenant_access(&c) == -1)	tenant visible (404)
 *		goto out;
 *	st = api_supa(&c, ...);			the work, as the caller
 *	...
 *	api_audit(&c, "server.enable", alias, details);
 * out:
 *	api_ctx_release(&c);
 *	return 0;
 *
 * Every function that returns -1 has answered the request already.
 *
 * Callers:
 *   PRINCIPAL_USER     a Supabase Auth access token; sent on to PostgREST
 *                      as the caller's own token, so Row Level Security
 *                      decides (permissions enforced twice).
 *   (a user token an OAuth client got from Supabase -- it has a
 *   client_id -- is refused here with 403: such a client may call the
 *   MCP servers the user granted it, nothing else)
 *   PRINCIPAL_API_KEY  a platform token minted for an API key; PostgREST
 *                      is called as the service role, after the key was
 *                      checked live and of the path's tenant
 *                      (api_tenant_access), and only for what its scopes
 *                      allow (api_need_scope).
 *
 * Errors are {"error":{"code","message"}} (response_error). What Supabase
 * said goes to the operator log only: a raw Postgres message (constraint
 * names, "Failing row contains ...") never reaches the caller.
 *
 * Ownership: struct api_ctx holds the user's token (wiped by
 * api_ctx_release) and nothing else of its own.
 */
#ifndef MCP_API_H
#define MCP_API_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "auth/auth.h"
#include "buf.h"
#include "httpc.h"
#include "product_limits.h"
#include "http/request.h"
#include "uuid.h"

/* API key scopes (docs/authentication.md). */
#define API_SCOPE_MCP_CALL	"mcp:call"
#define API_SCOPE_LOGS_READ	"logs:read"
#define API_SCOPE_ADMIN		"admin"

#define API_PATH_MAX		1024	/* a PostgREST path with its query */
#define API_ROLE_MAX		16	/* "owner", "admin", "member" */

struct api_ctx {
	struct request		*req;
	struct principal	 who;
	char			 tenant[LIMIT_SLUG + 1];   /* "" if none */
	char			 tenant_id[UUID_STRLEN + 1]; /* after access */
	struct buf		 token;	/* the user's token: secret */
};

/*
 * Authenticate the caller; the path's tenant is the route's first
 * parameter when the route has one (routes name it first). 0, or -1
 * answered (401 with the challenge, 503).
 */
int	 api_begin(struct api_ctx *, struct request *,
	    const struct route_params *);
void	 api_ctx_release(struct api_ctx *);

/*
 * An API key's scopes hold scope: 0; users pass (their rights are their
 * role, checked by the handler and RLS). -1 answered 403
 * insufficient_scope.
 */
int	 api_need_scope(struct api_ctx *, const char *scope);

/*
 * The path's tenant is visible to the caller: 0 with c->tenant_id set,
 * or -1 answered 404 "no such tenant" (unknown, not a member, another
 * tenant's key, a revoked or expired key), 401, 502 or 503.
 */
int	 api_tenant_access(struct api_ctx *);

/*
 * One PostgREST call as the caller (the user's token, or the service role
 * for an API key; service != 0: always the service role -- for what RLS
 * cannot express). 0 with *out (NEW reference, may be NULL for an empty
 * 2xx body), or the status to answer with, having logged why:
 *   404  PostgREST's PT404 (a function's "not visible")
 *   409  23505 unique violation
 *   401  Supabase refused the user's token
 *   503  Supabase unreachable or 5xx; 502 anything else.
 * resp is the caller's (for headers such as Content-Range). When
 * pgcode is not NULL it receives PostgREST's "code" of a failed call
 * (at most API_PGCODE_MAX - 1 bytes), for handlers that map their own
 * raised codes (e.g. PT403 -> 403).
 */
#define API_PGCODE_MAX	8
struct api_supa_call {
	const char		*method;
	const char		*path;
	const struct buf	*body;		/* NULL: none */
	const char		*prefer;	/* NULL: none */
	int			 service;
	char			*pgcode;	/* NULL or API_PGCODE_MAX bytes */
	long			 timeout_ms;	/* 0: LIMIT_API_TIMEOUT_MS */
	size_t			 max_response;	/* 0: LIMIT_API_RESPONSE */
};

int	 api_supa(struct api_ctx *, const struct api_supa_call *,
	    struct httpc_response *, json_t **out);

/*
 * api_supa with a JSON body (borrowed; NULL: none) and Prefer, for the
 * handlers' one-liners: method, path, body, prefer (NULL: none), service,
 * pgcode (NULL or API_PGCODE_MAX bytes). Same answers as api_supa; the
 * response is read and released here.
 */
int	 api_supa_j(struct api_ctx *, const char *method, const char *path,
	    const json_t *body, const char *prefer, int service, char *pgcode,
	    json_t **out);

/* Answer a failed step with status st, in the platform's words. */
int	 api_fail(struct api_ctx *, int st);

/*
 * Strict JSON request bodies. fields describes every member the body may
 * have; anything else (including tenant_id, role, owner, created_by
 * smuggled in) is 400 "unknown field 'x'". Checks, first failure answers:
 *   415 Content-Type not application/json;
 *   413 over LIMIT_API_BODY; 400 not a JSON object (with the parser's
 *       position), a missing required field, a wrong type, a string over
 *       its max (bytes) or containing NUL, an array over max items.
 * 0 with *out (NEW reference, the whole object), or -1 answered.
 */
enum api_type {
	API_T_STRING,		/* max: bytes, 0: LIMIT_API_STRING */
	API_T_BOOL,
	API_T_INT,		/* max: largest value, 0: INT64_MAX */
	API_T_OBJECT,		/* max: members, 0: LIMIT_API_ITEMS */
	API_T_STRINGS,		/* array of strings; max: items */
	API_T_ANY		/* any JSON value, even null */
};

struct api_field {
	const char	*name;
	enum api_type	 type;
	int		 required;
	size_t		 max;
	int		 nullable;	/* JSON null accepted */
};

int	 api_body(struct api_ctx *, const struct api_field *, size_t n,
	    json_t **out);
/* The route's second parameter ({tenant}/.../{server}) as a server
 * alias into alias (LIMIT_SLUG + 1 bytes): 0, or -1 answered 404. */
int	 api_server_alias(struct api_ctx *, const struct route_params *,
	    char *alias);

/* The same checks on an object already parsed (a nested member): 0, or
 * -1 answered 400. */
int	 api_object_check(struct api_ctx *, const struct api_field *,
	    size_t n, const json_t *);

/*
 * Append one row to audit_events as the service role: actor (the user or
 * the key), tenant (c->tenant_id, or tenant_id when not NULL), action
 * ("tenant.create", "api_key.revoke", ...), target, details (borrowed,
 * may be NULL; the caller elides secrets), request id, client address.
 * 0, or -1 having logged an error (the change itself stands).
 */
int	 api_audit(struct api_ctx *, const char *tenant_id, const char *action,
	    const char *target, const json_t *details);

/* Current time as microseconds since the epoch (CLOCK_REALTIME). */
int64_t	 api_now(void);

#endif /* MCP_API_H */
