/*
 * sl_main.c -- supabase-local: configuration, the FastCGI loop, request
 * bounding and dispatch (see sl.h); the replies are sl_http.c's.
 *
 * Routes, as Supabase's Kong gateway has them (supabase/cli kong.yml):
 *   /rest/v1/...  key-auth + rewrite, JWT -> PostgREST     (sl_gateway, sl_rest)
 *   /auth/v1/...  GoTrue, which checks the apikey itself    (sl_auth)
 *   /.well-known/oauth-authorization-server/auth/v1   (sl_oauth)
 *   anything else 404 {"message":"no Route matched with those values"}
 *
 * Every pass of the loop starts from a zeroed struct sl_req and ends in
 * sl_req_release(); a bad request only ever produces an error reply.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "httpc.h"
#include "jsonx.h"
#include "log.h"
#include "strparse.h"
#include "sl.h"
#include "sl_auth.h"
#include "sl_gateway.h"
#include "sl_http.h"
#include "sl_jwt.h"
#include "sl_oauth.h"
#include "sl_rest.h"

#define SL_MOD			"sl_main"
#define SL_REQID_LEN		32

static const char SL_KONG_NO_ROUTE[] =
    "{\"message\":\"no Route matched with those values\"}";

/* ------------------------------------------------------------------ */
/* Configuration                                                       */
/* ------------------------------------------------------------------ */

static void sl_conf_die(const char *, ...)
    __attribute__((format(printf, 1, 2), noreturn));

static void
sl_conf_die(const char *fmt, ...)
{
	char	 line[512];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_error(SL_MOD, "bad configuration: %s", line);
	exit(1);
}

static const char *
sl_conf_env(const char *name, int required)
{
	const char	*v = getenv(name);

	if (v == NULL || *v == '\0') {
		if (required)
			sl_conf_die("%s is not set", name);
		return NULL;
	}
	if (strlen(v) > SL_ENV_MAX)
		sl_conf_die("%s is longer than the limit", name);
	return v;
}

static char *
sl_xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL) {
		log_error(SL_MOD, "out of memory");
		exit(1);
	}
	return p;
}

/*
 * A secret from a file: a regular file not readable or writable by group
 * or others (STYLE 15), at most SL_SECRET_FILE_MAX bytes, trailing blanks
 * and newlines dropped.
 */
static char *
sl_conf_secret(const char *var, int required)
{
	const char	*path;
	struct stat	 st;
	struct buf	 b;
	char		 chunk[1024];
	ssize_t		 n;
	int		 fd;

	if ((path = sl_conf_env(var, required)) == NULL)
		return NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		sl_conf_die("cannot open %s '%s'", var, path);
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode))
		sl_conf_die("%s '%s' is not a regular file", var, path);
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
		sl_conf_die("%s '%s' is group or world accessible "
		    "(chmod 600 it)", var, path);
	buf_init(&b, SL_SECRET_FILE_MAX);
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			sl_conf_die("cannot read %s '%s'", var, path);
		if (n == 0)
			break;
		if (buf_append(&b, chunk, (size_t)n) == -1)
			sl_conf_die("%s '%s' is too large", var, path);
	}
	explicit_bzero(chunk, sizeof(chunk));
	close(fd);
	while (b.len > 0 && (b.data[b.len - 1] == '\n' ||
	    b.data[b.len - 1] == '\r' || b.data[b.len - 1] == ' ' ||
	    b.data[b.len - 1] == '\t'))
		b.data[--b.len] = '\0';
	if (b.len == 0 || memchr(b.data, '\0', b.len) != NULL)
		sl_conf_die("%s '%s' is empty or binary", var, path);
	return buf_detach(&b);
}

/* SUPABASE_LOCAL_SCHEMAS: "public,api"; each a plain lowercase name. */
static void
sl_conf_schemas(struct sl_conf *conf)
{
	const char	*v = sl_conf_env("SUPABASE_LOCAL_SCHEMAS", 0);
	const char	*p, *e;
	size_t		 len, i;

	if (v == NULL)
		v = "public";
	if ((conf->schemas = calloc(SL_SCHEMAS_MAX, sizeof(char *))) == NULL)
		sl_conf_die("out of memory");
	for (p = v; *p != '\0'; p = *e == ',' ? e + 1 : e) {
		const char *s = p;

		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		len = (size_t)(e - p);
		strparse_trim(&s, &len);
		if (len == 0 || len > SL_IDENT_MAX)
			sl_conf_die("SUPABASE_LOCAL_SCHEMAS has an empty or "
			    "too long entry in '%s'", v);
		for (i = 0; i < len; i++)
			if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_' ||
			    (i > 0 && s[i] >= '0' && s[i] <= '9')))
				sl_conf_die("SUPABASE_LOCAL_SCHEMAS: bad schema "
				    "name in '%s'", v);
		if (conf->nschemas == SL_SCHEMAS_MAX)
			sl_conf_die("SUPABASE_LOCAL_SCHEMAS lists too many "
			    "schemas");
		if ((conf->schemas[conf->nschemas] = strndup(s, len)) == NULL)
			sl_conf_die("out of memory");
		conf->nschemas++;
	}
	if (conf->nschemas == 0)
		sl_conf_die("SUPABASE_LOCAL_SCHEMAS is empty");
}

/* A boolean variable (strparse_bool: true/false, 1/0, ...), default 0. */
static int
sl_conf_bool(const char *name)
{
	const char	*v = sl_conf_env(name, 0);
	int		 b = 0;

	if (v != NULL && strparse_bool(v, strlen(v), &b) == -1)
		sl_conf_die("%s '%s' is not a boolean", name, v);
	return b;
}

/* The OAuth 2.1 server's switches (GoTrue's GOTRUE_OAUTH_SERVER_*). */
static void
sl_conf_oauth(struct sl_conf *conf)
{
	const char	*v;
	size_t		 len;

	conf->oauth_enabled = sl_conf_bool("SUPABASE_LOCAL_OAUTH_SERVER_ENABLED");
	conf->oauth_dcr = sl_conf_bool("SUPABASE_LOCAL_OAUTH_DYNAMIC_REGISTRATION");
	conf->oauth_cimd =
	    sl_conf_bool("SUPABASE_LOCAL_OAUTH_CLIENT_METADATA_DOCUMENTS");
	conf->oauth_cimd_loopback =
	    sl_conf_bool("SUPABASE_LOCAL_OAUTH_CIMD_ALLOW_LOOPBACK");
	if ((v = sl_conf_env("SUPABASE_LOCAL_SITE_URL", 0)) != NULL) {
		if (strncmp(v, "http://", 7) != 0 &&
		    strncmp(v, "https://", 8) != 0)
			sl_conf_die("SUPABASE_LOCAL_SITE_URL '%s' is not an "
			    "http(s) url", v);
		len = strlen(v);
		while (len > 0 && v[len - 1] == '/')
			len--;
		if ((conf->site_url = strndup(v, len)) == NULL)
			sl_conf_die("out of memory");
	}
	if ((v = sl_conf_env("SUPABASE_LOCAL_OAUTH_AUTHORIZATION_PATH", 0))
	    != NULL) {
		if (*v != '/' || strpbrk(v, "?#") != NULL)
			sl_conf_die("SUPABASE_LOCAL_OAUTH_AUTHORIZATION_PATH '%s' "
			    "is not a path", v);
		conf->oauth_authorization_path = sl_xstrdup(v);
	}
	if (conf->oauth_enabled && conf->site_url == NULL)
		sl_conf_die("SUPABASE_LOCAL_SITE_URL is not set (the OAuth "
		    "server sends users to <site url><authorization path>)");
}

/* Everything from the environment, once; exits 1 with one line if bad. */
static void
sl_conf_load(struct sl_conf *conf)
{
	const char	*v;
	struct buf	 b;
	size_t		 len;

	memset(conf, 0, sizeof(*conf));
	conf->rest_conninfo = sl_xstrdup(sl_conf_env("SUPABASE_LOCAL_REST_DB",
	    1));
	conf->auth_conninfo = sl_xstrdup(sl_conf_env("SUPABASE_LOCAL_AUTH_DB",
	    1));
	conf->jwt_secret = sl_conf_secret("SUPABASE_LOCAL_JWT_SECRET_FILE", 1);
	conf->secret_key = sl_conf_secret("SUPABASE_LOCAL_SECRET_KEY_FILE", 1);
	conf->es256_key_pem = sl_conf_secret("SUPABASE_LOCAL_ES256_KEY_FILE",
	    0);
	conf->publishable_key = sl_xstrdup(sl_conf_env(
	    "SUPABASE_LOCAL_PUBLISHABLE_KEY", 1));
	if (strncmp(conf->publishable_key, "sb_publishable_", 15) != 0 ||
	    strlen(conf->publishable_key) < 20)
		sl_conf_die("SUPABASE_LOCAL_PUBLISHABLE_KEY does not look like "
		    "sb_publishable_...");
	if (strncmp(conf->secret_key, "sb_secret_", 10) != 0 ||
	    strlen(conf->secret_key) < 20)
		sl_conf_die("SUPABASE_LOCAL_SECRET_KEY_FILE does not hold "
		    "sb_secret_...");

	conf->autoconfirm = 1;
	if ((v = sl_conf_env("SUPABASE_LOCAL_MAILER_AUTOCONFIRM", 0)) !=
	    NULL) {
		if (strcmp(v, "true") == 0)
			conf->autoconfirm = 1;
		else if (strcmp(v, "false") == 0)
			conf->autoconfirm = 0;
		else
			sl_conf_die("SUPABASE_LOCAL_MAILER_AUTOCONFIRM must be "
			    "true or false");
	}

	if ((v = sl_conf_env("SUPABASE_LOCAL_URL", 0)) == NULL)
		v = "http://127.0.0.1:54321";
	if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0)
		sl_conf_die("SUPABASE_LOCAL_URL '%s' is not an http(s) url",
		    v);
	len = strlen(v);
	while (len > 0 && v[len - 1] == '/')
		len--;
	if ((conf->api_url = strndup(v, len)) == NULL)
		sl_conf_die("out of memory");
	buf_init(&b, SL_ENV_MAX * 2);
	if (buf_printf(&b, "%s/auth/v1", conf->api_url) == -1)
		sl_conf_die("out of memory");
	conf->issuer = buf_detach(&b);
	sl_conf_schemas(conf);
	sl_conf_oauth(conf);
}

/* ------------------------------------------------------------------ */
/* One request                                                         */
/* ------------------------------------------------------------------ */

static void
sl_req_release(struct sl_req *req)
{
	free(req->body);
	free(req->bearer);
	json_decref(req->claims);
	free(req->own_path);
	free(req->own_apikey);
	memset(req, 0, sizeof(*req));
}

/* A header, or NULL when absent; *toolong when over SL_HEADER_MAX. */
static const char *
sl_env(FCGX_Request *fr, const char *name, int *toolong)
{
	const char	*v = FCGX_GetParam(name, fr->envp);

	if (v != NULL && strlen(v) > SL_HEADER_MAX)
		*toolong = 1;
	return v;
}

static int
sl_has_prefix(const char *s, const char *pfx)
{
	return strncmp(s, pfx, strlen(pfx)) == 0;
}

/* Reply for a limit hit before routing: PostgREST's shape on /rest/v1,
 * GoTrue's on /auth/v1, Kong's plain message elsewhere. */
static void
sl_reply_early(struct sl_req *req, int status, const char *msg)
{
	char	 body[256];
	int	 n;

	if (req->path != NULL && sl_has_prefix(req->path, "/auth/v1/"))
		sl_reply_gotrue(req, status, status == 413 ?
		    "request_too_large" : "validation_failed", msg);
	else if (req->path != NULL && sl_has_prefix(req->path, "/rest/v1/"))
		sl_reply_pgrst(req, status, NULL, msg, NULL, NULL);
	else {
		n = snprintf(body, sizeof(body), "{\"message\":\"%s\"}", msg);
		sl_reply(req, status, SL_JSON_CTYPE, NULL, body,
		    n > 0 && (size_t)n < sizeof(body) ? (size_t)n : 0);
	}
}

static int
sl_read_body(struct sl_req *req)
{
	const char	*cl = FCGX_GetParam("CONTENT_LENGTH", req->fcgi->envp);
	uint64_t	 len = 0;
	int		 n;
	size_t		 got = 0;

	if (cl != NULL && *cl != '\0' &&
	    strparse_u64(cl, strlen(cl), 0, UINT64_MAX, &len) == -1) {
		sl_reply_early(req, 400, "Invalid Content-Length");
		return -1;
	}
	/* Checked before allocating or reading (STYLE 10). */
	if (len > SL_BODY_MAX) {
		sl_reply_early(req, 413, "Payload Too Large");
		return -1;
	}
	if ((req->body = malloc((size_t)len + 1)) == NULL) {
		sl_reply_early(req, 500, "out of memory");
		return -1;
	}
	while (got < len) {
		n = FCGX_GetStr(req->body + got, (int)(len - got),
		    req->fcgi->in);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	req->body[got] = '\0';
	req->bodylen = got;
	if (got != len) {
		sl_reply_early(req, 400, "Incomplete request body");
		return -1;
	}
	return 0;
}

static void
sl_request_id(FCGX_Request *fr, char *out, size_t outlen)
{
	static unsigned long	 seq;
	const char		*v = FCGX_GetParam("HTTP_X_REQUEST_ID",
				    fr->envp);
	size_t			 i, len;

	if (v != NULL && (len = strlen(v)) > 0 && len < outlen &&
	    len <= SL_REQUEST_ID_MAX) {
		for (i = 0; i < len; i++)
			if (!((v[i] >= 'a' && v[i] <= 'z') ||
			    (v[i] >= 'A' && v[i] <= 'Z') ||
			    (v[i] >= '0' && v[i] <= '9') || v[i] == '-' ||
			    v[i] == '_' || v[i] == '.'))
				break;
		if (i == len) {
			memcpy(out, v, len + 1);
			return;
		}
	}
	snprintf(out, outlen, "sl-%ld-%lu", (long)getpid(), ++seq);
}

static void
sl_handle(const struct sl_conf *conf, FCGX_Request *fr)
{
	struct sl_req	 req;
	char		 reqid[SL_REQID_LEN + 1];
	const char	*uri, *q, *v;
	uint64_t	 t0;
	int		 toolong = 0;
	size_t		 len;

	t0 = clock_mono_ms();
	memset(&req, 0, sizeof(req));
	req.fcgi = fr;
	req.conf = conf;
	sl_request_id(fr, reqid, sizeof(reqid));
	req.request_id = reqid;
	log_set_request_id(reqid);

	req.method = FCGX_GetParam("REQUEST_METHOD", fr->envp);
	if (req.method == NULL)
		req.method = "GET";
	req.query = FCGX_GetParam("QUERY_STRING", fr->envp);
	if (req.query == NULL)
		req.query = "";
	/* The raw (still percent-encoded) path, as Kong routes on it. */
	if ((uri = FCGX_GetParam("REQUEST_URI", fr->envp)) != NULL) {
		len = (q = strchr(uri, '?')) != NULL ? (size_t)(q - uri) :
		    strlen(uri);
		if (strlen(uri) > SL_URI_MAX)
			toolong = 2;
		req.own_path = strndup(uri, len);
	} else {
		const char *sn = FCGX_GetParam("SCRIPT_NAME", fr->envp);
		const char *pi = FCGX_GetParam("PATH_INFO", fr->envp);
		struct buf  b;

		buf_init(&b, SL_URI_MAX);
		if (buf_printf(&b, "%s%s", sn ? sn : "", pi ? pi : "") == -1)
			toolong = 2;
		req.own_path = buf_detach(&b);
	}
	req.path = req.own_path != NULL ? req.own_path : "/";
	if (strlen(req.query) > SL_URI_MAX)
		toolong = 2;

	req.apikey = sl_env(fr, "HTTP_APIKEY", &toolong);
	req.authorization = sl_env(fr, "HTTP_AUTHORIZATION", &toolong);
	req.prefer = sl_env(fr, "HTTP_PREFER", &toolong);
	req.accept = sl_env(fr, "HTTP_ACCEPT", &toolong);
	req.content_type = sl_env(fr, "CONTENT_TYPE", &toolong);
	req.accept_profile = sl_env(fr, "HTTP_ACCEPT_PROFILE", &toolong);
	req.content_profile = sl_env(fr, "HTTP_CONTENT_PROFILE", &toolong);
	req.range = sl_env(fr, "HTTP_RANGE", &toolong);

	if (toolong == 2) {
		sl_reply_early(&req, 414, "URI Too Long");
		goto out;
	}
	if (toolong) {
		sl_reply_early(&req, 431, "Request Header Fields Too Large");
		goto out;
	}
	/* Kong's key-auth also takes the key from the query string. */
	if ((req.apikey == NULL || *req.apikey == '\0') &&
	    (req.own_apikey = sl_query_param(req.query, "apikey")) != NULL)
		req.apikey = req.own_apikey;
	if (req.apikey != NULL && *req.apikey == '\0')
		req.apikey = NULL;

	if (sl_read_body(&req) == -1)
		goto out;

	if (sl_has_prefix(req.path, "/rest/v1/")) {
		if (sl_gateway(&req) == 0)
			sl_rest_handle(&req);
	} else if (sl_has_prefix(req.path, "/auth/v1/"))
		sl_auth_handle(&req);
	else if (strcmp(req.path, SL_OAUTH_DISCOVERY_PATH) == 0)
		/* RFC 8414 section 3.1: the issuer's path after the
		 * well-known name, where Kong routes it to GoTrue. */
		sl_oauth_discovery(&req);
	else
		sl_reply(&req, 404, SL_JSON_CTYPE, NULL, SL_KONG_NO_ROUTE,
		    sizeof(SL_KONG_NO_ROUTE) - 1);
	if (!req.replied) {
		log_error(SL_MOD, "handler for '%s' did not reply", req.path);
		sl_reply_pgrst(&req, 500, NULL, "internal error", NULL, NULL);
	}
out:
	v = req.path != NULL ? req.path : "-";
	log_info(SL_MOD, "%s %s %d %ldms", req.method, v, req.status,
	    (long)(clock_mono_ms() - t0));
	log_set_request_id(NULL);
	sl_req_release(&req);
}

/* lighttpd stops its backends with SIGTERM: finish the request in
 * hand and leave the accept loop (no SA_RESTART, so accept() returns). */
static void
sl_on_term(int sig)
{
	(void)sig;
	FCGX_ShutdownPending();
}

int
main(int argc, char *argv[])
{
	struct sigaction	 sa;
	static struct sl_conf	 conf;
	FCGX_Request		 fr;
	enum log_level		 lvl = LOG_LVL_INFO;
	const char		*lv;

	log_init(LOG_LVL_INFO);
	if ((lv = getenv("SUPABASE_LOCAL_LOG_LEVEL")) != NULL &&
	    log_level_parse(lv, &lvl) == -1) {
		log_error(SL_MOD, "bad configuration: SUPABASE_LOCAL_LOG_LEVEL "
		    "'%s' is not error, warn, info or debug", lv);
		return 1;
	}
	log_init(lvl);
	if (argc > 2 || (argc == 2 && strcmp(argv[1], "--check-config") != 0)) {
		log_error(SL_MOD, "usage: supabase-local.fcgi [--check-config]");
		return 1;
	}
	sl_conf_load(&conf);
	if (sl_jwt_init(&conf) == -1) {
		log_error(SL_MOD, "bad configuration: cannot set up the jwt "
		    "keys");
		return 1;
	}
	if (argc == 2) {
		fprintf(stdout, "supabase-local: configuration ok\n");
		return 0;
	}
	/* A client that goes away mid-reply must not kill the process. */
	signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sl_on_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/* Client ID metadata documents are fetched with lib/httpc. */
	if (conf.oauth_cimd && httpc_global_init("supabase-local") == -1) {
		log_error(SL_MOD, "cannot initialise libcurl");
		return 1;
	}
	if (FCGX_Init() != 0 || FCGX_InitRequest(&fr, 0, 0) != 0) {
		log_error(SL_MOD, "cannot initialise libfcgi");
		return 1;
	}
	log_info(SL_MOD, "started, schemas '%s'%s", conf.schemas[0],
	    conf.nschemas > 1 ? " (and more)" : "");
	while (FCGX_Accept_r(&fr) >= 0) {
		sl_handle(&conf, &fr);
		FCGX_Finish_r(&fr);
	}
	log_info(SL_MOD, "stopping");
	return 0;
}
