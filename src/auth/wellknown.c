/*
 * wellknown.c -- protected resource metadata and the platform JWKS; see
 * wellknown.h.
 */
#include <string.h>

#include "auth/pkey.h"
#include "log.h"
#include "product_limits.h"
#include "http/response.h"
#include "strparse.h"
#include "auth/wellknown.h"

#define WELLKNOWN_MOD		"wellknown"

int
wellknown_prm_url(const struct request *req, const char *tenant,
    size_t tenantlen, const char *server, size_t serverlen, struct buf *out)
{
	if (request_base_url(req, out) == -1 ||
	    buf_appends(out, WELLKNOWN_PRM_PATH) == -1)
		return -1;
	if (tenant == NULL || server == NULL ||
	    !strparse_is_slug(tenant, tenantlen, LIMIT_SLUG) ||
	    !strparse_is_slug(server, serverlen, LIMIT_SLUG))
		return 0;
	return buf_printf(out, "/mcp/%.*s/%.*s", (int)tenantlen, tenant,
	    (int)serverlen, server);
}

/* RFC 9728 section 2 metadata for resource (borrowed). */
static int
wellknown_send_prm(struct request *req, const char *resource)
{
	struct buf	 iss;
	json_t		*doc = NULL;
	int		 rc = -1;

	buf_init(&iss, LIMIT_URL + 16);
	if (config_supabase_issuer(req->cfg, &iss) == -1)
		goto out;
	doc = json_pack("{s:s, s:[s], s:[s], s:[s], s:s}",
	    "resource", resource,
	    "authorization_servers", iss.data,
	    "bearer_methods_supported", "header",
	    "scopes_supported", WELLKNOWN_OAUTH_SCOPE,
	    "resource_name", WELLKNOWN_RESOURCE_NAME);
	if (doc == NULL)
		goto out;
	if (response_header(req, "Access-Control-Allow-Origin", "*") == -1)
		goto out;
	rc = response_json(req, 200, doc);
out:
	json_decref(doc);
	buf_release(&iss);
	return rc;
}

int
wellknown_prm(struct request *req, const struct route_params *params)
{
	struct buf	 res;
	int		 rc = -1;

	buf_init(&res, LIMIT_URL + LIMIT_PATH + 2 * LIMIT_SLUG + 16);
	if (params->n != 2)
		goto out;
	if (request_base_url(req, &res) == -1) {
		rc = response_error(req, 400, NULL, "cannot tell the "
		    "platform's own URL: no usable Host");
		goto out;
	}
	if (buf_printf(&res, "/mcp/%.*s/%.*s", (int)params->v[0].len,
	    params->v[0].p, (int)params->v[1].len, params->v[1].p) == -1)
		goto out;
	rc = wellknown_send_prm(req, res.data);
out:
	buf_release(&res);
	return rc;
}

int
wellknown_prm_root(struct request *req, const struct route_params *params)
{
	struct buf	 res;
	int		 rc = -1;

	(void)params;
	buf_init(&res, LIMIT_URL + LIMIT_PATH + 16);
	if (request_base_url(req, &res) == -1) {
		rc = response_error(req, 400, NULL, "cannot tell the "
		    "platform's own URL: no usable Host");
		goto out;
	}
	rc = wellknown_send_prm(req, res.data);
out:
	buf_release(&res);
	return rc;
}

int
wellknown_jwks(struct request *req, const struct route_params *params)
{
	json_t	*keys = NULL, *jwk = NULL, *doc = NULL;
	int	 rc = -1;

	(void)params;
	if ((keys = json_array()) == NULL)
		goto out;
	if (pkey_jwk(req->cfg, &jwk) == -1) {
		log_error(WELLKNOWN_MOD, "cannot publish the platform key");
		goto out;
	}
	if (jwk != NULL && json_array_append_new(keys, jwk) == -1)
		goto out;
	if ((doc = json_pack("{s:O}", "keys", keys)) == NULL)
		goto out;
	if (response_header(req, "Access-Control-Allow-Origin", "*") == -1)
		goto out;
	rc = response_json(req, 200, doc);
out:
	json_decref(doc);
	json_decref(keys);
	return rc;
}

/*
 * RFC 8414 section 3.1: the metadata URL of issuer -- the well-known path
 * inserted between its origin and its path -- appended to out.
 */
static int
wellknown_as_url(const char *issuer, struct buf *out)
{
	const char	*p, *path;

	if ((p = strstr(issuer, "://")) == NULL)
		return -1;
	if ((path = strchr(p + 3, '/')) == NULL)
		path = p + strlen(p);
	if (buf_append(out, issuer, (size_t)(path - issuer)) == -1 ||
	    buf_appends(out, WELLKNOWN_AS_PATH) == -1)
		return -1;
	/* "https://x/" is the issuer "https://x": no trailing slash. */
	return strcmp(path, "/") == 0 ? 0 : buf_appends(out, path);
}

int
wellknown_as(struct request *req, const struct route_params *params)
{
	struct buf	 iss, url;
	int		 rc = -1;

	(void)params;
	buf_init(&iss, LIMIT_URL + 16);
	buf_init(&url, 2 * LIMIT_URL + sizeof(WELLKNOWN_AS_PATH));
	if (config_supabase_issuer(req->cfg, &iss) == -1 ||
	    wellknown_as_url(iss.data, &url) == -1) {
		log_error(WELLKNOWN_MOD, "cannot tell the authorization "
		    "server's metadata URL");
		goto out;
	}
	if (response_header(req, "Location", url.data) == -1 ||
	    response_header(req, "Access-Control-Allow-Origin", "*") == -1 ||
	    response_header(req, "Cache-Control", "public, max-age=3600") ==
	    -1)
		goto out;
	rc = response_send(req, 302, NULL, NULL, 0);
out:
	buf_release(&url);
	buf_release(&iss);
	return rc;
}
