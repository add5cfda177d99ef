/*
 * consent.c -- the OAuth consent page; see consent.h.
 *
 * All of Supabase is reached through store/supa (lib/httpc): the
 * authorizations API and the password grant of Supabase Auth
 * (docs/supabase-local.md "OAuth 2.1 server"), and PostgREST for the
 * user's tenants, their servers and public.oauth_grants, always with the
 * user's own token so that Row Level Security decides (the password grant
 * alone goes with the server's key, as any sign-in). Nothing here is
 * cached between requests.
 *
 * The session is the user's Supabase access token in the cookie
 * CONSENT_COOKIE (HttpOnly, SameSite=Lax, Secure over https, no Path: the
 * browser scopes it to /oauth/consent, the sign-in's directory, also
 * under a cgi-bin prefix). The CSRF token is HKDF-SHA256 of the master
 * key (else the Supabase secret key) over the authorization id and the
 * SHA-256 of the session token: bound to both, unguessable without the
 * key, stateless.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "api/consent.h"
#include "base64.h"
#include "buf.h"
#include "crypto.h"
#include "httpc.h"
#include "jsonx.h"
#include "log.h"
#include "http/request.h"
#include "http/response.h"
#include "store/supa.h"
#include "strparse.h"

#define CONSENT_MOD		"consent"
#define CONSENT_COOKIE		"mcp_consent"
#define CONSENT_HTML		"text/html; charset=utf-8"
#define CONSENT_CSRF_BYTES	32
#define CONSENT_JSON_DEPTH	16

/* One parsed form or query (the fields this page reads). */
struct consent_form {
	char	*aid;		/* authorization_id */
	char	*csrf;
	char	*action;	/* approve | deny */
	char	*tenant;	/* slug */
	char	*email;
	char	*password;	/* wiped on release */
	json_t	*servers;	/* "tenant/alias" strings, in order */
};

static void
consent_form_release(struct consent_form *f)
{
	free(f->aid);
	free(f->csrf);
	free(f->action);
	free(f->tenant);
	free(f->email);
	if (f->password != NULL) {
		explicit_bzero(f->password, strlen(f->password));
		free(f->password);
	}
	json_decref(f->servers);
	memset(f, 0, sizeof(*f));
}

/* Parse (p, len); -1 on a malformed text, a repeated single field or too
 * many servers. */
static int
consent_form_parse(const char *p, size_t len, struct consent_form *f)
{
	static const char *const names[] = {
		"authorization_id", "csrf", "action", "tenant", "email",
		"password", NULL
	};
	char		**slots[6];
	const char	*end = p + len;
	struct buf	 n, v;
	size_t		 i;
	int		 r, rc = -1;

	slots[0] = &f->aid;
	slots[1] = &f->csrf;
	slots[2] = &f->action;
	slots[3] = &f->tenant;
	slots[4] = &f->email;
	slots[5] = &f->password;
	buf_init(&n, LIMIT_CONSENT_FIELD);
	buf_init(&v, LIMIT_CONSENT_FIELD);
	if ((f->servers = json_array()) == NULL)
		goto out;
	while ((r = strparse_form_next(&p, end, &n, &v)) == 1) {
		if (strcmp(buf_cstr(&n), "server") == 0) {
			if (json_array_size(f->servers) >= LIMIT_CONSENT_SERVERS ||
			    json_array_append_new(f->servers,
			    json_string(buf_cstr(&v))) == -1)
				goto out;
			continue;
		}
		for (i = 0; names[i] != NULL; i++)
			if (strcmp(buf_cstr(&n), names[i]) == 0)
				break;
		if (names[i] == NULL)
			continue;	/* the submit buttons' names etc. */
		if (*slots[i] != NULL ||
		    (*slots[i] = strdup(buf_cstr(&v))) == NULL)
			goto out;
	}
	rc = r == 0 ? 0 : -1;
out:
	buf_release_secret(&v);
	buf_release(&n);
	return rc;
}

/* An authorization id as Supabase Auth makes them: [A-Za-z0-9]{1,64}. */
static int
consent_aid_ok(const char *s)
{
	size_t	 i;

	if (s == NULL || *s == '\0' || strlen(s) > 64)
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
			return 0;
	return 1;
}

/* HTML-escape s into out (text and double-quoted attribute values). */
static int
consent_esc(struct buf *out, const char *s)
{
	int	 rc = 0;

	for (; s != NULL && *s != '\0' && rc == 0; s++)
		switch (*s) {
		case '&':
			rc = buf_appends(out, "&amp;");
			break;
		case '<':
			rc = buf_appends(out, "&lt;");
			break;
		case '>':
			rc = buf_appends(out, "&gt;");
			break;
		case '"':
			rc = buf_appends(out, "&quot;");
			break;
		case '\'':
			rc = buf_appends(out, "&#39;");
			break;
		default:
			rc = buf_appendc(out, *s);
		}
	return rc;
}

/* The headers every answer of this page carries. */
static void
consent_headers(struct request *req)
{
	(void)response_header(req, "Content-Security-Policy",
	    "frame-ancestors 'none'; default-src 'self'");
	(void)response_header(req, "X-Frame-Options", "DENY");
	/* same-origin, not no-referrer: under no-referrer Chromium sends
	 * "Origin: null" with the page's own form posts, which the Origin
	 * check must refuse; other origins (the client) still get no
	 * Referer, so the authorization id does not leak. */
	(void)response_header(req, "Referrer-Policy", "same-origin");
	(void)response_header(req, "X-Content-Type-Options", "nosniff");
}

/* A whole HTML page around main (trusted HTML). */
static int
consent_page(struct request *req, int status, const char *title,
    const struct buf *main)
{
	struct buf	 b;
	int		 rc;

	buf_init(&b, LIMIT_CONSENT_PAGE);
	if (buf_appends(&b, "<!doctype html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\"><meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\"><title>") == -1 ||
	    consent_esc(&b, title) == -1 ||
	    buf_appends(&b, "</title></head>\n<body><main>\n") == -1 ||
	    buf_append(&b, main->data != NULL ? main->data : "",
	    main->len) == -1 ||
	    buf_appends(&b, "\n</main></body></html>\n") == -1) {
		buf_release(&b);
		return response_error(req, 500, NULL, "page too large");
	}
	consent_headers(req);
	rc = response_send(req, status, CONSENT_HTML, b.data, b.len);
	buf_release(&b);
	return rc;
}

/* A page with a heading and one paragraph (both plain text). */
static int
consent_message(struct request *req, int status, const char *title,
    const char *msg)
{
	struct buf	 m;
	int		 rc;

	buf_init(&m, LIMIT_CONSENT_PAGE);
	if ((buf_appends(&m, "<h1>") | consent_esc(&m, title) |
	    buf_appends(&m, "</h1>\n<p>") | consent_esc(&m, msg) |
	    buf_appends(&m, "</p>")) != 0)
		rc = response_error(req, 500, NULL, "page too large");
	else
		rc = consent_page(req, status, title, &m);
	buf_release(&m);
	return rc;
}

/* The sign-in form, msg (plain text) above it when not NULL. */
static int
consent_login_page(struct request *req, int status, const char *aid,
    const char *msg, int clear_cookie)
{
	struct buf	 m;
	int		 rc, bad;

	buf_init(&m, LIMIT_CONSENT_PAGE);
	if (clear_cookie)
		(void)response_header(req, "Set-Cookie", CONSENT_COOKIE
		    "=; Max-Age=0; HttpOnly; SameSite=Lax");
	bad = buf_appends(&m, "<h1>Sign in to continue</h1>\n");
	if (msg != NULL)
		bad |= buf_appends(&m, "<p role=\"alert\">") |
		    consent_esc(&m, msg) | buf_appends(&m, "</p>\n");
	/* Relative: /oauth/consent/login, also under a cgi-bin prefix. */
	bad |= buf_appends(&m, "<form method=\"post\" action=\"consent/login\">\n"
	    "<input type=\"hidden\" name=\"authorization_id\" value=\"") |
	    consent_esc(&m, aid) |
	    buf_appends(&m, "\">\n<p><label>Email <input type=\"email\" "
	    "name=\"email\" autocomplete=\"username\" required></label></p>\n"
	    "<p><label>Password <input type=\"password\" name=\"password\" "
	    "autocomplete=\"current-password\" required></label></p>\n"
	    "<p><button type=\"submit\">Sign in</button></p>\n</form>");
	if (bad)
		rc = response_error(req, 500, NULL, "page too large");
	else
		rc = consent_page(req, status, "Sign in", &m);
	buf_release(&m);
	return rc;
}

/* 303 to url (Supabase's redirect_url, or our own page). */
static int
consent_redirect(struct request *req, const char *url)
{
	consent_headers(req);
	if (response_header(req, "Location", url) == -1)
		return consent_message(req, 502, "Error",
		    "The authorization server sent an unusable address.");
	return response_send(req, 303, NULL, NULL, 0);
}

/* The session token from the Cookie header (borrowed into out), or NULL. */
static const char *
consent_cookie(const struct request *req, struct buf *out)
{
	const char	*c = request_env(req, "HTTP_COOKIE"), *p, *e;
	size_t		 nlen = strlen(CONSENT_COOKIE);

	for (p = c; p != NULL && *p != '\0'; p = *e != '\0' ? e + 1 : e) {
		while (*p == ' ')
			p++;
		e = p + strcspn(p, ";");
		if ((size_t)(e - p) > nlen + 1 &&
		    strncmp(p, CONSENT_COOKIE "=", nlen + 1) == 0) {
			buf_reset(out);
			if (buf_append(out, p + nlen + 1,
			    (size_t)(e - p) - nlen - 1) == -1 ||
			    !strparse_is_vchar(out->data, out->len))
				return NULL;
			return buf_cstr(out);
		}
	}
	return NULL;
}

/* The CSRF token for (aid, session token), base64url, into out. */
static int
consent_csrf(const struct request *req, const char *aid, const char *token,
    struct buf *out)
{
	const struct buf *key = req->cfg->master_key.len > 0 ?
	    &req->cfg->master_key : &req->cfg->supabase_secret_key;
	unsigned char	 md[EVP_MAX_MD_SIZE], mac[CONSENT_CSRF_BYTES];
	unsigned int	 mdlen = 0, i;
	struct buf	 info;
	int		 rc = -1;

	buf_init(&info, 256);
	if (key->len == 0 || EVP_Digest(token, strlen(token), md, &mdlen,
	    EVP_sha256(), NULL) != 1 ||
	    buf_printf(&info, "mcp-platform consent csrf v1 %s ", aid) == -1)
		goto out;
	for (i = 0; i < mdlen; i++)
		if (buf_printf(&info, "%02x", md[i]) == -1)
			goto out;
	if (crypto_hkdf_sha256(key->data, key->len, buf_cstr(&info), mac,
	    sizeof(mac)) == -1)
		goto out;
	buf_reset(out);
	rc = base64_encode(out, mac, sizeof(mac), BASE64_URL);
out:
	explicit_bzero(mac, sizeof(mac));
	buf_release(&info);
	return rc;
}

/*
 * One call to Supabase as the user (token) or, token NULL, as the
 * platform; *json gets the parsed body (new reference, NULL when it is
 * not JSON). The HTTP status, or -1 when no answer came (logged).
 */
static long
consent_supa(struct request *req, const char *method, const char *path,
    const char *token, const json_t *body, json_t **json)
{
	struct supa_call	 c;
	struct httpc_response	 resp;
	struct buf		 b;
	char			 why[256];
	long			 status = -1;

	*json = NULL;
	memset(&c, 0, sizeof(c));
	buf_init(&b, LIMIT_CONSENT_PAGE);
	c.method = method;
	c.path = path;
	c.user_token = token;
	if (body != NULL) {
		if (jsonx_dumpb(&b, body) == -1)
			goto out;
		c.body = b.data;
		c.bodylen = b.len;
	}
	if (strcmp(method, "POST") == 0 && strncmp(path, "/rest/", 6) == 0)
		c.prefer = "return=minimal";
	httpc_response_init(&resp);
	if (supa_perform(req->cfg, &c, &resp, why, sizeof(why)) == -1) {
		log_error(CONSENT_MOD, "%s", why);
	} else {
		status = resp.status;
		*json = jsonx_loadb(resp.body.data != NULL ? resp.body.data : "",
		    resp.body.len, CONSENT_JSON_DEPTH, NULL, 0);
	}
	httpc_response_release(&resp);
out:
	buf_release_secret(&b);
	return status;
}

/* "/auth/v1/oauth/authorizations/<aid>[suffix]" into b. */
static int
consent_authz_path(struct buf *b, const char *aid, const char *suffix)
{
	buf_reset(b);
	return buf_printf(b, "/auth/v1/oauth/authorizations/%s%s", aid,
	    suffix);
}

/*
 * The authorization's details as the user sees them. Returns 200 with
 * *details set, or the page already answered (0/-1 from the response
 * functions, returned by the caller): sign-in again on 401/403,
 * 303 to redirect_url when Supabase approved it at once.
 */
static int
consent_details(struct request *req, const char *aid, const char *token,
    json_t **details, int *answered)
{
	struct buf	 path;
	const char	*url;
	long		 st;
	int		 rc = 0;

	*answered = 1;
	buf_init(&path, 256);
	if (consent_authz_path(&path, aid, "") == -1) {
		rc = consent_message(req, 400, "Bad request", "Bad request.");
		goto out;
	}
	st = consent_supa(req, "GET", buf_cstr(&path), token, NULL, details);
	if (st == -1 || st >= 500)
		rc = consent_message(req, 503, "Unavailable",
		    "The authorization server is unavailable; try again.");
	else if (st == 401 || st == 403)
		rc = consent_login_page(req, 401, aid,
		    "Your session has ended; sign in again.", 1);
	else if (st == 404)
		rc = consent_message(req, 404, "Not found", "This authorization "
		    "request does not exist or has expired; start again from "
		    "your application.");
	else if (st != 200 || !json_is_object(*details))
		rc = consent_message(req, 400, "Cannot continue", "This "
		    "authorization request cannot be processed any more.");
	else if (jsonx_str(*details, "authorization_id") == NULL &&
	    (url = jsonx_str(*details, "redirect_url")) != NULL)
		/* A consent given before covers it (Supabase approved it). */
		rc = consent_redirect(req, url);
	else
		*answered = 0;
	if (*answered) {
		json_decref(*details);
		*details = NULL;
	}
out:
	buf_release(&path);
	return rc;
}

/* The host of a client URI (display only), into out. */
static void
consent_host(const char *uri, struct buf *out)
{
	const char	*h;
	size_t		 n;

	if (uri == NULL || (h = strstr(uri, "://")) == NULL)
		return;
	h += 3;
	n = strcspn(h, "/?#");
	if (memchr(h, '@', n) != NULL)
		return;
	(void)buf_append(out, h, n);
}

/* The consent form for details (Supabase's), tenants and their servers
 * (PostgREST's rows). */
static int
consent_render(struct request *req, const json_t *details,
    const json_t *tenants, const json_t *servers, const char *aid,
    const char *csrf)
{
	const json_t	*client = json_object_get(details, "client");
	const json_t	*t, *s;
	const char	*name, *slug;
	struct buf	 m, host;
	size_t		 i, j, nt = 0;
	int		 rc, bad = 0;

	buf_init(&m, LIMIT_CONSENT_PAGE);
	buf_init(&host, 512);
	name = jsonx_str(client, "name");
	if (name == NULL || *name == '\0')
		name = jsonx_str(client, "id");
	consent_host(jsonx_str(client, "uri"), &host);
	bad |= buf_appends(&m, "<h1>Allow ") | consent_esc(&m, name) |
	    buf_appends(&m, "?</h1>\n<p><strong>") | consent_esc(&m, name) |
	    buf_appends(&m, "</strong>");
	if (host.len > 0)
		bad |= buf_appends(&m, " (") | consent_esc(&m, buf_cstr(&host)) |
		    buf_appends(&m, ")");
	bad |= buf_appends(&m, " asks to use MCP servers on your behalf, "
	    "signed in as ") |
	    consent_esc(&m, jsonx_str(json_object_get(details, "user"),
	    "email")) |
	    buf_appends(&m, ".</p>\n<p>Scopes: ") |
	    consent_esc(&m, jsonx_str(details, "scope")) |
	    buf_appends(&m, "</p>\n<form method=\"post\" action=\"consent\">\n"
	    "<input type=\"hidden\" name=\"authorization_id\" value=\"") |
	    consent_esc(&m, aid) |
	    buf_appends(&m, "\">\n<input type=\"hidden\" name=\"csrf\" value=\"") |
	    consent_esc(&m, csrf) | buf_appends(&m, "\">\n");
	json_array_foreach(tenants, i, t) {
		if ((slug = jsonx_str(t, "slug")) == NULL)
			continue;
		nt++;
		bad |= buf_appends(&m, "<fieldset><legend><label><input "
		    "type=\"radio\" name=\"tenant\" required value=\"") |
		    consent_esc(&m, slug) | buf_appends(&m, "\"") |
		    buf_appends(&m, nt == 1 ? " checked> " : "> ") |
		    consent_esc(&m, jsonx_str(t, "name")) |
		    buf_appends(&m, " (") | consent_esc(&m, slug) |
		    buf_appends(&m, ")</label></legend>\n");
		json_array_foreach(servers, j, s) {
			if (!jsonx_str(s, "tenant_id") || !jsonx_str(t, "id") ||
			    strcmp(jsonx_str(s, "tenant_id"),
			    jsonx_str(t, "id")) != 0)
				continue;
			bad |= buf_appends(&m, "<label><input type=\"checkbox\" "
			    "name=\"server\" checked value=\"") |
			    consent_esc(&m, slug) | buf_appends(&m, "/") |
			    consent_esc(&m, jsonx_str(s, "alias")) |
			    buf_appends(&m, "\"> ") |
			    consent_esc(&m, jsonx_str(s, "alias")) |
			    buf_appends(&m, "</label>\n");
		}
		bad |= buf_appends(&m, "</fieldset>\n");
	}
	if (nt == 0)
		bad |= buf_appends(&m, "<p>You belong to no tenant yet, so there "
		    "is nothing to grant.</p>\n");
	else
		bad |= buf_appends(&m, "<p>Only the servers ticked under the "
		    "chosen tenant are granted.</p>\n<button type=\"submit\" "
		    "name=\"action\" value=\"approve\">Allow</button>\n");
	bad |= buf_appends(&m, "<button type=\"submit\" name=\"action\" "
	    "value=\"deny\" formnovalidate>Deny</button>\n</form>");
	if (bad)
		rc = response_error(req, 500, NULL, "page too large");
	else
		rc = consent_page(req, 200, "Authorize", &m);
	buf_release(&m);
	buf_release(&host);
	return rc;
}

/* GET /oauth/consent?authorization_id= */
int
consent_get(struct request *req, const struct route_params *rp)
{
	struct consent_form	 f;
	struct buf		 tok, csrf;
	const char		*token;
	json_t			*details = NULL, *tenants = NULL, *servers = NULL;
	long			 st1, st2;
	int			 rc, answered;

	(void)rp;
	memset(&f, 0, sizeof(f));
	buf_init(&tok, LIMIT_JWT_LEN);
	buf_init(&csrf, 128);
	if (consent_form_parse(req->query, strlen(req->query), &f) == -1 ||
	    !consent_aid_ok(f.aid)) {
		rc = consent_message(req, 400, "Bad request", "This page needs "
		    "the authorization_id your application's sign-in sent.");
		goto out;
	}
	if ((token = consent_cookie(req, &tok)) == NULL) {
		rc = consent_login_page(req, 200, f.aid, NULL, 0);
		goto out;
	}
	rc = consent_details(req, f.aid, token, &details, &answered);
	if (answered)
		goto out;
	st1 = consent_supa(req, "GET", "/rest/v1/tenants?select=id,slug,name"
	    "&status=eq.active&order=slug", token, NULL, &tenants);
	st2 = consent_supa(req, "GET", "/rest/v1/tenant_servers?select="
	    "tenant_id,alias&enabled=is.true&order=alias", token, NULL,
	    &servers);
	if (st1 != 200 || st2 != 200 || !json_is_array(tenants) ||
	    !json_is_array(servers) ||
	    consent_csrf(req, f.aid, token, &csrf) == -1) {
		rc = consent_message(req, 503, "Unavailable",
		    "Your tenants cannot be listed now; try again.");
		goto out;
	}
	rc = consent_render(req, details, tenants, servers, f.aid,
	    buf_cstr(&csrf));
out:
	consent_form_release(&f);
	json_decref(details);
	json_decref(tenants);
	json_decref(servers);
	buf_release_secret(&tok);
	buf_release(&csrf);
	return rc;
}

/*
 * The checks every POST passes: an Origin, when sent, is this platform's
 * (the page posts to itself; a cross-site form cannot); a form body;
 * parsed into f. 0, or -1 with *rc the answer.
 */
static int
consent_post_begin(struct request *req, struct consent_form *f, int *rc)
{
	struct buf	 base;
	const char	*why;
	char		 c;
	int		 ok;

	buf_init(&base, LIMIT_URL + LIMIT_PATH);
	/* The Origin is the base URL's scheme://host[:port] part. */
	ok = req->origin == NULL || *req->origin == '\0';
	if (!ok && request_base_url(req, &base) == 0 &&
	    strncmp(buf_cstr(&base), req->origin, strlen(req->origin)) == 0) {
		c = buf_cstr(&base)[strlen(req->origin)];
		ok = c == '\0' || c == '/';
	}
	buf_release(&base);
	if (!ok) {
		*rc = consent_message(req, 403, "Forbidden",
		    "This form can only be sent from this site.");
		return -1;
	}
	if (!request_content_type_is(req,
	    "application/x-www-form-urlencoded")) {
		*rc = consent_message(req, 415, "Unsupported form",
		    "Send the form as application/x-www-form-urlencoded.");
		return -1;
	}
	if (request_read_body(req, &why) == -1) {
		*rc = consent_message(req, 400, "Bad request", why);
		return -1;
	}
	if (req->body.len > LIMIT_CONSENT_FORM ||
	    consent_form_parse(buf_cstr(&req->body), req->body.len, f) == -1 ||
	    !consent_aid_ok(f->aid)) {
		*rc = consent_message(req, 400, "Bad request",
		    "The form is malformed.");
		return -1;
	}
	return 0;
}

/* POST /oauth/consent/login: email, password, authorization_id. */
int
consent_login(struct request *req, const struct route_params *rp)
{
	struct consent_form	 f;
	struct buf		 cookie, url;
	json_t			*body = NULL, *sess = NULL;
	const char		*at;
	long			 st;
	int			 rc;

	(void)rp;
	memset(&f, 0, sizeof(f));
	buf_init(&cookie, LIMIT_JWT_LEN + 128);
	buf_init(&url, LIMIT_URL + LIMIT_PATH + 128);
	if (consent_post_begin(req, &f, &rc) == -1)
		goto out;
	if (f.email == NULL || f.password == NULL || *f.email == '\0' ||
	    *f.password == '\0') {
		rc = consent_login_page(req, 400, f.aid,
		    "Enter your email and password.", 0);
		goto out;
	}
	if ((body = json_pack("{s:s, s:s}", "email", f.email, "password",
	    f.password)) == NULL) {
		rc = response_error(req, 500, NULL, "out of memory");
		goto out;
	}
	st = consent_supa(req, "POST", "/auth/v1/token?grant_type=password",
	    NULL, body, &sess);
	if (st == -1 || st >= 500) {
		rc = consent_message(req, 503, "Unavailable",
		    "Sign-in is unavailable now; try again.");
		goto out;
	}
	if (st != 200 || (at = jsonx_str(sess, "access_token")) == NULL ||
	    strlen(at) > LIMIT_JWT_LEN || !strparse_is_vchar(at, strlen(at))) {
		rc = consent_login_page(req, 400, f.aid,
		    "Invalid email or password.", 0);
		goto out;
	}
	if (request_base_url(req, &url) == -1 ||
	    buf_printf(&url, "/oauth/consent?authorization_id=%s", f.aid) == -1 ||
	    buf_printf(&cookie, CONSENT_COOKIE "=%s; Max-Age=%d; HttpOnly; "
	    "SameSite=Lax%s", at, LIMIT_CONSENT_COOKIE_AGE,
	    strncmp(buf_cstr(&url), "https:", 6) == 0 ? "; Secure" : "") == -1) {
		rc = consent_message(req, 400, "Bad request", "Bad request.");
		goto out;
	}
	(void)response_header(req, "Set-Cookie", buf_cstr(&cookie));
	rc = consent_redirect(req, buf_cstr(&url));
out:
	consent_form_release(&f);
	json_decref(body);	/* held the password: jansson frees it */
	json_decref(sess);
	buf_release_secret(&cookie);
	buf_release(&url);
	return rc;
}

/* Approve: record the grant (public.oauth_grants, as the user), then
 * answer Supabase. *url gets its redirect_url. 0, or -1 with *rc. */
static int
consent_approve(struct request *req, const struct consent_form *f,
    const char *token, const json_t *details, int *rc)
{
	const char	*cid = jsonx_str(json_object_get(details, "client"), "id");
	const char	*v, *tid;
	json_t		*rows = NULL, *aliases = NULL, *grant = NULL, *r = NULL;
	struct buf	 path;
	size_t		 i, tl;
	long		 st;
	int		 ret = -1;

	buf_init(&path, LIMIT_URL + LIMIT_QUERY);
	if (f->tenant == NULL || !strparse_is_slug(f->tenant,
	    strlen(f->tenant), 63) || cid == NULL) {
		*rc = consent_message(req, 400, "Bad request",
		    "Choose one tenant.");
		goto out;
	}
	tl = strlen(f->tenant);
	if ((aliases = json_array()) == NULL)
		goto oom;
	json_array_foreach(f->servers, i, r) {
		v = json_string_value(r);
		if (strncmp(v, f->tenant, tl) != 0 || v[tl] != '/' ||
		    !strparse_is_slug(v + tl + 1, strlen(v + tl + 1), 63)) {
			*rc = consent_message(req, 400, "Bad request", "Only "
			    "servers of the chosen tenant can be granted.");
			goto out;
		}
		if (json_array_append_new(aliases, json_string(v + tl + 1)) == -1)
			goto oom;
	}
	if (json_array_size(aliases) == 0) {
		*rc = consent_message(req, 400, "Bad request",
		    "Tick at least one server.");
		goto out;
	}
	/* The tenant as the user's token sees it (RLS: members only). */
	if (buf_appends(&path, "/rest/v1/tenants?select=id&slug=eq.") == -1 ||
	    strparse_form_encode(&path, f->tenant) == -1)
		goto oom;
	st = consent_supa(req, "GET", buf_cstr(&path), token, NULL, &rows);
	if (st != 200 || json_array_size(rows) != 1 ||
	    (tid = jsonx_str(json_array_get(rows, 0), "id")) == NULL) {
		*rc = consent_message(req, 403, "Forbidden",
		    "You are not a member of that tenant.");
		goto out;
	}
	/* One row per (user, client, tenant): replaced. */
	buf_reset(&path);
	if (buf_appends(&path, "/rest/v1/oauth_grants?client_id=eq.") == -1 ||
	    strparse_form_encode(&path, cid) == -1 ||
	    buf_printf(&path, "&tenant_id=eq.%s", tid) == -1)
		goto oom;
	st = consent_supa(req, "DELETE", buf_cstr(&path), token, NULL, &r);
	json_decref(r);
	r = NULL;
	if (st != 204 && st != 200) {
		*rc = consent_message(req, 503, "Unavailable",
		    "The grant cannot be recorded now; try again.");
		goto out;
	}
	if ((grant = json_pack("{s:s, s:s, s:O, s:s}", "client_id", cid,
	    "tenant_id", tid, "servers", aliases, "scopes",
	    jsonx_str(details, "scope") != NULL ? jsonx_str(details, "scope") :
	    "")) == NULL)
		goto oom;
	st = consent_supa(req, "POST", "/rest/v1/oauth_grants", token, grant,
	    &r);
	if (st != 201 && st != 200) {
		/* RLS refused: a server the tenant does not have. */
		log_warn(CONSENT_MOD, "recording an oauth grant: status %ld",
		    st);
		*rc = consent_message(req, 403, "Forbidden", "That tenant does "
		    "not have every server chosen; reload the page.");
		goto out;
	}
	ret = 0;
	goto out;
oom:
	*rc = response_error(req, 500, NULL, "out of memory");
out:
	json_decref(rows);
	json_decref(aliases);
	json_decref(grant);
	json_decref(r);
	buf_release(&path);
	return ret;
}

/* POST /oauth/consent: action approve|deny, authorization_id, csrf,
 * tenant, server=<tenant>/<alias>... */
int
consent_post(struct request *req, const struct route_params *rp)
{
	struct consent_form	 f;
	struct buf		 tok, csrf, path;
	const char		*token, *url;
	json_t			*details = NULL, *ans = NULL, *act = NULL;
	long			 st;
	int			 rc, answered, approve;

	(void)rp;
	memset(&f, 0, sizeof(f));
	buf_init(&tok, LIMIT_JWT_LEN);
	buf_init(&csrf, 128);
	buf_init(&path, 256);
	if (consent_post_begin(req, &f, &rc) == -1)
		goto out;
	if ((token = consent_cookie(req, &tok)) == NULL) {
		rc = consent_login_page(req, 401, f.aid,
		    "Sign in to answer this request.", 0);
		goto out;
	}
	if (f.csrf == NULL || consent_csrf(req, f.aid, token, &csrf) == -1 ||
	    strlen(f.csrf) != csrf.len ||
	    !crypto_memeq(f.csrf, csrf.data, csrf.len)) {
		rc = consent_message(req, 403, "Forbidden", "This form has "
		    "expired or was not sent from this page; reload it.");
		goto out;
	}
	if (f.action == NULL || (strcmp(f.action, "approve") != 0 &&
	    strcmp(f.action, "deny") != 0)) {
		rc = consent_message(req, 400, "Bad request",
		    "Choose Allow or Deny.");
		goto out;
	}
	approve = strcmp(f.action, "approve") == 0;
	if (approve) {
		rc = consent_details(req, f.aid, token, &details, &answered);
		if (answered ||
		    consent_approve(req, &f, token, details, &rc) == -1)
			goto out;
	}
	if (consent_authz_path(&path, f.aid, "/consent") == -1 ||
	    (act = json_pack("{s:s}", "action", f.action)) == NULL) {
		rc = response_error(req, 500, NULL, "out of memory");
		goto out;
	}
	st = consent_supa(req, "POST", buf_cstr(&path), token, act, &ans);
	if (st == 401 || st == 403) {
		rc = consent_login_page(req, 401, f.aid,
		    "Your session has ended; sign in again.", 1);
		goto out;
	}
	if (st != 200 || (url = jsonx_str(ans, "redirect_url")) == NULL) {
		rc = consent_message(req, st == 404 ? 404 : st == -1 ||
		    st >= 500 ? 503 : 400, "Cannot continue", "This "
		    "authorization request cannot be answered any more.");
		goto out;
	}
	rc = consent_redirect(req, url);
out:
	consent_form_release(&f);
	json_decref(details);
	json_decref(ans);
	json_decref(act);
	buf_release_secret(&tok);
	buf_release(&csrf);
	buf_release(&path);
	return rc;
}
