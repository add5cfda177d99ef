/*
 * apikey.c -- API key format, generation, lookup with a per-worker cache,
 * last_used_at; see apikey.h.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "base64.h"
#include "clock.h"
#include "crypto.h"
#include "httpc.h"
#include "jsonx.h"
#include "log.h"
#include "product_limits.h"
#include "store/apikey.h"
#include "strparse.h"
#include "store/supa.h"

#define APIKEY_MOD	"apikey"

enum apikey_kind {
	APIKEY_BY_DIGEST,	/* the SHA-256 of a presented key */
	APIKEY_BY_ID		/* a token's key id */
};

struct apikey_entry {
	int			 used;
	enum apikey_kind	 kind;
	unsigned char		 digest[APIKEY_SHA256];
	char			 id[UUID_STRLEN + 1];
	int			 found;		/* 0: no such key / wrong
						   secret */
	int			 revoked;
	int			 active;	/* tenant active */
	struct apikey_info	 info;
	time_t			 at;		/* fetched (monotonic s) */
};

struct apikey_touch {
	char		 id[UUID_STRLEN + 1];
	time_t		 last;		/* noted at (monotonic s) */
	int		 pending;
};

static struct apikey_entry	 apikey_cache[LIMIT_APIKEY_CACHE];
static struct apikey_touch	 apikey_touches[LIMIT_APIKEY_CACHE];
static struct apikey_stats	 apikey_counts;

static time_t
apikey_monotonic(void)
{
	return (time_t)(clock_mono_ms() / 1000);
}

static time_t	(*apikey_now)(void) = apikey_monotonic;

void
apikey_set_clock(time_t (*now)(void))
{
	apikey_now = now != NULL ? now : apikey_monotonic;
}

void
apikey_cache_clear(void)
{
	explicit_bzero(apikey_cache, sizeof(apikey_cache));
	memset(apikey_touches, 0, sizeof(apikey_touches));
	memset(&apikey_counts, 0, sizeof(apikey_counts));
}

void
apikey_stats(struct apikey_stats *st)
{
	size_t	 i;

	*st = apikey_counts;
	st->entries = 0;
	for (i = 0; i < LIMIT_APIKEY_CACHE; i++)
		if (apikey_cache[i].used)
			st->entries++;
}

/* ---- the format ------------------------------------------------------- */

int
apikey_looks_like(const char *p, size_t len)
{
	return len >= APIKEY_PREFIX_LEN &&
	    memcmp(p, APIKEY_PREFIX, APIKEY_PREFIX_LEN) == 0;
}

void
apikey_parsed_wipe(struct apikey_parsed *k)
{
	explicit_bzero(k, sizeof(*k));
}

int
apikey_parse(const char *p, size_t len, struct apikey_parsed *out)
{
	const char	*id, *sec;
	struct buf	 b;
	size_t		 i;
	int		 rc = -1;

	memset(out, 0, sizeof(*out));
	buf_init(&b, APIKEY_SECRET_BYTES + 1);
	if (p == NULL || len != APIKEY_LEN || !apikey_looks_like(p, len))
		goto out;
	id = p + APIKEY_PREFIX_LEN;
	sec = id + APIKEY_ID_LEN + 1;
	for (i = 0; i < APIKEY_ID_LEN; i++)
		if (!((id[i] >= '0' && id[i] <= '9') ||
		    (id[i] >= 'a' && id[i] <= 'f')))
			goto out;
	if (id[APIKEY_ID_LEN] != '_')
		goto out;
	/* Strict: only the URL-safe alphabet, no padding, no blanks, zero
	 * unused bits; so one secret has one spelling. */
	if (base64_decode(&b, sec, APIKEY_SECRET_LEN, BASE64_URL) == -1 ||
	    b.len != APIKEY_SECRET_BYTES)
		goto out;
	memcpy(out->id, id, APIKEY_ID_LEN);
	out->id[APIKEY_ID_LEN] = '\0';
	memcpy(out->secret, b.data, APIKEY_SECRET_BYTES);
	rc = 0;
out:
	buf_release_secret(&b);
	if (rc != 0)
		apikey_parsed_wipe(out);
	return rc;
}

int
apikey_sha256(const void *p, size_t n, unsigned char out[APIKEY_SHA256])
{
	unsigned int	 len = 0;

	if (EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) != 1 ||
	    len != APIKEY_SHA256)
		return -1;
	return 0;
}

int
apikey_generate(struct apikey_new *out)
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 idb[APIKEY_ID_BYTES];
	unsigned char		 sec[APIKEY_SECRET_BYTES];
	struct buf		 b;
	size_t			 i;
	int			 rc = -1;

	memset(out, 0, sizeof(*out));
	buf_init(&b, APIKEY_SECRET_LEN + 1);
	if (crypto_random(idb, sizeof(idb)) == -1 ||
	    crypto_random(sec, sizeof(sec)) == -1)
		goto out;
	for (i = 0; i < APIKEY_ID_BYTES; i++) {
		out->id[2 * i] = hex[idb[i] >> 4];
		out->id[2 * i + 1] = hex[idb[i] & 0xf];
	}
	out->id[APIKEY_ID_LEN] = '\0';
	if (base64_encode(&b, sec, sizeof(sec), BASE64_URL) == -1 ||
	    b.len != APIKEY_SECRET_LEN)
		goto out;
	snprintf(out->key, sizeof(out->key), "%s%s_%s", APIKEY_PREFIX,
	    out->id, b.data);
	if (apikey_sha256(sec, sizeof(sec), out->sha256) == -1)
		goto out;
	rc = 0;
out:
	explicit_bzero(sec, sizeof(sec));
	buf_release_secret(&b);
	if (rc != 0)
		explicit_bzero(out, sizeof(*out));
	return rc;
}

/* ---- scopes and servers ------------------------------------------------ */

/* Whether the space-separated list has the word. */
static int
apikey_has_word(const char *list, const char *w)
{
	size_t	 n = strlen(w), k;

	while (*list != '\0') {
		while (*list == ' ')
			list++;
		k = strcspn(list, " ");
		if (k == n && k > 0 && strncmp(list, w, n) == 0)
			return 1;
		list += k;
	}
	return 0;
}

int
apikey_has_scope(const struct apikey_info *k, const char *scope)
{
	return apikey_has_word(k->scopes, scope) ||
	    apikey_has_word(k->scopes, "admin");
}

int
apikey_allows_server(const struct apikey_info *k, const char *alias)
{
	return k->all_servers || apikey_has_word(k->servers, alias);
}

void
apikey_principal(const struct apikey_info *k, struct principal *p)
{
	memset(p, 0, sizeof(*p));
	p->kind = PRINCIPAL_API_KEY;
	memcpy(p->sub, k->id, sizeof(p->sub));
	memcpy(p->api_key_id, k->id, sizeof(p->api_key_id));
	snprintf(p->tenant_slug, sizeof(p->tenant_slug), "%s",
	    k->tenant_slug);
	snprintf(p->role, sizeof(p->role), "%s", AUTH_API_KEY_ROLE);
	snprintf(p->scopes, sizeof(p->scopes), "%s", k->scopes);
	p->exp = k->expires_at;
}

/* ---- the store ---------------------------------------------------------- */

/* A JSON array of words (scopes, aliases) into a space-separated list
 * of visible ASCII words: 0, or -1 when one does not fit or is odd. */
static int
apikey_words(const json_t *a, char *out, size_t outlen)
{
	const json_t	*e;
	const char	*s;
	size_t		 i, used = 0, n;

	out[0] = '\0';
	if (!json_is_array(a))
		return -1;
	json_array_foreach(a, i, e) {
		if ((s = json_string_value(e)) == NULL ||
		    (n = strlen(s)) == 0 || !strparse_is_vchar(s, n) ||
		    strchr(s, '"') != NULL || strchr(s, '\\') != NULL ||
		    used + n + 2 > outlen)
			return -1;
		if (used > 0)
			out[used++] = ' ';
		memcpy(out + used, s, n);
		used += n;
		out[used] = '\0';
	}
	return 0;
}

/*
 * The row of the RPC's answer into e (found, revoked, active, info);
 * secret_hex receives the stored digest. 0, or -1 when the answer is not
 * what 0008 returns.
 */
static int
apikey_from_json(const json_t *j, struct apikey_entry *e,
    unsigned char sha[APIKEY_SHA256])
{
	const char	*id, *tid, *slug, *hex;
	const json_t	*exp, *servers;

	id = jsonx_str(j, "id");
	tid = jsonx_str(j, "tenant_id");
	slug = jsonx_str(j, "tenant_slug");
	hex = jsonx_str(j, "secret_sha256");
	exp = json_object_get(j, "expires_at");
	servers = json_object_get(j, "servers");
	if (id == NULL || !uuid_is_valid(id, strlen(id)) || tid == NULL ||
	    !uuid_is_valid(tid, strlen(tid)) || slug == NULL ||
	    !strparse_is_slug(slug, strlen(slug), LIMIT_SLUG) ||
	    hex == NULL || crypto_hex_decode(sha, APIKEY_SHA256, hex,
	    strlen(hex)) == -1 ||
	    !json_is_boolean(json_object_get(j, "revoked")) ||
	    !json_is_boolean(json_object_get(j, "tenant_active")) ||
	    (exp != NULL && !json_is_null(exp) && !json_is_integer(exp)))
		return -1;
	memcpy(e->info.id, id, UUID_STRLEN + 1);
	memcpy(e->info.tenant_id, tid, UUID_STRLEN + 1);
	snprintf(e->info.tenant_slug, sizeof(e->info.tenant_slug), "%s",
	    slug);
	if (apikey_words(json_object_get(j, "scopes"), e->info.scopes,
	    sizeof(e->info.scopes)) == -1)
		return -1;
	e->info.all_servers = servers == NULL || json_is_null(servers);
	if (!e->info.all_servers && apikey_words(servers, e->info.servers,
	    sizeof(e->info.servers)) == -1)
		return -1;
	e->info.expires_at = json_is_integer(exp) ?
	    (time_t)json_integer_value(exp) : 0;
	if (json_is_integer(exp) && e->info.expires_at <= 0)
		e->info.expires_at = 1;		/* before 1970: expired */
	e->revoked = json_is_true(json_object_get(j, "revoked"));
	e->active = json_is_true(json_object_get(j, "tenant_active"));
	e->found = 1;
	return 0;
}

/*
 * One api_key_lookup round trip: 0 with e->found set (and the stored
 * digest in sha), or -1 with why when no usable answer came.
 */
static int
apikey_rpc(const struct config *cfg, const char *arg, const char *val,
    struct apikey_entry *e, unsigned char sha[APIKEY_SHA256], char *why,
    size_t whylen)
{
	json_t	*args, *j = NULL;
	int	 rc = -1;

	e->found = 0;
	if ((args = json_pack("{s:s}", arg, val)) == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	apikey_counts.calls++;
	if (supa_rpc(cfg, APIKEY_LOOKUP_PATH, "api_key_lookup", args,
	    LIMIT_APIKEY_TIMEOUT_MS, LIMIT_APIKEY_RESPONSE, &j, why,
	    whylen) == -1)
		goto out;
	if (json_is_null(j)) {
		rc = 0;		/* no such key */
		goto out;
	}
	if (!json_is_object(j) || apikey_from_json(j, e, sha) == -1) {
		snprintf(why, whylen, "api_key_lookup: unexpected answer");
		goto out;
	}
	rc = 0;
out:
	json_decref(j);
	json_decref(args);
	return rc;
}

static struct apikey_entry *
apikey_find(enum apikey_kind kind, const unsigned char *digest,
    const char *id)
{
	struct apikey_entry	*e;
	size_t			 i;

	for (i = 0; i < LIMIT_APIKEY_CACHE; i++) {
		e = &apikey_cache[i];
		if (!e->used || e->kind != kind)
			continue;
		if (kind == APIKEY_BY_DIGEST ?
		    crypto_memeq(e->digest, digest, APIKEY_SHA256) :
		    strcmp(e->id, id) == 0)
			return e;
	}
	return NULL;
}

/* A slot for a new entry: a free one, else the oldest. */
static struct apikey_entry *
apikey_slot(void)
{
	struct apikey_entry	*e = NULL;
	size_t			 i;

	for (i = 0; i < LIMIT_APIKEY_CACHE; i++) {
		if (!apikey_cache[i].used)
			return &apikey_cache[i];
		if (e == NULL || apikey_cache[i].at < e->at)
			e = &apikey_cache[i];
	}
	return e;
}

/* The verdict of an entry at wall time now: 0 live, else 401. */
static int
apikey_verdict(const struct apikey_entry *e, struct apikey_info *info,
    char *why, size_t whylen)
{
	time_t	 now = time(NULL);

	if (!e->found) {
		snprintf(why, whylen, "no such api key, or a wrong secret");
		return 401;
	}
	if (e->revoked) {
		snprintf(why, whylen, "api key %s is revoked", e->info.id);
		return 401;
	}
	if (e->info.expires_at != 0 && now >= e->info.expires_at) {
		snprintf(why, whylen, "api key %s has expired", e->info.id);
		return 401;
	}
	if (!e->active) {
		snprintf(why, whylen, "api key %s: tenant not active",
		    e->info.id);
		return 401;
	}
	*info = e->info;
	return 0;
}

/*
 * The cache in front of the round trip. For a presented key (digest,
 * parsed set) the stored digest is compared with the secret's, in
 * constant time, before the answer counts as "found".
 */
static int
apikey_get(const struct config *cfg, enum apikey_kind kind,
    const unsigned char *digest, const struct apikey_parsed *parsed,
    const char *id, struct apikey_info *info, char *why, size_t whylen)
{
	struct apikey_entry	*e, fresh;
	unsigned char		 sha[APIKEY_SHA256], mine[APIKEY_SHA256];
	char			 w[LIMIT_HTTPC_ERR + 64];
	time_t			 now = apikey_now();
	int			 st;

	memset(&fresh, 0, sizeof(fresh));
	e = cfg->config_ttl > 0 ? apikey_find(kind, digest, id) : NULL;
	if (e != NULL && now >= e->at &&
	    (uint64_t)(now - e->at) < cfg->config_ttl) {
		apikey_counts.hits++;
		st = apikey_verdict(e, info, why, whylen);
		goto out;
	}
	if (apikey_rpc(cfg, kind == APIKEY_BY_DIGEST ? "p_prefix" : "p_id",
	    kind == APIKEY_BY_DIGEST ? parsed->id : id, &fresh, sha, w,
	    sizeof(w)) == -1) {
		if (e == NULL) {
			log_warn(APIKEY_MOD, "cannot check an api key: %s", w);
			snprintf(why, whylen, "api key store unavailable");
			st = 503;
			goto out;
		}
		apikey_counts.stale++;
		log_warn(APIKEY_MOD, "%s; serving the cached answer, %llds "
		    "old", w, (long long)(now - e->at));
		st = apikey_verdict(e, info, why, whylen);
		goto out;
	}
	if (fresh.found && kind == APIKEY_BY_DIGEST) {
		/* The secret's SHA-256 against the stored one, in
		 * constant time (CRYPTO_memcmp). */
		if (apikey_sha256(parsed->secret, APIKEY_SECRET_BYTES,
		    mine) == -1 || !crypto_memeq(mine, sha, APIKEY_SHA256)) {
			memset(&fresh.info, 0, sizeof(fresh.info));
			fresh.found = 0;
		} else
			memcpy(fresh.info.prefix, parsed->id,
			    sizeof(fresh.info.prefix));
	}
	fresh.used = 1;
	fresh.kind = kind;
	if (kind == APIKEY_BY_DIGEST)
		memcpy(fresh.digest, digest, APIKEY_SHA256);
	else
		snprintf(fresh.id, sizeof(fresh.id), "%s", id);
	fresh.at = now;
	if (cfg->config_ttl > 0) {
		if (e == NULL)
			e = apikey_slot();
		*e = fresh;
	}
	st = apikey_verdict(&fresh, info, why, whylen);
out:
	explicit_bzero(sha, sizeof(sha));
	explicit_bzero(mine, sizeof(mine));
	explicit_bzero(&fresh, sizeof(fresh));
	return st;
}

int
apikey_authenticate(const struct config *cfg, const char *key, size_t len,
    struct apikey_info *info, char *why, size_t whylen)
{
	struct apikey_parsed	 k;
	unsigned char		 digest[APIKEY_SHA256];
	char			 w[AUTH_WHY_MAX];
	int			 st;

	memset(info, 0, sizeof(*info));
	if (why == NULL || whylen == 0) {
		why = w;
		whylen = sizeof(w);
	}
	why[0] = '\0';
	if (apikey_parse(key, len, &k) == -1) {
		snprintf(why, whylen, "malformed api key");
		return 401;
	}
	if (apikey_sha256(key, len, digest) == -1) {
		apikey_parsed_wipe(&k);
		snprintf(why, whylen, "out of memory");
		return 503;
	}
	st = apikey_get(cfg, APIKEY_BY_DIGEST, digest, &k, NULL, info, why,
	    whylen);
	if (st != 0)
		memset(info, 0, sizeof(*info));
	apikey_parsed_wipe(&k);
	explicit_bzero(digest, sizeof(digest));
	return st;
}

int
apikey_check_id(const struct config *cfg, const char *key_id,
    struct apikey_info *info, char *why, size_t whylen)
{
	char	 w[AUTH_WHY_MAX];
	int	 st;

	memset(info, 0, sizeof(*info));
	if (why == NULL || whylen == 0) {
		why = w;
		whylen = sizeof(w);
	}
	why[0] = '\0';
	if (key_id == NULL || !uuid_is_valid(key_id, strlen(key_id))) {
		snprintf(why, whylen, "not an api key id");
		return 401;
	}
	st = apikey_get(cfg, APIKEY_BY_ID, NULL, NULL, key_id, info, why,
	    whylen);
	if (st != 0)
		memset(info, 0, sizeof(*info));
	return st;
}

/* ---- last_used_at --------------------------------------------------------- */

void
apikey_used(const char *key_id)
{
	struct apikey_touch	*t = NULL;
	time_t			 now = apikey_now();
	size_t			 i;

	if (key_id == NULL || !uuid_is_valid(key_id, strlen(key_id)))
		return;
	for (i = 0; i < LIMIT_APIKEY_CACHE; i++) {
		if (apikey_touches[i].id[0] != '\0' &&
		    strcmp(apikey_touches[i].id, key_id) == 0) {
			t = &apikey_touches[i];
			if (t->pending || (now >= t->last &&
			    now - t->last < LIMIT_APIKEY_TOUCH_S))
				return;
			break;
		}
	}
	if (t == NULL) {
		/* A free slot, else the one noted longest ago (and not
		 * waiting to be written). */
		for (i = 0; i < LIMIT_APIKEY_CACHE; i++) {
			if (apikey_touches[i].id[0] == '\0') {
				t = &apikey_touches[i];
				break;
			}
			if (!apikey_touches[i].pending && (t == NULL ||
			    apikey_touches[i].last < t->last))
				t = &apikey_touches[i];
		}
		if (t == NULL)
			return;		/* all pending: it waits a turn */
		snprintf(t->id, sizeof(t->id), "%s", key_id);
	}
	t->last = now;
	t->pending = 1;
}

void
apikey_flush(const struct config *cfg)
{
	struct supa_call	 c;
	struct httpc_response	 resp;
	struct buf		 body;
	json_t			*ids = NULL, *args = NULL;
	char			 why[LIMIT_HTTPC_ERR + 64];
	size_t			 i, n = 0;

	for (i = 0; i < LIMIT_APIKEY_CACHE; i++)
		if (apikey_touches[i].pending)
			break;
	if (i == LIMIT_APIKEY_CACHE)
		return;
	buf_init(&body, 64 * 1024);
	httpc_response_init(&resp);
	if ((ids = json_array()) == NULL)
		goto out;
	for (i = 0; i < LIMIT_APIKEY_CACHE && n < LIMIT_APIKEY_TOUCH_BATCH;
	    i++) {
		if (!apikey_touches[i].pending)
			continue;
		if (json_array_append_new(ids,
		    json_string(apikey_touches[i].id)) == -1)
			goto out;
		/* Written or not, not retried before the next minute:
		 * last_used_at is a hint, not a record. */
		apikey_touches[i].pending = 0;
		n++;
	}
	if ((args = json_pack("{s:O}", "p_ids", ids)) == NULL ||
	    jsonx_dumpb(&body, args) == -1)
		goto out;
	memset(&c, 0, sizeof(c));
	c.method = "POST";
	c.path = APIKEY_TOUCH_PATH;
	c.body = body.data;
	c.bodylen = body.len;
	c.timeout_ms = LIMIT_APIKEY_TIMEOUT_MS;
	c.max_response = LIMIT_APIKEY_RESPONSE;
	apikey_counts.touches++;
	if (supa_perform(cfg, &c, &resp, why, sizeof(why)) == -1)
		log_warn(APIKEY_MOD, "last_used_at not written: %s", why);
	else if (resp.status < 200 || resp.status >= 300)
		log_warn(APIKEY_MOD, "last_used_at not written: "
		    "api_key_touch answered %ld", resp.status);
out:
	json_decref(args);
	json_decref(ids);
	httpc_response_release(&resp);
	buf_release(&body);
}
