/*
 * sl_rest.c -- supabase-local: the PostgREST subset behind /rest/v1
 * (supabase-contract.md section 3), after sl_gateway() has put the
 * verified claims on the request.
 *
 *   GET|HEAD|POST|PATCH|DELETE /rest/v1/<table>
 *   GET|HEAD|POST              /rest/v1/rpc/<function>
 *
 * Per request, as PostgREST does it: BEGIN (READ ONLY for reads); one
 * statement of set_config(..., true) for search_path, role, the claims,
 * method, path and headers (and the role's own timeouts); the generated
 * statement; COMMIT. Any error rolls back and becomes PostgREST's error
 * body and status (rest_pg_status, copied from PostgREST's Error.hs).
 *
 * SQL is generated here, and only here. Identifiers (schema, table,
 * function, columns, aliases) are first checked against the schema cache
 * where PostgREST checks them, then quoted with PQescapeIdentifier.
 * Every value from the request -- filter operands, JSON keys of paths,
 * limits, the request body -- is a bind parameter ($n, sent as text and
 * typed by the server); none is ever written into the SQL text. The
 * only request-derived text besides quoted identifiers is a select cast
 * (col::type), restricted by the parser to [A-Za-z0-9_ ] as PostgREST
 * restricts it.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "jsonx.h"
#include "log.h"
#include "strparse.h"
#include "sl.h"
#include "sl_db.h"
#include "sl_http.h"
#include "sl_rest.h"

#define SL_REST_MOD	"sl_rest"
#define CT_JSON		"application/json; charset=utf-8"
#define CT_OBJECT	"application/vnd.pgrst.object+json; charset=utf-8"

enum rest_method { M_GET, M_HEAD, M_POST, M_PATCH, M_DELETE };
enum rest_ret { RET_UNSET, RET_MINIMAL, RET_REPR, RET_HEADERS };
enum rest_res { RES_NONE, RES_MERGE, RES_IGNORE };

struct rest {
	struct sl_req		*req;
	const struct sl_conf	*conf;
	PGconn			*db;
	struct sl_arena		 a;
	struct rest_query	 q;
	struct rest_err		 err;
	const struct sl_schema	*sc;
	const char		*schema;	/* the profile in use */
	char			*name;		/* table or function */
	int			 rpc;
	enum rest_method	 m;
	const struct sl_rel	*rel;
	const struct sl_fn	*fn;
	int			 fn_single;	/* body as the one json arg */
	int			 authed;	/* role other than anon */

	/* Prefer */
	enum rest_ret		 ret;
	const char		*ret_tok;
	int			 count;
	const char		*count_tok;
	enum rest_res		 res;
	const char		*handling_tok;
	int			 single_object;	/* params=single-object */

	int			 singular;	/* Accept: vnd.pgrst.object */

	/* Request body (POST/PATCH), parsed */
	json_t			*body;
	const char		*payload;	/* JSON array text for SQL */
	const char		**keys;		/* payload columns */
	size_t			 nkeys;

	/* Statement under construction */
	struct buf		 sql;
	const char		**pv;
	int			 np;
	int			 sqlerr;

	/* Reply headers */
	struct buf		 hdr;
	int			 applied_res;	/* resolution honoured */
};

/* ------------------------------------------------------------------ */
/* Errors                                                              */
/* ------------------------------------------------------------------ */

static void
rest_fail(struct rest *r, int status, const char *code, const char *message,
    const char *details, const char *hint)
{
	sl_reply_pgrst(r->req, status, code, message, details, hint);
}

static const char *
rest_printf(struct rest *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Formatted into the arena; "out of memory" rather than NULL. */
static const char *
rest_printf(struct rest *r, const char *fmt, ...)
{
	struct buf	 b;
	va_list		 ap;
	char		*s = NULL;
	int		 rc;

	buf_init(&b, SL_URI_MAX * 4);
	va_start(ap, fmt);
	rc = buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (rc == 0 && b.data != NULL)
		s = sl_arena_strndup(&r->a, b.data, b.len);
	buf_release(&b);
	return s != NULL ? s : "out of memory";
}

/* A const view of a parsed name list, in the arena. */
static const char **
rest_cstrv(struct rest *r, char **v, size_t n)
{
	const char	**c;
	size_t		 i;

	if ((c = sl_arena_alloc(&r->a, (n + 1) * sizeof(*c))) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		c[i] = v[i];
	return c;
}

static void
rest_oom(struct rest *r)
{
	rest_fail(r, 500, NULL, "out of memory", NULL, NULL);
}

/*
 * SQLSTATE -> HTTP status, PostgREST's mapSQLtoHTTP (Error.hs, v13/v14).
 */
static int
rest_pg_status(const char *c, const char *m, int authed)
{
	size_t	 ml = m != NULL ? strlen(m) : 0;
	int	 n;

	if (c == NULL || strlen(c) != 5)
		return 500;
	if (strncmp(c, "08", 2) == 0)
		return 503;
	if (strncmp(c, "09", 2) == 0)
		return 500;
	if (strncmp(c, "0L", 2) == 0 || strncmp(c, "0P", 2) == 0)
		return 403;
	if (strcmp(c, "23503") == 0 || strcmp(c, "23505") == 0)
		return 409;
	if (strcmp(c, "25006") == 0)
		return 405;
	if (strcmp(c, "21000") == 0)
		return ml >= 23 && strcmp(m + ml - 23,
		    "requires a WHERE clause") == 0 ? 400 : 500;
	if (strcmp(c, "22023") == 0)
		/* a role in the JWT that does not exist */
		return m != NULL && strncmp(m, "role", 4) == 0 && ml >= 14 &&
		    strcmp(m + ml - 14, "does not exist") == 0 ? 401 : 400;
	if (strncmp(c, "25", 2) == 0 || strncmp(c, "2D", 2) == 0 ||
	    strncmp(c, "38", 2) == 0 || strncmp(c, "39", 2) == 0 ||
	    strncmp(c, "3B", 2) == 0 || strncmp(c, "40", 2) == 0)
		return 500;
	if (strncmp(c, "28", 2) == 0)
		return 403;
	if (strcmp(c, "53400") == 0)
		return 500;
	if (strncmp(c, "53", 2) == 0)
		return 503;
	if (strncmp(c, "54", 2) == 0 || strncmp(c, "55", 2) == 0)
		return 500;
	if (strcmp(c, "57P01") == 0)
		return 503;
	if (strncmp(c, "57", 2) == 0 || strncmp(c, "58", 2) == 0 ||
	    strncmp(c, "F0", 2) == 0 || strncmp(c, "HV", 2) == 0)
		return 500;
	if (strcmp(c, "P0001") == 0)
		return 400;
	if (strncmp(c, "P0", 2) == 0 || strncmp(c, "XX", 2) == 0)
		return 500;
	if (strcmp(c, "42883") == 0)
		return m != NULL && strncmp(m, "function xmlagg(", 16) == 0 ?
		    406 : 404;
	if (strcmp(c, "42P01") == 0)
		return 404;
	if (strcmp(c, "42P17") == 0)
		return 500;
	if (strcmp(c, "42501") == 0)
		return authed ? 403 : 401;
	if (strncmp(c, "PT", 2) == 0) {
		n = (c[2] - '0') * 100 + (c[3] - '0') * 10 + (c[4] - '0');
		return isdigit((unsigned char)c[2]) &&
		    isdigit((unsigned char)c[3]) &&
		    isdigit((unsigned char)c[4]) && n >= 100 && n <= 599 ?
		    n : 500;
	}
	return 400;
}

/*
 * RAISE SQLSTATE 'PGRST' USING message = '{"code":..,"message":..}',
 * detail = '{"status":..,"headers":{..}}': full control of the reply.
 */
static int
rest_pgrst_raise(struct rest *r, const char *m, const char *d)
{
	json_t		*jm = NULL, *jd = NULL, *hv, *st;
	struct buf	 h;
	const char	*k;
	int		 status;

	buf_init(&h, SL_HEADER_MAX);
	jm = m != NULL ? json_loads(m, 0, NULL) : NULL;
	jd = d != NULL ? json_loads(d, 0, NULL) : NULL;
	if (!json_is_object(jm) || jsonx_str(jm, "code") == NULL ||
	    jsonx_str(jm, "message") == NULL) {
		rest_fail(r, 500, "PGRST121", "Could not parse JSON in the "
		    "\"RAISE SQLSTATE 'PGRST'\" error", rest_printf(r,
		    "Invalid JSON value for MESSAGE: '%s'", m ? m : ""),
		    "MESSAGE must be a JSON object with obligatory keys: "
		    "'code', 'message' and optional keys: 'details', 'hint'.");
		goto out;
	}
	st = json_object_get(jd, "status");
	if (!json_is_object(jd) || !json_is_integer(st) ||
	    !json_is_object(json_object_get(jd, "headers"))) {
		rest_fail(r, 500, "PGRST121", "Could not parse JSON in the "
		    "\"RAISE SQLSTATE 'PGRST'\" error", d == NULL ?
		    "DETAIL is missing in the RAISE statement" :
		    rest_printf(r, "Invalid JSON value for DETAIL: '%s'", d),
		    "DETAIL must be a JSON object with obligatory keys: "
		    "'status', 'headers' and optional key: 'status_text'.");
		goto out;
	}
	status = (int)json_integer_value(st);
	if (status < 100 || status > 599)
		status = 500;
	json_object_foreach(json_object_get(jd, "headers"), k, hv) {
		/* Header names and values must not smuggle lines. */
		if (!json_is_string(hv) || strpbrk(k, "\r\n:") != NULL ||
		    strpbrk(json_string_value(hv), "\r\n") != NULL)
			continue;
		buf_printf(&h, "%s: %s\r\n", k, json_string_value(hv));
	}
	sl_reply_pgrst_h(r->req, status, h.data, jsonx_str(jm, "code"),
	    jsonx_str(jm, "message"), jsonx_str(jm, "details"),
	    jsonx_str(jm, "hint"));
out:
	buf_release(&h);
	json_decref(jd);
	json_decref(jm);
	return -1;
}

/* Reply for a failed statement; always returns -1. */
static int
rest_pg_error(struct rest *r, const PGresult *res)
{
	const char	*code, *msg, *det, *hint;
	int		 status;

	code = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	det = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
	hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);

	if (code == NULL || PQstatus(r->db) != CONNECTION_OK) {
		/* No SQLSTATE: the connection failed under us (hasql's
		 * ClientError -> PGRST001, 503). */
		const char *em = PQerrorMessage(r->db);
		size_t	    el = strlen(em);

		while (el > 0 && (em[el - 1] == '\n' || em[el - 1] == ' '))
			el--;
		log_error(SL_REST_MOD, "database client error: %.*s", (int)el,
		    em);
		rest_fail(r, 503, "PGRST001", "Database client error. "
		    "Retrying the connection.", rest_printf(r, "%.*s", (int)el,
		    em), NULL);
		sl_db_drop(r->db);
		r->db = NULL;
		return -1;
	}
	if (strcmp(code, "PGRST") == 0)
		return rest_pgrst_raise(r, msg, det);
	status = rest_pg_status(code, msg, r->authed);
	if (status >= 500)
		log_warn(SL_REST_MOD, "sqlstate %s: %s", code, msg ? msg : "");
	sl_reply_pgrst_h(r->req, status, status == 401 ?
	    "WWW-Authenticate: Bearer\r\n" : NULL, code, msg, det, hint);
	return -1;
}

/* ------------------------------------------------------------------ */
/* SQL text                                                            */
/* ------------------------------------------------------------------ */

static void
sq(struct rest *r, const char *s)
{
	if (buf_appends(&r->sql, s) == -1)
		r->sqlerr = 1;
}

static void
sq_ident(struct rest *r, const char *name)
{
	char	*e;

	if ((e = PQescapeIdentifier(r->db, name, strlen(name))) == NULL) {
		r->sqlerr = 1;
		return;
	}
	sq(r, e);
	PQfreemem(e);
}

/* Bind one value (NULL: SQL NULL) and write its placeholder. */
static void
sq_param(struct rest *r, const char *val)
{
	const char	**pv;
	char		 ph[16];

	if (r->np == SL_MAX_PARAMS) {
		r->sqlerr = 2;
		return;
	}
	if (r->pv == NULL) {
		r->pv = sl_arena_alloc(&r->a, SL_MAX_PARAMS * sizeof(*pv));
		if (r->pv == NULL) {
			r->sqlerr = 1;
			return;
		}
	}
	r->pv[r->np++] = val;
	snprintf(ph, sizeof(ph), "$%d", r->np);
	sq(r, ph);
}

/* "schema"."name" */
static void
sq_qname(struct rest *r, const char *schema, const char *name)
{
	sq_ident(r, schema);
	sq(r, ".");
	sq_ident(r, name);
}

static void
sq_field(struct rest *r, const char *qual, const struct rest_field *f)
{
	size_t	 i;

	if (qual != NULL) {
		sq(r, qual);
		sq(r, ".");
	}
	sq_ident(r, f->name);
	for (i = 0; i < f->njp; i++) {
		sq(r, f->jp[i].arrow2 ? "->>" : "->");
		sq_param(r, f->jp[i].key);
		sq(r, f->jp[i].is_idx ? "::integer" : "::text");
	}
}

static const char *const sq_opsql[REST_OP__MAX] = {
	[REST_OP_EQ] = " = ", [REST_OP_NEQ] = " <> ", [REST_OP_GT] = " > ",
	[REST_OP_GTE] = " >= ", [REST_OP_LT] = " < ", [REST_OP_LTE] = " <= ",
	[REST_OP_LIKE] = " LIKE ", [REST_OP_ILIKE] = " ILIKE ",
	[REST_OP_MATCH] = " ~ ", [REST_OP_IMATCH] = " ~* ",
	[REST_OP_CS] = " @> ", [REST_OP_CD] = " <@ ", [REST_OP_OV] = " && ",
	[REST_OP_SL] = " << ", [REST_OP_SR] = " >> ", [REST_OP_NXR] = " &< ",
	[REST_OP_NXL] = " &> ", [REST_OP_ADJ] = " -|- ",
	[REST_OP_ISDISTINCT] = " IS DISTINCT FROM ",
	[REST_OP_FTS] = "to_tsquery", [REST_OP_PLFTS] = "plainto_tsquery",
	[REST_OP_PHFTS] = "phraseto_tsquery",
	[REST_OP_WFTS] = "websearch_to_tsquery",
};

/* like/ilike: PostgREST's "*" wildcard is SQL's "%". */
static const char *
sq_star(struct rest *r, const char *v)
{
	char	*s, *p;

	if ((s = sl_arena_strdup(&r->a, v)) == NULL) {
		r->sqlerr = 1;
		return v;
	}
	for (p = s; *p != '\0'; p++)
		if (*p == '*')
			*p = '%';
	return s;
}

static void
sq_filter(struct rest *r, const char *qual, const struct rest_filter *f)
{
	static const char *const is_sql[REST_IS__MAX] = {
		" IS NULL", " IS NOT NULL", " IS TRUE", " IS FALSE",
		" IS UNKNOWN",
	};
	size_t	 i;

	if (f->negate)
		sq(r, "NOT ");
	sq(r, "(");
	switch (f->op) {
	case REST_OP_IN:
		sq_field(r, qual, &f->f);
		if (f->nlist == 1 && f->list[0][0] == '\0') {
			/* in.() matches nothing, as PostgREST's = ANY('{}') */
			sq(r, " = ANY('{}')");
			break;
		}
		sq(r, " IN (");
		for (i = 0; i < f->nlist; i++) {
			if (i > 0)
				sq(r, ", ");
			sq_param(r, f->list[i]);
		}
		sq(r, ")");
		break;
	case REST_OP_IS:
		sq_field(r, qual, &f->f);
		sq(r, is_sql[f->is]);
		break;
	case REST_OP_FTS:
	case REST_OP_PLFTS:
	case REST_OP_PHFTS:
	case REST_OP_WFTS:
		sq_field(r, qual, &f->f);
		sq(r, " @@ pg_catalog.");
		sq(r, sq_opsql[f->op]);
		sq(r, "(");
		if (f->lang != NULL) {
			sq_param(r, f->lang);
			sq(r, "::pg_catalog.regconfig, ");
		}
		sq_param(r, f->val);
		sq(r, ")");
		break;
	default:
		sq_field(r, qual, &f->f);
		sq(r, sq_opsql[f->op]);
		sq_param(r, f->op == REST_OP_LIKE || f->op == REST_OP_ILIKE ?
		    sq_star(r, f->val) : f->val);
		break;
	}
	sq(r, ")");
}

static void
sq_cond(struct rest *r, const char *qual, const struct rest_cond *c)
{
	size_t	 i;

	if (c->kind == REST_COND_FILTER) {
		sq_filter(r, qual, &c->flt);
		return;
	}
	if (c->negate)
		sq(r, "NOT ");
	if (c->nkids == 0) {
		sq(r, "true");
		return;
	}
	sq(r, "(");
	for (i = 0; i < c->nkids; i++) {
		if (i > 0)
			sq(r, c->kind == REST_COND_OR ? " OR " : " AND ");
		sq_cond(r, qual, c->kids[i]);
	}
	sq(r, ")");
}

static void
sq_where(struct rest *r, const char *qual)
{
	if (r->q.top.nkids == 0)
		return;
	sq(r, " WHERE ");
	sq_cond(r, qual, &r->q.top);
}

static void
sq_order(struct rest *r, const char *qual)
{
	const struct rest_order	*o;
	size_t			 i;

	for (i = 0; i < r->q.nord; i++) {
		o = &r->q.ord[i];
		sq(r, i == 0 ? " ORDER BY " : ", ");
		sq_field(r, qual, &o->f);
		if (o->dir == 1)
			sq(r, " ASC");
		else if (o->dir == 2)
			sq(r, " DESC");
		if (o->nulls == 1)
			sq(r, " NULLS FIRST");
		else if (o->nulls == 2)
			sq(r, " NULLS LAST");
	}
}

/* The select list over qual: "*" or the columns, aliased. */
static void
sq_select(struct rest *r, const char *qual)
{
	const struct rest_sel	*s;
	size_t			 i;

	if (r->q.nsel == 0) {
		sq(r, qual);
		sq(r, ".*");
		return;
	}
	for (i = 0; i < r->q.nsel; i++) {
		s = &r->q.sel[i];
		if (i > 0)
			sq(r, ", ");
		if (s->star) {
			sq(r, qual);
			sq(r, ".*");
			continue;
		}
		if (s->cast != NULL)
			sq(r, "CAST(");
		sq_field(r, qual, &s->f);
		if (s->cast != NULL) {
			sq(r, " AS ");
			sq(r, s->cast);
			sq(r, ")");
		}
		sq(r, " AS ");
		sq_ident(r, s->alias != NULL ? s->alias : s->f.njp > 0 &&
		    !s->f.jp[s->f.njp - 1].is_idx ? s->f.jp[s->f.njp - 1].key :
		    s->f.name);
	}
}

/* An integer (limit, offset) as a bind parameter too. */
static void
sq_param_i64(struct rest *r, int64_t v)
{
	sq_param(r, rest_printf(r, "%lld", (long long)v));
}

/* ------------------------------------------------------------------ */
/* Request pieces: path, profile, Prefer, Accept, Range                */
/* ------------------------------------------------------------------ */

static int
rest_method(struct rest *r)
{
	const char	*m = r->req->method;

	if (strcmp(m, "GET") == 0)
		r->m = M_GET;
	else if (strcmp(m, "HEAD") == 0)
		r->m = M_HEAD;
	else if (strcmp(m, "POST") == 0)
		r->m = M_POST;
	else if (!r->rpc && strcmp(m, "PATCH") == 0)
		r->m = M_PATCH;
	else if (!r->rpc && strcmp(m, "DELETE") == 0)
		r->m = M_DELETE;
	else if (strcmp(m, "OPTIONS") == 0) {
		sl_reply(r->req, 200, NULL, r->rpc ?
		    "Allow: OPTIONS,GET,HEAD,POST\r\n" :
		    "Allow: OPTIONS,GET,HEAD,POST,PUT,PATCH,DELETE\r\n", "", 0);
		return -1;
	} else if (r->rpc) {
		rest_fail(r, 405, "PGRST101", rest_printf(r, "Cannot use the "
		    "%s method on RPC", m), NULL, NULL);
		return -1;
	} else if (strcmp(m, "PUT") == 0) {
		rest_fail(r, 400, "PGRST127", "Feature not implemented",
		    "PUT is not implemented by supabase-local", NULL);
		return -1;
	} else {
		rest_fail(r, 405, "PGRST117", rest_printf(r, "Unsupported "
		    "HTTP method: %s", m), NULL, NULL);
		return -1;
	}
	return 0;
}

/* /rest/v1/<name> or /rest/v1/rpc/<name>, percent-decoded. */
static int
rest_route(struct rest *r)
{
	const char	*p = r->req->path + strlen("/rest/v1/");
	const char	*slash;
	struct buf	 b, raw;
	size_t		 i;

	if (strncmp(p, "rpc/", 4) == 0) {
		r->rpc = 1;
		p += 4;
	}
	slash = strchr(p, '/');
	if (*p == '\0' && !r->rpc) {
		rest_fail(r, 404, "PGRST126", "Root endpoint metadata is "
		    "disabled", NULL, NULL);
		return -1;
	}
	if (*p == '\0' || (slash != NULL && slash[1] != '\0')) {
		rest_fail(r, 404, "PGRST125", "Invalid path specified in "
		    "request URL", NULL, NULL);
		return -1;
	}
	/* A path segment is not form-encoded: a '+' is a '+'. */
	buf_init(&raw, SL_URI_MAX * 3);
	buf_init(&b, SL_URI_MAX);
	for (i = 0; p[i] != '\0' && &p[i] != slash; i++)
		if (p[i] == '+')
			buf_appends(&raw, "%2B");
		else
			buf_appendc(&raw, p[i]);
	if (raw.data == NULL || sl_urldecode(raw.data, raw.len, &b) == -1 ||
	    b.len == 0) {
		buf_release(&raw);
		buf_release(&b);
		rest_fail(r, 404, "PGRST125", "Invalid path specified in "
		    "request URL", NULL, NULL);
		return -1;
	}
	r->name = sl_arena_strndup(&r->a, b.data, b.len);
	buf_release(&raw);
	buf_release(&b);
	if (r->name == NULL) {
		rest_oom(r);
		return -1;
	}
	return 0;
}

/* Accept-Profile (reads) / Content-Profile (writes), as PostgREST. */
static int
rest_profile(struct rest *r)
{
	const char	*h = (r->m == M_GET || r->m == M_HEAD) ?
			    r->req->accept_profile : r->req->content_profile;
	struct buf	 list;
	size_t		 i;

	r->schema = r->conf->schemas[0];
	if (h == NULL)
		return 0;
	for (i = 0; i < r->conf->nschemas; i++)
		if (strcmp(h, r->conf->schemas[i]) == 0) {
			r->schema = r->conf->schemas[i];
			return 0;
		}
	buf_init(&list, SL_HEADER_MAX);
	for (i = 0; i < r->conf->nschemas; i++)
		buf_printf(&list, "%s%s", i ? ", " : "", r->conf->schemas[i]);
	rest_fail(r, 406, "PGRST106", rest_printf(r, "Invalid schema: %s", h),
	    NULL, rest_printf(r, "Only the following schemas are exposed: %s",
	    list.data ? list.data : ""));
	buf_release(&list);
	return -1;
}

static int
rest_tok_is(const char *p, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(p, lit, n) == 0;
}

/* Prefer (RFC 7240), PostgREST's Preferences.fromHeaders: the first of
 * each kind wins; unknown ones are an error with handling=strict. */
static int
rest_prefer(struct rest *r)
{
	const char	*h = r->req->prefer, *p, *e;
	struct buf	 bad;
	size_t		 n;
	int		 strict = 0, rc = 0;

	if (h == NULL)
		return 0;
	buf_init(&bad, SL_HEADER_MAX);
	for (p = h; *p != '\0'; p = *e ? e + 1 : e) {
		const char *t = p;

		if ((e = strchr(p, ',')) == NULL)
			e = p + strlen(p);
		n = (size_t)(e - p);
		strparse_trim(&t, &n);
		if (n == 0)
			continue;
		if (n > 7 && memcmp(t, "return=", 7) == 0 &&
		    (rest_tok_is(t, n, "return=minimal") ||
		    rest_tok_is(t, n, "return=representation") ||
		    rest_tok_is(t, n, "return=headers-only"))) {
			if (r->ret == RET_UNSET) {
				r->ret = t[7] == 'm' ? RET_MINIMAL :
				    t[7] == 'r' ? RET_REPR : RET_HEADERS;
				r->ret_tok = sl_arena_strndup(&r->a, t, n);
			}
		} else if (rest_tok_is(t, n, "count=exact") ||
		    rest_tok_is(t, n, "count=planned") ||
		    rest_tok_is(t, n, "count=estimated")) {
			/* planned/estimated are answered exactly. */
			if (!r->count) {
				r->count = 1;
				r->count_tok = sl_arena_strndup(&r->a, t, n);
			}
		} else if (rest_tok_is(t, n, "resolution=merge-duplicates") ||
		    rest_tok_is(t, n, "resolution=ignore-duplicates")) {
			if (r->res == RES_NONE)
				r->res = t[11] == 'm' ? RES_MERGE : RES_IGNORE;
		} else if (rest_tok_is(t, n, "handling=strict") ||
		    rest_tok_is(t, n, "handling=lenient")) {
			if (r->handling_tok == NULL) {
				r->handling_tok = sl_arena_strndup(&r->a, t, n);
				strict = t[9] == 's';
			}
		} else if (rest_tok_is(t, n, "params=single-object")) {
			r->single_object = 1;
		} else if (rest_tok_is(t, n, "tx=commit") ||
		    rest_tok_is(t, n, "tx=rollback") ||
		    rest_tok_is(t, n, "missing=default") ||
		    rest_tok_is(t, n, "missing=null") ||
		    (n > 13 && memcmp(t, "max-affected=", 13) == 0) ||
		    (n > 9 && memcmp(t, "timezone=", 9) == 0)) {
			/* Known, not applied (not echoed). */
		} else {
			if (bad.len > 0)
				buf_appends(&bad, ", ");
			buf_append(&bad, t, n);
		}
	}
	if (strict && bad.len > 0) {
		rest_fail(r, 400, "PGRST122", "Invalid preferences given with "
		    "handling=strict", rest_printf(r, "Invalid preferences: %s",
		    bad.data), NULL);
		rc = -1;
	}
	buf_release(&bad);
	return rc;
}

/* Accept: the first media type we can produce wins. */
static int
rest_accept(struct rest *r)
{
	const char	*h = r->req->accept, *p, *e, *semi;
	size_t		 n;

	if (h == NULL || *h == '\0')
		return 0;
	for (p = h; *p != '\0'; p = *e ? e + 1 : e) {
		const char *t = p;

		if ((e = strchr(p, ',')) == NULL)
			e = p + strlen(p);
		n = (size_t)(e - p);
		if ((semi = memchr(p, ';', n)) != NULL)
			n = (size_t)(semi - p);
		strparse_trim(&t, &n);
		if (strparse_eq_ci(t, n, "*/*") ||
		    strparse_eq_ci(t, n, "application/*") ||
		    strparse_eq_ci(t, n, "application/json") ||
		    strparse_eq_ci(t, n, "application/vnd.pgrst.array+json"))
			return 0;
		if (strparse_eq_ci(t, n, "application/vnd.pgrst.object+json") ||
		    strparse_eq_ci(t, n, "application/vnd.pgrst.object")) {
			r->singular = 1;
			return 0;
		}
	}
	rest_fail(r, 406, "PGRST107", rest_printf(r, "None of these media "
	    "types are available: %s", h), NULL, NULL);
	return -1;
}

/* Range: first-last (PostgREST's Range header, Range-Unit items), merged
 * with limit/offset. 0 ok; sets *off and *lim (-1: no limit). */
static int
rest_range(struct rest *r, int64_t *off, int64_t *lim)
{
	const char	*h = r->req->range, *dash;
	int64_t		 a, b = -1;

	*off = r->q.offset > 0 ? r->q.offset : 0;
	*lim = -1;
	if (r->q.has_limit) {
		if (r->q.limit < 0) {
			rest_fail(r, 416, "PGRST103", "Requested range not "
			    "satisfiable", "Limit should be greater than or "
			    "equal to zero.", NULL);
			return -1;
		}
		*lim = r->q.limit;
	}
	if (h == NULL || (r->m != M_GET && r->m != M_HEAD))
		return 0;
	if (strncmp(h, "items=", 6) == 0)
		h += 6;
	if ((dash = strchr(h, '-')) == NULL ||
	    strparse_i64(h, (size_t)(dash - h), 0, INT64_MAX, &a) == -1 ||
	    (dash[1] != '\0' && strparse_i64(dash + 1, strlen(dash + 1), 0,
	    INT64_MAX, &b) == -1))
		return 0;	/* not a range we understand: ignored */
	if (b != -1 && b < a) {
		rest_fail(r, 416, "PGRST103", "Requested range not "
		    "satisfiable", "The lower boundary must be lower than or "
		    "equal to the upper boundary in the Range header.", NULL);
		return -1;
	}
	/* Intersect [off, off+lim) with [a, b]. */
	{
		int64_t lo = *off > a ? *off : a;
		int64_t hi = -1;

		if (*lim >= 0)
			hi = *off + *lim - 1;
		if (b != -1 && (hi == -1 || b < hi))
			hi = b;
		*off = lo;
		*lim = hi == -1 ? -1 : (hi >= lo ? hi - lo + 1 : 0);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Checks against the schema cache                                     */
/* ------------------------------------------------------------------ */

static int
rest_col_check(struct rest *r, const char *col)
{
	if (sl_schema_col(r->rel, col) != NULL)
		return 0;
	/* Postgres' own words for the column PostgREST would have asked it
	 * for: 42703, 400. */
	rest_fail(r, 400, "42703", rest_printf(r, "column %s.%s does not "
	    "exist", r->rel->name, col), NULL, NULL);
	return -1;
}

static int
rest_cond_check(struct rest *r, const struct rest_cond *c)
{
	size_t	 i;

	if (c->kind == REST_COND_FILTER)
		return rest_col_check(r, c->flt.f.name);
	for (i = 0; i < c->nkids; i++)
		if (rest_cond_check(r, c->kids[i]) == -1)
			return -1;
	return 0;
}

static int
rest_query_check(struct rest *r)
{
	size_t	 i;

	for (i = 0; i < r->q.nsel; i++)
		if (!r->q.sel[i].star &&
		    rest_col_check(r, r->q.sel[i].f.name) == -1)
			return -1;
	if (rest_cond_check(r, &r->q.top) == -1)
		return -1;
	for (i = 0; i < r->q.nord; i++)
		if (rest_col_check(r, r->q.ord[i].f.name) == -1)
			return -1;
	for (i = 0; i < r->q.non_conflict; i++)
		if (rest_col_check(r, r->q.on_conflict[i]) == -1)
			return -1;
	return 0;
}

static void
rest_no_column(struct rest *r, const char *col)
{
	rest_fail(r, 400, "PGRST204", rest_printf(r, "Could not find the '%s' "
	    "column of '%s' in the schema cache", col, r->name), NULL, NULL);
}

/* ------------------------------------------------------------------ */
/* Request body                                                        */
/* ------------------------------------------------------------------ */

static int
rest_ctype_json(struct rest *r)
{
	const char	*ct = r->req->content_type, *semi;
	size_t		 n;

	if (ct == NULL || *ct == '\0')
		return 0;
	n = (semi = strchr(ct, ';')) != NULL ? (size_t)(semi - ct) :
	    strlen(ct);
	strparse_trim(&ct, &n);
	if (strparse_eq_ci(ct, n, "application/json") ||
	    strparse_eq_ci(ct, n, "application/vnd.pgrst.object+json") ||
	    strparse_eq_ci(ct, n, "application/vnd.pgrst.object"))
		return 0;
	rest_fail(r, 400, "PGRST102", rest_printf(r, "Content-Type not "
	    "acceptable: %.*s", (int)n, ct), NULL, NULL);
	return -1;
}

static int
rest_key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The keys of a JSON object, sorted. */
static const char **
rest_obj_keys(struct rest *r, json_t *o, size_t *n)
{
	const char	**k;
	const char	*key;
	json_t		*v;
	size_t		 i = 0;

	*n = json_object_size(o);
	if ((k = sl_arena_alloc(&r->a, (*n + 1) * sizeof(*k))) == NULL)
		return NULL;
	json_object_foreach(o, key, v)
		k[i++] = key;
	qsort(k, *n, sizeof(*k), rest_key_cmp);
	return k;
}

/* "[" body "]": one object as the array json_populate_recordset takes. */
static const char *
rest_wrap_array(struct rest *r)
{
	char	*p;

	if ((p = sl_arena_alloc(&r->a, r->req->bodylen + 3)) == NULL)
		return NULL;
	p[0] = '[';
	memcpy(p + 1, r->req->body, r->req->bodylen);
	p[r->req->bodylen + 1] = ']';
	p[r->req->bodylen + 2] = '\0';
	return p;
}

/*
 * The body of a POST/PATCH (PostgREST's Payload.hs): an object, or an
 * array of objects with the same keys; anything else is an empty array.
 * r->payload becomes a JSON array text for json_populate_recordset, and
 * r->keys the columns: ?columns= when given, else the payload's keys.
 */
static int
rest_payload(struct rest *r)
{
	json_error_t	 je;
	json_t		*j, *el, *first, *v;
	const char	*k;
	size_t		 i;

	if (rest_ctype_json(r) == -1)
		return -1;
	if (r->req->bodylen == 0 && r->rpc) {
		r->body = json_object();
		r->payload = "{}";
		return r->body != NULL ? 0 : (rest_oom(r), -1);
	}
	if (jsonx_depth(r->req->body, r->req->bodylen) > SL_REST_JSON_DEPTH ||
	    (j = json_loadb(r->req->body, r->req->bodylen,
	    JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL,
	    &je)) == NULL) {
		rest_fail(r, 400, "PGRST102", "Empty or invalid json", NULL,
		    NULL);
		return -1;
	}
	r->body = j;
	if (r->rpc) {
		r->payload = r->req->body;
		return 0;
	}

	if (json_is_object(j)) {
		r->payload = rest_wrap_array(r);
		r->keys = rest_obj_keys(r, j, &r->nkeys);
	} else if (json_is_array(j)) {
		r->payload = r->req->body;
		if (json_array_size(j) == 0) {
			r->keys = NULL;
			r->nkeys = 0;
		} else if (!r->q.has_columns) {
			el = json_array_get(j, 0);
			if (!json_is_object(el))
				goto uniform;
			first = el;
			if ((r->keys = rest_obj_keys(r, el, &r->nkeys)) == NULL) {
				rest_oom(r);
				return -1;
			}
			/* Same size and every key in the first: same set. */
			json_array_foreach(j, i, el) {
				if (!json_is_object(el) ||
				    json_object_size(el) != r->nkeys)
					goto uniform;
				json_object_foreach(el, k, v)
					if (json_object_get(first, k) == NULL)
						goto uniform;
			}
		}
	} else {
		/* PostgREST: "truncate everything else to an empty array" */
		r->payload = "[]";
		r->nkeys = 0;
	}
	if (r->payload == NULL) {
		rest_oom(r);
		return -1;
	}
	if (r->q.has_columns) {
		r->keys = rest_cstrv(r, r->q.columns, r->q.ncolumns);
		r->nkeys = r->q.ncolumns;
	}
	for (i = 0; i < r->nkeys; i++)
		if (sl_schema_col(r->rel, r->keys[i]) == NULL) {
			rest_no_column(r, r->keys[i]);
			return -1;
		}
	return 0;
uniform:
	rest_fail(r, 400, "PGRST102", "All object keys must match", NULL,
	    NULL);
	return -1;
}

/* ------------------------------------------------------------------ */
/* Running the statement                                               */
/* ------------------------------------------------------------------ */

/* request.headers: lowercased, no Cookie (nor the apikey, which Kong's
 * key-auth hides), the Authorization the gateway produced. */
static char *
rest_headers_json(struct rest *r)
{
	json_t		*h = json_object();
	char		**e, *out = NULL, key[256];
	const char	*eq, *name;
	struct buf	 b;
	size_t		 i, n;

	if (h == NULL)
		return NULL;
	for (e = r->req->fcgi->envp; e != NULL && *e != NULL; e++) {
		if (strncmp(*e, "HTTP_", 5) != 0 ||
		    (eq = strchr(*e, '=')) == NULL)
			continue;
		name = *e + 5;
		n = (size_t)(eq - name);
		if (n == 0 || n >= sizeof(key))
			continue;
		for (i = 0; i < n; i++)
			key[i] = name[i] == '_' ? '-' :
			    (char)tolower((unsigned char)name[i]);
		key[n] = '\0';
		if (strcmp(key, "cookie") == 0 || strcmp(key, "apikey") == 0 ||
		    strcmp(key, "authorization") == 0)
			continue;
		json_object_set_new(h, key, json_string(eq + 1));
	}
	if (r->req->content_type != NULL)
		json_object_set_new(h, "content-type",
		    json_string(r->req->content_type));
	if (r->req->bearer != NULL) {
		buf_init(&b, SL_JWT_MAX_LEN + 16);
		if (buf_printf(&b, "Bearer %s", r->req->bearer) == 0)
			json_object_set_new(h, "authorization",
			    json_string(b.data));
		buf_release(&b);
	} else if (r->req->authorization != NULL)
		json_object_set_new(h, "authorization",
		    json_string(r->req->authorization));
	buf_init(&b, SL_BODY_MAX);
	if (jsonx_dumpb(&b, h) == 0 && b.data != NULL)
		out = sl_arena_strndup(&r->a, b.data, b.len);
	buf_release(&b);
	json_decref(h);
	return out;
}

static PGresult *
rest_exec(struct rest *r, const char *sql, int np, const char *const *pv)
{
	return PQexecParams(r->db, sql, np, NULL, pv, NULL, NULL, 0);
}

/* BEGIN + the set_config statement. 0, or -1 after replying. */
static int
rest_begin(struct rest *r, int readonly)
{
	const struct sl_rolecfg	*rc;
	PGresult		*res;
	struct buf		 q;
	const char		*pv[6 + 2 * 8];
	char			*claims = NULL, *hdrs;
	const char		*sp, *path;
	int			 np = 6, ok = -1;
	size_t			 i;

	const char *begin = readonly ?
	    "BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY" :
	    "BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE";

	res = PQexec(r->db, begin);
	if (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQstatus(r->db) == CONNECTION_BAD) {
		/* The server went away since the last request (restart):
		 * nothing has run yet, so one fresh connection may retry. */
		PQclear(res);
		sl_db_drop(r->db);
		if ((r->db = sl_db_rest(r->conf)) == NULL) {
			rest_fail(r, 503, "PGRST000", "Database connection "
			    "error. Retrying the connection.", sl_db_error(),
			    NULL);
			return -1;
		}
		res = PQexec(r->db, begin);
	}
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		rest_pg_error(r, res);
		PQclear(res);
		return -1;
	}
	PQclear(res);

	buf_init(&q, 4096);
	claims = json_dumps(r->req->claims, JSON_COMPACT);
	sp = rest_printf(r, "\"%s\", public, extensions", r->schema);
	hdrs = rest_headers_json(r);
	path = rest_printf(r, "/%s%s", r->rpc ? "rpc/" : "", r->name);
	if (claims == NULL || hdrs == NULL) {
		rest_oom(r);
		goto out;
	}
	pv[0] = sp;
	pv[1] = r->req->role != NULL && *r->req->role ? r->req->role : "anon";
	pv[2] = claims;
	pv[3] = r->req->method;
	pv[4] = path;
	pv[5] = hdrs;
	buf_appends(&q, "SELECT pg_catalog.set_config('search_path', $1, true),"
	    " pg_catalog.set_config('role', $2, true),"
	    " pg_catalog.set_config('request.jwt.claims', $3, true),"
	    " pg_catalog.set_config('request.method', $4, true),"
	    " pg_catalog.set_config('request.path', $5, true),"
	    " pg_catalog.set_config('request.headers', $6, true)");
	/* The impersonated role's own settings (statement_timeout, ...). */
	for (i = 0; i < r->sc->nrolecfg && np + 2 <= (int)(sizeof(pv) /
	    sizeof(pv[0])); i++) {
		rc = &r->sc->rolecfg[i];
		if (strcmp(rc->role, pv[1]) != 0)
			continue;
		pv[np] = rc->key;
		pv[np + 1] = rc->value;
		buf_printf(&q, ", pg_catalog.set_config($%d, $%d, true)",
		    np + 1, np + 2);
		np += 2;
	}
	if (q.data == NULL) {
		rest_oom(r);
		goto out;
	}
	res = rest_exec(r, q.data, np, pv);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		rest_pg_error(r, res);
	else
		ok = 0;
	PQclear(res);
out:
	buf_release(&q);
	free(claims);
	return ok;
}

static void
rest_rollback(struct rest *r)
{
	PGresult	*res;

	if (r->db == NULL)
		return;
	res = PQexec(r->db, "ROLLBACK");
	PQclear(res);
}

static int
rest_commit(struct rest *r)
{
	PGresult	*res;
	int		 ok = 0;

	res = PQexec(r->db, "COMMIT");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		rest_pg_error(r, res);
		ok = -1;
	}
	PQclear(res);
	return ok;
}

/* Run the built statement inside the transaction; NULL after replying. */
static PGresult *
rest_run(struct rest *r, ExecStatusType want)
{
	PGresult	*res;

	if (r->sqlerr) {
		if (r->sqlerr == 2)
			rest_fail(r, 400, "PGRST100", "too many values in the "
			    "request", NULL, NULL);
		else
			rest_oom(r);
		return NULL;
	}
	log_debug(SL_REST_MOD, "sql: %s", r->sql.data);
	res = rest_exec(r, r->sql.data, r->np, r->pv);
	if (PQresultStatus(res) != want) {
		rest_pg_error(r, res);
		PQclear(res);
		return NULL;
	}
	return res;
}

static void
rest_hdr(struct rest *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
rest_hdr(struct rest *r, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	buf_vprintf(&r->hdr, fmt, ap);
	va_end(ap);
}

/* Preference-Applied, in PostgREST's order. */
static void
rest_pref_applied(struct rest *r, int mutation)
{
	const char	*v[4];
	size_t		 n = 0, i;

	if (r->applied_res)
		v[n++] = r->res == RES_MERGE ? "resolution=merge-duplicates" :
		    "resolution=ignore-duplicates";
	if (mutation && r->ret_tok != NULL)
		v[n++] = r->ret_tok;
	if (r->count_tok != NULL)
		v[n++] = r->count_tok;
	if (r->handling_tok != NULL)
		v[n++] = r->handling_tok;
	if (n == 0)
		return;
	rest_hdr(r, "Preference-Applied: ");
	for (i = 0; i < n; i++)
		rest_hdr(r, "%s%s", i ? ", " : "", v[i]);
	rest_hdr(r, "\r\n");
}

static void
rest_singular_error(struct rest *r, long long n)
{
	rest_fail(r, 406, "PGRST116", "Cannot coerce the result to a single "
	    "JSON object", rest_printf(r, "The result contains %lld rows", n),
	    NULL);
}

static long long
rest_ll(const PGresult *res, int row, int col)
{
	int64_t	 v = 0;

	if (PQgetisnull(res, row, col) || strparse_i64(PQgetvalue(res, row,
	    col), (size_t)PQgetlength(res, row, col), INT64_MIN, INT64_MAX,
	    &v) == -1)
		return -1;
	return (long long)v;
}

/* "first-last/total" (PostgREST's contentRangeH). */
static void
rest_content_range(struct rest *r, long long lower, long long upper,
    long long total)
{
	char	 t[32];

	if (total >= 0)
		snprintf(t, sizeof(t), "%lld", total);
	else
		snprintf(t, sizeof(t), "*");
	if (total != 0 && lower <= upper)
		rest_hdr(r, "Content-Range: %lld-%lld/%s\r\n", lower, upper, t);
	else
		rest_hdr(r, "Content-Range: */%s\r\n", t);
}

/* ------------------------------------------------------------------ */
/* Reads                                                               */
/* ------------------------------------------------------------------ */

/* SELECT total, page_total, body over a source already in r->sql's
 * FROM position (written by src()). */
static void
sq_read(struct rest *r, void (*src)(struct rest *), int64_t off,
    int64_t lim, int singular_body)
{
	sq(r, "SELECT ");
	if (r->count) {
		sq(r, "(SELECT pg_catalog.count(*) FROM ");
		src(r);
		sq_where(r, "pgrst_t");
		sq(r, ")");
	} else
		sq(r, "NULL::bigint");
	sq(r, ", pg_catalog.count(_postgrest_t), ");
	sq(r, singular_body ?
	    "coalesce((pg_catalog.json_agg(_postgrest_t)->0)::text, 'null')" :
	    "coalesce(pg_catalog.json_agg(_postgrest_t), '[]')::text");
	sq(r, " FROM (SELECT ");
	sq_select(r, "pgrst_t");
	sq(r, " FROM ");
	src(r);
	sq_where(r, "pgrst_t");
	sq_order(r, "pgrst_t");
	if (lim >= 0) {
		sq(r, " LIMIT ");
		sq_param_i64(r, lim);
	}
	if (off > 0) {
		sq(r, " OFFSET ");
		sq_param_i64(r, off);
	}
	sq(r, ") _postgrest_t");
}

static void
src_table(struct rest *r)
{
	sq_qname(r, r->schema, r->name);
	sq(r, " pgrst_t");
}

static void
src_cte(struct rest *r)
{
	sq(r, "pgrst_source pgrst_t");
}

/* Reply to a read from its (total, page_total, body) row. */
static int
rest_read_reply(struct rest *r, PGresult *res, int64_t off)
{
	long long	 total = rest_ll(res, 0, 0), n = rest_ll(res, 0, 1);
	const char	*body = PQgetvalue(res, 0, 2);
	long long	 lower = (long long)off, upper = lower + n - 1;
	int		 status = 200;

	if (r->singular && n != 1) {
		rest_singular_error(r, n);
		return -1;
	}
	if (r->count && total >= 0) {
		if (lower > total) {
			rest_hdr(r, "Content-Range: */%lld\r\n", total);
			sl_reply_pgrst_h(r->req, 416, r->hdr.data, "PGRST103",
			    "Requested range not satisfiable", rest_printf(r,
			    "An offset of %lld was requested, but there are "
			    "only %lld rows.", lower, total), NULL);
			return -1;
		}
		if (1 + upper - lower < total)
			status = 206;
	}
	rest_content_range(r, lower, upper, r->count ? total : -1);
	rest_pref_applied(r, 0);
	sl_reply(r->req, status, r->singular ? CT_OBJECT : CT_JSON,
	    r->hdr.data, body, strlen(body));
	return 0;
}

static int
rest_table_read(struct rest *r)
{
	PGresult	*res;
	int64_t		 off, lim;
	int		 rc;

	if (rest_range(r, &off, &lim) == -1)
		return -1;
	if (lim < 0 || lim > SL_MAX_ROWS)
		lim = SL_MAX_ROWS;
	sq_read(r, src_table, off, lim, r->singular);
	if ((res = rest_run(r, PGRES_TUPLES_OK)) == NULL)
		return -1;
	rc = rest_commit(r) == 0 ? rest_read_reply(r, res, off) : -1;
	PQclear(res);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Writes                                                              */
/* ------------------------------------------------------------------ */

/* Columns of the primary key, or the on_conflict list. */
static size_t
rest_conflict_cols(struct rest *r, const char ***out)
{
	const char	**l;
	size_t		 i, n = 0;

	if (r->q.has_on_conflict) {
		*out = rest_cstrv(r, r->q.on_conflict, r->q.non_conflict);
		return r->q.non_conflict;
	}
	if ((l = sl_arena_alloc(&r->a, (r->rel->ncols + 1) *
	    sizeof(*l))) == NULL)
		return 0;
	for (i = 0; i < r->rel->ncols; i++)
		if (r->rel->cols[i].pk)
			l[n++] = r->rel->cols[i].name;
	*out = l;
	return n;
}

static void
sq_insert(struct rest *r)
{
	const char	**cc;
	size_t		 i, ncc;

	sq(r, "INSERT INTO ");
	sq_qname(r, r->schema, r->name);
	sq(r, " AS pgrst_t");
	if (r->nkeys == 0) {
		/* {} and [{}...]: rows of defaults; [] inserts nothing. */
		sq(r, " SELECT FROM pg_catalog.json_array_elements(");
		sq_param(r, r->payload);
		sq(r, "::json)");
	} else {
		sq(r, " (");
		for (i = 0; i < r->nkeys; i++) {
			if (i > 0)
				sq(r, ", ");
			sq_ident(r, r->keys[i]);
		}
		sq(r, ") SELECT ");
		for (i = 0; i < r->nkeys; i++) {
			if (i > 0)
				sq(r, ", ");
			sq(r, "pgrst_body.");
			sq_ident(r, r->keys[i]);
		}
		sq(r, " FROM pg_catalog.json_populate_recordset(NULL::");
		sq_qname(r, r->schema, r->name);
		sq(r, ", ");
		sq_param(r, r->payload);
		sq(r, "::json) pgrst_body");
	}
	if (r->res == RES_NONE)
		return;
	ncc = rest_conflict_cols(r, &cc);
	if (r->res == RES_MERGE && (ncc == 0 || r->nkeys == 0))
		return;		/* nothing to merge on / with */
	r->applied_res = 1;
	sq(r, " ON CONFLICT");
	if (ncc > 0) {
		sq(r, " (");
		for (i = 0; i < ncc; i++) {
			if (i > 0)
				sq(r, ", ");
			sq_ident(r, cc[i]);
		}
		sq(r, ")");
	}
	if (r->res == RES_IGNORE) {
		sq(r, " DO NOTHING");
		return;
	}
	sq(r, " DO UPDATE SET ");
	for (i = 0; i < r->nkeys; i++) {
		if (i > 0)
			sq(r, ", ");
		sq_ident(r, r->keys[i]);
		sq(r, " = EXCLUDED.");
		sq_ident(r, r->keys[i]);
	}
}

/* PATCH/DELETE with limit: PostgREST's limited update/delete, by ctid. */
static void
sq_limited(struct rest *r, int64_t off, int64_t lim)
{
	if (lim < 0 && off == 0) {
		sq_where(r, "pgrst_t");
		return;
	}
	sq(r, " WHERE pgrst_t.ctid = ANY (ARRAY(SELECT pgrst_t.ctid FROM ");
	src_table(r);
	sq_where(r, "pgrst_t");
	sq_order(r, "pgrst_t");
	if (lim >= 0) {
		sq(r, " LIMIT ");
		sq_param_i64(r, lim);
	}
	if (off > 0) {
		sq(r, " OFFSET ");
		sq_param_i64(r, off);
	}
	sq(r, "))");
}

static void
sq_update(struct rest *r, int64_t off, int64_t lim)
{
	size_t	 i;

	sq(r, "UPDATE ");
	sq_qname(r, r->schema, r->name);
	sq(r, " AS pgrst_t SET ");
	for (i = 0; i < r->nkeys; i++) {
		if (i > 0)
			sq(r, ", ");
		sq_ident(r, r->keys[i]);
		sq(r, " = pgrst_body.");
		sq_ident(r, r->keys[i]);
	}
	sq(r, " FROM (SELECT * FROM pg_catalog.json_populate_recordset(NULL::");
	sq_qname(r, r->schema, r->name);
	sq(r, ", ");
	sq_param(r, r->payload);
	sq(r, "::json) LIMIT 1) pgrst_body");
	sq_limited(r, off, lim);
}

static void
sq_delete(struct rest *r, int64_t off, int64_t lim)
{
	sq(r, "DELETE FROM ");
	sq_qname(r, r->schema, r->name);
	sq(r, " AS pgrst_t");
	sq_limited(r, off, lim);
}

/* Location of the first inserted row: /<table>?pk=eq.value&... */
static void
rest_location(struct rest *r, const char *json)
{
	json_t		*a, *row, *v;
	const char	*k;
	char		*s;
	struct buf	 loc;
	size_t		 i;
	int		 first = 1;

	a = json_loads(json, JSON_DECODE_ANY, NULL);
	row = json_array_get(a, 0);
	if (!json_is_object(row) || json_object_size(row) == 0) {
		json_decref(a);
		return;
	}
	buf_init(&loc, SL_HEADER_MAX);
	buf_printf(&loc, "Location: /%s?", r->name);
	json_object_foreach(row, k, v) {
		s = json_is_string(v) ? strdup(json_string_value(v)) :
		    json_dumps(v, JSON_ENCODE_ANY);
		buf_printf(&loc, "%s%s=eq.", first ? "" : "&", k);
		first = 0;
		for (i = 0; s != NULL && s[i] != '\0'; i++) {
			unsigned char c = (unsigned char)s[i];

			if (isalnum(c) || c == '-' || c == '_' || c == '.' ||
			    c == '~')
				buf_appendc(&loc, (char)c);
			else
				buf_printf(&loc, "%%%02X", c);
		}
		free(s);
	}
	buf_appends(&loc, "\r\n");
	if (loc.data != NULL)
		buf_appends(&r->hdr, loc.data);
	buf_release(&loc);
	json_decref(a);
}

static int
rest_table_write(struct rest *r)
{
	PGresult	*res = NULL;
	int64_t		 off = 0, lim = -1;
	long long	 n;
	const char	*body = "";
	int		 repr, headers_only, status, rc = -1;
	size_t		 i;

	if (r->m != M_POST && rest_range(r, &off, &lim) == -1)
		return -1;
	if (r->m != M_DELETE && rest_payload(r) == -1)
		return -1;
	repr = r->ret == RET_REPR;
	headers_only = r->ret == RET_HEADERS && r->m == M_POST;

	if (r->m == M_PATCH && r->nkeys == 0) {
		/* Nothing to set: PostgREST answers without touching rows. */
		rest_content_range(r, 0, -1, r->count ? 0 : -1);
		rest_pref_applied(r, 1);
		if (repr)
			sl_reply(r->req, 200, r->singular ? CT_OBJECT : CT_JSON,
			    r->hdr.data, "[]", 2);
		else
			sl_reply(r->req, 204, NULL, r->hdr.data, "", 0);
		return 0;
	}

	if (repr || headers_only || r->singular)
		sq(r, "WITH pgrst_source AS (");
	if (r->m == M_POST)
		sq_insert(r);
	else if (r->m == M_PATCH)
		sq_update(r, off, lim);
	else
		sq_delete(r, off, lim);
	if (repr || headers_only || r->singular) {
		sq(r, " RETURNING pgrst_t.*) SELECT NULL::bigint,"
		    " pg_catalog.count(_postgrest_t), ");
		sq(r, r->singular ? "coalesce((pg_catalog.json_agg("
		    "_postgrest_t)->0)::text, 'null')" :
		    "coalesce(pg_catalog.json_agg(_postgrest_t), '[]')::text");
		sq(r, " FROM (SELECT ");
		if (headers_only) {
			/* only the key, for Location */
			size_t npk = 0;

			for (i = 0; i < r->rel->ncols; i++)
				if (r->rel->cols[i].pk) {
					sq(r, npk++ ? ", pgrst_t." : "pgrst_t.");
					sq_ident(r, r->rel->cols[i].name);
				}
			if (npk == 0)
				sq(r, "1 AS pgrst_nokey");
		} else
			sq_select(r, "pgrst_t");
		sq(r, " FROM pgrst_source pgrst_t) _postgrest_t");
		if ((res = rest_run(r, PGRES_TUPLES_OK)) == NULL)
			return -1;
		n = rest_ll(res, 0, 1);
		body = PQgetvalue(res, 0, 2);
	} else {
		if ((res = rest_run(r, PGRES_COMMAND_OK)) == NULL)
			return -1;
		{
			const char *ct = PQcmdTuples(res);
			int64_t	    v = 0;

			n = strparse_i64(ct, strlen(ct), 0, INT64_MAX, &v) == 0 ?
			    (long long)v : 0;
		}
	}

	/* Singular mutations that touch not exactly one row are undone. */
	if (r->singular && n != 1) {
		rest_singular_error(r, n);
		goto out;
	}
	if (rest_commit(r) == -1)
		goto out;
	if (r->m == M_POST)
		rest_content_range(r, 1, 0, r->count ? n : -1);
	else
		rest_content_range(r, 0, n - 1, r->count ? n : -1);
	if (headers_only)
		rest_location(r, body);
	rest_pref_applied(r, 1);
	status = r->m == M_POST ? 201 : repr ? 200 : 204;
	if (repr)
		sl_reply(r->req, status, r->singular ? CT_OBJECT : CT_JSON,
		    r->hdr.data, body, strlen(body));
	else
		sl_reply(r->req, status, NULL, r->hdr.data, "", 0);
	rc = 0;
out:
	PQclear(res);
	return rc;
}

/* ------------------------------------------------------------------ */
/* RPC                                                                 */
/* ------------------------------------------------------------------ */

struct rest_keys {
	const char	**k;
	size_t		 n;
};

static int
rest_fn_has_arg(const struct sl_fn *fn, const char *name)
{
	size_t	 i;

	for (i = 0; i < fn->nargs; i++)
		if (strcmp(fn->args[i].name, name) == 0)
			return 1;
	return 0;
}

static int
rest_keys_has(const struct rest_keys *ks, const char *name)
{
	size_t	 i;

	for (i = 0; i < ks->n; i++)
		if (strcmp(ks->k[i], name) == 0)
			return 1;
	return 0;
}

/* PostgREST's matchesParams: every key is a parameter, every required
 * parameter is a key. */
static int
rest_fn_matches(const struct sl_fn *fn, const struct rest_keys *ks)
{
	size_t	 i;

	for (i = 0; i < ks->n; i++)
		if (!rest_fn_has_arg(fn, ks->k[i]))
			return 0;
	for (i = 0; i < fn->nargs; i++)
		if (!fn->args[i].optional &&
		    !rest_keys_has(ks, fn->args[i].name))
			return 0;
	return 1;
}

static int
rest_fn_single_json(const struct sl_fn *fn)
{
	return fn->nargs == 1 && (strcmp(fn->args[0].type, "json") == 0 ||
	    strcmp(fn->args[0].type, "jsonb") == 0);
}

static void
rest_no_rpc(struct rest *r, const struct rest_keys *ks, int post)
{
	struct buf	 a;
	size_t		 i;
	const char	*args, *det;

	buf_init(&a, SL_URI_MAX);
	buf_appends(&a, "");
	for (i = 0; i < ks->n; i++)
		buf_printf(&a, "%s%s", i ? ", " : "", ks->k[i]);
	args = a.data != NULL ? a.data : "";
	det = ks->n == 0 ? " without parameters" : rest_printf(r,
	    " with parameter%s %s", ks->n > 1 ? "s" : "", args);
	rest_fail(r, 404, "PGRST202", ks->n == 0 ?
	    rest_printf(r, "Could not find the function %s.%s without "
	    "parameters in the schema cache", r->schema, r->name) :
	    rest_printf(r, "Could not find the function %s.%s(%s) in the "
	    "schema cache", r->schema, r->name, args),
	    rest_printf(r, "Searched for the function %s.%s%s%s, but no "
	    "matches were found in the schema cache.", r->schema, r->name, det,
	    post ? " or with a single unnamed json/jsonb parameter" : ""),
	    NULL);
	buf_release(&a);
}

static void
rest_ambiguous(struct rest *r, const struct sl_fn *const *c, size_t n)
{
	struct buf	 m;
	size_t		 i, j;

	buf_init(&m, SL_URI_MAX);
	buf_appends(&m, "Could not choose the best candidate function "
	    "between: ");
	for (i = 0; i < n; i++) {
		buf_printf(&m, "%s%s.%s(", i ? ", " : "", c[i]->schema,
		    c[i]->name);
		for (j = 0; j < c[i]->nargs; j++)
			buf_printf(&m, "%s%s => %s", j ? ", " : "",
			    c[i]->args[j].name, c[i]->args[j].type);
		buf_appends(&m, ")");
	}
	rest_fail(r, 300, "PGRST203", m.data ? m.data : "", NULL, "Try "
	    "renaming the parameters or the function itself in the database "
	    "so function overloading can be resolved");
	buf_release(&m);
}

/* PostgREST's findProc. 0 with r->fn set, or -1 after replying. */
static int
rest_fn_find(struct rest *r, const struct rest_keys *ks, int post)
{
	const struct sl_fn	*named[8], *single[8];
	size_t			 nn = 0, ns = 0, i, seen = 0;

	for (i = 0; i < r->sc->nfns; i++) {
		const struct sl_fn *fn = &r->sc->fns[i];

		if (strcmp(fn->name, r->name) != 0 ||
		    strcmp(fn->schema, r->schema) != 0)
			continue;
		seen++;
		if (r->single_object && post) {
			if (rest_fn_single_json(fn) && nn < 8)
				named[nn++] = fn;
		} else if (rest_fn_matches(fn, ks)) {
			if (nn < 8)
				named[nn++] = fn;
		} else if (post && rest_fn_single_json(fn) && ns < 8)
			single[ns++] = fn;
	}
	if (seen == 0)
		return 1;		/* unknown name: maybe reload */
	if (nn == 1) {
		r->fn = named[0];
		r->fn_single = r->single_object && post;
		return 0;
	}
	if (nn > 1) {
		rest_ambiguous(r, named, nn);
		return -1;
	}
	if (ns == 1) {
		r->fn = single[0];
		r->fn_single = 1;
		return 0;
	}
	if (ns > 1) {
		rest_ambiguous(r, single, ns);
		return -1;
	}
	rest_no_rpc(r, ks, post);
	return -1;
}

/* "schema"."fn"(args) for the matched function. */
static void
sq_call(struct rest *r, const struct rest_keys *ks)
{
	const struct sl_fn	*fn = r->fn;
	size_t			 i, n = 0;

	sq_qname(r, fn->schema, fn->name);
	sq(r, "(");
	if (r->fn_single) {
		sq_param(r, r->payload);
		sq(r, "::");
		sq(r, fn->args[0].type);
	} else {
		for (i = 0; i < fn->nargs; i++) {
			if (!rest_keys_has(ks, fn->args[i].name))
				continue;
			if (n++ > 0)
				sq(r, ", ");
			sq_ident(r, fn->args[i].name);
			sq(r, " := pgrst_args.");
			sq_ident(r, fn->args[i].name);
		}
	}
	sq(r, ")");
}

/* FROM json_to_record($1) AS pgrst_args("a" type, ...), LATERAL */
static void
sq_args(struct rest *r, const struct rest_keys *ks, const char *argsjson)
{
	const struct sl_fn	*fn = r->fn;
	size_t			 i, n = 0;

	if (r->fn_single || ks->n == 0)
		return;
	sq(r, "pg_catalog.json_to_record(");
	sq_param(r, argsjson);
	sq(r, "::json) AS pgrst_args(");
	for (i = 0; i < fn->nargs; i++) {
		if (!rest_keys_has(ks, fn->args[i].name))
			continue;
		if (n++ > 0)
			sq(r, ", ");
		sq_ident(r, fn->args[i].name);
		sq(r, " ");
		sq(r, fn->args[i].type);	/* format_type(): catalog text */
	}
	sq(r, "), ");
}

/*
 * RPC step 1: the call's arguments. POST: the payload's (first) object's
 * keys, the payload as the JSON argument; GET: the non-filter query
 * parameters, as strings, into *o (owned by the caller). columns= names
 * the keys instead. 0, or -1 after replying.
 */
static int
rest_rpc_args(struct rest *r, int post, struct rest_keys *ks,
    const char **argsjson, json_t **o)
{
	json_t	*first;
	char	*d;
	size_t	 i;

	if (post) {
		if (rest_payload(r) == -1)
			return -1;
		first = json_is_array(r->body) ? json_array_get(r->body, 0) :
		    r->body;
		if (json_is_object(first) &&
		    (ks->k = rest_obj_keys(r, first, &ks->n)) == NULL) {
			rest_oom(r);
			return -1;
		}
		*argsjson = r->payload;
	} else {
		if ((*o = json_object()) == NULL) {
			rest_oom(r);
			return -1;
		}
		for (i = 0; i < r->q.nparams; i++)
			if (json_object_get(*o, r->q.pnames[i]) == NULL)
				json_object_set_new(*o, r->q.pnames[i],
				    json_string(r->q.pvals[i]));
		ks->k = rest_obj_keys(r, *o, &ks->n);
		d = json_dumps(*o, JSON_COMPACT);
		*argsjson = d != NULL ? rest_printf(r, "%s", d) : NULL;
		free(d);
		if (ks->k == NULL || *argsjson == NULL) {
			rest_oom(r);
			return -1;
		}
	}
	if (r->q.has_columns) {
		ks->k = rest_cstrv(r, r->q.columns, r->q.ncolumns);
		ks->n = r->q.ncolumns;
		qsort(ks->k, ks->n, sizeof(*ks->k), rest_key_cmp);
	}
	return 0;
}

/* RPC step 2: the function these arguments call, looked up again after
 * one schema reload (a function created a moment ago?). 0, or -1 after
 * replying. */
static int
rest_rpc_find(struct rest *r, const struct rest_keys *ks, int post)
{
	const struct sl_schema	*sc;
	int			 rc;

	if ((rc = rest_fn_find(r, ks, post)) == 1) {
		if ((sc = sl_schema_get(r->db, r->conf, 1)) != NULL)
			r->sc = sc;
		if ((rc = rest_fn_find(r, ks, post)) == 1)
			rest_no_rpc(r, ks, post);
	}
	return rc == 0 ? 0 : -1;
}

/* RPC step 3: the statement. Columns: total count, rows, body. */
static void
rest_rpc_sql(struct rest *r, const struct rest_keys *ks,
    const char *argsjson, int64_t off, int64_t lim)
{
	if (r->fn->retvoid || (!r->fn->retset && !r->fn->retcomposite)) {
		/* A scalar (or void): one value. */
		sq(r, "SELECT NULL::bigint, 1, coalesce((pg_catalog.json_agg("
		    "pgrst_call.pgrst_scalar)->0)::text, 'null') FROM ");
		sq_args(r, ks, argsjson);
		sq(r, "LATERAL (SELECT ");
		sq_call(r, ks);
		sq(r, " AS pgrst_scalar) pgrst_call");
		return;
	}
	if (lim < 0 || lim > SL_MAX_ROWS)
		lim = r->fn->retset ? SL_MAX_ROWS : -1;
	sq(r, "WITH pgrst_source AS (SELECT pgrst_call.* FROM ");
	sq_args(r, ks, argsjson);
	sq(r, "LATERAL ");
	sq_call(r, ks);
	sq(r, r->fn->retcomposite ? " pgrst_call" :
	    " pgrst_call(pgrst_scalar)");
	sq(r, ") ");
	if (r->fn->retcomposite) {
		sq_read(r, src_cte, off, lim, r->singular || !r->fn->retset);
		return;
	}
	/* SETOF a scalar: an array of values. */
	sq(r, "SELECT ");
	if (r->count)
		sq(r, "(SELECT pg_catalog.count(*) FROM pgrst_source)");
	else
		sq(r, "NULL::bigint");
	sq(r, ", pg_catalog.count(_postgrest_t), ");
	sq(r, r->singular ? "coalesce((pg_catalog.json_agg("
	    "_postgrest_t.pgrst_scalar)->0)::text, 'null')" :
	    "coalesce(pg_catalog.json_agg(_postgrest_t."
	    "pgrst_scalar), '[]')::text");
	sq(r, " FROM (SELECT * FROM pgrst_source");
	if (lim >= 0) {
		sq(r, " LIMIT ");
		sq_param_i64(r, lim);
	}
	if (off > 0) {
		sq(r, " OFFSET ");
		sq_param_i64(r, off);
	}
	sq(r, ") _postgrest_t");
}

/* RPC step 4: commit and answer: 204 for void, the value for a scalar,
 * else the rows (one, for a singular request). 0, or -1 after
 * replying. */
static int
rest_rpc_reply(struct rest *r, PGresult *res, int64_t off)
{
	const char	*body;
	long long	 n;

	if (r->fn->retvoid) {
		if (rest_commit(r) == -1)
			return -1;
		rest_pref_applied(r, 0);
		sl_reply(r->req, 204, NULL, r->hdr.data, "", 0);
		return 0;
	}
	if (!r->fn->retset && !r->singular) {
		body = PQgetvalue(res, 0, 2);
		if (rest_commit(r) == -1)
			return -1;
		rest_content_range(r, 0, 0, -1);
		rest_pref_applied(r, 0);
		sl_reply(r->req, 200, CT_JSON, r->hdr.data, body,
		    strlen(body));
		return 0;
	}
	n = rest_ll(res, 0, 1);
	if (r->singular && n != 1) {
		rest_singular_error(r, n);
		return -1;
	}
	if (rest_commit(r) == -1)
		return -1;
	return rest_read_reply(r, res, off);
}

/* /rest/v1/rpc/<fn>: arguments, function, range, transaction, statement,
 * answer. */
static int
rest_rpc(struct rest *r)
{
	struct rest_keys	 ks;
	const char		*argsjson = NULL;
	json_t			*o = NULL;
	PGresult		*res = NULL;
	int64_t			 off = 0, lim = -1;
	int			 post = r->m == M_POST, rc = -1;

	memset(&ks, 0, sizeof(ks));
	if (rest_rpc_args(r, post, &ks, &argsjson, &o) == -1 ||
	    rest_rpc_find(r, &ks, post) == -1 ||
	    rest_range(r, &off, &lim) == -1)
		goto out;
	/* PostgREST's transactionMode: reads, and POST to STABLE or
	 * IMMUTABLE functions, are READ ONLY. */
	if (rest_begin(r, !post || r->fn->volatility != 'v') == -1)
		goto out;
	rest_rpc_sql(r, &ks, argsjson, off, lim);
	if ((res = rest_run(r, PGRES_TUPLES_OK)) == NULL)
		goto out;
	rc = rest_rpc_reply(r, res, off);
out:
	PQclear(res);
	json_decref(o);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Entry point                                                         */
/* ------------------------------------------------------------------ */

static int
rest_connect(struct rest *r)
{
	if ((r->db = sl_db_rest(r->conf)) == NULL) {
		rest_fail(r, 503, "PGRST000", "Database connection error. "
		    "Retrying the connection.", sl_db_error(), NULL);
		return -1;
	}
	if ((r->sc = sl_schema_get(r->db, r->conf, 0)) == NULL) {
		if (PQstatus(r->db) != CONNECTION_OK) {
			/* Broken under us: one fresh connection. */
			sl_db_drop(r->db);
			if ((r->db = sl_db_rest(r->conf)) == NULL) {
				rest_fail(r, 503, "PGRST000", "Database "
				    "connection error. Retrying the "
				    "connection.", sl_db_error(), NULL);
				return -1;
			}
			r->sc = sl_schema_get(r->db, r->conf, 0);
		}
		if (r->sc == NULL) {
			rest_fail(r, 503, "PGRST002", "Could not query the "
			    "database for the schema cache. Retrying.", NULL,
			    NULL);
			return -1;
		}
	}
	return 0;
}

static int
rest_table(struct rest *r)
{
	const struct sl_schema	*sc;

	if ((r->rel = sl_schema_rel(r->sc, r->schema, r->name)) == NULL) {
		/* A table created a moment ago? */
		if ((sc = sl_schema_get(r->db, r->conf, 1)) != NULL)
			r->sc = sc;
		r->rel = sl_schema_rel(r->sc, r->schema, r->name);
	}
	if (r->rel == NULL) {
		rest_fail(r, 404, "PGRST205", rest_printf(r, "Could not find the "
		    "table '%s.%s' in the schema cache", r->schema, r->name),
		    NULL, NULL);
		return -1;
	}
	if (rest_query_check(r) == -1)
		return -1;
	if (r->q.has_columns) {
		size_t i;

		for (i = 0; i < r->q.ncolumns; i++)
			if (sl_schema_col(r->rel, r->q.columns[i]) == NULL) {
				rest_no_column(r, r->q.columns[i]);
				return -1;
			}
	}
	if (rest_begin(r, r->m == M_GET || r->m == M_HEAD) == -1)
		return -1;
	if (r->m == M_GET || r->m == M_HEAD)
		return rest_table_read(r);
	return rest_table_write(r);
}

void
sl_rest_handle(struct sl_req *req)
{
	struct rest	 r;

	memset(&r, 0, sizeof(r));
	r.req = req;
	r.conf = req->conf;
	sl_arena_init(&r.a, SL_REST_ARENA_MAX);
	buf_init(&r.sql, SL_SQL_MAX);
	buf_init(&r.hdr, SL_HEADER_MAX);
	r.authed = req->role != NULL && strcmp(req->role, "anon") != 0;

	if (rest_route(&r) == -1 || rest_method(&r) == -1 ||
	    rest_profile(&r) == -1 || rest_prefer(&r) == -1 ||
	    rest_accept(&r) == -1)
		goto out;
	if (rest_parse_query(&r.a, req->query, r.name, &r.q, &r.err) == -1) {
		rest_fail(&r, r.err.status ? r.err.status : 400, r.err.code,
		    r.err.message, r.err.details, r.err.hint);
		goto out;
	}
	if (rest_connect(&r) == -1)
		goto out;
	/* PostgREST names the schema when more than one is exposed. */
	if (r.conf->nschemas > 1)
		rest_hdr(&r, "Content-Profile: %s\r\n", r.schema);
	if (r.rpc)
		rest_rpc(&r);
	else
		rest_table(&r);
out:
	/* Whatever happened, no transaction outlives the request. */
	if (r.db != NULL && PQtransactionStatus(r.db) != PQTRANS_IDLE)
		rest_rollback(&r);
	if (!req->replied)
		rest_fail(&r, 500, NULL, "internal error", NULL, NULL);
	json_decref(r.body);
	buf_release(&r.hdr);
	buf_release(&r.sql);
	sl_arena_release(&r.a);
}
