/*
 * api.c -- the caller, the tenant, Supabase calls, strict bodies, scopes
 * and audit rows shared by every /api/v1 handler; see api.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "api/api.h"
#include "auth/auth.h"
#include "buf.h"
#include "httpc.h"
#include "jsonx.h"
#include "log.h"
#include "product_limits.h"
#include "http/response.h"
#include "store/supa.h"
#include "strparse.h"
#include "uuid.h"

#define MOD		"api"
#define US_PER_S	INT64_C(1000000)
#define API_AUDIT_PATH	"/rest/v1/audit_events"
#define API_KEYS_PATH	"/rest/v1/api_keys"

int64_t
api_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * US_PER_S + ts.tv_nsec / 1000;
}

int
api_begin(struct api_ctx *c, struct request *req,
    const struct route_params *rp)
{
	const char	*tok;
	char		 why[AUTH_WHY_MAX];
	size_t		 len;
	int		 st;

	memset(c, 0, sizeof(*c));
	c->req = req;
	buf_init(&c->token, LIMIT_JWT_LEN + 1);
	if (rp != NULL && rp->n > 0) {
		if (rp->v[0].len > LIMIT_SLUG) {
			response_error(req, 500, NULL, "internal error");
			return -1;
		}
		memcpy(c->tenant, rp->v[0].p, rp->v[0].len);
		c->tenant[rp->v[0].len] = '\0';
	}
	if ((st = auth_authenticate(req, &c->who, why, sizeof(why))) != 0) {
		auth_reject(req, st, NULL, 0, NULL, 0);
		return -1;
	}
	/* An OAuth client's token is for /mcp on what the user granted it,
	 * never for administering tenants as that user. */
	if (c->who.client_id[0] != '\0') {
		response_error(req, 403, "forbidden", "an OAuth client's "
		    "token is for MCP servers only, not for /api/v1");
		return -1;
	}
	if (c->who.kind == PRINCIPAL_USER) {
		/* the same token, sent on to Supabase: RLS sees the user */
		if (auth_bearer(req->authorization, &tok, &len) != 0 ||
		    buf_append(&c->token, tok, len) == -1 ||
		    buf_cstr(&c->token) == NULL) {
			response_error(req, 500, NULL, "internal error");
			return -1;
		}
	} else if (c->who.kind != PRINCIPAL_API_KEY) {
		response_error(req, 500, NULL, "internal error");
		return -1;
	}
	return 0;
}

void
api_ctx_release(struct api_ctx *c)
{
	buf_release_secret(&c->token);
}

/* Whether the space-separated list has the scope word. */
static int
api_has_scope(const char *list, const char *scope)
{
	size_t	 n = strlen(scope), w;

	while (*list != '\0') {
		while (*list == ' ')
			list++;
		w = strcspn(list, " ");
		if (w == n && strncmp(list, scope, n) == 0)
			return 1;
		list += w;
	}
	return 0;
}

int
api_need_scope(struct api_ctx *c, const char *scope)
{
	if (c->who.kind != PRINCIPAL_API_KEY)
		return 0;
	/* admin covers every scope (docs/authentication.md) */
	if (api_has_scope(c->who.scopes, scope) ||
	    api_has_scope(c->who.scopes, API_SCOPE_ADMIN))
		return 0;
	response_error(c->req, 403, "insufficient_scope", "this API key "
	    "lacks the '%s' scope", scope);
	return -1;
}

/* The HTTP status a failed PostgREST answer turns into. */
static int
api_supa_status(const struct api_ctx *c, long status, const char *code,
    int service)
{
	/* PostgREST: a raised SQLSTATE "PTxyz" is HTTP xyz */
	if (code != NULL && code[0] == 'P' && code[1] == 'T' &&
	    status >= 400 && status < 500)
		return (int)status;
	if (code != NULL && strcmp(code, "23505") == 0)
		return 409;
	if (status == 401 && c->who.kind == PRINCIPAL_USER && !service)
		return 401;
	if (status >= 500)
		return 503;
	return 502;
}

int
api_supa(struct api_ctx *c, const struct api_supa_call *ac,
    struct httpc_response *resp, json_t **out)
{
	struct supa_call	 sc;
	const char		*code;
	json_t			*j = NULL;
	char			 why[LIMIT_HTTPC_ERR + 64], err[128];
	int			 st;

	*out = NULL;
	if (ac->pgcode != NULL)
		ac->pgcode[0] = '\0';
	memset(&sc, 0, sizeof(sc));
	sc.method = ac->method;
	sc.path = ac->path;
	sc.user_token = c->who.kind == PRINCIPAL_USER && !ac->service ?
	    c->token.data : NULL;
	sc.prefer = ac->prefer;
	if (ac->body != NULL) {
		sc.body = ac->body->data;
		sc.bodylen = ac->body->len;
	}
	sc.timeout_ms = ac->timeout_ms > 0 ? ac->timeout_ms :
	    LIMIT_API_TIMEOUT_MS;
	sc.max_response = ac->max_response > 0 ? ac->max_response :
	    LIMIT_API_RESPONSE;
	if (supa_perform(c->req->cfg, &sc, resp, why, sizeof(why)) == -1) {
		log_warn(MOD, "%s %s: %s", ac->method, ac->path, why);
		return 503;
	}
	if (resp->body.len > 0)
		j = jsonx_loadb(resp->body.data, resp->body.len,
		    LIMIT_JSON_DEPTH, err, sizeof(err));
	if (resp->status >= 200 && resp->status < 300 &&
	    (j != NULL || resp->body.len == 0)) {
		*out = j;
		return 0;
	}
	code = jsonx_str(j, "code");
	if (ac->pgcode != NULL && code != NULL)
		snprintf(ac->pgcode, API_PGCODE_MAX, "%s", code);
	st = api_supa_status(c, resp->status, code, ac->service);
	/* PostgREST's code and message come from the database (no key);
	 * they go to the operator only. */
	if (st != 404 && st != 409)
		log_warn(MOD, "%s %s answered %ld %.16s: %.200s", ac->method,
		    ac->path, resp->status, code != NULL ? code : "-",
		    jsonx_str(j, "message") != NULL ?
		    jsonx_str(j, "message") : "(no message)");
	json_decref(j);
	return st;
}

int
api_supa_j(struct api_ctx *c, const char *method, const char *path,
    const json_t *body, const char *prefer, int service, char *pgcode,
    json_t **out)
{
	struct api_supa_call	 ac;
	struct httpc_response	 resp;
	struct buf		 b;
	int			 st;

	*out = NULL;
	httpc_response_init(&resp);
	buf_init(&b, LIMIT_API_BODY);
	memset(&ac, 0, sizeof(ac));
	ac.method = method;
	ac.path = path;
	ac.prefer = prefer;
	ac.service = service;
	ac.pgcode = pgcode;
	if (body != NULL) {
		if (jsonx_dumpb(&b, body) == -1) {
			st = 500;
			goto out;
		}
		ac.body = &b;
	}
	st = api_supa(c, &ac, &resp, out);
out:
	buf_release(&b);
	httpc_response_release(&resp);
	return st;
}

int
api_fail(struct api_ctx *c, int st)
{
	switch (st) {
	case 401:
		return auth_reject(c->req, 401, NULL, 0, NULL, 0);
	case 403:
		return response_error(c->req, 403, NULL, "your role in this "
		    "tenant does not allow that");
	case 404:
		/* unknown tenant, not a member, another tenant's key */
		return response_error(c->req, 404, NULL, "no such tenant");
	case 409:
		return response_error(c->req, 409, NULL, "it exists already");
	case 503:
		return response_error(c->req, 503, NULL, "store unavailable, "
		    "try again later");
	case 502:
		return response_error(c->req, 502, NULL, "store error");
	default:
		return response_error(c->req, 500, NULL, "internal error");
	}
}

/*
 * The tenant's id as the caller sees it: 0 (c->tenant_id set), or the
 * status to answer with. An empty answer -- an unknown slug, or RLS hiding
 * a tenant the user is no member of -- is 404.
 */
static int
api_tenant_id(struct api_ctx *c)
{
	struct api_supa_call	 ac;
	struct httpc_response	 resp;
	char			 path[API_PATH_MAX];
	const char		*id;
	json_t			*j = NULL;
	int			 st;

	httpc_response_init(&resp);
	/* The slug is [a-z0-9-] (router.c): nothing to escape. */
	snprintf(path, sizeof(path), "/rest/v1/tenants?select=id&slug=eq.%s",
	    c->tenant);
	memset(&ac, 0, sizeof(ac));
	ac.method = "GET";
	ac.path = path;
	if ((st = api_supa(c, &ac, &resp, &j)) != 0)
		goto out;
	st = 404;
	if (!json_is_array(j) || json_array_size(j) == 0)
		goto out;
	id = jsonx_str(json_array_get(j, 0), "id");
	if (json_array_size(j) != 1 || id == NULL ||
	    !uuid_is_valid(id, strlen(id))) {
		log_error(MOD, "tenants answered something unexpected");
		st = 502;
		goto out;
	}
	memcpy(c->tenant_id, id, UUID_STRLEN + 1);
	st = 0;
out:
	json_decref(j);
	httpc_response_release(&resp);
	return st;
}

/* "YYYY-MM-DDTHH:MM:SSZ" of now: PostgREST filter value without '+'. */
static void
api_now_text(char out[32])
{
	struct tm	 tm;
	time_t		 t = (time_t)(api_now() / US_PER_S);

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/*
 * An API key's platform token: still live (not revoked, not expired) and
 * of this tenant, asked as the service role. 0, or the status.
 */
static int
api_key_live(struct api_ctx *c)
{
	struct api_supa_call	 ac;
	struct httpc_response	 resp;
	char			 path[API_PATH_MAX], now[32];
	json_t			*j = NULL;
	int			 st;

	httpc_response_init(&resp);
	api_now_text(now);
	snprintf(path, sizeof(path), API_KEYS_PATH "?select=id"
	    "&id=eq.%s&tenant_id=eq.%s&revoked_at=is.null"
	    "&or=(expires_at.is.null,expires_at.gt.%s)", c->who.api_key_id,
	    c->tenant_id, now);
	memset(&ac, 0, sizeof(ac));
	ac.method = "GET";
	ac.path = path;
	ac.service = 1;
	if ((st = api_supa(c, &ac, &resp, &j)) != 0)
		goto out;
	st = json_is_array(j) && json_array_size(j) == 1 ? 0 : 404;
	if (st == 404)
		log_info(MOD, "api key %s: revoked, expired or not of '%s'",
		    c->who.api_key_id, c->tenant);
out:
	json_decref(j);
	httpc_response_release(&resp);
	return st;
}

int
api_tenant_access(struct api_ctx *c)
{
	int	 st;

	if (c->tenant[0] == '\0')
		st = 500;
	/* A platform token is for its own tenant only: no round trip. */
	else if (c->who.kind == PRINCIPAL_API_KEY &&
	    strcmp(c->who.tenant_slug, c->tenant) != 0)
		st = 404;
	else if ((st = api_tenant_id(c)) == 0 &&
	    c->who.kind == PRINCIPAL_API_KEY)
		st = api_key_live(c);
	if (st != 0) {
		api_fail(c, st);
		return -1;
	}
	return 0;
}

static const char *const api_type_names[] = {
	"a string", "a boolean", "an integer", "an object",
	"an array of strings", "a value"
};

/* One member against its field: 0, or 400 answered (-1). */
static int
api_field_check(struct api_ctx *c, const struct api_field *f,
    const json_t *v)
{
	const json_t	*e;
	size_t		 i, max;
	int		 ok;

	if (json_is_null(v) && (f->nullable || f->type == API_T_ANY))
		return 0;
	switch (f->type) {
	case API_T_STRING:
		max = f->max > 0 ? f->max : LIMIT_API_STRING;
		ok = json_is_string(v);
		if (ok && (json_string_length(v) > max ||
		    strlen(json_string_value(v)) != json_string_length(v))) {
			response_error(c->req, 400, NULL, "field '%s' is "
			    "longer than %zu bytes or holds NUL", f->name,
			    max);
			return -1;
		}
		break;
	case API_T_BOOL:
		ok = json_is_boolean(v);
		break;
	case API_T_INT:
		ok = json_is_integer(v) && json_integer_value(v) >= 0 &&
		    (f->max == 0 ||
		    (json_int_t)f->max >= json_integer_value(v));
		break;
	case API_T_OBJECT:
		max = f->max > 0 ? f->max : LIMIT_API_ITEMS;
		ok = json_is_object(v) && json_object_size(v) <= max;
		break;
	case API_T_STRINGS:
		max = f->max > 0 ? f->max : LIMIT_API_ITEMS;
		ok = json_is_array(v) && json_array_size(v) <= max;
		json_array_foreach(v, i, e) {
			if (!ok)
				break;
			ok = json_is_string(e) &&
			    json_string_length(e) <= LIMIT_API_STRING &&
			    json_string_length(e) > 0 &&
			    strlen(json_string_value(e)) ==
			    json_string_length(e);
		}
		break;
	default:
		ok = 1;
		break;
	}
	if (!ok) {
		response_error(c->req, 400, NULL, "field '%s' must be %s%s",
		    f->name, api_type_names[f->type],
		    f->type == API_T_INT ? " in range" :
		    f->type == API_T_STRINGS || f->type == API_T_OBJECT ?
		    " of bounded size" : "");
		return -1;
	}
	return 0;
}

int
api_body(struct api_ctx *c, const struct api_field *fields, size_t n,
    json_t **out)
{
	struct request	*req = c->req;
	const char	*why;
	json_t		*j = NULL;
	char		 err[160];
	int		 st;

	*out = NULL;
	if (!request_content_type_is(req, "application/json")) {
		response_error(req, 415, NULL, "Content-Type must be "
		    "application/json");
		return -1;
	}
	if (req->content_length > LIMIT_API_BODY) {
		response_error(req, 413, NULL, "request body over %d bytes",
		    LIMIT_API_BODY);
		return -1;
	}
	if ((st = request_read_body(req, &why)) != 0) {
		response_error(req, st, NULL, "%s", why);
		return -1;
	}
	j = jsonx_loadb(req->body.data, req->body.len, LIMIT_JSON_DEPTH,
	    err, sizeof(err));
	if (j == NULL || !json_is_object(j)) {
		response_error(req, 400, NULL, "the body must be a JSON "
		    "object%s%s", j == NULL ? ": " : "", j == NULL ? err : "");
		goto fail;
	}
	if (api_object_check(c, fields, n, j) == -1)
		goto fail;
	*out = j;
	return 0;
fail:
	json_decref(j);
	return -1;
}

int
api_object_check(struct api_ctx *c, const struct api_field *fields,
    size_t n, const json_t *o)
{
	const char	*key;
	json_t		*v;
	size_t		 i;

	json_object_foreach((json_t *)(uintptr_t)o, key, v) {
		for (i = 0; i < n; i++)
			if (strcmp(fields[i].name, key) == 0)
				break;
		if (i == n) {
			response_error(c->req, 400, NULL, "unknown field "
			    "'%.64s'", key);
			return -1;
		}
		if (api_field_check(c, &fields[i], v) == -1)
			return -1;
	}
	for (i = 0; i < n; i++)
		if (fields[i].required &&
		    json_object_get(o, fields[i].name) == NULL) {
			response_error(c->req, 400, NULL, "field '%s' is "
			    "required", fields[i].name);
			return -1;
		}
	return 0;
}

int
api_audit(struct api_ctx *c, const char *tenant_id, const char *action,
    const char *target, const json_t *details)
{
	struct api_supa_call	 ac;
	struct httpc_response	 resp;
	struct buf		 body;
	const char		*tid;
	json_t			*row = NULL, *d, *j = NULL;
	int			 rc = -1;

	httpc_response_init(&resp);
	buf_init(&body, 16 * 1024);
	tid = tenant_id != NULL ? tenant_id :
	    c->tenant_id[0] != '\0' ? c->tenant_id : NULL;
	/* json_pack's "o" steals the reference: a copy of details */
	if ((d = details != NULL ? json_deep_copy(details) : json_object()) ==
	    NULL) {
		log_error(MOD, "audit %s: out of memory", action);
		goto out;
	}
	row = json_pack("{s:o,s:o,s:o,s:s,s:o,s:o,s:s,s:o}",
	    "tenant_id", tid != NULL ? json_string(tid) : json_null(),
	    "actor", c->who.kind == PRINCIPAL_USER ?
	    json_string(c->who.sub) : json_null(),
	    "actor_key", c->who.kind == PRINCIPAL_API_KEY ?
	    json_string(c->who.api_key_id) : json_null(),
	    "action", action,
	    "target", target != NULL ? json_string(target) : json_null(),
	    "details", d,
	    "request_id", c->req->id,
	    "client_ip", c->req->remote_addr != NULL ?
	    json_string(c->req->remote_addr) : json_null());
	if (row == NULL || jsonx_dumpb(&body, row) == -1) {
		log_error(MOD, "audit %s: cannot build the row", action);
		goto out;
	}
	memset(&ac, 0, sizeof(ac));
	ac.method = "POST";
	ac.path = API_AUDIT_PATH;
	ac.body = &body;
	ac.prefer = "return=minimal";
	ac.service = 1;
	if (api_supa(c, &ac, &resp, &j) != 0) {
		log_error(MOD, "audit %s %s: not recorded", action,
		    target != NULL ? target : "-");
		goto out;
	}
	rc = 0;
out:
	json_decref(j);
	json_decref(row);
	buf_release(&body);
	httpc_response_release(&resp);
	return rc;
}

int
api_server_alias(struct api_ctx *c, const struct route_params *rp,
    char *alias)
{
	if (rp->n < 2 || rp->v[1].len == 0 || rp->v[1].len > LIMIT_SLUG ||
	    !strparse_is_slug(rp->v[1].p, rp->v[1].len, LIMIT_SLUG)) {
		response_error(c->req, 404, NULL, "no such server");
		return -1;
	}
	memcpy(alias, rp->v[1].p, rp->v[1].len);
	alias[rp->v[1].len] = '\0';
	return 0;
}
