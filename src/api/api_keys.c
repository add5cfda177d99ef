/*
 * api_keys.c -- API keys over /api/v1 and the key-for-token exchange;
 * see api_keys.h.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "api/api.h"
#include "api/api_keys.h"
#include "api/api_logs.h"
#include "auth/auth.h"
#include "buf.h"
#include "httpc.h"
#include "jsonx.h"
#include "log.h"
#include "product_limits.h"
#include "http/response.h"
#include "store/apikey.h"
#include "strparse.h"
#include "uuid.h"

#define MOD		"api_keys"
#define KEYS_PATH	"/rest/v1/api_keys"
#define KEYS_COLUMNS	"id,prefix,name,scopes,servers,created_by," \
			"created_at,last_used_at,expires_at,revoked_at"
#define KEYS_LIST_MAX	1000

static const char *const keys_scopes[] = {
	API_SCOPE_MCP_CALL, API_SCOPE_LOGS_READ, API_SCOPE_ADMIN, NULL
};

/* A user's role in c->tenant_id must be owner or admin: 0, or -1
 * answered (403, or the store's error). Keys passed api_need_scope. */
static int
keys_need_manager(struct api_ctx *c)
{
	struct api_supa_call	 ac;
	struct httpc_response	 resp;
	char			 path[API_PATH_MAX];
	const char		*role;
	json_t			*j = NULL;
	int			 st;

	if (c->who.kind != PRINCIPAL_USER)
		return 0;
	httpc_response_init(&resp);
	snprintf(path, sizeof(path), "/rest/v1/tenant_members?select=role"
	    "&tenant_id=eq.%s&user_id=eq.%s", c->tenant_id, c->who.sub);
	memset(&ac, 0, sizeof(ac));
	ac.method = "GET";
	ac.path = path;
	if ((st = api_supa(c, &ac, &resp, &j)) == 0) {
		role = jsonx_str(json_array_get(j, 0), "role");
		st = role != NULL && (strcmp(role, "owner") == 0 ||
		    strcmp(role, "admin") == 0) ? 0 : 403;
	}
	json_decref(j);
	httpc_response_release(&resp);
	if (st == 403) {
		response_error(c->req, 403, NULL, "only the tenant's owners "
		    "and admins manage API keys");
		return -1;
	}
	if (st != 0) {
		api_fail(c, st);
		return -1;
	}
	return 0;
}

/* scopes: known, at least one; a copy without duplicates into *out. */
static int
keys_check_scopes(struct api_ctx *c, const json_t *a, json_t **out)
{
	const json_t	*e;
	const char	*s;
	size_t		 i, k, n;

	*out = NULL;
	if (json_array_size(a) == 0) {
		response_error(c->req, 400, NULL, "field 'scopes' needs at "
		    "least one of mcp:call, logs:read, admin");
		return -1;
	}
	if ((*out = json_array()) == NULL) {
		response_error(c->req, 500, NULL, "out of memory");
		return -1;
	}
	json_array_foreach(a, i, e) {
		s = json_string_value(e);
		for (k = 0; keys_scopes[k] != NULL; k++)
			if (strcmp(keys_scopes[k], s) == 0)
				break;
		if (keys_scopes[k] == NULL) {
			response_error(c->req, 400, NULL, "unknown scope "
			    "'%.64s' (mcp:call, logs:read, admin)", s);
			goto fail;
		}
		for (n = 0; n < json_array_size(*out); n++)
			if (strcmp(json_string_value(json_array_get(*out, n)),
			    s) == 0)
				break;
		if (n == json_array_size(*out))
			json_array_append_new(*out, json_string(s));
	}
	return 0;
fail:
	json_decref(*out);
	*out = NULL;
	return -1;
}

/* servers: aliases (slugs), or null. 0, or -1 answered. */
static int
keys_check_servers(struct api_ctx *c, const json_t *a)
{
	const json_t	*e;
	const char	*s;
	size_t		 i;

	if (a == NULL || json_is_null(a))
		return 0;
	if (json_array_size(a) == 0) {
		response_error(c->req, 400, NULL, "field 'servers' must list "
		    "at least one alias, or be left out for all");
		return -1;
	}
	json_array_foreach(a, i, e) {
		s = json_string_value(e);
		if (!strparse_is_slug(s, strlen(s), LIMIT_SLUG)) {
			response_error(c->req, 400, NULL, "field 'servers': "
			    "'%.64s' is not a server alias", s);
			return -1;
		}
	}
	return 0;
}

/* expires_at: RFC 3339, in the future; "" in out when absent. */
static int
keys_check_expiry(struct api_ctx *c, const json_t *v,
    char out[API_LOGS_TIME_STRLEN])
{
	int64_t		 t;
	const char	*s;

	out[0] = '\0';
	if (v == NULL || json_is_null(v))
		return 0;
	s = json_string_value(v);
	if (api_logs_parse_time(s, strlen(s), 1, &t) == -1 ||
	    api_logs_format_time(t, out) == -1) {
		response_error(c->req, 400, NULL, "field 'expires_at' must be "
		    "an RFC 3339 timestamp");
		return -1;
	}
	if (t <= api_now()) {
		response_error(c->req, 400, NULL, "field 'expires_at' is in "
		    "the past");
		return -1;
	}
	return 0;
}

int
api_keys_create(struct request *req, const struct route_params *rp)
{
	static const struct api_field fields[] = {
		{ "name", API_T_STRING, 1, LIMIT_APIKEY_NAME, 0 },
		{ "scopes", API_T_STRINGS, 1, 3, 0 },
		{ "servers", API_T_STRINGS, 0, LIMIT_APIKEY_SERVERS, 1 },
		{ "expires_at", API_T_STRING, 0, 64, 1 },
	};
	struct api_ctx		 c;
	struct api_supa_call	 ac;
	struct httpc_response	 resp;
	struct apikey_new	 k;
	struct buf		 body;
	json_t			*in = NULL, *scopes = NULL, *row = NULL;
	json_t			*out = NULL, *j = NULL, *servers, *d = NULL;
	char			 hex[2 * APIKEY_SHA256 + 3], exp[API_LOGS_TIME_STRLEN];
	char			 path[API_PATH_MAX];
	const char		*name;
	size_t			 i;
	int			 st;

	memset(&k, 0, sizeof(k));
	httpc_response_init(&resp);
	buf_init(&body, 64 * 1024);
	if (api_begin(&c, req, rp) == -1)
		goto out;
	if (c.who.kind != PRINCIPAL_USER) {
		/* A key minting keys would outlive its own expiry and
		 * revocation: only people create keys. */
		response_error(req, 403, "insufficient_scope", "API keys "
		    "cannot create API keys; sign in as an owner or admin");
		goto out;
	}
	if (api_body(&c, fields, sizeof(fields) / sizeof(fields[0]),
	    &in) == -1)
		goto out;
	name = jsonx_str(in, "name");
	servers = json_object_get(in, "servers");
	if (name[0] == '\0') {
		response_error(req, 400, NULL, "field 'name' is empty");
		goto out;
	}
	if (keys_check_scopes(&c, json_object_get(in, "scopes"),
	    &scopes) == -1 || keys_check_servers(&c, servers) == -1 ||
	    keys_check_expiry(&c, json_object_get(in, "expires_at"),
	    exp) == -1)
		goto out;
	if (api_tenant_access(&c) == -1 || keys_need_manager(&c) == -1)
		goto out;
	if (apikey_generate(&k) == -1) {
		response_error(req, 500, NULL, "internal error");
		goto out;
	}
	hex[0] = '\\';
	hex[1] = 'x';
	for (i = 0; i < APIKEY_SHA256; i++)
		snprintf(hex + 2 + 2 * i, 3, "%02x", k.sha256[i]);
	row = json_pack("{s:s,s:s,s:s,s:s,s:O,s:O,s:o}",
	    "tenant_id", c.tenant_id, "name", name, "prefix", k.id,
	    "secret_sha256", hex, "scopes", scopes,
	    "servers", servers != NULL ? servers : json_null(),
	    "expires_at", exp[0] != '\0' ? json_string(exp) : json_null());
	if (row == NULL || jsonx_dumpb(&body, row) == -1) {
		response_error(req, 500, NULL, "internal error");
		goto out;
	}
	/* return=minimal, then read it back: RETURNING * would need
	 * secret_sha256, which users may not select (column grants). */
	memset(&ac, 0, sizeof(ac));
	ac.method = "POST";
	ac.path = KEYS_PATH;
	ac.body = &body;
	ac.prefer = "return=minimal";
	if ((st = api_supa(&c, &ac, &resp, &j)) != 0) {
		api_fail(&c, st);
		goto out;
	}
	json_decref(j);
	j = NULL;
	httpc_response_release(&resp);
	httpc_response_init(&resp);
	snprintf(path, sizeof(path), KEYS_PATH "?select=" KEYS_COLUMNS
	    "&prefix=eq.%s&tenant_id=eq.%s", k.id, c.tenant_id);
	memset(&ac, 0, sizeof(ac));
	ac.method = "GET";
	ac.path = path;
	if ((st = api_supa(&c, &ac, &resp, &j)) != 0) {
		api_fail(&c, st);
		goto out;
	}
	out = json_incref(json_array_get(j, 0));
	if (!json_is_object(out) || jsonx_str(out, "id") == NULL) {
		log_error(MOD, "api_keys insert answered no row");
		response_error(req, 502, NULL, "store error");
		goto out;
	}
	d = json_pack("{s:s,s:s,s:O,s:O,s:O}", "prefix", k.id, "name", name,
	    "scopes", scopes, "servers", json_object_get(out, "servers"),
	    "expires_at", json_object_get(out, "expires_at"));
	api_audit(&c, NULL, "api_key.create", jsonx_str(out, "id"), d);
	/* The one time the secret leaves: never cached by anyone. */
	json_object_set_new(out, "key", json_string(k.key));
	response_header(req, "Cache-Control", "no-store");
	response_json(req, 201, out);
	if (out != NULL)
		json_object_del(out, "key");
out:
	explicit_bzero(&k, sizeof(k));
	buf_release_secret(&body);
	json_decref(d);
	json_decref(out);
	json_decref(j);
	json_decref(row);
	json_decref(scopes);
	json_decref(in);
	httpc_response_release(&resp);
	api_ctx_release(&c);
	return 0;
}

int
api_keys_list(struct request *req, const struct route_params *rp)
{
	struct api_ctx		 c;
	struct api_supa_call	 ac;
	struct httpc_response	 resp;
	char			 path[API_PATH_MAX];
	json_t			*j = NULL, *out = NULL;
	int			 st;

	httpc_response_init(&resp);
	if (api_begin(&c, req, rp) == -1 ||
	    api_need_scope(&c, API_SCOPE_ADMIN) == -1 ||
	    api_tenant_access(&c) == -1 || keys_need_manager(&c) == -1)
		goto out;
	snprintf(path, sizeof(path), KEYS_PATH "?select=" KEYS_COLUMNS
	    "&tenant_id=eq.%s&order=created_at.desc,id.desc&limit=%d",
	    c.tenant_id, KEYS_LIST_MAX);
	memset(&ac, 0, sizeof(ac));
	ac.method = "GET";
	ac.path = path;
	if ((st = api_supa(&c, &ac, &resp, &j)) != 0) {
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
	httpc_response_release(&resp);
	api_ctx_release(&c);
	return 0;
}

int
api_keys_revoke(struct request *req, const struct route_params *rp)
{
	struct api_ctx		 c;
	struct api_supa_call	 ac;
	struct httpc_response	 resp;
	struct buf		 body;
	char			 path[API_PATH_MAX], id[UUID_STRLEN + 1];
	char			 now[API_LOGS_TIME_STRLEN];
	json_t			*j = NULL, *d = NULL;
	int			 st;

	httpc_response_init(&resp);
	buf_init(&body, 256);
	if (api_begin(&c, req, rp) == -1)
		goto out;
	if (rp->n != 2 || !uuid_is_valid(rp->v[1].p, rp->v[1].len)) {
		response_error(req, 404, NULL, "no such API key");
		goto out;
	}
	memcpy(id, rp->v[1].p, UUID_STRLEN);
	id[UUID_STRLEN] = '\0';
	if (api_need_scope(&c, API_SCOPE_ADMIN) == -1 ||
	    api_tenant_access(&c) == -1 || keys_need_manager(&c) == -1)
		goto out;
	if (api_logs_format_time(api_now(), now) == -1 ||
	    buf_printf(&body, "{\"revoked_at\":\"%s\"}", now) == -1) {
		response_error(req, 500, NULL, "internal error");
		goto out;
	}
	/* The row first (its prefix for the audit row), then the change,
	 * guarded by revoked_at=is.null; return=minimal as for create. */
	snprintf(path, sizeof(path), KEYS_PATH "?select=id,prefix,name,"
	    "revoked_at&id=eq.%s&tenant_id=eq.%s", id, c.tenant_id);
	memset(&ac, 0, sizeof(ac));
	ac.method = "GET";
	ac.path = path;
	if ((st = api_supa(&c, &ac, &resp, &j)) != 0) {
		api_fail(&c, st);
		goto out;
	}
	if (json_array_size(j) != 1) {
		response_error(req, 404, NULL, "no such API key");
		goto out;
	}
	if (json_array_size(j) == 1 && json_is_null(json_object_get(
	    json_array_get(j, 0), "revoked_at"))) {
		httpc_response_release(&resp);
		httpc_response_init(&resp);
		snprintf(path, sizeof(path), KEYS_PATH "?id=eq.%s"
		    "&tenant_id=eq.%s&revoked_at=is.null", id, c.tenant_id);
		memset(&ac, 0, sizeof(ac));
		ac.method = "PATCH";
		ac.path = path;
		ac.body = &body;
		ac.prefer = "return=minimal";
		if ((st = api_supa(&c, &ac, &resp, &d)) != 0) {
			api_fail(&c, st);
			goto out;
		}
		json_decref(d);
		d = json_pack("{s:O,s:O}", "prefix",
		    json_object_get(json_array_get(j, 0), "prefix"), "name",
		    json_object_get(json_array_get(j, 0), "name"));
		api_audit(&c, NULL, "api_key.revoke", id, d);
		response_send(req, 204, NULL, NULL, 0);
		goto out;
	}
	/* Revoked before: revocation is final, asking again is no
	 * error (and no second audit row). */
	response_send(req, 204, NULL, NULL, 0);
out:
	json_decref(d);
	json_decref(j);
	buf_release(&body);
	httpc_response_release(&resp);
	api_ctx_release(&c);
	return 0;
}

int
api_keys_token(struct request *req, const struct route_params *rp)
{
	static const struct api_field fields[] = {
		{ "expires_in", API_T_INT, 0, LIMIT_PLATFORM_TOKEN_TTL_MAX, 0 },
	};
	struct api_ctx		 c;
	struct apikey_info	 k;
	struct buf		 tok;
	const char		*bearer;
	char			 why[AUTH_WHY_MAX];
	json_t			*in = NULL, *out = NULL;
	unsigned long		 ttl = LIMIT_PLATFORM_TOKEN_TTL;
	size_t			 len;
	int			 st;

	(void)rp;
	memset(&c, 0, sizeof(c));
	c.req = req;
	buf_init(&c.token, 1);
	buf_init(&tok, LIMIT_JWT_LEN);
	if (auth_bearer(req->authorization, &bearer, &len) != 0 ||
	    !apikey_looks_like(bearer, len)) {
		log_info(MOD, "token refused: no api key as the bearer");
		auth_reject(req, 401, NULL, 0, NULL, 0);
		goto out;
	}
	if ((st = apikey_authenticate(req->cfg, bearer, len, &k, why,
	    sizeof(why))) != 0) {
		log_info(MOD, "token refused: %s", why);
		auth_reject(req, st, NULL, 0, NULL, 0);
		goto out;
	}
	apikey_principal(&k, &c.who);
	if (req->content_length > 0) {
		if (api_body(&c, fields, 1, &in) == -1)
			goto out;
		if (json_object_get(in, "expires_in") != NULL) {
			ttl = (unsigned long)json_integer_value(
			    json_object_get(in, "expires_in"));
			if (ttl < 60) {
				response_error(req, 400, NULL, "field "
				    "'expires_in' must be 60 to %d seconds",
				    LIMIT_PLATFORM_TOKEN_TTL_MAX);
				goto out;
			}
		}
	}
	if (auth_mint_platform_token(req->cfg, k.id, k.tenant_slug, k.scopes,
	    ttl, &tok) == -1 || buf_cstr(&tok) == NULL) {
		log_error(MOD, "cannot mint a platform token (is "
		    "platform_signing_key_file set?)");
		response_error(req, 503, NULL, "platform tokens are not "
		    "available");
		goto out;
	}
	apikey_used(k.id);
	out = json_pack("{s:s,s:s,s:I,s:s}", "access_token", tok.data,
	    "token_type", "Bearer", "expires_in", (json_int_t)ttl, "scope",
	    k.scopes);
	if (out == NULL) {
		response_error(req, 500, NULL, "internal error");
		goto out;
	}
	/* RFC 6749 5.1: tokens are not to be cached. */
	response_header(req, "Cache-Control", "no-store");
	response_json(req, 200, out);
out:
	json_decref(out);
	json_decref(in);
	buf_release_secret(&tok);
	api_ctx_release(&c);
	return 0;
}
