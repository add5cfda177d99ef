/*
 * upstream_stdio.h -- the stdio upstream of the MCP endpoint (DESIGN 3.4):
 * a program from the operator's catalog, started in a sandbox (lib/proc.h),
 * spoken to in newline-delimited JSON-RPC (MCP "stdio" transport, legacy
 * era up to 2025-11-25), kept warm per worker for reuse.
 *
 * One call = one client message:
 *
 *     struct upstream_stdio_info info;
 *     json_t *resp = NULL;
 *     upstream_stdio_info_init(&info);
 *     rc = upstream_stdio_call(&spec, &opts, msg, relay_sse, req, &resp,
 *         &info);
 *     ... rc != UPSTREAM_STDIO_OK: map to a JSON-RPC error, log info.detail
 *     json_decref(resp);
 *     upstream_stdio_info_release(&info);
 *
 * Child lifecycle. The first call for a spec spawns the child (argv[0]
 * resolved in opts->path only, execve without a shell, environment =
 * PATH, HOME and TMPDIR (= workdir), LANG=C.UTF-8 and spec->env; nothing
 * of the worker's environment), performs the handshake itself
 * (initialize with opts->client_protocol_version,
 * opts->client_capabilities (default {}), clientInfo
 * {"name":"mcp-online-platform","version":"0.1"}, then
 * notifications/initialized) and keeps the InitializeResult. After a
 * successful call the child goes back to a per-process pool (LRU, at most
 * opts->pool_max, 0 = no reuse), keyed by spec->key AND a SHA-256
 * fingerprint of everything that defines the child (tenant, argv, env,
 * workdir, user, limits, PATH, protocol version, capabilities): a
 * child is only ever reused for an identical spec of the same tenant,
 * and a pooled child whose key another tenant asks for is killed. Specs
 * that share a key but differ otherwise get children of their own (LRU
 * and expiry sort them out). A pooled child found dead (or whose stdin
 * is gone when the request is written, so it cannot have seen the
 * request) is replaced transparently, once per call.
 *
 * Exchange. The client's request is written with the id rewritten to the
 * platform's own per-child integer counter (so it can never clash with
 * the handshake's ids or with a late answer to an earlier, abandoned
 * call); the response gets the client's id back. While waiting, the
 * child's messages are handled as they arrive:
 *  - a notification is passed to on_event (progress only when its
 *    progressToken is the request's _meta.progressToken, so a late
 *    progress of an abandoned call is not relayed);
 *  - a "ping" request is answered {"result":{}}; any other request
 *    (sampling/createMessage, elicitation/create, roots/list, ...) goes
 *    to on_event, which may answer it (see upstream_stdio_event_fn);
 *    unanswered, and always during the handshake or between calls, it
 *    gets -32601 (the default capabilities {} promise nothing);
 *  - a response with another id is dropped;
 *  - stderr is drained all the time (never a full pipe) and logged at
 *    debug level, truncated.
 * Notifications that arrived between calls are dropped (they belong to no
 * caller). Empty lines are ignored; a trailing CR is tolerated.
 *
 * Kill rules: a deadline miss, EOF / exit, a non-JSON or non-JSON-RPC
 * line, a line over max_line, more than max_output bytes or
 * LIMIT_STDIO_NOTIFICATIONS messages in one call, or an abort by on_event
 * SIGKILLs the child's whole process group, reaps it and drops it from
 * the pool. Idle expiry, eviction and shutdown are orderly (close stdin,
 * LIMIT_STDIO_GRACE_MS, SIGTERM, LIMIT_STDIO_GRACE_MS, SIGKILL).
 *
 * Stateless children (opts->stateless, MCP 2026-07-28 over stdio): no
 * handshake at all; every message carries its own protocol version and
 * client capabilities in params._meta, and the server answers
 * input_required results instead of sending requests. They live in the
 * same pool, told apart by the fingerprint; info.protocol_version and
 * info.init_result stay empty and "initialize" is refused (EINVAL).
 *
 * Special client messages: "initialize" is answered from the cached
 * InitializeResult of the (possibly fresh) child, with the client's id and
 * the upstream's protocolVersion untouched (version negotiation with the
 * client is the caller's job); "notifications/initialized" is swallowed.
 * Other notifications are forwarded and *response stays NULL. Batches and
 * responses are refused (UPSTREAM_STDIO_EINVAL): the caller splits batches.
 *
 * Not thread-safe (the worker is single-threaded). The worker must not
 * set SIGCHLD to SIG_IGN. When children run under the worker's own uid
 * the module makes the worker non-dumpable (PR_SET_DUMPABLE 0) before
 * the first spawn, so such a child cannot ptrace it or read its memory
 * (/proc/<pid>/mem, environ) and the keys in it.
 *
 * Worker integration: call upstream_stdio_pool_reap() after each request
 * (after FCGX_Finish_r), upstream_stdio_pool_shutdown() when the accept
 * loop ends, and upstream_stdio_pool_kill_signal_safe() from a SIGTERM
 * handler right before _exit(). If the worker is SIGKILLed, every direct
 * child gets SIGKILL from the kernel (PR_SET_PDEATHSIG).
 */
#ifndef MCP_UPSTREAM_STDIO_H
#define MCP_UPSTREAM_STDIO_H

#include <sys/types.h>
#include <sys/resource.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "http/gone.h"
#include "product_limits.h"
#include "sandbox.h"

#define UPSTREAM_STDIO_PROTOCOL_DEFAULT	"2025-11-25"
#define UPSTREAM_STDIO_CLIENT_NAME	"mcp-online-platform"
#define UPSTREAM_STDIO_CLIENT_VERSION	"0.1"

enum upstream_stdio_err {
	UPSTREAM_STDIO_OK = 0,
	UPSTREAM_STDIO_EINVAL,		/* bad spec, opts or message */
	UPSTREAM_STDIO_SPAWN_FAILED,	/* not found, exec/chdir/uid failed */
	UPSTREAM_STDIO_INIT_FAILED,	/* initialize answered with an error
					   or an unusable result */
	UPSTREAM_STDIO_TIMEOUT,		/* deadline_ms passed */
	UPSTREAM_STDIO_CRASHED,		/* EOF on stdout / exited */
	UPSTREAM_STDIO_BAD_OUTPUT,	/* not JSON / not JSON-RPC / line too
					   long */
	UPSTREAM_STDIO_OUTPUT_TOO_LARGE, /* max_output or too many messages */
	UPSTREAM_STDIO_ABORTED,		/* on_event asked to stop */
	UPSTREAM_STDIO_INTERNAL,	/* out of memory, pipe errors */
	UPSTREAM_STDIO_CANCELLED,	/* opts->gone: the client went away;
					   the child got notifications/
					   cancelled and was kept */
	UPSTREAM_STDIO__MAX
};

struct upstream_stdio_spec {
	const char	*key;		/* pool key, "<tenant_id>|<alias>|
					   <config version>"; <= LIMIT_STDIO_KEY
					   bytes */
	const char	*tenant_id;	/* a pooled child is never handed to
					   another tenant */
	const char *const *argv;	/* from the catalog, NULL-terminated;
					   argv[0] absolute or found in
					   opts->path */
	const char *const *env;	/* extra "NAME=value" (tenant settings
					   and secrets; the catalog names the
					   variables), NULL-terminated, may be
					   NULL. Names: [A-Za-z_][A-Za-z0-9_]*.
					   Refused (EINVAL, the reason in
					   info.detail): duplicates, PATH,
					   HOME, TMPDIR, LANG, and every
					   variable that decides what code
					   runs or which TLS roots count:
					   LD_*, GLIBC_TUNABLES, NODE_OPTIONS,
					   NODE_EXTRA_CA_CERTS, JAVA_TOOL_
					   OPTIONS, PYTHON*, PERL5*, RUBY*,
					   DOTNET_*, ... (the full list:
					   stdio_env_refused in the .c and
					   docs/security.md) */
	const char	*workdir;	/* absolute; created (parents 0711,
					   itself 0700, owned by run_uid); the
					   one directory the sandbox lets the
					   child write */
	enum sandbox_net net;	/* the catalog's network mode */
	const uint16_t	*egress_ports;	/* LOOPBACK_DENIED: the TCP ports it
					   may connect to; NULL/0: 443 */
	size_t		 n_egress_ports;
	const char *const *read_paths;	/* the catalog's extra read-only
					   paths (absolute), NULL-terminated,
					   may be NULL */
};

struct upstream_stdio_opts {
	uid_t		 run_uid;	/* stdio_user: children run as this user
					   and group (both set, or both
					   (uid_t)-1 = the worker's own ids).
					   Never root: a root worker without
					   stdio_user cannot spawn */
	gid_t		 run_gid;	/* that user's primary group */
	const char	*path;		/* stdio_path: the child's PATH and
					   where argv[0] is looked up */
	int		 isolate;	/* 1 own pid/mount/IPC
					   namespaces (lib/proc.h), 0 none,
					   -1 (default) when root */
	const char	*hide_dir;	/* with isolate: hidden behind an empty
					   tmpfs but for the child's own
					   workdir: "<data_dir>/tenants" */
	enum sandbox_mode sandbox; /* stdio_sandbox (src/
					   stdio_sandbox.h) */
	const char	*read_paths;	/* stdio_read_paths: more read-only
					   paths for every child, colon-
					   separated; may be NULL */
	/* For these four, 0 means the LIMIT_STDIO_* default. */
	unsigned	 deadline_ms;	/* whole call (the server's timeout_ms), cold
					   start included; <= _MAX */
	size_t		 max_line;	/* one message (LIMIT_STDIO_LINE) */
	size_t		 max_output;	/* stdout bytes per (max_response)
					   call (stderr: the same again) */
	rlim_t		 cpu_s;		/* RLIMIT_CPU (0 = inherited) */
	rlim_t		 data_bytes;	/* RLIMIT_DATA (writable memory) */
	rlim_t		 nofile;	/* RLIMIT_NOFILE */
	rlim_t		 nproc;		/* RLIMIT_NPROC */
	rlim_t		 fsize_bytes;	/* RLIMIT_FSIZE (0 = inherited): the
					   largest file; a write past it fails
					   with EFBIG (SIGXFSZ ignored) */
	uint64_t	 disk_quota;	/* 0: none. Else a child is not
					   started while workdir holds more
					   than this (du: allocated blocks,
					   no symlink followed, at most
					   LIMIT_STDIO_QUOTA_ENTRIES entries
					   and _DEPTH levels, else refused
					   too): SPAWN_FAILED with
					   info.reason. Checked at spawn only:
					   a running child can add up to
					   fsize_bytes per file it writes */
	size_t		 pool_max;	/* stdio_pool_max: idle children kept,
					   <= LIMIT_STDIO_POOL_MAX; 0: a child
					   per call */
	unsigned	 idle_s;	/* stdio_idle_s: 0 = expire at the next
					   reap */
	unsigned	 max_age_s;	/* recycle after (0 =
					   default) */
	unsigned	 max_calls;	/* recycle after this many calls
					   (0: no cap) */
	unsigned	 init_ms;	/* spawn + initialize must end within
					   this (and within deadline_ms);
					   0: LIMIT_STDIO_INIT_MS */
	unsigned	 tenant_warm_max; /* stdio_tenant_warm_max: a fresh
					   child is kept warm only while the
					   tenant's warm children on the node
					   (ops/warm.h) are fewer; 0: no cap */
	struct gone	*gone;		/* the client's connection, watched
					   while a call waits (http/gone.h):
					   gone -> notifications/cancelled,
					   UPSTREAM_STDIO_CANCELLED at once;
					   NULL: not watched */
	int		 stateless;	/* 1: no handshake (MCP 2026-07-28:
					   each message carries its own
					   _meta); initialize is refused.
					   Part of the pool fingerprint */
	const char	*client_protocol_version; /* sent in initialize */
	const json_t	*client_capabilities; /* sent in initialize; NULL:
					   {}. Declare sampling/elicitation/
					   roots only when the caller's hook
					   can relay them. Part of the pool
					   fingerprint. */
};

/*
 * The caller's hook, called during a call with each message the server
 * sends that is for the client, as it arrives (the message is borrowed
 * for the duration of the hook):
 *  - a notification: reply is NULL;
 *  - a server->client request other than ping (sampling/createMessage,
 *    elicitation/create, roots/list, ...): reply points to NULL; the hook
 *    may relay it and set *reply to a NEW object holding "result" or
 *    "error" (the module adds "jsonrpc" and the server's id and writes it
 *    to the child); left NULL, the server gets -32601. Time spent in the
 *    hook counts against the deadline, which is only checked after it.
 * Return 0 to go on, -1 to abort the call (the child is killed:
 * UPSTREAM_STDIO_ABORTED).
 */
typedef int upstream_stdio_event_fn(const json_t *message, json_t **reply,
	    void *arg);

struct upstream_stdio_info {
	char		 protocol_version[LIMIT_STDIO_PROTO_VERSION];
					/* the upstream's; "" before it */
	json_t		*init_result;	/* owned: its InitializeResult
					   (serverInfo, capabilities, ...) */
	unsigned	 ms;		/* wall time of the call */
	unsigned	 start_ms;	/* spawn + handshake; 0 when warm */
	int		 warm;		/* 1: a pooled child served the call */
	pid_t		 pid;		/* the child (= its pgid), 0 if none */
	size_t		 bytes_to;	/* written to the child */
	size_t		 bytes_from;	/* read from its stdout */
	unsigned	 notifications;	/* passed to on_event */
	char		 detail[LIMIT_STDIO_ERR]; /* on failure: what happened,
					   for the operator log. Never an env
					   value; may quote a few bytes of the
					   child's output. Not for clients. */
	char		 reason[LIMIT_STDIO_ERR]; /* "" or, for some
					   failures (the disk quota), a reason
					   fit for the client: no path, no
					   output of the child */
};

/* Defaults from product_limits.h (fsize_bytes LIMIT_STDIO_FSIZE, disk_quota
 * LIMIT_STDIO_DISK_QUOTA); run_uid/run_gid (uid_t)-1, path
 * "/usr/local/bin:/usr/bin:/bin". */
void	 upstream_stdio_opts_init(struct upstream_stdio_opts *);

void	 upstream_stdio_info_init(struct upstream_stdio_info *);
void	 upstream_stdio_info_release(struct upstream_stdio_info *);

/*
 * One client message (a JSON-RPC request or notification object, not
 * modified) through the child for spec. on_event may be NULL. On
 * UPSTREAM_STDIO_OK, *response is a NEW reference (the upstream's result
 * or JSON-RPC error object, with the client's id), or NULL for a
 * notification. On any error *response is NULL. info may be NULL.
 */
enum upstream_stdio_err upstream_stdio_call(
	    const struct upstream_stdio_spec *,
	    const struct upstream_stdio_opts *, const json_t *message,
	    upstream_stdio_event_fn *on_event, void *arg, json_t **response,
	    struct upstream_stdio_info *info);

/* A short lowercase name: "timeout", "crashed", ... */
const char *upstream_stdio_strerror(enum upstream_stdio_err);

/* Between requests: end idle (idle_s) and old (max_age_s) children and
 * those that died, answer pings from pooled children, drop what they
 * printed meanwhile. */
void	 upstream_stdio_pool_reap(void);

/* The idle children of exactly this spec and these options end (orderly,
 * as at expiry): a probe's child that will not be used again. */
void	 upstream_stdio_pool_forget(const struct upstream_stdio_spec *,
	    const struct upstream_stdio_opts *);

/* At worker exit: end every pooled child (orderly, bounded by about
 * 2 * LIMIT_STDIO_GRACE_MS in total) and reap it. */
void	 upstream_stdio_pool_shutdown(void);

/* Async-signal-safe, for a fatal-signal handler right before _exit():
 * SIGKILL the process group of every pooled child. */
void	 upstream_stdio_pool_kill_signal_safe(void);

/* Milliseconds until the pool next needs upstream_stdio_pool_reap() (an
 * idle child's expiry, a retiring child's next step), or -1: nothing to
 * do until the next call. The accept loop waits at most this long. */
long	 upstream_stdio_pool_next_ms(void);

/* Pooled children right now (tests, /metrics). */
size_t	 upstream_stdio_pool_size(void);

#endif /* MCP_UPSTREAM_STDIO_H */
