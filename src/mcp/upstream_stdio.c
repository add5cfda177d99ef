/*
 * upstream_stdio.c -- stdio MCP upstreams: spawn, handshake, exchange,
 * warm pool, kill. See upstream_stdio.h for the contract and
 * docs/security.md ("The stdio sandbox") for the sandbox.
 *
 * MCP 2025-11-25 "Transports: stdio": messages are JSON-RPC, one per line,
 * no embedded newlines, UTF-8; stderr is for logging and is not an error
 * signal; to shut down, close the child's stdin, wait, SIGTERM, SIGKILL.
 */
#include <sys/prctl.h>
#include <sys/types.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "buf.h"
#include "clock.h"
#include "jsonx.h"
#include "log.h"
#include "product_limits.h"
#include "proc.h"
#include "mcp/protocol.h"
#include "mcp/stdio_sandbox.h"
#include "mcp/upstream_stdio.h"
#include "ops/metrics.h"
#include "ops/node.h"
#include "ops/warm.h"

#define MOD	"upstream_stdio"

struct stdio_child {
	struct proc	 proc;
	char		*key;
	char		*tenant_id;
	unsigned char	 fp[32];	/* SHA-256 of the spec, see stdio_fp */
	json_t		*init_result;
	char		 protocol_version[LIMIT_STDIO_PROTO_VERSION];
	struct buf	 in;		/* stdout bytes not yet a whole line */
	struct buf	 outq;		/* bytes for the child's stdin */
	size_t		 outq_off;	/* already written from outq */
	char		 errline[LIMIT_STDIO_STDERR_LINE];
	size_t		 errlen;
	unsigned	 errlines;	/* stderr lines logged this call */
	char		 lastwords[LIMIT_STDIO_STDERR_LINE]; /* last stderr line */
	size_t		 lastlen;
	int64_t		 next_id;	/* our JSON-RPC ids for this child */
	uint64_t	 started_ms;
	uint64_t	 last_used_ms;
	uint64_t	 last_used_seq;	/* LRU order (ms can tie) */
	unsigned	 idle_s;
	unsigned	 max_age_s;
	unsigned	 max_calls;	/* 0: no cap */
	unsigned	 calls;		/* served so far */
	size_t		 max_line;
	int		 in_use;
	int		 retiring;	/* pipes closed, on its way out */
	int		 one_shot;	/* over the tenant's warm cap on the
					   node: retired after its call */
	int		 termed;	/* retiring: SIGTERM sent */
	uint64_t	 retire_ms;	/* retiring: time of the last step */
};

/*
 * Every live child of this module, idle, serving the current call, or
 * retiring: the signal-safe kill walks this table, so a child is entered
 * before its handshake and removed only once it is reaped. At most
 * pool_max idle entries, the one in use, and retiring ones (when the
 * table is full the oldest of those are killed outright).
 */
#define STDIO_TAB_CAP	(2 * LIMIT_STDIO_POOL_MAX + 1)
static struct stdio_child *stdio_tab[STDIO_TAB_CAP];
static size_t		   stdio_tab_n;
static int		   stdio_undumpable;
static uint64_t		   stdio_seq;
static int		   stdio_warm_on;	/* a call had a tenant warm
						   cap: publish the counts */

/* One pass of the exchange loop: what it waits for and what it found. */
enum stdio_until {
	STDIO_UNTIL_RESPONSE,	/* the response with want_id */
	STDIO_UNTIL_WRITTEN,	/* outq drained */
	STDIO_UNTIL_IDLE	/* nothing more to read right now */
};

struct stdio_xchg {
	struct stdio_child	*c;
	uint64_t		 deadline;
	struct gone		*gone;		/* watched, or NULL */
	int64_t			 want_id;	/* -1: none */
	const json_t		*progress_token; /* borrowed; may be NULL */
	int			 relay;		/* 1: messages to on_event */
	upstream_stdio_event_fn	*on_event;
	void			*arg;
	json_t			*response;	/* new ref once found */
	size_t			 bytes_from;
	size_t			 stderr_bytes;
	size_t			 max_output;
	size_t			 bytes_to;
	size_t			 req_end;	/* outq offset where the
						   client's request ends */
	unsigned		 messages;
	unsigned		 notifications;
	int			 epipe;		/* stdin gone while writing */
	int			 epipe_unsent;	/* ... before the request
						   was fully written */
	char			*detail;
	size_t			 detaillen;
};

static const char *const stdio_errs[UPSTREAM_STDIO__MAX] = {
	"ok",
	"invalid request",
	"spawn failed",
	"initialize failed",
	"timeout",
	"crashed",
	"bad output",
	"output too large",
	"aborted",
	"internal error",
	"client went away",
};

const char *
upstream_stdio_strerror(enum upstream_stdio_err e)
{
	if ((int)e < 0 || e >= UPSTREAM_STDIO__MAX)
		return "unknown error";
	return stdio_errs[e];
}

void
upstream_stdio_opts_init(struct upstream_stdio_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->run_uid = (uid_t)-1;
	o->run_gid = (gid_t)-1;
	o->path = "/usr/local/bin:/usr/bin:/bin";
	o->isolate = -1;
	o->deadline_ms = LIMIT_STDIO_DEADLINE_MS;
	o->max_line = LIMIT_STDIO_LINE;
	o->max_output = LIMIT_STDIO_OUTPUT;
	o->cpu_s = LIMIT_STDIO_CPU_S;
	o->data_bytes = LIMIT_STDIO_DATA;
	o->nofile = LIMIT_STDIO_NOFILE;
	o->nproc = LIMIT_STDIO_NPROC;
	o->fsize_bytes = LIMIT_STDIO_FSIZE;
	o->disk_quota = LIMIT_STDIO_DISK_QUOTA;
	o->pool_max = LIMIT_STDIO_POOL;
	o->idle_s = LIMIT_STDIO_IDLE_S;
	o->max_age_s = LIMIT_STDIO_MAX_AGE_S;
	o->client_protocol_version = UPSTREAM_STDIO_PROTOCOL_DEFAULT;
}

void
upstream_stdio_info_init(struct upstream_stdio_info *i)
{
	memset(i, 0, sizeof(*i));
}

void
upstream_stdio_info_release(struct upstream_stdio_info *i)
{
	json_decref(i->init_result);
	upstream_stdio_info_init(i);
}

/* ---- validation ------------------------------------------------------ */

/*
 * Variables that change what code a program loads, how it verifies TLS,
 * or what the platform itself sets: never taken from tenant settings,
 * whatever the catalog says. Matched without regard to case (a runtime
 * on another system may not care). prefix: the name starts with it.
 */
struct stdio_env_rule {
	const char	*name;
	int		 prefix;
	const char	*why;
};

static const struct stdio_env_rule stdio_env_refused[] = {
	{ "PATH", 0, "set by the platform" },
	{ "HOME", 0, "set by the platform" },
	{ "TMPDIR", 0, "set by the platform" },
	{ "LANG", 0, "set by the platform" },
	{ "LD_", 1, "dynamic linker: loads code" },
	{ "GLIBC_TUNABLES", 0, "dynamic linker: changes libc behaviour" },
	{ "GCONV_PATH", 0, "libc: loads code" },
	{ "LOCPATH", 0, "libc: reads locale files from a path" },
	{ "NLSPATH", 0, "libc: reads message catalogs from a path" },
	{ "HOSTALIASES", 0, "libc: reads a file named by it" },
	{ "BASH_ENV", 0, "shell: runs a script" },
	{ "ENV", 0, "shell: runs a script" },
	{ "BASH_FUNC_", 1, "shell: defines functions" },
	{ "SHELLOPTS", 0, "shell: changes options" },
	{ "BASHOPTS", 0, "shell: changes options" },
	{ "PS4", 0, "shell: runs commands when tracing" },
	{ "IFS", 0, "shell: changes parsing" },
	{ "NODE_OPTIONS", 0, "node: loads code" },
	{ "NODE_PATH", 0, "node: changes module lookup" },
	{ "NODE_EXTRA_CA_CERTS", 0, "node: changes trusted TLS roots" },
	{ "NODE_TLS_REJECT_UNAUTHORIZED", 0, "node: disables TLS checks" },
	{ "NODE_REPL_EXTERNAL_MODULE", 0, "node: loads code" },
	{ "NODE_V8_COVERAGE", 0, "node: writes files" },
	{ "NODE_REDIRECT_WARNINGS", 0, "node: writes files" },
	{ "NODE_ICU_DATA", 0, "node: loads data from a path" },
	{ "UV_USE_IO_URING", 0, "libuv: io_uring is outside the sandbox" },
	{ "JAVA_TOOL_OPTIONS", 0, "java: loads agents" },
	{ "_JAVA_OPTIONS", 0, "java: loads agents" },
	{ "JDK_JAVA_OPTIONS", 0, "java: loads agents" },
	{ "JAVA_OPTIONS", 0, "java: loads agents" },
	{ "CLASSPATH", 0, "java: changes class lookup" },
	{ "JAVA_HOME", 0, "java: picks the runtime" },
	{ "PYTHON", 1, "python: loads code or changes lookup" },
	{ "PERL5", 1, "perl: loads code or changes lookup" },
	{ "PERLLIB", 0, "perl: changes module lookup" },
	{ "PERLIO", 0, "perl: loads I/O layers" },
	{ "RUBY", 1, "ruby: loads code or changes lookup" },
	{ "GEM_", 1, "ruby: changes gem lookup" },
	{ "BUNDLE_", 1, "ruby: changes gem lookup" },
	{ "DOTNET_", 1, ".net: loads startup hooks or profilers" },
	{ "CORECLR_", 1, ".net: loads profilers" },
	{ "COMPLUS_", 1, ".net: changes the runtime" },
	{ "OPENSSL_CONF", 0, "openssl: loads engines or providers" },
	{ "OPENSSL_ENGINES", 0, "openssl: loads engines" },
	{ "OPENSSL_MODULES", 0, "openssl: loads providers" },
	{ "SSL_CERT_FILE", 0, "openssl: changes trusted TLS roots" },
	{ "SSL_CERT_DIR", 0, "openssl: changes trusted TLS roots" },
};

/* NULL when the name (n bytes of kv) may be set, else why not. */
static const char *
stdio_env_refusal(const char *kv, size_t n)
{
	const struct stdio_env_rule	*r;
	size_t				 i, rl;

	for (i = 0; i < sizeof(stdio_env_refused) /
	    sizeof(stdio_env_refused[0]); i++) {
		r = &stdio_env_refused[i];
		rl = strlen(r->name);
		if (r->prefix ? n >= rl && strncasecmp(kv, r->name, rl) == 0 :
		    n == rl && strncasecmp(kv, r->name, n) == 0)
			return r->why;
	}
	return NULL;
}

/* 1 when kv is "NAME=..." with a well-formed name (length in *namelen). */
static int
stdio_env_name_ok(const char *kv, size_t *namelen)
{
	size_t	 n;

	for (n = 0; kv[n] != '\0' && kv[n] != '='; n++) {
		char c = kv[n];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    c == '_' || (n > 0 && c >= '0' && c <= '9')))
			return 0;
	}
	if (n == 0 || kv[n] != '=' || n > LIMIT_STDIO_ENV_NAME)
		return 0;
	*namelen = n;
	return 1;
}

static enum upstream_stdio_err
stdio_check_spec(const struct upstream_stdio_spec *s,
    const struct upstream_stdio_opts *o, char *detail, size_t dl)
{
	const char	*why;
	size_t		 i, j, n, nj, total = 0;

	if (s == NULL || o == NULL || s->key == NULL || s->key[0] == '\0' ||
	    strlen(s->key) > LIMIT_STDIO_KEY || s->tenant_id == NULL ||
	    s->tenant_id[0] == '\0' || s->argv == NULL ||
	    s->argv[0] == NULL || s->argv[0][0] == '\0' ||
	    s->workdir == NULL || s->workdir[0] != '/' ||
	    strlen(s->workdir) >= LIMIT_PROC_PATH || o->path == NULL ||
	    strlen(o->path) >= LIMIT_PROC_PATH ||
	    (o->hide_dir != NULL && (o->hide_dir[0] != '/' ||
	    strlen(o->hide_dir) < 2 || strlen(o->hide_dir) >= LIMIT_PROC_PATH ||
	    o->hide_dir[strlen(o->hide_dir) - 1] == '/')) ||
	    o->client_protocol_version == NULL ||
	    strlen(o->client_protocol_version) >= LIMIT_STDIO_PROTO_VERSION) {
		snprintf(detail, dl, "incomplete stdio server definition");
		return UPSTREAM_STDIO_EINVAL;
	}
	for (i = 0; s->argv[i] != NULL; i++) {
		total += strlen(s->argv[i]) + 1;
		if (i >= LIMIT_STDIO_ARGV || total > LIMIT_STDIO_ARGS_BYTES) {
			snprintf(detail, dl, "argv too long");
			return UPSTREAM_STDIO_EINVAL;
		}
	}
	for (i = 0; s->env != NULL && s->env[i] != NULL; i++) {
		total += strlen(s->env[i]) + 1;
		if (i >= LIMIT_STDIO_ENV_VARS ||
		    total > LIMIT_STDIO_ARGS_BYTES) {
			snprintf(detail, dl, "environment too large");
			return UPSTREAM_STDIO_EINVAL;
		}
		/* The name only: the value may be a secret. */
		if (!stdio_env_name_ok(s->env[i], &n)) {
			snprintf(detail, dl, "environment variable '%.*s' "
			    "refused: not a valid name",
			    (int)strcspn(s->env[i], "="), s->env[i]);
			return UPSTREAM_STDIO_EINVAL;
		}
		if ((why = stdio_env_refusal(s->env[i], n)) != NULL) {
			snprintf(detail, dl, "environment variable '%.*s' "
			    "refused: %s", (int)n, s->env[i], why);
			return UPSTREAM_STDIO_EINVAL;
		}
		for (j = 0; j < i; j++) {
			nj = strcspn(s->env[j], "=");
			if (nj == n && memcmp(s->env[i], s->env[j], n) == 0) {
				snprintf(detail, dl, "environment variable "
				    "'%.*s' given twice", (int)n, s->env[i]);
				return UPSTREAM_STDIO_EINVAL;
			}
		}
	}
	return UPSTREAM_STDIO_OK;
}

/* A JSON-RPC id as MCP allows it: a string or an integer, never null. */
static int
stdio_id_ok(const json_t *id)
{
	return json_is_string(id) || json_is_integer(id);
}

static enum upstream_stdio_err
stdio_check_message(const json_t *m, const char **method, const json_t **id,
    char *detail, size_t dl)
{
	const char	*v;

	*method = NULL;
	*id = NULL;
	v = jsonx_str(m, "jsonrpc");
	if (!json_is_object(m) || v == NULL || strcmp(v, "2.0") != 0 ||
	    (*method = jsonx_str(m, "method")) == NULL) {
		snprintf(detail, dl, "not a json-rpc request or notification");
		return UPSTREAM_STDIO_EINVAL;
	}
	*id = json_object_get(m, "id");
	if (*id != NULL && !stdio_id_ok(*id)) {
		snprintf(detail, dl, "json-rpc id must be a string or an "
		    "integer");
		return UPSTREAM_STDIO_EINVAL;
	}
	return UPSTREAM_STDIO_OK;
}

/* Zero means "the default"; ceilings applied. */
static void
stdio_opts_normalize(struct upstream_stdio_opts *o)
{
	if (o->deadline_ms == 0)
		o->deadline_ms = LIMIT_STDIO_DEADLINE_MS;
	if (o->deadline_ms > LIMIT_STDIO_DEADLINE_MS_MAX)
		o->deadline_ms = LIMIT_STDIO_DEADLINE_MS_MAX;
	if (o->max_line == 0)
		o->max_line = LIMIT_STDIO_LINE;
	if (o->max_output == 0)
		o->max_output = LIMIT_STDIO_OUTPUT;
	if (o->pool_max > LIMIT_STDIO_POOL_MAX)
		o->pool_max = LIMIT_STDIO_POOL_MAX;
	if (o->max_age_s == 0)
		o->max_age_s = LIMIT_STDIO_MAX_AGE_S;
	if (o->init_ms == 0)
		o->init_ms = LIMIT_STDIO_INIT_MS;
	if (o->isolate < 0)
		o->isolate = geteuid() == 0;
	if (o->isolate == 0)
		o->hide_dir = NULL;
}

/* ---- fingerprint ------------------------------------------------------ */

static void
stdio_fp_add(EVP_MD_CTX *ctx, const void *p, size_t n)
{
	uint64_t	 len = n;

	/* Length-prefixed, so field boundaries cannot be shifted. */
	EVP_DigestUpdate(ctx, &len, sizeof(len));
	EVP_DigestUpdate(ctx, p, n);
}

static void
stdio_fp_str(EVP_MD_CTX *ctx, const char *s)
{
	stdio_fp_add(ctx, s, strlen(s));
}

/* Everything that defines the child. Env values are secrets: only their
 * digest is kept. */
static int
stdio_fp(const struct upstream_stdio_spec *s,
    const struct upstream_stdio_opts *o, unsigned char out[32])
{
	EVP_MD_CTX	*ctx;
	char		*caps;
	uint64_t	 nums[8];
	size_t		 i;
	unsigned	 len = 0;
	int		 rc = -1;

	ctx = EVP_MD_CTX_new();
	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		goto out;
	stdio_fp_str(ctx, s->tenant_id);
	for (i = 0; s->argv[i] != NULL; i++)
		stdio_fp_str(ctx, s->argv[i]);
	stdio_fp_str(ctx, "\x01");
	for (i = 0; s->env != NULL && s->env[i] != NULL; i++)
		stdio_fp_str(ctx, s->env[i]);
	stdio_fp_str(ctx, "\x01");
	stdio_fp_str(ctx, s->workdir);
	stdio_fp_str(ctx, o->path);
	stdio_fp_str(ctx, o->hide_dir != NULL ? o->hide_dir : "");
	stdio_fp_str(ctx, o->read_paths != NULL ? o->read_paths : "");
	for (i = 0; s->read_paths != NULL && s->read_paths[i] != NULL; i++)
		stdio_fp_str(ctx, s->read_paths[i]);
	stdio_fp_str(ctx, "\x01");
	if (s->n_egress_ports > 0 && s->egress_ports != NULL)
		stdio_fp_add(ctx, s->egress_ports,
		    s->n_egress_ports * sizeof(s->egress_ports[0]));
	nums[0] = (uint64_t)s->net;
	nums[1] = (uint64_t)o->sandbox;
	nums[2] = s->n_egress_ports;
	nums[3] = o->stateless != 0;
	stdio_fp_add(ctx, nums, 4 * sizeof(nums[0]));
	stdio_fp_str(ctx, o->client_protocol_version);
	caps = json_is_object(o->client_capabilities) ?
	    json_dumps(o->client_capabilities, JSON_COMPACT | JSON_SORT_KEYS) :
	    NULL;
	stdio_fp_str(ctx, caps != NULL ? caps : "{}");
	free(caps);
	nums[0] = o->run_uid;
	nums[1] = o->run_gid;
	nums[2] = o->cpu_s;
	nums[3] = o->data_bytes;
	nums[4] = o->nofile;
	nums[5] = o->nproc;
	nums[6] = o->max_line;
	nums[7] = (uint64_t)o->isolate;
	stdio_fp_add(ctx, nums, sizeof(nums));
	nums[0] = o->fsize_bytes;
	stdio_fp_add(ctx, nums, sizeof(nums[0]));
	if (EVP_DigestFinal_ex(ctx, out, &len) != 1 || len != 32)
		goto out;
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

/* ---- the table of children ---------------------------------------------- */

static void
stdio_child_free(struct stdio_child *c)
{
	if (c == NULL)
		return;
	free(c->key);
	free(c->tenant_id);
	json_decref(c->init_result);
	buf_release(&c->in);
	buf_release(&c->outq);
	free(c);
}

static void
stdio_tab_remove(struct stdio_child *c)
{
	size_t	 i;

	for (i = 0; i < stdio_tab_n; i++) {
		if (stdio_tab[i] == c) {
			stdio_tab[i] = stdio_tab[--stdio_tab_n];
			stdio_tab[stdio_tab_n] = NULL;
			return;
		}
	}
}

/* End a child now: SIGKILL its group, reap it, forget it. */
static void
stdio_destroy(struct stdio_child *c)
{
	if (c == NULL)
		return;
	proc_release(&c->proc);
	stdio_tab_remove(c);
	stdio_child_free(c);
}

/*
 * The orderly end without waiting (MCP stdio: close stdin, wait,
 * SIGTERM, wait, SIGKILL): the pipes close now, and each reap moves the
 * child on (stdio_retire_step) once LIMIT_STDIO_GRACE_MS has passed, so
 * no request waits for a child to go.
 */
static void
stdio_retire(struct stdio_child *c)
{
	log_debug(MOD, "retiring '%s' pid %d", c->key, (int)c->proc.pid);
	proc_close_pipes(&c->proc);
	c->in_use = 0;
	c->retiring = 1;
	c->termed = 0;
	c->retire_ms = clock_mono_ms();
}

/* 1 when the child is gone (and freed). */
static int
stdio_retire_step(struct stdio_child *c, uint64_t now)
{
	if (!proc_exited(&c->proc)) {
		if (now - c->retire_ms < LIMIT_STDIO_GRACE_MS)
			return 0;
		if (!c->termed) {
			proc_signal(&c->proc, SIGTERM);
			c->termed = 1;
			c->retire_ms = now;
			return 0;
		}
		log_debug(MOD, "'%s' pid %d ignored SIGTERM: SIGKILL",
		    c->key, (int)c->proc.pid);
	}
	stdio_destroy(c);
	return 1;
}

/* Pooled: neither serving a call nor retiring. */
static int
stdio_idle(const struct stdio_child *c)
{
	return !c->in_use && !c->retiring;
}

static size_t
stdio_idle_count(void)
{
	size_t	 i, n = 0;

	for (i = 0; i < stdio_tab_n; i++)
		if (stdio_idle(stdio_tab[i]))
			n++;
	return n;
}

/* The least recently used idle child, or NULL. */
static struct stdio_child *
stdio_lru(void)
{
	struct stdio_child	*best = NULL;
	size_t			 i;

	for (i = 0; i < stdio_tab_n; i++)
		if (stdio_idle(stdio_tab[i]) && (best == NULL ||
		    stdio_tab[i]->last_used_seq < best->last_used_seq))
			best = stdio_tab[i];
	return best;
}

/* The retiring child that started retiring first, or NULL. */
static struct stdio_child *
stdio_oldest_retiring(void)
{
	struct stdio_child	*best = NULL;
	size_t			 i;

	for (i = 0; i < stdio_tab_n; i++)
		if (stdio_tab[i]->retiring && (best == NULL ||
		    stdio_tab[i]->last_used_seq < best->last_used_seq))
			best = stdio_tab[i];
	return best;
}

/*
 * Keep at most limit idle children (retire the least recently used
 * ones) and a free slot in the table (kill retiring ones if need be).
 */
static void
stdio_make_room(size_t limit)
{
	struct stdio_child	*old;

	while (stdio_idle_count() > 0 && stdio_idle_count() >= limit &&
	    (old = stdio_lru()) != NULL)
		stdio_retire(old);
	while (stdio_tab_n >= STDIO_TAB_CAP &&
	    (old = stdio_oldest_retiring()) != NULL)
		stdio_destroy(old);
}

size_t
upstream_stdio_pool_size(void)
{
	size_t	 i, n = 0;

	for (i = 0; i < stdio_tab_n; i++)
		if (!stdio_tab[i]->retiring)
			n++;
	return n;
}

/* ---- the exchange loop ---------------------------------------------- */

static int
stdio_queue(struct stdio_child *c, const json_t *msg)
{
	if (jsonx_dumpb(&c->outq, msg) == -1 || buf_appendc(&c->outq, '\n')
	    == -1) {
		c->outq_off = 0;
		return -1;
	}
	return 0;
}

/*
 * Answer a server->client request: ping gets {} here; anything else goes
 * to the caller's hook during a call, and whatever it does not answer
 * with a result or an error gets -32601.
 */
static enum upstream_stdio_err
stdio_answer(struct stdio_xchg *k, const char *method, json_t *msg,
    json_t *id)
{
	json_t	*r = NULL, *reply = NULL;
	int	 rc;

	if (strcmp(method, "ping") == 0) {
		r = json_pack("{s:s, s:O, s:{}}", "jsonrpc", "2.0", "id", id,
		    "result");
		goto queue;
	}
	if (k->relay && k->on_event != NULL &&
	    k->on_event(msg, &reply, k->arg) != 0) {
		json_decref(reply);
		snprintf(k->detail, k->detaillen, "aborted by the caller");
		return UPSTREAM_STDIO_ABORTED;
	}
	if (reply == NULL)
		log_debug(MOD, "'%s' asked for '%s': not relayed", k->c->key,
		    method);
	r = mcp_client_reply(id, reply);
	json_decref(reply);
queue:
	if (r == NULL)
		return UPSTREAM_STDIO_INTERNAL;
	rc = stdio_queue(k->c, r);
	json_decref(r);
	return rc == 0 ? UPSTREAM_STDIO_OK : UPSTREAM_STDIO_INTERNAL;
}

/* Is this notification for the caller? */
static int
stdio_relevant(const struct stdio_xchg *k, const char *method,
    const json_t *msg)
{
	const json_t	*tok;

	if (strcmp(method, "notifications/progress") != 0)
		return 1;
	tok = json_object_get(json_object_get(msg, "params"),
	    "progressToken");
	return k->progress_token != NULL && tok != NULL &&
	    json_equal(tok, k->progress_token);
}

/* One line from the child's stdout (without the newline). */
static enum upstream_stdio_err
stdio_line(struct stdio_xchg *k, const char *line, size_t len)
{
	enum upstream_stdio_err	 rc = UPSTREAM_STDIO_OK;
	char			 why[LIMIT_STDIO_ERR];
	const char		*method, *v;
	json_t			*j, *id;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len == 0)
		return UPSTREAM_STDIO_OK;
	if (len > k->c->max_line) {
		snprintf(k->detail, k->detaillen, "message of %zu bytes over "
		    "the %zu-byte limit", len, k->c->max_line);
		return UPSTREAM_STDIO_BAD_OUTPUT;
	}
	if (++k->messages > LIMIT_STDIO_NOTIFICATIONS) {
		snprintf(k->detail, k->detaillen, "more than %d messages in "
		    "one call", LIMIT_STDIO_NOTIFICATIONS);
		return UPSTREAM_STDIO_OUTPUT_TOO_LARGE;
	}
	j = jsonx_loadb(line, len, LIMIT_JSON_DEPTH, why, sizeof(why));
	if (j == NULL) {
		snprintf(k->detail, k->detaillen, "not json on stdout: %s",
		    why);
		return UPSTREAM_STDIO_BAD_OUTPUT;
	}
	v = jsonx_str(j, "jsonrpc");
	if (!json_is_object(j) || v == NULL || strcmp(v, "2.0") != 0) {
		snprintf(k->detail, k->detaillen, "not a json-rpc 2.0 "
		    "message on stdout");
		rc = UPSTREAM_STDIO_BAD_OUTPUT;
		goto out;
	}
	method = jsonx_str(j, "method");
	id = json_object_get(j, "id");
	if (id != NULL && !stdio_id_ok(id)) {
		snprintf(k->detail, k->detaillen, "json-rpc id that is not a "
		    "string or an integer");
		rc = UPSTREAM_STDIO_BAD_OUTPUT;
		goto out;
	}
	if (method != NULL && id != NULL) {
		rc = stdio_answer(k, method, j, id);
	} else if (method != NULL) {
		if (k->relay && k->on_event != NULL &&
		    stdio_relevant(k, method, j)) {
			k->notifications++;
			if (k->on_event(j, NULL, k->arg) != 0) {
				snprintf(k->detail, k->detaillen, "aborted "
				    "by the caller");
				rc = UPSTREAM_STDIO_ABORTED;
			}
		}
	} else if (id == NULL) {
		snprintf(k->detail, k->detaillen, "json-rpc message with "
		    "neither method nor id");
		rc = UPSTREAM_STDIO_BAD_OUTPUT;
	} else if (!json_is_integer(id) || k->want_id < 0 ||
	    json_integer_value(id) != k->want_id || k->response != NULL) {
		log_debug(MOD, "'%s' answered an id nobody waits for",
		    k->c->key);
	} else if (json_object_get(j, "result") == NULL &&
	    !json_is_object(json_object_get(j, "error"))) {
		snprintf(k->detail, k->detaillen, "json-rpc response with "
		    "neither result nor error");
		rc = UPSTREAM_STDIO_BAD_OUTPUT;
	} else
		k->response = json_incref(j);
out:
	json_decref(j);
	return rc;
}

/* Bytes from stdout: split into lines, keep the tail. */
static enum upstream_stdio_err
stdio_stdout(struct stdio_xchg *k, const char *p, size_t n)
{
	struct stdio_child	*c = k->c;
	enum upstream_stdio_err	 rc = UPSTREAM_STDIO_OK;
	size_t			 start = 0, i;

	if (buf_append(&c->in, p, n) == -1) {
		snprintf(k->detail, k->detaillen, "message over the %zu-byte "
		    "limit", c->max_line);
		return UPSTREAM_STDIO_BAD_OUTPUT;
	}
	for (i = c->in.len - n; i < c->in.len; i++) {
		if (c->in.data[i] != '\n')
			continue;
		rc = stdio_line(k, c->in.data + start, i - start);
		start = i + 1;
		if (rc != UPSTREAM_STDIO_OK)
			return rc;
	}
	if (start > 0) {
		memmove(c->in.data, c->in.data + start, c->in.len - start);
		c->in.len -= start;
		c->in.data[c->in.len] = '\0';
	}
	if (c->in.len > c->max_line) {
		snprintf(k->detail, k->detaillen, "message over the %zu-byte "
		    "limit", c->max_line);
		return UPSTREAM_STDIO_BAD_OUTPUT;
	}
	return UPSTREAM_STDIO_OK;
}

static void
stdio_stderr_flush(struct stdio_child *c)
{
	if (c->errlen == 0)
		return;
	if (c->errlines++ < LIMIT_STDIO_STDERR_LINES)
		log_debug(MOD, "'%s' pid %d stderr: %.*s", c->key,
		    (int)c->proc.pid, (int)c->errlen, c->errline);
	/* Kept for a failure's detail: at the default log level a dying
	 * child's last words are otherwise lost. */
	memcpy(c->lastwords, c->errline, c->errlen);
	c->lastlen = c->errlen;
	c->errlen = 0;
}

/* Drain stderr (never let the child block on it), log it truncated.
 * Returns the number of bytes read. */
static size_t
stdio_stderr(struct stdio_child *c)
{
	char	 chunk[4096];
	ssize_t	 n;
	size_t	 i, total = 0;
	int	 rounds;

	for (rounds = 0; rounds < 16 && c->proc.err_fd != -1; rounds++) {
		n = read(c->proc.err_fd, chunk, sizeof(chunk));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			break;
		if (n <= 0) {
			/* EOF (the child may close stderr) or an error. */
			stdio_stderr_flush(c);
			close(c->proc.err_fd);
			c->proc.err_fd = -1;
			break;
		}
		total += (size_t)n;
		for (i = 0; i < (size_t)n; i++) {
			if (chunk[i] == '\n') {
				stdio_stderr_flush(c);
				continue;
			}
			if (c->errlen < sizeof(c->errline))
				c->errline[c->errlen++] = chunk[i];
		}
	}
	return total;
}

/* Write what is queued; 0 when done or the pipe is full. */
static enum upstream_stdio_err
stdio_flush(struct stdio_xchg *k)
{
	struct stdio_child	*c = k->c;
	ssize_t			 n;

	while (c->outq_off < c->outq.len) {
		n = proc_write(c->proc.in_fd, c->outq.data + c->outq_off,
		    c->outq.len - c->outq_off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			k->epipe = 1;
			k->epipe_unsent = c->outq_off < k->req_end;
			snprintf(k->detail, k->detaillen, "stdin closed: %s",
			    strerror(errno));
			return UPSTREAM_STDIO_CRASHED;
		}
		if (n == 0)
			return UPSTREAM_STDIO_OK;
		c->outq_off += (size_t)n;
		k->bytes_to += (size_t)n;
	}
	buf_reset(&c->outq);
	c->outq_off = 0;
	k->req_end = 0;
	return UPSTREAM_STDIO_OK;
}

/* stdout readable: read a few chunks. */
static enum upstream_stdio_err
stdio_read(struct stdio_xchg *k, int *eof)
{
	char			 chunk[LIMIT_STDIO_READ_CHUNK];
	enum upstream_stdio_err	 rc;
	ssize_t			 n;
	int			 rounds;

	for (rounds = 0; rounds < 16; rounds++) {
		n = read(k->c->proc.out_fd, chunk, sizeof(chunk));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return UPSTREAM_STDIO_OK;
		if (n <= 0) {
			*eof = 1;
			/* A last message without its newline still counts. */
			if (k->c->in.len > 0) {
				rc = stdio_stdout(k, "\n", 1);
				if (rc != UPSTREAM_STDIO_OK)
					return rc;
			}
			return UPSTREAM_STDIO_OK;
		}
		k->bytes_from += (size_t)n;
		if (k->bytes_from > k->max_output) {
			snprintf(k->detail, k->detaillen, "more than %zu bytes "
			    "of output in one call", k->max_output);
			return UPSTREAM_STDIO_OUTPUT_TOO_LARGE;
		}
		rc = stdio_stdout(k, chunk, (size_t)n);
		if (rc != UPSTREAM_STDIO_OK || k->response != NULL)
			return rc;
	}
	return UPSTREAM_STDIO_OK;
}

/*
 * The client went away (k->gone): the child is told the request is
 * cancelled (MCP basic/utilities/cancellation), without waiting. Its
 * late answer, if any, is dropped by the next drain.
 */
static enum upstream_stdio_err
stdio_cancel(struct stdio_xchg *k)
{
	json_t	*n;
	int	 rc = -1;

	snprintf(k->detail, k->detaillen, "client went away (%s)",
	    k->gone->why != NULL ? k->gone->why : "?");
	if (k->want_id < 0)
		return UPSTREAM_STDIO_CANCELLED;
	n = json_pack("{s:s, s:s, s:{s:I, s:s}}", "jsonrpc", "2.0", "method",
	    "notifications/cancelled", "params", "requestId",
	    (json_int_t)k->want_id, "reason", "client went away");
	if (n != NULL)
		rc = stdio_queue(k->c, n);
	json_decref(n);
	if (rc == -1 || stdio_flush(k) != UPSTREAM_STDIO_OK)
		k->epipe = 1;	/* not told: the child is not kept */
	return UPSTREAM_STDIO_CANCELLED;
}

static enum upstream_stdio_err
stdio_pump(struct stdio_xchg *k, enum stdio_until until)
{
	struct stdio_child	*c = k->c;
	enum upstream_stdio_err	 rc;
	struct pollfd		 pfd[4];
	uint64_t		 now;
	nfds_t			 nfd;
	int			 r, timeout, eof = 0, ii, gi;

	for (;;) {
		rc = stdio_flush(k);
		if (rc != UPSTREAM_STDIO_OK)
			return rc;
		if (until == STDIO_UNTIL_RESPONSE && k->response != NULL)
			return UPSTREAM_STDIO_OK;
		if (until == STDIO_UNTIL_WRITTEN && c->outq.len == 0)
			return UPSTREAM_STDIO_OK;
		if (eof) {
			snprintf(k->detail, k->detaillen, "closed its output");
			return UPSTREAM_STDIO_CRASHED;
		}
		now = clock_mono_ms();
		if (until == STDIO_UNTIL_IDLE)
			timeout = 0;
		else if (now >= k->deadline) {
			snprintf(k->detail, k->detaillen, "no answer before "
			    "the deadline");
			return UPSTREAM_STDIO_TIMEOUT;
		} else
			timeout = k->deadline - now > INT32_MAX ? INT32_MAX :
			    (int)(k->deadline - now);

		nfd = 0;
		pfd[nfd].fd = c->proc.out_fd;
		pfd[nfd++].events = POLLIN;
		ii = -1;
		if (c->outq.len > c->outq_off) {
			ii = (int)nfd;
			pfd[nfd].fd = c->proc.in_fd;
			pfd[nfd++].events = POLLOUT;
		}
		if (c->proc.err_fd != -1) {
			pfd[nfd].fd = c->proc.err_fd;
			pfd[nfd++].events = POLLIN;
		}
		gi = -1;
		if (k->gone != NULL) {
			timeout = gone_timeout(k->gone, timeout);
			if (gone_pollfd(k->gone, &pfd[nfd]))
				gi = (int)nfd++;
		}
		r = poll(pfd, nfd, timeout);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			snprintf(k->detail, k->detaillen, "poll: %s",
			    strerror(errno));
			return UPSTREAM_STDIO_INTERNAL;
		}
		if (r == 0 && until == STDIO_UNTIL_IDLE)
			return UPSTREAM_STDIO_OK;
		/* stderr first, so a dying child's last words get logged;
		 * it counts against the same cap as stdout. */
		k->stderr_bytes += stdio_stderr(c);
		if (k->stderr_bytes > k->max_output) {
			snprintf(k->detail, k->detaillen, "more than %zu bytes "
			    "on stderr in one call", k->max_output);
			return UPSTREAM_STDIO_OUTPUT_TOO_LARGE;
		}
		if (pfd[0].revents != 0) {
			rc = stdio_read(k, &eof);
			if (rc != UPSTREAM_STDIO_OK)
				return rc;
		}
		if (k->gone != NULL && k->response == NULL &&
		    gone_check(k->gone, gi != -1 ? pfd[gi].revents : 0))
			return stdio_cancel(k);
		if (ii != -1 && (pfd[ii].revents & (POLLERR | POLLHUP)) &&
		    !(pfd[ii].revents & POLLOUT)) {
			/* Reader gone: let the write report EPIPE. */
			rc = stdio_flush(k);
			if (rc != UPSTREAM_STDIO_OK)
				return rc;
		}
	}
}

/* ---- spawn and handshake --------------------------------------------- */

/* PATH, HOME, TMPDIR, LANG and the spec's variables; the strings of the
 * latter are borrowed, so no copy of a secret is made. */
static const char **
stdio_envp(const struct upstream_stdio_spec *s,
    const struct upstream_stdio_opts *o)
{
	const char **envp;
	char	 *base[4] = { NULL, NULL, NULL, NULL };
	size_t	  n = 0, i;
	struct buf b;

	while (s->env != NULL && s->env[n] != NULL)
		n++;
	envp = calloc(n + 5, sizeof(*envp));
	if (envp == NULL)
		return NULL;
	buf_init(&b, LIMIT_PROC_PATH * 2 + 16);
	if (buf_printf(&b, "PATH=%s", o->path) == -1 ||
	    (base[0] = buf_detach(&b)) == NULL ||
	    buf_printf(&b, "HOME=%s", s->workdir) == -1 ||
	    (base[1] = buf_detach(&b)) == NULL ||
	    buf_printf(&b, "TMPDIR=%s", s->workdir) == -1 ||
	    (base[2] = buf_detach(&b)) == NULL ||
	    (base[3] = strdup("LANG=C.UTF-8")) == NULL) {
		for (i = 0; i < 4; i++)
			free(base[i]);
		free(envp);
		return NULL;
	}
	for (i = 0; i < 4; i++)
		envp[i] = base[i];
	for (i = 0; i < n; i++)
		envp[4 + i] = s->env[i];
	return envp;
}

static void
stdio_envp_free(const char **envp)
{
	size_t	 i;

	if (envp == NULL)
		return;
	/* The first four are ours (see stdio_envp). */
	for (i = 0; i < 4; i++)
		free((char *)(uintptr_t)envp[i]);
	free(envp);
}

/*
 * The disk quota of s->workdir, before a child may add to it. 0, or -1
 * with detail (the log) and reason (the client: no path) set.
 */
static int
stdio_quota(const struct upstream_stdio_spec *s,
    const struct upstream_stdio_opts *o, char *detail, size_t dl,
    char *reason, size_t rl)
{
	unsigned long long	 used;
	char			 err[LIMIT_STDIO_ERR];

	if (o->disk_quota == 0)
		return 0;
	if (proc_dir_usage(s->workdir, o->disk_quota,
	    LIMIT_STDIO_QUOTA_ENTRIES, LIMIT_STDIO_QUOTA_DEPTH, &used, err,
	    sizeof(err)) == -1) {
		snprintf(detail, dl, "disk quota of '%s' not checked: %.160s",
		    s->workdir, err);
		snprintf(reason, rl, "disk quota: the server's directory "
		    "cannot be measured");
		return -1;
	}
	if (used > o->disk_quota) {
		snprintf(detail, dl, "'%s' holds more than its disk quota of "
		    "%llu bytes", s->workdir,
		    (unsigned long long)o->disk_quota);
		snprintf(reason, rl, "disk quota exceeded: the server's "
		    "directory holds more than %llu bytes",
		    (unsigned long long)o->disk_quota);
		return -1;
	}
	return 0;
}

/* What the sandbox of s's child is built from (file: the program). */
static void
stdio_sandbox_in_of(const struct upstream_stdio_spec *s,
    const struct upstream_stdio_opts *o, const char *file,
    struct stdio_sandbox_in *in)
{
	in->mode = o->sandbox;
	in->file = file;
	in->argv = s->argv;
	in->workdir = s->workdir;
	in->path = o->path;
	in->read_paths = o->read_paths;
	in->entry_paths = s->read_paths;
	in->net = s->net;
	in->ports = s->egress_ports;
	in->n_ports = s->n_egress_ports;
}

static enum upstream_stdio_err
stdio_spawn(const struct upstream_stdio_spec *s,
    const struct upstream_stdio_opts *o, const unsigned char fp[32],
    size_t pool_max, struct stdio_child **out, char *detail, size_t dl,
    char *reason, size_t rl)
{
	struct proc_spec	 ps;
	struct stdio_sandbox	 ssb;
	struct stdio_sandbox_in	 sin;
	struct stdio_child	*c = NULL;
	char			 file[LIMIT_PROC_PATH];
	char			 err[LIMIT_STDIO_ERR];
	const char		**envp = NULL;
	uid_t			 uid = PROC_ID_KEEP;
	gid_t			 gid = PROC_ID_KEEP;
	enum upstream_stdio_err	 rc = UPSTREAM_STDIO_SPAWN_FAILED;

	*out = NULL;
	stdio_sandbox_init(&ssb);
	if (proc_resolve(s->argv[0], o->path, file, sizeof(file)) == -1) {
		snprintf(detail, dl, "program '%s' not found in the stdio path",
		    s->argv[0]);
		goto out;
	}
	/* Switch only when it changes something: a non-root worker keeps
	 * its own ids (and cannot switch without CAP_SETUID anyway). */
	if (o->run_uid != (uid_t)-1 && o->run_gid != (gid_t)-1 &&
	    (o->run_uid != geteuid() || o->run_gid != getegid() ||
	    geteuid() == 0)) {
		uid = o->run_uid;
		gid = o->run_gid;
	}
	if (geteuid() == 0 && (uid == PROC_ID_KEEP || uid == 0 ||
	    gid == PROC_ID_KEEP || gid == 0)) {
		snprintf(detail, dl, "refusing to start '%s' as root: set "
		    "stdio_user", s->argv[0]);
		goto out;
	}
	if (uid == PROC_ID_KEEP && !stdio_undumpable) {
		/* The child shares our uid: without this it could read our
		 * memory (/proc/<pid>/mem, ptrace) and the keys in it. */
		if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0)
			stdio_undumpable = 1;
	}
	if (proc_mkdirs(s->workdir, uid, gid, err, sizeof(err)) == -1) {
		snprintf(detail, dl, "%s", err);
		goto out;
	}
	if (stdio_quota(s, o, detail, dl, reason, rl) == -1)
		goto out;
	/* Landlock, seccomp, network (src/mcp/stdio_sandbox.h). */
	stdio_sandbox_in_of(s, o, file, &sin);
	if (stdio_sandbox_build(&ssb, &sin, stdio_sandbox_support(), detail,
	    dl) == -1)
		goto out;
	envp = stdio_envp(s, o);
	c = calloc(1, sizeof(*c));
	if (envp == NULL || c == NULL) {
		snprintf(detail, dl, "out of memory");
		rc = UPSTREAM_STDIO_INTERNAL;
		goto out;
	}
	proc_init(&c->proc);
	buf_init(&c->in, o->max_line + LIMIT_STDIO_READ_CHUNK + 2);
	buf_init(&c->outq, LIMIT_BODY_CEILING + LIMIT_STDIO_OUTPUT);
	c->key = strdup(s->key);
	c->tenant_id = strdup(s->tenant_id);
	if (c->key == NULL || c->tenant_id == NULL) {
		snprintf(detail, dl, "out of memory");
		rc = UPSTREAM_STDIO_INTERNAL;
		goto out;
	}
	memcpy(c->fp, fp, sizeof(c->fp));
	c->next_id = 1;
	c->max_line = o->max_line;
	c->idle_s = o->idle_s;
	c->max_age_s = o->max_age_s;
	c->max_calls = o->max_calls;
	c->in_use = 1;

	memset(&ps, 0, sizeof(ps));
	ps.file = file;
	ps.argv = s->argv;
	ps.envp = envp;
	ps.workdir = s->workdir;
	ps.uid = uid;
	ps.gid = gid;
	ps.lim.cpu_s = o->cpu_s;
	ps.lim.data_bytes = o->data_bytes;
	ps.lim.nofile = o->nofile;
	ps.lim.nproc = o->nproc;
	ps.lim.fsize_bytes = o->fsize_bytes;
	ps.isolate = o->isolate;
	ps.hide_dir = o->hide_dir;
	ps.sandbox = ssb.active ? &ssb.sb : NULL;

	/* The new one will join the idle ones after the call. */
	stdio_make_room(pool_max);
	if (proc_spawn(&c->proc, &ps, err, sizeof(err)) == -1) {
		snprintf(detail, dl, "%s", err);
		goto out;
	}
	metrics_count(METRICS_STDIO_SPAWNS, 1);
	c->started_ms = c->last_used_ms = clock_mono_ms();
	c->last_used_seq = ++stdio_seq;
	stdio_tab[stdio_tab_n++] = c;
	log_debug(MOD, "started '%s' for '%s' as pid %d", file, s->key,
	    (int)c->proc.pid);
	*out = c;
	c = NULL;
	rc = UPSTREAM_STDIO_OK;
out:
	stdio_child_free(c);
	stdio_envp_free(envp);
	stdio_sandbox_release(&ssb);
	return rc;
}

/* initialize / result / notifications/initialized (MCP lifecycle). */
static enum upstream_stdio_err
stdio_handshake(struct stdio_xchg *k, const struct upstream_stdio_opts *o)
{
	struct stdio_child	*c = k->c;
	enum upstream_stdio_err	 rc;
	json_t			*msg, *result, *err;
	const char		*pv;

	k->want_id = c->next_id++;
	k->relay = 0;	/* nothing the server says now is for the caller */
	msg = json_pack("{s:s, s:I, s:s, s:{s:s, s:o, s:{s:s, s:s}}}",
	    "jsonrpc", "2.0", "id", (json_int_t)k->want_id,
	    "method", "initialize", "params",
	    "protocolVersion", o->client_protocol_version, "capabilities",
	    json_is_object(o->client_capabilities) ?
	    json_deep_copy(o->client_capabilities) : json_object(),
	    "clientInfo", "name", UPSTREAM_STDIO_CLIENT_NAME,
	    "version", UPSTREAM_STDIO_CLIENT_VERSION);
	if (msg == NULL || stdio_queue(c, msg) == -1) {
		json_decref(msg);
		snprintf(k->detail, k->detaillen, "out of memory");
		return UPSTREAM_STDIO_INTERNAL;
	}
	json_decref(msg);
	rc = stdio_pump(k, STDIO_UNTIL_RESPONSE);
	if (rc != UPSTREAM_STDIO_OK)
		return rc;
	result = json_object_get(k->response, "result");
	err = json_object_get(k->response, "error");
	pv = jsonx_str(result, "protocolVersion");
	if (err != NULL || !json_is_object(result) || pv == NULL ||
	    pv[0] == '\0' || strlen(pv) >= sizeof(c->protocol_version)) {
		snprintf(k->detail, k->detaillen, "initialize %s%s",
		    err != NULL ? "failed: " : "result unusable",
		    err != NULL && jsonx_str(err, "message") != NULL ?
		    jsonx_str(err, "message") : "");
		json_decref(k->response);
		k->response = NULL;
		return UPSTREAM_STDIO_INIT_FAILED;
	}
	snprintf(c->protocol_version, sizeof(c->protocol_version), "%s", pv);
	c->init_result = json_incref(result);
	json_decref(k->response);
	k->response = NULL;
	k->want_id = -1;

	msg = json_pack("{s:s, s:s}", "jsonrpc", "2.0", "method",
	    "notifications/initialized");
	if (msg == NULL || stdio_queue(c, msg) == -1) {
		json_decref(msg);
		snprintf(k->detail, k->detaillen, "out of memory");
		return UPSTREAM_STDIO_INTERNAL;
	}
	json_decref(msg);
	return stdio_pump(k, STDIO_UNTIL_WRITTEN);
}

/* ---- the call ------------------------------------------------------- */

/* A pooled child for exactly this spec, alive, or NULL. */
static struct stdio_child *
stdio_take(const struct upstream_stdio_spec *s, const unsigned char fp[32])
{
	struct stdio_child	*c = NULL;
	size_t			 i;

	for (i = 0; i < stdio_tab_n; ) {
		c = stdio_tab[i];
		if (!stdio_idle(c) || strcmp(c->key, s->key) != 0) {
			c = NULL;
			i++;
			continue;
		}
		if (strcmp(c->tenant_id, s->tenant_id) != 0) {
			/* The same key for another tenant: a bug or worse.
			 * Never reuse it, and do not keep it either. */
			log_warn(MOD, "'%s' pid %d requested for another "
			    "tenant: ended", c->key, (int)c->proc.pid);
			stdio_destroy(c);	/* the table shrank: same i */
			c = NULL;
			continue;
		}
		/* Same key, other definition (capabilities, limits, ...):
		 * both may live, LRU and expiry sort them out. */
		if (memcmp(c->fp, fp, sizeof(c->fp)) == 0)
			break;
		c = NULL;
		i++;
	}
	if (c == NULL)
		return NULL;
	if (proc_exited(&c->proc)) {
		char	 st[64];

		proc_describe_status(c->proc.status, st, sizeof(st));
		log_info(MOD, "warm '%s' pid %d had %s", c->key,
		    (int)c->proc.pid, st);
		stdio_destroy(c);
		return NULL;
	}
	c->in_use = 1;
	return c;
}

/* After a failure: SIGKILL the group (a crash gets a moment to exit on
 * its own first, for a meaningful status in the log). */
static void
stdio_kill_failed(struct stdio_child *c, enum upstream_stdio_err rc,
    char *detail, size_t dl)
{
	char	 st[64];
	size_t	 n;

	if (rc == UPSTREAM_STDIO_CRASHED)
		proc_wait(&c->proc, LIMIT_STDIO_EXIT_WAIT_MS);
	if (!c->proc.reaped)
		proc_signal(&c->proc, SIGKILL);
	proc_wait(&c->proc, LIMIT_STDIO_GRACE_MS);
	if (c->proc.reaped && c->proc.pid > 0) {
		proc_describe_status(c->proc.status, st, sizeof(st));
		n = strlen(detail);
		if (n < dl)
			snprintf(detail + n, dl - n, " (%s)", st);
	}
	stdio_stderr(c);
	stdio_stderr_flush(c);
	n = strlen(detail);
	if (c->lastlen > 0 && n < dl)
		snprintf(detail + n, dl - n, "; last stderr: %.*s",
		    (int)c->lastlen, c->lastwords);
	stdio_destroy(c);
}

/* Between calls: answer pings, drop notifications, see if it is alive. */
static enum upstream_stdio_err
stdio_drain(struct stdio_child *c, size_t max_output, char *detail,
    size_t dl)
{
	struct stdio_xchg	 k;
	enum upstream_stdio_err	 rc;

	memset(&k, 0, sizeof(k));
	k.c = c;
	k.want_id = -1;
	k.max_output = max_output;
	k.detail = detail;
	k.detaillen = dl;
	k.deadline = clock_mono_ms();
	rc = stdio_pump(&k, STDIO_UNTIL_IDLE);
	json_decref(k.response);
	return rc;
}

/*
 * A child for the call: a pooled one that is still well (drained), else
 * a fresh one, spawned and through its handshake. On success c is ready
 * for the exchange and info says which. On a failure *cp is NULL when
 * nothing was started, else the child to kill.
 */
static enum upstream_stdio_err
stdio_acquire(const struct upstream_stdio_spec *s,
    const struct upstream_stdio_opts *o, const unsigned char *fp,
    struct stdio_xchg *k, struct upstream_stdio_info *info,
    struct stdio_child **cp, int *warm)
{
	struct stdio_child	*c;
	enum upstream_stdio_err	 rc;
	uint64_t		 ts, call_deadline;

	*cp = c = stdio_take(s, fp);
	*warm = c != NULL;
	if (c != NULL) {
		rc = stdio_drain(c, k->max_output, info->detail,
		    sizeof(info->detail));
		if (rc != UPSTREAM_STDIO_OK) {
			log_info(MOD, "warm '%s' pid %d dropped: %s: %s",
			    c->key, (int)c->proc.pid,
			    upstream_stdio_strerror(rc), info->detail);
			info->detail[0] = '\0';
			stdio_destroy(c);
			*cp = c = NULL;
			*warm = 0;
		}
	}
	if (c == NULL) {
		ts = clock_mono_ms();
		rc = stdio_spawn(s, o, fp, o->pool_max, cp, info->detail,
		    sizeof(info->detail), info->reason, sizeof(info->reason));
		if (rc != UPSTREAM_STDIO_OK)
			return rc;
		c = *cp;
		info->pid = c->proc.pid;
		k->c = c;
		/* The handshake has its own bound (init_ms), within the
		 * call's: a server that never answers initialize costs
		 * init_ms, not the whole deadline. */
		call_deadline = k->deadline;
		if (ts + o->init_ms < k->deadline)
			k->deadline = ts + o->init_ms;
		rc = o->stateless ? UPSTREAM_STDIO_OK : stdio_handshake(k, o);
		k->deadline = call_deadline;
		if (rc == UPSTREAM_STDIO_TIMEOUT)
			snprintf(info->detail, sizeof(info->detail),
			    "no InitializeResult within %u ms", o->init_ms);
		if (rc != UPSTREAM_STDIO_OK)
			return rc;
		info->start_ms = (unsigned)(clock_mono_ms() - ts);
	}
	k->c = c;
	c->errlines = 0;
	info->pid = c->proc.pid;
	info->warm = *warm;
	snprintf(info->protocol_version, sizeof(info->protocol_version), "%s",
	    c->protocol_version);
	json_decref(info->init_result);
	info->init_result = json_incref(c->init_result);
	k->relay = 1;
	k->messages = 0;
	k->bytes_from = 0;
	k->stderr_bytes = 0;
	return UPSTREAM_STDIO_OK;
}

static enum upstream_stdio_err
stdio_oom(struct stdio_xchg *k)
{
	snprintf(k->detail, k->detaillen, "out of memory");
	return UPSTREAM_STDIO_INTERNAL;
}

/*
 * The client's message through k->c: *resp gets the answer, with the
 * client's id cid, or stays NULL for a notification. initialize is
 * answered from the handshake's result, notifications/initialized is
 * swallowed (the platform did the handshake).
 */
static enum upstream_stdio_err
stdio_exchange(struct stdio_xchg *k, const json_t *message,
    const char *method, const json_t *cid, json_t **resp)
{
	struct stdio_child	*c = k->c;
	enum upstream_stdio_err	 rc;
	json_t			*out;

	if (strcmp(method, "initialize") == 0 && cid != NULL) {
		*resp = json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id",
		    (json_t *)(uintptr_t)cid, "result",
		    json_deep_copy(c->init_result));
		return *resp != NULL ? UPSTREAM_STDIO_OK : stdio_oom(k);
	}
	if (strcmp(method, "notifications/initialized") == 0 && cid == NULL)
		return UPSTREAM_STDIO_OK;

	if ((out = json_copy((json_t *)(uintptr_t)message)) == NULL)
		return stdio_oom(k);
	k->want_id = -1;
	if (cid != NULL) {
		k->want_id = c->next_id++;
		if (json_object_set_new(out, "id",
		    json_integer((json_int_t)k->want_id)) == -1) {
			json_decref(out);
			return stdio_oom(k);
		}
	}
	if (stdio_queue(c, out) == -1) {
		json_decref(out);
		return stdio_oom(k);
	}
	k->req_end = c->outq.len;
	json_decref(out);
	rc = stdio_pump(k, cid != NULL ? STDIO_UNTIL_RESPONSE :
	    STDIO_UNTIL_WRITTEN);
	if (rc != UPSTREAM_STDIO_OK || cid == NULL)
		return rc;
	*resp = k->response;
	k->response = NULL;
	if (json_object_set(*resp, "id", (json_t *)(uintptr_t)cid) == -1)
		return stdio_oom(k);
	return UPSTREAM_STDIO_OK;
}

/* After a good call: back to the pool (or retired when there is none). */
static void
stdio_release_ok(struct stdio_child *c, const struct upstream_stdio_opts *o)
{
	c->in_use = 0;
	c->last_used_ms = clock_mono_ms();
	c->last_used_seq = ++stdio_seq;
	/* Expiry follows the configuration of the latest call. */
	c->idle_s = o->idle_s;
	c->max_age_s = o->max_age_s;
	c->max_calls = o->max_calls;
	c->calls++;
	if (o->pool_max == 0 || c->one_shot || (c->max_calls > 0 &&
	    c->calls >= c->max_calls)) {
		if (o->pool_max > 0 && !c->one_shot)
			log_info(MOD, "'%s' pid %d served %u calls: recycled",
			    c->key, (int)c->proc.pid, c->calls);
		stdio_retire(c);
	} else
		stdio_make_room(o->pool_max + 1);
}

/* The options, spec and message checked, and the spec's fingerprint. */
static enum upstream_stdio_err
stdio_check_call(const struct upstream_stdio_spec *s,
    const struct upstream_stdio_opts *o, const json_t *message,
    const char **method, const json_t **cid, unsigned char *fp,
    struct upstream_stdio_info *info)
{
	enum upstream_stdio_err	 rc;

	rc = stdio_check_spec(s, o, info->detail, sizeof(info->detail));
	if (rc != UPSTREAM_STDIO_OK)
		return rc;
	rc = stdio_check_message(message, method, cid, info->detail,
	    sizeof(info->detail));
	if (rc != UPSTREAM_STDIO_OK)
		return rc;
	if (o->stateless && strcmp(*method, "initialize") == 0) {
		snprintf(info->detail, sizeof(info->detail), "initialize: a "
		    "stateless child has no handshake");
		return UPSTREAM_STDIO_EINVAL;
	}
	if (stdio_fp(s, o, fp) == -1) {
		snprintf(info->detail, sizeof(info->detail), "digest failed");
		return UPSTREAM_STDIO_INTERNAL;
	}
	return UPSTREAM_STDIO_OK;
}

/* ---- warm children per tenant on the node (ops/warm.h) -------------- */

/* This worker's warm children per tenant into its node entry: neither
 * the retiring nor the one-shot ones. Under warm_lock(). */
static void
stdio_warm_publish(void)
{
	uint64_t		 keys[LIMIT_NODE_WARM_TENANTS];
	uint64_t		 n[LIMIT_NODE_WARM_TENANTS];
	const struct stdio_child *c;
	uint64_t		 key;
	size_t			 i, j, k = 0;

	for (i = 0; i < stdio_tab_n; i++) {
		c = stdio_tab[i];
		if (c->retiring || c->one_shot || c->tenant_id == NULL)
			continue;
		key = warm_key(c->tenant_id);
		for (j = 0; j < k && keys[j] != key; j++)
			;
		if (j == k) {
			if (k == LIMIT_NODE_WARM_TENANTS)
				continue;
			keys[k] = key;
			n[k++] = 0;
		}
		n[j]++;
	}
	warm_publish(keys, n, k);
}

static void
stdio_warm_sync(void)
{
	if (!stdio_warm_on)
		return;
	warm_lock();
	stdio_warm_publish();
	warm_unlock();
}

/* A fresh child is kept warm only while its tenant's warm children on
 * the node stay within o->tenant_warm_max; else it serves this call and
 * is retired (the call itself is never refused for it). */
static void
stdio_warm_admit(struct stdio_child *c, const struct upstream_stdio_opts *o)
{
	uint64_t	 key;
	unsigned int	 n = 0;

	if (o->tenant_warm_max == 0 || c->tenant_id == NULL)
		return;
	stdio_warm_on = 1;
	key = warm_key(c->tenant_id);
	warm_lock();
	/* c itself is not published yet. */
	if ((n = warm_count(key)) >= o->tenant_warm_max) {
		node_reap_dead();	/* a killed worker's count goes */
		if ((n = warm_count(key)) >= o->tenant_warm_max)
			c->one_shot = 1;
	}
	stdio_warm_publish();
	warm_unlock();
	if (c->one_shot)
		log_info(MOD, "'%s' pid %d not kept warm: its tenant has %u "
		    "warm children on the node (stdio_tenant_warm_max %u)",
		    c->key, (int)c->proc.pid, n, o->tenant_warm_max);
}

enum upstream_stdio_err
upstream_stdio_call(const struct upstream_stdio_spec *s,
    const struct upstream_stdio_opts *opts, const json_t *message,
    upstream_stdio_event_fn *on_event, void *arg, json_t **response,
    struct upstream_stdio_info *info)
{
	struct upstream_stdio_opts	 eo, *o = NULL;
	struct upstream_stdio_info	 dummy;
	struct stdio_xchg		 k;
	struct stdio_child		*c = NULL;
	enum upstream_stdio_err		 rc;
	unsigned char			 fp[32];
	const char			*method;
	const json_t			*cid;
	json_t				*resp = NULL;
	uint64_t			 t0;
	int				 retried = 0, warm;

	if (info == NULL) {
		upstream_stdio_info_init(&dummy);
		info = &dummy;
	}
	if (response != NULL)
		*response = NULL;
	t0 = clock_mono_ms();
	memset(&k, 0, sizeof(k));
	k.detail = info->detail;
	k.detaillen = sizeof(info->detail);
	info->detail[0] = '\0';
	info->reason[0] = '\0';

	if (response == NULL) {
		snprintf(info->detail, sizeof(info->detail), "no response "
		    "pointer");
		rc = UPSTREAM_STDIO_EINVAL;
		goto done;
	}
	if (opts != NULL) {
		eo = *opts;
		stdio_opts_normalize(&eo);
		o = &eo;
	}
	rc = stdio_check_call(s, o, message, &method, &cid, fp, info);
	if (rc != UPSTREAM_STDIO_OK)
		goto done;
	k.deadline = t0 + o->deadline_ms;
	k.max_output = o->max_output;
	k.on_event = on_event;
	k.arg = arg;
	k.progress_token = json_object_get(json_object_get(json_object_get(
	    message, "params"), "_meta"), "progressToken");

	for (;;) {
		rc = stdio_acquire(s, o, fp, &k, info, &c, &warm);
		if (rc == UPSTREAM_STDIO_OK && !warm)
			stdio_warm_admit(c, o);
		k.gone = o->gone;	/* not during the handshake */
		if (rc == UPSTREAM_STDIO_OK)
			rc = stdio_exchange(&k, message, method, cid, &resp);
		k.gone = NULL;
		if (rc != UPSTREAM_STDIO_CRASHED || !k.epipe ||
		    !k.epipe_unsent || !warm || retried)
			break;
		/* Its stdin was gone before it got the whole request: it
		 * cannot have acted on it. Once, with a fresh child. */
		log_info(MOD, "warm '%s' pid %d gone: retrying", c->key,
		    (int)c->proc.pid);
		stdio_destroy(c);
		c = NULL;
		retried = 1;
		k.epipe = k.epipe_unsent = 0;
		info->detail[0] = '\0';
	}
	if (rc == UPSTREAM_STDIO_OK) {
		k.want_id = -1;
		stdio_release_ok(c, o);
		*response = resp;
		resp = NULL;
	} else if (rc == UPSTREAM_STDIO_CANCELLED && c != NULL && !k.epipe) {
		/* Told, and well: kept for the next call. */
		log_info(MOD, "'%s' pid %d: call %lld cancelled: %s", c->key,
		    (int)c->proc.pid, (long long)k.want_id, info->detail);
		k.want_id = -1;
		stdio_release_ok(c, o);
	} else if (c != NULL) {
		/* A misbehaving server is the operator's business; a
		 * caller that went away is not. */
		log_msg(rc == UPSTREAM_STDIO_ABORTED ||
		    rc == UPSTREAM_STDIO_CANCELLED ? LOG_LVL_INFO :
		    LOG_LVL_WARN, MOD, "'%s' pid %d killed: %s: %s", c->key,
		    (int)c->proc.pid, upstream_stdio_strerror(rc),
		    info->detail);
		stdio_kill_failed(c, rc, info->detail, sizeof(info->detail));
	}
	stdio_warm_sync();
done:
	json_decref(resp);
	json_decref(k.response);
	info->bytes_to = k.bytes_to;
	info->bytes_from = k.bytes_from;
	info->notifications = k.notifications;
	info->ms = (unsigned)(clock_mono_ms() - t0);
	if (info == &dummy)
		upstream_stdio_info_release(&dummy);
	return rc;
}

/* ---- pool maintenance -------------------------------------------------- */

void
upstream_stdio_pool_forget(const struct upstream_stdio_spec *s,
    const struct upstream_stdio_opts *opts)
{
	struct upstream_stdio_opts	 o;
	struct stdio_child		*c;
	unsigned char			 fp[32];
	char				 detail[64];

	if (s == NULL || opts == NULL)
		return;
	o = *opts;
	stdio_opts_normalize(&o);
	if (stdio_check_spec(s, &o, detail, sizeof(detail)) !=
	    UPSTREAM_STDIO_OK || stdio_fp(s, &o, fp) == -1)
		return;
	while ((c = stdio_take(s, fp)) != NULL) {
		log_debug(MOD, "'%s' pid %d forgotten", c->key,
		    (int)c->proc.pid);
		stdio_retire(c);
	}
	stdio_warm_sync();
}

static int
stdio_expired(const struct stdio_child *c, uint64_t now)
{
	return now - c->last_used_ms >= (uint64_t)c->idle_s * 1000 ||
	    now - c->started_ms >= (uint64_t)c->max_age_s * 1000;
}

void
upstream_stdio_pool_reap(void)
{
	struct stdio_child	*c;
	char			 detail[LIMIT_STDIO_ERR];
	size_t			 i;
	uint64_t		 now = clock_mono_ms();

	/* Never blocks: a retiring child is moved one step on, a dead or
	 * misbehaving one is killed, an expired one starts retiring. */
	for (i = 0; i < stdio_tab_n; ) {
		c = stdio_tab[i];
		if (c->in_use) {
			i++;
			continue;
		}
		if (c->retiring) {
			if (!stdio_retire_step(c, now))
				i++;
			continue;	/* else the table shrank: same i */
		}
		detail[0] = '\0';
		if (proc_exited(&c->proc) ||
		    stdio_drain(c, LIMIT_STDIO_OUTPUT, detail,
		    sizeof(detail)) != UPSTREAM_STDIO_OK) {
			log_info(MOD, "idle '%s' pid %d dropped%s%s", c->key,
			    (int)c->proc.pid, detail[0] != '\0' ? ": " : "",
			    detail);
			stdio_destroy(c);	/* the table shrank: same i */
			continue;
		}
		if (stdio_expired(c, now))
			stdio_retire(c);
		i++;
	}
	node_gauge_set(NODE_GAUGE_STDIO_WARM, upstream_stdio_pool_size());
	stdio_warm_sync();
}

long
upstream_stdio_pool_next_ms(void)
{
	const struct stdio_child *c;
	uint64_t		 now = clock_mono_ms(), at, best = 0;
	size_t			 i;
	int			 any = 0;

	for (i = 0; i < stdio_tab_n; i++) {
		c = stdio_tab[i];
		if (c->in_use)
			continue;
		if (c->retiring)
			at = c->retire_ms + LIMIT_STDIO_GRACE_MS;
		else {
			at = c->last_used_ms + (uint64_t)c->idle_s * 1000;
			if (c->started_ms + (uint64_t)c->max_age_s * 1000 < at)
				at = c->started_ms +
				    (uint64_t)c->max_age_s * 1000;
		}
		if (!any || at < best)
			best = at;
		any = 1;
	}
	if (!any)
		return -1;
	return best <= now ? 0 : (long)(best - now);
}

void
upstream_stdio_pool_shutdown(void)
{
	struct proc	*ps[STDIO_TAB_CAP] = { NULL };
	size_t		 i, n = stdio_tab_n;

	/* No call runs at exit: everything goes, waiting for it, bounded
	 * by about 2 * LIMIT_STDIO_GRACE_MS whatever the count. */
	for (i = 0; i < n; i++)
		ps[i] = &stdio_tab[i]->proc;
	proc_kill_many(ps, n, LIMIT_STDIO_GRACE_MS);
	for (i = 0; i < n; i++)
		stdio_child_free(stdio_tab[i]);
	memset(stdio_tab, 0, sizeof(stdio_tab));
	stdio_tab_n = 0;
}

void
upstream_stdio_pool_kill_signal_safe(void)
{
	size_t	 i, n = stdio_tab_n;

	for (i = 0; i < n && i < STDIO_TAB_CAP; i++)
		if (stdio_tab[i] != NULL)
			proc_kill_signal_safe(&stdio_tab[i]->proc);
}
