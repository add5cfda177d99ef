/*
 * ended.h -- ended MCP sessions, shared by every worker of every node
 * through Supabase (issue 13: more than one node; docs/internals/
 * session.md, "Ended sessions").
 *
 * A session id is stateless (mcp/session.h), but a DELETE must make it
 * unknown (404) afterwards, on whichever node the next request lands. The
 * id's SHA-256 (hex) is written to public.ended_sessions
 * (sql/migrations/0010_multinode.sql) as the service role; every worker
 * keeps a copy of the table's live rows and brings it up to date at most
 * once per cfg->config_ttl seconds, on the first check that finds its copy
 * older than that. So the request path costs a hash lookup, and one
 * Supabase round trip per worker per config_ttl (none when no request
 * with a session comes).
 *
 * The rule (documented in docs/deployment.md): a DELETE answered 204 at
 * time T is refused at once by every worker of the node that ended it
 * (ops/node.h's ring of the last LIMIT_NODE_SESSIONS ended ids, no round
 * trip), and by every worker of every other node from T + config_ttl on. The copy is read by
 * the database's own clock (ended_ms, set by Postgres), so clock skew
 * between nodes does not widen the bound. config_ttl 0 means no copy: the
 * table is asked on every check.
 *
 *  - ended_check(): 1 when id was ended, else 0. Bringing the copy up to
 *    date may cost one round trip (above). When Supabase cannot answer,
 *    the last copy is used and the sync is tried again after
 *    LIMIT_ENDED_RETRY_S (logged): during an outage the bound does not
 *    hold, the answer is never an error. When the copy is full
 *    (LIMIT_ENDED_CACHE live ids), an id not in it is asked for alone.
 *  - ended_record(): write id as ended until expires (Unix seconds:
 *    issued_at + session_max_age, after which the signature refuses it
 *    anyway) for tenant_id: 0, or -1 (logged; the caller answers 5xx, the
 *    session is NOT ended). A repeated record is not an error.
 *  - ended_tick(): between requests: at most once per
 *    LIMIT_SESSION_PRUNE_S, delete the expired rows from Supabase and
 *    from the copy.
 *  - ended_cache_clear(): forget the copy (tests, exit).
 *
 * Not thread-safe (one worker, one thread).
 */
#ifndef MCP_ENDED_H
#define MCP_ENDED_H

#include <time.h>

#include "config.h"

int	 ended_check(const struct config *, const char *id);
int	 ended_record(const struct config *, const char *id,
	    const char *tenant_id, time_t expires);
void	 ended_tick(const struct config *);
void	 ended_cache_clear(void);

/* Syncs done and ids asked alone since start (tests, metrics). */
struct ended_stats {
	unsigned long	 syncs, sync_failures, asks, size;
};
void	 ended_stats(struct ended_stats *);

#endif /* MCP_ENDED_H */
