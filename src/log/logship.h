/*
 * logship.h -- the request log's sink 2 (DESIGN section 7, docs/logging.md):
 * records go to a spool under <spool_dir> and from there to Supabase's
 * request_logs table, in batches, through PostgREST. A Supabase outage of
 * any length loses nothing while the disk lasts.
 *
 * The spool directory:
 *   current.jsonl     the open segment; every worker appends one line per
 *                     record, one write(2) under a shared flock(2)
 *   sealed-<sec>.<nsec>-<pid>.jsonl
 *                     segments waiting to ship; names sort oldest first
 *   sealed-....jsonl.offset
 *                     how far that segment has been shipped (bytes)
 *   .lock             flock(2)ed by the one shipper at a time; its mtime is
 *                     the time of the last attempt
 *   .failed           present while attempts fail; holds how many failed
 *                     in a row (the backoff doubles with each)
 *   .maintained       its mtime: when partitions were last maintained
 *   aside/            lines that can never ship (not a record; a row
 *                     Supabase refuses), one file per segment, each
 *                     move reported in the error log
 *
 * Shipping: seal (rename current.jsonl to a sealed name, then take an
 * exclusive flock of it: writers that still hold the old inode finish
 * first, later ones notice the rename and reopen), then POST each sealed
 * segment's records, oldest first, in batches of at most
 * LIMIT_LOGSHIP_ROWS rows and LIMIT_LOGSHIP_BATCH bytes, to
 *   /rest/v1/request_logs?columns=<LOGSHIP_COLUMNS>&on_conflict=request_id,ts
 *   Prefer: return=minimal,resolution=ignore-duplicates
 * A segment is removed when all of it is in Supabase. A batch sent twice
 * (a retry after a lost answer, a crash between POST and the offset
 * update) inserts nothing the second time: (request_id, ts) is
 * request_logs' primary key.
 *
 * Answers: 2xx shipped. 413: the batch is halved; one row still too large
 * has its bodies cut to LIMIT_LOGSHIP_ROW_CUT bytes ("truncated": true)
 * and is sent again -- truncated, never dropped. 400, 409, 422 (a row
 * Supabase refuses): the batch is halved down to the row, which goes
 * aside. Anything else (no answer, 401, 403, 404, 408, 429, 5xx):
 * Supabase is unavailable; the segment stays and the attempt ends.
 *
 * Who ships: a child of a worker that, after writing its record (off the
 * client's clock), finds records in current.jsonl and has no child at
 * work (logship_tick). It ships when a shipment is due -- current.jsonl
 * at log_ship_bytes or more, or the last attempt log_ship_interval
 * seconds old -- sleeping until then, and only when it gets the lock
 * without waiting; after failures the interval doubles up to
 * LIMIT_LOGSHIP_BACKOFF_MAX_S. `mcpctl logs flush` ships everything now.
 * After a successful shipment, partitions are maintained at most once per
 * LIMIT_LOGSHIP_MAINTAIN_S (logship_maintain).
 *
 * Errors never reach the client: every failure is one line in the error
 * log (rate-limited for the per-record path) and the spool keeps the data.
 */
#ifndef MCP_LOGSHIP_H
#define MCP_LOGSHIP_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "log/reqlog.h"

/* request_logs' columns, as ?columns= sends them (a record's keys). */
#define LOGSHIP_COLUMNS	"request_id,ts,tenant_id,tenant_slug,caller_kind," \
	"caller_id,server_alias,session_id,protocol_version," \
	"upstream_protocol_version,method,tool,jsonrpc_id,http_status," \
	"jsonrpc_error,total_ms,upstream_ms,bytes_in,bytes_out," \
	"request_body,response_body,truncated,client_ip,user_agent,trace_id," \
	"tool_pin,bridge"

#define LOGSHIP_CURRENT		"current.jsonl"
#define LOGSHIP_LOCK		".lock"
#define LOGSHIP_FAILED		".failed"
#define LOGSHIP_MAINTAINED	".maintained"
#define LOGSHIP_ASIDE		"aside"

/* A worker's handle on the spool. */
struct logship {
	struct reqlog_file	 spool;		/* current.jsonl, locked */
	char			 path[LIMIT_PATH + 32];
	pid_t			 child;		/* shipping now; 0: none */
	int			 lockfd;	/* .lock, to test it; -1 */
};

/* What one shipment did (mcpctl logs flush prints it). */
struct logship_stats {
	unsigned long	 rows;		/* rows Supabase accepted */
	unsigned long	 batches;	/* POSTs answered 2xx */
	unsigned long	 segments;	/* sealed segments finished */
	unsigned long	 aside;		/* lines moved aside */
	unsigned long	 cut;		/* rows sent again with bodies cut */
	unsigned long	 pending;	/* segments left (Supabase down) */
	int		 unavailable;	/* the attempt ended on a failure */
};

enum logship_result {
	LOGSHIP_DONE,		/* nothing left in the spool */
	LOGSHIP_PENDING,	/* Supabase unavailable: left spooled */
	LOGSHIP_BUSY,		/* another shipper holds the lock */
	LOGSHIP_WAIT,		/* backing off after failures */
	LOGSHIP_ERROR		/* local failure (why says what) */
};

/* Before the configuration is loaded (spool_dir NULL) init only makes
 * release safe; init again after loading. */
void	 logship_init(struct logship *, const struct config *);
void	 logship_release(struct logship *);

/* Append one record line (ending in '\n') to the spool; 0 or -1 (the
 * error log said what was lost). */
int	 logship_append(struct logship *, const char *line, size_t len);

/*
 * After a request, with records in current.jsonl: make sure a shipper
 * will take them, in a child process (fork(2)) so that the worker goes
 * back to serving at once -- a shipment takes tens to hundreds of
 * milliseconds, and the web server may hand this worker the next request
 * meanwhile. The child ships at once when a shipment is due, else sleeps
 * until it is (so the last records before a quiet spell ship within
 * log_ship_interval without another request), and goes on shipping every
 * log_ship_interval seconds while records keep coming. One child per
 * worker at a time; it is reaped by a later tick (or logship_release).
 * The child keeps only stderr (fds 0 and 1, which are the FastCGI socket
 * or the CGI pipes, become /dev/null; every other fd is closed), uses a
 * libcurl handle of its own, and leaves with _exit.
 * No child is started either while any shipper holds the lock: it goes
 * on while records keep coming, so it takes these too.
 * LOGSHIP_WAIT: nothing waits; LOGSHIP_BUSY: a shipper is at work;
 * LOGSHIP_PENDING: a child was started; LOGSHIP_ERROR: fork failed.
 * Cost when nothing is started: a waitpid, two stat(2)s, two flock(2)s.
 */
enum logship_result logship_tick(struct logship *, const struct config *,
	    time_t now);

/*
 * Seal and ship everything now. wait: block on the lock (else BUSY).
 * force: ignore the backoff. stats may be NULL. why gets one line for
 * LOGSHIP_PENDING and LOGSHIP_ERROR.
 */
enum logship_result logship_flush(const struct config *, int wait, int force,
	    struct logship_stats *, char *why, size_t whylen);

/*
 * Partitions: create the current month's and LIMIT_LOGSHIP_MONTHS_AHEAD
 * more where missing, and when log_retention_months > 0 drop those of
 * months that ended more than that many months before now's month.
 * *created and *dropped as the functions report them. 0 or -1 (why).
 */
int	 logship_maintain(const struct config *, time_t now, int *created,
	    int *dropped, char *why, size_t whylen);

/*
 * What waits in the spool (for /metrics): *bytes not yet shipped (the
 * current segment and the sealed ones, less what their .offset says is
 * shipped), *oldest_s the age at now of the oldest of those files (its
 * birth time where the file system keeps one, else its mtime); 0 and 0
 * when empty. 0, or -1 when the spool cannot be listed.
 */
int	 logship_backlog(const struct config *, time_t now, uint64_t *bytes,
	    double *oldest_s);

#endif /* MCP_LOGSHIP_H */
