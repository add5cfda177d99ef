/*
 * sl_http.h -- supabase-local's replies and query strings (sl_http.c).
 */
#ifndef SL_HTTP_H
#define SL_HTTP_H

#include <stddef.h>

#include <jansson.h>

#include "buf.h"
#include "sl.h"

#define SL_JSON_CTYPE		"application/json; charset=utf-8"

/* Reply helpers; each sets req->replied. extra_headers is NULL
 * or "Name: value\r\n..." lines. */
void	 sl_reply(struct sl_req *, int status, const char *ctype,
	    const char *extra_headers, const char *body, size_t len);
void	 sl_reply_json(struct sl_req *, int status, const char *extra_headers,
	    const json_t *);
/* PostgREST error body {"code","details","hint","message"}; NULLs -> null.
 * Adds PostgREST's "Proxy-Status: PostgREST; error=<code>". */
void	 sl_reply_pgrst(struct sl_req *, int status, const char *code,
	    const char *message, const char *details, const char *hint);
/* The same with extra header lines (e.g. WWW-Authenticate), NULL for none. */
void	 sl_reply_pgrst_h(struct sl_req *, int status, const char *extra_headers,
	    const char *code, const char *message, const char *details,
	    const char *hint);
/* GoTrue error body {"code":status,"error_code","msg"} + x-sb-error-code. */
void	 sl_reply_gotrue(struct sl_req *, int status, const char *error_code,
	    const char *msg);
/* Percent-decode (p, len) into out, appending. '+' becomes a space, as in
 * PostgREST (parseQueryReplacePlus True) and GoTrue (Go's url.ParseQuery);
 * -1 on a malformed escape or an embedded NUL (the buffer is then released). */
int	 sl_urldecode(const char *, size_t, struct buf *out);
/* Append s percent-encoded as Go's url.QueryEscape does (space -> '+',
 * [A-Za-z0-9_.~-] kept): lib/strparse's strparse_form_encode; 0 or -1. */
int	 sl_urlencode(struct buf *out, const char *s);
/* Value of the query parameter name (decoded) or NULL (owned by caller). */
char	*sl_query_param(const char *query, const char *name);

#endif /* SL_HTTP_H */
