/*
 * supa.c -- one call to Supabase's REST API; see supa.h.
 */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "httpc.h"
#include "jsonx.h"
#include "product_limits.h"
#include "store/supa.h"

#define SUPA_NHEADERS	8

int
supa_perform(const struct config *cfg, const struct supa_call *c,
    struct httpc_response *resp, char *why, size_t whylen)
{
	struct httpc_request	 hr;
	struct buf		 url, apikey, bearer, prefer;
	const char		*headers[SUPA_NHEADERS];
	size_t			 nh = 0;
	int			 rc = -1;

	memset(&hr, 0, sizeof(hr));
	buf_init(&url, LIMIT_URL + LIMIT_PATH + LIMIT_QUERY);
	buf_init(&apikey, LIMIT_SECRET_FILE + 32);
	buf_init(&bearer, LIMIT_SECRET_FILE + LIMIT_JWT_LEN + 32);
	buf_init(&prefer, 512);

	if ((c->user_token != NULL || c->publishable) &&
	    cfg->supabase_publishable_key == NULL) {
		snprintf(why, whylen, "supabase_publishable_key is not set: "
		    "cannot call Supabase as a user");
		goto out;
	}
	if (buf_printf(&url, "%s%s", cfg->supabase_url, c->path) == -1) {
		snprintf(why, whylen, "request URL too long");
		goto out;
	}
	if (c->user_token != NULL) {
		if (buf_printf(&apikey, "apikey: %s",
		    cfg->supabase_publishable_key) == -1 ||
		    buf_printf(&bearer, "Authorization: Bearer %s",
		    c->user_token) == -1)
			goto oom;
		headers[nh++] = apikey.data;
		headers[nh++] = bearer.data;
	} else if (c->publishable) {
		if (buf_printf(&apikey, "apikey: %s",
		    cfg->supabase_publishable_key) == -1)
			goto oom;
		headers[nh++] = apikey.data;
	} else {
		if (buf_printf(&apikey, "apikey: %s",
		    buf_cstr(&cfg->supabase_secret_key)) == -1)
			goto oom;
		headers[nh++] = apikey.data;
		if (config_secret_key_is_jwt(cfg)) {
			if (buf_printf(&bearer, "Authorization: Bearer %s",
			    buf_cstr(&cfg->supabase_secret_key)) == -1)
				goto oom;
			headers[nh++] = bearer.data;
		}
	}
	if (c->prefer != NULL) {
		if (buf_printf(&prefer, "Prefer: %s", c->prefer) == -1)
			goto oom;
		headers[nh++] = prefer.data;
	}
	if (c->body != NULL)
		headers[nh++] = "Content-Type: application/json";
	headers[nh++] = "Accept: application/json";
	headers[nh] = NULL;

	hr.method = c->method;
	hr.url = url.data;
	hr.headers = headers;
	hr.body = c->body;
	hr.bodylen = c->bodylen;
	hr.timeout_ms = c->timeout_ms;
	hr.max_response = c->max_response;
	if (httpc_perform(&hr, resp) == -1) {
		snprintf(why, whylen, "supabase unreachable: %s",
		    resp->detail[0] != '\0' ? resp->detail : resp->err);
		goto out;
	}
	rc = 0;
	goto out;
oom:
	snprintf(why, whylen, "out of memory");
out:
	buf_release_secret(&prefer);
	buf_release_secret(&bearer);
	buf_release_secret(&apikey);
	buf_release(&url);
	return rc;
}

int
supa_rpc(const struct config *cfg, const char *path, const char *name,
    const json_t *args, long timeout_ms, size_t max_response, json_t **out,
    char *why, size_t whylen)
{
	struct supa_call	 c;
	struct httpc_response	 resp;
	struct buf		 body;
	char			 err[128];
	int			 rc = -1;

	*out = NULL;
	memset(&c, 0, sizeof(c));
	buf_init(&body, LIMIT_SUPA_RPC_ARGS);
	httpc_response_init(&resp);
	if (jsonx_dumpb(&body, args) == -1) {
		snprintf(why, whylen, "%s: arguments over %d bytes, or out of "
		    "memory", name, LIMIT_SUPA_RPC_ARGS);
		goto out;
	}
	c.method = "POST";
	c.path = path;
	c.body = body.data;
	c.bodylen = body.len;
	c.timeout_ms = timeout_ms;
	c.max_response = max_response;
	if (supa_perform(cfg, &c, &resp, why, whylen) == -1)
		goto out;
	if (resp.status != 200) {
		snprintf(why, whylen, "%s answered %ld", name, resp.status);
		goto out;
	}
	if ((*out = jsonx_loadb(resp.body.data != NULL ? resp.body.data : "",
	    resp.body.len, LIMIT_JSON_DEPTH, err, sizeof(err))) == NULL) {
		snprintf(why, whylen, "%s: %s", name, err);
		goto out;
	}
	rc = 0;
out:
	httpc_response_release(&resp);
	buf_release(&body);
	return rc;
}
