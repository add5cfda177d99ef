/*
 * supa.h -- one call to Supabase's REST API (PostgREST behind the gateway),
 * as the platform itself (service role) or on behalf of a user (the user's
 * own access token, so Row Level Security decides what it sees).
 *
 * Headers sent (docs/supabase-local.md, supabase-contract.md):
 *   apikey: <secret key>                    service call
 *   Authorization: Bearer <secret key>      service call with a legacy JWT key
 *   apikey: <publishable key>               user call
 *   Authorization: Bearer <user token>      user call
 *   apikey: <publishable key>               publishable (signup, login)
 *   Content-Type/Accept: application/json, Prefer: <prefer> when given.
 *
 * A user call needs supabase_publishable_key; without it the call fails
 * (-1, why says so) rather than falling back to the secret key, which
 * would bypass RLS.
 *
 * Ownership: resp is the caller's (httpc_response_init before,
 * httpc_response_release after, also after -1). Keys and tokens are put
 * in header buffers that are wiped before return; they never reach why.
 *
 * Errors: 0 when an HTTP response arrived (any status: the caller judges
 * it), -1 with one line in why (no secrets) when none did.
 */
#ifndef MCP_SUPA_H
#define MCP_SUPA_H

#include <stddef.h>

#include <jansson.h>

#include "config.h"
#include "httpc.h"

struct supa_call {
	const char	*method;	/* "GET", "POST", ... */
	const char	*path;		/* "/rest/v1/..." with its query */
	const char	*user_token;	/* NULL: service role */
	const char	*prefer;	/* Prefer header value, or NULL */
	const void	*body;		/* NULL: none */
	size_t		 bodylen;
	long		 timeout_ms;	/* 0: LIMIT_HTTPC_TIMEOUT_MS */
	size_t		 max_response;	/* 0: LIMIT_HTTPC_RESPONSE */
	int		 publishable;	/* no user_token: the publishable
					   key alone (Auth's public
					   endpoints), not the secret key */
};

int	 supa_perform(const struct config *, const struct supa_call *,
	    struct httpc_response *, char *why, size_t whylen);

/*
 * One RPC as the service role: POST args (borrowed) to path, answer
 * 200 with a JSON body. 0 with *out (NEW reference; PostgREST's JSON null
 * for a NULL result stays null), or -1 with why naming name (no answer,
 * another status, not JSON). timeout_ms and max_response as in
 * struct supa_call (0: the defaults).
 */
int	 supa_rpc(const struct config *, const char *path, const char *name,
	    const json_t *args, long timeout_ms, size_t max_response,
	    json_t **out, char *why, size_t whylen);

#endif /* MCP_SUPA_H */
