/*
 * api_limits.c -- the operator's limits of a tenant and of a tenant server
 * over /api/v1; see api_limits.h.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "api/api.h"
#include "api/api_limits.h"
#include "config.h"
#include "jsonx.h"
#include "product_limits.h"
#include "http/response.h"

/* A rule of the limiter (src/mcp/admit.c admit_rule). */
static const struct api_field limits_rule_fields[] = {
	{ "rate", API_T_INT, 0, LIMIT_LIMITS_RATE_MAX, 0 },
	{ "burst", API_T_INT, 0, LIMIT_LIMITS_RATE_MAX, 0 },
	{ "concurrent", API_T_INT, 0, LIMIT_LIMITS_CONC_MAX, 0 },
};
#define LIMITS_NRULE	(sizeof(limits_rule_fields) / \
			    sizeof(limits_rule_fields[0]))

/* tenants.limits (admit.c). */
static const struct api_field limits_tenant_fields[] = {
	{ "interval_s", API_T_INT, 0, LIMIT_LIMITS_INTERVAL_MAX, 0 },
	{ "quota_monthly", API_T_INT, 0, LIMIT_QUOTA_MAX, 0 },
	{ "tenant", API_T_OBJECT, 0, LIMITS_NRULE, 0 },
	{ "caller", API_T_OBJECT, 0, LIMITS_NRULE, 0 },
	{ "tool", API_T_OBJECT, 0, LIMITS_NRULE, 0 },
};

/* tenant_servers.limits (admit.c and store/target.c). */
static const struct api_field limits_server_fields[] = {
	{ "tool", API_T_OBJECT, 0, LIMITS_NRULE, 0 },
	{ "timeout_ms", API_T_INT, 0, LIMIT_UPSTREAM_TIMEOUT_MS_MAX, 0 },
	{ "max_body", API_T_INT, 0, LIMIT_BODY_CEILING, 0 },
	{ "max_response", API_T_INT, 0, LIMIT_RESPONSE_BODY, 0 },
	{ "max_file_bytes", API_T_INT, 0, LIMIT_STDIO_FSIZE_MAX, 0 },
	{ "disk_quota_bytes", API_T_INT, 0, LIMIT_STDIO_DISK_QUOTA_MAX, 0 },
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* The caller is an operator and the path's tenant exists: 0 with
 * c->tenant_id, or -1 answered. */
static int
limits_begin(struct api_ctx *c, struct request *req,
    const struct route_params *rp)
{
	char		 path[API_PATH_MAX];
	const char	*id;
	json_t		*j = NULL;
	int		 st, rc = -1;

	if (api_begin(c, req, rp) == -1)
		return -1;
	if (c->who.kind != PRINCIPAL_USER || c->who.client_id[0] != '\0' ||
	    !config_is_operator(req->cfg, c->who.sub)) {
		response_error(req, 403, NULL, "limits are set by an operator "
		    "(the configuration's operator_users)");
		return -1;
	}
	/* An operator need not be a member: the service role, live
	 * tenants only. The slug is [a-z0-9-] (router.c). */
	snprintf(path, sizeof(path), "/rest/v1/tenants?select=id&slug=eq.%s"
	    "&deleted_at=is.null", c->tenant);
	if ((st = api_supa_j(c, "GET", path, NULL, NULL, 1, NULL, &j)) != 0) {
		api_fail(c, st);
		goto out;
	}
	if ((id = jsonx_str(json_array_get(j, 0), "id")) == NULL ||
	    strlen(id) != UUID_STRLEN) {
		response_error(req, 404, NULL, "no such tenant");
		goto out;
	}
	memcpy(c->tenant_id, id, UUID_STRLEN + 1);
	rc = 0;
out:
	json_decref(j);
	return rc;
}

/* The body: fields at the top, limiter rules one level down. 0 with
 * *out, or -1 answered. */
static int
limits_body(struct api_ctx *c, const struct api_field *fields, size_t n,
    json_t **out)
{
	const char	*k;
	json_t		*v;

	if (api_body(c, fields, n, out) == -1)
		return -1;
	json_object_foreach(*out, k, v)
		if (json_is_object(v) && api_object_check(c,
		    limits_rule_fields, LIMITS_NRULE, v) == -1) {
			json_decref(*out);
			*out = NULL;
			return -1;
		}
	return 0;
}

/* PATCH path's row(s) to limits as the service role, audit, answer. */
static void
limits_write(struct api_ctx *c, const char *path, const char *target,
    const char *what, json_t *limits)
{
	json_t	*w = NULL, *res = NULL, *d = NULL;
	int	 st;

	if ((w = json_pack("{s:O}", "limits", limits)) == NULL) {
		api_fail(c, 500);
		goto out;
	}
	if ((st = api_supa_j(c, "PATCH", path, w, "return=representation", 1,
	    NULL, &res)) != 0) {
		api_fail(c, st);
		goto out;
	}
	if (!json_is_array(res) || json_array_size(res) != 1) {
		response_error(c->req, 404, NULL, "no such %s", what);
		goto out;
	}
	d = json_pack("{s:s, s:O}", "target", what, "limits", limits);
	api_audit(c, NULL, "limits.set", target, d);
	json_decref(w);
	w = json_pack("{s:O}", "limits", json_object_get(json_array_get(res,
	    0), "limits"));
	if (w == NULL)
		api_fail(c, 500);
	else
		response_json(c->req, 200, w);
out:
	json_decref(d);
	json_decref(res);
	json_decref(w);
}

int
api_limits_tenant_put(struct request *req, const struct route_params *rp)
{
	struct api_ctx	 c;
	char		 path[API_PATH_MAX];
	json_t		*body = NULL;

	if (limits_begin(&c, req, rp) == -1 ||
	    limits_body(&c, limits_tenant_fields, NELEM(limits_tenant_fields),
	    &body) == -1)
		goto out;
	snprintf(path, sizeof(path), "/rest/v1/tenants?id=eq.%s&select=limits",
	    c.tenant_id);
	limits_write(&c, path, c.tenant, "tenant", body);
out:
	json_decref(body);
	api_ctx_release(&c);
	return 0;
}

int
api_limits_server_put(struct request *req, const struct route_params *rp)
{
	struct api_ctx	 c;
	char		 path[API_PATH_MAX], alias[LIMIT_SLUG + 1];
	json_t		*body = NULL;

	if (limits_begin(&c, req, rp) == -1 ||
	    api_server_alias(&c, rp, alias) == -1 ||
	    limits_body(&c, limits_server_fields, NELEM(limits_server_fields),
	    &body) == -1)
		goto out;
	snprintf(path, sizeof(path), "/rest/v1/tenant_servers?tenant_id=eq.%s"
	    "&alias=eq.%s&select=limits", c.tenant_id, alias);
	limits_write(&c, path, alias, "server", body);
out:
	json_decref(body);
	api_ctx_release(&c);
	return 0;
}
