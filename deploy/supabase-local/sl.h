/*
 * sl.h -- supabase-local: the local stand-in for Supabase's API gateway,
 * PostgREST and Supabase Auth (DESIGN section 8; contract in
 * docs/supabase-local.md, facts in shared/reference/supabase-contract.md).
 *
 * One FastCGI program under lighttpd on 127.0.0.1:54321. Each request:
 *   sl_main.c   read + bound the request, load config once, dispatch
 *   sl_gateway  apikey check and the sb_publishable_/sb_secret_ rewrite
 *               (Supabase CLI's rule), JWT -> claims for /rest/v1
 *   sl_rest.c   /rest/v1/<table> and /rest/v1/rpc/<fn>   (PostgREST),
 *               with sl_rest_parse.c (query grammar), sl_rest_schema.c
 *               (schema cache) and their private header sl_rest.h
 *   sl_auth.c   /auth/v1/...                              (GoTrue)
 *   sl_oauth.c  /auth/v1/oauth/..., /auth/v1/user/oauth/grants and the
 *               discovery documents: GoTrue's OAuth 2.1 server, sharing
 *               sl_auth.c's core through sl_auth_int.h
 *   sl_jwt.c    HS256/ES256 signing and verification, JWKS document
 *   sl_db.c     libpq connections (reconnect when broken)
 *   sl_http.c   the replies (PostgREST and GoTrue error bodies) and
 *               query-string decoding every handler uses
 * This header holds what they all share: the limits, the configuration
 * and the request; each module's functions are in its own header
 * (sl_http.h, sl_gateway.h, sl_jwt.h, sl_db.h, sl_auth.h, sl_rest.h), so
 * that the includes show who uses whom: sl_main.c dispatches to the
 * handlers, and the handlers reply through sl_http.c, never sl_main.c.
 *
 * Ownership: a struct sl_req and everything hanging off it lives for one
 * request and is released by sl_req_release() in sl_main.c. Strings from
 * the CGI environment are borrowed from libfcgi.
 */
#ifndef SL_H
#define SL_H

#include <stddef.h>

#include <fcgiapp.h>
#include <jansson.h>

#include "buf.h"

#define SL_BODY_MAX		(8 * 1024 * 1024)
#define SL_MAX_ROWS		1000	/* PostgREST db-max-rows default */
#define SL_JWT_EXP		3600	/* GoTrue default access token life */
#define SL_JWT_LEEWAY		30	/* PostgREST's clock skew */
#define SL_REFRESH_REUSE_SECS	10	/* GoTrue refresh reuse interval */
#define SL_SERVICE_JWT_LIFE	(3600 * 24 * 365)

/* Request bounding (sl_main.c), checked before any work. */
#define SL_URI_MAX		16384	/* REQUEST_URI incl. the query */
#define SL_HEADER_MAX		16384	/* one CGI header variable */
#define SL_SCHEMAS_MAX		16	/* SUPABASE_LOCAL_SCHEMAS entries */
#define SL_IDENT_MAX		63	/* NAMEDATALEN - 1 */
#define SL_ENV_MAX		4096	/* one configuration variable */
#define SL_SECRET_FILE_MAX	8192	/* a key or secret file */
#define SL_REQUEST_ID_MAX	64	/* X-Request-Id kept for log lines */

/* PostgREST (sl_rest*.c). */
#define SL_SQL_MAX		(1024 * 1024)	/* one generated statement */
#define SL_MAX_PARAMS		4096	/* bind parameters in one statement */
#define SL_MAX_FILTERS		256	/* filters + logic nodes per request */
#define SL_MAX_SELECT		256	/* select / order / columns items */
#define SL_LOGIC_DEPTH		8	/* nested and=()/or=() levels */
#define SL_JSONPATH_MAX		16	/* ->/->> steps after one column */
#define SL_REST_ARENA_MAX	(16 * 1024 * 1024) /* parsed request */
#define SL_SCHEMA_ARENA_MAX	(64 * 1024 * 1024) /* the schema cache */
#define SL_REST_JSON_DEPTH	64	/* JSON nesting of a request body */
#define SL_SCHEMA_TTL		5	/* seconds the schema cache is trusted */
#define SL_SCHEMA_RETRY		1	/* on a miss, reload if older than this */
#define SL_DB_CONNECT_TIMEOUT	"5"	/* libpq connect_timeout, seconds */

/* Configuration, from the environment (see sl_conf_load). */
struct sl_conf {
	char	*rest_conninfo;	/* SUPABASE_LOCAL_REST_DB: user authenticator */
	char	*auth_conninfo;	/* SUPABASE_LOCAL_AUTH_DB: user supabase_auth_admin */
	char	*jwt_secret;	/* SUPABASE_LOCAL_JWT_SECRET_FILE (HS256) */
	char	*publishable_key; /* SUPABASE_LOCAL_PUBLISHABLE_KEY sb_publishable_... */
	char	*secret_key;	/* SUPABASE_LOCAL_SECRET_KEY_FILE  sb_secret_... */
	char	*es256_key_pem;	/* SUPABASE_LOCAL_ES256_KEY_FILE, optional: sign
				   user tokens ES256 and publish the JWKS */
	char	*es256_kid;	/* derived from the public key (RFC 7638 thumbprint) */
	char	*api_url;	/* SUPABASE_LOCAL_URL, e.g. http://127.0.0.1:54321 */
	char	*issuer;	/* <api_url>/auth/v1 */
	char	*anon_jwt;	/* minted at start: role anon (HS256) */
	char	*service_jwt;	/* minted at start: role service_role (HS256) */
	char	**schemas;	/* SUPABASE_LOCAL_SCHEMAS, default {"public"};
				   schemas[0] is PostgREST's default schema */
	size_t	 nschemas;
	int	 autoconfirm;	/* SUPABASE_LOCAL_MAILER_AUTOCONFIRM, default 1:
				   GoTrue's MAILER_AUTOCONFIRM; 0: signup
				   leaves the email unconfirmed, no session */
	/* GoTrue's OAuth 2.1 server (sl_oauth.c), GOTRUE_OAUTH_SERVER_* */
	int	 oauth_enabled;	/* SUPABASE_LOCAL_OAUTH_SERVER_ENABLED */
	int	 oauth_dcr;	/* SUPABASE_LOCAL_OAUTH_DYNAMIC_REGISTRATION */
	int	 oauth_cimd;	/* SUPABASE_LOCAL_OAUTH_CLIENT_METADATA_DOCUMENTS */
	int	 oauth_cimd_loopback; /* SUPABASE_LOCAL_OAUTH_CIMD_ALLOW_LOOPBACK:
				   http://127.0.0.1 documents, tests only */
	char	*site_url;	/* SUPABASE_LOCAL_SITE_URL (GoTrue SITE_URL) */
	char	*oauth_authorization_path; /* SUPABASE_LOCAL_OAUTH_AUTHORIZATION_PATH */
};

struct sl_req {
	FCGX_Request	*fcgi;
	const struct sl_conf *conf;
	const char	*method;	/* REQUEST_METHOD */
	const char	*path;		/* path without query, e.g. /rest/v1/tenants */
	const char	*query;		/* QUERY_STRING, "" when none */
	const char	*apikey;	/* HTTP_APIKEY or NULL */
	const char	*authorization;	/* HTTP_AUTHORIZATION or NULL */
	const char	*prefer;	/* HTTP_PREFER or NULL */
	const char	*accept;	/* HTTP_ACCEPT or NULL */
	const char	*content_type;	/* CONTENT_TYPE or NULL */
	const char	*accept_profile;
	const char	*content_profile;
	char		*body;		/* NUL-terminated copy, bodylen bytes */
	size_t		 bodylen;
	char		*bearer;	/* effective bearer token after the gateway
					   rewrite (owned), NULL when none */
	json_t		*claims;	/* verified claims (owned); for /rest/v1
					   {"role":"anon"} when no token */
	const char	*role;		/* borrowed from claims */
	int		 replied;	/* set by the reply functions */
	int		 status;	/* the status replied, for the access log */
	const char	*range;		/* HTTP_RANGE or NULL */
	const char	*request_id;	/* for log lines, valid for the request */
	char		*own_path;	/* sl_main.c's copies behind path/apikey */
	char		*own_apikey;
};

/* ---- sl_jwt.c / sl_auth.c additions (Auth engineer; edit with care) ---- */
#define SL_JWT_MAX_LEN		16384	/* longest token looked at or made */
#define SL_AUTH_JSON_DEPTH	32	/* JSON nesting of an /auth/v1 body */
#define SL_AUTH_EMAIL_MAX	255	/* GoTrue: "An email address is too long" */
#define SL_AUTH_PASSWORD_MIN	6	/* GoTrue's default minimum length */
#define SL_AUTH_PASSWORD_MAX	72	/* bcrypt reads only 72 bytes */
#define SL_AUTH_BCRYPT_COST	"10"	/* gen_salt('bf', 10), GoTrue's cost */
#define SL_REFRESH_TOKEN_LEN	22	/* [A-Za-z0-9]{22}: ~131 random bits */
/* ---- end of the sl_jwt.c / sl_auth.c block ---- */

/* ---- sl_oauth.c: GoTrue's OAuth 2.1 server ---- */
#define SL_OAUTH_AUTHZ_TTL	600	/* GoTrue authorization_ttl: 10 min */
#define SL_OAUTH_CODE_TTL	60	/* an approved code, seconds */
#define SL_OAUTH_AUTHZ_ID_LEN	32	/* GoTrue: SecureAlphanumeric(32) */
#define SL_OAUTH_CODE_LEN	43	/* [A-Za-z0-9]{43}: ~256 bits */
#define SL_OAUTH_SECRET_BYTES	32	/* client secret, base64url */
#define SL_OAUTH_REDIRECT_URIS	10	/* GoTrue: at most 10 */
#define SL_OAUTH_URI_MAX	2048	/* client_uri, logo_uri, a redirect */
#define SL_OAUTH_NAME_MAX	1024	/* client_name */
#define SL_OAUTH_STATE_MAX	4096	/* state kept with an authorization */
#define SL_OAUTH_CIMD_MAX	5120	/* a client metadata document, bytes */
#define SL_OAUTH_CIMD_TIMEOUT_MS 3000	/* fetching it, in all */
#define SL_OAUTH_CIMD_TTL	300	/* a fetched document is trusted, s */
#define SL_OAUTH_JSON_DEPTH	8	/* nesting of a metadata document */
/* ---- end of the sl_oauth.c block ---- */

#endif /* SL_H */
