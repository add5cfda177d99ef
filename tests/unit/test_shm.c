/*
 * test_shm.c -- lib/shm: a segment built when missing, kept when good,
 * rebuilt when damaged or of another layout (and the rebuilt one seen by
 * every later attacher); the robust lock survives a holder killed inside;
 * counters and keyed tables stay exact with several processes hammering
 * them at once.
 */
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shm.h"
#include "t.h"

#define TEST_PROCS	6
#define TEST_ADDS	20000
#define TEST_KEYS	40
#define TEST_SLOTS	128

static char	 test_dir[] = "/tmp/test_shm.XXXXXX";
static char	 test_path[256];

struct test_area {
	uint64_t	 counter;
	uint64_t	 locked;		/* updated under the lock only */
	unsigned char	 table[];
};

static size_t
test_size(void)
{
	return sizeof(struct test_area) + shm_table_size(TEST_SLOTS, 32, 2);
}

static void
test_missing_then_kept(void)
{
	struct shm	 s;
	char		 why[256];
	uint64_t	*p;

	why[0] = '\0';
	T(shm_attach(&s, test_path, test_size(), 7, why, sizeof(why)) == 1);
	T(strcmp(why, "missing") == 0);
	T(s.user != NULL && s.user_size >= test_size());
	p = s.user;
	T(*p == 0);
	shm_add(p, 5);
	shm_detach(&s);

	/* Kept: the same numbers. */
	T(shm_attach(&s, test_path, test_size(), 7, why, sizeof(why)) == 0);
	p = s.user;
	T(p != NULL && shm_load(p) == 5);
	shm_detach(&s);

	/* Another layout: rebuilt, zero again. */
	T(shm_attach(&s, test_path, test_size(), 8, why, sizeof(why)) == 1);
	T(strcmp(why, "another layout") == 0);
	p = s.user;
	T(p != NULL && shm_load(p) == 0);
	shm_add(p, 3);
	shm_detach(&s);
}

static void
test_damaged(void)
{
	struct shm	 s, old;
	char		 why[256];
	int		 fd;
	uint64_t	*p;

	/* One attached before the damage keeps its own copy. */
	T(shm_attach(&old, test_path, test_size(), 8, why, sizeof(why)) == 0);
	fd = open(test_path, O_WRONLY);
	T(fd != -1);
	T(pwrite(fd, "garbage!", 8, 0) == 8);
	close(fd);
	T(shm_attach(&s, test_path, test_size(), 8, why, sizeof(why)) == 1);
	T(strcmp(why, "damaged header") == 0);
	p = s.user;
	T(p != NULL && shm_load(p) == 0);
	shm_add(p, 11);
	shm_detach(&s);
	/* The rebuilt one is what the next attacher sees. */
	T(shm_attach(&s, test_path, test_size(), 8, why, sizeof(why)) == 0);
	p = s.user;
	T(p != NULL && shm_load(p) == 11);
	shm_detach(&s);
	shm_detach(&old);

	/* Truncated: another size. */
	T(truncate(test_path, 100) == 0);
	T(shm_attach(&s, test_path, test_size(), 8, why, sizeof(why)) == 1);
	T(strcmp(why, "another size") == 0);
	shm_detach(&s);
}

/* Several processes: atomic adds, adds under the lock, table claims. */
static void
test_hammer(void)
{
	struct shm		 s;
	struct shm_table	 t;
	struct test_area	*a;
	char			 why[256], key[32];
	pid_t			 pids[TEST_PROCS];
	uint64_t		 sum;
	int			 i, j, k, st, ok = 1, idx;

	unlink(test_path);
	T(shm_attach(&s, test_path, test_size(), 9, why, sizeof(why)) == 1);
	shm_detach(&s);
	for (i = 0; i < TEST_PROCS; i++) {
		if ((pids[i] = fork()) == 0) {
			/* Each child attaches on its own, as a worker. */
			if (shm_attach(&s, test_path, test_size(), 9, why,
			    sizeof(why)) != 0)
				_exit(2);
			a = s.user;
			shm_table_view(&t, &s, a->table, TEST_SLOTS, 32, 2);
			for (j = 0; j < TEST_ADDS; j++) {
				shm_add(&a->counter, 1);
				shm_lock(&s);
				a->locked++;	/* plain: the lock guards it */
				shm_unlock(&s);
				snprintf(key, sizeof(key), "key-%d",
				    (j + i) % TEST_KEYS);
				k = shm_table_find(&t, key, strlen(key), 1);
				if (k < 0)
					_exit(3);
				shm_add(shm_table_vals(&t, (uint32_t)k), 1);
				shm_add(shm_table_vals(&t, (uint32_t)k) + 1,
				    2);
			}
			_exit(0);
		}
		T(pids[i] > 0);
	}
	for (i = 0; i < TEST_PROCS; i++) {
		T(waitpid(pids[i], &st, 0) == pids[i]);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			ok = 0;
	}
	T(ok);
	T(shm_attach(&s, test_path, test_size(), 9, why, sizeof(why)) == 0);
	a = s.user;
	T(shm_load(&a->counter) == (uint64_t)TEST_PROCS * TEST_ADDS);
	T(a->locked == (uint64_t)TEST_PROCS * TEST_ADDS);
	shm_table_view(&t, &s, a->table, TEST_SLOTS, 32, 2);
	/* Every key exactly once, the values summing to every add. */
	sum = 0;
	k = 0;
	for (i = 0; i < TEST_SLOTS; i++)
		if (shm_table_used(&t, (uint32_t)i)) {
			k++;
			sum += shm_table_vals(&t, (uint32_t)i)[0];
			if (shm_table_vals(&t, (uint32_t)i)[1] !=
			    2 * shm_table_vals(&t, (uint32_t)i)[0])
				ok = 0;
		}
	T(k == TEST_KEYS);
	T(sum == (uint64_t)TEST_PROCS * TEST_ADDS);
	T(ok);
	idx = shm_table_find(&t, "key-3", 5, 0);
	T(idx >= 0 && strcmp(shm_table_key(&t, (uint32_t)idx), "key-3") == 0);
	T(shm_table_find(&t, "key-3x", 6, 0) == -1);
	T(shm_table_find(&t, "key-", 4, 0) == -1);
	/* Too long for the slot: refused, not cut. */
	T(shm_table_find(&t, "0123456789012345678901234567890123", 34, 1) ==
	    -1);
	shm_detach(&s);
}

/* A table full within the probe bound: -1, never an overwrite. */
static void
test_full(void)
{
	struct shm		 s;
	struct shm_table	 t;
	struct test_area	*a;
	char			 why[256], key[32];
	int			 i, n = 0;

	unlink(test_path);
	T(shm_attach(&s, test_path, test_size(), 10, why, sizeof(why)) == 1);
	a = s.user;
	shm_table_view(&t, &s, a->table, TEST_SLOTS, 32, 2);
	for (i = 0; i < TEST_SLOTS + 20; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		if (shm_table_find(&t, key, strlen(key), 1) >= 0)
			n++;
	}
	T(n == TEST_SLOTS);
	T(shm_table_find(&t, "k0", 2, 0) >= 0);
	shm_detach(&s);
}

/* A holder killed with the lock: the next locker gets it (and 1). */
static void
test_robust(void)
{
	struct shm	 s;
	char		 why[256];
	int		 p[2], st;
	pid_t		 pid;
	char		 c;

	T(shm_attach(&s, test_path, test_size(), 10, why, sizeof(why)) == 0);
	T(pipe(p) == 0);
	if ((pid = fork()) == 0) {
		shm_lock(&s);
		if (write(p[1], "x", 1) == 1)
			pause();
		_exit(0);
	}
	close(p[1]);
	T(read(p[0], &c, 1) == 1);	/* it holds the lock now */
	close(p[0]);
	kill(pid, SIGKILL);
	T(waitpid(pid, &st, 0) == pid);
	T(shm_lock(&s) == 1);
	shm_unlock(&s);
	T(shm_lock(&s) == 0);
	shm_unlock(&s);
	shm_detach(&s);
}

int
main(void)
{
	T(mkdtemp(test_dir) != NULL);
	snprintf(test_path, sizeof(test_path), "%s/node.shm", test_dir);
	test_missing_then_kept();
	test_damaged();
	test_hammer();
	test_full();
	test_robust();
	unlink(test_path);
	rmdir(test_dir);
	return t_done();
}
