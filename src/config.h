/*
 * config.h -- the platform's typed configuration (DESIGN section 6).
 *
 * Loaded once at start by config_load() from a "key = value" file (format:
 * lib/conf.h), then every key may be overridden by the environment variable
 * MCP_PLATFORM_<KEY IN UPPER CASE>, which wins over the file. An empty
 * value (in the file or the environment) means "unset": the default
 * applies, or a required key is reported missing. Every key, its default
 * and its meaning: conf/mcp-platform.conf.example and docs/configuration.md.
 *
 * Strict by design: unknown keys, duplicate keys, unknown MCP_PLATFORM_*
 * variables (MCP_PLATFORM_CONF aside) and malformed values are errors.
 * Under plain CGI the environment also holds request headers, but those
 * are all named HTTP_*, so a client cannot set an MCP_PLATFORM_* variable.
 *
 * Secret files (supabase_secret_key_file, supabase_jwt_secret_file,
 * master_key_file, platform_signing_key_file) are read at load with a
 * LIMIT_SECRET_FILE cap and refused when group/world accessible (mode &
 * 077); one trailing newline is stripped. All but the signing key must
 * hold one line; the signing key must be a PEM EC P-256 private key (not
 * encrypted). Their contents live in struct buf fields, are wiped by
 * config_release() and must never be logged.
 *
 * platform_issuer must differ from the Supabase issuer (src/auth/auth.c tells
 * the two token kinds apart by "iss").
 *
 * Errors: config_load() returns 0, or -1 with one line in err (no prefix,
 * no newline) naming the place: "<file>:<line>: ...", "<file>: ..." or
 * "environment MCP_PLATFORM_X: ...". Values of secrets never appear in it.
 *
 * Ownership: every pointer in struct config is owned by it; config_release()
 * frees everything and leaves an initialised (empty) struct. Handlers get a
 * const struct config * and may keep borrowed pointers for one request.
 */
#ifndef MCP_CONFIG_H
#define MCP_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "log.h"
#include "netguard.h"
#include "sandbox.h"

#define CONFIG_ENV_PREFIX	"MCP_PLATFORM_"
#define CONFIG_ENV_PATH		"MCP_PLATFORM_CONF"
#define CONFIG_DEFAULT_PATH	"/etc/mcp-platform/mcp-platform.conf"

/* Who may sign up through /api/v1/auth/signup (docs/user-management.md). */
enum signup_policy {
	SIGNUP_OPEN,		/* anyone; a session at once */
	SIGNUP_CONFIRM,		/* anyone; Supabase's email confirmation */
	SIGNUP_INVITE		/* only an email with an open invitation */
};

struct config {
	char		*path;		/* the file that was loaded */

	char		*supabase_url;	/* http(s)://host[:port][/path], no
					   trailing slash, no query */
	char		*supabase_publishable_key;	/* NULL when unset */
	char		*supabase_secret_key_file;
	struct buf	 supabase_secret_key;	/* sb_secret_... or a legacy
						   service_role JWT */
	char		*supabase_jwt_secret_file;	/* NULL when unset */
	struct buf	 supabase_jwt_secret;	/* empty when unset */
	char		*master_key_file;		/* NULL when unset */
	struct buf	 master_key;		/* empty when unset */
	char		*public_base_url;	/* NULL when unset; no trailing
						   slash */
	char		*supabase_jwt_issuer;	/* NULL: <supabase_url>/auth/v1
						   (config_supabase_issuer) */
	char		*platform_signing_key_file;	/* NULL when unset */
	struct buf	 platform_signing_key;	/* PEM EC P-256 private key;
						   empty when unset */
	char		*platform_issuer;	/* "iss" of platform tokens */

	char		*data_dir;
	char		*log_dir;
	char		*spool_dir;

	/* stdio upstreams (src/mcp/upstream_stdio.h) */
	char		*stdio_user;	/* NULL: children run as the worker;
					   a root worker then cannot spawn */
	uid_t		 stdio_uid;	/* from stdio_user; (uid_t)-1 unset */
	gid_t		 stdio_gid;
	char		*stdio_path;	/* children's PATH, argv[0] lookup */
	char		*stdio_sandbox;	/* "off" | "best" | "require" */
	enum sandbox_mode stdio_sandbox_mode; /* from stdio_sandbox */
	char		*stdio_read_paths; /* extra read-only paths, ':' */
	uint64_t	 stdio_pool_max;	/* warm children per worker */
	uint64_t	 stdio_idle;	/* seconds before an idle child ends */
	uint64_t	 stdio_max_age;	/* seconds a child lives, at most */
	uint64_t	 stdio_max_calls; /* calls a child serves (0: no cap) */
	uint64_t	 stdio_init_ms;	/* spawn + initialize, at most */
	uint64_t	 session_max_age;	/* seconds an Mcp-Session-Id lives */
	uint64_t	 upstream_timeout_ms;	/* default per-server timeout_ms */
	uint64_t	 upstream_max_response;	/* default per-server max_response */
	uint64_t	 log_body_max;	/* request-log body bytes kept */
	uint64_t	 log_ship_bytes;	/* spool size that triggers a
						   shipment to Supabase */
	uint64_t	 log_ship_interval;	/* seconds between shipments */
	uint64_t	 log_retention_months;	/* 0: keep every partition */

	/* /metrics (src/api/api_metrics.h) */
	uint64_t	 metrics_loopback;	/* 1: loopback clients may scrape */
	char		*metrics_token_file;	/* NULL when unset */
	struct buf	 metrics_token;	/* bearer token; empty when unset */

	/* limits (src/ops/limits.h): defaults, 0 = no limit */
	uint64_t	 limit_interval;	/* seconds a rate is counted over */
	uint64_t	 limit_tenant_rate, limit_tenant_burst,
			 limit_tenant_concurrent;
	uint64_t	 limit_caller_rate, limit_caller_burst,
			 limit_caller_concurrent;
	uint64_t	 limit_tool_rate, limit_tool_burst,
			 limit_tool_concurrent;
	/* across nodes and per month (ops/limits_sync.h) */
	uint64_t	 limit_sync_interval;	/* seconds; 0: no sync */
	uint64_t	 limit_quota_monthly;	/* tools/call per tenant per
						   month; 0: none */
	/* 0: the limiter / the request metrics off the hot path (for
	 * benchmarks: bench/matrix.sh measures their cost) */
	uint64_t	 limits_enabled, metrics_enabled;
	/* fair share (docs/configuration.md "Fair share") */
	uint64_t	 node_workers;		/* the node's MCP workers */
	uint64_t	 limit_tenant_share;	/* % of them one tenant may
						   hold; 0 or 100: off */
	uint64_t	 stdio_tenant_warm_max;	/* warm children of one
						   tenant on the node; 0: no
						   cap */

	uint64_t	 max_body;	/* bytes, <= LIMIT_BODY_CEILING */
	uint64_t	 config_ttl;	/* seconds, <= LIMIT_CONFIG_TTL_MAX */
	/* A tenant's own remote MCP servers (api_servers.c, netguard.h). */
	char		*allow_tenant_http_servers_text; /* as given */
	int		 allow_tenant_http_servers;	/* 0 (default) or 1 */
	char		*tenant_http_allow;	/* the allow-list text, or NULL */
	/* Supabase Auth user ids (comma-separated UUIDs) allowed to set
	 * tenants' and tenant servers' limits (api_limits.c), or NULL. */
	char		*operator_users;
	struct netguard	 tenant_http_guard;	/* parsed from it */
	char		**allowed_origins;	/* n_allowed_origins entries */
	size_t		 n_allowed_origins;
	enum log_level	 log_level;
	char		*signup_policy;	/* "open" | "confirm" | "invite" */
	enum signup_policy signup;	/* from signup_policy */
};

void	 config_init(struct config *);
int	 config_load(struct config *, const char *path,
	    const char *const *envp, char *err, size_t errlen);
void	 config_release(struct config *);
/* 1 when sub (a user id) is one of operator_users, else 0. */
int	 config_is_operator(const struct config *, const char *sub);

/* 1 when the secret key is a legacy JWT (it does not start with "sb_"):
 * such a key goes in both "apikey" and "Authorization: Bearer". */
int	 config_secret_key_is_jwt(const struct config *);

/*
 * The "iss" of Supabase user tokens, appended to out: supabase_jwt_issuer
 * when set, else supabase_url + "/auth/v1" (supabase-contract.md 2).
 * 0 or -1 (buf.h).
 */
int	 config_supabase_issuer(const struct config *, struct buf *out);

/*
 * 1 when (origin, len) is listed in allowed_origins or is the origin
 * (scheme://host[:port]) of public_base_url; ASCII case-insensitive.
 * Never compared with the request's Host header: under DNS rebinding the
 * attacker controls both Origin and Host (MCP 2025-11-25 transports).
 */
int	 config_origin_allowed(const struct config *, const char *origin,
	    size_t len);

#endif /* MCP_CONFIG_H */
