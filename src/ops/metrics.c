/*
 * metrics.c -- counting into the shared segment, and the exposition; see
 * metrics.h.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ops/metrics.h"
#include "ops/node.h"
#include "product_limits.h"

/* Histogram bounds in microseconds (the "le" labels in seconds). */
static const uint64_t metrics_le_us[] = {
	5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000,
	2500000, 5000000, 10000000, 30000000, 60000000,
};
#define METRICS_NBUCKETS (sizeof(metrics_le_us) / sizeof(metrics_le_us[0]))

enum metrics_upstream_kind {
	METRICS_UP_UNAVAILABLE,
	METRICS_UP_TIMEOUT,
	METRICS_UP_TOO_LARGE,
	METRICS_UP_ERROR,
	METRICS_UP_SESSION_GONE,
	METRICS_UP__MAX
};

static const char *const metrics_up_names[METRICS_UP__MAX] = {
	"unavailable", "timeout", "too_large", "error", "session_gone",
};

static const char *const metrics_scope_names[METRICS_SCOPE__MAX] = {
	"tenant", "caller", "tool",
};

static const char *const metrics_reason_names[METRICS_REASON__MAX] = {
	"rate", "concurrency", "quota",
};

/* Methods that may be a label value; anything else is "other". */
static const char *const metrics_methods[] = {
	"initialize", "ping", "tools/list", "tools/call", "resources/list",
	"resources/read", "resources/templates/list", "resources/subscribe",
	"resources/unsubscribe", "prompts/list", "prompts/get",
	"completion/complete", "logging/setLevel", "server/discover",
	NULL,
};

struct metrics_hist {
	uint64_t	 bucket[METRICS_NBUCKETS];	/* not cumulative */
	uint64_t	 count;
	uint64_t	 sum_us;
};

/* The counters area (NODE_COUNTERS_BYTES). */
struct metrics_area {
	uint64_t		 counter[METRICS_COUNTER__MAX];
	uint64_t		 limited[METRICS_SCOPE__MAX][METRICS_REASON__MAX];
	uint64_t		 upstream[METRICS_UP__MAX];
	struct metrics_hist	 total;
	struct metrics_hist	 upstream_time;
	uint64_t		 series_used;
};

_Static_assert(sizeof(struct metrics_area) <= NODE_COUNTERS_BYTES,
    "metrics area too large");

static struct metrics_area *
metrics_area(void)
{
	return node_counters();
}

void
metrics_count(enum metrics_counter c, uint64_t n)
{
	struct metrics_area	*a = metrics_area();

	if (a != NULL && c < METRICS_COUNTER__MAX)
		shm_add(&a->counter[c], n);
}

void
metrics_limited(enum metrics_limit_scope s, enum metrics_limit_reason r)
{
	struct metrics_area	*a = metrics_area();

	if (a != NULL && s < METRICS_SCOPE__MAX && r < METRICS_REASON__MAX)
		shm_add(&a->limited[s][r], 1);
}

void
metrics_upstream_error(enum response_fail f)
{
	struct metrics_area	*a = metrics_area();
	int			 k;

	switch (f) {
	case RESPONSE_FAIL_UPSTREAM_UNAVAILABLE:
		k = METRICS_UP_UNAVAILABLE;
		break;
	case RESPONSE_FAIL_UPSTREAM_TIMEOUT:
		k = METRICS_UP_TIMEOUT;
		break;
	case RESPONSE_FAIL_UPSTREAM_TOO_LARGE:
		k = METRICS_UP_TOO_LARGE;
		break;
	case RESPONSE_FAIL_UPSTREAM_ERROR:
		k = METRICS_UP_ERROR;
		break;
	case RESPONSE_FAIL_UPSTREAM_SESSION_GONE:
		k = METRICS_UP_SESSION_GONE;
		break;
	default:
		return;
	}
	if (a != NULL)
		shm_add(&a->upstream[k], 1);
}

static void
metrics_observe(struct metrics_hist *h, double ms)
{
	uint64_t	 us = (uint64_t)(ms * 1000.0);
	size_t		 i;

	for (i = 0; i < METRICS_NBUCKETS; i++)
		if (us <= metrics_le_us[i]) {
			shm_add(&h->bucket[i], 1);
			break;
		}
	shm_add(&h->sum_us, us);
	shm_add(&h->count, 1);
}

static const char *
metrics_method(const char *m)
{
	size_t	 i;

	if (m == NULL)
		return "none";
	if (strncmp(m, "notifications/", 14) == 0)
		return "notification";
	for (i = 0; metrics_methods[i] != NULL; i++)
		if (strcmp(m, metrics_methods[i]) == 0)
			return metrics_methods[i];
	return "other";
}

/* The series' slot, claimed within the cap; -1: over it (or full). */
static int
metrics_series(struct metrics_area *a, struct shm_table *t, const char *key,
    size_t len)
{
	int	 i;

	if ((i = shm_table_find(t, key, len, 0)) >= 0)
		return i;
	shm_lock(t->shm);
	if ((i = shm_table_find(t, key, len, 0)) == -1 &&
	    shm_load(&a->series_used) < LIMIT_METRICS_SERIES &&
	    (i = shm_table_find(t, key, len, 2)) >= 0)
		shm_add(&a->series_used, 1);
	shm_unlock(t->shm);
	return i;
}

void
metrics_request(const char *tenant, const char *server, const char *method,
    int status, double total_ms, double upstream_ms)
{
	struct metrics_area	*a = metrics_area();
	struct shm_table	 t;
	char			 key[LIMIT_METRICS_KEY];
	int			 n, i, cls;

	if (a == NULL || node_table(NODE_AREA_SERIES, &t) == -1)
		return;
	cls = status >= 100 && status <= 599 ? status / 100 : 0;
	if (tenant == NULL || server == NULL)
		tenant = server = "";
	/* Unit separators: no slug holds one. */
	n = snprintf(key, sizeof(key), "%s\x1f%s\x1f%s\x1f%d", tenant, server,
	    metrics_method(method), cls);
	i = n > 0 && (size_t)n < sizeof(key) ?
	    metrics_series(a, &t, key, (size_t)n) : -1;
	if (i == -1) {
		metrics_count(METRICS_SERIES_OVERFLOW, 1);
		n = snprintf(key, sizeof(key), "_other\x1f_other\x1f%s\x1f%d",
		    metrics_method(method), cls);
		/* The overflow series are few (methods x classes): they
		 * are claimed past the cap. */
		i = shm_table_find(&t, key, (size_t)n, 1);
	}
	if (i >= 0)
		shm_add(shm_table_vals(&t, (uint32_t)i), 1);
	if (total_ms >= 0)
		metrics_observe(&a->total, total_ms);
	if (upstream_ms >= 0)
		metrics_observe(&a->upstream_time, upstream_ms);
}

/* ---- the exposition ---------------------------------------------------- */

/* A label value, escaped as the text format asks (\\, \", \n). */
static int
metrics_label(struct buf *out, const char *v, size_t len)
{
	size_t	 i;
	int	 rc = 0;

	for (i = 0; i < len && rc == 0; i++) {
		if (v[i] == '\\' || v[i] == '"')
			rc = buf_appendc(out, '\\') == -1 ? -1 :
			    buf_appendc(out, v[i]);
		else if (v[i] == '\n')
			rc = buf_appends(out, "\\n");
		else
			rc = buf_appendc(out, v[i]);
	}
	return rc;
}

static int
metrics_head(struct buf *out, const char *name, const char *type,
    const char *help)
{
	return buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help,
	    name, type);
}

static int
metrics_hist_out(struct buf *out, const char *name, const char *help,
    const struct metrics_hist *h)
{
	uint64_t	 cum = 0;
	size_t		 i;

	if (metrics_head(out, name, "histogram", help) == -1)
		return -1;
	for (i = 0; i < METRICS_NBUCKETS; i++) {
		cum += shm_load(&h->bucket[i]);
		if (buf_printf(out, "%s_bucket{le=\"%g\"} %ju\n", name,
		    (double)metrics_le_us[i] / 1e6, (uintmax_t)cum) == -1)
			return -1;
	}
	/* +Inf is the count; read once so the lines agree. */
	cum = shm_load(&h->count);
	return buf_printf(out, "%s_bucket{le=\"+Inf\"} %ju\n%s_sum %.6f\n"
	    "%s_count %ju\n", name, (uintmax_t)cum, name,
	    (double)shm_load(&h->sum_us) / 1e6, name, (uintmax_t)cum);
}

static int
metrics_counter_out(struct buf *out, const char *name, const char *help,
    uint64_t v)
{
	if (metrics_head(out, name, "counter", help) == -1)
		return -1;
	return buf_printf(out, "%s %ju\n", name, (uintmax_t)v);
}

static int
metrics_series_out(struct buf *out)
{
	struct shm_table	 t;
	const char		*k, *f[4];
	uint32_t		 i;
	size_t			 j;
	int			 cls;

	if (metrics_head(out, "mcp_requests_total", "counter",
	    "MCP requests by tenant, server, JSON-RPC method and HTTP status "
	    "class (series past the cap count as _other)") == -1)
		return -1;
	if (node_table(NODE_AREA_SERIES, &t) == -1)
		return 0;
	for (i = 0; i < t.nslots; i++) {
		if (!shm_table_used(&t, i))
			continue;
		k = shm_table_key(&t, i);
		/* The segment is shared: never trust a key to end. */
		if (strnlen(k, LIMIT_METRICS_KEY) >= LIMIT_METRICS_KEY)
			continue;
		f[0] = k;
		for (j = 1; j < 4; j++) {
			f[j] = strchr(f[j - 1], '\x1f');
			if (f[j] == NULL)
				break;
			f[j]++;
		}
		if (j < 4)
			continue;
		cls = f[3][0] >= '1' && f[3][0] <= '5' ? f[3][0] - '0' : 0;
		if (buf_appends(out, "mcp_requests_total{tenant=\"") == -1 ||
		    metrics_label(out, f[0], (size_t)(f[1] - f[0] - 1)) == -1 ||
		    buf_appends(out, "\",server=\"") == -1 ||
		    metrics_label(out, f[1], (size_t)(f[2] - f[1] - 1)) == -1 ||
		    buf_appends(out, "\",method=\"") == -1 ||
		    metrics_label(out, f[2], (size_t)(f[3] - f[2] - 1)) == -1)
			return -1;
		if (cls != 0 ? buf_printf(out, "\",code=\"%dxx\"} %ju\n", cls,
		    (uintmax_t)shm_load(shm_table_vals(&t, i))) :
		    buf_printf(out, "\",code=\"none\"} %ju\n",
		    (uintmax_t)shm_load(shm_table_vals(&t, i))))
			return -1;
	}
	return 0;
}

static int
metrics_workers_out(struct buf *out)
{
	struct node_worker	*w;
	uint64_t		 warm = 0, n = 0;
	unsigned int		 i;

	for (i = 0; (w = node_worker(i)) != NULL; i++) {
		if (shm_load(&w->pid) == 0)
			continue;
		n++;
		warm += shm_load(&w->gauge[NODE_GAUGE_STDIO_WARM]);
	}
	if (metrics_head(out, "mcp_workers", "gauge", "FastCGI workers "
	    "attached to the node's shared segment") == -1 ||
	    buf_printf(out, "mcp_workers %ju\n", (uintmax_t)n) == -1)
		return -1;
	if (metrics_head(out, "mcp_stdio_warm_children", "gauge",
	    "warm stdio upstream children, summed over the workers") == -1 ||
	    buf_printf(out, "mcp_stdio_warm_children %ju\n",
	    (uintmax_t)warm) == -1)
		return -1;
	return 0;
}

int
metrics_expose(struct buf *out, const struct metrics_extra *x)
{
	struct metrics_area	*a = metrics_area();
	size_t			 s, r, k;

	if (metrics_head(out, "mcp_metrics_shared", "gauge", "1 when the "
	    "numbers are the node's (the shared segment is attached), 0 "
	    "when this worker could not attach it") == -1 ||
	    buf_printf(out, "mcp_metrics_shared %d\n", a != NULL) == -1)
		return -1;
	if (x != NULL && x->spool_ok) {
		if (metrics_head(out, "mcp_spool_backlog_bytes", "gauge",
		    "request-log bytes spooled, not yet in Supabase") == -1 ||
		    buf_printf(out, "mcp_spool_backlog_bytes %ju\n",
		    (uintmax_t)x->spool_bytes) == -1 ||
		    metrics_head(out, "mcp_spool_oldest_age_seconds", "gauge",
		    "age of the oldest spooled request-log segment") == -1 ||
		    buf_printf(out, "mcp_spool_oldest_age_seconds %.3f\n",
		    x->spool_oldest_s) == -1)
			return -1;
	}
	if (a == NULL)
		return 0;
	if (metrics_series_out(out) == -1 ||
	    metrics_hist_out(out, "mcp_request_duration_seconds", "time from "
	    "the request's start to its answer, MCP requests", &a->total) ==
	    -1 || metrics_hist_out(out, "mcp_upstream_duration_seconds",
	    "time spent in upstream calls, MCP requests that made one",
	    &a->upstream_time) == -1)
		return -1;
	if (metrics_head(out, "mcp_upstream_errors_total", "counter",
	    "failed upstream calls by kind") == -1)
		return -1;
	for (k = 0; k < METRICS_UP__MAX; k++)
		if (buf_printf(out, "mcp_upstream_errors_total{kind=\"%s\"} "
		    "%ju\n", metrics_up_names[k],
		    (uintmax_t)shm_load(&a->upstream[k])) == -1)
			return -1;
	if (metrics_head(out, "mcp_rate_limited_total", "counter",
	    "requests refused by a limit (429), by scope and reason") == -1)
		return -1;
	for (s = 0; s < METRICS_SCOPE__MAX; s++)
		for (r = 0; r < METRICS_REASON__MAX; r++)
			if (buf_printf(out, "mcp_rate_limited_total{scope=\"%s\","
			    "reason=\"%s\"} %ju\n", metrics_scope_names[s],
			    metrics_reason_names[r],
			    (uintmax_t)shm_load(&a->limited[s][r])) == -1)
				return -1;
	if (metrics_workers_out(out) == -1 ||
	    metrics_counter_out(out, "mcp_stdio_spawns_total", "stdio "
	    "upstream children started",
	    shm_load(&a->counter[METRICS_STDIO_SPAWNS])) == -1 ||
	    metrics_counter_out(out, "mcp_resolve_cache_hits_total",
	    "resolves answered from a worker's cache",
	    shm_load(&a->counter[METRICS_RESOLVE_HITS])) == -1 ||
	    metrics_counter_out(out, "mcp_resolve_cache_misses_total",
	    "resolves that asked Supabase",
	    shm_load(&a->counter[METRICS_RESOLVE_MISSES])) == -1 ||
	    metrics_counter_out(out, "mcp_log_ship_failures_total",
	    "request-log shipments that ended with records left unshipped",
	    shm_load(&a->counter[METRICS_SHIP_FAILURES])) == -1 ||
	    metrics_counter_out(out, "mcp_log_ships_total",
	    "request-log shipments that emptied the spool",
	    shm_load(&a->counter[METRICS_SHIPS])) == -1 ||
	    metrics_counter_out(out, "mcp_metrics_series_overflow_total",
	    "requests counted in the _other series, past the series cap",
	    shm_load(&a->counter[METRICS_SERIES_OVERFLOW])) == -1 ||
	    metrics_counter_out(out, "mcp_limits_table_full_total",
	    "limit checks skipped because the bucket table was full",
	    shm_load(&a->counter[METRICS_LIMITS_TABLE_FULL])) == -1)
		return -1;
	return 0;
}
