/*
 * logship.c -- the request log's spool and its shipment to Supabase; see
 * logship.h for the layout and the rules.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "buf.h"
#include "httpc.h"
#include "jsonx.h"
#include "log.h"
#include "log/logship.h"
#include "ops/metrics.h"
#include "product_limits.h"
#include "strparse.h"
#include "store/supa.h"

#define MOD		"logship"
#define SEALED_PRE	"sealed-"
#define SEALED_SUF	".jsonl"
#define OFFSET_SUF	".offset"
#define INSERT_PATH	"/rest/v1/request_logs?columns=" LOGSHIP_COLUMNS \
			"&on_conflict=request_id,ts"
/* What stands in aside/ for a line too long to be a record. */
#define ASIDE_OVERSIZED	"{\"aside\":\"a line longer than LIMIT_REQLOG_LINE\"}"
#define INSERT_PREFER	"return=minimal,resolution=ignore-duplicates"

enum sent {
	SENT_OK,		/* in Supabase, or moved aside */
	SENT_UNAVAILABLE	/* stop: try again later */
};

/* A spool file's path; 0 or -1 (too long). */
static int
logship_path(char *out, size_t outlen, const struct config *cfg,
    const char *name)
{
	int	 n;

	n = snprintf(out, outlen, "%s/%s", cfg->spool_dir, name);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

void
logship_init(struct logship *ls, const struct config *cfg)
{
	reqlog_file_init(&ls->spool);
	ls->spool.lock = 1;
	ls->child = 0;
	ls->lockfd = -1;
	if (cfg->spool_dir == NULL || logship_path(ls->path, sizeof(ls->path),
	    cfg, LOGSHIP_CURRENT) == -1)
		ls->path[0] = '\0';
}

void
logship_release(struct logship *ls)
{
	int	 st;

	reqlog_file_release(&ls->spool);
	ls->spool.lock = 1;
	if (ls->lockfd != -1)
		close(ls->lockfd);
	ls->lockfd = -1;
	/* A shipment under way finishes on its own; do not leave a zombie
	 * behind while it does (the worker is about to exit anyway). */
	if (ls->child > 0)
		waitpid(ls->child, &st, WNOHANG);
	ls->child = 0;
}

int
logship_append(struct logship *ls, const char *line, size_t len)
{
	if (ls->path[0] == '\0')
		return -1;
	return reqlog_file_write(&ls->spool, ls->path, line, len);
}

/* ------------------------------------------------------------------ */
/* The lock, the backoff                                               */
/* ------------------------------------------------------------------ */

/* The .lock file, locked: fd, or -1 when another shipper holds it (busy
 * set) or on an error (logged). */
static int
logship_lock(const struct config *cfg, int wait, int *busy)
{
	char	 path[LIMIT_PATH + 32];
	int	 fd;

	*busy = 0;
	if (logship_path(path, sizeof(path), cfg, LOGSHIP_LOCK) == -1)
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd == -1) {
		log_error(MOD, "cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	while (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) == -1) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK)
			*busy = 1;
		else
			log_error(MOD, "cannot lock '%s': %s", path,
			    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * The spool's small state files (.failed, <segment>.offset) hold one
 * decimal number and a newline. Read: 1 and *v; 0 when the file cannot
 * be opened (absent); -1 when it is empty, malformed or over max.
 */
static int
logship_read_number(const char *path, uint64_t max, uint64_t *v)
{
	char	 text[32];
	ssize_t	 n;
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' '))
		n--;
	if (n <= 0 || strparse_u64(text, (size_t)n, 0, max, v) == -1)
		return -1;
	return 1;
}

/* Write v to path: beside it, then renamed over, so that it is never
 * seen half written. 0, or -1 (logged). */
static int
logship_write_number(const char *path, uint64_t v)
{
	char	 tmp[LIMIT_PATH + 256], text[32];
	int	 fd, n;

	n = snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -1;
	n = snprintf(text, sizeof(text), "%llu\n", (unsigned long long)v);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY,
	    0600);
	if (fd == -1 || write(fd, text, (size_t)n) != n ||
	    rename(tmp, path) == -1) {
		log_warn(MOD, "cannot write '%s': %s", path, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* Failed attempts in a row, from .failed: 0 when absent, at least 1 when
 * present (a malformed one counts as one). */
static unsigned int
logship_failures(const struct config *cfg)
{
	char		 path[LIMIT_PATH + 32];
	uint64_t	 v = 0;

	if (logship_path(path, sizeof(path), cfg, LOGSHIP_FAILED) == -1)
		return 0;
	switch (logship_read_number(path, UINT32_MAX, &v)) {
	case 0:
		return 0;
	case 1:
		return v > 0 ? (unsigned int)v : 1;
	default:
		return 1;
	}
}

/* Record the outcome of an attempt in .failed. */
static void
logship_set_failures(const struct config *cfg, unsigned int k)
{
	char	 path[LIMIT_PATH + 32];

	if (logship_path(path, sizeof(path), cfg, LOGSHIP_FAILED) == -1)
		return;
	if (k == 0) {
		if (unlink(path) == -1 && errno != ENOENT)
			log_warn(MOD, "cannot remove '%s': %s", path,
			    strerror(errno));
		return;
	}
	logship_write_number(path, k);
}

/* Seconds to wait after k failures in a row. */
static time_t
logship_backoff(const struct config *cfg, unsigned int k)
{
	time_t	 t = (time_t)cfg->log_ship_interval;

	if (k == 0)
		return 0;
	if (t < 1)
		t = 1;
	while (--k > 0 && t < LIMIT_LOGSHIP_BACKOFF_MAX_S)
		t *= 2;
	return t < LIMIT_LOGSHIP_BACKOFF_MAX_S ? t :
	    LIMIT_LOGSHIP_BACKOFF_MAX_S;
}

/* ------------------------------------------------------------------ */
/* Sealing and listing                                                 */
/* ------------------------------------------------------------------ */

/*
 * Rename current.jsonl to a sealed name and wait out the writers that
 * still hold it (their shared flock); 0, or -1 (logged). An absent or
 * empty current.jsonl is left alone.
 */
static int
logship_seal(const struct config *cfg)
{
	char		 cur[LIMIT_PATH + 32], name[128], sealed[LIMIT_PATH + 160];
	struct timespec	 ts;
	struct stat	 st;
	int		 fd;

	if (logship_path(cur, sizeof(cur), cfg, LOGSHIP_CURRENT) == -1)
		return -1;
	if (lstat(cur, &st) == -1)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISREG(st.st_mode)) {
		log_error(MOD, "'%s' is not a regular file: not shipped", cur);
		return 0;
	}
	if (st.st_size == 0)
		return 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(name, sizeof(name), SEALED_PRE "%012lld.%09ld-%ld" SEALED_SUF,
	    (long long)ts.tv_sec, ts.tv_nsec, (long)getpid());
	if (logship_path(sealed, sizeof(sealed), cfg, name) == -1)
		return -1;
	if (rename(cur, sealed) == -1) {
		if (errno == ENOENT)
			return 0;
		log_error(MOD, "cannot seal '%s': %s", cur, strerror(errno));
		return -1;
	}
	if ((fd = open(sealed, O_RDONLY | O_CLOEXEC)) == -1) {
		log_error(MOD, "cannot open '%s': %s", sealed,
		    strerror(errno));
		return -1;
	}
	while (flock(fd, LOCK_EX) == -1 && errno == EINTR)
		continue;
	close(fd);
	return 0;
}

static int
logship_is_sealed(const struct dirent *d)
{
	size_t	 n = strlen(d->d_name);

	return n > sizeof(SEALED_PRE) - 1 + sizeof(SEALED_SUF) - 1 &&
	    strncmp(d->d_name, SEALED_PRE, sizeof(SEALED_PRE) - 1) == 0 &&
	    strcmp(d->d_name + n - (sizeof(SEALED_SUF) - 1), SEALED_SUF) == 0;
}

/* ------------------------------------------------------------------ */
/* Reading a segment line by line, with bounded memory                */
/* ------------------------------------------------------------------ */

struct lreader {
	int	 fd;
	char	*buf;		/* LIMIT_REQLOG_LINE + LIMIT_LOGSHIP_READ */
	size_t	 start, end;
	off_t	 pos;		/* file offset of buf[start] */
	int	 eof;
};

/*
 * The next line without its '\n': 1 with (*p, *n) borrowed until the next
 * call, *over set when the line is longer than LIMIT_REQLOG_LINE (then
 * (*p, *n) is its first part and the rest is skipped); 0 at the end;
 * -1 on a read error. *at is the line's file offset; after the call,
 * lr->pos is the offset just past it.
 */
static int
lreader_next(struct lreader *lr, const char **p, size_t *n, int *over,
    off_t *at)
{
	const size_t	 cap = LIMIT_REQLOG_LINE + LIMIT_LOGSHIP_READ;
	char		*nl;
	ssize_t		 r;
	int		 skipping = 0;

	*over = 0;
	*at = lr->pos;
	for (;;) {
		nl = memchr(lr->buf + lr->start, '\n', lr->end - lr->start);
		if (nl != NULL) {
			size_t len = (size_t)(nl - (lr->buf + lr->start));

			/* A record's line, '\n' included, is at most
			 * LIMIT_REQLOG_LINE bytes. */
			if (len >= LIMIT_REQLOG_LINE)
				skipping = 1;
			*p = lr->buf + lr->start;
			*n = skipping ? 0 : len;
			*over = skipping;
			lr->pos += (off_t)(len + 1);
			lr->start += len + 1;
			return 1;
		}
		if (!skipping && lr->end - lr->start >= LIMIT_REQLOG_LINE) {
			/* Too long to be a record: skip to its end. */
			skipping = 1;
		}
		if (skipping) {
			lr->pos += (off_t)(lr->end - lr->start);
			lr->start = lr->end = 0;
		} else if (lr->start > 0) {
			memmove(lr->buf, lr->buf + lr->start,
			    lr->end - lr->start);
			lr->end -= lr->start;
			lr->start = 0;
		}
		if (lr->eof)
			break;
		do
			r = read(lr->fd, lr->buf + lr->end, cap - lr->end);
		while (r == -1 && errno == EINTR);
		if (r == -1)
			return -1;
		if (r == 0)
			lr->eof = 1;
		lr->end += (size_t)r;
	}
	/* The end of the file: a last line without '\n'. */
	if (lr->end > lr->start || skipping) {
		*p = lr->buf + lr->start;
		*n = skipping ? 0 : lr->end - lr->start;
		*over = skipping;
		lr->pos += (off_t)(lr->end - lr->start);
		lr->start = lr->end;
		return 1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* A batch and its POST                                                */
/* ------------------------------------------------------------------ */

struct batch {
	const struct config	*cfg;
	const char		*segment;	/* for messages */
	struct buf		 rows;		/* the rows' texts, back to back */
	size_t			 off[LIMIT_LOGSHIP_ROWS];
	size_t			 len[LIMIT_LOGSHIP_ROWS];
	size_t			 n;
	struct buf		 aside;		/* lines to move aside, '\n' each */
	unsigned long		 naside;
	struct logship_stats	*stats;
};

static void
batch_aside(struct batch *b, const char *p, size_t n, const char *why)
{
	if (buf_append(&b->aside, p, n) == -1 ||
	    buf_appendc(&b->aside, '\n') == -1)
		log_error(MOD, "%s: out of memory: a line that cannot ship "
		    "is lost (%s)", b->segment, why);
	b->naside++;
	b->stats->aside++;
}

/* One POST of body; the HTTP status, or 0 when no answer came. */
static long
batch_post(const struct config *cfg, const char *body, size_t len,
    struct buf *answer)
{
	struct supa_call	 c;
	struct httpc_response	 resp;
	char			 why[LIMIT_HTTPC_ERR + 64];
	long			 st = 0;

	memset(&c, 0, sizeof(c));
	c.method = "POST";
	c.path = INSERT_PATH;
	c.prefer = INSERT_PREFER;
	c.body = body;
	c.bodylen = len;
	c.timeout_ms = LIMIT_LOGSHIP_TIMEOUT_MS;
	c.max_response = LIMIT_LOGSHIP_ANSWER;
	httpc_response_init(&resp);
	if (supa_perform(cfg, &c, &resp, why, sizeof(why)) == -1)
		log_warn(MOD, "shipping request logs: %s", why);
	else {
		st = resp.status;
		buf_reset(answer);
		if (resp.body.len > 0)
			buf_append(answer, resp.body.data, resp.body.len);
	}
	httpc_response_release(&resp);
	return st;
}

/* A row with its bodies cut to LIMIT_LOGSHIP_ROW_CUT bytes (UTF-8
 * boundary) and "truncated": true, into out; 0 or -1. */
static int
batch_cut_row(const char *row, size_t len, struct buf *out)
{
	static const char *const keys[] = { "request_body", "response_body" };
	json_t		*o;
	const char	*s;
	size_t		 i, n;
	int		 rc = -1;

	if ((o = jsonx_loadb(row, len, LIMIT_JSON_DEPTH, NULL, 0)) == NULL)
		return -1;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if ((s = jsonx_str(o, keys[i])) == NULL ||
		    (n = strlen(s)) <= LIMIT_LOGSHIP_ROW_CUT)
			continue;
		n = LIMIT_LOGSHIP_ROW_CUT;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		if (json_object_set_new(o, keys[i], json_stringn(s, n)) == -1)
			goto out;
	}
	if (json_object_set_new(o, "truncated", json_true()) == -1)
		goto out;
	buf_reset(out);
	rc = jsonx_dumpb(out, o);
out:
	json_decref(o);
	return rc;
}

static enum sent batch_send(struct batch *, size_t, size_t);

/* A refused range: halve it, or deal with the single row. */
static enum sent
batch_split(struct batch *b, size_t a, size_t n, long st, struct buf *ans)
{
	struct buf	 cut, body, ans2;
	const char	*row = b->rows.data + b->off[a];
	enum sent	 r = SENT_OK;
	long		 st2;

	if (n > 1) {
		if (batch_send(b, a, n / 2) == SENT_UNAVAILABLE)
			return SENT_UNAVAILABLE;
		return batch_send(b, a + n / 2, n - n / 2);
	}
	if (st == 413) {
		/* Truncated, never dropped. */
		buf_init(&cut, LIMIT_REQLOG_LINE);
		buf_init(&body, LIMIT_REQLOG_LINE + 2);
		buf_init(&ans2, LIMIT_LOGSHIP_ANSWER);
		if (batch_cut_row(row, b->len[a], &cut) == 0 &&
		    buf_appendc(&body, '[') == 0 &&
		    buf_append(&body, cut.data, cut.len) == 0 &&
		    buf_appendc(&body, ']') == 0) {
			st2 = batch_post(b->cfg, body.data, body.len, &ans2);
			if (st2 >= 200 && st2 < 300) {
				b->stats->rows++;
				b->stats->batches++;
				b->stats->cut++;
				log_warn(MOD, "%s: a row too large to ship was "
				    "sent with its bodies cut to %d bytes",
				    b->segment, LIMIT_LOGSHIP_ROW_CUT);
			} else if (st2 == 0 || (st2 != 400 && st2 != 409 &&
			    st2 != 413 && st2 != 422))
				r = SENT_UNAVAILABLE;
			else {
				batch_aside(b, row, b->len[a], "refused");
				log_error(MOD, "%s: Supabase refused a row even "
				    "cut (%ld); moved aside", b->segment, st2);
			}
		} else
			batch_aside(b, row, b->len[a], "cannot cut");
		buf_release(&ans2);
		buf_release(&body);
		buf_release(&cut);
		return r;
	}
	batch_aside(b, row, b->len[a], "refused");
	log_error(MOD, "%s: Supabase refused a row (%ld: %.200s); moved aside",
	    b->segment, st, ans->len > 0 ? ans->data : "");
	return SENT_OK;
}

/* POST rows [a, a + n); refused ones are split down to the row. */
static enum sent
batch_send(struct batch *b, size_t a, size_t n)
{
	struct buf	 body, ans;
	size_t		 i;
	long		 st;
	enum sent	 r;

	if (n == 0)
		return SENT_OK;
	buf_init(&body, LIMIT_LOGSHIP_BATCH + LIMIT_REQLOG_LINE + 2);
	buf_init(&ans, LIMIT_LOGSHIP_ANSWER);
	buf_appendc(&body, '[');
	for (i = a; i < a + n; i++) {
		if (i > a)
			buf_appendc(&body, ',');
		if (buf_append(&body, b->rows.data + b->off[i], b->len[i]) ==
		    -1)
			break;
	}
	if (i < a + n || buf_appendc(&body, ']') == -1) {
		log_error(MOD, "%s: out of memory building a batch",
		    b->segment);
		r = SENT_UNAVAILABLE;
		goto out;
	}
	st = batch_post(b->cfg, body.data, body.len, &ans);
	if (st >= 200 && st < 300) {
		b->stats->rows += n;
		b->stats->batches++;
		r = SENT_OK;
	} else if (st == 400 || st == 409 || st == 413 || st == 422)
		r = batch_split(b, a, n, st, &ans);
	else {
		if (st != 0)
			log_warn(MOD, "shipping request logs: Supabase "
			    "answered %ld: %.200s", st,
			    ans.len > 0 ? ans.data : "");
		r = SENT_UNAVAILABLE;
	}
out:
	buf_release(&ans);
	buf_release(&body);
	return r;
}

/* ------------------------------------------------------------------ */
/* A segment                                                           */
/* ------------------------------------------------------------------ */

/* Offset already shipped, from the .offset file (0 when absent or bad). */
static off_t
segment_offset(const char *offpath)
{
	uint64_t	 v;

	return logship_read_number(offpath, INT64_MAX, &v) == 1 ? (off_t)v :
	    0;
}

/*
 * Commit what is shipped up to at: first the lines set aside (appended to
 * aside/<segment>), then the offset (written beside and renamed over, so
 * it is never half written). 0 or -1 (logged; the segment is then sent
 * again later, which duplicates nothing).
 */
static int
segment_commit(struct batch *b, const char *asidepath, const char *offpath,
    off_t at)
{
	int	 fd;

	if (b->aside.len > 0) {
		fd = open(asidepath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
		    O_NOCTTY, 0600);
		if (fd == -1 || write(fd, b->aside.data, b->aside.len) !=
		    (ssize_t)b->aside.len) {
			log_error(MOD, "cannot write '%s': %s", asidepath,
			    strerror(errno));
			if (fd != -1)
				close(fd);
			return -1;
		}
		close(fd);
		log_error(MOD, "%s: %lu line(s) that cannot ship moved aside "
		    "to '%s'", b->segment, b->naside, asidepath);
		buf_reset(&b->aside);
		b->naside = 0;
	}
	return logship_write_number(offpath, (uint64_t)at);
}

/* Send what the batch holds and commit up to at. */
static enum sent
segment_flush(struct batch *b, const char *asidepath, const char *offpath,
    off_t at)
{
	if (batch_send(b, 0, b->n) == SENT_UNAVAILABLE)
		return SENT_UNAVAILABLE;
	b->n = 0;
	buf_reset(&b->rows);
	segment_commit(b, asidepath, offpath, at);
	return SENT_OK;
}

/*
 * A line as reqlog_to_json writes it, told by its bytes: it starts
 * {"request_id":"...","ts":" and ends with '}', and has a top-level
 * boolean "truncated" (the record has no nested object, and outside a
 * string ,"truncated": can only be a member). Parsing every line to check
 * it cost the shipper as much as the worker's own parse of the answer.
 * A line that only looks like one and is not valid JSON is refused by
 * Supabase (400), and the batch's halving puts it aside, as segment_row
 * would have.
 */
static int
segment_row_ours(const char *p, size_t n)
{
	static const char	 pre[] = "{\"request_id\":\"";
	static const char	 ts[] = "\",\"ts\":\"";
	const char		*q, *end = p + n;

	if (n < sizeof(pre) || memcmp(p, pre, sizeof(pre) - 1) != 0 ||
	    p[n - 1] != '}')
		return 0;
	q = memchr(p + sizeof(pre) - 1, '"', n - (sizeof(pre) - 1));
	if (q == NULL || (size_t)(end - q) < sizeof(ts) - 1 ||
	    memcmp(q, ts, sizeof(ts) - 1) != 0 || q[-1] == '\\')
		return 0;
	if ((q = memmem(p, n, ",\"truncated\":", 13)) == NULL)
		return 0;
	q += 13;
	if ((size_t)(end - q) > 4 && memcmp(q, "true", 4) == 0)
		q += 4;
	else if ((size_t)(end - q) > 5 && memcmp(q, "false", 5) == 0)
		q += 5;
	else
		return 0;
	return *q == ',' || *q == '}';
}

/*
 * A line as a row: -1 when it is not a record (a JSON object with string
 * request_id and ts); 0 when it ships as it is; 1 when it lacks the
 * boolean "truncated" (NOT NULL, and ?columns= sends NULL for a missing
 * key) and fixed holds it with "truncated": false.
 */
static int
segment_row(const char *p, size_t n, struct buf *fixed)
{
	json_t	*o;
	int	 rc = -1;

	if (segment_row_ours(p, n))
		return 0;
	if ((o = jsonx_loadb(p, n, LIMIT_JSON_DEPTH, NULL, 0)) == NULL)
		return -1;
	if (!json_is_object(o) || jsonx_str(o, "request_id") == NULL ||
	    jsonx_str(o, "ts") == NULL)
		goto out;
	if (json_is_boolean(json_object_get(o, "truncated"))) {
		rc = 0;
		goto out;
	}
	buf_reset(fixed);
	if (json_object_set_new(o, "truncated", json_false()) == 0 &&
	    jsonx_dumpb(fixed, o) == 0)
		rc = 1;
out:
	json_decref(o);
	return rc;
}

/*
 * Ship one sealed segment from where it was left; remove it when done
 * (*finished set). budget: the shipment's row cap -- once stats->rows
 * reaches it the call ends with SENT_OK, the segment kept for next time.
 * SENT_UNAVAILABLE: stop, Supabase (or the disk) cannot take more now.
 */
static enum sent
segment_ship(const struct config *cfg, const char *name,
    struct logship_stats *stats, unsigned long budget, int *finished)
{
	char		 path[LIMIT_PATH + 160], offpath[LIMIT_PATH + 200];
	char		 asidepath[LIMIT_PATH + 200], dir[LIMIT_PATH + 32];
	struct lreader	 lr;
	struct batch	 b;
	const char	*p;
	size_t		 n;
	off_t		 at;
	struct buf	 fixed;
	struct stat	 st;
	int		 over, rc, kind;
	enum sent	 r = SENT_OK;

	*finished = 0;
	buf_init(&fixed, LIMIT_REQLOG_LINE + 64);
	memset(&lr, 0, sizeof(lr));
	memset(&b, 0, sizeof(b));
	lr.fd = -1;
	b.cfg = cfg;
	b.segment = name;
	b.stats = stats;
	buf_init(&b.rows, LIMIT_LOGSHIP_BATCH + LIMIT_REQLOG_LINE);
	buf_init(&b.aside, LIMIT_LOGSHIP_BATCH + LIMIT_REQLOG_LINE);
	if (logship_path(path, sizeof(path), cfg, name) == -1 ||
	    snprintf(offpath, sizeof(offpath), "%s" OFFSET_SUF, path) >=
	    (int)sizeof(offpath) ||
	    logship_path(dir, sizeof(dir), cfg, LOGSHIP_ASIDE) == -1 ||
	    snprintf(asidepath, sizeof(asidepath), "%s/%s", dir, name) >=
	    (int)sizeof(asidepath))
		goto out;
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		log_error(MOD, "cannot create '%s': %s", dir, strerror(errno));
		r = SENT_UNAVAILABLE;
		goto out;
	}
	/* Only a regular file: a link (to /dev/zero, say), a FIFO... is
	 * moved aside as it is, and the spool goes on. */
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		log_error(MOD, "'%s' is not a regular file: moved aside to "
		    "'%s'", path, asidepath);
		if (rename(path, asidepath) == -1) {
			log_error(MOD, "cannot move '%s' aside: %s", path,
			    strerror(errno));
			r = SENT_UNAVAILABLE;
		} else
			*finished = 1;
		goto out;
	}
	if ((lr.buf = malloc(LIMIT_REQLOG_LINE + LIMIT_LOGSHIP_READ)) ==
	    NULL || (lr.fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) ==
	    -1) {
		log_error(MOD, "cannot read '%s': %s", path, strerror(errno));
		r = SENT_UNAVAILABLE;
		goto out;
	}
	lr.pos = segment_offset(offpath);
	if (lr.pos > 0 && lseek(lr.fd, lr.pos, SEEK_SET) == -1)
		lr.pos = 0;

	while ((rc = lreader_next(&lr, &p, &n, &over, &at)) == 1) {
		if (over) {
			batch_aside(&b, ASIDE_OVERSIZED,
			    sizeof(ASIDE_OVERSIZED) - 1, "oversized");
			continue;
		}
		if (n == 0)
			continue;
		if ((kind = segment_row(p, n, &fixed)) == -1) {
			batch_aside(&b, p, n, "not a record");
			continue;
		}
		if (kind == 1) {
			p = fixed.data;
			n = fixed.len;
		}
		if (b.n == LIMIT_LOGSHIP_ROWS ||
		    b.rows.len + n > LIMIT_LOGSHIP_BATCH ||
		    b.aside.len > LIMIT_LOGSHIP_BATCH) {
			if (segment_flush(&b, asidepath, offpath, at) ==
			    SENT_UNAVAILABLE) {
				r = SENT_UNAVAILABLE;
				goto out;
			}
			if (budget <= stats->rows)
				goto out;	/* the rest next time */
		}
		b.off[b.n] = b.rows.len;
		b.len[b.n] = n;
		if (buf_append(&b.rows, p, n) == -1) {
			log_error(MOD, "%s: out of memory", name);
			r = SENT_UNAVAILABLE;
			goto out;
		}
		b.n++;
	}
	if (rc == -1) {
		log_error(MOD, "cannot read '%s': %s", path, strerror(errno));
		r = SENT_UNAVAILABLE;
		goto out;
	}
	if (segment_flush(&b, asidepath, offpath, lr.pos) == SENT_UNAVAILABLE) {
		r = SENT_UNAVAILABLE;
		goto out;
	}
	if (unlink(path) == -1)
		log_error(MOD, "cannot remove shipped '%s': %s", path,
		    strerror(errno));
	else {
		unlink(offpath);
		stats->segments++;
		*finished = 1;
	}
out:
	if (lr.fd != -1)
		close(lr.fd);
	free(lr.buf);
	buf_release(&fixed);
	buf_release(&b.aside);
	buf_release(&b.rows);
	return r;
}

/* ------------------------------------------------------------------ */
/* Shipping                                                            */
/* ------------------------------------------------------------------ */

/* Ship the sealed segments, oldest first, within budget rows. */
static enum logship_result
logship_ship(const struct config *cfg, struct logship_stats *stats,
    unsigned long budget, char *why, size_t whylen)
{
	struct dirent	**ents = NULL;
	int		 i, n, finished;
	enum logship_result res = LOGSHIP_DONE;

	if (logship_seal(cfg) == -1) {
		snprintf(why, whylen, "cannot seal the spool in '%s'",
		    cfg->spool_dir);
		return LOGSHIP_ERROR;
	}
	if ((n = scandir(cfg->spool_dir, &ents, logship_is_sealed,
	    alphasort)) == -1) {
		snprintf(why, whylen, "cannot list '%s': %s", cfg->spool_dir,
		    strerror(errno));
		return LOGSHIP_ERROR;
	}
	for (i = 0; i < n; i++) {
		if (res != LOGSHIP_DONE) {
			stats->pending++;
			continue;
		}
		if (segment_ship(cfg, ents[i]->d_name, stats, budget,
		    &finished) == SENT_UNAVAILABLE) {
			stats->unavailable = 1;
			stats->pending++;
			res = LOGSHIP_PENDING;
			snprintf(why, whylen, "Supabase unavailable; %s and "
			    "later segments stay spooled", ents[i]->d_name);
		} else if (!finished) {
			stats->pending++;
			res = LOGSHIP_PENDING;
			snprintf(why, whylen, "row budget spent; the rest "
			    "ships next time");
		}
	}
	for (i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	return res;
}

/* Set fd's times to t (fd -1: nothing). */
static void
logship_stamp(int fd, time_t t)
{
	struct timespec	 ts[2];

	if (fd == -1)
		return;
	ts[0].tv_sec = ts[1].tv_sec = t;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	futimens(fd, ts);
}

/* Partitions, at most once per LIMIT_LOGSHIP_MAINTAIN_S. */
static void
logship_maybe_maintain(const struct config *cfg, time_t now)
{
	char		 path[LIMIT_PATH + 32], why[256];
	struct stat	 st;
	int		 fd, created, dropped;

	if (logship_path(path, sizeof(path), cfg, LOGSHIP_MAINTAINED) == -1)
		return;
	if (stat(path, &st) == 0 &&
	    now - st.st_mtime < LIMIT_LOGSHIP_MAINTAIN_S &&
	    st.st_mtime <= now)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
	if (logship_maintain(cfg, now, &created, &dropped, why,
	    sizeof(why)) == -1) {
		log_warn(MOD, "request_logs partitions: %s; trying again in "
		    "%d s", why, LIMIT_LOGSHIP_MAINTAIN_RETRY_S);
		/* Not after every shipment: dated as if maintained so that
		 * the next try comes LIMIT_LOGSHIP_MAINTAIN_RETRY_S later. */
		logship_stamp(fd, now - LIMIT_LOGSHIP_MAINTAIN_S +
		    LIMIT_LOGSHIP_MAINTAIN_RETRY_S);
		goto out;
	}
	if (created > 0 || dropped > 0)
		log_info(MOD, "request_logs partitions: %d created, %d "
		    "dropped (retention %llu months)", created, dropped,
		    (unsigned long long)cfg->log_retention_months);
	logship_stamp(fd, now);
out:
	if (fd != -1)
		close(fd);
}

/* The shipment under the lock: backoff, mark the attempt, ship. */
static enum logship_result
logship_locked(const struct config *cfg, int lockfd, int force,
    unsigned long budget, time_t now, struct logship_stats *stats,
    char *why, size_t whylen)
{
	struct stat		 st;
	unsigned int		 k;
	enum logship_result	 res;

	k = logship_failures(cfg);
	if (!force && k > 0 && fstat(lockfd, &st) == 0 &&
	    now - st.st_mtime < logship_backoff(cfg, k) && st.st_mtime <= now)
		return LOGSHIP_WAIT;
	futimens(lockfd, NULL);
	res = logship_ship(cfg, stats, budget, why, whylen);
	metrics_count(res == LOGSHIP_ERROR || stats->unavailable ?
	    METRICS_SHIP_FAILURES : METRICS_SHIPS, 1);
	if (stats->unavailable)
		logship_set_failures(cfg, k + 1);
	else {
		if (k > 0) {
			logship_set_failures(cfg, 0);
			log_info(MOD, "Supabase reachable again; shipping "
			    "the spool");
		}
		logship_maybe_maintain(cfg, now);
	}
	return res;
}

/* 1 when current.jsonl holds records (not yet sealed). */
static int
logship_current_waits(const struct config *cfg)
{
	char		 path[LIMIT_PATH + 32];
	struct stat	 st;

	return logship_path(path, sizeof(path), cfg, LOGSHIP_CURRENT) == 0 &&
	    lstat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
}

/* Seconds until the backoff after the failures so far ends (at least 1). */
static unsigned int
logship_wait_left(const struct config *cfg)
{
	char		 path[LIMIT_PATH + 32];
	struct stat	 st;
	time_t		 now = time(NULL), b;

	b = logship_backoff(cfg, logship_failures(cfg));
	if (b < 1)
		b = 1;
	if (logship_path(path, sizeof(path), cfg, LOGSHIP_LOCK) == 0 &&
	    stat(path, &st) == 0 && st.st_mtime <= now &&
	    now - st.st_mtime < b)
		b -= now - st.st_mtime;
	return (unsigned int)b;
}

/*
 * The shipper child, after delay seconds: see logship_tick(). It goes on,
 * a shipment every log_ship_interval seconds, while records keep coming,
 * so that what is written while it works is not left for the next
 * request; while Supabase is unavailable it waits out the backoff and
 * tries again (the worker forks nothing meanwhile). It ends when the
 * spool is empty, when another shipper holds the lock, or on a local
 * error. Never returns.
 */
static void __attribute__((noreturn))
logship_child(const struct config *cfg, unsigned int delay)
{
	struct logship_stats	 stats;
	char			 why[256];
	int			 fd, busy, null, rc = 0;
	enum logship_result	 res;

	if ((null = open("/dev/null", O_RDWR | O_CLOEXEC)) != -1) {
		dup2(null, 0);
		dup2(null, 1);
	}
	closefrom(3);
	httpc_after_fork();
	for (;;) {
		while (delay > 0)
			delay = sleep(delay);
		if ((fd = logship_lock(cfg, 0, &busy)) == -1) {
			rc = busy ? 0 : 1;
			break;
		}
		memset(&stats, 0, sizeof(stats));
		why[0] = '\0';
		res = logship_locked(cfg, fd, 0, LIMIT_LOGSHIP_TICK_ROWS,
		    time(NULL), &stats, why, sizeof(why));
		close(fd);
		if (res == LOGSHIP_ERROR) {
			log_error(MOD, "%s", why);
			rc = 1;
			break;
		}
		if (stats.rows > 0 || stats.aside > 0)
			log_debug(MOD, "shipped %lu request log rows in %lu "
			    "batches (%lu aside, %lu segments left)",
			    stats.rows, stats.batches, stats.aside,
			    stats.pending);
		if (res == LOGSHIP_WAIT || stats.unavailable) {
			/* Supabase unavailable: this child waits out the
			 * backoff and tries again, staying the worker's one
			 * child, so requests meanwhile fork nothing. */
			delay = logship_wait_left(cfg);
			continue;
		}
		if (res == LOGSHIP_DONE && !logship_current_waits(cfg))
			break;
		delay = cfg->log_ship_interval > 0 ?
		    (unsigned int)cfg->log_ship_interval : 1;
	}
	_exit(rc);
}

enum logship_result
logship_tick(struct logship *ls, const struct config *cfg, time_t now)
{
	struct stat		 st;
	char			 path[LIMIT_PATH + 32];
	off_t			 size = 0;
	time_t			 age;
	unsigned int		 delay = 0;
	pid_t			 pid;
	int			 status;

	if (ls->child > 0) {
		if (waitpid(ls->child, &status, WNOHANG) == 0)
			return LOGSHIP_BUSY;
		ls->child = 0;
	}
	if (ls->path[0] == '\0' ||
	    logship_path(path, sizeof(path), cfg, LOGSHIP_LOCK) == -1)
		return LOGSHIP_ERROR;
	if (stat(ls->path, &st) == 0)
		size = st.st_size;
	if (size == 0)
		return LOGSHIP_WAIT;
	/* A shipper at work (this worker's or another's) takes these
	 * records too: it goes on while records keep coming. Testing the
	 * lock costs two flock(2)s; a child that found it taken would
	 * cost a fork. */
	if (ls->lockfd == -1)
		ls->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC |
		    O_NOCTTY, 0600);
	if (ls->lockfd != -1) {
		if (flock(ls->lockfd, LOCK_EX | LOCK_NB) == -1) {
			if (errno == EWOULDBLOCK)
				return LOGSHIP_BUSY;
		} else
			flock(ls->lockfd, LOCK_UN);
	}
	if ((uint64_t)size < cfg->log_ship_bytes && stat(path, &st) == 0 &&
	    st.st_mtime <= now &&
	    (uint64_t)(age = now - st.st_mtime) < cfg->log_ship_interval) {
		/* Not due. With records waiting, a child ships them when
		 * it is: the last requests before a quiet spell are not
		 * left until the next request comes. */
		delay = (unsigned int)(cfg->log_ship_interval -
		    (uint64_t)age);
	}
	fflush(stderr);
	if ((pid = fork()) == -1) {
		log_error(MOD, "cannot fork a shipper: %s", strerror(errno));
		return LOGSHIP_ERROR;
	}
	if (pid == 0)
		logship_child(cfg, delay);
	ls->child = pid;
	return LOGSHIP_PENDING;
}

enum logship_result
logship_flush(const struct config *cfg, int wait, int force,
    struct logship_stats *stats, char *why, size_t whylen)
{
	struct logship_stats	 mine;
	int			 fd, busy;
	enum logship_result	 res;

	if (stats == NULL)
		stats = &mine;
	memset(stats, 0, sizeof(*stats));
	if (whylen > 0)
		why[0] = '\0';
	if ((fd = logship_lock(cfg, wait, &busy)) == -1) {
		if (busy)
			return LOGSHIP_BUSY;
		snprintf(why, whylen, "cannot lock the spool in '%s'",
		    cfg->spool_dir);
		return LOGSHIP_ERROR;
	}
	res = logship_locked(cfg, fd, force, ULONG_MAX, time(NULL), stats,
	    why, whylen);
	close(fd);
	return res;
}

/* ------------------------------------------------------------------ */
/* Partitions                                                          */
/* ------------------------------------------------------------------ */

/* POST rpc/<fn> with args; its integer answer, or -1 (why). */
static int
logship_rpc_int(const struct config *cfg, const char *fn, const char *args,
    long long *out, char *why, size_t whylen)
{
	struct supa_call	 c;
	struct httpc_response	 resp;
	char			 path[128];
	json_t			*j = NULL;
	int			 rc = -1;

	memset(&c, 0, sizeof(c));
	snprintf(path, sizeof(path), "/rest/v1/rpc/%s", fn);
	c.method = "POST";
	c.path = path;
	c.body = args;
	c.bodylen = strlen(args);
	c.timeout_ms = LIMIT_LOGSHIP_TIMEOUT_MS;
	c.max_response = LIMIT_LOGSHIP_ANSWER;
	httpc_response_init(&resp);
	if (supa_perform(cfg, &c, &resp, why, whylen) == -1)
		goto out;
	if (resp.status != 200) {
		snprintf(why, whylen, "%s answered %ld: %.200s", fn,
		    resp.status, resp.body.len > 0 ? resp.body.data : "");
		goto out;
	}
	j = jsonx_loadb(resp.body.data != NULL ? resp.body.data : "",
	    resp.body.len, 2, NULL, 0);
	if (!json_is_integer(j)) {
		snprintf(why, whylen, "%s: unexpected answer", fn);
		goto out;
	}
	*out = json_integer_value(j);
	rc = 0;
out:
	json_decref(j);
	httpc_response_release(&resp);
	return rc;
}

int
logship_maintain(const struct config *cfg, time_t now, int *created,
    int *dropped, char *why, size_t whylen)
{
	struct tm	 tm;
	char		 args[128];
	long long	 v;
	int		 y, m;

	*created = *dropped = 0;
	if (gmtime_r(&now, &tm) == NULL) {
		snprintf(why, whylen, "bad clock");
		return -1;
	}
	snprintf(args, sizeof(args), "{\"p_from\":\"%04d-%02d-%02d\","
	    "\"p_months\":%d}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
	    LIMIT_LOGSHIP_MONTHS_AHEAD);
	if (logship_rpc_int(cfg, "request_logs_ensure_partitions", args, &v,
	    why, whylen) == -1)
		return -1;
	*created = (int)v;
	if (cfg->log_retention_months == 0)
		return 0;
	/* The first day of the month log_retention_months before now's:
	 * partitions of months before it are dropped. */
	y = tm.tm_year + 1900;
	m = tm.tm_mon - (int)cfg->log_retention_months;	/* 0-based */
	while (m < 0) {
		m += 12;
		y--;
	}
	snprintf(args, sizeof(args), "{\"p_before\":\"%04d-%02d-01\"}", y,
	    m + 1);
	if (logship_rpc_int(cfg, "request_logs_drop_partitions", args, &v,
	    why, whylen) == -1)
		return -1;
	*dropped = (int)v;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The backlog, for /metrics                                          */
/* ------------------------------------------------------------------ */

/* When a spool file was made: its birth time where the file system keeps
 * one, else its last change. */
static time_t
logship_born(const char *path, const struct stat *st)
{
	struct statx	 sx;

	if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BTIME, &sx) ==
	    0 && (sx.stx_mask & STATX_BTIME))
		return (time_t)sx.stx_btime.tv_sec;
	return st->st_mtime;
}

int
logship_backlog(const struct config *cfg, time_t now, uint64_t *bytes,
    double *oldest_s)
{
	DIR		*d;
	struct dirent	*e;
	struct stat	 st;
	char		 path[LIMIT_PATH + 300], off[LIMIT_PATH + 310];
	off_t		 done;
	time_t		 born, first = 0;

	*bytes = 0;
	*oldest_s = 0;
	if (cfg->spool_dir == NULL || (d = opendir(cfg->spool_dir)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, LOGSHIP_CURRENT) != 0 &&
		    !logship_is_sealed(e))
			continue;
		if (logship_path(path, sizeof(path), cfg, e->d_name) == -1 ||
		    lstat(path, &st) == -1 || !S_ISREG(st.st_mode) ||
		    st.st_size == 0)
			continue;
		done = 0;
		if (logship_is_sealed(e) && snprintf(off, sizeof(off),
		    "%s%s", path, OFFSET_SUF) < (int)sizeof(off))
			done = segment_offset(off);
		if (done < st.st_size)
			*bytes += (uint64_t)(st.st_size - done);
		born = logship_born(path, &st);
		if (first == 0 || born < first)
			first = born;
	}
	closedir(d);
	if (first != 0 && first < now)
		*oldest_s = (double)(now - first);
	return 0;
}
