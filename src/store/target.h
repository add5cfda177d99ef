/*
 * target.h -- the resolved target of one MCP exchange (DESIGN sections 3.3,
 * 3.4 and 4): what resolve_mcp_target answered (src/store/resolve.h), checked
 * again and turned into exactly what the upstream modules take -- the
 * catalog's argv, the environment or headers carrying the tenant's
 * settings and decrypted secrets, the working directory, the pool key,
 * the limits and the tool policy.
 *
 *     struct target t;
 *     char err[TARGET_ERR_LEN];
 *     if (target_from_json(resolved, cfg, &t, err, sizeof(err)) == -1) {
 *         t.error == TARGET_MISSING: JSON-RPC error
 *             "server not configured for tenant: <err>"
 *         else: log err; JSON-RPC error (internal / not configured)
 *         target_release(&t);   (harmless; t is already empty)
 *     }
 *     hand t to upstream_call() (src/mcp/upstream.h), which builds the
 *     transport's spec or options from it
 *     target_release(&t);
 *
 * Rules (defence in depth: the database checks most of this too):
 *  - tenant.id must be a UUID (kept in lowercase), tenant_server.alias and
 *    server.slug slugs, tenant.status "active": the id and alias become
 *    path components of the working directory;
 *  - argv comes from server.argv ONLY (tenants never supply commands):
 *    stdio needs 1..LIMIT_STDIO_ARGV non-empty-first strings; http needs a
 *    url "http(s)://..." without blanks or controls, <= LIMIT_URL;
 *  - settings_spec and secrets_spec entries {name, delivery env|header,
 *    target, required, default, locked} give each value: for a locked
 *    entry the default; else the tenant's value (tenant_server.settings
 *    [name], or the decrypted tenant_server.secrets[name]) if present and
 *    not null, else the default. "${workdir}" in a DEFAULT is replaced by
 *    the working directory (never in a tenant's value). Setting values may
 *    be strings, integers, reals or booleans ("true"/"false"); an object
 *    or array is refused. An empty result counts as absent: a required
 *    entry is then TARGET_MISSING, an optional one is not delivered;
 *  - delivery env: "target=value" in env (stdio only); delivery header:
 *    {target, value, catalog = 1} in headers (http only; catalog = 1 since
 *    the operator's catalog named it). The other combination is refused.
 *    Env names [A-Za-z_][A-Za-z0-9_]* (<= LIMIT_STDIO_ENV_NAME), header
 *    names RFC 9110 tokens (<= TARGET_HEADER_NAME_MAX); a name given twice
 *    (headers: case-insensitively) is refused. The upstream modules apply
 *    their own refusal lists (PATH, LD_*, Host, Mcp-*, ...) on top;
 *  - values: at most LIMIT_TARGET_VALUE bytes, no NUL, CR, LF or other
 *    control byte (tab aside), no DEL: nothing can smuggle a second header
 *    or variable;
 *  - secrets: see "Secrets" below. Values are kept, besides env/headers,
 *    in secret_values for log redaction;
 *  - limits: config default, overridden by server.limits, overridden by
 *    tenant_server.limits (both operator-only columns); keys timeout_ms,
 *    max_body, max_response, and for stdio max_file_bytes (default
 *    LIMIT_STDIO_FSIZE) and disk_quota_bytes (LIMIT_STDIO_DISK_QUOTA),
 *    each a positive integer; values above the ceiling are clamped to it
 *    (timeout LIMIT_UPSTREAM_TIMEOUT_MS_MAX, body cfg->max_body -- the
 *    request was already bounded by it -- response LIMIT_RESPONSE_BODY,
 *    LIMIT_STDIO_FSIZE_MAX, LIMIT_STDIO_DISK_QUOTA_MAX); other keys are
 *    ignored (other modules' limits). tenant.limits is not used here;
 *  - stdio sandbox (server.network, egress_ports, read_paths; migration
 *    0005): network "loopback-denied" (also when absent or null), "none"
 *    or "any"; egress_ports null or 1..LIMIT_SANDBOX_PORTS integers
 *    1..65535; read_paths null or up to LIMIT_SANDBOX_PATHS absolute
 *    paths without "..", NUL or control bytes. Ignored for http;
 *  - tool_allow: null = every tool, else the exact names (possibly none);
 *    tool_deny: null or array; at most LIMIT_TARGET_TOOLS names each.
 *
 * Secrets. tenant_server.secrets maps a name to {"kid","nonce","ct"}
 * (base64, standard or URL-safe, padded or not: lib/base64.h): nonce is
 * 12 bytes, ct is the AES-256-GCM ciphertext with its 16-byte tag
 * appended. The key is
 *     K = HKDF-SHA256(ikm = the 32 bytes of the master key,
 *                     info = "mcp-secret v1")
 * where cfg->master_key is a key or a key ring in crypto.h's text form
 * ("<current>[,<previous>...]", each "[<kid>:]<64 hex>"): the entry's kid
 * picks the key that opens it, the first (current) key seals. And the
 * associated data is
 *     "mcp-secret v1|" tenant_id "|" alias "|" name
 * with tenant_id in lowercase. None of the three parts can hold "|"
 * (UUID, slug, [A-Za-z0-9_.-]{1,64}), so the string is unambiguous: a
 * ciphertext copied to another tenant, alias or secret name fails
 * authentication. Consequence: renaming an alias invalidates its secrets
 * (re-seal them with target_secret_open + target_secret_seal). A kid
 * not in the ring, a bad encoding or a failed tag is TARGET_SECRET; no
 * plaintext is kept from a failed entry. The keys are parsed and derived
 * per call (microseconds), only when a secret is actually needed.
 *
 * Errors: target_from_json() returns -1 and sets t->error (enum
 * target_err) and err. For TARGET_MISSING err is "missing '<name>'" (the
 * catalog's name for the setting or secret), meant for the client as
 * "server not configured for tenant: missing '<name>'". For the others
 * err is a lowercase line for the operator log. err names settings,
 * secrets, key ids and JSON fields, NEVER a value (tenant or operator),
 * so showing it to a tenant member leaks no secret.
 *
 * Ownership: every pointer in struct target is owned by it. Callers read
 * the fields and hand borrowed pointers to the upstream modules for the
 * request's duration. target_release() wipes (explicit_bzero) every env
 * entry, header value and secret value, frees everything and leaves an
 * initialised empty target; it accepts an initialised or zeroed struct.
 * target_from_json() initialises t itself; on failure t is left empty but
 * for t->error.
 */
#ifndef MCP_TARGET_H
#define MCP_TARGET_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "buf.h"
#include "config.h"
#include "netguard.h"
#include "product_limits.h"
#include "sandbox.h"

/*
 * Limits of this module. Candidates for src/product_limits.h (guarded so the
 * two definitions can coexist while they move there).
 */
#ifndef LIMIT_TARGET_VALUE
#define LIMIT_TARGET_VALUE	8192	/* one setting or secret value */
#endif
#ifndef LIMIT_TARGET_SPECS
#define LIMIT_TARGET_SPECS	64	/* entries of settings_spec and of
					   secrets_spec, each */
#endif
#ifndef LIMIT_TARGET_TOOLS
#define LIMIT_TARGET_TOOLS	1024	/* tool_allow / tool_deny names */
#endif
#ifndef LIMIT_TARGET_ERR
#define LIMIT_TARGET_ERR	256	/* target error messages */
#endif

#define TARGET_ERR_LEN		LIMIT_TARGET_ERR
#define TARGET_HEADER_NAME_MAX	64	/* upstream_http's own cap */
#define TARGET_SECRET_NAME_MAX	64	/* [A-Za-z0-9_.-]{1,64}, the schema's */
#define TARGET_AAD_PREFIX	"mcp-secret v1|"
#define TARGET_HKDF_INFO	"mcp-secret v1"

enum target_transport {
	TARGET_STDIO,
	TARGET_HTTP,
	TARGET_TRANSPORT__MAX
};

/* One upstream header (http): what upstream_http.h's struct
 * upstream_http_header takes, field for field. */
struct target_header {
	const char	*name;		/* RFC 9110 token */
	const char	*value;		/* a secret: never logged */
	int		 catalog;	/* 1: named by the operator's catalog */
};

enum target_err {
	TARGET_OK = 0,
	TARGET_MISSING,		/* a required setting/secret has no value;
				   err is fit for the client */
	TARGET_INVALID,		/* the resolve answer, catalog entry or
				   tenant configuration breaks a rule */
	TARGET_SECRET,		/* a secret cannot be decrypted: no or bad
				   master key, other kid, bad encoding,
				   failed tag (tampered, copied row) */
	TARGET_INTERNAL,	/* out of memory, crypto library failure */
	TARGET__MAX
};

struct target {
	char		*tenant_id;	/* lowercase UUID */
	char		*tenant_slug;
	char		*alias;		/* tenant_server.alias */
	char		*server_slug;	/* the catalog entry */
	enum target_transport transport;
	char		*version;	/* tenant_server.version, decimal */
	char		*pool_key;	/* "<tenant_id>|<alias>|<version>" */
	char		*workdir;	/* <data_dir>/tenants/<tenant_id>/<alias> */

	char		**argv;		/* stdio: NULL-terminated; else NULL */
	enum sandbox_net net;	/* stdio: server.network (default
					   loopback-denied) */
	uint16_t	*egress_ports;	/* stdio: server.egress_ports, or
					   NULL (the sandbox's default) */
	size_t		 n_egress_ports;
	char		**read_paths;	/* stdio: server.read_paths, NULL-
					   terminated, or NULL */
	char		**env;		/* stdio: NULL-terminated "NAME=value"
					   (at least {NULL}); else NULL */
	size_t		 n_env;
	char		*url;		/* http; else NULL */
	const struct netguard *guard;	/* http: a tenant's own url (server
					   "byo": true, server_slug ""): the
					   operator's guard (cfg), borrowed;
					   NULL for catalog servers */
	struct target_header *headers;	/* http: n_headers entries */
	size_t		 n_headers;

	unsigned long	 timeout_ms;	/* limits: the whole upstream call */
	size_t		 max_body;	/* the client's request body */
	size_t		 max_response;	/* the upstream's answer */
	uint64_t	 max_file_bytes; /* stdio: RLIMIT_FSIZE */
	uint64_t	 disk_quota_bytes; /* stdio: the workdir's quota */

	char		**tool_allow;	/* NULL: every tool; else NULL-
					   terminated (possibly empty) */
	size_t		 n_tool_allow;
	char		**tool_deny;	/* NULL-terminated, never NULL after
					   a successful target_from_json */
	size_t		 n_tool_deny;

	char		**secret_values; /* NULL-terminated decrypted values
					   (and secret defaults), for log
					   redaction; never NULL after
					   success */
	size_t		 n_secret_values;

	enum target_err	 error;		/* what target_from_json() failed
					   with (TARGET_OK on success); kept
					   when the rest is emptied */
};

void	 target_init(struct target *);
void	 target_release(struct target *);

/* resolved: the object resolve_target() returned (borrowed, not
 * modified). cfg: data_dir, max_body, master_key are read. 0, or -1 with
 * t->error saying why and err the message (see "Errors"). */
int	 target_from_json(const json_t *resolved, const struct config *cfg,
	    struct target *t, char *err, size_t errlen);

/*
 * Seal value (a NUL-terminated secret, 1..LIMIT_TARGET_VALUE bytes, no
 * control bytes but tab) for (tenant_id, alias, name) with the current
 * key of master_key (crypto.h's text form, e.g. cfg->master_key):
 * *out = a NEW {"kid","nonce","ct"} object for
 * tenant_server.secrets[name]. 0, or -1 with a lowercase reason in err
 * (never the value). For the admin API and the operator's CLI.
 */
int	 target_secret_seal(const struct buf *master_key, const char *tenant_id,
	    const char *alias, const char *name, const char *value,
	    json_t **out, char *err, size_t errlen);
/*
 * The reverse, for re-sealing (alias rename, key rotation) and tools:
 * append the plaintext of sealed to out (give an empty buf and release it
 * with buf_release_secret). 0, or -1 with a reason in err; out is then
 * unchanged.
 */
int	 target_secret_open(const struct buf *master_key,
	    const char *tenant_id, const char *alias, const char *name,
	    const json_t *sealed, struct buf *out, char *err, size_t errlen);

/* "ok", "missing", "invalid", "secret", "internal". */
const char *target_strerror(enum target_err);

#endif /* MCP_TARGET_H */
