/*
 * reqlog.h -- the request-log record (DESIGN section 7), its redaction,
 * and sink 1: one JSON line per record appended to <log_dir>/requests.jsonl.
 * docs/logging.md describes the fields and the rules.
 *
 * Use, one record per request to /mcp/...:
 *     struct reqlog rl;
 *     reqlog_init(&rl);                     ts = now (CLOCK_REALTIME)
 *     reqlog_set(&rl, REQLOG_TENANT_SLUG, "acme"); ...   what is known
 *     rl.http_status = 200; rl.jsonrpc_error = -32602; ...
 *     reqlog_set_bodies(&rl, req, reqlen, resp, resplen, secrets, max);
 *     reqlog_to_json(&rl, &line);           after the client has its answer
 *     reqlog_file_write(&f, path, line.data, line.len, ...);
 *     reqlog_release(&rl);
 *
 * Strings: every setter COPIES (the caller keeps its own). A value is cut
 * at LIMIT_REQLOG_FIELD bytes on a UTF-8 boundary (the record's truncated
 * flag is then set); bytes that are not UTF-8 become '?' so the line is
 * always valid JSON. NULL (or never set) is written as JSON null.
 *
 * Redaction (reqlog_set_bodies): see the comment there. It also redacts
 * the secret values out of the string fields set so far, so call it LAST,
 * after every reqlog_set().
 *
 * Errors: 0, or -1 on out of memory only (the field is then left unset or
 * the body null; the record stays usable). Nothing here aborts.
 */
#ifndef MCP_REQLOG_H
#define MCP_REQLOG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <jansson.h>

#include "buf.h"
#include "product_limits.h"

struct request;

/* The record's string fields; the JSON key of each is in reqlog.c's
 * table and docs/logging.md (they are request_logs' column names). */
enum reqlog_field {
	REQLOG_REQUEST_ID,
	REQLOG_TENANT_ID,
	REQLOG_TENANT_SLUG,
	REQLOG_CALLER_KIND,		/* "user" | "api_key" */
	REQLOG_CALLER_ID,
	REQLOG_SERVER_ALIAS,
	REQLOG_PROTOCOL_VERSION,	/* negotiated with the client */
	REQLOG_UPSTREAM_PROTOCOL_VERSION, /* used with the upstream */
	REQLOG_METHOD,			/* JSON-RPC method */
	REQLOG_TOOL,			/* tools/call params.name */
	REQLOG_JSONRPC_ID,		/* as text */
	REQLOG_CLIENT_IP,
	REQLOG_USER_AGENT,
	REQLOG_TRACE_ID,		/* W3C trace-id, 32 hex */
	REQLOG_TOOL_PIN,		/* "changed" | "refused" (mcp/pins.h) */
	REQLOG_BRIDGE,			/* "modern-to-legacy" |
					   "legacy-to-modern": the client's
					   era and the upstream's differ */
	REQLOG_FIELD__MAX
};

/* 16 hex digits: the first 64 bits of SHA-256(Mcp-Session-Id). */
#define REQLOG_SESSION_HASH_LEN	16

struct reqlog {
	struct timespec	 ts;		/* CLOCK_REALTIME; "ts", RFC 3339 UTC
					   with ms */
	char		*str[REQLOG_FIELD__MAX];	/* owned; NULL: null */
	char		 session[REQLOG_SESSION_HASH_LEN + 1];	/* "": null */
	int		 http_status;	/* 0: null */
	int		 jsonrpc_error;	/* 0: null (no JSON-RPC error) */
	double		 total_ms;	/* < 0: null */
	double		 upstream_ms;	/* < 0: null (no upstream call) */
	uint64_t	 bytes_in;
	uint64_t	 bytes_out;
	char		*request_body;	/* owned, redacted, cut; NULL: null */
	size_t		 request_body_len;
	char		*response_body;
	size_t		 response_body_len;
	int		 truncated;	/* a body or field was cut */

	/* reqlog_keep*() .. reqlog_redact(); raw copies and secrets are
	 * wiped on release, parsed bodies are references */
	char		*kept_req, *kept_resp;	/* raw bytes, maybe a prefix */
	size_t		 kept_req_len, kept_resp_len;
	size_t		 kept_req_full, kept_resp_full;	/* raw body sizes */
	json_t		*kept_req_json, *kept_resp_json;
	int		 kept_req_has, kept_resp_has;	/* 0: null body */
	size_t		 kept_max;	/* body_max given to keep */
	char		**kept_secrets;	/* NULL-terminated, or NULL */
	int		 kept;
};

void	 reqlog_init(struct reqlog *);
void	 reqlog_release(struct reqlog *);

/* Copy value (NUL-terminated, or len bytes); NULL clears. 0 or -1. */
int	 reqlog_set(struct reqlog *, enum reqlog_field, const char *value);
int	 reqlog_setn(struct reqlog *, enum reqlog_field, const char *value,
	    size_t len);
/* A JSON-RPC id: a string as is, an integer in decimal, else null. */
int	 reqlog_set_jsonrpc_id(struct reqlog *, const json_t *id);
/*
 * The session: only a hash of it is kept. An Mcp-Session-Id is a bearer
 * capability (whoever holds it, with the caller's token, continues the
 * session), and logs are read by more people than hold tokens (tenant
 * admins, Supabase). The hash still groups a session's requests. NULL or
 * "": no session.
 */
void	 reqlog_set_session(struct reqlog *, const char *session_id);
/*
 * What the request itself knows: request_id, client_ip (REMOTE_ADDR, when
 * it is an IP address), user_agent, bytes_in (body bytes read, else
 * CONTENT_LENGTH), bytes_out,
 * http_status, total_ms (request_elapsed_ms). Call it after the response.
 */
int	 reqlog_from_request(struct reqlog *, const struct request *);

/*
 * The bodies, redacted then cut at body_max bytes (0: no body kept).
 * req/resp: (ptr, len), JSON or not; NULL: no body (JSON null).
 * secrets: NULL-terminated list of values to redact (NULL: none), such
 * as target.secret_values; empty strings are ignored. Not kept.
 *
 * A body that parses as JSON is walked, and a new document written:
 *  (a) the value of any member named authorization, proxy-authorization,
 *      apikey, api_key, x-api-key, cookie, set-cookie, password, token,
 *      access_token, refresh_token, client_secret (ASCII case-insensitive)
 *      becomes "[redacted]";
 *  (b) in every string (member names too), every occurrence of a secret
 *      value, or of its base64 (standard and url-safe, with and without
 *      padding, and -- for secrets of 7 bytes or more -- the part of it
 *      that is the same wherever the secret sits inside a longer base64
 *      text, as in Basic credentials) becomes "[redacted]"; a number
 *      whose text holds a secret becomes the string "[redacted]";
 *  (c) an object with "type":"image"|"audio" and a string "data" becomes
 *      {"type","mimeType","size"} (decoded bytes); an object with a string
 *      "blob" (resource contents) becomes {"uri","mimeType","size"}.
 * A body that is not JSON is redacted as text (b); one that is not UTF-8
 * text (or holds NUL) is recorded as "[binary N bytes]".
 * (b) marks every byte of every occurrence in the original text
 * (overlapping ones too) and writes each run of marked bytes as ONE
 * "[redacted]": no piece of a secret survives next to a longer pattern,
 * and a secret written twice in a row becomes one "[redacted]".
 * The result is cut at body_max bytes on a UTF-8 boundary, setting
 * truncated. The string fields already set are redacted by (b) too.
 * 0, or -1 (out of memory: that body is null).
 */
int	 reqlog_set_bodies(struct reqlog *, const char *req, size_t reqlen,
	    const char *resp, size_t resplen, const char *const *secrets,
	    size_t body_max);

/*
 * The same in two steps, so that the work happens off the client's clock:
 * reqlog_keep() copies the raw bodies and the secret values into the
 * record (cheap; call it while they exist, e.g. at the end of the MCP
 * handler, before the target is released), reqlog_redact() runs
 * reqlog_set_bodies() on them after FCGX_Finish_r and wipes the copies
 * (explicit_bzero; reqlog_release() wipes them too). A second keep
 * replaces the first. reqlog_redact() without a keep is a no-op (0).
 */
int	 reqlog_keep(struct reqlog *, const char *req, size_t reqlen,
	    const char *resp, size_t resplen, const char *const *secrets);
int	 reqlog_redact(struct reqlog *, size_t body_max);

/*
 * reqlog_keep() for a caller that has the bodies parsed already (the MCP
 * handler: its request and its answers), so reqlog_redact() walks them
 * instead of parsing and re-serialising the bytes:
 *  - json set: a REFERENCE is kept (json_incref), not a copy; the caller
 *    must not modify the value afterwards. Redaction is copy-on-write:
 *    the kept value is never modified, and the body is serialised only up
 *    to body_max + 1 bytes. With json, raw may give the value's compact
 *    serialisation as it was sent (its first body_max + 1 bytes are
 *    copied): when redaction changes nothing, those bytes are the body,
 *    and the value is not serialised a second time.
 *  - else raw (len bytes) is copied -- but only its first body_max +
 *    <longest secret pattern> bytes when it is longer (unless it parses as
 *    JSON, then it is kept parsed). reqlog_redact() then cuts that prefix
 *    where no occurrence of a secret or of its base64 straddles the cut,
 *    before redacting: a secret that runs past the copied bytes leaves
 *    none of its bytes in the record. The body is marked truncated.
 *  - neither (or a NULL struct): no body (JSON null).
 *  - body_max 0: nothing is kept but whether each body was empty; the
 *    bodies are then "" (truncated when not empty) with no parse, walk
 *    or copy. The secrets are kept all the same: the string fields are
 *    redacted with them.
 * reqlog_redact() uses the smaller of its body_max and this one.
 * 0, or -1 (out of memory: nothing is kept).
 */
struct reqlog_body {
	const json_t	*json;
	const char	*raw;
	size_t		 len;
};

int	 reqlog_keep_bodies(struct reqlog *, const struct reqlog_body *req,
	    const struct reqlog_body *resp, const char *const *secrets,
	    size_t body_max);

/*
 * Append the record to line as one compact JSON object ending in '\n' --
 * the only '\n' in it -- of at most LIMIT_REQLOG_LINE bytes: the bodies
 * are cut further when needed (truncated set in the line), and as a last
 * resort written as null; the record is never dropped. line's own max must
 * allow LIMIT_REQLOG_LINE. "request_id" is always the first member. 0, or
 * -1 (out of memory).
 */
int	 reqlog_to_json(const struct reqlog *, struct buf *line);

/*
 * Sink 1. The file is opened O_WRONLY|O_APPEND|O_CREAT|O_CLOEXEC, mode
 * 0640, kept open between writes, and reopened when path no longer names
 * the inode held (logrotate renamed or removed it). Each line goes out in
 * ONE write(2): with O_APPEND the kernel appends it whole, so lines of
 * concurrent workers never interleave. On a failure (cannot open, short
 * write, ENOSPC, ...) the error log gets, at most once per
 * LIMIT_REQLOG_ERR_EVERY_S, one line naming the file, the error, the lost
 * record's request id and how many were lost since the last such line;
 * the return is -1 and the caller goes on. Losses only counted (inside
 * that minute) are told at once when a write works again ("writing
 * again '<path>': N more ... lost"), or by reqlog_file_release() ("closing
 * a request log file: N more ..."), which closes: the last losses are
 * never left untold.
 *
 * lock (set it after reqlog_file_init): each write is made under a shared
 * flock(2) of the file, and the inode check is made under it too; whoever
 * renames the file away and then takes an exclusive flock of it knows
 * that no write is in flight and none will come (the spool's sealer,
 * src/log/logship.c).
 */
struct reqlog_file {
	int		 fd;		/* -1: not open */
	dev_t		 dev;
	ino_t		 ino;
	int		 lock;		/* shared flock around each write */
	unsigned long	 lost;		/* records lost since last_report */
	time_t		 last_report;
};

void	 reqlog_file_init(struct reqlog_file *);
void	 reqlog_file_release(struct reqlog_file *);
int	 reqlog_file_write(struct reqlog_file *, const char *path,
	    const char *line, size_t len);

#endif /* MCP_REQLOG_H */
