/*
 * router.h -- method + path pattern -> handler, over a table the caller
 * owns.
 *
 * The router knows no handler: the platform's table is src/routes.c's
 * routes_platform[] (the top of the program, which may name every
 * handler); a later feature adds its rows there.
 *
 * Patterns are absolute paths matched segment by segment, exactly (no
 * trailing-slash folding, no percent-decoding: request.c already refused
 * dot segments). A segment "{name}" matches one slug segment
 * ([a-z0-9][a-z0-9-]*, <= LIMIT_SLUG, strparse_is_slug()) and is captured
 * into struct route_params (request.h) in order; at most LIMIT_ROUTE_PARAMS
 * per pattern.
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

typedef int	 route_handler_fn(struct request *, const struct route_params *);

struct route {
	const char		*method;
	const char		*pattern;
	route_handler_fn	*handler;
};

/*
 * Find the route for (method, path) among the n routes of table (borrowed,
 * first match wins): returns 200 and sets *route and *params, or 405 (with
 * allow set to "GET, HEAD, ..." when non-NULL) or 404.
 */
int	 router_match(const struct route *table, size_t n, const char *method,
	    const char *path, const struct route **route,
	    struct route_params *params, struct buf *allow);

/* Route req over table and run its handler; always leaves a response
 * sent. */
void	 router_dispatch(struct request *, const struct route *table,
	    size_t n);

#endif /* MCP_ROUTER_H */
