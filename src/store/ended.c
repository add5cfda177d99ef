/*
 * ended.c -- ended MCP sessions in Supabase, a per-worker copy; see
 * ended.h.
 *
 * The copy is an open-addressing hash set of SHA-256 digests (linear
 * probing, twice as many slots as LIMIT_ENDED_CACHE, allocated on first
 * use), each with its expiry. Expired entries go when the set fills and
 * at each ended_tick() prune: the set is rebuilt without them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/sha.h>

#include "buf.h"
#include "clock.h"
#include "crypto.h"
#include "httpc.h"
#include "jsonx.h"
#include "log.h"
#include "product_limits.h"
#include "strparse.h"
#include "ops/node.h"
#include "store/ended.h"
#include "store/supa.h"

#define MOD		"ended"
#define ENDED_TABLE	"/rest/v1/ended_sessions"
#define ENDED_SLOTS	(2 * LIMIT_ENDED_CACHE)
#define ENDED_HEX	(SHA256_DIGEST_LENGTH * 2)

_Static_assert(NODE_DIGEST_LEN == SHA256_DIGEST_LENGTH,
    "the node ring keeps SHA-256 digests");

struct ended_slot {
	unsigned char	 h[SHA256_DIGEST_LENGTH];
	int64_t		 expires;	/* 0: empty slot */
};

static struct {
	struct ended_slot *slot;	/* ENDED_SLOTS, or NULL */
	size_t		 n;		/* live entries */
	int		 full;		/* an id was left out: ask alone */
	int		 synced;	/* a sync has completed */
	uint64_t	 synced_ms;	/* monotonic, of the last good sync */
	uint64_t	 retry_ms;	/* no sync before (after a failure) */
	int64_t		 cursor;	/* ended_ms to read from */
	time_t		 pruned;	/* last ended_tick prune */
	struct ended_stats st;
} ended;

static void
ended_digest(const char *id, unsigned char h[SHA256_DIGEST_LENGTH])
{
	SHA256((const unsigned char *)id, strlen(id), h);
}

/* 0 and h, or -1: not 64 lowercase hex digits. */
static int
ended_unhex(const char *s, unsigned char h[SHA256_DIGEST_LENGTH])
{
	size_t	 i;
	int	 hi, lo;

	if (s == NULL || strlen(s) != ENDED_HEX)
		return -1;
	for (i = 0; i < SHA256_DIGEST_LENGTH; i++) {
		hi = strparse_hexval(s[2 * i]);
		lo = strparse_hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		h[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

static size_t
ended_home(const unsigned char h[SHA256_DIGEST_LENGTH])
{
	size_t	 v = 0, i;

	for (i = 0; i < sizeof(v); i++)
		v = v << 8 | h[i];
	return v & (ENDED_SLOTS - 1);
}

_Static_assert((ENDED_SLOTS & (ENDED_SLOTS - 1)) == 0,
    "ENDED_SLOTS must be a power of two");

static struct ended_slot *
ended_find(const unsigned char h[SHA256_DIGEST_LENGTH])
{
	size_t	 i, k;

	if (ended.slot == NULL)
		return NULL;
	for (k = 0, i = ended_home(h); k < ENDED_SLOTS;
	    k++, i = (i + 1) & (ENDED_SLOTS - 1)) {
		if (ended.slot[i].expires == 0)
			return NULL;
		if (memcmp(ended.slot[i].h, h, SHA256_DIGEST_LENGTH) == 0)
			return &ended.slot[i];
	}
	return NULL;
}

/* The set without its expired entries (a rebuild: linear probing has no
 * cheap delete). */
static void
ended_purge(time_t now)
{
	struct ended_slot	*old = ended.slot;
	size_t			 i, j;

	if (old == NULL)
		return;
	if ((ended.slot = calloc(ENDED_SLOTS, sizeof(*ended.slot))) == NULL) {
		ended.slot = old;	/* keep what we have */
		return;
	}
	ended.n = 0;
	for (i = 0; i < ENDED_SLOTS; i++) {
		if (old[i].expires == 0 || old[i].expires <= (int64_t)now)
			continue;
		for (j = ended_home(old[i].h); ended.slot[j].expires != 0;
		    j = (j + 1) & (ENDED_SLOTS - 1))
			;
		ended.slot[j] = old[i];
		ended.n++;
	}
	free(old);
}

/* Into the set; when it is full (even after a purge) the id is left out
 * and ended.full says ids must be asked for alone. */
static void
ended_add(const unsigned char h[SHA256_DIGEST_LENGTH], int64_t expires,
    time_t now)
{
	struct ended_slot	*e;
	size_t			 i;

	if (expires <= (int64_t)now)
		return;
	if (ended.slot == NULL &&
	    (ended.slot = calloc(ENDED_SLOTS, sizeof(*ended.slot))) == NULL) {
		ended.full = 1;
		return;
	}
	if ((e = ended_find(h)) != NULL) {
		if (expires > e->expires)
			e->expires = expires;
		return;
	}
	if (ended.n >= LIMIT_ENDED_CACHE)
		ended_purge(now);
	if (ended.n >= LIMIT_ENDED_CACHE) {
		if (!ended.full)
			log_warn(MOD, "more than %d live ended sessions: "
			    "the rest are looked up one by one",
			    LIMIT_ENDED_CACHE);
		ended.full = 1;
		return;
	}
	for (i = ended_home(h); ended.slot[i].expires != 0;
	    i = (i + 1) & (ENDED_SLOTS - 1))
		;
	memcpy(ended.slot[i].h, h, SHA256_DIGEST_LENGTH);
	ended.slot[i].expires = expires;
	ended.n++;
}

/* One GET on the table; 0 and *rows (a NEW JSON array), or -1 (why). */
static int
ended_get(const struct config *cfg, const char *path, json_t **rows,
    char *why, size_t whylen)
{
	struct supa_call	 c;
	struct httpc_response	 resp;
	char			 err[128];
	int			 rc = -1;

	*rows = NULL;
	memset(&c, 0, sizeof(c));
	httpc_response_init(&resp);
	c.method = "GET";
	c.path = path;
	c.max_response = LIMIT_ENDED_RESPONSE;
	if (supa_perform(cfg, &c, &resp, why, whylen) == -1)
		goto out;
	if (resp.status != 200) {
		snprintf(why, whylen, "ended_sessions answered %ld",
		    resp.status);
		goto out;
	}
	*rows = jsonx_loadb(resp.body.data != NULL ? resp.body.data : "",
	    resp.body.len, LIMIT_JSON_DEPTH, err, sizeof(err));
	if (!json_is_array(*rows)) {
		snprintf(why, whylen, "ended_sessions: %s", *rows == NULL ?
		    err : "not an array");
		json_decref(*rows);
		*rows = NULL;
		goto out;
	}
	rc = 0;
out:
	httpc_response_release(&resp);
	return rc;
}

/*
 * Read the rows ended since the cursor (less the overlap), page by page:
 * 0 when all were read, -1 on a failure or when LIMIT_ENDED_PAGES pages
 * did not reach the end (the next check goes on).
 */
static int
ended_sync(const struct config *cfg, time_t now, char *why, size_t whylen)
{
	char		 path[256];
	json_t		*rows, *r;
	unsigned char	 h[SHA256_DIGEST_LENGTH];
	int64_t		 from = ended.cursor, last = ended.cursor, ms, exp;
	size_t		 i, page;

	ended.st.syncs++;
	if (ended.full && ended.n < LIMIT_ENDED_CACHE / 2) {
		/* Room again: a full read puts the left-out ids back. */
		from = last = 0;
		ended.full = 0;
	}
	for (page = 0; page < LIMIT_ENDED_PAGES; page++) {
		/* gte: rows sharing the last ms of a page are read again,
		 * none is skipped. */
		snprintf(path, sizeof(path), ENDED_TABLE
		    "?select=id_sha256,ended_ms,expires_s&ended_ms=gte.%lld"
		    "&expires_s=gt.%lld&order=ended_ms.asc&limit=%d",
		    (long long)from, (long long)now, LIMIT_ENDED_PAGE);
		if (ended_get(cfg, path, &rows, why, whylen) == -1)
			return -1;
		json_array_foreach(rows, i, r) {
			ms = json_integer_value(json_object_get(r,
			    "ended_ms"));
			exp = json_integer_value(json_object_get(r,
			    "expires_s"));
			if (ended_unhex(jsonx_str(r, "id_sha256"), h) == -1)
				continue;
			ended_add(h, exp, now);
			if (ms > last)
				last = ms;
		}
		i = json_array_size(rows);
		json_decref(rows);
		if (i < LIMIT_ENDED_PAGE) {
			/* Next time from a little before the newest row:
			 * a writer whose row committed after this read but
			 * carries an earlier ended_ms (its transaction's
			 * start) is still seen. */
			if (last - LIMIT_ENDED_OVERLAP_MS > ended.cursor)
				ended.cursor = last - LIMIT_ENDED_OVERLAP_MS;
			return 0;
		}
		from = last;
	}
	snprintf(why, whylen, "more than %d rows ended since the last sync",
	    LIMIT_ENDED_PAGE * LIMIT_ENDED_PAGES);
	if (last - LIMIT_ENDED_OVERLAP_MS > ended.cursor)
		ended.cursor = last - LIMIT_ENDED_OVERLAP_MS;
	return -1;
}

/* This id alone: 1 ended, 0 not (or unknown: logged). */
static int
ended_ask(const struct config *cfg, const char *hex)
{
	char	 path[256], why[LIMIT_HTTPC_ERR + 64];
	json_t	*rows;
	int	 rc;

	ended.st.asks++;
	snprintf(path, sizeof(path), ENDED_TABLE
	    "?select=id_sha256&id_sha256=eq.%s&limit=1", hex);
	if (ended_get(cfg, path, &rows, why, sizeof(why)) == -1) {
		log_warn(MOD, "cannot ask for an ended session: %s", why);
		return 0;
	}
	rc = json_array_size(rows) > 0;
	json_decref(rows);
	return rc;
}

int
ended_check(const struct config *cfg, const char *id)
{
	unsigned char	 h[SHA256_DIGEST_LENGTH];
	char		 hex[ENDED_HEX + 1], why[LIMIT_HTTPC_ERR + 64];
	uint64_t	 now_ms = clock_mono_ms();
	time_t		 now = time(NULL);
	struct ended_slot *e;

	if (id == NULL)
		return 1;
	ended_digest(id, h);
	/* Ended by any worker of this node: known at once. */
	if (node_ended_has(h, (int64_t)now))
		return 1;
	crypto_hex_encode(hex, h, sizeof(h));
	if (cfg->config_ttl == 0)
		return ended_ask(cfg, hex);
	if ((!ended.synced || now_ms - ended.synced_ms >=
	    cfg->config_ttl * 1000) && now_ms >= ended.retry_ms) {
		if (ended_sync(cfg, now, why, sizeof(why)) == 0) {
			ended.synced = 1;
			ended.synced_ms = now_ms;
		} else {
			ended.st.sync_failures++;
			ended.retry_ms = now_ms + LIMIT_ENDED_RETRY_S * 1000;
			log_warn(MOD, "ended sessions not synced: %s; using "
			    "the copy of %llds ago", why, ended.synced ?
			    (long long)((now_ms - ended.synced_ms) / 1000) :
			    -1LL);
		}
	}
	e = ended_find(h);
	if (e != NULL && e->expires > (int64_t)now)
		return 1;
	return ended.full ? ended_ask(cfg, hex) : 0;
}

int
ended_record(const struct config *cfg, const char *id, const char *tenant_id,
    time_t expires)
{
	struct supa_call	 c;
	struct httpc_response	 resp;
	struct buf		 body;
	unsigned char		 h[SHA256_DIGEST_LENGTH];
	char			 hex[ENDED_HEX + 1], why[LIMIT_HTTPC_ERR + 64];
	json_t			*row = NULL;
	int			 rc = -1;

	memset(&c, 0, sizeof(c));
	buf_init(&body, 512);
	httpc_response_init(&resp);
	ended_digest(id, h);
	crypto_hex_encode(hex, h, sizeof(h));
	row = json_pack("{s:s, s:s, s:I}", "id_sha256", hex, "tenant_id",
	    tenant_id, "expires_s", (json_int_t)expires);
	if (row == NULL || jsonx_dumpb(&body, row) == -1) {
		snprintf(why, sizeof(why), "out of memory");
		goto out;
	}
	c.method = "POST";
	c.path = ENDED_TABLE "?on_conflict=id_sha256";
	c.prefer = "return=minimal,resolution=ignore-duplicates";
	c.body = body.data;
	c.bodylen = body.len;
	if (supa_perform(cfg, &c, &resp, why, sizeof(why)) == -1)
		goto out;
	if (resp.status < 200 || resp.status > 299) {
		snprintf(why, sizeof(why), "ended_sessions answered %ld",
		    resp.status);
		goto out;
	}
	/* This node's workers refuse it at once; the other nodes' after
	 * their sync. */
	ended_add(h, (int64_t)expires, time(NULL));
	node_ended_add(h, (int64_t)expires);
	rc = 0;
out:
	if (rc == -1)
		log_error(MOD, "cannot record an ended session: %s", why);
	json_decref(row);
	httpc_response_release(&resp);
	buf_release(&body);
	return rc;
}

void
ended_tick(const struct config *cfg)
{
	struct supa_call	 c;
	struct httpc_response	 resp;
	char			 path[128], why[LIMIT_HTTPC_ERR + 64];
	time_t			 now = time(NULL);

	/* The first prune an hour after start: a worker that starts (or a
	 * node whose workers all restart) does not begin with a round
	 * trip. */
	if (ended.pruned == 0)
		ended.pruned = now;
	if (now - ended.pruned < LIMIT_SESSION_PRUNE_S)
		return;
	ended.pruned = now;
	ended_purge(now);
	/* Rows past their expiry: their ids fail the signature's age check
	 * anyway. Any worker of any node may do it; doing it twice costs a
	 * DELETE that deletes nothing. A little slack for other nodes'
	 * clocks. */
	snprintf(path, sizeof(path), ENDED_TABLE "?expires_s=lt.%lld",
	    (long long)(now - LIMIT_SESSION_SKEW));
	memset(&c, 0, sizeof(c));
	httpc_response_init(&resp);
	c.method = "DELETE";
	c.path = path;
	c.prefer = "return=minimal";
	if (supa_perform(cfg, &c, &resp, why, sizeof(why)) == -1)
		log_info(MOD, "expired ended sessions not deleted: %s", why);
	else if (resp.status < 200 || resp.status > 299)
		log_info(MOD, "expired ended sessions not deleted: %ld",
		    resp.status);
	httpc_response_release(&resp);
}

void
ended_cache_clear(void)
{
	free(ended.slot);
	memset(&ended, 0, sizeof(ended));
}

void
ended_stats(struct ended_stats *out)
{
	*out = ended.st;
	out->size = ended.n;
}
