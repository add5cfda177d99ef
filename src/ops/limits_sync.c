/*
 * limits_sync.c -- the node's side of the cross-node sync and the monthly
 * quota; see limits_sync.h.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "strparse.h"
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

/*
 * A tenant's quota slot is keyed "q<US>tenant" and holds the month it
 * counts (LIMITS_V_IV, as YYYYMM): a new month starts the same slot
 * afresh, so slots are not spent month after month (the table has no
 * deletion). On the wire (the cross-node sync, migration 0016) the key
 * names the month: "q<US>tenant<US>YYYYMM".
 */
#define QUOTA_V_MONTH	LIMITS_V_IV

/* "YYYYMM" as a number; 0 when it is not one. */
static uint64_t
quota_month_v(const char *m)
{
	uint64_t	 v;

	return strparse_u64(m, strlen(m), 100001, 999912, &v) == 0 ? v : 0;
}

static uint64_t
quota_month_n(time_t now)
{
	char	 m[7];

	quota_month(now, m, NULL);
	return quota_month_v(m);
}

/* The quota key of tenant_id; 0, or -1 (too long). */
static int
quota_key(char *key, size_t len, const char *tenant_id)
{
	int	 n;

	n = snprintf(key, len, "q\x1f%s", tenant_id);
	return n > 0 && (size_t)n < len ? 0 : -1;
}

/* The quota slot's values, for month: a slot of another month starts
 * afresh (what it had not yet synced belongs to a month that is over). */
static void
quota_roll(uint64_t *v, uint64_t month)
{
	if (v[QUOTA_V_MONTH] == month)
		return;
	v[0] = 0;
	v[LIMITS_V_SENT] = 0;
	v[LIMITS_V_OTHERS] = 0;
	v[QUOTA_V_MONTH] = month;
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
	if (quota == 0 || quota_key(key, sizeof(key), tenant_id) == -1 ||
	    node_table(NODE_AREA_LIMITS, &t) == -1)
		return 0;
	shm_lock(t.shm);
	if ((slot = shm_table_find(&t, key, strlen(key), 2)) != -1) {
		v = shm_table_vals(&t, (uint32_t)slot);
		quota_roll(v, quota_month_n(now));
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

	if (quota_key(key, sizeof(key), tenant_id) == -1 ||
	    node_table(NODE_AREA_LIMITS, &t) == -1)
		return;
	shm_lock(t.shm);
	if ((slot = shm_table_find(&t, key, strlen(key), 0)) != -1) {
		v = shm_table_vals(&t, (uint32_t)slot);
		if (v[QUOTA_V_MONTH] == quota_month_n(now) &&
		    v[LIMITS_V_SENT] > 0)
			v[LIMITS_V_SENT]--;
	}
	shm_unlock(t.shm);
}

/*
 * The slot of a key as the sync has it (a bucket's, or a quota's with its
 * month), under the lock: its values, or NULL (none here, or a quota slot
 * now counting another month).
 */
static uint64_t *
limits_sync_vals(struct shm_table *t, const char *wire)
{
	const char	*us;
	uint64_t	*v;
	size_t		 n = strlen(wire);
	int		 slot;

	if (n > 9 && wire[0] == 'q' && wire[1] == '\x1f' &&
	    (us = strrchr(wire, '\x1f')) == wire + n - 7) {
		if ((slot = shm_table_find(t, wire, (size_t)(us - wire),
		    0)) == -1)
			return NULL;
		v = shm_table_vals(t, (uint32_t)slot);
		return v[QUOTA_V_MONTH] == quota_month_v(us + 1) ? v : NULL;
	}
	if ((slot = shm_table_find(t, wire, n, 0)) == -1)
		return NULL;
	return shm_table_vals(t, (uint32_t)slot);
}

/* A bucket's key ("t", "c", "s") or a quota key ("q"). */
static int
limits_sync_kind(const char *key)
{
	if (strlen(key) < 2 || key[1] != '\x1f')
		return 0;
	if (key[0] == 't' || key[0] == 'c' || key[0] == 's')
		return 'b';
	return key[0] == 'q' ? 'q' : 0;
}

json_t *
limits_sync_collect(uint64_t now_us, time_t now)
{
	struct shm_table	 t;
	char			 qmonth[7];
	const char		*key;
	uint64_t		*v, month;
	char			 wire[LIMIT_LIMITS_KEY + 8];
	json_t			*a, *e;
	uint32_t		 i;
	int			 kind;

	if (node_table(NODE_AREA_LIMITS, &t) == -1 || (a = json_array()) ==
	    NULL)
		return NULL;
	quota_month(now, qmonth, NULL);
	month = quota_month_v(qmonth);
	shm_lock(t.shm);
	for (i = 0; i < t.nslots; i++) {
		if (!shm_table_used(&t, i))
			continue;
		key = shm_table_key(&t, i);
		if ((kind = limits_sync_kind(key)) == 0)
			continue;
		v = shm_table_vals(&t, i);
		/* A quota: this month's only, its key naming the month. */
		if (kind == 'q') {
			if (v[QUOTA_V_MONTH] != month)
				continue;
			snprintf(wire, sizeof(wire), "%s\x1f%s", key, qmonth);
			key = wire;
		}
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

	if (node_table(NODE_AREA_LIMITS, &t) == -1)
		return;
	shm_lock(t.shm);
	json_array_foreach(entries, i, e) {
		key = json_string_value(json_object_get(e, "key"));
		if (key == NULL || (v = limits_sync_vals(&t, key)) == NULL)
			continue;
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
		    json_integer_value(tot) < 0 ||
		    (v = limits_sync_vals(&t, key)) == NULL)
			continue;
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
