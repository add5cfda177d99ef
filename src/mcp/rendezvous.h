/*
 * rendezvous.h -- server->client requests of a stdio upstream for a
 * legacy-era client (MCP 2025-11-25: sampling/createMessage,
 * elicitation/create, roots/list sent "on the POST's SSE stream"), and
 * the client's reply, which comes back in ANOTHER POST, perhaps to
 * another worker of the node.
 *
 * The worker holding the child (W1) parks the call: while the child waits
 * for its answer, W1 listens on a Unix socket
 *
 *     <data_dir>/rdv/<T>-<H>.sock      (dir 0700, socket 0600)
 *     T = first 8 hex of SHA-256(tenant id)       (per-tenant count)
 *     H = first 40 hex of SHA-256("rdv" NUL session id NUL call id)
 *
 * (call id: the client's JSON-RPC id of the call in progress, compact
 * JSON) and relays the request to the client with the id
 *
 *     "s2c.<32 hex: 16 random bytes>.<hex of the call id's JSON>"
 *
 * The worker that gets the client's reply (W2, after the usual session
 * check) reads the call id back from the reply's id, finds the socket
 * from its own Mcp-Session-Id and hands the reply over; W1 accepts it
 * only when the whole id matches (constant time), answers "ok", and W2
 * answers the client 202. Nobody listening (the call ended, the id was
 * made up, another session, another node) → W2 answers 404. The random
 * part is the credential: the socket name alone lets nobody in.
 *
 * A client's notifications/cancelled whose requestId is the parked call
 * goes the same way (the socket of that call id): the call is aborted
 * and the child ended (the module cannot tell a warm child which of its
 * requests to drop, so the child is not reused).
 *
 * Bounds: LIMIT_RDV_PARKED_WORKER per worker (it waits, so one),
 * LIMIT_RDV_PARKED_TENANT per tenant and node (sockets counted in the
 * directory); over them the child gets an error instead of a relay.
 * Another node never has the socket: behind a load balancer without
 * session affinity a reply that lands elsewhere is 404 and the call ends
 * at its deadline (docs/architecture.md).
 */
#ifndef MCP_RENDEZVOUS_H
#define MCP_RENDEZVOUS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "mcp/upstream.h"

#define RENDEZVOUS_ID_PREFIX	"s2c."

/* Who a server->client request is relayed to, and how. */
struct rendezvous_client {
	const char		*data_dir;
	const char		*tenant_id;
	const char		*session_id;	/* the verified Mcp-Session-Id */
	const json_t		*call_id;	/* the client's id of the call */
	upstream_relay_fn	*relay;		/* the POST's SSE stream */
	void			*arg;
	unsigned		 caps;		/* MCP_CAP_* the client declared:
						   others are not relayed, the
						   child gets -32601 */
	int			 cancelled;	/* out: the client cancelled
						   the call (answer nothing) */
};

/*
 * An upstream_ask_fn (upstream.h) with arg a struct rendezvous_client:
 * relay request, wait for the client's reply until deadline
 * (clock_mono_ms), set *reply (NEW {"result"} or {"error"}). Past the
 * deadline, or over a bound, *reply is an error for the child. Returns
 * -1 when the client cancelled the call (abort), else 0.
 */
int	 rendezvous_ask(void *client, const json_t *request,
	    uint64_t deadline, json_t **reply);

/*
 * A client's message for a parked call: a response (id "s2c.…") or a
 * notifications/cancelled. 0 handed over, 1 nobody waits for it (or the
 * message is not for a parked call), -1 an error.
 */
int	 rendezvous_deliver(const char *data_dir, const char *tenant_id,
	    const char *session_id, const json_t *msg);

/* 1 when msg is a response whose id has the rendezvous form. */
int	 rendezvous_is_reply(const json_t *msg);

/* Calls this worker has parked right now (tests, metrics). */
unsigned rendezvous_parked(void);

#endif /* MCP_RENDEZVOUS_H */
