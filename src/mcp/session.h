/*
 * session.h -- the stateless, signed Mcp-Session-Id (DESIGN section 3,
 * "Sessions are stateless"; MCP 2025-11-25 transports, "Session
 * Management").
 *
 * The id the platform hands a legacy-era client on its InitializeResult is
 * not a key into any table: it carries its own state and a MAC, so any
 * worker on any node can check it with the master key alone.
 *
 *     id = base64url(payload || HMAC-SHA256(K, payload))     (no padding)
 *     K  = HKDF-SHA256(ikm = master key, salt = none,
 *                      info = "mcp-session v1"), 32 bytes
 *     payload (v2) = version(1) = 0x02
 *                    issued_at(8, big-endian Unix seconds)
 *                    nonce(16, random per initialize)
 *                    client_caps(1): the client's declared sampling,
 *                      elicitation, roots (MCP_CAP_* of protocol.h)
 *                    caller_kind(1)
 *                    len(1) protocol_version
 *                    len(1) tenant
 *                    len(1) server
 *                    len(1) caller_id
 *                    len(2, big-endian) upstream session id
 *
 * The id is therefore visible ASCII ([A-Za-z0-9_-], within 0x21-0x7E as
 * the spec requires) and at most LIMIT_SESSION_ID bytes. It is SIGNED,
 * NOT ENCRYPTED: whoever holds it can read the tenant id, server alias,
 * caller id, upstream session id and version. The holder is the caller
 * the id is bound to, who knows all of that but the upstream's session id
 * (which is not a credential: the spec forbids using sessions for auth).
 * See docs/internals/session.md.
 *
 * Field rules (checked by session_sign and again by session_verify):
 * tenant, server, caller_id, protocol_version are non-empty visible ASCII
 * within their arrays; upstream is visible ASCII, possibly empty;
 * caller_kind is a known kind. Callers fill the struct with
 * session_init(), then the fields (snprintf into the arrays) and the nonce
 * (session_nonce(): 0, or -1 when the random source fails).
 *
 * Keys: every function takes the RAW master key bytes (config's
 * master_key) and derives K itself, once per process per master key: K
 * is kept (with the SHA-256 of the master key it belongs to, so another
 * key is derived afresh) for the life of the process, like the master
 * key itself in the configuration. A key shorter than SESSION_KEY_MIN
 * bytes is refused.
 *
 * Returns:
 *  - session_sign(): 0, or -1 (a field breaks the rules, out too small,
 *    key too short, crypto failure); out is then "".
 *  - session_verify(): SESSION_OK (0) and *out filled, or
 *    SESSION_MALFORMED (not base64url, wrong size, unknown version, a
 *    field breaking the rules), SESSION_BAD_MAC (any byte changed, or
 *    another key), SESSION_EXPIRED (issued more than max_age_s ago, or more
 *    than LIMIT_SESSION_SKEW seconds in the future), SESSION_ERROR (crypto
 *    failure, short key); *out is zeroed on failure. The MAC is checked,
 *    in constant time (CRYPTO_memcmp), before any field is looked at.
 *    max_age_s 0 means LIMIT_SESSION_MAX_AGE_DEFAULT.
 *  - session_matches(): 1 when the session belongs to this tenant, server
 *    and caller, else 0. Every failure of verify or match is the same to
 *    the client: 404 (MCP: an unknown session id), which makes it
 *    re-initialize.
 */
#ifndef MCP_SESSION_H
#define MCP_SESSION_H

#include <stddef.h>
#include <time.h>

#include "lib_limits.h"
#include "product_limits.h"

#define SESSION_VERSION		2	/* 2 added the nonce; 1 is refused */
#define SESSION_NONCE_LEN	16
#define SESSION_KEY_MIN		16	/* raw master key bytes, at least */

enum session_caller_kind {
	SESSION_CALLER_NONE,
	SESSION_CALLER_USER,		/* a Supabase Auth user */
	SESSION_CALLER_API_KEY,		/* a platform token from an API key */
	SESSION_CALLER__MAX
};

enum session_status {
	SESSION_OK,
	SESSION_MALFORMED,
	SESSION_BAD_MAC,
	SESSION_EXPIRED,
	SESSION_ERROR,
	SESSION__MAX
};

struct session {
	char			 tenant[LIMIT_SESSION_FIELD + 1];	/* id */
	char			 server[LIMIT_SLUG + 1];		/* alias */
	enum session_caller_kind caller_kind;
	char			 caller_id[LIMIT_SESSION_FIELD + 1];
	char			 upstream[LIMIT_UPSTREAM_SESSION + 1];	/* or "" */
	char			 protocol_version[LIMIT_PROTOCOL_VERSION + 1];
	time_t			 issued_at;
	/* Random per initialize (session_nonce()): two sessions of the same
	 * caller opened in the same second are two ids, so ending one (DELETE,
	 * public.ended_sessions) never ends the other. */
	unsigned char		 nonce[SESSION_NONCE_LEN];
	/* What the client declared at initialize (MCP_CAP_* bits): a
	 * server->client request it did not declare is never relayed. */
	unsigned char		 client_caps;
};

void	 session_init(struct session *);
void	 session_release(struct session *);
int	 session_nonce(struct session *);

int	 session_sign(const void *key, size_t keylen, const struct session *,
	    char *out, size_t outlen);
enum session_status session_verify(const void *key, size_t keylen,
	    const char *id, size_t len, time_t now, unsigned max_age_s,
	    struct session *out);
int	 session_matches(const struct session *, const char *tenant,
	    const char *server, enum session_caller_kind,
	    const char *caller_id);

/* How many times K was derived in this process (tests, metrics). */
unsigned long session_key_derivations(void);

/* "malformed session id", ... (for the operator's log, not the client). */
const char *session_strerror(enum session_status);

/*
 * Ended sessions (a DELETE) are not this module's: they live in Supabase,
 * shared by every node (src/store/ended.h).
 *
 * A legacy session's log level (logging/setLevel), for a modern upstream
 * that has no session to keep it in (bridge_modern.h): kept by the id's
 * SHA-256 in the node's shared segment (ops/node.h) until expires, seen
 * by every worker of this node; another node does not know it (its calls
 * go without a level: the upstream sends no log messages), nor does this
 * node once LIMIT_NODE_SESSIONS later levels have pushed it out.
 * session_level_get(): the level's rank (mcp/protocol.h), or -1.
 */
void	 session_level_set(const char *id, int level, time_t expires);
int	 session_level_get(const char *id, time_t now);

/*
 * SSE event ids for a legacy session's streams (MCP 2025-11-25
 * "Resumability and Redelivery"): the platform keeps no events, so the id
 * it gives the client carries the UPSTREAM's event id, sealed to the
 * session:
 *
 *     event id = base64url(mac16 || upstream event id)     (no padding)
 *     mac16    = the first 16 bytes of HMAC-SHA256(K, "\0event\0" ||
 *                session id || "\0" || upstream event id)
 *
 * with K the session key (above; the prefix keeps the two kinds of MAC
 * apart). A client reconnecting with Last-Event-ID gets the upstream's
 * stream resumed from there (mcp.c); an id of another session, or
 * altered, does not open. Signed, not encrypted: the upstream's id is
 * readable. The upstream id is visible ASCII, at most LIMIT_SSE_FIELD.
 *  - session_event_seal(): 0 and out (at least SESSION_EVENT_ID_MAX
 *    bytes), or -1.
 *  - session_event_open(): 0 and the upstream id in up (at least
 *    LIMIT_SSE_FIELD + 1 bytes), or -1.
 */
#define SESSION_EVENT_MAC	16
#define SESSION_EVENT_ID_MAX	(4 * ((SESSION_EVENT_MAC + LIMIT_SSE_FIELD + \
				    2) / 3) + 1)
int	 session_event_seal(const void *key, size_t keylen,
	    const char *session_id, const char *upstream_id, char *out,
	    size_t outlen);
int	 session_event_open(const void *key, size_t keylen,
	    const char *session_id, const char *event_id, char *up,
	    size_t uplen);

#endif /* MCP_SESSION_H */
