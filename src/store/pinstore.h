/*
 * pinstore.h -- the tool pins in Supabase (sql/migrations/0015_tool_pins.sql),
 * as the service role: one RPC each, no cache (src/mcp/pins.h keeps the
 * per-worker copy and decides when to call).
 *
 *  - pinstore_get(): *out = NEW {"mode": "warn"|"enforce", "pins": {tool:
 *    {"sha256", "definition", "changed_sha256"}}}, or JSON null when the
 *    tenant server does not exist (any more). 0, or -1 with why (no
 *    answer, another status, an answer of another shape).
 *  - pinstore_record(): pin the tools of fresh (an array of {tool, sha256,
 *    definition}) unless pinned already, and record changed (an array of
 *    {tool, sha256, definition, diff}) with one audit row per new change.
 *    Both borrowed, either may be NULL. 0, or -1 with why.
 *
 * tenant_id is a UUID and alias a slug (the resolved target's). why never
 * holds a key or a definition.
 */
#ifndef MCP_STORE_PINSTORE_H
#define MCP_STORE_PINSTORE_H

#include <stddef.h>

#include <jansson.h>

#include "config.h"

int	 pinstore_get(const struct config *, const char *tenant_id,
	    const char *alias, json_t **out, char *why, size_t whylen);
int	 pinstore_record(const struct config *, const char *tenant_id,
	    const char *alias, const json_t *fresh, const json_t *changed,
	    char *why, size_t whylen);

#endif /* MCP_STORE_PINSTORE_H */
