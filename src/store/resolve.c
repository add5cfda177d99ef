/*
 * resolve.c -- resolve_mcp_target RPC and its per-worker cache; see
 * resolve.h.
 */
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "httpc.h"
#include "jsonx.h"
#include "log.h"
#include "ops/metrics.h"
#include "product_limits.h"
#include "store/resolve.h"
#include "strparse.h"
#include "store/supa.h"

#define RESOLVE_MOD		"resolve"
/* "u:" / "k:" + id, or "o:" + user id + ":" + session id (a session
 * belongs to one OAuth client: Supabase signed both into the token). */
#define RESOLVE_CALLER_MAX	(2 + UUID_STRLEN + 1 + UUID_STRLEN)

struct resolve_entry {
	int		 used;
	char		 tenant[LIMIT_SLUG + 1];
	char		 server[LIMIT_SLUG + 1];
	char		 caller[RESOLVE_CALLER_MAX + 1];
	json_t		*target;	/* NULL: the RPC said null (404) */
	time_t		 at;		/* when it was fetched */
};

static struct resolve_entry	 resolve_cache[LIMIT_RESOLVE_CACHE];
static struct resolve_stats	 resolve_counts;

static time_t
resolve_monotonic(void)
{
	return (time_t)(clock_mono_ms() / 1000);
}

static time_t	(*resolve_now)(void) = resolve_monotonic;

void
resolve_set_clock(time_t (*now)(void))
{
	resolve_now = now != NULL ? now : resolve_monotonic;
}

void
resolve_cache_clear(void)
{
	size_t	 i;

	for (i = 0; i < LIMIT_RESOLVE_CACHE; i++)
		json_decref(resolve_cache[i].target);
	memset(resolve_cache, 0, sizeof(resolve_cache));
	memset(&resolve_counts, 0, sizeof(resolve_counts));
}

void
resolve_stats(struct resolve_stats *st)
{
	size_t	 i;

	*st = resolve_counts;
	st->entries = 0;
	for (i = 0; i < LIMIT_RESOLVE_CACHE; i++)
		if (resolve_cache[i].used)
			st->entries++;
}

static struct resolve_entry *
resolve_lookup(const char *tenant, const char *server, const char *caller)
{
	size_t	 i;

	for (i = 0; i < LIMIT_RESOLVE_CACHE; i++) {
		struct resolve_entry *e = &resolve_cache[i];

		if (e->used && strcmp(e->tenant, tenant) == 0 &&
		    strcmp(e->server, server) == 0 &&
		    strcmp(e->caller, caller) == 0)
			return e;
	}
	return NULL;
}

/* Keep target (borrowed; a reference is taken) for the key. */
static void
resolve_store(struct resolve_entry *e, const char *tenant, const char *server,
    const char *caller, json_t *target, time_t now)
{
	size_t	 i;

	if (e == NULL) {
		/* A free slot, else the oldest entry. */
		for (i = 0; i < LIMIT_RESOLVE_CACHE; i++) {
			if (!resolve_cache[i].used) {
				e = &resolve_cache[i];
				break;
			}
			if (e == NULL || resolve_cache[i].at < e->at)
				e = &resolve_cache[i];
		}
		if (e->used)
			resolve_counts.evictions++;
		json_decref(e->target);
		memset(e, 0, sizeof(*e));
		snprintf(e->tenant, sizeof(e->tenant), "%s", tenant);
		snprintf(e->server, sizeof(e->server), "%s", server);
		snprintf(e->caller, sizeof(e->caller), "%s", caller);
		e->used = 1;
	} else
		json_decref(e->target);
	e->target = json_incref(target);
	e->at = now;
}

static int
resolve_is_oauth(const struct principal *p)
{
	return p->kind == PRINCIPAL_USER && p->client_id[0] != '\0';
}

/*
 * An OAuth client's answer (its "oauth" object): 0 when the user granted
 * the client this tenant and server and the token's session lives; else
 * 401 (session gone: the user revoked the grant in Supabase, or signed
 * out) or 403 (not granted). Others: 0.
 */
static int
resolve_oauth_verdict(const struct principal *p, const json_t *target)
{
	const json_t	*o;

	if (!resolve_is_oauth(p) || target == NULL)
		return 0;
	o = json_object_get(target, "oauth");
	/* The cache key is (user, session); the answer must also be for
	 * this very client. */
	if (!json_is_string(json_object_get(o, "client_id")) ||
	    strcmp(json_string_value(json_object_get(o, "client_id")),
	    p->client_id) != 0)
		return 403;
	if (!json_is_true(json_object_get(o, "session")))
		return 401;
	if (!json_is_true(json_object_get(o, "granted")))
		return 403;
	return 0;
}

/* *target (a NEW reference, or NULL) to resolve_target()'s status. */
static int
resolve_answer(const struct principal *p, json_t **target)
{
	int	 st;

	if (*target == NULL)
		return 404;
	if ((st = resolve_oauth_verdict(p, *target)) != 0) {
		json_decref(*target);
		*target = NULL;
	}
	return st;
}

/*
 * The round trip: 0 and *result (NEW reference; NULL for JSON null), or
 * -1 with why (for the log) when no usable answer came.
 */
static int
resolve_rpc(const struct config *cfg, const struct principal *p,
    const char *tenant, const char *server, json_t **result, char *why,
    size_t whylen)
{
	json_t	*args, *j = NULL;
	int	 rc = -1, oauth = resolve_is_oauth(p);

	*result = NULL;
	if (oauth)
		args = json_pack("{s:s, s:s, s:s, s:s, s:s}", "p_tenant",
		    tenant, "p_server", server, "p_user_id", p->sub,
		    "p_client_id", p->client_id, "p_session_id",
		    p->session_id);
	else
		args = json_pack("{s:s, s:s, s:s}", "p_tenant", tenant,
		    "p_server", server, p->kind == PRINCIPAL_USER ?
		    "p_user_id" : "p_api_key_id", p->sub);
	if (args == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	resolve_counts.calls++;
	if (supa_rpc(cfg, oauth ? RESOLVE_OAUTH_RPC_PATH : RESOLVE_RPC_PATH,
	    oauth ? "resolve_mcp_target_oauth" : "resolve_mcp_target", args,
	    0, LIMIT_RESOLVE_RESPONSE, &j, why, whylen) == -1)
		goto out;
	/* JSON null (PostgREST's answer for a NULL jsonb) is a "no". */
	if (json_is_null(j)) {
		rc = 0;
		goto out;
	}
	if (!json_is_object(j) ||
	    !json_is_object(json_object_get(j, "tenant")) ||
	    !json_is_object(json_object_get(j, "server")) ||
	    !json_is_object(json_object_get(j, "tenant_server")) ||
	    (oauth && !json_is_object(json_object_get(j, "oauth")))) {
		snprintf(why, whylen, "resolve_mcp_target: unexpected answer");
		goto out;
	}
	*result = j;
	j = NULL;
	rc = 0;
out:
	json_decref(j);
	json_decref(args);
	return rc;
}

int
resolve_target(struct request *req, const struct principal *p,
    const char *tenantp, size_t tenantlen, const char *serverp,
    size_t serverlen, json_t **target)
{
	const struct config	*cfg = req->cfg;
	struct resolve_entry	*e;
	json_t			*fresh = NULL;
	char			 tenant[LIMIT_SLUG + 1], server[LIMIT_SLUG + 1];
	char			 caller[RESOLVE_CALLER_MAX + 1];
	char			 why[LIMIT_HTTPC_ERR + 64];
	time_t			 now;

	*target = NULL;
	if (p == NULL || (p->kind != PRINCIPAL_USER &&
	    p->kind != PRINCIPAL_API_KEY) || p->sub[0] == '\0')
		return 500;
	if (!strparse_is_slug(tenantp, tenantlen, LIMIT_SLUG) ||
	    !strparse_is_slug(serverp, serverlen, LIMIT_SLUG))
		return 404;
	memcpy(tenant, tenantp, tenantlen);
	tenant[tenantlen] = '\0';
	memcpy(server, serverp, serverlen);
	server[serverlen] = '\0';
	/* A platform token is for its own tenant only: no round trip. */
	if (p->kind == PRINCIPAL_API_KEY && strcmp(p->tenant_slug, tenant) != 0)
		return 404;
	if (resolve_is_oauth(p))
		snprintf(caller, sizeof(caller), "o:%s:%s", p->sub,
		    p->session_id);
	else
		snprintf(caller, sizeof(caller), "%c:%s",
		    p->kind == PRINCIPAL_USER ? 'u' : 'k', p->sub);

	now = resolve_now();
	e = cfg->config_ttl > 0 ? resolve_lookup(tenant, server, caller) :
	    NULL;
	if (e != NULL && now >= e->at &&
	    (uint64_t)(now - e->at) < cfg->config_ttl) {
		resolve_counts.hits++;
		metrics_count(METRICS_RESOLVE_HITS, 1);
		*target = json_incref(e->target);
		return resolve_answer(p, target);
	}
	metrics_count(METRICS_RESOLVE_MISSES, 1);
	if (resolve_rpc(cfg, p, tenant, server, &fresh, why,
	    sizeof(why)) == -1) {
		resolve_counts.failures++;
		if (e == NULL) {
			log_warn(RESOLVE_MOD, "'%s/%s': %s", tenant, server,
			    why);
			return 503;
		}
		resolve_counts.stale++;
		log_warn(RESOLVE_MOD, "'%s/%s': %s; serving the cached "
		    "answer, %llds old", tenant, server, why,
		    (long long)(now - e->at));
		*target = json_incref(e->target);
		return resolve_answer(p, target);
	}
	if (cfg->config_ttl > 0)
		resolve_store(e, tenant, server, caller, fresh, now);
	*target = fresh;
	return resolve_answer(p, target);
}
