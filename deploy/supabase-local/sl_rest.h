/*
 * sl_rest.h -- supabase-local's PostgREST subset, internal interfaces
 * shared by sl_rest.c (handler, SQL, replies), sl_rest_parse.c (query
 * string grammar) and sl_rest_schema.c (schema cache).
 *
 * Memory: everything a request parses lives in one struct sl_arena,
 * released at the end of the request; the schema cache has its own arena,
 * replaced as a whole when the cache is reloaded (only between requests'
 * lookups, so pointers into it stay valid for the request that took them).
 */
#ifndef SL_REST_H
#define SL_REST_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <libpq-fe.h>

#include "sl.h"

/* sl_rest.c: handle a /rest/v1/ request, always replying. */
void	 sl_rest_handle(struct sl_req *);

/* ---- arena ---------------------------------------------------------- */

struct sl_arena_chunk;

struct sl_arena {
	struct sl_arena_chunk	*head;
	size_t			 total;	/* bytes handed out */
	size_t			 max;	/* cap on total */
};

void	 sl_arena_init(struct sl_arena *, size_t max);
/* Zeroed memory, or NULL when the cap would be exceeded / no memory. */
void	*sl_arena_alloc(struct sl_arena *, size_t);
char	*sl_arena_strndup(struct sl_arena *, const char *, size_t);
char	*sl_arena_strdup(struct sl_arena *, const char *);
void	 sl_arena_release(struct sl_arena *);

/* ---- parsed query string ---------------------------------------------- */

/* One step of a JSON path: ->key, ->>key, ->0, ->>-1. */
struct rest_jp {
	int		 arrow2;	/* ->> (text) rather than -> */
	int		 is_idx;
	char		*key;		/* the key, or the index digits */
};

/* A column, possibly followed by a JSON path. */
struct rest_field {
	char		*name;
	struct rest_jp	*jp;
	size_t		 njp;
};

struct rest_sel {
	int		 star;		/* "*" */
	struct rest_field f;
	char		*alias;		/* NULL: the column (or last key) */
	char		*cast;		/* NULL or [A-Za-z0-9_ ]+ */
};

enum rest_op {
	REST_OP_EQ, REST_OP_NEQ, REST_OP_GT, REST_OP_GTE, REST_OP_LT,
	REST_OP_LTE, REST_OP_LIKE, REST_OP_ILIKE, REST_OP_MATCH,
	REST_OP_IMATCH, REST_OP_CS, REST_OP_CD, REST_OP_OV, REST_OP_SL,
	REST_OP_SR, REST_OP_NXR, REST_OP_NXL, REST_OP_ADJ, REST_OP_ISDISTINCT,
	REST_OP_IN, REST_OP_IS, REST_OP_FTS, REST_OP_PLFTS, REST_OP_PHFTS,
	REST_OP_WFTS,
	REST_OP__MAX
};

enum rest_is {
	REST_IS_NULL, REST_IS_NOT_NULL, REST_IS_TRUE, REST_IS_FALSE,
	REST_IS_UNKNOWN,
	REST_IS__MAX
};

struct rest_filter {
	struct rest_field f;
	int		 negate;	/* not. */
	enum rest_op	 op;
	char		*val;		/* single value */
	char		**list;		/* in.(...) */
	size_t		 nlist;
	enum rest_is	 is;
	char		*lang;		/* fts(lang), or NULL */
};

enum rest_cond_kind {
	REST_COND_FILTER,
	REST_COND_AND,
	REST_COND_OR,
};

struct rest_cond {
	enum rest_cond_kind	 kind;
	int			 negate;
	struct rest_filter	 flt;
	struct rest_cond	**kids;
	size_t			 nkids;
};

struct rest_order {
	struct rest_field f;
	int		 dir;		/* 0 default, 1 asc, 2 desc */
	int		 nulls;		/* 0 default, 1 first, 2 last */
};

struct rest_query {
	struct rest_sel	*sel;		/* NULL/0: "*" */
	size_t		 nsel;
	int		 has_select;
	struct rest_cond top;		/* AND of every filter and logic param */
	struct rest_order *ord;
	size_t		 nord;
	int64_t		 limit;		/* when has_limit */
	int64_t		 offset;
	int		 has_limit;
	char		**columns;	/* ?columns= */
	size_t		 ncolumns;
	int		 has_columns;
	char		**on_conflict;	/* ?on_conflict= */
	size_t		 non_conflict;
	int		 has_on_conflict;
	char		**pnames;	/* non-filter params: RPC arguments */
	char		**pvals;
	size_t		 nparams;
	size_t		 nfilters;	/* filters + logic nodes, bounded */
};

/* An error to reply, PostgREST shaped; strings live in the arena. */
struct rest_err {
	int		 status;
	const char	*code;
	const char	*message;
	const char	*details;
	const char	*hint;
};

/*
 * Parse a whole QUERY_STRING (raw, percent-encoded) the way PostgREST's
 * QueryParams.parse does. "apikey" is skipped (Kong hides it). table is
 * the resource name, for messages. 0, or -1 with *err filled.
 */
int	 rest_parse_query(struct sl_arena *, const char *qs,
	    const char *table, struct rest_query *, struct rest_err *);

/* ---- schema cache ------------------------------------------------------ */

struct sl_col {
	char		*name;
	char		*type;		/* format_type() */
	int		 pk;
};

struct sl_rel {
	char		*schema;
	char		*name;
	char		 kind;		/* pg_class.relkind */
	struct sl_col	*cols;
	size_t		 ncols;
};

struct sl_arg {
	char		*name;		/* "" when unnamed */
	char		*type;		/* format_type() */
	int		 optional;	/* has a default */
};

struct sl_fn {
	char		*schema;
	char		*name;
	struct sl_arg	*args;		/* IN, INOUT and VARIADIC only */
	size_t		 nargs;
	int		 retset;
	int		 retvoid;
	int		 retcomposite;	/* a row type or OUT parameters */
	char		 volatility;	/* 'i', 's' or 'v' */
};

struct sl_rolecfg {
	char		*role;
	char		*key;
	char		*value;
};

struct sl_schema {
	struct sl_arena	 arena;
	time_t		 loaded;	/* CLOCK_MONOTONIC seconds; 0 never */
	struct sl_rel	*rels;
	size_t		 nrels;
	struct sl_fn	*fns;
	size_t		 nfns;
	struct sl_rolecfg *rolecfg;
	size_t		 nrolecfg;
};

/* The cache, loaded when older than SL_SCHEMA_TTL (or, with retry set,
 * SL_SCHEMA_RETRY: a miss may be a table created a moment ago). NULL when
 * the catalog cannot be read (the caller replies 503 PGRST002). */
const struct sl_schema *sl_schema_get(PGconn *, const struct sl_conf *,
	    int retry);
const struct sl_rel *sl_schema_rel(const struct sl_schema *,
	    const char *schema, const char *name);
const struct sl_col *sl_schema_col(const struct sl_rel *, const char *name);

#endif /* SL_REST_H */
