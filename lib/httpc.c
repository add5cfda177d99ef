/*
 * httpc.c -- libcurl wrapper; see httpc.h for the contract.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "httpc.h"
#include "netguard.h"
#include "strparse.h"

/*
 * One easy handle per request in flight. A request made from inside
 * another's callback (on_data: an http upstream's question answered
 * while its event stream is still open) must not touch the handle whose
 * transfer is running -- libcurl forbids curl_easy_reset/perform on it
 * from its own callbacks -- so it takes the next one. A deferred send is
 * no choice there: the upstream holds its stream until the answer comes.
 * Each handle keeps its own connections.
 */
static CURL	*httpc_curl[LIMIT_HTTPC_DEPTH];
static int	 httpc_depth;	/* transfers running now */
static char	*httpc_user_agent;
static int	 httpc_inited;

/* Per-transfer state handed to the libcurl callbacks. */
struct httpc_xfer {
	const struct httpc_request	*req;
	struct httpc_response		*resp;
	int				 too_large;
	int				 aborted;
	int				 guarded;	/* a socket refused */
	char				 guard_why[128];
	char				 pin[NETGUARD_ADDR_STRLEN]; /* checked */
};

int
httpc_global_init(const char *user_agent)
{
	if (httpc_inited)
		return 0;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return -1;
	if (user_agent != NULL && (httpc_user_agent = strdup(user_agent)) ==
	    NULL) {
		curl_global_cleanup();
		return -1;
	}
	httpc_inited = 1;
	return 0;
}

void
httpc_after_fork(void)
{
	size_t	 i;

	for (i = 0; i < LIMIT_HTTPC_DEPTH; i++)
		httpc_curl[i] = NULL;
	httpc_depth = 0;
}

void
httpc_global_cleanup(void)
{
	size_t	 i;

	if (!httpc_inited)
		return;
	for (i = 0; i < LIMIT_HTTPC_DEPTH; i++) {
		if (httpc_curl[i] != NULL)
			curl_easy_cleanup(httpc_curl[i]);
		httpc_curl[i] = NULL;
	}
	free(httpc_user_agent);
	httpc_user_agent = NULL;
	curl_global_cleanup();
	httpc_inited = 0;
}

void
httpc_response_init(struct httpc_response *resp)
{
	resp->status = 0;
	buf_init(&resp->body, LIMIT_HTTPC_RESPONSE);
	buf_init(&resp->headers, LIMIT_HTTPC_HEADERS);
	resp->err = NULL;
	resp->fail = HTTPC_FAIL_NONE;
	resp->detail[0] = '\0';
}

void
httpc_response_release(struct httpc_response *resp)
{
	buf_release(&resp->body);
	buf_release(&resp->headers);
	resp->status = 0;
	resp->err = NULL;
	resp->fail = HTTPC_FAIL_NONE;
	resp->detail[0] = '\0';
}

static size_t
httpc_write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct httpc_xfer *x = arg;
	size_t		 len = size * n;

	if (x->req->on_data != NULL) {
		if (x->req->on_data(x->req->arg, p, len) == -1) {
			x->aborted = 1;
			return 0;
		}
		return len;
	}
	if (buf_append(&x->resp->body, p, len) == -1) {
		x->too_large = 1;
		return 0;	/* CURLE_WRITE_ERROR ends the transfer */
	}
	return len;
}

static size_t
httpc_header_cb(char *p, size_t size, size_t n, void *arg)
{
	struct httpc_xfer *x = arg;
	size_t		 len = size * n;

	/* A new status line (after 1xx): keep only the final response's. */
	if (len >= 5 && memcmp(p, "HTTP/", 5) == 0)
		buf_reset(&x->resp->headers);
	if (buf_append(&x->resp->headers, p, len) == -1) {
		x->too_large = 1;
		return 0;
	}
	return len;
}

static int
httpc_progress_cb(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	struct httpc_xfer *x = arg;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	if (x->req->on_progress(x->req->arg) == -1) {
		x->aborted = 1;
		return 1;	/* CURLE_ABORTED_BY_CALLBACK */
	}
	return 0;
}

/* Sort a libcurl failure into the classes callers map to their codes. */
static enum httpc_fail
httpc_classify(CURLcode cc, const struct httpc_xfer *x)
{
	if (x->too_large)
		return HTTPC_FAIL_TOO_LARGE;
	if (x->aborted)
		return HTTPC_FAIL_ABORTED;
	switch (cc) {
	case CURLE_FILESIZE_EXCEEDED:
		return HTTPC_FAIL_TOO_LARGE;
	case CURLE_OPERATION_TIMEDOUT:
		return HTTPC_FAIL_TIMEOUT;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
		return HTTPC_FAIL_CONNECT;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
		return HTTPC_FAIL_TLS;
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		return HTTPC_FAIL_URL;
	default:
		return HTTPC_FAIL_OTHER;
	}
}

/* Wipe curl's copies of the request headers (they may hold keys). */
static void
httpc_slist_free_secret(struct curl_slist *l)
{
	struct curl_slist *s;

	for (s = l; s != NULL; s = s->next)
		explicit_bzero(s->data, strlen(s->data));
	curl_slist_free_all(l);
}

/* POST, PUT and PATCH always carry a body; others only when given one. */
static int
httpc_has_body(const struct httpc_request *req)
{
	return req->body != NULL || (req->method != NULL &&
	    (strcmp(req->method, "POST") == 0 ||
	    strcmp(req->method, "PUT") == 0 ||
	    strcmp(req->method, "PATCH") == 0));
}

/* The guard's second look: every socket curl opens for a guarded
 * request goes to an allowed address, whatever DNS said in between. */
static curl_socket_t
httpc_opensocket_cb(void *arg, curlsocktype purpose,
    struct curl_sockaddr *a)
{
	struct httpc_xfer	*x = arg;
	const struct sockaddr	*sa = &a->addr;
	char			 txt[NETGUARD_ADDR_STRLEN] = "";
	unsigned		 port = 0;

	(void)purpose;
	if (sa->sa_family == AF_INET) {
		port = ntohs(((const struct sockaddr_in *)(const void *)sa)->
		    sin_port);
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)
		    sa)->sin_addr, txt, sizeof(txt));
	} else if (sa->sa_family == AF_INET6) {
		port = ntohs(((const struct sockaddr_in6 *)(const void *)sa)->
		    sin6_port);
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)
		    sa)->sin6_addr, txt, sizeof(txt));
	}
	/* the pinned address passed the check (a listed host name may
	 * resolve to an address that is not public) */
	if (!(x->pin[0] != '\0' && strcmp(txt, x->pin) == 0) &&
	    !netguard_addr_ok(x->req->guard, sa, port)) {
		x->guarded = 1;
		snprintf(x->guard_why, sizeof(x->guard_why), "connection to "
		    "a %s address refused",
		    netguard_class_name(netguard_classify(sa)));
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype, a->protocol);
}

/*
 * A guarded request's pin: resolve and check the URL's host now and
 * return the CURLOPT_RESOLVE list "host:port:address" (NULL for an
 * address literal, which needs none). 0, or -1 with x->guard_why.
 */
static int
httpc_guard_pin(struct httpc_xfer *x, struct curl_slist **pin)
{
	char		 host[NETGUARD_HOST_MAX + 3], addr[NETGUARD_ADDR_STRLEN];
	char		 line[NETGUARD_HOST_MAX + NETGUARD_ADDR_STRLEN + 16];
	unsigned	 port;
	unsigned char	 tmp[16];

	*pin = NULL;
	if (netguard_url(x->req->guard, x->req->url, host, &port, addr,
	    x->guard_why, sizeof(x->guard_why)) == -1)
		return -1;
	snprintf(x->pin, sizeof(x->pin), "%s", addr);
	if (host[0] == '[' || inet_pton(AF_INET, host, tmp) == 1)
		return 0;
	snprintf(line, sizeof(line), "%s:%u:%s%s%s", host, port,
	    strchr(addr, ':') != NULL ? "[" : "", addr,
	    strchr(addr, ':') != NULL ? "]" : "");
	if ((*pin = curl_slist_append(NULL, line)) == NULL) {
		snprintf(x->guard_why, sizeof(x->guard_why), "out of memory");
		return -1;
	}
	return 0;
}

/* Set every option; 0 or -1 (curl_easy_setopt failed). */
static int
httpc_setup(CURL *c, const struct httpc_request *req, struct httpc_xfer *x,
    struct curl_slist *hdrs, char *errbuf)
{
	long	 timeout, connect;
	int	 bad = 0;

	timeout = req->timeout_ms > 0 ? req->timeout_ms :
	    LIMIT_HTTPC_TIMEOUT_MS;
	connect = timeout < LIMIT_HTTPC_CONNECT_MS ? timeout :
	    LIMIT_HTTPC_CONNECT_MS;

#define SET(opt, val)	bad |= curl_easy_setopt(c, (opt), (val)) != CURLE_OK
	SET(CURLOPT_URL, req->url);
	SET(CURLOPT_PROXY, "");
	SET(CURLOPT_NOPROXY, "*");
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_MAXREDIRS, 0L);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_TIMEOUT_MS, timeout);
	SET(CURLOPT_CONNECTTIMEOUT_MS, connect);
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_WRITEFUNCTION, httpc_write_cb);
	SET(CURLOPT_WRITEDATA, x);
	SET(CURLOPT_HEADERFUNCTION, httpc_header_cb);
	SET(CURLOPT_HEADERDATA, x);
	if (req->on_data == NULL)
		SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)x->resp->body.max);
	if (req->on_progress != NULL) {
		SET(CURLOPT_XFERINFOFUNCTION, httpc_progress_cb);
		SET(CURLOPT_XFERINFODATA, x);
		SET(CURLOPT_NOPROGRESS, 0L);
	}
	if (httpc_user_agent != NULL)
		SET(CURLOPT_USERAGENT, httpc_user_agent);
	if (hdrs != NULL)
		SET(CURLOPT_HTTPHEADER, hdrs);
	if (req->guard != NULL) {
		SET(CURLOPT_OPENSOCKETFUNCTION, httpc_opensocket_cb);
		SET(CURLOPT_OPENSOCKETDATA, x);
		SET(CURLOPT_FRESH_CONNECT, 1L);
		SET(CURLOPT_FORBID_REUSE, 1L);
	}
	if (httpc_has_body(req)) {
		/* A body-carrying method without a body sends an empty one
		 * with "Content-Length: 0". Size first: no strlen() of binary. */
		SET(CURLOPT_POST, 1L);
		SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(req->body != NULL ?
		    req->bodylen : 0));
		SET(CURLOPT_POSTFIELDS, req->body != NULL ? req->body : "");
	}
	if (req->method != NULL) {
		if (strcmp(req->method, "HEAD") == 0)
			SET(CURLOPT_NOBODY, 1L);
		else if (strcmp(req->method, "GET") != 0 &&
		    strcmp(req->method, "POST") != 0)
			SET(CURLOPT_CUSTOMREQUEST, req->method);
	}
#undef SET
	return bad ? -1 : 0;
}

int
httpc_perform(const struct httpc_request *req, struct httpc_response *resp)
{
	struct httpc_xfer	 x;
	struct curl_slist	*hdrs = NULL, *tmp, *pin = NULL;
	CURL			*c = NULL;
	char			 errbuf[CURL_ERROR_SIZE];
	const char *const	*h;
	CURLcode		 cc;
	int			 rc = -1;

	memset(&x, 0, sizeof(x));
	x.req = req;
	x.resp = resp;
	errbuf[0] = '\0';
	buf_reset(&resp->body);
	buf_reset(&resp->headers);
	resp->status = 0;
	resp->err = NULL;
	resp->fail = HTTPC_FAIL_NONE;
	resp->detail[0] = '\0';
	resp->body.max = req->max_response > 0 ? req->max_response :
	    LIMIT_HTTPC_RESPONSE;

	if (!httpc_inited) {
		resp->err = "http client not initialised";
		resp->fail = HTTPC_FAIL_OTHER;
		goto out;
	}
	if (httpc_depth >= LIMIT_HTTPC_DEPTH) {
		resp->err = "too many nested requests";
		resp->fail = HTTPC_FAIL_OTHER;
		goto out;
	}
	if (httpc_curl[httpc_depth] == NULL &&
	    (httpc_curl[httpc_depth] = curl_easy_init()) == NULL) {
		resp->err = "cannot create a curl handle";
		resp->fail = HTTPC_FAIL_OTHER;
		goto out;
	}
	c = httpc_curl[httpc_depth++];
	/* Back to defaults; live connections and caches are kept. */
	curl_easy_reset(c);

	for (h = req->headers; h != NULL && *h != NULL; h++) {
		if ((tmp = curl_slist_append(hdrs, *h)) == NULL) {
			resp->err = "out of memory";
			resp->fail = HTTPC_FAIL_OTHER;
			goto out;
		}
		hdrs = tmp;
	}
	/* No "Expect: 100-continue" round trip for larger bodies. */
	if (httpc_has_body(req)) {
		if ((tmp = curl_slist_append(hdrs, "Expect:")) == NULL) {
			resp->err = "out of memory";
			resp->fail = HTTPC_FAIL_OTHER;
			goto out;
		}
		hdrs = tmp;
	}
	if (httpc_setup(c, req, &x, hdrs, errbuf) == -1) {
		resp->err = "cannot set curl options";
		resp->fail = HTTPC_FAIL_OTHER;
		goto out;
	}
	if (req->guard != NULL) {
		if (httpc_guard_pin(&x, &pin) == -1) {
			resp->err = "address refused by the network guard";
			resp->fail = HTTPC_FAIL_CONNECT;
			snprintf(resp->detail, sizeof(resp->detail), "%s",
			    x.guard_why);
			goto out;
		}
		if (pin != NULL && curl_easy_setopt(c,
		    CURLOPT_RESOLVE, pin) != CURLE_OK) {
			resp->err = "cannot set curl options";
			resp->fail = HTTPC_FAIL_OTHER;
			goto out;
		}
	}

	cc = curl_easy_perform(c);
	if (cc != CURLE_OK) {
		if (x.guarded)
			resp->err = "address refused by the network guard";
		else if (x.too_large || cc == CURLE_FILESIZE_EXCEEDED)
			resp->err = "response too large";
		else if (x.aborted)
			resp->err = "aborted by receiver";
		else
			resp->err = curl_easy_strerror(cc);
		resp->fail = httpc_classify(cc, &x);
		snprintf(resp->detail, sizeof(resp->detail), "%s",
		    x.guarded ? x.guard_why : errbuf[0] != '\0' ? errbuf :
		    curl_easy_strerror(cc));
		resp->status = 0;
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
	rc = 0;
out:
	if (c != NULL) {
		/* Drop pointers into this call's stack and header list. */
		curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
		curl_easy_setopt(c, CURLOPT_XFERINFODATA, NULL);
		curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, NULL);
		curl_easy_setopt(c, CURLOPT_RESOLVE, NULL);
		httpc_depth--;
	}
	curl_slist_free_all(pin);
	httpc_slist_free_secret(hdrs);
	if (rc == -1) {
		buf_release(&resp->body);
		buf_release(&resp->headers);
	}
	return rc;
}

int
httpc_header(const struct httpc_response *resp, const char *name,
    const char **val, size_t *len)
{
	const char	*p = resp->headers.data, *end, *nl, *colon;
	size_t		 linelen, namelen = strlen(name);

	if (p == NULL)
		return -1;
	end = p + resp->headers.len;
	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		linelen = (size_t)(nl - p);
		if (linelen > 0 && p[linelen - 1] == '\r')
			linelen--;
		colon = memchr(p, ':', linelen);
		if (colon == NULL || !strparse_eq_ci(p, (size_t)(colon - p),
		    name) || (size_t)(colon - p) != namelen)
			continue;
		*val = colon + 1;
		*len = linelen - (size_t)(colon + 1 - p);
		strparse_trim(val, len);
		return 0;
	}
	return -1;
}

long
httpc_status(const struct httpc_response *resp)
{
	const char	*p = resp->headers.data, *sp;
	size_t		 len = resp->headers.len;
	uint64_t	 code;

	/* "HTTP/<version> <3 digits>[ reason]" */
	if (p == NULL || len < 12 || memcmp(p, "HTTP/", 5) != 0 ||
	    (sp = memchr(p, ' ', len)) == NULL ||
	    (size_t)(sp - p) + 4 > len ||
	    strparse_u64(sp + 1, 3, 100, 999, &code) == -1)
		return 0;
	return (long)code;
}
