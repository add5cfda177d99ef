/*
 * request.c -- CGI/FastCGI environment to struct request, bounded; see
 * request.h.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "clock.h"
#include "log.h"
#include "http/request.h"
#include "strparse.h"
#include "uuid.h"

#define REQUEST_HOST_MAX	255	/* RFC 1035 name + ":port" fits */

/* RFC 9110 5.6.2 tchar. */
static int
request_is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-.^_`|~",
	    c) != NULL);
}

/* UNIQUE_ID when sane, else a UUIDv7; a failing CSPRNG leaves "-". */
static void
request_set_id(struct request *req)
{
	const char	*u = request_env(req, "UNIQUE_ID");
	size_t		 len;

	if (u != NULL && (len = strlen(u)) > 0 && len <= LIMIT_REQUEST_ID &&
	    strparse_is_vchar(u, len)) {
		memcpy(req->id, u, len + 1);
		return;
	}
	if (uuid_v7(req->id) == -1) {
		log_error("request", "cannot generate a request id");
		memcpy(req->id, "-", 2);
	}
}

/* 1 when the path has a "." or ".." segment. */
static int
request_has_dot_segment(const char *p, size_t len)
{
	size_t	 i, start = 0, seg;

	for (i = 0; i <= len; i++) {
		if (i < len && p[i] != '/')
			continue;
		seg = i - start;
		if ((seg == 1 && p[start] == '.') ||
		    (seg == 2 && p[start] == '.' && p[start + 1] == '.'))
			return 1;
		start = i + 1;
	}
	return 0;
}

static int
request_set_path(struct request *req, const char **why)
{
	const char	*p, *q;
	size_t		 len;

	p = request_env(req, "PATH_INFO");
	if (p == NULL || *p == '\0') {
		p = request_env(req, "REQUEST_URI");
		if (p == NULL || *p == '\0') {
			*why = "missing request path";
			return 400;
		}
		q = strchr(p, '?');
		len = q != NULL ? (size_t)(q - p) : strlen(p);
	} else
		len = strlen(p);
	if (len > LIMIT_PATH) {
		*why = "request path too long";
		return 414;
	}
	if (len == 0 || p[0] != '/' || !strparse_is_vchar(p, len) ||
	    request_has_dot_segment(p + 1, len - 1)) {
		*why = "invalid request path";
		return 400;
	}
	memcpy(req->path, p, len);
	req->path[len] = '\0';
	return 0;
}

/* Every header variable bounded, one by one and all together. */
static int
request_check_headers(struct request *req, const char **why)
{
	const char *const *e;
	size_t	 total = 0, len;
	const char *v;

	for (e = req->io->envp; e != NULL && *e != NULL; e++) {
		if (strncmp(*e, "HTTP_", 5) != 0 &&
		    strncmp(*e, "CONTENT_TYPE=", 13) != 0)
			continue;
		if ((v = strchr(*e, '=')) == NULL)
			continue;
		len = strlen(v + 1);
		total += len;
		if (len > LIMIT_HEADER_VALUE || total > LIMIT_HEADERS_TOTAL) {
			*why = "request header too large";
			return 431;
		}
	}
	return 0;
}

int
request_init(struct request *req, struct io *io, const struct config *cfg,
    const char **why)
{
	const char	*m, *cl;
	size_t		 i, len;
	int		 st;

	memset(req, 0, sizeof(*req));
	req->io = io;
	req->cfg = cfg;
	req->query = "";
	req->started_us = clock_mono_us();
	buf_init(&req->body, cfg->max_body);
	buf_init(&req->resp.headers, LIMIT_RESPONSE_HEADERS);
	request_set_id(req);
	*why = NULL;

	m = request_env(req, "REQUEST_METHOD");
	len = m != NULL ? strlen(m) : 0;
	if (len == 0 || len > LIMIT_METHOD) {
		*why = "invalid request method";
		return 400;
	}
	for (i = 0; i < len; i++) {
		if (!request_is_tchar(m[i])) {
			*why = "invalid request method";
			return 400;
		}
	}
	req->method = m;
	req->head = strcmp(m, "HEAD") == 0;

	if ((st = request_set_path(req, why)) != 0)
		return st;
	if ((req->query = request_env(req, "QUERY_STRING")) == NULL)
		req->query = "";
	if (strlen(req->query) > LIMIT_QUERY) {
		*why = "query string too long";
		return 414;
	}
	if ((st = request_check_headers(req, why)) != 0)
		return st;

	/* RFC 3875 4.1.2; checked before anything reads the body. */
	cl = request_env(req, "CONTENT_LENGTH");
	if (cl != NULL && *cl != '\0') {
		len = strlen(cl);
		if (strparse_u64(cl, len, 0, UINT64_MAX,
		    &req->content_length) == -1) {
			/* All digits but past 2^64: well-formed, too large. */
			if (strspn(cl, "0123456789") == len) {
				*why = "request body too large";
				return 413;
			}
			*why = "invalid Content-Length";
			return 400;
		}
		if (req->content_length > cfg->max_body) {
			*why = "request body too large";
			return 413;
		}
	}

	req->content_type = request_env(req, "CONTENT_TYPE");
	req->accept = request_env(req, "HTTP_ACCEPT");
	req->origin = request_env(req, "HTTP_ORIGIN");
	req->authorization = request_env(req, "HTTP_AUTHORIZATION");
	req->protocol_version = request_env(req, "HTTP_MCP_PROTOCOL_VERSION");
	req->session_id = request_env(req, "HTTP_MCP_SESSION_ID");
	req->last_event_id = request_env(req, "HTTP_LAST_EVENT_ID");
	req->remote_addr = request_env(req, "REMOTE_ADDR");
	req->user_agent = request_env(req, "HTTP_USER_AGENT");
	/* Invalid or absent: ignored (W3C Trace Context 3.2.2.1), and the
	 * request begins a trace of its own. */
	if (tracectx_parse(&req->trace, request_env(req, "HTTP_TRACEPARENT"),
	    request_env(req, "HTTP_TRACESTATE")) == -1)
		(void)tracectx_new(&req->trace);
	return 0;
}

int
request_read_body(struct request *req, const char **why)
{
	char		 chunk[8192];
	uint64_t	 left;
	ssize_t		 n;

	*why = NULL;
	if (req->body_read)
		return 0;
	req->body_read = 1;
	/* Always an allocated, NUL-terminated body, even when empty. */
	if (buf_append(&req->body, "", 0) == -1) {
		*why = "internal error";
		return 500;
	}
	for (left = req->content_length; left > 0; left -= (uint64_t)n) {
		n = io_read(req->io, chunk, left < sizeof(chunk) ?
		    (size_t)left : sizeof(chunk));
		if (n == -1) {
			*why = "cannot read the request body";
			return 500;
		}
		if (n == 0) {
			*why = "request body shorter than Content-Length";
			return 400;
		}
		/* Cannot exceed: content_length <= max_body was checked. */
		if (buf_append(&req->body, chunk, (size_t)n) == -1) {
			*why = "internal error";
			return 500;
		}
	}
	return 0;
}

void
request_release(struct request *req)
{
	buf_release(&req->body);
	buf_release(&req->resp.headers);
	req->resp.status = 0;
	req->resp.started = 0;
	req->resp.bytes_out = 0;
}

const char *
request_env(const struct request *req, const char *name)
{
	return io_getenv(req->io, name);
}

double
request_elapsed_ms(const struct request *req)
{
	return (double)(clock_mono_us() - req->started_us) / 1000.0;
}

/* The media type of a header item: (p, len) up to ';', trimmed. */
static void
request_media_type(const char **p, size_t *len)
{
	const char *semi = memchr(*p, ';', *len);

	if (semi != NULL)
		*len = (size_t)(semi - *p);
	strparse_trim(p, len);
}

int
request_content_type_is(const struct request *req, const char *type)
{
	const char	*p = req->content_type;
	size_t		 len;

	if (p == NULL)
		return 0;
	len = strlen(p);
	request_media_type(&p, &len);
	return strparse_eq_ci(p, len, type);
}

/* 1 when the parameters (p, len) after a media range hold q=0. */
static int
request_q_zero(const char *p, size_t len)
{
	const char	*semi, *prm;
	size_t		 plen, i;

	while (len > 0) {
		semi = memchr(p, ';', len);
		prm = p;
		plen = semi != NULL ? (size_t)(semi - p) : len;
		strparse_trim(&prm, &plen);
		/* RFC 9110 12.4.2: qvalue = ( "0" [ "." 0*3("0") ] ) / ... */
		if (plen >= 3 && (prm[0] == 'q' || prm[0] == 'Q') &&
		    prm[1] == '=' && prm[2] == '0') {
			for (i = 3; i < plen; i++)
				if (prm[i] != '.' && prm[i] != '0')
					break;
			if (i == plen)
				return 1;
		}
		if (semi == NULL)
			break;
		len -= (size_t)(semi - p) + 1;
		p = semi + 1;
	}
	return 0;
}

/* Media range (r, rlen) covers type, whose main type is tlen long. */
static int
request_range_covers(const char *r, size_t rlen, const char *type,
    size_t tlen)
{
	if (strparse_eq_ci(r, rlen, type) || strparse_eq_ci(r, rlen, "*/*"))
		return 1;
	/* The main type followed by the "/" "*" wildcard. */
	return rlen == tlen + 2 && r[tlen] == '/' && r[tlen + 1] == '*' &&
	    strncasecmp(r, type, tlen) == 0;
}

int
request_accepts(const struct request *req, const char *type)
{
	const char	*p = req->accept, *comma, *range, *params;
	const char	*tslash = strchr(type, '/');
	size_t		 len, ilen, rlen;

	if (p == NULL)
		return 1;
	if (tslash == NULL)
		return 0;
	len = strlen(p);
	while (len > 0) {
		comma = memchr(p, ',', len);
		ilen = comma != NULL ? (size_t)(comma - p) : len;
		range = p;
		rlen = ilen;
		request_media_type(&range, &rlen);
		params = memchr(p, ';', ilen);
		if (request_range_covers(range, rlen, type,
		    (size_t)(tslash - type)) && (params == NULL ||
		    !request_q_zero(params + 1, ilen - (size_t)(params + 1 - p))))
			return 1;
		if (comma == NULL)
			break;
		len -= ilen + 1;
		p = comma + 1;
	}
	return 0;
}

int
request_origin_allowed(const struct request *req)
{
	if (req->origin == NULL)
		return 1;
	return config_origin_allowed(req->cfg, req->origin,
	    strlen(req->origin));
}

/* host[:port] as RFC 3986 3.2.2 reg-name / IP-literal, conservatively. */
static int
request_host_ok(const char *h)
{
	size_t	 i, len;

	if (h == NULL || (len = strlen(h)) == 0 || len > REQUEST_HOST_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		char c = h[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '-' ||
		    c == '_' || c == ':' || c == '[' || c == ']'))
			return 0;
	}
	return 1;
}

/* RFC 3986 pchar and '/', without '"' or '\': fit for a quoted-string. */
static int
request_path_ok(const char *p, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++) {
		char c = p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') ||
		    (c != '\0' && strchr("-._~!$&'()*+,;=:@/%", c) != NULL)))
			return 0;
	}
	return 1;
}

static int
request_is_https(const struct request *req)
{
	const char	*v;

	if ((v = request_env(req, "HTTPS")) != NULL &&
	    (strparse_eq_ci(v, strlen(v), "on") || strcmp(v, "1") == 0))
		return 1;
	return (v = request_env(req, "REQUEST_SCHEME")) != NULL &&
	    strparse_eq_ci(v, strlen(v), "https");
}

/* The part of REQUEST_URI's path in front of the routed path, or "". */
static void
request_prefix(const struct request *req, const char **p, size_t *len)
{
	const char	*uri = request_env(req, "REQUEST_URI"), *q;
	size_t		 ulen, plen = strlen(req->path);

	*p = "";
	*len = 0;
	if (uri == NULL || plen == 0)
		return;
	q = strchr(uri, '?');
	ulen = q != NULL ? (size_t)(q - uri) : strlen(uri);
	if (ulen <= plen || memcmp(uri + ulen - plen, req->path, plen) != 0 ||
	    uri[0] != '/' || ulen - plen > LIMIT_PATH ||
	    !request_path_ok(uri, ulen - plen))
		return;
	*p = uri;
	*len = ulen - plen;
}

int
request_base_url(const struct request *req, struct buf *out)
{
	const char	*host, *port, *prefix;
	size_t		 plen;
	int		 https;

	if (req->cfg != NULL && req->cfg->public_base_url != NULL)
		return buf_appends(out, req->cfg->public_base_url);
	https = request_is_https(req);
	if (buf_appends(out, https ? "https://" : "http://") == -1)
		return -1;
	host = request_env(req, "HTTP_HOST");
	if (request_host_ok(host)) {
		if (buf_appends(out, host) == -1)
			return -1;
	} else {
		host = request_env(req, "SERVER_NAME");
		port = request_env(req, "SERVER_PORT");
		if (!request_host_ok(host) || buf_appends(out, host) == -1)
			return -1;
		if (port != NULL && *port != '\0' &&
		    strspn(port, "0123456789") == strlen(port) &&
		    strlen(port) <= 5 &&
		    strcmp(port, https ? "443" : "80") != 0 &&
		    buf_printf(out, ":%s", port) == -1)
			return -1;
	}
	request_prefix(req, &prefix, &plen);
	return buf_append(out, prefix, plen);
}

enum response_fail
request_bound_media(const struct request *req, const char *type,
    const char *const *accept, char *why, size_t whylen)
{
	size_t	 i, n;

	if (!request_content_type_is(req, type)) {
		snprintf(why, whylen, "Content-Type must be %s", type);
		return RESPONSE_FAIL_MEDIA_TYPE;
	}
	for (i = 0; accept[i] != NULL; i++)
		if (!request_accepts(req, accept[i]))
			break;
	if (accept[i] == NULL)
		return RESPONSE_FAIL_NONE;
	n = (size_t)snprintf(why, whylen, "Accept must list");
	for (i = 0; accept[i] != NULL && n < whylen; i++)
		n += (size_t)snprintf(why + n, whylen - n, "%s %s", i == 0 ?
		    "" : accept[i + 1] == NULL ? " and" : ",", accept[i]);
	return RESPONSE_FAIL_NOT_ACCEPTABLE;
}

enum response_fail
request_bound_client(const struct request *req,
    int (*version_ok)(const char *), char *why, size_t whylen)
{
	if (!request_origin_allowed(req)) {
		snprintf(why, whylen, "origin not allowed");
		return RESPONSE_FAIL_ORIGIN;
	}
	if (req->protocol_version != NULL &&
	    !version_ok(req->protocol_version)) {
		snprintf(why, whylen, "unsupported MCP-Protocol-Version "
		    "'%.40s'", req->protocol_version);
		return RESPONSE_FAIL_VERSION;
	}
	return RESPONSE_FAIL_NONE;
}
