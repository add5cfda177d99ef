/*
 * test_session.c -- the signed stateless Mcp-Session-Id: round trips, the
 * wire format rebuilt independently (HKDF through EVP_PKEY, base64 through
 * EVP_EncodeBlock), tampering, truncation and garbage, expiry, binding to
 * tenant/server/caller, keys.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>

#include "mcp/session.h"
#include "t.h"

static const unsigned char	 key1[32] = "0123456789abcdef0123456789abcdef";
static const unsigned char	 key2[32] = "0123456789abcdef0123456789abcdeF";

#define NOW	((time_t)1767225600)	/* 2026-01-01T00:00:00Z */

static void
test_fill(struct session *s)
{
	session_init(s);
	snprintf(s->tenant, sizeof(s->tenant), "%s",
	    "0190a8e4-7c1e-7b3a-8f00-123456789abc");
	snprintf(s->server, sizeof(s->server), "%s", "everything");
	s->caller_kind = SESSION_CALLER_USER;
	snprintf(s->caller_id, sizeof(s->caller_id), "%s",
	    "0190a8e4-7c1e-7b3a-8f00-cafecafecafe");
	snprintf(s->upstream, sizeof(s->upstream), "%s",
	    "5f0c3b1e-2a4d-4e8f-9a7b-1c2d3e4f5a6b");
	snprintf(s->protocol_version, sizeof(s->protocol_version), "%s",
	    "2025-11-25");
	s->issued_at = NOW;
	memset(s->nonce, 0xa5, sizeof(s->nonce));
	s->client_caps = 0x05;
}

static int
test_visible(const char *p)
{
	for (; *p != '\0'; p++)
		if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e)
			return 0;
	return 1;
}

static int
test_same(const struct session *a, const struct session *b)
{
	return strcmp(a->tenant, b->tenant) == 0 &&
	    strcmp(a->server, b->server) == 0 &&
	    a->caller_kind == b->caller_kind &&
	    strcmp(a->caller_id, b->caller_id) == 0 &&
	    strcmp(a->upstream, b->upstream) == 0 &&
	    strcmp(a->protocol_version, b->protocol_version) == 0 &&
	    a->issued_at == b->issued_at &&
	    memcmp(a->nonce, b->nonce, sizeof(a->nonce)) == 0 &&
	    a->client_caps == b->client_caps;
}

static void
test_round_trip(void)
{
	struct session		 s, v;
	char			 id[LIMIT_SESSION_ID + 1];
	char			 id2[LIMIT_SESSION_ID + 1];
	size_t			 i;

	test_fill(&s);
	T(session_sign(key1, sizeof(key1), &s, id, sizeof(id)) == 0);
	T(strlen(id) > 0 && strlen(id) <= LIMIT_SESSION_ID && test_visible(id));
	T(strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-_") == strlen(id));
	T(session_verify(key1, sizeof(key1), id, strlen(id), NOW, 0, &v) ==
	    SESSION_OK && test_same(&s, &v));
	T(session_matches(&v, s.tenant, "everything", SESSION_CALLER_USER,
	    s.caller_id) == 1);
	/* Deterministic: same state, same id. */
	T(session_sign(key1, sizeof(key1), &s, id2, sizeof(id2)) == 0 &&
	    strcmp(id, id2) == 0);
	/* The same caller in the same second with a fresh nonce: another id
	 * (ending one session must not end the other). */
	T(session_nonce(&s) == 0);
	T(session_sign(key1, sizeof(key1), &s, id2, sizeof(id2)) == 0 &&
	    strcmp(id, id2) != 0);
	T(session_verify(key1, sizeof(key1), id2, strlen(id2), NOW, 0, &v) ==
	    SESSION_OK && test_same(&s, &v));

	/* Empty upstream id, API-key caller. */
	s.upstream[0] = '\0';
	s.caller_kind = SESSION_CALLER_API_KEY;
	T(session_sign(key1, sizeof(key1), &s, id, sizeof(id)) == 0);
	T(session_verify(key1, sizeof(key1), id, strlen(id), NOW, 0, &v) ==
	    SESSION_OK && test_same(&s, &v) && v.upstream[0] == '\0');

	/* Every field at its longest still fits LIMIT_SESSION_ID. */
	memset(s.tenant, 'T', sizeof(s.tenant) - 1);
	memset(s.server, 's', sizeof(s.server) - 1);
	memset(s.caller_id, 'c', sizeof(s.caller_id) - 1);
	memset(s.upstream, '~', sizeof(s.upstream) - 1);
	memset(s.protocol_version, '!', sizeof(s.protocol_version) - 1);
	T(session_sign(key1, sizeof(key1), &s, id, sizeof(id)) == 0);
	T(strlen(id) <= LIMIT_SESSION_ID && test_visible(id));
	T(session_verify(key1, sizeof(key1), id, strlen(id), NOW, 0, &v) ==
	    SESSION_OK && test_same(&s, &v));
	printf("# longest id: %zu bytes\n", strlen(id));

	/* An output buffer one byte short fails cleanly. */
	i = strlen(id);
	T(session_sign(key1, sizeof(key1), &s, id2, i) == -1 && id2[0] == '\0');
	T(session_sign(key1, sizeof(key1), &s, id2, i + 1) == 0);
	session_release(&v);
	T(v.tenant[0] == '\0');
}

/* Fields that break the rules are refused when signing. */
static void
test_bad_fields(void)
{
	static const struct {
		int		 line;
		const char	*field;
		const char	*value;
		int		 kind;
	} cases[] = {
		{ __LINE__, "tenant", "", SESSION_CALLER_USER },
		{ __LINE__, "tenant", "a b", SESSION_CALLER_USER },
		{ __LINE__, "server", "", SESSION_CALLER_USER },
		{ __LINE__, "server", "x\ny", SESSION_CALLER_USER },
		{ __LINE__, "caller", "", SESSION_CALLER_USER },
		{ __LINE__, "caller", "\x7f", SESSION_CALLER_USER },
		{ __LINE__, "caller", "\xc3\xa9", SESSION_CALLER_USER },
		{ __LINE__, "upstream", "has space", SESSION_CALLER_USER },
		{ __LINE__, "upstream", "tab\t", SESSION_CALLER_USER },
		{ __LINE__, "version", "", SESSION_CALLER_USER },
		{ __LINE__, NULL, NULL, SESSION_CALLER_NONE },
		{ __LINE__, NULL, NULL, SESSION_CALLER__MAX },
	};
	struct session	 s;
	char		 id[LIMIT_SESSION_ID + 1], *f;
	size_t		 i, sz;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		test_fill(&s);
		s.caller_kind = (enum session_caller_kind)cases[i].kind;
		f = NULL;
		sz = 0;
		if (cases[i].field == NULL)
			;
		else if (strcmp(cases[i].field, "tenant") == 0)
			f = s.tenant, sz = sizeof(s.tenant);
		else if (strcmp(cases[i].field, "server") == 0)
			f = s.server, sz = sizeof(s.server);
		else if (strcmp(cases[i].field, "caller") == 0)
			f = s.caller_id, sz = sizeof(s.caller_id);
		else if (strcmp(cases[i].field, "upstream") == 0)
			f = s.upstream, sz = sizeof(s.upstream);
		else
			f = s.protocol_version, sz = sizeof(s.protocol_version);
		if (f != NULL)
			snprintf(f, sz, "%s", cases[i].value);
		memset(id, 'x', sizeof(id));
		T_LINE(session_sign(key1, sizeof(key1), &s, id, sizeof(id)) ==
		    -1 && id[0] == '\0', cases[i].line);
	}
	/* Unterminated field (no NUL inside its array). */
	test_fill(&s);
	memset(s.server, 'a', sizeof(s.server));
	T(session_sign(key1, sizeof(key1), &s, id, sizeof(id)) == -1);
	test_fill(&s);
	s.issued_at = -1;
	T(session_sign(key1, sizeof(key1), &s, id, sizeof(id)) == -1);
	/* Short keys. */
	test_fill(&s);
	T(session_sign(key1, SESSION_KEY_MIN - 1, &s, id, sizeof(id)) == -1);
	T(session_sign(NULL, 32, &s, id, sizeof(id)) == -1);
	T(session_sign(key1, SESSION_KEY_MIN, &s, id, sizeof(id)) == 0);
}

/* The documented format, built without session.c. */
static size_t
test_put(unsigned char *p, size_t o, const char *f, int two)
{
	size_t	 n = strlen(f);

	if (two)
		p[o++] = (unsigned char)(n >> 8);
	p[o++] = (unsigned char)n;
	memcpy(p + o, f, n);
	return o + n;
}

static void
test_b64url(const unsigned char *raw, size_t n, char *out)
{
	unsigned char	 tmp[2 * LIMIT_SESSION_ID];
	int		 len, i, o = 0;

	len = EVP_EncodeBlock(tmp, raw, (int)n);
	for (i = 0; i < len; i++) {
		if (tmp[i] == '=')
			continue;
		out[o++] = tmp[i] == '+' ? '-' : tmp[i] == '/' ? '_' :
		    (char)tmp[i];
	}
	out[o] = '\0';
}

static size_t
test_payload(const struct session *s, int version, unsigned char *raw)
{
	size_t	 o = 0;
	int	 i;

	raw[o++] = (unsigned char)version;
	for (i = 7; i >= 0; i--)
		raw[o++] = (unsigned char)((uint64_t)s->issued_at >> (8 * i));
	memcpy(raw + o, s->nonce, sizeof(s->nonce));
	o += sizeof(s->nonce);
	raw[o++] = (unsigned char)s->caller_kind;
	raw[o++] = s->client_caps;
	o = test_put(raw, o, s->protocol_version, 0);
	o = test_put(raw, o, s->tenant, 0);
	o = test_put(raw, o, s->server, 0);
	o = test_put(raw, o, s->caller_id, 0);
	return test_put(raw, o, s->upstream, 1);
}

/* HKDF via EVP_PKEY (another OpenSSL API than session.c's EVP_KDF). */
static void
test_key(const unsigned char *key, size_t keylen, unsigned char k[32])
{
	EVP_PKEY_CTX	*pc;
	size_t		 kl = 32;

	pc = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL);
	EVP_PKEY_derive_init(pc);
	EVP_PKEY_CTX_set_hkdf_md(pc, EVP_sha256());
	EVP_PKEY_CTX_set1_hkdf_key(pc, key, (int)keylen);
	EVP_PKEY_CTX_add1_hkdf_info(pc, (const unsigned char *)"mcp-session v1",
	    14);
	EVP_PKEY_derive(pc, k, &kl);
	EVP_PKEY_CTX_free(pc);
}

static void
test_seal(const unsigned char *key, size_t keylen, unsigned char *raw,
    size_t n, char *out)
{
	unsigned char	 k[32];
	unsigned int	 ml = 0;

	test_key(key, keylen, k);
	HMAC(EVP_sha256(), k, (int)sizeof(k), raw, n, raw + n, &ml);
	test_b64url(raw, n + ml, out);
}

static void
test_format(void)
{
	struct session	 s, v;
	unsigned char	 raw[LIMIT_SESSION_ID];
	char		 id[LIMIT_SESSION_ID + 1], want[2 * LIMIT_SESSION_ID];
	unsigned char	*p;
	size_t		 n;

	test_fill(&s);
	T(session_sign(key1, sizeof(key1), &s, id, sizeof(id)) == 0);
	n = test_payload(&s, SESSION_VERSION, raw);
	test_seal(key1, sizeof(key1), raw, n, want);
	T(strcmp(id, want) == 0);

	/* A correctly signed payload of an unknown version: malformed; so is
	 * version 1 (no nonce), which clients re-initialize from. */
	n = test_payload(&s, SESSION_VERSION + 1, raw);
	test_seal(key1, sizeof(key1), raw, n, want);
	T(session_verify(key1, sizeof(key1), want, strlen(want), NOW, 0,
	    &v) == SESSION_MALFORMED);
	n = test_payload(&s, 1, raw);
	test_seal(key1, sizeof(key1), raw, n, want);
	T(session_verify(key1, sizeof(key1), want, strlen(want), NOW, 0,
	    &v) == SESSION_MALFORMED);
	/* Signed, but with a trailing byte after the last field. */
	n = test_payload(&s, SESSION_VERSION, raw);
	raw[n++] = 'x';
	test_seal(key1, sizeof(key1), raw, n, want);
	T(session_verify(key1, sizeof(key1), want, strlen(want), NOW, 0,
	    &v) == SESSION_MALFORMED);
	/* Signed, but a length pointing past the end. */
	n = test_payload(&s, SESSION_VERSION, raw);
	raw[n - 36 - 2] = 1;	/* upstream length high byte: 256 + 36 */
	test_seal(key1, sizeof(key1), raw, n, want);
	T(session_verify(key1, sizeof(key1), want, strlen(want), NOW, 0,
	    &v) == SESSION_MALFORMED);
	/* Signed, but a field holding a NUL (its tail would go unchecked;
	 * tests/fuzz/corpus/session/crash-nul-in-field). */
	n = test_payload(&s, SESSION_VERSION, raw);
	p = memmem(raw, n, s.tenant, strlen(s.tenant));
	T(p != NULL);
	if (p != NULL)
		p[strlen(s.tenant) - 1] = '\0';
	test_seal(key1, sizeof(key1), raw, n, want);
	T(session_verify(key1, sizeof(key1), want, strlen(want), NOW, 0,
	    &v) == SESSION_MALFORMED);
	/* Signed, but a field holding a space, or a bad caller kind. */
	snprintf(s.server, sizeof(s.server), "%s", "a b");
	n = test_payload(&s, SESSION_VERSION, raw);
	test_seal(key1, sizeof(key1), raw, n, want);
	T(session_verify(key1, sizeof(key1), want, strlen(want), NOW, 0,
	    &v) == SESSION_MALFORMED && v.tenant[0] == '\0');
	test_fill(&s);
	s.caller_kind = (enum session_caller_kind)9;
	n = test_payload(&s, SESSION_VERSION, raw);
	test_seal(key1, sizeof(key1), raw, n, want);
	T(session_verify(key1, sizeof(key1), want, strlen(want), NOW, 0,
	    &v) == SESSION_MALFORMED);
}

static void
test_tamper(void)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	struct session		 s, v;
	char			 id[LIMIT_SESSION_ID + 1], t[LIMIT_SESSION_ID + 2];
	size_t			 i, j, len;
	enum session_status	 st;
	int			 all_bad_mac = 1, never_ok = 1, last_ok = 1;

	test_fill(&s);
	T(session_sign(key1, sizeof(key1), &s, id, sizeof(id)) == 0);
	len = strlen(id);
	/* Every position, every other alphabet character. */
	for (i = 0; i < len; i++) {
		for (j = 0; j < sizeof(alphabet) - 1; j++) {
			if (alphabet[j] == id[i])
				continue;
			memcpy(t, id, len + 1);
			t[i] = alphabet[j];
			st = session_verify(key1, sizeof(key1), t, len, NOW, 0,
			    &v);
			if (st == SESSION_OK)
				never_ok = 0;
			if (i < len - 1 && st != SESSION_BAD_MAC)
				all_bad_mac = 0;
			/* The last character: a changed byte, or unused
			 * bits set (not canonical). */
			if (i == len - 1 && st != SESSION_BAD_MAC &&
			    st != SESSION_MALFORMED)
				last_ok = 0;
		}
	}
	T(never_ok);
	T(all_bad_mac);
	T(last_ok);

	/* Every truncation fails, never OK. */
	never_ok = 1;
	for (i = 0; i < len; i++)
		if (session_verify(key1, sizeof(key1), id, i, NOW, 0, &v) ==
		    SESSION_OK)
			never_ok = 0;
	T(never_ok);
	T(session_verify(key1, sizeof(key1), id, 0, NOW, 0, &v) ==
	    SESSION_MALFORMED);
	T(session_verify(key1, sizeof(key1), id, 10, NOW, 0, &v) ==
	    SESSION_MALFORMED);
	T(session_verify(key1, sizeof(key1), id, len - 1, NOW, 0, &v) !=
	    SESSION_OK);
	/* An extra character. */
	memcpy(t, id, len);
	t[len] = 'A';
	t[len + 1] = '\0';
	T(session_verify(key1, sizeof(key1), t, len + 1, NOW, 0, &v) !=
	    SESSION_OK);
	/* Garbage: characters outside base64url, padding, NUL, huge. */
	T(session_verify(key1, sizeof(key1), "not a session id", 16, NOW, 0,
	    &v) == SESSION_MALFORMED);
	memcpy(t, id, len + 1);
	t[5] = '+';
	T(session_verify(key1, sizeof(key1), t, len, NOW, 0, &v) ==
	    SESSION_MALFORMED);
	t[5] = '\0';
	T(session_verify(key1, sizeof(key1), t, len, NOW, 0, &v) ==
	    SESSION_MALFORMED);
	memcpy(t, id, len + 1);
	t[len] = '=';
	T(session_verify(key1, sizeof(key1), t, len + 1, NOW, 0, &v) ==
	    SESSION_MALFORMED);
	T(session_verify(key1, sizeof(key1), NULL, 10, NOW, 0, &v) ==
	    SESSION_MALFORMED);
	{
		char	 huge[LIMIT_SESSION_ID + 8];

		memset(huge, 'A', sizeof(huge));
		T(session_verify(key1, sizeof(key1), huge, sizeof(huge), NOW,
		    0, &v) == SESSION_MALFORMED);
		T(session_verify(key1, sizeof(key1), huge, LIMIT_SESSION_ID,
		    NOW, 0, &v) == SESSION_MALFORMED);
	}
	/* Another key. */
	T(session_verify(key2, sizeof(key2), id, len, NOW, 0, &v) ==
	    SESSION_BAD_MAC && v.tenant[0] == '\0');
	T(session_verify(key1, 31, id, len, NOW, 0, &v) == SESSION_BAD_MAC);
	T(session_verify(key1, 8, id, len, NOW, 0, &v) == SESSION_ERROR);
	T(strcmp(session_strerror(SESSION_BAD_MAC),
	    "session id signature mismatch") == 0);
}

static void
test_expiry(void)
{
	struct session	 s, v;
	char		 id[LIMIT_SESSION_ID + 1];
	size_t		 len;

	test_fill(&s);
	T(session_sign(key1, sizeof(key1), &s, id, sizeof(id)) == 0);
	len = strlen(id);
	T(session_verify(key1, sizeof(key1), id, len, NOW + 3600, 3600, &v) ==
	    SESSION_OK);
	T(session_verify(key1, sizeof(key1), id, len, NOW + 3601, 3600, &v) ==
	    SESSION_EXPIRED && v.tenant[0] == '\0');
	/* 0: the default, 24 h. */
	T(session_verify(key1, sizeof(key1), id, len,
	    NOW + LIMIT_SESSION_MAX_AGE_DEFAULT, 0, &v) == SESSION_OK);
	T(session_verify(key1, sizeof(key1), id, len,
	    NOW + LIMIT_SESSION_MAX_AGE_DEFAULT + 1, 0, &v) == SESSION_EXPIRED);
	/* Issued in the future: within the clock skew, and beyond it. */
	T(session_verify(key1, sizeof(key1), id, len, NOW - LIMIT_SESSION_SKEW,
	    60, &v) == SESSION_OK);
	T(session_verify(key1, sizeof(key1), id, len,
	    NOW - LIMIT_SESSION_SKEW - 1, 60, &v) == SESSION_EXPIRED);
	/* An expired id with a bad MAC is a bad MAC (MAC first). */
	id[3] = id[3] == 'A' ? 'B' : 'A';
	T(session_verify(key1, sizeof(key1), id, len, NOW + 99999999, 1, &v) ==
	    SESSION_BAD_MAC);
}

static void
test_binding(void)
{
	struct session	 s, v;
	char		 id[LIMIT_SESSION_ID + 1];

	test_fill(&s);
	T(session_sign(key1, sizeof(key1), &s, id, sizeof(id)) == 0);
	T(session_verify(key1, sizeof(key1), id, strlen(id), NOW, 0, &v) ==
	    SESSION_OK);
	T(session_matches(&v, s.tenant, s.server, s.caller_kind,
	    s.caller_id) == 1);
	T(session_matches(&v, "0190a8e4-7c1e-7b3a-8f00-123456789abd",
	    s.server, s.caller_kind, s.caller_id) == 0);
	T(session_matches(&v, s.tenant, "memory", s.caller_kind,
	    s.caller_id) == 0);
	T(session_matches(&v, s.tenant, "everythin", s.caller_kind,
	    s.caller_id) == 0);
	T(session_matches(&v, s.tenant, s.server, s.caller_kind,
	    "0190a8e4-7c1e-7b3a-8f00-cafecafecaff") == 0);
	/* The same id string as a user and as an API key are different. */
	T(session_matches(&v, s.tenant, s.server, SESSION_CALLER_API_KEY,
	    s.caller_id) == 0);
	T(session_matches(&v, NULL, s.server, s.caller_kind, s.caller_id) == 0);
	T(session_matches(NULL, s.tenant, s.server, s.caller_kind,
	    s.caller_id) == 0);
}

/* Not a pass/fail figure: one line for the curious. */
static void
test_speed(void)
{
	struct session	 s, v;
	struct timespec	 a, b;
	char		 id[LIMIT_SESSION_ID + 1];
	int		 i, ok = 1;

	test_fill(&s);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < 1000; i++) {
		if (session_sign(key1, sizeof(key1), &s, id, sizeof(id)) != 0 ||
		    session_verify(key1, sizeof(key1), id, strlen(id), NOW, 0,
		    &v) != SESSION_OK)
			ok = 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	T(ok);
	printf("# sign+verify: %.1f us\n", ((double)(b.tv_sec - a.tv_sec) *
	    1e9 + (double)(b.tv_nsec - a.tv_nsec)) / 1000.0 / 1000.0);
}

/* K is derived once per master key, and a key change is never served
 * the old K: keys alternating stay right (sign, verify, cross-check). */
static void
test_key_once(void)
{
	struct session	 s, v;
	char		 id1[LIMIT_SESSION_ID + 1], id2[LIMIT_SESSION_ID + 1];
	unsigned long	 d0;
	int		 i;

	test_fill(&s);
	T(session_sign(key1, sizeof(key1), &s, id1, sizeof(id1)) == 0);
	d0 = session_key_derivations();
	for (i = 0; i < 10; i++)
		T(session_verify(key1, sizeof(key1), id1, strlen(id1), NOW, 0,
		    &v) == SESSION_OK);
	T(session_key_derivations() == d0);
	T(session_sign(key2, sizeof(key2), &s, id2, sizeof(id2)) == 0);
	T(session_key_derivations() == d0 + 1);
	T(strcmp(id1, id2) != 0);
	for (i = 0; i < 3; i++) {
		T(session_verify(key1, sizeof(key1), id2, strlen(id2), NOW, 0,
		    &v) == SESSION_BAD_MAC);
		T(session_verify(key2, sizeof(key2), id2, strlen(id2), NOW, 0,
		    &v) == SESSION_OK);
		T(session_verify(key2, sizeof(key2), id1, strlen(id1), NOW, 0,
		    &v) == SESSION_BAD_MAC);
		T(session_verify(key1, sizeof(key1), id1, strlen(id1), NOW, 0,
		    &v) == SESSION_OK);
	}
	/* The same bytes at another address are the same key. */
	{
		unsigned char copy[sizeof(key1)];

		memcpy(copy, key1, sizeof(copy));
		d0 = session_key_derivations();
		T(session_verify(copy, sizeof(copy), id1, strlen(id1), NOW, 0,
		    &v) == SESSION_OK && session_key_derivations() == d0);
	}
	/* A prefix of the key is another key. */
	T(session_verify(key1, sizeof(key1) - 1, id1, strlen(id1), NOW, 0,
	    &v) == SESSION_BAD_MAC);
}

/* SSE event ids: the format rebuilt here (the mac over the prefix, the
 * session id and the upstream's id, under the HKDF key), opened only by
 * the session and key that sealed them, whatever is altered. */
static void
test_event_ids(void)
{
	const char	*sid = "AgAAAABsession-one", *up = "9923b913_000003";
	unsigned char	 k[32], raw[SESSION_EVENT_MAC + LIMIT_SSE_FIELD + 64];
	unsigned char	 mac[32];
	unsigned int	 ml = 0;
	char		 id[SESSION_EVENT_ID_MAX], want[SESSION_EVENT_ID_MAX + 8];
	char		 got[LIMIT_SSE_FIELD + 1], bad[SESSION_EVENT_ID_MAX];
	char		 longid[LIMIT_SSE_FIELD + 2];
	size_t		 kl = sizeof(k), n, i;

	T(session_event_seal(key1, sizeof(key1), sid, up, id,
	    sizeof(id)) == 0);
	test_key(key1, sizeof(key1), k);
	n = 0;
	memcpy(raw, "\0event\0", 7);
	n = 7;
	memcpy(raw + n, sid, strlen(sid));
	n += strlen(sid);
	raw[n++] = '\0';
	memcpy(raw + n, up, strlen(up));
	n += strlen(up);
	HMAC(EVP_sha256(), k, (int)kl, raw, n, mac, &ml);
	memcpy(raw, mac, SESSION_EVENT_MAC);
	memcpy(raw + SESSION_EVENT_MAC, up, strlen(up));
	test_b64url(raw, SESSION_EVENT_MAC + strlen(up), want);
	T(strcmp(id, want) == 0);

	T(session_event_open(key1, sizeof(key1), sid, id, got,
	    sizeof(got)) == 0 && strcmp(got, up) == 0);
	/* another session, another key, a buffer too small */
	T(session_event_open(key1, sizeof(key1), "AgAAAABsession-two", id, got,
	    sizeof(got)) == -1 && got[0] == '\0');
	T(session_event_open(key2, sizeof(key2), sid, id, got,
	    sizeof(got)) == -1);
	T(session_event_open(key1, sizeof(key1), sid, id, got,
	    strlen(up)) == -1);
	/* any character changed */
	for (i = 0; id[i] != '\0'; i++) {
		memcpy(bad, id, sizeof(bad));
		bad[i] = bad[i] == 'A' ? 'B' : 'A';
		T(session_event_open(key1, sizeof(key1), sid, bad, got,
		    sizeof(got)) == -1);
	}
	/* garbage, empty, too long, only a mac */
	T(session_event_open(key1, sizeof(key1), sid, "", got,
	    sizeof(got)) == -1);
	T(session_event_open(key1, sizeof(key1), sid, "!!not base64!!", got,
	    sizeof(got)) == -1);
	memset(bad, 'A', sizeof(bad) - 1);
	bad[sizeof(bad) - 1] = '\0';
	T(session_event_open(key1, sizeof(key1), sid, bad, got,
	    sizeof(got)) == -1);
	test_b64url(mac, SESSION_EVENT_MAC, want);
	T(session_event_open(key1, sizeof(key1), sid, want, got,
	    sizeof(got)) == -1);
	/* upstream ids that cannot be carried: empty, blank, too long */
	T(session_event_seal(key1, sizeof(key1), sid, "", id, sizeof(id)) ==
	    -1 && id[0] == '\0');
	T(session_event_seal(key1, sizeof(key1), sid, "a b", id,
	    sizeof(id)) == -1);
	memset(longid, 'x', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	T(session_event_seal(key1, sizeof(key1), sid, longid, id,
	    sizeof(id)) == -1);
	longid[LIMIT_SSE_FIELD] = '\0';	/* the longest */
	T(session_event_seal(key1, sizeof(key1), sid, longid, id,
	    sizeof(id)) == 0);
	T(session_event_open(key1, sizeof(key1), sid, id, got,
	    sizeof(got)) == 0 && strcmp(got, longid) == 0);
}

int
main(void)
{
	test_round_trip();
	test_bad_fields();
	test_format();
	test_tamper();
	test_expiry();
	test_binding();
	test_key_once();
	test_speed();
	test_event_ids();
	return t_done();
}
