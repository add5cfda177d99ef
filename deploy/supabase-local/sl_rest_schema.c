/*
 * sl_rest_schema.c -- supabase-local: PostgREST's schema cache, reduced
 * to what the REST handler checks: the relations of the exposed schemas
 * with their columns and primary keys, the functions with their input
 * parameters, and the per-role settings PostgREST applies to impersonated
 * roles (statement_timeout and friends, set with ALTER ROLE ... SET).
 *
 * Read from pg_catalog (not information_schema, which hides what the
 * connecting authenticator role has no privilege on), with the schema
 * list as a bind parameter. Kept for SL_SCHEMA_TTL seconds per process;
 * a miss may reload it sooner (SL_SCHEMA_RETRY), so a table created by a
 * migration a moment ago is found without PostgREST's NOTIFY reload.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "clock.h"
#include "jsonx.h"
#include "log.h"
#include "strparse.h"
#include "sl.h"
#include "sl_rest.h"

#define SL_SCHEMA_MOD	"sl_schema"

static const char SL_SQL_RELS[] =
    "select n.nspname, c.relname, c.relkind::text, a.attname,"
    " pg_catalog.format_type(a.atttypid, a.atttypmod),"
    " coalesce(a.attnum = any(i.indkey), false)"
    " from pg_catalog.pg_class c"
    " join pg_catalog.pg_namespace n on n.oid = c.relnamespace"
    " left join pg_catalog.pg_attribute a on a.attrelid = c.oid"
    "  and a.attnum > 0 and not a.attisdropped"
    " left join pg_catalog.pg_index i on i.indrelid = c.oid"
    "  and i.indisprimary"
    " where n.nspname = any($1::text[])"
    "  and c.relkind in ('r', 'v', 'm', 'f', 'p')"
    " order by n.nspname, c.relname, a.attnum";

static const char SL_SQL_FNS[] =
    "select n.nspname, p.proname, p.proretset,"
    " p.prorettype = 'pg_catalog.void'::pg_catalog.regtype,"
    " (t.typtype = 'c' or p.prorettype = 'pg_catalog.record'::"
    "pg_catalog.regtype), p.provolatile::text, p.pronargdefaults,"
    " coalesce((select pg_catalog.json_agg(pg_catalog.json_build_array("
    "coalesce(x.nm, ''), pg_catalog.format_type(x.ty, null)) order by x.ord)"
    "  from rows from ("
    "   pg_catalog.unnest(coalesce(p.proallargtypes,"
    "    p.proargtypes::pg_catalog.oid[])),"
    "   pg_catalog.unnest(coalesce(p.proargmodes,"
    "    pg_catalog.array_fill('i'::\"char\", array[p.pronargs::int]))),"
    "   pg_catalog.unnest(coalesce(p.proargnames, pg_catalog.array_fill("
    "    ''::text, array[coalesce(pg_catalog.array_length("
    "    p.proallargtypes, 1), p.pronargs::int)]))))"
    "   with ordinality x(ty, md, nm, ord)"
    "  where x.md in ('i', 'b', 'v')), '[]')::text"
    " from pg_catalog.pg_proc p"
    " join pg_catalog.pg_namespace n on n.oid = p.pronamespace"
    " join pg_catalog.pg_type t on t.oid = p.prorettype"
    " where n.nspname = any($1::text[]) and p.prokind = 'f'"
    "  and t.typname not in ('trigger', 'event_trigger')"
    " order by n.nspname, p.proname";

/* Database-specific settings come last and so override global ones. */
static const char SL_SQL_ROLECFG[] =
    "select r.rolname, pg_catalog.split_part(c, '=', 1),"
    " pg_catalog.substr(c, pg_catalog.strpos(c, '=') + 1)"
    " from pg_catalog.pg_db_role_setting s"
    " join pg_catalog.pg_roles r on r.oid = s.setrole"
    " cross join lateral pg_catalog.unnest(s.setconfig) c"
    " where s.setdatabase = 0 or s.setdatabase = (select d.oid from"
    "  pg_catalog.pg_database d where d.datname ="
    "  pg_catalog.current_database())"
    " order by s.setdatabase";

/* Role settings applied per request, as PostgREST's impersonated role
 * settings; only timeouts, which a plain role may set with set_config. */
static const char *const sl_rolecfg_keys[] = {
	"statement_timeout", "lock_timeout",
	"idle_in_transaction_session_timeout",
};

static struct sl_schema	 sl_schema_cache;

static time_t
sl_now(void)
{
	return (time_t)(clock_mono_ms() / 1000) + 1;	/* never 0 */
}

static PGresult *
sl_schema_query(PGconn *db, const char *sql, const char *schemas)
{
	const char	*params[1] = { schemas };
	PGresult	*r;

	r = PQexecParams(db, sql, 1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		log_error(SL_SCHEMA_MOD, "cannot read the catalog: %s",
		    PQresultErrorMessage(r));
		PQclear(r);
		return NULL;
	}
	return r;
}

static int
sl_schema_rels(struct sl_schema *s, PGresult *r)
{
	struct sl_rel	*rel = NULL;
	int		 i, n = PQntuples(r);
	size_t		 nrels = 0, ncols = 0, j;

	/* Count first: rows are ordered by relation. */
	for (i = 0; i < n; i++) {
		if (i == 0 || strcmp(PQgetvalue(r, i, 0),
		    PQgetvalue(r, i - 1, 0)) != 0 ||
		    strcmp(PQgetvalue(r, i, 1), PQgetvalue(r, i - 1, 1)) != 0)
			nrels++;
		if (!PQgetisnull(r, i, 3))
			ncols++;
	}
	s->rels = sl_arena_alloc(&s->arena, (nrels ? nrels : 1) *
	    sizeof(*s->rels));
	if (s->rels == NULL)
		return -1;
	s->nrels = 0;
	for (i = 0; i < n; i++) {
		if (rel == NULL || strcmp(PQgetvalue(r, i, 0), rel->schema) != 0 ||
		    strcmp(PQgetvalue(r, i, 1), rel->name) != 0) {
			rel = &s->rels[s->nrels++];
			rel->schema = sl_arena_strdup(&s->arena,
			    PQgetvalue(r, i, 0));
			rel->name = sl_arena_strdup(&s->arena,
			    PQgetvalue(r, i, 1));
			rel->kind = PQgetvalue(r, i, 2)[0];
			/* Columns of this relation: count ahead. */
			for (j = (size_t)i; j < (size_t)n &&
			    strcmp(PQgetvalue(r, (int)j, 0), rel->schema) == 0 &&
			    strcmp(PQgetvalue(r, (int)j, 1), rel->name) == 0; j++)
				;
			rel->cols = sl_arena_alloc(&s->arena,
			    (j - (size_t)i + 1) * sizeof(*rel->cols));
			if (rel->schema == NULL || rel->name == NULL ||
			    rel->cols == NULL)
				return -1;
		}
		if (PQgetisnull(r, i, 3))
			continue;
		/* A primary key column is listed once per matching index
		 * row; there is at most one primary key. */
		rel->cols[rel->ncols].name = sl_arena_strdup(&s->arena,
		    PQgetvalue(r, i, 3));
		rel->cols[rel->ncols].type = sl_arena_strdup(&s->arena,
		    PQgetvalue(r, i, 4));
		rel->cols[rel->ncols].pk = PQgetvalue(r, i, 5)[0] == 't';
		if (rel->cols[rel->ncols].name == NULL ||
		    rel->cols[rel->ncols].type == NULL)
			return -1;
		rel->ncols++;
	}
	(void)ncols;
	return 0;
}

static int
sl_schema_fns(struct sl_schema *s, PGresult *r)
{
	struct sl_fn	*fn;
	json_t		*args, *a;
	int		 i, n = PQntuples(r), ndef;
	size_t		 k;
	uint64_t	 u;

	s->fns = sl_arena_alloc(&s->arena, (n ? (size_t)n : 1) *
	    sizeof(*s->fns));
	if (s->fns == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		fn = &s->fns[s->nfns];
		fn->schema = sl_arena_strdup(&s->arena, PQgetvalue(r, i, 0));
		fn->name = sl_arena_strdup(&s->arena, PQgetvalue(r, i, 1));
		fn->retset = PQgetvalue(r, i, 2)[0] == 't';
		fn->retvoid = PQgetvalue(r, i, 3)[0] == 't';
		fn->retcomposite = PQgetvalue(r, i, 4)[0] == 't';
		fn->volatility = PQgetvalue(r, i, 5)[0];
		if (strparse_u64(PQgetvalue(r, i, 6),
		    (size_t)PQgetlength(r, i, 6), 0, 1000, &u) == -1)
			u = 0;
		ndef = (int)u;
		args = json_loadb(PQgetvalue(r, i, 7),
		    (size_t)PQgetlength(r, i, 7), 0, NULL);
		if (fn->schema == NULL || fn->name == NULL ||
		    !json_is_array(args)) {
			json_decref(args);
			return -1;
		}
		fn->nargs = json_array_size(args);
		fn->args = sl_arena_alloc(&s->arena, (fn->nargs + 1) *
		    sizeof(*fn->args));
		if (fn->args == NULL) {
			json_decref(args);
			return -1;
		}
		json_array_foreach(args, k, a) {
			fn->args[k].name = sl_arena_strdup(&s->arena,
			    json_string_value(json_array_get(a, 0)) ?
			    json_string_value(json_array_get(a, 0)) : "");
			fn->args[k].type = sl_arena_strdup(&s->arena,
			    json_string_value(json_array_get(a, 1)) ?
			    json_string_value(json_array_get(a, 1)) : "text");
			/* Defaults belong to the last pronargdefaults. */
			fn->args[k].optional = (int)k >= (int)fn->nargs - ndef;
			if (fn->args[k].name == NULL ||
			    fn->args[k].type == NULL) {
				json_decref(args);
				return -1;
			}
		}
		json_decref(args);
		s->nfns++;
	}
	return 0;
}

static int
sl_schema_rolecfg(struct sl_schema *s, PGresult *r)
{
	int	 i, n = PQntuples(r);
	size_t	 k;

	s->rolecfg = sl_arena_alloc(&s->arena, (n ? (size_t)n : 1) *
	    sizeof(*s->rolecfg));
	if (s->rolecfg == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		for (k = 0; k < sizeof(sl_rolecfg_keys) /
		    sizeof(sl_rolecfg_keys[0]); k++)
			if (strcmp(PQgetvalue(r, i, 1), sl_rolecfg_keys[k]) == 0)
				break;
		if (k == sizeof(sl_rolecfg_keys) / sizeof(sl_rolecfg_keys[0]))
			continue;
		s->rolecfg[s->nrolecfg].role = sl_arena_strdup(&s->arena,
		    PQgetvalue(r, i, 0));
		s->rolecfg[s->nrolecfg].key = sl_arena_strdup(&s->arena,
		    PQgetvalue(r, i, 1));
		s->rolecfg[s->nrolecfg].value = sl_arena_strdup(&s->arena,
		    PQgetvalue(r, i, 2));
		if (s->rolecfg[s->nrolecfg].role == NULL ||
		    s->rolecfg[s->nrolecfg].key == NULL ||
		    s->rolecfg[s->nrolecfg].value == NULL)
			return -1;
		s->nrolecfg++;
	}
	return 0;
}

static int
sl_schema_load(PGconn *db, const struct sl_conf *conf)
{
	struct sl_schema	 s;
	struct buf		 arr;
	PGresult		*rr = NULL, *rf = NULL, *rc = NULL;
	size_t			 i;
	int			 ok = -1;

	memset(&s, 0, sizeof(s));
	sl_arena_init(&s.arena, SL_SCHEMA_ARENA_MAX);
	/* {public,api}: names were checked to be [a-z0-9_] at start-up. */
	buf_init(&arr, SL_SCHEMAS_MAX * (SL_IDENT_MAX + 1) + 2);
	buf_appendc(&arr, '{');
	for (i = 0; i < conf->nschemas; i++)
		buf_printf(&arr, "%s%s", i ? "," : "", conf->schemas[i]);
	if (buf_appendc(&arr, '}') == -1)
		goto out;

	if ((rr = sl_schema_query(db, SL_SQL_RELS, arr.data)) == NULL ||
	    (rf = sl_schema_query(db, SL_SQL_FNS, arr.data)) == NULL)
		goto out;
	if (sl_schema_rels(&s, rr) == -1 || sl_schema_fns(&s, rf) == -1) {
		log_error(SL_SCHEMA_MOD, "schema cache too large or no memory");
		goto out;
	}
	/* Role settings are optional: an unreadable pg_db_role_setting
	 * only loses the per-role timeouts. */
	rc = PQexec(db, SL_SQL_ROLECFG);
	if (PQresultStatus(rc) == PGRES_TUPLES_OK) {
		if (sl_schema_rolecfg(&s, rc) == -1)
			goto out;
	} else
		log_warn(SL_SCHEMA_MOD, "cannot read role settings: %s",
		    PQresultErrorMessage(rc));
	s.loaded = sl_now();
	sl_arena_release(&sl_schema_cache.arena);
	sl_schema_cache = s;
	memset(&s, 0, sizeof(s));
	log_debug(SL_SCHEMA_MOD, "schema cache: %zu relations, %zu functions",
	    sl_schema_cache.nrels, sl_schema_cache.nfns);
	ok = 0;
out:
	PQclear(rc);
	PQclear(rf);
	PQclear(rr);
	buf_release(&arr);
	sl_arena_release(&s.arena);
	return ok;
}

const struct sl_schema *
sl_schema_get(PGconn *db, const struct sl_conf *conf, int retry)
{
	time_t	 now = sl_now();
	time_t	 ttl = retry ? SL_SCHEMA_RETRY : SL_SCHEMA_TTL;

	if (sl_schema_cache.loaded != 0 &&
	    now - sl_schema_cache.loaded < ttl)
		return &sl_schema_cache;
	if (sl_schema_load(db, conf) == -1) {
		/* A stale cache is better than none while it is recent. */
		if (sl_schema_cache.loaded != 0 && !retry &&
		    now - sl_schema_cache.loaded < SL_SCHEMA_TTL * 12)
			return &sl_schema_cache;
		return NULL;
	}
	return &sl_schema_cache;
}

const struct sl_rel *
sl_schema_rel(const struct sl_schema *s, const char *schema,
    const char *name)
{
	size_t	 i;

	for (i = 0; i < s->nrels; i++)
		if (strcmp(s->rels[i].name, name) == 0 &&
		    strcmp(s->rels[i].schema, schema) == 0)
			return &s->rels[i];
	return NULL;
}

const struct sl_col *
sl_schema_col(const struct sl_rel *rel, const char *name)
{
	size_t	 i;

	for (i = 0; i < rel->ncols; i++)
		if (strcmp(rel->cols[i].name, name) == 0)
			return &rel->cols[i];
	return NULL;
}
