/*
 * api_servers.c -- a tenant's MCP servers over /api/v1; see api_servers.h.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "api/api.h"
#include "api/api_servers.h"
#include "buf.h"
#include "config.h"
#include "httpc.h"
#include "jsonx.h"
#include "log.h"
#include "netguard.h"
#include "product_limits.h"
#include "http/response.h"
#include "store/target.h"
#include "strparse.h"
#include "uuid.h"

#define MOD		"api_servers"
#define SRV_TABLE	"/rest/v1/tenant_servers"
#define SRV_CATALOG	"/rest/v1/mcp_servers"
#define SRV_COLS	"id,server_id,url,alias,settings,secrets," \
			"secrets_set_at,tool_allow,tool_deny,limits,enabled," \
			"version,created_at,updated_at"
#define SRV_TOOL_MAX	128	/* one tool name, bytes */
#define SRV_HEADER_MAX	64	/* a BYO header name, bytes */
#define SRV_WHY		256

enum srv_mode { SRV_CREATE, SRV_PUT, SRV_PATCH };

/* "alias" first: only POST takes it (the others start at 1). */
static const struct api_field srv_fields[] = {
	{ "alias", API_T_STRING, 1, LIMIT_SLUG, 0 },
	{ "server", API_T_STRING, 0, LIMIT_SLUG, 0 },
	{ "url", API_T_STRING, 0, LIMIT_URL, 0 },
	{ "headers", API_T_OBJECT, 0, LIMIT_UPSTREAM_HEADERS, 0 },
	{ "settings", API_T_OBJECT, 0, LIMIT_TARGET_SPECS, 0 },
	{ "secrets", API_T_OBJECT, 0, LIMIT_TARGET_SPECS, 0 },
	{ "tools", API_T_OBJECT, 0, 2, 0 },
	{ "limits", API_T_ANY, 0, 0, 1 },
	{ "enabled", API_T_BOOL, 0, 0, 0 },
};
#define SRV_NFIELDS	(sizeof(srv_fields) / sizeof(srv_fields[0]))

/* Headers a tenant's own server may not be given (the transport's). */
static const char *const srv_reserved_headers[] = {
	"host", "accept", "accept-encoding", "transfer-encoding",
	"connection", "expect", "te", "trailer", "upgrade", "keep-alive",
	"last-event-id", "user-agent", "cookie", NULL
};

/* ---- small helpers ----------------------------------------------------- */

/* One PostgREST call; 0 with *out, or the status (logged by api_supa). */
static int
srv_supa(struct api_ctx *c, const char *method, const char *path,
    const json_t *body, const char *prefer, int service, char *pgcode,
    json_t **out)
{
	struct api_supa_call	 ac;
	struct httpc_response	 resp;
	struct buf		 b;
	int			 st;

	*out = NULL;
	httpc_response_init(&resp);
	buf_init(&b, LIMIT_API_BODY * 2);
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

/* "YYYY-MM-DDTHH:MM:SS.ffffffZ" of now. */
static void
srv_now_text(char out[40])
{
	struct tm	 tm;
	int64_t		 us = api_now();
	time_t		 t = (time_t)(us / 1000000);
	char		 s[24];

	gmtime_r(&t, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, 40, "%.19s.%06dZ", s, (int)(us % 1000000));
}

/*
 * The caller may change the tenant's servers: owner or admin (RLS lets a
 * user read their own membership), or a key with the admin scope.
 * 0, or -1 answered (403).
 */
static int
srv_need_writer(struct api_ctx *c)
{
	char		 path[API_PATH_MAX];
	const char	*role;
	json_t		*rows = NULL;
	int		 st, rc = -1;

	if (c->who.kind == PRINCIPAL_API_KEY)
		return api_need_scope(c, API_SCOPE_ADMIN);
	snprintf(path, sizeof(path), "/rest/v1/tenant_members?select=role"
	    "&tenant_id=eq.%s&user_id=eq.%s", c->tenant_id, c->who.sub);
	if ((st = srv_supa(c, "GET", path, NULL, NULL, 0, NULL, &rows)) !=
	    0) {
		api_fail(c, st);
		goto out;
	}
	role = jsonx_str(json_array_get(rows, 0), "role");
	if (role == NULL || (strcmp(role, "owner") != 0 &&
	    strcmp(role, "admin") != 0)) {
		response_error(c->req, 403, NULL, "only the tenant's owners "
		    "and admins may change its servers");
		goto out;
	}
	rc = 0;
out:
	json_decref(rows);
	return rc;
}

/* The tenant's row for alias: 0 with *row (NEW, or NULL: none), or the
 * status. */
static int
srv_row(struct api_ctx *c, const char *alias, json_t **row)
{
	char	 path[API_PATH_MAX];
	json_t	*rows = NULL;
	int	 st;

	*row = NULL;
	snprintf(path, sizeof(path), SRV_TABLE "?select=" SRV_COLS
	    "&tenant_id=eq.%s&alias=eq.%s", c->tenant_id, alias);
	if ((st = srv_supa(c, "GET", path, NULL, NULL, 0, NULL, &rows)) != 0)
		return st;
	if (!json_is_array(rows)) {
		json_decref(rows);
		return 502;
	}
	if (json_array_size(rows) > 0)
		*row = json_incref(json_array_get(rows, 0));
	json_decref(rows);
	return 0;
}

/* A catalog entry by "slug" (enabled only) or "id": 0 with *entry (NEW,
 * or NULL), or the status. As the service role: an entry disabled since
 * a tenant enabled it is still named in its answers. */
static int
srv_catalog(struct api_ctx *c, const char *by, const char *value,
    json_t **entry)
{
	char	 path[API_PATH_MAX];
	json_t	*rows = NULL;
	int	 st;

	*entry = NULL;
	snprintf(path, sizeof(path), SRV_CATALOG "?select=id,slug,enabled,"
	    "settings_spec,secrets_spec&%s=eq.%s%s", by, value,
	    strcmp(by, "slug") == 0 ? "&enabled=is.true" : "");
	if ((st = srv_supa(c, "GET", path, NULL, NULL, 1, NULL, &rows)) != 0)
		return st;
	if (json_is_array(rows) && json_array_size(rows) == 1)
		*entry = json_incref(json_array_get(rows, 0));
	json_decref(rows);
	return 0;
}

/* The spec entry named name, or NULL. */
static const json_t *
srv_spec_find(const json_t *spec, const char *name)
{
	const json_t	*e;
	const char	*n;
	size_t		 i;

	json_array_foreach(spec, i, e)
		if ((n = jsonx_str(e, "name")) != NULL && strcmp(n, name) == 0)
			return e;
	return NULL;
}

/* A spec entry the tenant must give: required, not locked, no default. */
static int
srv_spec_needed(const json_t *e)
{
	const json_t	*d = json_object_get(e, "default");

	return json_is_true(json_object_get(e, "required")) &&
	    !json_is_true(json_object_get(e, "locked")) &&
	    (d == NULL || json_is_null(d) ||
	    (json_is_string(d) && json_string_length(d) == 0));
}

/* A value fit for an env var or header: no control byte but tab. */
static int
srv_value_ok(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0 || len > LIMIT_TARGET_VALUE || strlen(s) != len)
		return 0;
	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] < 0x20 && s[i] != '\t') ||
		    (unsigned char)s[i] == 0x7f)
			return 0;
	return 1;
}

/* ---- settings, secrets, tools ------------------------------------------ */

/*
 * The settings after the change: base (PATCH: the row's; PUT/POST: none)
 * with given applied, keeping only names of spec. 0 with *out (NEW), or
 * -1 answered 400.
 */
static int
srv_settings(struct api_ctx *c, const json_t *spec, const json_t *base,
    const json_t *given, json_t **out)
{
	const json_t	*e, *v;
	const char	*k, *n;
	void		*tmp;
	size_t		 i;

	*out = json_object();
	if (*out == NULL)
		return api_fail(c, 500), -1;
	json_object_foreach((json_t *)(uintptr_t)base, k, v)
		if (srv_spec_find(spec, k) != NULL)
			json_object_set(*out, k, (json_t *)(uintptr_t)v);
	json_object_foreach_safe((json_t *)(uintptr_t)given, tmp, k, v) {
		if ((e = srv_spec_find(spec, k)) == NULL) {
			response_error(c->req, 400, NULL, "unknown setting "
			    "'%.64s' (not in the catalog entry's "
			    "settings_spec)", k);
			goto fail;
		}
		if (json_is_true(json_object_get(e, "locked"))) {
			response_error(c->req, 400, NULL, "setting '%.64s' is "
			    "fixed by the operator", k);
			goto fail;
		}
		if (json_is_null(v)) {
			json_object_del(*out, k);
			continue;
		}
		if (json_is_string(v) ? !srv_value_ok(json_string_value(v),
		    json_string_length(v)) : !(json_is_integer(v) ||
		    json_is_real(v) || json_is_boolean(v))) {
			response_error(c->req, 400, NULL, "setting '%.64s' "
			    "must be a non-empty string (at most %d bytes, no "
			    "control characters), a number or a boolean", k,
			    LIMIT_TARGET_VALUE);
			goto fail;
		}
		json_object_set(*out, k, (json_t *)(uintptr_t)v);
	}
	json_array_foreach(spec, i, e) {
		n = jsonx_str(e, "name");
		if (n != NULL && srv_spec_needed(e) &&
		    json_object_get(*out, n) == NULL) {
			response_error(c->req, 400, NULL, "missing required "
			    "setting '%.64s'", n);
			goto fail;
		}
	}
	return 0;
fail:
	json_decref(*out);
	*out = NULL;
	return -1;
}

/* A BYO header name: lowercased into out; 0, or -1 answered 400. */
static int
srv_header_name(struct api_ctx *c, const char *k, char *out)
{
	size_t	 i, n = strlen(k);

	if (n == 0 || n > SRV_HEADER_MAX || strspn(k, "abcdefghijklmnopqrstuvw"
	    "xyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != n)
		goto bad;
	for (i = 0; i < n; i++)
		out[i] = (k[i] >= 'A' && k[i] <= 'Z') ? (char)(k[i] + 32) : k[i];
	out[n] = '\0';
	for (i = 0; srv_reserved_headers[i] != NULL; i++)
		if (strcmp(out, srv_reserved_headers[i]) == 0)
			goto bad;
	if (strncmp(out, "content-", 8) == 0 || strncmp(out, "proxy-", 6) == 0
	    || strncmp(out, "mcp-", 4) == 0)
		goto bad;
	return 0;
bad:
	response_error(c->req, 400, NULL, "header '%.64s' may not be set: a "
	    "name of letters, digits and '-' (at most %d), not one of the "
	    "transport's own headers", k, SRV_HEADER_MAX);
	return -1;
}

struct srv_sealed {
	json_t	*secrets;	/* name -> {kid, nonce, ct} */
	json_t	*set_at;	/* name -> time */
	json_t	*changed;	/* names set by this request */
	json_t	*removed;	/* names removed by this request */
};

static void
srv_sealed_release(struct srv_sealed *s)
{
	json_decref(s->secrets);
	json_decref(s->set_at);
	json_decref(s->changed);
	json_decref(s->removed);
	memset(s, 0, sizeof(*s));
}

/*
 * The sealed secrets after the change: the row's (kept unless spec no
 * longer names them), given applied (a string seals, null removes).
 * spec NULL: BYO headers (any allowed header name, none required). kind
 * is "secret" or "header" for the messages. 0, or -1 answered.
 */
static int
srv_secrets(struct api_ctx *c, const json_t *spec, const char *kind,
    const char *alias, const json_t *row, const json_t *given,
    struct srv_sealed *s)
{
	const struct config	*cfg = c->req->cfg;
	const json_t		*v, *e, *old_at;
	const char		*k, *n;
	char			 name[SRV_HEADER_MAX + 1], now[40], err[SRV_WHY];
	json_t			*sealed = NULL;
	size_t			 i;

	memset(s, 0, sizeof(*s));
	s->secrets = json_object();
	s->set_at = json_object();
	s->changed = json_array();
	s->removed = json_array();
	if (s->secrets == NULL || s->set_at == NULL || s->changed == NULL ||
	    s->removed == NULL)
		goto nomem;
	old_at = json_object_get(row, "secrets_set_at");
	json_object_foreach(json_object_get(row, "secrets"), k, v) {
		if (spec != NULL && srv_spec_find(spec, k) == NULL)
			continue;
		json_object_set(s->secrets, k, (json_t *)(uintptr_t)v);
		if (json_object_get(old_at, k) != NULL)
			json_object_set(s->set_at, k,
			    json_object_get(old_at, k));
	}
	srv_now_text(now);
	json_object_foreach((json_t *)(uintptr_t)given, k, v) {
		if (spec == NULL) {
			if (srv_header_name(c, k, name) == -1)
				goto fail;
		} else {
			if ((e = srv_spec_find(spec, k)) == NULL) {
				response_error(c->req, 400, NULL, "unknown "
				    "secret '%.64s' (not in the catalog "
				    "entry's secrets_spec)", k);
				goto fail;
			}
			if (json_is_true(json_object_get(e, "locked"))) {
				response_error(c->req, 400, NULL, "secret "
				    "'%.64s' is fixed by the operator", k);
				goto fail;
			}
			snprintf(name, sizeof(name), "%s", k);
		}
		if (json_is_null(v)) {
			json_object_del(s->secrets, name);
			json_object_del(s->set_at, name);
			json_array_append_new(s->removed, json_string(name));
			continue;
		}
		/* The value is never echoed, logged or audited. */
		if (!json_is_string(v) || !srv_value_ok(json_string_value(v),
		    json_string_length(v))) {
			response_error(c->req, 400, NULL, "%s '%.64s' must be "
			    "a non-empty string of at most %d bytes without "
			    "control characters, or null to remove it", kind,
			    name, LIMIT_TARGET_VALUE);
			goto fail;
		}
		if (cfg->master_key.len == 0) {
			log_error(MOD, "cannot seal a secret: master_key_file "
			    "is not configured");
			response_error(c->req, 503, NULL, "secret storage is "
			    "not configured");
			goto fail;
		}
		if (target_secret_seal(&cfg->master_key, c->tenant_id, alias,
		    name, json_string_value(v), &sealed, err,
		    sizeof(err)) == -1) {
			log_error(MOD, "sealing %s '%s': %s", kind, name, err);
			api_fail(c, 500);
			goto fail;
		}
		json_object_set_new(s->secrets, name, sealed);
		json_object_set_new(s->set_at, name, json_string(now));
		json_array_append_new(s->changed, json_string(name));
	}
	json_array_foreach(spec, i, e) {
		n = jsonx_str(e, "name");
		if (n != NULL && srv_spec_needed(e) &&
		    json_object_get(s->secrets, n) == NULL) {
			response_error(c->req, 400, NULL, "missing required "
			    "secret '%.64s'", n);
			goto fail;
		}
	}
	return 0;
nomem:
	api_fail(c, 500);
fail:
	srv_sealed_release(s);
	return -1;
}

/* An array of tool names, or (allow only) null. 0, or -1 answered. */
static int
srv_tool_list(struct api_ctx *c, const char *what, const json_t *v,
    int nullable)
{
	const json_t	*e;
	size_t		 i;

	if (nullable && json_is_null(v))
		return 0;
	if (!json_is_array(v) || json_array_size(v) > LIMIT_TARGET_TOOLS)
		goto bad;
	json_array_foreach(v, i, e)
		if (!json_is_string(e) || json_string_length(e) == 0 ||
		    json_string_length(e) > SRV_TOOL_MAX ||
		    !strparse_is_vchar(json_string_value(e),
		    json_string_length(e)))
			goto bad;
	return 0;
bad:
	response_error(c->req, 400, NULL, "field 'tools.%s' must be %san "
	    "array of at most %d tool names (visible characters, at most %d "
	    "bytes each)", what, nullable ? "null or " : "",
	    LIMIT_TARGET_TOOLS, SRV_TOOL_MAX);
	return -1;
}

/* tools into the row: PUT/POST set both (absent: every tool, none
 * denied), PATCH what is given. 0, or -1 answered. */
static int
srv_tools(struct api_ctx *c, const json_t *tools, enum srv_mode mode,
    json_t *w)
{
	const json_t	*allow, *deny;
	const char	*k;
	const json_t	*v;

	json_object_foreach((json_t *)(uintptr_t)tools, k, v)
		if (strcmp(k, "allow") != 0 && strcmp(k, "deny") != 0) {
			response_error(c->req, 400, NULL, "unknown field "
			    "'tools.%.64s'", k);
			return -1;
		}
	allow = json_object_get(tools, "allow");
	deny = json_object_get(tools, "deny");
	if ((allow != NULL && srv_tool_list(c, "allow", allow, 1) == -1) ||
	    (deny != NULL && srv_tool_list(c, "deny", deny, 0) == -1))
		return -1;
	if (allow != NULL || mode != SRV_PATCH)
		json_object_set_new(w, "tool_allow", allow != NULL ?
		    json_incref((json_t *)(uintptr_t)allow) : json_null());
	if (deny != NULL || mode != SRV_PATCH)
		json_object_set_new(w, "tool_deny", deny != NULL ?
		    json_incref((json_t *)(uintptr_t)deny) : json_array());
	return 0;
}

/* ---- answers ----------------------------------------------------------- */

/* {"<name>": {"set_at": ...}} of a row's secrets: never a value. */
static json_t *
srv_secret_names(const json_t *row)
{
	const json_t	*at = json_object_get(row, "secrets_set_at"), *v;
	const char	*k;
	json_t		*o = json_object();

	json_object_foreach(json_object_get(row, "secrets"), k, v)
		json_object_set_new(o, k, json_pack("{s:O}", "set_at",
		    json_object_get(at, k) != NULL ?
		    json_object_get(at, k) : json_null()));
	return o;
}

/* What a caller sees of one row; slug the catalog entry's (or NULL). */
static json_t *
srv_view(const json_t *row, const char *slug)
{
	const json_t	*url = json_object_get(row, "url");
	int		 byo = json_is_string(url);
	json_t		*o;

	o = json_pack("{s:O,s:o,s:O,s:o,s:{s:O,s:O},s:O,s:O,s:O,s:O,s:O}",
	    "alias", json_object_get(row, "alias"),
	    "server", slug != NULL ? json_string(slug) : json_null(),
	    "url", byo ? url : json_null(),
	    "settings", json_deep_copy(json_object_get(row, "settings")),
	    "tools",
	    "allow", json_object_get(row, "tool_allow") != NULL ?
	    json_object_get(row, "tool_allow") : json_null(),
	    "deny", json_object_get(row, "tool_deny") != NULL ?
	    json_object_get(row, "tool_deny") : json_null(),
	    "limits", json_object_get(row, "limits"),
	    "enabled", json_object_get(row, "enabled"),
	    "version", json_object_get(row, "version"),
	    "created_at", json_object_get(row, "created_at"),
	    "updated_at", json_object_get(row, "updated_at"));
	if (o == NULL)
		return NULL;
	json_object_set_new(o, byo ? "headers" : "secrets",
	    srv_secret_names(row));
	json_object_set_new(o, byo ? "secrets" : "headers", json_object());
	return o;
}

/* Map the catalog slugs of rows by server_id (service role). NEW object
 * id -> slug, or NULL with the status in *st. */
static json_t *
srv_slugs(struct api_ctx *c, const json_t *rows, int *st)
{
	struct buf	 path;
	const json_t	*r;
	const char	*id, *slug;
	json_t		*cat = NULL, *map = json_object();
	size_t		 i, n = 0;

	buf_init(&path, API_PATH_MAX * 8);
	*st = 500;
	if (map == NULL || buf_printf(&path, SRV_CATALOG "?select=id,slug"
	    "&id=in.(") == -1)
		goto fail;
	json_array_foreach(rows, i, r) {
		if ((id = jsonx_str(r, "server_id")) == NULL ||
		    !uuid_is_valid(id, strlen(id)))
			continue;
		if (buf_printf(&path, "%s%s", n++ > 0 ? "," : "", id) == -1)
			goto fail;
	}
	if (n == 0) {
		buf_release(&path);
		return map;
	}
	if (buf_printf(&path, ")") == -1 || buf_cstr(&path) == NULL)
		goto fail;
	if ((*st = srv_supa(c, "GET", path.data, NULL, NULL, 1, NULL,
	    &cat)) != 0)
		goto fail;
	json_array_foreach(cat, i, r)
		if ((id = jsonx_str(r, "id")) != NULL &&
		    (slug = jsonx_str(r, "slug")) != NULL)
			json_object_set_new(map, id, json_string(slug));
	json_decref(cat);
	buf_release(&path);
	return map;
fail:
	json_decref(cat);
	json_decref(map);
	buf_release(&path);
	return NULL;
}

/* ---- handlers ---------------------------------------------------------- */

/* begin, tenant access; 0 or -1 answered. */
static int
srv_begin(struct api_ctx *c, struct request *req,
    const struct route_params *rp)
{
	if (api_begin(c, req, rp) == -1)
		return -1;
	return api_tenant_access(c);
}

int
api_servers_list(struct request *req, const struct route_params *rp)
{
	struct api_ctx	 c;
	char		 path[API_PATH_MAX];
	const json_t	*r;
	json_t		*rows = NULL, *map = NULL, *out = NULL, *a;
	size_t		 i;
	int		 st;

	if (srv_begin(&c, req, rp) == -1)
		goto out;
	snprintf(path, sizeof(path), SRV_TABLE "?select=" SRV_COLS
	    "&tenant_id=eq.%s&order=alias", c.tenant_id);
	if ((st = srv_supa(&c, "GET", path, NULL, NULL, 0, NULL, &rows)) !=
	    0 || !json_is_array(rows)) {
		api_fail(&c, st != 0 ? st : 502);
		goto out;
	}
	if ((map = srv_slugs(&c, rows, &st)) == NULL) {
		api_fail(&c, st);
		goto out;
	}
	if ((out = json_pack("{s:[]}", "servers")) == NULL) {
		api_fail(&c, 500);
		goto out;
	}
	a = json_object_get(out, "servers");
	json_array_foreach(rows, i, r)
		json_array_append_new(a, srv_view(r, jsonx_str(map,
		    jsonx_str(r, "server_id") != NULL ?
		    jsonx_str(r, "server_id") : "")));
	response_json(req, 200, out);
out:
	json_decref(out);
	json_decref(map);
	json_decref(rows);
	api_ctx_release(&c);
	return 0;
}

/* Answer one row (status st) with its catalog slug. */
static void
srv_answer(struct api_ctx *c, int st, const json_t *row)
{
	json_t	*rows = json_pack("[O]", row), *map, *v;
	int	 s;

	if (rows == NULL || (map = srv_slugs(c, rows, &s)) == NULL) {
		json_decref(rows);
		api_fail(c, 500);
		return;
	}
	v = srv_view(row, jsonx_str(map, jsonx_str(row, "server_id") != NULL ?
	    jsonx_str(row, "server_id") : ""));
	if (v == NULL)
		api_fail(c, 500);
	else
		response_json(c->req, st, v);
	json_decref(v);
	json_decref(map);
	json_decref(rows);
}

int
api_servers_get(struct request *req, const struct route_params *rp)
{
	struct api_ctx	 c;
	char		 alias[LIMIT_SLUG + 1];
	json_t		*row = NULL;
	int		 st;

	if (srv_begin(&c, req, rp) == -1 ||
	    api_server_alias(&c, rp, alias) == -1)
		goto out;
	if ((st = srv_row(&c, alias, &row)) != 0) {
		api_fail(&c, st);
		goto out;
	}
	if (row == NULL) {
		response_error(req, 404, NULL, "no such server");
		goto out;
	}
	srv_answer(&c, 200, row);
out:
	json_decref(row);
	api_ctx_release(&c);
	return 0;
}

/* A failed write's status: the store's check violations are the
 * caller's (400, without Postgres' words), a refused grant 403. */
static int
srv_write_fail(struct api_ctx *c, int st, const char *pgcode)
{
	if (st == 502 && (strncmp(pgcode, "23", 2) == 0 ||
	    strncmp(pgcode, "22", 2) == 0))
		return response_error(c->req, 400, NULL, "the server "
		    "configuration was refused by the store's rules");
	if (st == 502 && strcmp(pgcode, "42501") == 0)
		return api_fail(c, 403);
	if (st == 409)
		return response_error(c->req, 409, NULL, "a server with this "
		    "alias exists already");
	return api_fail(c, st);
}

/*
 * The target of the change: a catalog entry (*entry) or a tenant's own
 * url (checked by the guard). 0, or -1 answered.
 */
static int
srv_target(struct api_ctx *c, const json_t *body, const json_t *row,
    enum srv_mode mode, json_t **entry, const char **url)
{
	const struct config	*cfg = c->req->cfg;
	const char		*slug = jsonx_str(body, "server"), *id;
	char			 err[SRV_WHY];
	int			 st;

	*entry = NULL;
	*url = jsonx_str(body, "url");
	if (slug != NULL && *url != NULL) {
		response_error(c->req, 400, NULL, "give either 'server' (a "
		    "catalog entry) or 'url' (your own server), not both");
		return -1;
	}
	if (slug == NULL && *url == NULL) {
		if (mode != SRV_PATCH || row == NULL) {
			response_error(c->req, 400, NULL, "field 'server' (or "
			    "'url') is required");
			return -1;
		}
		/* PATCH keeps the row's target */
		if ((*url = jsonx_str(row, "url")) != NULL)
			return 0;
		if ((id = jsonx_str(row, "server_id")) == NULL ||
		    !uuid_is_valid(id, strlen(id))) {
			api_fail(c, 502);
			return -1;
		}
		if ((st = srv_catalog(c, "id", id, entry)) != 0) {
			api_fail(c, st);
			return -1;
		}
		if (*entry == NULL || !json_is_true(json_object_get(*entry,
		    "enabled"))) {
			response_error(c->req, 400, NULL, "this server's "
			    "catalog entry is no longer offered: replace it "
			    "(PUT) or delete it");
			return -1;
		}
		return 0;
	}
	if (slug != NULL) {
		if (!strparse_is_slug(slug, strlen(slug), LIMIT_SLUG) ||
		    (st = srv_catalog(c, "slug", slug, entry)) == 0) {
			if (*entry != NULL)
				return 0;
			response_error(c->req, 400, NULL, "unknown catalog "
			    "server '%.64s' (GET /api/v1/catalog lists them)",
			    slug);
			return -1;
		}
		api_fail(c, st);
		return -1;
	}
	if (!cfg->allow_tenant_http_servers) {
		response_error(c->req, 403, NULL, "this platform does not "
		    "allow tenants' own servers (allow_tenant_http_servers)");
		return -1;
	}
	if (netguard_url(&cfg->tenant_http_guard, *url, NULL, NULL, NULL,
	    err, sizeof(err)) == -1) {
		response_error(c->req, 400, NULL, "field 'url' refused: %s",
		    err);
		return -1;
	}
	return 0;
}

/* PUT, PATCH and POST. */
static int
srv_write(struct request *req, const struct route_params *rp,
    enum srv_mode mode)
{
	struct api_ctx		 c;
	struct srv_sealed	 sealed;
	const json_t		*spec_set, *spec_sec;
	const char		*url, *kind;
	char			 alias[LIMIT_SLUG + 1], path[API_PATH_MAX];
	char			 pgcode[API_PGCODE_MAX];
	json_t			*body = NULL, *row = NULL, *entry = NULL;
	json_t			*settings = NULL, *w = NULL, *res = NULL;
	json_t			*details = NULL, *base;
	int			 st, byo, service;

	memset(&sealed, 0, sizeof(sealed));
	if (srv_begin(&c, req, rp) == -1)
		goto out;
	if (mode != SRV_CREATE && api_server_alias(&c, rp, alias) == -1)
		goto out;
	if (srv_need_writer(&c) == -1)
		goto out;
	if (api_body(&c, mode == SRV_CREATE ? srv_fields : srv_fields + 1,
	    mode == SRV_CREATE ? SRV_NFIELDS : SRV_NFIELDS - 1, &body) == -1)
		goto out;
	if (json_object_get(body, "limits") != NULL) {
		response_error(req, 403, NULL, "limits are set by the "
		    "operator");
		goto out;
	}
	if (mode == SRV_CREATE) {
		snprintf(alias, sizeof(alias), "%s", jsonx_str(body, "alias"));
		if (!strparse_is_slug(alias, strlen(alias), LIMIT_SLUG)) {
			response_error(req, 400, NULL, "field 'alias' must be "
			    "a slug: [a-z0-9][a-z0-9-]{0,62}");
			goto out;
		}
	}
	if ((st = srv_row(&c, alias, &row)) != 0) {
		api_fail(&c, st);
		goto out;
	}
	if (mode == SRV_CREATE && row != NULL) {
		response_error(req, 409, NULL, "a server with alias '%s' "
		    "exists already", alias);
		goto out;
	}
	if (mode == SRV_PATCH && row == NULL) {
		response_error(req, 404, NULL, "no such server");
		goto out;
	}
	if (srv_target(&c, body, row, mode, &entry, &url) == -1)
		goto out;
	byo = url != NULL;
	kind = byo ? "header" : "secret";
	if (byo && (json_object_get(body, "settings") != NULL ||
	    json_object_get(body, "secrets") != NULL)) {
		response_error(req, 400, NULL, "your own server takes "
		    "'headers', not 'settings' or 'secrets'");
		goto out;
	}
	if (!byo && json_object_get(body, "headers") != NULL) {
		response_error(req, 400, NULL, "field 'headers' is for your "
		    "own server ('url') only");
		goto out;
	}
	spec_set = json_object_get(entry, "settings_spec");
	spec_sec = json_object_get(entry, "secrets_spec");
	/* A target of another kind or catalog entry starts afresh. */
	base = row;
	if (row != NULL && (byo != json_is_string(json_object_get(row,
	    "url")) || (!byo && jsonx_str(row, "server_id") != NULL &&
	    strcmp(jsonx_str(row, "server_id"), jsonx_str(entry, "id")) != 0)))
		base = NULL;
	if (!byo && srv_settings(&c, spec_set, mode == SRV_PATCH && base !=
	    NULL ? json_object_get(base, "settings") : NULL,
	    json_object_get(body, "settings"), &settings) == -1)
		goto out;
	if (srv_secrets(&c, byo ? NULL : spec_sec, kind, alias, base,
	    json_object_get(body, byo ? "headers" : "secrets"), &sealed) == -1)
		goto out;

	if ((w = json_object()) == NULL) {
		api_fail(&c, 500);
		goto out;
	}
	json_object_set_new(w, "settings", settings != NULL ?
	    json_incref(settings) : json_object());
	json_object_set(w, "secrets", sealed.secrets);
	json_object_set(w, "secrets_set_at", sealed.set_at);
	if (srv_tools(&c, json_object_get(body, "tools"), mode, w) == -1)
		goto out;
	if (json_object_get(body, "enabled") != NULL)
		json_object_set(w, "enabled", json_object_get(body,
		    "enabled"));
	else if (mode != SRV_PATCH)
		json_object_set_new(w, "enabled", json_true());
	/* url is not granted to tenants: a tenant's own server (or a
	 * change from or to one) is written by the platform, after the
	 * role check above. */
	service = byo || (row != NULL && json_is_string(json_object_get(row,
	    "url")));
	if (byo) {
		json_object_set_new(w, "url", json_string(url));
		json_object_set_new(w, "server_id", json_null());
	} else {
		json_object_set(w, "server_id", json_object_get(entry, "id"));
		if (service)
			json_object_set_new(w, "url", json_null());
	}
	if (row == NULL) {
		json_object_set_new(w, "tenant_id", json_string(c.tenant_id));
		json_object_set_new(w, "alias", json_string(alias));
		st = srv_supa(&c, "POST", SRV_TABLE "?select=" SRV_COLS, w,
		    "return=representation", service, pgcode, &res);
	} else {
		snprintf(path, sizeof(path), SRV_TABLE "?select=" SRV_COLS
		    "&id=eq.%s&tenant_id=eq.%s", jsonx_str(row, "id"),
		    c.tenant_id);
		st = srv_supa(&c, "PATCH", path, w, "return=representation",
		    service, pgcode, &res);
	}
	if (st != 0) {
		srv_write_fail(&c, st, pgcode);
		goto out;
	}
	if (!json_is_array(res) || json_array_size(res) != 1) {
		/* RLS hid the row between our read and the write */
		api_fail(&c, 403);
		goto out;
	}
	/* The audit row names secrets, never a value. */
	details = json_pack("{s:o,s:o,s:O,s:O,s:O,s:O,s:O,s:O}",
	    "server", byo ? json_null() :
	    json_string(jsonx_str(entry, "slug")),
	    "url", byo ? json_string(url) : json_null(),
	    "settings", json_object_get(json_array_get(res, 0), "settings"),
	    byo ? "headers_set" : "secrets_set", sealed.changed,
	    byo ? "headers_removed" : "secrets_removed", sealed.removed,
	    "tool_allow", json_object_get(json_array_get(res, 0),
	    "tool_allow"),
	    "tool_deny", json_object_get(json_array_get(res, 0), "tool_deny"),
	    "enabled", json_object_get(json_array_get(res, 0), "enabled"));
	api_audit(&c, NULL, row == NULL ? "server.create" : "server.update",
	    alias, details);
	srv_answer(&c, row == NULL ? 201 : 200, json_array_get(res, 0));
out:
	json_decref(details);
	json_decref(res);
	json_decref(w);
	json_decref(settings);
	srv_sealed_release(&sealed);
	json_decref(entry);
	json_decref(row);
	json_decref(body);
	api_ctx_release(&c);
	return 0;
}

int
api_servers_create(struct request *req, const struct route_params *rp)
{
	return srv_write(req, rp, SRV_CREATE);
}

int
api_servers_put(struct request *req, const struct route_params *rp)
{
	return srv_write(req, rp, SRV_PUT);
}

int
api_servers_patch(struct request *req, const struct route_params *rp)
{
	return srv_write(req, rp, SRV_PATCH);
}

int
api_servers_delete(struct request *req, const struct route_params *rp)
{
	struct api_ctx	 c;
	char		 alias[LIMIT_SLUG + 1], path[API_PATH_MAX];
	json_t		*res = NULL, *row = NULL, *details = NULL;
	int		 st;

	if (srv_begin(&c, req, rp) == -1 ||
	    api_server_alias(&c, rp, alias) == -1 ||
	    srv_need_writer(&c) == -1)
		goto out;
	if ((st = srv_row(&c, alias, &row)) != 0) {
		api_fail(&c, st);
		goto out;
	}
	if (row == NULL) {
		response_error(req, 404, NULL, "no such server");
		goto out;
	}
	snprintf(path, sizeof(path), SRV_TABLE "?tenant_id=eq.%s&alias=eq.%s"
	    "&select=id", c.tenant_id, alias);
	if ((st = srv_supa(&c, "DELETE", path, NULL, "return=representation",
	    json_is_string(json_object_get(row, "url")), NULL, &res)) != 0) {
		api_fail(&c, st);
		goto out;
	}
	if (!json_is_array(res) || json_array_size(res) == 0) {
		response_error(req, 404, NULL, "no such server");
		goto out;
	}
	details = json_pack("{s:O}", "url", json_object_get(row, "url") != NULL
	    ? json_object_get(row, "url") : json_null());
	api_audit(&c, NULL, "server.delete", alias, details);
	response_send(req, 204, NULL, NULL, 0);
out:
	json_decref(details);
	json_decref(row);
	json_decref(res);
	api_ctx_release(&c);
	return 0;
}
