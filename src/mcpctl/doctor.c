/*
 * doctor.c -- "mcpctl doctor": the configuration, its secret files'
 * permissions, whether Supabase answers and has the platform's schema,
 * web-server hints (docs/mcpctl.md), then which sandbox layers this
 * kernel offers to stdio children and what the configuration asks for
 * (docs/security.md "The stdio sandbox"). One "key value" line each, then
 * a verdict. Exit 1 when the configuration does not load, a secret file
 * is group/world accessible, Supabase does not answer or lacks the
 * schema, or stdio_sandbox = require cannot be met.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <string.h>

#include "httpc.h"
#include "mcpctl.h"
#include "store/supa.h"
#include "sandbox.h"
#include "mcp/stdio_sandbox.h"

/* One secret file's mode: 0 fine (or unset), 1 too open or missing. */
static int
doctor_file(const char *key, const char *path)
{
	struct stat	 st;

	if (path == NULL) {
		printf("%s (unset)\n", key);
		return 0;
	}
	if (stat(path, &st) == -1) {
		printf("%s %s: missing\n", key, path);
		return 1;
	}
	printf("%s %s mode %03o%s\n", key, path, (unsigned)(st.st_mode & 0777),
	    (st.st_mode & 077) != 0 ? ": group/world accessible, chmod 600" :
	    "");
	return (st.st_mode & 077) != 0;
}

/*
 * The platform's tables as the service role: each must answer 200. The
 * last column probed is the newest migration's (0006 audit_events.
 * actor_key), so "schema ok" means 0006 or later is applied.
 */
static const char *const doctor_probes[] = {
	"tenants?select=id&limit=1",
	"tenant_members?select=role&limit=1",
	"mcp_servers?select=slug&limit=1",
	"tenant_servers?select=alias&limit=1",
	"api_keys?select=id&limit=1",
	"request_logs?select=request_id&limit=1",
	"audit_events?select=actor_key&limit=1",
};

static int
doctor_supabase(const struct config *cfg)
{
	struct supa_call	 sc;
	struct httpc_response	 resp;
	char			 path[256], why[256];
	size_t			 i;
	int			 rc = 0;

	for (i = 0; i < sizeof(doctor_probes) / sizeof(doctor_probes[0]);
	    i++) {
		memset(&sc, 0, sizeof(sc));
		snprintf(path, sizeof(path), "/rest/v1/%s", doctor_probes[i]);
		sc.method = "GET";
		sc.path = path;
		sc.timeout_ms = 5000;
		httpc_response_init(&resp);
		if (supa_perform(cfg, &sc, &resp, why, sizeof(why)) == -1) {
			printf("supabase %s unreachable: %s\n",
			    cfg->supabase_url, why);
			httpc_response_release(&resp);
			return 1;
		}
		if (resp.status != 200) {
			printf("supabase %s answered %ld for %s: %s\n",
			    cfg->supabase_url, resp.status, doctor_probes[i],
			    resp.status == 401 ? "check the secret key" :
			    "schema missing: run mcpctl migrate");
			rc = 1;
		}
		httpc_response_release(&resp);
		if (rc != 0)
			return rc;
	}
	printf("supabase %s reachable, schema ok (0006 or later)\n",
	    cfg->supabase_url);
	return 0;
}

int
mcpctl_doctor(const struct config *cfg, const char *cfg_err)
{
	struct sandbox_support	 sup;
	const char		*mode = "best";
	int			 userns, rc = 0;

	if (cfg != NULL) {
		printf("config %s loaded\n", cfg->path);
		rc |= doctor_file("supabase_secret_key_file",
		    cfg->supabase_secret_key_file);
		rc |= doctor_file("supabase_jwt_secret_file",
		    cfg->supabase_jwt_secret_file);
		rc |= doctor_file("master_key_file", cfg->master_key_file);
		rc |= doctor_file("platform_signing_key_file",
		    cfg->platform_signing_key_file);
		rc |= doctor_supabase(cfg);
		printf("public_base_url %s\n", cfg->public_base_url != NULL ?
		    cfg->public_base_url : "(unset: derived from Host; set it "
		    "in production)");
	} else {
		printf("config not loaded: %s\n", cfg_err);
		rc = 1;
	}
	printf("hint lighttpd: server.stream-response-body = 2 (SSE); "
	    "Apache mod_fcgid: FcgidOutputBufferSize 0 (docs/deployment.md)\n");
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
		printf("stdio_sandbox best (configuration not loaded)\n");
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
