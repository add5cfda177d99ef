/*
 * main.c -- mcpctl: option parsing, configuration, dispatch; see mcpctl.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "httpc.h"
#include "log.h"
#include "product_limits.h"
#include "mcpctl.h"
#include "version.h"

extern char	**environ;

/*
 * The commands. needs_config: the platform's configuration is loaded
 * (and libcurl set up) before fn runs; otherwise fn runs without it.
 * Each engineer's commands are one group of rows.
 */
struct mcpctl_cmd {
	const char	*name;
	int		 needs_config;
	int		(*fn)(const struct config *, int, char *[]);
	int		(*fn_nocfg)(int, char *[]);
	const char	*usage;
	const char	*help;
};

static int	 mcpctl_logs(const struct config *, int, char *[]);
static int	 mcpctl_secrets(const struct config *, int, char *[]);

static const struct mcpctl_cmd mcpctl_cmds[] = {
	/* logs (issue 6) */
	{ "logs", 1, mcpctl_logs, NULL,
	  "logs flush [--no-wait] | logs maintain | logs tail [-f] [-n N | "
	  "--all] [--file path]\n"
	  "       [--tenant slug] [--server alias] [--method m] [--tool name] "
	  "[--status code|Nxx]\n"
	  "       [--errors] [--since ts] [--until ts] [--request-id id]",
	  "ship the spool now, keep request_logs' partitions, print "
	  "requests.jsonl records" },
	/* operator set-up and admin (issue 10, cli) */
	{ "init", 0, NULL, mcpctl_init, "init DIR",
	  "create the platform signing key (ES256), the master key and a "
	  "configuration in DIR, each 0600; refuses to overwrite" },
	{ "migrate", 0, NULL, mcpctl_migrate, "migrate [POSTGRES_URL]",
	  "apply sql/migrations not yet applied (sql/migrate, psql; "
	  "default $DATABASE_URL)" },
	{ "catalog", 1, mcpctl_catalog, NULL,
	  "catalog add FILE.json | catalog list | catalog remove SLUG",
	  "the catalog of MCP servers (mcp_servers), as the service role" },
	{ "tenant", 1, mcpctl_tenant, NULL,
	  "tenant create SLUG NAME | tenant list",
	  "tenants, as the service role" },
	{ "member", 1, mcpctl_member, NULL,
	  "member add TENANT USER_ID owner|admin|member",
	  "add a user (Supabase Auth id) to a tenant, or change their role" },
	/* API keys and tokens (issue 10, keys) */
	{ "key", 1, mcpctl_key, NULL,
	  "key create --tenant T --name N --scopes S [--expires TS] | "
	  "key revoke ID",
	  "create or revoke a tenant API key, as the service role" },
	{ "token", 1, mcpctl_token, NULL,
	  "token --key mcpk_... | token --user EMAIL",
	  "a short-lived platform token for a key, or user token" },
	/* secrets (issue 10, servers) */
	{ "secrets", 1, mcpctl_secrets, NULL, "secrets rotate-key",
	  "re-seal every tenant secret under the current master key id "
	  "(resumable)" },
	{ "doctor", 2, NULL, NULL, "doctor",
	  "configuration, file permissions, Supabase, sandbox and web-server "
	  "checks" },
};

#define MCPCTL_NCMDS	(sizeof(mcpctl_cmds) / sizeof(mcpctl_cmds[0]))

/* secrets rotate-key */
static int
mcpctl_secrets(const struct config *cfg, int argc, char *argv[])
{
	if (argc < 2 || strcmp(argv[1], "rotate-key") != 0) {
		fprintf(stderr, "usage: %s secrets rotate-key\n", MCPCTL_NAME);
		return 2;
	}
	return mcpctl_secrets_rotate(cfg, argc - 1, argv + 1);
}

static void
mcpctl_usage(void)
{
	size_t	 i;

	fprintf(stderr, "usage: %s [-c file] COMMAND [ARGS]   "
	    "(%s COMMAND --help)\n", MCPCTL_NAME, MCPCTL_NAME);
	for (i = 0; i < MCPCTL_NCMDS; i++)
		fprintf(stderr, "  %s %s\n", MCPCTL_NAME, mcpctl_cmds[i].usage);
	fprintf(stderr, "The configuration is the platform's (-c, else $%s, "
	    "else %s).\nExit status: 0 done, 1 failed, 2 usage "
	    "(docs/mcpctl.md).\n", CONFIG_ENV_PATH, CONFIG_DEFAULT_PATH);
}

void
mcpctl_help_of(const char *name)
{
	size_t	 i;

	for (i = 0; i < MCPCTL_NCMDS; i++)
		if (strcmp(mcpctl_cmds[i].name, name) == 0)
			fprintf(stderr, "usage: %s [-c file] %s\n  %s\n",
			    MCPCTL_NAME, mcpctl_cmds[i].usage,
			    mcpctl_cmds[i].help);
}

static int
mcpctl_logs(const struct config *cfg, int argc, char *argv[])
{
	if (argc >= 2 && strcmp(argv[1], "flush") == 0)
		return mcpctl_logs_flush(cfg, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "maintain") == 0)
		return mcpctl_logs_maintain(cfg, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "tail") == 0)
		return mcpctl_logs_tail(cfg, argc - 1, argv + 1);
	mcpctl_help_of("logs");
	return 2;
}

int
main(int argc, char *argv[])
{
	struct config		 cfg;
	const struct mcpctl_cmd	*cmd = NULL;
	const char		*path = NULL;
	char			 err[LIMIT_CONF_ERR + LIMIT_PATH];
	size_t			 k;
	int			 i = 1, rc = 2, j;

	log_init(LOG_LVL_INFO);
	config_init(&cfg);
	if (i < argc && strcmp(argv[i], "--version") == 0) {
		printf("%s %s\n", MCPCTL_NAME, MCP_PLATFORM_VERSION);
		return 0;
	}
	if (i + 1 < argc && (strcmp(argv[i], "-c") == 0 ||
	    strcmp(argv[i], "--config") == 0)) {
		path = argv[i + 1];
		i += 2;
	}
	if (i < argc && (strcmp(argv[i], "--help") == 0 ||
	    strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "help") == 0)) {
		mcpctl_usage();
		rc = 0;
		goto out;
	}
	for (k = 0; i < argc && k < MCPCTL_NCMDS; k++)
		if (strcmp(argv[i], mcpctl_cmds[k].name) == 0)
			cmd = &mcpctl_cmds[k];
	if (cmd == NULL) {
		mcpctl_usage();
		goto out;
	}
	for (j = i + 1; j < argc; j++)
		if (strcmp(argv[j], "--help") == 0 || strcmp(argv[j], "-h") == 0) {
			mcpctl_help_of(cmd->name);
			rc = 0;
			goto out;
		}
	if (path == NULL && (path = getenv(CONFIG_ENV_PATH)) == NULL)
		path = CONFIG_DEFAULT_PATH;
	if (cmd->needs_config == 0) {
		rc = cmd->fn_nocfg(argc - i, argv + i);
		goto out;
	}
	if (cmd->needs_config == 2) {		/* doctor: works without */
		if (argc - i != 1) {
			mcpctl_help_of(cmd->name);
			goto out;
		}
		if (httpc_global_init(MCPCTL_NAME "/" MCP_PLATFORM_VERSION)
		    == -1) {
			rc = 1;
			goto out;
		}
		if (config_load(&cfg, path, (const char *const *)environ, err,
		    sizeof(err)) == -1)
			rc = mcpctl_doctor(NULL, err);
		else
			rc = mcpctl_doctor(&cfg, NULL);
		httpc_global_cleanup();
		goto out;
	}
	if (config_load(&cfg, path, (const char *const *)environ, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "%s: config: %s\n", MCPCTL_NAME, err);
		rc = 1;
		goto out;
	}
	log_init(cfg.log_level);
	if (httpc_global_init(MCPCTL_NAME "/" MCP_PLATFORM_VERSION) == -1) {
		fprintf(stderr, "%s: cannot initialise libcurl\n",
		    MCPCTL_NAME);
		rc = 1;
		goto out;
	}
	rc = cmd->fn(&cfg, argc - i, argv + i);
	httpc_global_cleanup();
out:
	config_release(&cfg);
	return rc;
}
