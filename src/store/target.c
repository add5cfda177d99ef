/*
 * target.c -- resolve answer to upstream target; see target.h.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "crypto.h"
#include "jsonx.h"
#include "strparse.h"
#include "store/target.h"
#include "uuid.h"

#define TARGET_WORKDIR_VAR	"${workdir}"
#define TARGET_VERSION_MAX	20	/* digits of a bigint */
/* Sealed secrets' nonce and ct as stored: either alphabet, padded or
 * not (see target_secret_open). */
#define TARGET_B64		(BASE64_STD | BASE64_URL | BASE64_PAD)

/* Working state of one target_from_json() call. */
struct target_ctx {
	struct target		*t;
	const struct config	*cfg;
	struct crypto_keyring	 keys;		/* derived secret keys */
	int			 keys_loaded;
	size_t			 args_bytes;	/* argv + env, for
						   LIMIT_STDIO_ARGS_BYTES */
	char			*err;
	size_t			 errlen;
};

static enum target_err target_fail(char *, size_t, enum target_err,
    const char *, ...) __attribute__((format(printf, 4, 5)));

static enum target_err
target_fail(char *err, size_t errlen, enum target_err rc, const char *fmt, ...)
{
	va_list	 ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

const char *
target_strerror(enum target_err e)
{
	static const char *const names[TARGET__MAX] = {
		[TARGET_OK] = "ok",
		[TARGET_MISSING] = "missing",
		[TARGET_INVALID] = "invalid",
		[TARGET_SECRET] = "secret",
		[TARGET_INTERNAL] = "internal",
	};

	if ((unsigned)e >= TARGET__MAX)
		return "unknown";
	return names[e];
}

/* ---- string vectors ---------------------------------------------------- */

/* Append s (taken over: freed on failure) to the NULL-terminated *v. */
static int
target_strv_push(char ***v, size_t *n, char *s)
{
	char	**nv;

	if (s == NULL)
		return -1;
	if ((nv = realloc(*v, (*n + 2) * sizeof(*nv))) == NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
		return -1;
	}
	nv[(*n)++] = s;
	nv[*n] = NULL;
	*v = nv;
	return 0;
}

static int
target_strv_empty(char ***v)
{
	if (*v == NULL && (*v = calloc(1, sizeof(**v))) == NULL)
		return -1;
	return 0;
}

static void
target_strv_free(char **v, int wipe)
{
	size_t	 i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++) {
		if (wipe)
			explicit_bzero(v[i], strlen(v[i]));
		free(v[i]);
	}
	free(v);
}

/* ---- lifecycle --------------------------------------------------------- */

void
target_init(struct target *t)
{
	memset(t, 0, sizeof(*t));
	t->transport = TARGET_STDIO;
}

void
target_release(struct target *t)
{
	size_t	 i;

	free(t->tenant_id);
	free(t->tenant_slug);
	free(t->alias);
	free(t->server_slug);
	free(t->version);
	free(t->pool_key);
	free(t->workdir);
	target_strv_free(t->argv, 0);
	target_strv_free(t->env, 1);
	free(t->egress_ports);
	target_strv_free(t->read_paths, 0);
	free(t->url);
	for (i = 0; i < t->n_headers; i++) {
		/* The strings were allocated here; the struct's const is
		 * the promise of struct target_header (upstream_http's) not to
		 * change them. */
		char *name = (char *)(uintptr_t)t->headers[i].name;
		char *value = (char *)(uintptr_t)t->headers[i].value;

		if (value != NULL)
			explicit_bzero(value, strlen(value));
		free(value);
		free(name);
	}
	free(t->headers);
	target_strv_free(t->tool_allow, 0);
	target_strv_free(t->tool_deny, 0);
	target_strv_free(t->secret_values, 1);
	target_init(t);
}

/* ---- checks ------------------------------------------------------------ */

/* A JSON string without embedded NUL, or NULL. */
static const char *
target_jstr(const json_t *j)
{
	const char	*s;

	if (!json_is_string(j))
		return NULL;
	s = json_string_value(j);
	if (strlen(s) != json_string_length(j))
		return NULL;
	return s;
}

static int
target_env_name_ok(const char *s)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    c == '_' || (i > 0 && c >= '0' && c <= '9')))
			return 0;
	}
	return i > 0 && i <= LIMIT_STDIO_ENV_NAME;
}

/* RFC 9110 5.6.2: token = 1*tchar. */
static int
target_header_name_ok(const char *s)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++) {
		char c = s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') ||
		    strchr("!#$%&'*+-.^_`|~", c) != NULL)
			continue;
		return 0;
	}
	return i > 0 && i <= TARGET_HEADER_NAME_MAX;
}

/* The schema's secret/setting name: ^[A-Za-z0-9_.-]{1,64}$. */
static int
target_name_ok(const char *s)
{
	size_t	 i;

	if (s == NULL)
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		    c == '-'))
			return 0;
	}
	return i > 0 && i <= TARGET_SECRET_NAME_MAX;
}

/*
 * A value we deliver: no NUL (len is the real length), no CR or LF (a
 * second header or variable), no other control byte but HTAB, no DEL
 * (RFC 9110 5.5 field-value; env values held to the same rule).
 */
static int
target_value_ok(const char *p, size_t len)
{
	size_t	 i;

	if (len > LIMIT_TARGET_VALUE)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return 0;
	}
	return 1;
}

/* Lowercase UUID into out[UUID_STRLEN + 1]; 0 or -1. */
static int
target_uuid_canon(const char *s, char out[UUID_STRLEN + 1])
{
	size_t	 i;

	if (s == NULL || !uuid_is_valid(s, strlen(s)))
		return -1;
	for (i = 0; i < UUID_STRLEN; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	out[UUID_STRLEN] = '\0';
	return 0;
}

/* ---- secrets: key, AAD ------------------------------------------------- */

/* The secret keys K (target.h), with their kids, from the master key
 * text: one key, or "current,previous..." (crypto.h). */
static enum target_err
target_secret_keys(const struct buf *mk, struct crypto_keyring *ring,
    char *err, size_t errlen)
{
	unsigned char	 k[CRYPTO_KEY_LEN];
	size_t		 i;
	enum target_err	 rc;

	crypto_keyring_release(ring);
	if (mk == NULL || mk->len == 0 || mk->data == NULL) {
		rc = target_fail(err, errlen, TARGET_SECRET,
		    "no master key loaded (master_key_file)");
		goto out;
	}
	if (crypto_keyring_parse(ring, mk->data, mk->len) == -1) {
		rc = target_fail(err, errlen, TARGET_SECRET,
		    "master key is malformed: expected 64 hex digits, "
		    "optionally after '<kid>:', comma-separated for rotation");
		goto out;
	}
	for (i = 0; i < ring->n; i++) {
		if (crypto_hkdf_sha256(ring->keys[i].key, CRYPTO_KEY_LEN,
		    TARGET_HKDF_INFO, k, sizeof(k)) == -1) {
			rc = target_fail(err, errlen, TARGET_INTERNAL,
			    "cannot derive the secret key");
			goto out;
		}
		memcpy(ring->keys[i].key, k, sizeof(k));
	}
	rc = TARGET_OK;
out:
	explicit_bzero(k, sizeof(k));
	if (rc != TARGET_OK)
		crypto_keyring_release(ring);
	return rc;
}

/* AAD = "mcp-secret v1|<tenant_id>|<alias>|<name>" (target.h). The parts
 * are checked here, so the separator cannot occur inside one. */
static int
target_aad(struct buf *aad, const char *tenant_id, const char *alias,
    const char *name, char *err, size_t errlen)
{
	char	 tid[UUID_STRLEN + 1];

	if (target_uuid_canon(tenant_id, tid) == -1) {
		target_fail(err, errlen, TARGET_INVALID,
		    "tenant id is not a uuid");
		return -1;
	}
	if (alias == NULL || !strparse_is_slug(alias, strlen(alias),
	    LIMIT_SLUG)) {
		target_fail(err, errlen, TARGET_INVALID,
		    "server alias is not a slug");
		return -1;
	}
	if (!target_name_ok(name)) {
		target_fail(err, errlen, TARGET_INVALID,
		    "secret name is not [A-Za-z0-9_.-]{1,64}");
		return -1;
	}
	if (buf_printf(aad, "%s%s|%s|%s", TARGET_AAD_PREFIX, tid, alias,
	    name) == -1) {
		target_fail(err, errlen, TARGET_INTERNAL, "out of memory");
		return -1;
	}
	return 0;
}

/* Decode and open one {"kid","nonce","ct"} entry with aad and the key of
 * its kid. */
static enum target_err
target_open_entry(const struct crypto_keyring *ring, const struct buf *aad,
    const char *name, const json_t *entry, struct buf *out, char *err,
    size_t errlen)
{
	const struct crypto_key	*k;
	struct buf		 raw;
	const char		*kid, *nonce, *ct;
	enum target_err		 rc;

	buf_init(&raw, LIMIT_TARGET_VALUE + CRYPTO_SEAL_OVERHEAD + 3);
	if (!json_is_object(entry) || json_object_size(entry) != 3 ||
	    (kid = target_jstr(json_object_get(entry, "kid"))) == NULL ||
	    (nonce = target_jstr(json_object_get(entry, "nonce"))) == NULL ||
	    (ct = target_jstr(json_object_get(entry, "ct"))) == NULL ||
	    !crypto_kid_valid(kid, strlen(kid))) {
		rc = target_fail(err, errlen, TARGET_SECRET,
		    "secret '%s': not a {kid, nonce, ct} ciphertext", name);
		goto out;
	}
	if ((k = crypto_keyring_find(ring, kid)) == NULL) {
		rc = target_fail(err, errlen, TARGET_SECRET,
		    "secret '%s' was sealed with key '%s', which is not loaded "
		    "(current key '%s')", name, kid, ring->keys[0].kid);
		goto out;
	}
	/* Either alphabet, padded or not: the database's check constraint
	 * admits both (lib/base64.h). */
	if (base64_decode(&raw, nonce, strlen(nonce), TARGET_B64) == -1 ||
	    raw.len != CRYPTO_NONCE_LEN ||
	    base64_decode(&raw, ct, strlen(ct), TARGET_B64) == -1 ||
	    raw.len < CRYPTO_SEAL_OVERHEAD) {
		rc = target_fail(err, errlen, TARGET_SECRET,
		    "secret '%s': bad nonce or ciphertext encoding", name);
		goto out;
	}
	if (crypto_open(k->key, aad->data, aad->len, raw.data, raw.len,
	    out) == -1) {
		rc = target_fail(err, errlen, TARGET_SECRET,
		    "secret '%s' does not decrypt (tampered, or sealed for "
		    "another tenant, server or name)", name);
		goto out;
	}
	rc = TARGET_OK;
out:
	buf_release(&raw);
	return rc;
}

int
target_secret_seal(const struct buf *master_key, const char *tenant_id,
    const char *alias, const char *name, const char *value, json_t **out,
    char *err, size_t errlen)
{
	struct crypto_keyring	 ring;
	const struct crypto_key	*k;
	struct buf		 aad, sealed, nonce, ct;
	size_t			 len;
	int			 rc = -1;

	crypto_keyring_init(&ring);
	buf_init(&aad, 256);
	buf_init(&sealed, LIMIT_TARGET_VALUE + CRYPTO_SEAL_OVERHEAD);
	buf_init(&nonce, 64);
	buf_init(&ct, 2 * (LIMIT_TARGET_VALUE + CRYPTO_SEAL_OVERHEAD));
	if (out == NULL)
		goto out;
	*out = NULL;
	if (value == NULL || (len = strlen(value)) == 0) {
		target_fail(err, errlen, TARGET_INVALID,
		    "secret '%s': empty value", target_name_ok(name) ?
		    name : "?");
		goto out;
	}
	if (target_aad(&aad, tenant_id, alias, name, err, errlen) == -1)
		goto out;
	if (!target_value_ok(value, len)) {
		target_fail(err, errlen, TARGET_INVALID,
		    "secret '%s': value too long or with control characters",
		    name);
		goto out;
	}
	if (target_secret_keys(master_key, &ring, err, errlen) != TARGET_OK)
		goto out;
	k = &ring.keys[0];		/* the current key seals */
	if (crypto_seal(k->key, aad.data, aad.len, value, len, &sealed) == -1 ||
	    base64_encode(&nonce, sealed.data, CRYPTO_NONCE_LEN,
	    BASE64_STD | BASE64_PAD) == -1 ||
	    base64_encode(&ct, sealed.data + CRYPTO_NONCE_LEN,
	    sealed.len - CRYPTO_NONCE_LEN, BASE64_STD | BASE64_PAD) == -1 ||
	    (*out = json_pack("{s:s, s:s, s:s}", "kid", k->kid, "nonce",
	    buf_cstr(&nonce), "ct", buf_cstr(&ct))) == NULL) {
		target_fail(err, errlen, TARGET_INTERNAL,
		    "secret '%s': cannot seal", name);
		goto out;
	}
	rc = 0;
out:
	buf_release(&ct);
	buf_release(&nonce);
	buf_release(&sealed);
	buf_release(&aad);
	crypto_keyring_release(&ring);
	return rc;
}

int
target_secret_open(const struct buf *master_key, const char *tenant_id,
    const char *alias, const char *name, const json_t *sealed,
    struct buf *out, char *err, size_t errlen)
{
	struct crypto_keyring	 ring;
	struct buf		 aad, pt;
	int			 rc = -1;

	crypto_keyring_init(&ring);
	buf_init(&aad, 256);
	buf_init(&pt, LIMIT_TARGET_VALUE);
	if (out == NULL)
		goto out;
	if (target_aad(&aad, tenant_id, alias, name, err, errlen) == -1 ||
	    target_secret_keys(master_key, &ring, err, errlen) != TARGET_OK)
		goto out;
	if (target_open_entry(&ring, &aad, name, sealed, &pt, err, errlen) !=
	    TARGET_OK)
		goto out;
	if (buf_append(out, pt.data, pt.len) == -1) {
		target_fail(err, errlen, TARGET_INTERNAL, "out of memory");
		goto out;
	}
	rc = 0;
out:
	buf_release_secret(&pt);
	buf_release(&aad);
	crypto_keyring_release(&ring);
	return rc;
}

/* ---- identity, transport, limits, tools -------------------------------- */

static enum target_err
target_ids(struct target_ctx *c, const json_t *tenant, const json_t *server,
    const json_t *ts)
{
	struct target	*t = c->t;
	struct buf	 b;
	char		 tid[UUID_STRLEN + 1], ver[TARGET_VERSION_MAX + 1];
	const char	*s, *dd;
	const json_t	*v;
	size_t		 ddlen;
	enum target_err	 rc;

	buf_init(&b, LIMIT_PROC_PATH);
	if (target_uuid_canon(target_jstr(json_object_get(tenant, "id")),
	    tid) == -1) {
		rc = target_fail(c->err, c->errlen, TARGET_INVALID,
		    "tenant.id is not a uuid");
		goto out;
	}
	if ((s = target_jstr(json_object_get(tenant, "status"))) == NULL ||
	    strcmp(s, "active") != 0) {
		rc = target_fail(c->err, c->errlen, TARGET_INVALID,
		    "tenant is not active");
		goto out;
	}
	if ((t->tenant_id = strdup(tid)) == NULL)
		goto nomem;

	s = target_jstr(json_object_get(tenant, "slug"));
	if (s == NULL || !strparse_is_slug(s, strlen(s), LIMIT_SLUG)) {
		rc = target_fail(c->err, c->errlen, TARGET_INVALID,
		    "tenant.slug is not a slug");
		goto out;
	}
	if ((t->tenant_slug = strdup(s)) == NULL)
		goto nomem;
	s = target_jstr(json_object_get(ts, "alias"));
	if (s == NULL || !strparse_is_slug(s, strlen(s), LIMIT_SLUG)) {
		rc = target_fail(c->err, c->errlen, TARGET_INVALID,
		    "tenant_server.alias is not a slug");
		goto out;
	}
	if ((t->alias = strdup(s)) == NULL)
		goto nomem;
	/* A tenant's own server (migration 0013) has no catalog slug: its
	 * URL is the tenant's, so every connection goes through the
	 * operator's address guard. */
	if (json_is_true(json_object_get(server, "byo"))) {
		t->guard = &c->cfg->tenant_http_guard;
		s = "";
	} else if ((s = target_jstr(json_object_get(server, "slug"))) ==
	    NULL || !strparse_is_slug(s, strlen(s), LIMIT_SLUG)) {
		rc = target_fail(c->err, c->errlen, TARGET_INVALID,
		    "server.slug is not a slug");
		goto out;
	}
	if ((t->server_slug = strdup(s)) == NULL)
		goto nomem;

	/* version: a bigint; PostgREST gives a number, accept its text. */
	v = json_object_get(ts, "version");
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		snprintf(ver, sizeof(ver), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
	} else if ((s = target_jstr(v)) != NULL && *s != '\0' &&
	    strlen(s) <= TARGET_VERSION_MAX &&
	    strspn(s, "0123456789") == strlen(s)) {
		snprintf(ver, sizeof(ver), "%s", s);
	} else {
		rc = target_fail(c->err, c->errlen, TARGET_INVALID,
		    "tenant_server.version is not a non-negative integer");
		goto out;
	}
	if ((t->version = strdup(ver)) == NULL)
		goto nomem;

	/* The pool key: a child is reused only for this tenant, alias and
	 * configuration version (DESIGN 3.4). */
	if (buf_printf(&b, "%s|%s|%s", t->tenant_id, t->alias,
	    t->version) == -1)
		goto nomem;
	if (b.len > LIMIT_STDIO_KEY) {
		rc = target_fail(c->err, c->errlen, TARGET_INVALID,
		    "pool key longer than %d bytes", LIMIT_STDIO_KEY);
		goto out;
	}
	if ((t->pool_key = buf_detach(&b)) == NULL)
		goto nomem;

	/* <data_dir>/tenants/<tenant_id>/<alias>: both checked above, so
	 * neither can climb out ("..", "/") of the tenant's directory. */
	dd = c->cfg->data_dir;
	if (dd == NULL || dd[0] != '/') {
		rc = target_fail(c->err, c->errlen, TARGET_INVALID,
		    "data_dir is not an absolute path");
		goto out;
	}
	ddlen = strlen(dd);
	while (ddlen > 1 && dd[ddlen - 1] == '/')
		ddlen--;
	if (buf_append(&b, dd, ddlen == 1 ? 0 : ddlen) == -1 ||
	    buf_printf(&b, "/tenants/%s/%s", t->tenant_id, t->alias) == -1) {
		rc = target_fail(c->err, c->errlen, TARGET_INVALID,
		    "working directory longer than %d bytes", LIMIT_PROC_PATH);
		goto out;
	}
	if ((t->workdir = buf_detach(&b)) == NULL)
		goto nomem;
	rc = TARGET_OK;
	goto out;
nomem:
	rc = target_fail(c->err, c->errlen, TARGET_INTERNAL, "out of memory");
out:
	buf_release(&b);
	return rc;
}

/* The catalog's network modes (docs/security.md): loopback-denied is TCP
 * to the entry's egress ports only. */
static const struct {
	const char		*name;
	enum sandbox_net	 net;
} target_nets[] = {
	{ "loopback-denied",	SANDBOX_NET_PORTS },
	{ "none",		SANDBOX_NET_NONE },
	{ "any",		SANDBOX_NET_ANY },
};

static int
target_net_parse(const char *s, enum sandbox_net *net)
{
	size_t	 i;

	for (i = 0; i < sizeof(target_nets) / sizeof(target_nets[0]); i++)
		if (strcmp(s, target_nets[i].name) == 0) {
			*net = target_nets[i].net;
			return 0;
		}
	return -1;
}

/* The stdio sandbox's catalog fields (migration 0005). */
static enum target_err
target_sandbox(struct target_ctx *c, const json_t *server)
{
	struct target	*t = c->t;
	const json_t	*v, *e;
	const char	*s;
	size_t		 i, n = 0;
	json_int_t	 port;

	v = json_object_get(server, "network");
	t->net = SANDBOX_NET_PORTS;
	if (v != NULL && !json_is_null(v) &&
	    ((s = target_jstr(v)) == NULL ||
	    target_net_parse(s, &t->net) == -1))
		return target_fail(c->err, c->errlen, TARGET_INVALID,
		    "server.network is not loopback-denied, none or any");
	v = json_object_get(server, "egress_ports");
	if (v != NULL && !json_is_null(v)) {
		if (!json_is_array(v) || json_array_size(v) == 0 ||
		    json_array_size(v) > LIMIT_SANDBOX_PORTS)
			return target_fail(c->err, c->errlen, TARGET_INVALID,
			    "server.egress_ports must hold 1 to %d ports",
			    LIMIT_SANDBOX_PORTS);
		t->egress_ports = calloc(json_array_size(v),
		    sizeof(*t->egress_ports));
		if (t->egress_ports == NULL)
			return target_fail(c->err, c->errlen, TARGET_INTERNAL,
			    "out of memory");
		json_array_foreach(v, i, e) {
			if (!json_is_integer(e) ||
			    (port = json_integer_value(e)) < 1 || port > 65535)
				return target_fail(c->err, c->errlen,
				    TARGET_INVALID, "server.egress_ports[%zu] "
				    "is not a port", i);
			t->egress_ports[i] = (uint16_t)port;
		}
		t->n_egress_ports = json_array_size(v);
	}
	v = json_object_get(server, "read_paths");
	if (v != NULL && !json_is_null(v)) {
		if (!json_is_array(v) ||
		    json_array_size(v) > LIMIT_SANDBOX_PATHS / 2)
			return target_fail(c->err, c->errlen, TARGET_INVALID,
			    "server.read_paths must hold at most %d paths",
			    LIMIT_SANDBOX_PATHS / 2);
		if (target_strv_empty(&t->read_paths) == -1)
			return target_fail(c->err, c->errlen, TARGET_INTERNAL,
			    "out of memory");
		json_array_foreach(v, i, e) {
			if ((s = target_jstr(e)) == NULL || s[0] != '/' ||
			    strlen(s) >= LIMIT_PROC_PATH ||
			    strstr(s, "/..") != NULL ||
			    !target_value_ok(s, strlen(s)) ||
			    strchr(s, '\t') != NULL)
				return target_fail(c->err, c->errlen,
				    TARGET_INVALID, "server.read_paths[%zu] is "
				    "not an absolute path", i);
			if (target_strv_push(&t->read_paths, &n,
			    strdup(s)) == -1)
				return target_fail(c->err, c->errlen,
				    TARGET_INTERNAL, "out of memory");
		}
	}
	return TARGET_OK;
}

static enum target_err
target_transport(struct target_ctx *c, const json_t *server)
{
	struct target	*t = c->t;
	const json_t	*argv, *v;
	const char	*s;
	size_t		 i, len, n = 0;

	s = target_jstr(json_object_get(server, "transport"));
	if (s != NULL && strcmp(s, "stdio") == 0) {
		t->transport = TARGET_STDIO;
		argv = json_object_get(server, "argv");
		if (!json_is_array(argv) || json_array_size(argv) == 0 ||
		    json_array_size(argv) > LIMIT_STDIO_ARGV)
			return target_fail(c->err, c->errlen, TARGET_INVALID,
			    "server.argv must hold 1 to %d strings",
			    LIMIT_STDIO_ARGV);
		json_array_foreach(argv, i, v) {
			if ((s = target_jstr(v)) == NULL ||
			    (i == 0 && *s == '\0'))
				return target_fail(c->err, c->errlen,
				    TARGET_INVALID, "server.argv[%zu] is not "
				    "a usable string", i);
			c->args_bytes += strlen(s) + 1;
			if (target_strv_push(&t->argv, &n, strdup(s)) == -1)
				return target_fail(c->err, c->errlen,
				    TARGET_INTERNAL, "out of memory");
		}
		if (target_strv_empty(&t->env) == -1)
			return target_fail(c->err, c->errlen, TARGET_INTERNAL,
			    "out of memory");
		return target_sandbox(c, server);
	}
	if (s != NULL && strcmp(s, "http") == 0) {
		t->transport = TARGET_HTTP;
		s = target_jstr(json_object_get(server, "url"));
		if (s == NULL || (len = strlen(s)) > LIMIT_URL ||
		    (strncmp(s, "http://", 7) != 0 &&
		    strncmp(s, "https://", 8) != 0))
			return target_fail(c->err, c->errlen, TARGET_INVALID,
			    "server.url is not an http(s) url");
		for (i = 0; i < len; i++)
			if ((unsigned char)s[i] <= 0x20 ||
			    (unsigned char)s[i] >= 0x7f)
				return target_fail(c->err, c->errlen,
				    TARGET_INVALID,
				    "server.url holds a blank or control byte");
		if ((t->url = strdup(s)) == NULL)
			return target_fail(c->err, c->errlen, TARGET_INTERNAL,
			    "out of memory");
		return TARGET_OK;
	}
	return target_fail(c->err, c->errlen, TARGET_INVALID,
	    "server.transport is neither 'stdio' nor 'http'");
}

/* One limit from obj (may be NULL or not an object: nothing to do). */
static enum target_err
target_limit(struct target_ctx *c, const json_t *obj, const char *where,
    const char *name, uint64_t ceiling, uint64_t *val)
{
	const json_t	*v;
	json_int_t	 n;

	if (!json_is_object(obj) || (v = json_object_get(obj, name)) == NULL ||
	    json_is_null(v))
		return TARGET_OK;
	if (!json_is_integer(v) || (n = json_integer_value(v)) <= 0)
		return target_fail(c->err, c->errlen, TARGET_INVALID,
		    "%s.limits.%s is not a positive integer", where, name);
	*val = (uint64_t)n > ceiling ? ceiling : (uint64_t)n;
	return TARGET_OK;
}

static enum target_err
target_limits(struct target_ctx *c, const json_t *server, const json_t *ts)
{
	static const char *const where[2] = { "server", "tenant_server" };
	const json_t	*objs[2];
	/* Defaults from the configuration (upstream_timeout_ms,
	 * upstream_max_response), else the built-in ones. */
	uint64_t	 timeout = c->cfg->upstream_timeout_ms > 0 ?
			    c->cfg->upstream_timeout_ms :
			    LIMIT_UPSTREAM_TIMEOUT_MS_DEFAULT;
	uint64_t	 body, resp = c->cfg->upstream_max_response > 0 ?
			    c->cfg->upstream_max_response :
			    LIMIT_UPSTREAM_RESPONSE_DEFAULT;
	uint64_t	 body_ceiling;
	uint64_t	 fsize = LIMIT_STDIO_FSIZE;
	uint64_t	 quota = LIMIT_STDIO_DISK_QUOTA;
	enum target_err	 rc;
	size_t		 i;

	body_ceiling = c->cfg->max_body > 0 ? c->cfg->max_body :
	    LIMIT_BODY_DEFAULT;
	if (body_ceiling > LIMIT_BODY_CEILING)
		body_ceiling = LIMIT_BODY_CEILING;
	body = body_ceiling;
	objs[0] = json_object_get(server, "limits");
	objs[1] = json_object_get(ts, "limits");
	/* Later wins: the tenant's row overrides the catalog entry. */
	for (i = 0; i < 2; i++) {
		if ((rc = target_limit(c, objs[i], where[i], "timeout_ms",
		    LIMIT_UPSTREAM_TIMEOUT_MS_MAX, &timeout)) != TARGET_OK ||
		    (rc = target_limit(c, objs[i], where[i], "max_body",
		    body_ceiling, &body)) != TARGET_OK ||
		    (rc = target_limit(c, objs[i], where[i], "max_response",
		    LIMIT_RESPONSE_BODY, &resp)) != TARGET_OK ||
		    (rc = target_limit(c, objs[i], where[i], "max_file_bytes",
		    LIMIT_STDIO_FSIZE_MAX, &fsize)) != TARGET_OK ||
		    (rc = target_limit(c, objs[i], where[i], "disk_quota_bytes",
		    LIMIT_STDIO_DISK_QUOTA_MAX, &quota)) != TARGET_OK)
			return rc;
	}
	c->t->max_file_bytes = fsize;
	c->t->disk_quota_bytes = quota;
	c->t->timeout_ms = (unsigned long)timeout;
	c->t->max_body = (size_t)body;
	c->t->max_response = (size_t)resp;
	return TARGET_OK;
}

/* A tool list: null -> *out stays NULL; array of names -> vector. */
static enum target_err
target_tools(struct target_ctx *c, const json_t *a, const char *where,
    char ***out, size_t *n)
{
	const json_t	*v;
	const char	*s;
	size_t		 i;

	if (a == NULL || json_is_null(a))
		return TARGET_OK;
	if (!json_is_array(a) || json_array_size(a) > LIMIT_TARGET_TOOLS)
		return target_fail(c->err, c->errlen, TARGET_INVALID,
		    "tenant_server.%s must be null or at most %d names",
		    where, LIMIT_TARGET_TOOLS);
	if (target_strv_empty(out) == -1)
		goto nomem;
	json_array_foreach(a, i, v) {
		if ((s = target_jstr(v)) == NULL || *s == '\0')
			return target_fail(c->err, c->errlen, TARGET_INVALID,
			    "tenant_server.%s[%zu] is not a tool name",
			    where, i);
		if (target_strv_push(out, n, strdup(s)) == -1)
			goto nomem;
	}
	return TARGET_OK;
nomem:
	return target_fail(c->err, c->errlen, TARGET_INTERNAL, "out of memory");
}

/* ---- settings and secrets ---------------------------------------------- */

/* A scalar JSON value as text, appended to out. -1: not a scalar (or has
 * a NUL), or out's cap. */
static int
target_scalar(const json_t *v, struct buf *out)
{
	char		 num[64];
	char		*dump;
	const char	*s;
	int		 rc;

	switch (json_typeof(v)) {
	case JSON_STRING:
		if ((s = target_jstr(v)) == NULL)
			return -1;
		return buf_append(out, s, strlen(s));
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		return buf_appends(out, num);
	case JSON_REAL:
		/* 15 significant digits: 0.1 stays "0.1". */
		if ((dump = json_dumps(v, JSON_ENCODE_ANY |
		    JSON_REAL_PRECISION(15))) == NULL)
			return -1;
		rc = buf_appends(out, dump);
		free(dump);
		return rc;
	case JSON_TRUE:
		return buf_appends(out, "true");
	case JSON_FALSE:
		return buf_appends(out, "false");
	default:
		return -1;
	}
}

/* s with every "${workdir}" replaced, appended to out. */
static int
target_subst_workdir(const char *s, const char *workdir, struct buf *out)
{
	const char	*p;
	size_t		 vlen = sizeof(TARGET_WORKDIR_VAR) - 1;

	while ((p = strstr(s, TARGET_WORKDIR_VAR)) != NULL) {
		if (buf_append(out, s, (size_t)(p - s)) == -1 ||
		    buf_appends(out, workdir) == -1)
			return -1;
		s = p + vlen;
	}
	return buf_appends(out, s);
}

/* 1 when the env or header name is taken already. */
static int
target_delivered(const struct target *t, int header, const char *name)
{
	size_t	 i, n = strlen(name);

	if (header) {
		for (i = 0; i < t->n_headers; i++)
			if (strparse_eq_ci(name, n, t->headers[i].name))
				return 1;
		return 0;
	}
	for (i = 0; i < t->n_env; i++)
		if (strncmp(t->env[i], name, n) == 0 && t->env[i][n] == '=')
			return 1;
	return 0;
}

static enum target_err
target_deliver(struct target_ctx *c, int header, const char *tname,
    const struct buf *val, int secret)
{
	struct target			*t = c->t;
	struct target_header		*nh;
	struct buf			 kv;
	char				*name, *value;

	if (!header) {
		if (t->n_env >= LIMIT_STDIO_ENV_VARS)
			return target_fail(c->err, c->errlen, TARGET_INVALID,
			    "more than %d environment variables",
			    LIMIT_STDIO_ENV_VARS);
		c->args_bytes += strlen(tname) + 1 + val->len + 1;
		if (c->args_bytes > LIMIT_STDIO_ARGS_BYTES)
			return target_fail(c->err, c->errlen, TARGET_INVALID,
			    "argv and environment over %d bytes",
			    LIMIT_STDIO_ARGS_BYTES);
		/* Sized up front: one allocation, nothing left unwiped. */
		buf_init(&kv, strlen(tname) + 1 + val->len);
		if (buf_printf(&kv, "%s=%s", tname, buf_cstr(val)) == -1 ||
		    target_strv_push(&t->env, &t->n_env,
		    buf_detach(&kv)) == -1) {
			buf_release_secret(&kv);
			goto nomem;
		}
	} else {
		if (t->n_headers >= LIMIT_UPSTREAM_HEADERS)
			return target_fail(c->err, c->errlen, TARGET_INVALID,
			    "more than %d upstream headers",
			    LIMIT_UPSTREAM_HEADERS);
		nh = realloc(t->headers, (t->n_headers + 1) * sizeof(*nh));
		if (nh == NULL)
			goto nomem;
		t->headers = nh;
		if ((name = strdup(tname)) == NULL)
			goto nomem;
		if ((value = strdup(buf_cstr(val))) == NULL) {
			free(name);
			goto nomem;
		}
		nh[t->n_headers].name = name;
		nh[t->n_headers].value = value;
		/* Named by the operator's catalog (upstream_http.h). */
		nh[t->n_headers].catalog = 1;
		t->n_headers++;
	}
	if (secret && target_strv_push(&t->secret_values, &t->n_secret_values,
	    strdup(buf_cstr(val))) == -1)
		goto nomem;
	return TARGET_OK;
nomem:
	return target_fail(c->err, c->errlen, TARGET_INTERNAL, "out of memory");
}

/* The secret keys, derived once per target. */
static enum target_err
target_need_key(struct target_ctx *c)
{
	enum target_err	 rc;

	if (c->keys_loaded)
		return TARGET_OK;
	if ((rc = target_secret_keys(&c->cfg->master_key, &c->keys, c->err,
	    c->errlen)) == TARGET_OK)
		c->keys_loaded = 1;
	return rc;
}

static enum target_err
target_spec_one(struct target_ctx *c, const json_t *spec,
    const json_t *values, int secret, size_t idx)
{
	const char	*what = secret ? "secret" : "setting";
	const char	*name, *delivery, *tname;
	const json_t	*v, *def, *req, *lck;
	struct buf	 val, tmp, aad;
	int		 header, required, locked, have = 0;
	enum target_err	 rc;

	buf_init(&val, LIMIT_TARGET_VALUE);
	buf_init(&tmp, LIMIT_TARGET_VALUE);
	buf_init(&aad, 256);
	if (!json_is_object(spec) ||
	    !target_name_ok(name = target_jstr(json_object_get(spec,
	    "name")))) {
		rc = target_fail(c->err, c->errlen, TARGET_INVALID,
		    "server.%ss_spec[%zu]: bad or missing name", what, idx);
		goto out;
	}
	delivery = target_jstr(json_object_get(spec, "delivery"));
	tname = target_jstr(json_object_get(spec, "target"));
	req = json_object_get(spec, "required");
	lck = json_object_get(spec, "locked");
	def = json_object_get(spec, "default");
	if (delivery == NULL || tname == NULL ||
	    (strcmp(delivery, "env") != 0 && strcmp(delivery, "header") != 0) ||
	    (req != NULL && !json_is_boolean(req)) ||
	    (lck != NULL && !json_is_boolean(lck))) {
		rc = target_fail(c->err, c->errlen, TARGET_INVALID,
		    "%s '%s': bad delivery, target, required or locked",
		    what, name);
		goto out;
	}
	header = strcmp(delivery, "header") == 0;
	required = json_is_true(req);
	locked = json_is_true(lck);
	if (header != (c->t->transport == TARGET_HTTP)) {
		rc = target_fail(c->err, c->errlen, TARGET_INVALID,
		    "%s '%s': %s delivery on a%s server", what, name,
		    delivery, header ? " stdio" : "n http");
		goto out;
	}
	if (header ? !target_header_name_ok(tname) :
	    !target_env_name_ok(tname)) {
		rc = target_fail(c->err, c->errlen, TARGET_INVALID,
		    "%s '%s': target is not a valid %s name", what, name,
		    header ? "header" : "environment variable");
		goto out;
	}

	/* The tenant's value, unless the operator locked the entry. */
	v = locked || !json_is_object(values) ? NULL :
	    json_object_get(values, name);
	if (v != NULL && !json_is_null(v)) {
		if (secret) {
			if ((rc = target_need_key(c)) != TARGET_OK)
				goto out;
			if (target_aad(&aad, c->t->tenant_id, c->t->alias,
			    name, c->err, c->errlen) == -1) {
				rc = TARGET_INVALID;
				goto out;
			}
			if ((rc = target_open_entry(&c->keys, &aad, name, v,
			    &val, c->err, c->errlen)) != TARGET_OK)
				goto out;
		} else if (target_scalar(v, &val) == -1) {
			rc = target_fail(c->err, c->errlen, TARGET_INVALID,
			    "setting '%s': value must be a string, number or "
			    "boolean of at most %d bytes", name,
			    LIMIT_TARGET_VALUE);
			goto out;
		}
		have = 1;
	}
	if (!have && def != NULL && !json_is_null(def)) {
		if (target_scalar(def, &tmp) == -1 ||
		    target_subst_workdir(buf_cstr(&tmp), c->t->workdir,
		    &val) == -1) {
			rc = target_fail(c->err, c->errlen, TARGET_INVALID,
			    "%s '%s': default must be a string, number or "
			    "boolean of at most %d bytes", what, name,
			    LIMIT_TARGET_VALUE);
			goto out;
		}
		have = 1;
	}
	if (!have || val.len == 0) {
		rc = required ? target_fail(c->err, c->errlen, TARGET_MISSING,
		    "missing '%s'", name) : TARGET_OK;
		goto out;
	}
	if (!target_value_ok(val.data, val.len)) {
		rc = target_fail(c->err, c->errlen, TARGET_INVALID,
		    "%s '%s': value holds CR, LF, NUL or another control "
		    "character", what, name);
		goto out;
	}
	if (target_delivered(c->t, header, tname)) {
		rc = target_fail(c->err, c->errlen, TARGET_INVALID,
		    "%s '%s': %s '%s' is delivered twice", what, name,
		    header ? "header" : "variable", tname);
		goto out;
	}
	rc = target_deliver(c, header, tname, &val, secret);
out:
	buf_release(&aad);
	buf_release_secret(&tmp);
	buf_release_secret(&val);
	return rc;
}

static enum target_err
target_specs(struct target_ctx *c, const json_t *specs, const json_t *values,
    int secret)
{
	const char	*what = secret ? "secret" : "setting";
	const json_t	*spec, *other;
	size_t		 i, j;
	enum target_err	 rc;

	if (specs == NULL || json_is_null(specs))
		return TARGET_OK;
	if (!json_is_array(specs) || json_array_size(specs) >
	    LIMIT_TARGET_SPECS)
		return target_fail(c->err, c->errlen, TARGET_INVALID,
		    "server.%ss_spec must be an array of at most %d entries",
		    what, LIMIT_TARGET_SPECS);
	if (values != NULL && !json_is_null(values) && !json_is_object(values))
		return target_fail(c->err, c->errlen, TARGET_INVALID,
		    "tenant_server.%ss must be an object", what);
	json_array_foreach(specs, i, spec) {
		/* A name twice would make "which value" ambiguous. */
		for (j = 0; j < i; j++) {
			other = json_array_get(specs, j);
			if (jsonx_str(spec, "name") != NULL &&
			    jsonx_str(other, "name") != NULL &&
			    strcmp(jsonx_str(spec, "name"),
			    jsonx_str(other, "name")) == 0)
				return target_fail(c->err, c->errlen,
				    TARGET_INVALID, "server.%ss_spec names "
				    "'%s' twice", what,
				    target_name_ok(jsonx_str(spec, "name")) ?
				    jsonx_str(spec, "name") : "?");
		}
		if ((rc = target_spec_one(c, spec, values, secret, i)) !=
		    TARGET_OK)
			return rc;
	}
	return TARGET_OK;
}

/* ---- the whole --------------------------------------------------------- */

int
target_from_json(const json_t *r, const struct config *cfg, struct target *t,
    char *err, size_t errlen)
{
	struct target_ctx	 c;
	const json_t		*tenant, *server, *ts;
	enum target_err		 rc;

	target_init(t);
	memset(&c, 0, sizeof(c));
	c.t = t;
	c.cfg = cfg;
	c.err = err;
	c.errlen = errlen;
	crypto_keyring_init(&c.keys);
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (cfg == NULL) {
		rc = target_fail(err, errlen, TARGET_INTERNAL, "no config");
		goto out;
	}
	tenant = json_object_get(r, "tenant");
	server = json_object_get(r, "server");
	ts = json_object_get(r, "tenant_server");
	if (!json_is_object(r) || !json_is_object(tenant) ||
	    !json_is_object(server) || !json_is_object(ts)) {
		rc = target_fail(err, errlen, TARGET_INVALID,
		    "resolve answer lacks tenant, server or tenant_server");
		goto out;
	}
	if ((rc = target_ids(&c, tenant, server, ts)) != TARGET_OK ||
	    (rc = target_transport(&c, server)) != TARGET_OK ||
	    (rc = target_limits(&c, server, ts)) != TARGET_OK ||
	    (rc = target_tools(&c, json_object_get(ts, "tool_allow"),
	    "tool_allow", &t->tool_allow, &t->n_tool_allow)) != TARGET_OK ||
	    (rc = target_tools(&c, json_object_get(ts, "tool_deny"),
	    "tool_deny", &t->tool_deny, &t->n_tool_deny)) != TARGET_OK)
		goto out;
	if (target_strv_empty(&t->tool_deny) == -1 ||
	    target_strv_empty(&t->secret_values) == -1) {
		rc = target_fail(err, errlen, TARGET_INTERNAL, "out of memory");
		goto out;
	}
	if ((rc = target_specs(&c, json_object_get(server, "settings_spec"),
	    json_object_get(ts, "settings"), 0)) != TARGET_OK ||
	    (rc = target_specs(&c, json_object_get(server, "secrets_spec"),
	    json_object_get(ts, "secrets"), 1)) != TARGET_OK)
		goto out;
	rc = TARGET_OK;
out:
	crypto_keyring_release(&c.keys);
	if (rc != TARGET_OK) {
		target_release(t);
		t->error = rc;
		return -1;
	}
	return 0;
}
