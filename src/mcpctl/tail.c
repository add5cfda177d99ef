/*
 * tail.c -- "mcpctl logs tail": print requests.jsonl records, filtered,
 * and optionally follow the file across rotation and truncation; see
 * mcpctl.h and docs/logging.md ("mcpctl logs tail").
 *
 * stdout gets the matching records exactly as they are in the file, one
 * per line, and nothing else. A line that is empty, holds a NUL byte, is
 * not a JSON object or is longer than LIMIT_REQLOG_LINE is skipped with one
 * warning on stderr; the number skipped is reported at the end.
 *
 * Memory is bounded whatever the file's size: one read chunk, one line
 * (LIMIT_REQLOG_LINE) and a ring of the last N matching lines.
 *  - No filter: the start of the last N lines is found by reading
 *    backwards from the end (tail_back()), so 10 lines of a 1 GiB file cost
 *    a few reads. If bad lines leave fewer than N records in that window,
 *    it is widened and read again.
 *  - Filters: the file is read forwards once, the ring keeps the last N
 *    matches.
 *  - -n 0 / --all: every match is printed as it is read, no ring.
 *
 * --follow then polls the path every LIMIT_TAIL_POLL_MS, like tail -F:
 * another inode at the path (logrotate's rename + create) means finish
 * the old file, then read the new one from its start; a file shorter than
 * what was read means truncation, read again from 0; no file yet means
 * wait for it. A last line without its '\n' is held until the rest comes.
 * SIGINT, SIGTERM and a closed stdout (EPIPE, or the reader of a pipe
 * gone) end it with status 0.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "buf.h"
#include "jsonx.h"
#include "product_limits.h"
#include "mcpctl.h"
#include "strparse.h"

#define TAIL_FILE	"requests.jsonl"
#define TAIL_PFX	MCPCTL_NAME ": logs tail: "
#define TAIL_ERR	256		/* one reason a line was skipped */

/* What the command line asked for. */
struct tail_opts {
	const char	*file;		/* --file, else <log_dir>/TAIL_FILE */
	const char	*tenant;	/* tenant_slug */
	const char	*server;	/* server_alias */
	const char	*method;
	const char	*tool;
	const char	*request_id;
	int64_t		 since;		/* ts >= since (ms since the epoch) */
	int64_t		 until;		/* ts < until */
	int		 time;		/* since or until given */
	int		 status_lo;	/* http_status in [lo, hi]; 0: any */
	int		 status_hi;
	int		 errors;	/* --errors */
	int		 follow;
	uint64_t	 n;		/* last n records; 0: all */
	int		 filtered;	/* any filter given */
};

/* The last N matching lines, oldest at head. */
struct tail_rec {
	char		*p;
	size_t		 len;
};

struct tail_ring {
	struct tail_rec	*v;
	size_t		 alloc;		/* entries of v */
	size_t		 max;		/* N */
	size_t		 n;		/* entries held */
	size_t		 head;		/* oldest, once n == max */
};

/* Splits the bytes read into lines; the last may still be partial. */
struct tail_reader {
	struct buf	 line;		/* the partial line, no '\n' */
	off_t		 line_off;	/* its offset in the file */
	off_t		 pos;		/* offset of the next byte read */
	int		 oversized;	/* dropping the line up to its '\n' */
};

struct tail {
	struct tail_opts opts;
	char		 path[LIMIT_TAIL_PATH];
	char		*chunk;		/* LIMIT_TAIL_CHUNK bytes */
	struct tail_ring ring;
	struct tail_reader rd;
	int		 direct;	/* print matches now, not into the ring */
	int		 flush;		/* fflush after each record (--follow) */
	int		 out_pipe;	/* stdout is a pipe or socket */
	int		 open_errno;	/* --follow's last open(2) failure */
	off_t		 quiet_from;	/* no warnings at offsets >= this; -1 */
	size_t		 skipped;	/* lines warned about */
	int		 stop;		/* stop reading; rc says why */
	int		 rc;		/* exit status */
};

static volatile sig_atomic_t tail_signalled;

/* ---- command line ------------------------------------------------- */

enum tail_optid {
	OPT_FOLLOW, OPT_LINES, OPT_ALL, OPT_FILE, OPT_TENANT, OPT_SERVER,
	OPT_METHOD, OPT_TOOL, OPT_STATUS, OPT_ERRORS, OPT_SINCE, OPT_UNTIL,
	OPT_REQUEST_ID, OPT__MAX
};

static const struct tail_optdef {
	const char	*shortname;	/* NULL: long only */
	const char	*longname;
	int		 arg;		/* takes a value */
} tail_optdefs[OPT__MAX] = {
	[OPT_FOLLOW] =		{ "-f", "--follow", 0 },
	[OPT_LINES] =		{ "-n", "--lines", 1 },
	[OPT_ALL] =		{ NULL, "--all", 0 },
	[OPT_FILE] =		{ NULL, "--file", 1 },
	[OPT_TENANT] =		{ NULL, "--tenant", 1 },
	[OPT_SERVER] =		{ NULL, "--server", 1 },
	[OPT_METHOD] =		{ NULL, "--method", 1 },
	[OPT_TOOL] =		{ NULL, "--tool", 1 },
	[OPT_STATUS] =		{ NULL, "--status", 1 },
	[OPT_ERRORS] =		{ NULL, "--errors", 0 },
	[OPT_SINCE] =		{ NULL, "--since", 1 },
	[OPT_UNTIL] =		{ NULL, "--until", 1 },
	[OPT_REQUEST_ID] =	{ NULL, "--request-id", 1 },
};

/* Digits at p[off..off+n) of (p, len) as a number in [min, max]. */
static int
tail_digits(const char *p, size_t len, size_t off, size_t n, unsigned min,
    unsigned max, unsigned *out)
{
	uint64_t	 v;

	if (off + n > len || strparse_u64(p + off, n, min, max, &v) == -1)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/*
 * RFC 3339 section 5.6 date-time -- or a full-date alone, meaning its
 * midnight UTC -- to milliseconds since the epoch. Fractions beyond ms are
 * cut; "T", "t" or " " between date and time (section 5.6, NOTE); "Z",
 * "z" or a numeric offset. A leap second (:60) counts as the next second.
 * Returns 0, or -1 on anything else.
 */
static int
tail_time(const char *p, size_t len, int64_t *out)
{
	static const unsigned mdays[12] =
	    { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned	 y, mo, d, h = 0, mi = 0, s = 0, frac = 0, oh, om;
	int64_t		 tz = 0;
	size_t		 i, nd;
	int		 leap;

	if (len < 10 || p[4] != '-' || p[7] != '-' ||
	    tail_digits(p, len, 0, 4, 0, 9999, &y) == -1 ||
	    tail_digits(p, len, 5, 2, 1, 12, &mo) == -1 ||
	    tail_digits(p, len, 8, 2, 1, 31, &d) == -1)
		return -1;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (d > mdays[mo - 1] + (mo == 2 && leap))
		return -1;
	if (len == 10)
		goto done;
	if (len < 20 || (p[10] != 'T' && p[10] != 't' && p[10] != ' ') ||
	    p[13] != ':' || p[16] != ':' ||
	    tail_digits(p, len, 11, 2, 0, 23, &h) == -1 ||
	    tail_digits(p, len, 14, 2, 0, 59, &mi) == -1 ||
	    tail_digits(p, len, 17, 2, 0, 60, &s) == -1)
		return -1;
	i = 19;
	if (p[i] == '.') {
		for (i++, nd = 0; i < len && p[i] >= '0' && p[i] <= '9';
		    i++, nd++)
			if (nd < 3)
				frac = frac * 10 + (unsigned)(p[i] - '0');
		if (nd == 0)
			return -1;
		for (; nd < 3; nd++)
			frac *= 10;
	}
	if (i < len && (p[i] == 'Z' || p[i] == 'z'))
		i++;
	else if (i < len && (p[i] == '+' || p[i] == '-')) {
		if (len - i != 6 || p[i + 3] != ':' ||
		    tail_digits(p, len, i + 1, 2, 0, 23, &oh) == -1 ||
		    tail_digits(p, len, i + 4, 2, 0, 59, &om) == -1)
			return -1;
		tz = (int64_t)(oh * 60 + om) * (p[i] == '-' ? -1 : 1);
		i += 6;
	} else
		return -1;
	if (i != len)
		return -1;
done:
	*out = ((strparse_days_from_civil(y, mo, d) * 24 + h) * 60 + mi - tz) * 60000 +
	    (int64_t)s * 1000 + frac;
	return 0;
}

/* --status: "404" (100..599) or a class "4xx" (1xx..5xx). */
static int
tail_status(const char *v, int *lo, int *hi)
{
	uint64_t	 code;
	size_t		 len = strlen(v);

	if (len != 3)
		return -1;
	if ((v[1] == 'x' || v[1] == 'X') && (v[2] == 'x' || v[2] == 'X')) {
		if (strparse_u64(v, 1, 1, 5, &code) == -1)
			return -1;
		*lo = (int)code * 100;
		*hi = *lo + 99;
		return 0;
	}
	if (strparse_u64(v, len, 100, 599, &code) == -1)
		return -1;
	*lo = *hi = (int)code;
	return 0;
}

/* A value compared with a record's string member: 1 to
 * LIMIT_REQLOG_FIELD bytes (longer ones are never written), no control
 * bytes. */
static int
tail_field(const char *v)
{
	size_t	 i, len = strlen(v);

	if (len == 0 || len > LIMIT_REQLOG_FIELD)
		return -1;
	for (i = 0; i < len; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return -1;
	return 0;
}

/* Apply one option's value to o; prints why and returns -1 when bad. */
static int
tail_opt_set(struct tail_opts *o, enum tail_optid id, const char *name,
    const char *v)
{
	const char	**strp = NULL;
	const char	 *want = NULL;

	switch (id) {
	case OPT_FOLLOW:
		o->follow = 1;
		return 0;
	case OPT_ALL:
		o->n = 0;
		return 0;
	case OPT_ERRORS:
		o->errors = o->filtered = 1;
		return 0;
	case OPT_LINES:
		if (strparse_u64(v, strlen(v), 0, LIMIT_TAIL_LINES_MAX,
		    &o->n) == 0)
			return 0;
		fprintf(stderr, TAIL_PFX "bad value for %s: '%s' (want a "
		    "number from 0, meaning all, to %d)\n", name, v,
		    LIMIT_TAIL_LINES_MAX);
		return -1;
	case OPT_FILE:
		if (*v != '\0') {
			o->file = v;
			return 0;
		}
		want = "a path";
		break;
	case OPT_STATUS:
		if (tail_status(v, &o->status_lo, &o->status_hi) == 0) {
			o->filtered = 1;
			return 0;
		}
		want = "a code from 100 to 599, or a class such as 4xx";
		break;
	case OPT_SINCE:
	case OPT_UNTIL:
		if (tail_time(v, strlen(v), id == OPT_SINCE ? &o->since :
		    &o->until) == 0) {
			o->time = o->filtered = 1;
			return 0;
		}
		want = "an RFC 3339 time such as 2025-11-24T10:37:27Z, "
		    "or a date";
		break;
	case OPT_TENANT:
		strp = &o->tenant;
		break;
	case OPT_SERVER:
		strp = &o->server;
		break;
	case OPT_METHOD:
		strp = &o->method;
		break;
	case OPT_TOOL:
		strp = &o->tool;
		break;
	case OPT_REQUEST_ID:
		strp = &o->request_id;
		break;
	case OPT__MAX:
		break;
	}
	if (strp != NULL) {
		if (tail_field(v) == 0) {
			*strp = v;
			o->filtered = 1;
			return 0;
		}
		fprintf(stderr, TAIL_PFX "bad value for %s: '%s' (want 1 to "
		    "%d bytes, no control characters)\n", name, v,
		    LIMIT_REQLOG_FIELD);
		return -1;
	}
	fprintf(stderr, TAIL_PFX "bad value for %s: '%s' (want %s)\n", name,
	    v, want);
	return -1;
}

/* Find arg in the option table. "--name=value" and "-nVALUE" carry
 * their value in *inl. */
static int
tail_opt_find(const char *arg, const char **inl)
{
	const struct tail_optdef *d;
	size_t		 i, len;

	*inl = NULL;
	for (i = 0; i < OPT__MAX; i++) {
		d = &tail_optdefs[i];
		if (strcmp(arg, d->longname) == 0 ||
		    (d->shortname != NULL && strcmp(arg, d->shortname) == 0))
			return (int)i;
		len = strlen(d->longname);
		if (d->arg && strncmp(arg, d->longname, len) == 0 &&
		    arg[len] == '=') {
			*inl = arg + len + 1;
			return (int)i;
		}
		if (d->arg && d->shortname != NULL &&
		    strncmp(arg, d->shortname, 2) == 0 && arg[2] != '\0') {
			*inl = arg + 2;
			return (int)i;
		}
	}
	return -1;
}

/* Parse argv (argv[0] is "tail") into o; 0, or 2 after one line on
 * stderr. */
static int
tail_args(struct tail_opts *o, int argc, char *argv[])
{
	const char	*v, *name;
	unsigned	 seen = 0;
	int		 i, id;

	o->n = LIMIT_TAIL_LINES_DEFAULT;
	o->since = INT64_MIN;
	o->until = INT64_MAX;
	for (i = 1; i < argc; i++) {
		if ((id = tail_opt_find(argv[i], &v)) == -1) {
			fprintf(stderr, TAIL_PFX "unknown option '%s' (run "
			    "'%s' alone for usage)\n", argv[i], MCPCTL_NAME);
			return 2;
		}
		/* Name the option as typed: "-n", not "--lines". */
		name = strncmp(argv[i], "--", 2) == 0 ?
		    tail_optdefs[id].longname : tail_optdefs[id].shortname;
		/* Filters are ANDed; the same one twice is a mistake. */
		if (seen & (1u << id) && id != OPT_FOLLOW) {
			fprintf(stderr, TAIL_PFX "%s given twice\n", name);
			return 2;
		}
		seen |= 1u << id;
		if (tail_optdefs[id].arg && v == NULL) {
			if (i + 1 == argc) {
				fprintf(stderr, TAIL_PFX "%s needs a value\n",
				    name);
				return 2;
			}
			v = argv[++i];
		}
		if (tail_opt_set(o, id, name, v) == -1)
			return 2;
	}
	if ((seen & (1u << OPT_ALL)) && (seen & (1u << OPT_LINES))) {
		fprintf(stderr, TAIL_PFX "-n and --all are exclusive\n");
		return 2;
	}
	if (o->since >= o->until) {
		fprintf(stderr, TAIL_PFX "--since is not before --until\n");
		return 2;
	}
	return 0;
}

/* ---- matching and output ------------------------------------------ */

/* 1 when rec passes every filter. */
static int
tail_match(const struct tail_opts *o, const json_t *rec)
{
	const struct {
		const char	*want;
		const char	*key;
	} strs[] = {
		{ o->tenant, "tenant_slug" }, { o->server, "server_alias" },
		{ o->method, "method" }, { o->tool, "tool" },
		{ o->request_id, "request_id" },
	};
	const json_t	*j;
	const char	*s;
	json_int_t	 status = 0;
	int64_t		 ts;
	size_t		 i;

	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		if (strs[i].want == NULL)
			continue;
		if ((s = jsonx_str(rec, strs[i].key)) == NULL ||
		    strcmp(s, strs[i].want) != 0)
			return 0;
	}
	if ((j = json_object_get(rec, "http_status")) != NULL &&
	    json_is_integer(j))
		status = json_integer_value(j);
	if (o->status_lo != 0 &&
	    (status < o->status_lo || status > o->status_hi))
		return 0;
	if (o->errors && status < 400 &&
	    ((j = json_object_get(rec, "jsonrpc_error")) == NULL ||
	    json_is_null(j)))
		return 0;
	if (o->time) {
		if ((s = jsonx_str(rec, "ts")) == NULL ||
		    tail_time(s, strlen(s), &ts) == -1 ||
		    ts < o->since || ts >= o->until)
			return 0;
	}
	return 1;
}

/* Output failed: a closed stdout is the reader's way of saying enough
 * (status 0), anything else is an error. Always returns -1. */
static int
tail_out_failed(struct tail *t)
{
	t->stop = 1;
	if (errno == EPIPE)
		t->rc = 0;
	else {
		fprintf(stderr, TAIL_PFX "cannot write to standard output: "
		    "%s\n", strerror(errno));
		t->rc = 1;
	}
	return -1;
}

static int
tail_print(struct tail *t, const char *p, size_t len)
{
	if (fwrite(p, 1, len, stdout) != len || putchar('\n') == EOF ||
	    (t->flush && fflush(stdout) == EOF))
		return tail_out_failed(t);
	return 0;
}

static void
tail_ring_clear(struct tail_ring *r)
{
	size_t	 i;

	for (i = 0; i < r->alloc; i++) {
		free(r->v[i].p);
		r->v[i].p = NULL;
	}
	r->n = r->head = 0;
}

static void
tail_ring_release(struct tail_ring *r)
{
	tail_ring_clear(r);
	free(r->v);
	r->v = NULL;
	r->alloc = 0;
}

/* Keep a copy of (p, len), dropping the oldest when N are held. The
 * array grows as lines come, so -n 1000000 on a small file stays small. */
static int
tail_ring_push(struct tail *t, const char *p, size_t len)
{
	struct tail_ring *r = &t->ring;
	struct tail_rec	*rec, *nv;
	size_t		 nalloc;
	char		*copy;

	if ((copy = malloc(len + 1)) == NULL)
		goto oom;
	memcpy(copy, p, len);
	if (r->n == r->alloc && r->alloc < r->max) {
		nalloc = r->alloc == 0 ? 16 : r->alloc * 2;
		if (nalloc > r->max)
			nalloc = r->max;
		if ((nv = reallocarray(r->v, nalloc, sizeof(*nv))) == NULL) {
			free(copy);
			goto oom;
		}
		memset(nv + r->alloc, 0, (nalloc - r->alloc) * sizeof(*nv));
		r->v = nv;
		r->alloc = nalloc;
	}
	if (r->n < r->max)
		rec = &r->v[r->n++];
	else {
		rec = &r->v[r->head];
		r->head = (r->head + 1) % r->max;
		free(rec->p);
	}
	rec->p = copy;
	rec->len = len;
	return 0;
oom:
	fprintf(stderr, TAIL_PFX "out of memory keeping the last %zu "
	    "records\n", r->max);
	t->stop = 1;
	t->rc = 1;
	return -1;
}

/* Print the ring, oldest first, and empty it. */
static int
tail_ring_print(struct tail *t)
{
	struct tail_ring *r = &t->ring;
	struct tail_rec	*rec;
	size_t		 i;
	int		 rc = 0;

	for (i = 0; i < r->n && rc == 0; i++) {
		rec = &r->v[(r->head + i) % r->max];
		rc = tail_print(t, rec->p, rec->len);
	}
	tail_ring_clear(r);
	if (rc == 0 && fflush(stdout) == EOF)
		rc = tail_out_failed(t);
	return rc;
}

static void
tail_skip(struct tail *t, off_t off, const char *why)
{
	if (t->quiet_from >= 0 && off >= t->quiet_from)
		return;
	t->skipped++;
	fprintf(stderr, TAIL_PFX "warning: '%s': line at byte %jd skipped: "
	    "%s\n", t->path, (intmax_t)off, why);
}

/* One whole line (no '\n') that started at byte off. */
static int
tail_line(struct tail *t, const char *p, size_t len, off_t off)
{
	json_t	*rec;
	char	 err[TAIL_ERR], why[TAIL_ERR + 32];
	int	 match;

	if (len == 0) {
		tail_skip(t, off, "empty line");
		return 0;
	}
	if (memchr(p, '\0', len) != NULL) {
		tail_skip(t, off, "holds a NUL byte");
		return 0;
	}
	if ((rec = jsonx_loadb(p, len, LIMIT_JSON_DEPTH, err,
	    sizeof(err))) == NULL) {
		snprintf(why, sizeof(why), "not JSON: %s", err);
		tail_skip(t, off, why);
		return 0;
	}
	if (!json_is_object(rec)) {
		json_decref(rec);
		tail_skip(t, off, "not a JSON object");
		return 0;
	}
	match = tail_match(&t->opts, rec);
	json_decref(rec);
	if (!match)
		return 0;
	return t->direct ? tail_print(t, p, len) : tail_ring_push(t, p, len);
}

/* ---- reading ------------------------------------------------------ */

static void
tail_reader_reset(struct tail_reader *r, off_t pos)
{
	buf_reset(&r->line);
	r->line_off = r->pos = pos;
	r->oversized = 0;
}

/* Split (p, n), read at r->pos, into lines; keep the partial last one. */
static int
tail_feed(struct tail *t, const char *p, size_t n)
{
	struct tail_reader *r = &t->rd;
	const char	*nl;
	size_t		 seg;
	char		 why[64];
	int		 rc = 0;

	while (n > 0 && rc == 0) {
		nl = memchr(p, '\n', n);
		seg = nl != NULL ? (size_t)(nl - p) : n;
		/* Check before buffering: LIMIT_REQLOG_LINE counts the
		 * '\n', and no longer line is ever written whole. */
		if (!r->oversized &&
		    r->line.len + seg + 1 > LIMIT_REQLOG_LINE) {
			r->oversized = 1;
			buf_reset(&r->line);
		}
		if (nl == NULL) {
			if (!r->oversized &&
			    buf_append(&r->line, p, seg) == -1)
				goto oom;
			r->pos += (off_t)seg;
			break;
		}
		if (r->oversized) {
			snprintf(why, sizeof(why), "longer than %d bytes",
			    LIMIT_REQLOG_LINE);
			tail_skip(t, r->line_off, why);
		} else if (r->line.len == 0)
			rc = tail_line(t, p, seg, r->line_off);
		else if (buf_append(&r->line, p, seg) == -1)
			goto oom;
		else
			rc = tail_line(t, r->line.data, r->line.len,
			    r->line_off);
		buf_reset(&r->line);
		r->oversized = 0;
		r->pos += (off_t)seg + 1;
		r->line_off = r->pos;
		p += seg + 1;
		n -= seg + 1;
	}
	return rc;
oom:
	fprintf(stderr, TAIL_PFX "out of memory reading a line\n");
	t->stop = 1;
	t->rc = 1;
	return -1;
}

/* End of a file that will not grow any more: its last line, if it has no
 * '\n', is a line all the same. */
static int
tail_eof(struct tail *t)
{
	struct tail_reader *r = &t->rd;
	char		 why[64];
	int		 rc = 0;

	if (r->oversized) {
		snprintf(why, sizeof(why), "longer than %d bytes",
		    LIMIT_REQLOG_LINE);
		tail_skip(t, r->line_off, why);
	} else if (r->line.len > 0)
		rc = tail_line(t, r->line.data, r->line.len, r->line_off);
	tail_reader_reset(r, r->pos);
	return rc;
}

/* Read fd from its current offset (== t->rd.pos) up to byte end, or to
 * the end of the file when end < 0. */
static int
tail_read(struct tail *t, int fd, off_t end)
{
	ssize_t	 n;
	size_t	 want;

	while (!t->stop && !tail_signalled) {
		want = LIMIT_TAIL_CHUNK;
		if (end >= 0) {
			if (t->rd.pos >= end)
				break;
			if ((off_t)want > end - t->rd.pos)
				want = (size_t)(end - t->rd.pos);
		}
		if ((n = read(fd, t->chunk, want)) == -1) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, TAIL_PFX "cannot read '%s': %s\n",
			    t->path, strerror(errno));
			t->stop = 1;
			t->rc = 1;
			return -1;
		}
		if (n == 0)
			break;
		if (tail_feed(t, t->chunk, (size_t)n) == -1)
			return -1;
	}
	return t->stop ? -1 : 0;
}

static int
tail_seek(struct tail *t, int fd, off_t off)
{
	if (lseek(fd, off, SEEK_SET) == -1) {
		fprintf(stderr, TAIL_PFX "cannot seek in '%s': %s\n",
		    t->path, strerror(errno));
		t->stop = 1;
		t->rc = 1;
		return -1;
	}
	tail_reader_reset(&t->rd, off);
	return 0;
}

/*
 * Where the last `want` lines of fd's first `end` bytes start, found by
 * reading backwards one chunk at a time. A '\n' as the very last byte
 * ends the last line rather than starting an empty one.
 */
static int
tail_back(struct tail *t, int fd, off_t end, uint64_t want, off_t *start)
{
	off_t		 pos = end;
	uint64_t	 seen = 0;
	ssize_t		 n;
	size_t		 len, got, i;

	*start = 0;
	while (pos > 0) {
		len = pos > LIMIT_TAIL_CHUNK ? LIMIT_TAIL_CHUNK : (size_t)pos;
		pos -= (off_t)len;
		for (got = 0; got < len; got += (size_t)n) {
			n = pread(fd, t->chunk + got, len - got,
			    pos + (off_t)got);
			if (n == -1 && errno == EINTR) {
				n = 0;
				continue;
			}
			if (n == -1) {
				fprintf(stderr, TAIL_PFX "cannot read '%s': "
				    "%s\n", t->path, strerror(errno));
				t->rc = 1;
				return -1;
			}
			if (n == 0)	/* truncated meanwhile */
				return 0;
		}
		for (i = len; i-- > 0;) {
			if (t->chunk[i] != '\n' || pos + (off_t)i == end - 1)
				continue;
			if (++seen == want) {
				*start = pos + (off_t)i + 1;
				return 0;
			}
		}
	}
	return 0;
}

/*
 * The records already in the file (its first `end` bytes): the last N
 * that match, or all of them. Without --follow the last line counts even
 * without its '\n'; with it, that line waits in t->rd for the rest.
 */
static int
tail_initial(struct tail *t, int fd, off_t end)
{
	const struct tail_opts *o = &t->opts;
	uint64_t	 want = o->n;
	off_t		 start = 0;

	for (;;) {
		if (o->n != 0 && !o->filtered &&
		    tail_back(t, fd, end, want, &start) == -1)
			return -1;
		tail_ring_clear(&t->ring);
		if (tail_seek(t, fd, start) == -1 ||
		    tail_read(t, fd, end) == -1)
			return -1;
		if (!o->follow && tail_eof(t) == -1)
			return -1;
		if (o->n == 0 || o->filtered || start == 0 ||
		    t->ring.n >= o->n)
			break;
		/* Bad lines in the window: widen it by what is missing,
		 * without warning twice about the lines already seen. */
		t->quiet_from = start;
		want += o->n - t->ring.n;
	}
	t->quiet_from = -1;
	return 0;
}

/* ---- following ---------------------------------------------------- */

static void
tail_on_signal(int sig)
{
	(void)sig;
	tail_signalled = 1;
}

/* Wait one poll interval. Returns -1 when it is time to stop: a signal,
 * or the reader of our pipe is gone (nothing is written while the log is
 * quiet, so EPIPE alone would only tell at the next record). */
static int
tail_sleep(struct tail *t)
{
	struct pollfd	 pfd;

	pfd.fd = STDOUT_FILENO;
	pfd.events = 0;
	pfd.revents = 0;
	if (poll(&pfd, t->out_pipe ? 1 : 0, LIMIT_TAIL_POLL_MS) > 0 &&
	    (pfd.revents & (POLLERR | POLLHUP)) != 0) {
		t->stop = 1;
		t->rc = 0;
	}
	if (tail_signalled) {
		t->stop = 1;
		t->rc = 0;
	}
	return t->stop ? -1 : 0;
}

/* Open the path for following; -1 with errno ENOENT is "not yet". */
static int
tail_open_follow(struct tail *t, struct stat *st)
{
	int	 fd;

	if ((fd = open(t->path, O_RDONLY | O_CLOEXEC)) == -1) {
		/* Say it once, not every poll, until it changes. */
		if (errno != ENOENT && errno != t->open_errno)
			fprintf(stderr, TAIL_PFX "warning: cannot open '%s': "
			    "%s\n", t->path, strerror(errno));
		t->open_errno = errno;
		return -1;
	}
	t->open_errno = 0;
	if (fstat(fd, st) == -1) {
		close(fd);
		return -1;
	}
	tail_reader_reset(&t->rd, 0);
	return fd;
}

/*
 * Keep printing what is appended to the path until told to stop. fd is
 * the file already read up to t->rd.pos, or -1 when there is none yet.
 */
static int
tail_follow(struct tail *t, int fd, struct stat *fst)
{
	struct stat	 pst;

	t->direct = t->flush = 1;
	for (;;) {
		if (fd != -1 && tail_read(t, fd, -1) == -1)
			break;
		if (tail_sleep(t) == -1)
			break;
		if (stat(t->path, &pst) == -1)
			continue;	/* renamed away, not yet created */
		if (fd == -1) {
			fd = tail_open_follow(t, fst);
			continue;
		}
		if (pst.st_dev != fst->st_dev || pst.st_ino != fst->st_ino) {
			/* Rotated: what the workers wrote to the old file
			 * before they noticed, then the new one from 0. */
			if (tail_read(t, fd, -1) == -1 || tail_eof(t) == -1)
				break;
			close(fd);
			fprintf(stderr, TAIL_PFX "'%s' was replaced, "
			    "following the new file\n", t->path);
			fd = tail_open_follow(t, fst);
			continue;
		}
		if (fstat(fd, fst) == 0 && fst->st_size < t->rd.pos) {
			fprintf(stderr, TAIL_PFX "'%s' was truncated, "
			    "reading it from the start\n", t->path);
			if (tail_seek(t, fd, 0) == -1)
				break;
		}
	}
	if (fd != -1)
		close(fd);
	return t->rc;
}

/* SIGINT and SIGTERM end --follow cleanly; EPIPE instead of SIGPIPE so
 * a closed stdout is seen as such. No SA_RESTART: poll(2) must return. */
static void
tail_signals(int follow)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	if (!follow)
		return;
	sa.sa_handler = tail_on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* ---- entry point -------------------------------------------------- */

static int
tail_path(struct tail *t, const struct config *cfg)
{
	int	 n;

	if (t->opts.file != NULL)
		n = snprintf(t->path, sizeof(t->path), "%s", t->opts.file);
	else
		n = snprintf(t->path, sizeof(t->path), "%s/%s",
		    cfg->log_dir, TAIL_FILE);
	if (n < 0 || (size_t)n >= sizeof(t->path)) {
		fprintf(stderr, TAIL_PFX "path too long (more than %d "
		    "bytes)\n", LIMIT_TAIL_PATH - 1);
		return -1;
	}
	return 0;
}

int
mcpctl_logs_tail(const struct config *cfg, int argc, char *argv[])
{
	struct tail	 t;
	struct stat	 st;
	int		 fd = -1;

	memset(&t, 0, sizeof(t));
	buf_init(&t.rd.line, LIMIT_REQLOG_LINE);
	t.quiet_from = -1;
	t.rc = 1;
	if (tail_args(&t.opts, argc, argv) != 0) {
		t.rc = 2;
		goto out;
	}
	if (tail_path(&t, cfg) == -1)
		goto out;
	t.ring.max = (size_t)t.opts.n;
	t.direct = t.opts.n == 0;
	if ((t.chunk = malloc(LIMIT_TAIL_CHUNK)) == NULL) {
		fprintf(stderr, TAIL_PFX "out of memory\n");
		goto out;
	}
	tail_signals(t.opts.follow);
	if (fstat(STDOUT_FILENO, &st) == 0)
		t.out_pipe = S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode);

	if ((fd = open(t.path, O_RDONLY | O_CLOEXEC)) == -1 &&
	    !(t.opts.follow && errno == ENOENT)) {
		fprintf(stderr, TAIL_PFX "cannot open '%s': %s\n", t.path,
		    strerror(errno));
		goto out;
	}
	if (fd != -1) {
		if (fstat(fd, &st) == -1) {
			fprintf(stderr, TAIL_PFX "cannot stat '%s': %s\n",
			    t.path, strerror(errno));
			goto out;
		}
		if (!S_ISREG(st.st_mode)) {
			fprintf(stderr, TAIL_PFX "'%s' is not a regular "
			    "file\n", t.path);
			goto out;
		}
		if (tail_initial(&t, fd, st.st_size) == -1)
			goto out;
	}
	t.rc = 0;
	if (tail_ring_print(&t) == -1)
		goto out;
	if (t.opts.follow) {
		tail_follow(&t, fd, &st);
		fd = -1;	/* closed by tail_follow() */
	}
out:
	if (t.skipped > 0)
		fprintf(stderr, TAIL_PFX "%zu bad line%s skipped\n",
		    t.skipped, t.skipped == 1 ? "" : "s");
	if (fd != -1)
		close(fd);
	tail_ring_release(&t.ring);
	buf_release(&t.rd.line);
	free(t.chunk);
	return t.rc;
}
