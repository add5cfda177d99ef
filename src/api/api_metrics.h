/*
 * api_metrics.h -- GET /metrics: the node's metrics in the Prometheus
 * text format (ops/metrics.h; docs/api-reference.md lists them).
 *
 * Who may scrape (docs/configuration.md, docs/security.md):
 *   - a client whose REMOTE_ADDR is loopback (127.0.0.0/8, ::1,
 *     ::ffff:127.0.0.0/104), unless metrics_loopback = 0;
 *   - any client sending "Authorization: Bearer <the contents of
 *     metrics_token_file>" (compared in constant time), when that key is
 *     set.
 * Anyone else: 403 {"error":{"code":"forbidden",...}}. Behind a proxy or
 * load balancer on the same machine every client looks loopback: set
 * metrics_loopback = 0 there and scrape with the token.
 *
 * The spool's backlog is measured at the scrape (logship_backlog); the
 * rest is read from the shared segment. Nothing is logged per scrape.
 */
#ifndef MCP_API_METRICS_H
#define MCP_API_METRICS_H

#include "http/request.h"
#include "http/router.h"

int	 api_metrics_get(struct request *, const struct route_params *);

/* 1 when the request may scrape (above). */
int	 api_metrics_allowed(const struct request *);

#endif /* MCP_API_METRICS_H */
