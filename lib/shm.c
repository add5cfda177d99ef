/*
 * shm.c -- the shared segment and its keyed tables; see shm.h.
 */
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib_limits.h"
#include "shm.h"

#define SHM_MAGIC	0x314d485350434d4dULL	/* "MMCPSHM1" */
#define SHM_FORMAT	1u
#define SHM_HDR_SIZE	256u	/* the header, rounded: the user area is
				   aligned for any atomic */

struct shm_hdr {
	uint64_t	 magic;
	uint32_t	 format;
	uint32_t	 layout;
	uint64_t	 size;		/* of the whole file */
	uint64_t	 check;		/* over the fields above */
	pthread_mutex_t	 lock;
};

_Static_assert(sizeof(struct shm_hdr) <= SHM_HDR_SIZE,
    "shm header does not fit");

static void __attribute__((format(printf, 3, 4)))
shm_why(char *why, size_t whylen, const char *fmt, ...)
{
	va_list	 ap;

	if (why == NULL || whylen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

static uint64_t
shm_check(const struct shm_hdr *h)
{
	/* FNV-1a over the identifying fields: catches a torn or
	 * overwritten header, not an attacker (the file is 0600). */
	uint64_t	 v[4], x = 0xcbf29ce484222325ULL;
	const unsigned char *p = (const unsigned char *)v;
	size_t		 i;

	v[0] = h->magic;
	v[1] = h->format;
	v[2] = h->layout;
	v[3] = h->size;
	for (i = 0; i < sizeof(v); i++) {
		x ^= p[i];
		x *= 0x100000001b3ULL;
	}
	return x;
}

void
shm_init(struct shm *s)
{
	memset(s, 0, sizeof(*s));
}

/* A new, formatted file at tmp: 0 or -1. */
static int
shm_build(const char *tmp, size_t size, uint32_t layout, char *why,
    size_t whylen)
{
	pthread_mutexattr_t	 ma;
	struct shm_hdr		*h;
	void			*p = MAP_FAILED;
	int			 fd, rc = -1, ma_inited = 0;

	unlink(tmp);
	fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd == -1) {
		shm_why(why, whylen, "cannot create '%s': %s", tmp,
		    strerror(errno));
		return -1;
	}
	if (ftruncate(fd, (off_t)size) == -1) {
		shm_why(why, whylen, "cannot size '%s': %s", tmp,
		    strerror(errno));
		goto out;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		shm_why(why, whylen, "cannot map '%s': %s", tmp,
		    strerror(errno));
		goto out;
	}
	h = p;
	if (pthread_mutexattr_init(&ma) != 0)
		goto mutex;
	ma_inited = 1;
	if (pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED) != 0 ||
	    pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST) != 0 ||
	    pthread_mutex_init(&h->lock, &ma) != 0)
		goto mutex;
	h->format = SHM_FORMAT;
	h->layout = layout;
	h->size = size;
	h->magic = SHM_MAGIC;
	h->check = shm_check(h);
	rc = 0;
	goto out;
mutex:
	shm_why(why, whylen, "cannot make the lock of '%s'", tmp);
out:
	if (ma_inited)
		pthread_mutexattr_destroy(&ma);
	if (p != MAP_FAILED)
		munmap(p, size);
	close(fd);
	if (rc == -1)
		unlink(tmp);
	return rc;
}

/* Why the mapped header is not the one wanted, or NULL. */
static const char *
shm_bad(const struct shm_hdr *h, size_t size, uint32_t layout)
{
	if (h->magic != SHM_MAGIC || h->check != shm_check(h))
		return "damaged header";
	if (h->format != SHM_FORMAT)
		return "another format";
	if (h->size != size)
		return "another size";
	if (h->layout != layout)
		return "another layout";
	return NULL;
}

int
shm_attach(struct shm *s, const char *path, size_t user_size,
    uint32_t layout, char *why, size_t whylen)
{
	char		 tmp[LIMIT_SHM_PATH + 32], found[64] = "";
	struct stat	 st, pst;
	const char	*bad;
	size_t		 size = SHM_HDR_SIZE + ((user_size + 63) & ~(size_t)63);
	void		*p;
	int		 fd, tries, built = 0;

	shm_init(s);
	if (strlen(path) > LIMIT_SHM_PATH) {
		shm_why(why, whylen, "path too long");
		return -1;
	}
	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
	for (tries = 0; tries < LIMIT_SHM_ATTACH_TRIES; tries++) {
		fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
		if (fd == -1 && errno == ENOENT) {
			/* Missing: build one; link(2) fails when another
			 * process was quicker, and theirs is used. */
			if (shm_build(tmp, size, layout, why, whylen) == -1)
				return -1;
			if (link(tmp, path) == 0 && found[0] == '\0') {
				snprintf(found, sizeof(found), "missing");
				built = 1;
			}
			unlink(tmp);
			continue;
		}
		if (fd == -1) {
			shm_why(why, whylen, "cannot open '%s': %s", path,
			    strerror(errno));
			return -1;
		}
		if (flock(fd, LOCK_EX) == -1 || fstat(fd, &st) == -1) {
			shm_why(why, whylen, "cannot lock '%s': %s", path,
			    strerror(errno));
			close(fd);
			return -1;
		}
		/* Renamed away while we waited: start again. */
		if (stat(path, &pst) == -1 || pst.st_ino != st.st_ino ||
		    pst.st_dev != st.st_dev) {
			flock(fd, LOCK_UN);
			close(fd);
			continue;
		}
		bad = "another size";
		p = MAP_FAILED;
		if ((size_t)st.st_size == size) {
			p = mmap(NULL, size, PROT_READ | PROT_WRITE,
			    MAP_SHARED, fd, 0);
			if (p == MAP_FAILED) {
				shm_why(why, whylen, "cannot map '%s': %s",
				    path, strerror(errno));
				flock(fd, LOCK_UN);
				close(fd);
				return -1;
			}
			bad = shm_bad(p, size, layout);
		}
		if (bad == NULL) {
			/* Unlocked by hand: the mapping keeps the open file
			 * (and so its flock) alive past close(2). */
			flock(fd, LOCK_UN);
			close(fd);	/* the mapping stays */
			s->base = p;
			s->size = size;
			s->user = s->base + SHM_HDR_SIZE;
			s->user_size = size - SHM_HDR_SIZE;
			if (built)
				shm_why(why, whylen, "%s", found);
			return built;
		}
		if (p != MAP_FAILED)
			munmap(p, size);
		/* Damaged or another program's: rebuilt beside, renamed
		 * over, under the lock of the old one. */
		if (found[0] == '\0')
			snprintf(found, sizeof(found), "%s", bad);
		built = 1;
		if (shm_build(tmp, size, layout, why, whylen) == -1 ||
		    rename(tmp, path) == -1) {
			if (why != NULL && why[0] == '\0')
				shm_why(why, whylen, "cannot replace '%s': "
				    "%s", path, strerror(errno));
			unlink(tmp);
			flock(fd, LOCK_UN);
			close(fd);
			return -1;
		}
		flock(fd, LOCK_UN);
		close(fd);
	}
	shm_why(why, whylen, "'%s' keeps changing under us", path);
	return -1;
}

void
shm_detach(struct shm *s)
{
	if (s->base != NULL)
		munmap(s->base, s->size);
	shm_init(s);
}

int
shm_lock(struct shm *s)
{
	struct shm_hdr	*h;
	int		 e;

	if (s->base == NULL)
		return 0;
	h = (struct shm_hdr *)(void *)s->base;
	e = pthread_mutex_lock(&h->lock);
	if (e == EOWNERDEAD) {
		/* Its holder died inside: the data under it is what it
		 * was at that moment; the lock is usable again. */
		pthread_mutex_consistent(&h->lock);
		return 1;
	}
	return 0;
}

void
shm_unlock(struct shm *s)
{
	if (s->base != NULL)
		pthread_mutex_unlock(&((struct shm_hdr *)(void *)s->base)->lock);
}

uint64_t
shm_add(uint64_t *p, uint64_t v)
{
	return __atomic_add_fetch(p, v, __ATOMIC_RELAXED);
}

uint64_t
shm_sub(uint64_t *p, uint64_t v)
{
	return __atomic_sub_fetch(p, v, __ATOMIC_RELAXED);
}

uint64_t
shm_load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

void
shm_store(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

int
shm_cas(uint64_t *p, uint64_t expect, uint64_t desired)
{
	return __atomic_compare_exchange_n(p, &expect, desired, 0,
	    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

/* ---- keyed tables ---------------------------------------------------- */

/* A slot: uint64_t hash (0: free), nvals values, keymax key bytes. */

static size_t
shm_slot_size(uint32_t keymax, uint32_t nvals)
{
	return sizeof(uint64_t) * (1 + (size_t)nvals) +
	    (((size_t)keymax + 7) & ~(size_t)7);
}

size_t
shm_table_size(uint32_t nslots, uint32_t keymax, uint32_t nvals)
{
	return (size_t)nslots * shm_slot_size(keymax, nvals);
}

void
shm_table_view(struct shm_table *t, struct shm *s, void *at, uint32_t nslots,
    uint32_t keymax, uint32_t nvals)
{
	t->shm = s;
	t->at = at;
	t->nslots = nslots;
	t->keymax = keymax;
	t->nvals = nvals;
	t->slot_size = shm_slot_size(keymax, nvals);
}

static uint64_t *
shm_slot(const struct shm_table *t, uint32_t i)
{
	return (uint64_t *)(void *)(t->at + (size_t)i * t->slot_size);
}

static uint64_t
shm_hash(const char *key, size_t len)
{
	uint64_t	 x = 0xcbf29ce484222325ULL;
	size_t		 i;

	for (i = 0; i < len; i++) {
		x ^= (unsigned char)key[i];
		x *= 0x100000001b3ULL;
	}
	return x != 0 ? x : 1;
}

static int
shm_slot_is(const struct shm_table *t, uint32_t i, uint64_t h,
    const char *key, size_t len)
{
	const char	*k;

	if (shm_load(shm_slot(t, i)) != h)
		return 0;
	k = shm_table_key(t, i);
	return strncmp(k, key, len) == 0 && k[len] == '\0';
}

int
shm_table_find(struct shm_table *t, const char *key, size_t len, int create)
{
	uint64_t	 h, *slot;
	uint32_t	 i, n, start, probes;
	int		 found = -1;
	char		*k;

	if (t->at == NULL || t->nslots == 0 || len >= t->keymax ||
	    memchr(key, '\0', len) != NULL)
		return -1;
	h = shm_hash(key, len);
	start = (uint32_t)(h % t->nslots);
	probes = t->nslots < SHM_TABLE_PROBES ? t->nslots : SHM_TABLE_PROBES;
	for (n = 0; n < probes; n++) {
		i = (start + n) % t->nslots;
		if (shm_load(shm_slot(t, i)) == 0)
			break;
		if (shm_slot_is(t, i, h, key, len))
			return (int)i;
	}
	if (!create)
		return -1;
	if (create != 2)
		shm_lock(t->shm);
	/* Again under the lock: another process may have claimed it. */
	for (n = 0; n < probes; n++) {
		i = (start + n) % t->nslots;
		slot = shm_slot(t, i);
		if (shm_load(slot) == 0) {
			k = (char *)(slot + 1 + t->nvals);
			memcpy(k, key, len);
			k[len] = '\0';
			shm_store(slot, h);	/* publishes the key */
			found = (int)i;
			break;
		}
		if (shm_slot_is(t, i, h, key, len)) {
			found = (int)i;
			break;
		}
	}
	if (create != 2)
		shm_unlock(t->shm);
	return found;
}

uint64_t *
shm_table_vals(const struct shm_table *t, uint32_t i)
{
	return shm_slot(t, i) + 1;
}

const char *
shm_table_key(const struct shm_table *t, uint32_t i)
{
	return (const char *)(shm_slot(t, i) + 1 + t->nvals);
}

int
shm_table_used(const struct shm_table *t, uint32_t i)
{
	return i < t->nslots && shm_load(shm_slot(t, i)) != 0;
}
