/*
 * health.c -- /healthz and /readyz; see health.h.
 */
#include <stdio.h>

#include "http/health.h"
#include "httpc.h"
#include "product_limits.h"
#include "log.h"
#include "http/response.h"

#define HEALTH_READY_PATH	"/rest/v1/mcp_servers?select=slug&limit=1"

static int
health_status(struct request *req, int status, const char *state,
    const char *reason)
{
	json_t	*j;
	int	 rc;

	j = reason != NULL ?
	    json_pack("{s:s,s:s}", "status", state, "reason", reason) :
	    json_pack("{s:s}", "status", state);
	if (j == NULL)
		return -1;
	rc = response_json(req, status, j);
	json_decref(j);
	return rc;
}

int
health_live(struct request *req, const struct route_params *params)
{
	(void)params;
	return health_status(req, 200, "ok", NULL);
}

int
health_ready(struct request *req, const struct route_params *params)
{
	const struct config	*cfg = req->cfg;
	struct httpc_request	 hr = { 0 };
	struct httpc_response	 resp;
	struct buf		 url, apikey, bearer;
	const char		*headers[4];
	char			 reason[128];
	size_t			 nh = 0;
	int			 rc = -1;

	(void)params;
	buf_init(&url, LIMIT_URL + sizeof(HEALTH_READY_PATH));
	buf_init(&apikey, LIMIT_SECRET_FILE + 32);
	buf_init(&bearer, LIMIT_SECRET_FILE + 32);
	httpc_response_init(&resp);

	if (buf_printf(&url, "%s%s", cfg->supabase_url, HEALTH_READY_PATH) ==
	    -1 || buf_printf(&apikey, "apikey: %s",
	    buf_cstr(&cfg->supabase_secret_key)) == -1)
		goto out;
	headers[nh++] = apikey.data;
	if (config_secret_key_is_jwt(cfg)) {
		if (buf_printf(&bearer, "Authorization: Bearer %s",
		    buf_cstr(&cfg->supabase_secret_key)) == -1)
			goto out;
		headers[nh++] = bearer.data;
	}
	headers[nh++] = "Accept: application/json";
	headers[nh] = NULL;

	hr.url = url.data;
	hr.headers = headers;
	hr.timeout_ms = LIMIT_READYZ_TIMEOUT_MS;
	hr.max_response = LIMIT_READYZ_RESPONSE;

	if (httpc_perform(&hr, &resp) == -1) {
		log_warn("health", "readyz: supabase unreachable: %s",
		    resp.detail);
		snprintf(reason, sizeof(reason), "supabase unreachable: %s",
		    resp.err);
		rc = health_status(req, 503, "unavailable", reason);
	} else if (resp.status < 200 || resp.status > 299) {
		log_warn("health", "readyz: supabase answered %ld",
		    resp.status);
		snprintf(reason, sizeof(reason), "supabase answered %ld",
		    resp.status);
		rc = health_status(req, 503, "unavailable", reason);
	} else
		rc = health_status(req, 200, "ready", NULL);
out:
	httpc_response_release(&resp);
	buf_release_secret(&bearer);
	buf_release_secret(&apikey);
	buf_release(&url);
	return rc;
}
