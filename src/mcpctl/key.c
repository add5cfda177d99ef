/*
 * key.c -- mcpctl key create | key revoke | token: API keys and
 * short-lived tokens for operators and tests (issue 10 item 7;
 * docs/authentication.md "API keys"). As the service role, so the
 * operator acts for any tenant; every create and revoke writes an
 * audit_events row (actor null: the operator) naming the key's prefix.
 *
 *   key create --tenant T --name N --scopes a,b [--servers x,y]
 *              [--expires RFC3339]
 *       prints {"id","prefix","tenant","scopes","key"} on stdout: the only
 *       time the key is shown
 *   key revoke ID
 *       revokes (final); revoking a revoked key is no error
 *   token --key mcpk_... [--ttl S]
 *       prints a platform token for a live key (platform_signing_key_file)
 *   token --user EMAIL [--ttl S]
 *       prints a Supabase user token, HS256 with supabase_jwt_secret_file
 *       (legacy-secret projects and the local stack only)
 *
 * Exit: 0 done; 1 failed (one line on stderr); 2 usage.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "api/api_logs.h"
#include "auth/auth.h"
#include "buf.h"
#include "config.h"
#include "httpc.h"
#include "jsonx.h"
#include "jwtx.h"
#include "mcpctl.h"
#include "product_limits.h"
#include "store/apikey.h"
#include "store/supa.h"
#include "strparse.h"
#include "uuid.h"

#define KEY_PATH_MAX	1024

static int
key_usage(void)
{
	fprintf(stderr,
	    "usage: %s key create --tenant slug --name name --scopes s1,s2 "
	    "[--servers a1,a2] [--expires rfc3339]\n"
	    "       %s key revoke key-id\n"
	    "       %s token --key mcpk_... | --user email [--ttl seconds]\n"
	    "scopes: mcp:call, logs:read, admin. Exit: 0 done, 1 failed, "
	    "2 usage.\n", MCPCTL_NAME, MCPCTL_NAME, MCPCTL_NAME);
	return 2;
}

/* One service-role call: 0 and *out (NEW, may be NULL), or -1 said. */
static int
key_supa(const struct config *cfg, const char *method, const char *path,
    const json_t *body, const char *prefer, json_t **out)
{
	struct supa_call	 c;
	struct httpc_response	 resp;
	struct buf		 b;
	char			 why[LIMIT_HTTPC_ERR + 64], err[128];
	int			 rc = -1;

	*out = NULL;
	memset(&c, 0, sizeof(c));
	buf_init(&b, 64 * 1024);
	httpc_response_init(&resp);
	if (body != NULL && jsonx_dumpb(&b, body) == -1)
		goto out;
	c.method = method;
	c.path = path;
	c.prefer = prefer;
	c.body = body != NULL ? b.data : NULL;
	c.bodylen = b.len;
	if (supa_perform(cfg, &c, &resp, why, sizeof(why)) == -1) {
		fprintf(stderr, "%s: %s\n", MCPCTL_NAME, why);
		goto out;
	}
	if (resp.status < 200 || resp.status >= 300) {
		fprintf(stderr, "%s: %s %s answered %ld\n", MCPCTL_NAME,
		    method, path, resp.status);
		goto out;
	}
	if (resp.body.len > 0 && (*out = jsonx_loadb(resp.body.data,
	    resp.body.len, LIMIT_JSON_DEPTH, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s: %s: %s\n", MCPCTL_NAME, path, err);
		goto out;
	}
	rc = 0;
out:
	httpc_response_release(&resp);
	buf_release_secret(&b);
	return rc;
}

static void
key_audit(const struct config *cfg, const char *tenant_id,
    const char *action, const char *target, const char *prefix)
{
	json_t	*row, *j = NULL;

	row = json_pack("{s:s,s:n,s:s,s:s,s:{s:s,s:s}}", "tenant_id",
	    tenant_id, "actor", "action", action, "target", target, "details",
	    "prefix", prefix, "via", MCPCTL_NAME);
	if (row == NULL || key_supa(cfg, "POST", "/rest/v1/audit_events", row,
	    "return=minimal", &j) == -1)
		fprintf(stderr, "%s: warning: no audit row for %s\n",
		    MCPCTL_NAME, action);
	json_decref(j);
	json_decref(row);
}

/* "a,b" into a JSON array of words, each checked by ok. */
static json_t *
key_list(const char *s, int slugs)
{
	static const char *const scopes[] = { "mcp:call", "logs:read",
	    "admin", NULL };
	json_t		*a = json_array();
	const char	*p = s;
	char		 w[LIMIT_SLUG + 1];
	size_t		 n, k;

	while (a != NULL && *p != '\0') {
		n = strcspn(p, ",");
		if (n == 0 || n > LIMIT_SLUG)
			goto bad;
		memcpy(w, p, n);
		w[n] = '\0';
		if (slugs && !strparse_is_slug(w, n, LIMIT_SLUG))
			goto bad;
		for (k = 0; !slugs && scopes[k] != NULL; k++)
			if (strcmp(scopes[k], w) == 0)
				break;
		if (!slugs && scopes[k] == NULL)
			goto bad;
		json_array_append_new(a, json_string(w));
		p += n;
		if (*p == ',')
			p++;
	}
	if (json_array_size(a) > 0)
		return a;
bad:
	fprintf(stderr, "%s: bad %s list '%s'\n", MCPCTL_NAME,
	    slugs ? "server" : "scope (mcp:call, logs:read, admin)", s);
	json_decref(a);
	return NULL;
}

static int
key_create(const struct config *cfg, int argc, char *argv[])
{
	const char		*tenant = NULL, *name = NULL, *scopes = NULL;
	const char		*servers = NULL, *expires = NULL, *tid;
	struct apikey_new	 k;
	json_t			*sc = NULL, *sv = NULL, *row = NULL, *j = NULL;
	json_t			*out = NULL;
	char			 path[KEY_PATH_MAX], hex[2 * APIKEY_SHA256 + 3];
	char			 exp[API_LOGS_TIME_STRLEN] = "";
	int64_t			 t;
	int			 i, rc = 1;

	memset(&k, 0, sizeof(k));
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0)
			return key_usage();
		if (i + 1 >= argc)
			return key_usage();
		if (strcmp(argv[i], "--tenant") == 0)
			tenant = argv[++i];
		else if (strcmp(argv[i], "--name") == 0)
			name = argv[++i];
		else if (strcmp(argv[i], "--scopes") == 0)
			scopes = argv[++i];
		else if (strcmp(argv[i], "--servers") == 0)
			servers = argv[++i];
		else if (strcmp(argv[i], "--expires") == 0)
			expires = argv[++i];
		else
			return key_usage();
	}
	if (tenant == NULL || name == NULL || scopes == NULL ||
	    !strparse_is_slug(tenant, strlen(tenant), LIMIT_SLUG) ||
	    *name == '\0' || strlen(name) > LIMIT_APIKEY_NAME)
		return key_usage();
	if ((sc = key_list(scopes, 0)) == NULL ||
	    (servers != NULL && (sv = key_list(servers, 1)) == NULL)) {
		rc = 2;
		goto out;
	}
	if (expires != NULL && (api_logs_parse_time(expires, strlen(expires),
	    1, &t) == -1 || api_logs_format_time(t, exp) == -1 ||
	    t <= (int64_t)time(NULL) * 1000000)) {
		fprintf(stderr, "%s: --expires: not a future RFC 3339 time\n",
		    MCPCTL_NAME);
		rc = 2;
		goto out;
	}
	snprintf(path, sizeof(path), "/rest/v1/tenants?select=id&slug=eq.%s",
	    tenant);
	if (key_supa(cfg, "GET", path, NULL, NULL, &j) == -1)
		goto out;
	if ((tid = jsonx_str(json_array_get(j, 0), "id")) == NULL) {
		fprintf(stderr, "%s: no tenant '%s'\n", MCPCTL_NAME, tenant);
		goto out;
	}
	if (apikey_generate(&k) == -1) {
		fprintf(stderr, "%s: no randomness\n", MCPCTL_NAME);
		goto out;
	}
	hex[0] = '\\';
	hex[1] = 'x';
	for (i = 0; i < APIKEY_SHA256; i++)
		snprintf(hex + 2 + 2 * i, 3, "%02x", k.sha256[i]);
	row = json_pack("{s:s,s:s,s:s,s:s,s:O,s:o,s:o}", "tenant_id", tid,
	    "name", name, "prefix", k.id, "secret_sha256", hex, "scopes", sc,
	    "servers", sv != NULL ? json_incref(sv) : json_null(),
	    "expires_at", exp[0] != '\0' ? json_string(exp) : json_null());
	if (row == NULL || key_supa(cfg, "POST",
	    "/rest/v1/api_keys?select=id", row, "return=representation",
	    &out) == -1)
		goto out;
	if (jsonx_str(json_array_get(out, 0), "id") == NULL) {
		fprintf(stderr, "%s: the key was not stored\n", MCPCTL_NAME);
		goto out;
	}
	key_audit(cfg, tid, "api_key.create",
	    jsonx_str(json_array_get(out, 0), "id"), k.id);
	printf("{\"id\":\"%s\",\"prefix\":\"%s\",\"tenant\":\"%s\","
	    "\"key\":\"%s\"}\n", jsonx_str(json_array_get(out, 0), "id"),
	    k.id, tenant, k.key);
	rc = 0;
out:
	explicit_bzero(&k, sizeof(k));
	json_decref(out);
	json_decref(row);
	json_decref(j);
	json_decref(sv);
	json_decref(sc);
	return rc;
}

static int
key_revoke(const struct config *cfg, int argc, char *argv[])
{
	char		 path[KEY_PATH_MAX], now[API_LOGS_TIME_STRLEN];
	const char	*id;
	json_t		*body = NULL, *j = NULL, *row;
	int		 rc = 1;

	if (argc != 2 || !uuid_is_valid(argv[1], strlen(argv[1])))
		return key_usage();
	id = argv[1];
	if (api_logs_format_time((int64_t)time(NULL) * 1000000, now) == -1 ||
	    (body = json_pack("{s:s}", "revoked_at", now)) == NULL)
		goto out;
	snprintf(path, sizeof(path), "/rest/v1/api_keys?select=id,tenant_id,"
	    "prefix&id=eq.%s&revoked_at=is.null", id);
	if (key_supa(cfg, "PATCH", path, body, "return=representation",
	    &j) == -1)
		goto out;
	if ((row = json_array_get(j, 0)) != NULL) {
		key_audit(cfg, jsonx_str(row, "tenant_id"), "api_key.revoke",
		    id, jsonx_str(row, "prefix"));
		printf("revoked %s\n", id);
		rc = 0;
		goto out;
	}
	json_decref(j);
	snprintf(path, sizeof(path), "/rest/v1/api_keys?select=id&id=eq.%s",
	    id);
	if (key_supa(cfg, "GET", path, NULL, NULL, &j) == -1)
		goto out;
	if (json_array_size(j) == 1) {
		printf("revoked %s (before)\n", id);
		rc = 0;
	} else
		fprintf(stderr, "%s: no api key '%s'\n", MCPCTL_NAME, id);
out:
	json_decref(j);
	json_decref(body);
	return rc;
}

int
mcpctl_key(const struct config *cfg, int argc, char *argv[])
{
	if (argc >= 2 && strcmp(argv[1], "create") == 0)
		return key_create(cfg, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "revoke") == 0)
		return key_revoke(cfg, argc - 1, argv + 1);
	return key_usage();
}

/* An HS256 Supabase user token for email (the local stack, legacy
 * projects): the claims Supabase Auth puts in its own. */
static int
token_user(const struct config *cfg, const char *email, unsigned long ttl,
    struct buf *out)
{
	struct jwtx_key	 key;
	struct buf	 iss;
	json_t		*args = NULL, *j = NULL, *claims = NULL;
	char		 jti[UUID_STRLEN + 1];
	const char	*uid;
	time_t		 now = time(NULL);
	int		 rc = -1;

	buf_init(&iss, LIMIT_URL + 16);
	if (cfg->supabase_jwt_secret.len == 0) {
		fprintf(stderr, "%s: --user needs supabase_jwt_secret_file "
		    "(a legacy HS256 project or the local stack)\n",
		    MCPCTL_NAME);
		goto out;
	}
	if ((args = json_pack("{s:s}", "p_email", email)) == NULL ||
	    key_supa(cfg, "POST", "/rest/v1/rpc/mcpctl_user_id", args, NULL,
	    &j) == -1)
		goto out;
	if ((uid = json_string_value(j)) == NULL) {
		fprintf(stderr, "%s: no user '%s'\n", MCPCTL_NAME, email);
		goto out;
	}
	if (config_supabase_issuer(cfg, &iss) == -1 || uuid_v7(jti) == -1)
		goto out;
	claims = json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:s}", "iss",
	    iss.data, "aud", AUTH_SUPABASE_AUDIENCE, "sub", uid, "role",
	    AUTH_SUPABASE_ROLE, "email", email, "iat", (json_int_t)now, "exp",
	    (json_int_t)(now + (time_t)ttl), "session_id", jti);
	key.alg = JWTX_ALG_HS256;
	key.kid = NULL;
	key.material = cfg->supabase_jwt_secret.data;
	key.len = cfg->supabase_jwt_secret.len;
	if (claims != NULL)
		rc = jwtx_sign(&key, claims, out);
out:
	json_decref(claims);
	json_decref(j);
	json_decref(args);
	buf_release(&iss);
	return rc;
}

int
mcpctl_token(const struct config *cfg, int argc, char *argv[])
{
	struct apikey_info	 k;
	struct buf		 tok;
	const char		*key = NULL, *user = NULL;
	char			 why[AUTH_WHY_MAX];
	uint64_t		 ttl = LIMIT_PLATFORM_TOKEN_TTL;
	int			 i, rc = 1, st;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || i + 1 >= argc)
			return key_usage();
		if (strcmp(argv[i], "--key") == 0)
			key = argv[++i];
		else if (strcmp(argv[i], "--user") == 0)
			user = argv[++i];
		else if (strcmp(argv[i], "--ttl") == 0) {
			i++;
			if (strparse_u64(argv[i], strlen(argv[i]), 60,
			    LIMIT_PLATFORM_TOKEN_TTL_MAX, &ttl) == -1)
				return key_usage();
		} else
			return key_usage();
	}
	if ((key == NULL) == (user == NULL))
		return key_usage();
	buf_init(&tok, LIMIT_JWT_LEN);
	if (user != NULL) {
		if (token_user(cfg, user, (unsigned long)ttl, &tok) == -1)
			goto out;
	} else {
		st = apikey_authenticate(cfg, key, strlen(key), &k, why,
		    sizeof(why));
		if (st != 0) {
			fprintf(stderr, "%s: key refused: %s\n", MCPCTL_NAME,
			    why);
			goto out;
		}
		if (auth_mint_platform_token(cfg, k.id, k.tenant_slug,
		    k.scopes, (unsigned long)ttl, &tok) == -1) {
			fprintf(stderr, "%s: cannot mint (is "
			    "platform_signing_key_file set?)\n", MCPCTL_NAME);
			goto out;
		}
	}
	printf("%s\n", tok.data);
	rc = 0;
out:
	buf_release_secret(&tok);
	return rc;
}
