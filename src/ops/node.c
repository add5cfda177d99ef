/*
 * node.c -- the node's shared segment and its worker entries; see node.h.
 */
#include <sys/types.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "ops/node.h"

#define MOD	"node"

static struct shm		 node_seg;
static struct node_worker	*node_me;

/* The user area: workers, counters, series table, limits table. */
static size_t
node_workers_bytes(void)
{
	return sizeof(struct node_worker) * LIMIT_NODE_WORKERS;
}

static size_t
node_series_bytes(void)
{
	return shm_table_size(LIMIT_METRICS_SLOTS, LIMIT_METRICS_KEY,
	    NODE_SERIES_VALS);
}

static size_t
node_limits_bytes(void)
{
	return shm_table_size(LIMIT_LIMITS_SLOTS, LIMIT_LIMITS_KEY,
	    NODE_LIMITS_VALS);
}

/* The session rings, last in the segment: ended sessions, then session
 * log levels (node.h). An entry's value is what the ring keeps for its
 * digest (the level; 0 for ended). */
struct node_ring_entry {
	uint64_t	 expires;	/* 0: free or being written */
	uint64_t	 value;
	unsigned char	 digest[NODE_DIGEST_LEN];
};

struct node_ring {
	uint64_t		 next;	/* entries written so far */
	struct node_ring_entry	 e[LIMIT_NODE_SESSIONS];
};

enum node_ring_id {
	NODE_RING_ENDED,
	NODE_RING_LEVELS,
	NODE_RING__MAX
};

static size_t
node_size(void)
{
	return node_workers_bytes() + NODE_COUNTERS_BYTES +
	    node_series_bytes() + node_limits_bytes() +
	    NODE_RING__MAX * sizeof(struct node_ring);
}

/* The layout id: changes whenever the geometry does, so a segment left
 * by another build is rebuilt, not misread. */
static uint32_t
node_layout(void)
{
	uint64_t	 v[8];
	uint32_t	 x = 2166136261u;
	const unsigned char *p = (const unsigned char *)v;
	size_t		 i;

	v[0] = 3;	/* bump when a meaning changes at the same sizes */
	v[1] = LIMIT_NODE_WORKERS;
	v[2] = sizeof(struct node_worker);
	v[3] = NODE_COUNTERS_BYTES;
	v[4] = LIMIT_METRICS_SLOTS * 1000003ULL + LIMIT_METRICS_KEY;
	v[5] = LIMIT_LIMITS_SLOTS * 1000003ULL + LIMIT_LIMITS_KEY;
	v[6] = NODE_SERIES_VALS * 16 + NODE_LIMITS_VALS;
	v[7] = (NODE_GAUGE__MAX * 16 + NODE_HELD) * 1000003ULL +
	    LIMIT_NODE_SESSIONS * 16 + NODE_RING__MAX;
	for (i = 0; i < sizeof(v); i++) {
		x ^= p[i];
		x *= 16777619u;
	}
	return x;
}

static struct node_worker *
node_workers(void)
{
	return node_seg.user;
}

static int
node_alive(uint64_t pid)
{
	return pid != 0 && (kill((pid_t)pid, 0) == 0 || errno != ESRCH);
}

int
node_reap_dead(void)
{
	struct node_worker	*w = node_workers();
	uint64_t		 pid;
	unsigned int		 i;
	int			 n = 0;

	if (w == NULL)
		return 0;
	for (i = 0; i < LIMIT_NODE_WORKERS; i++) {
		pid = shm_load(&w[i].pid);
		if (pid == 0 || node_alive(pid))
			continue;
		/* Cleared before the pid: a holder never looks free with
		 * slots still held. */
		memset(w[i].held, 0, sizeof(w[i].held));
		memset(w[i].gauge, 0, sizeof(w[i].gauge));
		memset(w[i].warm_n, 0, sizeof(w[i].warm_n));
		if (shm_cas(&w[i].pid, pid, 0))
			n++;
	}
	return n;
}

unsigned int
node_held(unsigned int scope, uint64_t slot1)
{
	struct node_worker	*w = node_workers();
	unsigned int		 i, n = 0;

	if (w == NULL || scope >= NODE_HELD || slot1 == 0)
		return 0;
	for (i = 0; i < LIMIT_NODE_WORKERS; i++)
		if (shm_load(&w[i].held[scope]) == slot1 &&
		    shm_load(&w[i].pid) != 0)
			n++;
	return n;
}

/* A free entry for this process: 0, or -1 when all are taken. */
static int
node_claim(void)
{
	struct node_worker	*w = node_workers();
	uint64_t		 me = (uint64_t)getpid();
	unsigned int		 i;

	shm_lock(&node_seg);
	node_reap_dead();
	for (i = 0; i < LIMIT_NODE_WORKERS; i++)
		if (shm_load(&w[i].pid) == me || shm_cas(&w[i].pid, 0, me))
			break;
	if (i < LIMIT_NODE_WORKERS) {
		memset(w[i].held, 0, sizeof(w[i].held));
		memset(w[i].gauge, 0, sizeof(w[i].gauge));
		memset(w[i].warm_n, 0, sizeof(w[i].warm_n));
		node_me = &w[i];
	}
	shm_unlock(&node_seg);
	return node_me != NULL ? 0 : -1;
}

int
node_attach_path(const char *path, char *why, size_t whylen)
{
	int	 rc;

	node_detach();
	rc = shm_attach(&node_seg, path, node_size(), node_layout(), why,
	    whylen);
	if (rc == -1)
		return -1;
	if (node_claim() == -1) {
		snprintf(why, whylen, "all %d worker entries are taken",
		    LIMIT_NODE_WORKERS);
		node_detach();
		return -1;
	}
	return rc;
}

int
node_attach(const struct config *cfg)
{
	char	 path[LIMIT_PATH + sizeof(NODE_SHM_FILE) + 2];
	char	 why[LIMIT_SHM_PATH + 128];
	int	 rc;

	why[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s", cfg->data_dir, NODE_SHM_FILE);
	rc = node_attach_path(path, why, sizeof(why));
	if (rc == -1)
		log_error(MOD, "shared segment '%s': %s: metrics and limits "
		    "are off in this worker", path, why);
	else if (rc == 1)
		log_error(MOD, "shared segment '%s' rebuilt (found: %s); "
		    "metrics start again from zero", path, why);
	return rc == -1 ? -1 : 0;
}

void
node_detach(void)
{
	if (node_me != NULL && shm_load(&node_me->pid) ==
	    (uint64_t)getpid()) {
		memset(node_me->held, 0, sizeof(node_me->held));
		memset(node_me->gauge, 0, sizeof(node_me->gauge));
		shm_store(&node_me->pid, 0);
	}
	node_me = NULL;
	shm_detach(&node_seg);
}

struct shm *
node_shm(void)
{
	return node_seg.base != NULL ? &node_seg : NULL;
}

void *
node_counters(void)
{
	if (node_seg.base == NULL)
		return NULL;
	return (unsigned char *)node_seg.user + node_workers_bytes();
}

int
node_table(enum node_area a, struct shm_table *t)
{
	unsigned char	*p;

	if (node_seg.base == NULL)
		return -1;
	p = (unsigned char *)node_seg.user + node_workers_bytes() +
	    NODE_COUNTERS_BYTES;
	if (a == NODE_AREA_SERIES)
		shm_table_view(t, &node_seg, p, LIMIT_METRICS_SLOTS,
		    LIMIT_METRICS_KEY, NODE_SERIES_VALS);
	else if (a == NODE_AREA_LIMITS)
		shm_table_view(t, &node_seg, p + node_series_bytes(),
		    LIMIT_LIMITS_SLOTS, LIMIT_LIMITS_KEY, NODE_LIMITS_VALS);
	else
		return -1;
	return 0;
}

struct node_worker *
node_self(void)
{
	return node_me;
}

struct node_worker *
node_worker(unsigned int i)
{
	if (node_seg.base == NULL || i >= LIMIT_NODE_WORKERS)
		return NULL;
	return &node_workers()[i];
}

void
node_gauge_set(enum node_gauge g, uint64_t v)
{
	if (node_me != NULL && g < NODE_GAUGE__MAX)
		shm_store(&node_me->gauge[g], v);
}

static struct node_ring *
node_ring(enum node_ring_id id)
{
	if (node_seg.base == NULL)
		return NULL;
	return (struct node_ring *)((unsigned char *)node_seg.user +
	    node_workers_bytes() + NODE_COUNTERS_BYTES + node_series_bytes() +
	    node_limits_bytes()) + id;
}

static void
node_ring_add(enum node_ring_id id, const unsigned char d[NODE_DIGEST_LEN],
    int64_t expires, uint64_t value)
{
	struct node_ring	*r = node_ring(id);
	struct node_ring_entry	*e;

	if (r == NULL || expires <= 0)
		return;
	shm_lock(&node_seg);
	e = &r->e[r->next % LIMIT_NODE_SESSIONS];
	/* Cleared first: a reader never takes the new digest for the old
	 * entry's expiry or value, or the reverse. */
	shm_store(&e->expires, 0);
	memcpy(e->digest, d, NODE_DIGEST_LEN);
	shm_store(&e->value, value);
	shm_store(&e->expires, (uint64_t)expires);
	r->next++;
	shm_unlock(&node_seg);
}

/* The newest live entry for d: 1 and *value, or 0. Without the lock: an
 * entry being overwritten is skipped. */
static int
node_ring_find(enum node_ring_id id, const unsigned char d[NODE_DIGEST_LEN],
    int64_t now, uint64_t *value)
{
	struct node_ring	*r = node_ring(id);
	struct node_ring_entry	*e;
	uint64_t		 exp, v, next;
	unsigned int		 i;

	if (r == NULL)
		return 0;
	next = shm_load(&r->next);
	for (i = 0; i < LIMIT_NODE_SESSIONS; i++) {
		e = &r->e[(next + LIMIT_NODE_SESSIONS - 1 - i) %
		    LIMIT_NODE_SESSIONS];
		exp = shm_load(&e->expires);
		if (exp == 0 || (int64_t)exp <= now ||
		    memcmp(e->digest, d, NODE_DIGEST_LEN) != 0)
			continue;
		v = shm_load(&e->value);
		/* Still the same entry after the reads. */
		if (shm_load(&e->expires) == exp) {
			*value = v;
			return 1;
		}
	}
	return 0;
}

void
node_ended_add(const unsigned char d[NODE_DIGEST_LEN], int64_t expires)
{
	node_ring_add(NODE_RING_ENDED, d, expires, 0);
}

int
node_ended_has(const unsigned char d[NODE_DIGEST_LEN], int64_t now)
{
	uint64_t	 v;

	return node_ring_find(NODE_RING_ENDED, d, now, &v);
}

void
node_level_set(const unsigned char d[NODE_DIGEST_LEN], int level,
    int64_t expires)
{
	if (level >= 0)
		node_ring_add(NODE_RING_LEVELS, d, expires, (uint64_t)level);
}

int
node_level_get(const unsigned char d[NODE_DIGEST_LEN], int64_t now)
{
	uint64_t	 v;

	if (!node_ring_find(NODE_RING_LEVELS, d, now, &v) || v > INT_MAX)
		return -1;
	return (int)v;
}
