/*
 * test_limits_sync.c -- src/ops/limits_sync and the debt in src/ops/limits:
 * a node's admissions counted for the sync, collected once (zeroed) and
 * put back after a failed sync; the other nodes' totals as a debt (the
 * first answer a baseline) that refuses until paid by the refill; the
 * monthly quota counted exactly, given back, refused at the quota, and
 * its total taken from the store's answer; the month and the seconds left
 * in it (UTC).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ops/limits.h"
#include "ops/limits_sync.h"
#include "ops/node.h"
#include "t.h"

#define S	1000000ULL

static char	 test_dir[] = "/tmp/test_limits_sync.XXXXXX";
static char	 test_path[256];

static void
test_req(struct limits_req *q, const char *key, uint64_t rate)
{
	memset(q, 0, sizeof(*q));
	q->interval_s = 100;
	q->scope[METRICS_SCOPE_CALLER].on = 1;
	snprintf(q->scope[METRICS_SCOPE_CALLER].key, LIMIT_LIMITS_KEY, "%s",
	    key);
	q->scope[METRICS_SCOPE_CALLER].rule.rate = rate;
}

/* The n of key in a collected array, or -1. */
static long long
test_n(const json_t *a, const char *key)
{
	const json_t	*e;
	size_t		 i;

	json_array_foreach(a, i, e)
		if (strcmp(json_string_value(json_object_get(e, "key")),
		    key) == 0)
			return json_integer_value(json_object_get(e, "n"));
	return -1;
}

static void
test_month(void)
{
	char		 m[7];
	unsigned long	 left;

	/* 2026-12-31T23:59:00Z: one minute to 2027-01. */
	quota_month(1798761540, m, &left);
	T(strcmp(m, "202612") == 0 && left == 60);
	/* 2026-02-01T00:00:00Z: all of February, 28 days. */
	quota_month(1769904000, m, &left);
	T(strcmp(m, "202602") == 0 && left == 28UL * 86400);
}

static void
test_sync(void)
{
	struct limits_req	 q;
	struct limits_refusal	 why;
	json_t			*a, *ans;
	uint64_t		 now = 1000 * S;
	int			 i, ok;

	/* 10 per 100 s: 4 admitted here. */
	test_req(&q, "c\x1ftenant\x1fsub", 10);
	for (i = 0; i < 4; i++) {
		T(limits_admit(&q, now, &why) == 0);
		limits_release();
	}
	a = limits_sync_collect(now, time(NULL));
	T(test_n(a, "c\x1ftenant\x1fsub") == 4);
	json_decref(a);
	/* Collected once: zero now (still reported: used recently). */
	a = limits_sync_collect(now, time(NULL));
	T(test_n(a, "c\x1ftenant\x1fsub") == 0);
	/* A failed sync puts the counts back. */
	json_decref(a);
	a = json_loads("[{\"key\": \"c\\u001ftenant\\u001fsub\", \"n\": 3}]",
	    0, NULL);
	limits_sync_restore(a);
	json_decref(a);
	a = limits_sync_collect(now, time(NULL));
	T(test_n(a, "c\x1ftenant\x1fsub") == 3);
	json_decref(a);

	/* First answer: the baseline (others had 100 before): no debt. */
	ans = json_loads("[{\"key\": \"c\\u001ftenant\\u001fsub\", "
	    "\"others\": 100, \"total\": 104}]", 0, NULL);
	limits_sync_apply(ans);
	json_decref(ans);
	T(limits_admit(&q, now, &why) == 0);
	limits_release();
	/* The others took 5 more: 5 left here (10 - 5 taken), all owed. */
	ans = json_loads("[{\"key\": \"c\\u001ftenant\\u001fsub\", "
	    "\"others\": 105, \"total\": 110}]", 0, NULL);
	limits_sync_apply(ans);
	json_decref(ans);
	T(limits_admit(&q, now, &why) == 1);
	T(why.scope == METRICS_SCOPE_CALLER && why.reason ==
	    METRICS_REASON_RATE && why.retry_s >= 10);
	/* The same answer again owes nothing more; the refill pays: 10 s
	 * is one token, so after 10 s one admission. */
	ans = json_loads("[{\"key\": \"c\\u001ftenant\\u001fsub\", "
	    "\"others\": 105, \"total\": 110}]", 0, NULL);
	limits_sync_apply(ans);
	json_decref(ans);
	ok = limits_admit(&q, now + 10 * S, &why) == 0;
	T(ok);
	if (ok)
		limits_release();
	T(limits_admit(&q, now + 10 * S, &why) == 1);
	/* Malformed answers are ignored. */
	ans = json_loads("[{\"key\": 5}, {\"key\": \"c\\u001ftenant\\u001f"
	    "sub\", \"others\": -1, \"total\": 1}, 7, {\"key\": \"nosuch\", "
	    "\"others\": 1, \"total\": 1}]", 0, NULL);
	limits_sync_apply(ans);
	json_decref(ans);
	limits_sync_apply(NULL);
}

/* The limiter table's used slots. */
static unsigned
test_used_slots(void)
{
	struct shm_table	 t;
	unsigned		 n = 0;
	uint32_t		 i;

	if (node_table(NODE_AREA_LIMITS, &t) == -1)
		return 0;
	for (i = 0; i < t.nslots; i++)
		n += shm_table_used(&t, i) ? 1 : 0;
	return n;
}

static void
test_quota(void)
{
	const char	*tid = "11111111-1111-1111-1111-111111111111";
	char		 key[128], m[7];
	uint64_t	 used;
	time_t		 now = time(NULL);
	json_t		*a, *ans;
	unsigned	 n0;
	int		 i;

	T(quota_take(tid, 0, now, &used) == 0);		/* no quota */
	for (i = 0; i < 3; i++)
		T(quota_take(tid, 3, now, &used) == 0);
	T(quota_take(tid, 3, now, &used) == 1 && used == 3);
	quota_untake(tid, now);
	T(quota_take(tid, 3, now, &used) == 0);
	T(quota_take(tid, 3, now, &used) == 1);
	/* The sync reports 3 and learns that the month's total over every
	 * node is 10. */
	quota_month(now, m, NULL);
	snprintf(key, sizeof(key), "q\x1f%s\x1f%s", tid, m);
	a = limits_sync_collect(1000 * S, now);
	T(test_n(a, key) == 3);
	json_decref(a);
	ans = json_pack("[{s:s, s:i, s:i}]", "key", key, "others", 7,
	    "total", 10);
	limits_sync_apply(ans);
	json_decref(ans);
	T(quota_take(tid, 11, now, &used) == 0);
	T(quota_take(tid, 11, now, &used) == 1 && used == 11);
	/* Another month: the counter starts afresh, in the same slot. */
	n0 = test_used_slots();
	T(quota_take(tid, 11, now + 40 * 86400, &used) == 0 && used == 0);
	/* a late answer about the old month changes nothing now */
	ans = json_pack("[{s:s, s:i, s:i}]", "key", key, "others", 7,
	    "total", 99);
	limits_sync_apply(ans);
	limits_sync_restore(ans);
	json_decref(ans);
	T(quota_take(tid, 11, now + 40 * 86400, &used) == 0 && used == 1);
	/* the old month is no longer reported, the new one is */
	a = limits_sync_collect(2000 * S, now + 40 * 86400);
	T(test_n(a, key) == -1);
	quota_month(now + 40 * 86400, m, NULL);
	snprintf(key, sizeof(key), "q\x1f%s\x1f%s", tid, m);
	T(test_n(a, key) == 2);
	json_decref(a);
	/* three years of months: no slot more */
	for (i = 2; i < 38; i++)
		T(quota_take(tid, 11, now + (time_t)i * 31 * 86400, &used) ==
		    0 && used == 0);
	T(test_used_slots() == n0);
}

int
main(void)
{
	char	 errs[256];

	T(mkdtemp(test_dir) != NULL);
	snprintf(test_path, sizeof(test_path), "%s/node.shm", test_dir);
	T(node_attach_path(test_path, errs, sizeof(errs)) == 1);
	test_month();
	test_sync();
	test_quota();
	/* The sync claim: due once per interval. */
	T(limits_sync_due(5000 * S, 5) == 1);
	T(limits_sync_due(5001 * S, 5) == 0);
	T(limits_sync_due(5005 * S, 5) == 1);
	T(limits_sync_due(5005 * S, 0) == 0);
	node_detach();
	unlink(test_path);
	rmdir(test_dir);
	return t_done();
}
