/*
 * bridge_modern.h -- upstreams that speak MCP 2026-07-28 ("modern"):
 * telling them from legacy ones, their server/discover cached, and one
 * stateless call to them, for a modern client (passed through) or a
 * legacy one (its request given the modern _meta, the answer given back
 * in the legacy shape).
 *
 * Era detection (a probe, not configuration: no catalog column is
 * needed, and an upstream that is upgraded is noticed within a TTL).
 * For an http upstream the platform POSTs server/discover with the
 * modern _meta and headers, without a session. A result whose
 * supportedVersions names a version the platform speaks in the modern era
 * makes the upstream modern; anything else (a 4xx, an error, a legacy
 * "session required") makes it legacy. The verdict is kept per worker,
 * keyed by the upstream's URL, for LIMIT_BRIDGE_ERA_TTL_S; a legacy
 * upstream costs one probe per worker per TTL, nothing per request.
 * stdio upstreams, for a MODERN client only (b->stdio): the same probe,
 * server/discover with the modern _meta, sent to a stateless child (no
 * handshake: upstream_stdio.h), keyed by the tenant server's pool key. A
 * modern verdict keeps that child warm for the calls that follow, each
 * one stateless (the client's own requestState and inputResponses reach
 * the server; nothing is re-run); any other outcome (an error, -32601, a
 * crash: a legacy server may refuse a request before initialize) is a
 * legacy verdict, the probe's child ends, and the call goes through the
 * warm initialized pool as before. A legacy client is always spoken for
 * in the legacy era over stdio (the v2 SDK's stdio servers are dual-era),
 * so its sessions never cost a probe. subscriptions/listen is not served
 * over stdio (it would hold a child): 404, and listChanged/subscribe are
 * not advertised in a stdio upstream's discover.
 *
 * The discover cache. A modern upstream's DiscoverResult is kept per
 * worker for its own ttlMs (at most LIMIT_BRIDGE_DISCOVER_TTL_MS), under
 * its cacheScope: "public" results are shared by every tenant and caller
 * of the same upstream URL; "private" ones (and those without a scope)
 * belong to one caller of one tenant's server. ttlMs 0 (or none) is not
 * kept: every discover then goes upstream. At most LIMIT_BRIDGE_CACHE
 * entries; the one nearest its expiry makes room.
 *
 * What is advertised. A modern client sees the upstream's capabilities
 * as they are: subscriptions/listen is relayed (bounded) and the tasks
 * methods pass through. A legacy client's InitializeResult keeps
 * listChanged (the GET stream relays the upstream's list changes) but
 * not subscribe (resources/subscribe has no stateless form) nor tasks.
 *
 * Ownership: everything passed in is borrowed; returned json_t are NEW.
 * Not thread-safe (one FastCGI worker, one thread).
 */
#ifndef MCP_BRIDGE_MODERN_H
#define MCP_BRIDGE_MODERN_H

#include <time.h>

#include <jansson.h>

#include "http/request.h"
#include "http/response.h"
#include "product_limits.h"
#include "store/target.h"
#include "mcp/upstream.h"

/* One call to a modern upstream. */
struct bridge_modern {
	/* in */
	struct request		*req;
	const struct target	*target;
	const char		*caller;	/* "<kind>:<id>", the private
						   cache's owner */
	upstream_relay_fn	*relay;		/* notifications for the
						   client, or NULL */
	gone_beat_fn		*beat;		/* while a call waits, every
						   LIMIT_GONE_BEAT_MS, so a
						   client gone is seen and
						   the call ended (gone.h);
						   or NULL: only watched */
	void			*arg;		/* of relay and beat */
	const json_t		*client_caps;	/* a legacy message's
						   _meta capabilities, or
						   NULL: {} */
	unsigned		 legacy_caps;	/* a legacy session's
						   declared MCP_CAP_* */
	const char		*session_id;	/* a legacy session's id, or
						   NULL: its log level
						   (session_level_*) */
	time_t			 session_expires;
	const struct upstream_http_header *forward;	/* Mcp-Param-*
						   of a modern client */
	size_t			 n_forward;
	int			 listen_legacy;	/* listen for a legacy GET
						   stream */
	int			 probe;		/* the era probe: a refusal
						   is logged at info */
	int			 stdio;		/* a stdio upstream may be
						   modern (probed): set for
						   modern clients only */

	/* out */
	int			 status;	/* HTTP status for the answer */
	double			 ms;		/* time spent upstream, < 0:
						   none */
	int			 cached;	/* discover came from the cache */
	size_t			 events;	/* listen: notifications relayed */

	/* the legacy session's level for the upstream's _meta, or -1 */
	int			 log_level;
};

void	 bridge_modern_init(struct bridge_modern *);

/*
 * The upstream's DiscoverResult (NEW, as the upstream gave it, from the
 * cache or a probe), or NULL when the upstream is legacy (or stdio, or
 * could not be asked).
 */
json_t	*bridge_modern_discover(struct bridge_modern *);

/* 1 when b's upstream is modern (the era verdict, probed when not
 * known), else 0. */
int	 bridge_modern_is(struct bridge_modern *);

/*
 * What the platform cannot deliver, removed from caps (capabilities, in
 * place; may be NULL): every "subscribe" (resource updates come outside
 * any request, on a stream the platform has only for modern upstreams),
 * and "listChanged" unless list_changed (a legacy upstream: the GET
 * stream is 405, so its list changes outside a request are lost; the
 * requests themselves -- resources/subscribe -- still pass through).
 */
void	 bridge_caps_undeliverable(json_t *caps, int list_changed);

/* The capabilities of a DiscoverResult as the platform advertises them
 * to a legacy client (subscribe and tasks removed). NEW. */
json_t	*bridge_modern_caps(const json_t *caps);

/*
 * A legacy InitializeResult (NEW) from a DiscoverResult, for a legacy
 * client: protocolVersion version, the capabilities above, serverInfo
 * and instructions.
 */
json_t	*bridge_modern_initialize(const json_t *discover, const char *version);

/*
 * msg (a request or notification of the client, modern or legacy) to the
 * modern upstream statelessly: a legacy message gets the modern _meta
 * (version, the client's capabilities, the platform as clientInfo) and
 * the headers (MCP-Protocol-Version, Mcp-Method, Mcp-Name) are written
 * from the body. The answer (NEW, with msg's id), or NULL for a
 * notification; b->status is its HTTP status. The upstream's own
 * JSON-RPC errors pass through (their 4xx status too).
 */
json_t	*bridge_modern_call(struct bridge_modern *, const json_t *msg);

/* A modern result in the legacy shape, in place: resultType, ttlMs,
 * cacheScope and the modern _meta keys dropped. resp may be NULL. */
void	 bridge_modern_to_legacy(json_t *resp);

/*
 * A legacy client's message (in its signed session) for b's upstream: 0
 * when the upstream is legacy (nothing done), else 1 with *resp the
 * answer (NEW; NULL for a notification or a response, which are not
 * sent on) in the legacy shape. logging/setLevel is answered by the
 * platform (2026-07-28 has none): the level is kept for the session
 * (session_level_set, when b->session_id) and sent as the _meta logLevel
 * of its later calls. An input_required result becomes
 * server->client requests on the client's stream (b->relay) and its
 * replies the retry's inputResponses (bridge_park.h); a response of the
 * client is delivered to the parked call it names, b->status 202, or
 * 404 when none is waiting (forged, expired, another caller's).
 */
int	 bridge_modern_legacy(struct bridge_modern *, const json_t *msg,
	    json_t **resp);

/* initialize for a legacy client (msg) on a modern upstream: the
 * InitializeResult built from discover, NEW, with msg's id; NULL when
 * the upstream is legacy. */
json_t	*bridge_modern_legacy_initialize(struct bridge_modern *,
	    const json_t *msg, const char *version);

/*
 * subscriptions/listen on the modern upstream, relayed to b->relay as it
 * comes (the acknowledgement and the tagged notifications), bounded by
 * LIMIT_LISTEN_NOTIFICATIONS notifications and LIMIT_LISTEN_MS (or the
 * server's lower timeout): msg is a modern client's request, or NULL for
 * a legacy client's GET stream (b->listen_legacy: every list change,
 * without the acknowledgement and the subscription tag). The closing
 * answer (NEW): the upstream's, or at the platform's bound the graceful
 * close (an empty result tagged with the subscription id), or an error.
 */
json_t	*bridge_modern_listen(struct bridge_modern *, const json_t *msg);

/* Forget every cached verdict and result (tests, shutdown). */
void	 bridge_modern_cache_clear(void);

#endif /* MCP_BRIDGE_MODERN_H */
