/*
 * limits_sync.c -- the node's side of the cross-node sync and the monthly
 * quota; see limits_sync.h.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ops/limits.h"
#include "ops/limits_sync.h"
#include "ops/node.h"

#define MICRO		1000000ULL
#define SYNC_CLAIM	"\x1esync"	/* v[0]: the next sync (us) */

int
limits_sync_due(uint64_t now_us, uint64_t every_s)
{
	struct shm_table	 t;
	uint64_t		*v;
	int			 slot, due = 0;

	if (every_s == 0 || node_table(NODE_AREA_LIMITS, &t) == -1)
		return 0;
	shm_lock(t.shm);
	slot = shm_table_find(&t, SYNC_CLAIM, strlen(SYNC_CLAIM), 2);
	if (slot != -1) {
		v = shm_table_vals(&t, (uint32_t)slot);
		if (v[0] <= now_us || v[0] > now_us + every_s * MICRO) {
			v[0] = now_us + every_s * MICRO;
			due = 1;
		}
	}
	shm_unlock(t.shm);
	return due;
}

void
quota_month(time_t t, char out[7], unsigned long *left_s)
{
	struct tm	 tm, next;
	time_t		 n;

	gmtime_r(&t, &tm);
	snprintf(out, 7, "%04u%02u", (unsigned)(tm.tm_year + 1900) % 10000u,
	    (unsigned)(tm.tm_mon + 1) % 100u);
	memset(&next, 0, sizeof(next));
	next.tm_year = tm.tm_mon == 11 ? tm.tm_year + 1 : tm.tm_year;
	next.tm_mon = tm.tm_mon == 11 ? 0 : tm.tm_mon + 1;
	next.tm_mday = 1;
	n = timegm(&next);
	if (left_s != NULL)
		*left_s = n > t ? (unsigned long)(n - t) : 1;
}

/* The quota key of tenant_id for the month of now; 0, or -1 (too long). */
static int
quota_key(char *key, size_t len, const char *tenant_id, time_t now)
{
	char	 month[7];
	int	 n;

	quota_month(now, month, NULL);
	n = snprintf(key, len, "q\x1f%s\x1f%s", tenant_id, month);
	return n > 0 && (size_t)n < len ? 0 : -1;
}

int
quota_take(const char *tenant_id, uint64_t quota, time_t now,
    uint64_t *used)
{
	struct shm_table	 t;
	char			 key[LIMIT_LIMITS_KEY];
	uint64_t		*v;
	int			 slot, refused = 0;

	*used = 0;
	if (quota == 0 || quota_key(key, sizeof(key), tenant_id, now) == -1 ||
	    node_table(NODE_AREA_LIMITS, &t) == -1)
		return 0;
	shm_lock(t.shm);
	if ((slot = shm_table_find(&t, key, strlen(key), 2)) != -1) {
		v = shm_table_vals(&t, (uint32_t)slot);
		*used = v[0] + v[LIMITS_V_SENT];
		if (*used >= quota)
			refused = 1;
		else
			v[LIMITS_V_SENT]++;
	}
	shm_unlock(t.shm);
	return refused;
}

void
quota_untake(const char *tenant_id, time_t now)
{
	struct shm_table	 t;
	char			 key[LIMIT_LIMITS_KEY];
	uint64_t		*v;
	int			 slot;

	if (quota_key(key, sizeof(key), tenant_id, now) == -1 ||
	    node_table(NODE_AREA_LIMITS, &t) == -1)
		return;
	shm_lock(t.shm);
	if ((slot = shm_table_find(&t, key, strlen(key), 0)) != -1) {
		v = shm_table_vals(&t, (uint32_t)slot);
		if (v[LIMITS_V_SENT] > 0)
			v[LIMITS_V_SENT]--;
	}
	shm_unlock(t.shm);
}

/* A bucket's key ("t", "c", "s") or a quota key ("q") of this month. */
static int
limits_sync_kind(const char *key, const char *qmonth)
{
	size_t	 n = strlen(key);

	if (n < 2 || key[1] != '\x1f')
		return 0;
	if (key[0] == 't' || key[0] == 'c' || key[0] == 's')
		return 'b';
	if (key[0] == 'q' && n > 7 && strcmp(key + n - 6, qmonth) == 0)
		return 'q';
	return 0;
}

json_t *
limits_sync_collect(uint64_t now_us, time_t now)
{
	struct shm_table	 t;
	char			 qmonth[7];
	const char		*key;
	uint64_t		*v;
	json_t			*a, *e;
	uint32_t		 i;
	int			 kind;

	if (node_table(NODE_AREA_LIMITS, &t) == -1 || (a = json_array()) ==
	    NULL)
		return NULL;
	quota_month(now, qmonth, NULL);
	shm_lock(t.shm);
	for (i = 0; i < t.nslots; i++) {
		if (!shm_table_used(&t, i))
			continue;
		key = shm_table_key(&t, i);
		if ((kind = limits_sync_kind(key, qmonth)) == 0)
			continue;
		v = shm_table_vals(&t, i);
		/* A bucket idle for long has nothing to learn: when it is
		 * used again it is reported from then on. */
		if (kind == 'b' && v[LIMITS_V_SENT] == 0 &&
		    (v[LIMITS_V_IV] == 0 || v[1] == 0 ||
		    now_us - v[1] > LIMIT_SYNC_RECENT_S * MICRO))
			continue;
		e = json_pack("{s:s, s:I, s:I}", "key", key, "n",
		    (json_int_t)v[LIMITS_V_SENT], "iv", kind == 'q' ? 0 :
		    (json_int_t)v[LIMITS_V_IV]);
		if (e == NULL || json_array_append_new(a, e) == -1)
			break;
		v[LIMITS_V_SENT] = 0;
	}
	shm_unlock(t.shm);
	return a;
}

void
limits_sync_restore(const json_t *entries)
{
	struct shm_table	 t;
	const json_t		*e;
	const char		*key;
	uint64_t		*v;
	size_t			 i;
	int			 slot;

	if (node_table(NODE_AREA_LIMITS, &t) == -1)
		return;
	shm_lock(t.shm);
	json_array_foreach(entries, i, e) {
		key = json_string_value(json_object_get(e, "key"));
		if (key == NULL || (slot = shm_table_find(&t, key, strlen(key),
		    0)) == -1)
			continue;
		v = shm_table_vals(&t, (uint32_t)slot);
		v[LIMITS_V_SENT] += (uint64_t)json_integer_value(
		    json_object_get(e, "n"));
	}
	shm_unlock(t.shm);
}

uint64_t
limits_sync_apply(const json_t *answer)
{
	struct shm_table	 t;
	const json_t		*e, *o, *tot, *rec;
	const char		*key;
	uint64_t		*v, others1, add, owed = 0;
	size_t			 i;
	int			 slot;

	if (!json_is_array(answer) || node_table(NODE_AREA_LIMITS, &t) == -1)
		return 0;
	shm_lock(t.shm);
	json_array_foreach(answer, i, e) {
		key = json_string_value(json_object_get(e, "key"));
		o = json_object_get(e, "others");
		tot = json_object_get(e, "total");
		rec = json_object_get(e, "recent");
		if (key == NULL || !json_is_integer(o) ||
		    !json_is_integer(tot) || json_integer_value(o) < 0 ||
		    json_integer_value(tot) < 0 || (slot = shm_table_find(&t,
		    key, strlen(key), 0)) == -1)
			continue;
		v = shm_table_vals(&t, (uint32_t)slot);
		others1 = (uint64_t)json_integer_value(o) + 1;
		if (key[0] == 'q') {
			/* The month's total; what the others added since
			 * the last answer is reported as owed. */
			v[0] = (uint64_t)json_integer_value(tot);
			if (others1 > (v[LIMITS_V_OTHERS] > 0 ?
			    v[LIMITS_V_OTHERS] : 1))
				owed += others1 - (v[LIMITS_V_OTHERS] > 0 ?
				    v[LIMITS_V_OTHERS] : 1);
			if (others1 > v[LIMITS_V_OTHERS])
				v[LIMITS_V_OTHERS] = others1;
			continue;
		}
		/* The first answer: what the others took within the
		 * interval is owed (recent), not their whole history;
		 * later answers: their growth since. */
		add = 0;
		if (v[LIMITS_V_OTHERS] == 0 && json_is_integer(rec) &&
		    json_integer_value(rec) > 0)
			add = (uint64_t)json_integer_value(rec);
		else if (v[LIMITS_V_OTHERS] != 0 &&
		    others1 > v[LIMITS_V_OTHERS])
			add = others1 - v[LIMITS_V_OTHERS];
		if (add > 0) {
			owed += add;
			add = add > UINT64_MAX / MICRO ? UINT64_MAX : add * MICRO;
			v[LIMITS_V_DEBT] = v[LIMITS_V_DEBT] > UINT64_MAX - add ?
			    UINT64_MAX : v[LIMITS_V_DEBT] + add;
		}
		if (others1 > v[LIMITS_V_OTHERS])
			v[LIMITS_V_OTHERS] = others1;
	}
	shm_unlock(t.shm);
	return owed;
}
