/*
 * admit.c -- the limits step of the MCP endpoint; see admit.h.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "jsonx.h"
#include "log.h"
#include "mcp/admit.h"
#include "ops/limits.h"
#include "ops/limits_sync.h"
#include "ops/metrics.h"
#include "http/response.h"

#define MOD	"admit"

static const char *const admit_scope_names[METRICS_SCOPE__MAX] = {
	"tenant", "caller", "tool",
};

/* One member of a rule object over *v, when it is a fitting integer. */
static void
admit_num(const json_t *o, const char *name, uint64_t max, uint64_t *v)
{
	const json_t	*j = json_object_get(o, name);

	if (j == NULL)
		return;
	if (!json_is_integer(j) || json_integer_value(j) < 0 ||
	    (uint64_t)json_integer_value(j) > max) {
		log_warn(MOD, "limits: '%s' is not an integer from 0 to %ju: "
		    "ignored", name, (uintmax_t)max);
		return;
	}
	*v = (uint64_t)json_integer_value(j);
}

static void
admit_rule(const json_t *limits, const char *scope, struct limits_rule *r)
{
	const json_t	*o = json_object_get(limits, scope);

	if (!json_is_object(o))
		return;
	admit_num(o, "rate", LIMIT_LIMITS_RATE_MAX, &r->rate);
	admit_num(o, "burst", LIMIT_LIMITS_RATE_MAX, &r->burst);
	admit_num(o, "concurrent", LIMIT_LIMITS_CONC_MAX, &r->concurrent);
}

/* The name of the (first) tools/call in body, or NULL. */
static const char *
admit_tool(const json_t *body)
{
	const json_t	*m;
	const char	*method;
	size_t		 i, n = json_is_array(body) ? json_array_size(body) : 1;

	for (i = 0; i < n; i++) {
		m = json_is_array(body) ? json_array_get(body, i) : body;
		method = jsonx_str(m, "method");
		if (method != NULL && strcmp(method, "tools/call") == 0)
			return jsonx_str(json_object_get(m, "params"), "name");
	}
	return NULL;
}

/*
 * The fair share: one tenant holds at most limit_tenant_share % of the
 * node's workers in flight (at least one), so the rest stay free for
 * every other tenant; a tighter tenant rule stands.
 */
static void
admit_share(const struct config *cfg, struct limits_rule *r)
{
	uint64_t	 cap;

	if (cfg->limit_tenant_share == 0 || cfg->limit_tenant_share >= 100 ||
	    cfg->node_workers == 0)
		return;
	cap = cfg->node_workers * cfg->limit_tenant_share / 100;
	if (cap < 1)
		cap = 1;
	if (r->concurrent == 0 || r->concurrent > cap)
		r->concurrent = cap;
}

static void
admit_setup(struct limits_req *q, const struct config *cfg,
    const struct principal *who, const json_t *resolved, const json_t *body)
{
	const json_t	*tenant = json_object_get(resolved, "tenant");
	const json_t	*ts = json_object_get(resolved, "tenant_server");
	const json_t	*tl = json_object_get(tenant, "limits");
	const char	*tid = jsonx_str(tenant, "id");
	const char	*alias = jsonx_str(ts, "alias");
	const char	*tool = admit_tool(body);
	struct limits_scope *s;
	int		 n;

	memset(q, 0, sizeof(*q));
	q->interval_s = cfg->limit_interval;
	admit_num(tl, "interval_s", LIMIT_LIMITS_INTERVAL_MAX, &q->interval_s);
	if (q->interval_s == 0)
		q->interval_s = cfg->limit_interval;
	if (tid == NULL)
		return;
	s = &q->scope[METRICS_SCOPE_TENANT];
	s->rule = (struct limits_rule){ cfg->limit_tenant_rate,
	    cfg->limit_tenant_burst, cfg->limit_tenant_concurrent };
	admit_rule(tl, "tenant", &s->rule);
	admit_share(cfg, &s->rule);
	n = snprintf(s->key, sizeof(s->key), "t\x1f%s", tid);
	s->on = n > 0 && (size_t)n < sizeof(s->key);

	s = &q->scope[METRICS_SCOPE_CALLER];
	s->rule = (struct limits_rule){ cfg->limit_caller_rate,
	    cfg->limit_caller_burst, cfg->limit_caller_concurrent };
	admit_rule(tl, "caller", &s->rule);
	n = snprintf(s->key, sizeof(s->key), "c\x1f%s\x1f%s", tid, who->sub);
	s->on = n > 0 && (size_t)n < sizeof(s->key);

	if (tool == NULL || alias == NULL)
		return;
	s = &q->scope[METRICS_SCOPE_TOOL];
	s->rule = (struct limits_rule){ cfg->limit_tool_rate,
	    cfg->limit_tool_burst, cfg->limit_tool_concurrent };
	admit_rule(tl, "tool", &s->rule);
	admit_rule(json_object_get(ts, "limits"), "tool", &s->rule);
	/* A tool name too long for a key is not limited by name (the
	 * tenant and caller limits still apply). */
	n = snprintf(s->key, sizeof(s->key), "s\x1f%s\x1f%s\x1f%s", tid,
	    alias, tool);
	s->on = n > 0 && (size_t)n < sizeof(s->key);
}

/*
 * The refusal: 429, Retry-After, -32015 with data {retry_after_s, scope,
 * reason, limit}. -1 (answered).
 */
static int
admit_refuse(struct request *req, const json_t *body, unsigned long retry_s,
    const char *scope, const char *reason, uint64_t limit,
    int *jsonrpc_error)
{
	char			 ra[24], msg[128];
	json_t			*j, *err;
	const json_t		*id;
	int			 status;

	snprintf(ra, sizeof(ra), "%lu", retry_s);
	response_header(req, "Retry-After", ra);
	snprintf(msg, sizeof(msg), "%s limit reached (%s): retry after %lu s",
	    scope, reason, retry_s);
	response_fail_map(RESPONSE_FAIL_RATE_LIMITED, jsonrpc_error, &status);
	id = json_is_object(body) ? json_object_get(body, "id") : NULL;
	j = response_rpc_error(RESPONSE_FAIL_RATE_LIMITED, id, msg);
	err = json_object_get(j, "error");
	if (err == NULL || json_object_set_new(err, "data", json_pack(
	    "{s:I, s:s, s:s, s:I}", "retry_after_s", (json_int_t)retry_s,
	    "scope", scope, "reason", reason,
	    "limit", (json_int_t)limit)) == -1) {
		json_decref(j);
		response_error(req, 429, NULL, "%s", msg);
		return -1;
	}
	response_json(req, status, j);
	json_decref(j);
	return -1;
}

/* The tenant's monthly quota of tools/call (ops/limits_sync.h): 0 with
 * *taken when one was counted, or -1 refused and answered. */
static int
admit_quota(struct request *req, const json_t *resolved, const json_t *body,
    int *taken, int *jsonrpc_error)
{
	const json_t	*tenant = json_object_get(resolved, "tenant");
	const char	*tid = jsonx_str(tenant, "id");
	uint64_t	 quota = req->cfg->limit_quota_monthly, used;
	unsigned long	 left;
	char		 month[7];
	time_t		 now = time(NULL);

	*taken = 0;
	admit_num(json_object_get(tenant, "limits"), "quota_monthly",
	    LIMIT_QUOTA_MAX, &quota);
	if (quota == 0 || tid == NULL || admit_tool(body) == NULL)
		return 0;
	if (quota_take(tid, quota, now, &used) == 0) {
		*taken = 1;
		return 0;
	}
	/* Until the month's end (UTC), not capped at a day. */
	quota_month(now, month, &left);
	metrics_limited(METRICS_SCOPE_TENANT, METRICS_REASON_QUOTA);
	return admit_refuse(req, body, left, "quota", "quota", quota,
	    jsonrpc_error);
}

int
admit_check(struct request *req, const struct principal *who,
    const json_t *resolved, const json_t *body, int *jsonrpc_error)
{
	struct limits_req	 q;
	struct limits_refusal	 why;
	int			 quota;

	if (!req->cfg->limits_enabled)
		return 0;
	if (admit_quota(req, resolved, body, &quota, jsonrpc_error) == -1)
		return -1;
	admit_setup(&q, req->cfg, who, resolved, body);
	if (limits_admit(&q, clock_mono_us(), &why) == 0)
		return 0;
	if (quota)
		quota_untake(jsonx_str(json_object_get(resolved, "tenant"),
		    "id"), time(NULL));
	return admit_refuse(req, body, why.retry_s,
	    admit_scope_names[why.scope], why.reason == METRICS_REASON_RATE ?
	    "rate" : "concurrency", why.limit, jsonrpc_error);
}

void
admit_release(void)
{
	limits_release();
}
