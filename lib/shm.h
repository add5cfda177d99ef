/*
 * shm.h -- a fixed-size shared-memory segment that the processes of one
 * machine map from one file (mmap(2) MAP_SHARED), with a short lock and
 * atomic 64-bit counters; and keyed tables of counters laid out in it.
 * Knows nothing of what the numbers mean (docs/internals/shm.md).
 *
 * The file: a header (magic, format version, the caller's layout id, the
 * size, a check word over those, a process-shared robust mutex), then the
 * caller's area of the size it asked for, zero-filled when built.
 *
 * shm_attach() maps the file, building it afresh when it is missing, of
 * another size or layout, or has a damaged header: the new file is
 * written beside it and renamed over it (link(2) when there was none), so
 * a process that mapped the old one keeps a consistent, if orphaned, copy
 * and every process attaching later sees the same new one. Concurrent
 * attachers are serialised by flock(2) on the file; one that waited on a
 * file renamed away meanwhile starts again on the new one.
 *
 * The lock is a PTHREAD_PROCESS_SHARED, PTHREAD_MUTEX_ROBUST mutex: a
 * process that dies holding it does not block the others (the next
 * locker makes it consistent again; shm_lock() returns 1 then, so the
 * caller can know the data under it may be half updated). Hold it for a
 * few hundred instructions, never across a system call that may block.
 *
 * Counters are uint64_t in the segment, updated with the compiler's
 * __atomic builtins (lock-free on every target we build for): no lock.
 *
 * Ownership: struct shm holds the mapping; shm_detach() unmaps it (the
 * file stays). A forked child shares the mapping; exec drops it.
 *
 * Errors: shm_attach() returns 0 (attached to a good segment), 1 (built a
 * new one: why says what was found, e.g. "missing", "damaged header"),
 * or -1 (why says what failed; nothing mapped).
 */
#ifndef LIB_SHM_H
#define LIB_SHM_H

#include <stddef.h>
#include <stdint.h>

struct shm {
	unsigned char	*base;		/* the mapping; NULL: not attached */
	size_t		 size;		/* of the mapping */
	void		*user;		/* the caller's area */
	size_t		 user_size;
};

void	 shm_init(struct shm *);
int	 shm_attach(struct shm *, const char *path, size_t user_size,
	    uint32_t layout, char *why, size_t whylen);
void	 shm_detach(struct shm *);

/* 0, or 1 when the previous holder died holding it. No-op (0) when not
 * attached. */
int	 shm_lock(struct shm *);
void	 shm_unlock(struct shm *);

/* Atomic counter operations on a uint64_t inside the segment. */
uint64_t shm_add(uint64_t *, uint64_t);
uint64_t shm_sub(uint64_t *, uint64_t);
uint64_t shm_load(const uint64_t *);
void	 shm_store(uint64_t *, uint64_t);
/* Compare-and-swap: 1 when *p was expect and is now desired. */
int	 shm_cas(uint64_t *, uint64_t expect, uint64_t desired);

/*
 * A keyed table: nslots slots, each a key of at most keymax - 1 bytes and
 * nvals uint64_t values, in size bytes of the segment
 * (shm_table_size()). Zero bytes are an empty table. Slots are claimed
 * for good (no deletion): a lookup is lock-free (a slot's key is written
 * before its hash is published), a claim takes the segment's lock. A
 * probe goes at most SHM_TABLE_PROBES slots from the key's hash.
 */
#define SHM_TABLE_PROBES	64

struct shm_table {
	struct shm	*shm;
	unsigned char	*at;
	uint32_t	 nslots, keymax, nvals;
	size_t		 slot_size;
};

size_t	 shm_table_size(uint32_t nslots, uint32_t keymax, uint32_t nvals);
/* at: inside shm's user area, 8-byte aligned, shm_table_size() bytes. */
void	 shm_table_view(struct shm_table *, struct shm *, void *at,
	    uint32_t nslots, uint32_t keymax, uint32_t nvals);
/*
 * The slot of (key, len): its index, or -1 when absent and create is 0,
 * when len >= keymax, or when no slot is free within the probe bound
 * (the table is full there). create with the lock already held: 2 (the
 * lock is not taken again); else 1.
 */
int	 shm_table_find(struct shm_table *, const char *key, size_t len,
	    int create);
/* Slot i's values (nvals of them) and its key (NUL-terminated); i must
 * be a used slot (shm_table_used). */
uint64_t *shm_table_vals(const struct shm_table *, uint32_t i);
const char *shm_table_key(const struct shm_table *, uint32_t i);
int	 shm_table_used(const struct shm_table *, uint32_t i);

#endif /* LIB_SHM_H */
