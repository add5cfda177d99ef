/*
 * auth.c -- bearer tokens to principals, the 401 challenge, platform
 * tokens; see auth.h.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "auth/auth.h"
#include "auth/pkey.h"
#include "jwtx.h"
#include "log.h"
#include "http/response.h"
#include "strparse.h"
#include "auth/wellknown.h"

#define AUTH_MOD	"auth"
#define AUTH_SHA256	32

static struct jwks_cache	 auth_jwks;
static int			 auth_jwks_ready;

/* Verified tokens (auth.h): SHA-256 of token and configuration -> who. */
struct auth_tc_entry {
	unsigned char		 key[AUTH_SHA256];
	struct principal	 p;
	time_t			 from;		/* verified at */
	time_t			 until;		/* first second not served */
	unsigned long		 used;		/* LRU stamp; 0: empty */
};

static struct auth_tc_entry	 auth_tc[LIMIT_AUTH_CACHE];
static struct auth_cache_stats	 auth_tc_stats;
static unsigned long		 auth_tc_clock;
static EVP_MD			*auth_tc_md;

static void __attribute__((format(printf, 3, 4)))
auth_whyf(char *why, size_t whylen, const char *fmt, ...)
{
	va_list	 ap;

	if (why == NULL || whylen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

struct jwks_cache *
auth_jwks_cache(void)
{
	if (!auth_jwks_ready) {
		jwks_cache_init(&auth_jwks);
		auth_jwks_ready = 1;
	}
	return &auth_jwks;
}

static void
auth_tc_clear(void)
{
	explicit_bzero(auth_tc, sizeof(auth_tc));
	memset(&auth_tc_stats, 0, sizeof(auth_tc_stats));
	auth_tc_clock = 0;
	EVP_MD_free(auth_tc_md);
	auth_tc_md = NULL;
}

void
auth_token_cache_stats(struct auth_cache_stats *st)
{
	size_t	 i;

	*st = auth_tc_stats;
	st->entries = 0;
	for (i = 0; i < LIMIT_AUTH_CACHE; i++)
		if (auth_tc[i].used != 0)
			st->entries++;
}

/* Add one length-prefixed field (NULL and "" differ) to the digest. */
static int
auth_tc_field(EVP_MD_CTX *ctx, const void *p, size_t len, int present)
{
	unsigned char	 hdr[9];
	size_t		 i;

	hdr[0] = (unsigned char)present;
	for (i = 0; i < 8; i++)
		hdr[1 + i] = (unsigned char)((uint64_t)len >> (8 * (7 - i)));
	if (EVP_DigestUpdate(ctx, hdr, sizeof(hdr)) != 1)
		return -1;
	return len == 0 || EVP_DigestUpdate(ctx, p, len) == 1 ? 0 : -1;
}

static int
auth_tc_str(EVP_MD_CTX *ctx, const char *s)
{
	return auth_tc_field(ctx, s, s != NULL ? strlen(s) : 0, s != NULL);
}

/*
 * The cache key of a token under cfg: SHA-256 over the token's exact
 * bytes and every setting auth_verify_token() decides with, so a
 * configuration that would judge the token otherwise never shares an
 * entry. 0 or -1.
 */
static int
auth_tc_key(const struct config *cfg, const char *token, size_t len,
    unsigned char key[AUTH_SHA256])
{
	EVP_MD_CTX	*ctx = NULL;
	unsigned int	 n = 0;
	int		 rc = -1;

	if (auth_tc_md == NULL &&
	    (auth_tc_md = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
		goto out;
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(ctx, auth_tc_md, NULL) != 1 ||
	    auth_tc_field(ctx, token, len, 1) == -1 ||
	    auth_tc_str(ctx, cfg->supabase_url) == -1 ||
	    auth_tc_str(ctx, cfg->supabase_jwt_issuer) == -1 ||
	    auth_tc_str(ctx, cfg->platform_issuer) == -1 ||
	    auth_tc_field(ctx, cfg->supabase_jwt_secret.data,
	    cfg->supabase_jwt_secret.len, 1) == -1 ||
	    auth_tc_field(ctx, cfg->platform_signing_key.data,
	    cfg->platform_signing_key.len, 1) == -1 ||
	    EVP_DigestFinal_ex(ctx, key, &n) != 1 || n != AUTH_SHA256)
		goto out;
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

/* 1 and *p when key is cached and may be served at now, else 0. */
static int
auth_tc_get(const unsigned char key[AUTH_SHA256], time_t now,
    struct principal *p)
{
	struct auth_tc_entry	*e;
	size_t			 i;

	for (i = 0; i < LIMIT_AUTH_CACHE; i++) {
		e = &auth_tc[i];
		if (e->used == 0 || memcmp(e->key, key, AUTH_SHA256) != 0)
			continue;
		/* Past its time, or the clock went back: verify again. */
		if (now < e->from || now >= e->until) {
			explicit_bzero(e, sizeof(*e));
			break;
		}
		*p = e->p;
		e->used = ++auth_tc_clock;
		auth_tc_stats.hits++;
		return 1;
	}
	auth_tc_stats.misses++;
	return 0;
}

/* Remember a verification made at now: into an empty or stale slot, else
 * over the least recently used one. */
static void
auth_tc_put(const unsigned char key[AUTH_SHA256], time_t now,
    const struct principal *p)
{
	struct auth_tc_entry	*e, *victim = NULL;
	time_t			 until;
	size_t			 i;

	/* Refused from exp + leeway on (lib/jwtx: now >= exp + leeway);
	 * p->exp is exp rounded down, so this is never later. */
	until = p->exp < INT64_MAX / 2 - LIMIT_JWT_LEEWAY ?
	    p->exp + LIMIT_JWT_LEEWAY : INT64_MAX / 2;
	if (now + LIMIT_AUTH_CACHE_TTL < until)
		until = now + LIMIT_AUTH_CACHE_TTL;
	if (until <= now)
		return;
	for (i = 0; i < LIMIT_AUTH_CACHE; i++) {
		e = &auth_tc[i];
		if (e->used == 0 || now < e->from || now >= e->until) {
			victim = e;
			break;
		}
		if (victim == NULL || e->used < victim->used)
			victim = e;
	}
	memcpy(victim->key, key, AUTH_SHA256);
	victim->p = *p;
	victim->from = now;
	victim->until = until;
	victim->used = ++auth_tc_clock;
}

void
auth_cache_release(void)
{
	auth_tc_clear();
	pkey_release();
	if (auth_jwks_ready)
		jwks_cache_release(&auth_jwks);
	auth_jwks_ready = 0;
}

/* RFC 6750 2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" /
 * "+" / "/" ) *"=" */
static int
auth_is_b64token(const char *p, size_t len)
{
	size_t	 i = 0;

	while (i < len && (isalnum((unsigned char)p[i]) ||
	    strchr("-._~+/", p[i]) != NULL))
		i++;
	if (i == 0)
		return 0;
	while (i < len && p[i] == '=')
		i++;
	return i == len;
}

int
auth_bearer(const char *authz, const char **tok, size_t *len)
{
	const char	*p;
	size_t		 n;

	*tok = NULL;
	*len = 0;
	if (authz == NULL)
		return -1;
	p = authz;
	n = strlen(p);
	strparse_trim(&p, &n);
	if (n < 6 || !strparse_eq_ci(p, 6, "Bearer"))
		return -1;
	if (n > 6 && p[6] != ' ' && p[6] != '\t')
		return -1;	/* "Bearerx ...": another scheme */
	p += 6;
	n -= 6;
	strparse_trim(&p, &n);
	if (n == 0 || !auth_is_b64token(p, n))
		return -2;
	*tok = p;
	*len = n;
	return 0;
}

/* The "exp" of verified claims (jwtx_verify required it). */
static time_t
auth_exp(const struct jwtx *jwt)
{
	json_t	*e = json_object_get(jwt->claims, "exp");
	double	 v = json_number_value(e);

	if (v > (double)INT64_MAX / 2)
		v = (double)INT64_MAX / 2;
	return v < 0 ? 0 : (time_t)v;
}

/* sub (a UUID) into out, lower case. */
static int
auth_sub(const struct jwtx *jwt, char out[UUID_STRLEN + 1])
{
	const char	*sub = jwtx_claim_str(jwt, "sub");
	size_t		 i;

	if (sub == NULL || !uuid_is_valid(sub, strlen(sub)))
		return -1;
	for (i = 0; i < UUID_STRLEN; i++)
		out[i] = (char)tolower((unsigned char)sub[i]);
	out[UUID_STRLEN] = '\0';
	return 0;
}

/* Visible ASCII and spaces (RFC 6749 3.3 scope-token lists). */
static int
auth_scopes_ok(const char *s)
{
	size_t	 i, len = strlen(s);

	if (len > LIMIT_JWT_SCOPES)
		return 0;
	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] < 0x21 && s[i] != ' ') ||
		    (unsigned char)s[i] > 0x7e || s[i] == '"' || s[i] == '\\')
			return 0;
	return 1;
}

/*
 * The claims of a token Supabase's OAuth server issued to a client:
 * client_id (visible ASCII, no quote or backslash, <= LIMIT_OAUTH_CLIENT_ID)
 * with a session_id UUID, and scope. NULL, or why the token is refused.
 */
static const char *
auth_oauth_claims(const struct jwtx *jwt, struct principal *p)
{
	const char	*cid, *sid, *scope;
	size_t		 i, len;

	if (json_object_get(jwt->claims, "client_id") == NULL)
		return NULL;
	if ((cid = jwtx_claim_str(jwt, "client_id")) == NULL ||
	    (len = strlen(cid)) == 0 || len > LIMIT_OAUTH_CLIENT_ID)
		return "malformed client_id claim";
	for (i = 0; i < len; i++)
		if ((unsigned char)cid[i] < 0x21 ||
		    (unsigned char)cid[i] > 0x7e || cid[i] == '"' ||
		    cid[i] == '\\')
			return "malformed client_id claim";
	if ((sid = jwtx_claim_str(jwt, "session_id")) == NULL ||
	    !uuid_is_valid(sid, strlen(sid)))
		return "oauth token without a session_id";
	scope = jwtx_claim_str(jwt, "scope");
	if (json_object_get(jwt->claims, "scope") != NULL &&
	    (scope == NULL || !auth_scopes_ok(scope)))
		return "malformed scope claim";
	memcpy(p->client_id, cid, len + 1);
	for (i = 0; i < UUID_STRLEN; i++)
		p->session_id[i] = (char)tolower((unsigned char)sid[i]);
	p->session_id[UUID_STRLEN] = '\0';
	snprintf(p->scopes, sizeof(p->scopes), "%s", scope != NULL ? scope :
	    "");
	return NULL;
}

/* Supabase Auth user token (supabase-contract.md section 2). */
static int
auth_verify_supabase(const struct config *cfg, struct jwtx *jwt,
    const char *issuer, time_t now, struct principal *p, char *why,
    size_t whylen)
{
	struct jwtx_policy	 pol;
	struct jwtx_key		 hs;
	const struct jwtx_key	*key = NULL;
	struct jwks_cache	*jc;
	struct buf		 url;
	const char		*w = NULL, *role;
	int			 rc = 401, st;

	buf_init(&url, LIMIT_URL + sizeof(AUTH_JWKS_PATH));
	memset(&pol, 0, sizeof(pol));
	pol.algs = JWTX_ALLOW(JWTX_ALG_ES256) | JWTX_ALLOW(JWTX_ALG_RS256);
	/* HS256 only with the project secret, never with a JWKS key. */
	if (cfg->supabase_jwt_secret.len > 0)
		pol.algs |= JWTX_ALLOW(JWTX_ALG_HS256);
	pol.iss = issuer;
	pol.aud = AUTH_SUPABASE_AUDIENCE;
	pol.now = now;
	pol.leeway = LIMIT_JWT_LEEWAY;

	if ((pol.algs & JWTX_ALLOW(jwt->alg)) == 0) {
		w = jwt->alg == JWTX_ALG_HS256 ? "hs256 user token but no "
		    "supabase_jwt_secret_file configured" :
		    "alg not allowed for supabase tokens";
		goto out;
	}
	if (jwt->alg == JWTX_ALG_HS256) {
		hs.alg = JWTX_ALG_HS256;
		hs.kid = NULL;
		hs.material = cfg->supabase_jwt_secret.data;
		hs.len = cfg->supabase_jwt_secret.len;
		key = &hs;
	} else {
		jc = auth_jwks_cache();
		if (buf_printf(&url, "%s%s", cfg->supabase_url,
		    AUTH_JWKS_PATH) == -1 ||
		    jwks_cache_set_url(jc, url.data) == -1) {
			w = "out of memory";
			rc = 503;
			goto out;
		}
		st = jwks_cache_find(jc, jwt->alg, jwt->has_kid ? jwt->kid :
		    NULL, now, &key, &w);
		if (st == -2) {
			rc = 503;
			goto out;
		}
		if (st == -1)
			goto out;
	}
	if (jwtx_verify(jwt, key, &pol, &w) == -1)
		goto out;
	if ((role = jwtx_claim_str(jwt, "role")) == NULL) {
		w = "role claim missing";
		goto out;
	}
	if (strcmp(role, AUTH_SUPABASE_ROLE) != 0) {
		w = "role is not authenticated";	/* anon, service_role */
		goto out;
	}
	if (auth_sub(jwt, p->sub) == -1) {
		w = "sub is not a uuid";
		goto out;
	}
	if ((w = auth_oauth_claims(jwt, p)) != NULL)
		goto out;
	p->kind = PRINCIPAL_USER;
	snprintf(p->role, sizeof(p->role), "%s", AUTH_SUPABASE_ROLE);
	p->exp = auth_exp(jwt);
	rc = 0;
out:
	if (rc != 0)
		auth_whyf(why, whylen, "supabase token: %s", w != NULL ? w :
		    "refused");
	buf_release(&url);
	return rc;
}

/* Platform token minted for an API key. */
static int
auth_verify_platform(const struct config *cfg, struct jwtx *jwt, time_t now,
    struct principal *p, char *why, size_t whylen)
{
	struct jwtx_policy	 pol;
	struct jwtx_key		 key;
	const char		*w = NULL, *tenant, *scope;
	int			 rc = 401, st;

	memset(&pol, 0, sizeof(pol));
	pol.algs = JWTX_ALLOW(JWTX_ALG_ES256);
	pol.iss = cfg->platform_issuer;
	pol.aud = AUTH_PLATFORM_AUDIENCE;
	pol.now = now;
	pol.leeway = LIMIT_JWT_LEEWAY;

	if ((st = pkey_load(cfg)) != 0) {
		w = st == 1 ? "no platform_signing_key_file configured" :
		    "platform key unusable";
		goto out;
	}
	key.alg = JWTX_ALG_ES256;
	key.kid = pkey_kid();		/* required: rotation needs it */
	key.material = pkey_public_pem(&key.len);
	if (jwtx_verify(jwt, &key, &pol, &w) == -1)
		goto out;
	if (auth_sub(jwt, p->sub) == -1) {
		w = "sub is not an api key id";
		goto out;
	}
	if ((tenant = jwtx_claim_str(jwt, "tenant")) == NULL ||
	    !strparse_is_slug(tenant, strlen(tenant), LIMIT_SLUG)) {
		w = "tenant claim missing or not a slug";
		goto out;
	}
	scope = jwtx_claim_str(jwt, "scope");
	if (json_object_get(jwt->claims, "scope") != NULL &&
	    (scope == NULL || !auth_scopes_ok(scope))) {
		w = "malformed scope claim";
		goto out;
	}
	p->kind = PRINCIPAL_API_KEY;
	memcpy(p->api_key_id, p->sub, sizeof(p->api_key_id));
	snprintf(p->tenant_slug, sizeof(p->tenant_slug), "%s", tenant);
	snprintf(p->role, sizeof(p->role), "%s", AUTH_API_KEY_ROLE);
	snprintf(p->scopes, sizeof(p->scopes), "%s", scope != NULL ? scope :
	    "");
	p->exp = auth_exp(jwt);
	rc = 0;
out:
	if (rc != 0)
		auth_whyf(why, whylen, "platform token: %s", w != NULL ? w :
		    "refused");
	return rc;
}

int
auth_verify_token(const struct config *cfg, const char *token, size_t len,
    time_t now, struct principal *p, char *why, size_t whylen)
{
	struct jwtx	 jwt;
	struct buf	 iss;
	unsigned char	 key[AUTH_SHA256];
	const char	*w = NULL, *claimed;
	int		 rc = 401, keyed;

	memset(p, 0, sizeof(*p));
	jwtx_init(&jwt);
	buf_init(&iss, LIMIT_URL + 16);
	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if (now == 0)
		now = time(NULL);
	/* A token this worker verified moments ago: no parse, no
	 * signature check (auth.h, "Verified-token cache"). */
	keyed = auth_tc_key(cfg, token, len, key) == 0;
	if (keyed && auth_tc_get(key, now, p)) {
		rc = 0;
		goto out;
	}
	if (jwtx_parse(&jwt, token, len, &w) == -1) {
		auth_whyf(why, whylen, "malformed token: %s", w);
		goto out;
	}
	if (config_supabase_issuer(cfg, &iss) == -1) {
		auth_whyf(why, whylen, "no supabase issuer configured");
		rc = 503;
		goto out;
	}
	/*
	 * The unverified iss only chooses which issuer's rules apply; each
	 * set of rules then demands its own algorithms, keys and iss.
	 */
	claimed = jwtx_claim_str(&jwt, "iss");
	if (claimed != NULL && cfg->platform_issuer != NULL &&
	    strcmp(claimed, cfg->platform_issuer) == 0)
		rc = auth_verify_platform(cfg, &jwt, now, p, why, whylen);
	else if (claimed != NULL && strcmp(claimed, iss.data) == 0)
		rc = auth_verify_supabase(cfg, &jwt, iss.data, now, p, why,
		    whylen);
	else
		auth_whyf(why, whylen, "token of an unknown issuer");
	if (rc == 0 && keyed)
		auth_tc_put(key, now, p);
out:
	if (rc != 0)
		memset(p, 0, sizeof(*p));
	explicit_bzero(key, sizeof(key));
	buf_release(&iss);
	jwtx_release(&jwt);
	return rc;
}

int
auth_authenticate(struct request *req, struct principal *p, char *why,
    size_t whylen)
{
	const char	*tok;
	char		 w[AUTH_WHY_MAX] = "";
	size_t		 len;
	int		 st;

	memset(p, 0, sizeof(*p));
	/* Only the header: never QUERY_STRING's access_token (RFC 6750 2.3
	 * is forbidden by the MCP authorization spec), never the body. */
	st = auth_bearer(req->authorization, &tok, &len);
	if (st == -1) {
		auth_whyf(w, sizeof(w), "no bearer token");
		log_info(AUTH_MOD, "unauthenticated: %s", w);
		st = 401;
	} else if (st == -2) {
		auth_whyf(w, sizeof(w), "malformed bearer credentials");
		log_info(AUTH_MOD, "token refused: %s", w);
		st = 401;
	} else {
		st = auth_verify_token(req->cfg, tok, len, 0, p, w, sizeof(w));
		if (st == 401)
			log_info(AUTH_MOD, "token refused: %s", w);
		else if (st != 0)
			log_warn(AUTH_MOD, "cannot check a token: %s", w);
	}
	auth_whyf(why, whylen, "%s", w);
	return st;
}

int
auth_challenge(struct request *req, const char *tenant, size_t tenantlen,
    const char *server, size_t serverlen)
{
	struct buf	 url, hv;
	const char	*tok;
	size_t		 len;
	int		 rc = -1;

	buf_init(&url, LIMIT_URL + LIMIT_PATH + 2 * LIMIT_SLUG + 64);
	buf_init(&hv, LIMIT_URL + LIMIT_PATH + 2 * LIMIT_SLUG + 128);
	if (wellknown_prm_url(req, tenant, tenantlen, server, serverlen,
	    &url) == -1)
		goto out;
	/* RFC 6750 3.1: no error code when no credentials were sent. */
	if (auth_bearer(req->authorization, &tok, &len) == -1) {
		if (buf_printf(&hv, "Bearer resource_metadata=\"%s\", "
		    "scope=\"%s\"", url.data, WELLKNOWN_OAUTH_SCOPE) == -1)
			goto out;
	} else if (buf_printf(&hv, "Bearer error=\"invalid_token\", "
	    "resource_metadata=\"%s\", scope=\"%s\"", url.data,
	    WELLKNOWN_OAUTH_SCOPE) == -1)
		goto out;
	rc = response_header(req, "WWW-Authenticate", hv.data);
out:
	buf_release(&hv);
	buf_release(&url);
	return rc;
}

int
auth_reject(struct request *req, int status, const char *tenant,
    size_t tenantlen, const char *server, size_t serverlen)
{
	const char	*tok;
	size_t		 len;

	if (status != 401)
		return response_error(req, status, NULL, "authentication is "
		    "unavailable, try again later");
	if (auth_challenge(req, tenant, tenantlen, server, serverlen) == -1)
		log_warn(AUTH_MOD, "cannot build the WWW-Authenticate header");
	if (auth_bearer(req->authorization, &tok, &len) == -1)
		return response_error(req, 401, "unauthorized", "a bearer "
		    "token is required");
	return response_error(req, 401, "invalid_token", "the bearer token "
	    "is invalid or expired");
}

int
auth_mint_platform_token(const struct config *cfg, const char *api_key_id,
    const char *tenant_slug, const char *scopes, unsigned long ttl,
    struct buf *out)
{
	struct jwtx_key	 key;
	json_t		*claims = NULL;
	char		 jti[UUID_STRLEN + 1], sub[UUID_STRLEN + 1];
	time_t		 now = time(NULL);
	size_t		 i;
	int		 rc = -1;

	if (ttl == 0)
		ttl = LIMIT_PLATFORM_TOKEN_TTL;
	if (ttl > LIMIT_PLATFORM_TOKEN_TTL_MAX || api_key_id == NULL ||
	    !uuid_is_valid(api_key_id, strlen(api_key_id)) ||
	    tenant_slug == NULL || !strparse_is_slug(tenant_slug,
	    strlen(tenant_slug), LIMIT_SLUG) ||
	    (scopes != NULL && !auth_scopes_ok(scopes)))
		goto out;
	if (pkey_load(cfg) != 0 || cfg->platform_issuer == NULL)
		goto out;
	if (uuid_v7(jti) == -1)
		goto out;
	for (i = 0; i < UUID_STRLEN; i++)
		sub[i] = (char)tolower((unsigned char)api_key_id[i]);
	sub[UUID_STRLEN] = '\0';
	claims = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:s}",
	    "iss", cfg->platform_issuer, "aud", AUTH_PLATFORM_AUDIENCE,
	    "sub", sub, "tenant", tenant_slug, "iat", (json_int_t)now,
	    "exp", (json_int_t)(now + (time_t)ttl), "jti", jti);
	if (claims == NULL)
		goto out;
	if (scopes != NULL && *scopes != '\0' && json_object_set_new(claims,
	    "scope", json_string(scopes)) == -1)
		goto out;
	key.alg = JWTX_ALG_ES256;
	key.kid = pkey_kid();
	key.material = cfg->platform_signing_key.data;
	key.len = cfg->platform_signing_key.len;
	rc = jwtx_sign(&key, claims, out);
out:
	json_decref(claims);
	return rc;
}

int
auth_reject_scope(struct request *req, const char *tenant, size_t tenantlen,
    const char *server, size_t serverlen, const char *msg)
{
	struct buf	 url, hv;

	buf_init(&url, LIMIT_URL + LIMIT_PATH + 2 * LIMIT_SLUG + 64);
	buf_init(&hv, LIMIT_URL + LIMIT_PATH + 2 * LIMIT_SLUG + 128);
	if (wellknown_prm_url(req, tenant, tenantlen, server, serverlen,
	    &url) == -1 || buf_printf(&hv, "Bearer error=\"insufficient_scope"
	    "\", scope=\"%s\", resource_metadata=\"%s\"", WELLKNOWN_OAUTH_SCOPE,
	    url.data) == -1 ||
	    response_header(req, "WWW-Authenticate", hv.data) == -1)
		log_warn(AUTH_MOD, "cannot build the WWW-Authenticate header");
	buf_release(&hv);
	buf_release(&url);
	return response_error(req, 403, "insufficient_scope", "%s", msg);
}
