/*
 * api_oauth_grants.c -- a tenant's OAuth grants over /api/v1; see
 * api_oauth_grants.h.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "api/api.h"
#include "api/api_oauth_grants.h"
#include "http/response.h"
#include "jsonx.h"
#include "uuid.h"

#define GRANTS_PATH	"/rest/v1/oauth_grants"
#define GRANTS_COLUMNS	"id,user_id,client_id,servers,scopes,created_at"
#define GRANTS_LIST_MAX	1000

int
api_oauth_grants_list(struct request *req, const struct route_params *rp)
{
	struct api_ctx	 c;
	char		 path[API_PATH_MAX];
	json_t		*j = NULL, *out = NULL;
	int		 st;

	if (api_begin(&c, req, rp) == -1 ||
	    api_need_scope(&c, API_SCOPE_ADMIN) == -1 ||
	    api_tenant_access(&c) == -1)
		goto out;
	snprintf(path, sizeof(path), GRANTS_PATH "?select=" GRANTS_COLUMNS
	    "&tenant_id=eq.%s&order=created_at.desc,id.desc&limit=%d",
	    c.tenant_id, GRANTS_LIST_MAX);
	if ((st = api_supa_j(&c, "GET", path, NULL, NULL, 0, NULL,
	    &j)) != 0) {
		api_fail(&c, st);
		goto out;
	}
	if (!json_is_array(j) ||
	    (out = json_pack("{s:O}", "items", j)) == NULL) {
		response_error(req, 502, NULL, "store error");
		goto out;
	}
	response_json(req, 200, out);
out:
	json_decref(out);
	json_decref(j);
	api_ctx_release(&c);
	return 0;
}

int
api_oauth_grants_revoke(struct request *req, const struct route_params *rp)
{
	struct api_ctx	 c;
	char		 path[API_PATH_MAX], id[UUID_STRLEN + 1];
	const json_t	*row;
	json_t		*j = NULL, *d = NULL;
	int		 st;

	if (api_begin(&c, req, rp) == -1)
		goto out;
	if (rp->n != 2 || !uuid_is_valid(rp->v[1].p, rp->v[1].len)) {
		response_error(req, 404, NULL, "no such OAuth grant");
		goto out;
	}
	memcpy(id, rp->v[1].p, UUID_STRLEN);
	id[UUID_STRLEN] = '\0';
	if (api_need_scope(&c, API_SCOPE_ADMIN) == -1 ||
	    api_tenant_access(&c) == -1)
		goto out;
	/* Delete what the caller may (RLS: their own, or any of the
	 * tenant's for owners and admins) and see what went: nothing is
	 * 404, whether it never existed, is another tenant's or is
	 * someone else's grant to a plain member. */
	snprintf(path, sizeof(path), GRANTS_PATH "?id=eq.%s&tenant_id=eq.%s"
	    "&select=" GRANTS_COLUMNS, id, c.tenant_id);
	if ((st = api_supa_j(&c, "DELETE", path, NULL,
	    "return=representation", 0, NULL, &j)) != 0) {
		api_fail(&c, st);
		goto out;
	}
	if (json_array_size(j) != 1) {
		response_error(req, 404, NULL, "no such OAuth grant");
		goto out;
	}
	row = json_array_get(j, 0);
	d = json_pack("{s:O?,s:O?,s:O?}", "client_id",
	    json_object_get(row, "client_id"), "user_id",
	    json_object_get(row, "user_id"), "servers",
	    json_object_get(row, "servers"));
	api_audit(&c, NULL, "oauth_grant.revoke", id, d);
	response_send(req, 204, NULL, NULL, 0);
out:
	json_decref(d);
	json_decref(j);
	api_ctx_release(&c);
	return 0;
}
