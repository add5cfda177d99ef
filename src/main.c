/*
 * main.c -- mcp-platform.fcgi: start-up, then the FastCGI accept loop, or
 * exactly one plain CGI request when started without a FastCGI listener
 * (hosts that only offer cgi-bin/; DESIGN section 2).
 *
 *     mcp-platform.fcgi [-c file] [--check-config] [--version]
 *
 * The configuration is loaded once, before the first request: from -c, else
 * $MCP_PLATFORM_CONF, else CONFIG_DEFAULT_PATH. A bad configuration prints
 * one line on stderr (the web server's error log) and exits 1; so does
 * --check-config, which otherwise prints "config ok: <path>" and exits 0.
 *
 * Each pass of the loop builds a struct request, routes it, answers, and
 * releases everything the pass allocated (STYLE.md habit 8): what survives
 * between requests is the configuration and libcurl's connection cache.
 *
 * Between requests the worker waits in poll(2), not in accept, so idle
 * stdio children are ended on time without a request and a worker whose
 * web server died ends too (main_wait).
 *
 * Signals: SIGPIPE is ignored, so a client that went away only makes a
 * write fail (io.h). SIGTERM/SIGINT (web server shutdown, idle reaping)
 * stop the loop: an idle worker leaves accept at once, a busy one finishes
 * its request first.
 */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <jansson.h>

#include "clock.h"
#include "config.h"
#include "httpc.h"
#include "http/io.h"
#include "product_limits.h"
#include "log.h"
#include "mcp/mcp.h"
#include "mcp/upstream_stdio.h"
#include "ops/metrics.h"
#include "ops/node.h"
#include "auth/auth.h"
#include "store/resolve.h"
#include "http/request.h"
#include "http/response.h"
#include "log/logship.h"
#include "log/reqlog.h"
#include "http/router.h"
#include "routes.h"
#include "store/target.h"
#include "version.h"

extern char	**environ;

static volatile sig_atomic_t	 main_stop;

static void
main_on_term(int sig)
{
	(void)sig;
	main_stop = 1;
	FCGX_ShutdownPending();	/* only sets a flag: async-signal-safe */
}

static int
main_signals(void)
{
	struct sigaction	 sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) == -1)
		return -1;
	/* No SA_RESTART: a blocking accept() returns EINTR and the loop ends. */
	sa.sa_handler = main_on_term;
	if (sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1)
		return -1;
	return 0;
}

/* One request, start to finish; everything it allocates is released. */
static void
main_serve(struct io *io, const struct config *cfg, struct reqlog *rl)
{
	struct request	 req;
	const char	*why;
	int		 st;

	st = request_init(&req, io, cfg, &why);
	req.log = rl;
	log_set_request_id(req.id);
	if (st != 0)
		response_error(&req, st, NULL, "%s", why);
	else
		router_dispatch(&req, routes_platform, routes_platform_n);
	if (!req.resp.started)
		response_error(&req, 500, NULL, "internal error");
	if (io_flush(io) == -1) {
		log_info("main", "client went away before the response ended");
		/* The record says so, whatever the head said (499). */
		response_fail_map(RESPONSE_FAIL_CLIENT_GONE, NULL,
		    &req.resp.status);
	}
	log_debug("main", "%s %s %d %.1fms", req.method != NULL ? req.method :
	    "-", req.path[0] != '\0' ? req.path : "-", req.resp.status,
	    request_elapsed_ms(&req));
	/* Every /mcp/ request gets a record, refused ones included (DESIGN
	 * 7). What points into the FastCGI environment is copied now. */
	if (strncmp(req.path, "/mcp/", 5) == 0) {
		reqlog_from_request(rl, &req);
		if (!rl->kept && req.body_read)
			reqlog_keep(rl, req.body.data, req.body.len, NULL, 0,
			    NULL);
	}
	request_release(&req);
	log_set_request_id(NULL);
}

static void
main_usage(void)
{
	fprintf(stderr, "usage: %s.fcgi [-c file] [--check-config] "
	    "[--version]\n"
	    "       %s.fcgi [-c file] --seal-secret tenant_id alias name "
	    "< value\n", MCP_PLATFORM_NAME, MCP_PLATFORM_NAME);
}

/* The request log's sinks (docs/logging.md): 1, <log_dir>/requests.jsonl;
 * 2, the spool under <spool_dir>, shipped to Supabase request_logs. */
static struct reqlog_file	 main_sink;
static char			 main_sink_path[LIMIT_PATH + 32];
static struct logship		 main_ship;

/* What the request log cost the worker, off the client's clock (reported
 * at exit); the shipments themselves run in forked children. */
static struct {
	unsigned long	 records, ships;
	double		 record_us, record_max_us, ship_us;
} main_logcost;

static double
main_us_since(uint64_t t0)
{
	return (double)(clock_mono_us() - t0);
}

/* Off the client's clock: redact, serialise, one write(2) per sink, then
 * ship the spool when it is due. */
static void
main_log(const struct config *cfg, struct reqlog *rl)
{
	uint64_t		 t0;
	struct buf		 line;
	double			 us;
	enum logship_result	 res;

	t0 = clock_mono_us();
	if (rl->str[REQLOG_REQUEST_ID] != NULL) {
		if (cfg->metrics_enabled)
			metrics_request(rl->str[REQLOG_TENANT_ID] != NULL ?
			    rl->str[REQLOG_TENANT_SLUG] : NULL,
			    rl->str[REQLOG_SERVER_ALIAS], rl->str[REQLOG_METHOD],
			    rl->http_status, rl->total_ms, rl->upstream_ms);
		reqlog_redact(rl, (size_t)cfg->log_body_max);
		buf_init(&line, LIMIT_REQLOG_LINE);
		if (reqlog_to_json(rl, &line) == 0) {
			reqlog_file_write(&main_sink, main_sink_path,
			    line.data, line.len);
			logship_append(&main_ship, line.data, line.len);
		}
		buf_release(&line);
		us = main_us_since(t0);
		main_logcost.records++;
		main_logcost.record_us += us;
		if (us > main_logcost.record_max_us)
			main_logcost.record_max_us = us;
		t0 = clock_mono_us();
	}
	res = logship_tick(&main_ship, cfg, time(NULL));
	if (res != LOGSHIP_WAIT && res != LOGSHIP_BUSY) {
		main_logcost.ships++;
		main_logcost.ship_us += main_us_since(t0);
	}
}

static void
main_log_report(void)
{
	if (main_logcost.records == 0)
		return;
	log_info("main", "request log: %lu records, %.1f us each on "
	    "average (max %.0f us) to write, %lu shippers forked in %.1f ms "
	    "in all; all of it after the client had its answer",
	    main_logcost.records,
	    main_logcost.record_us / (double)main_logcost.records,
	    main_logcost.record_max_us, main_logcost.ships,
	    main_logcost.ship_us / 1e3);
}

/*
 * Between requests: wait for the next one at most until the worker has
 * something to do of its own -- an idle stdio child's expiry, a retiring
 * child's next step (upstream_stdio_pool_next_ms), and at least every
 * LIMIT_WORKER_TICK_MS to see whether its web server is still there. No
 * thread and no timer signal: poll(2) on the socket FCGX_Accept_r would
 * block in (the kept-open connection, else the listening socket; libfcgi
 * 2.4's FCGX_IsCGI does not accept a connection ahead, so nothing is
 * pending inside libfcgi that poll cannot see). Each web server gives
 * every worker a socket of its own (lighttpd: socket-N; mod_fcgid: one
 * per process), so a wake-up is never stolen by another worker; where a
 * socket is shared (spawn-fcgi -F), a worker that lost the race blocks
 * in accept until the next request, as before.
 *
 * Returns 1 when a request may be waiting (FCGX_Accept_r next), 0 after
 * a timeout (the idle work is done), -1 when the loop must end (a
 * signal, or the web server that started the worker is gone: its
 * workers must not outlive it with their children).
 */
static pid_t	 main_ppid;	/* 0: not watched */

/*
 * The parent to watch: the web server (lighttpd) or its process manager
 * (mod_fcgid), which supervise their workers for life. Not watched: init
 * (already orphaned), and spawn-fcgi, which exits once it has started the
 * workers (nginx's documented set-up) -- their end is the supervisor's.
 */
static pid_t
main_parent(void)
{
	char	 path[64], comm[32];
	pid_t	 pp = getppid();
	FILE	*f;

	if (pp <= 1)
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/comm", (long)pp);
	if ((f = fopen(path, "re")) != NULL) {
		if (fgets(comm, sizeof(comm), f) != NULL &&
		    strncmp(comm, "spawn-fcgi", 10) == 0)
			pp = 0;
		fclose(f);
	}
	return pp;
}

static int
main_wait(const FCGX_Request *fr, const struct config *cfg)
{
	struct pollfd	 pfd;
	long		 ms;
	int		 n;

	ms = upstream_stdio_pool_next_ms();
	if (ms < 0 || ms > LIMIT_WORKER_TICK_MS)
		ms = LIMIT_WORKER_TICK_MS;
	pfd.fd = fr->ipcFd >= 0 ? fr->ipcFd : fr->listen_sock;
	pfd.events = POLLIN;
	pfd.revents = 0;
	n = poll(&pfd, 1, (int)ms);
	if (main_stop)
		return -1;
	if (n != 0)
		return 1;	/* ready, or an error accept will report */
	mcp_idle(cfg);
	/* Ships what is due (the last records before a quiet spell) and
	 * reaps a shipper that ended, which would stay a zombie until the
	 * next request. */
	logship_tick(&main_ship, cfg, time(NULL));
	if (main_ppid != 0 && getppid() != main_ppid) {
		log_info("main", "web server (pid %ld) gone: stopping",
		    (long)main_ppid);
		return -1;
	}
	return 0;
}

/*
 * --seal-secret: the operator's way to store a tenant secret until the
 * admin API does it. Reads the value from stdin (one trailing newline
 * dropped), prints the JSON object to put under the secret's name in
 * tenant_servers.secrets. The value never appears in argv (ps) or output.
 */
static int
main_seal_secret(const struct config *cfg, char *const args[3])
{
	struct buf	 v;
	char		 chunk[512], err[256];
	json_t		*sealed = NULL;
	size_t		 n;
	int		 rc = 1;

	buf_init(&v, LIMIT_SECRET_FILE);
	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
		if (buf_append(&v, chunk, n) == -1) {
			fprintf(stderr, "%s: secret value too long\n",
			    MCP_PLATFORM_NAME);
			goto out;
		}
	if (v.len > 0 && v.data[v.len - 1] == '\n')
		v.data[--v.len] = '\0';
	if (target_secret_seal(&cfg->master_key, args[0], args[1], args[2],
	    buf_cstr(&v), &sealed, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s: seal-secret: %s\n", MCP_PLATFORM_NAME,
		    err);
		goto out;
	}
	json_dumpf(sealed, stdout, JSON_COMPACT);
	putchar('\n');
	rc = 0;
out:
	explicit_bzero(chunk, sizeof(chunk));
	json_decref(sealed);
	buf_release_secret(&v);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct config	 cfg;
	FCGX_Request	 fr;
	struct io	 io;
	const char	*path = NULL;
	char		 err[LIMIT_CONF_ERR + LIMIT_PATH];
	char		*seal[3] = { NULL, NULL, NULL };
	struct reqlog	 rl;
	int		 i, check = 0, rc = 1, fcgi_inited = 0;

	log_init(LOG_LVL_INFO);
	config_init(&cfg);
	reqlog_file_init(&main_sink);
	logship_init(&main_ship, &cfg);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--version") == 0) {
			printf("%s %s\n", MCP_PLATFORM_NAME,
			    MCP_PLATFORM_VERSION);
			return 0;
		} else if (strcmp(argv[i], "--check-config") == 0)
			check = 1;
		else if (strcmp(argv[i], "--seal-secret") == 0 &&
		    i + 3 < argc) {
			seal[0] = argv[++i];
			seal[1] = argv[++i];
			seal[2] = argv[++i];
		}
		else if ((strcmp(argv[i], "-c") == 0 ||
		    strcmp(argv[i], "--config") == 0) && i + 1 < argc)
			path = argv[++i];
		else {
			main_usage();
			return 1;
		}
	}
	if (path == NULL && (path = getenv(CONFIG_ENV_PATH)) == NULL)
		path = CONFIG_DEFAULT_PATH;

	if (config_load(&cfg, path, (const char *const *)environ, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "%s: config: %s\n", MCP_PLATFORM_NAME, err);
		goto out;
	}
	if (seal[0] != NULL) {
		rc = main_seal_secret(&cfg, seal);
		goto out;
	}
	if (check) {
		printf("config ok: %s\n", path);
		rc = 0;
		goto out;
	}
	log_init(cfg.log_level);
	if (main_signals() == -1) {
		fprintf(stderr, "%s: cannot set signal handlers\n",
		    MCP_PLATFORM_NAME);
		goto out;
	}
	if (httpc_global_init(MCP_PLATFORM_NAME "/" MCP_PLATFORM_VERSION) ==
	    -1) {
		fprintf(stderr, "%s: cannot initialise libcurl\n",
		    MCP_PLATFORM_NAME);
		goto out;
	}

	snprintf(main_sink_path, sizeof(main_sink_path), "%s/requests.jsonl",
	    cfg.log_dir);
	node_attach(&cfg);	/* metrics and limits: the node's segment */
	logship_init(&main_ship, &cfg);
	if (FCGX_IsCGI()) {
		/* Plain CGI (RFC 3875): environ, stdin, stdout, one request. */
		io_init_cgi(&io, (const char *const *)environ);
		reqlog_init(&rl);
		main_serve(&io, &cfg, &rl);
		io_release(&io);
		/* The end of the response for the web server, before the
		 * log's work (as FCGX_Finish_r does under FastCGI). */
		fflush(stdout);
		fclose(stdout);
		main_log(&cfg, &rl);
		reqlog_release(&rl);
		rc = 0;
		goto out;
	}

	if (FCGX_Init() != 0 ||
	    FCGX_InitRequest(&fr, 0, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		fprintf(stderr, "%s: cannot initialise libfcgi\n",
		    MCP_PLATFORM_NAME);
		goto out;
	}
	fcgi_inited = 1;
	log_info("main", "%s %s ready (pid %ld)", MCP_PLATFORM_NAME,
	    MCP_PLATFORM_VERSION, (long)getpid());
	main_ppid = main_parent();
	while (!main_stop) {
		if ((i = main_wait(&fr, &cfg)) == 0)
			continue;
		if (i == -1 || FCGX_Accept_r(&fr) < 0)
			break;
		io_init_fcgi(&io, &fr);
		reqlog_init(&rl);
		main_serve(&io, &cfg, &rl);
		io_release(&io);
		/* The response is complete for the client from here on. */
		FCGX_Finish_r(&fr);
		main_log(&cfg, &rl);
		reqlog_release(&rl);
		/* Off the client's clock: warm stdio children housekeeping
		 * (and again whenever main_wait times out). */
		mcp_idle(&cfg);
	}
	main_log_report();
	log_info("main", "stopping (pid %ld)", (long)getpid());
	rc = 0;
out:
	/* No orphans: every warm stdio child ends with the worker. */
	mcp_shutdown();
	node_detach();
	auth_cache_release();
	resolve_cache_clear();
	reqlog_file_release(&main_sink);
	logship_release(&main_ship);
	if (fcgi_inited)
		FCGX_Free(&fr, 1);
	httpc_global_cleanup();
	config_release(&cfg);
	return rc;
}
