/*
 * mcpctl.h -- the operator's command line: "mcpctl [-c file] logs ...".
 *
 * Each subcommand is one module with one entry point taking the loaded
 * configuration and its own arguments (argv[0] is the subcommand's name,
 * e.g. "tail"). It returns the process exit status: 0 done, 1 failed
 * (one line on stderr says why), 2 usage error.
 *
 *   logs flush      ship everything spooled to Supabase now (flush.c)
 *   logs maintain   create upcoming partitions, apply retention (flush.c)
 *   logs tail       print requests.jsonl records, filtered; -f follows
 *                   the file across rotation (tail.c)
 *   key create|revoke  API keys as the operator; token --key|--user
 *                   a short-lived platform or user token (key.c)
 *   init, migrate   operator set-up, without a configuration (init.c)
 *   catalog, tenant, member   admin rows as the service role (admin.c)
 *   doctor          the sandbox layers this kernel offers and what the
 *                   configuration asks (doctor.c); works without a
 *                   configuration (cfg NULL, cfg_err says why); exit 1
 *                   when stdio_sandbox = require cannot be met
 *   secrets rotate-key  re-seal every tenant secret under the current
 *                   master key id; idempotent, resumable (secrets.c)
 */
#ifndef MCP_MCPCTL_H
#define MCP_MCPCTL_H

#include "config.h"

#define MCPCTL_NAME	"mcpctl"

int	 mcpctl_logs_flush(const struct config *, int argc, char *argv[]);
int	 mcpctl_logs_maintain(const struct config *, int argc, char *argv[]);
int	 mcpctl_logs_tail(const struct config *, int argc, char *argv[]);
int	 mcpctl_doctor(const struct config *, const char *cfg_err);
/* key create|revoke, token --key|--user (key.c) */
int	 mcpctl_key(const struct config *, int argc, char *argv[]);
int	 mcpctl_token(const struct config *, int argc, char *argv[]);
int	 mcpctl_secrets_rotate(const struct config *, int argc, char *argv[]);

/* Operator set-up and admin (issue 10; docs/mcpctl.md): init.c, admin.c. */
int	 mcpctl_init(int argc, char *argv[]);
int	 mcpctl_migrate(int argc, char *argv[]);
int	 mcpctl_catalog(const struct config *, int argc, char *argv[]);
int	 mcpctl_tenant(const struct config *, int argc, char *argv[]);
int	 mcpctl_member(const struct config *, int argc, char *argv[]);

/* The usage and help lines of one command, on stderr (main.c). */
void	 mcpctl_help_of(const char *name);

#endif /* MCP_MCPCTL_H */
