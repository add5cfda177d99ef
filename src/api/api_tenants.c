/*
 * api_tenants.c -- /api/v1/tenants: create, list, get, rename, soft
 * delete; see api_tenants.h.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "api/api.h"
#include "api/api_tenants.h"
#include "jsonx.h"
#include "log.h"
#include "http/response.h"
#include "uuid.h"

#define MOD	"api"

#define API_MY_TENANTS	"/rest/v1/rpc/my_tenants"

/*
 * Words no tenant may take: they are, or may become, path segments or
 * host names of the platform. Keep in step with create_tenant() in
 * sql/migrations/0007_tenants_members.sql and docs/user-management.md.
 */
static const char *const api_reserved[] = {
	"api", "admin", "www", "mcp", "auth", "app", "apps", "dashboard",
	"docs", "help", "login", "logout", "signup", "status", "support",
	"static", "assets", "metrics", "healthz", "readyz", "well-known",
	"billing", "settings", "system", "root", "platform", "supabase",
	"tenants", "internal", "operator", "mcp-platform"
};

int
api_slug_ok(const char *s, const char **why)
{
	size_t	 n = strlen(s), i;

	*why = "must be 3 to 40 characters of a-z, 0-9 and '-', starting "
	    "with a letter or digit";
	if (n < API_SLUG_MIN || n > API_SLUG_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		if ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9'))
			continue;
		if (s[i] == '-' && i > 0)
			continue;
		return 0;
	}
	*why = "is a reserved word";
	for (i = 0; i < sizeof(api_reserved) / sizeof(api_reserved[0]); i++)
		if (strcmp(s, api_reserved[i]) == 0)
			return 0;
	return 1;
}

/* A display name: not empty, no control characters (the length is
 * api_body's). */
static int
api_name_ok(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			return 0;
	return 1;
}

int
api_user_only(struct api_ctx *c)
{
	if (c->who.kind == PRINCIPAL_USER)
		return 0;
	response_error(c->req, 403, NULL, "API keys cannot manage tenants "
	    "or members: sign in as a user");
	return -1;
}

int
api_tenant_mine(struct api_ctx *c, char *role, json_t **row)
{
	char		 path[API_PATH_MAX];
	const char	*id, *r;
	json_t		*j = NULL, *t;
	int		 st;

	if (row != NULL)
		*row = NULL;
	if (api_user_only(c) == -1)
		return -1;
	/* the slug is [a-z0-9-] (router.c): nothing to escape */
	snprintf(path, sizeof(path), API_MY_TENANTS "?slug=eq.%s", c->tenant);
	if ((st = api_supa_j(c, "GET", path, NULL, NULL, 0, NULL, &j)) != 0)
		goto fail;
	st = 404;
	if (!json_is_array(j) || json_array_size(j) != 1)
		goto fail;
	t = json_array_get(j, 0);
	id = jsonx_str(t, "id");
	r = jsonx_str(t, "role");
	if (id == NULL || !uuid_is_valid(id, strlen(id)) || r == NULL ||
	    strlen(r) >= API_ROLE_MAX) {
		log_error(MOD, "my_tenants answered something unexpected");
		st = 502;
		goto fail;
	}
	memcpy(c->tenant_id, id, UUID_STRLEN + 1);
	snprintf(role, API_ROLE_MAX, "%s", r);
	if (row != NULL)
		*row = json_incref(t);
	json_decref(j);
	return 0;
fail:
	json_decref(j);
	api_fail(c, st);
	return -1;
}

int
api_tenants_create(struct request *req, const struct route_params *rp)
{
	static const struct api_field fields[] = {
		{ "slug", API_T_STRING, 1, API_SLUG_MAX, 0 },
		{ "name", API_T_STRING, 1, API_NAME_MAX, 0 },
	};
	struct api_ctx	 c;
	const char	*slug, *name, *why;
	char		 pgcode[API_PGCODE_MAX];
	json_t		*body = NULL, *args = NULL, *t = NULL, *d = NULL;
	int		 st;

	if (api_begin(&c, req, rp) == -1)
		goto out;
	if (api_user_only(&c) == -1)
		goto out;
	if (api_body(&c, fields, 2, &body) == -1)
		goto out;
	slug = jsonx_str(body, "slug");
	name = jsonx_str(body, "name");
	if (!api_slug_ok(slug, &why)) {
		response_error(req, 400, "invalid_slug", "field 'slug' %s",
		    why);
		goto out;
	}
	if (!api_name_ok(name)) {
		response_error(req, 400, NULL, "field 'name' must not be "
		    "empty or hold control characters");
		goto out;
	}
	args = json_pack("{s:s,s:s}", "p_slug", slug, "p_name", name);
	st = args == NULL ? 500 : api_supa_j(&c, "POST",
	    "/rest/v1/rpc/create_tenant", args, NULL, 0, pgcode, &t);
	if (st == 409) {
		response_error(req, 409, "slug_taken", "a tenant with slug "
		    "'%s' exists already", slug);
		goto out;
	}
	if (st == 400) {
		/* create_tenant's own check (PT400): as api_slug_ok */
		response_error(req, 400, "invalid_slug", "field 'slug' is "
		    "not allowed");
		goto out;
	}
	if (st == 0 && (!json_is_object(t) || jsonx_str(t, "id") == NULL))
		st = 502;
	if (st != 0) {
		api_fail(&c, st);
		goto out;
	}
	json_object_del(t, "limits");
	json_object_del(t, "deleted_at");
	json_object_set_new(t, "role", json_string("owner"));
	d = json_pack("{s:{s:s,s:s}}", "after", "slug", slug, "name", name);
	api_audit(&c, jsonx_str(t, "id"), "tenant.create", slug, d);
	response_json(req, 201, t);
out:
	json_decref(d);
	json_decref(t);
	json_decref(args);
	json_decref(body);
	api_ctx_release(&c);
	return 0;
}

int
api_tenants_list(struct request *req, const struct route_params *rp)
{
	struct api_ctx	 c;
	json_t		*j = NULL, *a = NULL;
	int		 st;

	if (api_begin(&c, req, rp) == -1)
		goto out;
	if (api_user_only(&c) == -1)
		goto out;
	if ((st = api_supa_j(&c, "GET", API_MY_TENANTS, NULL, NULL, 0, NULL,
	    &j)) == 0 && !json_is_array(j))
		st = 502;
	if (st != 0) {
		api_fail(&c, st);
		goto out;
	}
	a = json_pack("{s:O}", "items", j);
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

int
api_tenants_get(struct request *req, const struct route_params *rp)
{
	struct api_ctx	 c;
	char		 role[API_ROLE_MAX];
	json_t		*t = NULL;

	if (api_begin(&c, req, rp) == -1)
		goto out;
	if (api_tenant_mine(&c, role, &t) == -1)
		goto out;
	response_json(req, 200, t);
out:
	json_decref(t);
	api_ctx_release(&c);
	return 0;
}

static int
api_is_admin(const char *role)
{
	return strcmp(role, "owner") == 0 || strcmp(role, "admin") == 0;
}

int
api_tenants_patch(struct request *req, const struct route_params *rp)
{
	static const struct api_field fields[] = {
		{ "name", API_T_STRING, 1, API_NAME_MAX, 0 },
	};
	struct api_ctx	 c;
	char		 role[API_ROLE_MAX], path[API_PATH_MAX];
	const char	*name;
	json_t		*body = NULL, *t = NULL, *j = NULL, *d = NULL;
	int		 st;

	if (api_begin(&c, req, rp) == -1)
		goto out;
	if (api_tenant_mine(&c, role, &t) == -1)
		goto out;
	if (!api_is_admin(role)) {
		api_fail(&c, 403);
		goto out;
	}
	if (api_body(&c, fields, 1, &body) == -1)
		goto out;
	name = jsonx_str(body, "name");
	if (!api_name_ok(name)) {
		response_error(req, 400, NULL, "field 'name' must not be "
		    "empty or hold control characters");
		goto out;
	}
	snprintf(path, sizeof(path), "/rest/v1/tenants?id=eq.%s"
	    "&select=id,updated_at", c.tenant_id);
	if ((st = api_supa_j(&c, "PATCH", path, body,
	    "return=representation", 0, NULL, &j)) == 0 &&
	    (!json_is_array(j) || json_array_size(j) != 1))
		st = 403;	/* RLS refused: the role changed meanwhile */
	if (st != 0) {
		api_fail(&c, st);
		goto out;
	}
	d = json_pack("{s:{s:O},s:{s:s}}", "before", "name",
	    json_object_get(t, "name"), "after", "name", name);
	api_audit(&c, NULL, "tenant.update", c.tenant, d);
	json_object_set_new(t, "name", json_string(name));
	json_object_set(t, "updated_at",
	    json_object_get(json_array_get(j, 0), "updated_at"));
	response_json(req, 200, t);
out:
	json_decref(d);
	json_decref(j);
	json_decref(t);
	json_decref(body);
	api_ctx_release(&c);
	return 0;
}

int
api_tenants_delete(struct request *req, const struct route_params *rp)
{
	struct api_ctx	 c;
	char		 role[API_ROLE_MAX];
	json_t		*t = NULL, *args = NULL, *j = NULL, *d = NULL;
	int		 st;

	if (api_begin(&c, req, rp) == -1)
		goto out;
	if (api_tenant_mine(&c, role, &t) == -1)
		goto out;
	if (strcmp(role, "owner") != 0) {
		response_error(req, 403, NULL, "only an owner may delete the "
		    "tenant");
		goto out;
	}
	args = json_pack("{s:s}", "p_tenant", c.tenant_id);
	st = args == NULL ? 500 : api_supa_j(&c, "POST",
	    "/rest/v1/rpc/delete_tenant", args, NULL, 0, NULL, &j);
	if (st != 0) {
		api_fail(&c, st);
		goto out;
	}
	d = json_pack("{s:{s:O,s:O}}", "before", "slug",
	    json_object_get(t, "slug"), "name", json_object_get(t, "name"));
	api_audit(&c, NULL, "tenant.delete", c.tenant, d);
	response_send(req, 204, NULL, NULL, 0);
out:
	json_decref(d);
	json_decref(j);
	json_decref(args);
	json_decref(t);
	api_ctx_release(&c);
	return 0;
}
