/*
 * mrtr.c -- input_required for modern clients on legacy stdio upstreams;
 * see mrtr.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "base64.h"
#include "crypto.h"
#include "jsonx.h"
#include "log.h"
#include "mcp/mrtr.h"
#include "mcp/protocol.h"
#include "mcp/upstream.h"
#include "product_limits.h"

#define MOD	"mrtr"

#define MRTR_KEY_HEX		16
#define MRTR_ERR_INPUT		-32603
#define MRTR_ERR_NOT_FOUND	-32601

void
mrtr_init(struct mrtr *t)
{
	memset(t, 0, sizeof(*t));
}

void
mrtr_release(struct mrtr *t)
{
	json_decref(t->answers);
	json_decref(t->asked);
	json_decref(t->pending);
	mrtr_init(t);
}

/* Hex SHA-256 of v's compact, key-sorted JSON into out[65]: 0 or -1. */
static int
mrtr_digest(const json_t *v, char out[65])
{
	unsigned char	 md[SHA256_DIGEST_LENGTH];
	char		*s;

	s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	if (s == NULL)
		return -1;
	SHA256((const unsigned char *)s, strlen(s), md);
	free(s);
	crypto_hex_encode(out, md, sizeof(md));
	return 0;
}

int
mrtr_is_retry(const json_t *msg)
{
	const json_t	*p = json_object_get(msg, "params");

	return json_object_get(p, "inputResponses") != NULL ||
	    json_object_get(p, "requestState") != NULL;
}

void
mrtr_strip(json_t *legacy)
{
	json_t	*p = json_object_get(legacy, "params");

	json_object_del(p, "inputResponses");
	json_object_del(p, "requestState");
}

/* AAD: "mrtr v1" NUL tenant NUL server NUL caller. */
static int
mrtr_aad(const struct mrtr *t, struct buf *aad)
{
	if (t->tenant_id == NULL || t->server == NULL || t->caller == NULL)
		return -1;
	return buf_append(aad, MRTR_AAD_TAG, sizeof(MRTR_AAD_TAG)) == -1 ||
	    buf_append(aad, t->tenant_id, strlen(t->tenant_id) + 1) == -1 ||
	    buf_append(aad, t->server, strlen(t->server) + 1) == -1 ||
	    buf_append(aad, t->caller, strlen(t->caller)) == -1 ? -1 : 0;
}

static int
mrtr_key(const struct mrtr *t, unsigned char key[CRYPTO_KEY_LEN])
{
	if (t->master_key == NULL || t->master_key_len == 0)
		return -1;
	return crypto_hkdf_sha256(t->master_key, t->master_key_len,
	    MRTR_KDF_INFO, key, CRYPTO_KEY_LEN);
}

int
mrtr_seal(const struct mrtr *t, const json_t *state, struct buf *out)
{
	unsigned char	 key[CRYPTO_KEY_LEN];
	struct buf	 aad, pt, ct;
	int		 rc = -1;

	buf_init(&aad, LIMIT_PATH);
	buf_init(&pt, LIMIT_MRTR_STATE);
	buf_init(&ct, LIMIT_MRTR_STATE);
	if (mrtr_key(t, key) == -1 || mrtr_aad(t, &aad) == -1 ||
	    jsonx_dumpb(&pt, state) == -1 ||
	    crypto_seal(key, aad.data, aad.len, pt.data, pt.len, &ct) == -1 ||
	    base64_encode(out, ct.data, ct.len, BASE64_URL) == -1)
		goto out;
	rc = out->len <= LIMIT_MRTR_STATE ? 0 : -1;
out:
	crypto_wipe(key, sizeof(key));
	buf_release(&ct);
	buf_release_secret(&pt);
	buf_release(&aad);
	return rc;
}

json_t *
mrtr_open(const struct mrtr *t, const char *s, size_t len, char *why,
    size_t whylen)
{
	unsigned char	 key[CRYPTO_KEY_LEN];
	struct buf	 aad, raw, pt;
	json_t		*state = NULL;

	buf_init(&aad, LIMIT_PATH);
	buf_init(&raw, LIMIT_MRTR_STATE);
	buf_init(&pt, LIMIT_MRTR_STATE);
	if (len > LIMIT_MRTR_STATE) {
		snprintf(why, whylen, "requestState over %d bytes",
		    LIMIT_MRTR_STATE);
		goto out;
	}
	if (mrtr_key(t, key) == -1 || mrtr_aad(t, &aad) == -1 ||
	    base64_decode(&raw, s, len, BASE64_URL) == -1 ||
	    crypto_open(key, aad.data, aad.len, raw.data, raw.len, &pt) ==
	    -1) {
		snprintf(why, whylen, "requestState is not valid for this "
		    "request");
		goto out;
	}
	state = jsonx_loadb(pt.data, pt.len, LIMIT_JSON_DEPTH, NULL, 0);
	if (!json_is_object(state) ||
	    json_integer_value(json_object_get(state, "v")) != 1) {
		json_decref(state);
		state = NULL;
		snprintf(why, whylen, "requestState is not valid for this "
		    "request");
	}
out:
	crypto_wipe(key, sizeof(key));
	buf_release_secret(&pt);
	buf_release(&raw);
	buf_release(&aad);
	return state;
}

/* The request as the state binds it: method and params without _meta and
 * the round's own fields. */
static int
mrtr_request_digest(const json_t *msg, char out[65])
{
	json_t	*p, *v;
	int	 rc;

	p = json_object_get(msg, "params");
	p = json_is_object(p) ? json_deep_copy(p) : json_object();
	if (p == NULL)
		return -1;
	json_object_del(p, "_meta");
	json_object_del(p, "inputResponses");
	json_object_del(p, "requestState");
	v = json_pack("{s:s?, s:o}", "m", jsonx_str(msg, "method"), "p", p);
	rc = v != NULL ? mrtr_digest(v, out) : -1;
	json_decref(v);
	return rc;
}

int
mrtr_check_inputs(const json_t *msg, char *why, size_t whylen)
{
	const json_t	*ir = json_object_get(json_object_get(msg, "params"),
			    "inputResponses");
	const json_t	*v;
	const char	*k;

	if (ir == NULL)
		return 0;
	if (!json_is_object(ir) || json_object_size(ir) > LIMIT_MRTR_INPUTS) {
		snprintf(why, whylen, "inputResponses is not an object of at "
		    "most %d answers", LIMIT_MRTR_INPUTS);
		return -1;
	}
	json_object_foreach((json_t *)(uintptr_t)ir, k, v)
		if (!json_is_object(v)) {
			snprintf(why, whylen, "inputResponses['%.40s'] is not "
			    "an object", k);
			return -1;
		}
	return 0;
}

int
mrtr_begin(struct mrtr *t, const json_t *msg, time_t now, char *why,
    size_t whylen)
{
	const json_t	*p = json_object_get(msg, "params");
	const json_t	*rs = json_object_get(p, "requestState");
	const json_t	*ir = json_object_get(p, "inputResponses");
	const json_t	*v, *exp;
	json_t		*state = NULL;
	const char	*k;
	int		 rc = -1;

	t->answers = json_object();
	t->asked = json_array();
	t->pending = json_object();
	if (t->answers == NULL || t->asked == NULL || t->pending == NULL ||
	    mrtr_request_digest(msg, t->digest) == -1) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	/* A malformed inputResponses is refused whatever else comes
	 * (sep-2322-validate-input-responses). No state: a first call.
	 * Well-formed inputResponses without one answer nothing the
	 * platform asked; they are ignored, not refused (2026-07-28:
	 * "servers SHOULD ignore unrecognized information"), and the
	 * child is asked afresh. */
	if (mrtr_check_inputs(msg, why, whylen) == -1)
		return -1;
	if (rs == NULL)
		return 0;
	if (!json_is_string(rs)) {
		snprintf(why, whylen, "requestState is not a string");
		return -1;
	}
	state = mrtr_open(t, json_string_value(rs), json_string_length(rs),
	    why, whylen);
	if (state == NULL)
		goto out;
	exp = json_object_get(state, "exp");
	if (!json_is_integer(exp) || json_integer_value(exp) < (json_int_t)now) {
		snprintf(why, whylen, "requestState has expired");
		goto out;
	}
	v = json_object_get(state, "d");
	if (!json_is_string(v) || strcmp(json_string_value(v), t->digest) != 0) {
		snprintf(why, whylen, "requestState belongs to another "
		    "request");
		goto out;
	}
	if (json_is_array(json_object_get(state, "q")))
		json_array_extend(t->asked, json_object_get(state, "q"));
	if (json_is_object(json_object_get(state, "a")))
		json_object_update(t->answers, json_object_get(state, "a"));
	json_object_foreach((json_t *)(uintptr_t)ir, k, v) {
		size_t	 i;
		int	 found = 0;

		for (i = 0; i < json_array_size(t->asked); i++)
			if (json_is_string(json_array_get(t->asked, i)) &&
			    strcmp(json_string_value(json_array_get(t->asked,
			    i)), k) == 0)
				found = 1;
		if (!found || !json_is_object(v)) {
			snprintf(why, whylen, "inputResponses answers '%.40s', "
			    "which was not asked", k);
			goto out;
		}
		json_object_set(t->answers, k, (json_t *)(uintptr_t)v);
	}
	if (json_object_size(t->answers) > LIMIT_MRTR_INPUTS) {
		snprintf(why, whylen, "more than %d answers",
		    LIMIT_MRTR_INPUTS);
		goto out;
	}
	rc = 0;
out:
	json_decref(state);
	return rc;
}

/* The client's capability for method, as its _meta declared. */
static int
mrtr_capable(const struct mrtr *t, const char *method)
{
	const char	*cap = mcp_client_cap(method, NULL);

	return cap != NULL && json_is_object(json_object_get(t->client_caps,
	    cap));
}

int
mrtr_ask(void *arg, const json_t *request, uint64_t deadline,
    json_t **reply)
{
	struct mrtr	*t = arg;
	const char	*method = jsonx_str(request, "method");
	const json_t	*params = json_object_get(request, "params");
	json_t		*kv, *a;
	char		 d[65], key[sizeof("in-") + MRTR_KEY_HEX];

	(void)deadline;
	if (method == NULL || !mrtr_capable(t, method))
		return 0;	/* -32601 */
	kv = json_pack("{s:s, s:O?}", "m", method, "p", params);
	if (kv == NULL || mrtr_digest(kv, d) == -1) {
		json_decref(kv);
		return 0;
	}
	json_decref(kv);
	snprintf(key, sizeof(key), "in-%.*s", MRTR_KEY_HEX, d);
	if ((a = json_object_get(t->answers, key)) != NULL) {
		*reply = json_pack("{s:O}", "result", a);
		return 0;
	}
	if (json_object_size(t->pending) + json_object_size(t->answers) <
	    LIMIT_MRTR_INPUTS && json_object_get(t->pending, key) == NULL)
		json_object_set_new(t->pending, key, params != NULL ?
		    json_pack("{s:s, s:O}", "method", method, "params",
		    params) : json_pack("{s:s}", "method", method));
	*reply = json_pack("{s:{s:i, s:s}}", "error", "code", MRTR_ERR_INPUT,
	    "message", "input required from the client");
	return UPSTREAM_ASK_LATER;
}

int
mrtr_pending(const struct mrtr *t)
{
	return json_object_size(t->pending) > 0;
}

json_t *
mrtr_answer(struct mrtr *t, const json_t *id, time_t now)
{
	struct buf	 sealed;
	json_t		*state = NULL, *q, *out = NULL, *v;
	const char	*k;

	buf_init(&sealed, LIMIT_MRTR_STATE);
	if ((q = json_deep_copy(t->asked)) == NULL)
		goto out;
	json_object_foreach(t->pending, k, v) {
		(void)v;
		json_array_append_new(q, json_string(k));
	}
	state = json_pack("{s:i, s:I, s:s, s:o, s:O}", "v", 1, "exp",
	    (json_int_t)(now + LIMIT_MRTR_TTL_S), "d", t->digest, "q", q,
	    "a", t->answers);
	if (state == NULL || mrtr_seal(t, state, &sealed) == -1) {
		log_warn(MOD, "cannot seal a requestState");
		goto out;
	}
	out = json_pack("{s:s, s:O, s:{s:s, s:O, s:s}}", "jsonrpc", "2.0",
	    "id", (json_t *)(uintptr_t)id, "result", "resultType",
	    "input_required", "inputRequests", t->pending, "requestState",
	    sealed.data);
out:
	json_decref(state);
	buf_release(&sealed);
	return out;
}
