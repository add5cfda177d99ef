/*
 * bridge_park.h -- a legacy client's call to a modern upstream, parked
 * while the client answers the server->client requests the platform made
 * of the upstream's input_required result (bridge_modern.h), and the
 * delivery of those answers, which arrive as separate POSTs, possibly at
 * another worker of the node.
 *
 * The id. Every server->client request the platform mints has the id
 *     "mcpb1." base64url(crypto_seal(K, AAD, {"n":<nonce>,"k":<key>,
 *                                            "x":<expiry, unix s>}))
 *     K   = HKDF-SHA256(cfg->master_key, "mcp-bridge-reply v1")
 *     AAD = "mcp-bridge-reply v1|" tenant_id "|" alias "|" caller
 * so only this platform can mint one, it names the parked call (the
 * nonce) and the inputRequests key it answers, it expires after
 * LIMIT_BRIDGE_WAIT_MS, and it opens only for the same caller of the
 * same tenant's server: forged, tampered, expired or another caller's
 * ids are refused (404) without reaching anything.
 *
 * The rendezvous. The parked worker binds a Unix datagram socket
 * <data_dir>/bridge/<nonce>.s (directory 0700: the node's workers only)
 * and waits on it, bounded by LIMIT_BRIDGE_WAIT_MS; the worker that gets
 * the reply opens the id, and sends {"k":<key>,"result"|"error":...}
 * (at most LIMIT_BRIDGE_REPLY bytes) to that socket. No socket (another
 * node behind a load balancer, a call that ended or timed out): 404, the
 * client's reply is dropped and its original request ends on its own
 * stream with a timeout error. The original request and the upstream's
 * requestState stay in the parked worker's memory: only it can stream
 * the final answer to the client, so sealing them into the id would let
 * another worker resume a call whose answer nobody could deliver.
 *
 * Cost: a parked call holds its FastCGI worker (one client stream) for up
 * to LIMIT_BRIDGE_WAIT_MS; the tenant's concurrency limit (admit.h)
 * counts it as in flight, so parked calls are bounded per tenant; a
 * worker parks at most one (it is single-threaded).
 */
#ifndef MCP_BRIDGE_PARK_H
#define MCP_BRIDGE_PARK_H

#include <stdint.h>

#include <jansson.h>

#include "buf.h"
#include "config.h"
#include "product_limits.h"

#define BRIDGE_PARK_ID_PREFIX	"mcpb1."
#define BRIDGE_PARK_NONCE	16		/* bytes */

/* Who a parked call belongs to (borrowed strings). */
struct bridge_park_owner {
	const char	*tenant;
	const char	*alias;
	const char	*caller;
};

struct bridge_park {
	int		 fd;		/* -1: not open */
	char		 nonce[BRIDGE_PARK_NONCE * 2 + 1];	/* hex */
	char		 path[LIMIT_PATH + 1];
	time_t		 expires;
};

void	 bridge_park_init(struct bridge_park *);
/* Bind the socket of a new parked call: 0, or -1 (logged). */
int	 bridge_park_open(struct bridge_park *, const struct config *);
/* Close and unlink; a closed park is fine. */
void	 bridge_park_close(struct bridge_park *);

/* The id for inputRequests key k of park p, appended to out: 0 or -1. */
int	 bridge_park_id(const struct bridge_park *, const struct config *,
	    const struct bridge_park_owner *, const char *k, struct buf *out);

/* One delivered reply {"k":..., "result"|"error":...} (NEW) into *msg:
 * 0, or -1 when deadline_ms (clock_mono_ms) passed first. */
int	 bridge_park_wait(struct bridge_park *, uint64_t deadline_ms,
	    json_t **msg);

/* 1 when id is a string with the prefix above (a minted id, or a forged
 * one: bridge_park_deliver tells). */
int	 bridge_park_is_id(const json_t *id);

/* The client's response (a JSON-RPC response object whose id passed
 * bridge_park_is_id) to the parked call it names: 0 delivered, -1 not
 * (forged, tampered, expired, another owner's, nobody waiting). */
int	 bridge_park_deliver(const struct config *,
	    const struct bridge_park_owner *, const json_t *response);

#endif /* MCP_BRIDGE_PARK_H */
