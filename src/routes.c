/*
 * routes.c -- the platform's route table; see routes.h.
 */
#include "api/api_audit.h"
#include "api/api_auth.h"
#include "api/api_keys.h"
#include "api/api_logs.h"
#include "api/api_members.h"
#include "api/api_oauth_grants.h"
#include "api/api_tenants.h"
#include "api/api_catalog.h"
#include "api/api_limits.h"
#include "api/api_pins.h"
#include "api/api_servers.h"
#include "api/api_metrics.h"
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
 *   { "GET",    "/api/v1/tenants/{tenant}/servers", admin_servers_list },
 */
const struct route routes_platform[] = {
	{ "GET", "/healthz", health_live },
	{ "GET", "/readyz", health_ready },
	/* Prometheus text format; loopback or a token (api_metrics.h). */
	{ "GET", "/metrics", api_metrics_get },
	/* MCP Streamable HTTP; GET (the standalone server stream) is
	 * offered for legacy sessions on modern upstreams only, else 405
	 * with Allow (mcp.h; MCP transports permit it). */
	{ "POST", "/mcp/{tenant}/{server}", mcp_post },
	{ "GET", "/mcp/{tenant}/{server}", mcp_get },
	{ "DELETE", "/mcp/{tenant}/{server}", mcp_delete },
	/* RFC 9728 protected resource metadata, path form then root form,
	 * and the platform's own token key. */
	{ "GET", "/.well-known/oauth-protected-resource/mcp/{tenant}/{server}",
	    wellknown_prm },
	{ "GET", "/.well-known/oauth-protected-resource", wellknown_prm_root },
	{ "GET", "/.well-known/jwks.json", wellknown_jwks },
	{ "GET", "/.well-known/oauth-authorization-server", wellknown_as },
	{ "GET", "/.well-known/oauth-authorization-server/mcp/{tenant}/"
	    "{server}", wellknown_as },
	/* The log query API (DESIGN section 5). */
	{ "GET", "/api/v1/tenants/{tenant}/logs", api_logs_get },
	{ "GET", "/api/v1/tenants/{tenant}/usage", api_logs_usage },
	/* Front door: accounts, tenants, members, audit (issue 10,
	 * docs/user-management.md). */
	{ "POST", "/api/v1/auth/signup", api_auth_signup },
	{ "POST", "/api/v1/auth/login", api_auth_login },
	{ "POST", "/api/v1/auth/refresh", api_auth_refresh },
	{ "POST", "/api/v1/auth/logout", api_auth_logout },
	{ "GET", "/api/v1/auth/me", api_auth_me },
	{ "POST", "/api/v1/tenants", api_tenants_create },
	{ "GET", "/api/v1/tenants", api_tenants_list },
	{ "GET", "/api/v1/tenants/{tenant}", api_tenants_get },
	{ "PATCH", "/api/v1/tenants/{tenant}", api_tenants_patch },
	{ "DELETE", "/api/v1/tenants/{tenant}", api_tenants_delete },
	{ "GET", "/api/v1/tenants/{tenant}/members", api_members_list },
	{ "POST", "/api/v1/tenants/{tenant}/members", api_members_add },
	{ "PATCH", "/api/v1/tenants/{tenant}/members/{user}",
	    api_members_patch },
	{ "DELETE", "/api/v1/tenants/{tenant}/members/{user}",
	    api_members_delete },
	{ "GET", "/api/v1/tenants/{tenant}/audit", api_audit_get },
	/* API keys and the key-for-token exchange (issue 10, keys). */
	{ "POST", "/api/v1/tenants/{tenant}/api-keys", api_keys_create },
	{ "GET", "/api/v1/tenants/{tenant}/api-keys", api_keys_list },
	{ "DELETE", "/api/v1/tenants/{tenant}/api-keys/{id}", api_keys_revoke },
	{ "POST", "/api/v1/auth/token", api_keys_token },
	{ "GET", "/api/v1/tenants/{tenant}/oauth-grants",
	    api_oauth_grants_list },
	{ "DELETE", "/api/v1/tenants/{tenant}/oauth-grants/{id}",
	    api_oauth_grants_revoke },
	/* Servers: the catalog and a tenant's servers (issue 10 item 4,
	 * src/api/api_catalog.c, api_servers.c). */
	{ "GET", "/api/v1/catalog", api_catalog_get },
	{ "GET", "/api/v1/tenants/{tenant}/servers", api_servers_list },
	{ "POST", "/api/v1/tenants/{tenant}/servers", api_servers_create },
	{ "GET", "/api/v1/tenants/{tenant}/servers/{server}", api_servers_get },
	{ "PUT", "/api/v1/tenants/{tenant}/servers/{server}", api_servers_put },
	{ "PATCH", "/api/v1/tenants/{tenant}/servers/{server}",
	    api_servers_patch },
	{ "DELETE", "/api/v1/tenants/{tenant}/servers/{server}",
	    api_servers_delete },
	/* Tool pins (issue 13 item 6, src/api/api_pins.c). */
	{ "GET", "/api/v1/tenants/{tenant}/servers/{server}/tool-pins",
	    api_pins_get },
	{ "POST", "/api/v1/tenants/{tenant}/servers/{server}/tool-pins",
	    api_pins_post },
	/* The operator's limits (issue 13 item 2, src/api/api_limits.c). */
	{ "PUT", "/api/v1/tenants/{tenant}/limits", api_limits_tenant_put },
	{ "PUT", "/api/v1/tenants/{tenant}/servers/{server}/limits",
	    api_limits_server_put },
	/* The OAuth consent page Supabase Auth sends users to (its
	 * authorization path; issue 11). */
	{ "GET", "/oauth/consent", consent_get },
	{ "POST", "/oauth/consent", consent_post },
	{ "POST", "/oauth/consent/login", consent_login },
};

const size_t routes_platform_n =
    sizeof(routes_platform) / sizeof(routes_platform[0]);
