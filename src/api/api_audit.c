/*
 * api_audit.c -- GET /api/v1/tenants/{t}/audit; see api_audit.h.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "api/api.h"
#include "api/api_audit.h"
#include "jsonx.h"
#include "http/response.h"
#include "strparse.h"

#define API_AUDIT_COLS	"id,ts,actor,actor_key,action,target,details," \
			"request_id,client_ip"

int
api_audit_parse_query(const char *qs, unsigned int *limit,
    uint64_t *cursor, char *why, size_t whylen)
{
	const char	*p = qs, *amp, *eq;
	uint64_t	 v;
	int		 seen_l = 0, seen_c = 0, *seen;

	*limit = API_AUDIT_PAGE_DEFAULT;
	*cursor = 0;
	while (*p != '\0') {
		amp = p + strcspn(p, "&");
		eq = memchr(p, '=', (size_t)(amp - p));
		if (eq == NULL) {
			snprintf(why, whylen, "malformed query string");
			return -1;
		}
		if ((size_t)(eq - p) == 5 && memcmp(p, "limit", 5) == 0) {
			seen = &seen_l;
			if (strparse_u64(eq + 1, (size_t)(amp - eq - 1), 1,
			    API_AUDIT_PAGE_MAX, &v) == -1) {
				snprintf(why, whylen, "query parameter 'limit' "
				    "must be 1 to %d", API_AUDIT_PAGE_MAX);
				return -1;
			}
			*limit = (unsigned int)v;
		} else if ((size_t)(eq - p) == 6 &&
		    memcmp(p, "cursor", 6) == 0) {
			seen = &seen_c;
			if (strparse_u64(eq + 1, (size_t)(amp - eq - 1), 1,
			    INT64_MAX, &v) == -1) {
				snprintf(why, whylen, "query parameter 'cursor' "
				    "is not a cursor this API returned");
				return -1;
			}
			*cursor = v;
		} else {
			snprintf(why, whylen, "unknown query parameter; "
			    "allowed: limit, cursor");
			return -1;
		}
		if ((*seen)++ > 0) {
			snprintf(why, whylen, "a query parameter is given "
			    "more than once");
			return -1;
		}
		if (*amp == '\0')
			break;
		p = amp + 1;
		if (*p == '\0') {
			snprintf(why, whylen, "malformed query string");
			return -1;
		}
	}
	return 0;
}

int
api_audit_get(struct request *req, const struct route_params *rp)
{
	struct api_ctx	 c;
	char		 path[API_PATH_MAX], why[128], cur[32];
	unsigned int	 limit;
	uint64_t	 cursor;
	json_t		*j = NULL, *a = NULL, *last;
	int		 st, service;

	if (api_begin(&c, req, rp) == -1)
		goto out;
	if (api_need_scope(&c, API_SCOPE_ADMIN) == -1)
		goto out;
	if (api_audit_parse_query(req->query, &limit, &cursor, why,
	    sizeof(why)) == -1) {
		response_error(req, 400, NULL, "%s", why);
		goto out;
	}
	if (api_tenant_access(&c) == -1)
		goto out;
	service = c.who.kind == PRINCIPAL_API_KEY;
	cur[0] = '\0';
	if (cursor > 0)
		snprintf(cur, sizeof(cur), "&id=lt.%" PRIu64, cursor);
	/* one more than the page: whether there is a next one */
	snprintf(path, sizeof(path), "/rest/v1/audit_events?select="
	    API_AUDIT_COLS "&tenant_id=eq.%s%s&order=id.desc&limit=%u",
	    c.tenant_id, cur, limit + 1);
	if ((st = api_supa_j(&c, "GET", path, NULL, NULL, service, NULL,
	    &j)) == 0 && !json_is_array(j))
		st = 502;
	if (st != 0) {
		api_fail(&c, st);
		goto out;
	}
	cur[0] = '\0';
	if (json_array_size(j) > limit) {
		json_array_remove(j, limit);
		last = json_object_get(json_array_get(j, limit - 1), "id");
		if (!json_is_integer(last)) {
			api_fail(&c, 502);
			goto out;
		}
		snprintf(cur, sizeof(cur), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(last));
	}
	a = json_pack("{s:O,s:o}", "items", j, "next_cursor",
	    cur[0] != '\0' ? json_string(cur) : json_null());
	if (a == NULL) {
		api_fail(&c, 500);
		goto out;
	}
	response_json(req, 200, a);
out:
	json_decref(a);
	json_decref(j);
	api_ctx_release(&c);
	return 0;
}
