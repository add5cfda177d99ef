/*
 * api_members.c -- a tenant's members: list, add (or invite), change the
 * role, remove; see api_members.h.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "api/api.h"
#include "api/api_members.h"
#include "api/api_tenants.h"
#include "config.h"
#include "jsonx.h"
#include "log.h"
#include "http/response.h"
#include "uuid.h"

#define MOD	"api"

/* The tenant_members_keep_owner trigger's check_violation. */
#define API_PG_CHECK	"23514"

static int
api_role_valid(const char *r)
{
	return strcmp(r, "owner") == 0 || strcmp(r, "admin") == 0 ||
	    strcmp(r, "member") == 0;
}

static int
api_last_owner(struct api_ctx *c)
{
	return response_error(c->req, 409, "last_owner", "a tenant must "
	    "keep at least one owner: make someone else owner first");
}

/*
 * A plausible email, lowercased into out (API_EMAIL_MAX + 1 bytes):
 * visible ASCII, one '@' with something on both sides. Supabase has the
 * last word on the format; this only keeps junk out of lookups.
 */
static int
api_email(const char *in, char *out)
{
	size_t	 n = strlen(in), i, at = 0, ats = 0;

	if (n < 3 || n > API_EMAIL_MAX)
		return -1;
	for (i = 0; i < n; i++) {
		if ((unsigned char)in[i] <= 0x20 || (unsigned char)in[i] >= 0x7f)
			return -1;
		if (in[i] == '@') {
			at = i;
			ats++;
		}
		out[i] = (char)tolower((unsigned char)in[i]);
	}
	out[n] = '\0';
	return ats == 1 && at > 0 && at < n - 1 ? 0 : -1;
}

/* The member user_id (lowercase UUID from the path) of the tenant:
 * 0 with *role, or the status (404: no such member). */
static int
api_member_role(struct api_ctx *c, const char *uid, char *role)
{
	char		 path[API_PATH_MAX];
	const char	*r;
	json_t		*j = NULL;
	int		 st;

	snprintf(path, sizeof(path), "/rest/v1/tenant_members?select=role"
	    "&tenant_id=eq.%s&user_id=eq.%s", c->tenant_id, uid);
	if ((st = api_supa_j(c, "GET", path, NULL, NULL, 0, NULL, &j)) != 0)
		goto out;
	st = 404;
	if (!json_is_array(j) || json_array_size(j) != 1)
		goto out;
	if ((r = jsonx_str(json_array_get(j, 0), "role")) == NULL ||
	    strlen(r) >= API_ROLE_MAX) {
		st = 502;
		goto out;
	}
	snprintf(role, API_ROLE_MAX, "%s", r);
	st = 0;
out:
	json_decref(j);
	return st;
}

/* The {user_id} of the path: 0 into uid, or -1 answered 404. */
static int
api_path_user(struct api_ctx *c, const struct route_params *rp, char *uid)
{
	if (rp->n < 2 || !uuid_is_valid(rp->v[1].p, rp->v[1].len)) {
		response_error(c->req, 404, NULL, "no such member");
		return -1;
	}
	memcpy(uid, rp->v[1].p, UUID_STRLEN);
	uid[UUID_STRLEN] = '\0';
	return 0;
}

int
api_members_list(struct request *req, const struct route_params *rp)
{
	struct api_ctx	 c;
	char		 role[API_ROLE_MAX], path[API_PATH_MAX];
	json_t		*j = NULL, *a = NULL;
	int		 st;

	if (api_begin(&c, req, rp) == -1)
		goto out;
	if (api_tenant_mine(&c, role, NULL) == -1)
		goto out;
	snprintf(path, sizeof(path), "/rest/v1/rpc/tenant_members_list"
	    "?p_tenant=%s", c.tenant_id);
	if ((st = api_supa_j(&c, "GET", path, NULL, NULL, 0, NULL, &j)) ==
	    0 && !json_is_array(j))
		st = 502;
	if (st != 0 || (a = json_pack("{s:O}", "items", j)) == NULL) {
		api_fail(&c, st != 0 ? st : 500);
		goto out;
	}
	response_json(req, 200, a);
out:
	json_decref(a);
	json_decref(j);
	api_ctx_release(&c);
	return 0;
}

/* signup_policy = invite: an invitation for an unknown email. */
static void
api_members_invite(struct api_ctx *c, const char *email, const char *role)
{
	json_t	*row = NULL, *j = NULL, *a = NULL, *d = NULL;
	int	 st;

	row = json_pack("{s:s,s:s,s:s,s:s}", "tenant_id", c->tenant_id,
	    "email", email, "role", role, "invited_by", c->who.sub);
	st = row == NULL ? 500 : api_supa_j(c, "POST",
	    "/rest/v1/tenant_invitations", row, "return=minimal", 0, NULL, &j);
	if (st == 409) {
		response_error(c->req, 409, "already_invited", "this email "
		    "is invited already");
		goto out;
	}
	if (st != 0) {
		api_fail(c, st);
		goto out;
	}
	d = json_pack("{s:{s:s,s:s}}", "after", "email", email, "role", role);
	api_audit(c, NULL, "member.invite", email, d);
	a = json_pack("{s:s,s:s,s:s}", "email", email, "role", role,
	    "status", "invited");
	if (a == NULL)
		api_fail(c, 500);
	else
		response_json(c->req, 201, a);
out:
	json_decref(d);
	json_decref(a);
	json_decref(j);
	json_decref(row);
}

int
api_members_add(struct request *req, const struct route_params *rp)
{
	static const struct api_field fields[] = {
		{ "email", API_T_STRING, 1, API_EMAIL_MAX, 0 },
		{ "role", API_T_STRING, 0, API_ROLE_MAX - 1, 0 },
	};
	struct api_ctx	 c;
	char		 me[API_ROLE_MAX], email[API_EMAIL_MAX + 1];
	const char	*role, *uid;
	json_t		*body = NULL, *args = NULL, *j = NULL, *row = NULL;
	json_t		*w = NULL, *a = NULL, *d = NULL;
	int		 st;

	if (api_begin(&c, req, rp) == -1)
		goto out;
	if (api_tenant_mine(&c, me, NULL) == -1)
		goto out;
	if (strcmp(me, "owner") != 0 && strcmp(me, "admin") != 0) {
		api_fail(&c, 403);
		goto out;
	}
	if (api_body(&c, fields, 2, &body) == -1)
		goto out;
	if ((role = jsonx_str(body, "role")) == NULL)
		role = "member";
	if (!api_role_valid(role)) {
		response_error(req, 400, NULL, "field 'role' must be owner, "
		    "admin or member");
		goto out;
	}
	if (api_email(jsonx_str(body, "email"), email) == -1) {
		response_error(req, 400, NULL, "field 'email' is not an "
		    "email address");
		goto out;
	}
	if (strcmp(role, "owner") == 0 && strcmp(me, "owner") != 0) {
		response_error(req, 403, NULL, "only an owner may make "
		    "owners");
		goto out;
	}
	args = json_pack("{s:s,s:s}", "p_tenant", c.tenant_id, "p_email",
	    email);
	if ((st = args == NULL ? 500 : api_supa_j(&c, "POST",
	    "/rest/v1/rpc/tenant_user_id", args, NULL, 0, NULL, &j)) != 0) {
		api_fail(&c, st);
		goto out;
	}
	if (json_is_null(j) || j == NULL) {
		if (req->cfg->signup == SIGNUP_INVITE) {
			api_members_invite(&c, email, role);
			goto out;
		}
		response_error(req, 404, "user_not_found", "no user with "
		    "this email: they must sign up first");
		goto out;
	}
	if ((uid = json_string_value(j)) == NULL ||
	    !uuid_is_valid(uid, strlen(uid))) {
		api_fail(&c, 502);
		goto out;
	}
	row = json_pack("{s:s,s:s,s:s}", "tenant_id", c.tenant_id,
	    "user_id", uid, "role", role);
	st = row == NULL ? 500 : api_supa_j(&c, "POST",
	    "/rest/v1/tenant_members", row, "return=minimal", 0, NULL, &w);
	if (st == 409) {
		response_error(req, 409, "already_member", "this user is a "
		    "member already");
		goto out;
	}
	if (st != 0) {
		api_fail(&c, st == 502 ? 403 : st);	/* RLS refused */
		goto out;
	}
	d = json_pack("{s:{s:s,s:s}}", "after", "email", email, "role", role);
	api_audit(&c, NULL, "member.add", uid, d);
	a = json_pack("{s:s,s:s,s:s}", "user_id", uid, "email", email,
	    "role", role);
	if (a == NULL)
		api_fail(&c, 500);
	else
		response_json(req, 201, a);
out:
	json_decref(d);
	json_decref(a);
	json_decref(w);
	json_decref(row);
	json_decref(j);
	json_decref(args);
	json_decref(body);
	api_ctx_release(&c);
	return 0;
}

int
api_members_patch(struct request *req, const struct route_params *rp)
{
	static const struct api_field fields[] = {
		{ "role", API_T_STRING, 1, API_ROLE_MAX - 1, 0 },
	};
	struct api_ctx	 c;
	char		 me[API_ROLE_MAX], old[API_ROLE_MAX];
	char		 uid[UUID_STRLEN + 1], path[API_PATH_MAX];
	char		 pgcode[API_PGCODE_MAX];
	const char	*role;
	json_t		*body = NULL, *j = NULL, *d = NULL, *a = NULL;
	int		 st;

	if (api_begin(&c, req, rp) == -1)
		goto out;
	if (api_tenant_mine(&c, me, NULL) == -1)
		goto out;
	if (strcmp(me, "owner") != 0 && strcmp(me, "admin") != 0) {
		api_fail(&c, 403);
		goto out;
	}
	if (api_path_user(&c, rp, uid) == -1)
		goto out;
	if (api_body(&c, fields, 1, &body) == -1)
		goto out;
	role = jsonx_str(body, "role");
	if (!api_role_valid(role)) {
		response_error(req, 400, NULL, "field 'role' must be owner, "
		    "admin or member");
		goto out;
	}
	if ((st = api_member_role(&c, uid, old)) != 0) {
		if (st == 404)
			response_error(req, 404, NULL, "no such member");
		else
			api_fail(&c, st);
		goto out;
	}
	if (strcmp(me, "owner") != 0 && (strcmp(old, "owner") == 0 ||
	    strcmp(role, "owner") == 0)) {
		response_error(req, 403, NULL, "only an owner may make or "
		    "change owners");
		goto out;
	}
	snprintf(path, sizeof(path), "/rest/v1/tenant_members?tenant_id=eq.%s"
	    "&user_id=eq.%s&select=role", c.tenant_id, uid);
	if ((st = api_supa_j(&c, "PATCH", path, body, "return=representation",
	    0, pgcode, &j)) != 0 && strcmp(pgcode, API_PG_CHECK) == 0) {
		api_last_owner(&c);
		goto out;
	}
	if (st == 0 && (!json_is_array(j) || json_array_size(j) != 1))
		st = 403;	/* RLS refused */
	if (st != 0) {
		api_fail(&c, st);
		goto out;
	}
	d = json_pack("{s:{s:s},s:{s:s}}", "before", "role", old, "after",
	    "role", role);
	api_audit(&c, NULL, "member.update", uid, d);
	a = json_pack("{s:s,s:s}", "user_id", uid, "role", role);
	if (a == NULL)
		api_fail(&c, 500);
	else
		response_json(req, 200, a);
out:
	json_decref(a);
	json_decref(d);
	json_decref(j);
	json_decref(body);
	api_ctx_release(&c);
	return 0;
}

int
api_members_delete(struct request *req, const struct route_params *rp)
{
	struct api_ctx	 c;
	char		 me[API_ROLE_MAX], old[API_ROLE_MAX];
	char		 uid[UUID_STRLEN + 1], path[API_PATH_MAX];
	char		 pgcode[API_PGCODE_MAX];
	json_t		*j = NULL, *d = NULL;
	int		 st, self;

	if (api_begin(&c, req, rp) == -1)
		goto out;
	if (api_tenant_mine(&c, me, NULL) == -1)
		goto out;
	if (api_path_user(&c, rp, uid) == -1)
		goto out;
	self = strcmp(uid, c.who.sub) == 0;
	if (!self && strcmp(me, "owner") != 0 && strcmp(me, "admin") != 0) {
		api_fail(&c, 403);
		goto out;
	}
	if ((st = api_member_role(&c, uid, old)) != 0) {
		if (st == 404)
			response_error(req, 404, NULL, "no such member");
		else
			api_fail(&c, st);
		goto out;
	}
	if (!self && strcmp(me, "owner") != 0 && strcmp(old, "owner") == 0) {
		response_error(req, 403, NULL, "only an owner may remove an "
		    "owner");
		goto out;
	}
	snprintf(path, sizeof(path), "/rest/v1/tenant_members?tenant_id=eq.%s"
	    "&user_id=eq.%s&select=role", c.tenant_id, uid);
	if ((st = api_supa_j(&c, "DELETE", path, NULL,
	    "return=representation", 0, pgcode, &j)) != 0 &&
	    strcmp(pgcode, API_PG_CHECK) == 0) {
		api_last_owner(&c);
		goto out;
	}
	if (st == 0 && (!json_is_array(j) || json_array_size(j) != 1))
		st = 403;	/* RLS refused */
	if (st != 0) {
		api_fail(&c, st);
		goto out;
	}
	d = json_pack("{s:{s:s}}", "before", "role", old);
	api_audit(&c, NULL, self ? "member.leave" : "member.remove", uid, d);
	response_send(req, 204, NULL, NULL, 0);
out:
	json_decref(d);
	json_decref(j);
	api_ctx_release(&c);
	return 0;
}
