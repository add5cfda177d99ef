/*
 * test_resolve.c -- resolve_target() against a stub PostgREST: the RPC
 * request (path, headers, named arguments), null -> 404, bad answers ->
 * 503, the per-worker cache (TTL with an injected clock, negative
 * answers, bounded with oldest-first eviction, config_ttl 0), stale
 * answers while Supabase is down, API-key tokens on another tenant.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/auth.h"
#include "config.h"
#include "httpc.h"
#include "http/io.h"
#include "jsonx.h"
#include "http/request.h"
#include "store/resolve.h"
#include "t.h"
#include "tstub.h"

#define USER	"6f1c2e4a-1b2c-4d3e-8f90-a1b2c3d4e5f6"
#define KEYID	"0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
#define TARGET	"{\"tenant\":{\"id\":\"t1\",\"slug\":\"acme\",\"status\":" \
		"\"active\",\"limits\":{}},\"caller\":{\"kind\":\"user\"," \
		"\"id\":\"" USER "\",\"role\":\"member\"},\"server\":{\"slug\":" \
		"\"everything\",\"transport\":\"stdio\"},\"tenant_server\":{" \
		"\"id\":\"ts1\",\"alias\":\"files\",\"version\":3}}"

/* TARGET with the "oauth" object of resolve_mcp_target_oauth. */
#define OTARGET(granted, session) \
	"{\"tenant\":{\"id\":\"t1\",\"slug\":\"acme\",\"status\":" \
	"\"active\",\"limits\":{}},\"caller\":{\"kind\":\"user\"," \
	"\"id\":\"" USER "\",\"role\":\"member\"},\"server\":{\"slug\":" \
	"\"everything\",\"transport\":\"stdio\"},\"tenant_server\":{" \
	"\"id\":\"ts1\",\"alias\":\"files\",\"version\":3},\"oauth\":{" \
	"\"client_id\":\"https://c.example/\\\"x\",\"granted\":" granted ",\"session\":" \
	session "}}"
#define SESSION	"1b0c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d"

static char	 test_dir[512], log_path[600];
static int	 test_port;
static time_t	 test_clock = 1000;

static time_t
test_now(void)
{
	return test_clock;
}

/* POST /rest/v1/rpc/resolve_mcp_target, answer chosen by p_tenant. */
static void
test_stub(int fd, const char *req, size_t len)
{
	tstub_log(log_path, req, len);
	if (strncmp(req, "POST /rest/v1/rpc/resolve_mcp_target_oauth ",
	    43) == 0) {
		if (strstr(req, "\"p_server\":\"files\"") != NULL)
			tstub_answer(fd, 200, "", OTARGET("true", "true"));
		else if (strstr(req, "\"p_server\":\"nogrant\"") != NULL)
			tstub_answer(fd, 200, "", OTARGET("false", "true"));
		else if (strstr(req, "\"p_server\":\"nosess\"") != NULL)
			tstub_answer(fd, 200, "", OTARGET("true", "false"));
		else if (strstr(req, "\"p_server\":\"noobj\"") != NULL)
			tstub_answer(fd, 200, "", TARGET);
		else
			tstub_answer(fd, 200, "", "null");
	} else if (strncmp(req, "POST /rest/v1/rpc/resolve_mcp_target ", 37) != 0)
		tstub_answer(fd, 404, "", "{\"code\":\"PGRST202\"}");
	else if (strstr(req, "\"p_tenant\":\"acme\"") != NULL)
		tstub_answer(fd, 200, "", TARGET);
	else if (strstr(req, "\"p_tenant\":\"ghost\"") != NULL)
		tstub_answer(fd, 200, "", "null");
	else if (strstr(req, "\"p_tenant\":\"boom\"") != NULL)
		tstub_answer(fd, 500, "", "{\"code\":\"XX000\"}");
	else if (strstr(req, "\"p_tenant\":\"junk\"") != NULL)
		tstub_answer(fd, 200, "", "not json");
	else if (strstr(req, "\"p_tenant\":\"arr\"") != NULL)
		tstub_answer(fd, 200, "", "[1]");
	else if (strstr(req, "\"p_tenant\":\"half\"") != NULL)
		tstub_answer(fd, 200, "", "{\"tenant\":{}}");
	else if (strstr(req, "\"p_tenant\":\"many\"") != NULL)
		tstub_answer(fd, 200, "", TARGET);
	else
		tstub_answer(fd, 200, "", "null");
}

struct treq {
	struct request	 req;
	struct io	 io;
};

static void
test_open(struct treq *t, const struct config *cfg)
{
	static const char *const env[] = {
		"REQUEST_METHOD=POST", "PATH_INFO=/mcp/acme/files", NULL,
	};
	const char	*why;

	io_init_mem(&t->io, env, NULL, 0, 1 << 16);
	request_init(&t->req, &t->io, cfg, &why);
}

static void
test_close(struct treq *t)
{
	request_release(&t->req);
	io_release(&t->io);
}

/* resolve_target on C strings; *target released unless keep. */
static int
test_resolve(const struct config *cfg, const struct principal *p,
    const char *tenant, const char *server, json_t **keep)
{
	struct treq	 t;
	json_t		*target = NULL;
	int		 st;

	test_open(&t, cfg);
	st = resolve_target(&t.req, p, tenant, strlen(tenant), server,
	    strlen(server), &target);
	if (st != 0 && target != NULL)
		st = -99;	/* a target must come only with 0 */
	if (keep != NULL)
		*keep = target;
	else
		json_decref(target);
	test_close(&t);
	return st;
}

/* The last request the stub saw (malloc'd), or NULL. */
static char *
test_last_request(void)
{
	char	*all = tstub_slurp(log_path), *p, *last = NULL, *end;

	for (p = all; p != NULL && *p != '\0'; ) {
		end = strstr(p, "\n--END--\n");
		if (end == NULL)
			break;
		free(last);
		last = strndup(p, (size_t)(end - p));
		p = end + 9;
	}
	free(all);
	return last;
}

static void
test_rpc_and_cache(struct config *cfg)
{
	struct principal	 user, key;
	struct resolve_stats	 st;
	json_t			*t1 = NULL, *t2 = NULL;
	char			*last;
	int			 n0;

	memset(&user, 0, sizeof(user));
	user.kind = PRINCIPAL_USER;
	snprintf(user.sub, sizeof(user.sub), "%s", USER);
	memset(&key, 0, sizeof(key));
	key.kind = PRINCIPAL_API_KEY;
	snprintf(key.sub, sizeof(key.sub), "%s", KEYID);
	snprintf(key.api_key_id, sizeof(key.api_key_id), "%s", KEYID);
	snprintf(key.tenant_slug, sizeof(key.tenant_slug), "acme");

	/* The request: path, secret key header, named arguments. */
	T(test_resolve(cfg, &user, "acme", "files", &t1) == 0);
	T(t1 != NULL && strcmp(jsonx_str(json_object_get(t1, "tenant"),
	    "slug"), "acme") == 0);
	last = test_last_request();
	T(last != NULL && strncmp(last, "POST /rest/v1/rpc/"
	    "resolve_mcp_target HTTP/1.1\r\n", 46) == 0);
	T(last != NULL && strstr(last, "\r\napikey: sb_secret_test\r\n") !=
	    NULL);
	T(last != NULL && strcasestr(last, "\r\nAuthorization:") == NULL);
	T(last != NULL && strstr(last, "\r\nContent-Type: application/json"
	    "\r\n") != NULL);
	T(last != NULL && strstr(last, "\r\n\r\n{\"p_tenant\":\"acme\","
	    "\"p_server\":\"files\",\"p_user_id\":\"" USER "\"}") != NULL);
	free(last);
	T(tstub_count(log_path) == 1);

	/* Cached: same answer, no round trip, a shared reference. */
	T(test_resolve(cfg, &user, "acme", "files", &t2) == 0 && t2 == t1);
	T(tstub_count(log_path) == 1);
	json_decref(t1);
	json_decref(t2);
	resolve_stats(&st);
	T(st.hits == 1 && st.calls == 1 && st.entries == 1);

	/* Another caller, another entry. */
	T(test_resolve(cfg, &key, "acme", "files", NULL) == 0);
	last = test_last_request();
	T(last != NULL && strstr(last, "\"p_api_key_id\":\"" KEYID "\"") !=
	    NULL && strstr(last, "p_user_id") == NULL);
	free(last);
	T(tstub_count(log_path) == 2);

	/* An API-key token on another tenant: 404 without a round trip. */
	T(test_resolve(cfg, &key, "other", "files", NULL) == 404);
	T(tstub_count(log_path) == 2);

	/* null -> 404, cached too. */
	T(test_resolve(cfg, &user, "ghost", "files", NULL) == 404);
	T(test_resolve(cfg, &user, "ghost", "files", NULL) == 404);
	T(tstub_count(log_path) == 3);

	/* Not slugs: 404 without a round trip. */
	T(test_resolve(cfg, &user, "Acme", "files", NULL) == 404);
	T(test_resolve(cfg, &user, "acme", "", NULL) == 404);
	T(test_resolve(cfg, &user, "acme", "a/b", NULL) == 404);
	T(tstub_count(log_path) == 3);

	/* No usable answer and nothing cached: 503, not cached. */
	T(test_resolve(cfg, &user, "boom", "files", NULL) == 503);
	T(test_resolve(cfg, &user, "boom", "files", NULL) == 503);
	T(test_resolve(cfg, &user, "junk", "files", NULL) == 503);
	T(test_resolve(cfg, &user, "arr", "files", NULL) == 503);
	T(test_resolve(cfg, &user, "half", "files", NULL) == 503);
	T(tstub_count(log_path) == 8);

	/* No principal: 500. */
	T(test_resolve(cfg, NULL, "acme", "files", NULL) == 500);
	memset(&key, 0, sizeof(key));
	T(test_resolve(cfg, &key, "acme", "files", NULL) == 500);

	/* TTL: fresh until config_ttl seconds have passed. */
	n0 = tstub_count(log_path);
	test_clock += 29;
	T(test_resolve(cfg, &user, "acme", "files", NULL) == 0);
	T(tstub_count(log_path) == n0);
	test_clock += 1;
	T(test_resolve(cfg, &user, "acme", "files", NULL) == 0);
	T(tstub_count(log_path) == n0 + 1);
	T(test_resolve(cfg, &user, "acme", "files", NULL) == 0);
	T(tstub_count(log_path) == n0 + 1);
}

/* Supabase down: stale entries serve (positive and negative), others 503. */
static void
test_stale(struct config *cfg)
{
	struct principal	 user;
	struct resolve_stats	 st;
	char			*saved = cfg->supabase_url;

	memset(&user, 0, sizeof(user));
	user.kind = PRINCIPAL_USER;
	snprintf(user.sub, sizeof(user.sub), "%s", USER);
	resolve_cache_clear();
	T(test_resolve(cfg, &user, "acme", "files", NULL) == 0);
	T(test_resolve(cfg, &user, "ghost", "files", NULL) == 404);

	cfg->supabase_url = strdup("http://127.0.0.1:1");
	test_clock += 3600;
	T(test_resolve(cfg, &user, "acme", "files", NULL) == 0);
	T(test_resolve(cfg, &user, "ghost", "files", NULL) == 404);
	T(test_resolve(cfg, &user, "acme", "other", NULL) == 503);
	resolve_stats(&st);
	T(st.stale == 2 && st.failures == 3);
	free(cfg->supabase_url);
	cfg->supabase_url = saved;

	/* Back up: refreshed. */
	T(test_resolve(cfg, &user, "acme", "files", NULL) == 0);
	resolve_stats(&st);
	T(st.stale == 2 && st.hits == 0);
	T(test_resolve(cfg, &user, "acme", "files", NULL) == 0);
	resolve_stats(&st);
	T(st.hits == 1);
}

/* At most LIMIT_RESOLVE_CACHE entries; the oldest goes first. */
static void
test_bounded(struct config *cfg)
{
	struct principal	 user;
	struct resolve_stats	 st;
	char			 server[32];
	int			 i, n0;

	memset(&user, 0, sizeof(user));
	user.kind = PRINCIPAL_USER;
	snprintf(user.sub, sizeof(user.sub), "%s", USER);
	resolve_cache_clear();
	cfg->config_ttl = 3600;
	for (i = 0; i < LIMIT_RESOLVE_CACHE + 2; i++) {
		snprintf(server, sizeof(server), "s%d", i);
		test_clock++;
		T(test_resolve(cfg, &user, "many", server, NULL) == 0);
	}
	resolve_stats(&st);
	T(st.entries == LIMIT_RESOLVE_CACHE && st.evictions == 2);
	n0 = tstub_count(log_path);
	/* s0 and s1 were the oldest: gone; s2 and the newest are there. */
	T(test_resolve(cfg, &user, "many", "s2", NULL) == 0);
	snprintf(server, sizeof(server), "s%d", LIMIT_RESOLVE_CACHE + 1);
	T(test_resolve(cfg, &user, "many", server, NULL) == 0);
	T(tstub_count(log_path) == n0);
	T(test_resolve(cfg, &user, "many", "s0", NULL) == 0);
	T(tstub_count(log_path) == n0 + 1);
	cfg->config_ttl = 30;
}

static void
test_no_cache_and_legacy_key(struct config *cfg)
{
	struct principal	 user;
	struct resolve_stats	 st;
	char			*last;
	int			 n0;

	memset(&user, 0, sizeof(user));
	user.kind = PRINCIPAL_USER;
	snprintf(user.sub, sizeof(user.sub), "%s", USER);
	resolve_cache_clear();
	cfg->config_ttl = 0;
	n0 = tstub_count(log_path);
	T(test_resolve(cfg, &user, "acme", "files", NULL) == 0);
	T(test_resolve(cfg, &user, "acme", "files", NULL) == 0);
	T(tstub_count(log_path) == n0 + 2);
	resolve_stats(&st);
	T(st.entries == 0 && st.hits == 0);
	cfg->config_ttl = 30;

	/* A legacy service_role JWT goes in Authorization too. */
	buf_release_secret(&cfg->supabase_secret_key);
	buf_appends(&cfg->supabase_secret_key, "eyJhbGciOiJIUzI1NiJ9.e30.sig");
	T(test_resolve(cfg, &user, "acme", "files", NULL) == 0);
	last = test_last_request();
	T(last != NULL && strstr(last, "\r\napikey: eyJhbGciOiJIUzI1NiJ9.e30."
	    "sig\r\n") != NULL && strstr(last, "\r\nAuthorization: Bearer "
	    "eyJhbGciOiJIUzI1NiJ9.e30.sig\r\n") != NULL);
	free(last);
}

/* An OAuth client (a user token with client_id): its own RPC and cache
 * entry, and the verdict (granted, session) cached with the answer. */
static void
test_oauth(struct config *cfg)
{
	struct principal	 user, client;
	struct resolve_stats	 st;
	char			*last;
	int			 n0;

	resolve_cache_clear();
	n0 = tstub_count(log_path);
	memset(&user, 0, sizeof(user));
	user.kind = PRINCIPAL_USER;
	snprintf(user.sub, sizeof(user.sub), "%s", USER);
	client = user;
	snprintf(client.client_id, sizeof(client.client_id),
	    "https://c.example/\"x");
	snprintf(client.session_id, sizeof(client.session_id), "%s",
	    SESSION);

	T(test_resolve(cfg, &client, "acme", "files", NULL) == 0);
	last = test_last_request();
	T(last != NULL && strncmp(last, "POST /rest/v1/rpc/"
	    "resolve_mcp_target_oauth HTTP/1.1\r\n", 52) == 0);
	T(last != NULL && strstr(last, "\"p_client_id\":\"https://c.example/"
	    "\\\"x\"") != NULL && strstr(last, "\"p_session_id\":\"" SESSION
	    "\"") != NULL && strstr(last, "\"p_user_id\":\"" USER "\"") !=
	    NULL);
	free(last);
	/* cached, and apart from the same user's own token */
	T(test_resolve(cfg, &client, "acme", "files", NULL) == 0);
	T(tstub_count(log_path) == n0 + 1);
	T(test_resolve(cfg, &user, "acme", "files", NULL) == 0);
	T(tstub_count(log_path) == n0 + 2);
	/* the same session presented with another client id (a forged
	 * token could only do that): the cached answer is not its own */
	snprintf(client.client_id, sizeof(client.client_id), "other");
	T(test_resolve(cfg, &client, "acme", "files", NULL) == 403);
	T(tstub_count(log_path) == n0 + 2);
	snprintf(client.client_id, sizeof(client.client_id),
	    "https://c.example/\"x");
	/* not granted: 403; session gone: 401; both cached */
	T(test_resolve(cfg, &client, "acme", "nogrant", NULL) == 403);
	T(test_resolve(cfg, &client, "acme", "nogrant", NULL) == 403);
	T(test_resolve(cfg, &client, "acme", "nosess", NULL) == 401);
	T(test_resolve(cfg, &client, "acme", "nosess", NULL) == 401);
	T(tstub_count(log_path) == n0 + 4);
	/* an answer without the oauth object is unusable; null is 404 */
	T(test_resolve(cfg, &client, "acme", "noobj", NULL) == 503);
	T(test_resolve(cfg, &client, "acme", "other", NULL) == 404);
	/* another session of the same user: another entry */
	snprintf(client.session_id, sizeof(client.session_id), "%s", KEYID);
	T(test_resolve(cfg, &client, "acme", "nogrant", NULL) == 403);
	T(tstub_count(log_path) == n0 + 7);
	/* the verdict expires with the entry (config_ttl) */
	test_clock += cfg->config_ttl;
	T(test_resolve(cfg, &client, "acme", "nogrant", NULL) == 403);
	T(tstub_count(log_path) == n0 + 8);
	resolve_stats(&st);
	T(st.hits == 4);
}

int
main(void)
{
	struct config	 cfg;
	char		 url[64];
	pid_t		 pid;

	if (tstub_tmpdir(test_dir, sizeof(test_dir), "test_resolve") == -1)
		return 1;
	snprintf(log_path, sizeof(log_path), "%s/log", test_dir);
	if ((pid = tstub_start(test_stub, &test_port)) == -1)
		return 1;
	T(httpc_global_init("test/1") == 0);
	resolve_set_clock(test_now);

	config_init(&cfg);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", test_port);
	cfg.supabase_url = strdup(url);
	buf_appends(&cfg.supabase_secret_key, "sb_secret_test");
	cfg.config_ttl = 30;

	test_rpc_and_cache(&cfg);
	test_stale(&cfg);
	test_bounded(&cfg);
	test_no_cache_and_legacy_key(&cfg);
	test_oauth(&cfg);

	resolve_cache_clear();
	resolve_set_clock(NULL);
	config_release(&cfg);
	httpc_global_cleanup();
	tstub_stop(pid);
	unlink(log_path);
	rmdir(test_dir);
	return t_done();
}
