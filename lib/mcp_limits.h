/*
 * mcp_limits.h -- every limit of the platform and its tools, in one place.
 *
 * Where operators need to change a limit it is also a configuration key
 * (conf/mcp-platform.conf.example); the constant here is then the default
 * and, where it says so, the hard ceiling the configuration cannot exceed.
 */
#ifndef MCP_LIMITS_H
#define MCP_LIMITS_H

/* Request bounding (DESIGN section 3.1). */
#define LIMIT_BODY_DEFAULT	(1024 * 1024)		/* max_body default */
#define LIMIT_BODY_CEILING	(64 * 1024 * 1024)	/* max_body may not exceed */
#define LIMIT_HEADER_VALUE	8192		/* one CGI header variable */
#define LIMIT_PATH		1024		/* REQUEST_URI / PATH_INFO */
#define LIMIT_QUERY		4096		/* QUERY_STRING */
#define LIMIT_SLUG		63		/* tenant / server slugs */
#define LIMIT_REQUEST_ID	64		/* X-Request-Id we accept or make */
#define LIMIT_METHOD		16		/* REQUEST_METHOD */
#define LIMIT_HEADERS_TOTAL	(64 * 1024)	/* all HTTP_* values together */
#define LIMIT_ROUTE_PARAMS	4		/* {name} segments in one route */
#define LIMIT_RESPONSE_HEADERS	8192		/* extra response header bytes */
#define LIMIT_RESPONSE_BODY	(16 * 1024 * 1024) /* a JSON body or SSE event
						   built in memory */

/* JSON. */
#define LIMIT_JSON_DEPTH	64		/* nesting we accept */

/* Configuration. */
#define LIMIT_CONF_FILE		(64 * 1024)
#define LIMIT_CONF_LINE		4096
#define LIMIT_SECRET_FILE	8192
#define LIMIT_CONF_ERR		512		/* one config error message */
#define LIMIT_URL		2048		/* URLs in the configuration */
#define LIMIT_ORIGINS		32		/* allowed_origins entries */
#define LIMIT_CONFIG_TTL_DEFAULT 30		/* config_ttl default (s) */
#define LIMIT_CONFIG_TTL_MAX	3600		/* config_ttl may not exceed */

/* Outbound HTTP (Supabase). */
#define LIMIT_HTTPC_RESPONSE	(8 * 1024 * 1024)
#define LIMIT_HTTPC_TIMEOUT_MS	10000
#define LIMIT_HTTPC_CONNECT_MS	2000
#define LIMIT_READYZ_TIMEOUT_MS	2000
#define LIMIT_READYZ_RESPONSE	(64 * 1024)	/* /readyz probe's answer */
#define LIMIT_HTTPC_HEADERS	(64 * 1024)	/* response header block */
#define LIMIT_HTTPC_ERR		256		/* httpc error strings */

/* Operator log lines. */
#define LIMIT_LOG_LINE		4096

#endif /* MCP_LIMITS_H */
