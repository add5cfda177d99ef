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
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "base64.h"
#include "buf.h"
#include "jsonx.h"
#include "log.h"
#include "product_limits.h"
#include "log/reqlog.h"
#include "http/request.h"

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
	[REQLOG_TRACE_ID] = "trace_id",
	[REQLOG_TOOL_PIN] = "tool_pin",
	[REQLOG_BRIDGE] = "bridge",
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

/* Standard base64 (with '=') of (s, n), in place of what enc held. */
static int
reqlog_b64(struct buf *enc, const void *s, size_t n)
{
	buf_reset(enc);
	return base64_encode(enc, s, n, BASE64_STD | BASE64_PAD);
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
	struct buf	 enc;
	size_t		 k, len, first, last;
	int		 rc = -1;

	if (n == 0)
		return 0;
	if (n > INT32_MAX / 2 - 3)
		return -1;
	buf_init(&enc, BASE64_LEN_PAD(n + 2));
	if ((in = calloc(n + 2, 1)) == NULL)
		goto out;
	if (reqlog_pats_add(ps, s, n) == -1)
		goto out;
	if (reqlog_b64(&enc, s, n) == -1 ||
	    reqlog_pats_add_b64(ps, enc.data, enc.len) == -1)
		goto out;
	if (reqlog_b64(&enc, s, n) == -1)
		goto out;
	len = enc.len;
	while (len > 0 && enc.data[len - 1] == '=')
		len--;
	if (reqlog_pats_add_b64(ps, enc.data, len) == -1)
		goto out;
	for (k = 0; k < 3; k++) {
		/* Character j holds bits [6j, 6j+5] of the stream; the
		 * secret holds bits [8k, 8(k+n)-1]. */
		memset(in, 0, k);
		memcpy(in + k, s, n);
		if (reqlog_b64(&enc, in, k + n) == -1)
			goto out;
		len = enc.len;
		first = (8 * k + 5) / 6;
		last = (8 * (k + n) - 6) / 6;	/* n >= 1, so no underflow */
		if (last + 1 <= first || last + 1 - first < 8 || last >= len)
			continue;
		if (reqlog_pats_add_b64(ps, enc.data + first,
		    last + 1 - first) == -1)
			goto out;
	}
	rc = 0;
out:
	if (in != NULL) {
		OPENSSL_cleanse(in, n + 2);
		free(in);
	}
	buf_release_secret(&enc);
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
 * Text redaction works on the ORIGINAL text: every byte that belongs to an
 * occurrence of any pattern (overlapping occurrences included) is marked
 * in a bitmap, then each maximal run of marked bytes is written as one
 * "[redacted]". Matching never sees a "[redacted]" it wrote itself, no
 * byte of any occurrence survives (a shorter pattern overlapping a longer
 * one cannot leave a piece of either behind), and the result for a prefix
 * of a text is the start of the result for the whole text as long as no
 * occurrence runs past the prefix's end (reqlog_safe_cut).
 */

/* KMP failure table of p (m >= 1 entries); NULL when out of memory. */
static size_t *
reqlog_kmp_table(const char *p, size_t m)
{
	size_t	*f, i, k = 0;

	if ((f = calloc(m, sizeof(*f))) == NULL)
		return NULL;
	for (i = 1; i < m; i++) {
		while (k > 0 && p[i] != p[k])
			k = f[k - 1];
		if (p[i] == p[k])
			k++;
		f[i] = k;
	}
	return f;
}

static void
reqlog_bit_set(unsigned char *map, size_t i)
{
	map[i / 8] |= (unsigned char)(1u << (i % 8));
}

static int
reqlog_bit(const unsigned char *map, size_t i)
{
	return (map[i / 8] >> (i % 8)) & 1;
}

/* Mark every occurrence of pat in (s, len) from from on (the first one is
 * known to start at from); linear in len. 0 or -1. */
static int
reqlog_mark(const struct reqlog_pat *pat, const char *s, size_t len,
    size_t from, unsigned char *map)
{
	size_t	*f, i, j = 0, until = 0, k;

	if ((f = reqlog_kmp_table(pat->p, pat->len)) == NULL)
		return -1;
	for (i = from; i < len; i++) {
		while (j > 0 && s[i] != pat->p[j])
			j = f[j - 1];
		if (s[i] == pat->p[j])
			j++;
		if (j < pat->len)
			continue;
		/* An occurrence ends at i; overlapping ones share bytes. */
		for (k = i + 1 - pat->len > until ? i + 1 - pat->len : until;
		    k <= i; k++)
			reqlog_bit_set(map, k);
		until = i + 1;
		j = f[j - 1];
	}
	free(f);
	return 0;
}

/*
 * The bitmap of the bytes of (s, len) that belong to a pattern: *map NULL
 * when none does (no memory is then used: the common case is one memmem
 * per pattern). 0 or -1.
 */
static int
reqlog_cover(const struct reqlog_pats *ps, const char *s, size_t len,
    unsigned char **map)
{
	const char	*hit;
	size_t		 i;

	*map = NULL;
	for (i = 0; i < ps->n; i++) {
		if (len < ps->v[i].len ||
		    (hit = memmem(s, len, ps->v[i].p, ps->v[i].len)) == NULL)
			continue;
		if (*map == NULL && (*map = calloc(len / 8 + 1, 1)) == NULL)
			return -1;
		if (reqlog_mark(&ps->v[i], s, len, (size_t)(hit - s), *map) ==
		    -1) {
			free(*map);
			*map = NULL;
			return -1;
		}
	}
	return 0;
}

/* (s, len) with each marked run as "[redacted]", appended to out. */
static int
reqlog_emit(const char *s, size_t len, const unsigned char *map,
    struct buf *out)
{
	size_t	 i = 0, j;

	while (i < len) {
		for (j = i; j < len && !reqlog_bit(map, j); j++)
			continue;
		if (j > i && buf_append(out, s + i, j - i) == -1)
			return -1;
		if (j == len)
			break;
		while (j < len && reqlog_bit(map, j))
			j++;
		if (buf_appends(out, REDACTED) == -1)
			return -1;
		i = j;
	}
	return 0;
}

/*
 * (s, len) with every pattern replaced, into out (emptied first), and
 * *changed 1; or *changed 0 and out left empty when nothing matched (the
 * caller then uses s as is). 0 or -1.
 */
static int
reqlog_redact_text(const struct reqlog_pats *ps, const char *s, size_t len,
    struct buf *out, int *changed)
{
	unsigned char	*map;
	int		 rc = -1;

	*changed = 0;
	buf_reset(out);
	if (reqlog_cover(ps, s, len, &map) == -1)
		return -1;
	if (map == NULL)
		return 0;
	if (reqlog_emit(s, len, map, out) == -1)
		goto out;
	*changed = 1;
	rc = 0;
out:
	free(map);
	return rc;
}

/*
 * Where a PREFIX (s, len) of a longer text may be cut so that no pattern
 * occurrence of the whole text runs past the cut. Occurrences inside s
 * need nothing: reqlog_cover() of all of s marks them, and emitting
 * s[0..cut) with that map redacts their bytes wherever the cut falls.
 * Those that run past len show as a suffix of s that is a prefix of a
 * pattern (found with the KMP automaton): the cut moves to the start of
 * the longest such suffix, then back onto a UTF-8 sequence boundary.
 * Redacting s[0..cut) then gives exactly the start of the whole text's
 * redaction. *cut gets it; 0 or -1.
 */
static int
reqlog_safe_cut(const struct reqlog_pats *ps, const char *s, size_t len,
    size_t *cut)
{
	const struct reqlog_pat	*pat;
	size_t			*f, b = len, i, j, k;

	for (i = 0; i < ps->n; i++) {
		pat = &ps->v[i];
		if (pat->len < 2)
			continue;
		if ((f = reqlog_kmp_table(pat->p, pat->len)) == NULL)
			return -1;
		/* The automaton's state after the last len - 1 bytes: the
		 * longest suffix of s that is a prefix of the pattern. */
		j = 0;
		for (k = len > pat->len - 1 ? len - (pat->len - 1) : 0;
		    k < len; k++) {
			while (j > 0 && s[k] != pat->p[j])
				j = f[j - 1];
			if (s[k] == pat->p[j])
				j++;
			if (j == pat->len)
				j = f[j - 1];
		}
		free(f);
		if (j > 0 && len - j < b)
			b = len - j;
	}
	while (b > 0 && b < len && ((unsigned char)s[b] & 0xc0) == 0x80)
		b--;
	*cut = b;
	return 0;
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

/*
 * A redacted v: a NEW reference, or NULL (out of memory). Copy on write:
 * a value with nothing to redact in it is v itself (json_incref), so an
 * answer without secrets costs a walk and no allocation; v is never
 * modified.
 */
static json_t *reqlog_redact_json(const json_t *, const struct reqlog_pats *);

/* A redacted member name into b; *changed as reqlog_redact_text. */
static int
reqlog_redact_key(const struct reqlog_pats *ps, const char *k,
    struct buf *b, int *changed)
{
	return reqlog_redact_text(ps, k, strlen(k), b, changed);
}

/* r, a new object, gets v's first n members unchanged. */
static int
reqlog_copy_members(json_t *r, const json_t *v, size_t n)
{
	const char	*k;
	json_t		*e;
	size_t		 i = 0;

	json_object_foreach((json_t *)(uintptr_t)v, k, e) {
		if (i++ == n)
			break;
		if (json_object_set(r, k, e) == -1)
			return -1;
	}
	return 0;
}

static json_t *
reqlog_redact_object(const json_t *v, const struct reqlog_pats *ps)
{
	struct buf	 b;
	json_t		*r = NULL, *e, *nv;
	const char	*k;
	size_t		 i = 0;
	int		 changed;

	buf_init(&b, SIZE_MAX / 2);
	json_object_foreach((json_t *)(uintptr_t)v, k, e) {
		if (reqlog_redact_key(ps, k, &b, &changed) == -1)
			goto fail;
		nv = reqlog_is_secret_key(k) ? json_string(REDACTED) :
		    reqlog_redact_json(e, ps);
		if (nv == NULL)
			goto fail;
		if (r == NULL && !changed && nv == e) {
			json_decref(nv);
			i++;
			continue;
		}
		/* The first change: from here on a new object. */
		if (r == NULL && ((r = json_object()) == NULL ||
		    reqlog_copy_members(r, v, i) == -1)) {
			json_decref(nv);
			goto fail;
		}
		/* A NUL in a redacted name cannot be a C key: jansson
		 * keeps such names only up to the NUL. */
		if (json_object_set_new(r, changed ? buf_cstr(&b) : k, nv) ==
		    -1)
			goto fail;
		i++;
	}
	buf_release_secret(&b);
	return r != NULL ? r : json_incref((json_t *)(uintptr_t)v);
fail:
	buf_release_secret(&b);
	json_decref(r);
	return NULL;
}

static json_t *
reqlog_redact_array(const json_t *v, const struct reqlog_pats *ps)
{
	json_t	*r = NULL, *e, *nv;
	size_t	 i, j;

	json_array_foreach(v, i, e) {
		if ((nv = reqlog_redact_json(e, ps)) == NULL)
			goto fail;
		if (r == NULL && nv == e) {
			json_decref(nv);
			continue;
		}
		if (r == NULL) {
			if ((r = json_array()) == NULL) {
				json_decref(nv);
				goto fail;
			}
			for (j = 0; j < i; j++)
				if (json_array_append(r,
				    json_array_get(v, j)) == -1) {
					json_decref(nv);
					goto fail;
				}
		}
		if (json_array_append_new(r, nv) == -1)
			goto fail;
	}
	return r != NULL ? r : json_incref((json_t *)(uintptr_t)v);
fail:
	json_decref(r);
	return NULL;
}

static json_t *
reqlog_redact_json(const json_t *v, const struct reqlog_pats *ps)
{
	struct buf	 b;
	json_t		*r = NULL, *sum;
	char		*num;
	int		 changed = 0;

	buf_init(&b, SIZE_MAX / 2);
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		if ((sum = reqlog_binary_summary(v)) != NULL) {
			/* Its mimeType and uri are redacted like the rest. */
			r = reqlog_redact_json(sum, ps);
			json_decref(sum);
			break;
		}
		r = reqlog_redact_object(v, ps);
		break;
	case JSON_ARRAY:
		r = reqlog_redact_array(v, ps);
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
}

/* json_dump_callback into a buf that stops at cap bytes: the rest of a
 * body that will be cut is never written. */
struct reqlog_capped {
	struct buf	*b;
	size_t		 cap;
	int		 full;		/* cap reached: the dump stopped */
};

static int
reqlog_dump_cb(const char *p, size_t len, void *arg)
{
	return buf_append(arg, p, len);
}

static int
reqlog_capped_cb(const char *p, size_t len, void *arg)
{
	struct reqlog_capped	*c = arg;
	size_t			 room = c->cap - c->b->len;

	if (len <= room)
		return buf_append(c->b, p, len);
	if (buf_append(c->b, p, room) == -1)
		return -1;
	c->full = 1;
	return -1;
}

/* ms with 3 decimals, whole milliseconds without any */
#define REQLOG_DUMP_FLAGS	(JSON_COMPACT | JSON_ENCODE_ANY | \
				 JSON_REAL_PRECISION(15))

/* *out: a new copy of the first n bytes of (s, len) cut at body_max on
 * a UTF-8 boundary (s valid UTF-8, or cut at an unknown place: n may be
 * len, or len + 1 bytes that were available). */
static int
reqlog_body_out(const char *s, size_t len, size_t body_max, char **out,
    size_t *outlen, int *truncated)
{
	size_t	 n;

	n = reqlog_utf8_cut(s, len, body_max);
	if (n < len)
		*truncated = 1;
	if ((*out = malloc(n + 1)) == NULL)
		return -1;
	if (n > 0)
		memcpy(*out, s, n);
	(*out)[n] = '\0';
	*outlen = n;
	return 0;
}

/* A parsed body redacted, serialised no further than body_max + 1
 * bytes, and cut. Redaction runs on the whole values first, so a cut can
 * never fall inside a secret. sent: j's serialisation as sent (its first
 * sentlen bytes, at least body_max + 1 when longer), or NULL. */
static int
reqlog_body_json(const json_t *j, const char *sent, size_t sentlen,
    const struct reqlog_pats *ps, size_t body_max, char **out,
    size_t *outlen, int *truncated)
{
	struct reqlog_capped	 c;
	struct buf		 b;
	json_t			*r;
	int			 rc = -1;

	buf_init(&b, SIZE_MAX / 2);
	c.b = &b;
	c.cap = body_max < SIZE_MAX / 2 ? body_max + 1 : SIZE_MAX / 2;
	c.full = 0;
	if ((r = reqlog_redact_json(j, ps)) == NULL)
		goto out;
	if (r == j && sent != NULL) {
		/* Nothing redacted: the text the client got. */
		rc = reqlog_body_out(sent, sentlen, body_max, out, outlen,
		    truncated);
		goto out;
	}
	if (json_dump_callback(r, reqlog_capped_cb, &c,
	    REQLOG_DUMP_FLAGS) == -1 && !c.full)
		goto out;
	rc = reqlog_body_out(b.data != NULL ? b.data : "", b.len, body_max,
	    out, outlen, truncated);
out:
	json_decref(r);
	buf_release_secret(&b);
	return rc;
}

/* Text that is only the first len bytes of a longer body: cut where no
 * secret straddles (reqlog_safe_cut), redacted, cut at body_max. */
static int
reqlog_body_prefix(const char *s, size_t len, size_t full,
    const struct reqlog_pats *ps, size_t body_max, char **out,
    size_t *outlen, int *truncated)
{
	struct buf	 b;
	unsigned char	*map = NULL;
	size_t		 cut;
	int		 rc = -1;

	buf_init(&b, SIZE_MAX / 2);
	*truncated = 1;
	if (reqlog_cover(ps, s, len, &map) == -1 ||
	    reqlog_safe_cut(ps, s, len, &cut) == -1)
		goto out;
	if (!reqlog_utf8_text(s, cut)) {
		if (buf_printf(&b, "[binary %zu bytes]", full) == -1)
			goto out;
	} else if (map != NULL) {
		if (reqlog_emit(s, cut, map, &b) == -1)
			goto out;
	} else if (buf_append(&b, s, cut) == -1)
		goto out;
	rc = reqlog_body_out(b.data != NULL ? b.data : "", b.len, body_max,
	    out, outlen, truncated);
out:
	free(map);
	buf_release_secret(&b);
	return rc;
}

/* One raw body redacted and cut: *out a new string (or NULL and 0 when
 * out of memory). */
static int
reqlog_body(const char *s, size_t len, const struct reqlog_pats *ps,
    size_t body_max, char **out, size_t *outlen, int *truncated)
{
	struct buf	 b;
	json_t		*j = NULL;
	json_error_t	 je;
	int		 changed, rc = -1;

	*out = NULL;
	*outlen = 0;
	buf_init(&b, SIZE_MAX / 2);
	if (jsonx_depth(s, len) <= LIMIT_JSON_DEPTH &&
	    (j = json_loadb(s, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je)) !=
	    NULL) {
		rc = reqlog_body_json(j, NULL, 0, ps, body_max, out, outlen,
		    truncated);
		goto out;
	}
	if (reqlog_utf8_text(s, len)) {
		if (reqlog_redact_text(ps, s, len, &b, &changed) == -1)
			goto out;
		if (!changed) {
			rc = reqlog_body_out(s, len, body_max, out, outlen,
			    truncated);
			goto out;
		}
	} else if (buf_printf(&b, "[binary %zu bytes]", len) == -1)
		goto out;
	rc = reqlog_body_out(b.data, b.len, body_max, out, outlen, truncated);
out:
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
	rl->kept_max = SIZE_MAX;
}

/* One body as reqlog_redact() will see it. */
struct reqlog_src {
	const json_t	*json;	/* parsed: redacted from this */
	const char	*raw;	/* else these bytes; with json, its text
				   as sent (a prefix), or NULL */
	size_t		 len;	/* of raw */
	size_t		 full;	/* the body's own size (> len: raw is a
				   prefix; 0 with json: not known) */
	int		 has;	/* 0: no body (null) */
};

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
	json_decref(rl->kept_req_json);
	json_decref(rl->kept_resp_json);
	for (i = 0; rl->kept_secrets != NULL && rl->kept_secrets[i] != NULL;
	    i++) {
		explicit_bzero(rl->kept_secrets[i], strlen(rl->kept_secrets[i]));
		free(rl->kept_secrets[i]);
	}
	free(rl->kept_secrets);
	rl->kept_req = rl->kept_resp = NULL;
	rl->kept_req_len = rl->kept_resp_len = 0;
	rl->kept_req_json = rl->kept_resp_json = NULL;
	rl->kept_req_full = rl->kept_resp_full = 0;
	rl->kept_req_has = rl->kept_resp_has = 0;
	rl->kept_max = SIZE_MAX;
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

/* The longest pattern reqlog_pats_secret() makes of these secrets: its
 * padded base64, 4 * ceil(n / 3) >= n characters. */
static size_t
reqlog_secrets_span(const char *const *secrets)
{
	size_t	 i, n, span = 0;

	for (i = 0; secrets != NULL && secrets[i] != NULL &&
	    i < LIMIT_REQLOG_SECRETS; i++) {
		n = strlen(secrets[i]);
		if (n < SIZE_MAX / 8 && 4 * ((n + 2) / 3) > span)
			span = 4 * ((n + 2) / 3);
	}
	return span;
}

/*
 * Keep one body: a reference to its parse, or a copy of its bytes. Raw
 * bytes longer than body_max + span (span: the longest secret pattern)
 * are kept as a prefix of that size, cut on a UTF-8 boundary:
 * reqlog_body_prefix() then cuts it again where no secret straddles. But
 * a long raw body that parses (leniently) as JSON is kept parsed, so that
 * credential members are still found in it.
 */
static int
reqlog_keep_one(const struct reqlog_body *in, size_t body_max, size_t span,
    json_t **json, char **raw, size_t *len, size_t *full, int *has)
{
	json_error_t	 je;
	size_t		 lim;

	if (in == NULL || (in->json == NULL && in->raw == NULL))
		return 0;
	*has = 1;
	if (body_max == 0) {
		/* Nothing of it will be written: whether it was empty. */
		*full = in->json != NULL ? 1 : in->len;
		return 0;
	}
	if (in->json != NULL) {
		*json = json_incref((json_t *)(uintptr_t)in->json);
		if (in->raw == NULL)
			return 0;
		/* Its text as sent: as much as a body can show, and one
		 * byte to tell that it was cut. */
		lim = in->len;
		if (body_max < SIZE_MAX / 2 && lim > body_max + 1)
			lim = body_max + 1;
		if ((*raw = reqlog_memdup(in->raw, lim)) == NULL)
			return -1;
		*len = lim;
		return 0;
	}
	*full = in->len;
	lim = body_max < SIZE_MAX / 4 && span < SIZE_MAX / 4 ?
	    body_max + span + 4 : SIZE_MAX;
	if (in->len > lim) {
		if (jsonx_depth(in->raw, in->len) <= LIMIT_JSON_DEPTH &&
		    (*json = json_loadb(in->raw, in->len, JSON_DECODE_ANY |
		    JSON_ALLOW_NUL, &je)) != NULL)
			return 0;
		while (lim > 0 && ((unsigned char)in->raw[lim] & 0xc0) == 0x80)
			lim--;
	} else
		lim = in->len;
	if ((*raw = reqlog_memdup(in->raw, lim)) == NULL)
		return -1;
	*len = lim;
	return 0;
}

int
reqlog_keep_bodies(struct reqlog *rl, const struct reqlog_body *req,
    const struct reqlog_body *resp, const char *const *secrets,
    size_t body_max)
{
	size_t	 i, n = 0, span;

	reqlog_unkeep(rl);
	while (secrets != NULL && secrets[n] != NULL)
		n++;
	span = reqlog_secrets_span(secrets);
	if ((rl->kept_secrets = calloc(n + 1, sizeof(char *))) == NULL)
		goto fail;
	for (i = 0; i < n; i++)
		if ((rl->kept_secrets[i] = strdup(secrets[i])) == NULL)
			goto fail;
	if (reqlog_keep_one(req, body_max, span, &rl->kept_req_json,
	    &rl->kept_req, &rl->kept_req_len, &rl->kept_req_full,
	    &rl->kept_req_has) == -1 ||
	    reqlog_keep_one(resp, body_max, span, &rl->kept_resp_json,
	    &rl->kept_resp, &rl->kept_resp_len, &rl->kept_resp_full,
	    &rl->kept_resp_has) == -1)
		goto fail;
	rl->kept_max = body_max;
	rl->kept = 1;
	return 0;
fail:
	reqlog_unkeep(rl);
	log_error(MOD, "out of memory keeping a request record's bodies");
	return -1;
}

int
reqlog_keep(struct reqlog *rl, const char *req, size_t reqlen,
    const char *resp, size_t resplen, const char *const *secrets)
{
	struct reqlog_body	 q, s;

	memset(&q, 0, sizeof(q));
	memset(&s, 0, sizeof(s));
	q.raw = req;
	q.len = reqlen;
	s.raw = resp;
	s.len = resplen;
	return reqlog_keep_bodies(rl, &q, &s, secrets, SIZE_MAX);
}

static int	reqlog_set_srcs(struct reqlog *, const struct reqlog_src *,
		    const struct reqlog_src *, const char *const *, size_t);

int
reqlog_redact(struct reqlog *rl, size_t body_max)
{
	struct reqlog_src	 q, s;
	int			 rc;

	if (!rl->kept)
		return 0;
	q.json = rl->kept_req_json;
	q.raw = rl->kept_req;
	q.len = rl->kept_req_len;
	q.full = rl->kept_req_full;
	q.has = rl->kept_req_has;
	s.json = rl->kept_resp_json;
	s.raw = rl->kept_resp;
	s.len = rl->kept_resp_len;
	s.full = rl->kept_resp_full;
	s.has = rl->kept_resp_has;
	rc = reqlog_set_srcs(rl, &q, &s,
	    (const char *const *)rl->kept_secrets,
	    body_max < rl->kept_max ? body_max : rl->kept_max);
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
	    reqlog_set(rl, REQLOG_USER_AGENT, req->user_agent) == -1 ||
	    reqlog_set(rl, REQLOG_TRACE_ID, req->trace.trace_id[0] != '\0' ?
	    req->trace.trace_id : NULL) == -1)
		rc = -1;
	rl->bytes_in = req->body_read ? req->body.len : req->content_length;
	rl->bytes_out = req->resp.bytes_out;
	rl->http_status = req->resp.status;
	rl->total_ms = request_elapsed_ms(req);
	return rc;
}

/* One body, as the record will have it: *out NULL for no body. */
static int
reqlog_src_body(const struct reqlog_src *src, const struct reqlog_pats *ps,
    size_t body_max, char **out, size_t *outlen, int *truncated)
{
	*out = NULL;
	*outlen = 0;
	if (!src->has)
		return 0;
	if (body_max == 0) {
		/* log_body_max = 0: no parse, no redaction, no copy. */
		if (src->json != NULL || src->full > 0 || src->len > 0)
			*truncated = 1;
		return (*out = strdup("")) == NULL ? -1 : 0;
	}
	if (src->json != NULL)
		return reqlog_body_json(src->json, src->raw, src->len, ps,
		    body_max, out, outlen, truncated);
	if (src->raw == NULL)
		return (*out = strdup("")) == NULL ? -1 : 0;
	if (src->len < src->full)
		return reqlog_body_prefix(src->raw, src->len, src->full, ps,
		    body_max, out, outlen, truncated);
	return reqlog_body(src->raw, src->len, ps, body_max, out, outlen,
	    truncated);
}

static int
reqlog_set_srcs(struct reqlog *rl, const struct reqlog_src *req,
    const struct reqlog_src *resp, const char *const *secrets,
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
	if (reqlog_src_body(req, &ps, body_max, &rl->request_body,
	    &rl->request_body_len, &rl->truncated) == -1 ||
	    reqlog_src_body(resp, &ps, body_max, &rl->response_body,
	    &rl->response_body_len, &rl->truncated) == -1)
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

int
reqlog_set_bodies(struct reqlog *rl, const char *req, size_t reqlen,
    const char *resp, size_t resplen, const char *const *secrets,
    size_t body_max)
{
	struct reqlog_src	 q, s;

	memset(&q, 0, sizeof(q));
	memset(&s, 0, sizeof(s));
	q.raw = req;
	q.len = q.full = reqlen;
	q.has = req != NULL;
	s.raw = resp;
	s.len = s.full = resplen;
	s.has = resp != NULL;
	return reqlog_set_srcs(rl, &q, &s, secrets, body_max);
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

/*
 * (s, n) as a JSON string into b: the escapes reqlog_esc_len() counts
 * (jansson's, dump.c), so the room computed with reqlog_fit() is exact.
 * Bodies are UTF-8 by construction; a byte that is not would make the
 * line invalid, so it is written as '?' (same length).
 */
static int
reqlog_jstr_append(struct buf *b, const char *s, size_t n)
{
	static const char	 hex[] = "0123456789ABCDEF";	/* jansson's */
	char			 e[6];
	size_t			 i = 0, run, k;
	unsigned char		 c;

	if (buf_appendc(b, '"') == -1)
		return -1;
	while (i < n) {
		/* The longest run written as is. */
		for (run = i; run < n; run += k) {
			c = (unsigned char)s[run];
			if (c < 0x20 || c == '"' || c == '\\')
				break;
			if ((k = reqlog_utf8_seq((const unsigned char *)s + run,
			    n - run)) == 0)
				break;
		}
		if (run > i && buf_append(b, s + i, run - i) == -1)
			return -1;
		if ((i = run) == n)
			break;
		c = (unsigned char)s[i++];
		e[0] = '\\';
		switch (c) {
		case '"': e[1] = '"'; k = 2; break;
		case '\\': e[1] = '\\'; k = 2; break;
		case '\b': e[1] = 'b'; k = 2; break;
		case '\f': e[1] = 'f'; k = 2; break;
		case '\n': e[1] = 'n'; k = 2; break;
		case '\r': e[1] = 'r'; k = 2; break;
		case '\t': e[1] = 't'; k = 2; break;
		default:
			if (c >= 0x20) {	/* not UTF-8 */
				e[0] = '?';
				k = 1;
				break;
			}
			e[1] = 'u';
			e[2] = '0';
			e[3] = '0';
			e[4] = hex[c >> 4];
			e[5] = hex[c & 0xf];
			k = 6;
			break;
		}
		if (buf_append(b, e, k) == -1)
			return -1;
	}
	return buf_appendc(b, '"');
}

/* A body into b: the string, or null. */
static int
reqlog_body_append(struct buf *b, const char *s, size_t n)
{
	return s != NULL ? reqlog_jstr_append(b, s, n) : buf_appends(b, "null");
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
	STR(REQLOG_TRACE_ID);
	STR(REQLOG_TOOL_PIN);
	STR(REQLOG_BRIDGE);
#undef STR
#undef SET
	if (bad) {
		json_decref(o);
		return -1;
	}
	*out = o;
	return 0;
}

/*
 * The line is jansson's dump of the record with null bodies, with the
 * bodies spliced in where the nulls are: the bodies (up to 64 KiB each,
 * or more from reqlog_set_bodies) are escaped once, straight into the
 * line, not copied into json_t strings and the whole record dumped again.
 */
#define REQLOG_BODIES	",\"request_body\":null,\"response_body\":null,"

static int
reqlog_dump(const json_t *o, struct buf *b)
{
	buf_reset(b);
	return json_dump_callback(o, reqlog_dump_cb, b, REQLOG_DUMP_FLAGS);
}

int
reqlog_to_json(const struct reqlog *rl, struct buf *line)
{
	struct buf	 b, out;
	json_t		*o = NULL;
	const char	*at;
	size_t		 avail, e1 = 0, e2 = 0, a1, a2, n1, n2, x, pre;
	int		 rc = -1;

	buf_init(&b, SIZE_MAX / 2);
	buf_init(&out, SIZE_MAX / 2);
	if (reqlog_build(rl, &o) == -1)
		goto out;
	/* The line without bodies, to know what room they have. */
	if (reqlog_dump(o, &b) == -1)
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
		/* "true" is shorter than "false": the room only grows. */
		if (!rl->truncated && (json_object_set_new(o, "truncated",
		    json_true()) == -1 || reqlog_dump(o, &b) == -1))
			goto out;
	}
	/* Only the record's own keys hold an unescaped '"': found once. */
	if ((at = memmem(b.data, b.len, REQLOG_BODIES,
	    sizeof(REQLOG_BODIES) - 1)) == NULL)
		goto out;
	pre = (size_t)(at - b.data) + sizeof(",\"request_body\":") - 1;
	if (buf_append(&out, b.data, pre) == -1 ||
	    reqlog_body_append(&out, rl->request_body, n1) == -1 ||
	    buf_appends(&out, ",\"response_body\":") == -1 ||
	    reqlog_body_append(&out, rl->response_body, n2) == -1 ||
	    buf_append(&out, at + sizeof(REQLOG_BODIES) - 2,
	    b.len - (size_t)(at - b.data) - (sizeof(REQLOG_BODIES) - 2)) == -1)
		goto out;
	if (out.len + 1 > LIMIT_REQLOG_LINE) {
		/* Cannot happen by the count above; never drop the record
		 * all the same. */
		if (json_object_set_new(o, "truncated", json_true()) == -1 ||
		    reqlog_dump(o, &out) == -1)
			goto out;
	}
	if (buf_appendc(&out, '\n') == -1 ||
	    buf_append(line, out.data, out.len) == -1)
		goto out;
	rc = 0;
out:
	json_decref(o);
	buf_release(&out);
	buf_release(&b);
	return rc;
}

/* ---- sink 1: <log_dir>/requests.jsonl ----------------------------------- */

static void	 reqlog_file_resumed(struct reqlog_file *, const char *,
		    const char *);

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
	reqlog_file_resumed(f, NULL, "closing a request log file");
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

/* Losses counted since the last report (the reports are at most one a
 * LIMIT_REQLOG_ERR_EVERY_S): said at once when writing works again, or
 * when the worker lets go of the file, so the last ones are never left
 * untold. */
static void
reqlog_file_resumed(struct reqlog_file *f, const char *path,
    const char *when)
{
	if (f->lost == 0)
		return;
	if (path != NULL)
		log_error(MOD, "%s '%s': %lu more request log record(s) lost "
		    "since the last report", when, path, f->lost);
	else
		log_error(MOD, "%s: %lu more request log record(s) lost since "
		    "the last report", when, f->lost);
	f->lost = 0;
	f->last_report = time(NULL);
}

/* Open path for appending and note its inode; 0 or -1 (reported). */
static int
reqlog_file_open(struct reqlog_file *f, const char *path, const char *line,
    size_t len)
{
	struct stat	 st;
	int		 err;

	f->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOCTTY, 0600);
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
	if (n == (ssize_t)len) {
		reqlog_file_resumed(f, path, "writing again");
		return 0;
	}
	reqlog_file_lost(f, path, "write", err, line, len);
	return -1;
}
