/*
 * reqlog.c -- the request-log record, its redaction, and the JSON Lines
 * sink; see reqlog.h for the contract and docs/logging.md for the fields.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "buf.h"
#include "jsonx.h"
#include "log.h"
#include "mcp_limits.h"
#include "reqlog.h"
#include "request.h"

#define MOD		"reqlog"
#define REDACTED	"[redacted]"

/* JSON keys, in the order they are written: request_logs' column names
 * (sql/migrations/0002_platform.sql) so sink 2 can send a line as a row. */
static const char *const reqlog_keys[REQLOG_FIELD__MAX] = {
	[REQLOG_REQUEST_ID] = "request_id",
	[REQLOG_TENANT_ID] = "tenant_id",
	[REQLOG_TENANT_SLUG] = "tenant_slug",
	[REQLOG_CALLER_KIND] = "caller_kind",
	[REQLOG_CALLER_ID] = "caller_id",
	[REQLOG_SERVER_ALIAS] = "server_alias",
	[REQLOG_PROTOCOL_VERSION] = "protocol_version",
	[REQLOG_UPSTREAM_PROTOCOL_VERSION] = "upstream_protocol_version",
	[REQLOG_METHOD] = "method",
	[REQLOG_TOOL] = "tool",
	[REQLOG_JSONRPC_ID] = "jsonrpc_id",
	[REQLOG_CLIENT_IP] = "client_ip",
	[REQLOG_USER_AGENT] = "user_agent",
};

/* Member names whose values are credentials, whatever they hold. */
static const char *const reqlog_secret_keys[] = {
	"authorization", "proxy-authorization", "apikey", "api_key",
	"x-api-key", "cookie", "set-cookie", "password", "token",
	"access_token", "refresh_token", "client_secret",
};

/* ---- UTF-8 ------------------------------------------------------------ */

/* Length of the well-formed UTF-8 sequence at s (RFC 3629 section 4), or
 * 0 when there is none (overlongs, surrogates, > U+10FFFF refused). */
static size_t
reqlog_utf8_seq(const unsigned char *s, size_t len)
{
	unsigned char	 lo = 0x80, hi = 0xbf;
	size_t		 n, i;

	if (len == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (len < n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/* 1 when (s, len) is UTF-8 text without NUL. */
static int
reqlog_utf8_text(const char *s, size_t len)
{
	size_t	 i = 0, n;

	while (i < len) {
		if (s[i] == '\0' ||
		    (n = reqlog_utf8_seq((const unsigned char *)s + i,
		    len - i)) == 0)
			return 0;
		i += n;
	}
	return 1;
}

/* The longest prefix of valid UTF-8 s that is <= max bytes. */
static size_t
reqlog_utf8_cut(const char *s, size_t len, size_t max)
{
	size_t	 p;

	if (len <= max)
		return len;
	p = max;
	while (p > 0 && ((unsigned char)s[p] & 0xc0) == 0x80)
		p--;
	return p;
}

/* Copy at most max bytes of s to a new string: NUL and bytes that are not
 * UTF-8 become '?', the cut falls on a sequence boundary. */
static char *
reqlog_text_dup(const char *s, size_t len, size_t max, int *cut)
{
	char	*d;
	size_t	 i = 0, o = 0, n;

	if ((d = malloc((len < max ? len : max) + 1)) == NULL)
		return NULL;
	while (i < len) {
		n = reqlog_utf8_seq((const unsigned char *)s + i, len - i);
		if (o + (n == 0 ? 1 : n) > max) {
			*cut = 1;
			break;
		}
		if (n == 0 || s[i] == '\0') {
			d[o++] = '?';
			i++;
		} else {
			memcpy(d + o, s + i, n);
			o += n;
			i += n;
		}
	}
	d[o] = '\0';
	return d;
}

/* ---- secret patterns ---------------------------------------------------- */

struct reqlog_pat {
	char	*p;
	size_t	 len;
};

struct reqlog_pats {
	struct reqlog_pat	*v;
	size_t			 n, cap;
};

static void
reqlog_pats_release(struct reqlog_pats *ps)
{
	size_t	 i;

	for (i = 0; i < ps->n; i++) {
		OPENSSL_cleanse(ps->v[i].p, ps->v[i].len);
		free(ps->v[i].p);
	}
	free(ps->v);
	memset(ps, 0, sizeof(*ps));
}

static int
reqlog_pats_add(struct reqlog_pats *ps, const char *p, size_t len)
{
	struct reqlog_pat	*nv;
	char			*c;

	if (len == 0)
		return 0;
	if (ps->n == ps->cap) {
		size_t ncap = ps->cap == 0 ? 16 : ps->cap * 2;

		if ((nv = realloc(ps->v, ncap * sizeof(*nv))) == NULL)
			return -1;
		ps->v = nv;
		ps->cap = ncap;
	}
	if ((c = malloc(len + 1)) == NULL)
		return -1;
	memcpy(c, p, len);
	c[len] = '\0';
	ps->v[ps->n].p = c;
	ps->v[ps->n].len = len;
	ps->n++;
	return 0;
}

/* Standard base64 (with '=') of (s, n) into out (4 * ((n + 2) / 3) + 1
 * bytes); its length. */
static size_t
reqlog_b64(char *out, const unsigned char *s, size_t n)
{
	return (size_t)EVP_EncodeBlock((unsigned char *)out, s, (int)n);
}

/* Add enc (standard base64, len chars) and its url-safe twin. */
static int
reqlog_pats_add_b64(struct reqlog_pats *ps, char *enc, size_t len)
{
	size_t	 i;

	if (reqlog_pats_add(ps, enc, len) == -1)
		return -1;
	for (i = 0; i < len; i++)
		if (enc[i] == '+')
			enc[i] = '-';
		else if (enc[i] == '/')
			enc[i] = '_';
	return reqlog_pats_add(ps, enc, len);
}

/*
 * The patterns of one secret: the value; its base64 and base64url, padded
 * and not; and, for each of the three alignments the secret can have
 * inside a longer base64 text ("user:secret" in Basic credentials), the
 * run of characters made of the secret's bits only. Those runs are short
 * for short secrets and would then redact unrelated text: only runs of
 * 8 characters or more are used (every alignment of a secret of 7 bytes
 * or more).
 */
static int
reqlog_pats_secret(struct reqlog_pats *ps, const char *s, size_t n)
{
	unsigned char	*in = NULL;
	char		*enc = NULL;
	size_t		 k, len, first, last;
	int		 rc = -1;

	if (n == 0)
		return 0;
	if (n > INT32_MAX / 2 - 3)
		return -1;
	if ((in = calloc(n + 2, 1)) == NULL ||
	    (enc = malloc(4 * ((n + 4) / 3) + 1)) == NULL)
		goto out;
	if (reqlog_pats_add(ps, s, n) == -1)
		goto out;
	len = reqlog_b64(enc, (const unsigned char *)s, n);
	if (reqlog_pats_add_b64(ps, enc, len) == -1)
		goto out;
	len = reqlog_b64(enc, (const unsigned char *)s, n);
	while (len > 0 && enc[len - 1] == '=')
		len--;
	if (reqlog_pats_add_b64(ps, enc, len) == -1)
		goto out;
	for (k = 0; k < 3; k++) {
		/* Character j holds bits [6j, 6j+5] of the stream; the
		 * secret holds bits [8k, 8(k+n)-1]. */
		memset(in, 0, k);
		memcpy(in + k, s, n);
		len = reqlog_b64(enc, in, k + n);
		first = (8 * k + 5) / 6;
		last = (8 * (k + n) - 6) / 6;	/* n >= 1, so no underflow */
		if (last + 1 <= first || last + 1 - first < 8 || last >= len)
			continue;
		if (reqlog_pats_add_b64(ps, enc + first, last + 1 - first) ==
		    -1)
			goto out;
	}
	rc = 0;
out:
	if (in != NULL) {
		OPENSSL_cleanse(in, n + 2);
		free(in);
	}
	if (enc != NULL) {
		OPENSSL_cleanse(enc, 4 * ((n + 4) / 3) + 1);
		free(enc);
	}
	return rc;
}

static int
reqlog_pat_cmp(const void *a, const void *b)
{
	const struct reqlog_pat *x = a, *y = b;

	return x->len < y->len ? 1 : x->len > y->len ? -1 : 0;
}

static int
reqlog_pats_build(struct reqlog_pats *ps, const char *const *secrets)
{
	size_t	 i;

	memset(ps, 0, sizeof(*ps));
	for (i = 0; secrets != NULL && secrets[i] != NULL; i++) {
		if (i == LIMIT_REQLOG_SECRETS) {
			log_warn(MOD, "over %d secret values: the rest are not "
			    "redacted", LIMIT_REQLOG_SECRETS);
			break;
		}
		if (reqlog_pats_secret(ps, secrets[i], strlen(secrets[i])) ==
		    -1)
			return -1;
	}
	/* Longest first: a secret's base64 is gone before the shorter runs
	 * inside it are looked for. */
	if (ps->n > 1)
		qsort(ps->v, ps->n, sizeof(*ps->v), reqlog_pat_cmp);
	return 0;
}

/*
 * (s, len) with every pattern replaced, into out (emptied first).
 * *changed: 1 when something was replaced. 0 or -1.
 */
static int
reqlog_redact_text(const struct reqlog_pats *ps, const char *s, size_t len,
    struct buf *out, int *changed)
{
	struct buf	 tmp, t;
	const char	*cur, *hit;
	size_t		 i, curlen;
	int		 rc = -1;

	*changed = 0;
	buf_reset(out);
	buf_init(&tmp, SIZE_MAX / 2);
	if (buf_append(out, s, len) == -1)
		goto out;
	for (i = 0; i < ps->n; i++) {
		cur = out->data;
		curlen = out->len;
		if (curlen < ps->v[i].len ||
		    memmem(cur, curlen, ps->v[i].p, ps->v[i].len) == NULL)
			continue;
		buf_reset(&tmp);
		while ((hit = memmem(cur, curlen, ps->v[i].p,
		    ps->v[i].len)) != NULL) {
			if (buf_append(&tmp, cur, (size_t)(hit - cur)) == -1 ||
			    buf_appends(&tmp, REDACTED) == -1)
				goto out;
			curlen -= (size_t)(hit - cur) + ps->v[i].len;
			cur = hit + ps->v[i].len;
		}
		if (buf_append(&tmp, cur, curlen) == -1)
			goto out;
		t = *out;
		*out = tmp;
		tmp = t;
		*changed = 1;
	}
	rc = 0;
out:
	buf_release_secret(&tmp);
	if (rc == -1)
		buf_release_secret(out);
	return rc;
}

/* ---- the JSON walk ------------------------------------------------------ */

static int
reqlog_is_secret_key(const char *k)
{
	size_t	 i;

	for (i = 0; i < sizeof(reqlog_secret_keys) /
	    sizeof(reqlog_secret_keys[0]); i++)
		if (strcasecmp(k, reqlog_secret_keys[i]) == 0)
			return 1;
	return 0;
}

/* Bytes that base64 text (whitespace allowed) decodes to. */
static json_int_t
reqlog_b64_size(const char *s, size_t len)
{
	size_t	 i, n = 0;

	for (i = 0; i < len; i++)
		if (s[i] != '=' && s[i] != ' ' && s[i] != '\n' &&
		    s[i] != '\r' && s[i] != '\t')
			n++;
	return (json_int_t)(n / 4 * 3 + (n % 4 > 1 ? n % 4 - 1 : 0));
}

/* MCP binary content: an image/audio content item, or resource contents
 * with a blob (MCP 2025-11-25 schema: ImageContent, AudioContent,
 * BlobResourceContents). A NEW summary object, or NULL when v is not one. */
static json_t *
reqlog_binary_summary(const json_t *v)
{
	const char	*type = jsonx_str(v, "type");
	json_t		*data, *mime = json_object_get(v, "mimeType");
	json_t		*uri = json_object_get(v, "uri");

	if (type != NULL && (strcmp(type, "image") == 0 ||
	    strcmp(type, "audio") == 0) &&
	    json_is_string(data = json_object_get(v, "data")))
		return json_pack("{s:s, s:O, s:I}", "type", type,
		    "mimeType", json_is_string(mime) ? mime : json_null(),
		    "size", reqlog_b64_size(json_string_value(data),
		    json_string_length(data)));
	if (json_is_string(data = json_object_get(v, "blob")))
		return json_pack("{s:O, s:O, s:I}",
		    "uri", json_is_string(uri) ? uri : json_null(),
		    "mimeType", json_is_string(mime) ? mime : json_null(),
		    "size", reqlog_b64_size(json_string_value(data),
		    json_string_length(data)));
	return NULL;
}

/* A NEW redacted copy of v, or NULL (out of memory). */
static json_t *
reqlog_redact_json(const json_t *v, const struct reqlog_pats *ps)
{
	struct buf	 b;
	json_t		*r = NULL, *sum, *e;
	const char	*k;
	size_t		 i;
	char		*num;
	int		 changed;

	buf_init(&b, SIZE_MAX / 2);
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		if ((sum = reqlog_binary_summary(v)) != NULL) {
			/* Its mimeType and uri are redacted like the rest. */
			r = reqlog_redact_json(sum, ps);
			json_decref(sum);
			break;
		}
		if ((r = json_object()) == NULL)
			break;
		json_object_foreach((json_t *)(uintptr_t)v, k, e) {
			json_t	*nv;

			if (reqlog_redact_text(ps, k, strlen(k), &b,
			    &changed) == -1)
				goto fail;
			nv = reqlog_is_secret_key(k) ? json_string(REDACTED) :
			    reqlog_redact_json(e, ps);
			if (nv == NULL)
				goto fail;
			/* A NUL in a redacted name cannot be a C key:
			 * jansson keeps such names only up to the NUL. */
			if (json_object_set_new(r, buf_cstr(&b), nv) == -1)
				goto fail;
		}
		break;
	case JSON_ARRAY:
		if ((r = json_array()) == NULL)
			break;
		json_array_foreach(v, i, e)
			if (json_array_append_new(r,
			    reqlog_redact_json(e, ps)) == -1)
				goto fail;
		break;
	case JSON_STRING:
		if (reqlog_redact_text(ps, json_string_value(v),
		    json_string_length(v), &b, &changed) == -1)
			break;
		r = changed ? json_stringn(b.data, b.len) :
		    json_incref((json_t *)(uintptr_t)v);
		break;
	case JSON_INTEGER:
	case JSON_REAL:
		/* A numeric secret (a PIN) passed as a number. */
		changed = 0;
		if (ps->n > 0) {
			if ((num = json_dumps(v, JSON_ENCODE_ANY)) == NULL)
				break;
			if (reqlog_redact_text(ps, num, strlen(num), &b,
			    &changed) == -1) {
				free(num);
				break;
			}
			free(num);
		}
		r = changed ? json_string(REDACTED) :
		    json_incref((json_t *)(uintptr_t)v);
		break;
	default:
		r = json_incref((json_t *)(uintptr_t)v);
		break;
	}
	buf_release_secret(&b);
	return r;
fail:
	buf_release_secret(&b);
	json_decref(r);
	return NULL;
}

static int
reqlog_dump_cb(const char *p, size_t len, void *arg)
{
	return buf_append(arg, p, len);
}

/* ms with 3 decimals, whole milliseconds without any */
#define REQLOG_DUMP_FLAGS	(JSON_COMPACT | JSON_ENCODE_ANY | \
				 JSON_REAL_PRECISION(15))

/* One body redacted and cut: *out a new string (or NULL and 0 when out of
 * memory). */
static int
reqlog_body(const char *s, size_t len, const struct reqlog_pats *ps,
    size_t body_max, char **out, size_t *outlen, int *truncated)
{
	struct buf	 b;
	json_t		*j = NULL, *r = NULL;
	json_error_t	 je;
	size_t		 n;
	int		 changed, rc = -1;

	*out = NULL;
	*outlen = 0;
	buf_init(&b, SIZE_MAX / 2);
	if (jsonx_depth(s, len) <= LIMIT_JSON_DEPTH &&
	    (j = json_loadb(s, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je)) !=
	    NULL) {
		if ((r = reqlog_redact_json(j, ps)) == NULL ||
		    json_dump_callback(r, reqlog_dump_cb, &b,
		    REQLOG_DUMP_FLAGS) == -1)
			goto out;
	} else if (reqlog_utf8_text(s, len)) {
		if (reqlog_redact_text(ps, s, len, &b, &changed) == -1)
			goto out;
	} else if (buf_printf(&b, "[binary %zu bytes]", len) == -1)
		goto out;
	n = reqlog_utf8_cut(b.data, b.len, body_max);
	if (n < b.len)
		*truncated = 1;
	if ((*out = malloc(n + 1)) == NULL)
		goto out;
	if (n > 0)
		memcpy(*out, b.data, n);
	(*out)[n] = '\0';
	*outlen = n;
	rc = 0;
out:
	json_decref(r);
	json_decref(j);
	buf_release_secret(&b);
	return rc;
}

/* ---- the record --------------------------------------------------------- */

void
reqlog_init(struct reqlog *rl)
{
	memset(rl, 0, sizeof(*rl));
	clock_gettime(CLOCK_REALTIME, &rl->ts);
	rl->total_ms = -1;
	rl->upstream_ms = -1;
}

static void
reqlog_unkeep(struct reqlog *rl)
{
	size_t	 i;

	if (rl->kept_req != NULL) {
		explicit_bzero(rl->kept_req, rl->kept_req_len);
		free(rl->kept_req);
	}
	if (rl->kept_resp != NULL) {
		explicit_bzero(rl->kept_resp, rl->kept_resp_len);
		free(rl->kept_resp);
	}
	for (i = 0; rl->kept_secrets != NULL && rl->kept_secrets[i] != NULL;
	    i++) {
		explicit_bzero(rl->kept_secrets[i], strlen(rl->kept_secrets[i]));
		free(rl->kept_secrets[i]);
	}
	free(rl->kept_secrets);
	rl->kept_req = rl->kept_resp = NULL;
	rl->kept_req_len = rl->kept_resp_len = 0;
	rl->kept_secrets = NULL;
	rl->kept = 0;
}

static char *
reqlog_memdup(const char *p, size_t len)
{
	char	*d;

	if ((d = malloc(len + 1)) == NULL)
		return NULL;
	if (len > 0)
		memcpy(d, p, len);
	d[len] = '\0';
	return d;
}

int
reqlog_keep(struct reqlog *rl, const char *req, size_t reqlen,
    const char *resp, size_t resplen, const char *const *secrets)
{
	size_t	 i, n = 0;

	reqlog_unkeep(rl);
	while (secrets != NULL && secrets[n] != NULL)
		n++;
	if ((req != NULL &&
	    (rl->kept_req = reqlog_memdup(req, reqlen)) == NULL) ||
	    (resp != NULL &&
	    (rl->kept_resp = reqlog_memdup(resp, resplen)) == NULL) ||
	    (rl->kept_secrets = calloc(n + 1, sizeof(char *))) == NULL)
		goto fail;
	rl->kept_req_len = reqlen;
	rl->kept_resp_len = resplen;
	for (i = 0; i < n; i++)
		if ((rl->kept_secrets[i] = strdup(secrets[i])) == NULL)
			goto fail;
	rl->kept = 1;
	return 0;
fail:
	reqlog_unkeep(rl);
	log_error(MOD, "out of memory keeping a request record's bodies");
	return -1;
}

int
reqlog_redact(struct reqlog *rl, size_t body_max)
{
	int	 rc;

	if (!rl->kept)
		return 0;
	rc = reqlog_set_bodies(rl, rl->kept_req, rl->kept_req_len,
	    rl->kept_resp, rl->kept_resp_len,
	    (const char *const *)rl->kept_secrets, body_max);
	reqlog_unkeep(rl);
	return rc;
}

void
reqlog_release(struct reqlog *rl)
{
	size_t	 i;

	reqlog_unkeep(rl);
	for (i = 0; i < REQLOG_FIELD__MAX; i++)
		free(rl->str[i]);
	free(rl->request_body);
	free(rl->response_body);
	memset(rl, 0, sizeof(*rl));
	rl->total_ms = -1;
	rl->upstream_ms = -1;
}

int
reqlog_setn(struct reqlog *rl, enum reqlog_field f, const char *v,
    size_t len)
{
	char	*d = NULL;

	if ((unsigned)f >= REQLOG_FIELD__MAX)
		return -1;
	if (v != NULL &&
	    (d = reqlog_text_dup(v, len, LIMIT_REQLOG_FIELD, &rl->truncated)) ==
	    NULL)
		return -1;
	free(rl->str[f]);
	rl->str[f] = d;
	return 0;
}

int
reqlog_set(struct reqlog *rl, enum reqlog_field f, const char *v)
{
	return reqlog_setn(rl, f, v, v != NULL ? strlen(v) : 0);
}

int
reqlog_set_jsonrpc_id(struct reqlog *rl, const json_t *id)
{
	char	 num[32];

	if (json_is_string(id))
		return reqlog_setn(rl, REQLOG_JSONRPC_ID,
		    json_string_value(id), json_string_length(id));
	if (json_is_integer(id)) {
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(id));
		return reqlog_set(rl, REQLOG_JSONRPC_ID, num);
	}
	return reqlog_set(rl, REQLOG_JSONRPC_ID, NULL);
}

void
reqlog_set_session(struct reqlog *rl, const char *sid)
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 md[SHA256_DIGEST_LENGTH];
	size_t			 i;

	rl->session[0] = '\0';
	if (sid == NULL || *sid == '\0')
		return;
	SHA256((const unsigned char *)sid, strlen(sid), md);
	for (i = 0; i < REQLOG_SESSION_HASH_LEN / 2; i++) {
		rl->session[2 * i] = hex[md[i] >> 4];
		rl->session[2 * i + 1] = hex[md[i] & 0xf];
	}
	rl->session[REQLOG_SESSION_HASH_LEN] = '\0';
}

/* 1 when s is an IPv4 or IPv6 address (request_logs.client_ip is inet:
 * anything else would make Supabase refuse the row). */
static int
reqlog_is_ip(const char *s)
{
	unsigned char	 a[sizeof(struct in6_addr)];

	return s != NULL && (inet_pton(AF_INET, s, a) == 1 ||
	    inet_pton(AF_INET6, s, a) == 1);
}

int
reqlog_from_request(struct reqlog *rl, const struct request *req)
{
	int	 rc = 0;

	if (reqlog_set(rl, REQLOG_REQUEST_ID, req->id) == -1 ||
	    reqlog_set(rl, REQLOG_CLIENT_IP, reqlog_is_ip(req->remote_addr) ?
	    req->remote_addr : NULL) == -1 ||
	    reqlog_set(rl, REQLOG_USER_AGENT, req->user_agent) == -1)
		rc = -1;
	rl->bytes_in = req->body_read ? req->body.len : req->content_length;
	rl->bytes_out = req->resp.bytes_out;
	rl->http_status = req->resp.status;
	rl->total_ms = request_elapsed_ms(req);
	return rc;
}

int
reqlog_set_bodies(struct reqlog *rl, const char *req, size_t reqlen,
    const char *resp, size_t resplen, const char *const *secrets,
    size_t body_max)
{
	struct reqlog_pats	 ps;
	struct buf		 b;
	size_t			 i;
	int			 changed, rc = -1;

	buf_init(&b, SIZE_MAX / 2);
	free(rl->request_body);
	free(rl->response_body);
	rl->request_body = rl->response_body = NULL;
	rl->request_body_len = rl->response_body_len = 0;
	if (reqlog_pats_build(&ps, secrets) == -1)
		goto out;
	if (req != NULL && reqlog_body(req, reqlen, &ps, body_max,
	    &rl->request_body, &rl->request_body_len, &rl->truncated) == -1)
		goto out;
	if (resp != NULL && reqlog_body(resp, resplen, &ps, body_max,
	    &rl->response_body, &rl->response_body_len, &rl->truncated) == -1)
		goto out;
	/* The other strings are the client's too (an id, a tool name). */
	for (i = 0; i < REQLOG_FIELD__MAX; i++) {
		if (rl->str[i] == NULL)
			continue;
		if (reqlog_redact_text(&ps, rl->str[i], strlen(rl->str[i]),
		    &b, &changed) == -1)
			goto out;
		if (changed && reqlog_setn(rl, i, b.data, b.len) == -1)
			goto out;
	}
	rc = 0;
out:
	if (rc == -1)
		log_error(MOD, "out of memory redacting a request record");
	buf_release_secret(&b);
	reqlog_pats_release(&ps);
	return rc;
}

/* ---- the line ----------------------------------------------------------- */

/* Bytes jansson writes for the string's bytes (dump.c: '"' and '\\' and
 * the five short escapes take 2, other controls \u00XX take 6). */
static size_t
reqlog_esc_len(unsigned char c)
{
	if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' ||
	    c == '\r' || c == '\t')
		return 2;
	return c < 0x20 ? 6 : 1;
}

/* The longest prefix of valid UTF-8 s whose escaped form fits in allow. */
static size_t
reqlog_fit(const char *s, size_t len, size_t allow, size_t *esc)
{
	size_t	 i, e = 0, c;

	for (i = 0; i < len; i++) {
		c = reqlog_esc_len((unsigned char)s[i]);
		if (e + c > allow)
			break;
		e += c;
	}
	*esc = e;
	return reqlog_utf8_cut(s, len, i);
}

static json_t *
reqlog_jstr(const char *s, size_t len)
{
	return s != NULL ? json_stringn(s, len) : json_null();
}

static int
reqlog_build(const struct reqlog *rl, json_t **out)
{
	char		 ts[64], day[32];
	struct tm	 tm;
	json_t		*o;
	size_t		 i;
	int		 bad = 0;

	gmtime_r(&rl->ts.tv_sec, &tm);
	strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts, sizeof(ts), "%s.%03dZ", day,
	    (int)((rl->ts.tv_nsec / 1000000) % 1000));

	if ((o = json_object()) == NULL)
		return -1;
#define SET(k, v)	do { if (json_object_set_new(o, (k), (v)) == -1) \
			    bad = 1; } while (0)
#define STR(f)		SET(reqlog_keys[f], rl->str[f] != NULL ? \
			    json_string(rl->str[f]) : json_null())
	STR(REQLOG_REQUEST_ID);
	SET("ts", json_string(ts));
	for (i = REQLOG_TENANT_ID; i <= REQLOG_SERVER_ALIAS; i++)
		STR(i);
	SET("session_id", rl->session[0] != '\0' ?
	    json_string(rl->session) : json_null());
	for (i = REQLOG_PROTOCOL_VERSION; i <= REQLOG_JSONRPC_ID; i++)
		STR(i);
	SET("http_status", rl->http_status != 0 ?
	    json_integer(rl->http_status) : json_null());
	SET("jsonrpc_error", rl->jsonrpc_error != 0 ?
	    json_integer(rl->jsonrpc_error) : json_null());
	SET("total_ms", rl->total_ms >= 0 && isfinite(rl->total_ms) ?
	    json_real(round(rl->total_ms * 1000) / 1000) : json_null());
	SET("upstream_ms", rl->upstream_ms >= 0 && isfinite(rl->upstream_ms) ?
	    json_real(round(rl->upstream_ms * 1000) / 1000) : json_null());
	SET("bytes_in", json_integer(rl->bytes_in > INT64_MAX ? INT64_MAX :
	    (json_int_t)rl->bytes_in));
	SET("bytes_out", json_integer(rl->bytes_out > INT64_MAX ? INT64_MAX :
	    (json_int_t)rl->bytes_out));
	SET("request_body", json_null());
	SET("response_body", json_null());
	SET("truncated", json_boolean(rl->truncated));
	STR(REQLOG_CLIENT_IP);
	STR(REQLOG_USER_AGENT);
#undef STR
#undef SET
	if (bad) {
		json_decref(o);
		return -1;
	}
	*out = o;
	return 0;
}

int
reqlog_to_json(const struct reqlog *rl, struct buf *line)
{
	struct buf	 b;
	json_t		*o = NULL;
	size_t		 avail, e1 = 0, e2 = 0, a1, a2, n1, n2, x;
	int		 cut = 0, rc = -1;

	buf_init(&b, SIZE_MAX / 2);
	if (reqlog_build(rl, &o) == -1)
		goto out;
	/* The line without bodies, to know what room they have. */
	if (json_dump_callback(o, reqlog_dump_cb, &b, REQLOG_DUMP_FLAGS) == -1)
		goto out;
	/* Each body goes from null to "...": 2 quotes minus "null". */
	avail = b.len + 1 < LIMIT_REQLOG_LINE ? LIMIT_REQLOG_LINE - 1 - b.len :
	    0;
	if (rl->request_body != NULL)
		reqlog_fit(rl->request_body, rl->request_body_len, SIZE_MAX,
		    &e1);
	if (rl->response_body != NULL)
		reqlog_fit(rl->response_body, rl->response_body_len, SIZE_MAX,
		    &e2);
	n1 = rl->request_body_len;
	n2 = rl->response_body_len;
	if (e1 + e2 > avail) {
		/* Share the room; what one body does not use, the other
		 * may. ("null" already counted covers the two quotes.) */
		if (e1 <= avail / 2)
			a1 = e1;
		else if (e2 <= avail / 2)
			a1 = avail - e2;
		else
			a1 = avail / 2;
		a2 = avail - a1;
		n1 = rl->request_body != NULL ? reqlog_fit(rl->request_body,
		    rl->request_body_len, a1, &x) : 0;
		n2 = rl->response_body != NULL ? reqlog_fit(rl->response_body,
		    rl->response_body_len, a2, &x) : 0;
		cut = 1;
	}
	if (json_object_set_new(o, "request_body",
	    reqlog_jstr(rl->request_body, n1)) == -1 ||
	    json_object_set_new(o, "response_body",
	    reqlog_jstr(rl->response_body, n2)) == -1 ||
	    (cut && json_object_set_new(o, "truncated", json_true()) == -1))
		goto out;
	buf_reset(&b);
	if (json_dump_callback(o, reqlog_dump_cb, &b, REQLOG_DUMP_FLAGS) == -1)
		goto out;
	if (b.len + 1 > LIMIT_REQLOG_LINE) {
		/* Cannot happen by the count above; never drop the record
		 * all the same. */
		if (json_object_set_new(o, "request_body", json_null()) == -1 ||
		    json_object_set_new(o, "response_body", json_null()) ==
		    -1 || json_object_set_new(o, "truncated", json_true()) ==
		    -1)
			goto out;
		buf_reset(&b);
		if (json_dump_callback(o, reqlog_dump_cb, &b,
		    REQLOG_DUMP_FLAGS) == -1)
			goto out;
	}
	if (buf_appendc(&b, '\n') == -1 ||
	    buf_append(line, b.data, b.len) == -1)
		goto out;
	rc = 0;
out:
	json_decref(o);
	buf_release(&b);
	return rc;
}

/* ---- sink 1: <log_dir>/requests.jsonl ----------------------------------- */

void
reqlog_file_init(struct reqlog_file *f)
{
	f->fd = -1;
	f->dev = 0;
	f->ino = 0;
	f->lock = 0;
	f->lost = 0;
	f->last_report = 0;
}

void
reqlog_file_release(struct reqlog_file *f)
{
	if (f->fd != -1)
		close(f->fd);
	reqlog_file_init(f);
}


/* The request id at the start of a line ({"request_id":"...), for the
 * error log; "-" when there is none. */
static void
reqlog_line_id(const char *line, size_t len, char *id, size_t idlen)
{
	static const char	 pre[] = "{\"request_id\":\"";
	size_t			 i, o = 0;

	if (len > sizeof(pre) - 1 && memcmp(line, pre, sizeof(pre) - 1) == 0)
		for (i = sizeof(pre) - 1; i < len && line[i] != '"' &&
		    o + 1 < idlen; i++)
			id[o++] = line[i];
	if (o == 0)
		id[o++] = '-';
	id[o] = '\0';
}

/* What was lost, at most once per LIMIT_REQLOG_ERR_EVERY_S per file (a
 * full disk must not flood the error log, which may be on the same disk). */
static void
reqlog_file_lost(struct reqlog_file *f, const char *path, const char *what,
    int err, const char *line, size_t len)
{
	char			 id[LIMIT_REQUEST_ID + 1];
	time_t			 now = time(NULL);

	f->lost++;
	if (f->last_report != 0 &&
	    now - f->last_report < LIMIT_REQLOG_ERR_EVERY_S)
		return;
	reqlog_line_id(line, len, id, sizeof(id));
	log_error(MOD, "cannot %s '%s': %s: request log record of '%s' "
	    "(%zu bytes) lost, %lu lost since the last report", what, path,
	    strerror(err), id, len, f->lost);
	f->last_report = now;
	f->lost = 0;
}

/* Open path for appending and note its inode; 0 or -1 (reported). */
static int
reqlog_file_open(struct reqlog_file *f, const char *path, const char *line,
    size_t len)
{
	struct stat	 st;
	int		 err;

	f->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOCTTY, 0640);
	if (f->fd == -1) {
		reqlog_file_lost(f, path, "open", errno, line, len);
		return -1;
	}
	if (fstat(f->fd, &st) == -1) {
		err = errno;
		close(f->fd);
		f->fd = -1;
		reqlog_file_lost(f, path, "stat", err, line, len);
		return -1;
	}
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	return 0;
}

/* 1 when path still names the inode f holds. */
static int
reqlog_file_current(const struct reqlog_file *f, const char *path)
{
	struct stat	 st;

	return stat(path, &st) == 0 && st.st_dev == f->dev &&
	    st.st_ino == f->ino;
}

static void
reqlog_file_close(struct reqlog_file *f)
{
	if (f->fd != -1)
		close(f->fd);
	f->fd = -1;
}

int
reqlog_file_write(struct reqlog_file *f, const char *path, const char *line,
    size_t len)
{
	ssize_t		 n;
	int		 err, tries;

	/*
	 * Rotated (renamed or removed) or, for the spool, sealed: the line
	 * goes to the file path names now. With f->lock the check is made
	 * under a shared flock, which the sealer's exclusive one waits out.
	 */
	for (tries = 0;; tries++) {
		if (f->fd == -1 && reqlog_file_open(f, path, line, len) == -1)
			return -1;
		if (f->lock && flock(f->fd, LOCK_SH) == -1) {
			err = errno;
			reqlog_file_close(f);
			reqlog_file_lost(f, path, "lock", err, line, len);
			return -1;
		}
		if (reqlog_file_current(f, path))
			break;
		reqlog_file_close(f);	/* closing drops the lock */
		if (tries == LIMIT_REQLOG_REOPEN_TRIES) {
			reqlog_file_lost(f, path, "keep hold of", ESTALE,
			    line, len);
			return -1;
		}
	}
	/* One write(2): O_APPEND makes seek-to-end and write one step, so
	 * concurrent workers' lines never interleave (POSIX write(),
	 * "If the O_APPEND flag ... is set"). */
	do
		n = write(f->fd, line, len);
	while (n == -1 && errno == EINTR);
	err = n == -1 ? errno : ENOSPC;
	if (n > 0 && n != (ssize_t)len) {
		/* Part of the line went out: end it, so the next line
		 * starts on its own (readers skip the broken one). */
		if (write(f->fd, "\n", 1) == -1) {
			/* nothing more to do */
		}
	}
	if (f->lock)
		flock(f->fd, LOCK_UN);
	if (n == (ssize_t)len)
		return 0;
	reqlog_file_lost(f, path, "write", err, line, len);
	return -1;
}
