/*
 * mrtr.h -- multi-round-trip requests (MCP 2026-07-28 basic/patterns/
 * mrtr) for a modern client on a legacy stdio upstream: the upstream's
 * server->client requests (elicitation/create, sampling/createMessage,
 * roots/list) become an input_required result, and the client's retry
 * (inputResponses + requestState) answers them.
 *
 * How (the "re-run" way): during the call every request the child sends
 * for the client is looked up by its key
 *
 *     key = "in-" + first 16 hex of SHA-256(compact sorted JSON of
 *           {"m": method, "p": params})
 *
 * among the answers the client has given (this retry's inputResponses and
 * the earlier rounds' ones kept in requestState). Known: the child gets
 * the answer. Unknown: the child gets an error (-32603, "input required")
 * and the request is remembered; when the call ends with any such request
 * its result is dropped and the client gets
 *
 *     {"resultType": "input_required",
 *      "inputRequests": {key: {"method": ..., "params": ...}, ...},
 *      "requestState": "<sealed>"}
 *
 * The client retries the SAME request (new id) with "inputResponses"
 * {key: result} and the requestState byte for byte; the platform runs the
 * call again and this time the child's requests are answered. A tool
 * with side effects before its question runs them again (the call is not
 * parked between rounds: see docs/architecture.md).
 *
 * requestState = base64url(crypto_seal(K, AAD, state)):
 *     K     = HKDF-SHA256(master key, info "mcp-mrtr v1"), 32 bytes
 *     AAD   = "mrtr v1" NUL tenant id NUL server alias NUL caller
 *     state = {"v":1, "exp": unix seconds (now + LIMIT_MRTR_TTL_S),
 *              "d": hex SHA-256 of the request (method, params without
 *                   _meta, inputResponses and requestState),
 *              "q": [keys asked], "a": {key: result, ...}}
 * so it is confidential (the earlier answers ride in it) and bound to
 * caller, tenant and server (another's AAD does not open it), to the
 * request (digest) and to time (exp). A retry whose requestState does not
 * open, has expired, names another request, or whose inputResponses hold
 * a key that was not asked is refused with -32602 before anything reaches
 * the upstream. inputResponses without any requestState are ignored
 * (a first call: the spec's "SHOULD ignore unrecognized information").
 *
 * Requests the client did not declare a capability for (its _meta
 * clientCapabilities) are answered -32601 to the child, as before.
 * Ownership: everything passed in is borrowed for the life of the struct.
 */
#ifndef MCP_MRTR_H
#define MCP_MRTR_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "buf.h"

#define MRTR_KDF_INFO	"mcp-mrtr v1"
#define MRTR_AAD_TAG	"mrtr v1"

struct mrtr {
	/* in */
	const void	*master_key;
	size_t		 master_key_len;
	const char	*tenant_id;
	const char	*server;
	const char	*caller;	/* "<kind>:<id>" */
	const json_t	*client_caps;	/* the client's, may be NULL */

	/* the rounds */
	json_t		*answers;	/* key -> result */
	json_t		*asked;		/* keys asked in earlier rounds */
	json_t		*pending;	/* key -> {method, params}, this run */
	char		 digest[65];	/* of the request */
};

void	 mrtr_init(struct mrtr *);
void	 mrtr_release(struct mrtr *);

/* 1 when the request carries inputResponses or requestState. */
int	 mrtr_is_retry(const json_t *msg);

/* -1 with why when params.inputResponses is present but not an object
 * of at most LIMIT_MRTR_INPUTS objects (for the client: -32602). */
int	 mrtr_check_inputs(const json_t *msg, char *why, size_t whylen);

/* The request's digest, and a retry's state and answers checked. 0, or
 * -1 with why (for the client: -32602). */
int	 mrtr_begin(struct mrtr *, const json_t *msg, time_t now, char *why,
	    size_t whylen);

/* inputResponses and requestState out of a legacy copy's params. */
void	 mrtr_strip(json_t *legacy);

/* The upstream_ask_fn (upstream.h) for struct mrtr: 0 with the answer
 * (or NULL: not capable, -32601), or UPSTREAM_ASK_LATER with the error
 * for the upstream when the client has to be asked. */
int	 mrtr_ask(void *mrtr, const json_t *request, uint64_t deadline,
	    json_t **reply);

/* 1 when the call asked something the client has not answered. */
int	 mrtr_pending(const struct mrtr *);

/* The input_required answer for id (NEW), or NULL (out of memory). */
json_t	*mrtr_answer(struct mrtr *, const json_t *id, time_t now);

/* The sealing, for tests: state (a JSON object) sealed for the binding
 * into out (base64url); and back: NEW state, or NULL with why. */
int	 mrtr_seal(const struct mrtr *, const json_t *state, struct buf *out);
json_t	*mrtr_open(const struct mrtr *, const char *s, size_t len,
	    char *why, size_t whylen);

#endif /* MCP_MRTR_H */
