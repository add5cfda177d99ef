/*
 * test_config.c -- typed configuration: keys, defaults, environment
 * overrides, secret files and their modes, error lines.
 *
 * Files are made with mkstemp in $TMPDIR (or /tmp). Each case writes a
 * config whose "@KEY@" is replaced by a 0600 secret file, "@KEY644@" by a
 * 0644 one, "@EMPTY@" by an empty 0600 file.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "mcp/upstream_stdio.h"
#include "product_limits.h"
#include "t.h"

static char	 test_dir[512];
static char	 key600[600], key644[600], empty600[600], jwt600[600];
static char	 master600[600];

#define MASTER_HEX \
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static void
test_write(const char *path, const char *content, mode_t mode)
{
	FILE	*f = fopen(path, "w");

	if (f == NULL)
		return;
	fputs(content, f);
	fclose(f);
	chmod(path, mode);
}

/* Expand @KEY@, @KEY644@, @EMPTY@, @JWT@, @MASTER@ in tmpl into out. */
static void
test_expand(const char *tmpl, struct buf *out)
{
	static const struct {
		const char	*tag;
		const char	*path;
	} tags[] = {
		{ "@KEY@", key600 }, { "@KEY644@", key644 },
		{ "@EMPTY@", empty600 }, { "@JWT@", jwt600 },
		{ "@MASTER@", master600 },
	};
	size_t	 i;

	while (*tmpl != '\0') {
		for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
			size_t n = strlen(tags[i].tag);

			if (strncmp(tmpl, tags[i].tag, n) == 0) {
				buf_appends(out, tags[i].path);
				tmpl += n;
				break;
			}
		}
		if (i == sizeof(tags) / sizeof(tags[0]))
			buf_appendc(out, *tmpl++);
	}
}

/* Load tmpl as a config file with envp; returns config_load's rc. */
static int
test_load(struct config *cfg, const char *tmpl, const char *const *envp,
    char *err, size_t errlen, char *path, size_t pathlen)
{
	struct buf	 b;
	int		 fd, rc;

	snprintf(path, pathlen, "%s/test_config.XXXXXX", test_dir);
	if ((fd = mkstemp(path)) == -1)
		return -2;
	close(fd);
	buf_init(&b, 65536);
	test_expand(tmpl, &b);
	test_write(path, buf_cstr(&b), 0644);
	buf_release(&b);
	rc = config_load(cfg, path, envp, err, errlen);
	unlink(path);
	return rc;
}

#define BASE	"supabase_url = https://x.supabase.co/\n" \
		"supabase_secret_key_file = @KEY@\n"

static void
test_errors(void)
{
	static const struct {
		int		 line;
		const char	*file;
		const char	*err;	/* NULL: loads; else after "<path>" */
	} cases[] = {
		{ __LINE__, BASE, NULL },
		{ __LINE__, BASE "foo = 1\n", ":3: unknown key 'foo'" },
		/* a master key that is not 32 bytes of hex is refused at
		 * start, not at the first secret */
		{ __LINE__, BASE "master_key_file = @KEY@\n",
		    ":3: master_key_file: expected 64 hex digits" },
		{ __LINE__, BASE "master_key_file = @MASTER@\n", NULL },
		{ __LINE__, BASE "stdio_user = no-such-user-here\n",
		    ":3: stdio_user: no such user" },
		{ __LINE__, BASE "stdio_user = root\n",
		    ":3: stdio_user: must not be root" },
		{ __LINE__, BASE "stdio_sandbox = maybe\n",
		    ":3: stdio_sandbox: not one of off, best, require" },
		{ __LINE__, BASE "stdio_sandbox = require\n", NULL },
		{ __LINE__, BASE "signup_policy = closed\n",
		    ":3: signup_policy: not one of open, confirm, invite" },
		{ __LINE__, BASE "signup_policy = invite\n", NULL },
		{ __LINE__, BASE "signup_policy = confirm\n", NULL },
		{ __LINE__, BASE "stdio_sandbox = off\n", NULL },
		{ __LINE__, BASE "allow_tenant_http_servers = on\n", NULL },
		{ __LINE__, BASE "allow_tenant_http_servers = maybe\n",
		    ":3: allow_tenant_http_servers: not on or off" },
		{ __LINE__, BASE "tenant_http_allow = 127.0.0.1:8080,"
		    "10.0.0.0/8,mcp.example\n", NULL },
		{ __LINE__, BASE "tenant_http_allow = a, b\n",
		    ":3: tenant_http_allow: blanks" },
		{ __LINE__, BASE "tenant_http_allow = 10.0.0.0/40\n",
		    ":3: tenant_http_allow: '10.0.0.0/40' is not" },
		{ __LINE__, BASE "stdio_read_paths = /opt/a:/srv/b\n", NULL },
		{ __LINE__, BASE "limit_interval = 0\n",
		    ":3: limit_interval: expected seconds from 1 to" },
		{ __LINE__, BASE "limit_interval = 1\n", NULL },
		{ __LINE__, BASE "operator_users = 00000000-0000-4000-8000-"
		    "000000000001,10000000-0000-4000-8000-00000000000A\n", NULL },
		{ __LINE__, BASE "operator_users = root\n",
		    ":3: operator_users: 'root' is not a user id" },
		{ __LINE__, BASE "operator_users = 00000000-0000-4000-8000-"
		    "000000000001,,x\n", ":3: operator_users: '' is not" },
		{ __LINE__, BASE "operator_users = 00000000-0000-4000-8000-"
		    "000000000001, 10000000-0000-4000-8000-000000000002\n",
		    ":3: operator_users: blanks" },
		{ __LINE__, BASE "stdio_read_paths = /opt/a:rel\n",
		    ":3: stdio_read_paths: every entry must be an absolute "
		    "path" },
		{ __LINE__, BASE "stdio_pool_max = 65\n",
		    ":3: stdio_pool_max: expected a number from 0 to 64" },
		{ __LINE__, BASE "upstream_timeout_ms = 600001\n",
		    ":3: upstream_timeout_ms: expected a number from 0 to 600000" },
		{ __LINE__, BASE "upstream_max_response = 0\n",
		    ":3: upstream_max_response: expected bytes from 1 to" },
		{ __LINE__, BASE "upstream_timeout_ms = 5000\n"
		    "upstream_max_response = 65536\n", NULL },
		{ __LINE__, BASE "session_max_age = 99999999\n",
		    ":3: session_max_age: expected seconds from 0 to 2592000" },
		{ __LINE__, "# c\n" BASE "supabase_url = http://y\n",
		    ":4: duplicate key 'supabase_url' (first on line 2)" },
		{ __LINE__, BASE "max_body = 12k\n",
		    ":3: max_body: expected bytes from 1 to 67108864, got '12k'" },
		{ __LINE__, BASE "max_body = 0\n", ":3: max_body" },
		{ __LINE__, BASE "max_body = 67108865\n",
		    ":3: max_body" },
		{ __LINE__, BASE "max_body = 67108864\n", NULL },
		{ __LINE__, BASE "config_ttl = 0\n", NULL },
		{ __LINE__, BASE "config_ttl = 3601\n",
		    ":3: config_ttl" },
		{ __LINE__, BASE "config_ttl = -1\n",
		    ":3: config_ttl" },
		{ __LINE__, BASE "log_level = loud\n",
		    ":3: log_level: expected error, warn, info or debug" },
		{ __LINE__, "supabase_secret_key_file = @KEY@\n",
		    ": missing required key 'supabase_url'" },
		{ __LINE__, "supabase_url = http://h\n",
		    ": missing required key 'supabase_secret_key_file'" },
		{ __LINE__, "supabase_url =\nsupabase_secret_key_file = @KEY@\n",
		    ":1: missing required key 'supabase_url'" },
		{ __LINE__, "supabase_url = ftp://h\n"
		    "supabase_secret_key_file = @KEY@\n",
		    ":1: supabase_url: not an http:// or https:// URL" },
		{ __LINE__, "supabase_url = https://u:p@h/\n"
		    "supabase_secret_key_file = @KEY@\n",
		    ":1: supabase_url: URL with credentials" },
		{ __LINE__, "supabase_url = https://h/?x=1\n"
		    "supabase_secret_key_file = @KEY@\n",
		    ":1: supabase_url: URL with a query" },
		{ __LINE__, "supabase_url = https://\n"
		    "supabase_secret_key_file = @KEY@\n",
		    ":1: supabase_url: URL without a host" },
		{ __LINE__, "supabase_url = https://h\n"
		    "supabase_secret_key_file = @KEY644@\n",
		    ":2: supabase_secret_key_file: '" },
		{ __LINE__, "supabase_url = https://h\n"
		    "supabase_secret_key_file = @EMPTY@\n",
		    ":2: supabase_secret_key_file: '" },
		{ __LINE__, "supabase_url = https://h\n"
		    "supabase_secret_key_file = relative/key\n",
		    ":2: supabase_secret_key_file: expected an absolute path" },
		{ __LINE__, "supabase_url = https://h\n"
		    "supabase_secret_key_file = /nonexistent/key\n",
		    ":2: supabase_secret_key_file: cannot open "
		    "'/nonexistent/key'" },
		{ __LINE__, BASE "data_dir = var/lib\n",
		    ":3: data_dir: expected an absolute path" },
		{ __LINE__, BASE "allowed_origins = https://a.example, ,x\n",
		    ":3: empty entry in allowed_origins" },
		{ __LINE__, BASE "allowed_origins = https://a.example/app\n",
		    ":3: origin 'https://a.example/app': origin with "
		    "a path" },
		{ __LINE__, BASE "allowed_origins = *\n",
		    ":3: origin '*'" },
		{ __LINE__, BASE "supabase_publishable_key = a b\n",
		    ":3: supabase_publishable_key: blanks" },
		{ __LINE__, BASE "this is not a pair\n",
		    ":3: expected 'key = value'" },
	};
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config	 cfg;
		char		 err[1024], path[600], want[1600];
		int		 rc;

		config_init(&cfg);
		rc = test_load(&cfg, cases[i].file, NULL, err, sizeof(err),
		    path, sizeof(path));
		if (cases[i].err == NULL) {
			T_LINE(rc == 0, cases[i].line);
			if (rc != 0)
				printf("# %s\n", err);
		} else {
			snprintf(want, sizeof(want), "%s%s", path, cases[i].err);
			T_LINE(rc == -1 && strncmp(err, want, strlen(want)) == 0,
			    cases[i].line);
			if (rc != -1 || strncmp(err, want, strlen(want)) != 0)
				printf("# got  '%s'\n# want '%s'\n", err, want);
			T_LINE(strchr(err, '\n') == NULL, cases[i].line);
		}
		config_release(&cfg);
	}
}

static void
test_values(void)
{
	struct config	 cfg;
	char		 err[1024], path[600];
	const char	*env[] = { NULL };

	config_init(&cfg);
	T(test_load(&cfg, BASE, env, err, sizeof(err), path,
	    sizeof(path)) == 0);
	/* Defaults. */
	T(strcmp(cfg.supabase_url, "https://x.supabase.co") == 0);
	T(strcmp(buf_cstr(&cfg.supabase_secret_key), "sb_secret_test") == 0);
	T(cfg.supabase_secret_key.len == 14);	/* newline stripped */
	T(!config_secret_key_is_jwt(&cfg));
	T(cfg.supabase_publishable_key == NULL);
	T(cfg.supabase_jwt_secret_file == NULL &&
	    cfg.supabase_jwt_secret.len == 0);
	T(cfg.master_key_file == NULL && cfg.public_base_url == NULL);
	T(strcmp(cfg.data_dir, "/var/lib/mcp-platform") == 0);
	T(strcmp(cfg.log_dir, "/var/log/mcp-platform") == 0);
	T(strcmp(cfg.spool_dir, "/var/spool/mcp-platform") == 0);
	T(cfg.max_body == LIMIT_BODY_DEFAULT);
	T(cfg.config_ttl == 30);
	T(cfg.n_allowed_origins == 0);
	T(cfg.log_level == LOG_LVL_INFO);
	T(cfg.stdio_sandbox_mode == SANDBOX_MODE_BEST);
	T(cfg.signup == SIGNUP_OPEN);
	T(cfg.stdio_read_paths == NULL);
	T(cfg.allow_tenant_http_servers == 0);
	T(cfg.tenant_http_guard.n_allow == 0);
	T(cfg.operator_users == NULL && !config_is_operator(&cfg,
	    "00000000-0000-4000-8000-000000000001"));
	T(strcmp(cfg.path, path) == 0);

	/* Every key set, CRLF line ends, blanks around. */
	T(test_load(&cfg,
	    "supabase_url = http://127.0.0.1:54321\r\n"
	    "supabase_publishable_key = sb_publishable_x\r\n"
	    "\tsupabase_secret_key_file   =   @JWT@  \r\n"
	    "supabase_jwt_secret_file = @KEY@\r\n"
	    "master_key_file = @MASTER@\r\n"
	    "public_base_url = https://mcp.example.com/base/\r\n"
	    "data_dir = /d\r\nlog_dir = /l\r\nspool_dir = /s\r\n"
	    "max_body = 2048\r\nconfig_ttl = 5\r\n"
	    "allowed_origins = https://app.example.com, http://localhost:3000/\r\n"
	    "log_level = debug\r\n", env, err, sizeof(err), path,
	    sizeof(path)) == 0);
	T(strcmp(cfg.supabase_url, "http://127.0.0.1:54321") == 0);
	T(strcmp(cfg.supabase_publishable_key, "sb_publishable_x") == 0);
	T(config_secret_key_is_jwt(&cfg));
	T(strcmp(buf_cstr(&cfg.supabase_jwt_secret), "sb_secret_test") == 0);
	T(strcmp(buf_cstr(&cfg.master_key), MASTER_HEX) == 0);
	T(strcmp(cfg.public_base_url, "https://mcp.example.com/base") == 0);
	T(strcmp(cfg.data_dir, "/d") == 0 && strcmp(cfg.spool_dir, "/s") == 0);
	T(cfg.max_body == 2048 && cfg.config_ttl == 5);
	T(cfg.log_level == LOG_LVL_DEBUG);
	T(cfg.n_allowed_origins == 2);
	T(strcmp(cfg.allowed_origins[1], "http://localhost:3000") == 0);
	T(config_origin_allowed(&cfg, "https://app.example.com", 23));
	T(config_origin_allowed(&cfg, "HTTPS://APP.EXAMPLE.COM", 23));
	T(config_origin_allowed(&cfg, "http://localhost:3000", 21));
	T(config_origin_allowed(&cfg, "https://mcp.example.com", 23));
	T(!config_origin_allowed(&cfg, "https://mcp.example.com.evil", 28));
	T(!config_origin_allowed(&cfg, "https://evil.example", 20));
	T(!config_origin_allowed(&cfg, "http://localhost:3001", 21));
	T(!config_origin_allowed(&cfg, "null", 4));
	config_release(&cfg);
	T(cfg.supabase_url == NULL && cfg.supabase_secret_key.data == NULL);
	config_release(&cfg);	/* twice is fine */
}

static void
test_env(void)
{
	struct config	 cfg;
	char		 err[1024], path[600], want[700];
	const char	*env1[] = {
		"MCP_PLATFORM_SUPABASE_URL=http://env.example:8000/",
		"MCP_PLATFORM_MAX_BODY=4096",
		"MCP_PLATFORM_LOG_LEVEL=warn",
		"MCP_PLATFORM_CONF=/ignored",
		"MCP_PLATFORM_ALLOWED_ORIGINS=",
		NULL,
	};
	const char	*env2[] = { "MCP_PLATFORM_MAX_BODY=abc", NULL };
	const char	*env3[] = { "MCP_PLATFORM_SUPABASE_ULR=http://x", NULL };
	const char	*env4[] = { "MCP_PLATFORM_SUPABASE_URL=", NULL };
	const char	*env5[] = { "HTTP_MCP_PLATFORM_MAX_BODY=1",
	    "HTTP_PROXY=http://evil", NULL };
	const char	*env6[] = { NULL };

	config_init(&cfg);
	T(test_load(&cfg, BASE "max_body = 100\nlog_level = error\n"
	    "allowed_origins = https://a.example\n", env1, err, sizeof(err),
	    path, sizeof(path)) == 0);
	T(strcmp(cfg.supabase_url, "http://env.example:8000") == 0);
	T(cfg.max_body == 4096);
	T(cfg.log_level == LOG_LVL_WARN);
	T(cfg.n_allowed_origins == 0);	/* empty env value unsets */

	/* operator_users: exact ids, any case, nothing else. */
	T(test_load(&cfg, BASE "operator_users = 00000000-0000-4000-8000-"
	    "000000000001,10000000-0000-4000-8000-00000000000a\n", env6,
	    err, sizeof(err), path, sizeof(path)) == 0);
	T(config_is_operator(&cfg, "00000000-0000-4000-8000-000000000001"));
	T(config_is_operator(&cfg, "10000000-0000-4000-8000-00000000000A"));
	T(!config_is_operator(&cfg, "00000000-0000-4000-8000-00000000000"));
	T(!config_is_operator(&cfg, "00000000-0000-4000-8000-0000000000012"));
	T(!config_is_operator(&cfg, ""));

	T(test_load(&cfg, BASE, env2, err, sizeof(err), path,
	    sizeof(path)) == -1);
	T(strncmp(err, "environment MCP_PLATFORM_MAX_BODY: max_body: expected "
	    "bytes", 53) == 0);

	T(test_load(&cfg, BASE, env3, err, sizeof(err), path,
	    sizeof(path)) == -1);
	T(strcmp(err, "environment: unknown variable "
	    "'MCP_PLATFORM_SUPABASE_ULR'") == 0);

	T(test_load(&cfg, BASE, env4, err, sizeof(err), path,
	    sizeof(path)) == -1);
	T(strcmp(err, "environment MCP_PLATFORM_SUPABASE_URL: missing "
	    "required key 'supabase_url'") == 0);

	/* Request headers (HTTP_*) under CGI never reach the config. */
	T(test_load(&cfg, BASE, env5, err, sizeof(err), path,
	    sizeof(path)) == 0 && cfg.max_body == LIMIT_BODY_DEFAULT);

	/* Secret file modes: 0644 refused with the advice, 0600 accepted. */
	T(test_load(&cfg, "supabase_url = https://h\n"
	    "supabase_secret_key_file = @KEY644@\n", NULL, err, sizeof(err),
	    path, sizeof(path)) == -1);
	snprintf(want, sizeof(want), "'%s' is group/world accessible; "
	    "chmod 600 it", key644);
	T(strstr(err, want) != NULL);
	T(strstr(err, "sb_secret_test") == NULL);	/* never the value */
	chmod(key644, 0600);
	T(test_load(&cfg, "supabase_url = https://h\n"
	    "supabase_secret_key_file = @KEY644@\n", NULL, err, sizeof(err),
	    path, sizeof(path)) == 0);
	chmod(key644, 0644);

	/* A missing config file is one clear line. */
	T(config_load(&cfg, "/nonexistent/mcp.conf", NULL, err,
	    sizeof(err)) == -1);
	T(strncmp(err, "cannot open '/nonexistent/mcp.conf': ", 37) == 0);
	config_release(&cfg);
}

static void
test_secret_content(void)
{
	struct config	 cfg;
	char		 err[1024], path[600], tmpl[2200], two[700], bin[700];

	snprintf(two, sizeof(two), "%s/two-lines", test_dir);
	test_write(two, "a\nb\n", 0600);
	snprintf(bin, sizeof(bin), "%s/blank-key", test_dir);
	test_write(bin, "sb secret\r\n", 0600);
	config_init(&cfg);
	snprintf(tmpl, sizeof(tmpl), "supabase_url = https://h\n"
	    "supabase_secret_key_file = %s\n", two);
	T(test_load(&cfg, tmpl, NULL, err, sizeof(err), path,
	    sizeof(path)) == -1 && strstr(err, "holds more than one line"));
	snprintf(tmpl, sizeof(tmpl), "supabase_url = https://h\n"
	    "supabase_secret_key_file = %s\n", bin);
	T(test_load(&cfg, tmpl, NULL, err, sizeof(err), path,
	    sizeof(path)) == -1 && strstr(err, "other than visible ASCII"));
	/* The JWT secret may hold blanks. */
	snprintf(tmpl, sizeof(tmpl), "supabase_url = https://h\n"
	    "supabase_secret_key_file = %s\n"
	    "supabase_jwt_secret_file = %s\n", key600, bin);
	T(test_load(&cfg, tmpl, NULL, err, sizeof(err), path,
	    sizeof(path)) == 0 &&
	    strcmp(buf_cstr(&cfg.supabase_jwt_secret), "sb secret") == 0);
	config_release(&cfg);
	unlink(two);
	unlink(bin);
}

int
main(void)
{
	const char	*tmp = getenv("TMPDIR");

	snprintf(test_dir, sizeof(test_dir), "%s/test_config.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(test_dir) == NULL)
		return 1;
	snprintf(key600, sizeof(key600), "%s/key600", test_dir);
	snprintf(key644, sizeof(key644), "%s/key644", test_dir);
	snprintf(empty600, sizeof(empty600), "%s/empty600", test_dir);
	snprintf(jwt600, sizeof(jwt600), "%s/jwt600", test_dir);
	test_write(key600, "sb_secret_test\n", 0600);
	snprintf(master600, sizeof(master600), "%s/master600", test_dir);
	test_write(master600, MASTER_HEX "\n", 0600);
	test_write(key644, "sb_secret_test\n", 0644);
	test_write(empty600, "", 0600);
	test_write(jwt600, "eyJhbGciOiJIUzI1NiJ9.e30.sig\n", 0600);

	test_errors();
	test_values();
	test_env();
	test_secret_content();

	unlink(key600);
	unlink(master600);
	unlink(key644);
	unlink(empty600);
	unlink(jwt600);
	rmdir(test_dir);
	return t_done();
}
