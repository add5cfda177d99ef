/*
 * sl_oauth.c -- supabase-local: Supabase Auth's OAuth 2.1 server (GoTrue's
 * internal/api/oauthserver), the part MCP clients and the platform's
 * consent page use (docs/supabase-local.md "OAuth 2.1 server"):
 *
 *   GET  /.well-known/oauth-authorization-server/auth/v1     no apikey
 *   GET  /auth/v1/.well-known/oauth-authorization-server      no apikey
 *   GET  /auth/v1/oauth/authorize                             no apikey
 *   POST /auth/v1/oauth/token                                 no apikey
 *   POST /auth/v1/oauth/clients/register   (DCR, RFC 7591)    no apikey
 *   GET  /auth/v1/oauth/authorizations/{id}          apikey + user token
 *   POST /auth/v1/oauth/authorizations/{id}/consent  apikey + user token
 *   GET, DELETE /auth/v1/user/oauth/grants           apikey + user token
 *
 * Paths, bodies, status codes and error codes are GoTrue's. Beyond it,
 * for the MCP authorization spec (2025-11-25): client ID metadata
 * documents (a client_id that is an https URL, fetched with lib/httpc,
 * capped and cached), RFC 9207 "iss" on every authorization response,
 * PKCE with S256 only, approved codes valid SL_OAUTH_CODE_TTL seconds.
 *
 * Users, sessions, refresh tokens, access tokens and the error bodies are
 * sl_auth.c's (sl_auth_int.h); this file adds the OAuth tables of
 * auth.sql. Codes and client secrets are stored as SHA-256 only; codes,
 * secrets, verifiers and tokens are never logged.
 *
 * Ownership: everything is per request; client rows come back from the
 * database as JSON objects (new references, the caller's).
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/evp.h>

#include "base64.h"
#include "buf.h"
#include "crypto.h"
#include "httpc.h"
#include "jsonx.h"
#include "log.h"
#include "sl.h"
#include "sl_auth_int.h"
#include "sl_gateway.h"
#include "sl_http.h"
#include "sl_oauth.h"
#include "strparse.h"
#include "uuid.h"

#define SL_OAUTH_MOD		"sl_oauth"
#define SL_OAUTH_DEFAULT_SCOPE	"email"		/* GoTrue default_scope */
#define SL_OAUTH_AMR		"oauth_provider/authorization_code"
#define SL_OAUTH_MSG_MAX	512		/* one error message */
#define SL_OAUTH_URL_MAX	(SL_URI_MAX + SL_OAUTH_STATE_MAX * 3)

/* GoTrue models.SupportedOAuthScopes. */
static const char *const sl_oauth_scopes[] = {
	"openid", "profile", "email", "phone", "offline_access", NULL
};

/* One client row as a JSON object. */
static const char sl_oauth_sql_client[] =
    "select json_build_object('client_id', id, "
    "'registration_type', registration_type, 'client_type', client_type, "
    "'token_endpoint_auth_method', token_endpoint_auth_method, "
    "'redirect_uris', redirect_uris, 'grant_types', grant_types, "
    "'client_name', coalesce(client_name, ''), "
    "'client_uri', coalesce(client_uri, ''), "
    "'logo_uri', coalesce(logo_uri, ''), "
    "'secret_hash', coalesce(client_secret_hash, ''), "
    "'fresh', coalesce(metadata_expires_at > now(), true), "
    "'created_at', " SL_AUTH_TS("created_at") ", "
    "'updated_at', " SL_AUTH_TS("updated_at") ")::text "
    "from auth.oauth_clients where id = $1 and deleted_at is null";

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */

static const char *
sl_oauth_s(const char *v)
{
	return v != NULL ? v : "";
}

/* 404 feature_disabled while the server is off (requireOAuthServerEnabled);
 * 1 when replied. */
static int
sl_oauth_off(struct sl_req *req)
{
	if (req->conf->oauth_enabled)
		return 0;
	sl_auth_error(req, 404, "feature_disabled", "OAuth server is disabled");
	return 1;
}

/* The member name of client as a string, "" when absent. */
static const char *
sl_oauth_cstr(const json_t *client, const char *name)
{
	return sl_oauth_s(jsonx_str(client, name));
}

/* 1 when the JSON array a holds the string s. */
static int
sl_oauth_has(const json_t *a, const char *s)
{
	size_t	 i;
	json_t	*v;

	json_array_foreach(a, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
			return 1;
	return 0;
}

/* base64url(SHA-256(p)) without padding: the PKCE S256 transform (RFC 7636
 * section 4.2) and GoTrue's client secret hash. 0 or -1. */
static int
sl_oauth_s256(const char *p, struct buf *out)
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;
	int		 rc;

	if (EVP_Digest(p, strlen(p), md, &mdlen, EVP_sha256(), NULL) != 1)
		return -1;
	rc = base64_encode(out, md, mdlen, BASE64_URL);
	explicit_bzero(md, sizeof(md));
	return rc;
}

/* Constant-time equality of two strings (lengths are not secret). */
static int
sl_oauth_streq(const char *a, const char *b)
{
	size_t	 n = strlen(a);

	return n == strlen(b) && crypto_memeq(a, b, n);
}

/*
 * scheme "://" host...: the host part (hp, hlen) without user info and
 * port, the scheme length; -1 when the text is not of that form.
 */
static int
sl_oauth_url_parts(const char *u, size_t *schemelen, const char **hp,
    size_t *hlen, const char **rest)
{
	const char	*p, *host, *hend, *q, *e;

	if (!isalpha((unsigned char)u[0]))
		return -1;
	for (p = u; isalnum((unsigned char)*p) || *p == '+' || *p == '-' ||
	    *p == '.'; p++)
		;
	if (strncmp(p, "://", 3) != 0)
		return -1;
	*schemelen = (size_t)(p - u);
	host = p + 3;
	hend = host + strcspn(host, "/?#");
	for (q = host; q < hend; q++)
		if (*q == '@')
			host = q + 1;
	if (*host == '[') {
		if ((e = memchr(host, ']', (size_t)(hend - host))) == NULL)
			return -1;
		host++;
	} else if ((e = memchr(host, ':', (size_t)(hend - host))) == NULL)
		e = hend;
	if (e == host)
		return -1;
	*hp = host;
	*hlen = (size_t)(e - host);
	*rest = hend;
	return 0;
}

/* 1 when (h, len) is localhost, 127.0.0.1 or ::1 (GoTrue's http rule). */
static int
sl_oauth_loopback(const char *h, size_t len)
{
	return (len == 9 && strncmp(h, "localhost", 9) == 0) ||
	    (len == 9 && strncmp(h, "127.0.0.1", 9) == 0) ||
	    (len == 3 && strncmp(h, "::1", 3) == 0);
}

/* GoTrue's validateRedirectURI: NULL when fine, else the reason. */
static const char *
sl_oauth_redirect_bad(const char *uri)
{
	static const char *const danger[] = {
		"javascript", "data", "file", "vbscript", "about", "blob", NULL
	};
	const char	*h, *rest;
	size_t		 slen, hlen, i, len = strlen(uri);

	if (len == 0)
		return "redirect URI cannot be empty";
	if (len > SL_OAUTH_URI_MAX || !strparse_is_vchar(uri, len))
		return "invalid URL format";
	if (sl_oauth_url_parts(uri, &slen, &h, &hlen, &rest) == -1)
		return "must have scheme and host";
	for (i = 0; danger[i] != NULL; i++)
		if (slen == strlen(danger[i]) &&
		    strncasecmp(uri, danger[i], slen) == 0)
			return "scheme is not allowed for security reasons";
	if (slen == 4 && strncmp(uri, "http", 4) == 0 &&
	    !sl_oauth_loopback(h, hlen))
		return "HTTP scheme only allowed for localhost";
	if (strchr(uri, '#') != NULL)
		return "fragment not allowed in redirect URI";
	return NULL;
}

/* client_uri and logo_uri: at most SL_OAUTH_URI_MAX, an absolute URL. */
static int
sl_oauth_uri_ok(const char *u)
{
	const char	*h, *rest;
	size_t		 slen, hlen, len = strlen(u);

	return len == 0 || (len <= SL_OAUTH_URI_MAX &&
	    strparse_is_vchar(u, len) &&
	    sl_oauth_url_parts(u, &slen, &h, &hlen, &rest) == 0);
}

/*
 * A client_id meant as a metadata document URL (draft-ietf-oauth-client-
 * id-metadata-document section 3): https, a host without user info, a
 * path, no fragment, no dot segments. http on a loopback host only with
 * SUPABASE_LOCAL_OAUTH_CIMD_ALLOW_LOOPBACK (tests). NULL when fine.
 */
static const char *
sl_oauth_cimd_bad(const struct sl_conf *conf, const char *id)
{
	const char	*h, *rest, *q;
	size_t		 slen, hlen, len = strlen(id), plen;

	if (len > SL_OAUTH_CLIENT_ID_MAX || !strparse_is_vchar(id, len) ||
	    sl_oauth_url_parts(id, &slen, &h, &hlen, &rest) == -1)
		return "not a valid URL";
	if (memchr(id, '@', (size_t)(rest - id)) != NULL)
		return "user information is not allowed";
	if (slen == 4 && strncmp(id, "http", 4) == 0) {
		if (!conf->oauth_cimd_loopback || !sl_oauth_loopback(h, hlen))
			return "the https scheme is required";
	} else if (slen != 5 || strncmp(id, "https", 5) != 0)
		return "the https scheme is required";
	if (strchr(id, '#') != NULL)
		return "a fragment is not allowed";
	if (*rest != '/' || rest[1] == '\0' || rest[1] == '?')
		return "a path is required";
	plen = (q = strchr(rest, '?')) != NULL ? (size_t)(q - rest) :
	    strlen(rest);
	for (q = rest; q < rest + plen; q++)
		if (*q == '/' && (strncmp(q, "/./", 3) == 0 ||
		    strncmp(q, "/../", 4) == 0 ||
		    (q + 2 == rest + plen && q[1] == '.') ||
		    (q + 3 == rest + plen && q[1] == '.' && q[2] == '.')))
			return "dot segments are not allowed";
	return NULL;
}

/* 1 when id has the shape of a URL (then it can only be a metadata
 * document's client id), 0 otherwise. */
static int
sl_oauth_is_url(const char *id)
{
	return strncmp(id, "https://", 8) == 0 || strncmp(id, "http://", 7) == 0;
}

/* ------------------------------------------------------------------ */
/* Replies                                                             */

/* 302 to url (built here, so no CR/LF: every piece was checked or
 * percent-encoded). */
static void
sl_oauth_redirect(struct sl_req *req, const char *url)
{
	struct buf	 h;

	buf_init(&h, SL_OAUTH_URL_MAX + 64);
	if (buf_printf(&h, "Location: %s\r\n", url) == -1) {
		sl_auth_internal(req, "redirect URL too long");
	} else
		sl_reply(req, 302, NULL, buf_cstr(&h), NULL, 0);
	buf_release(&h);
}

/*
 * uri with the parameters kv (name, value, ..., NULL; a NULL or empty value
 * is left out) added to its query, then iss (RFC 9207 section 2, on
 * successes and errors alike). Names are given in Go's sorted order. The
 * result in b; 0 or -1.
 */
static int
sl_oauth_response_url(struct buf *b, const struct sl_conf *conf,
    const char *uri, const char *const *kv)
{
	char	 sep = strchr(uri, '?') != NULL ? '&' : '?';
	int	 iss_done = 0;

	if (buf_appends(b, uri) == -1)
		return -1;
	for (; kv[0] != NULL; kv += 2) {
		if (!iss_done && strcmp(kv[0], "iss") > 0) {
			if (buf_printf(b, "%ciss=", sep) == -1 ||
			    sl_urlencode(b, conf->issuer) == -1)
				return -1;
			sep = '&';
			iss_done = 1;
		}
		if (kv[1] == NULL || *kv[1] == '\0')
			continue;
		if (buf_printf(b, "%c%s=", sep, kv[0]) == -1 ||
		    sl_urlencode(b, kv[1]) == -1)
			return -1;
		sep = '&';
	}
	if (!iss_done && (buf_printf(b, "%ciss=", sep) == -1 ||
	    sl_urlencode(b, conf->issuer) == -1))
		return -1;
	return 0;
}

/* The error redirect of an authorization request (RFC 6749 4.1.2.1). */
static void
sl_oauth_redirect_error(struct sl_req *req, const char *uri,
    const char *error, const char *desc, const char *state)
{
	const char	*kv[] = { "error", error, "error_description", desc,
			    "state", state, NULL };
	struct buf	 b;

	buf_init(&b, SL_OAUTH_URL_MAX);
	if (sl_oauth_response_url(&b, req->conf, uri, kv) == -1)
		sl_auth_internal(req, "redirect URL too long");
	else
		sl_oauth_redirect(req, buf_cstr(&b));
	buf_release(&b);
}

/* {"redirect_url": url} 200, the consent API's answer. */
static void
sl_oauth_reply_redirect_url(struct sl_req *req, const char *url)
{
	json_t	*j = json_pack("{s:s}", "redirect_url", url);

	if (j == NULL) {
		sl_auth_internal(req, "out of memory");
		return;
	}
	sl_reply_json(req, 200, NULL, j);
	json_decref(j);
}

/* ------------------------------------------------------------------ */
/* Discovery (RFC 8414)                                                */

static json_t *
sl_oauth_endpoint(const struct sl_conf *conf, const char *suffix)
{
	struct buf	 b;
	json_t		*j = NULL;

	buf_init(&b, SL_ENV_MAX * 2);
	if (buf_printf(&b, "%s%s", conf->issuer, suffix) == 0)
		j = json_string(buf_cstr(&b));
	buf_release(&b);
	return j;
}

/* GoTrue's WellKnownOpenID without the OpenID parts (no ID tokens, no
 * userinfo here), plus RFC 9207 and client ID metadata documents. */
void
sl_oauth_discovery(struct sl_req *req)
{
	const struct sl_conf *conf = req->conf;
	json_t		*d;

	if (sl_oauth_off(req))
		return;
	d = json_pack("{s:s, s:o, s:o, s:o, s:[s], s:[s], s:[ss], s:[s],"
	    " s:[sss], s:[sssss], s:[s], s:b}",
	    "issuer", conf->issuer,
	    "authorization_endpoint", sl_oauth_endpoint(conf, "/oauth/authorize"),
	    "token_endpoint", sl_oauth_endpoint(conf, "/oauth/token"),
	    "jwks_uri", sl_oauth_endpoint(conf, "/.well-known/jwks.json"),
	    "response_types_supported", "code",
	    "response_modes_supported", "query",
	    "grant_types_supported", "authorization_code", "refresh_token",
	    "subject_types_supported", "public",
	    "token_endpoint_auth_methods_supported", "client_secret_basic",
	    "client_secret_post", "none",
	    "scopes_supported", sl_oauth_scopes[0], sl_oauth_scopes[1],
	    sl_oauth_scopes[2], sl_oauth_scopes[3], sl_oauth_scopes[4],
	    "code_challenge_methods_supported", "S256",
	    "authorization_response_iss_parameter_supported", 1);
	if (d != NULL && conf->oauth_dcr &&
	    json_object_set_new(d, "registration_endpoint",
	    sl_oauth_endpoint(conf, "/oauth/clients/register")) == -1) {
		json_decref(d);
		d = NULL;
	}
	if (d != NULL && conf->oauth_cimd &&
	    json_object_set_new(d, "client_id_metadata_document_supported",
	    json_true()) == -1) {
		json_decref(d);
		d = NULL;
	}
	if (d == NULL) {
		sl_auth_internal(req, "cannot build the discovery document");
		return;
	}
	sl_reply_json(req, 200, "Cache-Control: public, max-age=600\r\n", d);
	json_decref(d);
}

/* ------------------------------------------------------------------ */
/* Clients                                                             */

/* The client row id as JSON (new reference); NULL with *missing = 1 when
 * there is none, NULL with *missing = 0 on a database error. */
static json_t *
sl_oauth_client_load(struct sl_auth_tx *t, const char *id, int *missing)
{
	const char	*vals[1] = { id };
	PGresult	*r;
	json_t		*c = NULL;

	*missing = 0;
	if ((r = sl_auth_exec(t, sl_oauth_sql_client, 1, vals)) == NULL)
		return NULL;
	if (PQntuples(r) != 1)
		*missing = 1;
	else
		c = jsonx_loadb(PQgetvalue(r, 0, 0),
		    (size_t)PQgetlength(r, 0, 0), SL_AUTH_JSON_DEPTH, NULL, 0);
	PQclear(r);
	return c;
}

/* A string member of a metadata document or registration: absent/null
 * -> "", a string of at most max bytes without NUL -> it, else NULL. */
static const char *
sl_oauth_doc_str(const json_t *doc, const char *name, size_t max)
{
	json_t	*v = json_object_get(doc, name);

	if (v == NULL || json_is_null(v))
		return "";
	if (!json_is_string(v) || json_string_length(v) > max ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return NULL;
	return json_string_value(v);
}

/* grant_types: absent or empty -> both; else a subset; NULL when bad
 * (a new reference otherwise). */
static json_t *
sl_oauth_grant_types(const json_t *v)
{
	size_t	 i;
	json_t	*g;

	if (v == NULL || json_is_null(v) ||
	    (json_is_array(v) && json_array_size(v) == 0))
		return json_pack("[ss]", "authorization_code", "refresh_token");
	if (!json_is_array(v))
		return NULL;
	json_array_foreach(v, i, g)
		if (!json_is_string(g) ||
		    (strcmp(json_string_value(g), "authorization_code") != 0 &&
		    strcmp(json_string_value(g), "refresh_token") != 0))
			return NULL;
	return json_deep_copy(v);
}

/* redirect_uris: 1..SL_OAUTH_REDIRECT_URIS valid URIs; NULL when fine,
 * else the reason (into msg). */
static const char *
sl_oauth_redirect_uris_bad(const json_t *v, char *msg, size_t msglen)
{
	size_t		 i;
	json_t		*u;
	const char	*why;

	if (!json_is_array(v) || json_array_size(v) == 0)
		return "redirect_uris is required";
	if (json_array_size(v) > SL_OAUTH_REDIRECT_URIS)
		return "redirect_uris cannot exceed 10 items";
	json_array_foreach(v, i, u) {
		if (!json_is_string(u) ||
		    strlen(json_string_value(u)) != json_string_length(u))
			return "redirect_uris must be strings";
		if ((why = sl_oauth_redirect_bad(json_string_value(u))) != NULL) {
			snprintf(msg, msglen, "invalid redirect_uri '%.200s': %s",
			    json_string_value(u), why);
			return msg;
		}
	}
	return NULL;
}

/*
 * Fetch the metadata document id and check it (draft-ietf-oauth-client-
 * id-metadata-document section 4): JSON object, client_id exactly id,
 * valid redirect_uris, a public client (no secret, auth method none).
 * A new reference, or NULL with *why.
 */
static json_t *
sl_oauth_cimd_fetch(const char *id, const char **why, char *msg,
    size_t msglen)
{
	static const char *const hdrs[] = { "Accept: application/json", NULL };
	struct httpc_request	 hr;
	struct httpc_response	 resp;
	json_t			*doc = NULL, *ok = NULL, *g = NULL;
	const char		*m;

	memset(&hr, 0, sizeof(hr));
	hr.method = "GET";
	hr.url = id;
	hr.headers = hdrs;
	hr.timeout_ms = SL_OAUTH_CIMD_TIMEOUT_MS;
	hr.max_response = SL_OAUTH_CIMD_MAX;
	httpc_response_init(&resp);
	if (httpc_perform(&hr, &resp) == -1) {
		*why = resp.fail == HTTPC_FAIL_TOO_LARGE ?
		    "the client metadata document is larger than 5120 bytes" :
		    resp.fail == HTTPC_FAIL_TIMEOUT ?
		    "the client metadata document did not arrive in time" :
		    "the client metadata document could not be fetched";
		log_warn(SL_OAUTH_MOD, "client metadata document '%.300s': %s",
		    id, resp.detail);
		goto out;
	}
	if (resp.status != 200) {
		*why = "the client metadata document could not be fetched "
		    "(status not 200)";
		goto out;
	}
	doc = jsonx_loadb(resp.body.data != NULL ? resp.body.data : "",
	    resp.body.len, SL_OAUTH_JSON_DEPTH, NULL, 0);
	if (!json_is_object(doc)) {
		*why = "the client metadata document is not a JSON object";
		goto out;
	}
	if (!json_is_string(json_object_get(doc, "client_id")) ||
	    strcmp(jsonx_str(doc, "client_id"), id) != 0) {
		*why = "the client metadata document's client_id is not its URL";
		goto out;
	}
	if (json_object_get(doc, "client_secret") != NULL ||
	    json_object_get(doc, "client_secret_expires_at") != NULL) {
		*why = "a client metadata document must not hold a client secret";
		goto out;
	}
	m = sl_oauth_doc_str(doc, "token_endpoint_auth_method", 64);
	if (m == NULL || (*m != '\0' && strcmp(m, "none") != 0)) {
		*why = "token_endpoint_auth_method must be 'none'";
		goto out;
	}
	if ((*why = sl_oauth_redirect_uris_bad(json_object_get(doc,
	    "redirect_uris"), msg, msglen)) != NULL)
		goto out;
	if ((g = sl_oauth_grant_types(json_object_get(doc,
	    "grant_types"))) == NULL) {
		*why = "grant_types must only contain 'authorization_code' "
		    "and/or 'refresh_token'";
		goto out;
	}
	if (sl_oauth_doc_str(doc, "client_name", SL_OAUTH_NAME_MAX) == NULL ||
	    sl_oauth_doc_str(doc, "client_uri", SL_OAUTH_URI_MAX) == NULL ||
	    sl_oauth_doc_str(doc, "logo_uri", SL_OAUTH_URI_MAX) == NULL ||
	    !sl_oauth_uri_ok(sl_oauth_doc_str(doc, "client_uri",
	    SL_OAUTH_URI_MAX)) ||
	    !sl_oauth_uri_ok(sl_oauth_doc_str(doc, "logo_uri",
	    SL_OAUTH_URI_MAX))) {
		*why = "client_name, client_uri or logo_uri is not valid";
		goto out;
	}
	if (json_object_set(doc, "grant_types", g) == -1)
		goto out;
	ok = doc;
	doc = NULL;
out:
	json_decref(g);
	json_decref(doc);
	httpc_response_release(&resp);
	return ok;
}

/* Cache a checked document as a public client; 0 or -1. */
static int
sl_oauth_cimd_store(struct sl_auth_tx *t, const char *id, const json_t *doc)
{
	struct buf	 ru, gt;
	char		 ttl[16];
	const char	*vals[7];
	int		 rc = -1;

	buf_init(&ru, SL_OAUTH_CIMD_MAX * 2);
	buf_init(&gt, 256);
	snprintf(ttl, sizeof(ttl), "%d", SL_OAUTH_CIMD_TTL);
	if (jsonx_dumpb(&ru, json_object_get(doc, "redirect_uris")) == -1 ||
	    jsonx_dumpb(&gt, json_object_get(doc, "grant_types")) == -1)
		goto out;
	vals[0] = id;
	vals[1] = buf_cstr(&ru);
	vals[2] = buf_cstr(&gt);
	vals[3] = sl_oauth_doc_str(doc, "client_name", SL_OAUTH_NAME_MAX);
	vals[4] = sl_oauth_doc_str(doc, "client_uri", SL_OAUTH_URI_MAX);
	vals[5] = sl_oauth_doc_str(doc, "logo_uri", SL_OAUTH_URI_MAX);
	vals[6] = ttl;
	rc = sl_auth_do(t, "insert into auth.oauth_clients (id, "
	    "registration_type, client_type, token_endpoint_auth_method, "
	    "redirect_uris, grant_types, client_name, client_uri, logo_uri, "
	    "metadata_expires_at, created_at, updated_at) values ($1, "
	    "'metadata_document', 'public', 'none', $2::jsonb, $3::jsonb, "
	    "nullif($4, ''), nullif($5, ''), nullif($6, ''), "
	    "now() + make_interval(secs => $7::int), now(), now()) "
	    "on conflict (id) do update set redirect_uris = "
	    "excluded.redirect_uris, grant_types = excluded.grant_types, "
	    "client_name = excluded.client_name, client_uri = "
	    "excluded.client_uri, logo_uri = excluded.logo_uri, "
	    "metadata_expires_at = excluded.metadata_expires_at, "
	    "updated_at = now(), deleted_at = null "
	    "where auth.oauth_clients.registration_type = 'metadata_document'",
	    7, vals);
out:
	buf_release(&ru);
	buf_release(&gt);
	return rc;
}

/*
 * The client an authorization request names: a registered one (a uuid),
 * or a metadata document's (a URL; fetched unless a fresh copy is
 * cached). A new reference, NULL after replying.
 */
static json_t *
sl_oauth_client_resolve(struct sl_auth_tx *t, const char *id)
{
	struct sl_req	*req = t->req;
	json_t		*c = NULL, *doc = NULL;
	const char	*why = NULL;
	char		 msg[SL_OAUTH_MSG_MAX], detail[SL_OAUTH_MSG_MAX];
	int		 missing;

	if (uuid_is_valid(id, strlen(id))) {
		if ((c = sl_oauth_client_load(t, id, &missing)) == NULL) {
			if (missing)
				sl_auth_error(req, 400, "oauth_client_not_found",
				    "invalid client_id");
			else
				sl_auth_internal(req, "error validating client");
		}
		return c;
	}
	if (!req->conf->oauth_cimd || !sl_oauth_is_url(id)) {
		sl_auth_error(req, 400, "oauth_client_not_found",
		    "invalid client_id format");
		return NULL;
	}
	if ((why = sl_oauth_cimd_bad(req->conf, id)) != NULL)
		goto bad;
	c = sl_oauth_client_load(t, id, &missing);
	if (c == NULL && !missing) {
		sl_auth_internal(req, "error validating client");
		return NULL;
	}
	if (c != NULL && json_is_true(json_object_get(c, "fresh")))
		return c;
	json_decref(c);
	c = NULL;
	if ((doc = sl_oauth_cimd_fetch(id, &why, detail,
	    sizeof(detail))) == NULL)
		goto bad;
	if (sl_oauth_cimd_store(t, id, doc) == -1 ||
	    (c = sl_oauth_client_load(t, id, &missing)) == NULL)
		sl_auth_internal(req, "error storing client");
	json_decref(doc);
	return c;
bad:
	snprintf(msg, sizeof(msg), "invalid client_id: %s", why);
	sl_auth_error(req, 400, "oauth_client_not_found", msg);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* GET /oauth/authorize                                                */

enum sl_oauth_ap {
	AP_CLIENT_ID, AP_REDIRECT_URI, AP_RESPONSE_TYPE, AP_SCOPE, AP_STATE,
	AP_RESOURCE, AP_CHALLENGE, AP_METHOD, AP_NONCE, AP__MAX
};

static const char *const sl_oauth_ap_names[AP__MAX] = {
	"client_id", "redirect_uri", "response_type", "scope", "state",
	"resource", "code_challenge", "code_challenge_method", "nonce"
};

/* GoTrue's validateScopes on a space-separated list; NULL when fine. */
static const char *
sl_oauth_scopes_bad(const char *scope, char *msg, size_t msglen)
{
	const char	*p = scope, *e;
	size_t		 i, n, count = 0;

	for (; *p != '\0'; p = e) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		e = p + strcspn(p, " ");
		n = (size_t)(e - p);
		for (i = 0; sl_oauth_scopes[i] != NULL; i++)
			if (strlen(sl_oauth_scopes[i]) == n &&
			    strncmp(sl_oauth_scopes[i], p, n) == 0)
				break;
		if (sl_oauth_scopes[i] == NULL) {
			snprintf(msg, msglen, "unsupported scope: %.*s",
			    (int)(n > 64 ? 64 : n), p);
			return msg;
		}
		count++;
	}
	return count == 0 ? "scope parameter cannot be empty" : NULL;
}

/*
 * GoTrue's validateRemainingAuthorizeParams, with PKCE S256 only (OAuth
 * 2.1 section 4.1.1 and MCP 2025-11-25 require S256 where possible; this
 * stand-in refuses plain). Fills the defaults; NULL when fine.
 */
static const char *
sl_oauth_authorize_bad(char **p, char *msg, size_t msglen)
{
	const char	*ch, *h, *rest, *why;
	size_t		 len, i, slen, hlen;

	if (p[AP_RESPONSE_TYPE] == NULL || *p[AP_RESPONSE_TYPE] == '\0') {
		free(p[AP_RESPONSE_TYPE]);
		if ((p[AP_RESPONSE_TYPE] = strdup("code")) == NULL)
			return "out of memory";
	}
	if (p[AP_SCOPE] == NULL || *p[AP_SCOPE] == '\0') {
		free(p[AP_SCOPE]);
		if ((p[AP_SCOPE] = strdup(SL_OAUTH_DEFAULT_SCOPE)) == NULL)
			return "out of memory";
	}
	if (strcmp(p[AP_RESPONSE_TYPE], "code") != 0)
		return "only response_type=code is supported";
	if (strlen(p[AP_SCOPE]) > SL_OAUTH_SCOPE_MAX)
		return "scope parameter is too long";
	if ((why = sl_oauth_scopes_bad(p[AP_SCOPE], msg, msglen)) != NULL)
		return why;
	if (p[AP_RESOURCE] != NULL && *p[AP_RESOURCE] != '\0') {
		/* RFC 8707 section 2: absolute, no fragment, no query. */
		if (sl_oauth_url_parts(p[AP_RESOURCE], &slen, &h, &hlen,
		    &rest) == -1)
			return "resource must be an absolute URI";
		if (strchr(p[AP_RESOURCE], '#') != NULL)
			return "resource must not include a fragment component";
		if (strchr(p[AP_RESOURCE], '?') != NULL)
			return "resource must not include a query component";
	}
	ch = sl_oauth_s(p[AP_CHALLENGE]);
	if (*ch == '\0' || *sl_oauth_s(p[AP_METHOD]) == '\0')
		return "PKCE flow requires both code_challenge and "
		    "code_challenge_method";
	if (strcasecmp(p[AP_METHOD], "s256") != 0)
		return "code_challenge_method must be 'S256'";
	len = strlen(ch);
	if (len < 43 || len > 128)
		return "code_challenge must be between 43 and 128 characters";
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)ch[i]) && ch[i] != '-' &&
		    ch[i] != '_' && ch[i] != '.' && ch[i] != '~')
			return "code_challenge has characters outside "
			    "[A-Za-z0-9-._~]";
	return NULL;
}

static void
sl_oauth_authorize(struct sl_req *req)
{
	struct sl_auth_tx t = { 0 };
	char		*p[AP__MAX] = { NULL };
	char		 aid[SL_OAUTH_AUTHZ_ID_LEN + 1], msg[SL_OAUTH_MSG_MAX];
	char		 ttl[16];
	const char	*why, *vals[10];
	json_t		*client = NULL;
	struct buf	 loc;
	size_t		 i;

	buf_init(&loc, SL_OAUTH_URL_MAX);
	for (i = 0; i < AP__MAX; i++)
		p[i] = sl_query_param(req->query, sl_oauth_ap_names[i]);
	/* Errors before the client and redirect URI are trusted are
	 * answered here, never redirected (RFC 6749 section 4.1.2.1). */
	if (*sl_oauth_s(p[AP_CLIENT_ID]) == '\0') {
		sl_auth_error(req, 400, "validation_failed",
		    "client_id is required");
		goto out;
	}
	if (*sl_oauth_s(p[AP_REDIRECT_URI]) == '\0') {
		sl_auth_error(req, 400, "validation_failed",
		    "redirect_uri is required");
		goto out;
	}
	if (strlen(sl_oauth_s(p[AP_STATE])) > SL_OAUTH_STATE_MAX ||
	    strlen(sl_oauth_s(p[AP_NONCE])) > SL_OAUTH_STATE_MAX) {
		sl_auth_error(req, 400, "validation_failed",
		    "state or nonce is too long");
		goto out;
	}
	if (sl_auth_begin(&t, req) == -1)
		goto out;
	if ((client = sl_oauth_client_resolve(&t, p[AP_CLIENT_ID])) == NULL)
		goto out;
	/* Exact string comparison (OAuth 2.1 section 4.1.3). */
	if (!sl_oauth_has(json_object_get(client, "redirect_uris"),
	    p[AP_REDIRECT_URI])) {
		sl_auth_error(req, 400, "validation_failed",
		    "invalid redirect_uri");
		goto out;
	}
	if ((why = sl_oauth_authorize_bad(p, msg, sizeof(msg))) != NULL) {
		sl_auth_end(&t, 1);	/* keep a fetched document cached */
		sl_oauth_redirect_error(req, p[AP_REDIRECT_URI],
		    "invalid_request", why, p[AP_STATE]);
		goto out;
	}
	if (sl_auth_random(aid, sizeof(aid) - 1) == -1)
		goto server_error;
	snprintf(ttl, sizeof(ttl), "%d", SL_OAUTH_AUTHZ_TTL);
	vals[0] = aid;
	vals[1] = sl_oauth_cstr(client, "client_id");
	vals[2] = p[AP_REDIRECT_URI];
	vals[3] = p[AP_SCOPE];
	vals[4] = sl_oauth_s(p[AP_STATE]);
	vals[5] = sl_oauth_s(p[AP_RESOURCE]);
	vals[6] = p[AP_CHALLENGE];
	vals[7] = sl_oauth_s(p[AP_NONCE]);
	vals[8] = ttl;
	if (sl_auth_do(&t, "insert into auth.oauth_authorizations "
	    "(authorization_id, client_id, redirect_uri, scope, state, "
	    "resource, code_challenge, code_challenge_method, nonce, "
	    "response_type, status, created_at, expires_at) values ($1, $2, "
	    "$3, $4, nullif($5, ''), nullif($6, ''), $7, 's256', "
	    "nullif($8, ''), 'code', 'pending', now(), "
	    "now() + make_interval(secs => $9::int))", 9, vals) == -1 ||
	    sl_auth_end(&t, 1) == -1)
		goto server_error;
	if (req->conf->oauth_authorization_path == NULL) {
		sl_oauth_redirect_error(req, p[AP_REDIRECT_URI], "server_error",
		    "oauth authorization path not configured", p[AP_STATE]);
		goto out;
	}
	/* The application's consent page (GoTrue: SITE_URL + path). */
	if (buf_printf(&loc, "%s%s?authorization_id=%s", req->conf->site_url,
	    req->conf->oauth_authorization_path, aid) == -1)
		goto server_error;
	sl_oauth_redirect(req, buf_cstr(&loc));
	goto out;
server_error:
	sl_auth_end(&t, 0);
	sl_oauth_redirect_error(req, p[AP_REDIRECT_URI], "server_error",
	    "error creating authorization", p[AP_STATE]);
out:
	sl_auth_end(&t, 0);
	for (i = 0; i < AP__MAX; i++)
		free(p[i]);
	json_decref(client);
	buf_release(&loc);
}

/* ------------------------------------------------------------------ */
/* The authorizations API (the consent page's)                         */

/* GoTrue's validateRequestOrigin: a browser's Origin must be the site
 * URL's. 0, or -1 after replying. */
static int
sl_oauth_origin_ok(struct sl_req *req)
{
	const char	*o = sl_auth_env(req, "HTTP_ORIGIN");
	const char	*site = sl_oauth_s(req->conf->site_url), *h;
	size_t		 n;

	if (o == NULL || *o == '\0')
		return 0;
	h = strstr(site, "://");
	n = h != NULL ? (size_t)(h + 3 - site) + strcspn(h + 3, "/") : 0;
	if (n > 0 && strlen(o) == n && strncmp(o, site, n) == 0)
		return 0;
	sl_auth_error(req, 400, "validation_failed",
	    "unauthorized request origin");
	return -1;
}

enum sl_oauth_ac {
	AC_AID, AC_CLIENT, AC_USER, AC_REDIRECT, AC_SCOPE, AC_STATE,
	AC_STATUS, AC_EXPIRED, AC__MAX
};

/* The authorization row aid, locked; NULL after replying 404 (also when
 * it expired: marked and committed, as GoTrue) or 500. */
static PGresult *
sl_oauth_authz_lock(struct sl_auth_tx *t, const char *aid)
{
	const char	*vals[1] = { aid };
	PGresult	*r;

	r = sl_auth_exec(t, "select authorization_id, client_id, "
	    "coalesce(user_id::text, ''), redirect_uri, scope, "
	    "coalesce(state, ''), status, expires_at <= now() "
	    "from auth.oauth_authorizations where authorization_id = $1 "
	    "for update", 1, vals);
	if (r == NULL) {
		sl_auth_internal(t->req, "error finding authorization");
		return NULL;
	}
	if (PQntuples(r) == 1 && PQnfields(r) == AC__MAX &&
	    strcmp(PQgetvalue(r, 0, AC_EXPIRED), "t") != 0)
		return r;
	/* An expired one is marked so, committed, and still not found. */
	if (PQntuples(r) == 1 &&
	    strcmp(PQgetvalue(r, 0, AC_STATUS), "pending") == 0 &&
	    sl_auth_do(t, "update auth.oauth_authorizations set status = "
	    "'expired' where authorization_id = $1", 1, vals) == 0)
		sl_auth_end(t, 1);
	PQclear(r);
	sl_auth_error(t->req, 404, "oauth_authorization_not_found",
	    "authorization not found");
	return NULL;
}

/*
 * Approve the locked authorization aid: a code valid SL_OAUTH_CODE_TTL
 * seconds (stored hashed), the user's consent recorded (GoTrue's
 * UpsertOAuthServerConsent), and the success redirect URL into b.
 */
static int
sl_oauth_approve(struct sl_auth_tx *t, const PGresult *r, struct buf *b)
{
	char		 code[SL_OAUTH_CODE_LEN + 1], hash[SL_AUTH_HASH_HEX + 1];
	char		 ttl[16];
	const char	*vals[4], *kv[5];
	int		 rc = -1;

	snprintf(ttl, sizeof(ttl), "%d", SL_OAUTH_CODE_TTL);
	if (sl_auth_random(code, SL_OAUTH_CODE_LEN) == -1 ||
	    sl_auth_hash(code, strlen(code), hash) == -1)
		goto out;
	vals[0] = PQgetvalue(r, 0, AC_AID);
	vals[1] = hash;
	vals[2] = ttl;
	if (sl_auth_do(t, "update auth.oauth_authorizations set status = "
	    "'approved', approved_at = now(), authorization_code = $2, "
	    "code_expires_at = now() + make_interval(secs => $3::int) "
	    "where authorization_id = $1", 3, vals) == -1)
		goto out;
	vals[0] = PQgetvalue(r, 0, AC_USER);
	vals[1] = PQgetvalue(r, 0, AC_CLIENT);
	vals[2] = PQgetvalue(r, 0, AC_SCOPE);
	if (sl_auth_do(t, "insert into auth.oauth_consents (id, user_id, "
	    "client_id, scopes, granted_at) values (gen_random_uuid(), "
	    "$1::uuid, $2, $3, now()) on conflict (user_id, client_id) do "
	    "update set scopes = excluded.scopes, granted_at = now(), "
	    "revoked_at = null", 3, vals) == -1)
		goto out;
	kv[0] = "code";
	kv[1] = code;
	kv[2] = "state";
	kv[3] = PQgetvalue(r, 0, AC_STATE);
	kv[4] = NULL;
	rc = sl_oauth_response_url(b, t->req->conf,
	    PQgetvalue(r, 0, AC_REDIRECT), kv);
out:
	explicit_bzero(code, sizeof(code));
	return rc;
}

/* GET /oauth/authorizations/{id} (GoTrue OAuthServerGetAuthorization). */
static void
sl_oauth_authz_get(struct sl_auth_tx *t, const struct sl_auth_caller *who,
    const char *aid)
{
	struct sl_req	*req = t->req;
	PGresult	*r = NULL, *c = NULL;
	json_t		*client = NULL, *body = NULL;
	const char	*vals[3];
	struct buf	 url;
	int		 missing, covered = 0;

	buf_init(&url, SL_OAUTH_URL_MAX);
	if ((r = sl_oauth_authz_lock(t, aid)) == NULL)
		goto out;
	if (strcmp(PQgetvalue(r, 0, AC_STATUS), "pending") != 0) {
		sl_auth_error(req, 400, "validation_failed",
		    "authorization request cannot be processed");
		goto out;
	}
	if (*PQgetvalue(r, 0, AC_USER) == '\0') {
		vals[0] = aid;
		vals[1] = who->uid;
		if (sl_auth_do(t, "update auth.oauth_authorizations set "
		    "user_id = $2::uuid where authorization_id = $1", 2,
		    vals) == -1) {
			sl_auth_internal(req, "error finding authorization");
			goto out;
		}
		/* A consent that covers every requested scope approves at
		 * once (GoTrue's auto-approve). */
		vals[0] = who->uid;
		vals[1] = PQgetvalue(r, 0, AC_CLIENT);
		vals[2] = PQgetvalue(r, 0, AC_SCOPE);
		if ((c = sl_auth_exec(t, "select 1 from auth.oauth_consents "
		    "where user_id = $1::uuid and client_id = $2 and "
		    "revoked_at is null and string_to_array(scopes, ' ') @> "
		    "array_remove(string_to_array($3, ' '), '')", 3,
		    vals)) == NULL) {
			sl_auth_internal(req, "error finding consent");
			goto out;
		}
		covered = PQntuples(c) > 0;
	} else if (strcmp(PQgetvalue(r, 0, AC_USER), who->uid) != 0) {
		log_warn(SL_OAUTH_MOD, "authorization belongs to a different "
		    "user");
		sl_auth_error(req, 404, "oauth_authorization_not_found",
		    "authorization not found");
		goto out;
	}
	if (covered) {
		/* sl_oauth_approve reads the user from the row. */
		PQclear(r);
		if ((r = sl_oauth_authz_lock(t, aid)) == NULL)
			goto out;
		if (sl_oauth_approve(t, r, &url) == -1 ||
		    sl_auth_end(t, 1) == -1) {
			sl_auth_internal(req, "Error auto-approving authorization");
			goto out;
		}
		sl_oauth_reply_redirect_url(req, buf_cstr(&url));
		goto out;
	}
	if ((client = sl_oauth_client_load(t, PQgetvalue(r, 0, AC_CLIENT),
	    &missing)) == NULL) {
		if (missing)
			sl_auth_error(req, 404, "oauth_authorization_not_found",
			    "authorization not found");
		else
			sl_auth_internal(req, "error finding client");
		goto out;
	}
	vals[0] = who->uid;
	PQclear(c);
	if ((c = sl_auth_exec(t, "select coalesce(email, '') from auth.users "
	    "where id = $1::uuid", 1, vals)) == NULL || PQntuples(c) != 1) {
		sl_auth_internal(req, "error finding user");
		goto out;
	}
	body = json_pack("{s:s, s:s, s:{s:s}, s:{s:s}, s:s}",
	    "authorization_id", aid,
	    "redirect_uri", PQgetvalue(r, 0, AC_REDIRECT),
	    "client", "id", sl_oauth_cstr(client, "client_id"),
	    "user", "id", who->uid,
	    "scope", PQgetvalue(r, 0, AC_SCOPE));
	/* GoTrue's omitempty fields. */
	if (body != NULL && (
	    (*sl_oauth_cstr(client, "client_name") != '\0' &&
	    json_object_set_new(json_object_get(body, "client"), "name",
	    json_string(sl_oauth_cstr(client, "client_name"))) == -1) ||
	    (*sl_oauth_cstr(client, "client_uri") != '\0' &&
	    json_object_set_new(json_object_get(body, "client"), "uri",
	    json_string(sl_oauth_cstr(client, "client_uri"))) == -1) ||
	    (*sl_oauth_cstr(client, "logo_uri") != '\0' &&
	    json_object_set_new(json_object_get(body, "client"), "logo_uri",
	    json_string(sl_oauth_cstr(client, "logo_uri"))) == -1) ||
	    (*PQgetvalue(c, 0, 0) != '\0' &&
	    json_object_set_new(json_object_get(body, "user"), "email",
	    json_string(PQgetvalue(c, 0, 0))) == -1))) {
		json_decref(body);
		body = NULL;
	}
	if (body == NULL || sl_auth_end(t, 1) == -1) {
		sl_auth_internal(req, "error finding authorization");
		goto out;
	}
	sl_reply_json(req, 200, NULL, body);
out:
	PQclear(c);
	PQclear(r);
	json_decref(client);
	json_decref(body);
	buf_release(&url);
}

/* POST /oauth/authorizations/{id}/consent {"action":"approve"|"deny"}
 * (GoTrue OAuthServerConsent). */
static void
sl_oauth_authz_consent(struct sl_auth_tx *t, const struct sl_auth_caller *who,
    const char *aid)
{
	struct sl_req	*req = t->req;
	PGresult	*r = NULL;
	json_t		*body;
	const char	*action, *vals[1], *kv[7];
	struct buf	 url;

	buf_init(&url, SL_OAUTH_URL_MAX);
	body = jsonx_loadb(req->body != NULL ? req->body : "", req->bodylen,
	    SL_AUTH_JSON_DEPTH, NULL, 0);
	if (!json_is_object(body)) {
		sl_auth_error(req, 400, "bad_json", "invalid JSON body");
		goto out;
	}
	action = jsonx_str(body, "action");
	if (action == NULL || (strcmp(action, "approve") != 0 &&
	    strcmp(action, "deny") != 0)) {
		sl_auth_error(req, 400, "validation_failed",
		    "action must be 'approve' or 'deny'");
		goto out;
	}
	if ((r = sl_oauth_authz_lock(t, aid)) == NULL)
		goto out;
	if (strcmp(PQgetvalue(r, 0, AC_STATUS), "pending") != 0) {
		sl_auth_error(req, 400, "validation_failed",
		    "authorization request is no longer pending");
		goto out;
	}
	if (strcmp(PQgetvalue(r, 0, AC_USER), who->uid) != 0) {
		log_warn(SL_OAUTH_MOD, "authorization belongs to a different "
		    "user");
		sl_auth_error(req, 404, "oauth_authorization_not_found",
		    "authorization not found");
		goto out;
	}
	if (strcmp(action, "approve") == 0) {
		if (sl_oauth_approve(t, r, &url) == -1) {
			sl_auth_internal(req, "error approving authorization");
			goto out;
		}
	} else {
		vals[0] = aid;
		kv[0] = "error";
		kv[1] = "access_denied";
		kv[2] = "error_description";
		kv[3] = "User denied the request";
		kv[4] = "state";
		kv[5] = PQgetvalue(r, 0, AC_STATE);
		kv[6] = NULL;
		if (sl_auth_do(t, "update auth.oauth_authorizations set "
		    "status = 'denied' where authorization_id = $1", 1,
		    vals) == -1 || sl_oauth_response_url(&url, req->conf,
		    PQgetvalue(r, 0, AC_REDIRECT), kv) == -1) {
			sl_auth_internal(req, "error denying authorization");
			goto out;
		}
	}
	if (sl_auth_end(t, 1) == -1) {
		sl_auth_internal(req, "error storing consent");
		goto out;
	}
	sl_oauth_reply_redirect_url(req, buf_cstr(&url));
out:
	PQclear(r);
	json_decref(body);
	buf_release_secret(&url);
}

static void
sl_oauth_authorizations(struct sl_req *req, const char *rest, int post)
{
	struct sl_auth_tx	 t = { 0 };
	struct sl_auth_caller	 who;
	char			 aid[SL_OAUTH_AUTHZ_ID_LEN * 2 + 1];
	size_t			 n = strcspn(rest, "/");

	if (n == 0 || n >= sizeof(aid) || !strparse_is_vchar(rest, n)) {
		sl_auth_error(req, 404, "oauth_authorization_not_found",
		    "authorization not found");
		return;
	}
	memcpy(aid, rest, n);
	aid[n] = '\0';
	if (sl_gateway_apikey(req) == -1 || sl_oauth_origin_ok(req) == -1)
		return;
	if (sl_auth_begin(&t, req) == -1)
		return;
	if (sl_auth_require(&t, &who) == 0) {
		if (post)
			sl_oauth_authz_consent(&t, &who, aid);
		else
			sl_oauth_authz_get(&t, &who, aid);
	}
	sl_auth_end(&t, 0);
}

/* ------------------------------------------------------------------ */
/* POST /oauth/token                                                   */

/* A token request parameter (owned, NULL when absent): from the JSON
 * body when there is one, else the form body. */
static char *
sl_oauth_tparam(const struct sl_req *req, const json_t *j, const char *name)
{
	const char	*v;

	if (j != NULL)
		return (v = jsonx_str(j, name)) != NULL ? strdup(v) : NULL;
	return sl_query_param(req->body != NULL ? req->body : "", name);
}

/*
 * GoTrue's requireOAuthClientAuth + ExtractClientCredentials: Basic
 * header, else client_id/client_secret in the body. The authenticated
 * client (new reference) or NULL after replying 400 invalid_credentials.
 */
static json_t *
sl_oauth_client_auth(struct sl_auth_tx *t, const json_t *j)
{
	struct sl_req	*req = t->req;
	const char	*a = req->authorization, *method, *reg;
	char		*id = NULL, *secret = NULL, *colon, msg[SL_OAUTH_MSG_MAX];
	struct buf	 dec, h;
	json_t		*client = NULL;
	int		 missing;

	buf_init(&dec, SL_HEADER_MAX);
	buf_init(&h, 128);
	if (a != NULL && strncmp(a, "Basic ", 6) == 0) {
		if (base64_decode(&dec, a + 6, strlen(a + 6),
		    BASE64_STD | BASE64_PAD) == -1 || dec.data == NULL ||
		    memchr(dec.data, '\0', dec.len) != NULL) {
			sl_auth_error(req, 400, "invalid_credentials",
			    "Invalid client credentials: invalid basic auth "
			    "encoding");
			goto out;
		}
		if ((colon = strchr(dec.data, ':')) == NULL) {
			sl_auth_error(req, 400, "invalid_credentials",
			    "Invalid client credentials: invalid basic auth "
			    "format");
			goto out;
		}
		*colon = '\0';
		id = strdup(dec.data);
		secret = strdup(colon + 1);
		method = "client_secret_basic";
	} else {
		id = sl_oauth_tparam(req, j, "client_id");
		secret = sl_oauth_tparam(req, j, "client_secret");
		method = *sl_oauth_s(secret) != '\0' ? "client_secret_post" :
		    "none";
	}
	if (*sl_oauth_s(id) == '\0') {
		sl_auth_error(req, 400, "invalid_credentials",
		    "Invalid client credentials: client_id is required");
		goto out;
	}
	if (!uuid_is_valid(id, strlen(id)) && (!sl_oauth_is_url(id) ||
	    strlen(id) > SL_OAUTH_CLIENT_ID_MAX)) {
		sl_auth_error(req, 400, "invalid_credentials",
		    "Invalid client_id format");
		goto out;
	}
	if ((client = sl_oauth_client_load(t, id, &missing)) == NULL) {
		if (missing)
			sl_auth_error(req, 400, "invalid_credentials",
			    "Invalid client credentials");
		else
			sl_auth_internal(req, "Error validating client "
			    "credentials");
		goto out;
	}
	reg = sl_oauth_cstr(client, "token_endpoint_auth_method");
	if (strcmp(reg, method) != 0) {
		snprintf(msg, sizeof(msg), "invalid authentication method: "
		    "client is registered for '%s' but '%s' was used", reg,
		    method);
		sl_auth_error(req, 400, "invalid_credentials", msg);
		goto fail;
	}
	if (strcmp(sl_oauth_cstr(client, "client_type"), "public") == 0) {
		if (*sl_oauth_s(secret) != '\0') {
			sl_auth_error(req, 400, "invalid_credentials",
			    "public clients must not provide client_secret");
			goto fail;
		}
	} else if (*sl_oauth_s(secret) == '\0') {
		sl_auth_error(req, 400, "invalid_credentials",
		    "confidential clients must provide client_secret");
		goto fail;
	} else if (sl_oauth_s256(secret, &h) == -1 ||
	    !sl_oauth_streq(buf_cstr(&h), sl_oauth_cstr(client,
	    "secret_hash"))) {
		sl_auth_error(req, 400, "invalid_credentials",
		    "invalid client credentials");
		goto fail;
	}
	goto out;
fail:
	json_decref(client);
	client = NULL;
out:
	if (secret != NULL) {
		explicit_bzero(secret, strlen(secret));
		free(secret);
	}
	free(id);
	buf_release_secret(&dec);
	buf_release(&h);
	return client;
}

/* The token response (GoTrue's map, without the user), committing first;
 * RFC 6749 section 5.1 asks for Cache-Control: no-store. */
static void
sl_oauth_reply_tokens(struct sl_auth_tx *t, const char *uid, const char *sid,
    long long amr_ts, const char *client, const char *scopes,
    const char *refresh)
{
	json_t	*user = NULL, *resp = NULL;
	char	*access;

	access = sl_auth_access_token(t, uid, sid, SL_OAUTH_AMR, amr_ts,
	    client, scopes, time(NULL), &user);
	if (access == NULL || (resp = json_pack("{s:s, s:s, s:i, s:s}",
	    "access_token", access, "token_type", "bearer", "expires_in",
	    SL_JWT_EXP, "refresh_token", refresh)) == NULL) {
		sl_auth_end(t, 0);
		sl_auth_internal(t->req, "error generating jwt token");
		goto out;
	}
	if (sl_auth_end(t, 1) == -1) {
		sl_auth_internal(t->req, "Database error granting user");
		goto out;
	}
	sl_reply_json(t->req, 200, "Cache-Control: no-store\r\n", resp);
out:
	if (access != NULL) {
		explicit_bzero(access, strlen(access));
		free(access);
	}
	json_decref(resp);
	json_decref(user);
}

enum sl_oauth_cc {
	CC_AID, CC_CLIENT, CC_USER, CC_REDIRECT, CC_RESOURCE, CC_CHALLENGE,
	CC_SCOPE, CC_EXPIRED, CC__MAX
};

/* grant_type=authorization_code (GoTrue handleAuthorizationCodeGrant). */
static void
sl_oauth_code_grant(struct sl_auth_tx *t, const json_t *j,
    const json_t *client)
{
	struct sl_req	*req = t->req;
	char		*code, *verifier, *ruri, *resource;
	char		 hash[SL_AUTH_HASH_HEX + 1], sid[UUID_STRLEN + 1];
	char		 refresh[SL_REFRESH_TOKEN_LEN + 1] = "";
	const char	*vals[2], *cid = sl_oauth_cstr(client, "client_id");
	PGresult	*r = NULL, *u = NULL;
	struct buf	 s256;
	long long	 created = 0;

	buf_init(&s256, 64);
	code = sl_oauth_tparam(req, j, "code");
	verifier = sl_oauth_tparam(req, j, "code_verifier");
	ruri = sl_oauth_tparam(req, j, "redirect_uri");
	resource = sl_oauth_tparam(req, j, "resource");
	if (*sl_oauth_s(code) == '\0') {
		sl_auth_oauth_error(req, "invalid_request",
		    "code is required for authorization_code grant");
		goto out;
	}
	vals[0] = hash;
	if (strlen(code) > SL_OAUTH_CODE_LEN * 2 ||
	    sl_auth_hash(code, strlen(code), hash) == -1 ||
	    (r = sl_auth_exec(t, "select authorization_id, client_id, "
	    "coalesce(user_id::text, ''), redirect_uri, coalesce(resource, ''), "
	    "code_challenge, scope, code_expires_at <= now() "
	    "from auth.oauth_authorizations where authorization_code = $1 "
	    "and status = 'approved' for update", 1, vals)) == NULL ||
	    PQntuples(r) != 1 || PQnfields(r) != CC__MAX) {
		if (r == NULL && t->sqlstate[0] != '\0')
			sl_auth_internal(req, "Error finding authorization code");
		else
			sl_auth_oauth_error(req, "invalid_grant",
			    "Invalid authorization code");
		goto out;
	}
	if (strcmp(PQgetvalue(r, 0, CC_EXPIRED), "t") == 0) {
		sl_auth_oauth_error(req, "invalid_grant",
		    "Authorization code has expired");
		goto out;
	}
	if (strcmp(PQgetvalue(r, 0, CC_CLIENT), cid) != 0) {
		sl_auth_oauth_error(req, "invalid_grant",
		    "Authorization code was not issued for this client");
		goto out;
	}
	if (*sl_oauth_s(resource) != '\0' &&
	    strcmp(resource, PQgetvalue(r, 0, CC_RESOURCE)) != 0) {
		sl_auth_oauth_error(req, "invalid_grant", "Authorization code "
		    "resource does not match the resource parameter");
		goto out;
	}
	if (*sl_oauth_s(ruri) != '\0' &&
	    strcmp(ruri, PQgetvalue(r, 0, CC_REDIRECT)) != 0) {
		sl_auth_oauth_error(req, "invalid_grant", "Invalid redirect_uri");
		goto out;
	}
	if (*sl_oauth_s(verifier) == '\0') {
		sl_auth_oauth_error(req, "invalid_grant", "PKCE verification "
		    "failed: code_verifier is required when PKCE challenge is "
		    "present");
		goto out;
	}
	/* RFC 7636 section 4.6, compared in constant time. */
	if (sl_oauth_s256(verifier, &s256) == -1 ||
	    !sl_oauth_streq(buf_cstr(&s256), PQgetvalue(r, 0, CC_CHALLENGE))) {
		sl_auth_oauth_error(req, "invalid_grant", "PKCE verification "
		    "failed: code challenge does not match previously saved "
		    "code verifier");
		goto out;
	}
	vals[0] = PQgetvalue(r, 0, CC_USER);
	if (*vals[0] == '\0') {
		sl_auth_oauth_error(req, "invalid_grant",
		    "Authorization code has no associated user");
		goto out;
	}
	if ((u = sl_auth_exec(t, "select coalesce(banned_until > now(), "
	    "false) from auth.users where id = $1::uuid", 1, vals)) == NULL) {
		sl_auth_internal(req, "Error finding user");
		goto out;
	}
	if (PQntuples(u) != 1) {
		sl_auth_oauth_error(req, "invalid_grant",
		    "User not found for authorization code");
		goto out;
	}
	if (strcmp(PQgetvalue(u, 0, 0), "t") == 0) {
		sl_auth_oauth_error(req, "access_denied", "User is banned");
		goto out;
	}
	/* Single use: the authorization goes with its code. */
	vals[1] = PQgetvalue(r, 0, CC_AID);
	if (sl_auth_new_session(t, vals[0], cid, PQgetvalue(r, 0, CC_SCOPE),
	    sid, &created, refresh) == -1 ||
	    sl_auth_do(t, "delete from auth.oauth_authorizations where "
	    "authorization_id = $1", 1, vals + 1) == -1) {
		sl_auth_internal(req, "Error exchanging authorization code");
		goto out;
	}
	sl_oauth_reply_tokens(t, vals[0], sid, created, cid,
	    PQgetvalue(r, 0, CC_SCOPE), refresh);
out:
	explicit_bzero(refresh, sizeof(refresh));
	explicit_bzero(hash, sizeof(hash));
	if (code != NULL)
		explicit_bzero(code, strlen(code));
	if (verifier != NULL)
		explicit_bzero(verifier, strlen(verifier));
	free(code);
	free(verifier);
	free(ruri);
	free(resource);
	PQclear(u);
	PQclear(r);
	buf_release(&s256);
}

/* grant_type=refresh_token (GoTrue handleRefreshTokenGrant): sl_auth.c's
 * rotation, bound to the client. */
static void
sl_oauth_refresh_grant(struct sl_auth_tx *t, const json_t *j,
    const json_t *client)
{
	struct sl_auth_refresh	 rf;
	char			*rt;

	rt = sl_oauth_tparam(t->req, j, "refresh_token");
	if (*sl_oauth_s(rt) == '\0') {
		sl_auth_oauth_error(t->req, "invalid_request",
		    "refresh_token is required for refresh_token grant");
		goto out;
	}
	if (sl_auth_refresh_rotate(t, rt, sl_oauth_cstr(client, "client_id"),
	    &rf) == -1)
		goto out;
	sl_oauth_reply_tokens(t, rf.uid, rf.sid, (long long)rf.created,
	    rf.client, rf.scopes, rf.fresh);
out:
	explicit_bzero(&rf, sizeof(rf));
	if (rt != NULL) {
		explicit_bzero(rt, strlen(rt));
		free(rt);
	}
}

static void
sl_oauth_token(struct sl_req *req)
{
	struct sl_auth_tx t = { 0 };
	json_t		*j = NULL, *client = NULL;
	char		*grant = NULL, msg[SL_OAUTH_MSG_MAX];

	if (req->content_type != NULL &&
	    strstr(req->content_type, "application/json") != NULL &&
	    !json_is_object(j = jsonx_loadb(req->body != NULL ? req->body :
	    "", req->bodylen, SL_AUTH_JSON_DEPTH, NULL, 0))) {
		sl_auth_oauth_error(req, "invalid_request", "Invalid JSON body");
		goto out;
	}
	if (sl_auth_begin(&t, req) == -1)
		goto out;
	if ((client = sl_oauth_client_auth(&t, j)) == NULL)
		goto out;
	grant = sl_oauth_tparam(req, j, "grant_type");
	if (*sl_oauth_s(grant) == '\0') {
		sl_auth_oauth_error(req, "invalid_request",
		    "grant_type is required");
		goto out;
	}
	if (!sl_oauth_has(json_object_get(client, "grant_types"), grant)) {
		snprintf(msg, sizeof(msg), "Client is not allowed to use grant "
		    "type: %.64s", grant);
		sl_auth_oauth_error(req, "unsupported_grant_type", msg);
		goto out;
	}
	if (strcmp(grant, "authorization_code") == 0)
		sl_oauth_code_grant(&t, j, client);
	else
		sl_oauth_refresh_grant(&t, j, client);
out:
	sl_auth_end(&t, 0);
	free(grant);
	json_decref(client);
	json_decref(j);
}

/* ------------------------------------------------------------------ */
/* POST /oauth/clients/register (RFC 7591, GoTrue's DCR)               */

/* GoTrue's OAuthServerClientRegisterParams.validate, in its order;
 * *type and *method get the values to store. NULL when fine. */
static const char *
sl_oauth_register_bad(const json_t *j, const char **type,
    const char **method, char *msg, size_t msglen)
{
	const char	*t, *m, *want, *why;

	if ((why = sl_oauth_redirect_uris_bad(json_object_get(j,
	    "redirect_uris"), msg, msglen)) != NULL)
		return why;
	if (sl_oauth_doc_str(j, "client_name", SIZE_MAX) != NULL &&
	    strlen(sl_oauth_doc_str(j, "client_name", SIZE_MAX)) >
	    SL_OAUTH_NAME_MAX)
		return "client_name cannot exceed 1024 characters";
	if (!sl_oauth_uri_ok(sl_oauth_s(sl_oauth_doc_str(j, "client_uri",
	    SIZE_MAX))))
		return "client_uri must be a valid URL";
	if (!sl_oauth_uri_ok(sl_oauth_s(sl_oauth_doc_str(j, "logo_uri",
	    SIZE_MAX))))
		return "logo_uri must be a valid URL";
	t = sl_oauth_s(sl_oauth_doc_str(j, "client_type", 64));
	if (*t != '\0' && strcmp(t, "public") != 0 &&
	    strcmp(t, "confidential") != 0)
		return "client_type must be 'public' or 'confidential'";
	m = sl_oauth_s(sl_oauth_doc_str(j, "token_endpoint_auth_method", 64));
	if (*m != '\0' && strcmp(m, "none") != 0 &&
	    strcmp(m, "client_secret_basic") != 0 &&
	    strcmp(m, "client_secret_post") != 0)
		return "token_endpoint_auth_method must be one of: [none "
		    "client_secret_basic client_secret_post]";
	want = strcmp(m, "none") == 0 ? "public" : "confidential";
	if (*t != '\0' && *m != '\0' && strcmp(t, want) != 0) {
		snprintf(msg, msglen, "client_type '%s' is inconsistent with "
		    "token_endpoint_auth_method '%s' (expected client_type "
		    "'%s')", t, m, want);
		return msg;
	}
	/* DetermineClientType: explicit, else from the method, else
	 * confidential; the method defaults by type. */
	*type = *t != '\0' ? t : *m != '\0' ? want : "confidential";
	*method = *m != '\0' ? m : strcmp(*type, "public") == 0 ? "none" :
	    "client_secret_basic";
	return NULL;
}

static void
sl_oauth_register(struct sl_req *req)
{
	struct sl_auth_tx t = { 0 };
	json_t		*j = NULL, *g = NULL, *c = NULL, *resp = NULL;
	const char	*why, *type = NULL, *method = NULL, *vals[9];
	const char	*strs[] = { "client_name", "client_uri", "logo_uri",
			    "client_type", "token_endpoint_auth_method", NULL };
	char		 msg[SL_OAUTH_MSG_MAX], raw[SL_OAUTH_SECRET_BYTES];
	struct buf	 ru, gt, secret, hash;
	PGresult	*r = NULL;
	size_t		 i;
	int		 missing, confidential;

	buf_init(&ru, SL_BODY_MAX);
	buf_init(&gt, 256);
	buf_init(&secret, 128);
	buf_init(&hash, 128);
	if (!req->conf->oauth_dcr) {
		sl_auth_error(req, 403,
		    "oauth_dynamic_client_registration_disabled",
		    "Dynamic client registration is not enabled");
		goto out;
	}
	j = jsonx_loadb(req->body != NULL ? req->body : "", req->bodylen,
	    SL_AUTH_JSON_DEPTH, NULL, 0);
	for (i = 0; json_is_object(j) && strs[i] != NULL; i++)
		if (sl_oauth_doc_str(j, strs[i], SIZE_MAX) == NULL)
			break;
	/* Go's decoder refuses a member of the wrong type. */
	if (!json_is_object(j) || strs[i] != NULL ||
	    (json_object_get(j, "redirect_uris") != NULL &&
	    !json_is_array(json_object_get(j, "redirect_uris"))) ||
	    (json_object_get(j, "grant_types") != NULL &&
	    !json_is_null(json_object_get(j, "grant_types")) &&
	    !json_is_array(json_object_get(j, "grant_types")))) {
		sl_auth_error(req, 400, "bad_json", "Invalid JSON body");
		goto out;
	}
	if ((why = sl_oauth_register_bad(j, &type, &method, msg,
	    sizeof(msg))) != NULL) {
		sl_auth_error(req, 400, "validation_failed", why);
		goto out;
	}
	if ((g = sl_oauth_grant_types(json_object_get(j, "grant_types"))) ==
	    NULL) {
		sl_auth_error(req, 400, "validation_failed", "grant_types must "
		    "only contain 'authorization_code' and/or 'refresh_token'");
		goto out;
	}
	confidential = strcmp(type, "confidential") == 0;
	if (confidential && (crypto_random(raw, sizeof(raw)) == -1 ||
	    base64_encode(&secret, raw, sizeof(raw), BASE64_URL) == -1 ||
	    sl_oauth_s256(buf_cstr(&secret), &hash) == -1)) {
		sl_auth_internal(req, "failed to generate client secret");
		goto out;
	}
	if (jsonx_dumpb(&ru, json_object_get(j, "redirect_uris")) == -1 ||
	    jsonx_dumpb(&gt, g) == -1) {
		sl_auth_internal(req, "out of memory");
		goto out;
	}
	if (sl_auth_begin(&t, req) == -1)
		goto out;
	vals[0] = type;
	vals[1] = method;
	vals[2] = buf_cstr(&ru);
	vals[3] = buf_cstr(&gt);
	vals[4] = sl_oauth_s(sl_oauth_doc_str(j, "client_name", SIZE_MAX));
	vals[5] = sl_oauth_s(sl_oauth_doc_str(j, "client_uri", SIZE_MAX));
	vals[6] = sl_oauth_s(sl_oauth_doc_str(j, "logo_uri", SIZE_MAX));
	vals[7] = confidential ? buf_cstr(&hash) : NULL;
	if ((r = sl_auth_exec(&t, "insert into auth.oauth_clients (id, "
	    "registration_type, client_type, token_endpoint_auth_method, "
	    "redirect_uris, grant_types, client_name, client_uri, logo_uri, "
	    "client_secret_hash, created_at, updated_at) values "
	    "(gen_random_uuid()::text, 'dynamic', $1, $2, $3::jsonb, "
	    "$4::jsonb, nullif($5, ''), nullif($6, ''), nullif($7, ''), $8, "
	    "now(), now()) returning id", 8, vals)) == NULL ||
	    PQntuples(r) != 1 ||
	    (c = sl_oauth_client_load(&t, PQgetvalue(r, 0, 0),
	    &missing)) == NULL || sl_auth_end(&t, 1) == -1) {
		sl_auth_internal(req, "failed to create OAuth client");
		goto out;
	}
	/* GoTrue's OAuthServerClientResponse, omitempty where it has it. */
	resp = json_pack("{s:O, s:O, s:O, s:O, s:O, s:[s], s:s, s:O, s:O}",
	    "client_id", json_object_get(c, "client_id"),
	    "client_type", json_object_get(c, "client_type"),
	    "redirect_uris", json_object_get(c, "redirect_uris"),
	    "token_endpoint_auth_method",
	    json_object_get(c, "token_endpoint_auth_method"),
	    "grant_types", json_object_get(c, "grant_types"),
	    "response_types", "code",
	    "registration_type", "dynamic",
	    "created_at", json_object_get(c, "created_at"),
	    "updated_at", json_object_get(c, "updated_at"));
	for (i = 0; resp != NULL && i < 3; i++)
		if (*sl_oauth_cstr(c, strs[i]) != '\0' &&
		    json_object_set(resp, strs[i],
		    json_object_get(c, strs[i])) == -1) {
			json_decref(resp);
			resp = NULL;
		}
	if (resp != NULL && confidential &&
	    json_object_set_new(resp, "client_secret",
	    json_string(buf_cstr(&secret))) == -1) {
		json_decref(resp);
		resp = NULL;
	}
	if (resp == NULL) {
		sl_auth_internal(req, "out of memory");
		goto out;
	}
	sl_reply_json(req, 201, NULL, resp);
out:
	sl_auth_end(&t, 0);
	explicit_bzero(raw, sizeof(raw));
	PQclear(r);
	json_decref(resp);	/* held the secret: jansson frees it */
	json_decref(c);
	json_decref(g);
	json_decref(j);
	buf_release(&ru);
	buf_release(&gt);
	buf_release_secret(&secret);
	buf_release(&hash);
}

/* ------------------------------------------------------------------ */
/* /user/oauth/grants                                                  */

/* GET: the user's active consents (GoTrue UserListOAuthGrants). */
static void
sl_oauth_grants_list(struct sl_auth_tx *t, const struct sl_auth_caller *who)
{
	const char	*vals[1] = { who->uid };
	PGresult	*r;
	json_t		*a = NULL;

	r = sl_auth_exec(t, "select coalesce(json_agg(json_build_object("
	    "'client', json_strip_nulls(json_build_object('id', c.id, "
	    "'name', nullif(c.client_name, ''), 'uri', nullif(c.client_uri, ''), "
	    "'logo_uri', nullif(c.logo_uri, ''))), "
	    "'scopes', array_remove(string_to_array(g.scopes, ' '), ''), "
	    "'granted_at', " SL_AUTH_TS("g.granted_at") ") "
	    "order by g.granted_at), '[]')::text "
	    "from auth.oauth_consents g join auth.oauth_clients c "
	    "on c.id = g.client_id and c.deleted_at is null "
	    "where g.user_id = $1::uuid and g.revoked_at is null", 1, vals);
	if (r == NULL || PQntuples(r) != 1 ||
	    (a = jsonx_loadb(PQgetvalue(r, 0, 0),
	    (size_t)PQgetlength(r, 0, 0), SL_AUTH_JSON_DEPTH, NULL, 0)) ==
	    NULL || sl_auth_end(t, 1) == -1) {
		sl_auth_internal(t->req, "Error fetching OAuth grants");
		goto out;
	}
	sl_reply_json(t->req, 200, NULL, a);
out:
	json_decref(a);
	PQclear(r);
}

/* DELETE ?client_id=: revoke the consent and end the client's sessions
 * (GoTrue UserRevokeOAuthGrant). */
static void
sl_oauth_grants_revoke(struct sl_auth_tx *t, const struct sl_auth_caller *who)
{
	struct sl_req	*req = t->req;
	char		*cid = sl_query_param(req->query, "client_id");
	const char	*vals[2];
	PGresult	*r = NULL;

	if (*sl_oauth_s(cid) == '\0') {
		sl_auth_error(req, 400, "validation_failed",
		    "client_id query parameter is required");
		goto out;
	}
	if (!uuid_is_valid(cid, strlen(cid)) && (!sl_oauth_is_url(cid) ||
	    strlen(cid) > SL_OAUTH_CLIENT_ID_MAX)) {
		sl_auth_error(req, 400, "validation_failed",
		    "invalid client_id format");
		goto out;
	}
	vals[0] = who->uid;
	vals[1] = cid;
	if ((r = sl_auth_exec(t, "update auth.oauth_consents set revoked_at = "
	    "now() where user_id = $1::uuid and client_id = $2 and "
	    "revoked_at is null returning 1", 2, vals)) == NULL) {
		sl_auth_internal(req, "Error finding consent");
		goto out;
	}
	if (PQntuples(r) == 0) {
		sl_auth_error(req, 404, "oauth_consent_not_found",
		    "No active grant found for this client");
		goto out;
	}
	/* Its refresh tokens go with the sessions (on delete cascade). */
	if (sl_auth_do(t, "delete from auth.sessions where user_id = $1::uuid "
	    "and oauth_client_id = $2", 2, vals) == -1 ||
	    sl_auth_end(t, 1) == -1) {
		sl_auth_internal(req, "Error revoking grant");
		goto out;
	}
	sl_reply(req, 204, NULL, NULL, NULL, 0);
out:
	PQclear(r);
	free(cid);
}

static void
sl_oauth_grants(struct sl_req *req, int del)
{
	struct sl_auth_tx	 t = { 0 };
	struct sl_auth_caller	 who;

	if (sl_gateway_apikey(req) == -1 || sl_auth_begin(&t, req) == -1)
		return;
	if (sl_auth_require(&t, &who) == 0) {
		if (del)
			sl_oauth_grants_revoke(&t, &who);
		else
			sl_oauth_grants_list(&t, &who);
	}
	sl_auth_end(&t, 0);
}

/* ------------------------------------------------------------------ */
/* Routes                                                              */

int
sl_oauth_handle(struct sl_req *req, const char *sub)
{
	static const char authz[] = "/oauth/authorizations/";
	const char	*m = req->method, *rest;
	int		 get = strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
	int		 post = strcmp(m, "POST") == 0;
	int		 del = strcmp(m, "DELETE") == 0;
	size_t		 n;
	int		 ok;

	if (strcmp(sub, "/.well-known/oauth-authorization-server") == 0) {
		if (get)
			sl_oauth_discovery(req);
		else
			sl_auth_error(req, 405, "method_not_allowed",
			    "Method Not Allowed");
		return 1;
	}
	if (strncmp(sub, "/oauth/", 7) != 0 &&
	    strcmp(sub, "/user/oauth/grants") != 0)
		return 0;
	if (sl_oauth_off(req))
		return 1;
	ok = 1;
	if (strcmp(sub, "/oauth/authorize") == 0) {
		if ((ok = get))
			sl_oauth_authorize(req);
	} else if (strcmp(sub, "/oauth/token") == 0) {
		if ((ok = post))
			sl_oauth_token(req);
	} else if (strcmp(sub, "/oauth/clients/register") == 0) {
		if ((ok = post))
			sl_oauth_register(req);
	} else if (strcmp(sub, "/user/oauth/grants") == 0) {
		if ((ok = get || del))
			sl_oauth_grants(req, del);
	} else if (strncmp(sub, authz, sizeof(authz) - 1) == 0) {
		rest = sub + sizeof(authz) - 1;
		n = strcspn(rest, "/");
		if (rest[n] == '\0') {
			if ((ok = get))
				sl_oauth_authorizations(req, rest, 0);
		} else if (strcmp(rest + n, "/consent") == 0) {
			if ((ok = post))
				sl_oauth_authorizations(req, rest, 1);
		} else
			ok = -1;
	} else
		ok = -1;
	if (ok == 0)
		sl_auth_error(req, 405, "method_not_allowed",
		    "Method Not Allowed");
	else if (ok == -1)
		sl_auth_error(req, 404, "not_found", "Not Found");
	return 1;
}
