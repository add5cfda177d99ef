/*
 * test_logship.c -- the spool and its shipment (src/log/logship.c) against a
 * stub PostgREST: what is sent, exactly once, through failures, 413s,
 * refused rows, resumption, and concurrent writers racing the sealer.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "config.h"
#include "httpc.h"
#include "log/logship.h"
#include "product_limits.h"
#include "t.h"
#include "tstub.h"

static char	 test_dir[256], spool[300], log_path[300], mode_path[300];

/* How many rows (objects with "request_id") s holds. */
static int
count_rows(const char *s)
{
	int	 n = 0;

	while (s != NULL && (s = strstr(s, "\"request_id\"")) != NULL) {
		n++;
		s++;
	}
	return n;
}

/*
 * The stub: logs every request, answers by the mode file:
 *   ok            201
 *   down          503
 *   big N         413 when the body is over N bytes, else 201
 *   refuse        400 when the body holds "BAD", else 201
 *   first-ok      201 to the first request, 503 after
 *   rpc           as ok, and the partition functions' calls are logged
 * The partition functions (rpc/) always get 200 "2" unless down.
 */
static void
test_stub(int fd, const char *req, size_t len)
{
	char		*mode = tstub_slurp(mode_path);
	const char	*body = strstr(req, "\r\n\r\n");
	size_t		 blen = body != NULL ? len - (size_t)(body + 4 - req) : 0;
	int		 before = tstub_count(log_path);

	/* Partition maintenance follows every good shipment: answered, and
	 * kept out of the log except when that is what is tested. */
	if (strncmp(req, "POST /rest/v1/rpc/", 18) == 0 &&
	    (mode == NULL || strncmp(mode, "down", 4) != 0)) {
		if (mode != NULL && strncmp(mode, "rpc", 3) == 0)
			tstub_log(log_path, req, len);
		tstub_answer(fd, 200, NULL, "2");
		free(mode);
		return;
	}
	tstub_log(log_path, req, len);
	if (mode == NULL || strncmp(mode, "ok", 2) == 0)
		tstub_answer(fd, 201, NULL, NULL);
	else if (strncmp(mode, "down", 4) == 0)
		tstub_answer(fd, 503, NULL, "{\"message\":\"down\"}");
	else if (strncmp(mode, "big ", 4) == 0)
		tstub_answer(fd, blen > (size_t)strtoul(mode + 4, NULL, 10) ?
		    413 : 201, NULL, NULL);
	else if (strncmp(mode, "refuse", 6) == 0)
		tstub_answer(fd, body != NULL && strstr(body, "BAD") != NULL ?
		    400 : 201, NULL, "{\"code\":\"22P02\",\"message\":\"bad\"}");
	else if (strncmp(mode, "first-ok", 8) == 0)
		tstub_answer(fd, before == 0 ? 201 : 503, NULL, NULL);
	free(mode);
}

static void
set_mode(const char *m)
{
	tstub_write_file(mode_path, m);
	unlink(log_path);
}

/* A record line "{...}\n" for id, with a body of bodylen 'x's. */
static char *
record(const char *id, size_t bodylen)
{
	char	*body, *line;

	body = malloc(bodylen + 1);
	memset(body, 'x', bodylen);
	body[bodylen] = '\0';
	if (asprintf(&line, "{\"request_id\":\"%s\",\"ts\":"
	    "\"2026-11-24T10:00:00.000Z\",\"http_status\":200,"
	    "\"request_body\":\"%s\",\"truncated\":false}\n", id, body) == -1)
		line = NULL;
	free(body);
	return line;
}

/* Append n records "<prefix>-<i>" through a logship handle. */
static void
spool_records(const struct config *cfg, const char *prefix, int n,
    size_t bodylen)
{
	struct logship	 ls;
	char		 id[64], *line;
	int		 i;

	logship_init(&ls, cfg);
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "%s-%d", prefix, i);
		line = record(id, bodylen);
		T(logship_append(&ls, line, strlen(line)) == 0);
		free(line);
	}
	logship_release(&ls);
}

/* Files in the spool whose name starts with pre. */
static int
count_files(const char *dir, const char *pre)
{
	DIR		*d = opendir(dir);
	struct dirent	*e;
	int		 n = 0;

	while (d != NULL && (e = readdir(d)) != NULL)
		if (strncmp(e->d_name, pre, strlen(pre)) == 0)
			n++;
	if (d != NULL)
		closedir(d);
	return n;
}

static void
test_ships_with_the_contract(const struct config *cfg)
{
	struct logship_stats	 st;
	char			 why[256], *sent;
	enum logship_result	 r;

	set_mode("ok");
	spool_records(cfg, "a", 10, 10);
	r = logship_flush(cfg, 1, 1, &st, why, sizeof(why));
	T(r == LOGSHIP_DONE);
	T(st.rows == 10 && st.batches == 1 && st.segments == 1);
	sent = tstub_slurp(log_path);
	T(sent != NULL);
	T(sent != NULL && strncmp(sent, "POST /rest/v1/request_logs?columns="
	    "request_id,ts,tenant_id,", 59) == 0);
	T(sent != NULL && strstr(sent, "&on_conflict=request_id,ts HTTP/1.1")
	    != NULL);
	T(sent != NULL && strstr(sent, "\r\nPrefer: return=minimal,"
	    "resolution=ignore-duplicates\r\n") != NULL);
	T(sent != NULL && strstr(sent, "\r\napikey: sb_secret_test\r\n") !=
	    NULL);
	T(sent != NULL && strstr(sent, "\r\n\r\n[{\"request_id\":\"a-0\"") !=
	    NULL);
	T(count_rows(sent) == 10);
	free(sent);
	/* Nothing left behind; nothing more to send. */
	T(count_files(spool, "sealed-") == 0);
	T(logship_flush(cfg, 1, 1, &st, why, sizeof(why)) == LOGSHIP_DONE);
	T(st.rows == 0 && tstub_count(log_path) == 1);
}

static void
test_outage_then_recovery(const struct config *cfg)
{
	struct logship_stats	 st;
	struct logship		 ls;
	char			 why[256], failed[512], *f;
	time_t			 now = time(NULL);

	set_mode("down");
	spool_records(cfg, "b", 7, 10);
	T(logship_flush(cfg, 1, 1, &st, why, sizeof(why)) == LOGSHIP_PENDING);
	T(st.rows == 0 && st.pending == 1 && st.unavailable);
	T(strstr(why, "unavailable") != NULL);
	T(count_files(spool, "sealed-") == 1);
	snprintf(failed, sizeof(failed), "%s/.failed", spool);
	f = tstub_slurp(failed);
	T(f != NULL && strcmp(f, "1\n") == 0);
	free(f);
	/* A worker within the backoff does not try. */
	logship_init(&ls, cfg);
	unlink(log_path);
	T(logship_tick(&ls, cfg, now) == LOGSHIP_WAIT);
	T(tstub_count(log_path) == 0);
	/* More records while down: kept too. */
	spool_records(cfg, "c", 3, 10);
	T(logship_flush(cfg, 1, 1, &st, why, sizeof(why)) == LOGSHIP_PENDING);
	T(count_files(spool, "sealed-") == 2);
	/* Back: everything, oldest first, once. */
	set_mode("ok");
	T(logship_flush(cfg, 1, 1, &st, why, sizeof(why)) == LOGSHIP_DONE);
	T(st.rows == 10 && st.segments == 2);
	f = tstub_slurp(log_path);
	T(f != NULL && strstr(f, "b-0") != NULL && strstr(f, "c-0") != NULL &&
	    strstr(f, "b-0") < strstr(f, "c-0"));
	free(f);
	T(access(failed, F_OK) == -1);
	logship_release(&ls);
}

static void
test_too_large_is_cut_not_dropped(const struct config *cfg)
{
	struct logship_stats	 st;
	char			 why[256], *sent, *last;
	json_t			*arr;

	set_mode("big 4000");
	spool_records(cfg, "d", 6, 300);	/* ~2.4 KB together: 413 */
	spool_records(cfg, "huge", 1, 6000);	/* alone over 4000 */
	T(logship_flush(cfg, 1, 1, &st, why, sizeof(why)) == LOGSHIP_DONE);
	T(st.rows == 7 && st.cut == 1 && st.aside == 0);
	sent = tstub_slurp(log_path);
	/* The last request is the cut row: bodies at LIMIT_LOGSHIP_ROW_CUT,
	 * truncated true. */
	last = sent != NULL ? strstr(sent, "[{\"request_id\":\"huge-0\"") :
	    NULL;
	while (last != NULL && strstr(last + 1,
	    "[{\"request_id\":\"huge-0\"") != NULL)
		last = strstr(last + 1, "[{\"request_id\":\"huge-0\"");
	T(last != NULL);
	if (last != NULL) {
		*strstr(last, "\n--END--\n") = '\0';
		arr = json_loads(last, 0, NULL);
		T(json_is_array(arr) && json_array_size(arr) == 1);
		T(json_is_true(json_object_get(json_array_get(arr, 0),
		    "truncated")));
		T(strlen(json_string_value(json_object_get(json_array_get(arr,
		    0), "request_body"))) == LIMIT_LOGSHIP_ROW_CUT);
		json_decref(arr);
	}
	free(sent);
}

static void
test_refused_rows_go_aside(const struct config *cfg)
{
	struct logship_stats	 st;
	char			 why[256], path[1024], name[256], *f;
	DIR			*d;
	struct dirent		*e;

	set_mode("refuse");
	spool_records(cfg, "ok", 5, 10);
	spool_records(cfg, "BAD", 1, 10);
	spool_records(cfg, "ok2", 5, 10);
	T(logship_flush(cfg, 1, 1, &st, why, sizeof(why)) == LOGSHIP_DONE);
	T(st.rows == 10 && st.aside == 1);
	snprintf(path, sizeof(path), "%s/aside", spool);
	name[0] = '\0';
	if ((d = opendir(path)) != NULL) {
		while ((e = readdir(d)) != NULL)
			if (e->d_name[0] != '.')
				snprintf(name, sizeof(name), "%s", e->d_name);
		closedir(d);
	}
	snprintf(path, sizeof(path), "%s/aside/%s", spool, name);
	f = tstub_slurp(path);
	T(f != NULL && strstr(f, "\"BAD-0\"") != NULL && count_rows(f) == 1);
	free(f);
	T(count_files(spool, "sealed-") == 0);
}

/* Lines told by their bytes (ours), one lacking "truncated" (fixed to
 * false), and ones that are no record (aside) -- including one that only
 * looks like ours and that Supabase refuses: aside too, by the halving. */
static void
test_row_kinds(const struct config *cfg)
{
	static const char *const lines[] = {
		"{\"request_id\":\"k-ours\",\"ts\":\"2026-12-06T00:00:00.000Z\","
		    "\"response_body\":\",\\\"truncated\\\":x\",\"truncated\":true,"
		    "\"client_ip\":null}\n",
		"{\"request_id\":\"k-lacks\",\"ts\":\"2026-12-06T00:00:00.000Z\"}\n",
		"[1,2]\n",
		"{\"request_id\":\"k-nots\",\"ts\":7,\"truncated\":false}\n",
		"{\"request_id\":\"k-BAD\",\"ts\":\"x\",\"truncated\":false}\n",
	};
	struct logship_stats	 st;
	struct logship		 ls;
	char			 why[256], *sent;
	size_t			 i;

	set_mode("refuse");
	logship_init(&ls, cfg);
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		T(logship_append(&ls, lines[i], strlen(lines[i])) == 0);
	logship_release(&ls);
	T(logship_flush(cfg, 1, 1, &st, why, sizeof(why)) == LOGSHIP_DONE);
	T(st.rows == 2 && st.aside == 3);
	sent = tstub_slurp(log_path);
	T(sent != NULL && strstr(sent, "\"k-ours\"") != NULL &&
	    strstr(sent, "\"truncated\":true,\"client_ip\"") != NULL);
	T(sent != NULL && strstr(sent, "\"request_id\":\"k-lacks\"") != NULL &&
	    strstr(sent, "\"truncated\":false") != NULL);
	T(sent != NULL && strstr(sent, "k-nots") == NULL);
	free(sent);
	T(count_files(spool, "sealed-") == 0);
}

static void
test_resumes_where_it_stopped(const struct config *cfg)
{
	struct logship_stats	 st;
	char			 why[256], *sent;

	/* 1500 rows: two POSTs; the second fails. */
	set_mode("first-ok");
	spool_records(cfg, "e", LIMIT_LOGSHIP_ROWS + 500, 0);
	T(logship_flush(cfg, 1, 1, &st, why, sizeof(why)) == LOGSHIP_PENDING);
	T(st.rows == LIMIT_LOGSHIP_ROWS);
	T(count_files(spool, "sealed-") == 2);	/* segment + .offset */
	set_mode("ok");
	T(logship_flush(cfg, 1, 1, &st, why, sizeof(why)) == LOGSHIP_DONE);
	T(st.rows == 500 && st.batches == 1);
	sent = tstub_slurp(log_path);
	T(count_rows(sent) == 500);
	T(sent != NULL && strstr(sent, "\"e-999\"") == NULL &&
	    strstr(sent, "\"e-1000\"") != NULL);
	free(sent);
	T(count_files(spool, "sealed-") == 0);
}

/* Writers in other processes append while this one seals and ships:
 * every line arrives once, whole. */
static void
test_writers_race_the_sealer(const struct config *cfg)
{
	struct logship_stats	 st;
	char			 why[256], *sent, id[64];
	pid_t			 kids[4];
	int			 i, k, status, rows = 0, missing = 0;

	set_mode("ok");
	for (k = 0; k < 4; k++) {
		if ((kids[k] = fork()) == 0) {
			char pre[16];

			snprintf(pre, sizeof(pre), "w%d", k);
			spool_records(cfg, pre, 300, 200);
			_exit(0);
		}
	}
	for (i = 0; i < 50; i++) {
		logship_flush(cfg, 1, 1, &st, why, sizeof(why));
		rows += (int)st.rows;
		usleep(2000);
	}
	for (k = 0; k < 4; k++)
		waitpid(kids[k], &status, 0);
	T(logship_flush(cfg, 1, 1, &st, why, sizeof(why)) == LOGSHIP_DONE);
	rows += (int)st.rows;
	T(rows == 1200);
	T(st.aside == 0);
	sent = tstub_slurp(log_path);
	T(count_rows(sent) == 1200);
	for (k = 0; k < 4 && sent != NULL; k++)
		for (i = 0; i < 300; i++) {
			snprintf(id, sizeof(id), "\"w%d-%d\"", k, i);
			if (strstr(sent, id) == NULL)
				missing++;
		}
	T(missing == 0);
	free(sent);
}

/* A worker's tick, when due, ships in a child and goes on at once. */
static void
test_tick_ships_in_a_child(struct config *cfg)
{
	struct logship		 ls;
	enum logship_result	 r;
	time_t			 now = time(NULL);
	unsigned long long	 w;
	int			 i;

	set_mode("ok");
	cfg->log_ship_bytes = 1;	/* due: the spool is over the size */
	logship_init(&ls, cfg);
	T(logship_append(&ls, "{\"request_id\":\"tick-1\",\"ts\":"
	    "\"2026-11-24T10:00:00Z\",\"truncated\":false}\n", 70) == 0);
	r = logship_tick(&ls, cfg, now);
	T(r == LOGSHIP_PENDING && ls.child > 0);
	/* Not again within the second, nor while the child runs. */
	T(logship_tick(&ls, cfg, now) != LOGSHIP_PENDING);
	T_UNTIL(tstub_count(log_path) >= 1);
	T(tstub_count(log_path) == 1);
	T_UNTIL(count_files(spool, "sealed-") == 0);
	T(count_files(spool, "sealed-") == 0);
	/* Reaped by a later tick. */
	for (i = 0, w = 0; ls.child != 0 && t_wait(&w); i++)
		logship_tick(&ls, cfg, now + 1 + i);
	T(ls.child == 0 || logship_tick(&ls, cfg, now + 500) != LOGSHIP_BUSY);
	logship_release(&ls);
	cfg->log_ship_bytes = LIMIT_LOGSHIP_BYTES_DEFAULT;
}

/* Not due yet, but records wait: a child ships them once it is due,
 * without another request. An empty spool starts nothing. */
static void
test_tick_ships_the_last_records_later(struct config *cfg)
{
	struct logship		 ls;
	char			 lock[512];
	time_t			 now = time(NULL);
	pid_t			 child;
	int			 st;

	set_mode("ok");
	cfg->log_ship_interval = 2;
	snprintf(lock, sizeof(lock), "%s/" LOGSHIP_LOCK, spool);
	tstub_write_file(lock, "");	/* a shipment just now */
	logship_init(&ls, cfg);
	T(logship_tick(&ls, cfg, now) == LOGSHIP_WAIT);	/* nothing waits */
	T(ls.child == 0);
	T(logship_append(&ls, "{\"request_id\":\"late-1\",\"ts\":"
	    "\"2026-11-24T10:00:00Z\",\"truncated\":false}\n", 70) == 0);
	T(logship_tick(&ls, cfg, now + 1) == LOGSHIP_PENDING && ls.child > 0);
	usleep(300000);
	T(tstub_count(log_path) == 0);		/* not before it is due */
	T_UNTIL(tstub_count(log_path) >= 1);
	T(tstub_count(log_path) == 1);
	/* The child ends once nothing waits (after one more interval): wait
	 * for that, or the next test's tick finds a shipper at work. */
	child = ls.child;
	T_UNTIL(child <= 0 || waitpid(child, &st, WNOHANG) == child);
	ls.child = 0;
	logship_release(&ls);
	cfg->log_ship_interval = LIMIT_LOGSHIP_INTERVAL_DEFAULT;
}

/* Supabase down: the worker's child waits out the backoff and stays its
 * one child, so the requests meanwhile fork nothing and send nothing. */
static void
test_tick_outage_one_child(struct config *cfg)
{
	struct logship		 ls;
	time_t			 now = time(NULL);
	pid_t			 first;
	int			 i, st;

	set_mode("down");
	cfg->log_ship_bytes = 1;
	logship_init(&ls, cfg);
	T(logship_append(&ls, "{\"request_id\":\"out-1\",\"ts\":"
	    "\"2026-11-24T10:00:00Z\",\"truncated\":false}\n", 69) == 0);
	T(logship_tick(&ls, cfg, now) == LOGSHIP_PENDING);
	first = ls.child;
	T_UNTIL(tstub_count(log_path) >= 1);
	T(tstub_count(log_path) == 1);
	for (i = 0; i < 20; i++) {
		T_LINE(logship_append(&ls, "{\"request_id\":\"out-2\",\"ts\":"
		    "\"2026-11-24T10:00:00Z\",\"truncated\":false}\n", 69) ==
		    0, __LINE__);
		T_LINE(logship_tick(&ls, cfg, now + i) == LOGSHIP_BUSY,
		    __LINE__);
	}
	T(first > 0 && ls.child == first && tstub_count(log_path) == 1);
	/* Never kill(0, …): that is this test's whole process group. */
	if (first > 0) {
		kill(first, SIGKILL);
		waitpid(first, &st, 0);
	}
	ls.child = 0;
	logship_release(&ls);
	cfg->log_ship_bytes = LIMIT_LOGSHIP_BYTES_DEFAULT;
	set_mode("ok");
	T(logship_flush(cfg, 1, 1, NULL, NULL, 0) == LOGSHIP_DONE);
}

static void
test_maintain(struct config *cfg)
{
	char	 why[256], *sent;
	int	 created, dropped;
	time_t	 t = 1795000000;	/* 2026-11-18 */

	set_mode("rpc");
	cfg->log_retention_months = 0;
	T(logship_maintain(cfg, t, &created, &dropped, why, sizeof(why)) == 0);
	T(created == 2 && dropped == 0 && tstub_count(log_path) == 1);
	sent = tstub_slurp(log_path);
	T(sent != NULL && strstr(sent, "POST /rest/v1/rpc/request_logs_ensure"
	    "_partitions ") != NULL && strstr(sent, "{\"p_from\":\"2026-11-18\","
	    "\"p_months\":3}") != NULL);
	free(sent);
	/* 14 months: partitions before 2025-09 go. */
	set_mode("rpc");
	cfg->log_retention_months = 14;
	T(logship_maintain(cfg, t, &created, &dropped, why, sizeof(why)) == 0);
	T(dropped == 2 && tstub_count(log_path) == 2);
	sent = tstub_slurp(log_path);
	T(sent != NULL && strstr(sent, "{\"p_before\":\"2025-09-01\"}") !=
	    NULL);
	free(sent);
	set_mode("down");
	T(logship_maintain(cfg, t, &created, &dropped, why, sizeof(why)) ==
	    -1);
	T(strstr(why, "503") != NULL);
	cfg->log_retention_months = 0;
}

/* LOGSHIP_COLUMNS names every member of a record, in its order. */
static void
test_columns_are_the_record(void)
{
	struct reqlog	 rl;
	struct buf	 line, cols;
	json_t		*o;
	const char	*k;
	void		*it;

	reqlog_init(&rl);
	reqlog_set(&rl, REQLOG_REQUEST_ID, "r1");
	buf_init(&line, LIMIT_REQLOG_LINE);
	buf_init(&cols, 4096);
	T(reqlog_to_json(&rl, &line) == 0);
	o = json_loadb(line.data, line.len, JSON_PRESERVE_ORDER, NULL);
	T(json_is_object(o));
	for (it = json_object_iter(o); it != NULL;
	    it = json_object_iter_next(o, it)) {
		k = json_object_iter_key(it);
		if (cols.len > 0)
			buf_appendc(&cols, ',');
		buf_appends(&cols, k);
	}
	T(cols.len > 0 && strcmp(cols.data, LOGSHIP_COLUMNS) == 0);
	json_decref(o);
	buf_release(&cols);
	buf_release(&line);
	reqlog_release(&rl);
}

int
main(void)
{
	struct config	 cfg;
	char		 url[64];
	int		 port;
	pid_t		 pid;

	if (tstub_tmpdir(test_dir, sizeof(test_dir), "test_logship") == -1)
		return 1;
	snprintf(spool, sizeof(spool), "%s/spool", test_dir);
	snprintf(log_path, sizeof(log_path), "%s/requests", test_dir);
	snprintf(mode_path, sizeof(mode_path), "%s/mode", test_dir);
	mkdir(spool, 0700);
	if ((pid = tstub_start(test_stub, &port)) == -1)
		return 1;
	T(httpc_global_init("test/1") == 0);
	config_init(&cfg);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	cfg.supabase_url = strdup(url);
	cfg.spool_dir = strdup(spool);
	buf_appends(&cfg.supabase_secret_key, "sb_secret_test");

	test_columns_are_the_record();
	test_ships_with_the_contract(&cfg);
	test_outage_then_recovery(&cfg);
	test_too_large_is_cut_not_dropped(&cfg);
	test_refused_rows_go_aside(&cfg);
	test_row_kinds(&cfg);
	test_resumes_where_it_stopped(&cfg);
	test_writers_race_the_sealer(&cfg);
	test_tick_ships_in_a_child(&cfg);
	test_tick_ships_the_last_records_later(&cfg);
	test_tick_outage_one_child(&cfg);
	test_maintain(&cfg);

	config_release(&cfg);
	httpc_global_cleanup();
	tstub_stop(pid);
	return t_done();
}
