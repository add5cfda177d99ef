/*
 * sl_gateway.c -- supabase-local: what Supabase's Kong gateway does in
 * front of PostgREST (supabase-contract.md section 1), then PostgREST's
 * own JWT step.
 *
 * 1. key-auth: the apikey (header, or query parameter) must be one of the
 *    project's keys: the publishable key, the secret key, or a legacy
 *    HS256 JWT of this project whose role is anon or service_role. Kong's
 *    two 401 bodies are reproduced byte for byte.
 * 2. request-transformer, the Supabase CLI's expression:
 *      (authorization ~= nil and authorization:sub(1, 10) ~= 'Bearer sb_'
 *         and authorization)
 *      or (apikey == SECRET and 'Bearer ' .. SERVICE_ROLE_JWT)
 *      or (apikey == PUBLISHABLE and 'Bearer ' .. ANON_JWT)
 *      or (apikey ~= nil and 'Bearer ' .. apikey)
 * 3. PostgREST: "Authorization: Bearer <jwt>" verified (sl_jwt_verify)
 *    into claims; no token -> role anon. Failures are PostgREST's
 *    PGRST301/PGRST303 with its WWW-Authenticate header.
 *
 * Keys are compared with CRYPTO_memcmp (STYLE 15).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "buf.h"
#include "jsonx.h"
#include "log.h"
#include "strparse.h"
#include "sl.h"
#include "sl_gateway.h"
#include "sl_http.h"
#include "sl_jwt.h"

#define SL_GW_MOD	"sl_gateway"

static const char SL_GW_NO_KEY[] =
    "{\"message\":\"No API key found in request\","
    "\"hint\":\"No `apikey` request header or url param was found.\"}";
static const char SL_GW_BAD_KEY[] =
    "{\"message\":\"Invalid API key\","
    "\"hint\":\"Double check your Supabase `anon` or `service_role` API key.\"}";

enum sl_key_kind {
	SL_KEY_INVALID,
	SL_KEY_PUBLISHABLE,
	SL_KEY_SECRET,
	SL_KEY_LEGACY,
};

/* Constant-time equality of two C strings (the length is not secret). */
static int
sl_gw_key_eq(const char *a, const char *b)
{
	size_t	 la, lb;

	if (a == NULL || b == NULL)
		return 0;
	la = strlen(a);
	lb = strlen(b);
	if (la != lb)
		return 0;
	return CRYPTO_memcmp(a, b, la) == 0;
}

static enum sl_key_kind
sl_gw_classify(const struct sl_req *req, const char *key)
{
	const struct sl_conf	*conf = req->conf;
	json_t			*claims = NULL;
	const char		*why, *role;
	enum sl_key_kind	 kind = SL_KEY_INVALID;

	if (sl_gw_key_eq(key, conf->secret_key))
		return SL_KEY_SECRET;
	if (sl_gw_key_eq(key, conf->publishable_key))
		return SL_KEY_PUBLISHABLE;
	/* A legacy key is a JWT of this project naming an API role; a user's
	 * access token is not an API key (Kong knows only the two keys). */
	if (strncmp(key, "sb_", 3) != 0 &&
	    sl_jwt_verify(conf, key, &claims, &why) == 0) {
		role = jsonx_str(claims, "role");
		if (role != NULL && (strcmp(role, "anon") == 0 ||
		    strcmp(role, "service_role") == 0))
			kind = SL_KEY_LEGACY;
	}
	json_decref(claims);
	return kind;
}

static void
sl_gw_kong_401(struct sl_req *req, const char *body, size_t len)
{
	sl_reply(req, 401, "application/json; charset=utf-8", NULL, body,
	    len);
}

int
sl_gateway_apikey(struct sl_req *req)
{
	const struct sl_conf	*conf = req->conf;
	const char		*auth = req->authorization, *tok;
	enum sl_key_kind	 kind;

	if (req->apikey == NULL || *req->apikey == '\0') {
		sl_gw_kong_401(req, SL_GW_NO_KEY, sizeof(SL_GW_NO_KEY) - 1);
		return -1;
	}
	if ((kind = sl_gw_classify(req, req->apikey)) == SL_KEY_INVALID) {
		log_info(SL_GW_MOD, "invalid api key");
		sl_gw_kong_401(req, SL_GW_BAD_KEY, sizeof(SL_GW_BAD_KEY) - 1);
		return -1;
	}

	free(req->bearer);
	req->bearer = NULL;
	if (auth != NULL && strncmp(auth, "Bearer sb_", 10) != 0) {
		/* Passed through untouched; PostgREST reads only a Bearer
		 * token out of it (any other scheme: no token). */
		if (strncasecmp(auth, "Bearer ", 7) == 0 ||
		    strcasecmp(auth, "Bearer") == 0) {
			tok = auth + (auth[6] == ' ' ? 7 : 6);
			req->bearer = strdup(tok);
			if (req->bearer == NULL)
				goto oom;
		}
		return 0;
	}
	switch (kind) {
	case SL_KEY_SECRET:
		req->bearer = strdup(conf->service_jwt);
		break;
	case SL_KEY_PUBLISHABLE:
		req->bearer = strdup(conf->anon_jwt);
		break;
	default:
		req->bearer = strdup(req->apikey);
		break;
	}
	if (req->bearer == NULL)
		goto oom;
	return 0;
oom:
	sl_reply_pgrst(req, 500, NULL, "out of memory", NULL, NULL);
	return -1;
}

/* PostgREST's 401 for a token it refused (Error.hs, JwtError). */
static void
sl_gw_jwt_401(struct sl_req *req, const char *why)
{
	struct buf	 h;
	json_t		*s;
	char		*q;

	buf_init(&h, SL_HEADER_MAX);
	/* error_description is Haskell's show of the message: a quoted,
	 * escaped string, which a JSON string encoding matches for these. */
	s = json_string(why);
	q = s != NULL ? json_dumps(s, JSON_ENCODE_ANY) : NULL;
	buf_printf(&h, "WWW-Authenticate: Bearer error=\"invalid_token\", "
	    "error_description=%s\r\n", q != NULL ? q : "\"\"");
	sl_reply_pgrst_h(req, 401, h.data, sl_jwt_why_code(why), why, NULL,
	    NULL);
	free(q);
	json_decref(s);
	buf_release(&h);
}

int
sl_gateway(struct sl_req *req)
{
	json_t		*claims = NULL, *role;
	const char	*why = NULL;

	if (sl_gateway_apikey(req) == -1)
		return -1;
	json_decref(req->claims);
	req->claims = NULL;
	req->role = NULL;

	if (req->bearer == NULL) {
		claims = json_pack("{s:s}", "role", "anon");
	} else if (sl_jwt_verify(req->conf, req->bearer, &claims,
	    &why) == -1) {
		log_info(SL_GW_MOD, "jwt refused: %s", why ? why : "?");
		sl_gw_jwt_401(req, why != NULL ? why : "JWT couldn't be decoded");
		return -1;
	} else {
		/* PostgREST puts the role it uses into the claims it hands to
		 * the database: db-anon-role when the token names none. */
		role = json_object_get(claims, "role");
		if (!json_is_string(role) ||
		    json_string_length(role) == 0)
			json_object_set_new(claims, "role", json_string("anon"));
	}
	if (claims == NULL) {
		sl_reply_pgrst(req, 500, NULL, "out of memory", NULL, NULL);
		return -1;
	}
	req->claims = claims;
	req->role = jsonx_str(claims, "role");
	return 0;
}
