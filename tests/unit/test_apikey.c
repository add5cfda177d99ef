/*
 * test_apikey.c -- the API key format (src/store/apikey.c): generated keys
 * parse back to their id and a secret whose SHA-256 is the one stored;
 * every malformed spelling (wrong prefix, length, separator, id
 * alphabet, bad or non-canonical base64url, embedded NUL or space) is
 * refused; scopes ("admin" covers all) and server lists; against a stub
 * Supabase: the digest check, the cache and its TTL (revocation within
 * config_ttl), expiry, stale-if-error, 503, last_used_at batching.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "httpc.h"
#include "store/apikey.h"
#include "t.h"
#include "tstub.h"

#define KEYID	"0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
#define TID	"6f1c2e4a-1b2c-4d3e-8f90-a1b2c3d4e5f6"

static char			 test_dir[512], log_path[600], flag[600];
static char			 down[600];
static struct apikey_new	 test_key;
static time_t			 test_clock = 1000;
static int			 test_port;

static time_t
test_now(void)
{
	return test_clock;
}

/* api_key_lookup: the test key's row; revoked while the flag file
 * exists; 500 while "down" exists. */
static void
test_stub(int fd, const char *req, size_t len)
{
	char	 body[1024], hex[2 * APIKEY_SHA256 + 1];
	size_t	 i;

	tstub_log(log_path, req, len);
	if (access(down, F_OK) == 0) {
		tstub_answer(fd, 500, "", "{\"code\":\"XX000\"}");
		return;
	}
	if (strstr(req, "api_key_touch") != NULL) {
		tstub_answer(fd, 204, "", "");
		return;
	}
	if (strstr(req, test_key.id) == NULL &&
	    strstr(req, KEYID) == NULL) {
		tstub_answer(fd, 200, "", "null");
		return;
	}
	for (i = 0; i < APIKEY_SHA256; i++)
		snprintf(hex + 2 * i, 3, "%02x", test_key.sha256[i]);
	snprintf(body, sizeof(body), "{\"id\":\"" KEYID "\",\"tenant_id\":"
	    "\"" TID "\",\"tenant_slug\":\"acme\",\"tenant_active\":true,"
	    "\"secret_sha256\":\"%s\",\"scopes\":[\"mcp:call\"],"
	    "\"servers\":[\"files\"],\"expires_at\":%s,\"revoked\":%s}",
	    hex, strstr(req, KEYID) != NULL ? "1" : "null",
	    access(flag, F_OK) == 0 ? "true" : "false");
	tstub_answer(fd, 200, "", body);
}

/* Lookups, the constant-time digest check, the cache and its TTL,
 * revocation within config_ttl, expiry, stale-if-error, touches. */
static void
test_cache(struct config *cfg)
{
	struct apikey_info	 k;
	char			 bad[APIKEY_LEN + 1], why[128];
	FILE			*f;

	T(apikey_authenticate(cfg, test_key.key, APIKEY_LEN, &k, why,
	    sizeof(why)) == 0);
	T(strcmp(k.id, KEYID) == 0 && strcmp(k.tenant_slug, "acme") == 0);
	T(strcmp(k.scopes, "mcp:call") == 0 && !k.all_servers);
	T(apikey_allows_server(&k, "files") && !apikey_allows_server(&k, "x"));
	T(strcmp(k.prefix, test_key.id) == 0);
	T(tstub_count(log_path) == 1);
	/* cached: no round trip */
	T(apikey_authenticate(cfg, test_key.key, APIKEY_LEN, &k, why,
	    sizeof(why)) == 0);
	T(tstub_count(log_path) == 1);
	/* the right id with another secret: 401, and never the key's
	 * entry */
	memcpy(bad, test_key.key, sizeof(bad));
	bad[30] = bad[30] == 'A' ? 'B' : 'A';
	T(apikey_authenticate(cfg, bad, APIKEY_LEN, &k, why,
	    sizeof(why)) == 401);
	T(k.id[0] == '\0');
	T(strstr(why, bad + 22) == NULL);
	/* revoked in the store: still served until config_ttl passed */
	T((f = fopen(flag, "w")) != NULL && fclose(f) == 0);
	test_clock += cfg->config_ttl - 1;
	T(apikey_authenticate(cfg, test_key.key, APIKEY_LEN, &k, NULL,
	    0) == 0);
	test_clock += 1;
	T(apikey_authenticate(cfg, test_key.key, APIKEY_LEN, &k, why,
	    sizeof(why)) == 401);
	T(strstr(why, "revoked") != NULL);
	unlink(flag);
	/* a token's key id: its own entry; expires_at 1 (1970): expired */
	T(apikey_check_id(cfg, KEYID, &k, why, sizeof(why)) == 401);
	T(strstr(why, "expired") != NULL);
	T(apikey_check_id(cfg, "not-a-uuid", &k, NULL, 0) == 401);
	/* Supabase down: a past-TTL entry is served, nothing cached is 503 */
	T((f = fopen(down, "w")) != NULL && fclose(f) == 0);
	test_clock += cfg->config_ttl;
	T(apikey_authenticate(cfg, test_key.key, APIKEY_LEN, &k, NULL,
	    0) == 401);		/* the revoked answer, stale */
	apikey_cache_clear();
	T(apikey_authenticate(cfg, test_key.key, APIKEY_LEN, &k, NULL,
	    0) == 503);
	unlink(down);
	T(apikey_authenticate(cfg, test_key.key, APIKEY_LEN, &k, NULL,
	    0) == 0);
	/* last_used_at: one call for a burst, none within the minute */
	apikey_used(KEYID);
	apikey_used(KEYID);
	apikey_flush(cfg);
	apikey_flush(cfg);
	apikey_used(KEYID);
	apikey_flush(cfg);
	{
		struct apikey_stats	 st;

		apikey_stats(&st);
		T(st.touches == 1);
		test_clock += LIMIT_APIKEY_TOUCH_S;
		apikey_used(KEYID);
		apikey_flush(cfg);
		apikey_stats(&st);
		T(st.touches == 2);
	}
}

static void
test_roundtrip(void)
{
	struct apikey_new	 k, k2;
	struct apikey_parsed	 p;
	unsigned char		 sha[APIKEY_SHA256];

	T(apikey_generate(&k) == 0);
	T(apikey_generate(&k2) == 0);
	T(strlen(k.key) == APIKEY_LEN);
	T(strncmp(k.key, "mcpk_", 5) == 0);
	T(strcmp(k.key, k2.key) != 0 && strcmp(k.id, k2.id) != 0);
	T(apikey_looks_like(k.key, strlen(k.key)));
	T(apikey_parse(k.key, strlen(k.key), &p) == 0);
	T(strcmp(p.id, k.id) == 0);
	T(apikey_sha256(p.secret, sizeof(p.secret), sha) == 0);
	T(memcmp(sha, k.sha256, sizeof(sha)) == 0);
	apikey_parsed_wipe(&p);
}

static void
test_bad(void)
{
	struct apikey_new	 k;
	struct apikey_parsed	 p;
	char			 s[APIKEY_LEN + 8];
	const struct {
		int	 line;
		size_t	 at;		/* position to change */
		char	 c;		/* new byte there */
	} v[] = {
		{ __LINE__, 0, 'M' },			/* prefix */
		{ __LINE__, 3, 'x' },
		{ __LINE__, 4, '-' },			/* "mcpk-" */
		{ __LINE__, 5, 'A' },			/* id: upper case */
		{ __LINE__, 10, 'g' },			/* id: not hex */
		{ __LINE__, 20, '_' },
		{ __LINE__, 21, '-' },			/* separator */
		{ __LINE__, 22, '+' },			/* standard alphabet */
		{ __LINE__, 30, '/' },
		{ __LINE__, 40, ' ' },			/* space */
		{ __LINE__, 41, '\0' },			/* NUL */
		{ __LINE__, 50, '=' },
		{ __LINE__, APIKEY_LEN - 1, '=' },	/* padding */
	};
	size_t	 i;

	T(apikey_generate(&k) == 0);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		memcpy(s, k.key, APIKEY_LEN + 1);
		if (s[v[i].at] == v[i].c)
			continue;
		s[v[i].at] = v[i].c;
		T_LINE(apikey_parse(s, APIKEY_LEN, &p) == -1, v[i].line);
		T_LINE(p.id[0] == '\0', v[i].line);
	}
	/* lengths */
	T(apikey_parse(k.key, APIKEY_LEN - 1, &p) == -1);
	memcpy(s, k.key, APIKEY_LEN);
	s[APIKEY_LEN] = 'A';
	T(apikey_parse(s, APIKEY_LEN + 1, &p) == -1);
	T(apikey_parse("", 0, &p) == -1);
	T(apikey_parse(NULL, 0, &p) == -1);
	T(apikey_parse("mcpk_", 5, &p) == -1);
	/* non-canonical last character: 43 chars hold 258 bits, the last
	 * two must be zero ('A' = 0, 'B' = 1) */
	memcpy(s, k.key, APIKEY_LEN + 1);
	s[APIKEY_LEN - 1] = 'B';
	T(apikey_parse(s, APIKEY_LEN, &p) == -1);
	s[APIKEY_LEN - 1] = 'A';
	T(apikey_parse(s, APIKEY_LEN, &p) == 0);
	/* a JWT does not look like a key */
	T(!apikey_looks_like("eyJhbGciOi", 10));
	T(!apikey_looks_like("mcp", 3));
}

static void
test_scopes(void)
{
	struct apikey_info	 k;

	memset(&k, 0, sizeof(k));
	strcpy(k.scopes, "logs:read");
	T(!apikey_has_scope(&k, "mcp:call"));
	T(apikey_has_scope(&k, "logs:read"));
	strcpy(k.scopes, "logs:read admin");
	T(apikey_has_scope(&k, "mcp:call"));
	strcpy(k.scopes, "mcp:callx");
	T(!apikey_has_scope(&k, "mcp:call"));
	k.all_servers = 1;
	T(apikey_allows_server(&k, "anything"));
	k.all_servers = 0;
	strcpy(k.servers, "files memory");
	T(apikey_allows_server(&k, "memory"));
	T(!apikey_allows_server(&k, "mem"));
	T(!apikey_allows_server(&k, "everything"));
}

int
main(void)
{
	test_roundtrip();
	test_bad();
	test_scopes();
	{
		struct config	 cfg;
		char		 url[64];
		pid_t		 pid;

		if (tstub_tmpdir(test_dir, sizeof(test_dir),
		    "test_apikey") == -1 || apikey_generate(&test_key) == -1)
			return 1;
		snprintf(log_path, sizeof(log_path), "%s/log", test_dir);
		snprintf(flag, sizeof(flag), "%s/revoked", test_dir);
		snprintf(down, sizeof(down), "%s/down", test_dir);
		if ((pid = tstub_start(test_stub, &test_port)) == -1)
			return 1;
		T(httpc_global_init("test/1") == 0);
		apikey_set_clock(test_now);
		config_init(&cfg);
		snprintf(url, sizeof(url), "http://127.0.0.1:%d", test_port);
		cfg.supabase_url = strdup(url);
		buf_appends(&cfg.supabase_secret_key, "sb_secret_test");
		cfg.config_ttl = 30;
		test_cache(&cfg);
		apikey_cache_clear();
		apikey_set_clock(NULL);
		config_release(&cfg);
		httpc_global_cleanup();
		tstub_stop(pid);
		unlink(log_path);
		rmdir(test_dir);
	}
	return t_done();
}
