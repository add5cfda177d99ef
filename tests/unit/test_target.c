/*
 * test_target.c -- resolve_mcp_target answers to struct target: the seeded
 * catalog (everything, memory with ${workdir} and a locked setting,
 * everything-http with a header secret), value types, missing required
 * values, every validation rule, limits, tool lists; secrets sealed by
 * target_secret_seal and, independently, by hand (HKDF + AAD as the header
 * documents them), then copied, tampered, or opened with another key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "base64.h"
#include "crypto.h"
#include "product_limits.h"
#include "mcp/upstream.h"
#include "store/target.h"
#include "t.h"

#define TID	"0190a8e4-7c1e-7b3a-8f00-123456789abc"
#define TID2	"0190a8e4-7c1e-7b3a-8f00-123456789abd"
#define HEXKEY	"000102030405060708090a0b0c0d0e0f" \
		"101112131415161718191a1b1c1d1e1f"
#define HEXKEY2	"ff0102030405060708090a0b0c0d0e0f" \
		"101112131415161718191a1b1c1d1e1f"
#define DATADIR	"/var/lib/mcp-platform"

static struct config	 cfg;

static void
test_cfg(const char *key)
{
	config_release(&cfg);
	config_init(&cfg);
	cfg.data_dir = strdup(DATADIR);
	if (key != NULL)
		buf_appends(&cfg.master_key, key);
}

/*
 * A resolve answer: tenant, caller, and the server/tenant_server given as
 * JSON text (the server's fields and the tenant_server's fields).
 */
static json_t *
test_doc(const char *tid, const char *server, const char *ts)
{
	char		 text[8192];
	json_error_t	 e;
	json_t		*j;

	snprintf(text, sizeof(text),
	    "{\"tenant\":{\"id\":\"%s\",\"slug\":\"demo\",\"status\":"
	    "\"active\",\"limits\":{}},"
	    "\"caller\":{\"kind\":\"user\",\"id\":\"0190a8e4-7c1e-7b3a-8f00-"
	    "cafecafecafe\",\"role\":\"owner\"},"
	    "\"server\":{\"name\":\"Some server\",%s},"
	    "\"tenant_server\":{\"id\":\"0190a8e4-7c1e-7b3a-8f00-"
	    "000000000001\",%s}}", tid, server, ts);
	j = json_loads(text, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &e);
	if (j == NULL)
		fprintf(stderr, "# bad test json: %s\n%s\n", e.text, text);
	return j;
}

#define EVERYTHING \
	"\"slug\":\"everything\",\"transport\":\"stdio\"," \
	"\"argv\":[\"mcp-server-everything\",\"stdio\"],\"url\":null," \
	"\"settings_spec\":[],\"secrets_spec\":[],\"limits\":{}"
#define MEMORY \
	"\"slug\":\"memory\",\"transport\":\"stdio\"," \
	"\"argv\":[\"mcp-server-memory\"],\"url\":null," \
	"\"settings_spec\":[{\"name\":\"memory_file_path\",\"delivery\":" \
	"\"env\",\"target\":\"MEMORY_FILE_PATH\",\"required\":true," \
	"\"locked\":true,\"default\":\"${workdir}/memory.jsonl\"," \
	"\"description\":\"where the graph is stored\"}]," \
	"\"secrets_spec\":[],\"limits\":{}"
#define HTTP \
	"\"slug\":\"everything-http\",\"transport\":\"http\",\"argv\":null," \
	"\"url\":\"http://127.0.0.1:3001/mcp\"," \
	"\"settings_spec\":[{\"name\":\"region\",\"delivery\":\"header\"," \
	"\"target\":\"X-Region\",\"default\":\"eu\"}]," \
	"\"secrets_spec\":[{\"name\":\"api_token\",\"delivery\":\"header\"," \
	"\"target\":\"Authorization\",\"required\":true}],\"limits\":{}"
#define TS_PLAIN(alias) \
	"\"alias\":\"" alias "\",\"settings\":{},\"secrets\":{}," \
	"\"tool_allow\":null,\"tool_deny\":[],\"limits\":{},\"version\":1"

static void
test_everything(void)
{
	struct target			 t;
	struct upstream_stdio_spec	 spec;
	char				 err[TARGET_ERR_LEN];
	json_t				*doc;
	int				 i;

	test_cfg(HEXKEY);
	doc = test_doc(TID, EVERYTHING, TS_PLAIN("everything"));
	/* Many passes: ASan/LSan would see a leak of any one of them. */
	for (i = 0; i < 50; i++) {
		if (target_from_json(doc, &cfg, &t, err, sizeof(err)) != 0) {
			T(!"target_from_json failed");
			fprintf(stderr, "# %s\n", err);
			break;
		}
		if (i < 49)
			target_release(&t);
	}
	T(t.error == TARGET_OK);
	T(t.transport == TARGET_STDIO);
	T(strcmp(t.tenant_id, TID) == 0 && strcmp(t.tenant_slug, "demo") == 0);
	T(strcmp(t.alias, "everything") == 0 &&
	    strcmp(t.server_slug, "everything") == 0);
	T(strcmp(t.version, "1") == 0);
	T(strcmp(t.pool_key, TID "|everything|1") == 0);
	T(strcmp(t.workdir, DATADIR "/tenants/" TID "/everything") == 0);
	T(t.argv != NULL && strcmp(t.argv[0], "mcp-server-everything") == 0 &&
	    strcmp(t.argv[1], "stdio") == 0 && t.argv[2] == NULL);
	T(t.env != NULL && t.env[0] == NULL && t.n_env == 0);
	T(t.url == NULL && t.headers == NULL && t.n_headers == 0);
	T(t.tool_allow == NULL);
	T(t.tool_deny != NULL && t.tool_deny[0] == NULL);
	T(t.secret_values != NULL && t.secret_values[0] == NULL);
	T(t.timeout_ms == LIMIT_UPSTREAM_TIMEOUT_MS_DEFAULT);
	T(t.max_body == cfg.max_body);
	T(t.max_response == LIMIT_UPSTREAM_RESPONSE_DEFAULT);
	{
		/* The configuration's defaults apply where no limits say
		 * otherwise. */
		struct target	 t2;

		cfg.upstream_timeout_ms = 1234;
		cfg.upstream_max_response = 4321;
		target_init(&t2);
		T(target_from_json(doc, &cfg, &t2, err, sizeof(err)) == 0);
		T(t2.timeout_ms == 1234 && t2.max_response == 4321);
		target_release(&t2);
		cfg.upstream_timeout_ms = LIMIT_UPSTREAM_TIMEOUT_MS_DEFAULT;
		cfg.upstream_max_response = LIMIT_UPSTREAM_RESPONSE_DEFAULT;
	}
	upstream_target_stdio(&t, &spec);
	T(spec.key == t.pool_key && spec.tenant_id == t.tenant_id &&
	    spec.workdir == t.workdir && spec.argv[0] == t.argv[0] &&
	    spec.env != NULL && spec.env[0] == NULL);
	target_release(&t);
	T(t.tenant_id == NULL && t.argv == NULL && t.env == NULL);
	target_release(&t);		/* twice is fine */
	json_decref(doc);
}

static void
test_memory(void)
{
	struct target	 t;
	char		 err[TARGET_ERR_LEN];
	json_t		*doc;

	test_cfg(NULL);			/* no secrets: no key needed */
	/* The tenant's own path is ignored: the setting is locked. */
	doc = test_doc(TID, MEMORY,
	    "\"alias\":\"notes\",\"settings\":{\"memory_file_path\":"
	    "\"/etc/passwd\"},\"secrets\":{},\"tool_allow\":[\"read_graph\"],"
	    "\"tool_deny\":[\"delete_entities\"],\"limits\":{},\"version\":7");
	T(target_from_json(doc, &cfg, &t, err, sizeof(err)) == 0);
	T(t.n_env == 1 && strcmp(t.env[0], "MEMORY_FILE_PATH=" DATADIR
	    "/tenants/" TID "/notes/memory.jsonl") == 0 && t.env[1] == NULL);
	T(strcmp(t.pool_key, TID "|notes|7") == 0);
	T(t.n_tool_allow == 1 && strcmp(t.tool_allow[0], "read_graph") == 0 &&
	    t.tool_allow[1] == NULL);
	T(t.n_tool_deny == 1 && strcmp(t.tool_deny[0], "delete_entities") == 0);
	T(t.n_secret_values == 0);
	target_release(&t);
	json_decref(doc);

	/* data_dir with a trailing slash does not double it. */
	free(cfg.data_dir);
	cfg.data_dir = strdup(DATADIR "/");
	doc = test_doc(TID, MEMORY, TS_PLAIN("memory"));
	T(target_from_json(doc, &cfg, &t, err, sizeof(err)) == 0);
	T(strcmp(t.env[0], "MEMORY_FILE_PATH=" DATADIR "/tenants/" TID
	    "/memory/memory.jsonl") == 0);
	target_release(&t);
	json_decref(doc);
}

/* tenant_server.secrets = {name: sealed} for the http document. */
static json_t *
test_http_doc(const char *tid, const char *alias, const char *secrets)
{
	char	 ts[4096];

	snprintf(ts, sizeof(ts), "\"alias\":\"%s\",\"settings\":{},"
	    "\"secrets\":%s,\"tool_allow\":null,\"tool_deny\":[],"
	    "\"limits\":{},\"version\":3", alias, secrets);
	return test_doc(tid, HTTP, ts);
}

static char *
test_sealed_text(const char *key, const char *tid, const char *alias,
    const char *name, const char *value)
{
	struct buf	 kb;
	json_t		*s = NULL, *o;
	char		 err[TARGET_ERR_LEN];
	char		*text;

	buf_init(&kb, 256);
	buf_appends(&kb, key);
	if (target_secret_seal(&kb, tid, alias, name, value, &s, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "# seal: %s\n", err);
		buf_release(&kb);
		return NULL;
	}
	o = json_pack("{s:o}", name, s);
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	buf_release_secret(&kb);
	return text;
}

static void
test_http(void)
{
	struct target			 t;
	struct upstream_http_opts	 o;
	struct upstream_http_header	 hs[LIMIT_UPSTREAM_HEADERS];
	char				 err[TARGET_ERR_LEN];
	char				*sec;
	json_t				*doc;

	test_cfg(HEXKEY);
	sec = test_sealed_text(HEXKEY, TID, "everything-http", "api_token",
	    "Bearer tok-123");
	doc = test_http_doc(TID, "everything-http", sec);
	T(target_from_json(doc, &cfg, &t, err, sizeof(err)) == 0);
	T(t.transport == TARGET_HTTP && t.argv == NULL && t.env == NULL);
	T(strcmp(t.url, "http://127.0.0.1:3001/mcp") == 0);
	T(t.n_headers == 2);
	T(t.n_headers == 2 && strcmp(t.headers[0].name, "X-Region") == 0 &&
	    strcmp(t.headers[0].value, "eu") == 0 && t.headers[0].catalog == 1);
	T(t.n_headers == 2 && strcmp(t.headers[1].name, "Authorization") == 0 &&
	    strcmp(t.headers[1].value, "Bearer tok-123") == 0 &&
	    t.headers[1].catalog == 1);
	T(t.n_secret_values == 1 &&
	    strcmp(t.secret_values[0], "Bearer tok-123") == 0 &&
	    t.secret_values[1] == NULL);
	upstream_target_http(&t, hs, &o);
	T(o.url == t.url && o.headers == hs && o.n_headers == 2 &&
	    o.headers[0].name == t.headers[0].name &&
	    o.headers[1].value == t.headers[1].value &&
	    o.headers[1].catalog == 1 &&
	    o.timeout_ms == LIMIT_UPSTREAM_TIMEOUT_MS_DEFAULT &&
	    o.max_response == LIMIT_UPSTREAM_RESPONSE_DEFAULT &&
	    o.protocol_version == NULL && o.session_id == NULL);
	target_release(&t);
	T(t.headers == NULL && t.secret_values == NULL && t.n_headers == 0);
	json_decref(doc);

	/* The same ciphertext in another alias's or tenant's row, under
	 * another name, or read with another key does not decrypt. */
	doc = test_http_doc(TID, "other-http", sec);
	T(target_from_json(doc, &cfg, &t, err, sizeof(err)) == -1 &&
	    t.error == TARGET_SECRET && strstr(err, "does not decrypt"));
	T(strstr(err, "tok-123") == NULL);
	json_decref(doc);
	doc = test_http_doc(TID2, "everything-http", sec);
	T(target_from_json(doc, &cfg, &t, err, sizeof(err)) == -1 &&
	    t.error == TARGET_SECRET);
	json_decref(doc);
	test_cfg("k2:" HEXKEY2);
	doc = test_http_doc(TID, "everything-http", sec);
	T(target_from_json(doc, &cfg, &t, err, sizeof(err)) == -1 &&
	    t.error == TARGET_SECRET && strstr(err, "with key") != NULL);
	/* Same kid, other key bytes: the tag fails. */
	free(sec);
	sec = test_sealed_text("k2:" HEXKEY, TID, "everything-http",
	    "api_token", "Bearer tok-123");
	json_decref(doc);
	doc = test_http_doc(TID, "everything-http", sec);
	T(target_from_json(doc, &cfg, &t, err, sizeof(err)) == -1 &&
	    t.error == TARGET_SECRET && strstr(err, "does not decrypt"));
	json_decref(doc);
	/* Rotation: with "new,old" loaded, the old key's ciphertext still
	 * opens, and new seals use the new key. */
	test_cfg("k3:" HEXKEY2 ",k2:" HEXKEY);
	doc = test_http_doc(TID, "everything-http", sec);
	T(target_from_json(doc, &cfg, &t, err, sizeof(err)) == 0 &&
	    t.n_headers == 2 && strcmp(t.headers[1].value,
	    "Bearer tok-123") == 0);
	target_release(&t);
	/* ... until the old key is dropped. */
	test_cfg("k3:" HEXKEY2);
	T(target_from_json(doc, &cfg, &t, err, sizeof(err)) == -1 &&
	    t.error == TARGET_SECRET && strstr(err, "'k2'") != NULL);
	json_decref(doc);
	free(sec);
	test_cfg("k3:" HEXKEY2 ",k2:" HEXKEY);
	sec = test_sealed_text("k3:" HEXKEY2 ",k2:" HEXKEY, TID,
	    "everything-http", "api_token", "Bearer tok-456");
	T(sec != NULL && strstr(sec, "\"kid\":\"k3\"") != NULL);
	doc = test_http_doc(TID, "everything-http", sec);
	T(target_from_json(doc, &cfg, &t, err, sizeof(err)) == 0 &&
	    t.n_secret_values == 1 &&
	    strcmp(t.secret_values[0], "Bearer tok-456") == 0);
	target_release(&t);
	/* New ciphertexts open with the new key alone. */
	test_cfg("k3:" HEXKEY2);
	T(target_from_json(doc, &cfg, &t, err, sizeof(err)) == 0);
	target_release(&t);
	json_decref(doc);
	/* No master key at all. */
	test_cfg(NULL);
	doc = test_http_doc(TID, "everything-http", sec);
	T(target_from_json(doc, &cfg, &t, err, sizeof(err)) == -1 &&
	    t.error == TARGET_SECRET && strstr(err, "no master key"));
	json_decref(doc);
	test_cfg("not-a-key");
	doc = test_http_doc(TID, "everything-http", sec);
	T(target_from_json(doc, &cfg, &t, err, sizeof(err)) == -1 &&
	    t.error == TARGET_SECRET && strstr(err, "malformed"));
	json_decref(doc);
	free(sec);

	/* Missing required secret: the client-safe message. */
	test_cfg(HEXKEY);
	doc = test_http_doc(TID, "everything-http", "{}");
	T(target_from_json(doc, &cfg, &t, err, sizeof(err)) == -1);
	T(t.error == TARGET_MISSING && strcmp(err, "missing 'api_token'") == 0);
	T(t.headers == NULL && t.url == NULL);
	json_decref(doc);
	doc = test_http_doc(TID, "everything-http", "{\"api_token\":null}");
	T(target_from_json(doc, &cfg, &t, err, sizeof(err)) == -1 &&
	    t.error == TARGET_MISSING);
	json_decref(doc);
}

/*
 * The documented scheme rebuilt without target.c: K = HKDF-SHA256(key,
 * "mcp-secret v1"), AAD "mcp-secret v1|tid|alias|name", stored as
 * {"kid","nonce","ct"} base64. Returns the secrets object text.
 */
static char *
test_hand_sealed(const char *tid, const char *alias, const char *name,
    const char *value, size_t vlen, int flip)
{
	struct crypto_key	 raw;
	unsigned char		 k[32];
	struct buf		 aad, sealed, n64, c64;
	json_t			*o;
	char			*text;

	crypto_key_init(&raw);
	buf_init(&aad, 512);
	buf_init(&sealed, 8192);
	buf_init(&n64, 64);
	buf_init(&c64, 16384);
	crypto_key_parse(&raw, HEXKEY, strlen(HEXKEY));
	crypto_hkdf_sha256(raw.key, 32, "mcp-secret v1", k, 32);
	buf_printf(&aad, "mcp-secret v1|%s|%s|%s", tid, alias, name);
	crypto_seal(k, aad.data, aad.len, value, vlen, &sealed);
	if (flip)
		sealed.data[sealed.len - 1] ^= 0x80;
	base64_encode(&n64, sealed.data, 12, BASE64_STD | BASE64_PAD);
	base64_encode(&c64, sealed.data + 12, sealed.len - 12,
	    BASE64_STD | BASE64_PAD);
	o = json_pack("{s:{s:s, s:s, s:s}}", name, "kid", raw.kid, "nonce",
	    buf_cstr(&n64), "ct", buf_cstr(&c64));
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	buf_release(&c64);
	buf_release(&n64);
	buf_release(&sealed);
	buf_release(&aad);
	crypto_key_release(&raw);
	return text;
}

#define STDIO_SECRET \
	"\"slug\":\"tool\",\"transport\":\"stdio\",\"argv\":[\"/usr/bin/tool\"]," \
	"\"url\":null,\"settings_spec\":[],\"secrets_spec\":[{\"name\":" \
	"\"gh.token\",\"delivery\":\"env\",\"target\":\"GITHUB_TOKEN\"," \
	"\"required\":true}],\"limits\":{}"

static void
test_hand(void)
{
	static const struct {
		int		 line;
		const char	*value;
		size_t		 len;
		int		 flip;
		int		 want;
		enum target_err	 error;
	} cases[] = {
		{ __LINE__, "ghp_abc", 7, 0, 0, TARGET_OK },
		{ __LINE__, "ghp_abc", 7, 1, -1, TARGET_SECRET },
		{ __LINE__, "q9\r\nX-Evil: 1", 13, 0, -1, TARGET_INVALID },
		{ __LINE__, "q9\nq9", 5, 0, -1, TARGET_INVALID },
		{ __LINE__, "q9\0q9", 5, 0, -1, TARGET_INVALID },
		{ __LINE__, "", 0, 0, -1, TARGET_MISSING },
	};
	struct target	 t;
	char		 err[TARGET_ERR_LEN], ts[8192];
	char		*sec;
	json_t		*doc;
	size_t		 i;
	int		 rc;

	test_cfg(HEXKEY);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sec = test_hand_sealed(TID, "tool", "gh.token", cases[i].value,
		    cases[i].len, cases[i].flip);
		snprintf(ts, sizeof(ts), "\"alias\":\"tool\",\"settings\":{},"
		    "\"secrets\":%s,\"tool_allow\":null,\"tool_deny\":[],"
		    "\"limits\":{},\"version\":1", sec);
		doc = test_doc(TID, STDIO_SECRET, ts);
		rc = target_from_json(doc, &cfg, &t, err, sizeof(err));
		T_LINE(rc == cases[i].want && t.error == cases[i].error,
		    cases[i].line);
		if (rc == 0) {
			T_LINE(t.n_env == 1 && strcmp(t.env[0],
			    "GITHUB_TOKEN=ghp_abc") == 0, cases[i].line);
			T_LINE(t.n_secret_values == 1 && strcmp(
			    t.secret_values[0], "ghp_abc") == 0,
			    cases[i].line);
		} else if (cases[i].len > 0) {
			T_LINE(strstr(err, cases[i].value) == NULL,
			    cases[i].line);
		}
		target_release(&t);
		json_decref(doc);
		free(sec);
	}
}

/* One stdio server with the given specs and tenant_server fields. */
static int
test_one(const char *tid, const char *transport_and_specs,
    const char *ts_fields, struct target *t, char *err, size_t errlen)
{
	json_t	*doc;
	int	 rc;

	doc = test_doc(tid, transport_and_specs, ts_fields);
	if (doc == NULL)
		return -99;
	rc = target_from_json(doc, &cfg, t, err, errlen);
	json_decref(doc);
	return rc;
}

#define SRV(specs) \
	"\"slug\":\"x\",\"transport\":\"stdio\",\"argv\":[\"x\"]," \
	"\"url\":null,\"settings_spec\":" specs ",\"secrets_spec\":[]," \
	"\"limits\":{}"
#define HSRV(specs) \
	"\"slug\":\"x\",\"transport\":\"http\",\"argv\":null," \
	"\"url\":\"https://mcp.example.com/mcp\",\"settings_spec\":" specs \
	",\"secrets_spec\":[],\"limits\":{}"
#define TS(alias, settings) \
	"\"alias\":\"" alias "\",\"settings\":" settings ",\"secrets\":{}," \
	"\"tool_allow\":null,\"tool_deny\":[],\"limits\":{},\"version\":1"
#define ENV1(extra) \
	"[{\"name\":\"s\",\"delivery\":\"env\",\"target\":\"S\"" extra "}]"

static void
test_rules(void)
{
	static const struct {
		int		 line;
		const char	*tid;
		const char	*server;
		const char	*ts;
		enum target_err	 want;
		const char	*env0;	/* expected env[0] on success, or
					   NULL for none; on failure a
					   substring of err */
	} cases[] = {
		/* Value types. */
		{ __LINE__, TID, SRV(ENV1("")), TS("a", "{\"s\":\"v\"}"),
		    TARGET_OK, "S=v" },
		{ __LINE__, TID, SRV(ENV1("")), TS("a", "{\"s\":42}"),
		    TARGET_OK, "S=42" },
		{ __LINE__, TID, SRV(ENV1("")), TS("a", "{\"s\":-7}"),
		    TARGET_OK, "S=-7" },
		{ __LINE__, TID, SRV(ENV1("")), TS("a", "{\"s\":0.1}"),
		    TARGET_OK, "S=0.1" },
		{ __LINE__, TID, SRV(ENV1("")), TS("a", "{\"s\":true}"),
		    TARGET_OK, "S=true" },
		{ __LINE__, TID, SRV(ENV1("")), TS("a", "{\"s\":false}"),
		    TARGET_OK, "S=false" },
		{ __LINE__, TID, SRV(ENV1("")), TS("a", "{\"s\":{\"x\":1}}"),
		    TARGET_INVALID, "setting 's'" },
		{ __LINE__, TID, SRV(ENV1("")), TS("a", "{\"s\":[1]}"),
		    TARGET_INVALID, "setting 's'" },
		{ __LINE__, TID, SRV(ENV1("")), TS("a", "{\"s\":\"a\\u0000b\"}"),
		    TARGET_INVALID, "setting 's'" },
		/* Optional and absent / null / empty: not delivered. */
		{ __LINE__, TID, SRV(ENV1("")), TS("a", "{}"), TARGET_OK, NULL },
		{ __LINE__, TID, SRV(ENV1("")), TS("a", "{\"s\":null}"),
		    TARGET_OK, NULL },
		{ __LINE__, TID, SRV(ENV1("")), TS("a", "{\"s\":\"\"}"),
		    TARGET_OK, NULL },
		/* Required. */
		{ __LINE__, TID, SRV(ENV1(",\"required\":true")),
		    TS("a", "{}"), TARGET_MISSING, "missing 's'" },
		{ __LINE__, TID, SRV(ENV1(",\"required\":true")),
		    TS("a", "{\"s\":\"\"}"), TARGET_MISSING, "missing 's'" },
		{ __LINE__, TID, SRV(ENV1(",\"required\":true,\"default\":\"\"")),
		    TS("a", "{}"), TARGET_MISSING, "missing 's'" },
		{ __LINE__, TID, SRV(ENV1(",\"required\":true,\"default\":\"d\"")),
		    TS("a", "{}"), TARGET_OK, "S=d" },
		{ __LINE__, TID, SRV(ENV1(",\"required\":true,\"default\":8080")),
		    TS("a", "{}"), TARGET_OK, "S=8080" },
		/* Defaults: the tenant's value wins unless locked. */
		{ __LINE__, TID, SRV(ENV1(",\"default\":\"d\"")),
		    TS("a", "{\"s\":\"t\"}"), TARGET_OK, "S=t" },
		{ __LINE__, TID, SRV(ENV1(",\"default\":\"d\",\"locked\":true")),
		    TS("a", "{\"s\":\"t\"}"), TARGET_OK, "S=d" },
		{ __LINE__, TID, SRV(ENV1(",\"locked\":true")),
		    TS("a", "{\"s\":\"t\"}"), TARGET_OK, NULL },
		{ __LINE__, TID, SRV(ENV1(",\"default\":{}")),
		    TS("a", "{}"), TARGET_INVALID, "default" },
		/* ${workdir} in defaults only, every occurrence. */
		{ __LINE__, TID, SRV(ENV1(",\"default\":\"${workdir}:${workdir}\"")),
		    TS("a", "{}"), TARGET_OK, "S=" DATADIR "/tenants/" TID "/a:"
		    DATADIR "/tenants/" TID "/a" },
		{ __LINE__, TID, SRV(ENV1("")), TS("a", "{\"s\":\"${workdir}\"}"),
		    TARGET_OK, "S=${workdir}" },
		/* CR, LF and other controls, in any value. */
		{ __LINE__, TID, SRV(ENV1("")), TS("a", "{\"s\":\"a\\rb\"}"),
		    TARGET_INVALID, "CR, LF" },
		{ __LINE__, TID, SRV(ENV1("")), TS("a", "{\"s\":\"a\\nb\"}"),
		    TARGET_INVALID, "CR, LF" },
		{ __LINE__, TID, SRV(ENV1("")), TS("a", "{\"s\":\"a\\u001bb\"}"),
		    TARGET_INVALID, "CR, LF" },
		{ __LINE__, TID, SRV(ENV1("")), TS("a", "{\"s\":\"a\\u007fb\"}"),
		    TARGET_INVALID, "CR, LF" },
		{ __LINE__, TID, SRV(ENV1("")), TS("a", "{\"s\":\"a\\tb\"}"),
		    TARGET_OK, "S=a\tb" },
		{ __LINE__, TID, SRV(ENV1(",\"default\":\"x\\ny\"")),
		    TS("a", "{}"), TARGET_INVALID, "CR, LF" },
		/* Env names. */
		{ __LINE__, TID, SRV("[{\"name\":\"s\",\"delivery\":\"env\","
		    "\"target\":\"1BAD\"}]"), TS("a", "{\"s\":\"v\"}"),
		    TARGET_INVALID, "environment variable name" },
		{ __LINE__, TID, SRV("[{\"name\":\"s\",\"delivery\":\"env\","
		    "\"target\":\"BAD-NAME\"}]"), TS("a", "{\"s\":\"v\"}"),
		    TARGET_INVALID, "environment variable name" },
		{ __LINE__, TID, SRV("[{\"name\":\"s\",\"delivery\":\"env\","
		    "\"target\":\"A=B\"}]"), TS("a", "{\"s\":\"v\"}"),
		    TARGET_INVALID, "environment variable name" },
		{ __LINE__, TID, SRV("[{\"name\":\"s\",\"delivery\":\"env\","
		    "\"target\":\"\"}]"), TS("a", "{\"s\":\"v\"}"),
		    TARGET_INVALID, "environment variable name" },
		{ __LINE__, TID, SRV("[{\"name\":\"s\",\"delivery\":\"env\","
		    "\"target\":\"_ok_9\"}]"), TS("a", "{\"s\":\"v\"}"),
		    TARGET_OK, "_ok_9=v" },
		/* Same variable twice. */
		{ __LINE__, TID, SRV("[{\"name\":\"s\",\"delivery\":\"env\","
		    "\"target\":\"S\"},{\"name\":\"t\",\"delivery\":\"env\","
		    "\"target\":\"S\"}]"), TS("a", "{\"s\":\"1\",\"t\":\"2\"}"),
		    TARGET_INVALID, "twice" },
		{ __LINE__, TID, SRV("[{\"name\":\"s\",\"delivery\":\"env\","
		    "\"target\":\"S\"},{\"name\":\"s\",\"delivery\":\"env\","
		    "\"target\":\"T\"}]"), TS("a", "{\"s\":\"1\"}"),
		    TARGET_INVALID, "twice" },
		/* Spec shape. */
		{ __LINE__, TID, SRV("[{\"name\":\"s\",\"delivery\":\"file\","
		    "\"target\":\"S\"}]"), TS("a", "{}"), TARGET_INVALID,
		    "delivery" },
		{ __LINE__, TID, SRV("[{\"name\":\"s|t\",\"delivery\":\"env\","
		    "\"target\":\"S\"}]"), TS("a", "{}"), TARGET_INVALID,
		    "name" },
		{ __LINE__, TID, SRV("[{\"name\":\"s\",\"delivery\":\"env\","
		    "\"target\":\"S\",\"required\":\"yes\"}]"), TS("a", "{}"),
		    TARGET_INVALID, "required" },
		{ __LINE__, TID, SRV("[\"s\"]"), TS("a", "{}"), TARGET_INVALID,
		    "settings_spec[0]" },
		{ __LINE__, TID, SRV("{}"), TS("a", "{}"), TARGET_INVALID,
		    "settings_spec" },
		{ __LINE__, TID, SRV("null"), TS("a", "{}"), TARGET_OK, NULL },
		{ __LINE__, TID, SRV("[]"), TS("a", "[]"), TARGET_INVALID,
		    "tenant_server.settings" },
		{ __LINE__, TID, SRV(ENV1("")), TS("a", "[]"), TARGET_INVALID,
		    "tenant_server.settings" },
		/* Delivery must fit the transport. */
		{ __LINE__, TID, SRV("[{\"name\":\"s\",\"delivery\":\"header\","
		    "\"target\":\"X-S\"}]"), TS("a", "{\"s\":\"v\"}"),
		    TARGET_INVALID, "stdio" },
		{ __LINE__, TID, HSRV("[{\"name\":\"s\",\"delivery\":\"env\","
		    "\"target\":\"S\"}]"), TS("a", "{\"s\":\"v\"}"),
		    TARGET_INVALID, "http" },
		/* Header names (RFC 9110 tokens) and values. */
		{ __LINE__, TID, HSRV("[{\"name\":\"s\",\"delivery\":\"header\","
		    "\"target\":\"X Bad\"}]"), TS("a", "{\"s\":\"v\"}"),
		    TARGET_INVALID, "header name" },
		{ __LINE__, TID, HSRV("[{\"name\":\"s\",\"delivery\":\"header\","
		    "\"target\":\"X-Bad:\"}]"), TS("a", "{\"s\":\"v\"}"),
		    TARGET_INVALID, "header name" },
		{ __LINE__, TID, HSRV("[{\"name\":\"s\",\"delivery\":\"header\","
		    "\"target\":\"X-S\"}]"), TS("a",
		    "{\"s\":\"v\\r\\nX-Injected: 1\"}"),
		    TARGET_INVALID, "CR, LF" },
		{ __LINE__, TID, HSRV("[{\"name\":\"s\",\"delivery\":\"header\","
		    "\"target\":\"X-S\"},{\"name\":\"t\",\"delivery\":\"header\","
		    "\"target\":\"x-s\"}]"), TS("a", "{\"s\":\"1\",\"t\":\"2\"}"),
		    TARGET_INVALID, "twice" },
		/* Identities become path components. */
		{ __LINE__, "not-a-uuid", SRV("[]"), TS("a", "{}"),
		    TARGET_INVALID, "tenant.id" },
		{ __LINE__, "../../../../etc", SRV("[]"), TS("a", "{}"),
		    TARGET_INVALID, "tenant.id" },
		{ __LINE__, "0190a8e4-7c1e-7b3a-8f00-123456789ab/", SRV("[]"),
		    TS("a", "{}"), TARGET_INVALID, "tenant.id" },
		{ __LINE__, TID, SRV("[]"), TS("..", "{}"), TARGET_INVALID,
		    "alias" },
		{ __LINE__, TID, SRV("[]"), TS("a/b", "{}"), TARGET_INVALID,
		    "alias" },
		{ __LINE__, TID, SRV("[]"), TS("A", "{}"), TARGET_INVALID,
		    "alias" },
		/* Transport targets. */
		{ __LINE__, TID, "\"slug\":\"x\",\"transport\":\"stdio\","
		    "\"argv\":[],\"url\":null,\"settings_spec\":[],"
		    "\"secrets_spec\":[],\"limits\":{}", TS("a", "{}"),
		    TARGET_INVALID, "argv" },
		{ __LINE__, TID, "\"slug\":\"x\",\"transport\":\"stdio\","
		    "\"argv\":null,\"url\":\"http://x/\",\"settings_spec\":[],"
		    "\"secrets_spec\":[],\"limits\":{}", TS("a", "{}"),
		    TARGET_INVALID, "argv" },
		{ __LINE__, TID, "\"slug\":\"x\",\"transport\":\"stdio\","
		    "\"argv\":[\"\"],\"url\":null,\"settings_spec\":[],"
		    "\"secrets_spec\":[],\"limits\":{}", TS("a", "{}"),
		    TARGET_INVALID, "argv[0]" },
		{ __LINE__, TID, "\"slug\":\"x\",\"transport\":\"stdio\","
		    "\"argv\":[\"x\",1],\"url\":null,\"settings_spec\":[],"
		    "\"secrets_spec\":[],\"limits\":{}", TS("a", "{}"),
		    TARGET_INVALID, "argv[1]" },
		{ __LINE__, TID, "\"slug\":\"x\",\"transport\":\"http\","
		    "\"argv\":null,\"url\":\"file:///etc/passwd\","
		    "\"settings_spec\":[],\"secrets_spec\":[],\"limits\":{}",
		    TS("a", "{}"), TARGET_INVALID, "url" },
		{ __LINE__, TID, "\"slug\":\"x\",\"transport\":\"http\","
		    "\"argv\":null,\"url\":\"http://a b/\","
		    "\"settings_spec\":[],\"secrets_spec\":[],\"limits\":{}",
		    TS("a", "{}"), TARGET_INVALID, "url" },
		{ __LINE__, TID, "\"slug\":\"x\",\"transport\":\"sse\","
		    "\"argv\":null,\"url\":\"http://a/\","
		    "\"settings_spec\":[],\"secrets_spec\":[],\"limits\":{}",
		    TS("a", "{}"), TARGET_INVALID, "transport" },
		/* Tool lists. */
		{ __LINE__, TID, SRV("[]"), "\"alias\":\"a\",\"settings\":{},"
		    "\"secrets\":{},\"tool_allow\":[1],\"tool_deny\":[],"
		    "\"limits\":{},\"version\":1", TARGET_INVALID,
		    "tool_allow[0]" },
		{ __LINE__, TID, SRV("[]"), "\"alias\":\"a\",\"settings\":{},"
		    "\"secrets\":{},\"tool_allow\":null,\"tool_deny\":\"x\","
		    "\"limits\":{},\"version\":1", TARGET_INVALID, "tool_deny" },
		/* Version. */
		{ __LINE__, TID, SRV("[]"), "\"alias\":\"a\",\"settings\":{},"
		    "\"secrets\":{},\"tool_allow\":null,\"tool_deny\":[],"
		    "\"limits\":{},\"version\":-1", TARGET_INVALID, "version" },
		{ __LINE__, TID, SRV("[]"), "\"alias\":\"a\",\"settings\":{},"
		    "\"secrets\":{},\"tool_allow\":null,\"tool_deny\":[],"
		    "\"limits\":{},\"version\":\"1|x\"", TARGET_INVALID,
		    "version" },
	};
	struct target	 t;
	char		 err[TARGET_ERR_LEN];
	size_t		 i;
	int		 rc;

	test_cfg(HEXKEY);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		rc = test_one(cases[i].tid, cases[i].server, cases[i].ts, &t,
		    err, sizeof(err));
		T_LINE(rc == (cases[i].want == TARGET_OK ? 0 : -1) &&
		    t.error == cases[i].want, cases[i].line);
		if (rc == 0 && t.transport == TARGET_STDIO) {
			if (cases[i].env0 == NULL)
				T_LINE(t.n_env == 0 && t.env[0] == NULL,
				    cases[i].line);
			else
				T_LINE(t.n_env >= 1 && strcmp(t.env[0],
				    cases[i].env0) == 0, cases[i].line);
		} else if (rc != 0) {
			T_LINE(cases[i].env0 == NULL ||
			    strstr(err, cases[i].env0) != NULL, cases[i].line);
			T_LINE(t.tenant_id == NULL && t.argv == NULL &&
			    t.env == NULL && t.headers == NULL, cases[i].line);
			if (strstr(err, cases[i].env0 == NULL ? "" :
			    cases[i].env0) == NULL)
				fprintf(stderr, "# line %d: err '%s'\n",
				    cases[i].line, err);
		}
		target_release(&t);
	}
}

/* The catalog's sandbox fields (migration 0005). */
static void
test_sandbox_fields(void)
{
	static const struct {
		int		 line;
		const char	*fields;	/* after "limits":{} */
		int		 ok;
		int		 net;
		size_t		 n_ports, n_paths;
		const char	*err;
	} cases[] = {
		{ __LINE__, "", 1, SANDBOX_NET_PORTS, 0, 0,
		    NULL },
		{ __LINE__, ",\"network\":null,\"egress_ports\":null,"
		    "\"read_paths\":null", 1,
		    SANDBOX_NET_PORTS, 0, 0, NULL },
		{ __LINE__, ",\"network\":\"none\"", 1,
		    SANDBOX_NET_NONE, 0, 0, NULL },
		{ __LINE__, ",\"network\":\"any\"", 1,
		    SANDBOX_NET_ANY, 0, 0, NULL },
		{ __LINE__, ",\"network\":\"loopback-denied\","
		    "\"egress_ports\":[443,8443],\"read_paths\":[\"/opt/x\","
		    "\"/srv/venv\"]", 1, SANDBOX_NET_PORTS,
		    2, 2, NULL },
		{ __LINE__, ",\"network\":\"all\"", 0, 0, 0, 0,
		    "server.network" },
		{ __LINE__, ",\"network\":1", 0, 0, 0, 0, "server.network" },
		{ __LINE__, ",\"egress_ports\":[]", 0, 0, 0, 0,
		    "egress_ports" },
		{ __LINE__, ",\"egress_ports\":[0]", 0, 0, 0, 0,
		    "egress_ports[0]" },
		{ __LINE__, ",\"egress_ports\":[443,65536]", 0, 0, 0, 0,
		    "egress_ports[1]" },
		{ __LINE__, ",\"egress_ports\":[\"443\"]", 0, 0, 0, 0,
		    "egress_ports[0]" },
		{ __LINE__, ",\"read_paths\":[\"relative\"]", 0, 0, 0, 0,
		    "read_paths[0]" },
		{ __LINE__, ",\"read_paths\":[\"/opt/../etc\"]", 0, 0, 0, 0,
		    "read_paths[0]" },
		{ __LINE__, ",\"read_paths\":[\"/ok\",\"/a\\nb\"]", 0, 0, 0,
		    0, "read_paths[1]" },
		{ __LINE__, ",\"read_paths\":\"/opt\"", 0, 0, 0, 0,
		    "read_paths" },
	};
	char		 srv[512], err[TARGET_ERR_LEN];
	struct target	 t;
	size_t		 i;
	int		 rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(srv, sizeof(srv), "%s%s", SRV("[]"), cases[i].fields);
		err[0] = '\0';
		rc = test_one(TID, srv, TS("a", "{}"), &t, err, sizeof(err));
		if (cases[i].ok) {
			T_LINE(rc == 0 && (int)t.net == cases[i].net &&
			    t.n_egress_ports == cases[i].n_ports,
			    cases[i].line);
			T_LINE(cases[i].n_paths == 0 ? t.read_paths == NULL :
			    t.read_paths != NULL &&
			    t.read_paths[cases[i].n_paths] == NULL,
			    cases[i].line);
		} else
			T_LINE(rc == -1 && t.error == TARGET_INVALID &&
			    strstr(err, cases[i].err) != NULL, cases[i].line);
		target_release(&t);
	}
}

static void
test_doc_shape(void)
{
	struct target	 t;
	char		 err[TARGET_ERR_LEN];
	json_t		*doc;

	test_cfg(HEXKEY);
	T(target_from_json(NULL, &cfg, &t, err, sizeof(err)) == -1 &&
	    t.error == TARGET_INVALID);
	doc = json_pack("{s:{}, s:{}}", "tenant", "server");
	T(target_from_json(doc, &cfg, &t, err, sizeof(err)) == -1 &&
	    t.error == TARGET_INVALID);
	json_decref(doc);

	/* Suspended tenant: refused even if resolve let it through. */
	doc = test_doc(TID, EVERYTHING, TS_PLAIN("a"));
	json_object_set_new(json_object_get(doc, "tenant"), "status",
	    json_string("suspended"));
	T(target_from_json(doc, &cfg, &t, err, sizeof(err)) == -1 &&
	    t.error == TARGET_INVALID && strstr(err, "active"));
	json_decref(doc);

	/* Upper-case tenant ids are kept in lower case. */
	doc = test_doc("0190A8E4-7C1E-7B3A-8F00-123456789ABC", EVERYTHING,
	    TS_PLAIN("a"));
	T(target_from_json(doc, &cfg, &t, err, sizeof(err)) == 0 &&
	    strcmp(t.tenant_id, TID) == 0 &&
	    strcmp(t.workdir, DATADIR "/tenants/" TID "/a") == 0);
	target_release(&t);
	json_decref(doc);

	/* version as text. */
	doc = test_doc(TID, EVERYTHING, TS_PLAIN("a"));
	json_object_set_new(json_object_get(doc, "tenant_server"), "version",
	    json_string("12"));
	T(target_from_json(doc, &cfg, &t, err, sizeof(err)) == 0 &&
	    strcmp(t.pool_key, TID "|a|12") == 0);
	target_release(&t);
	json_decref(doc);

	/* Relative data_dir. */
	free(cfg.data_dir);
	cfg.data_dir = strdup("var/lib");
	doc = test_doc(TID, EVERYTHING, TS_PLAIN("a"));
	T(target_from_json(doc, &cfg, &t, err, sizeof(err)) == -1 &&
	    t.error == TARGET_INVALID && strstr(err, "data_dir"));
	json_decref(doc);
}

static void
test_limits(void)
{
	static const struct {
		int		 line;
		const char	*server;
		const char	*ts;
		int		 ok;
		unsigned long	 timeout;
		size_t		 body, resp;
	} cases[] = {
		{ __LINE__, "{}", "{}", 1, LIMIT_UPSTREAM_TIMEOUT_MS_DEFAULT,
		    LIMIT_BODY_DEFAULT, LIMIT_UPSTREAM_RESPONSE_DEFAULT },
		{ __LINE__, "{\"timeout_ms\":5000}", "{}", 1, 5000,
		    LIMIT_BODY_DEFAULT, LIMIT_UPSTREAM_RESPONSE_DEFAULT },
		{ __LINE__, "{\"timeout_ms\":5000}", "{\"timeout_ms\":7000}",
		    1, 7000, LIMIT_BODY_DEFAULT,
		    LIMIT_UPSTREAM_RESPONSE_DEFAULT },
		{ __LINE__, "{\"max_body\":1000,\"max_response\":2000}",
		    "{\"max_response\":3000,\"rate\":5}", 1,
		    LIMIT_UPSTREAM_TIMEOUT_MS_DEFAULT, 1000, 3000 },
		/* Ceilings clamp. */
		{ __LINE__, "{\"timeout_ms\":99999999999}",
		    "{\"max_body\":999999999999,\"max_response\":999999999999}",
		    1, LIMIT_UPSTREAM_TIMEOUT_MS_MAX, LIMIT_BODY_DEFAULT,
		    LIMIT_RESPONSE_BODY },
		{ __LINE__, "{\"timeout_ms\":null}", "{}", 1,
		    LIMIT_UPSTREAM_TIMEOUT_MS_DEFAULT, LIMIT_BODY_DEFAULT,
		    LIMIT_UPSTREAM_RESPONSE_DEFAULT },
		{ __LINE__, "{\"timeout_ms\":0}", "{}", 0, 0, 0, 0 },
		{ __LINE__, "{}", "{\"timeout_ms\":-5}", 0, 0, 0, 0 },
		{ __LINE__, "{}", "{\"max_body\":\"10\"}", 0, 0, 0, 0 },
		{ __LINE__, "{}", "{\"max_response\":1.5}", 0, 0, 0, 0 },
	};
	struct target	 t;
	char		 err[TARGET_ERR_LEN], srv[1024], ts[1024];
	size_t		 i;
	int		 rc;

	test_cfg(HEXKEY);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(srv, sizeof(srv), "\"slug\":\"x\",\"transport\":"
		    "\"stdio\",\"argv\":[\"x\"],\"url\":null,"
		    "\"settings_spec\":[],\"secrets_spec\":[],\"limits\":%s",
		    cases[i].server);
		snprintf(ts, sizeof(ts), "\"alias\":\"a\",\"settings\":{},"
		    "\"secrets\":{},\"tool_allow\":null,\"tool_deny\":[],"
		    "\"limits\":%s,\"version\":1", cases[i].ts);
		rc = test_one(TID, srv, ts, &t, err, sizeof(err));
		T_LINE(rc == (cases[i].ok ? 0 : -1), cases[i].line);
		if (rc == 0)
			T_LINE(t.timeout_ms == cases[i].timeout &&
			    t.max_body == cases[i].body &&
			    t.max_response == cases[i].resp, cases[i].line);
		else
			T_LINE(t.error == TARGET_INVALID &&
			    strstr(err, "limits") != NULL, cases[i].line);
		target_release(&t);
	}
}

/* The stdio children's disk limits: defaults, overrides, ceilings. */
static void
test_disk_limits(void)
{
	static const struct {
		int		 line;
		const char	*server;
		const char	*ts;
		int		 ok;
		uint64_t	 fsize, quota;
	} cases[] = {
		{ __LINE__, "{}", "{}", 1, LIMIT_STDIO_FSIZE,
		    LIMIT_STDIO_DISK_QUOTA },
		{ __LINE__, "{\"max_file_bytes\":1048576}", "{}", 1, 1048576,
		    LIMIT_STDIO_DISK_QUOTA },
		{ __LINE__, "{\"disk_quota_bytes\":5000}",
		    "{\"disk_quota_bytes\":7000,\"max_file_bytes\":100}", 1,
		    100, 7000 },
		{ __LINE__, "{\"max_file_bytes\":99999999999999999}",
		    "{\"disk_quota_bytes\":99999999999999999}", 1,
		    LIMIT_STDIO_FSIZE_MAX, LIMIT_STDIO_DISK_QUOTA_MAX },
		{ __LINE__, "{\"max_file_bytes\":0}", "{}", 0, 0, 0 },
		{ __LINE__, "{}", "{\"disk_quota_bytes\":-1}", 0, 0, 0 },
		{ __LINE__, "{}", "{\"disk_quota_bytes\":\"1G\"}", 0, 0, 0 },
	};
	struct target	 t;
	char		 err[TARGET_ERR_LEN], srv[1024], ts[1024];
	size_t		 i;
	int		 rc;

	test_cfg(HEXKEY);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(srv, sizeof(srv), "\"slug\":\"x\",\"transport\":"
		    "\"stdio\",\"argv\":[\"x\"],\"url\":null,"
		    "\"settings_spec\":[],\"secrets_spec\":[],\"limits\":%s",
		    cases[i].server);
		snprintf(ts, sizeof(ts), "\"alias\":\"a\",\"settings\":{},"
		    "\"secrets\":{},\"tool_allow\":null,\"tool_deny\":[],"
		    "\"limits\":%s,\"version\":1", cases[i].ts);
		rc = test_one(TID, srv, ts, &t, err, sizeof(err));
		T_LINE(rc == (cases[i].ok ? 0 : -1), cases[i].line);
		if (rc == 0)
			T_LINE(t.max_file_bytes == cases[i].fsize &&
			    t.disk_quota_bytes == cases[i].quota,
			    cases[i].line);
		else
			T_LINE(t.error == TARGET_INVALID &&
			    strstr(err, "limits") != NULL, cases[i].line);
		target_release(&t);
	}
}

static void
test_seal_api(void)
{
	static const struct {
		int		 line;
		const char	*tid;
		const char	*alias;
		const char	*name;
		const char	*value;
		int		 want;
	} cases[] = {
		{ __LINE__, TID, "memory", "token", "sekrit", 0 },
		{ __LINE__, "0190A8E4-7C1E-7B3A-8F00-123456789ABC", "memory",
		    "token", "sekrit", 0 },
		{ __LINE__, TID, "memory", "a.b-c_D9", "v\tw", 0 },
		{ __LINE__, "nope", "memory", "token", "sekrit", -1 },
		{ __LINE__, TID, "Memory", "token", "sekrit", -1 },
		{ __LINE__, TID, "mem|ory", "token", "sekrit", -1 },
		{ __LINE__, TID, "memory", "to|ken", "sekrit", -1 },
		{ __LINE__, TID, "memory", "", "sekrit", -1 },
		{ __LINE__, TID, "memory", "token", "", -1 },
		{ __LINE__, TID, "memory", "token", "sek\r\nrit", -1 },
		{ __LINE__, TID, NULL, "token", "sekrit", -1 },
		{ __LINE__, NULL, "memory", "token", "sekrit", -1 },
	};
	struct buf	 key, pt;
	char		 err[TARGET_ERR_LEN];
	json_t		*s;
	size_t		 i;
	int		 rc;

	buf_init(&key, 256);
	buf_appends(&key, "k1:" HEXKEY);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s = NULL;
		rc = target_secret_seal(&key, cases[i].tid, cases[i].alias,
		    cases[i].name, cases[i].value, &s, err, sizeof(err));
		T_LINE(rc == cases[i].want && (rc == 0) == (s != NULL),
		    cases[i].line);
		if (rc != 0) {
			T_LINE(cases[i].value[0] == '\0' ||
			    strstr(err, cases[i].value) == NULL,
			    cases[i].line);
			continue;
		}
		/* The shape the database's check constraint accepts. */
		T_LINE(json_object_size(s) == 3 &&
		    strcmp(json_string_value(json_object_get(s, "kid")),
		    "k1") == 0 && json_is_string(json_object_get(s, "nonce")) &&
		    json_is_string(json_object_get(s, "ct")), cases[i].line);
		buf_init(&pt, 1024);
		T_LINE(target_secret_open(&key, cases[i].tid, cases[i].alias,
		    cases[i].name, s, &pt, err, sizeof(err)) == 0 &&
		    strcmp(buf_cstr(&pt), cases[i].value) == 0, cases[i].line);
		buf_release_secret(&pt);
		T_LINE(target_secret_open(&key, TID2, cases[i].alias,
		    cases[i].name, s, &pt, err, sizeof(err)) == -1 &&
		    pt.data == NULL, cases[i].line);
		json_decref(s);
	}
	/* No key, a malformed key. */
	buf_release(&key);
	T(target_secret_seal(&key, TID, "a", "n", "v", &s, err,
	    sizeof(err)) == -1 && s == NULL && strstr(err, "master key"));
	buf_appends(&key, "short");
	T(target_secret_seal(&key, TID, "a", "n", "v", &s, err,
	    sizeof(err)) == -1 && s == NULL);
	buf_release(&key);
	T(strcmp(target_strerror(TARGET_MISSING), "missing") == 0 &&
	    strcmp(target_strerror(TARGET__MAX), "unknown") == 0);
}

int
main(void)
{
	config_init(&cfg);
	test_everything();
	test_memory();
	test_http();
	test_hand();
	test_rules();
	test_sandbox_fields();
	test_doc_shape();
	test_limits();
	test_disk_limits();
	test_seal_api();
	config_release(&cfg);
	return t_done();
}
