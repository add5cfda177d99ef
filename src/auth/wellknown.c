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
#define WELLKNOWN_HOST_MAX	255	/* RFC 1035 name + ":port" fits */

/* host[:port] as RFC 3986 3.2.2 reg-name / IP-literal, conservatively. */
static int
wellknown_host_ok(const char *h)
{
	size_t	 i, len;

	if (h == NULL || (len = strlen(h)) == 0 || len > WELLKNOWN_HOST_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		char c = h[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '-' ||
		    c == '_' || c == ':' || c == '[' || c == ']'))
			return 0;
	}
	return 1;
}

/* RFC 3986 pchar and '/', without '"' or '\': fit for a quoted-string. */
static int
wellknown_path_ok(const char *p, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++) {
		char c = p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') ||
		    (c != '\0' && strchr("-._~!$&'()*+,;=:@/%", c) != NULL)))
			return 0;
	}
	return 1;
}

static int
wellknown_is_https(const struct request *req)
{
	const char	*v;

	if ((v = request_env(req, "HTTPS")) != NULL &&
	    (strparse_eq_ci(v, strlen(v), "on") || strcmp(v, "1") == 0))
		return 1;
	return (v = request_env(req, "REQUEST_SCHEME")) != NULL &&
	    strparse_eq_ci(v, strlen(v), "https");
}

/* The part of REQUEST_URI's path in front of the routed path, or "". */
static void
wellknown_prefix(const struct request *req, const char **p, size_t *len)
{
	const char	*uri = request_env(req, "REQUEST_URI"), *q;
	size_t		 ulen, plen = strlen(req->path);

	*p = "";
	*len = 0;
	if (uri == NULL || plen == 0)
		return;
	q = strchr(uri, '?');
	ulen = q != NULL ? (size_t)(q - uri) : strlen(uri);
	if (ulen <= plen || memcmp(uri + ulen - plen, req->path, plen) != 0 ||
	    uri[0] != '/' || ulen - plen > LIMIT_PATH ||
	    !wellknown_path_ok(uri, ulen - plen))
		return;
	*p = uri;
	*len = ulen - plen;
}

int
wellknown_base_url(const struct request *req, struct buf *out)
{
	const char	*host, *port, *prefix;
	size_t		 plen;
	int		 https;

	if (req->cfg != NULL && req->cfg->public_base_url != NULL)
		return buf_appends(out, req->cfg->public_base_url);
	https = wellknown_is_https(req);
	if (buf_appends(out, https ? "https://" : "http://") == -1)
		return -1;
	host = request_env(req, "HTTP_HOST");
	if (wellknown_host_ok(host)) {
		if (buf_appends(out, host) == -1)
			return -1;
	} else {
		host = request_env(req, "SERVER_NAME");
		port = request_env(req, "SERVER_PORT");
		if (!wellknown_host_ok(host) || buf_appends(out, host) == -1)
			return -1;
		if (port != NULL && *port != '\0' &&
		    strspn(port, "0123456789") == strlen(port) &&
		    strlen(port) <= 5 &&
		    strcmp(port, https ? "443" : "80") != 0 &&
		    buf_printf(out, ":%s", port) == -1)
			return -1;
	}
	wellknown_prefix(req, &prefix, &plen);
	return buf_append(out, prefix, plen);
}

int
wellknown_prm_url(const struct request *req, const char *tenant,
    size_t tenantlen, const char *server, size_t serverlen, struct buf *out)
{
	if (wellknown_base_url(req, out) == -1 ||
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
	doc = json_pack("{s:s, s:[s], s:[s], s:[], s:s}",
	    "resource", resource,
	    "authorization_servers", iss.data,
	    "bearer_methods_supported", "header",
	    "scopes_supported",
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
	if (wellknown_base_url(req, &res) == -1) {
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
	if (wellknown_base_url(req, &res) == -1) {
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
