/*
 * api_auth.c -- signup, login, refresh, logout and me over Supabase Auth;
 * see api_auth.h.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "api/api.h"
#include "api/api_auth.h"
#include "api/api_tenants.h"
#include "buf.h"
#include "config.h"
#include "httpc.h"
#include "jsonx.h"
#include "log.h"
#include "product_limits.h"
#include "http/response.h"
#include "store/supa.h"

#define MOD	"api"

/* A context for the endpoints without a caller (signup, login, refresh). */
static void
api_auth_ctx(struct api_ctx *c, struct request *req)
{
	memset(c, 0, sizeof(*c));
	c->req = req;
	buf_init(&c->token, LIMIT_JWT_LEN + 1);
}

/*
 * Copy Supabase's error_code (or OAuth "error") into code as [a-z0-9_]
 * and its message into msg, printable ASCII: GoTrue's messages are fixed
 * English sentences, never database text, but they are cut and cleaned
 * anyway.
 */
static void
api_auth_err_text(const json_t *j, long status, char *code, char *msg)
{
	const char	*c, *m;
	size_t		 i, n;

	c = jsonx_str(j, "error_code");
	if (c == NULL)
		c = jsonx_str(j, "error");
	if (c == NULL && json_is_string(json_object_get(j, "code")))
		c = jsonx_str(j, "code");
	m = jsonx_str(j, "msg");
	if (m == NULL)
		m = jsonx_str(j, "message");
	if (m == NULL)
		m = jsonx_str(j, "error_description");
	if (c == NULL)
		c = status == 401 || status == 403 ? "unauthorized" :
		    "auth_error";
	if (m == NULL)
		m = "Supabase Auth refused the request";
	for (i = 0, n = 0; c[i] != '\0' && n < API_AUTH_CODE_MAX; i++)
		if ((c[i] >= 'a' && c[i] <= 'z') || (c[i] >= '0' &&
		    c[i] <= '9') || c[i] == '_')
			code[n++] = c[i];
	code[n] = '\0';
	if (n == 0)
		snprintf(code, API_AUTH_CODE_MAX + 1, "auth_error");
	for (i = 0, n = 0; m[i] != '\0' && n < API_AUTH_MSG_MAX; i++)
		if ((unsigned char)m[i] >= 0x20 && (unsigned char)m[i] < 0x7f)
			msg[n++] = m[i];
	msg[n] = '\0';
}

/*
 * One call to Supabase Auth: with the user's token (c->token) when
 * user_token, else with the publishable key alone. 0 with *out (NEW, may
 * be NULL for an empty body) on 2xx, or -1 answered: Supabase's 4xx in
 * the platform's shape with its code and status, 503 otherwise.
 */
static int
api_gotrue(struct api_ctx *c, const char *method, const char *path,
    const json_t *body, int user_token, json_t **out)
{
	struct supa_call	 sc;
	struct httpc_response	 resp;
	struct buf		 b;
	json_t			*j = NULL;
	char			 why[LIMIT_HTTPC_ERR + 64], err[128];
	char			 code[API_AUTH_CODE_MAX + 1];
	char			 msg[API_AUTH_MSG_MAX + 1];
	int			 rc = -1;

	*out = NULL;
	httpc_response_init(&resp);
	buf_init(&b, LIMIT_API_BODY);
	memset(&sc, 0, sizeof(sc));
	sc.method = method;
	sc.path = path;
	if (user_token)
		sc.user_token = c->token.data;
	else
		sc.publishable = 1;
	if (body != NULL) {
		if (jsonx_dumpb(&b, body) == -1) {
			api_fail(c, 500);
			goto out;
		}
		sc.body = b.data;
		sc.bodylen = b.len;
	}
	sc.timeout_ms = LIMIT_API_TIMEOUT_MS;
	sc.max_response = LIMIT_API_RESPONSE;
	if (supa_perform(c->req->cfg, &sc, &resp, why, sizeof(why)) == -1) {
		log_warn(MOD, "auth %s: %s", path, why);
		api_fail(c, 503);
		goto out;
	}
	if (resp.body.len > 0)
		j = jsonx_loadb(resp.body.data, resp.body.len,
		    LIMIT_JSON_DEPTH, err, sizeof(err));
	if (resp.status >= 200 && resp.status < 300 &&
	    (j != NULL || resp.body.len == 0)) {
		*out = j;
		j = NULL;
		rc = 0;
		goto out;
	}
	if (resp.status >= 400 && resp.status < 500 && j != NULL) {
		api_auth_err_text(j, resp.status, code, msg);
		log_info(MOD, "auth %s answered %ld %s", path, resp.status,
		    code);
		/* GoTrue's 403 for a token it no longer honours (logged
		 * out, user gone) is a 401 here: sign in again. */
		if (user_token && resp.status == 403)
			resp.status = 401;
		response_error(c->req, (int)resp.status, code, "%s", msg);
		goto out;
	}
	log_warn(MOD, "auth %s answered %ld", path, resp.status);
	api_fail(c, 503);
out:
	json_decref(j);
	buf_release_secret(&b);
	httpc_response_release(&resp);
	return rc;
}

/* The session the platform answers: the five fields of api_auth.h. */
static json_t *
api_session(const json_t *s)
{
	return json_pack("{s:O,s:O,s:O,s:O,s:O}",
	    "access_token", json_object_get(s, "access_token"),
	    "refresh_token", json_object_get(s, "refresh_token"),
	    "expires_in", json_object_get(s, "expires_in"),
	    "token_type", json_object_get(s, "token_type"),
	    "user", json_object_get(s, "user"));
}

/* Answer a session from Supabase with status st, or 502 when it is not
 * one. */
static void
api_answer_session(struct api_ctx *c, int st, const json_t *s)
{
	json_t	*a;

	if ((a = api_session(s)) == NULL ||
	    !json_is_string(json_object_get(a, "access_token")) ||
	    !json_is_object(json_object_get(a, "user"))) {
		log_error(MOD, "auth: Supabase answered no session");
		api_fail(c, 502);
	} else
		response_json(c->req, st, a);
	json_decref(a);
}

/* signup_policy = invite: whether the email has an open invitation. 1, 0,
 * or -1 answered. */
static int
api_invited(struct api_ctx *c, const char *email)
{
	json_t	*args, *j = NULL;
	int	 st, rc = -1;

	args = json_pack("{s:s}", "p_email", email);
	st = args == NULL ? 500 : api_supa_j(c, "POST",
	    "/rest/v1/rpc/invitation_pending", args, NULL, 1, NULL, &j);
	if (st == 0 && !json_is_boolean(j))
		st = 502;
	if (st != 0)
		api_fail(c, st);
	else
		rc = json_is_true(j);
	json_decref(j);
	json_decref(args);
	return rc;
}

int
api_auth_signup(struct request *req, const struct route_params *rp)
{
	static const struct api_field fields[] = {
		{ "email", API_T_STRING, 1, 255, 0 },
		{ "password", API_T_STRING, 1, API_PASSWORD_MAX, 0 },
	};
	struct api_ctx	 c;
	const char	*uid;
	json_t		*body = NULL, *s = NULL, *user, *args = NULL;
	json_t		*j = NULL, *a = NULL;
	int		 inv;

	(void)rp;
	api_auth_ctx(&c, req);
	if (api_body(&c, fields, 2, &body) == -1)
		goto out;
	if (req->cfg->signup == SIGNUP_INVITE) {
		if ((inv = api_invited(&c, jsonx_str(body, "email"))) == -1)
			goto out;
		if (inv == 0) {
			response_error(req, 403, "invite_required", "signing "
			    "up is by invitation only: ask a tenant owner or "
			    "admin to invite this email");
			goto out;
		}
	}
	if (api_gotrue(&c, "POST", "/auth/v1/signup", body, 0, &s) == -1)
		goto out;
	/* a session, or (email confirmation on) the user alone */
	user = json_is_string(json_object_get(s, "access_token")) ?
	    json_object_get(s, "user") : s;
	uid = jsonx_str(user, "id");
	if (uid == NULL) {
		log_error(MOD, "signup: Supabase answered no user");
		api_fail(&c, 502);
		goto out;
	}
	if (req->cfg->signup == SIGNUP_INVITE) {
		args = json_pack("{s:s}", "p_user", uid);
		if (args == NULL || api_supa_j(&c, "POST",
		    "/rest/v1/rpc/accept_invitations", args, NULL, 1, NULL,
		    &j) != 0)
			log_error(MOD, "signup: invitations of %s not "
			    "accepted", uid);
	}
	if (user != s) {
		if (req->cfg->signup == SIGNUP_CONFIRM)
			log_warn(MOD, "signup_policy is confirm but Supabase "
			    "confirmed %s at once: turn on email confirmation "
			    "in the Supabase project", uid);
		api_answer_session(&c, 201, s);
		goto out;
	}
	a = json_pack("{s:O,s:b}", "user", user, "confirmation_required", 1);
	if (a == NULL)
		api_fail(&c, 500);
	else
		response_json(req, 201, a);
out:
	json_decref(a);
	json_decref(j);
	json_decref(args);
	json_decref(s);
	json_decref(body);
	api_ctx_release(&c);
	return 0;
}

int
api_auth_login(struct request *req, const struct route_params *rp)
{
	static const struct api_field fields[] = {
		{ "email", API_T_STRING, 1, 255, 0 },
		{ "password", API_T_STRING, 1, API_PASSWORD_MAX, 0 },
	};
	struct api_ctx	 c;
	json_t		*body = NULL, *s = NULL;

	(void)rp;
	api_auth_ctx(&c, req);
	if (api_body(&c, fields, 2, &body) == -1)
		goto out;
	if (api_gotrue(&c, "POST", "/auth/v1/token?grant_type=password",
	    body, 0, &s) == -1)
		goto out;
	api_answer_session(&c, 200, s);
out:
	json_decref(s);
	json_decref(body);
	api_ctx_release(&c);
	return 0;
}

int
api_auth_refresh(struct request *req, const struct route_params *rp)
{
	static const struct api_field fields[] = {
		{ "refresh_token", API_T_STRING, 1, API_REFRESH_MAX, 0 },
	};
	struct api_ctx	 c;
	json_t		*body = NULL, *s = NULL;

	(void)rp;
	api_auth_ctx(&c, req);
	if (api_body(&c, fields, 1, &body) == -1)
		goto out;
	if (api_gotrue(&c, "POST",
	    "/auth/v1/token?grant_type=refresh_token", body, 0, &s) == -1)
		goto out;
	api_answer_session(&c, 200, s);
out:
	json_decref(s);
	json_decref(body);
	api_ctx_release(&c);
	return 0;
}

int
api_auth_logout(struct request *req, const struct route_params *rp)
{
	struct api_ctx	 c;
	json_t		*s = NULL;

	if (api_begin(&c, req, rp) == -1)
		goto out;
	if (api_user_only(&c) == -1)
		goto out;
	if (api_gotrue(&c, "POST", "/auth/v1/logout?scope=local", NULL, 1,
	    &s) == -1)
		goto out;
	response_send(req, 204, NULL, NULL, 0);
out:
	json_decref(s);
	api_ctx_release(&c);
	return 0;
}

int
api_auth_me(struct request *req, const struct route_params *rp)
{
	struct api_ctx	 c;
	json_t		*u = NULL, *t = NULL, *a = NULL;
	int		 st;

	if (api_begin(&c, req, rp) == -1)
		goto out;
	if (api_user_only(&c) == -1)
		goto out;
	if (api_gotrue(&c, "GET", "/auth/v1/user", NULL, 1, &u) == -1)
		goto out;
	if ((st = api_supa_j(&c, "GET", "/rest/v1/rpc/my_tenants", NULL,
	    NULL, 0, NULL, &t)) == 0 && !json_is_array(t))
		st = 502;
	if (st != 0 || !json_is_object(u)) {
		api_fail(&c, st != 0 ? st : 502);
		goto out;
	}
	if ((a = json_pack("{s:O,s:O}", "user", u, "tenants", t)) == NULL) {
		api_fail(&c, 500);
		goto out;
	}
	response_json(req, 200, a);
out:
	json_decref(a);
	json_decref(t);
	json_decref(u);
	api_ctx_release(&c);
	return 0;
}
