/*
 * doctor.c -- "mcpctl doctor": which sandbox layers this kernel offers
 * to stdio children and what the configuration asks for (docs/security.md
 * "The stdio sandbox"). One "key value" line each, then a verdict.
 */
#include <stdio.h>
#include <string.h>

#include "mcpctl.h"
#include "sandbox.h"
#include "mcp/stdio_sandbox.h"

int
mcpctl_doctor(const struct config *cfg, const char *cfg_err)
{
	struct sandbox_support	 sup;
	const char		*mode = "best";
	int			 userns, rc = 0;

	sandbox_probe(&sup);
	userns = sandbox_userns_available();
	printf("landlock_abi %d (%s%s%s)\n", sup.landlock_abi,
	    sup.landlock_abi == 0 ? "none: files not confined" :
	    "filesystem", sup.landlock_abi >= 4 ? ", tcp ports" :
	    sup.landlock_abi > 0 ? ", no tcp rules" : "",
	    sup.landlock_abi >= 6 ? ", signal and abstract-socket scopes" :
	    "");
	printf("seccomp %s\n", sup.seccomp ? "yes" : "no");
	printf("userns %s (not used by the sandbox)\n", userns ? "yes" : "no");
	if (cfg != NULL) {
		mode = sandbox_mode_name(cfg->stdio_sandbox_mode);
		printf("stdio_sandbox %s\n", mode != NULL ? mode : "?");
		printf("stdio_user %s\n", cfg->stdio_user != NULL ?
		    cfg->stdio_user : "(the worker's own)");
	} else
		printf("stdio_sandbox best (configuration not loaded: %s)\n",
		    cfg_err);
	if (mode != NULL && strcmp(mode, "off") == 0)
		printf("verdict: sandbox off: children run unconfined\n");
	else if (sup.landlock_abi >= 4 && sup.seccomp)
		printf("verdict: every layer available\n");
	else {
		printf("verdict: missing%s%s%s\n",
		    sup.landlock_abi == 0 ? " landlock" : "",
		    sup.landlock_abi < 4 ? " landlock-tcp" : "",
		    sup.seccomp ? "" : " seccomp");
		if (mode != NULL && strcmp(mode, "require") == 0) {
			printf("stdio_sandbox = require: children that need "
			    "a missing layer will not start\n");
			rc = 1;
		}
	}
	return rc;
}
