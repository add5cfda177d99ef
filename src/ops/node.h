/*
 * node.h -- the segment one node's workers share: <data_dir>/node.shm
 * (lib/shm.h), holding the metrics (ops/metrics.h), the limiter's buckets
 * (ops/limits.h) and one entry per live worker. docs/internals/shm.md.
 *
 * node_attach() once per worker at start, after the configuration: it
 * maps the segment (building it, with one line in the error log, when it
 * is missing or damaged) and takes a worker entry, reclaiming entries of
 * dead workers (and the in-flight calls they held). When it fails the
 * worker runs on without metrics or limits (one error line): counting is
 * never a reason not to serve. Every function below is a no-op (or
 * returns NULL/0) when not attached: unit tests, mcpctl.
 *
 * A worker's entry holds its pid, its gauges (summed by the scrape over
 * the live entries) and the limiter's slots it holds in flight, so a
 * worker killed mid-call gives them back once its entry is reaped
 * (node_reap_dead(): at attach, and whenever a limit would refuse).
 *
 * A process forked from a worker (the log shipper) shares the mapping and
 * may count; node_detach() in it leaves the worker's entry alone.
 */
#ifndef MCP_OPS_NODE_H
#define MCP_OPS_NODE_H

#include <stdint.h>

#include "config.h"
#include "product_limits.h"
#include "shm.h"

#define NODE_SHM_FILE	"node.shm"

/* What a worker holds in flight: one limiter slot per scope. */
#define NODE_HELD	3

/* Per-worker gauges, summed over the live workers by the scrape. */
enum node_gauge {
	NODE_GAUGE_STDIO_WARM,		/* warm stdio children */
	NODE_GAUGE__MAX
};

struct node_worker {
	uint64_t	 pid;		/* 0: free */
	uint64_t	 gauge[NODE_GAUGE__MAX];
	uint64_t	 held[NODE_HELD];	/* limiter slot + 1; 0: none */
	/* ops/warm.h: this worker's warm stdio children per tenant */
	uint64_t	 warm_key[LIMIT_NODE_WARM_TENANTS];	/* 0: none */
	uint64_t	 warm_n[LIMIT_NODE_WARM_TENANTS];
};

/* The segment's areas, in this order. */
enum node_area {
	NODE_AREA_COUNTERS,	/* ops/metrics.c: plain counters */
	NODE_AREA_SERIES,	/* ops/metrics.c: keyed request series */
	NODE_AREA_LIMITS,	/* ops/limits.c: keyed buckets */
	NODE_AREA__MAX
};

/* Bytes of the counters area (metrics.c's fixed part); values per slot
 * of the two keyed tables. */
#define NODE_COUNTERS_BYTES	(8 * 1024)
#define NODE_SERIES_VALS	1	/* requests */
#define NODE_LIMITS_VALS	6	/* micro-tokens, last refill (us);
					   for the cross-node sync
					   (ops/limits_sync.h): admitted
					   since the last sync, debt
					   (micro-tokens), the other
					   nodes' total + 1 (0: unknown),
					   the interval (s) */

int	 node_attach(const struct config *);
/* 0 attached, 1 attached to a segment it built (why: what was found). */
int	 node_attach_path(const char *path, char *why, size_t whylen);
void	 node_detach(void);

struct shm *node_shm(void);
/* The counters area (NODE_COUNTERS_BYTES), or NULL. */
void	*node_counters(void);
/* A view of a keyed area: 0, or -1 when not attached. */
int	 node_table(enum node_area, struct shm_table *);
/* This worker's entry, or NULL; entry i of LIMIT_NODE_WORKERS. */
struct node_worker *node_self(void);
struct node_worker *node_worker(unsigned int i);

/* Set this worker's gauge. */
void	 node_gauge_set(enum node_gauge, uint64_t);

/*
 * In-flight calls are not counted in a counter that a killed worker would
 * leave too high: a call is in flight while a worker's entry holds its
 * slot. node_held() counts the entries holding (scope, slot + 1); call it
 * under the segment's lock when the answer must be exact.
 * node_reap_dead() frees the entries of workers that no longer exist
 * (kill(pid, 0) fails with ESRCH) and returns how many.
 */
unsigned int node_held(unsigned int scope, uint64_t slot1);
int	 node_reap_dead(void);

/*
 * Two rings of the last LIMIT_NODE_SESSIONS entries keyed by a session
 * id's SHA-256 (NODE_DIGEST_LEN bytes), each with its expiry (Unix
 * seconds), seen by every worker of the node at once. Writers take the
 * lock; readers do not (an entry being overwritten is skipped: at worst a
 * miss), and the newest live entry for a digest wins.
 *
 *  - Recently ended sessions (store/ended.c; the other nodes learn from
 *    Supabase): node_ended_add(), and node_ended_has(): 1 when d is in
 *    the ring and not expired at now, else 0 (also when not attached).
 *  - A legacy session's log level (logging/setLevel) on a modern upstream
 *    (mcp/session.h, session_level_*): node_level_set() with the level's
 *    rank (mcp/protocol.h), node_level_get(): the rank, or -1 when none
 *    is known (never set on this node, overwritten, expired, or not
 *    attached).
 */
#define NODE_DIGEST_LEN	32
void	 node_ended_add(const unsigned char d[NODE_DIGEST_LEN],
	    int64_t expires);
int	 node_ended_has(const unsigned char d[NODE_DIGEST_LEN], int64_t now);
void	 node_level_set(const unsigned char d[NODE_DIGEST_LEN], int level,
	    int64_t expires);
int	 node_level_get(const unsigned char d[NODE_DIGEST_LEN], int64_t now);

#endif /* MCP_OPS_NODE_H */
