/*
 * session.c -- stateless signed Mcp-Session-Id; see session.h.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "base64.h"
#include "buf.h"
#include "ops/node.h"
#include "mcp/session.h"

#define SESSION_MOD		"session"
#define SESSION_MAC_LEN		32
#define SESSION_HKDF_INFO	"mcp-session v1"
/* version, issued_at, nonce, caller_kind, client_caps, four 1-byte
 * lengths, one 2-byte. */
#define SESSION_FIXED		(1 + 8 + SESSION_NONCE_LEN + 1 + 1 + 4 + 2)
#define SESSION_RAW_MAX		(SESSION_FIXED + LIMIT_PROTOCOL_VERSION + \
				 LIMIT_SESSION_FIELD + LIMIT_SLUG + \
				 LIMIT_SESSION_FIELD + LIMIT_UPSTREAM_SESSION + \
				 SESSION_MAC_LEN)

/* The longest id fits the limit, and the 1-byte lengths fit a byte. */
_Static_assert(BASE64_LEN(SESSION_RAW_MAX) <= LIMIT_SESSION_ID,
    "LIMIT_SESSION_ID too small for the longest session id");
_Static_assert(LIMIT_PROTOCOL_VERSION <= 255 && LIMIT_SESSION_FIELD <= 255 &&
    LIMIT_SLUG <= 255 && LIMIT_UPSTREAM_SESSION <= 65535,
    "session field lengths must fit their length bytes");

void
session_init(struct session *s)
{
	memset(s, 0, sizeof(*s));
}

void
session_release(struct session *s)
{
	/* Nothing is allocated; leave no stale binding behind either. */
	explicit_bzero(s, sizeof(*s));
}

int
session_nonce(struct session *s)
{
	return RAND_bytes(s->nonce, sizeof(s->nonce)) == 1 ? 0 : -1;
}

const char *
session_strerror(enum session_status st)
{
	switch (st) {
	case SESSION_OK:
		return "ok";
	case SESSION_MALFORMED:
		return "malformed session id";
	case SESSION_BAD_MAC:
		return "session id signature mismatch";
	case SESSION_EXPIRED:
		return "session id expired";
	case SESSION_ERROR:
		return "session id check failed";
	default:
		return "unknown session status";
	}
}

/* 1 when (p, n) is visible ASCII 0x21-0x7E and min <= n <= max. */
static int
session_visible(const char *p, size_t n, size_t min, size_t max)
{
	size_t	 i;

	if (n < min || n > max)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x21 || (unsigned char)p[i] > 0x7e)
			return 0;
	return 1;
}

/* A NUL-terminated field within its array, visible ASCII. */
static int
session_field_ok(const char *f, size_t arrsz, size_t min)
{
	size_t	 n = strnlen(f, arrsz);

	return n < arrsz && session_visible(f, n, min, arrsz - 1);
}

static int
session_valid(const struct session *s)
{
	return s->caller_kind > SESSION_CALLER_NONE &&
	    s->caller_kind < SESSION_CALLER__MAX &&
	    session_field_ok(s->tenant, sizeof(s->tenant), 1) &&
	    session_field_ok(s->server, sizeof(s->server), 1) &&
	    session_field_ok(s->caller_id, sizeof(s->caller_id), 1) &&
	    session_field_ok(s->upstream, sizeof(s->upstream), 0) &&
	    session_field_ok(s->protocol_version,
	    sizeof(s->protocol_version), 1);
}

/* K = HKDF-SHA256(master, no salt, "mcp-session v1"); 0 or -1. */
static int
session_derive(const void *key, size_t keylen,
    unsigned char out[SESSION_MAC_LEN])
{
	EVP_KDF		*kdf = NULL;
	EVP_KDF_CTX	*kctx = NULL;
	OSSL_PARAM	 params[4];
	int		 rc = -1;

	if (key == NULL || keylen < SESSION_KEY_MIN)
		goto out;
	if ((kdf = EVP_KDF_fetch(NULL, OSSL_KDF_NAME_HKDF, NULL)) == NULL ||
	    (kctx = EVP_KDF_CTX_new(kdf)) == NULL)
		goto out;
	/* OSSL_PARAM takes non-const pointers; nothing is written. */
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	    (char *)(uintptr_t)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
	    (void *)(uintptr_t)key, keylen);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
	    (void *)(uintptr_t)SESSION_HKDF_INFO, sizeof(SESSION_HKDF_INFO) - 1);
	params[3] = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(kctx, out, SESSION_MAC_LEN, params) != 1)
		goto out;
	rc = 0;
out:
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
	return rc;
}

/*
 * K of the master key, derived once per process: a worker has one master
 * key, and the HKDF (with its EVP_KDF fetch) cost more than the HMAC on
 * every request. Held by the SHA-256 of the master key it came from, so
 * another key (a test, a reloaded configuration) is derived afresh.
 */
static struct {
	int		 ready;
	unsigned char	 of[SHA256_DIGEST_LENGTH];
	unsigned char	 k[SESSION_MAC_LEN];
} session_kc;
static unsigned long	 session_derived;

unsigned long
session_key_derivations(void)
{
	return session_derived;
}

static int
session_key(const void *key, size_t keylen, unsigned char out[SESSION_MAC_LEN])
{
	unsigned char	 of[SHA256_DIGEST_LENGTH];
	int		 rc = -1;

	if (key == NULL || keylen < SESSION_KEY_MIN)
		goto out;
	SHA256(key, keylen, of);
	if (!session_kc.ready || CRYPTO_memcmp(of, session_kc.of,
	    sizeof(of)) != 0) {
		explicit_bzero(&session_kc, sizeof(session_kc));
		if (session_derive(key, keylen, session_kc.k) == -1) {
			explicit_bzero(&session_kc, sizeof(session_kc));
			goto out;
		}
		memcpy(session_kc.of, of, sizeof(of));
		session_kc.ready = 1;
		session_derived++;
	}
	memcpy(out, session_kc.k, SESSION_MAC_LEN);
	rc = 0;
out:
	explicit_bzero(of, sizeof(of));
	return rc;
}

static int
session_mac(const void *key, size_t keylen, const unsigned char *p, size_t n,
    unsigned char mac[SESSION_MAC_LEN])
{
	unsigned char	 k[SESSION_MAC_LEN];
	unsigned int	 maclen = 0;
	int		 rc = -1;

	if (session_key(key, keylen, k) == -1)
		goto out;
	if (HMAC(EVP_sha256(), k, sizeof(k), p, n, mac, &maclen) == NULL ||
	    maclen != SESSION_MAC_LEN)
		goto out;
	rc = 0;
out:
	explicit_bzero(k, sizeof(k));
	return rc;
}

/* Append a length-prefixed field (lenbytes 1 or 2). */
static size_t
session_put(unsigned char *p, size_t o, const char *f, size_t lenbytes)
{
	size_t	 n = strlen(f);

	if (lenbytes == 2)
		p[o++] = (unsigned char)(n >> 8);
	p[o++] = (unsigned char)n;
	memcpy(p + o, f, n);
	return o + n;
}

int
session_sign(const void *key, size_t keylen, const struct session *s,
    char *out, size_t outlen)
{
	unsigned char	 raw[SESSION_RAW_MAX];
	struct buf	 id;
	uint64_t	 t;
	size_t		 o = 0, i;
	int		 rc = -1;

	if (out == NULL || outlen == 0)
		return -1;
	out[0] = '\0';
	buf_init(&id, outlen - 1);
	if (!session_valid(s) || s->issued_at < 0)
		goto out;
	t = (uint64_t)s->issued_at;
	raw[o++] = SESSION_VERSION;
	for (i = 0; i < 8; i++)
		raw[o++] = (unsigned char)(t >> (8 * (7 - i)));
	memcpy(raw + o, s->nonce, SESSION_NONCE_LEN);
	o += SESSION_NONCE_LEN;
	raw[o++] = (unsigned char)s->caller_kind;
	raw[o++] = s->client_caps;
	o = session_put(raw, o, s->protocol_version, 1);
	o = session_put(raw, o, s->tenant, 1);
	o = session_put(raw, o, s->server, 1);
	o = session_put(raw, o, s->caller_id, 1);
	o = session_put(raw, o, s->upstream, 2);
	if (session_mac(key, keylen, raw, o, raw + o) == -1)
		goto out;
	o += SESSION_MAC_LEN;
	/* base64url without padding (RFC 4648 section 5), out holding the
	 * NUL too. */
	if (base64_encode(&id, raw, o, BASE64_URL) == -1)
		goto out;
	memcpy(out, id.data, id.len + 1);
	rc = 0;
out:
	explicit_bzero(raw, sizeof(raw));
	buf_release(&id);
	return rc;
}

/* Take a length-prefixed field into dst (size dstsz); 0 or -1. */
static int
session_get(const unsigned char *p, size_t n, size_t *o, size_t lenbytes,
    char *dst, size_t dstsz)
{
	size_t	 len;

	if (*o + lenbytes > n)
		return -1;
	len = p[(*o)++];
	if (lenbytes == 2)
		len = len << 8 | p[(*o)++];
	if (len >= dstsz || *o + len > n)
		return -1;
	/* A NUL would cut the field short as a C string: the rest of its
	 * bytes would be signed but never checked (found by fuzzing). */
	if (len > 0 && memchr(p + *o, '\0', len) != NULL)
		return -1;
	memcpy(dst, p + *o, len);
	dst[len] = '\0';
	*o += len;
	return 0;
}

enum session_status
session_verify(const void *key, size_t keylen, const char *id, size_t len,
    time_t now, unsigned max_age_s, struct session *out)
{
	unsigned char		 raw[SESSION_RAW_MAX], mac[SESSION_MAC_LEN];
	enum session_status	 st = SESSION_MALFORMED;
	struct buf		 dec;
	uint64_t		 t = 0;
	size_t			 n, o = 0, i;

	session_init(out);
	buf_init(&dec, sizeof(raw));
	if (key == NULL || keylen < SESSION_KEY_MIN) {
		st = SESSION_ERROR;
		goto out;
	}
	/* Canonical base64url only (lib/base64.h): exactly one string
	 * decodes to given bytes, so a changed character always changes the
	 * bytes, and so the MAC. */
	if (id == NULL || len == 0 || len > LIMIT_SESSION_ID ||
	    base64_decode(&dec, id, len, BASE64_URL) == -1)
		goto out;
	n = dec.len;
	memcpy(raw, dec.data, n);
	if (n < SESSION_FIXED + SESSION_MAC_LEN)
		goto out;
	n -= SESSION_MAC_LEN;
	/* The MAC first, before a single field is believed. */
	if (session_mac(key, keylen, raw, n, mac) == -1) {
		st = SESSION_ERROR;
		goto out;
	}
	if (CRYPTO_memcmp(mac, raw + n, SESSION_MAC_LEN) != 0) {
		st = SESSION_BAD_MAC;
		goto out;
	}
	if (raw[o++] != SESSION_VERSION)
		goto out;
	for (i = 0; i < 8; i++)
		t = t << 8 | raw[o++];
	memcpy(out->nonce, raw + o, SESSION_NONCE_LEN);
	o += SESSION_NONCE_LEN;
	out->caller_kind = (enum session_caller_kind)raw[o++];
	out->client_caps = raw[o++];
	if (session_get(raw, n, &o, 1, out->protocol_version,
	    sizeof(out->protocol_version)) == -1 ||
	    session_get(raw, n, &o, 1, out->tenant, sizeof(out->tenant)) == -1 ||
	    session_get(raw, n, &o, 1, out->server, sizeof(out->server)) == -1 ||
	    session_get(raw, n, &o, 1, out->caller_id,
	    sizeof(out->caller_id)) == -1 ||
	    session_get(raw, n, &o, 2, out->upstream,
	    sizeof(out->upstream)) == -1 ||
	    o != n || !session_valid(out) || t > INT64_MAX)
		goto out;
	out->issued_at = (time_t)t;
	if (max_age_s == 0)
		max_age_s = LIMIT_SESSION_MAX_AGE_DEFAULT;
	/* Issued in the future beyond clock skew, or too long ago. */
	if ((int64_t)t > (int64_t)now + LIMIT_SESSION_SKEW ||
	    (int64_t)now - (int64_t)t > (int64_t)max_age_s) {
		st = SESSION_EXPIRED;
		goto out;
	}
	st = SESSION_OK;
out:
	explicit_bzero(raw, sizeof(raw));
	explicit_bzero(mac, sizeof(mac));
	buf_release(&dec);
	if (st != SESSION_OK)
		session_init(out);
	return st;
}

int
session_matches(const struct session *s, const char *tenant,
    const char *server, enum session_caller_kind kind, const char *caller_id)
{
	if (s == NULL || tenant == NULL || server == NULL || caller_id == NULL)
		return 0;
	return s->caller_kind == kind && strcmp(s->tenant, tenant) == 0 &&
	    strcmp(s->server, server) == 0 &&
	    strcmp(s->caller_id, caller_id) == 0;
}

void
session_level_set(const char *id, int level, time_t expires)
{
	unsigned char	 d[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)id, strlen(id), d);
	node_level_set(d, level, (int64_t)expires);
}

int
session_level_get(const char *id, time_t now)
{
	unsigned char	 d[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)id, strlen(id), d);
	return node_level_get(d, (int64_t)now);
}

/* mac16 of an event id: session id and upstream id under K. */
static int
session_event_mac(const void *key, size_t keylen, const char *session_id,
    const char *up, size_t uplen, unsigned char mac[SESSION_MAC_LEN])
{
	struct buf	 m;
	int		 rc = -1;

	buf_init(&m, 8 + strlen(session_id) + uplen);
	if (buf_append(&m, "\0event\0", 7) == 0 &&
	    buf_appends(&m, session_id) == 0 && buf_appendc(&m, '\0') == 0 &&
	    buf_append(&m, up, uplen) == 0)
		rc = session_mac(key, keylen, (const unsigned char *)m.data,
		    m.len, mac);
	buf_release(&m);
	return rc;
}

int
session_event_seal(const void *key, size_t keylen, const char *session_id,
    const char *upstream_id, char *out, size_t outlen)
{
	unsigned char	 raw[SESSION_MAC_LEN + LIMIT_SSE_FIELD];
	struct buf	 id;
	size_t		 n = strlen(upstream_id);
	int		 rc = -1;

	if (outlen == 0)
		return -1;
	out[0] = '\0';
	if (n == 0 || n > LIMIT_SSE_FIELD ||
	    !session_visible(upstream_id, n, 1, LIMIT_SSE_FIELD))
		return -1;
	buf_init(&id, outlen - 1);
	if (session_event_mac(key, keylen, session_id, upstream_id, n,
	    raw) == -1)
		goto out;
	memcpy(raw + SESSION_EVENT_MAC, upstream_id, n);
	if (base64_encode(&id, raw, SESSION_EVENT_MAC + n, BASE64_URL) == -1)
		goto out;
	memcpy(out, id.data, id.len + 1);
	rc = 0;
out:
	buf_release(&id);
	return rc;
}

int
session_event_open(const void *key, size_t keylen, const char *session_id,
    const char *event_id, char *up, size_t uplen)
{
	unsigned char	 mac[SESSION_MAC_LEN];
	struct buf	 dec;
	size_t		 n, len = strlen(event_id);
	int		 rc = -1;

	if (uplen == 0)
		return -1;
	up[0] = '\0';
	if (len == 0 || len >= SESSION_EVENT_ID_MAX)
		return -1;
	buf_init(&dec, SESSION_EVENT_MAC + LIMIT_SSE_FIELD);
	if (base64_decode(&dec, event_id, len, BASE64_URL) == -1 ||
	    dec.len <= SESSION_EVENT_MAC)
		goto out;
	n = dec.len - SESSION_EVENT_MAC;
	if (n >= uplen || !session_visible(dec.data + SESSION_EVENT_MAC, n, 1,
	    LIMIT_SSE_FIELD))
		goto out;
	if (session_event_mac(key, keylen, session_id,
	    dec.data + SESSION_EVENT_MAC, n, mac) == -1 ||
	    CRYPTO_memcmp(mac, dec.data, SESSION_EVENT_MAC) != 0)
		goto out;
	memcpy(up, dec.data + SESSION_EVENT_MAC, n);
	up[n] = '\0';
	rc = 0;
out:
	explicit_bzero(mac, sizeof(mac));
	buf_release(&dec);
	return rc;
}
