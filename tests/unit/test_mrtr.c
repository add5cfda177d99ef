/*
 * test_mrtr.c -- src/mcp/mrtr.c: the input_required rounds and the
 * sealed requestState (round trip, tampering, another caller / tenant /
 * server, another request, expiry, answers not asked, size); and
 * src/mcp/rendezvous.c: a reply handed over from another process, a
 * forged id, a cancel, nobody waiting.
 */
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/sha.h>

#include "buf.h"
#include "clock.h"
#include "jsonx.h"
#include "mcp/mrtr.h"
#include "mcp/protocol.h"
#include "mcp/rendezvous.h"
#include "mcp/upstream.h"
#include "t.h"

static const char mkey[] = "0123456789abcdef0123456789abcdef";

static void
setup(struct mrtr *t, const char *tenant, const char *server,
    const char *caller, const json_t *caps)
{
	mrtr_init(t);
	t->master_key = mkey;
	t->master_key_len = strlen(mkey);
	t->tenant_id = tenant;
	t->server = server;
	t->caller = caller;
	t->client_caps = caps;
}

static json_t *
call(const char *tool, const json_t *extra)
{
	json_t	*m = json_pack("{s:s, s:i, s:s, s:{s:s, s:{}}}", "jsonrpc",
		    "2.0", "id", 1, "method", "tools/call", "params", "name",
		    tool, "arguments");

	if (extra != NULL)
		json_object_update(json_object_get(m, "params"),
		    (json_t *)(uintptr_t)extra);
	return m;
}

/* Round one: the child asks; the answer is input_required. NEW. */
static json_t *
round_one(const json_t *caps, const json_t *ask)
{
	struct mrtr	 t;
	json_t		*msg = call("ask", NULL), *reply = NULL, *ans;
	char		 why[160];

	setup(&t, "tenant-a", "everything", "1:user-a", caps);
	T(mrtr_begin(&t, msg, time(NULL), why, sizeof(why)) == 0);
	T(mrtr_ask(&t, ask, 0, &reply) == UPSTREAM_ASK_LATER);
	T(json_integer_value(json_object_get(json_object_get(reply, "error"),
	    "code")) == -32603);
	T(mrtr_pending(&t));
	ans = mrtr_answer(&t, json_object_get(msg, "id"), time(NULL));
	json_decref(reply);
	json_decref(msg);
	mrtr_release(&t);
	return ans;
}

/* A retry of tool with state and responses, as caller: mrtr_begin's rc. */
static int
retry(const char *tenant, const char *server, const char *caller,
    const char *tool, const char *state, const json_t *responses,
    time_t now, const json_t *ask, json_t **reply)
{
	struct mrtr	 t;
	json_t		*x, *msg;
	char		 why[160];
	int		 rc;

	x = json_pack("{s:s}", "requestState", state);
	if (responses != NULL)
		json_object_set(x, "inputResponses", (json_t *)(uintptr_t)
		    responses);
	msg = call(tool, x);
	setup(&t, tenant, server, caller, NULL);
	t.client_caps = json_pack("{s:{}}", "elicitation");
	rc = mrtr_begin(&t, msg, now, why, sizeof(why));
	if (rc == 0 && ask != NULL)
		mrtr_ask(&t, ask, 0, reply);
	json_decref((json_t *)(uintptr_t)t.client_caps);
	mrtr_release(&t);
	json_decref(msg);
	json_decref(x);
	return rc;
}

static void
test_mrtr(void)
{
	json_t		*caps = json_pack("{s:{}}", "elicitation");
	json_t		*ask = json_pack("{s:s, s:s, s:{s:s}}", "jsonrpc", "2.0",
			    "method", "elicitation/create", "params", "message",
			    "name?");
	json_t		*ans, *res, *reply = NULL, *resp;
	const char	*state, *key = NULL, *k;
	char		*bad;
	json_t		*v;
	struct mrtr	 t;
	size_t		 i, n;

	ans = round_one(caps, ask);
	res = json_object_get(ans, "result");
	T(strcmp(json_string_value(json_object_get(res, "resultType")),
	    "input_required") == 0);
	T(json_object_size(json_object_get(res, "inputRequests")) == 1);
	json_object_foreach(json_object_get(res, "inputRequests"), k, v) {
		T(strcmp(jsonx_str(v, "method"), "elicitation/create") == 0);
		key = k;
	}
	T(key != NULL && strncmp(key, "in-", 3) == 0);
	state = json_string_value(json_object_get(res, "requestState"));
	T(state != NULL && strstr(state, "name") == NULL);
	resp = json_pack("{s:{s:s}}", key, "action", "decline");

	/* The honest retry: the child's question is answered. */
	T(retry("tenant-a", "everything", "1:user-a", "ask", state, resp,
	    time(NULL), ask, &reply) == 0);
	T(json_is_object(json_object_get(reply, "result")) &&
	    strcmp(json_string_value(json_object_get(json_object_get(reply,
	    "result"), "action")), "decline") == 0);
	json_decref(reply);
	reply = NULL;

	/* Bound to caller, tenant, server, request, time. */
	T(retry("tenant-a", "everything", "1:user-b", "ask", state, resp,
	    time(NULL), NULL, NULL) == -1);
	T(retry("tenant-a", "everything", "2:user-a", "ask", state, resp,
	    time(NULL), NULL, NULL) == -1);
	T(retry("tenant-b", "everything", "1:user-a", "ask", state, resp,
	    time(NULL), NULL, NULL) == -1);
	T(retry("tenant-a", "memory", "1:user-a", "ask", state, resp,
	    time(NULL), NULL, NULL) == -1);
	T(retry("tenant-a", "everything", "1:user-a", "other", state, resp,
	    time(NULL), NULL, NULL) == -1);
	T(retry("tenant-a", "everything", "1:user-a", "ask", state, resp,
	    time(NULL) + LIMIT_MRTR_TTL_S + 2, NULL, NULL) == -1);
	T(retry("tenant-a", "everything", "1:user-a", "ask", state, resp,
	    time(NULL) + LIMIT_MRTR_TTL_S - 2, NULL, NULL) == 0);

	/* Every byte position changed, in turn: never opens. */
	n = strlen(state);
	bad = strdup(state);
	for (i = 0; bad != NULL && i < n; i++) {
		bad[i] = state[i] == 'A' ? 'B' : 'A';
		T_LINE(retry("tenant-a", "everything", "1:user-a", "ask", bad,
		    resp, time(NULL), NULL, NULL) == -1, __LINE__);
		bad[i] = state[i];
	}
	free(bad);
	T(retry("tenant-a", "everything", "1:user-a", "ask", "", resp,
	    time(NULL), NULL, NULL) == -1);

	/* Answers to what was not asked. */
	json_decref(resp);
	resp = json_pack("{s:{s:s}}", "in-0000000000000000", "action",
	    "decline");
	T(retry("tenant-a", "everything", "1:user-a", "ask", state, resp,
	    time(NULL), NULL, NULL) == -1);

	/* No capability declared: not asked (reply stays NULL: -32601). */
	setup(&t, "tenant-a", "everything", "1:user-a", NULL);
	v = call("ask", NULL);
	T(mrtr_begin(&t, v, time(NULL), (char[160]){0}, 160) == 0);
	T(mrtr_ask(&t, ask, 0, &reply) == 0 && reply == NULL);
	T(!mrtr_pending(&t));
	mrtr_release(&t);
	json_decref(v);

	/* inputResponses malformed: refused with or without a state
	 * (a number for an answer, null, too many); extra well-formed
	 * keys without a state are ignored. */
	{
		const char	*shapes[] = { "{\"user_name\":12345}", "null",
				    "[]", "\"x\"", "{\"a\":{},\"b\":null}" };
		char		 why[160];
		json_t		*p, *big;

		for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
			p = json_pack("{s:o}", "inputResponses",
			    json_loads(shapes[i], JSON_DECODE_ANY, NULL));
			v = call("ask", p);
			T_LINE(mrtr_check_inputs(v, why, sizeof(why)) == -1,
			    __LINE__);
			setup(&t, "tenant-a", "everything", "1:user-a", caps);
			T_LINE(mrtr_begin(&t, v, time(NULL), why,
			    sizeof(why)) == -1, __LINE__);
			mrtr_release(&t);
			json_decref(v);
			json_decref(p);
		}
		big = json_object();
		for (i = 0; i <= LIMIT_MRTR_INPUTS; i++) {
			snprintf(why, sizeof(why), "k%zu", i);
			json_object_set_new(big, why, json_object());
		}
		p = json_pack("{s:o}", "inputResponses", big);
		v = call("ask", p);
		T(mrtr_check_inputs(v, why, sizeof(why)) == -1);
		json_decref(v);
		json_decref(p);
		p = json_pack("{s:{s:{s:s}, s:{}}}", "inputResponses",
		    "user_name", "action", "accept", "unknown_extra_key");
		v = call("ask", p);
		T(mrtr_check_inputs(v, why, sizeof(why)) == 0);
		setup(&t, "tenant-a", "everything", "1:user-a", caps);
		T(mrtr_begin(&t, v, time(NULL), why, sizeof(why)) == 0);
		mrtr_release(&t);
		json_decref(v);
		json_decref(p);
		v = call("ask", NULL);
		T(mrtr_check_inputs(v, why, sizeof(why)) == 0);
		json_decref(v);
	}

	json_decref(resp);
	json_decref(ans);
	json_decref(ask);
	json_decref(caps);
}

/* ---- rendezvous ----------------------------------------------------- */

static char	 rdv_dir[] = "/tmp/test_rdv.XXXXXX";
static const char *rdv_sid = "session-1";
static const char *rdv_mode;	/* what the "other worker" sends */
static const char *rdv_tenant = "tenant-a";

/* The relay: another process delivers the client's answer. */
static void
rdv_relay(void *arg, const json_t *msg)
{
	const char	*id = json_string_value(json_object_get(msg, "id"));
	json_t		*r;
	pid_t		 pid;
	int		 rc;

	(void)arg;
	if ((pid = fork()) != 0) {
		*(pid_t *)arg = pid;
		return;
	}
	if (strcmp(rdv_mode, "reply") == 0)
		r = json_pack("{s:s, s:s, s:{s:s}}", "jsonrpc", "2.0", "id",
		    id, "result", "action", "accept");
	else if (strcmp(rdv_mode, "forged") == 0) {
		char	f[256];

		snprintf(f, sizeof(f), "%s", id);
		f[5] = f[5] == 'a' ? 'b' : 'a';
		r = json_pack("{s:s, s:s, s:{}}", "jsonrpc", "2.0", "id", f,
		    "result");
	} else
		r = json_pack("{s:s, s:s, s:{s:i}}", "jsonrpc", "2.0", "method",
		    "notifications/cancelled", "params", "requestId", 42);
	rc = rendezvous_deliver(rdv_dir, rdv_tenant, rdv_sid, r);
	/* Another session's reply never reaches it. */
	if (rc == 0 && rendezvous_deliver(rdv_dir, rdv_tenant, "session-2",
	    r) != 1)
		rc = 9;
	_exit(rc);
}

static void
test_rendezvous(void)
{
	struct rendezvous_client cl;
	json_t		*req, *reply = NULL, *id = json_integer(42), *r;
	pid_t		 pid = 0;
	int		 st;

	T(mkdtemp(rdv_dir) != NULL);
	memset(&cl, 0, sizeof(cl));
	cl.data_dir = rdv_dir;
	cl.tenant_id = "tenant-a";
	cl.session_id = rdv_sid;
	cl.call_id = id;
	cl.relay = rdv_relay;
	cl.arg = &pid;
	req = json_pack("{s:s, s:i, s:s}", "jsonrpc", "2.0", "id", 0,
	    "method", "elicitation/create");

	/* A client that did not declare elicitation is not asked: -32601
	 * for the child at once, nothing relayed. */
	T(rendezvous_ask(&cl, req, clock_mono_ms() + 20000, &reply) == 0);
	T(pid == 0 && json_integer_value(json_object_get(json_object_get(
	    reply, "error"), "code")) == -32601);
	json_decref(reply);
	reply = NULL;
	cl.caps = MCP_CAP_ELICITATION | MCP_CAP_SAMPLING | MCP_CAP_ROOTS;

	rdv_mode = "reply";
	T(rendezvous_ask(&cl, req, clock_mono_ms() + 20000, &reply) == 0);
	T(strcmp(jsonx_str(json_object_get(reply, "result"), "action"),
	    "accept") == 0);
	T(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0);
	T(rendezvous_parked() == 0);
	json_decref(reply);
	reply = NULL;

	/* A forged id: refused; the wait ends at the deadline, the child
	 * gets an error. */
	rdv_mode = "forged";
	T(rendezvous_ask(&cl, req, clock_mono_ms() + 1500, &reply) == 0);
	T(json_integer_value(json_object_get(json_object_get(reply, "error"),
	    "code")) == -32001);
	T(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 1);
	json_decref(reply);
	reply = NULL;

	/* The client cancels the call: abort. */
	rdv_mode = "cancel";
	T(rendezvous_ask(&cl, req, clock_mono_ms() + 20000, &reply) == -1);
	T(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0);

	/* Nobody waits: 1. */
	r = json_pack("{s:s, s:s, s:{}}", "jsonrpc", "2.0", "id",
	    "s2c.00000000000000000000000000000000.3432", "result");
	T(rendezvous_deliver(rdv_dir, "tenant-a", rdv_sid, r) == 1);
	T(rendezvous_is_reply(r));
	json_decref(r);
	r = json_pack("{s:s, s:i, s:{}}", "jsonrpc", "2.0", "id", 3, "result");
	T(!rendezvous_is_reply(r));
	T(rendezvous_deliver(rdv_dir, "tenant-a", rdv_sid, r) == 1);
	json_decref(r);

	/* A tenant's parked calls on the node are bounded: with
	 * LIMIT_RDV_PARKED_TENANT sockets of the tenant in the directory
	 * the child gets -32603 and the client is not asked. */
	{
		unsigned char	 md[32];
		char		 f[256];
		FILE		*fp;
		int		 i;

		SHA256((const unsigned char *)"tenant-a", 8, md);
		for (i = 0; i < LIMIT_RDV_PARKED_TENANT; i++) {
			snprintf(f, sizeof(f), "%s/rdv/%02x%02x%02x%02x-%d.sock",
			    rdv_dir, md[0], md[1], md[2], md[3], i);
			if ((fp = fopen(f, "w")) != NULL)
				fclose(fp);
		}
		pid = 0;
		rdv_mode = "reply";
		T(rendezvous_ask(&cl, req, clock_mono_ms() + 20000, &reply)
		    == 0);
		T(pid == 0);	/* not relayed */
		T(json_integer_value(json_object_get(json_object_get(reply,
		    "error"), "code")) == -32603);
		json_decref(reply);
		reply = NULL;
		/* Another tenant is not held up by it. */
		cl.tenant_id = rdv_tenant = "tenant-b";
		T(rendezvous_ask(&cl, req, clock_mono_ms() + 20000, &reply)
		    == 0);
		T(strcmp(jsonx_str(json_object_get(reply, "result"), "action"),
		    "accept") == 0);
		T(pid != 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
		    WEXITSTATUS(st) == 0);
		json_decref(reply);
		reply = NULL;
	}

	json_decref(req);
	json_decref(id);
	{
		char	 cmd[64];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", rdv_dir);
		T(system(cmd) == 0);
	}
}

int
main(void)
{
	test_mrtr();
	test_rendezvous();
	return t_done();
}
