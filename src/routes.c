/*
 * routes.c -- the platform's route table; see routes.h.
 */
#include "api/api_logs.h"
#include "api/consent.h"
#include "auth/wellknown.h"
#include "http/health.h"
#include "http/router.h"
#include "mcp/mcp.h"
#include "routes.h"

/*
 * Extension point: later features add their rows here; most specific
 * first is not needed (patterns never overlap: a literal segment and a
 * {slug} segment never both match, see router_match()).
 * Planned (DESIGN sections 3 and 5):
 *   { "POST",   "/api/v1/auth/login",    admin_auth_login },
 *   { "GET",    "/api/v1/tenants/{tenant}/servers", admin_servers_list },
 *   { "GET",    "/metrics",              metrics_handle },
 */
const struct route routes_platform[] = {
	{ "GET", "/healthz", health_live },
	{ "GET", "/readyz", health_ready },
	/* MCP Streamable HTTP; GET (a standalone server stream) is not
	 * offered, so it gets 405 with Allow (MCP transports permit it). */
	{ "POST", "/mcp/{tenant}/{server}", mcp_post },
	{ "DELETE", "/mcp/{tenant}/{server}", mcp_delete },
	/* RFC 9728 protected resource metadata, path form then root form,
	 * and the platform's own token key. */
	{ "GET", "/.well-known/oauth-protected-resource/mcp/{tenant}/{server}",
	    wellknown_prm },
	{ "GET", "/.well-known/oauth-protected-resource", wellknown_prm_root },
	{ "GET", "/.well-known/jwks.json", wellknown_jwks },
	/* The log query API (DESIGN section 5). */
	{ "GET", "/api/v1/tenants/{tenant}/logs", api_logs_get },
	{ "GET", "/api/v1/tenants/{tenant}/usage", api_logs_usage },
	/* The OAuth consent page Supabase Auth sends users to (its
	 * authorization path; issue 11). */
	{ "GET", "/oauth/consent", consent_get },
	{ "POST", "/oauth/consent", consent_post },
	{ "POST", "/oauth/consent/login", consent_login },
};

const size_t routes_platform_n =
    sizeof(routes_platform) / sizeof(routes_platform[0]);
