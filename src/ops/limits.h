/*
 * limits.h -- limits keyed on identity, exact across one node's workers
 * (docs/configuration.md, "Limits"; issue 13 item 2).
 *
 * Three scopes, each a key and a rule:
 *   tenant   every MCP request of the tenant
 *   caller   every MCP request of one caller (user or API key: the
 *            principal's sub) within the tenant
 *   tool     every tools/call of one tool of one tenant server
 * A rule: rate requests per interval seconds, as a token bucket of burst
 * tokens (burst 0: rate) refilled continuously at rate/interval; and
 * concurrent calls in flight at once. 0 means no limit of that kind.
 *
 * limits_admit() checks every scope of a request under the segment's
 * lock and then either takes one token of each and holds one in-flight
 * place of each, or takes nothing and says which scope refused first
 * (the one with the longest wait) and when to try again. The holds are
 * in this worker's entry (ops/node.h), given back by limits_release()
 * after the answer -- or, should the worker die, by whoever next reaps
 * its entry: a killed worker never leaves a place taken for good.
 *
 * The buckets live in a keyed table of LIMIT_LIMITS_SLOTS; a key that
 * finds no slot (the table full within the probe bound: many distinct
 * tool names) is not limited in that scope, counted in
 * mcp_limits_table_full_total. Time is CLOCK_MONOTONIC, one clock for
 * every process of the machine.
 *
 * More than one node: each node counts alone, and ops/limits_sync.h
 * brings in what the other nodes admitted, as a debt on the bucket
 * (values LIMITS_V_*) paid before it admits again; the bound on the
 * overshoot is in docs/deployment.md, "Limits across nodes".
 *
 * Without the segment (node_attach failed) everything is admitted.
 */
#ifndef MCP_OPS_LIMITS_H
#define MCP_OPS_LIMITS_H

#include <stdint.h>

#include "ops/metrics.h"
#include "product_limits.h"

struct limits_rule {
	uint64_t	 rate;		/* per interval; 0: no rate limit */
	uint64_t	 burst;		/* bucket size; 0: rate */
	uint64_t	 concurrent;	/* in flight; 0: no limit */
};

struct limits_scope {
	int			 on;	/* 0: the request has no such key */
	char			 key[LIMIT_LIMITS_KEY];
	struct limits_rule	 rule;
};

struct limits_req {
	uint64_t		 interval_s;	/* >= 1 */
	struct limits_scope	 scope[METRICS_SCOPE__MAX];
};

struct limits_refusal {
	enum metrics_limit_scope	 scope;
	enum metrics_limit_reason	 reason;
	unsigned int			 retry_s;	/* >= 1 */
	uint64_t			 limit;		/* the rate or the
							   concurrency */
};

/*
 * The bucket maths, on one bucket's state (micro-tokens, the time of the
 * last refill in microseconds; last 0: a new, full bucket):
 * limits_take() refills to now, then takes a token when there is one
 * (1, state updated when commit) or says in how many seconds one will be
 * there (0, *retry_s >= 1, state untouched).
 */
int	 limits_take(uint64_t *micro, uint64_t *last_us, uint64_t now_us,
	    const struct limits_rule *, uint64_t interval_s, int commit,
	    unsigned int *retry_s);

/* A bucket's values in the node's table (NODE_LIMITS_VALS): 0 micro-
 * tokens, 1 last refill (us), then the sync's. */
#define LIMITS_V_SENT	2	/* admitted since the last sync */
#define LIMITS_V_DEBT	3	/* micro-tokens the other nodes took */
#define LIMITS_V_OTHERS	4	/* the other nodes' total + 1; 0: none
				   known yet */
#define LIMITS_V_IV	5	/* the interval of the last admission */

/*
 * Pay the bucket's debt (v: a slot's values) from its tokens refilled to
 * now; what cannot be paid stays (the bucket admits nothing until it is
 * paid). A rule without a rate forgets the debt.
 */
void	 limits_settle(uint64_t *v, uint64_t now_us,
	    const struct limits_rule *, uint64_t interval_s);

/* 0: admitted, holding (limits_release after the answer); 1: refused
 * (*why filled, nothing taken). */
int	 limits_admit(const struct limits_req *, uint64_t now_us,
	    struct limits_refusal *why);
void	 limits_release(void);

#endif /* MCP_OPS_LIMITS_H */
