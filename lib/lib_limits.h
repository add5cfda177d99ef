/*
 * lib_limits.h -- the limits of the building blocks in lib/, and nothing
 * of the product: those are in src/product_limits.h, which includes this.
 *
 * (Not named limits.h: the Makefile's -Ilib is searched for <...>
 * includes too, and a lib/limits.h would stand in for the C library's.)
 */
#ifndef LIB_LIMITS_H
#define LIB_LIMITS_H

/* lib/conf: the key = value parser. */
#define LIMIT_CONF_LINE		4096
#define LIMIT_CONF_ERR		512		/* one config error message */

/* lib/shm: the shared segment. */
#define LIMIT_SHM_PATH		4096		/* the segment file's path */
#define LIMIT_SHM_ATTACH_TRIES	8		/* files renamed under us */

/* lib/httpc: outbound HTTP. */
#define LIMIT_HTTPC_RESPONSE	(8 * 1024 * 1024)
#define LIMIT_HTTPC_TIMEOUT_MS	10000
#define LIMIT_HTTPC_CONNECT_MS	2000
#define LIMIT_HTTPC_HEADERS	(64 * 1024)	/* response header block */
#define LIMIT_HTTPC_ERR		256		/* httpc error strings */
#define LIMIT_HTTPC_DEPTH	2	/* requests in flight at once: one
					   more from inside a callback */

/* lib/jwtx (JWS/JWT) and lib/jwks. */
#define LIMIT_JWT_LEN		8192		/* a compact JWS we look at */
#define LIMIT_JWT_DEPTH		16		/* JSON nesting of header/claims */
#define LIMIT_JWT_LEEWAY	30		/* clock skew for exp/nbf/iat (s);
						   PostgREST's, DESIGN allows <= 60 */
#define LIMIT_JWT_KID		128		/* "kid" header bytes */
#define LIMIT_JWT_HMAC_MIN	32		/* HS256 secret bytes (RFC 7518 3.2) */
#define LIMIT_RSA_BITS_MIN	2048		/* RS256 modulus (RFC 7518 3.3) */
#define LIMIT_RSA_BITS_MAX	8192		/* bigger costs too much to check */
#define LIMIT_JWKS_DOC		(64 * 1024)	/* a fetched JWKS document */
#define LIMIT_JWKS_KEYS		16		/* usable keys kept from one JWKS */
#define LIMIT_JWKS_TTL		600		/* cache life without max-age (s) */
#define LIMIT_JWKS_TTL_MAX	3600		/* max-age is clamped to this */
#define LIMIT_JWKS_REFETCH	60		/* unknown kid: one re-fetch per
						   this many seconds (also the
						   smallest TTL) */
#define LIMIT_JWKS_RETRY	5		/* after a failed fetch (s) */
#define LIMIT_JWKS_STALE	3600		/* keys kept past their TTL while
						   the JWKS cannot be fetched (s) */
#define LIMIT_JWKS_TIMEOUT_MS	3000

/* lib/log: operator log lines. */
#define LIMIT_LOG_LINE		4096

/* lib/sse: text/event-stream. LIMIT_SSE_EVENT is the size of the largest
 * body the platform builds in memory (src/product_limits.h's
 * LIMIT_RESPONSE_BODY is defined as this). */
#define LIMIT_SSE_EVENT		(16 * 1024 * 1024) /* one event's data */
#define LIMIT_SSE_FIELD		256		/* an event's type or id */
#define LIMIT_SSE_RETRY_MAX_MS	86400000	/* "retry:" values clamped */

/* lib/proc: child processes. */
#define LIMIT_PROC_PATH		4096	/* executable / working directory */
#define LIMIT_PROC_GROUPS	256	/* supplementary groups inspected */

/* lib/sandbox.c */
#define LIMIT_SANDBOX_PATHS	128	/* paths in one sandbox policy */
#define LIMIT_SANDBOX_PORTS	32	/* TCP ports a child may connect to */
#define LIMIT_SANDBOX_BPF	256	/* seccomp filter instructions */

/* lib/netguard: the outbound address guard. */
#define LIMIT_NETGUARD_ALLOW	64		/* allow-list entries */
#define LIMIT_NETGUARD_ADDRS	32		/* addresses of one host checked */

#endif /* LIB_LIMITS_H */
