/*
 * limits_sync.h -- limits across nodes, and the monthly call quota: the
 * node's side of the sync through Supabase (src/store/limitsync.h calls
 * the store; docs/deployment.md, "Limits across nodes").
 *
 * Every bucket of the node's table (ops/limits.h) counts what this node
 * admitted since the last sync (LIMITS_V_SENT). limits_sync_collect()
 * takes those counts (zeroing them) for the keys worth reporting: every
 * key with a count, every bucket used in the last LIMIT_SYNC_RECENT_S,
 * and this month's quota counters; limits_sync_apply() brings in the
 * store's answer: per bucket the other nodes' running total, whose growth
 * since the last answer becomes the bucket's debt (limits_settle; at the
 * first answer for a key, their count within the key's interval), and
 * per quota counter the month's total over every node. When the store
 * does not answer, limits_sync_restore() puts the counts back.
 *
 * The quota: calls (tools/call requests) per tenant per calendar month
 * (UTC, by this node's clock), key "q<US>tenant<US>YYYYMM" in the same
 * table, values 0 the month's total at the last sync (every node), 2 this
 * node's calls since. quota_take() admits and counts one call when the
 * total is below quota (exact among the node's workers, under the lock);
 * quota_untake() gives it back (the request was refused by a limit
 * after all).
 *
 * Keys with a prefix this module does not know, and the sync's own claim
 * key, are never reported. Without the segment, everything is a no-op (the
 * quota admits).
 */
#ifndef MCP_OPS_LIMITS_SYNC_H
#define MCP_OPS_LIMITS_SYNC_H

#include <stdint.h>
#include <time.h>

#include <jansson.h>

/* 1 when a sync is due for this node (every every_s seconds) and the
 * caller has claimed it; else 0. */
int	 limits_sync_due(uint64_t now_us, uint64_t every_s);
/* NEW array [{"key", "n", "iv"}], or NULL (not attached, no memory). */
json_t	*limits_sync_collect(uint64_t now_us, time_t now);
void	 limits_sync_restore(const json_t *entries);
/* answer: [{"key", "others", "recent", "total"}] (borrowed). */
uint64_t limits_sync_apply(const json_t *answer);	/* tokens owed */

/* "YYYYMM" of t (UTC), and the seconds from t to the next month. */
void	 quota_month(time_t t, char out[7], unsigned long *left_s);
/* 0: admitted and counted; 1: refused (*used the month's count). */
int	 quota_take(const char *tenant_id, uint64_t quota, time_t now,
	    uint64_t *used);
void	 quota_untake(const char *tenant_id, time_t now);

#endif /* MCP_OPS_LIMITS_SYNC_H */
