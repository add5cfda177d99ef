/*
 * router.c -- the matcher over a caller's route table; see router.h.
 */
#include <string.h>

#include "log.h"
#include "http/response.h"
#include "http/router.h"
#include "strparse.h"

/* 1 when path matches pattern; params collects the {name} segments. */
static int
router_pattern_match(const char *pattern, const char *path,
    struct route_params *params)
{
	const char	*pp = pattern, *sp = path, *pe, *se;
	size_t		 plen, slen;

	params->n = 0;
	while (*pp == '/' && *sp == '/') {
		pp++;
		sp++;
		pe = strchrnul(pp, '/');
		se = strchrnul(sp, '/');
		plen = (size_t)(pe - pp);
		slen = (size_t)(se - sp);
		if (plen >= 2 && pp[0] == '{' && pp[plen - 1] == '}') {
			if (!strparse_is_slug(sp, slen, LIMIT_SLUG) ||
			    params->n == LIMIT_ROUTE_PARAMS)
				return 0;
			params->v[params->n].p = sp;
			params->v[params->n].len = slen;
			params->n++;
		} else if (plen != slen || memcmp(pp, sp, plen) != 0)
			return 0;
		pp = pe;
		sp = se;
	}
	return *pp == '\0' && *sp == '\0';
}

static int
router_method_is(const char *method, const char *route_method)
{
	/* HEAD is answered by the GET route (RFC 9110 9.3.2). */
	return strcmp(method, route_method) == 0 ||
	    (strcmp(method, "HEAD") == 0 && strcmp(route_method, "GET") == 0);
}

int
router_match(const struct route *table, size_t n, const char *method,
    const char *path, const struct route **route, struct route_params *params,
    struct buf *allow)
{
	struct route_params	 tmp;
	size_t			 i;
	int			 known = 0;

	*route = NULL;
	for (i = 0; i < n; i++) {
		const struct route *r = &table[i];

		if (!router_pattern_match(r->pattern, path, &tmp))
			continue;
		if (router_method_is(method, r->method)) {
			*route = r;
			*params = tmp;
			return 200;
		}
		known = 1;
		if (allow != NULL) {
			if (allow->len > 0)
				buf_appends(allow, ", ");
			buf_appends(allow, r->method);
			if (strcmp(r->method, "GET") == 0)
				buf_appends(allow, ", HEAD");
		}
	}
	return known ? 405 : 404;
}

void
router_dispatch(struct request *req, const struct route *table, size_t n)
{
	const struct route	*route;
	struct route_params	 params;
	struct buf		 allow;
	int			 st;

	buf_init(&allow, 256);
	st = router_match(table, n, req->method, req->path, &route, &params,
	    &allow);
	if (st == 405) {
		if (allow.len > 0)
			response_header(req, "Allow", allow.data);
		response_error(req, 405, NULL, "method %s not allowed here",
		    req->method);
	} else if (st == 404)
		response_error(req, 404, NULL, "no such endpoint");
	else if (route->handler(req, &params) == -1 || !req->resp.started) {
		if (!req->resp.started)
			response_error(req, 500, NULL, "internal error");
		else
			log_error("router", "handler for '%s' failed after "
			    "answering", route->pattern);
	}
	buf_release(&allow);
}
