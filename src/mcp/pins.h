/*
 * pins.h -- tool-definition pinning on the MCP exchange (issue 13 item 6;
 * docs/security.md, "Tool pinning").
 *
 * A tool's definition is the canonical JSON of its name, description,
 * inputSchema, outputSchema and annotations (the members present; keys
 * sorted at every depth, compact, UTF-8 as is: jansson's JSON_SORT_KEYS |
 * JSON_COMPACT), and its pin the SHA-256 of those bytes in lowercase hex.
 * Other members (title, icons, _meta, ...) are not pinned: they do not
 * change what the model is told a tool does or takes.
 *
 * The first tools/list answer seen for a tenant server pins every tool in
 * it (trust on first use, src/store/pinstore.h). A later answer whose
 * definition of a pinned tool hashes differently is a change: recorded
 * once per new hash, with a readable diff, in the audit trail; then, by
 * the tenant server's mode,
 *   warn     the tool is served; the request log's tool_pin is "changed"
 *            and the error log has a warning;
 *   enforce  the tool is removed from tools/list and its tools/call
 *            refused (-32602) until an owner or admin approves the new
 *            definition; tool_pin is "refused".
 * A tool whose inputSchema marks an argument of a non-primitive type
 * (object, array, or no type) with "x-mcp-header" is removed and refused in
 * either mode (a header carries a primitive value only).
 *
 * No database round trip per request: each worker keeps a copy of a
 * tenant server's pins (tool_pins_get) and reads it again at most once per
 * config_ttl seconds (0: on every tools/list and tools/call), and queues
 * what it sees new or changed; pins_flush(), from the idle step after the
 * response was sent (mcp_idle), writes the queue (tool_pins_record). A
 * worker's own changes count at once for itself, for other workers of any
 * node once written and read (config_ttl plus the writer's idle step).
 *
 * A tool not pinned yet is pinned and served (in either mode).
 *
 * Fail closed: when the pins cannot be read, a copy too old is used while
 * Supabase does not answer (read again after LIMIT_PINS_RETRY_S); in
 * enforce mode its changed tools and the tools it does not know are
 * removed and refused, every other tool served. With no copy at all the
 * mode is not known either: every tool of that server is treated as
 * unknown, removed and refused (in warn mode too -- the cost of not
 * knowing; a worker has a copy after its first good read).
 *
 * pins_filter_tools_list(): result is a tools/list answer's "result"; the
 * entries to remove are removed in place. Returns how many, or -1 when
 * result has no "tools" array (untouched).
 * pins_check_call(): msg is one client message; for a tools/call of a tool
 * refused above, -1 with why (for -32602); else 0.
 * Both take borrowed references, may cost one Supabase round trip (the
 * copy's refresh), set the request log's tool_pin, and are no-ops for a
 * target without a tenant id or alias.
 *
 * Not thread-safe (one worker, one thread).
 */
#ifndef MCP_PINS_H
#define MCP_PINS_H

#include <stddef.h>

#include <jansson.h>

#include "config.h"
#include "http/request.h"
#include "store/target.h"

#define PINS_HEX	64	/* SHA-256, lowercase hex */

/* The canonical definition: a NEW object, or NULL when tool is not an
 * object with a string "name". */
json_t	*pins_canonical(const json_t *tool);
/* SHA-256 of the canonical bytes of canon into hex: 0, or -1. */
int	 pins_hash(const json_t *canon, char hex[PINS_HEX + 1]);
/* The readable diff of two canonical definitions: a NEW array of
 * {"field", "old", "new"} for each of the five members that differ, in
 * that order; old/new the string's text or compact JSON (null when
 * absent), cut to LIMIT_PINS_DIFF_TEXT bytes on a UTF-8 boundary with
 * "..." appended. NULL on no memory. */
json_t	*pins_diff(const json_t *old_def, const json_t *new_def);
/* 1 when tool's inputSchema marks a non-primitive argument with
 * x-mcp-header, else 0. */
int	 pins_header_misuse(const json_t *tool);

int	 pins_filter_tools_list(struct request *, const struct target *,
	    json_t *result);
int	 pins_check_call(struct request *, const struct target *,
	    const json_t *msg, char *why, size_t whylen);

/* Write the queued pins and changes (the idle step). */
void	 pins_flush(const struct config *);
/* Forget every copy and the queue (tests, exit). */
void	 pins_cache_clear(void);

#endif /* MCP_PINS_H */
