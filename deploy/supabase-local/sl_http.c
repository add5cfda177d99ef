/*
 * sl_http.c -- supabase-local's replies and query strings; see sl_http.h.
 */
#include <string.h>

#include "buf.h"
#include "jsonx.h"
#include "log.h"
#include "sl_http.h"
#include "strparse.h"

#define SL_HTTP_MOD		"sl_http"
#define SL_REPLY_JSON_MAX	(64 * 1024 * 1024)	/* one JSON reply */

/* ------------------------------------------------------------------ */
/* Replies                                                             */
/* ------------------------------------------------------------------ */

static int
sl_is_head(const struct sl_req *req)
{
	return req->method != NULL && strcmp(req->method, "HEAD") == 0;
}

void
sl_reply(struct sl_req *req, int status, const char *ctype,
    const char *extra_headers, const char *body, size_t len)
{
	FCGX_Stream	*out = req->fcgi->out;
	int		 nobody = status == 204 || status == 304;

	if (req->replied) {
		log_warn(SL_HTTP_MOD, "second reply (%d) dropped", status);
		return;
	}
	req->replied = 1;
	req->status = status;
	FCGX_FPrintF(out, "Status: %d\r\n", status);
	if (ctype != NULL && !nobody)
		FCGX_FPrintF(out, "Content-Type: %s\r\n", ctype);
	if (extra_headers != NULL)
		FCGX_PutS(extra_headers, out);
	/* HEAD: the headers a GET would have, no body (RFC 9110 9.3.2). */
	if (!nobody && !sl_is_head(req))
		FCGX_FPrintF(out, "Content-Length: %lu\r\n", (unsigned long)len);
	FCGX_PutS("\r\n", out);
	if (!nobody && !sl_is_head(req) && len > 0)
		FCGX_PutStr(body, (int)len, out);
}

void
sl_reply_json(struct sl_req *req, int status, const char *extra_headers,
    const json_t *j)
{
	struct buf	 b;

	buf_init(&b, SL_REPLY_JSON_MAX);
	if (jsonx_dumpb(&b, j) == -1) {
		log_error(SL_HTTP_MOD, "cannot encode a reply");
		sl_reply(req, 500, SL_JSON_CTYPE, NULL,
		    "{\"message\":\"internal error\"}", 28);
	} else
		sl_reply(req, status, SL_JSON_CTYPE, extra_headers,
		    b.data != NULL ? b.data : "", b.len);
	buf_release(&b);
}

static json_t *
sl_json_str_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

void
sl_reply_pgrst_h(struct sl_req *req, int status, const char *extra_headers,
    const char *code, const char *message, const char *details,
    const char *hint)
{
	json_t		*j;
	struct buf	 h;

	/* Keys in PostgREST's (aeson's sorted) order. */
	j = json_object();
	if (j != NULL) {
		json_object_set_new(j, "code", sl_json_str_or_null(code));
		json_object_set_new(j, "details", sl_json_str_or_null(details));
		json_object_set_new(j, "hint", sl_json_str_or_null(hint));
		json_object_set_new(j, "message",
		    sl_json_str_or_null(message));
	}
	buf_init(&h, SL_HEADER_MAX);
	if (code != NULL)
		buf_printf(&h, "Proxy-Status: PostgREST; error=%s\r\n", code);
	if (extra_headers != NULL)
		buf_appends(&h, extra_headers);
	if (j == NULL)
		sl_reply(req, 500, SL_JSON_CTYPE, NULL, "{}", 2);
	else
		sl_reply_json(req, status, h.data, j);
	buf_release(&h);
	json_decref(j);
}

void
sl_reply_pgrst(struct sl_req *req, int status, const char *code,
    const char *message, const char *details, const char *hint)
{
	sl_reply_pgrst_h(req, status, NULL, code, message, details, hint);
}

void
sl_reply_gotrue(struct sl_req *req, int status, const char *error_code,
    const char *msg)
{
	json_t		*j;
	struct buf	 h;

	j = json_pack("{s:i, s:s, s:s}", "code", status, "error_code",
	    error_code != NULL ? error_code : "unexpected_failure",
	    "msg", msg != NULL ? msg : "");
	buf_init(&h, SL_HEADER_MAX);
	if (error_code != NULL)
		buf_printf(&h, "x-sb-error-code: %s\r\n", error_code);
	if (j == NULL)
		sl_reply(req, 500, SL_JSON_CTYPE, NULL, "{}", 2);
	else
		sl_reply_json(req, status, h.data, j);
	buf_release(&h);
	json_decref(j);
}

/* ------------------------------------------------------------------ */
/* Percent-decoding                                                    */
/* ------------------------------------------------------------------ */

int
sl_urldecode(const char *p, size_t len, struct buf *out)
{
	size_t	 i;
	int	 hi, lo;
	char	 c;

	for (i = 0; i < len; i++) {
		c = p[i];
		if (c == '%') {
			if (i + 2 >= len)
				goto bad;
			if ((hi = strparse_hexval(p[i + 1])) == -1 ||
			    (lo = strparse_hexval(p[i + 2])) == -1)
				goto bad;
			c = (char)(hi * 16 + lo);
			i += 2;
		} else if (c == '+')
			c = ' ';
		if (c == '\0')
			goto bad;
		if (buf_appendc(out, c) == -1)
			return -1;
	}
	if (out->data == NULL && buf_append(out, "", 0) == -1)
		return -1;
	return 0;
bad:
	buf_release(out);
	return -1;
}

/* ------------------------------------------------------------------ */
/* Query strings                                                       */
/* ------------------------------------------------------------------ */

char *
sl_query_param(const char *query, const char *name)
{
	const char	*p, *amp, *eq;
	struct buf	 k, v;
	char		*res = NULL;

	if (query == NULL)
		return NULL;
	buf_init(&k, SL_URI_MAX);
	buf_init(&v, SL_URI_MAX);
	for (p = query; *p != '\0' && res == NULL; p = *amp ? amp + 1 : amp) {
		if ((amp = strchr(p, '&')) == NULL)
			amp = p + strlen(p);
		eq = memchr(p, '=', (size_t)(amp - p));
		buf_reset(&k);
		if (sl_urldecode(p, (size_t)((eq ? eq : amp) - p), &k) == -1)
			continue;
		if (strcmp(buf_cstr(&k), name) != 0)
			continue;
		buf_reset(&v);
		if (sl_urldecode(eq ? eq + 1 : amp, eq ? (size_t)(amp - eq - 1)
		    : 0, &v) == -1)
			continue;
		res = buf_detach(&v);
	}
	buf_release(&k);
	buf_release(&v);
	return res;
}

int
sl_urlencode(struct buf *out, const char *s)
{
	return strparse_form_encode(out, s);
}
