/*
 * test_upstream_stdio.c -- the stdio upstream against real servers:
 * @modelcontextprotocol/server-everything (node_modules/.bin, resolved
 * from the repository root, where the tests run), a small mock MCP server
 * run with "node -e" for what server-everything cannot be made to do
 * (ping the client, ask for sampling, write garbage, die, flood), and
 * plain sh for broken programs.
 *
 * Run as root (CI), children run as "nobody" (65534); otherwise the
 * checks that need root are reported as skipped. A wait for an event is
 * bounded by T_WAIT_MS, which only a failure reaches; the whole file takes
 * about 15 s.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "log.h"
#include "mcp/upstream_stdio.h"
#include "sandbox.h"
#include "t.h"

#define NOBODY	65534

static char	 tmpbase[] = "/tmp/test_upstream_stdio.XXXXXX";
static char	 binpath[1024];		/* <repo>/node_modules/.bin:... */
static char	 hidedir[512];		/* <tmpbase>/tenants */
static int	 have_everything;

/*
 * The mock: a line-oriented MCP server whose behaviour is picked by the
 * tool name of a tools/call (and MOCK_MODE for the handshake).
 */
static const char mock_js[] =
"const rl = require('readline').createInterface({input: process.stdin});\n"
"const mode = process.env.MOCK_MODE || '';\n"
"let init = null; const pending = {};\n"
"function send(m) { process.stdout.write(JSON.stringify(m) + '\\n'); }\n"
"function reply(m, r) { send({jsonrpc: '2.0', id: m.id, result: r}); }\n"
"rl.on('line', (l) => {\n"
"  const m = JSON.parse(l);\n"
"  if (m.method === 'initialize') {\n"
"    init = m.params;\n"
"    if (mode === 'initerr') { send({jsonrpc: '2.0', id: m.id,\n"
"      error: {code: -32602, message: 'unsupported'}}); return; }\n"
"    send({jsonrpc: '2.0', method: 'notifications/message',\n"
"      params: {level: 'info', data: 'during handshake'}});\n"
"    reply(m, {protocolVersion: '2025-06-18', capabilities: {tools: {}},\n"
"      serverInfo: {name: 'mock', version: '1'}});\n"
"    return;\n"
"  }\n"
"  if (m.method === 'notifications/initialized') return;\n"
"  if (m.method === undefined) { const f = pending[m.id];\n"
"    if (f) f(m); return; }\n"
"  if (m.method !== 'tools/call') { if (m.id !== undefined)\n"
"    reply(m, {echo: m.method}); return; }\n"
"  const name = m.params.name;\n"
"  if (name === 'env') reply(m, {env: process.env, init: init,\n"
"    cwd: process.cwd(), uid: process.getuid(), id: m.id});\n"
"  else if (name === 'ask') {\n"
"    const res = {};\n"
"    pending.p1 = (r) => { res.ping = r; send({jsonrpc: '2.0', id: 's1',\n"
"      method: 'sampling/createMessage', params: {}}); };\n"
"    pending.s1 = (r) => { res.sampling = r;\n"
"      send({jsonrpc: '2.0', method: 'notifications/message',\n"
"        params: {level: 'info', data: 'hi'}});\n"
"      reply(m, res); };\n"
"    send({jsonrpc: '2.0', id: 'p1', method: 'ping'});\n"
"  }\n"
"  else if (name === 'stale') {\n"
"    const tok = m.params._meta && m.params._meta.progressToken;\n"
"    send({jsonrpc: '2.0', id: 999, result: {}});\n"
"    send({jsonrpc: '2.0', method: 'notifications/progress',\n"
"      params: {progressToken: 'other', progress: 1}});\n"
"    send({jsonrpc: '2.0', method: 'notifications/progress',\n"
"      params: {progressToken: tok, progress: 1}});\n"
"    process.stdout.write('\\r\\n\\n');\n"
"    reply(m, {ok: true});\n"
"  }\n"
"  else if (name === 'noise') {\n"
"    reply(m, {});\n"
"    pending.p2 = (r) => { global.p2 = r; };\n"
"    setTimeout(() => { send({jsonrpc: '2.0',\n"
"      method: 'notifications/message', params: {level: 'info',\n"
"      data: 'between calls'}});\n"
"      send({jsonrpc: '2.0', id: 'p2', method: 'ping'}); }, 30);\n"
"  }\n"
"  else if (name === 'last') reply(m, {p2: global.p2 || null});\n"
"  else if (name === 'read') { let out;\n"
"    try { out = require('fs').readFileSync(m.params.arguments.path,\n"
"      'utf8'); } catch (e) { out = 'ERR ' + e.code; }\n"
"    reply(m, {out: out, pid: process.pid}); }\n"
"  else if (name === 'garbage') process.stdout.write('this is not json\\n');\n"
"  else if (name === 'notrpc') process.stdout.write('[1,2,3]\\n');\n"
"  else if (name === 'die') process.exit(7);\n"
"  else if (name === 'hang') {}\n"
"  else if (name === 'bigline') process.stdout.write(\n"
"    '{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"params\":\"' +\n"
"    'a'.repeat(300000) + '\"}\\n');\n"
"  else if (name === 'flood') {\n"
"    const s = JSON.stringify({jsonrpc: '2.0', method:\n"
"      'notifications/message', params: {level: 'info',\n"
"      data: 'x'.repeat(1000)}}) + '\\n';\n"
"    let i = 0;\n"
"    const f = () => { while (i++ < 100000) if (!process.stdout.write(s))\n"
"      { process.stdout.once('drain', f); return; } };\n"
"    f();\n"
"  }\n"
"  else if (name === 'many') { let b = '';\n"
"    for (let i = 0; i < 20000; i++) b += '{\"jsonrpc\":\"2.0\",' +\n"
"      '\"method\":\"notifications/message\",\"params\":{}}\\n';\n"
"    process.stdout.write(b); }\n"
"  else if (name === 'stderr') {\n"
"    process.stderr.write(('e'.repeat(999) + '\\n').repeat(2000));\n"
"    reply(m, {ok: true}); }\n"
"  else send({jsonrpc: '2.0', id: m.id,\n"
"    error: {code: -32602, message: 'unknown tool'}});\n"
"});\n"
"rl.on('close', () => process.exit(0));\n";

struct events {
	int		 n;
	int		 progress;
	int		 messages;
	int		 abort_at;	/* 0: never */
	int		 requests;	/* server->client requests seen */
	int		 answer;	/* 1: answer them with a result */
	uint64_t	 first_ms;
	char		 token[64];
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static int
on_event(const json_t *n, json_t **reply, void *arg)
{
	struct events	*ev = arg;
	const char	*m = json_string_value(json_object_get(n, "method"));
	const json_t	*tok;

	if (reply != NULL) {
		ev->requests++;
		if (ev->answer)
			*reply = json_pack("{s:{s:s, s:s}}", "result", "model",
			    "relayed", "method", m != NULL ? m : "");
		return 0;
	}

	if (ev->n++ == 0)
		ev->first_ms = now_ms();
	if (m != NULL && strcmp(m, "notifications/progress") == 0) {
		ev->progress++;
		tok = json_object_get(json_object_get(n, "params"),
		    "progressToken");
		if (json_is_string(tok))
			snprintf(ev->token, sizeof(ev->token), "%s",
			    json_string_value(tok));
	} else if (m != NULL && strcmp(m, "notifications/message") == 0)
		ev->messages++;
	return ev->abort_at != 0 && ev->n >= ev->abort_at ? -1 : 0;
}

/*
 * Members of process group pgid (from /proc): *live counts those that
 * are not zombies, *ours the zombies whose parent is this process.
 */
static void
group_scan(pid_t pgid, int *live, int *ours)
{
	char		 path[300], stat[512], *p;
	DIR		*d;
	struct dirent	*e;
	int		 i, fd;
	ssize_t		 len;
	long		 pg, ppid;
	char		 state;

	*live = *ours = 0;
	d = opendir("/proc");
	if (d == NULL) {
		*live = -1;
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd == -1)
			continue;
		len = read(fd, stat, sizeof(stat) - 1);
		close(fd);
		if (len <= 0)
			continue;
		stat[len] = '\0';
		/* pid (comm) state ppid pgrp ...; comm may hold spaces. */
		p = strrchr(stat, ')');
		if (p == NULL || p[1] == '\0')
			continue;
		state = p[2];
		p += 4;
		ppid = pg = 0;
		for (i = 0; i < 2; i++) {
			long *v = i == 0 ? &ppid : &pg;

			while (*p >= '0' && *p <= '9')
				*v = *v * 10 + (*p++ - '0');
			if (*p == ' ')
				p++;
		}
		if (pg != pgid)
			continue;
		if (state != 'Z')
			(*live)++;
		else if (ppid == getpid())
			(*ours)++;
	}
	closedir(d);
}

/*
 * The child and its whole group are gone: no live member within
 * T_WAIT_MS, and no zombie of ours. (Killed grandchildren are reparented to
 * init, whose reaping is not ours to test: in some containers pid 1 never
 * reaps, so kill(-pgid, 0) can go on finding their zombies.)
 */
static int
gone(pid_t pgid)
{
	uint64_t	 end = now_ms() + T_WAIT_MS;
	int		 live, ours;

	if (pgid <= 0)
		return 0;
	for (;;) {
		if (kill(-pgid, 0) == -1 && errno == ESRCH)
			return 1;
		group_scan(pgid, &live, &ours);
		if (live == 0 && ours == 0)
			return 1;
		if (now_ms() >= end) {
			printf("# group %d: %d live, %d zombies of ours\n",
			    (int)pgid, live, ours);
			return 0;
		}
		usleep(5000);
	}
}

/*
 * Our child pid has exited and waits to be reaped, as the pool's own check
 * (waitid WNOWAIT: a peek, the pool still reaps it) will see. Not
 * /proc/<pid>/stat: a multithreaded child's leader shows 'Z' before its
 * other threads are gone, and until then waitid does not report it.
 */
static int
exited(pid_t pid)
{
	siginfo_t	 si;

	memset(&si, 0, sizeof(si));
	return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT)
	    == 0 && si.si_pid == pid;
}

/* A retired child: gone after some reaps (they never block). */
static int
retired_gone(pid_t pgid)
{
	uint64_t	 end = now_ms() + T_WAIT_MS;

	while (now_ms() < end) {
		upstream_stdio_pool_reap();
		if (kill(-pgid, 0) == -1 && errno == ESRCH)
			return 1;
		usleep(10000);
	}
	return gone(pgid);
}

static void
opts_for_test(struct upstream_stdio_opts *o)
{
	upstream_stdio_opts_init(o);
	if (geteuid() == 0) {
		o->run_uid = NOBODY;
		o->run_gid = NOBODY;
	}
	o->path = binpath;
	o->deadline_ms = T_WAIT_MS;	/* a bound, not reached when all is well */
	o->hide_dir = hidedir;		/* used when isolated (root) */
	/* Valgrind does not let a program lower its RLIMIT_NOFILE hard
	 * limit (the child runs under it until execve). */
	if (getenv("LD_PRELOAD") != NULL &&
	    strstr(getenv("LD_PRELOAD"), "vgpreload") != NULL)
		o->nofile = 0;
}

struct server {
	char		 key[128];
	char		 tenant[32];
	char		 workdir[512];
	const char	*argv[8];
	const char	*env[8];
	struct upstream_stdio_spec spec;
};

static void
server_init(struct server *s, const char *tenant, const char *alias,
    const char *version)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->key, sizeof(s->key), "%s|%s|%s", tenant, alias, version);
	snprintf(s->tenant, sizeof(s->tenant), "%s", tenant);
	snprintf(s->workdir, sizeof(s->workdir), "%s/tenants/%s/%s", tmpbase,
	    tenant, alias);
	s->spec.key = s->key;
	s->spec.tenant_id = s->tenant;
	s->spec.argv = s->argv;
	s->spec.env = s->env;
	s->spec.workdir = s->workdir;
}

static void
everything(struct server *s, const char *tenant)
{
	server_init(s, tenant, "everything", "1");
	s->argv[0] = "mcp-server-everything";
	s->argv[1] = "stdio";
	s->env[0] = "TENANT_SETTING=abc";
}

static void
mock(struct server *s, const char *tenant, const char *mode)
{
	server_init(s, tenant, mode[0] != '\0' ? mode : "mock", "1");
	s->argv[0] = "node";
	s->argv[1] = "-e";
	s->argv[2] = mock_js;
	s->env[0] = "SECRET_TOKEN=s3cr3t";
	s->env[1] = mode[0] != '\0' ? "MOCK_MODE=x" : NULL;
	if (mode[0] != '\0') {
		static char modebuf[64];

		snprintf(modebuf, sizeof(modebuf), "MOCK_MODE=%s", mode);
		s->env[1] = modebuf;
	}
}

static void
sh(struct server *s, const char *tenant, const char *alias,
    const char *script)
{
	server_init(s, tenant, alias, "1");
	s->argv[0] = "sh";
	s->argv[1] = "-c";
	s->argv[2] = script;
}

/* One call; the response (new ref) or NULL. */
static enum upstream_stdio_err
call(struct server *s, const struct upstream_stdio_opts *o, const char *msg,
    struct events *ev, json_t **resp, struct upstream_stdio_info *info)
{
	enum upstream_stdio_err	 rc;
	json_error_t		 je;
	json_t			*m;

	m = json_loads(msg, 0, &je);
	if (m == NULL) {
		printf("# bad test json: %s\n", je.text);
		return UPSTREAM_STDIO__MAX;
	}
	upstream_stdio_info_release(info);
	rc = upstream_stdio_call(&s->spec, o, m, on_event, ev, resp, info);
	if (rc != UPSTREAM_STDIO_OK)
		printf("# call: %s: %s\n", upstream_stdio_strerror(rc),
		    info->detail);
	json_decref(m);
	return rc;
}

static const char *
text0(const json_t *resp)
{
	return json_string_value(json_object_get(json_array_get(
	    json_object_get(json_object_get(resp, "result"), "content"), 0),
	    "text"));
}

static void
test_everything(void)
{
	struct upstream_stdio_opts	 o;
	struct upstream_stdio_info	 info;
	struct events			 ev;
	struct server			 s1, s2, forged;
	json_t				*r = NULL, *env;
	const char			*k;
	uint64_t			 t0, cold, warm, sum = 0;
	unsigned			 start_ms;
	pid_t				 pid1, pid2;
	int				 i, only_ours;
	enum upstream_stdio_err		 rc;

	if (!have_everything) {
		TSKIP("server-everything over stdio, cold and warm",
		    "node_modules/.bin/mcp-server-everything missing");
		return;
	}
	upstream_stdio_pool_shutdown();
	opts_for_test(&o);
	upstream_stdio_info_init(&info);
	memset(&ev, 0, sizeof(ev));
	everything(&s1, "t1");

	/* Cold, then warm. */
	t0 = now_ms();
	T(call(&s1, &o, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":"
	    "\"tools/list\"}", &ev, &r, &info) == UPSTREAM_STDIO_OK);
	cold = now_ms() - t0;
	T(r != NULL && json_integer_value(json_object_get(r, "id")) == 7);
	T(json_array_size(json_object_get(json_object_get(r, "result"),
	    "tools")) >= 5);
	T(info.warm == 0 && info.pid > 0 && info.start_ms > 0);
	start_ms = info.start_ms;
	T(strcmp(info.protocol_version, "2025-11-25") == 0);
	T(strcmp(json_string_value(json_object_get(json_object_get(
	    info.init_result, "serverInfo"), "name")),
	    "mcp-servers/everything") == 0);
	T(json_is_object(json_object_get(info.init_result, "capabilities")));
	pid1 = info.pid;
	json_decref(r);
	for (i = 0; i < 20; i++) {
		t0 = now_us();
		T(call(&s1, &o, "{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"method\":"
		    "\"tools/list\"}", &ev, &r, &info) == UPSTREAM_STDIO_OK);
		sum += now_us() - t0;
		T(info.warm == 1 && info.pid == pid1 && info.start_ms == 0);
		json_decref(r);
	}
	warm = sum / 20;
	printf("# server-everything tools/list: cold %llu ms (spawn + "
	    "handshake %u ms), warm %llu us average of 20\n",
	    (unsigned long long)cold, start_ms,
	    (unsigned long long)warm);
	T(warm * 5 < cold * 1000);
	/* The smallest exchange, warm. */
	sum = 0;
	for (i = 0; i < 50; i++) {
		t0 = now_us();
		T(call(&s1, &o, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
		    "\"ping\"}", &ev, &r, &info) == UPSTREAM_STDIO_OK);
		sum += now_us() - t0;
		json_decref(r);
	}
	printf("# server-everything ping, warm: %llu us average of 50\n",
	    (unsigned long long)(sum / 50));

	/* A tool. */
	T(call(&s1, &o, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":"
	    "{\"message\":\"hello\"}}}", &ev, &r, &info) == UPSTREAM_STDIO_OK);
	T(text0(r) != NULL && strcmp(text0(r), "Echo: hello") == 0);
	json_decref(r);

	/* A client initialize: the cached result, the client's id. */
	T(call(&s1, &o, "{\"jsonrpc\":\"2.0\",\"id\":\"i\",\"method\":"
	    "\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\","
	    "\"capabilities\":{},\"clientInfo\":{\"name\":\"c\",\"version\":"
	    "\"1\"}}}", &ev, &r, &info) == UPSTREAM_STDIO_OK);
	T(strcmp(json_string_value(json_object_get(r, "id")), "i") == 0);
	T(strcmp(json_string_value(json_object_get(json_object_get(r,
	    "result"), "protocolVersion")), "2025-11-25") == 0);
	T(info.warm == 1 && info.pid == pid1);
	json_decref(r);
	/* Notifications: forwarded or swallowed, no response. */
	r = json_true();	/* must come back NULL */
	T(call(&s1, &o, "{\"jsonrpc\":\"2.0\",\"method\":"
	    "\"notifications/initialized\"}", &ev, &r, &info) ==
	    UPSTREAM_STDIO_OK && r == NULL);
	r = json_true();	/* must come back NULL */
	T(call(&s1, &o, "{\"jsonrpc\":\"2.0\",\"method\":"
	    "\"notifications/cancelled\",\"params\":{\"requestId\":5}}", &ev,
	    &r, &info) == UPSTREAM_STDIO_OK && r == NULL);

	/* Progress streamed as it happens, before the response. */
	memset(&ev, 0, sizeof(ev));
	t0 = now_ms();
	T(call(&s1, &o, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":"
	    "\"trigger-long-running-operation\",\"arguments\":{\"duration\":1,"
	    "\"steps\":4},\"_meta\":{\"progressToken\":\"tok-1\"}}}", &ev, &r,
	    &info) == UPSTREAM_STDIO_OK);
	printf("# long-running: %d progress notifications, first after %llu "
	    "ms, response after %llu ms\n", ev.progress,
	    (unsigned long long)(ev.first_ms - t0),
	    (unsigned long long)(now_ms() - t0));
	T(ev.progress == 4 && strcmp(ev.token, "tok-1") == 0);
	T(info.notifications >= 4);
	T(ev.first_ms - t0 < 600 && now_ms() - ev.first_ms >= 500);
	T(text0(r) != NULL && strstr(text0(r), "completed") != NULL);
	json_decref(r);

	/* The environment: the minimal base and the tenant's variable. */
	T(setenv("MCP_TEST_CANARY", "leak", 1) == 0);
	T(call(&s1, &o, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"get-env\",\"arguments\":"
	    "{}}}", &ev, &r, &info) == UPSTREAM_STDIO_OK);
	env = text0(r) != NULL ? json_loads(text0(r), 0, NULL) : NULL;
	T(json_is_object(env));
	only_ours = json_is_object(env) && json_object_size(env) == 5;
	if (!only_ours)
		json_object_foreach(env, k, r)
			printf("# child env: %s\n", k);
	T(only_ours);
	T(strcmp(json_string_value(json_object_get(env, "PATH")), binpath)
	    == 0);
	T(strcmp(json_string_value(json_object_get(env, "HOME")),
	    s1.workdir) == 0);
	T(strcmp(json_string_value(json_object_get(env, "TMPDIR")),
	    s1.workdir) == 0);
	T(strcmp(json_string_value(json_object_get(env, "LANG")),
	    "C.UTF-8") == 0);
	T(strcmp(json_string_value(json_object_get(env, "TENANT_SETTING")),
	    "abc") == 0);
	T(json_object_get(env, "MCP_TEST_CANARY") == NULL);
	json_decref(env);
	json_decref(r);
	unsetenv("MCP_TEST_CANARY");

	/* Two tenants never share a child, even under a forged key. */
	everything(&s2, "t2");
	T(call(&s2, &o, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}",
	    &ev, &r, &info) == UPSTREAM_STDIO_OK);
	pid2 = info.pid;
	T(info.warm == 0 && pid2 != pid1);
	T(upstream_stdio_pool_size() == 2);
	json_decref(r);
	everything(&forged, "t2");
	snprintf(forged.key, sizeof(forged.key), "%s", s1.key);
	T(call(&forged, &o, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"ping\"}", &ev, &r, &info) == UPSTREAM_STDIO_OK);
	T(info.warm == 0 && info.pid != pid1 && info.pid != pid2);
	T(gone(pid1));		/* the mismatching child was ended */
	json_decref(r);
	T(call(&s1, &o, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}",
	    &ev, &r, &info) == UPSTREAM_STDIO_OK);
	T(info.warm == 0);	/* and the forged one was not reused */
	pid1 = info.pid;
	json_decref(r);

	/* Deadline: TIMEOUT and the group is gone. */
	o.deadline_ms = 700;
	t0 = now_ms();
	T(call(&s1, &o, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":"
	    "\"trigger-long-running-operation\",\"arguments\":{\"duration\":5,"
	    "\"steps\":5}}}", &ev, &r, &info) == UPSTREAM_STDIO_TIMEOUT);
	T(r == NULL && info.pid == pid1);
	T(now_ms() - t0 < 1500);
	T(gone(pid1));
	o.deadline_ms = T_WAIT_MS;

	/* An aborting caller: the child is killed. */
	memset(&ev, 0, sizeof(ev));
	ev.abort_at = 1;
	T(call(&s1, &o, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":"
	    "\"trigger-long-running-operation\",\"arguments\":{\"duration\":1,"
	    "\"steps\":4},\"_meta\":{\"progressToken\":9}}}", &ev, &r, &info)
	    == UPSTREAM_STDIO_ABORTED);
	T(ev.n == 1 && gone(info.pid));

	/* A pooled child that died is replaced transparently. */
	memset(&ev, 0, sizeof(ev));
	T(call(&s2, &o, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}",
	    &ev, &r, &info) == UPSTREAM_STDIO_OK);
	T(info.warm == 1 && info.pid == pid2);
	json_decref(r);
	T(kill(pid2, SIGKILL) == 0);
	T_UNTIL(exited(pid2));
	T(exited(pid2));
	T(call(&s2, &o, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}",
	    &ev, &r, &info) == UPSTREAM_STDIO_OK);
	T(info.warm == 0 && info.pid != pid2 && json_is_object(
	    json_object_get(r, "result")));
	json_decref(r);

	/* The memory cap holds: Node cannot start in 16 MiB of data. */
	everything(&s2, "t3");
	o.data_bytes = 16UL * 1024 * 1024;
	o.deadline_ms = 3000;
	/* it dies, or stalls until the deadline: either way it serves
	 * nothing and its group is gone */
	rc = call(&s2, &o, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}",
	    &ev, &r, &info);
	T(rc == UPSTREAM_STDIO_CRASHED || rc == UPSTREAM_STDIO_TIMEOUT);
	printf("# node under RLIMIT_DATA 16 MiB: %s\n", info.detail);
	T(gone(info.pid));
	upstream_stdio_info_release(&info);
}

static void
test_mock(void)
{
	struct upstream_stdio_opts	 o;
	struct upstream_stdio_info	 info;
	struct events			 ev;
	struct server			 s;
	json_t				*r = NULL, *res, *init, *caps;
	pid_t				 pid;
	uint64_t			 t0;
	char				 logpath[600], logbuf[65536], *p, *q;
	ssize_t				 n;
	size_t				 longest;
	int				 saved, logfd, lines;

	opts_for_test(&o);
	upstream_stdio_info_init(&info);
	memset(&ev, 0, sizeof(ev));
	mock(&s, "t1", "");
	snprintf(logpath, sizeof(logpath), "%s/log", tmpbase);

	/* What we sent in initialize, where and as whom the child runs;
	 * the id the child saw is the platform's, the client gets its own. */
	T(call(&s, &o, "{\"jsonrpc\":\"2.0\",\"id\":\"abc\",\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"env\"}}", &ev, &r, &info)
	    == UPSTREAM_STDIO_OK);
	res = json_object_get(r, "result");
	init = json_object_get(res, "init");
	T(strcmp(json_string_value(json_object_get(r, "id")), "abc") == 0);
	T(json_is_integer(json_object_get(res, "id")));
	T(strcmp(json_string_value(json_object_get(init, "protocolVersion")),
	    UPSTREAM_STDIO_PROTOCOL_DEFAULT) == 0);
	T(json_is_object(json_object_get(init, "capabilities")) &&
	    json_object_size(json_object_get(init, "capabilities")) == 0);
	T(strcmp(json_string_value(json_object_get(json_object_get(init,
	    "clientInfo"), "name")), "mcp-online-platform") == 0);
	T(strcmp(json_string_value(json_object_get(res, "cwd")), s.workdir)
	    == 0);
	if (geteuid() == 0)
		T(json_integer_value(json_object_get(res, "uid")) == NOBODY);
	else
		TSKIP("the server runs as nobody", "needs root");
	T(strcmp(json_string_value(json_object_get(json_object_get(res,
	    "env"), "SECRET_TOKEN")), "s3cr3t") == 0);
	T(json_object_size(json_object_get(res, "env")) == 5);
	T(strcmp(info.protocol_version, "2025-06-18") == 0);
	T(ev.n == 0);	/* the handshake's notification was not relayed */
	pid = info.pid;
	json_decref(r);

	/* The server pings us and asks for sampling. */
	T(call(&s, &o, "{\"jsonrpc\":\"2.0\",\"id\":\"abc\",\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"ask\"}}", &ev, &r, &info)
	    == UPSTREAM_STDIO_OK);
	res = json_object_get(r, "result");
	T(strcmp(json_string_value(json_object_get(json_object_get(res,
	    "ping"), "id")), "p1") == 0);
	T(json_is_object(json_object_get(json_object_get(res, "ping"),
	    "result")));
	T(json_integer_value(json_object_get(json_object_get(json_object_get(
	    res, "sampling"), "error"), "code")) == -32601);
	T(ev.messages == 1 && ev.requests == 1);	/* ping not shown */
	T(info.warm == 1 && info.pid == pid);
	json_decref(r);

	/* A caller that can relay sampling declares it and answers. */
	caps = json_pack("{s:{}}", "sampling");
	o.client_capabilities = caps;
	memset(&ev, 0, sizeof(ev));
	ev.answer = 1;
	T(call(&s, &o, "{\"jsonrpc\":\"2.0\",\"id\":\"abc\",\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"ask\"}}", &ev, &r, &info)
	    == UPSTREAM_STDIO_OK);
	T(info.warm == 0 && info.pid != pid);	/* other capabilities */
	res = json_object_get(json_object_get(r, "result"), "sampling");
	T(strcmp(json_string_value(json_object_get(res, "id")), "s1") == 0);
	T(strcmp(json_string_value(json_object_get(json_object_get(res,
	    "result"), "model")), "relayed") == 0);
	T(ev.requests == 1);
	json_decref(r);
	T(call(&s, &o, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"env\"}}", &ev, &r, &info)
	    == UPSTREAM_STDIO_OK);
	T(json_is_object(json_object_get(json_object_get(json_object_get(
	    json_object_get(r, "result"), "init"), "capabilities"),
	    "sampling")));
	json_decref(r);
	o.client_capabilities = NULL;
	json_decref(caps);
	T(call(&s, &o, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}",
	    &ev, &r, &info) == UPSTREAM_STDIO_OK);
	T(info.warm == 1 && info.pid == pid);	/* the first one again */
	json_decref(r);

	/* Stale answers and other calls' progress are not passed on; blank
	 * lines and CRs are tolerated. */
	memset(&ev, 0, sizeof(ev));
	T(call(&s, &o, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"stale\",\"_meta\":"
	    "{\"progressToken\":\"mine\"}}}", &ev, &r, &info) ==
	    UPSTREAM_STDIO_OK);
	T(json_is_true(json_object_get(json_object_get(r, "result"), "ok")));
	T(ev.progress == 1 && strcmp(ev.token, "mine") == 0);
	json_decref(r);

	/* Between calls: a ping is answered by the reaper, a notification
	 * dropped. */
	T(call(&s, &o, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"noise\"}}", &ev, &r, &info)
	    == UPSTREAM_STDIO_OK);
	json_decref(r);
	usleep(200000);
	upstream_stdio_pool_reap();
	memset(&ev, 0, sizeof(ev));
	T(call(&s, &o, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"last\"}}", &ev, &r, &info)
	    == UPSTREAM_STDIO_OK);
	T(strcmp(json_string_value(json_object_get(json_object_get(
	    json_object_get(r, "result"), "p2"), "id")), "p2") == 0);
	T(ev.n == 0 && info.pid == pid);
	json_decref(r);

	/* Lots of stderr (2 MB) does not block anything; it is logged at
	 * debug level, a bounded number of lines, each truncated. */
	fflush(stderr);
	saved = dup(2);
	logfd = open(logpath, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	T(saved != -1 && logfd != -1 && dup2(logfd, 2) == 2);
	log_init(LOG_LVL_DEBUG);
	T(call(&s, &o, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"stderr\"}}", &ev, &r, &info)
	    == UPSTREAM_STDIO_OK);
	log_init(LOG_LVL_INFO);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	T(info.pid == pid);
	json_decref(r);
	n = pread(logfd, logbuf, sizeof(logbuf) - 1, 0);
	close(logfd);
	unlink(logpath);
	logbuf[n > 0 ? n : 0] = '\0';
	lines = 0;
	longest = 0;
	for (p = logbuf; (q = strchr(p, '\n')) != NULL; p = q + 1) {
		char *e = strstr(p, "stderr: eeee");

		if (e == NULL || e > q)
			continue;
		lines++;
		e += strlen("stderr: ");
		if ((size_t)(q - e) > longest)
			longest = (size_t)(q - e);
	}
	printf("# 2000 stderr lines of 1000 bytes: %d logged, %zu bytes "
	    "each at most\n", lines, longest);
	T(lines == LIMIT_STDIO_STDERR_LINES);
	T(longest == LIMIT_STDIO_STDERR_LINE);

	/* An upstream JSON-RPC error is a response, not a failure. */
	T(call(&s, &o, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"nope\"}}", &ev, &r, &info)
	    == UPSTREAM_STDIO_OK);
	T(json_integer_value(json_object_get(json_object_get(r, "error"),
	    "code")) == -32602);
	json_decref(r);

	/* Garbage after the handshake. */
	T(call(&s, &o, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"garbage\"}}", &ev, &r,
	    &info) == UPSTREAM_STDIO_BAD_OUTPUT);
	T(r == NULL && info.pid == pid && gone(pid));
	T(strstr(info.detail, "not json") != NULL);
	T(call(&s, &o, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"notrpc\"}}", &ev, &r,
	    &info) == UPSTREAM_STDIO_BAD_OUTPUT);
	T(gone(info.pid));

	/* Death in the middle of a call. */
	T(call(&s, &o, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"die\"}}", &ev, &r, &info)
	    == UPSTREAM_STDIO_CRASHED);
	T(strstr(info.detail, "exited with status 7") != NULL);
	T(gone(info.pid));

	/* A line over max_line. */
	o.max_line = 64 * 1024;
	T(call(&s, &o, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"bigline\"}}", &ev, &r,
	    &info) == UPSTREAM_STDIO_BAD_OUTPUT);
	T(gone(info.pid));
	o.max_line = 0;

	/* Flooding: bytes, then message count. */
	o.max_output = 1024 * 1024;
	memset(&ev, 0, sizeof(ev));
	t0 = now_ms();
	T(call(&s, &o, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"flood\"}}", &ev, &r,
	    &info) == UPSTREAM_STDIO_OUTPUT_TOO_LARGE);
	T(now_ms() - t0 < 3000 && gone(info.pid));
	o.max_output = 0;
	T(call(&s, &o, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"many\"}}", &ev, &r,
	    &info) == UPSTREAM_STDIO_OUTPUT_TOO_LARGE);
	T(strstr(info.detail, "messages") != NULL && gone(info.pid));

	/* Hung. */
	o.deadline_ms = 400;
	T(call(&s, &o, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"hang\"}}", &ev, &r, &info)
	    == UPSTREAM_STDIO_TIMEOUT);
	T(gone(info.pid));
	o.deadline_ms = T_WAIT_MS;

	/* initialize refused by the server. */
	mock(&s, "t1", "initerr");
	T(call(&s, &o, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}",
	    &ev, &r, &info) == UPSTREAM_STDIO_INIT_FAILED);
	T(strstr(info.detail, "unsupported") != NULL && gone(info.pid));
	upstream_stdio_info_release(&info);
}

static void
test_broken_programs(void)
{
	struct upstream_stdio_opts	 o;
	struct upstream_stdio_info	 info;
	struct events			 ev;
	struct server			 s;
	json_t				*r = NULL;
	uint64_t			 t0;

	opts_for_test(&o);
	upstream_stdio_info_init(&info);
	memset(&ev, 0, sizeof(ev));

	sh(&s, "t1", "garbage", "echo not-json; sleep 5");
	t0 = now_ms();
	T(call(&s, &o, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}",
	    &ev, &r, &info) == UPSTREAM_STDIO_BAD_OUTPUT);
	T(now_ms() - t0 < 2000 && r == NULL);
	T(gone(info.pid));	/* sleep included */

	sh(&s, "t1", "flood", "yes '{\"jsonrpc\":\"2.0\",\"method\":"
	    "\"notifications/message\",\"params\":{}}'");
	T(call(&s, &o, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}",
	    &ev, &r, &info) == UPSTREAM_STDIO_OUTPUT_TOO_LARGE);
	T(gone(info.pid));
	sh(&s, "t1", "flood", "yes");
	T(call(&s, &o, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}",
	    &ev, &r, &info) == UPSTREAM_STDIO_BAD_OUTPUT);
	T(gone(info.pid));
	sh(&s, "t1", "flood", "head -c 100000000 /dev/zero");
	o.max_output = 1024 * 1024;
	T(call(&s, &o, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}",
	    &ev, &r, &info) == UPSTREAM_STDIO_OUTPUT_TOO_LARGE);
	T(gone(info.pid));
	o.max_line = 64 * 1024;		/* one endless line */
	T(call(&s, &o, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}",
	    &ev, &r, &info) == UPSTREAM_STDIO_BAD_OUTPUT);
	T(strstr(info.detail, "65536-byte limit") != NULL && gone(info.pid));
	o.max_output = 0;
	o.max_line = 0;

	sh(&s, "t1", "crash", "exit 3");
	T(call(&s, &o, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}",
	    &ev, &r, &info) == UPSTREAM_STDIO_CRASHED);
	T(strstr(info.detail, "exited with status 3") != NULL);
	T(gone(info.pid));

	sh(&s, "t1", "silent", "exec sleep 30");
	o.deadline_ms = 300;
	T(call(&s, &o, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}",
	    &ev, &r, &info) == UPSTREAM_STDIO_TIMEOUT);
	T(gone(info.pid));
	o.deadline_ms = T_WAIT_MS;

	/* Spawn failures. */
	server_init(&s, "t1", "missing", "1");
	s.argv[0] = "no-such-mcp-server";
	T(call(&s, &o, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}",
	    &ev, &r, &info) == UPSTREAM_STDIO_SPAWN_FAILED);
	T(strstr(info.detail, "not found") != NULL && info.pid == 0);
	if (geteuid() == 0) {
		sh(&s, "t1", "root", "exit 0");
		o.run_uid = (uid_t)-1;
		o.run_gid = (gid_t)-1;
		T(call(&s, &o, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
		    "\"ping\"}", &ev, &r, &info) ==
		    UPSTREAM_STDIO_SPAWN_FAILED);
		T(strstr(info.detail, "as root") != NULL);
		o.run_uid = 0;
		o.run_gid = 0;
		T(call(&s, &o, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
		    "\"ping\"}", &ev, &r, &info) ==
		    UPSTREAM_STDIO_SPAWN_FAILED);
		opts_for_test(&o);
	} else
		TSKIP("a server is never started as root", "needs root");
	upstream_stdio_info_release(&info);
}

static void
test_invalid(void)
{
	static const struct {
		int		 line;
		const char	*env0, *env1, *msg;
	} cases[] = {
		{ __LINE__, "LD_PRELOAD=/x.so", NULL, NULL },
		{ __LINE__, "NODE_OPTIONS=--require /x", NULL, NULL },
		{ __LINE__, "PATH=/tmp", NULL, NULL },
		{ __LINE__, "HOME=/", NULL, NULL },
		{ __LINE__, "NOEQUALS", NULL, NULL },
		{ __LINE__, "=x", NULL, NULL },
		{ __LINE__, "1ABC=x", NULL, NULL },
		{ __LINE__, "A-B=x", NULL, NULL },
		{ __LINE__, "A=1", "A=2", NULL },
		{ __LINE__, NULL, NULL, "[]" },
		{ __LINE__, NULL, NULL, "{\"jsonrpc\":\"2.0\",\"id\":1}" },
		{ __LINE__, NULL, NULL, "{\"jsonrpc\":\"2.0\",\"id\":1,"
		    "\"result\":{}}" },
		{ __LINE__, NULL, NULL, "{\"jsonrpc\":\"1.0\",\"id\":1,"
		    "\"method\":\"ping\"}" },
		{ __LINE__, NULL, NULL, "{\"jsonrpc\":\"2.0\",\"id\":null,"
		    "\"method\":\"ping\"}" },
		{ __LINE__, NULL, NULL, "{\"jsonrpc\":\"2.0\",\"id\":1.5,"
		    "\"method\":\"ping\"}" },
	};
	struct upstream_stdio_opts	 o;
	struct upstream_stdio_info	 info;
	struct server			 s;
	json_t				*r, *m;
	size_t				 i;

	opts_for_test(&o);
	upstream_stdio_info_init(&info);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sh(&s, "t1", "inv", "exit 0");
		s.env[0] = cases[i].env0;
		s.env[1] = cases[i].env1;
		m = json_loads(cases[i].msg != NULL ? cases[i].msg :
		    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", 0,
		    NULL);
		r = NULL;
		T_LINE(upstream_stdio_call(&s.spec, &o, m, NULL, NULL, &r,
		    &info) == UPSTREAM_STDIO_EINVAL && r == NULL &&
		    info.pid == 0, cases[i].line);
		/* A refused variable is named, its value never shown. */
		if (cases[i].env0 != NULL && strchr(cases[i].env0, '/'))
			T_LINE(strchr(info.detail, '/') == NULL,
			    cases[i].line);
		json_decref(m);
		upstream_stdio_info_release(&info);
	}
	/* Missing pieces. */
	sh(&s, "t1", "inv", "exit 0");
	m = json_loads("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", 0,
	    NULL);
	s.spec.workdir = "relative";
	T(upstream_stdio_call(&s.spec, &o, m, NULL, NULL, &r, NULL) ==
	    UPSTREAM_STDIO_EINVAL);
	s.spec.workdir = s.workdir;
	s.spec.tenant_id = "";
	T(upstream_stdio_call(&s.spec, &o, m, NULL, NULL, &r, NULL) ==
	    UPSTREAM_STDIO_EINVAL);
	T(upstream_stdio_call(NULL, &o, m, NULL, NULL, &r, NULL) ==
	    UPSTREAM_STDIO_EINVAL);
	json_decref(m);
	T(strcmp(upstream_stdio_strerror(UPSTREAM_STDIO_TIMEOUT), "timeout")
	    == 0);
	T(strcmp(upstream_stdio_strerror(UPSTREAM_STDIO__MAX),
	    "unknown error") == 0);
}

/* The code-loading denylist: every entry refused with its reason, and
 * look-alikes that are fine still accepted (they reach the spawn). */
static void
test_env_denylist(void)
{
	static const struct {
		int		 line;
		const char	*kv;
		const char	*why;	/* NULL: accepted */
	} cases[] = {
		{ __LINE__, "LD_PRELOAD=/x.so", "dynamic linker" },
		{ __LINE__, "LD_LIBRARY_PATH=/x", "dynamic linker" },
		{ __LINE__, "ld_audit=/x.so", "dynamic linker" },
		{ __LINE__, "GLIBC_TUNABLES=glibc.x=1", "dynamic linker" },
		{ __LINE__, "GCONV_PATH=/x", "loads code" },
		{ __LINE__, "NODE_OPTIONS=--require /x", "node: loads code" },
		{ __LINE__, "NODE_EXTRA_CA_CERTS=/x.pem", "trusted TLS roots" },
		{ __LINE__, "NODE_PATH=/x", "module lookup" },
		{ __LINE__, "NODE_TLS_REJECT_UNAUTHORIZED=0", "TLS checks" },
		{ __LINE__, "JAVA_TOOL_OPTIONS=-javaagent:/x", "java" },
		{ __LINE__, "_JAVA_OPTIONS=-javaagent:/x", "java" },
		{ __LINE__, "JDK_JAVA_OPTIONS=-javaagent:/x", "java" },
		{ __LINE__, "PYTHONPATH=/x", "python" },
		{ __LINE__, "PYTHONSTARTUP=/x", "python" },
		{ __LINE__, "PYTHONWARNINGS=x", "python" },
		{ __LINE__, "PERL5OPT=-Mx", "perl" },
		{ __LINE__, "PERL5LIB=/x", "perl" },
		{ __LINE__, "PERLLIB=/x", "perl" },
		{ __LINE__, "RUBYOPT=-rx", "ruby" },
		{ __LINE__, "RUBYLIB=/x", "ruby" },
		{ __LINE__, "DOTNET_STARTUP_HOOKS=/x.dll", ".net" },
		{ __LINE__, "CORECLR_PROFILER_PATH=/x.so", ".net" },
		{ __LINE__, "COMPlus_x=1", ".net" },
		{ __LINE__, "BASH_ENV=/x", "shell" },
		{ __LINE__, "ENV=/x", "shell" },
		{ __LINE__, "OPENSSL_CONF=/x", "openssl" },
		{ __LINE__, "SSL_CERT_FILE=/x", "openssl" },
		{ __LINE__, "PATH=/tmp", "set by the platform" },
		{ __LINE__, "NODE_ENV=production", NULL },
		{ __LINE__, "ENVIRONMENT=x", NULL },
		{ __LINE__, "MY_LD_THING=x", NULL },
		{ __LINE__, "API_TOKEN=x", NULL },
	};
	struct upstream_stdio_opts	 o;
	struct upstream_stdio_info	 info;
	struct server			 s;
	json_t				*r, *m;
	enum upstream_stdio_err		 e;
	size_t				 i;

	opts_for_test(&o);
	m = json_loads("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"ping\"}", 0, NULL);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		upstream_stdio_info_init(&info);
		sh(&s, "t1", "deny", "exit 0");
		s.env[0] = cases[i].kv;
		s.env[1] = NULL;
		r = NULL;
		e = upstream_stdio_call(&s.spec, &o, m, NULL, NULL, &r, &info);
		if (cases[i].why != NULL) {
			T_LINE(e == UPSTREAM_STDIO_EINVAL && r == NULL &&
			    info.pid == 0, cases[i].line);
			/* Named, with the reason, never the value. */
			T_LINE(strstr(info.detail, cases[i].why) != NULL &&
			    strstr(info.detail, "refused") != NULL &&
			    strchr(info.detail, '/') == NULL, cases[i].line);
		} else
			T_LINE(e != UPSTREAM_STDIO_EINVAL, cases[i].line);
		json_decref(r);
		upstream_stdio_info_release(&info);
	}
	json_decref(m);
	upstream_stdio_pool_shutdown();
}

/* read TOOL through mock: the "out" of the result ("ERR ..." on failure). */
static char *
read_via(struct server *s, const struct upstream_stdio_opts *o,
    const char *path)
{
	struct upstream_stdio_info	 info;
	json_t				*r = NULL;
	char				 msg[1024], *out = NULL;
	const char			*v;

	snprintf(msg, sizeof(msg), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"read\",\"arguments\":"
	    "{\"path\":\"%s\"}}}", path);
	upstream_stdio_info_init(&info);
	if (call(s, o, msg, NULL, &r, &info) == UPSTREAM_STDIO_OK &&
	    (v = json_string_value(json_object_get(json_object_get(r,
	    "result"), "out"))) != NULL)
		out = strdup(v);
	else
		printf("# read_via: %s\n", info.detail);
	json_decref(r);
	upstream_stdio_info_release(&info);
	return out;
}

/* stdio_sandbox = best: the child reads its own directory and the
 * system, not a file elsewhere that its uid could read. */
static void
test_sandboxed(void)
{
	struct upstream_stdio_opts	 o;
	struct sandbox_support		 sup;
	struct server			 a;
	char				 secret[600], own[700], *out;
	int				 fd;

	sandbox_probe(&sup);
	if (sup.landlock_abi == 0) {
		TSKIP("a sandboxed child reads only what it may", "no Landlock on this kernel");
		return;
	}
	snprintf(secret, sizeof(secret), "%s/secret-key", tmpbase);
	fd = open(secret, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
	T(fd != -1 && write(fd, "sb_secret\n", 10) == 10);
	close(fd);
	opts_for_test(&o);
	o.sandbox = SANDBOX_MODE_BEST;
	mock(&a, "sb", "");
	out = read_via(&a, &o, "/etc/hosts");
	T(out != NULL && strncmp(out, "ERR ", 4) != 0);
	free(out);
	snprintf(own, sizeof(own), "%s/own", a.workdir);
	fd = open(own, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
	T(fd != -1 && write(fd, "mine\n", 5) == 5);
	close(fd);
	out = read_via(&a, &o, own);
	T(out != NULL && strcmp(out, "mine\n") == 0);
	free(out);
	out = read_via(&a, &o, secret);
	printf("# sandboxed child reading %s: %s\n", secret, out);
	T(out != NULL && strncmp(out, "ERR ", 4) == 0 &&
	    strstr(out, "EACCES") != NULL);
	free(out);
	/* Off: the same child reads it (the file is 0644). */
	o.sandbox = SANDBOX_MODE_OFF;
	out = read_via(&a, &o, secret);
	T(out != NULL && strcmp(out, "sb_secret\n") == 0);
	free(out);
	upstream_stdio_pool_shutdown();
}

/* The disk quota: checked before a child is started (not while a warm
 * one serves); over it, the spawn fails with a reason fit for the client. */
static void
test_disk_quota(void)
{
	static const char ping[] = "{\"jsonrpc\":\"2.0\",\"id\":1,"
	    "\"method\":\"ping\"}";
	struct upstream_stdio_opts	 o;
	struct upstream_stdio_info	 info;
	struct server			 a;
	json_t				*r = NULL;
	char				 fill[700], b[4096];
	int				 fd, i;

	opts_for_test(&o);
	o.disk_quota = 64 * 1024;
	mock(&a, "dq", "");
	upstream_stdio_info_init(&info);
	T(call(&a, &o, ping, NULL, &r, &info) == UPSTREAM_STDIO_OK);
	T(info.reason[0] == '\0');
	json_decref(r);
	r = NULL;
	/* Fill the directory past the quota while a child is warm: that
	 * one goes on serving, the check is at spawn. */
	snprintf(fill, sizeof(fill), "%s/fill", a.workdir);
	fd = open(fill, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
	T(fd != -1);
	memset(b, 'x', sizeof(b));
	for (i = 0; fd != -1 && i < 64; i++)
		T(write(fd, b, sizeof(b)) == (ssize_t)sizeof(b));
	if (fd != -1) {
		T(fsync(fd) == 0);
		close(fd);
	}
	T(call(&a, &o, ping, NULL, &r, &info) == UPSTREAM_STDIO_OK);
	json_decref(r);
	r = NULL;
	upstream_stdio_pool_shutdown();
	T(call(&a, &o, ping, NULL, &r, &info) == UPSTREAM_STDIO_SPAWN_FAILED);
	T(r == NULL && info.pid == 0);
	T(strstr(info.reason, "disk quota exceeded") != NULL &&
	    strstr(info.reason, "65536 bytes") != NULL);
	T(strstr(info.reason, tmpbase) == NULL);	/* no path for clients */
	T(strstr(info.detail, a.workdir) != NULL);	/* the log's */
	/* Room again: served. A quota of 0 checks nothing. */
	T(unlink(fill) == 0);
	T(call(&a, &o, ping, NULL, &r, &info) == UPSTREAM_STDIO_OK);
	T(info.reason[0] == '\0');
	json_decref(r);
	upstream_stdio_info_release(&info);
	upstream_stdio_pool_shutdown();
}

/* What one tenant's server can see of another's (root: isolated). */
static void
test_tenant_isolation(void)
{
	struct upstream_stdio_opts	 o;
	struct upstream_stdio_info	 info;
	struct server			 a, b;
	json_t				*r = NULL;
	char				 msg[1024], file[700];
	const char			*out;
	pid_t				 pb;
	int				 fd;

	if (geteuid() != 0) {
		TSKIP("one tenant's server cannot see another's",
		    "isolation needs root");
		return;
	}
	opts_for_test(&o);
	upstream_stdio_info_init(&info);
	mock(&a, "ta", "");
	mock(&b, "tb", "");
	T(call(&b, &o, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}",
	    NULL, &r, &info) == UPSTREAM_STDIO_OK);
	pb = info.pid;
	json_decref(r);
	snprintf(file, sizeof(file), "%s/note", b.workdir);
	fd = open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	T(fd != -1 && write(fd, "tenant b\n", 9) == 9);
	close(fd);

	/* b reads its own file; a can neither see it nor b's environ. */
	snprintf(msg, sizeof(msg), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"read\",\"arguments\":"
	    "{\"path\":\"%s\"}}}", file);
	T(call(&b, &o, msg, NULL, &r, &info) == UPSTREAM_STDIO_OK);
	out = json_string_value(json_object_get(json_object_get(r, "result"),
	    "out"));
	T(out != NULL && strcmp(out, "tenant b\n") == 0);
	T(json_integer_value(json_object_get(json_object_get(r, "result"),
	    "pid")) == 1);		/* pid 1 of its own namespace */
	json_decref(r);
	T(call(&a, &o, msg, NULL, &r, &info) == UPSTREAM_STDIO_OK);
	out = json_string_value(json_object_get(json_object_get(r, "result"),
	    "out"));
	printf("# tenant a reading tenant b's file: %s\n", out);
	T(out != NULL && strncmp(out, "ERR ", 4) == 0);
	json_decref(r);
	snprintf(msg, sizeof(msg), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"read\",\"arguments\":"
	    "{\"path\":\"/proc/%d/environ\"}}}", (int)pb);
	T(call(&a, &o, msg, NULL, &r, &info) == UPSTREAM_STDIO_OK);
	out = json_string_value(json_object_get(json_object_get(r, "result"),
	    "out"));
	printf("# tenant a reading tenant b's environ: %s\n", out);
	T(out != NULL && strncmp(out, "ERR ", 4) == 0);
	json_decref(r);
	upstream_stdio_info_release(&info);
}

static void
test_pool(void)
{
	struct upstream_stdio_opts	 o;
	struct upstream_stdio_info	 info;
	struct server			 a, b, c;
	json_t				*r = NULL;
	pid_t				 pa, pb, pc;
	int				 st;

	upstream_stdio_pool_shutdown();
	opts_for_test(&o);
	upstream_stdio_info_init(&info);

	/* pool_max 0: a child per call, ended after it. */
	o.pool_max = 0;
	mock(&a, "t1", "");
	T(call(&a, &o, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}",
	    NULL, &r, &info) == UPSTREAM_STDIO_OK);
	T(upstream_stdio_pool_size() == 0 && retired_gone(info.pid));
	json_decref(r);

	/* LRU eviction at pool_max 2. */
	o.pool_max = 2;
	mock(&a, "ta", "");
	mock(&b, "tb", "");
	mock(&c, "tc", "");
	T(call(&a, &o, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}",
	    NULL, &r, &info) == UPSTREAM_STDIO_OK);
	pa = info.pid;
	json_decref(r);
	T(call(&b, &o, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}",
	    NULL, &r, &info) == UPSTREAM_STDIO_OK);
	pb = info.pid;
	json_decref(r);
	T(call(&a, &o, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}",
	    NULL, &r, &info) == UPSTREAM_STDIO_OK);	/* a is now newer */
	T(info.warm == 1 && info.pid == pa);
	json_decref(r);
	T(call(&c, &o, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}",
	    NULL, &r, &info) == UPSTREAM_STDIO_OK);
	pc = info.pid;
	json_decref(r);
	T(upstream_stdio_pool_size() == 2);
	T(retired_gone(pb) && kill(pa, 0) == 0 && kill(pc, 0) == 0);

	/* Idle expiry at the next reap. */
	o.idle_s = 0;
	T(call(&a, &o, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}",
	    NULL, &r, &info) == UPSTREAM_STDIO_OK);
	json_decref(r);
	/* Expiry is not part of the fingerprint: the same child, which now
	 * expires at the next reap (c keeps its 300 s). */
	T(info.warm == 1 && info.pid == pa);
	upstream_stdio_pool_reap();
	T(upstream_stdio_pool_size() == 1);	/* a is retiring */
	T(retired_gone(pa) && kill(pc, 0) == 0 && upstream_stdio_pool_size()
	    == 1);

	/* Shutdown: nothing left, nothing to reap. */
	upstream_stdio_pool_shutdown();
	T(upstream_stdio_pool_size() == 0 && gone(pc));
	T(waitpid(-1, &st, WNOHANG) == -1 && errno == ECHILD);
	upstream_stdio_info_release(&info);
}

static void
rm_rf(const char *path)
{
	char		 sub[1024];
	struct stat	 st;
	DIR		*d;
	struct dirent	*e;

	if (lstat(path, &st) == -1)
		return;
	if (S_ISDIR(st.st_mode) && (d = opendir(path)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 ||
			    strcmp(e->d_name, "..") == 0)
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
			rm_rf(sub);
		}
		closedir(d);
		rmdir(path);
	} else
		unlink(path);
}

/* Stateless children (MCP 2026-07-28 over stdio): no handshake, a pool
 * of their own (the fingerprint), initialize refused, and forgotten on
 * demand. */
static void
test_stateless(void)
{
	struct upstream_stdio_opts	 o;
	struct upstream_stdio_info	 info;
	struct server			 s;
	json_t				*r = NULL, *res;
	pid_t				 pid, initialized;

	upstream_stdio_pool_shutdown();
	opts_for_test(&o);
	o.stateless = 1;
	upstream_stdio_info_init(&info);
	mock(&s, "ts", "");

	/* The child never saw initialize. */
	T(call(&s, &o, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"env\"}}", NULL, &r,
	    &info) == UPSTREAM_STDIO_OK);
	res = json_object_get(r, "result");
	T(json_is_null(json_object_get(res, "init")));
	T(json_integer_value(json_object_get(r, "id")) == 7);
	T(info.protocol_version[0] == '\0' && info.init_result == NULL);
	T(info.warm == 0);
	pid = info.pid;
	json_decref(r);

	/* Warm for the next stateless call. */
	T(call(&s, &o, "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":"
	    "\"server/discover\"}", NULL, &r, &info) == UPSTREAM_STDIO_OK);
	T(info.warm == 1 && info.pid == pid);
	T(strcmp(json_string_value(json_object_get(json_object_get(r,
	    "result"), "echo")), "server/discover") == 0);
	json_decref(r);

	/* initialize has no answer without a handshake. */
	r = NULL;
	T(call(&s, &o, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":"
	    "\"initialize\",\"params\":{}}", NULL, &r, &info) ==
	    UPSTREAM_STDIO_EINVAL);
	T(r == NULL);

	/* The same spec with a handshake is another child. */
	o.stateless = 0;
	T(call(&s, &o, "{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"env\"}}", NULL, &r,
	    &info) == UPSTREAM_STDIO_OK);
	initialized = info.pid;
	T(initialized != pid && info.warm == 0);
	T(json_is_object(json_object_get(json_object_get(r, "result"),
	    "init")));
	json_decref(r);
	T(upstream_stdio_pool_size() == 2);

	/* Forgetting the stateless spec ends only its child. */
	o.stateless = 1;
	upstream_stdio_pool_forget(&s.spec, &o);
	T(upstream_stdio_pool_size() == 1);
	upstream_stdio_pool_reap();
	T(retired_gone(pid));
	T(kill(initialized, 0) == 0);
	upstream_stdio_info_release(&info);
	upstream_stdio_pool_shutdown();
}

int
main(void)
{
	char	 cwd[512], probe[700];
	int	 st;

	if (getcwd(cwd, sizeof(cwd)) == NULL || mkdtemp(tmpbase) == NULL ||
	    chmod(tmpbase, 0711) == -1) {
		perror("setup");
		return 1;
	}
	snprintf(binpath, sizeof(binpath), "%s/node_modules/.bin:/usr/bin:/bin",
	    cwd);
	snprintf(hidedir, sizeof(hidedir), "%s/tenants", tmpbase);
	snprintf(probe, sizeof(probe), "%s/node_modules/.bin/"
	    "mcp-server-everything", cwd);
	have_everything = access(probe, X_OK) == 0;
	snprintf(probe, sizeof(probe), "%s/node_modules/.bin/node", cwd);
	if (access(probe, X_OK) != 0 && access("/usr/bin/node", X_OK) != 0) {
		TSKIP("the mock MCP server", "no node");
		return t_done();
	}

	test_invalid();
	test_env_denylist();
	test_sandboxed();
	test_disk_quota();
	test_broken_programs();
	test_mock();
	test_everything();
	test_tenant_isolation();
	test_pool();
	test_stateless();
	upstream_stdio_pool_shutdown();
	T(waitpid(-1, &st, WNOHANG) == -1 && errno == ECHILD);
	rm_rf(tmpbase);
	return t_done();
}
