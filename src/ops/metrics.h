/*
 * metrics.h -- the node's metrics: counted by every worker into the
 * shared segment (ops/node.h), so a scrape of any one worker reports the
 * sum over the node's workers; written out in the Prometheus text
 * exposition format 0.0.4 (docs/api-reference.md, "GET /metrics", lists every metric).
 *
 * Counting is atomic adds on the segment: no lock, no system call. The
 * request series (tenant, server, method, status class) are a keyed
 * table with a cardinality cap: at most LIMIT_METRICS_SERIES series, and
 * requests of later ones count under tenant="_other", server="_other"
 * (and mcp_metrics_series_overflow_total). Labels hold only bounded
 * values: a tenant and server only once resolve found them, a method
 * from a fixed list ("other" beyond it), the status class.
 *
 * Everything is a no-op when the segment is not attached; the
 * exposition then says so with mcp_metrics_shared 0.
 */
#ifndef MCP_OPS_METRICS_H
#define MCP_OPS_METRICS_H

#include <stdint.h>

#include "buf.h"
#include "http/fail.h"

/* Plain node-wide counters. */
enum metrics_counter {
	METRICS_STDIO_SPAWNS,		/* stdio children started */
	METRICS_RESOLVE_HITS,		/* resolve answered from the cache */
	METRICS_RESOLVE_MISSES,		/* resolve asked Supabase */
	METRICS_SHIP_FAILURES,		/* shipments that ended unshipped */
	METRICS_SHIPS,			/* shipments that emptied the spool */
	METRICS_SERIES_OVERFLOW,	/* requests counted under _other */
	METRICS_LIMITS_TABLE_FULL,	/* a limit not applied: no slot */
	METRICS_COUNTER__MAX
};

/* Refusals by the limiter: scope x reason. */
enum metrics_limit_scope {
	METRICS_SCOPE_TENANT,
	METRICS_SCOPE_CALLER,
	METRICS_SCOPE_TOOL,
	METRICS_SCOPE__MAX
};

enum metrics_limit_reason {
	METRICS_REASON_RATE,
	METRICS_REASON_CONCURRENCY,
	METRICS_REASON_QUOTA,		/* the tenant's monthly quota */
	METRICS_REASON__MAX
};

void	 metrics_count(enum metrics_counter, uint64_t);
void	 metrics_limited(enum metrics_limit_scope, enum metrics_limit_reason);
/* An upstream call that failed with f (kinds: the upstream failures of
 * http/fail.h; others are ignored). */
void	 metrics_upstream_error(enum response_fail f);

/*
 * One MCP request, after its answer: tenant and server NULL when the
 * request never got as far as a resolved target; method NULL when there
 * was none (DELETE, unparsed); total_ms and upstream_ms < 0: unknown / no
 * upstream call.
 */
void	 metrics_request(const char *tenant, const char *server,
	    const char *method, int status, double total_ms,
	    double upstream_ms);

/* What the scrape measures itself (the spool, from the log layer). */
struct metrics_extra {
	int		 spool_ok;	/* 0: the two below unknown */
	uint64_t	 spool_bytes;	/* not yet shipped */
	double		 spool_oldest_s; /* age of the oldest; 0 when empty */
};

/* The whole exposition appended to out: 0, or -1 (out full). */
int	 metrics_expose(struct buf *out, const struct metrics_extra *);

/* The Content-Type of the exposition. */
#define METRICS_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

#endif /* MCP_OPS_METRICS_H */
