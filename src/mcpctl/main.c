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

static void
mcpctl_usage(void)
{
	fprintf(stderr,
	    "usage: %s [-c file] logs flush [--no-wait]\n"
	    "       %s [-c file] logs maintain\n"
	    "       %s [-c file] logs tail [-f] [-n N | --all] [--file path] "
	    "[--tenant slug]\n"
	    "              [--server alias] [--method m] [--tool name] "
	    "[--status code|Nxx]\n"
	    "              [--errors] [--since ts] [--until ts] "
	    "[--request-id id]\n"
	    "       %s [-c file] doctor\n"
	    "       %s [-c file] key create|revoke ... (key --help)\n"
	    "       %s [-c file] token --key mcpk_... | --user email\n"
	    "       %s [-c file] secrets rotate-key\n"
	    "The configuration is the platform's (-c, else $%s, else %s).\n",
	    MCPCTL_NAME, MCPCTL_NAME, MCPCTL_NAME, MCPCTL_NAME,
	    MCPCTL_NAME, MCPCTL_NAME, MCPCTL_NAME, CONFIG_ENV_PATH,
	    CONFIG_DEFAULT_PATH);
}

int
main(int argc, char *argv[])
{
	struct config	 cfg;
	const char	*path = NULL;
	char		 err[LIMIT_CONF_ERR + LIMIT_PATH];
	int		 i = 1, rc = 2;

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
	if (i + 1 == argc && strcmp(argv[i], "doctor") == 0) {
		if (path == NULL && (path = getenv(CONFIG_ENV_PATH)) == NULL)
			path = CONFIG_DEFAULT_PATH;
		if (config_load(&cfg, path, (const char *const *)environ, err,
		    sizeof(err)) == -1)
			rc = mcpctl_doctor(NULL, err);
		else
			rc = mcpctl_doctor(&cfg, NULL);
		goto out;
	}
	if (i + 1 >= argc || (strcmp(argv[i], "logs") != 0 &&
	    strcmp(argv[i], "key") != 0 && strcmp(argv[i], "token") != 0 &&
	    strcmp(argv[i], "secrets") != 0)) {
		mcpctl_usage();
		goto out;
	}
	if (path == NULL && (path = getenv(CONFIG_ENV_PATH)) == NULL)
		path = CONFIG_DEFAULT_PATH;
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
	if (strcmp(argv[i], "key") == 0) {
		rc = mcpctl_key(&cfg, argc - i, argv + i);
		goto done;
	}
	if (strcmp(argv[i], "token") == 0) {
		rc = mcpctl_token(&cfg, argc - i, argv + i);
		goto done;
	}
	i++;
	if (strcmp(argv[i - 1], "secrets") == 0) {
		if (strcmp(argv[i], "rotate-key") == 0)
			rc = mcpctl_secrets_rotate(&cfg, argc - i, argv + i);
		else
			mcpctl_usage();
	} else if (strcmp(argv[i], "flush") == 0)
		rc = mcpctl_logs_flush(&cfg, argc - i, argv + i);
	else if (strcmp(argv[i], "maintain") == 0)
		rc = mcpctl_logs_maintain(&cfg, argc - i, argv + i);
	else if (strcmp(argv[i], "tail") == 0)
		rc = mcpctl_logs_tail(&cfg, argc - i, argv + i);
	else
		mcpctl_usage();
done:
	httpc_global_cleanup();
out:
	config_release(&cfg);
	return rc;
}
