/*
 * rendezvous.c -- server->client requests of stdio upstreams relayed to
 * legacy clients, their replies handed between workers; see rendezvous.h.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "buf.h"
#include "clock.h"
#include "crypto.h"
#include "jsonx.h"
#include "log.h"
#include "mcp/protocol.h"
#include "mcp/rendezvous.h"
#include "product_limits.h"
#include "usock.h"

#define MOD	"rendezvous"

#define RDV_DIR		"rdv"
#define RDV_TOKEN	16		/* random bytes in a relayed id */
#define RDV_TENANT_HEX	8
#define RDV_NAME_HEX	40
/* JSON-RPC codes the child gets when the client cannot answer. */
#define RDV_ERR_INTERNAL	-32603
#define RDV_ERR_NO_METHOD	-32601
#define RDV_ERR_TIMEOUT		-32001	/* the SDKs' RequestTimeout */

/* One parked call. */
struct rdv {
	int	 fd;
	char	 path[USOCK_PATH_MAX];
	char	 id[sizeof(RENDEZVOUS_ID_PREFIX) + 2 * RDV_TOKEN + 1 +
		    2 * LIMIT_RDV_CALL_ID + 1];
};

static unsigned rdv_parked;

unsigned
rendezvous_parked(void)
{
	return rdv_parked;
}

/* <data_dir>/rdv/<T>-<H>.sock for (session, call id JSON), or only the
 * "<T>-" prefix into tag. 0 or -1 (too long). */
static int
rdv_path(const char *data_dir, const char *tenant_id, const char *sid,
    const char *call, size_t calllen, char path[USOCK_PATH_MAX],
    char tag[RDV_TENANT_HEX + 2])
{
	unsigned char	 md[SHA256_DIGEST_LENGTH];
	char		 h[2 * SHA256_DIGEST_LENGTH + 1];
	struct buf	 in;
	int		 n;

	SHA256((const unsigned char *)tenant_id, strlen(tenant_id), md);
	crypto_hex_encode(tag, md, RDV_TENANT_HEX / 2);
	tag[RDV_TENANT_HEX] = '-';
	tag[RDV_TENANT_HEX + 1] = '\0';
	buf_init(&in, LIMIT_SESSION_ID + LIMIT_RDV_CALL_ID + 8);
	if (buf_append(&in, "rdv", 4) == -1 ||
	    buf_append(&in, sid, strlen(sid) + 1) == -1 ||
	    buf_append(&in, call, calllen) == -1)
		return -1;
	SHA256((const unsigned char *)in.data, in.len, md);
	buf_release(&in);
	crypto_hex_encode(h, md, RDV_NAME_HEX / 2);
	n = snprintf(path, USOCK_PATH_MAX, "%s/" RDV_DIR "/%s%s.sock",
	    data_dir, tag, h);
	return n < 0 || n >= USOCK_PATH_MAX ? -1 : 0;
}

/* Parked calls of the tenant (tag) on this node. */
static unsigned
rdv_count(const char *data_dir, const char *tag)
{
	char		 dir[LIMIT_PATH];
	struct dirent	*e;
	DIR		*d;
	unsigned	 n = 0;

	snprintf(dir, sizeof(dir), "%s/" RDV_DIR, data_dir);
	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, tag, strlen(tag)) == 0)
			n++;
	closedir(d);
	return n;
}

/* Park the call: 0, or -1 with why (for the log). */
static int
rdv_park(struct rdv *r, const struct rendezvous_client *cl, char *why,
    size_t whylen)
{
	unsigned char	 tok[RDV_TOKEN];
	char		 tokhex[2 * RDV_TOKEN + 1], dir[LIMIT_PATH];
	char		 tag[RDV_TENANT_HEX + 2];
	char		 callhex[2 * LIMIT_RDV_CALL_ID + 1];
	struct buf	 call;
	int		 rc = -1;

	r->fd = -1;
	buf_init(&call, LIMIT_RDV_CALL_ID);
	if (rdv_parked >= LIMIT_RDV_PARKED_WORKER) {
		snprintf(why, whylen, "%d parked call(s) in this worker",
		    LIMIT_RDV_PARKED_WORKER);
		goto out;
	}
	if (cl->call_id == NULL || jsonx_dumpb(&call, cl->call_id) == -1) {
		snprintf(why, whylen, "no call id, or one over %d bytes",
		    LIMIT_RDV_CALL_ID);
		goto out;
	}
	if (rdv_path(cl->data_dir, cl->tenant_id, cl->session_id, call.data,
	    call.len, r->path, tag) == -1) {
		snprintf(why, whylen, "data_dir too long for a socket path");
		goto out;
	}
	snprintf(dir, sizeof(dir), "%s/" RDV_DIR, cl->data_dir);
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		snprintf(why, whylen, "cannot create '%s': %s", dir,
		    strerror(errno));
		goto out;
	}
	if (rdv_count(cl->data_dir, tag) >= LIMIT_RDV_PARKED_TENANT) {
		snprintf(why, whylen, "%d parked calls for this tenant",
		    LIMIT_RDV_PARKED_TENANT);
		goto out;
	}
	if (crypto_random(tok, sizeof(tok)) == -1) {
		snprintf(why, whylen, "no random bytes");
		goto out;
	}
	if ((r->fd = usock_listen(r->path)) == -1) {
		snprintf(why, whylen, "cannot listen on '%s': %s", r->path,
		    strerror(errno));
		goto out;
	}
	crypto_hex_encode(tokhex, tok, sizeof(tok));
	crypto_hex_encode(callhex, (const unsigned char *)call.data, call.len);
	snprintf(r->id, sizeof(r->id), RENDEZVOUS_ID_PREFIX "%s.%s", tokhex,
	    callhex);
	rdv_parked++;
	rc = 0;
out:
	buf_release(&call);
	return rc;
}

static void
rdv_unpark(struct rdv *r)
{
	if (r->fd == -1)
		return;
	close(r->fd);
	unlink(r->path);
	r->fd = -1;
	rdv_parked--;
}

enum rdv_got {
	RDV_REPLY,
	RDV_CANCEL,
	RDV_TIMEOUT,
	RDV_ERROR
};

/* Is msg for this parked call? The reply's whole id, constant time; a
 * cancel names the call (the socket name already did). */
static enum rdv_got
rdv_match(const struct rdv *r, const json_t *msg)
{
	const char	*id = json_string_value(json_object_get(msg, "id"));
	const char	*method = jsonx_str(msg, "method");
	size_t		 n = strlen(r->id);

	if (method != NULL)
		return strcmp(method, "notifications/cancelled") == 0 ?
		    RDV_CANCEL : RDV_ERROR;
	if (id == NULL || strlen(id) != n || !crypto_memeq(id, r->id, n))
		return RDV_ERROR;
	if (json_object_get(msg, "result") == NULL &&
	    !json_is_object(json_object_get(msg, "error")))
		return RDV_ERROR;
	return RDV_REPLY;
}

/* One connection: the message, "ok" or "no". */
static enum rdv_got
rdv_take(struct rdv *r, int c, json_t **got)
{
	enum rdv_got	 g = RDV_ERROR;
	struct buf	 b;
	json_t		*m = NULL;
	uint64_t	 dl = clock_mono_ms() + LIMIT_RDV_IO_MS;

	buf_init(&b, LIMIT_RDV_MSG);
	if (usock_recv(c, &b, dl) == 0 && b.len > 0 &&
	    (m = jsonx_loadb(b.data, b.len, LIMIT_JSON_DEPTH, NULL, 0)) !=
	    NULL)
		g = rdv_match(r, m);
	(void)usock_send(c, g == RDV_ERROR ? "no" : "ok", 2, dl);
	if (g != RDV_ERROR)
		*got = m;
	else
		json_decref(m);
	buf_release(&b);
	return g;
}

/* Wait for the reply (or a cancel) until deadline. */
static enum rdv_got
rdv_wait(struct rdv *r, uint64_t deadline, json_t **got)
{
	struct pollfd	 p;
	enum rdv_got	 g;
	uint64_t	 now;
	int		 n, c;

	for (;;) {
		now = clock_mono_ms();
		if (now >= deadline)
			return RDV_TIMEOUT;
		p.fd = r->fd;
		p.events = POLLIN;
		p.revents = 0;
		n = poll(&p, 1, deadline - now > 60000 ? 60000 :
		    (int)(deadline - now));
		if (n == -1 && errno != EINTR)
			return RDV_ERROR;
		if (n <= 0)
			continue;
		while ((c = usock_accept(r->fd)) != -1) {
			g = rdv_take(r, c, got);
			close(c);
			if (g != RDV_ERROR)
				return g;
		}
	}
}

static json_t *
rdv_error(int code, const char *message)
{
	return json_pack("{s:{s:i, s:s}}", "error", "code", code, "message",
	    message);
}

int
rendezvous_ask(void *client, const json_t *request, uint64_t deadline,
    json_t **reply)
{
	struct rendezvous_client	*cl = client;
	struct rdv			 r;
	enum rdv_got			 g;
	json_t				*out = NULL, *got = NULL, *v;
	const char			*method = jsonx_str(request, "method");
	char				 why[LIMIT_PATH + 64];
	unsigned			 bit;
	int				 rc = 0;

	/* A client that did not declare the capability is never asked
	 * (MCP: servers MUST NOT send requests the client cannot take). */
	if (mcp_client_cap(method, &bit) == NULL || (cl->caps & bit) == 0) {
		*reply = rdv_error(RDV_ERR_NO_METHOD, "the client did not "
		    "declare this capability");
		return 0;
	}
	if (rdv_park(&r, cl, why, sizeof(why)) == -1) {
		log_warn(MOD, "'%s' not relayed: %s", method, why);
		*reply = rdv_error(RDV_ERR_INTERNAL, "the client cannot be "
		    "asked right now");
		return 0;
	}
	if ((out = json_deep_copy(request)) == NULL ||
	    json_object_set_new(out, "id", json_string(r.id)) == -1) {
		*reply = rdv_error(RDV_ERR_INTERNAL, "out of memory");
		goto out;
	}
	cl->relay(cl->arg, out);
	g = rdv_wait(&r, deadline, &got);
	switch (g) {
	case RDV_REPLY:
		if ((v = json_object_get(got, "result")) != NULL)
			*reply = json_pack("{s:O}", "result", v);
		else
			*reply = json_pack("{s:O}", "error",
			    json_object_get(got, "error"));
		break;
	case RDV_CANCEL:
		log_info(MOD, "'%s': the client cancelled the call", method);
		cl->cancelled = 1;
		rc = -1;
		break;
	case RDV_TIMEOUT:
		log_info(MOD, "'%s': no reply from the client before the "
		    "deadline", method);
		*reply = rdv_error(RDV_ERR_TIMEOUT, "the client did not "
		    "answer in time");
		break;
	default:
		*reply = rdv_error(RDV_ERR_INTERNAL, "waiting for the client "
		    "failed");
		break;
	}
out:
	json_decref(got);
	json_decref(out);
	rdv_unpark(&r);
	return rc;
}

int
rendezvous_is_reply(const json_t *msg)
{
	const char	*id = json_string_value(json_object_get(msg, "id"));

	return jsonx_str(msg, "method") == NULL && id != NULL &&
	    strncmp(id, RENDEZVOUS_ID_PREFIX, strlen(RENDEZVOUS_ID_PREFIX))
	    == 0;
}

/* The call id's JSON of a reply id "s2c.<token>.<hex>" into call. */
static int
rdv_call_of_reply(const char *id, struct buf *call)
{
	const char	*hex;
	unsigned char	 raw[LIMIT_RDV_CALL_ID];
	size_t		 n;

	if (strncmp(id, RENDEZVOUS_ID_PREFIX, strlen(RENDEZVOUS_ID_PREFIX))
	    != 0)
		return -1;
	hex = strchr(id + strlen(RENDEZVOUS_ID_PREFIX), '.');
	if (hex == NULL || hex - id != (ptrdiff_t)(strlen(
	    RENDEZVOUS_ID_PREFIX) + 2 * RDV_TOKEN))
		return -1;
	hex++;
	n = strlen(hex);
	if (n == 0 || n % 2 != 0 || n / 2 > sizeof(raw) ||
	    crypto_hex_decode(raw, n / 2, hex, n) == -1)
		return -1;
	return buf_append(call, raw, n / 2);
}

int
rendezvous_deliver(const char *data_dir, const char *tenant_id,
    const char *session_id, const json_t *msg)
{
	char		 path[USOCK_PATH_MAX], tag[RDV_TENANT_HEX + 2];
	char		 ans[8];
	struct buf	 call, body, a;
	const char	*method = jsonx_str(msg, "method");
	const json_t	*rid;
	uint64_t	 dl = clock_mono_ms() + LIMIT_RDV_IO_MS;
	int		 rc = 1, c = -1;

	buf_init(&call, LIMIT_RDV_CALL_ID);
	buf_init(&body, LIMIT_RDV_MSG);
	buf_init(&a, sizeof(ans));
	if (session_id == NULL || tenant_id == NULL)
		goto out;
	if (method == NULL) {
		if (!rendezvous_is_reply(msg) || rdv_call_of_reply(
		    json_string_value(json_object_get(msg, "id")), &call) ==
		    -1)
			goto out;
	} else if (strcmp(method, "notifications/cancelled") == 0) {
		rid = json_object_get(json_object_get(msg, "params"),
		    "requestId");
		if (rid == NULL || jsonx_dumpb(&call, rid) == -1)
			goto out;
	} else
		goto out;
	if (rdv_path(data_dir, tenant_id, session_id, call.data, call.len,
	    path, tag) == -1)
		goto out;
	if ((c = usock_connect(path)) == -1) {
		if (errno == ECONNREFUSED)
			unlink(path);	/* a dead worker's */
		goto out;
	}
	if (jsonx_dumpb(&body, msg) == -1) {
		rc = -1;
		goto out;
	}
	if (usock_send(c, body.data, body.len, dl) == -1 ||
	    shutdown(c, SHUT_WR) == -1 || usock_recv(c, &a, dl) == -1) {
		log_warn(MOD, "hand-over failed: %s", strerror(errno));
		rc = -1;
		goto out;
	}
	rc = a.len == 2 && memcmp(a.data, "ok", 2) == 0 ? 0 : 1;
out:
	if (c != -1)
		close(c);
	buf_release(&a);
	buf_release(&body);
	buf_release(&call);
	return rc;
}
