/*
 * router.h -- method + path pattern -> handler.
 *
 * The table is router.c's router_routes[]; a later feature adds its rows
 * there (the planned ones are written down in it as comments).
 *
 * Patterns are absolute paths matched segment by segment, exactly (no
 * trailing-slash folding, no percent-decoding: request.c already refused
 * dot segments). A segment "{name}" matches one slug segment
 * ([a-z0-9][a-z0-9-]*, <= LIMIT_SLUG, strparse_is_slug()) and is captured
 * into struct route_params in order; at most LIMIT_ROUTE_PARAMS per pattern.
 *
 * HEAD is served by the GET route of the same pattern (response.c drops
 * the body). A path that matches some pattern but with another method gets
 * 405 with "Allow: <methods>" (RFC 9110 15.5.6); any other path gets 404.
 *
 * Handlers always answer through response.h and return 0. Returning -1
 * means "failed before answering": router_dispatch() then answers 500 if
 * nothing was sent yet. A handler that returns without answering also gets
 * a 500.
 */
#ifndef MCP_ROUTER_H
#define MCP_ROUTER_H

#include <stddef.h>

#include "buf.h"
#include "product_limits.h"
#include "http/request.h"

struct route_param {
	const char	*p;	/* into request->path; not NUL-terminated */
	size_t		 len;
};

struct route_params {
	size_t			 n;
	struct route_param	 v[LIMIT_ROUTE_PARAMS];
};

typedef int	 route_handler_fn(struct request *, const struct route_params *);

struct route {
	const char		*method;
	const char		*pattern;
	route_handler_fn	*handler;
};

/*
 * Find the route for (method, path): returns 200 and sets *route and
 * *params, or 405 (with allow set to "GET, HEAD, ..." when non-NULL) or 404.
 */
int	 router_match(const char *method, const char *path,
	    const struct route **route, struct route_params *params,
	    struct buf *allow);

/* Route req and run its handler; always leaves a response sent. */
void	 router_dispatch(struct request *);

#endif /* MCP_ROUTER_H */
