/*
 * sl_auth.c -- supabase-local: /auth/v1, the part of Supabase Auth (GoTrue)
 * the platform uses (shared/reference/supabase-contract.md section 5;
 * docs/supabase-local.md "Auth").
 *
 *   GET  /auth/v1/health                       no apikey
 *   GET  /auth/v1/.well-known/jwks.json        no apikey, cacheable 600 s
 *   POST /auth/v1/signup                       autoconfirm: 200 + session
 *   POST /auth/v1/token?grant_type=password
 *   POST /auth/v1/token?grant_type=refresh_token
 *   GET  /auth/v1/user                         Bearer access token
 *   POST /auth/v1/logout?scope=global|local|others
 *   /auth/v1/oauth/..., /auth/v1/user/oauth/grants  sl_oauth.c, which
 *   shares this file's core through sl_auth_int.h
 *
 * Bodies, status codes and error codes follow GoTrue (its internal/api
 * package):
 * errors are {"code":<status>,"error_code":…,"msg":…} with the
 * x-sb-error-code header, or {"code":…,"message":…} when the client asks
 * for X-Supabase-Api-Version 2024-01-01 or later (as supabase-js does).
 *
 * Database: one connection as supabase_auth_admin (sl_db_auth), one
 * transaction per request, PQexecParams only; passwords go to pgcrypto as
 * parameters and are hashed there (bcrypt, cost 10). Refresh tokens are
 * stored as SHA-256 hex only (auth.sql). Passwords and tokens are never
 * logged; buffers that held them are wiped with explicit_bzero.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "buf.h"
#include "jsonx.h"
#include "log.h"
#include "sl.h"
#include "sl_auth.h"
#include "sl_auth_int.h"
#include "sl_db.h"
#include "sl_gateway.h"
#include "sl_http.h"
#include "sl_jwt.h"
#include "sl_oauth.h"
#include "strparse.h"
#include "uuid.h"

#define SL_AUTH_MOD		"sl_auth"
#define SL_AUTH_PREFIX		"/auth/v1"
#define SL_AUTH_GOTRUE_VERSION	"v2.189.0"	/* what supabase/cli pins */
#define SL_AUTH_API_2024	"2024-01-01"	/* X-Supabase-Api-Version */
#define SL_AUTH_REFRESH_IN_MAX	255		/* longest refresh token read */
#define SL_AUTH_REPLY_MAX	(256 * 1024)	/* one session or user body */
#define SL_AUTH_INVALID_LOGIN	"Invalid login credentials"
#define SL_AUTH_NIL_UUID	"00000000-0000-0000-0000-000000000000"

/*
 * A bcrypt hash (cost 10) of 24 random bytes nobody kept. A login for an
 * unknown email runs crypt() against it, so it costs what a wrong
 * password costs and the timing does not tell which emails exist.
 */
static const char sl_auth_dummy_hash[] =
    "$2a$10$4AF3/eDlfNvnV8ncAWz/zeBhkx7MnNWa6LIeWSZ4a/bE3EaqHAtRm";


/* One user row, the columns of GoTrue's User JSON (models/user.go). */
static const char sl_auth_sql_user[] =
    "select id::text, coalesce(aud, ''), coalesce(role, ''), "
    "coalesce(email, ''), " SL_AUTH_TS("email_confirmed_at") ", "
    "coalesce(phone, ''), " SL_AUTH_TS("last_sign_in_at") ", "
    "coalesce(raw_app_meta_data, '{}'::jsonb)::text, "
    "coalesce(raw_user_meta_data, '{}'::jsonb)::text, "
    SL_AUTH_TS("created_at") ", " SL_AUTH_TS("updated_at") ", "
    "is_anonymous, "
    /* A stable id for the synthesized email identity (no identities table). */
    "md5('supabase-local email identity ' || id::text)::uuid::text "
    "from auth.users where id = $1::uuid";

enum sl_auth_user_col {
	UC_ID, UC_AUD, UC_ROLE, UC_EMAIL, UC_EMAIL_CONFIRMED, UC_PHONE,
	UC_LAST_SIGN_IN, UC_APP_META, UC_USER_META, UC_CREATED, UC_UPDATED,
	UC_ANON, UC_IDENTITY_ID, UC__MAX
};

/* ------------------------------------------------------------------ */
/* Replies                                                             */

const char *
sl_auth_env(const struct sl_req *req, const char *name)
{
	if (req->fcgi != NULL)
		return FCGX_GetParam(name, req->fcgi->envp);
	return getenv(name);
}

/* 1 when the client asked for GoTrue's 2024-01-01 error format. */
static int
sl_auth_api_2024(const struct sl_req *req)
{
	const char	*v = sl_auth_env(req, "HTTP_X_SUPABASE_API_VERSION");
	size_t		 i;

	/* A date YYYY-MM-DD compares correctly as a string. */
	if (v == NULL || strlen(v) != 10)
		return 0;
	for (i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? v[i] != '-' :
		    !isdigit((unsigned char)v[i]))
			return 0;
	return strcmp(v, SL_AUTH_API_2024) >= 0;
}

/*
 * A GoTrue error, extra (NULL or a JSON object, borrowed) merged into the
 * body (weak_password's reasons). GoTrue's HandleResponseError.
 */
static void
sl_auth_error_ex(struct sl_req *req, int status, const char *code,
    const char *msg, json_t *extra)
{
	char	 hdr[128];
	json_t	*body;

	if (extra == NULL && !sl_auth_api_2024(req)) {
		sl_reply_gotrue(req, status, code, msg);
		return;
	}
	if (sl_auth_api_2024(req)) {
		body = json_pack("{s:s, s:s}", "code", code, "message", msg);
		snprintf(hdr, sizeof(hdr), "x-sb-error-code: %s\r\n"
		    "X-Supabase-Api-Version: " SL_AUTH_API_2024 "\r\n", code);
	} else {
		body = json_pack("{s:i, s:s, s:s}", "code", status,
		    "error_code", code, "msg", msg);
		snprintf(hdr, sizeof(hdr), "x-sb-error-code: %s\r\n", code);
	}
	if (body == NULL || (extra != NULL &&
	    json_object_update(body, extra) == -1)) {
		json_decref(body);
		sl_reply_gotrue(req, status, code, msg);
		return;
	}
	sl_reply_json(req, status, hdr, body);
	json_decref(body);
}

void
sl_auth_error(struct sl_req *req, int status, const char *code,
    const char *msg)
{
	sl_auth_error_ex(req, status, code, msg, NULL);
}

void
sl_auth_internal(struct sl_req *req, const char *msg)
{
	sl_auth_error(req, 500, "unexpected_failure", msg);
}

/* ------------------------------------------------------------------ */
/* Database                                                            */

/* PQexecParams, every value text; NULL (logged) on failure. */
PGresult *
sl_auth_exec(struct sl_auth_tx *t, const char *sql, int n,
    const char *const *vals)
{
	PGresult	*r;
	const char	*state = NULL, *msg = NULL;
	ExecStatusType	 st;

	t->sqlstate[0] = '\0';
	if (t->db == NULL) {
		snprintf(t->sqlstate, sizeof(t->sqlstate), "08006");
		return NULL;
	}
	r = PQexecParams(t->db, sql, n, NULL, vals, NULL, NULL, 0);
	st = r != NULL ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return r;
	if (r != NULL) {
		state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
		msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
	}
	snprintf(t->sqlstate, sizeof(t->sqlstate), "%s",
	    state != NULL ? state : "");
	/* Primary message only: DETAIL may quote row values. A duplicate
	 * email (23505) or a \u0000 in user data (22P05) is the client's. */
	if (strcmp(t->sqlstate, "23505") != 0 &&
	    strcmp(t->sqlstate, "22P05") != 0)
		log_error(SL_AUTH_MOD, "query failed: %s %s",
		    state != NULL ? state : "-",
		    msg != NULL ? msg : PQerrorMessage(t->db));
	PQclear(r);
	if (PQstatus(t->db) == CONNECTION_BAD) {
		/* The next request reconnects; this one is over. */
		sl_db_drop(t->db);
		t->db = NULL;
		t->open = 0;
	}
	return NULL;
}

/* Run a statement whose result is not needed; 0 or -1. */
int
sl_auth_do(struct sl_auth_tx *t, const char *sql, int n,
    const char *const *vals)
{
	PGresult *r = sl_auth_exec(t, sql, n, vals);

	PQclear(r);
	return r != NULL ? 0 : -1;
}

/* Connect and BEGIN; -1 after replying. */
int
sl_auth_begin(struct sl_auth_tx *t, struct sl_req *req)
{
	t->req = req;
	t->open = 0;
	t->sqlstate[0] = '\0';
	if ((t->db = sl_db_auth(req->conf)) == NULL) {
		sl_auth_error(req, 503, "unexpected_failure",
		    "Database connection error");
		return -1;
	}
	/* A transaction a previous request failed to close is abandoned. */
	if (PQtransactionStatus(t->db) != PQTRANS_IDLE)
		(void)sl_auth_do(t, "rollback", 0, NULL);
	if (sl_auth_do(t, "begin", 0, NULL) == -1) {
		sl_auth_internal(req, "Database error starting transaction");
		return -1;
	}
	t->open = 1;
	return 0;
}

/* COMMIT (commit != 0) or ROLLBACK an open transaction; 0 or -1. */
int
sl_auth_end(struct sl_auth_tx *t, int commit)
{
	int	 rc;

	if (t->db == NULL || !t->open)
		return 0;
	t->open = 0;
	rc = sl_auth_do(t, commit ? "commit" : "rollback", 0, NULL);
	return commit ? rc : 0;
}

/* ------------------------------------------------------------------ */
/* Secrets and small parsers                                           */

/* Lowercase hex SHA-256 of (p, len): what auth.refresh_tokens stores. */
int
sl_auth_hash(const char *p, size_t len, char hex[SL_AUTH_HASH_HEX + 1])
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0, i;

	if (EVP_Digest(p, len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen * 2 != SL_AUTH_HASH_HEX)
		return -1;
	for (i = 0; i < mdlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return 0;
}

/* n characters [A-Za-z0-9] from RAND_bytes, unbiased (bytes >= 248 are
 * dropped): refresh tokens, authorization ids and codes. */
int
sl_auth_random(char *out, size_t len)
{
	static const char an[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char	 rnd[64];
	size_t		 i, n = 0;
	int		 rc = -1;

	while (n < len) {
		if (RAND_bytes(rnd, sizeof(rnd)) != 1)
			goto out;
		for (i = 0; i < sizeof(rnd) && n < len; i++)
			if (rnd[i] < 248)
				out[n++] = an[rnd[i] % 62];
	}
	out[n] = '\0';
	rc = 0;
out:
	explicit_bzero(rnd, sizeof(rnd));
	return rc;
}

/*
 * GoTrue's email check (checkmail.ValidateFormat):
 * ^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@label(\.label)*$ with
 * label = [a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?
 */
static int
sl_auth_email_ok(const char *s)
{
	static const char local_extra[] = ".!#$%&'*+/=?^_`{|}~-";
	const char	*at, *p;
	size_t		 lab;

	if ((at = strchr(s, '@')) == NULL || at == s)
		return 0;
	for (p = s; p < at; p++)
		if (!isalnum((unsigned char)*p) &&
		    strchr(local_extra, *p) == NULL)
			return 0;
	p = at + 1;
	for (;;) {
		lab = 0;
		while (isalnum((unsigned char)p[lab]) || p[lab] == '-')
			lab++;
		if (lab == 0 || lab > 63 || p[0] == '-' || p[lab - 1] == '-')
			return 0;
		p += lab;
		if (*p == '\0')
			return 1;
		if (*p != '.')
			return 0;
		p++;
	}
}

/* 1 when the text is a Bearer credential: GoTrue's ^(?:B|b)earer (\S+$). */
const char *
sl_auth_bearer(const char *h)
{
	const char	*p;

	if (h == NULL || (strncmp(h, "Bearer ", 7) != 0 &&
	    strncmp(h, "bearer ", 7) != 0))
		return NULL;
	h += 7;
	if (*h == '\0')
		return NULL;
	for (p = h; *p != '\0'; p++)
		if (isspace((unsigned char)*p))
			return NULL;
	return h;
}

/*
 * The request body as a JSON object (GoTrue's retrieveRequestParams);
 * NULL after replying 400 bad_json.
 */
json_t *
sl_auth_body(struct sl_req *req)
{
	char	 err[160], msg[256];
	json_t	*j;

	j = jsonx_loadb(req->body != NULL ? req->body : "", req->bodylen,
	    SL_AUTH_JSON_DEPTH, err, sizeof(err));
	if (j == NULL) {
		snprintf(msg, sizeof(msg), "Could not parse request body as "
		    "JSON: %s", err);
		sl_auth_error(req, 400, "bad_json", msg);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		sl_auth_error(req, 400, "bad_json", "Could not parse request "
		    "body as JSON: json: cannot unmarshal non-object into Go "
		    "value");
		return NULL;
	}
	return j;
}

/*
 * A string member: absent or null -> "", a string without NUL bytes ->
 * it (borrowed), anything else -> NULL after replying 400 bad_json.
 */
const char *
sl_auth_field(struct sl_req *req, const json_t *body, const char *name)
{
	json_t	*v = json_object_get(body, name);
	char	 msg[160];

	if (v == NULL || json_is_null(v))
		return "";
	if (json_is_string(v) &&
	    strlen(json_string_value(v)) == json_string_length(v))
		return json_string_value(v);
	snprintf(msg, sizeof(msg), "Could not parse request body as JSON: "
	    "field '%s' must be a string", name);
	sl_auth_error(req, 400, "bad_json", msg);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Users and sessions                                                  */

/* A timestamp column as Go prints it: trailing fractional zeros cut. */
static json_t *
sl_auth_ts(const PGresult *r, int col)
{
	char	 ts[64];
	size_t	 n;

	if (PQgetisnull(r, 0, col))
		return json_null();
	snprintf(ts, sizeof(ts), "%s", PQgetvalue(r, 0, col));
	n = strlen(ts);
	if (n > 2 && ts[n - 1] == 'Z') {
		n--;
		while (n > 0 && ts[n - 1] == '0')
			n--;
		if (n > 0 && ts[n - 1] == '.')
			n--;
		snprintf(ts + n, sizeof(ts) - n, "Z");
	}
	return json_string(ts);
}

/* Set key to v (stolen) unless v is null: Go's omitempty on *time.Time. */
static int
sl_auth_set_opt(json_t *o, const char *key, json_t *v)
{
	if (v == NULL)
		return -1;
	if (json_is_null(v)) {
		json_decref(v);
		return 0;
	}
	return json_object_set_new(o, key, v);
}

/*
 * The user as GoTrue's User JSON, or NULL (not found: *missing = 1).
 * The one identity is synthesized from the row: this stand-in has no
 * auth.identities, and clients test identities.length after signup.
 */
static json_t *
sl_auth_user_json(struct sl_auth_tx *t, const char *uid, int *missing)
{
	const char	*vals[1] = { uid };
	PGresult	*r;
	json_t		*u = NULL, *app = NULL, *meta = NULL, *ids = NULL;
	json_t		*ident = NULL, *idata = NULL;
	const char	*email;

	*missing = 0;
	if ((r = sl_auth_exec(t, sl_auth_sql_user, 1, vals)) == NULL)
		return NULL;
	if (PQntuples(r) != 1 || PQnfields(r) != UC__MAX) {
		*missing = 1;
		goto fail;
	}
	app = jsonx_loadb(PQgetvalue(r, 0, UC_APP_META),
	    (size_t)PQgetlength(r, 0, UC_APP_META), SL_AUTH_JSON_DEPTH,
	    NULL, 0);
	meta = jsonx_loadb(PQgetvalue(r, 0, UC_USER_META),
	    (size_t)PQgetlength(r, 0, UC_USER_META), SL_AUTH_JSON_DEPTH,
	    NULL, 0);
	if (app == NULL || meta == NULL)
		goto fail;
	email = PQgetvalue(r, 0, UC_EMAIL);
	if ((ids = json_array()) == NULL)
		goto fail;
	if (*email != '\0') {
		idata = json_pack("{s:s, s:b, s:b, s:s}", "email", email,
		    "email_verified", 0, "phone_verified", 0,
		    "sub", PQgetvalue(r, 0, UC_ID));
		if (idata == NULL || json_object_update_missing(idata,
		    meta) == -1)
			goto fail;
		ident = json_pack("{s:s, s:s, s:s, s:O, s:s}",
		    "identity_id", PQgetvalue(r, 0, UC_IDENTITY_ID),
		    "id", PQgetvalue(r, 0, UC_ID),
		    "user_id", PQgetvalue(r, 0, UC_ID),
		    "identity_data", idata, "provider", "email");
		if (ident == NULL ||
		    sl_auth_set_opt(ident, "last_sign_in_at",
		    sl_auth_ts(r, UC_CREATED)) == -1 ||
		    json_object_set_new(ident, "created_at",
		    sl_auth_ts(r, UC_CREATED)) == -1 ||
		    json_object_set_new(ident, "updated_at",
		    sl_auth_ts(r, UC_CREATED)) == -1 ||
		    json_object_set_new(ident, "email",
		    json_string(email)) == -1 ||
		    json_array_append(ids, ident) == -1)
			goto fail;
	}
	/* Field order of models.User; omitempty where GoTrue has it. */
	if ((u = json_pack("{s:s, s:s, s:s, s:s}",
	    "id", PQgetvalue(r, 0, UC_ID), "aud", PQgetvalue(r, 0, UC_AUD),
	    "role", PQgetvalue(r, 0, UC_ROLE), "email", email)) == NULL)
		goto fail;
	if (sl_auth_set_opt(u, "email_confirmed_at",
	    sl_auth_ts(r, UC_EMAIL_CONFIRMED)) == -1 ||
	    json_object_set_new(u, "phone",
	    json_string(PQgetvalue(r, 0, UC_PHONE))) == -1 ||
	    sl_auth_set_opt(u, "confirmed_at",
	    sl_auth_ts(r, UC_EMAIL_CONFIRMED)) == -1 ||
	    sl_auth_set_opt(u, "last_sign_in_at",
	    sl_auth_ts(r, UC_LAST_SIGN_IN)) == -1 ||
	    json_object_set(u, "app_metadata", app) == -1 ||
	    json_object_set(u, "user_metadata", meta) == -1 ||
	    json_object_set(u, "identities", ids) == -1 ||
	    json_object_set_new(u, "created_at",
	    sl_auth_ts(r, UC_CREATED)) == -1 ||
	    json_object_set_new(u, "updated_at",
	    sl_auth_ts(r, UC_UPDATED)) == -1 ||
	    json_object_set_new(u, "is_anonymous",
	    json_boolean(strcmp(PQgetvalue(r, 0, UC_ANON), "t") == 0)) == -1)
		goto fail;
	goto out;
fail:
	json_decref(u);
	u = NULL;
out:
	json_decref(ident);
	json_decref(idata);
	json_decref(ids);
	json_decref(meta);
	json_decref(app);
	PQclear(r);
	return u;
}

/* Insert a refresh token row for (uid, sid), parent hash or NULL. */
static int
sl_auth_store_refresh(struct sl_auth_tx *t, const char *uid,
    const char *sid, const char *parent, char tok[SL_REFRESH_TOKEN_LEN + 1])
{
	char		 hash[SL_AUTH_HASH_HEX + 1];
	const char	*vals[4] = { hash, uid, sid, parent };

	if (sl_auth_random(tok, SL_REFRESH_TOKEN_LEN) == -1 ||
	    sl_auth_hash(tok, strlen(tok), hash) == -1)
		return -1;
	return sl_auth_do(t,
	    "insert into auth.refresh_tokens (token, user_id, session_id, "
	    "parent, revoked, created_at, updated_at) "
	    "values ($1, $2::uuid, $3::uuid, $4, false, now(), now())",
	    4, vals);
}

/* A new session (a login) and its first refresh token. */
int
sl_auth_new_session(struct sl_auth_tx *t, const char *uid,
    const char *client, const char *scopes, char sid[UUID_STRLEN + 1],
    long long *created, char tok[SL_REFRESH_TOKEN_LEN + 1])
{
	const char	*vals[3] = { uid, client, scopes };
	PGresult	*r;
	int64_t		 v;
	int		 rc = -1;

	r = sl_auth_exec(t,
	    "insert into auth.sessions (id, user_id, created_at, updated_at, "
	    "aal, oauth_client_id, scopes) values (gen_random_uuid(), "
	    "$1::uuid, now(), now(), 'aal1', $2, $3) "
	    "returning id::text, floor(extract(epoch from created_at))::bigint",
	    3, vals);
	if (r == NULL || PQntuples(r) != 1)
		goto out;
	if (strparse_i64(PQgetvalue(r, 0, 1), (size_t)PQgetlength(r, 0, 1),
	    0, INT64_MAX, &v) == -1)
		goto out;
	*created = (long long)v;
	snprintf(sid, UUID_STRLEN + 1, "%s", PQgetvalue(r, 0, 0));
	rc = sl_auth_store_refresh(t, uid, sid, NULL, tok);
out:
	PQclear(r);
	return rc;
}

/*
 * A signed access token (see sl_auth_int.h). supabase-contract.md section
 * 2: exactly GoTrue's claims; an OAuth session adds client_id and scope
 * (GoTrue's AccessTokenClaims, both omitempty), which is how a resource
 * server tells an OAuth client's token from the user's own.
 */
char *
sl_auth_access_token(struct sl_auth_tx *t, const char *uid, const char *sid,
    const char *amr_method, long long amr_ts, const char *client,
    const char *scopes, time_t iat, json_t **userp)
{
	const struct sl_conf *conf = t->req->conf;
	json_t		*user = NULL, *claims = NULL;
	char		*access = NULL;
	int		 missing;

	*userp = NULL;
	if ((user = sl_auth_user_json(t, uid, &missing)) == NULL)
		goto out;
	claims = json_pack("{s:s, s:s, s:O, s:I, s:I, s:O, s:O, s:O, s:O,"
	    " s:O, s:s, s:[{s:s, s:I}], s:s, s:O}",
	    "iss", conf->issuer != NULL ? conf->issuer : "",
	    "sub", uid,
	    "aud", json_object_get(user, "aud"),
	    "exp", (json_int_t)iat + SL_JWT_EXP,
	    "iat", (json_int_t)iat,
	    "email", json_object_get(user, "email"),
	    "phone", json_object_get(user, "phone"),
	    "app_metadata", json_object_get(user, "app_metadata"),
	    "user_metadata", json_object_get(user, "user_metadata"),
	    "role", json_object_get(user, "role"),
	    "aal", "aal1",
	    "amr", "method", amr_method, "timestamp", (json_int_t)amr_ts,
	    "session_id", sid,
	    "is_anonymous", json_object_get(user, "is_anonymous"));
	if (claims == NULL)
		goto out;
	if (client != NULL && *client != '\0' &&
	    (json_object_set_new(claims, "client_id",
	    json_string(client)) == -1 || (scopes != NULL && *scopes != '\0' &&
	    json_object_set_new(claims, "scope", json_string(scopes)) == -1)))
		goto out;
	if ((access = sl_jwt_sign_user(conf, claims)) == NULL)
		goto out;
	*userp = user;
	user = NULL;
out:
	json_decref(claims);
	json_decref(user);
	return access;
}

/*
 * The session response (GoTrue's AccessTokenResponse) for user uid in
 * session sid, with a fresh access token; the transaction is committed
 * before anything is sent, so a 200 always means the rows exist.
 */
static void
sl_auth_reply_session(struct sl_auth_tx *t, const char *uid,
    const char *sid, long long amr_ts, const char *refresh)
{
	json_t		*user = NULL, *resp = NULL;
	char		*access = NULL;
	time_t		 iat = time(NULL);

	if ((access = sl_auth_access_token(t, uid, sid, "password", amr_ts,
	    NULL, NULL, iat, &user)) == NULL) {
		sl_auth_end(t, 0);
		sl_auth_internal(t->req, "error generating jwt token");
		goto out;
	}
	resp = json_pack("{s:s, s:s, s:i, s:I, s:s, s:O}",
	    "access_token", access, "token_type", "bearer",
	    "expires_in", SL_JWT_EXP,
	    "expires_at", (json_int_t)iat + SL_JWT_EXP,
	    "refresh_token", refresh, "user", user);
	if (resp == NULL) {
		sl_auth_end(t, 0);
		sl_auth_internal(t->req, "error generating jwt token");
		goto out;
	}
	if (sl_auth_end(t, 1) == -1) {
		sl_auth_internal(t->req, "Database error granting user");
		goto out;
	}
	sl_reply_json(t->req, 200, NULL, resp);
out:
	if (access != NULL) {
		explicit_bzero(access, strlen(access));
		free(access);
	}
	json_decref(resp);
	json_decref(user);
}

/*
 * GoTrue's requireAuthentication: Bearer token -> verified claims -> the
 * user and session they name. 0, or -1 after replying.
 */
int
sl_auth_require(struct sl_auth_tx *t, struct sl_auth_caller *who)
{
	struct sl_req	*req = t->req;
	const char	*tok, *why, *sub, *sid, *vals[1];
	json_t		*claims = NULL, *sidj;
	PGresult	*r = NULL;
	char		 msg[192];
	int		 rc = -1;

	who->uid[0] = who->sid[0] = '\0';
	if ((tok = sl_auth_bearer(req->authorization)) == NULL) {
		sl_auth_error(req, 401, "no_authorization",
		    "This endpoint requires a Bearer token");
		goto out;
	}
	if (sl_jwt_verify(req->conf, tok, &claims, &why) == -1) {
		/* golang-jwt's wording after GoTrue's prefix. */
		const char *go = "token is malformed: could not parse token";

		if (strcmp(why, "JWT expired") == 0)
			go = "token has invalid claims: token is expired";
		else if (strcmp(why, "JWT not yet valid") == 0)
			go = "token has invalid claims: token is not valid yet";
		else if (strcmp(why, "JWT issued at future") == 0)
			go = "token has invalid claims: token used before "
			    "issued";
		else if (strcmp(why, "JWT cryptographic operation failed") == 0)
			go = "token signature is invalid: signature is invalid";
		else if (strncmp(why, "Expected 3 parts", 16) == 0)
			go = "token is malformed: token contains an invalid "
			    "number of segments";
		else if (strcmp(why, "Wrong or unsupported encoding "
		    "algorithm") == 0 ||
		    strcmp(why, "No suitable key or wrong key type") == 0)
			go = "token is unverifiable: error while executing "
			    "keyfunc: signing method is invalid";
		snprintf(msg, sizeof(msg), "invalid JWT: unable to parse or "
		    "verify signature, %s", go);
		sl_auth_error(req, 403, "bad_jwt", msg);
		goto out;
	}
	sub = jsonx_str(claims, "sub");
	if (sub == NULL || *sub == '\0') {
		sl_auth_error(req, 403, "bad_jwt",
		    "invalid claim: missing sub claim");
		goto out;
	}
	if (!uuid_is_valid(sub, strlen(sub))) {
		sl_auth_error(req, 400, "bad_jwt",
		    "invalid claim: sub claim must be a UUID");
		goto out;
	}
	snprintf(who->uid, sizeof(who->uid), "%s", sub);
	vals[0] = who->uid;
	if ((r = sl_auth_exec(t, "select 1 from auth.users where id = $1::uuid",
	    1, vals)) == NULL) {
		sl_auth_internal(req, "Database error finding user");
		goto out;
	}
	if (PQntuples(r) != 1) {
		sl_auth_error(req, 403, "user_not_found",
		    "User from sub claim in JWT does not exist");
		goto out;
	}
	PQclear(r);
	r = NULL;
	sidj = json_object_get(claims, "session_id");
	sid = json_is_string(sidj) ? json_string_value(sidj) : "";
	if (*sid == '\0' || strcmp(sid, SL_AUTH_NIL_UUID) == 0) {
		rc = 0;
		goto out;
	}
	if (!uuid_is_valid(sid, strlen(sid))) {
		sl_auth_error(req, 403, "bad_jwt",
		    "invalid claim: session_id claim must be a UUID");
		goto out;
	}
	snprintf(who->sid, sizeof(who->sid), "%s", sid);
	vals[0] = who->sid;
	if ((r = sl_auth_exec(t, "select 1 from auth.sessions "
	    "where id = $1::uuid", 1, vals)) == NULL) {
		sl_auth_internal(req, "Database error finding session");
		goto out;
	}
	if (PQntuples(r) != 1) {
		sl_auth_error(req, 403, "session_not_found",
		    "Session from session_id claim in JWT does not exist");
		goto out;
	}
	rc = 0;
out:
	PQclear(r);
	json_decref(claims);
	return rc;
}

/*
 * Signup's parameters, checked as GoTrue's validateSignupParams does and
 * in its order; the email lowercased into email (SL_AUTH_EMAIL_MAX + 1
 * bytes). 0, or -1 after replying.
 */
static int
sl_auth_signup_check(struct sl_req *req, const char *email_in,
    const char *phone, const char *pw, char *email)
{
	json_t	*weak;
	size_t	 i;

	if (*pw == '\0') {
		sl_auth_error(req, 400, "validation_failed",
		    "Signup requires a valid password");
		return -1;
	}
	if (strlen(pw) < SL_AUTH_PASSWORD_MIN) {
		weak = json_pack("{s:{s:[s]}}", "weak_password", "reasons",
		    "length");
		sl_auth_error_ex(req, 422, "weak_password",
		    "Password should be at least 6 characters.", weak);
		json_decref(weak);
		return -1;
	}
	if (strlen(pw) > SL_AUTH_PASSWORD_MAX) {
		sl_auth_error(req, 422, "validation_failed",
		    "Password cannot be longer than 72 characters");
		return -1;
	}
	if (*email_in != '\0' && *phone != '\0') {
		sl_auth_error(req, 400, "validation_failed", "Only an email "
		    "address or phone number should be provided on signup.");
		return -1;
	}
	if (*phone != '\0') {
		sl_auth_error(req, 400, "phone_provider_disabled",
		    "Phone signups are disabled");
		return -1;
	}
	if (*email_in == '\0') {
		sl_auth_error(req, 400, "validation_failed",
		    "Sign up only available with email provider");
		return -1;
	}
	if (strlen(email_in) > SL_AUTH_EMAIL_MAX) {
		sl_auth_error(req, 400, "validation_failed",
		    "An email address is too long");
		return -1;
	}
	if (!sl_auth_email_ok(email_in)) {
		sl_auth_error(req, 400, "validation_failed",
		    "Unable to validate email address: invalid format");
		return -1;
	}
	for (i = 0; email_in[i] != '\0'; i++)
		email[i] = (char)tolower((unsigned char)email_in[i]);
	email[i] = '\0';
	return 0;
}

/* ------------------------------------------------------------------ */
/* Endpoints                                                           */

/* Commit t and reply 200 with the user uid alone (signup without
 * autoconfirm). */
static void
sl_auth_reply_user(struct sl_auth_tx *t, const char *uid)
{
	json_t	*u;
	int	 missing;

	if ((u = sl_auth_user_json(t, uid, &missing)) == NULL ||
	    sl_auth_end(t, 1) == -1) {
		sl_auth_internal(t->req, "Database error saving new user");
		json_decref(u);
		return;
	}
	sl_reply_json(t->req, 200, NULL, u);
	json_decref(u);
}

/* POST /signup (GoTrue signup.go; mailer autoconfirm on or off). */
static void
sl_auth_signup(struct sl_req *req)
{
	struct sl_auth_tx t = { 0 };
	struct buf	 data;
	json_t		*body = NULL, *dj;
	const char	*email_in, *phone, *pw, *vals[3];
	char		 email[SL_AUTH_EMAIL_MAX + 1];
	char		 uid[UUID_STRLEN + 1], sid[UUID_STRLEN + 1];
	char		 refresh[SL_REFRESH_TOKEN_LEN + 1] = "";
	PGresult	*r = NULL;
	long long	 created = 0;

	buf_init(&data, SL_BODY_MAX);
	if ((body = sl_auth_body(req)) == NULL)
		goto out;
	if ((email_in = sl_auth_field(req, body, "email")) == NULL ||
	    (phone = sl_auth_field(req, body, "phone")) == NULL ||
	    (pw = sl_auth_field(req, body, "password")) == NULL)
		goto out;
	dj = json_object_get(body, "data");
	if (dj != NULL && !json_is_null(dj) && !json_is_object(dj)) {
		sl_auth_error(req, 400, "bad_json", "Could not parse request "
		    "body as JSON: field 'data' must be an object");
		goto out;
	}

	if (sl_auth_signup_check(req, email_in, phone, pw, email) == -1)
		goto out;
	if ((dj != NULL && json_is_object(dj) ? jsonx_dumpb(&data, dj) :
	    buf_appends(&data, "{}")) == -1) {
		sl_auth_internal(req, "Database error saving new user");
		goto out;
	}

	if (sl_auth_begin(&t, req) == -1)
		goto out;
	vals[0] = email;
	if ((r = sl_auth_exec(&t, "select 1 from auth.users "
	    "where lower(email::text) = $1 and not is_anonymous limit 1",
	    1, vals)) == NULL) {
		sl_auth_internal(req, "Database error finding user");
		goto out;
	}
	if (PQntuples(r) > 0) {
		sl_auth_error(req, 422, "user_already_exists",
		    "User already registered");
		goto out;
	}
	PQclear(r);
	/*
	 * Autoconfirm: confirmed at once, signed in at once; Confirm() adds
	 * email_verified to user_metadata as GoTrue does. Without it
	 * (GoTrue's sendConfirmation): unconfirmed, not signed in, and
	 * confirmation_sent_at set; no mail leaves here (see
	 * docs/supabase-local.md for confirming in tests).
	 */
	vals[0] = email;
	vals[1] = pw;
	vals[2] = buf_cstr(&data);
	r = sl_auth_exec(&t, req->conf->autoconfirm ?
	    "insert into auth.users (instance_id, id, aud, role, email, "
	    "encrypted_password, email_confirmed_at, last_sign_in_at, "
	    "raw_app_meta_data, raw_user_meta_data, created_at, updated_at, "
	    "is_anonymous) values ('" SL_AUTH_NIL_UUID "', "
	    "gen_random_uuid(), 'authenticated', 'authenticated', $1, "
	    "extensions.crypt($2, extensions.gen_salt('bf', "
	    SL_AUTH_BCRYPT_COST ")), now(), now(), "
	    "'{\"provider\":\"email\",\"providers\":[\"email\"]}'::jsonb, "
	    "$3::jsonb || '{\"email_verified\":true}'::jsonb, now(), now(), "
	    "false) returning id::text" :
	    "insert into auth.users (instance_id, id, aud, role, email, "
	    "encrypted_password, raw_app_meta_data, raw_user_meta_data, "
	    "created_at, updated_at, is_anonymous) values ('"
	    SL_AUTH_NIL_UUID "', "
	    "gen_random_uuid(), 'authenticated', 'authenticated', $1, "
	    "extensions.crypt($2, extensions.gen_salt('bf', "
	    SL_AUTH_BCRYPT_COST ")), "
	    "'{\"provider\":\"email\",\"providers\":[\"email\"]}'::jsonb, "
	    "$3::jsonb, now(), now(), false) returning id::text", 3, vals);
	if (r == NULL || PQntuples(r) != 1) {
		if (strcmp(t.sqlstate, "23505") == 0)
			sl_auth_error(req, 422, "user_already_exists",
			    "User already registered");
		else if (strcmp(t.sqlstate, "22P05") == 0)
			/* jsonb refuses \u0000 (GoTrue: a 500). */
			sl_auth_error(req, 400, "bad_json", "Could not parse "
			    "request body as JSON: unsupported Unicode escape "
			    "sequence in 'data'");
		else
			sl_auth_internal(req, "Database error saving new user");
		goto out;
	}
	if (!req->conf->autoconfirm) {
		/* GoTrue answers the user alone: no session until the
		 * email is confirmed. */
		snprintf(uid, sizeof(uid), "%s", PQgetvalue(r, 0, 0));
		sl_auth_reply_user(&t, uid);
		goto out;
	}
	snprintf(uid, sizeof(uid), "%s", PQgetvalue(r, 0, 0));
	if (sl_auth_new_session(&t, uid, NULL, NULL, sid, &created, refresh) == -1) {
		sl_auth_internal(req, "Database error granting user");
		goto out;
	}
	sl_auth_reply_session(&t, uid, sid, created, refresh);
out:
	sl_auth_end(&t, 0);
	explicit_bzero(refresh, sizeof(refresh));
	PQclear(r);
	json_decref(body);	/* held the password: jansson frees it */
	buf_release(&data);
}

/* grant_type=password (GoTrue token.go ResourceOwnerPasswordGrant). */
static void
sl_auth_password_grant(struct sl_req *req)
{
	struct sl_auth_tx t = { 0 };
	json_t		*body = NULL;
	const char	*email, *phone, *pw, *vals[2];
	char		 uid[UUID_STRLEN + 1], sid[UUID_STRLEN + 1];
	char		 refresh[SL_REFRESH_TOKEN_LEN + 1] = "";
	PGresult	*r = NULL;
	long long	 created = 0;
	int		 found, ok = 0, confirmed = 0, banned = 0;

	if ((body = sl_auth_body(req)) == NULL)
		goto out;
	if ((email = sl_auth_field(req, body, "email")) == NULL ||
	    (phone = sl_auth_field(req, body, "phone")) == NULL ||
	    (pw = sl_auth_field(req, body, "password")) == NULL)
		goto out;
	if (*email != '\0' && *phone != '\0') {
		sl_auth_error(req, 400, "validation_failed", "Only an email "
		    "address or phone number should be provided on login.");
		goto out;
	}
	if (*email == '\0' && *phone != '\0') {
		sl_auth_error(req, 422, "phone_provider_disabled",
		    "Phone logins are disabled");
		goto out;
	}
	if (*email == '\0') {
		sl_auth_error(req, 400, "validation_failed",
		    "missing email or phone");
		goto out;
	}
	if (sl_auth_begin(&t, req) == -1)
		goto out;

	vals[0] = email;
	r = sl_auth_exec(&t,
	    "select id::text, email_confirmed_at is not null, "
	    "coalesce(banned_until > now(), false), "
	    "coalesce(encrypted_password ~ "
	    "'^\\$2[abxy]\\$[0-9]{2}\\$[./A-Za-z0-9]{53}$', false) "
	    "from auth.users where lower(email::text) = lower($1) "
	    "and not is_anonymous and deleted_at is null "
	    "order by created_at limit 1", 1, vals);
	if (r == NULL) {
		sl_auth_internal(req, "Database error querying schema");
		goto out;
	}
	found = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 3), "t") == 0;
	if (found) {
		snprintf(uid, sizeof(uid), "%s", PQgetvalue(r, 0, 0));
		confirmed = strcmp(PQgetvalue(r, 0, 1), "t") == 0;
		banned = strcmp(PQgetvalue(r, 0, 2), "t") == 0;
	}
	PQclear(r);

	/*
	 * Exactly one bcrypt either way. bcrypt reads 72 bytes: a longer
	 * password never matches (Go's bcrypt refuses it), it is not cut.
	 */
	vals[1] = pw;
	if (found && strlen(pw) <= SL_AUTH_PASSWORD_MAX) {
		vals[0] = uid;
		r = sl_auth_exec(&t, "select encrypted_password = "
		    "extensions.crypt($2, encrypted_password) "
		    "from auth.users where id = $1::uuid", 2, vals);
	} else {
		vals[0] = sl_auth_dummy_hash;
		r = sl_auth_exec(&t, "select extensions.crypt($2, $1) = $1",
		    2, vals);
	}
	if (r == NULL || PQntuples(r) != 1) {
		sl_auth_internal(req, "Database error querying schema");
		goto out;
	}
	ok = found && strlen(pw) <= SL_AUTH_PASSWORD_MAX &&
	    strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	r = NULL;
	if (!ok) {
		sl_auth_error(req, 400, "invalid_credentials",
		    SL_AUTH_INVALID_LOGIN);
		goto out;
	}
	/* Only now, so neither answer tells a stranger the email exists. */
	if (banned) {
		sl_auth_error(req, 400, "user_banned", "User is banned");
		goto out;
	}
	if (!confirmed) {
		sl_auth_error(req, 400, "email_not_confirmed",
		    "Email not confirmed");
		goto out;
	}
	vals[0] = uid;
	if (sl_auth_do(&t, "update auth.users set last_sign_in_at = now() "
	    "where id = $1::uuid", 1, vals) == -1 ||
	    sl_auth_new_session(&t, uid, NULL, NULL, sid, &created, refresh) == -1) {
		sl_auth_internal(req, "Database error granting user");
		goto out;
	}
	sl_auth_reply_session(&t, uid, sid, created, refresh);
out:
	sl_auth_end(&t, 0);
	explicit_bzero(refresh, sizeof(refresh));
	PQclear(r);
	json_decref(body);
}

static void
sl_auth_refresh_not_found(struct sl_req *req)
{
	sl_auth_error(req, 400, "refresh_token_not_found",
	    "Invalid Refresh Token: Refresh Token Not Found");
}

/* Step 1: the token's session. 0, or -1 after replying. */
static int
sl_auth_refresh_session(struct sl_auth_tx *t, struct sl_req *req,
    struct sl_auth_refresh *rf)
{
	const char	*vals[1] = { rf->hash };
	PGresult	*r;
	int		 rc = -1;

	if ((r = sl_auth_exec(t, "select session_id::text from "
	    "auth.refresh_tokens where token = $1", 1, vals)) == NULL) {
		sl_auth_internal(req, "Database error finding refresh token");
		goto out;
	}
	if (PQntuples(r) != 1) {
		sl_auth_refresh_not_found(req);
		goto out;
	}
	if (PQgetisnull(r, 0, 0)) {
		/* GoTrue: a token from before sessions existed is dropped. */
		(void)sl_auth_do(t, "delete from auth.refresh_tokens "
		    "where token = $1", 1, vals);
		sl_auth_end(t, 1);
		sl_auth_error(req, 400, "session_not_found",
		    "Invalid Refresh Token: No Valid Session Found");
		goto out;
	}
	snprintf(rf->sid, sizeof(rf->sid), "%s", PQgetvalue(r, 0, 0));
	rc = 0;
out:
	PQclear(r);
	return rc;
}

/* Step 2: lock the session, serializing refreshes within it; its creation
 * time and whether it expired. 0, or -1 after replying. */
static int
sl_auth_refresh_lock(struct sl_auth_tx *t, struct sl_req *req,
    struct sl_auth_refresh *rf)
{
	const char	*vals[1] = { rf->sid };
	PGresult	*r;
	int		 rc = -1;

	r = sl_auth_exec(t, "select "
	    "floor(extract(epoch from created_at))::bigint, "
	    "coalesce(not_after <= now(), false), "
	    "coalesce(oauth_client_id, ''), coalesce(scopes, '') "
	    "from auth.sessions where id = $1::uuid for update", 1, vals);
	if (r == NULL) {
		sl_auth_internal(req, "Database error finding session");
		goto out;
	}
	if (PQntuples(r) != 1) {
		sl_auth_refresh_not_found(req);
		goto out;
	}
	if (!PQgetisnull(r, 0, 0) && strparse_i64(PQgetvalue(r, 0, 0),
	    (size_t)PQgetlength(r, 0, 0), 0, INT64_MAX, &rf->created) == -1)
		rf->created = 0;
	rf->expired = strcmp(PQgetvalue(r, 0, 1), "t") == 0;
	snprintf(rf->client, sizeof(rf->client), "%s", PQgetvalue(r, 0, 2));
	snprintf(rf->scopes, sizeof(rf->scopes), "%s", PQgetvalue(r, 0, 3));
	rc = 0;
out:
	PQclear(r);
	return rc;
}

/* Step 3: the token again, now that nobody else can rotate it: its user
 * (refused when banned), whether it was rotated and how long ago. 0, or
 * -1 after replying. */
static int
sl_auth_refresh_token(struct sl_auth_tx *t, struct sl_req *req,
    struct sl_auth_refresh *rf)
{
	const char	*vals[2];
	char		 secs[16];
	PGresult	*r;
	int		 rc = -1;

	snprintf(secs, sizeof(secs), "%d", SL_REFRESH_REUSE_SECS);
	vals[0] = rf->hash;
	vals[1] = secs;
	r = sl_auth_exec(t, "select rt.id::text, rt.user_id::text, "
	    "rt.revoked, "
	    "now() <= rt.updated_at + make_interval(secs => $2::int), "
	    "coalesce(u.banned_until > now(), false) "
	    "from auth.refresh_tokens rt "
	    "join auth.users u on u.id = rt.user_id "
	    "where rt.token = $1 for update of rt", 2, vals);
	if (r == NULL) {
		sl_auth_internal(req, "Database error finding refresh token");
		goto out;
	}
	if (PQntuples(r) != 1) {
		sl_auth_refresh_not_found(req);
		goto out;
	}
	snprintf(rf->tokid, sizeof(rf->tokid), "%s", PQgetvalue(r, 0, 0));
	snprintf(rf->uid, sizeof(rf->uid), "%s", PQgetvalue(r, 0, 1));
	rf->revoked = strcmp(PQgetvalue(r, 0, 2), "t") == 0;
	rf->in_reuse = strcmp(PQgetvalue(r, 0, 3), "t") == 0;
	if (strcmp(PQgetvalue(r, 0, 4), "t") == 0) {
		sl_auth_error(req, 400, "user_banned",
		    "Invalid Refresh Token: User Banned");
		goto out;
	}
	rc = 0;
out:
	PQclear(r);
	return rc;
}

/* Step 4: retire the presented token. A fresh one is revoked (rotation);
 * a rotated one is let through only within the reuse interval while the
 * session still has an active token, else the whole family is revoked
 * and committed. 0, or -1 after replying. */
static int
sl_auth_refresh_retire(struct sl_auth_tx *t, struct sl_req *req,
    const struct sl_auth_refresh *rf)
{
	const char	*vals[1];
	PGresult	*r;
	int		 active;

	if (!rf->revoked) {
		vals[0] = rf->tokid;
		if (sl_auth_do(t, "update auth.refresh_tokens set revoked = "
		    "true, updated_at = now() where id = $1::bigint", 1,
		    vals) == -1) {
			sl_auth_internal(req, "Database error revoking refresh "
			    "token");
			return -1;
		}
		return 0;
	}
	vals[0] = rf->sid;
	if ((r = sl_auth_exec(t, "select 1 from auth.refresh_tokens "
	    "where session_id = $1::uuid and not revoked limit 1",
	    1, vals)) == NULL) {
		sl_auth_internal(req, "Database error finding refresh token");
		return -1;
	}
	active = PQntuples(r) > 0;
	PQclear(r);
	if (rf->in_reuse && active)
		return 0;
	if (sl_auth_do(t, "update auth.refresh_tokens "
	    "set revoked = true where session_id = $1::uuid "
	    "and not revoked", 1, vals) == -1 ||
	    sl_auth_end(t, 1) == -1) {
		sl_auth_internal(req, "Database error revoking refresh tokens");
		return -1;
	}
	log_warn(SL_AUTH_MOD, "refresh token reused outside the reuse "
	    "interval: session '%s' revoked", rf->sid);
	sl_auth_error(req, 400, "refresh_token_already_used",
	    "Invalid Refresh Token: Already Used");
	return -1;
}

/*
 * The rotation (GoTrue token_refresh.go, see sl_auth_int.h). The used
 * token is revoked and a child issued. A revoked token presented again:
 *  - within SL_REFRESH_REUSE_SECS of its rotation while the session still
 *    has an active token (a client that lost the response, or two tabs
 *    racing): a new sibling token is issued from it. GoTrue would hand
 *    back the stored active child; only hashes are stored here.
 *  - otherwise: every token of the session is revoked (token family) and
 *    400 refresh_token_already_used, committed.
 * An OAuth client's session refreshes only at /oauth/token with that
 * client authenticated, and a user's own only without one (GoTrue's
 * check, with its OAuth errors).
 */
int
sl_auth_refresh_rotate(struct sl_auth_tx *t, const char *rt,
    const char *client, struct sl_auth_refresh *rf)
{
	struct sl_req	*req = t->req;
	const char	*vals[1];

	memset(rf, 0, sizeof(*rf));
	if (strlen(rt) > SL_AUTH_REFRESH_IN_MAX ||
	    sl_auth_hash(rt, strlen(rt), rf->hash) == -1) {
		sl_auth_refresh_not_found(req);
		return -1;
	}
	if (sl_auth_refresh_session(t, req, rf) == -1 ||
	    sl_auth_refresh_lock(t, req, rf) == -1)
		return -1;
	if (rf->client[0] != '\0' && client == NULL) {
		sl_auth_oauth_error(req, "invalid_client",
		    "Client authentication required for OAuth session");
		return -1;
	}
	if (rf->client[0] != '\0' && strcmp(rf->client, client) != 0) {
		sl_auth_oauth_error(req, "invalid_client",
		    "Client does not match the session's OAuth client");
		return -1;
	}
	if (rf->client[0] == '\0' && client != NULL) {
		sl_auth_oauth_error(req, "invalid_client",
		    "Client authentication not allowed for non-OAuth session");
		return -1;
	}
	if (sl_auth_refresh_token(t, req, rf) == -1)
		return -1;
	if (rf->expired) {
		sl_auth_error(req, 400, "session_expired",
		    "Invalid Refresh Token: Session Expired");
		return -1;
	}
	if (sl_auth_refresh_retire(t, req, rf) == -1)
		return -1;
	vals[0] = rf->sid;
	if (sl_auth_store_refresh(t, rf->uid, rf->sid, rf->hash,
	    rf->fresh) == -1 ||
	    sl_auth_do(t, "update auth.sessions set updated_at = now() "
	    "where id = $1::uuid", 1, vals) == -1) {
		sl_auth_internal(req, "Database error granting user");
		return -1;
	}
	return 0;
}

/* grant_type=refresh_token: the rotation, answered with a session. */
static void
sl_auth_refresh_grant(struct sl_req *req)
{
	struct sl_auth_tx	 t = { 0 };
	struct sl_auth_refresh	 rf;
	json_t			*body = NULL;
	const char		*rt;

	memset(&rf, 0, sizeof(rf));
	if ((body = sl_auth_body(req)) == NULL)
		goto out;
	if ((rt = sl_auth_field(req, body, "refresh_token")) == NULL)
		goto out;
	if (*rt == '\0') {
		sl_auth_error(req, 400, "validation_failed",
		    "refresh_token required");
		goto out;
	}
	if (sl_auth_begin(&t, req) == -1)
		goto out;
	if (sl_auth_refresh_rotate(&t, rt, NULL, &rf) == -1)
		goto out;
	sl_auth_reply_session(&t, rf.uid, rf.sid, (long long)rf.created,
	    rf.fresh);
out:
	sl_auth_end(&t, 0);
	explicit_bzero(&rf, sizeof(rf));
	json_decref(body);
}

/* RFC 6749 section 5.2, as GoTrue's OAuthError: always 400. */
void
sl_auth_oauth_error(struct sl_req *req, const char *error,
    const char *description)
{
	json_t	*body;

	body = json_pack("{s:s, s:s}", "error", error,
	    "error_description", description);
	if (body == NULL) {
		sl_auth_internal(req, "out of memory");
		return;
	}
	sl_reply_json(req, 400, NULL, body);
	json_decref(body);
}

/* POST /token: dispatch on grant_type (GoTrue token.go Token). */
static void
sl_auth_token(struct sl_req *req)
{
	char	*grant = sl_query_param(req->query, "grant_type");

	if (grant != NULL && strcmp(grant, "password") == 0)
		sl_auth_password_grant(req);
	else if (grant != NULL && strcmp(grant, "refresh_token") == 0)
		sl_auth_refresh_grant(req);
	else
		/* GoTrue answers an OAuth2 {"error":"unsupported_grant_type"};
		 * the contract's error body is kept instead. */
		sl_auth_error(req, 400, "unsupported_grant_type",
		    "unsupported_grant_type");
	free(grant);
}

/* GET /user. */
static void
sl_auth_user(struct sl_req *req)
{
	struct sl_auth_tx	 t = { 0 };
	struct sl_auth_caller	 who;
	json_t			*u = NULL;
	int			 missing;

	if (sl_auth_begin(&t, req) == -1)
		goto out;
	if (sl_auth_require(&t, &who) == -1)
		goto out;
	if ((u = sl_auth_user_json(&t, who.uid, &missing)) == NULL) {
		if (missing)
			sl_auth_error(req, 403, "user_not_found",
			    "User from sub claim in JWT does not exist");
		else
			sl_auth_internal(req, "Database error finding user");
		goto out;
	}
	if (sl_auth_end(&t, 1) == -1) {
		sl_auth_internal(req, "Database error finding user");
		goto out;
	}
	sl_reply_json(req, 200, NULL, u);
out:
	sl_auth_end(&t, 0);
	json_decref(u);
}

/* POST /logout?scope=global|local|others (GoTrue logout.go). */
static void
sl_auth_logout(struct sl_req *req)
{
	struct sl_auth_tx	 t = { 0 };
	struct sl_auth_caller	 who;
	const char		*vals[2];
	char			*scope = NULL, msg[128];
	int			 rc;

	if (sl_auth_begin(&t, req) == -1)
		goto out;
	if (sl_auth_require(&t, &who) == -1)
		goto out;
	scope = sl_query_param(req->query, "scope");
	if (scope != NULL && *scope != '\0' && strcmp(scope, "global") != 0 &&
	    strcmp(scope, "local") != 0 && strcmp(scope, "others") != 0) {
		/* Go's %q, near enough for a printable scope. */
		snprintf(msg, sizeof(msg), "Unsupported logout scope \"%.64s\"",
		    scope);
		sl_auth_error(req, 400, "validation_failed", msg);
		goto out;
	}
	vals[0] = who.uid;
	vals[1] = who.sid;
	if (who.sid[0] == '\0')
		/* A token without a session: its user's refresh tokens go. */
		rc = sl_auth_do(&t, "delete from auth.refresh_tokens "
		    "where user_id = $1::uuid", 1, vals);
	else if (scope != NULL && strcmp(scope, "local") == 0)
		rc = sl_auth_do(&t, "delete from auth.sessions "
		    "where id = $2::uuid and user_id = $1::uuid", 2, vals);
	else if (scope != NULL && strcmp(scope, "others") == 0)
		rc = sl_auth_do(&t, "delete from auth.sessions "
		    "where user_id = $1::uuid and id <> $2::uuid", 2, vals);
	else
		rc = sl_auth_do(&t, "delete from auth.sessions "
		    "where user_id = $1::uuid", 1, vals) == -1 ||
		    sl_auth_do(&t, "delete from auth.refresh_tokens "
		    "where user_id = $1::uuid", 1, vals) == -1 ? -1 : 0;
	/* Refresh tokens of deleted sessions go with them (on delete
	 * cascade). */
	if (rc == -1 || sl_auth_end(&t, 1) == -1) {
		sl_auth_internal(req, "Error logging out user");
		goto out;
	}
	sl_reply(req, 204, NULL, NULL, NULL, 0);
out:
	sl_auth_end(&t, 0);
	free(scope);
}

/* GET /health (GoTrue's HealthCheck). */
static void
sl_auth_health(struct sl_req *req)
{
	json_t	*h = json_pack("{s:s, s:s, s:s}",
	    "version", SL_AUTH_GOTRUE_VERSION, "name", "GoTrue",
	    "description", "GoTrue is a user registration and authentication "
	    "API");

	if (h == NULL) {
		sl_auth_internal(req, "out of memory");
		return;
	}
	sl_reply_json(req, 200, NULL, h);
	json_decref(h);
}

/* GET /.well-known/jwks.json (GoTrue jwks.go). */
static void
sl_auth_jwks(struct sl_req *req)
{
	char	*doc = sl_jwks_json(req->conf);

	if (doc == NULL) {
		sl_auth_internal(req, "cannot build the jwks");
		return;
	}
	sl_reply(req, 200, "application/json",
	    "Cache-Control: public, max-age=600\r\n", doc, strlen(doc));
	free(doc);
}

void
sl_auth_handle(struct sl_req *req)
{
	const char	*sub, *m = req->method;
	int		 get = strcmp(m, "GET") == 0;
	int		 post = strcmp(m, "POST") == 0;

	if (strncmp(req->path, SL_AUTH_PREFIX, strlen(SL_AUTH_PREFIX)) != 0) {
		sl_auth_error(req, 404, "not_found", "Not Found");
		return;
	}
	sub = req->path + strlen(SL_AUTH_PREFIX);

	/* Open endpoints: monitoring and the public keys. */
	if (strcmp(sub, "/health") == 0 && get) {
		sl_auth_health(req);
		return;
	}
	if (strcmp(sub, "/.well-known/jwks.json") == 0 && get) {
		sl_auth_jwks(req);
		return;
	}

	/* GoTrue's OAuth 2.1 server: its own routes and apikey rules. */
	if (sl_oauth_handle(req, sub))
		return;

	/* Everything else is behind the gateway's apikey check. */
	if (sl_gateway_apikey(req) == -1)
		return;
	if (strcmp(sub, "/signup") == 0 && post)
		sl_auth_signup(req);
	else if (strcmp(sub, "/token") == 0 && post)
		sl_auth_token(req);
	else if (strcmp(sub, "/user") == 0 && get)
		sl_auth_user(req);
	else if (strcmp(sub, "/logout") == 0 && post)
		sl_auth_logout(req);
	else if (strcmp(sub, "/signup") == 0 || strcmp(sub, "/token") == 0 ||
	    strcmp(sub, "/user") == 0 || strcmp(sub, "/logout") == 0 ||
	    strcmp(sub, "/health") == 0 ||
	    strcmp(sub, "/.well-known/jwks.json") == 0)
		sl_auth_error(req, 405, "method_not_allowed",
		    "Method Not Allowed");
	else
		sl_auth_error(req, 404, "not_found", "Not Found");
}
