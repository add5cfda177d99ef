/*
 * api_catalog.h -- GET /api/v1/catalog: the operator's catalog of MCP
 * servers as any signed-in caller may browse it (docs/api-reference.md).
 *
 * Shown: slug, name, description, transport, settings_spec and
 * secrets_spec of every ENABLED entry, by slug. Withheld: argv, url,
 * limits and the sandbox fields (network, egress_ports, read_paths) --
 * how the operator runs a server is the operator's; a tenant needs only
 * what it can set. The catalog is written by operators only (mcpctl).
 *
 * Errors: 401 (no or bad token), 503/502 (store).
 */
#ifndef MCP_API_CATALOG_H
#define MCP_API_CATALOG_H

#include "http/request.h"
#include "http/router.h"

int	 api_catalog_get(struct request *, const struct route_params *);

#endif /* MCP_API_CATALOG_H */
