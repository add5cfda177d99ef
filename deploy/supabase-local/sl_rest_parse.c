/*
 * sl_rest_parse.c -- supabase-local: PostgREST's query string grammar
 * (src/PostgREST/ApiRequest/QueryParams.hs), as a hand-written recursive
 * descent over (ptr, len) strings, plus the per-request arena.
 *
 * What is parsed: select (columns, "*", alias:col, col::cast, JSON paths
 * col->a->>b), filters col=[not.]op.value, in.(a,"b,c"), is.null|true|
 * false|unknown (and is.not_null), fts(lang).query, logic trees
 * or=(...)/and=(...)/not.or=(...) nested up to SL_LOGIC_DEPTH, order,
 * limit, offset, columns, on_conflict; everything else is an RPC argument.
 * Every query string goes through sl_urldecode() (sl_http.h) first.
 * Resource embedding is not supported: it is reported the way PostgREST
 * reports an embedding it cannot resolve (PGRST200 / PGRST108).
 *
 * Error messages copy PostgREST's shape: message
 *   "failed to parse filter (xyz.1)" (line 1, column 5)
 * and a details string in Parsec's words (unexpected ... expecting ...).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "strparse.h"
#include "sl.h"
#include "sl_http.h"
#include "sl_rest.h"

/* ------------------------------------------------------------------ */
/* Arena                                                               */
/* ------------------------------------------------------------------ */

#define SL_ARENA_CHUNK	8192
#define SL_ARENA_ALIGN	16

struct sl_arena_chunk {
	struct sl_arena_chunk	*next;
	size_t			 used;
	size_t			 cap;
	/* data follows, aligned */
};

#define SL_ARENA_HDR \
	((sizeof(struct sl_arena_chunk) + SL_ARENA_ALIGN - 1) & \
	~(size_t)(SL_ARENA_ALIGN - 1))

void
sl_arena_init(struct sl_arena *a, size_t max)
{
	a->head = NULL;
	a->total = 0;
	a->max = max;
}

void *
sl_arena_alloc(struct sl_arena *a, size_t n)
{
	struct sl_arena_chunk	*c = a->head;
	size_t			 cap;
	char			*p;

	if (n == 0)
		n = 1;
	if (n > a->max || a->total > a->max - n)
		return NULL;
	n = (n + SL_ARENA_ALIGN - 1) & ~(size_t)(SL_ARENA_ALIGN - 1);
	if (c == NULL || c->cap - c->used < n) {
		cap = n > SL_ARENA_CHUNK ? n : SL_ARENA_CHUNK;
		if ((c = malloc(SL_ARENA_HDR + cap)) == NULL)
			return NULL;
		c->used = 0;
		c->cap = cap;
		c->next = a->head;
		a->head = c;
	}
	p = (char *)c + SL_ARENA_HDR + c->used;
	c->used += n;
	a->total += n;
	memset(p, 0, n);
	return p;
}

char *
sl_arena_strndup(struct sl_arena *a, const char *s, size_t n)
{
	char	*p;

	if ((p = sl_arena_alloc(a, n + 1)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
sl_arena_strdup(struct sl_arena *a, const char *s)
{
	return sl_arena_strndup(a, s, strlen(s));
}

void
sl_arena_release(struct sl_arena *a)
{
	struct sl_arena_chunk	*c, *n;

	for (c = a->head; c != NULL; c = n) {
		n = c->next;
		free(c);
	}
	a->head = NULL;
	a->total = 0;
}

/* Grow an arena array of elsz-byte elements to hold one more. */
static void *
pa_push(struct sl_arena *a, void *arr, size_t n, size_t *cap, size_t elsz)
{
	void	*nw;
	size_t	 ncap;

	if (n < *cap)
		return arr;
	ncap = *cap ? *cap * 2 : 8;
	if ((nw = sl_arena_alloc(a, ncap * elsz)) == NULL)
		return NULL;
	if (n > 0)
		memcpy(nw, arr, n * elsz);
	*cap = ncap;
	return nw;
}

/* ------------------------------------------------------------------ */
/* Cursor and errors                                                   */
/* ------------------------------------------------------------------ */

struct pc {
	struct sl_arena		*a;
	const char		*s;
	size_t			 len;
	size_t			 pos;
	const char		*what;	/* "failed to parse filter (...)" */
	struct rest_err		*err;
	struct rest_query	*q;
};

static char *
pa_printf(struct sl_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static char *
pa_printf(struct sl_arena *a, const char *fmt, ...)
{
	struct buf	 b;
	va_list		 ap;
	char		*r = NULL;
	int		 rc;

	buf_init(&b, SL_URI_MAX * 2);
	va_start(ap, fmt);
	rc = buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (rc == 0 && b.data != NULL)
		r = sl_arena_strndup(a, b.data, b.len);
	buf_release(&b);
	return r;
}

static void
rest_err_set(struct rest_err *e, int status, const char *code,
    const char *message, const char *details, const char *hint)
{
	e->status = status;
	e->code = code;
	e->message = message;
	e->details = details;
	e->hint = hint;
}

static int
pc_oom(struct pc *c)
{
	rest_err_set(c->err, 500, NULL, "out of memory", NULL, NULL);
	return -1;
}

/* Parsec's description of what is at the cursor. */
static const char *
pc_unexpected(struct pc *c)
{
	static char	 d[32];

	if (c->pos >= c->len)
		return "end of input";
	snprintf(d, sizeof(d), "\"%c\"", c->s[c->pos]);
	return d;
}

static int
pc_fail(struct pc *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
pc_fail(struct pc *c, const char *fmt, ...)
{
	struct buf	 b;
	va_list		 ap;
	char		*msg, *det = NULL;
	size_t		 col = 1, i;

	/* Parsec counts characters, not bytes. */
	for (i = 0; i < c->pos && i < c->len; i++)
		if (((unsigned char)c->s[i] & 0xc0) != 0x80)
			col++;
	msg = pa_printf(c->a, "\"%s\" (line 1, column %zu)", c->what, col);
	buf_init(&b, SL_URI_MAX * 2);
	va_start(ap, fmt);
	if (buf_vprintf(&b, fmt, ap) == 0 && b.data != NULL)
		det = sl_arena_strndup(c->a, b.data, b.len);
	va_end(ap);
	buf_release(&b);
	if (msg == NULL)
		return pc_oom(c);
	rest_err_set(c->err, 400, "PGRST100", msg, det, NULL);
	return -1;
}

static int
pc_eof(const struct pc *c)
{
	return c->pos >= c->len;
}

static int
pc_peek(const struct pc *c)
{
	return c->pos < c->len ? (unsigned char)c->s[c->pos] : -1;
}

static int
pc_at(const struct pc *c, const char *lit)
{
	size_t	 n = strlen(lit);

	return c->len - c->pos >= n && memcmp(c->s + c->pos, lit, n) == 0;
}

static void
pc_ws(struct pc *c)
{
	while (c->pos < c->len && (c->s[c->pos] == ' ' ||
	    c->s[c->pos] == '\t'))
		c->pos++;
}

static void
pc_init(struct pc *c, struct sl_arena *a, struct rest_err *err,
    struct rest_query *q, const char *s, size_t len, const char *what)
{
	c->a = a;
	c->s = s;
	c->len = len;
	c->pos = 0;
	c->what = what;
	c->err = err;
	c->q = q;
}

/* ------------------------------------------------------------------ */
/* Names and JSON paths                                                */
/* ------------------------------------------------------------------ */

/* pIdentifierChar: letter, digit, "_", " ", "$" (non-ASCII letters too). */
static int
pc_identc(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '_' || ch == ' ' || ch == '$' ||
	    ch >= 0x80;
}

/* pQuotedValue: "..." with backslash escapes. */
static int
pc_quoted(struct pc *c, char **out)
{
	struct buf	 b;
	int		 rc = -1;

	buf_init(&b, SL_URI_MAX);
	c->pos++;			/* the opening quote */
	while (!pc_eof(c) && c->s[c->pos] != '"') {
		if (c->s[c->pos] == '\\') {
			if (++c->pos >= c->len)
				break;
		}
		if (buf_appendc(&b, c->s[c->pos++]) == -1) {
			rc = pc_oom(c);
			goto out;
		}
	}
	if (pc_eof(c)) {
		rc = pc_fail(c, "unexpected end of input expecting \"\\\"\"");
		goto out;
	}
	c->pos++;			/* the closing quote */
	if ((*out = sl_arena_strndup(c->a, b.data ? b.data : "", b.len)) ==
	    NULL) {
		rc = pc_oom(c);
		goto out;
	}
	rc = 0;
out:
	buf_release(&b);
	return rc;
}

/*
 * pFieldName: a quoted value, or identifiers joined by "-" (a "-" not
 * followed by ">"), each stripped of blanks.
 */
static int
pc_fieldname(struct pc *c, char **out)
{
	struct buf	 b;
	const char	*p;
	size_t		 start, n;
	int		 rc = -1;

	if (pc_peek(c) == '"')
		return pc_quoted(c, out);
	buf_init(&b, SL_URI_MAX);
	for (;;) {
		start = c->pos;
		while (!pc_eof(c) && pc_identc(pc_peek(c)))
			c->pos++;
		if (c->pos == start) {
			rc = pc_fail(c, "unexpected %s expecting field name "
			    "(* or [a..z0..9_$])", pc_unexpected(c));
			goto out;
		}
		p = c->s + start;
		n = c->pos - start;
		strparse_trim(&p, &n);
		if (buf_append(&b, p, n) == -1) {
			rc = pc_oom(c);
			goto out;
		}
		if (pc_peek(c) == '-' && !(c->pos + 1 < c->len &&
		    c->s[c->pos + 1] == '>')) {
			c->pos++;
			if (buf_appendc(&b, '-') == -1) {
				rc = pc_oom(c);
				goto out;
			}
			continue;
		}
		break;
	}
	if ((*out = sl_arena_strndup(c->a, b.data ? b.data : "", b.len)) ==
	    NULL) {
		rc = pc_oom(c);
		goto out;
	}
	rc = 0;
out:
	buf_release(&b);
	return rc;
}

/* The end of a JSON path index: "->", "::", ".", "," or the end. */
static int
pc_idx_end(const struct pc *c)
{
	return pc_eof(c) || pc_at(c, "->") || pc_at(c, "::") ||
	    pc_peek(c) == '.' || pc_peek(c) == ',' || pc_peek(c) == ')';
}

static int
pc_jsonpath(struct pc *c, struct rest_field *f)
{
	struct rest_jp	*jp;
	size_t		 save, cap = 0;
	int		 arrow2;

	while (pc_at(c, "->")) {
		arrow2 = pc_at(c, "->>");
		c->pos += arrow2 ? 3 : 2;
		if (f->njp == SL_JSONPATH_MAX)
			return pc_fail(c, "json path longer than %d steps",
			    SL_JSONPATH_MAX);
		if ((jp = pa_push(c->a, f->jp, f->njp, &cap,
		    sizeof(*jp))) == NULL)
			return pc_oom(c);
		f->jp = jp;
		jp = &f->jp[f->njp];
		jp->arrow2 = arrow2;
		save = c->pos;
		if (pc_peek(c) == '-')
			c->pos++;
		while (!pc_eof(c) && isdigit((unsigned char)c->s[c->pos]))
			c->pos++;
		if (c->pos > save + (c->s[save] == '-' ? 1 : 0) &&
		    c->pos - save <= 10 && pc_idx_end(c)) {
			jp->is_idx = 1;
			if ((jp->key = sl_arena_strndup(c->a, c->s + save,
			    c->pos - save)) == NULL)
				return pc_oom(c);
		} else {
			c->pos = save;
			if (pc_fieldname(c, &jp->key) == -1)
				return -1;
		}
		f->njp++;
	}
	return 0;
}

/* pField: lexeme (fieldName, jsonPath). */
static int
pc_field(struct pc *c, struct rest_field *f)
{
	pc_ws(c);
	if (pc_fieldname(c, &f->name) == -1 || pc_jsonpath(c, f) == -1)
		return -1;
	pc_ws(c);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Filters                                                             */
/* ------------------------------------------------------------------ */

static const struct {
	const char	*name;
	enum rest_op	 op;
} pc_ops[] = {
	{ "eq", REST_OP_EQ }, { "neq", REST_OP_NEQ }, { "gt", REST_OP_GT },
	{ "gte", REST_OP_GTE }, { "lt", REST_OP_LT }, { "lte", REST_OP_LTE },
	{ "like", REST_OP_LIKE }, { "ilike", REST_OP_ILIKE },
	{ "match", REST_OP_MATCH }, { "imatch", REST_OP_IMATCH },
	{ "cs", REST_OP_CS }, { "cd", REST_OP_CD }, { "ov", REST_OP_OV },
	{ "sl", REST_OP_SL }, { "sr", REST_OP_SR }, { "nxr", REST_OP_NXR },
	{ "nxl", REST_OP_NXL }, { "adj", REST_OP_ADJ },
	{ "isdistinct", REST_OP_ISDISTINCT },
}, pc_fts_ops[] = {
	{ "fts", REST_OP_FTS }, { "plfts", REST_OP_PLFTS },
	{ "phfts", REST_OP_PHFTS }, { "wfts", REST_OP_WFTS },
};

#define PC_NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static int
pc_lookup(const char *p, size_t n, int fts, enum rest_op *op)
{
	size_t	 i, cnt = fts ? PC_NELEM(pc_fts_ops) : PC_NELEM(pc_ops);

	for (i = 0; i < cnt; i++) {
		const char *name = fts ? pc_fts_ops[i].name : pc_ops[i].name;

		if (strlen(name) == n && memcmp(name, p, n) == 0) {
			*op = fts ? pc_fts_ops[i].op : pc_ops[i].op;
			return 0;
		}
	}
	return -1;
}

/* pListElement / pLogicSingleVal's quoted branch: a quoted value only
 * when followed by "," or ")"; otherwise the raw characters. */
static int
pc_listval(struct pc *c, int pgarray, char **out)
{
	size_t	 save = c->pos, start;

	if (pc_peek(c) == '"') {
		if (pc_quoted(c, out) == 0 && (pc_peek(c) == ',' ||
		    pc_peek(c) == ')'))
			return 0;
		if (c->err->status == 500)
			return -1;
		c->pos = save;
	}
	if (pgarray && pc_peek(c) == '{') {
		start = c->pos++;
		while (!pc_eof(c) && pc_peek(c) != '{' && pc_peek(c) != '}')
			c->pos++;
		if (pc_peek(c) == '}') {
			c->pos++;
			*out = sl_arena_strndup(c->a, c->s + start,
			    c->pos - start);
			return *out != NULL ? 0 : pc_oom(c);
		}
		c->pos = save;
	}
	start = c->pos;
	while (!pc_eof(c) && pc_peek(c) != ',' && pc_peek(c) != ')')
		c->pos++;
	*out = sl_arena_strndup(c->a, c->s + start, c->pos - start);
	return *out != NULL ? 0 : pc_oom(c);
}

/* pListVal: ( elem , elem ... ) */
static int
pc_list(struct pc *c, struct rest_filter *f)
{
	size_t	 cap = 0;
	char	**l;

	pc_ws(c);
	if (pc_peek(c) != '(')
		return pc_fail(c, "unexpected %s expecting \"(\"",
		    pc_unexpected(c));
	c->pos++;
	pc_ws(c);
	for (;;) {
		if (f->nlist == SL_MAX_PARAMS)
			return pc_fail(c, "more than %d values in the list",
			    SL_MAX_PARAMS);
		if ((l = pa_push(c->a, f->list, f->nlist, &cap,
		    sizeof(*l))) == NULL)
			return pc_oom(c);
		f->list = l;
		if (pc_listval(c, 0, &f->list[f->nlist]) == -1)
			return -1;
		f->nlist++;
		if (pc_peek(c) != ',')
			break;
		c->pos++;
	}
	pc_ws(c);
	if (pc_peek(c) != ')')
		return pc_fail(c, "unexpected %s expecting \",\" or \")\"",
		    pc_unexpected(c));
	c->pos++;
	pc_ws(c);
	return 0;
}

/* The end of a value: the end of input (top level) or , ) (logic). */
static int
pc_val_end(const struct pc *c, int logic)
{
	return pc_eof(c) || (logic && (pc_peek(c) == ',' ||
	    pc_peek(c) == ')'));
}

static int
pc_trival(struct pc *c, int logic, struct rest_filter *f)
{
	static const struct {
		const char	*name;
		enum rest_is	 is;
	} vals[] = {
		{ "null", REST_IS_NULL }, { "not_null", REST_IS_NOT_NULL },
		{ "true", REST_IS_TRUE }, { "false", REST_IS_FALSE },
		{ "unknown", REST_IS_UNKNOWN },
	};
	size_t	 i, n, save = c->pos;

	for (i = 0; i < PC_NELEM(vals); i++) {
		n = strlen(vals[i].name);
		if (c->len - c->pos >= n &&
		    strncasecmp(c->s + c->pos, vals[i].name, n) == 0) {
			c->pos += n;
			if (pc_val_end(c, logic)) {
				f->is = vals[i].is;
				return 0;
			}
			c->pos = save;
		}
	}
	return pc_fail(c, "unexpected %s expecting null or trilean value "
	    "(unknown, true, false)", pc_unexpected(c));
}

/* pOpExpr: [not.] (in.list | is.trilean | fts[(lang)].value | op.value) */
static int
pc_opexpr(struct pc *c, int logic, struct rest_filter *f)
{
	size_t	 start, end;

	if (pc_at(c, "not.")) {
		f->negate = 1;
		c->pos += 4;
	}
	if (pc_at(c, "in.")) {
		c->pos += 3;
		f->op = REST_OP_IN;
		if (pc_list(c, f) == -1)
			return -1;
		if (!pc_val_end(c, logic))
			return pc_fail(c, "unexpected %s expecting end of "
			    "input", pc_unexpected(c));
		return 0;
	}
	if (pc_at(c, "is.")) {
		c->pos += 3;
		f->op = REST_OP_IS;
		return pc_trival(c, logic, f);
	}

	/* Full-text search: fts, plfts, phfts, wfts, with an optional
	 * (language); the language is a value, bound like the query. */
	start = c->pos;
	while (!pc_eof(c) && pc_peek(c) != '.' && pc_peek(c) != '(')
		c->pos++;
	end = c->pos;
	if (pc_lookup(c->s + start, end - start, 1, &f->op) == 0) {
		if (pc_peek(c) == '(') {
			size_t ls = ++c->pos;

			while (!pc_eof(c) && pc_identc(pc_peek(c)))
				c->pos++;
			if (c->pos == ls || pc_peek(c) != ')')
				return pc_fail(c, "unexpected %s expecting "
				    "letter or digit", pc_unexpected(c));
			if ((f->lang = sl_arena_strndup(c->a, c->s + ls,
			    c->pos - ls)) == NULL)
				return pc_oom(c);
			c->pos++;
		}
		if (pc_peek(c) != '.')
			return pc_fail(c, "unexpected %s expecting delimiter "
			    "(.)", pc_unexpected(c));
		c->pos++;
	} else {
		c->pos = start;
		while (!pc_eof(c) && pc_peek(c) != '.' &&
		    !(logic && (pc_peek(c) == ',' || pc_peek(c) == ')')))
			c->pos++;
		end = c->pos;
		if (pc_peek(c) != '.')
			return pc_fail(c, "unexpected %s expecting delimiter "
			    "(.)", pc_unexpected(c));
		c->pos++;
		if (pc_lookup(c->s + start, end - start, 0, &f->op) == -1)
			return pc_fail(c, "unknown single value operator %.*s",
			    (int)(end - start), c->s + start);
	}
	if (!logic) {
		/* pSingleVal: everything that is left. */
		f->val = sl_arena_strndup(c->a, c->s + c->pos,
		    c->len - c->pos);
		c->pos = c->len;
		return f->val != NULL ? 0 : pc_oom(c);
	}
	return pc_listval(c, 1, &f->val);
}

static int
pc_count(struct pc *c)
{
	if (++c->q->nfilters > SL_MAX_FILTERS) {
		rest_err_set(c->err, 400, "PGRST100",
		    "too many filters", NULL, NULL);
		return -1;
	}
	return 0;
}

static int pc_logic_item(struct pc *, int, struct rest_cond *);

static int
pc_cond_push(struct pc *c, struct rest_cond *parent, size_t *cap,
    struct rest_cond **out)
{
	struct rest_cond	**k;

	if ((k = pa_push(c->a, parent->kids, parent->nkids, cap,
	    sizeof(*k))) == NULL)
		return pc_oom(c);
	parent->kids = k;
	if ((*out = sl_arena_alloc(c->a, sizeof(**out))) == NULL)
		return pc_oom(c);
	parent->kids[parent->nkids++] = *out;
	return 0;
}

/* Expr: [not.] (and|or) ( item , item ... ) */
static int
pc_logic_expr(struct pc *c, int depth, struct rest_cond *node)
{
	struct rest_cond	*kid;
	size_t			 cap = 0;

	if (pc_at(c, "not.")) {
		node->negate = 1;
		c->pos += 4;
	}
	if (pc_at(c, "and")) {
		node->kind = REST_COND_AND;
		c->pos += 3;
	} else if (pc_at(c, "or")) {
		node->kind = REST_COND_OR;
		c->pos += 2;
	} else
		return pc_fail(c, "unexpected %s expecting logic operator "
		    "(and, or)", pc_unexpected(c));
	pc_ws(c);
	if (pc_peek(c) != '(')
		return pc_fail(c, "unexpected %s expecting \"(\"",
		    pc_unexpected(c));
	c->pos++;
	for (;;) {
		if (pc_cond_push(c, node, &cap, &kid) == -1 ||
		    pc_logic_item(c, depth + 1, kid) == -1)
			return -1;
		pc_ws(c);
		if (pc_peek(c) != ',')
			break;
		c->pos++;
	}
	if (pc_peek(c) != ')')
		return pc_fail(c, "unexpected %s expecting \",\" or \")\"",
		    pc_unexpected(c));
	c->pos++;
	pc_ws(c);
	return 0;
}

/* pLogicTree: a filter col.op.val, or a nested expression. */
static int
pc_logic_item(struct pc *c, int depth, struct rest_cond *node)
{
	size_t	 p;

	if (depth > SL_LOGIC_DEPTH)
		return pc_fail(c, "logic trees nested deeper than %d",
		    SL_LOGIC_DEPTH);
	if (pc_count(c) == -1)
		return -1;
	pc_ws(c);
	p = c->pos + (pc_at(c, "not.") ? 4 : 0);
	if ((c->len - p >= 4 && memcmp(c->s + p, "and(", 4) == 0) ||
	    (c->len - p >= 3 && memcmp(c->s + p, "or(", 3) == 0))
		return pc_logic_expr(c, depth, node);
	node->kind = REST_COND_FILTER;
	if (pc_field(c, &node->flt.f) == -1)
		return -1;
	if (pc_peek(c) != '.')
		return pc_fail(c, "unexpected %s expecting delimiter (.)",
		    pc_unexpected(c));
	c->pos++;
	return pc_opexpr(c, 1, &node->flt);
}

/* ------------------------------------------------------------------ */
/* select, order, columns                                              */
/* ------------------------------------------------------------------ */

/* Embedding is not implemented: say what PostgREST says when it finds
 * no relationship to embed. */
static int
pc_no_embed(struct pc *c, const char *table, const char *name)
{
	const char	*msg, *det;

	msg = pa_printf(c->a, "Could not find a relationship between '%s' "
	    "and '%s' in the schema cache", table, name);
	det = pa_printf(c->a, "Searched for a foreign key relationship "
	    "between '%s' and '%s' in the schema, but no matches were found "
	    "(supabase-local does not embed resources).", table, name);
	if (msg == NULL || det == NULL)
		return pc_oom(c);
	rest_err_set(c->err, 400, "PGRST200", msg, det, NULL);
	return -1;
}

static int
pc_select(struct pc *c, const char *table)
{
	struct rest_query	*q = c->q;
	struct rest_sel		*s;
	size_t			 cap = 0, save, cs;
	char			*name;

	for (;;) {
		if (q->nsel == SL_MAX_SELECT)
			return pc_fail(c, "more than %d select items",
			    SL_MAX_SELECT);
		if ((s = pa_push(c->a, q->sel, q->nsel, &cap,
		    sizeof(*s))) == NULL)
			return pc_oom(c);
		q->sel = s;
		s = &q->sel[q->nsel];
		memset(s, 0, sizeof(*s));
		pc_ws(c);
		if (pc_peek(c) == '*') {
			c->pos++;
			s->star = 1;
		} else {
			if (pc_at(c, "..")) {
				c->pos += 2;
				if (pc_fieldname(c, &name) == -1)
					return -1;
				return pc_no_embed(c, table, name);
			}
			/* alias: name ":" (not "::") */
			save = c->pos;
			if (pc_fieldname(c, &name) == 0 && pc_peek(c) == ':' &&
			    !pc_at(c, "::")) {
				s->alias = name;
				c->pos++;
			} else {
				if (c->err->status == 500)
					return -1;
				c->pos = save;
			}
			pc_ws(c);
			if (pc_fieldname(c, &s->f.name) == -1)
				return -1;
			if (pc_peek(c) == '(' || pc_peek(c) == '!')
				return pc_no_embed(c, table, s->f.name);
			if (pc_jsonpath(c, &s->f) == -1)
				return -1;
			if (pc_at(c, "::")) {
				c->pos += 2;
				cs = c->pos;
				/* pIdentifier without "$": the cast goes into
				 * the SQL text as it is (as in PostgREST). */
				while (!pc_eof(c) && (isalnum((unsigned char)
				    pc_peek(c)) || pc_peek(c) == '_' ||
				    pc_peek(c) == ' '))
					c->pos++;
				{
					const char *p = c->s + cs;
					size_t	    n = c->pos - cs;

					strparse_trim(&p, &n);
					if (n == 0)
						return pc_fail(c, "unexpected "
						    "%s expecting letter or "
						    "digit", pc_unexpected(c));
					if ((s->cast = sl_arena_strndup(c->a,
					    p, n)) == NULL)
						return pc_oom(c);
				}
			}
		}
		q->nsel++;
		pc_ws(c);
		if (pc_eof(c))
			break;
		if (pc_peek(c) != ',')
			return pc_fail(c, "unexpected %s expecting \",\" or "
			    "end of input", pc_unexpected(c));
		c->pos++;
	}
	q->has_select = 1;
	return 0;
}

static int
pc_order(struct pc *c, const char *table)
{
	struct rest_query	*q = c->q;
	struct rest_order	*o;
	size_t			 cap = 0;

	q->nord = 0;
	q->ord = NULL;
	for (;;) {
		if (q->nord == SL_MAX_SELECT)
			return pc_fail(c, "more than %d order terms",
			    SL_MAX_SELECT);
		if ((o = pa_push(c->a, q->ord, q->nord, &cap,
		    sizeof(*o))) == NULL)
			return pc_oom(c);
		q->ord = o;
		o = &q->ord[q->nord];
		memset(o, 0, sizeof(*o));
		pc_ws(c);
		if (pc_fieldname(c, &o->f.name) == -1)
			return -1;
		if (pc_peek(c) == '(')
			return pc_no_embed(c, table, o->f.name);
		if (pc_jsonpath(c, &o->f) == -1)
			return -1;
		if (pc_at(c, ".asc")) {
			o->dir = 1;
			c->pos += 4;
		} else if (pc_at(c, ".desc")) {
			o->dir = 2;
			c->pos += 5;
		}
		if (pc_at(c, ".nullsfirst")) {
			o->nulls = 1;
			c->pos += 11;
		} else if (pc_at(c, ".nullslast")) {
			o->nulls = 2;
			c->pos += 10;
		}
		q->nord++;
		pc_ws(c);
		if (pc_eof(c))
			break;
		if (pc_peek(c) == '.')
			return pc_fail(c, "unexpected %s expecting \"asc\", "
			    "\"desc\", \"nullsfirst\" or \"nullslast\"",
			    pc_unexpected(c));
		if (pc_peek(c) != ',')
			return pc_fail(c, "unexpected %s expecting delimiter "
			    "(.), \",\" or end of input", pc_unexpected(c));
		c->pos++;
	}
	return 0;
}

/* pColumns: fieldName sepBy1 lexeme(","). */
static int
pc_columns(struct pc *c, char ***out, size_t *nout)
{
	size_t	 cap = 0;
	char	**l;

	*out = NULL;
	*nout = 0;
	for (;;) {
		if (*nout == SL_MAX_SELECT)
			return pc_fail(c, "more than %d columns",
			    SL_MAX_SELECT);
		if ((l = pa_push(c->a, *out, *nout, &cap, sizeof(*l))) == NULL)
			return pc_oom(c);
		*out = l;
		pc_ws(c);
		if (pc_fieldname(c, &(*out)[*nout]) == -1)
			return -1;
		(*nout)++;
		pc_ws(c);
		if (pc_eof(c))
			break;
		if (pc_peek(c) != ',')
			return pc_fail(c, "unexpected %s expecting \",\" or "
			    "end of input", pc_unexpected(c));
		c->pos++;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* The query string                                                    */
/* ------------------------------------------------------------------ */

/* hasOperator / hasFtsOperator of QueryParams.parse. */
static int
pc_has_operator(const char *v)
{
	const char	*dot = strchr(v, '.'), *par = strchr(v, '(');
	size_t		 n = dot ? (size_t)(dot - v) : strlen(v);
	enum rest_op	 op;

	if (dot != NULL && n == 3 && memcmp(v, "not", 3) == 0)
		return 1;
	if ((n == 2 && memcmp(v, "is", 2) == 0) ||
	    (n == 2 && memcmp(v, "in", 2) == 0))
		return 1;
	if (pc_lookup(v, n, 0, &op) == 0 || pc_lookup(v, n, 1, &op) == 0)
		return 1;
	return par != NULL && pc_lookup(v, (size_t)(par - v), 1, &op) == 0;
}

/* The last dot-separated word of k. */
static const char *
pc_last_word(const char *k)
{
	const char	*d = strrchr(k, '.');

	return d != NULL ? d + 1 : k;
}

static int
pc_not_embedded(struct pc *c, const char *key)
{
	const char	*d = strchr(key, '.');
	char		*res, *msg, *hint;

	res = sl_arena_strndup(c->a, key, d ? (size_t)(d - key) :
	    strlen(key));
	if (res == NULL)
		return pc_oom(c);
	msg = pa_printf(c->a, "'%s' is not an embedded resource in this "
	    "request", res);
	hint = pa_printf(c->a, "Verify that '%s' is included in the 'select' "
	    "query parameter.", res);
	if (msg == NULL || hint == NULL)
		return pc_oom(c);
	rest_err_set(c->err, 400, "PGRST108", msg, NULL, hint);
	return -1;
}

/* readMaybe on an integer: anything else is ignored, as in PostgREST. */
static int
pc_int(const char *v, int64_t *out)
{
	return strparse_i64(v, strlen(v), INT64_MIN, INT64_MAX, out);
}

static int
pc_filter_param(struct pc *c, const char *k, const char *v,
    const char *table, size_t *cap)
{
	struct rest_query	*q = c->q;
	struct rest_cond	*node;
	struct rest_field	 tmp;
	const char		*what;
	size_t			 n;

	(void)table;
	/* pTreePath on the key: more than one name is an embedded filter. */
	if ((what = pa_printf(c->a, "failed to parse tree path (%s)", k)) ==
	    NULL)
		return pc_oom(c);
	pc_init(c, c->a, c->err, q, k, strlen(k), what);
	memset(&tmp, 0, sizeof(tmp));
	if (pc_fieldname(c, &tmp.name) == -1)
		return -1;
	if (pc_peek(c) == '.')
		return pc_not_embedded(c, k);
	if (pc_jsonpath(c, &tmp) == -1)
		return -1;
	if (!pc_eof(c))
		return pc_fail(c, "unexpected %s expecting \"->>\", \"->\", "
		    "delimiter (.) or end of input", pc_unexpected(c));

	if (pc_count(c) == -1 || pc_cond_push(c, &q->top, cap, &node) == -1)
		return -1;
	node->kind = REST_COND_FILTER;
	node->flt.f = tmp;
	n = strlen(v);
	if ((what = pa_printf(c->a, "failed to parse filter (%s)", v)) == NULL)
		return pc_oom(c);
	pc_init(c, c->a, c->err, q, v, n, what);
	return pc_opexpr(c, 0, &node->flt);
}

static int
pc_logic_param(struct pc *c, const char *k, const char *v, size_t *cap)
{
	struct rest_query	*q = c->q;
	struct rest_cond	*node;
	const char		*what, *s;

	if (strcmp(k, "or") != 0 && strcmp(k, "and") != 0 &&
	    strcmp(k, "not.or") != 0 && strcmp(k, "not.and") != 0)
		return pc_not_embedded(c, k);
	/* PostgREST parses op <> value, "or(a.eq.1,...)". */
	if ((s = pa_printf(c->a, "%s%s", k, v)) == NULL ||
	    (what = pa_printf(c->a, "failed to parse logic tree (%s)", v)) ==
	    NULL)
		return pc_oom(c);
	if (pc_cond_push(c, &q->top, cap, &node) == -1)
		return -1;
	pc_init(c, c->a, c->err, q, s, strlen(s), what);
	if (pc_logic_item(c, 0, node) == -1)
		return -1;
	if (node->kind == REST_COND_FILTER)
		return pc_fail(c, "unexpected %s expecting \"(\"",
		    pc_unexpected(c));
	if (!pc_eof(c))
		return pc_fail(c, "unexpected %s expecting end of input",
		    pc_unexpected(c));
	return 0;
}

static int
pc_decode(struct pc *c, const char *p, size_t n, char **out)
{
	struct buf	 b;

	buf_init(&b, SL_URI_MAX);
	if (sl_urldecode(p, n, &b) == -1) {
		buf_release(&b);
		rest_err_set(c->err, 400, "PGRST100",
		    "invalid percent-encoding in the query string", NULL,
		    NULL);
		return -1;
	}
	*out = sl_arena_strndup(c->a, b.data != NULL ? b.data : "", b.len);
	buf_release(&b);
	return *out != NULL ? 0 : pc_oom(c);
}

int
rest_parse_query(struct sl_arena *a, const char *qs, const char *table,
    struct rest_query *q, struct rest_err *err)
{
	struct pc	 c;
	const char	*p, *amp, *eq, *what, *lw;
	char		*k, *v;
	size_t		 topcap = 0, pcap = 0, pcap2 = 0;
	char		**l;
	int64_t		 n;

	memset(q, 0, sizeof(*q));
	memset(err, 0, sizeof(*err));
	q->top.kind = REST_COND_AND;
	pc_init(&c, a, err, q, "", 0, "");

	for (p = qs; p != NULL && *p != '\0'; p = *amp ? amp + 1 : amp) {
		if ((amp = strchr(p, '&')) == NULL)
			amp = p + strlen(p);
		/* A key without "=" has no value and is dropped. */
		if ((eq = memchr(p, '=', (size_t)(amp - p))) == NULL)
			continue;
		if (pc_decode(&c, p, (size_t)(eq - p), &k) == -1 ||
		    pc_decode(&c, eq + 1, (size_t)(amp - eq - 1), &v) == -1)
			return -1;
		if (strcmp(k, "apikey") == 0)	/* Kong: hide_credentials */
			continue;

		if (strcmp(k, "select") == 0) {
			if (q->has_select)
				continue;
			if (*v == '\0') {
				q->has_select = 1;
				continue;
			}
			if ((what = pa_printf(a, "failed to parse select "
			    "parameter (%s)", v)) == NULL)
				return pc_oom(&c);
			pc_init(&c, a, err, q, v, strlen(v), what);
			if (pc_select(&c, table) == -1)
				return -1;
			continue;
		}
		if (strcmp(k, "columns") == 0 || strcmp(k, "on_conflict") == 0) {
			int oc = k[0] == 'o';

			if (oc ? q->has_on_conflict : q->has_columns)
				continue;
			if ((what = pa_printf(a, "failed to parse %s parameter "
			    "(%s)", k, v)) == NULL)
				return pc_oom(&c);
			pc_init(&c, a, err, q, v, strlen(v), what);
			if (pc_columns(&c, oc ? &q->on_conflict : &q->columns,
			    oc ? &q->non_conflict : &q->ncolumns) == -1)
				return -1;
			if (oc)
				q->has_on_conflict = 1;
			else
				q->has_columns = 1;
			continue;
		}
		lw = pc_last_word(k);
		if (strcmp(lw, "order") == 0 || strcmp(lw, "limit") == 0 ||
		    strcmp(lw, "offset") == 0) {
			if (lw != k)
				return pc_not_embedded(&c, k);
			if (*v == '\0')
				continue;
			if (k[0] == 'o' && k[1] == 'r') {
				if ((what = pa_printf(a, "failed to parse order "
				    "(%s)", v)) == NULL)
					return pc_oom(&c);
				pc_init(&c, a, err, q, v, strlen(v), what);
				if (pc_order(&c, table) == -1)
					return -1;
			} else if (pc_int(v, &n) == 0) {
				if (k[0] == 'l') {
					q->limit = n;
					q->has_limit = 1;
				} else
					q->offset = n;
			}
			continue;
		}
		if (strcmp(lw, "and") == 0 || strcmp(lw, "or") == 0) {
			if (*v == '\0')
				continue;
			if (pc_logic_param(&c, k, v, &topcap) == -1)
				return -1;
			continue;
		}
		if (strchr(k, '.') != NULL || pc_has_operator(v)) {
			if (pc_filter_param(&c, k, v, table, &topcap) == -1)
				return -1;
			continue;
		}
		/* A parameter: an RPC argument (ignored for tables). The
		 * first occurrence of a name wins. */
		if (q->nparams == SL_MAX_SELECT)
			continue;
		if ((l = pa_push(a, q->pnames, q->nparams, &pcap,
		    sizeof(*l))) == NULL)
			return pc_oom(&c);
		q->pnames = l;
		if ((l = pa_push(a, q->pvals, q->nparams, &pcap2,
		    sizeof(*l))) == NULL)
			return pc_oom(&c);
		q->pvals = l;
		q->pnames[q->nparams] = k;
		q->pvals[q->nparams] = v;
		q->nparams++;
	}
	return 0;
}
