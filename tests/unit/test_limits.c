/*
 * test_limits.c -- src/ops/limits: the token bucket's maths (refill,
 * burst, the retry time, a slow rate under steady traffic), admission
 * across scopes (all or nothing), in-flight places held and given back,
 * a dead holder's places reclaimed, and several processes taking tokens
 * of one bucket at once getting exactly the burst; and the node's ring
 * of ended sessions (ops/node.h) seen by another process at once.
 */
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ops/limits.h"
#include "ops/node.h"
#include "t.h"

#define S	1000000ULL	/* one second in us */
#define TEST_PROCS	5
#define TEST_TRIES	200

static char	 test_dir[] = "/tmp/test_limits.XXXXXX";
static char	 test_path[256];

static void
test_bucket(void)
{
	struct limits_rule	 r = { 10, 5, 0 };	/* 10 per 60 s, burst 5 */
	uint64_t		 m = 0, last = 0, now = 1000 * S;
	unsigned int		 retry = 0;
	int			 i, n = 0;

	for (i = 0; i < 8; i++)
		n += limits_take(&m, &last, now, &r, 60, 1, &retry);
	T(n == 5);			/* the burst, no more */
	T(retry == 6);			/* one token per 6 s */
	T(!limits_take(&m, &last, now + 5 * S, &r, 60, 1, &retry));
	T(retry >= 1 && retry <= 2);	/* micro-token rounding */
	T(limits_take(&m, &last, now + 6 * S, &r, 60, 1, &retry));
	T(!limits_take(&m, &last, now + 6 * S, &r, 60, 1, &retry));
	/* a dry run takes nothing */
	T(limits_take(&m, &last, now + 12 * S, &r, 60, 0, &retry));
	T(limits_take(&m, &last, now + 12 * S, &r, 60, 1, &retry));
	T(!limits_take(&m, &last, now + 12 * S, &r, 60, 1, &retry));
	/* a long pause refills to the burst only */
	n = 0;
	for (i = 0; i < 8; i++)
		n += limits_take(&m, &last, now + 3600 * S, &r, 60, 1, &retry);
	T(n == 5);
	/* no rate: always */
	r.rate = 0;
	T(limits_take(&m, &last, now, &r, 60, 1, &retry));
}

/* 1 per hour with requests every millisecond still refills. */
static void
test_slow_rate(void)
{
	struct limits_rule	 r = { 1, 1, 0 };
	uint64_t		 m = 0, last = 0, t = 5 * S;
	unsigned int		 retry;
	int			 n = 0;

	T(limits_take(&m, &last, t, &r, 3600, 1, &retry));
	for (t += 1000; t <= 5 * S + 3601 * S; t += 1000)
		n += limits_take(&m, &last, t, &r, 3600, 1, &retry);
	T(n == 1);
	/* the retry time never exceeds the ceiling */
	r.rate = 1;
	m = 0;
	last = t;
	T(!limits_take(&m, &last, t, &r, 86400 * 10, 1, &retry));
	T(retry == LIMIT_LIMITS_RETRY_MAX);
}

static void
test_req(struct limits_req *q, uint64_t rate, uint64_t conc)
{
	memset(q, 0, sizeof(*q));
	q->interval_s = 60;
	q->scope[METRICS_SCOPE_TENANT].on = 1;
	snprintf(q->scope[METRICS_SCOPE_TENANT].key, LIMIT_LIMITS_KEY, "t1");
	q->scope[METRICS_SCOPE_TOOL].on = 1;
	snprintf(q->scope[METRICS_SCOPE_TOOL].key, LIMIT_LIMITS_KEY, "t1/s/echo");
	q->scope[METRICS_SCOPE_TOOL].rule.rate = rate;
	q->scope[METRICS_SCOPE_TOOL].rule.concurrent = conc;
}

static void
test_admit(void)
{
	struct limits_req	 q;
	struct limits_refusal	 why;
	char			 errs[256];
	int			 p[2], st;
	pid_t			 pid;
	char			 c;

	T(node_attach_path(test_path, errs, sizeof(errs)) == 1);
	test_req(&q, 0, 1);
	T(limits_admit(&q, 10 * S, &why) == 0);
	/* the same worker holds its place: another request is refused */
	T(limits_admit(&q, 10 * S, &why) == 1);
	T(why.scope == METRICS_SCOPE_TOOL && why.reason ==
	    METRICS_REASON_CONCURRENCY && why.retry_s == 1 && why.limit == 1);
	limits_release();
	T(limits_admit(&q, 10 * S, &why) == 0);
	limits_release();

	/* a child worker takes the place and dies holding it */
	T(pipe(p) == 0);
	if ((pid = fork()) == 0) {
		if (node_attach_path(test_path, errs, sizeof(errs)) != 0 ||
		    limits_admit(&q, 10 * S, &why) != 0)
			_exit(1);
		if (write(p[1], "x", 1) == 1)
			pause();
		_exit(0);
	}
	close(p[1]);
	T(read(p[0], &c, 1) == 1);
	close(p[0]);
	T(limits_admit(&q, 10 * S, &why) == 1);		/* it holds it */
	kill(pid, SIGKILL);
	T(waitpid(pid, &st, 0) == pid);
	T(limits_admit(&q, 10 * S, &why) == 0);		/* reclaimed */
	limits_release();

	/* all or nothing: a refusal in one scope takes no token anywhere */
	test_req(&q, 1, 0);
	q.scope[METRICS_SCOPE_TENANT].rule.rate = 2;
	T(limits_admit(&q, 20 * S, &why) == 0);
	limits_release();
	T(limits_admit(&q, 20 * S, &why) == 1);		/* tool: spent */
	T(why.scope == METRICS_SCOPE_TOOL && why.reason == METRICS_REASON_RATE
	    && why.retry_s == 60);
	q.scope[METRICS_SCOPE_TOOL].on = 0;
	T(limits_admit(&q, 20 * S, &why) == 0);		/* tenant kept 1 */
	limits_release();
	T(limits_admit(&q, 20 * S, &why) == 1);
	T(why.scope == METRICS_SCOPE_TENANT);
	node_detach();
}

/* Processes racing for one bucket of burst 50: 50 admitted in all. */
static void
test_race(void)
{
	struct limits_req	 q;
	struct limits_refusal	 why;
	char			 errs[256];
	pid_t			 pids[TEST_PROCS];
	int			 i, j, st, total = 0;

	for (i = 0; i < TEST_PROCS; i++) {
		if ((pids[i] = fork()) == 0) {
			int n = 0;

			if (node_attach_path(test_path, errs, sizeof(errs)) ==
			    -1)
				_exit(255);
			memset(&q, 0, sizeof(q));
			q.interval_s = 3600;
			q.scope[METRICS_SCOPE_CALLER].on = 1;
			snprintf(q.scope[METRICS_SCOPE_CALLER].key,
			    LIMIT_LIMITS_KEY, "race");
			q.scope[METRICS_SCOPE_CALLER].rule.rate = 50;
			for (j = 0; j < TEST_TRIES; j++)
				if (limits_admit(&q, 30 * S, &why) == 0) {
					n++;
					limits_release();
				}
			_exit(n);
		}
		T(pids[i] > 0);
	}
	for (i = 0; i < TEST_PROCS; i++) {
		T(waitpid(pids[i], &st, 0) == pids[i]);
		T(WIFEXITED(st) && WEXITSTATUS(st) != 255);
		total += WEXITSTATUS(st);
	}
	T(total == 50);
}

/* The ended-sessions ring: seen by another process of the node, expired
 * entries ignored, the oldest overwritten after LIMIT_NODE_SESSIONS more. */
static void
test_ended(void)
{
	unsigned char	 d[NODE_DIGEST_LEN], e[NODE_DIGEST_LEN];
	char		 errs[256];
	unsigned int	 i;
	int		 st;
	pid_t		 pid;

	T(node_attach_path(test_path, errs, sizeof(errs)) >= 0);
	memset(d, 0xd1, sizeof(d));
	memset(e, 0xe2, sizeof(e));
	T(node_ended_has(d, 1000) == 0);
	pid = fork();
	if (pid == 0) {
		/* another worker: its own attach, the same file */
		if (node_attach_path(test_path, errs, sizeof(errs)) != 0)
			_exit(2);
		node_ended_add(d, 2000);
		node_detach();
		_exit(0);
	}
	T(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0);
	T(node_ended_has(d, 1000) == 1);
	T(node_ended_has(e, 1000) == 0);
	/* expired: the signature refuses the id by then anyway */
	T(node_ended_has(d, 2000) == 0);
	/* a ring: LIMIT_NODE_SESSIONS later ends push it out */
	for (i = 0; i < LIMIT_NODE_SESSIONS - 1; i++)
		node_ended_add(e, 2000);
	T(node_ended_has(d, 1000) == 1);
	node_ended_add(e, 2000);
	T(node_ended_has(d, 1000) == 0 && node_ended_has(e, 1000) == 1);
	node_detach();
	T(node_ended_has(e, 1000) == 0);
}

/* The log-level ring: set in another process, the newest wins, its own
 * ring (an end does not push a level out), expired ignored. */
static void
test_levels(void)
{
	unsigned char	 d[NODE_DIGEST_LEN], e[NODE_DIGEST_LEN];
	char		 errs[256];
	unsigned int	 i;
	int		 st;
	pid_t		 pid;

	memset(d, 0x1d, sizeof(d));
	memset(e, 0x2e, sizeof(e));
	T(node_level_get(d, 1000) == -1);	/* not attached */
	T(node_attach_path(test_path, errs, sizeof(errs)) >= 0);
	T(node_level_get(d, 1000) == -1);
	pid = fork();
	if (pid == 0) {
		if (node_attach_path(test_path, errs, sizeof(errs)) != 0)
			_exit(2);
		node_level_set(d, 6, 2000);
		node_level_set(d, 0, 2000);
		node_detach();
		_exit(0);
	}
	T(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0);
	T(node_level_get(d, 1000) == 0);	/* the newest */
	T(node_level_get(e, 1000) == -1);
	T(node_level_get(d, 2000) == -1);	/* expired */
	node_level_set(d, -1, 2000);		/* not a level: ignored */
	T(node_level_get(d, 1000) == 0);
	for (i = 0; i < LIMIT_NODE_SESSIONS; i++)
		node_ended_add(e, 2000);
	T(node_level_get(d, 1000) == 0);
	T(node_ended_has(d, 1000) == 0);	/* rings apart */
	for (i = 0; i < LIMIT_NODE_SESSIONS; i++)
		node_level_set(e, 3, 2000);
	T(node_level_get(d, 1000) == -1 && node_level_get(e, 1000) == 3);
	node_detach();
}

int
main(void)
{
	T(mkdtemp(test_dir) != NULL);
	snprintf(test_path, sizeof(test_path), "%s/node.shm", test_dir);
	test_bucket();
	test_slow_rate();
	test_admit();
	test_race();
	test_ended();
	test_levels();
	unlink(test_path);
	rmdir(test_dir);
	return t_done();
}
