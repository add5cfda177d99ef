/*
 * limits.c -- token buckets and in-flight places in the node's segment;
 * see limits.h.
 */
#include <string.h>

#include "ops/limits.h"
#include "ops/node.h"

#define MICRO	1000000ULL

_Static_assert(NODE_HELD == METRICS_SCOPE__MAX,
    "a worker holds one place per scope");

/* The bucket refilled to now: its micro-tokens, and *at the refill time
 * to keep. r->rate > 0. */
static unsigned __int128
limits_refill(uint64_t micro, uint64_t last_us, uint64_t now_us,
    const struct limits_rule *r, uint64_t iv, uint64_t *at)
{
	unsigned __int128	 cap, have, add;
	uint64_t		 burst = r->burst > 0 ? r->burst : r->rate;

	cap = (unsigned __int128)burst * MICRO;
	*at = now_us;
	if (last_us == 0 || now_us < last_us)
		return cap;	/* new (or a clock we cannot trust): full */
	/* rate tokens per iv seconds: rate * MICRO micro-tokens per iv *
	 * MICRO us, i.e. rate / iv micro-tokens per us. */
	add = (unsigned __int128)(now_us - last_us) * r->rate / iv;
	have = (unsigned __int128)micro + add;
	if (have > cap)
		return cap;
	/* The time that made add, not all of it: what is left over counts
	 * next time (else a slow rate under steady traffic would never
	 * refill). */
	*at = last_us + (uint64_t)(add * iv / r->rate);
	return have;
}

int
limits_take(uint64_t *micro, uint64_t *last_us, uint64_t now_us,
    const struct limits_rule *r, uint64_t interval_s, int commit,
    unsigned int *retry_s)
{
	unsigned __int128	 have, need;
	uint64_t		 at, iv = interval_s > 0 ? interval_s : 1;

	if (r->rate == 0)
		return 1;
	have = limits_refill(*micro, *last_us, now_us, r, iv, &at);
	if (have >= MICRO) {
		if (commit) {
			*micro = (uint64_t)(have - MICRO);
			*last_us = at;
		}
		return 1;
	}
	/* Seconds until have reaches one token, rounded up. */
	need = (MICRO - have) * iv;
	need = (need + (unsigned __int128)r->rate * MICRO - 1) /
	    ((unsigned __int128)r->rate * MICRO);
	if (need < 1)
		need = 1;
	if (need > LIMIT_LIMITS_RETRY_MAX)
		need = LIMIT_LIMITS_RETRY_MAX;
	*retry_s = (unsigned int)need;
	return 0;
}

void
limits_settle(uint64_t *v, uint64_t now_us, const struct limits_rule *r,
    uint64_t interval_s)
{
	unsigned __int128	 have;
	uint64_t		 at, pay, iv = interval_s > 0 ? interval_s : 1;

	if (v[LIMITS_V_DEBT] == 0)
		return;
	if (r->rate == 0) {
		/* No rate limit now: nothing to pay it from, or for. */
		v[LIMITS_V_DEBT] = 0;
		return;
	}
	have = limits_refill(v[0], v[1], now_us, r, iv, &at);
	pay = have < v[LIMITS_V_DEBT] ? (uint64_t)have : v[LIMITS_V_DEBT];
	v[0] = (uint64_t)(have - pay);
	v[1] = at;
	v[LIMITS_V_DEBT] -= pay;
}

/* Seconds until a debt and one token are refilled (rate > 0). */
static unsigned int
limits_debt_wait(uint64_t debt, const struct limits_rule *r,
    uint64_t interval_s)
{
	unsigned __int128	 need;
	uint64_t		 iv = interval_s > 0 ? interval_s : 1;

	need = ((unsigned __int128)debt + MICRO) * iv;
	need = (need + (unsigned __int128)r->rate * MICRO - 1) /
	    ((unsigned __int128)r->rate * MICRO);
	if (need < 1)
		need = 1;
	if (need > LIMIT_LIMITS_RETRY_MAX)
		need = LIMIT_LIMITS_RETRY_MAX;
	return (unsigned int)need;
}

/* Refused in scope s: keep the refusal with the longest wait. */
static void
limits_refuse(struct limits_refusal *why, int *refused, int s,
    enum metrics_limit_reason reason, unsigned int retry_s, uint64_t limit)
{
	if (*refused && why->retry_s >= retry_s)
		return;
	*refused = 1;
	why->scope = (enum metrics_limit_scope)s;
	why->reason = reason;
	why->retry_s = retry_s;
	why->limit = limit;
}

int
limits_admit(const struct limits_req *q, uint64_t now_us,
    struct limits_refusal *why)
{
	struct node_worker	*me = node_self();
	struct shm_table	 t;
	const struct limits_scope *sc;
	uint64_t		*v;
	int			 slot[METRICS_SCOPE__MAX];
	unsigned int		 retry, n;
	int			 s, refused = 0, reaped = 0;

	memset(why, 0, sizeof(*why));
	if (me == NULL || node_table(NODE_AREA_LIMITS, &t) == -1)
		return 0;
	shm_lock(t.shm);
	for (s = 0; s < METRICS_SCOPE__MAX; s++) {
		sc = &q->scope[s];
		slot[s] = -1;
		if (!sc->on)
			continue;
		slot[s] = shm_table_find(&t, sc->key, strlen(sc->key), 2);
		if (slot[s] == -1) {
			metrics_count(METRICS_LIMITS_TABLE_FULL, 1);
			continue;
		}
		if (sc->rule.concurrent > 0) {
			n = node_held((unsigned int)s, (uint64_t)slot[s] + 1);
			if (n >= sc->rule.concurrent && !reaped) {
				/* Places held by dead workers come back. */
				node_reap_dead();
				reaped = 1;
				n = node_held((unsigned int)s,
				    (uint64_t)slot[s] + 1);
			}
			if (n >= sc->rule.concurrent)
				limits_refuse(why, &refused, s,
				    METRICS_REASON_CONCURRENCY, 1,
				    sc->rule.concurrent);
		}
		v = shm_table_vals(&t, (uint32_t)slot[s]);
		/* What other nodes took first (ops/limits_sync.h). */
		limits_settle(v, now_us, &sc->rule, q->interval_s);
		if (v[LIMITS_V_DEBT] > 0)
			limits_refuse(why, &refused, s, METRICS_REASON_RATE,
			    limits_debt_wait(v[LIMITS_V_DEBT], &sc->rule,
			    q->interval_s), sc->rule.rate);
		else if (!limits_take(&v[0], &v[1], now_us, &sc->rule,
		    q->interval_s, 0, &retry))
			limits_refuse(why, &refused, s, METRICS_REASON_RATE,
			    retry, sc->rule.rate);
	}
	if (!refused)
		for (s = 0; s < METRICS_SCOPE__MAX; s++) {
			if (slot[s] == -1)
				continue;
			v = shm_table_vals(&t, (uint32_t)slot[s]);
			limits_take(&v[0], &v[1], now_us, &q->scope[s].rule,
			    q->interval_s, 1, &retry);
			/* For the next sync (a scope without a rate has
			 * nothing to share). */
			if (q->scope[s].rule.rate > 0) {
				v[LIMITS_V_SENT]++;
				v[LIMITS_V_IV] = q->interval_s;
			}
			shm_store(&me->held[s], (uint64_t)slot[s] + 1);
		}
	shm_unlock(t.shm);
	if (refused)
		metrics_limited(why->scope, why->reason);
	return refused;
}

void
limits_release(void)
{
	struct node_worker	*me = node_self();
	int			 s;

	if (me == NULL)
		return;
	for (s = 0; s < NODE_HELD; s++)
		shm_store(&me->held[s], 0);
}
