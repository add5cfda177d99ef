/*
 * api_metrics.c -- GET /metrics; see api_metrics.h.
 */
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "api/api_metrics.h"
#include "auth/auth.h"
#include "log/logship.h"
#include "ops/metrics.h"
#include "product_limits.h"
#include "http/response.h"

static int
api_metrics_loopback(const char *a)
{
	if (a == NULL)
		return 0;
	if (strncmp(a, "::ffff:", 7) == 0)
		a += 7;
	return strncmp(a, "127.", 4) == 0 || strcmp(a, "::1") == 0;
}

int
api_metrics_allowed(const struct request *req)
{
	const struct config	*cfg = req->cfg;
	const char		*tok;
	size_t			 len;

	if (cfg->metrics_loopback && api_metrics_loopback(req->remote_addr))
		return 1;
	if (cfg->metrics_token.len == 0 ||
	    auth_bearer(req->authorization, &tok, &len) != 0)
		return 0;
	return len == cfg->metrics_token.len &&
	    CRYPTO_memcmp(tok, cfg->metrics_token.data, len) == 0;
}

int
api_metrics_get(struct request *req, const struct route_params *params)
{
	struct metrics_extra	 x;
	struct buf		 out;
	int			 rc;

	(void)params;
	if (!api_metrics_allowed(req))
		return response_error(req, 403, "forbidden",
		    "metrics are not offered to this client");
	memset(&x, 0, sizeof(x));
	x.spool_ok = logship_backlog(req->cfg, time(NULL), &x.spool_bytes,
	    &x.spool_oldest_s) == 0;
	buf_init(&out, LIMIT_METRICS_BODY);
	if (metrics_expose(&out, &x) == -1)
		rc = response_error(req, 500, NULL, "metrics over %d bytes",
		    LIMIT_METRICS_BODY);
	else
		rc = response_send(req, 200, METRICS_CONTENT_TYPE, out.data,
		    out.len);
	buf_release(&out);
	return rc;
}
