/*
 * test_auth.c -- bearer tokens to principals: Supabase user tokens (HS256
 * with the project secret, ES256/RS256 from a JWKS served by a stub
 * server), platform tokens (minted here), every way a token is refused,
 * the JWKS re-fetch limit through auth, 503 when no key can be had, the
 * Authorization header as the only source, the 401 challenge, and the
 * configuration keys of this feature.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base64.h"
#include "auth/auth.h"
#include "auth/pkey.h"
#include "config.h"
#include "httpc.h"
#include "http/io.h"
#include "http/request.h"
#include "t.h"
#include "tkeys.h"
#include "tstub.h"

#define UUID1	"6f1c2e4a-1b2c-4d3e-8f90-a1b2c3d4e5f6"
#define KEYID	"0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
#define SECRET	"super-secret-jwt-token-with-at-least-32-characters-long"

static struct tkeys_key	 ec1, ec2, ec3, rsa, pk, pk_other;
static char		 test_dir[512], jwks_path[600], log_path[600];
static char		 iss[128], pkid[64];
static int		 test_port;
static struct config	 cfg_a, cfg_b, cfg_down;

static void
test_stub(int fd, const char *req, size_t len)
{
	char	*doc;

	if (strncmp(req, "GET /auth/v1/.well-known/jwks.json ", 35) != 0) {
		tstub_answer(fd, 404, "", "{}");
		return;
	}
	tstub_log(log_path, req, len);
	doc = tstub_slurp(jwks_path);
	tstub_answer(fd, 200, "Cache-Control: public, max-age=600\r\n",
	    doc != NULL ? doc : "{\"keys\":[]}");
	free(doc);
}

static void
test_write(const char *path, const char *content, mode_t mode)
{
	FILE	*f = fopen(path, "w");

	if (f == NULL)
		return;
	fputs(content, f);
	fclose(f);
	chmod(path, mode);
}

/* Load a configuration from text (with "@DIR@" for the test dir). */
static int
test_config(struct config *cfg, const char *text, char *err, size_t errlen)
{
	struct buf	 b;
	char		 path[700];
	const char	*p;

	buf_init(&b, 65536);
	for (p = text; *p != '\0';) {
		if (strncmp(p, "@DIR@", 5) == 0) {
			buf_appends(&b, test_dir);
			p += 5;
		} else
			buf_appendc(&b, *p++);
	}
	snprintf(path, sizeof(path), "%s/platform.conf", test_dir);
	test_write(path, buf_cstr(&b), 0600);
	buf_release(&b);
	config_init(cfg);
	return config_load(cfg, path, NULL, err, errlen);
}

/* A JWKS document with the public keys given (kid, pem) pairs. */
static void
test_jwks_doc(const char *kid1, const char *pem1, const char *kid2,
    const char *pem2)
{
	json_t	*keys = json_array(), *doc, *k;
	char	*s;

	if (kid1 != NULL && jwks_pem_to_jwk(pem1, strlen(pem1), &k, NULL,
	    0) == 0) {
		json_object_set_new(k, "kid", json_string(kid1));
		json_array_append_new(keys, k);
	}
	if (kid2 != NULL && jwks_pem_to_jwk(pem2, strlen(pem2), &k, NULL,
	    0) == 0) {
		json_object_set_new(k, "kid", json_string(kid2));
		json_array_append_new(keys, k);
	}
	doc = json_pack("{s:o}", "keys", keys);
	s = json_dumps(doc, JSON_COMPACT);
	tstub_write_file(jwks_path, s);
	free(s);
	json_decref(doc);
}

/* Expand @ISS@ (Supabase issuer) and @PISS@ (platform), then times. */
static void
test_claims(const char *t, time_t now, struct buf *out)
{
	struct buf	 tmp;

	buf_init(&tmp, 65536);
	while (*t != '\0') {
		if (strncmp(t, "@ISS@", 5) == 0) {
			buf_appends(&tmp, iss);
			t += 5;
		} else if (strncmp(t, "@PISS@", 6) == 0) {
			buf_appends(&tmp, "mcp-platform");
			t += 6;
		} else
			buf_appendc(&tmp, *t++);
	}
	tkeys_expand(buf_cstr(&tmp), now, out);
	buf_release(&tmp);
}

#define SB(extra)	"{\"iss\":\"@ISS@\",\"aud\":\"authenticated\"," \
			"\"sub\":\"" UUID1 "\",\"role\":\"authenticated\"," \
			"\"email\":\"a@example.com\",\"phone\":\"\"," \
			"\"session_id\":\"" KEYID "\",\"is_anonymous\":false," \
			"\"app_metadata\":{\"provider\":\"email\"}" extra "}"
#define SBT		SB(",\"exp\":@N+3600@,\"iat\":@N-5@")
#define SBR(role)	"{\"iss\":\"@ISS@\",\"aud\":\"authenticated\"," \
			"\"sub\":\"" UUID1 "\",\"role\":\"" role "\"," \
			"\"exp\":@N+3600@}"
#define PT(extra)	"{\"iss\":\"@PISS@\",\"aud\":\"mcp-platform\"," \
			"\"sub\":\"" KEYID "\",\"tenant\":\"acme\"" extra "}"
#define PTT		PT(",\"exp\":@N+600@,\"iat\":@N-1@")

enum skey {
	S_TEXT,		/* claims is the literal token */
	S_EC1,		/* published as e1 */
	S_EC2,		/* not published; signs under kid e1 */
	S_EC3,		/* not published at first */
	S_RSA,		/* published as r1 */
	S_HS,		/* the project secret */
	S_HS_WRONG,
	S_HS_ECPUB,	/* HS256 with ec1's public PEM: algorithm confusion */
	S_PK,		/* the platform key (kid: its thumbprint) */
	S_PK_OTHER,	/* another EC key */
	S_NONE		/* alg none */
};

static char *
test_token(enum skey sk, const char *kid, const char *claims)
{
	char	 hdr[256];

	switch (sk) {
	case S_TEXT:
		return strdup(claims);
	case S_EC1:
		return tkeys_sign(JWTX_ALG_ES256, ec1.priv, kid, claims);
	case S_EC2:
		return tkeys_sign(JWTX_ALG_ES256, ec2.priv, kid, claims);
	case S_EC3:
		return tkeys_sign(JWTX_ALG_ES256, ec3.priv, kid, claims);
	case S_RSA:
		return tkeys_sign(JWTX_ALG_RS256, rsa.priv, kid, claims);
	case S_HS:
		return tkeys_sign(JWTX_ALG_HS256, SECRET, kid, claims);
	case S_HS_WRONG:
		return tkeys_sign(JWTX_ALG_HS256,
		    "another-secret-of-at-least-32-characters!!", kid, claims);
	case S_HS_ECPUB:
		snprintf(hdr, sizeof(hdr), "{\"alg\":\"HS256\",\"typ\":\"JWT\""
		    "%s%s%s}", kid != NULL ? ",\"kid\":\"" : "",
		    kid != NULL ? kid : "", kid != NULL ? "\"" : "");
		return tkeys_hs256(hdr, claims, ec1.pub, strlen(ec1.pub));
	case S_PK:
		return tkeys_sign(JWTX_ALG_ES256, pk.priv, kid, claims);
	case S_PK_OTHER:
		return tkeys_sign(JWTX_ALG_ES256, pk_other.priv, kid, claims);
	case S_NONE:
		return tkeys_raw("{\"alg\":\"none\",\"typ\":\"JWT\"}", claims,
		    "");
	}
	return NULL;
}

static void
test_tokens(void)
{
	static const struct {
		int			 line;
		enum skey		 sk;
		const char		*kid;	/* "@PK@": the platform kid */
		const char		*claims;
		int			 cfg;	/* 'a', 'b' */
		int			 status;
		enum principal_kind	 kind;
		const char		*why;
	} cases[] = {
		/* Supabase user tokens that pass. */
		{ __LINE__, S_EC1, "e1", SBT, 'a', 0, PRINCIPAL_USER, NULL },
		{ __LINE__, S_EC1, "e1", SBT, 'b', 0, PRINCIPAL_USER, NULL },
		{ __LINE__, S_RSA, "r1", SBT, 'a', 0, PRINCIPAL_USER, NULL },
		{ __LINE__, S_HS, NULL, SBT, 'a', 0, PRINCIPAL_USER, NULL },
		{ __LINE__, S_EC1, "e1", SB(",\"exp\":@N-29@"), 'a', 0,
		    PRINCIPAL_USER, NULL },
		{ __LINE__, S_EC1, "e1", "{\"iss\":\"@ISS@\",\"aud\":[\"x\","
		    "\"authenticated\"],\"sub\":\"" UUID1 "\",\"role\":"
		    "\"authenticated\",\"exp\":@N+60@}", 'a', 0,
		    PRINCIPAL_USER, NULL },

		/* HS256 only with the configured secret. */
		{ __LINE__, S_HS, NULL, SBT, 'b', 401, 0,
		    "no supabase_jwt_secret" },
		{ __LINE__, S_HS_WRONG, NULL, SBT, 'a', 401, 0,
		    "bad signature" },
		/* Algorithm confusion, with and without HS256 allowed. */
		{ __LINE__, S_HS_ECPUB, "e1", SBT, 'a', 401, 0,
		    "bad signature" },
		{ __LINE__, S_HS_ECPUB, "e1", SBT, 'b', 401, 0,
		    "no supabase_jwt_secret" },
		{ __LINE__, S_HS_ECPUB, NULL, SBT, 'b', 401, 0,
		    "no supabase_jwt_secret" },
		{ __LINE__, S_NONE, NULL, SBT, 'a', 401, 0, "malformed" },

		/* Malformed. */
		{ __LINE__, S_TEXT, NULL, "garbage", 'a', 401, 0,
		    "malformed token" },
		{ __LINE__, S_TEXT, NULL, "eyJhbGciOiJFUzI1NiJ9.e30", 'a', 401,
		    0, "malformed token" },
		{ __LINE__, S_TEXT, NULL, "eyJhbGciOiJFUzI1NiJ9.e30.!!!!",
		    'a', 401, 0, "malformed token" },

		/* Signatures and keys. */
		{ __LINE__, S_EC2, "e1", SBT, 'a', 401, 0, "bad signature" },
		{ __LINE__, S_EC3, "e3", SBT, 'a', 401, 0, "unknown kid" },
		{ __LINE__, S_EC1, NULL, SBT, 'a', 401, 0,
		    "no key for a token without kid" },
		{ __LINE__, S_RSA, "e1", SBT, 'a', 401, 0, "another alg" },

		/* Claims. */
		{ __LINE__, S_EC1, "e1", SB(",\"exp\":@N-31@"), 'a', 401, 0,
		    "token expired" },
		{ __LINE__, S_EC1, "e1", SB(",\"exp\":@N-7200@"), 'a', 401, 0,
		    "token expired" },
		{ __LINE__, S_EC1, "e1", SB(",\"exp\":@N+600@,\"nbf\":@N+31@"),
		    'a', 401, 0, "not yet valid" },
		{ __LINE__, S_EC1, "e1", SB(",\"exp\":@N+600@,\"iat\":@N+31@"),
		    'a', 401, 0, "issued in the future" },
		{ __LINE__, S_EC1, "e1", SB(",\"iat\":@N-5@"), 'a', 401, 0,
		    "exp missing" },
		{ __LINE__, S_EC1, "e1", "{\"iss\":\"@ISS@\",\"aud\":\"anon\","
		    "\"sub\":\"" UUID1 "\",\"role\":\"authenticated\","
		    "\"exp\":@N+60@}", 'a', 401, 0, "aud mismatch" },
		{ __LINE__, S_EC1, "e1", "{\"iss\":\"https://evil.test/auth/v1\","
		    "\"aud\":\"authenticated\",\"sub\":\"" UUID1 "\",\"role\":"
		    "\"authenticated\",\"exp\":@N+60@}", 'a', 401, 0,
		    "unknown issuer" },
		{ __LINE__, S_EC1, "e1", "{\"iss\":\"@ISS@/\",\"aud\":"
		    "\"authenticated\",\"sub\":\"" UUID1 "\",\"role\":"
		    "\"authenticated\",\"exp\":@N+60@}", 'a', 401, 0,
		    "unknown issuer" },
		{ __LINE__, S_EC1, "e1", "{\"aud\":\"authenticated\",\"sub\":\""
		    UUID1 "\",\"role\":\"authenticated\",\"exp\":@N+60@}", 'a',
		    401, 0, "unknown issuer" },
		{ __LINE__, S_EC1, "e1", SBR("anon"), 'a', 401, 0,
		    "role is not authenticated" },
		{ __LINE__, S_EC1, "e1", SBR("service_role"), 'a', 401, 0,
		    "role is not authenticated" },
		{ __LINE__, S_HS, NULL, SBR("service_role"), 'a', 401, 0,
		    "role is not authenticated" },
		{ __LINE__, S_EC1, "e1", "{\"iss\":\"@ISS@\",\"aud\":"
		    "\"authenticated\",\"sub\":\"" UUID1 "\",\"exp\":@N+60@}",
		    'a', 401, 0, "role claim missing" },
		{ __LINE__, S_EC1, "e1", "{\"iss\":\"@ISS@\",\"aud\":"
		    "\"authenticated\",\"sub\":\"user-1\",\"role\":"
		    "\"authenticated\",\"exp\":@N+60@}", 'a', 401, 0,
		    "sub is not a uuid" },
		/* A legacy anon key (iss "supabase") is no user token. */
		{ __LINE__, S_HS, NULL, "{\"iss\":\"supabase\",\"ref\":\"local\","
		    "\"role\":\"anon\",\"iat\":@N-5@,\"exp\":@N+600@}", 'a', 401,
		    0, "unknown issuer" },

		/* Platform tokens. */
		{ __LINE__, S_PK, "@PK@", PTT, 'a', 0, PRINCIPAL_API_KEY,
		    NULL },
		{ __LINE__, S_PK, "@PK@", PTT, 'b', 401, 0,
		    "no platform_signing_key_file" },
		{ __LINE__, S_PK, NULL, PTT, 'a', 401, 0, "kid does not match" },
		{ __LINE__, S_PK, "e1", PTT, 'a', 401, 0, "kid does not match" },
		{ __LINE__, S_PK_OTHER, "@PK@", PTT, 'a', 401, 0,
		    "bad signature" },
		{ __LINE__, S_HS, NULL, PTT, 'a', 401, 0, "alg not allowed" },
		{ __LINE__, S_HS_ECPUB, "@PK@", PTT, 'a', 401, 0,
		    "alg not allowed" },
		{ __LINE__, S_PK, "@PK@", PT(",\"exp\":@N-31@"), 'a', 401, 0,
		    "token expired" },
		{ __LINE__, S_PK, "@PK@", PT(""), 'a', 401, 0, "exp missing" },
		{ __LINE__, S_PK, "@PK@", "{\"iss\":\"@PISS@\",\"aud\":"
		    "\"authenticated\",\"sub\":\"" KEYID "\",\"tenant\":\"acme\","
		    "\"exp\":@N+60@}", 'a', 401, 0, "aud mismatch" },
		{ __LINE__, S_PK, "@PK@", "{\"iss\":\"@PISS@\",\"aud\":"
		    "\"mcp-platform\",\"sub\":\"" KEYID "\",\"exp\":@N+60@}",
		    'a', 401, 0, "tenant claim" },
		{ __LINE__, S_PK, "@PK@", "{\"iss\":\"@PISS@\",\"aud\":"
		    "\"mcp-platform\",\"sub\":\"" KEYID "\",\"tenant\":\"Acme\","
		    "\"exp\":@N+60@}", 'a', 401, 0, "tenant claim" },
		{ __LINE__, S_PK, "@PK@", "{\"iss\":\"@PISS@\",\"aud\":"
		    "\"mcp-platform\",\"sub\":\"key-1\",\"tenant\":\"acme\","
		    "\"exp\":@N+60@}", 'a', 401, 0, "not an api key id" },
		{ __LINE__, S_PK, "@PK@", PT(",\"exp\":@N+60@,\"scope\":7"),
		    'a', 401, 0, "malformed scope" },
		/* The platform key cannot make a Supabase user token. */
		{ __LINE__, S_PK, "@PK@", SBT, 'a', 401, 0, "unknown kid" },
		/* Nor can a Supabase key make a platform token. */
		{ __LINE__, S_EC1, "e1", PTT, 'a', 401, 0, "kid does not match" },
	};
	time_t		 now = time(NULL);
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct principal	 p;
		struct buf		 claims;
		char			 why[AUTH_WHY_MAX], *tok;
		const char		*kid = cases[i].kid;
		int			 st;

		buf_init(&claims, 65536);
		test_claims(cases[i].claims, now, &claims);
		if (kid != NULL && strcmp(kid, "@PK@") == 0)
			kid = pkid;
		tok = test_token(cases[i].sk, kid, buf_cstr(&claims));
		T_LINE(tok != NULL, cases[i].line);
		if (tok == NULL) {
			buf_release(&claims);
			continue;
		}
		/* The same "now" as the claims: boundary rows stay exact. */
		st = auth_verify_token(cases[i].cfg == 'a' ? &cfg_a : &cfg_b,
		    tok, strlen(tok), now, &p, why, sizeof(why));
		T_LINE(st == cases[i].status, cases[i].line);
		T_LINE(p.kind == cases[i].kind, cases[i].line);
		if (cases[i].why != NULL)
			T_LINE(strstr(why, cases[i].why) != NULL,
			    cases[i].line);
		else
			T_LINE(why[0] == '\0', cases[i].line);
		if (st != cases[i].status || (cases[i].why != NULL &&
		    strstr(why, cases[i].why) == NULL))
			printf("# line %d: %d '%s'\n", cases[i].line, st, why);
		/* A refused token never leaves a half-filled principal. */
		if (st != 0)
			T_LINE(p.kind == PRINCIPAL_NONE && p.sub[0] == '\0',
			    cases[i].line);
		free(tok);
		buf_release(&claims);
	}
}

/* The principal's fields, and a minted token's round trip. */
static void
test_principals_and_mint(void)
{
	struct principal	 p;
	struct buf		 b, claims, hdr;
	char			 why[AUTH_WHY_MAX], *tok;
	json_t			*jwk, *h;
	time_t			 now = time(NULL);

	buf_init(&claims, 65536);
	test_claims(SBT, now, &claims);
	tok = test_token(S_EC1, "e1", buf_cstr(&claims));
	T(auth_verify_token(&cfg_a, tok, strlen(tok), 0, &p, why,
	    sizeof(why)) == 0);
	T(p.kind == PRINCIPAL_USER && strcmp(p.sub, UUID1) == 0 &&
	    strcmp(p.role, "authenticated") == 0 && p.api_key_id[0] == '\0' &&
	    p.tenant_slug[0] == '\0' && p.exp >= now + 3599 &&
	    p.exp <= now + 3601);
	free(tok);
	buf_release(&claims);

	/* Mint: upper-case id comes back lower-case; ttl default. */
	buf_init(&b, 8192);
	T(auth_mint_platform_token(&cfg_a, "0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D",
	    "acme", "mcp:call logs:read", 0, &b) == 0);
	T(auth_verify_token(&cfg_a, b.data, b.len, 0, &p, why,
	    sizeof(why)) == 0);
	T(p.kind == PRINCIPAL_API_KEY && strcmp(p.sub, KEYID) == 0 &&
	    strcmp(p.api_key_id, KEYID) == 0 &&
	    strcmp(p.tenant_slug, "acme") == 0 &&
	    strcmp(p.role, "api_key") == 0 &&
	    strcmp(p.scopes, "mcp:call logs:read") == 0);
	T(p.exp >= now + LIMIT_PLATFORM_TOKEN_TTL &&
	    p.exp <= time(NULL) + LIMIT_PLATFORM_TOKEN_TTL);
	/* Its header names the kid published by pkey_jwk(). */
	buf_init(&hdr, 4096);
	T(base64_decode(&hdr, b.data, (size_t)(strchr(b.data, '.') -
	    b.data), BASE64_URL) == 0);
	h = jsonx_loadb(hdr.data, hdr.len, 4, NULL, 0);
	T(pkey_jwk(&cfg_a, &jwk) == 0 && jwk != NULL);
	T(h != NULL && jwk != NULL && strcmp(jsonx_str(h, "kid"),
	    jsonx_str(jwk, "kid")) == 0 && strcmp(jsonx_str(h, "alg"),
	    "ES256") == 0);
	T(strcmp(jsonx_str(jwk, "kid"), pkid) == 0 &&
	    json_object_get(jwk, "d") == NULL);
	json_decref(h);
	json_decref(jwk);
	buf_release(&hdr);
	T(pkey_jwk(&cfg_b, &jwk) == 0 && jwk == NULL);

	buf_reset(&b);
	T(auth_mint_platform_token(&cfg_a, KEYID, "acme", NULL, 60, &b) == 0);
	T(auth_verify_token(&cfg_a, b.data, b.len, 0, &p, why,
	    sizeof(why)) == 0 && p.scopes[0] == '\0' &&
	    p.exp <= time(NULL) + 60);
	/* A platform token is not valid from its exp + leeway on. */
	T(auth_verify_token(&cfg_a, b.data, b.len, p.exp + LIMIT_JWT_LEEWAY - 1,
	    &p, why, sizeof(why)) == 0);
	T(auth_verify_token(&cfg_a, b.data, b.len, p.exp + LIMIT_JWT_LEEWAY,
	    &p, why, sizeof(why)) == 401 && strstr(why, "expired") != NULL);
	buf_reset(&b);
	T(auth_mint_platform_token(&cfg_a, KEYID, "acme", "",
	    LIMIT_PLATFORM_TOKEN_TTL_MAX, &b) == 0);
	buf_reset(&b);
	T(auth_mint_platform_token(&cfg_a, KEYID, "acme", NULL,
	    LIMIT_PLATFORM_TOKEN_TTL_MAX + 1, &b) == -1 && b.len == 0);
	T(auth_mint_platform_token(&cfg_a, "key-1", "acme", NULL, 0, &b) == -1);
	T(auth_mint_platform_token(&cfg_a, NULL, "acme", NULL, 0, &b) == -1);
	T(auth_mint_platform_token(&cfg_a, KEYID, "Acme", NULL, 0, &b) == -1);
	T(auth_mint_platform_token(&cfg_a, KEYID, "acme", "a\"b", 0, &b) == -1);
	T(auth_mint_platform_token(&cfg_a, KEYID, "acme", "a\nb", 0, &b) == -1);
	T(auth_mint_platform_token(&cfg_b, KEYID, "acme", NULL, 0, &b) == -1);
	T(b.len == 0);
	buf_release(&b);
}

/* The unknown-kid re-fetch limit seen through auth; key rotation. */
/* A token an OAuth client got from Supabase: client_id, session_id, scope. */
static int
test_oauth_one(const char *claims_text, struct principal *p)
{
	struct buf	 claims;
	char		 why[AUTH_WHY_MAX], *tok;
	int		 rc;

	buf_init(&claims, 65536);
	test_claims(claims_text, time(NULL), &claims);
	tok = test_token(S_EC1, "e1", buf_cstr(&claims));
	rc = auth_verify_token(&cfg_a, tok, strlen(tok), 0, p, why,
	    sizeof(why));
	free(tok);
	buf_release(&claims);
	return rc;
}

static void
test_oauth_claims(void)
{
	struct principal	 p;
	struct buf		 c;
	size_t			 i;

	T(test_oauth_one(SB(",\"client_id\":\"9d1c3b52-54d4-4e0a-8f57-"
	    "3a5e8f0f2a11\",\"scope\":\"email\",\"exp\":@N+3600@"), &p) == 0);
	T(p.kind == PRINCIPAL_USER && strcmp(p.client_id,
	    "9d1c3b52-54d4-4e0a-8f57-3a5e8f0f2a11") == 0 &&
	    strcmp(p.session_id, KEYID) == 0 && strcmp(p.scopes, "email") == 0);
	/* a CIMD URL is a client id too */
	T(test_oauth_one(SB(",\"client_id\":\"https://c.example/m.json\","
	    "\"exp\":@N+3600@"), &p) == 0 &&
	    strcmp(p.client_id, "https://c.example/m.json") == 0 &&
	    p.scopes[0] == '\0');
	/* a plain user token has none */
	T(test_oauth_one(SBT, &p) == 0 && p.client_id[0] == '\0' &&
	    p.session_id[0] == '\0');
	/* malformed: empty, not a string, blanks, quote, no session */
	T(test_oauth_one(SB(",\"client_id\":\"\",\"exp\":@N+3600@"), &p) ==
	    401 && p.kind == PRINCIPAL_NONE);
	T(test_oauth_one(SB(",\"client_id\":7,\"exp\":@N+3600@"), &p) == 401);
	T(test_oauth_one(SB(",\"client_id\":\"a b\",\"exp\":@N+3600@"),
	    &p) == 401);
	T(test_oauth_one(SB(",\"client_id\":\"a\\\"b\",\"exp\":@N+3600@"),
	    &p) == 401);
	T(test_oauth_one(SB(",\"client_id\":\"c\",\"scope\":\"a\\\"\","
	    "\"exp\":@N+3600@"), &p) == 401);
	T(test_oauth_one("{\"iss\":\"@ISS@\",\"aud\":\"authenticated\","
	    "\"sub\":\"" UUID1 "\",\"role\":\"authenticated\","
	    "\"client_id\":\"c\",\"exp\":@N+3600@}", &p) == 401);
	T(test_oauth_one("{\"iss\":\"@ISS@\",\"aud\":\"authenticated\","
	    "\"sub\":\"" UUID1 "\",\"role\":\"authenticated\","
	    "\"client_id\":\"c\",\"session_id\":\"x\",\"exp\":@N+3600@}",
	    &p) == 401);
	/* LIMIT_OAUTH_CLIENT_ID bytes pass, one more does not */
	for (i = 0; i < 2; i++) {
		buf_init(&c, 8192);
		buf_appends(&c, "{\"iss\":\"@ISS@\",\"aud\":\"authenticated\","
		    "\"sub\":\"" UUID1 "\",\"role\":\"authenticated\","
		    "\"session_id\":\"" KEYID "\",\"exp\":@N+3600@,"
		    "\"client_id\":\"https://c.example/");
		while (c.len < strlen("{\"iss\":\"@ISS@\",\"aud\":\""
		    "authenticated\",\"sub\":\"" UUID1 "\",\"role\":\""
		    "authenticated\",\"session_id\":\"" KEYID "\",\"exp\":"
		    "@N+3600@,\"client_id\":\"") + LIMIT_OAUTH_CLIENT_ID + i)
			buf_appendc(&c, 'x');
		buf_appends(&c, "\"}");
		T(test_oauth_one(buf_cstr(&c), &p) == (i == 0 ? 0 : 401));
		T(i != 0 || strlen(p.client_id) == LIMIT_OAUTH_CLIENT_ID);
		buf_release(&c);
	}
}

static void
test_refetch(void)
{
	struct jwks_cache	*c;
	struct principal	 p;
	struct buf		 claims;
	char			 why[AUTH_WHY_MAX], *good, *unknown;
	time_t			 now = time(NULL);
	unsigned long		 f0;
	int			 n0;

	auth_cache_release();
	n0 = tstub_count(log_path);
	buf_init(&claims, 65536);
	test_claims(SBT, now, &claims);
	good = test_token(S_EC1, "e1", buf_cstr(&claims));
	unknown = test_token(S_EC3, "e3", buf_cstr(&claims));

	T(auth_verify_token(&cfg_a, good, strlen(good), now, &p, why,
	    sizeof(why)) == 0);
	c = auth_jwks_cache();
	f0 = c->fetches;
	T(f0 == 1 && tstub_count(log_path) == n0 + 1);
	/* Many unknown kids within the minute: no re-fetch at all. */
	T(auth_verify_token(&cfg_a, unknown, strlen(unknown), now + 1, &p, why,
	    sizeof(why)) == 401 && strstr(why, "unknown kid") != NULL);
	T(auth_verify_token(&cfg_a, unknown, strlen(unknown), now + 30, &p,
	    why, sizeof(why)) == 401);
	T(c->fetches == f0);
	/* After LIMIT_JWKS_REFETCH: exactly one, then quiet again. */
	T(auth_verify_token(&cfg_a, unknown, strlen(unknown),
	    now + LIMIT_JWKS_REFETCH, &p, why, sizeof(why)) == 401);
	T(auth_verify_token(&cfg_a, unknown, strlen(unknown),
	    now + LIMIT_JWKS_REFETCH + 1, &p, why, sizeof(why)) == 401);
	T(auth_verify_token(&cfg_a, unknown, strlen(unknown),
	    now + 2 * LIMIT_JWKS_REFETCH - 1, &p, why, sizeof(why)) == 401);
	T(c->fetches == f0 + 1 && tstub_count(log_path) == n0 + 2);
	/* Rotation: e3 published; found by the next allowed re-fetch. */
	test_jwks_doc("e1", ec1.pub, "e3", ec3.pub);
	T(auth_verify_token(&cfg_a, unknown, strlen(unknown),
	    now + 2 * LIMIT_JWKS_REFETCH, &p, why, sizeof(why)) == 0);
	T(c->fetches == f0 + 2);
	/* A known kid never costs a fetch. */
	T(auth_verify_token(&cfg_a, good, strlen(good),
	    now + 2 * LIMIT_JWKS_REFETCH + 1, &p, why, sizeof(why)) == 0);
	T(c->fetches == f0 + 2 && tstub_count(log_path) == n0 + 3);
	test_jwks_doc("e1", ec1.pub, "r1", rsa.pub);
	auth_cache_release();
	free(good);
	free(unknown);
	buf_release(&claims);
}

/* JWKS unreachable and nothing cached: 503, not 401. */
static void
test_unavailable(void)
{
	struct principal	 p;
	struct buf		 claims;
	char			 why[AUTH_WHY_MAX], *tok, saved[128];
	time_t			 now = time(NULL);

	memcpy(saved, iss, sizeof(saved));
	snprintf(iss, sizeof(iss), "http://127.0.0.1:1/auth/v1");
	buf_init(&claims, 65536);
	test_claims(SBT, now, &claims);
	tok = test_token(S_EC1, "e1", buf_cstr(&claims));
	T(auth_verify_token(&cfg_down, tok, strlen(tok), 0, &p, why,
	    sizeof(why)) == 503 && strstr(why, "jwks unavailable") != NULL);
	free(tok);
	/* HS256 needs no JWKS. */
	tok = test_token(S_HS, NULL, buf_cstr(&claims));
	T(auth_verify_token(&cfg_down, tok, strlen(tok), 0, &p, why,
	    sizeof(why)) == 0);
	free(tok);
	buf_release(&claims);
	memcpy(iss, saved, sizeof(saved));
	auth_cache_release();
}

/* The verified-token cache: hit, miss, expiry, another token with the
 * same claims, a tampered token, another configuration, its bound. */
static void
test_token_cache(void)
{
	struct auth_cache_stats	 st;
	struct principal	 p, q;
	struct jwks_cache	*jc;
	struct buf		 claims;
	char			 why[AUTH_WHY_MAX], *tok, *tok2, *bad;
	time_t			 now = time(NULL);
	unsigned long		 f0;
	size_t			 i, n;

	auth_cache_release();
	buf_init(&claims, 65536);
	test_claims(SBT, now, &claims);
	tok = test_token(S_EC1, "e1", buf_cstr(&claims));
	tok2 = test_token(S_EC1, "e1", buf_cstr(&claims));
	T(tok != NULL && tok2 != NULL && strcmp(tok, tok2) != 0);

	/* Miss, then hit: the same principal, no JWKS lookup at all. */
	T(auth_verify_token(&cfg_a, tok, strlen(tok), now, &p, why,
	    sizeof(why)) == 0);
	auth_token_cache_stats(&st);
	T(st.hits == 0 && st.misses == 1 && st.entries == 1);
	jc = auth_jwks_cache();
	f0 = jc->fetches;
	T(auth_verify_token(&cfg_a, tok, strlen(tok), now + 1, &q, why,
	    sizeof(why)) == 0 && why[0] == '\0');
	auth_token_cache_stats(&st);
	T(st.hits == 1 && st.misses == 1 && jc->fetches == f0);
	T(memcmp(&p, &q, sizeof(p)) == 0 && q.kind == PRINCIPAL_USER &&
	    strcmp(q.sub, UUID1) == 0);

	/* Same claims, other signature bytes: its own miss. */
	T(auth_verify_token(&cfg_a, tok2, strlen(tok2), now + 1, &q, why,
	    sizeof(why)) == 0);
	auth_token_cache_stats(&st);
	T(st.hits == 1 && st.misses == 2 && st.entries == 2);

	/* Tampered: one byte of the signature, or of the payload. */
	bad = strdup(tok);
	bad[strlen(bad) - 2] = bad[strlen(bad) - 2] == 'A' ? 'B' : 'A';
	T(auth_verify_token(&cfg_a, bad, strlen(bad), now + 1, &q, why,
	    sizeof(why)) == 401 && q.kind == PRINCIPAL_NONE);
	memcpy(bad, tok, strlen(tok));
	n = (size_t)(strchr(bad, '.') - bad) + 5;
	bad[n] = bad[n] == 'x' ? 'y' : 'x';
	T(auth_verify_token(&cfg_a, bad, strlen(bad), now + 1, &q, why,
	    sizeof(why)) == 401 && q.kind == PRINCIPAL_NONE);
	auth_token_cache_stats(&st);
	T(st.hits == 1 && st.misses == 4 && st.entries == 2);
	free(bad);

	/* Another configuration never shares an entry: cfg_b has no
	 * HS256 secret, so the same HS256 token is refused there. */
	free(tok2);
	tok2 = test_token(S_HS, NULL, buf_cstr(&claims));
	T(auth_verify_token(&cfg_a, tok2, strlen(tok2), now, &q, why,
	    sizeof(why)) == 0);
	T(auth_verify_token(&cfg_b, tok2, strlen(tok2), now, &q, why,
	    sizeof(why)) == 401 && strstr(why, "no supabase_jwt_secret"));
	T(auth_verify_token(&cfg_a, tok2, strlen(tok2), now, &q, why,
	    sizeof(why)) == 0);

	/* TTL: served until verified + LIMIT_AUTH_CACHE_TTL, then checked
	 * again; a clock gone back is checked again too. */
	auth_token_cache_stats(&st);
	T(auth_verify_token(&cfg_a, tok, strlen(tok),
	    now + LIMIT_AUTH_CACHE_TTL - 1, &q, why, sizeof(why)) == 0);
	T(auth_verify_token(&cfg_a, tok, strlen(tok),
	    now + LIMIT_AUTH_CACHE_TTL, &q, why, sizeof(why)) == 0);
	T(auth_verify_token(&cfg_a, tok, strlen(tok), now - 1, &q, why,
	    sizeof(why)) == 0);
	{
		struct auth_cache_stats st2;

		auth_token_cache_stats(&st2);
		T(st2.hits == st.hits + 1 && st2.misses == st.misses + 2);
	}
	free(tok);
	free(tok2);

	/* exp: refused at exp + leeway exactly as without the cache. */
	buf_reset(&claims);
	test_claims(SB(",\"exp\":@N+10@"), now, &claims);
	tok = test_token(S_EC1, "e1", buf_cstr(&claims));
	T(auth_verify_token(&cfg_a, tok, strlen(tok), now, &q, why,
	    sizeof(why)) == 0);
	auth_token_cache_stats(&st);
	T(auth_verify_token(&cfg_a, tok, strlen(tok),
	    now + 10 + LIMIT_JWT_LEEWAY - 1, &q, why, sizeof(why)) == 0);
	T(auth_verify_token(&cfg_a, tok, strlen(tok),
	    now + 10 + LIMIT_JWT_LEEWAY, &q, why, sizeof(why)) == 401 &&
	    strstr(why, "expired") != NULL && q.kind == PRINCIPAL_NONE);
	{
		struct auth_cache_stats st2;

		auth_token_cache_stats(&st2);
		T(st2.hits == st.hits + 1 && st2.misses == st.misses + 1);
	}
	free(tok);

	/* Bounded: LIMIT_AUTH_CACHE entries at most, the oldest go. */
	for (i = 0; i < LIMIT_AUTH_CACHE + 5; i++) {
		char extra[64];

		snprintf(extra, sizeof(extra), ",\"exp\":@N+600@,\"n\":%zu", i);
		buf_reset(&claims);
		{
			struct buf t;

			buf_init(&t, 4096);
			buf_printf(&t, "{\"iss\":\"@ISS@\",\"aud\":"
			    "\"authenticated\",\"sub\":\"" UUID1 "\","
			    "\"role\":\"authenticated\"%s}", extra);
			test_claims(buf_cstr(&t), now, &claims);
			buf_release(&t);
		}
		tok = test_token(S_HS, NULL, buf_cstr(&claims));
		T_LINE(auth_verify_token(&cfg_a, tok, strlen(tok), now, &q,
		    why, sizeof(why)) == 0, __LINE__);
		free(tok);
	}
	auth_token_cache_stats(&st);
	T(st.entries == LIMIT_AUTH_CACHE);
	auth_cache_release();
	auth_token_cache_stats(&st);
	T(st.entries == 0 && st.hits == 0 && st.misses == 0);
	buf_release(&claims);
}

static void
test_bearer(void)
{
	static const struct {
		int		 line;
		const char	*in;
		int		 rc;
		const char	*tok;
	} cases[] = {
		{ __LINE__, "Bearer abc.def.ghi", 0, "abc.def.ghi" },
		{ __LINE__, "bearer abc", 0, "abc" },
		{ __LINE__, "BEARER  abc  ", 0, "abc" },
		{ __LINE__, "Bearer\tabc", 0, "abc" },
		{ __LINE__, "Bearer a-b_c~d+e/f==", 0, "a-b_c~d+e/f==" },
		{ __LINE__, NULL, -1, NULL },
		{ __LINE__, "", -1, NULL },
		{ __LINE__, "Basic dXNlcjpwYXNz", -1, NULL },
		{ __LINE__, "Bearerabc", -1, NULL },
		{ __LINE__, "Bear abc", -1, NULL },
		{ __LINE__, "Bearer", -2, NULL },
		{ __LINE__, "Bearer   ", -2, NULL },
		{ __LINE__, "Bearer a b", -2, NULL },
		{ __LINE__, "Bearer a,b", -2, NULL },
		{ __LINE__, "Bearer =abc", -2, NULL },
		{ __LINE__, "Bearer ab=c", -2, NULL },
		{ __LINE__, "Bearer a\"b", -2, NULL },
	};
	const char	*tok;
	size_t		 i, len;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = auth_bearer(cases[i].in, &tok, &len);

		T_LINE(rc == cases[i].rc, cases[i].line);
		if (cases[i].tok != NULL)
			T_LINE(rc == 0 && len == strlen(cases[i].tok) &&
			    memcmp(tok, cases[i].tok, len) == 0,
			    cases[i].line);
	}
}

/* Build a request with HTTP_AUTHORIZATION (NULL: none) and a query. */
static int
test_request(struct request *req, struct io *io, const struct config *cfg,
    const char *authz, const char *query, char env[][LIMIT_JWT_LEN + 64],
    const char **envp)
{
	const char	*why;
	size_t		 n = 0;

	snprintf(env[0], LIMIT_JWT_LEN + 64, "REQUEST_METHOD=POST");
	snprintf(env[1], LIMIT_JWT_LEN + 64, "PATH_INFO=/mcp/acme/files");
	snprintf(env[2], LIMIT_JWT_LEN + 64, "HTTP_HOST=mcp.test:8080");
	snprintf(env[3], LIMIT_JWT_LEN + 64, "QUERY_STRING=%s",
	    query != NULL ? query : "");
	for (n = 0; n < 4; n++)
		envp[n] = env[n];
	if (authz != NULL) {
		snprintf(env[4], LIMIT_JWT_LEN + 64, "HTTP_AUTHORIZATION=%s",
		    authz);
		envp[n++] = env[4];
	}
	envp[n] = NULL;
	io_init_mem(io, envp, NULL, 0, 1 << 20);
	return request_init(req, io, cfg, &why);
}

static void
test_authenticate_and_challenge(void)
{
	static char		 env[5][LIMIT_JWT_LEN + 64];
	const char		*envp[6];
	struct request		 req;
	struct io		 io;
	struct principal	 p;
	struct buf		 claims, q, authz;
	char			 why[AUTH_WHY_MAX], *tok;
	const char		*out;

	buf_init(&claims, 65536);
	buf_init(&q, 65536);
	buf_init(&authz, 65536);
	test_claims(SBT, time(NULL), &claims);
	tok = test_token(S_EC1, "e1", buf_cstr(&claims));
	buf_printf(&authz, "Bearer %s", tok);
	buf_printf(&q, "access_token=%s", tok);

	/* The header: accepted. */
	T(test_request(&req, &io, &cfg_a, authz.data, NULL, env, envp) == 0);
	T(auth_authenticate(&req, &p, why, sizeof(why)) == 0 &&
	    p.kind == PRINCIPAL_USER);
	request_release(&req);
	io_release(&io);

	/* The same token in the query string: ignored, 401, no error=. */
	T(test_request(&req, &io, &cfg_a, NULL, q.data, env, envp) == 0);
	T(auth_authenticate(&req, &p, why, sizeof(why)) == 401 &&
	    strcmp(why, "no bearer token") == 0 && p.kind == PRINCIPAL_NONE);
	T(auth_reject(&req, 401, "acme", 4, "files", 5) == 0);
	out = buf_cstr(&io.out);
	T(strstr(out, "Status: 401 ") != NULL);
	T(strstr(out, "\r\nWWW-Authenticate: Bearer resource_metadata=\""
	    "http://mcp.test:8080/.well-known/oauth-protected-resource/mcp/"
	    "acme/files\", scope=\"email\"\r\n") != NULL);
	T(strstr(out, "error=") == NULL);
	T(strstr(out, "\"code\":\"unauthorized\"") != NULL);
	request_release(&req);
	io_release(&io);

	/* Another scheme: same as no token. */
	T(test_request(&req, &io, &cfg_a, "Basic dXNlcjpwYXNz", NULL, env,
	    envp) == 0);
	T(auth_authenticate(&req, &p, why, sizeof(why)) == 401);
	T(auth_challenge(&req, "acme", 4, "files", 5) == 0);
	T(strstr(buf_cstr(&req.resp.headers), "error=") == NULL);
	request_release(&req);
	io_release(&io);

	/* A bad token: error="invalid_token"; the reason stays inside. */
	T(test_request(&req, &io, &cfg_a, "Bearer abc.def.ghi", NULL, env,
	    envp) == 0);
	T(auth_authenticate(&req, &p, why, sizeof(why)) == 401 &&
	    strstr(why, "malformed token") != NULL);
	T(auth_reject(&req, 401, "acme", 4, "files", 5) == 0);
	out = buf_cstr(&io.out);
	T(strstr(out, "\r\nWWW-Authenticate: Bearer error=\"invalid_token\", "
	    "resource_metadata=\"http://mcp.test:8080/.well-known/"
	    "oauth-protected-resource/mcp/acme/files\", scope=\"email\"\r\n")
	    != NULL);
	T(strstr(out, "\"code\":\"invalid_token\"") != NULL);
	T(strstr(out, "malformed") == NULL);
	request_release(&req);
	io_release(&io);

	/* "Bearer" alone is a (malformed) bearer attempt. */
	T(test_request(&req, &io, &cfg_a, "Bearer", NULL, env, envp) == 0);
	T(auth_authenticate(&req, &p, why, sizeof(why)) == 401);
	T(auth_challenge(&req, NULL, 0, NULL, 0) == 0);
	T(strstr(buf_cstr(&req.resp.headers), "Bearer error=\"invalid_token\", "
	    "resource_metadata=\"http://mcp.test:8080/.well-known/"
	    "oauth-protected-resource\", scope=\"email\"\r\n") != NULL);
	request_release(&req);
	io_release(&io);

	/* public_base_url wins over Host; 503 carries no challenge. */
	free(cfg_b.public_base_url);
	cfg_b.public_base_url = strdup("https://mcp.example.com/base");
	T(test_request(&req, &io, &cfg_b, NULL, NULL, env, envp) == 0);
	T(auth_challenge(&req, "acme", 4, "files", 5) == 0);
	T(strstr(buf_cstr(&req.resp.headers), "resource_metadata=\""
	    "https://mcp.example.com/base/.well-known/oauth-protected-resource"
	    "/mcp/acme/files\"") != NULL);
	request_release(&req);
	io_release(&io);
	T(test_request(&req, &io, &cfg_b, NULL, NULL, env, envp) == 0);
	T(auth_reject(&req, 503, "acme", 4, "files", 5) == 0);
	T(strstr(buf_cstr(&io.out), "Status: 503 ") != NULL &&
	    strstr(buf_cstr(&io.out), "WWW-Authenticate") == NULL);
	request_release(&req);
	io_release(&io);
	free(cfg_b.public_base_url);
	cfg_b.public_base_url = NULL;

	free(tok);
	buf_release(&authz);
	buf_release(&q);
	buf_release(&claims);
}

/* The configuration keys of this feature. */
static void
test_config_keys(void)
{
	static const struct {
		int		 line;
		const char	*extra;
		const char	*err;	/* NULL: loads */
	} cases[] = {
		{ __LINE__, "", NULL },
		{ __LINE__, "platform_signing_key_file = @DIR@/pk.pem\n", NULL },
		{ __LINE__, "platform_signing_key_file = @DIR@/pk644.pem\n",
		    "group/world" },
		{ __LINE__, "platform_signing_key_file = @DIR@/pub.pem\n",
		    "is not an unencrypted PEM EC P-256 private key" },
		{ __LINE__, "platform_signing_key_file = @DIR@/rsa.pem\n",
		    "is not an unencrypted PEM EC P-256 private key" },
		{ __LINE__, "platform_signing_key_file = @DIR@/junk.pem\n",
		    "is not an unencrypted PEM EC P-256 private key" },
		{ __LINE__, "platform_signing_key_file = pk.pem\n",
		    "expected an absolute path" },
		{ __LINE__, "platform_issuer = https://issuer.example\n", NULL },
		{ __LINE__, "platform_issuer = a b\n", "blanks" },
		{ __LINE__, "platform_issuer = http://127.0.0.1:9/auth/v1\n",
		    "platform_issuer: must differ from the supabase issuer" },
		{ __LINE__, "supabase_jwt_issuer = https://auth.example.com/v1\n"
		    "platform_issuer = https://auth.example.com/v1\n",
		    "must differ" },
		{ __LINE__, "supabase_jwt_issuer = https://auth.example.com/v1\n",
		    NULL },
		{ __LINE__, "supabase_jwt_issuer = ftp://x\n",
		    "supabase_jwt_issuer: not an http" },
	};
	struct config	 cfg;
	struct buf	 text, iss_b;
	char		 err[1024];
	size_t		 i;
	int		 rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_init(&text, 8192);
		buf_printf(&text, "supabase_url = http://127.0.0.1:9\n"
		    "supabase_secret_key_file = @DIR@/sk\n%s", cases[i].extra);
		rc = test_config(&cfg, text.data, err, sizeof(err));
		if (cases[i].err == NULL) {
			T_LINE(rc == 0, cases[i].line);
			if (rc != 0)
				printf("# %s\n", err);
		} else
			T_LINE(rc == -1 && strstr(err, cases[i].err) != NULL,
			    cases[i].line);
		config_release(&cfg);
		buf_release(&text);
	}

	/* Defaults and the derived issuer. */
	rc = test_config(&cfg, "supabase_url = https://x.supabase.co/\n"
	    "supabase_secret_key_file = @DIR@/sk\n", err, sizeof(err));
	buf_init(&iss_b, 1024);
	T(rc == 0 && strcmp(cfg.platform_issuer, "mcp-platform") == 0 &&
	    cfg.supabase_jwt_issuer == NULL &&
	    cfg.platform_signing_key.len == 0);
	T(config_supabase_issuer(&cfg, &iss_b) == 0 &&
	    strcmp(iss_b.data, "https://x.supabase.co/auth/v1") == 0);
	config_release(&cfg);
	buf_reset(&iss_b);
	rc = test_config(&cfg, "supabase_url = https://x.supabase.co\n"
	    "supabase_secret_key_file = @DIR@/sk\n"
	    "supabase_jwt_issuer = https://auth.example.com/auth/v1/\n", err,
	    sizeof(err));
	T(rc == 0 && config_supabase_issuer(&cfg, &iss_b) == 0 &&
	    strcmp(iss_b.data, "https://auth.example.com/auth/v1") == 0);
	config_release(&cfg);
	buf_release(&iss_b);
}

static void
test_files(void)
{
	char	 path[700];

	snprintf(path, sizeof(path), "%s/sk", test_dir);
	test_write(path, "sb_secret_test\n", 0600);
	snprintf(path, sizeof(path), "%s/jwt", test_dir);
	test_write(path, SECRET "\n", 0600);
	snprintf(path, sizeof(path), "%s/pk.pem", test_dir);
	test_write(path, pk.priv, 0600);
	snprintf(path, sizeof(path), "%s/pk644.pem", test_dir);
	test_write(path, pk.priv, 0644);
	snprintf(path, sizeof(path), "%s/pub.pem", test_dir);
	test_write(path, pk.pub, 0600);
	snprintf(path, sizeof(path), "%s/rsa.pem", test_dir);
	test_write(path, rsa.priv, 0600);
	snprintf(path, sizeof(path), "%s/junk.pem", test_dir);
	test_write(path, "-----BEGIN PRIVATE KEY-----\nAAAA\n"
	    "-----END PRIVATE KEY-----\n", 0600);
}

static void
test_cleanup(void)
{
	static const char *const names[] = {
		"sk", "jwt", "pk.pem", "pk644.pem", "pub.pem", "rsa.pem",
		"junk.pem", "platform.conf", "jwks.json", "log",
	};
	char	 path[700];
	size_t	 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", test_dir, names[i]);
		unlink(path);
	}
	rmdir(test_dir);
}

int
main(void)
{
	struct buf	 text;
	json_t		*jwk;
	char		 err[1024];
	pid_t		 pid;

	if (tkeys_gen_ec(&ec1) == -1 || tkeys_gen_ec(&ec2) == -1 ||
	    tkeys_gen_ec(&ec3) == -1 || tkeys_gen_rsa(&rsa, 2048) == -1 ||
	    tkeys_gen_ec(&pk) == -1 || tkeys_gen_ec(&pk_other) == -1 ||
	    tstub_tmpdir(test_dir, sizeof(test_dir), "test_auth") == -1) {
		printf("not ok 1 - set-up\n");
		return 1;
	}
	snprintf(jwks_path, sizeof(jwks_path), "%s/jwks.json", test_dir);
	snprintf(log_path, sizeof(log_path), "%s/log", test_dir);
	test_files();
	test_jwks_doc("e1", ec1.pub, "r1", rsa.pub);
	if (jwks_pem_to_jwk(pk.priv, strlen(pk.priv), &jwk, pkid,
	    sizeof(pkid)) == 0)
		json_decref(jwk);
	if ((pid = tstub_start(test_stub, &test_port)) == -1)
		return 1;
	snprintf(iss, sizeof(iss), "http://127.0.0.1:%d/auth/v1", test_port);

	buf_init(&text, 8192);
	buf_printf(&text, "supabase_url = http://127.0.0.1:%d\n"
	    "supabase_secret_key_file = @DIR@/sk\n"
	    "supabase_jwt_secret_file = @DIR@/jwt\n"
	    "platform_signing_key_file = @DIR@/pk.pem\n", test_port);
	T(test_config(&cfg_a, text.data, err, sizeof(err)) == 0);
	buf_reset(&text);
	buf_printf(&text, "supabase_url = http://127.0.0.1:%d\n"
	    "supabase_secret_key_file = @DIR@/sk\n", test_port);
	T(test_config(&cfg_b, text.data, err, sizeof(err)) == 0);
	T(test_config(&cfg_down, "supabase_url = http://127.0.0.1:1\n"
	    "supabase_secret_key_file = @DIR@/sk\n"
	    "supabase_jwt_secret_file = @DIR@/jwt\n", err, sizeof(err)) == 0);
	buf_release(&text);

	T(httpc_global_init("test/1") == 0);
	test_tokens();
	test_principals_and_mint();
	test_oauth_claims();
	test_refetch();
	test_unavailable();
	test_token_cache();
	test_bearer();
	test_authenticate_and_challenge();
	test_config_keys();
	httpc_global_cleanup();
	tstub_stop(pid);

	auth_cache_release();
	config_release(&cfg_a);
	config_release(&cfg_b);
	config_release(&cfg_down);
	test_cleanup();
	tkeys_free(&ec1);
	tkeys_free(&ec2);
	tkeys_free(&ec3);
	tkeys_free(&rsa);
	tkeys_free(&pk);
	tkeys_free(&pk_other);
	return t_done();
}
