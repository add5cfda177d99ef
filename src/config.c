/*
 * config.c -- typed configuration, environment overrides, secret files;
 * see config.h.
 *
 * Loading runs in three steps so every error names one place:
 *  1. the file: each pair is checked against the key table (unknown and
 *     duplicate keys fail with the line) and its raw value kept;
 *  2. the environment: MCP_PLATFORM_<KEY> replaces a raw value;
 *  3. each raw value (or the default) is converted by its type, required
 *     keys are checked, secret files are read.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <pwd.h>

#include "conf.h"
#include "crypto.h"
#include "config.h"
#include "netguard.h"
#include "jwks.h"
#include "product_limits.h"
#include "strparse.h"
#include "uuid.h"

enum config_type {
	CT_STRING,	/* visible ASCII, no blanks */
	CT_URL,		/* http or https URL */
	CT_PATH,	/* absolute path */
	CT_SECRET_FILE,	/* absolute path; its contents are read */
	CT_BYTES,	/* unsigned integer, 1 .. max */
	CT_SECONDS,	/* unsigned integer, 0 .. max */
	CT_COUNT,	/* unsigned integer, 0 .. max */
	CT_ORIGINS,	/* comma-separated origins */
	CT_LOGLEVEL	/* error | warn | info | debug */
};

struct config_key {
	const char		*name;
	enum config_type	 type;
	int			 required;
	const char		*def;	/* raw default; NULL: unset */
	uint64_t		 max;	/* CT_BYTES / CT_SECONDS */
	size_t			 off;	/* field: char * or uint64_t */
	size_t			 secret_off;	/* CT_SECRET_FILE: struct buf */
};

#define F(f)		offsetof(struct config, f)

/* Keep in step with conf/mcp-platform.conf.example and docs/configuration.md. */
static const struct config_key config_keys[] = {
	{ "supabase_url", CT_URL, 1, NULL, 0, F(supabase_url), 0 },
	{ "supabase_publishable_key", CT_STRING, 0, NULL, 0,
	    F(supabase_publishable_key), 0 },
	{ "supabase_secret_key_file", CT_SECRET_FILE, 1, NULL, 0,
	    F(supabase_secret_key_file), F(supabase_secret_key) },
	{ "supabase_jwt_secret_file", CT_SECRET_FILE, 0, NULL, 0,
	    F(supabase_jwt_secret_file), F(supabase_jwt_secret) },
	{ "master_key_file", CT_SECRET_FILE, 0, NULL, 0, F(master_key_file),
	    F(master_key) },
	{ "public_base_url", CT_URL, 0, NULL, 0, F(public_base_url), 0 },
	{ "supabase_jwt_issuer", CT_URL, 0, NULL, 0, F(supabase_jwt_issuer),
	    0 },
	{ "platform_signing_key_file", CT_SECRET_FILE, 0, NULL, 0,
	    F(platform_signing_key_file), F(platform_signing_key) },
	{ "platform_issuer", CT_STRING, 0, "mcp-platform", 0,
	    F(platform_issuer), 0 },
	{ "data_dir", CT_PATH, 0, "/var/lib/mcp-platform", 0, F(data_dir), 0 },
	{ "log_dir", CT_PATH, 0, "/var/log/mcp-platform", 0, F(log_dir), 0 },
	{ "spool_dir", CT_PATH, 0, "/var/spool/mcp-platform", 0, F(spool_dir),
	    0 },
	/* Numeric and log_level defaults are set by config_init(). */
	{ "max_body", CT_BYTES, 0, NULL, LIMIT_BODY_CEILING, F(max_body), 0 },
	{ "config_ttl", CT_SECONDS, 0, NULL, LIMIT_CONFIG_TTL_MAX,
	    F(config_ttl), 0 },
	{ "stdio_user", CT_STRING, 0, NULL, 0, F(stdio_user), 0 },
	{ "stdio_path", CT_STRING, 0, "/usr/local/bin:/usr/bin:/bin", 0,
	    F(stdio_path), 0 },
	{ "stdio_sandbox", CT_STRING, 0, "best", 0, F(stdio_sandbox), 0 },
	{ "stdio_read_paths", CT_STRING, 0, NULL, 0, F(stdio_read_paths), 0 },
	{ "stdio_pool_max", CT_COUNT, 0, NULL, LIMIT_STDIO_POOL_MAX,
	    F(stdio_pool_max), 0 },
	{ "stdio_idle", CT_SECONDS, 0, NULL, LIMIT_STDIO_MAX_AGE_S,
	    F(stdio_idle), 0 },
	{ "stdio_max_age", CT_SECONDS, 0, NULL, LIMIT_STDIO_LIFETIME_MAX,
	    F(stdio_max_age), 0 },
	{ "stdio_max_calls", CT_COUNT, 0, NULL, LIMIT_STDIO_CALLS_MAX,
	    F(stdio_max_calls), 0 },
	{ "stdio_init_ms", CT_COUNT, 0, NULL, LIMIT_STDIO_DEADLINE_MS_MAX,
	    F(stdio_init_ms), 0 },
	{ "session_max_age", CT_SECONDS, 0, NULL, LIMIT_SESSION_MAX_AGE_MAX,
	    F(session_max_age), 0 },
	{ "upstream_timeout_ms", CT_COUNT, 0, NULL,
	    LIMIT_UPSTREAM_TIMEOUT_MS_MAX, F(upstream_timeout_ms), 0 },
	{ "upstream_max_response", CT_BYTES, 0, NULL, LIMIT_RESPONSE_BODY,
	    F(upstream_max_response), 0 },
	{ "log_body_max", CT_COUNT, 0, NULL, LIMIT_REQLOG_BODY_CEILING,
	    F(log_body_max), 0 },
	{ "log_ship_bytes", CT_BYTES, 0, NULL, LIMIT_LOGSHIP_BYTES_MAX,
	    F(log_ship_bytes), 0 },
	{ "log_ship_interval", CT_SECONDS, 0, NULL,
	    LIMIT_LOGSHIP_INTERVAL_MAX, F(log_ship_interval), 0 },
	{ "log_retention_months", CT_COUNT, 0, NULL, LIMIT_LOG_RETENTION_MAX,
	    F(log_retention_months), 0 },
	{ "signup_policy", CT_STRING, 0, "open", 0, F(signup_policy), 0 },
	{ "metrics_loopback", CT_COUNT, 0, NULL, 1, F(metrics_loopback), 0 },
	{ "metrics_token_file", CT_SECRET_FILE, 0, NULL, 0,
	    F(metrics_token_file), F(metrics_token) },
	{ "limit_interval", CT_SECONDS, 0, NULL, LIMIT_LIMITS_INTERVAL_MAX,
	    F(limit_interval), 0 },
	{ "limit_tenant_rate", CT_COUNT, 0, NULL, LIMIT_LIMITS_RATE_MAX,
	    F(limit_tenant_rate), 0 },
	{ "limit_tenant_burst", CT_COUNT, 0, NULL, LIMIT_LIMITS_RATE_MAX,
	    F(limit_tenant_burst), 0 },
	{ "limit_tenant_concurrent", CT_COUNT, 0, NULL, LIMIT_LIMITS_CONC_MAX,
	    F(limit_tenant_concurrent), 0 },
	{ "limit_caller_rate", CT_COUNT, 0, NULL, LIMIT_LIMITS_RATE_MAX,
	    F(limit_caller_rate), 0 },
	{ "limit_caller_burst", CT_COUNT, 0, NULL, LIMIT_LIMITS_RATE_MAX,
	    F(limit_caller_burst), 0 },
	{ "limit_caller_concurrent", CT_COUNT, 0, NULL, LIMIT_LIMITS_CONC_MAX,
	    F(limit_caller_concurrent), 0 },
	{ "limit_tool_rate", CT_COUNT, 0, NULL, LIMIT_LIMITS_RATE_MAX,
	    F(limit_tool_rate), 0 },
	{ "limit_tool_burst", CT_COUNT, 0, NULL, LIMIT_LIMITS_RATE_MAX,
	    F(limit_tool_burst), 0 },
	{ "limit_tool_concurrent", CT_COUNT, 0, NULL, LIMIT_LIMITS_CONC_MAX,
	    F(limit_tool_concurrent), 0 },
	{ "limit_sync_interval", CT_SECONDS, 0, NULL, LIMIT_SYNC_INTERVAL_MAX,
	    F(limit_sync_interval), 0 },
	{ "limit_quota_monthly", CT_COUNT, 0, NULL, LIMIT_QUOTA_MAX,
	    F(limit_quota_monthly), 0 },
	{ "limits_enabled", CT_COUNT, 0, NULL, 1, F(limits_enabled), 0 },
	{ "metrics_enabled", CT_COUNT, 0, NULL, 1, F(metrics_enabled), 0 },
	{ "node_workers", CT_COUNT, 0, NULL, LIMIT_NODE_WORKERS,
	    F(node_workers), 0 },
	{ "limit_tenant_share", CT_COUNT, 0, NULL, 100,
	    F(limit_tenant_share), 0 },
	{ "stdio_tenant_warm_max", CT_COUNT, 0, NULL, LIMIT_NODE_WORKERS *
	    LIMIT_STDIO_POOL_MAX, F(stdio_tenant_warm_max), 0 },
	{ "allowed_origins", CT_ORIGINS, 0, NULL, 0, 0, 0 },
	{ "allow_tenant_http_servers", CT_STRING, 0, "off", 0,
	    F(allow_tenant_http_servers_text), 0 },
	{ "tenant_http_allow", CT_STRING, 0, NULL, 0, F(tenant_http_allow), 0 },
	{ "operator_users", CT_STRING, 0, NULL, 0, F(operator_users), 0 },
	{ "log_level", CT_LOGLEVEL, 0, NULL, 0, 0, 0 },
};
#define CONFIG_NKEYS	(sizeof(config_keys) / sizeof(config_keys[0]))

/* A raw value and where it came from, for the error messages. */
struct config_raw {
	char		*value;		/* NULL: not given */
	size_t		 line;		/* file line; 0 when from env */
	const char	*env;		/* env entry when from the environment */
};

struct config_loader {
	struct config_raw	 raw[CONFIG_NKEYS];
};

/* snprintf for error messages, where truncating a long one is fine. */
static void __attribute__((format(printf, 3, 4)))
config_errf(char *buf, size_t len, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

void
config_init(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	buf_init(&cfg->supabase_secret_key, LIMIT_SECRET_FILE);
	buf_init(&cfg->supabase_jwt_secret, LIMIT_SECRET_FILE);
	buf_init(&cfg->master_key, LIMIT_SECRET_FILE);
	buf_init(&cfg->platform_signing_key, LIMIT_SECRET_FILE);
	buf_init(&cfg->metrics_token, LIMIT_SECRET_FILE);
	cfg->metrics_loopback = 1;
	cfg->limit_interval = 60;
	cfg->limit_sync_interval = 5;
	cfg->max_body = LIMIT_BODY_DEFAULT;
	cfg->config_ttl = LIMIT_CONFIG_TTL_DEFAULT;
	cfg->stdio_uid = (uid_t)-1;
	cfg->stdio_gid = (gid_t)-1;
	cfg->stdio_pool_max = LIMIT_STDIO_POOL;
	cfg->stdio_sandbox_mode = SANDBOX_MODE_BEST;
	cfg->stdio_idle = LIMIT_STDIO_IDLE_S;
	cfg->stdio_max_age = LIMIT_STDIO_MAX_AGE_S;
	cfg->stdio_max_calls = LIMIT_STDIO_CALLS;
	cfg->stdio_init_ms = LIMIT_STDIO_INIT_MS;
	cfg->node_workers = LIMIT_NODE_WORKERS_DEFAULT;
	cfg->limits_enabled = 1;
	cfg->metrics_enabled = 1;
	cfg->limit_tenant_share = LIMIT_TENANT_SHARE_DEFAULT;
	cfg->session_max_age = LIMIT_SESSION_MAX_AGE_DEFAULT;
	cfg->upstream_timeout_ms = LIMIT_UPSTREAM_TIMEOUT_MS_DEFAULT;
	cfg->upstream_max_response = LIMIT_UPSTREAM_RESPONSE_DEFAULT;
	cfg->log_body_max = LIMIT_REQLOG_BODY_DEFAULT;
	cfg->log_ship_bytes = LIMIT_LOGSHIP_BYTES_DEFAULT;
	cfg->log_ship_interval = LIMIT_LOGSHIP_INTERVAL_DEFAULT;
	cfg->log_retention_months = 0;
	cfg->log_level = LOG_LVL_INFO;
	cfg->signup = SIGNUP_OPEN;
}

void
config_release(struct config *cfg)
{
	size_t	 i;

	buf_release_secret(&cfg->supabase_secret_key);
	buf_release_secret(&cfg->supabase_jwt_secret);
	buf_release_secret(&cfg->master_key);
	buf_release_secret(&cfg->platform_signing_key);
	buf_release_secret(&cfg->metrics_token);
	free(cfg->path);
	free(cfg->supabase_url);
	free(cfg->supabase_publishable_key);
	free(cfg->supabase_secret_key_file);
	free(cfg->supabase_jwt_secret_file);
	free(cfg->master_key_file);
	free(cfg->public_base_url);
	free(cfg->supabase_jwt_issuer);
	free(cfg->platform_signing_key_file);
	free(cfg->platform_issuer);
	free(cfg->data_dir);
	free(cfg->log_dir);
	free(cfg->spool_dir);
	free(cfg->stdio_user);
	free(cfg->stdio_path);
	free(cfg->stdio_sandbox);
	free(cfg->signup_policy);
	free(cfg->stdio_read_paths);
	free(cfg->allow_tenant_http_servers_text);
	free(cfg->tenant_http_allow);
	free(cfg->operator_users);
	for (i = 0; i < cfg->n_allowed_origins; i++)
		free(cfg->allowed_origins[i]);
	free(cfg->allowed_origins);
	config_init(cfg);
}

int
config_secret_key_is_jwt(const struct config *cfg)
{
	return cfg->supabase_secret_key.len > 0 &&
	    strncmp(buf_cstr(&cfg->supabase_secret_key), "sb_", 3) != 0;
}

static char **
config_field_str(struct config *cfg, const struct config_key *k)
{
	return (char **)(void *)((char *)cfg + k->off);
}

static int
config_key_index(const char *key, size_t len)
{
	size_t	 i;

	for (i = 0; i < CONFIG_NKEYS; i++)
		if (strlen(config_keys[i].name) == len &&
		    memcmp(config_keys[i].name, key, len) == 0)
			return (int)i;
	return -1;
}

static int
config_on_pair(void *arg, size_t line, const char *key, size_t keylen,
    const char *val, size_t vallen, struct conf_error *err)
{
	struct config_loader	*ld = arg;
	struct config_raw	*r;
	int			 i;

	if ((i = config_key_index(key, keylen)) == -1) {
		conf_error_set(err, "unknown key '%.*s'", (int)keylen, key);
		return -1;
	}
	r = &ld->raw[i];
	if (r->line != 0) {
		conf_error_set(err, "duplicate key '%s' (first on line %zu)",
		    config_keys[i].name, r->line);
		return -1;
	}
	if ((r->value = strndup(val, vallen)) == NULL) {
		conf_error_set(err, "out of memory");
		return -1;
	}
	r->line = line;
	return 0;
}

/* "MCP_PLATFORM_" + upper-case key into out (sized by the caller). */
static void
config_env_name(const char *key, char *out, size_t outlen)
{
	size_t	 i, o;

	o = strlen(CONFIG_ENV_PREFIX);
	if (o + 1 > outlen)
		o = 0;
	memcpy(out, CONFIG_ENV_PREFIX, o);
	for (i = 0; key[i] != '\0' && o + 1 < outlen; i++, o++)
		out[o] = (key[i] >= 'a' && key[i] <= 'z') ?
		    (char)(key[i] - 'a' + 'A') : key[i];
	out[o] = '\0';
}

/* Step 2: the environment wins over the file. */
static int
config_apply_env(struct config_loader *ld, const char *const *envp,
    char *err, size_t errlen)
{
	const char *const *e;
	char	 name[128];
	size_t	 i, plen = strlen(CONFIG_ENV_PREFIX), nlen;
	int	 found;

	for (e = envp; e != NULL && *e != NULL; e++) {
		const char *eq;

		if (strncmp(*e, CONFIG_ENV_PREFIX, plen) != 0 ||
		    (eq = strchr(*e, '=')) == NULL)
			continue;
		nlen = (size_t)(eq - *e);
		if (nlen == strlen(CONFIG_ENV_PATH) &&
		    memcmp(*e, CONFIG_ENV_PATH, nlen) == 0)
			continue;
		found = 0;
		for (i = 0; i < CONFIG_NKEYS; i++) {
			config_env_name(config_keys[i].name, name,
			    sizeof(name));
			if (strlen(name) != nlen || memcmp(name, *e, nlen) != 0)
				continue;
			found = 1;
			free(ld->raw[i].value);
			if ((ld->raw[i].value = strdup(eq + 1)) == NULL) {
				config_errf(err, errlen, "out of memory");
				return -1;
			}
			ld->raw[i].line = 0;
			ld->raw[i].env = *e;
			break;
		}
		if (!found) {
			config_errf(err, errlen, "environment: unknown variable "
			    "'%.*s'", (int)(nlen > 64 ? 64 : nlen), *e);
			return -1;
		}
	}
	return 0;
}

/* Where a key's value came from, as an error prefix. */
static void
config_where(const struct config *cfg, const struct config_key *k,
    const struct config_raw *r, char *out, size_t outlen)
{
	char	 name[128];

	if (r->env != NULL) {
		config_env_name(k->name, name, sizeof(name));
		config_errf(out, outlen, "environment %s", name);
	} else if (r->line != 0)
		config_errf(out, outlen, "%s:%zu", cfg->path, r->line);
	else
		config_errf(out, outlen, "%s", cfg->path);
}

static int
config_visible(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

/*
 * An http(s) URL usable as a base: scheme, non-empty authority without
 * userinfo, optional path; no query, fragment, blanks or controls. The
 * trailing slashes are dropped so callers append "/rest/v1/...". When
 * origin_only, a path (other than "/") is refused too (allowed_origins).
 */
static const char *
config_check_url(char *s, int origin_only)
{
	size_t	 len = strlen(s), skip;
	char	*host, *slash;

	if (len > LIMIT_URL)
		return "URL too long";
	if (!config_visible(s, len))
		return "URL with blanks or control bytes";
	if (strncmp(s, "https://", 8) == 0)
		skip = 8;
	else if (strncmp(s, "http://", 7) == 0)
		skip = 7;
	else
		return "not an http:// or https:// URL";
	host = s + skip;
	if (strpbrk(s, "?#") != NULL)
		return "URL with a query or fragment";
	slash = strchr(host, '/');
	if (slash == host || *host == '\0')
		return "URL without a host";
	if (memchr(host, '@', slash != NULL ? (size_t)(slash - host) :
	    strlen(host)) != NULL)
		return "URL with credentials (user@host)";
	while (len > skip && s[len - 1] == '/')
		s[--len] = '\0';
	if (origin_only && strchr(host, '/') != NULL)
		return "origin with a path";
	return NULL;
}

static int
config_set_origins(struct config *cfg, const char *raw, char *why,
    size_t whylen)
{
	const char	*p = raw, *comma, *item;
	size_t		 len, n = 0;
	char		*o;
	const char	*bad;

	if ((cfg->allowed_origins = calloc(LIMIT_ORIGINS,
	    sizeof(char *))) == NULL) {
		config_errf(why, whylen, "out of memory");
		return -1;
	}
	for (;;) {
		comma = strchr(p, ',');
		item = p;
		len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		strparse_trim(&item, &len);
		if (len == 0) {
			config_errf(why, whylen, "empty entry in allowed_origins");
			return -1;
		}
		if (n == LIMIT_ORIGINS) {
			config_errf(why, whylen, "more than %d allowed_origins",
			    LIMIT_ORIGINS);
			return -1;
		}
		if ((o = strndup(item, len)) == NULL) {
			config_errf(why, whylen, "out of memory");
			return -1;
		}
		cfg->allowed_origins[n++] = o;
		cfg->n_allowed_origins = n;
		if ((bad = config_check_url(o, 1)) != NULL) {
			config_errf(why, whylen, "origin '%.*s': %s",
			    (int)(len > 128 ? 128 : len), item, bad);
			return -1;
		}
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	return 0;
}

/*
 * The platform's token signing key: a PEM EC P-256 private key (ES256 is
 * the only algorithm of platform tokens; src/auth/auth.c). Checked here so a
 * wrong key stops the worker at start, not the first token request.
 */
static const char *
config_check_signing_key(const struct buf *b)
{
	enum jwtx_alg	 alg;
	int		 priv = 0;

	if (memchr(b->data, '\0', b->len) != NULL ||
	    jwks_pem_info(b->data, b->len, &alg, &priv) == -1 ||
	    alg != JWTX_ALG_ES256 || !priv)
		return "is not an unencrypted PEM EC P-256 private key";
	return NULL;
}

/* Secret file contents: strip one trailing newline, check the bytes. */
static const char *
config_check_secret(const struct config_key *k, struct buf *b)
{
	size_t	 i;

	if (b->len > 0 && b->data[b->len - 1] == '\n')
		b->data[--b->len] = '\0';
	if (b->len > 0 && b->data[b->len - 1] == '\r')
		b->data[--b->len] = '\0';
	if (b->len == 0)
		return "is empty";
	if (strcmp(k->name, "platform_signing_key_file") == 0)
		return config_check_signing_key(b);
	for (i = 0; i < b->len; i++) {
		unsigned char c = (unsigned char)b->data[i];

		if (c == '\0' || c == '\n' || c == '\r')
			return "holds more than one line";
	}
	/* Goes into HTTP headers: visible ASCII only (no header injection). */
	if ((strcmp(k->name, "supabase_secret_key_file") == 0 ||
	    strcmp(k->name, "metrics_token_file") == 0) &&
	    !config_visible(b->data, b->len))
		return "holds bytes other than visible ASCII";
	return NULL;
}

/* Step 3 for one key: raw (may be NULL: unset) into the typed field. */
static int
config_convert(struct config *cfg, const struct config_key *k,
    const char *raw, char *why, size_t whylen)
{
	struct conf_error	 ce;
	struct buf		*sb;
	const char		*bad;
	uint64_t		 u;
	char			*s = NULL;
	enum log_level		 lvl;
	int			 rc = -1;

	if (raw == NULL || *raw == '\0') {
		if (k->required) {
			config_errf(why, whylen, "missing required key '%s'",
			    k->name);
			goto out;
		}
		if ((raw = k->def) == NULL)
			return 0;
	}
	switch (k->type) {
	case CT_STRING:
		if (!config_visible(raw, strlen(raw))) {
			config_errf(why, whylen, "%s: blanks or control bytes",
			    k->name);
			goto out;
		}
		break;
	case CT_URL:
		if ((s = strdup(raw)) == NULL)
			goto oom;
		if ((bad = config_check_url(s, 0)) != NULL) {
			config_errf(why, whylen, "%s: %s", k->name, bad);
			goto out;
		}
		*config_field_str(cfg, k) = s;
		return 0;
	case CT_PATH:
	case CT_SECRET_FILE:
		if (raw[0] != '/' || strlen(raw) > LIMIT_PATH ||
		    !config_visible(raw, strlen(raw))) {
			config_errf(why, whylen, "%s: expected an absolute path",
			    k->name);
			goto out;
		}
		break;
	case CT_BYTES:
	case CT_SECONDS:
	case CT_COUNT:
		if (strparse_u64(raw, strlen(raw), k->type == CT_BYTES ? 1 : 0,
		    k->max, &u) == -1) {
			config_errf(why, whylen, "%s: expected %s from %d to %ju, "
			    "got '%.32s'", k->name, k->type == CT_BYTES ?
			    "bytes" : k->type == CT_SECONDS ? "seconds" :
			    "a number", k->type == CT_BYTES ? 1 : 0,
			    (uintmax_t)k->max, raw);
			goto out;
		}
		*(uint64_t *)(void *)((char *)cfg + k->off) = u;
		return 0;
	case CT_ORIGINS:
		return config_set_origins(cfg, raw, why, whylen);
	case CT_LOGLEVEL:
		if (log_level_parse(raw, &lvl) == -1) {
			config_errf(why, whylen, "log_level: expected error, warn, "
			    "info or debug, got '%.32s'", raw);
			goto out;
		}
		cfg->log_level = lvl;
		return 0;
	}

	if ((s = strdup(raw)) == NULL)
		goto oom;
	*config_field_str(cfg, k) = s;
	s = NULL;
	if (k->type == CT_SECRET_FILE) {
		sb = (struct buf *)(void *)((char *)cfg + k->secret_off);
		if (conf_read_file(raw, LIMIT_SECRET_FILE, CONF_FILE_PRIVATE, sb,
		    &ce) == -1) {
			config_errf(why, whylen, "%s: %s", k->name, ce.msg);
			goto out;
		}
		if ((bad = config_check_secret(k, sb)) != NULL) {
			config_errf(why, whylen, "%s: '%s' %s", k->name, raw, bad);
			goto out;
		}
	}
	rc = 0;
	goto out;
oom:
	config_errf(why, whylen, "out of memory");
out:
	free(s);
	return rc;
}

/* stdio_user names an existing user other than root (DESIGN 3.4: stdio
 * children never run as root). */
static int
config_check_stdio_user(struct config *cfg, const char **key, char *why,
    size_t whylen)
{
	struct passwd	 pw, *res = NULL;
	char		 pwbuf[4096];

	*key = "stdio_user";
	if (cfg->stdio_user == NULL)
		return 0;
	if (getpwnam_r(cfg->stdio_user, &pw, pwbuf, sizeof(pwbuf), &res) != 0 ||
	    res == NULL) {
		config_errf(why, whylen, "stdio_user: no such user '%.64s'",
		    cfg->stdio_user);
		return -1;
	}
	if (pw.pw_uid == 0) {
		config_errf(why, whylen, "stdio_user: must not be root");
		return -1;
	}
	cfg->stdio_uid = pw.pw_uid;
	cfg->stdio_gid = pw.pw_gid;
	return 0;
}

/* signup_policy is open, confirm or invite (docs/user-management.md). */
static int
config_check_signup(struct config *cfg, const char **key, char *why,
    size_t whylen)
{
	const char	*p = cfg->signup_policy != NULL ? cfg->signup_policy :
			    "open";

	*key = "signup_policy";
	if (strcmp(p, "open") == 0)
		cfg->signup = SIGNUP_OPEN;
	else if (strcmp(p, "confirm") == 0)
		cfg->signup = SIGNUP_CONFIRM;
	else if (strcmp(p, "invite") == 0)
		cfg->signup = SIGNUP_INVITE;
	else {
		config_errf(why, whylen, "signup_policy: not one of open, "
		    "confirm, invite");
		return -1;
	}
	return 0;
}

/* allow_tenant_http_servers is a boolean (on/off, true/false, yes/no,
 * 1/0); tenant_http_allow the address guard's allow-list (netguard.h). */
static int
config_check_tenant_http(struct config *cfg, const char **key, char *why,
    size_t whylen)
{
	const char	*v = cfg->allow_tenant_http_servers_text;
	char		 err[160];

	*key = "allow_tenant_http_servers";
	if (v == NULL || strcmp(v, "off") == 0 || strcmp(v, "no") == 0)
		cfg->allow_tenant_http_servers = 0;
	else if (strcmp(v, "on") == 0 || strcmp(v, "yes") == 0)
		cfg->allow_tenant_http_servers = 1;
	else if (strparse_bool(v, strlen(v),
	    &cfg->allow_tenant_http_servers) == -1) {
		config_errf(why, whylen, "allow_tenant_http_servers: not on "
		    "or off");
		return -1;
	}
	*key = "tenant_http_allow";
	if (netguard_parse(&cfg->tenant_http_guard, cfg->tenant_http_allow,
	    err, sizeof(err)) == -1) {
		config_errf(why, whylen, "tenant_http_allow: %s", err);
		return -1;
	}
	return 0;
}

/* The next item of a comma-separated list at *pp (a string value has
 * no blanks): its start with *len, or NULL at the end. */
static const char *
config_list_next(const char **pp, size_t *len)
{
	const char	*p = *pp, *e;

	if (p == NULL || *p == '\0')
		return NULL;
	e = p + strcspn(p, ",");
	*len = (size_t)(e - p);
	*pp = *e == ',' ? e + 1 : e;
	return p;
}

/* operator_users: comma-separated user ids (UUIDs). */
static int
config_check_operators(struct config *cfg, const char **key, char *why,
    size_t whylen)
{
	const char	*p = cfg->operator_users, *item;
	size_t		 len;

	*key = "operator_users";
	while ((item = config_list_next(&p, &len)) != NULL)
		if (!uuid_is_valid(item, len)) {
			config_errf(why, whylen, "operator_users: '%.*s' is "
			    "not a user id (UUID)", (int)(len > 40 ? 40 : len),
			    item);
			return -1;
		}
	return 0;
}

int
config_is_operator(const struct config *cfg, const char *sub)
{
	const char	*p = cfg->operator_users, *item;
	size_t		 len, n = strlen(sub);

	while ((item = config_list_next(&p, &len)) != NULL)
		if (n > 0 && len == n && strncasecmp(item, sub, n) == 0)
			return 1;
	return 0;
}

/* stdio_sandbox is off, best or require; stdio_read_paths a colon list
 * of absolute paths (docs/security.md "The stdio sandbox"). */
static int
config_check_stdio_sandbox(struct config *cfg, const char **key, char *why,
    size_t whylen)
{
	enum sandbox_mode		 m;
	const char			*p;

	*key = "stdio_sandbox";
	if (sandbox_mode_parse(cfg->stdio_sandbox != NULL ?
	    cfg->stdio_sandbox : "best", &m) == -1) {
		config_errf(why, whylen, "stdio_sandbox: not one of off, best, "
		    "require");
		return -1;
	}
	cfg->stdio_sandbox_mode = m;
	*key = "stdio_read_paths";
	for (p = cfg->stdio_read_paths; p != NULL && *p != '\0';
	    p += strcspn(p, ":"), p += *p == ':') {
		if (*p != '/') {
			config_errf(why, whylen, "stdio_read_paths: every "
			    "entry must be an absolute path");
			return -1;
		}
	}
	return 0;
}

/* The master key file's format (lib/crypto.h, docs/security.md): a bad
 * one is found at start, not at the first request that needs a secret. */
static int
config_check_master_key(struct config *cfg, const char **key, char *why,
    size_t whylen)
{
	struct crypto_keyring	 ring;
	int			 rc = 0;

	*key = "master_key_file";
	if (cfg->master_key_file == NULL)
		return 0;
	crypto_keyring_init(&ring);
	if (crypto_keyring_parse(&ring, cfg->master_key.data,
	    cfg->master_key.len) == -1) {
		config_errf(why, whylen, "master_key_file: expected 64 hex "
		    "digits, or kid:hex entries separated by commas");
		rc = -1;
	}
	crypto_keyring_release(&ring);
	return rc;
}

/* Platform tokens and Supabase tokens are told apart by "iss". */
static int
config_check_issuers(struct config *cfg, const char **key, char *why,
    size_t whylen)
{
	struct buf	 iss;
	int		 rc = 0;

	*key = "platform_issuer";
	buf_init(&iss, LIMIT_URL + 16);
	if (cfg->platform_issuer == NULL || config_supabase_issuer(cfg,
	    &iss) == -1)
		goto out;
	if (strcmp(cfg->platform_issuer, iss.data) == 0) {
		config_errf(why, whylen, "platform_issuer: must differ from "
		    "the supabase issuer '%s'", iss.data);
		rc = -1;
	}
out:
	buf_release(&iss);
	return rc;
}

int
config_supabase_issuer(const struct config *cfg, struct buf *out)
{
	if (cfg->supabase_jwt_issuer != NULL)
		return buf_appends(out, cfg->supabase_jwt_issuer);
	if (cfg->supabase_url == NULL)
		return -1;
	return buf_printf(out, "%s/auth/v1", cfg->supabase_url);
}

/* limit_interval: seconds, at least 1 (0 is what a bad value converts to). */
static int
config_check_limit_interval(struct config *cfg, const char **key, char *why,
    size_t whylen)
{
	*key = "limit_interval";
	if (cfg->limit_interval != 0)
		return 0;
	config_errf(why, whylen, "limit_interval: expected seconds from 1 to "
	    "%d", LIMIT_LIMITS_INTERVAL_MAX);
	return -1;
}

/*
 * The checks run once every value is converted, in this order. Each sets
 * *key to the key it checks (a check covering two keys moves it on) and
 * on failure says in why what is wrong; config_load adds where the key's
 * value came from.
 */
static int (*const config_checks[])(struct config *, const char **, char *,
    size_t) = {
	config_check_master_key,
	config_check_limit_interval,
	config_check_stdio_user,
	config_check_stdio_sandbox,
	config_check_signup,
	config_check_tenant_http,
	config_check_operators,
	config_check_issuers,
};

int
config_load(struct config *cfg, const char *path, const char *const *envp,
    char *err, size_t errlen)
{
	struct config_loader	 ld;
	struct conf_error	 ce;
	struct buf		 file;
	char			 why[LIMIT_CONF_ERR], where[LIMIT_PATH + 64];
	const char		*key = NULL;
	size_t			 i, c;
	int			 rc = -1;

	memset(&ld, 0, sizeof(ld));
	buf_init(&file, LIMIT_CONF_FILE);
	config_release(cfg);
	err[0] = '\0';

	if ((cfg->path = strdup(path)) == NULL) {
		config_errf(err, errlen, "out of memory");
		goto out;
	}
	if (conf_read_file(path, LIMIT_CONF_FILE, 0, &file, &ce) == -1) {
		config_errf(err, errlen, "%s", ce.msg);
		goto out;
	}
	if (conf_parse(file.data, file.len, config_on_pair, &ld, &ce) == -1) {
		config_errf(err, errlen, "%s:%zu: %s", path, ce.line, ce.msg);
		goto out;
	}
	if (config_apply_env(&ld, envp, err, errlen) == -1)
		goto out;
	for (i = 0; i < CONFIG_NKEYS; i++) {
		if (config_convert(cfg, &config_keys[i], ld.raw[i].value, why,
		    sizeof(why)) == -1) {
			config_where(cfg, &config_keys[i], &ld.raw[i], where,
			    sizeof(where));
			config_errf(err, errlen, "%s: %s", where, why);
			goto out;
		}
	}
	for (c = 0; c < sizeof(config_checks) / sizeof(config_checks[0]); c++) {
		if (config_checks[c](cfg, &key, why, sizeof(why)) == 0)
			continue;
		i = (size_t)config_key_index(key, strlen(key));
		config_where(cfg, &config_keys[i], &ld.raw[i], where,
		    sizeof(where));
		config_errf(err, errlen, "%s: %s", where, why);
		goto out;
	}
	rc = 0;
out:
	for (i = 0; i < CONFIG_NKEYS; i++)
		free(ld.raw[i].value);
	buf_release(&file);
	if (rc == -1) {
		/* Keep the path for the caller's message, drop the rest. */
		char *keep = cfg->path;

		cfg->path = NULL;
		config_release(cfg);
		cfg->path = keep;
	}
	return rc;
}

/* Length of the scheme://host[:port] part of an URL. */
static size_t
config_origin_len(const char *url)
{
	const char	*host = strstr(url, "://"), *slash;

	if (host == NULL)
		return 0;
	slash = strchr(host + 3, '/');
	return slash != NULL ? (size_t)(slash - url) : strlen(url);
}

int
config_origin_allowed(const struct config *cfg, const char *origin,
    size_t len)
{
	size_t	 i, olen;
	char	 tmp[LIMIT_URL + 1];

	for (i = 0; i < cfg->n_allowed_origins; i++)
		if (strparse_eq_ci(origin, len, cfg->allowed_origins[i]))
			return 1;
	if (cfg->public_base_url != NULL) {
		olen = config_origin_len(cfg->public_base_url);
		if (olen == 0 || olen > LIMIT_URL)
			return 0;
		memcpy(tmp, cfg->public_base_url, olen);
		tmp[olen] = '\0';
		if (strparse_eq_ci(origin, len, tmp))
			return 1;
	}
	return 0;
}
