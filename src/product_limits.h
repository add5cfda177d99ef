/*
 * product_limits.h -- every limit of the platform and its tools, in one
 * place; the limits of lib/'s building blocks are in lib/lib_limits.h,
 * included here.
 *
 * Where operators need to change a limit it is also a configuration key
 * (conf/mcp-platform.conf.example); the constant here is then the default
 * and, where it says so, the hard ceiling the configuration cannot exceed.
 */
#ifndef PRODUCT_LIMITS_H
#define PRODUCT_LIMITS_H

#include "lib_limits.h"

/* Request bounding (DESIGN section 3.1). */
#define LIMIT_BODY_DEFAULT	(1024 * 1024)		/* max_body default */
#define LIMIT_BODY_CEILING	(64 * 1024 * 1024)	/* max_body may not exceed */
#define LIMIT_HEADER_VALUE	8192		/* one CGI header variable */
#define LIMIT_PATH		1024		/* REQUEST_URI / PATH_INFO */
#define LIMIT_QUERY		4096		/* QUERY_STRING */
#define LIMIT_SLUG		63		/* tenant / server slugs */
#define LIMIT_REQUEST_ID	64		/* X-Request-Id we accept or make */
#define LIMIT_METHOD		16		/* REQUEST_METHOD */
#define LIMIT_HEADERS_TOTAL	(64 * 1024)	/* all HTTP_* values together */
#define LIMIT_ROUTE_PARAMS	4		/* {name} segments in one route */
#define LIMIT_RESPONSE_HEADERS	8192		/* extra response header bytes */
#define LIMIT_RESPONSE_BODY	LIMIT_SSE_EVENT	/* a JSON body or SSE event
						   built in memory (16 MiB) */

/* JSON. */
#define LIMIT_JSON_DEPTH	64		/* nesting we accept */

/* Configuration. */
#define LIMIT_CONF_FILE		(64 * 1024)
#define LIMIT_SECRET_FILE	8192
#define LIMIT_URL		2048		/* URLs in the configuration */
#define LIMIT_ORIGINS		32		/* allowed_origins entries */
#define LIMIT_CONFIG_TTL_DEFAULT 30		/* config_ttl default (s) */
#define LIMIT_CONFIG_TTL_MAX	3600		/* config_ttl may not exceed */

/* /readyz's probe of Supabase. */
#define LIMIT_READYZ_TIMEOUT_MS	2000
#define LIMIT_READYZ_RESPONSE	(64 * 1024)	/* /readyz probe's answer */

/* Tokens: src/auth (DESIGN section 3.2). */
#define LIMIT_JWT_ROLE		64		/* "role" claim bytes */
#define LIMIT_JWT_SCOPES	1024		/* "scope" claim bytes */
#define LIMIT_OAUTH_CLIENT_ID	2048		/* "client_id" claim bytes: a
						   uuid, or a client ID
						   metadata document URL */
#define LIMIT_PLATFORM_TOKEN_TTL 900		/* auth_mint default (s) */
#define LIMIT_PLATFORM_TOKEN_TTL_MAX 3600	/* auth_mint ceiling (s) */
#define LIMIT_AUTH_CACHE	64		/* verified tokens cached per
						   worker (src/auth/auth.c) */
#define LIMIT_AUTH_CACHE_TTL	60		/* a verification is reused for
						   at most this long (s), and
						   never from exp + leeway on */

/* Target resolution cache (src/resolve, DESIGN section 3.3). */
#define LIMIT_RESOLVE_CACHE	256		/* entries per worker */
#define LIMIT_RESOLVE_RESPONSE	(1024 * 1024)	/* resolve_mcp_target answer */

/* --- API keys (src/store/apikey.c, src/api/api_keys.c; issue 10).
 * Appended as one block. --- */
#define LIMIT_APIKEY_CACHE	256		/* looked-up keys per worker */
#define LIMIT_APIKEY_RESPONSE	(64 * 1024)	/* api_key_lookup answer */
#define LIMIT_APIKEY_SERVERS	64		/* aliases one key may reach */
#define LIMIT_APIKEY_SERVERS_TEXT (LIMIT_APIKEY_SERVERS * (LIMIT_SLUG + 1))
#define LIMIT_APIKEY_NAME	200		/* api_keys.name characters */
#define LIMIT_APIKEY_TOUCH_S	60		/* last_used_at written at most
						   once per this many s */
#define LIMIT_APIKEY_TOUCH_BATCH 64		/* keys per api_key_touch call */
#define LIMIT_APIKEY_TIMEOUT_MS	5000		/* one lookup round trip */

/* --- Sessions and http upstreams (src/mcp/session.c,
 * src/mcp/upstream_http.c). Appended as one block. --- */
#define LIMIT_SESSION_ID	1024		/* Mcp-Session-Id we issue */
#define LIMIT_SESSION_FIELD	64		/* tenant / caller id in it */
#define LIMIT_UPSTREAM_SESSION	256		/* an upstream's session id */
#define LIMIT_PROTOCOL_VERSION	32		/* "2025-11-25" and the like */
#define LIMIT_SESSION_MAX_AGE_DEFAULT 86400	/* session_max_age default (s) */
#define LIMIT_SESSION_MAX_AGE_MAX (30 * 86400)	/* session_max_age ceiling */
#define LIMIT_SESSION_PRUNE_S	3600		/* expired ended-session rows
						   deleted, per worker */
#define LIMIT_SESSION_SKEW	60		/* issue time ahead of now (s):
						   clocks of other nodes */
#define LIMIT_UPSTREAM_TIMEOUT_MS_DEFAULT 60000	/* upstream_timeout_ms default
						   (the TS SDK's own) */
#define LIMIT_UPSTREAM_TIMEOUT_MS_MAX 600000	/* upstream_timeout_ms ceiling */
/* Ended sessions shared through Supabase (src/store/ended.c). */
#define LIMIT_ENDED_CACHE	16384		/* ids a worker holds; past it
						   each unknown id is asked */
#define LIMIT_ENDED_PAGE	1000		/* rows per sync request */
#define LIMIT_ENDED_PAGES	16		/* requests per sync */
#define LIMIT_ENDED_OVERLAP_MS	10000		/* re-read window: a row
						   committed late by its
						   writer is still seen */
#define LIMIT_ENDED_RETRY_S	5		/* after a failed sync */
#define LIMIT_ENDED_RESPONSE	(512 * 1024)	/* one sync page */
/* upstream_max_response default; its ceiling is LIMIT_RESPONSE_BODY. */
#define LIMIT_UPSTREAM_RESPONSE_DEFAULT (8 * 1024 * 1024)
#define LIMIT_UPSTREAM_HEADERS	16		/* injected headers per call */
#define LIMIT_MCP_PARAM_HEADERS	16		/* Mcp-Param-* headers a modern
						   request may carry (forwarded) */
#define LIMIT_MCP_PARAM_NAME	64		/* "Mcp-Param-<name>" */
#define LIMIT_UPSTREAM_HEADER_BYTES 16384	/* all of them, names+values */
#define LIMIT_UPSTREAM_LINGER_MS 250		/* wait for an SSE stream to
						   end after the last answer */
#define LIMIT_UPSTREAM_RESUMES	8		/* SSE reconnections (GET with
						   Last-Event-ID) per call */
#define LIMIT_UPSTREAM_RETRY_MS	5000		/* longest wait before one */
#define LIMIT_RESUME_CONFLICT_TRIES 3		/* a resumed stream the upstream
						   still holds (409): asked again
						   after a beat, so many times */
#define LIMIT_SSE_RETRY_MS	1000		/* "retry:" the platform primes
						   its resumable streams with
						   when the upstream gave none */
#define LIMIT_UPSTREAM_ERR	256		/* upstream_http error texts */

/* ---- stdio upstream: src/mcp/upstream_stdio.c --------------------------
 * (block added with the stdio upstream; the *_DEFAULT values are the
 * defaults of the stdio_* configuration keys, see upstream_stdio.h.) */
#define LIMIT_STDIO_DEADLINE_MS	30000	/* one call, cold start included */
#define LIMIT_STDIO_DEADLINE_MS_MAX 600000 /* stdio_deadline_ms ceiling */
#define LIMIT_STDIO_LINE	(4 * 1024 * 1024) /* one message from a child */
#define LIMIT_STDIO_OUTPUT	(16 * 1024 * 1024) /* stdout bytes per call */
#define LIMIT_STDIO_NOTIFICATIONS 10000	/* server messages in one call */
#define LIMIT_STDIO_CPU_S	300	/* RLIMIT_CPU, child lifetime (s) */
#define LIMIT_STDIO_DATA	(2ULL * 1024 * 1024 * 1024) /* RLIMIT_DATA:
					   writable private memory. Not
					   RLIMIT_AS: V8 reserves ~10 GiB of
					   address space for each WebAssembly
					   memory (undici's HTTP parser), so
					   any address-space cap kills Node
					   servers that use fetch */
#define LIMIT_STDIO_NOFILE	1024	/* RLIMIT_NOFILE */
#define LIMIT_STDIO_NPROC	512	/* RLIMIT_NPROC (per uid, threads
					   count: Node runs ~11) */
#define LIMIT_STDIO_FSIZE	(64ULL * 1024 * 1024) /* RLIMIT_FSIZE default
					   (limits.max_file_bytes): the
					   largest file a child may write --
					   one file, not the sum */
#define LIMIT_STDIO_FSIZE_MAX	(16ULL * 1024 * 1024 * 1024) /* its
					   ceiling */
#define LIMIT_STDIO_DISK_QUOTA	(256ULL * 1024 * 1024) /* default of
					   limits.disk_quota_bytes: a child is
					   not started while its directory
					   holds more (checked at spawn only) */
#define LIMIT_STDIO_DISK_QUOTA_MAX (1024ULL * 1024 * 1024 * 1024) /* its
					   ceiling */
#define LIMIT_STDIO_QUOTA_ENTRIES 100000 /* entries the quota walk visits
					   before it refuses (inodes) */
#define LIMIT_STDIO_QUOTA_DEPTH	64	/* directory levels it descends */
#define LIMIT_STDIO_POOL	8	/* warm children per worker */
#define LIMIT_STDIO_POOL_MAX	64	/* stdio_pool_max ceiling */
#define LIMIT_STDIO_IDLE_S	300	/* idle warm child expiry (s) */
#define LIMIT_STDIO_MAX_AGE_S	3600	/* a warm child is recycled after */
#define LIMIT_STDIO_LIFETIME_MAX 86400	/* stdio_max_age ceiling (s) */
#define LIMIT_STDIO_CALLS	100000	/* calls a child serves, then it is
					   recycled (stdio_max_calls); a
					   respawn costs a Node server ~0.3 s
					   of CPU and a cold JIT, so rarely
					   (1000 cost 40 % of throughput) */
#define LIMIT_STDIO_CALLS_MAX	1000000	/* stdio_max_calls ceiling */
#define LIMIT_STDIO_INIT_MS	10000	/* initialize: spawn to InitializeResult
					   (stdio_init_ms) */
/* While a call waits on its upstream, the client is sent an SSE comment
 * this often: a web server that does not watch an idle client (lighttpd
 * 1.4, mod_fcgid) learns it is gone from the failed write and drops the
 * worker's connection (src/http/gone.h). */
#define LIMIT_GONE_BEAT_MS	1000
#define LIMIT_WORKER_TICK_MS	1000	/* an idle worker wakes at least this
					   often: idle children, web server gone */
#define LIMIT_STDIO_GRACE_MS	200	/* close stdin .. SIGTERM .. SIGKILL */
#define LIMIT_STDIO_EXIT_WAIT_MS 50	/* after EOF, for an exit status */
#define LIMIT_STDIO_ARGV	64	/* argv entries from the catalog */
#define LIMIT_STDIO_ENV_VARS	128	/* extra KEY=VALUE entries */
#define LIMIT_STDIO_ARGS_BYTES	(128 * 1024) /* argv + env bytes together */
#define LIMIT_STDIO_ENV_NAME	128	/* one variable name */
#define LIMIT_STDIO_KEY		512	/* pool key */
#define LIMIT_STDIO_PROTO_VERSION 32	/* a protocolVersion string */
#define LIMIT_STDIO_STDERR_LINE	512	/* child stderr logged per line */
#define LIMIT_STDIO_STDERR_LINES 64	/* child stderr lines logged per call */
#define LIMIT_STDIO_READ_CHUNK	65536	/* one read() from a child */
#define LIMIT_STDIO_ERR		256	/* error detail for the caller/log */
/* ---- end of the stdio upstream block ------------------------------- */

/* ---- request log: src/log/reqlog.c (DESIGN section 7) -------------------
 * (block added with the request log; LIMIT_REQLOG_BODY_DEFAULT is the
 * default of the log_body_max configuration key, _CEILING its ceiling.) */
#define LIMIT_REQLOG_BODY_DEFAULT (16 * 1024)	/* log_body_max default */
#define LIMIT_REQLOG_BODY_CEILING (64 * 1024)	/* log_body_max ceiling */
#define LIMIT_REQLOG_LINE	(256 * 1024)	/* one requests.jsonl line, '\n'
						   included: bodies are cut
						   further to fit, never the
						   record dropped */
#define LIMIT_REQLOG_FIELD	512		/* any other string field
						   (user agent, tool, id...) */
#define LIMIT_REQLOG_SECRETS	256		/* secret values redacted */
#define LIMIT_REQLOG_ERR_EVERY_S 60		/* sink errors logged at most
						   once per this many seconds */
#define LIMIT_REQLOG_REOPEN_TRIES 3		/* the file moved under us */
/* Sink 2, the spool and its shipment: src/log/logship.c. */
#define LIMIT_LOGSHIP_BYTES_DEFAULT (256 * 1024) /* log_ship_bytes default */
#define LIMIT_LOGSHIP_BYTES_MAX	(64 * 1024 * 1024) /* and its ceiling */
#define LIMIT_LOGSHIP_INTERVAL_DEFAULT 5	/* log_ship_interval default (s) */
#define LIMIT_LOGSHIP_INTERVAL_MAX 3600		/* and its ceiling */
#define LIMIT_LOG_RETENTION_MAX	1200		/* log_retention_months ceiling */
#define LIMIT_LOGSHIP_ROWS	1000		/* rows in one POST */
#define LIMIT_LOGSHIP_BATCH	(2 * 1024 * 1024) /* bytes of rows in one POST */
#define LIMIT_LOGSHIP_READ	65536		/* one read() of a segment */
#define LIMIT_LOGSHIP_ROW_CUT	1024		/* bodies of a row too large to
						   ship are cut to this */
#define LIMIT_LOGSHIP_TIMEOUT_MS 10000		/* one POST to Supabase */
#define LIMIT_LOGSHIP_ANSWER	65536		/* Supabase's answer kept */
#define LIMIT_LOGSHIP_BACKOFF_MAX_S 300		/* longest wait after failures */
#define LIMIT_LOGSHIP_TICK_ROWS	20000		/* rows a worker ships per turn;
						   mcpctl logs flush: no cap */
#define LIMIT_LOGSHIP_MAINTAIN_S 86400		/* partitions maintained at most
						   this often by workers */
#define LIMIT_LOGSHIP_MAINTAIN_RETRY_S 300	/* after a failed maintenance */
#define LIMIT_LOGSHIP_MONTHS_AHEAD 3		/* partitions made in advance */
/* ---- end of the request log block ---------------------------------- */

/* ---- log query API: src/api/api_logs.c (DESIGN section 5) --------------
 * GET /api/v1/tenants/{t}/logs and /usage. LIMIT_LOGS_PAGE_MAX and
 * LIMIT_LOGS_PAGE_BODY_BYTES are also written in
 * sql/migrations/0004_log_api.sql (tenant_logs' clamp and body budget);
 * the usage ranges too (tenant_usage): change both together. */
#define LIMIT_LOGS_PAGE_DEFAULT	100		/* limit= when absent */
#define LIMIT_LOGS_PAGE_MAX	1000		/* limit= ceiling (and PostgREST's
						   default max-rows) */
#define LIMIT_LOGS_PAGE_BODY_BYTES (2 * 1024 * 1024) /* request+response
						   bodies in one page: a page
						   stops once it holds this */
#define LIMIT_LOGS_PARAM	512		/* one raw query value */
#define LIMIT_LOGS_NAME		128		/* method= and tool= values */
#define LIMIT_LOGS_CURSOR	512		/* cursor= (base64url) */
#define LIMIT_LOGS_CURSOR_ID	256		/* request id inside a cursor */
#define LIMIT_LOGS_TIME		64		/* an RFC 3339 timestamp */
#define LIMIT_LOGS_RESPONSE	(12 * 1024 * 1024) /* Supabase's answer */
#define LIMIT_LOGS_TIMEOUT_MS	10000		/* one Supabase call */
#define LIMIT_USAGE_DEFAULT_S	86400		/* usage range when no since */
#define LIMIT_USAGE_HOUR_RANGE_S (93 * 86400)	/* bucket=hour: widest range */
#define LIMIT_USAGE_DAY_RANGE_S	(366 * 86400)	/* bucket=day: widest range */
#define LIMIT_USAGE_ROWS	1000		/* rows one answer may hold
						   (PostgREST max-rows) */
/* ---- end of the log query API block -------------------------------- */

/* ---- mcpctl logs tail: src/mcpctl/tail.c ------------------------------ */
#define LIMIT_TAIL_LINES_DEFAULT 10		/* -n default */
#define LIMIT_TAIL_LINES_MAX	1000000		/* -n ceiling; the ring keeps at
						   most this many lines, each
						   under LIMIT_REQLOG_LINE */
#define LIMIT_TAIL_CHUNK	(64 * 1024)	/* one read(2) of the log */
#define LIMIT_TAIL_POLL_MS	200		/* --follow looks at the file
						   this often */
#define LIMIT_TAIL_PATH		4096		/* <log_dir>/requests.jsonl */
/* ---- end of the mcpctl logs tail block ------------------------------ */

/* ---- src/store/supa.c -------------------------------------------------- */
/* One RPC's JSON arguments: the tool pins recorded for a whole tools/list
 * (their definitions), the limiter keys of a sync. It was 1 KiB once,
 * which silently failed both for any real server. */
#define LIMIT_SUPA_RPC_ARGS	LIMIT_RESPONSE_BODY

/* ---- /api/v1 shared: src/api/api.c ------------------------------------ */
#define LIMIT_API_BODY		(256 * 1024)	/* one /api/v1 JSON body */
#define LIMIT_API_STRING	1024		/* a string field's default max */
#define LIMIT_API_ITEMS		256		/* object members / array items */
#define LIMIT_API_TIMEOUT_MS	10000		/* one Supabase call */
#define LIMIT_API_RESPONSE	(4 * 1024 * 1024) /* Supabase's answer */
/* ---- end of the /api/v1 shared block ----------------------------------- */
/* ---- the node's shared segment: src/ops/ (metrics, limits) ---------- */
#define LIMIT_NODE_WORKERS	256		/* worker entries (pids) */
#define LIMIT_NODE_WORKERS_DEFAULT 4		/* node_workers: the shipped
						   max-procs and FcgidMax-
						   ProcessesPerClass */
#define LIMIT_TENANT_SHARE_DEFAULT 75		/* limit_tenant_share, % */
#define LIMIT_NODE_WARM_TENANTS	16		/* tenants whose warm children
						   a worker's entry counts
						   (ops/warm.h) */
#define LIMIT_METRICS_SERIES	500		/* request series (tenant, server,
						   method, status class) kept;
						   later ones count under
						   tenant="_other" */
#define LIMIT_METRICS_SLOTS	1024		/* their table (>= 2x series) */
#define LIMIT_METRICS_KEY	160		/* one series key */
#define LIMIT_METRICS_BODY	(1024 * 1024)	/* one /metrics answer */
#define LIMIT_LIMITS_SLOTS	4096		/* token buckets kept */
#define LIMIT_LIMITS_KEY	256		/* one bucket key */
#define LIMIT_LIMITS_RATE_MAX	1000000000ULL	/* requests per interval */
#define LIMIT_LIMITS_INTERVAL_MAX 86400		/* seconds */
#define LIMIT_LIMITS_CONC_MAX	100000		/* in-flight calls */
#define LIMIT_LIMITS_RETRY_MAX	86400		/* Retry-After ceiling (s) */
#define LIMIT_METRICS_TOKEN	512		/* metrics_token_file contents */
#define LIMIT_NODE_SESSIONS	512		/* per ring (ops/node.h): ended
						   sessions every worker of the
						   node sees at once (older ones
						   wait for the sync), and legacy
						   sessions' log levels on modern
						   upstreams (older ones are
						   forgotten: no level) */
/* ---- end of the shared segment block -------------------------------- */
/* The OAuth consent page (src/api/consent.c). */
#define LIMIT_CONSENT_FORM	(64 * 1024)	/* a form body */
#define LIMIT_CONSENT_FIELD	4096		/* one decoded form field */
#define LIMIT_CONSENT_SERVERS	256		/* servers ticked in one grant */
#define LIMIT_CONSENT_PAGE	(256 * 1024)	/* one rendered page */
#define LIMIT_CONSENT_COOKIE_AGE 3600		/* the session cookie, s */

/* Server->client requests of stdio upstreams (src/mcp/rendezvous.c) and
 * the modern era's input_required (src/mcp/mrtr.c). */
#define LIMIT_RDV_PARKED_WORKER	1	/* calls parked by one worker: it
					   waits for the reply, so one */
#define LIMIT_RDV_PARKED_TENANT	16	/* parked calls of one tenant on
					   one node (sockets in data_dir/rdv) */
#define LIMIT_RDV_CALL_ID	128	/* the client's call id, JSON bytes */
#define LIMIT_RDV_MSG		(1024 * 1024) /* one reply handed over */
#define LIMIT_RDV_IO_MS		2000	/* one hand-over, both sides */
#define LIMIT_MRTR_TTL_S	300	/* requestState lifetime */
#define LIMIT_MRTR_STATE	(64 * 1024) /* requestState, base64url bytes */
#define LIMIT_MRTR_INPUTS	8	/* inputResponses kept in one state */
/* Modern (2026-07-28) upstreams: src/mcp/bridge_modern.h. */
#define LIMIT_BRIDGE_CACHE	256		/* era verdicts and discover
						   results kept per worker */
#define LIMIT_BRIDGE_KEY	(LIMIT_URL + 200) /* one cache key */
#define LIMIT_BRIDGE_ERA_TTL_S	300		/* an upstream's era verdict */
#define LIMIT_BRIDGE_DISCOVER_TTL_MS (3600 * 1000) /* the longest an
						   upstream's ttlMs keeps its
						   DiscoverResult */
#define LIMIT_BRIDGE_WAIT_MS	60000		/* a parked call waits this
						   long for the client's input
						   (src/mcp/bridge_park.h) */
#define LIMIT_BRIDGE_ROUNDS	8		/* input_required rounds of
						   one call */
#define LIMIT_BRIDGE_REPLY	(64 * 1024)	/* one client reply relayed to
						   a parked call */
#define LIMIT_LISTEN_MS		60000		/* one subscriptions/listen or
						   GET stream (a worker held:
						   docs/architecture.md) */
#define LIMIT_LISTEN_NOTIFICATIONS 100		/* notifications relayed on
						   one such stream */
/* Tool pinning (src/mcp/pins.c, src/store/pinstore.c). */
#define LIMIT_PINS_CACHE	64		/* tenant servers a worker keeps */
#define LIMIT_PINS_MEMO	1024		/* tool hashes a worker remembers
					   per tenant server (pins_hash_memo) */
#define LIMIT_PINS_RESPONSE	(4 * 1024 * 1024) /* one tool_pins_get answer */
#define LIMIT_PINS_RETRY_S	5		/* after a failed read */
#define LIMIT_PINS_QUEUE	64		/* writes waiting for the idle
						   step; more are dropped (the
						   next tools/list finds them
						   again) */
#define LIMIT_PINS_DIFF_TEXT	80		/* old/new text in a diff, bytes */

/* Limits across nodes (src/ops/limits_sync.c, src/store/limitsync.c). */
#define LIMIT_SYNC_RECENT_S	600		/* a bucket used this recently is
						   synced even with nothing to
						   report */
#define LIMIT_SYNC_RESPONSE	(2 * 1024 * 1024) /* one limit_sync answer */
#define LIMIT_SYNC_TIMEOUT_MS	5000		/* one limit_sync call */
#define LIMIT_SYNC_INTERVAL_MAX	3600		/* limit_sync_interval, s */
#define LIMIT_QUOTA_MAX		1000000000000ULL /* calls per month */

#endif /* PRODUCT_LIMITS_H */
