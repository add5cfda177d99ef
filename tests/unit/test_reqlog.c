/*
 * test_reqlog.c -- the request-log record: redaction (credential keys,
 * secret values and their base64, binary content), truncation, the line,
 * and the JSON Lines sink (concurrent appends, rotation, failures).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "buf.h"
#include "log.h"
#include "product_limits.h"
#include "log/reqlog.h"
#include "t.h"

#define SECRET	"Zx9?>~Secret-Value!?>"

static const char *const secrets[] = { "unrelated-other", SECRET, "", NULL };

static char tmpdir[] = "/tmp/test_reqlog.XXXXXX";

/* base64 of s: url-safe when url, without '=' when nopad (static). */
static const char *
b64(const char *s, int url, int nopad)
{
	static char	 out[256];
	size_t		 i, n;

	n = (size_t)EVP_EncodeBlock((unsigned char *)out,
	    (const unsigned char *)s, (int)strlen(s));
	for (i = 0; i < n; i++)
		if (url && out[i] == '+')
			out[i] = '-';
		else if (url && out[i] == '/')
			out[i] = '_';
	while (nopad && n > 0 && out[n - 1] == '=')
		n--;
	out[n] = '\0';
	return out;
}

static int
has(const char *s, size_t len, const char *needle)
{
	return s != NULL && memmem(s, len, needle, strlen(needle)) != NULL;
}

/* 1 when line is one '\n'-terminated JSON object; *out (if non-NULL)
 * gets it (NEW reference). */
static int
line_ok(const struct buf *line, json_t **out)
{
	json_t	*j;

	if (line->len == 0 || line->data[line->len - 1] != '\n' ||
	    memchr(line->data, '\n', line->len - 1) != NULL ||
	    line->len > LIMIT_REQLOG_LINE)
		return 0;
	j = json_loadb(line->data, line->len, 0, NULL);
	if (!json_is_object(j)) {
		json_decref(j);
		return 0;
	}
	if (out != NULL)
		*out = j;
	else
		json_decref(j);
	return 1;
}

/* Credential-named members lose their values, in any case. */
static void
test_keys(void)
{
	static const struct {
		int		 line;
		const char	*key;
	} cases[] = {
		{ __LINE__, "authorization" }, { __LINE__, "Authorization" },
		{ __LINE__, "apikey" }, { __LINE__, "APIKEY" },
		{ __LINE__, "api_key" }, { __LINE__, "cookie" },
		{ __LINE__, "Set-Cookie" }, { __LINE__, "password" },
		{ __LINE__, "token" }, { __LINE__, "access_token" },
		{ __LINE__, "refresh_token" }, { __LINE__, "x-api-key" },
	};
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct reqlog	 rl;
		char		 body[256];
		int		 n;

		n = snprintf(body, sizeof(body), "{\"jsonrpc\":\"2.0\","
		    "\"params\":{\"headers\":[{\"%s\":\"Bearer abc.def\"}],"
		    "\"%s\":{\"nested\":\"xyzzy-cred\"}}}", cases[i].key,
		    cases[i].key);
		reqlog_init(&rl);
		T_LINE(reqlog_set_bodies(&rl, body, (size_t)n, body, (size_t)n,
		    NULL, 4096) == 0, cases[i].line);
		T_LINE(!has(rl.request_body, rl.request_body_len, "abc.def") &&
		    !has(rl.request_body, rl.request_body_len, "xyzzy-cred") &&
		    !has(rl.response_body, rl.response_body_len, "xyzzy-cred"),
		    cases[i].line);
		T_LINE(has(rl.request_body, rl.request_body_len,
		    "\"[redacted]\"") && has(rl.request_body,
		    rl.request_body_len, cases[i].key) && !rl.truncated,
		    cases[i].line);
		reqlog_release(&rl);
	}
}

/* Secret values, wherever and however they appear. */
static void
test_secrets(void)
{
	static const struct {
		int		 line;
		const char	*fmt;	/* one %s: the planted text */
		int		 enc;	/* 0 raw, 1 b64, 2 b64 nopad,
					   3 b64url, 4 b64url nopad,
					   5 Basic "user:SECRET" */
		int		 in_resp;
		int		 json;
	} cases[] = {
		{ __LINE__, "{\"method\":\"tools/call\",\"params\":{\"name\":"
		    "\"x\",\"arguments\":{\"key\":\"%s\"}}}", 0, 0, 1 },
		{ __LINE__, "{\"params\":{\"arguments\":{\"q\":\"before %s "
		    "after\"}}}", 0, 0, 1 },
		{ __LINE__, "{\"a\":[\"x\",\"%s\"]}", 1, 0, 1 },
		{ __LINE__, "{\"a\":\"v=%s;\"}", 2, 0, 1 },
		{ __LINE__, "{\"a\":\"%s\"}", 3, 0, 1 },
		{ __LINE__, "{\"a\":\"%s\"}", 4, 0, 1 },
		{ __LINE__, "{\"hdr\":\"Basic %s\"}", 5, 0, 1 },
		{ __LINE__, "{\"result\":{\"content\":[{\"type\":\"text\","
		    "\"text\":\"the key is %s\"}]}}", 0, 1, 1 },
		{ __LINE__, "{\"result\":{\"%s\":1}}", 0, 1, 1 },
		{ __LINE__, "not json: %s", 0, 0, 0 },
		{ __LINE__, "event: message\ndata: %s\n\n", 1, 1, 0 },
	};
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct reqlog	 rl;
		char		 body[512], basic[128];
		const char	*plant, *b, *bl;
		size_t		 bn;
		int		 n;

		switch (cases[i].enc) {
		case 0: plant = SECRET; break;
		case 5:
			snprintf(basic, sizeof(basic), "%s",
			    b64("user:" SECRET, 0, 0));
			plant = basic;
			break;
		default:
			plant = b64(SECRET, cases[i].enc >= 3,
			    cases[i].enc % 2 == 0);
			break;
		}
		n = snprintf(body, sizeof(body), cases[i].fmt, plant);
		reqlog_init(&rl);
		T_LINE(reqlog_set_bodies(&rl, cases[i].in_resp ? "{}" : body,
		    cases[i].in_resp ? 2 : (size_t)n,
		    cases[i].in_resp ? body : "{}",
		    cases[i].in_resp ? (size_t)n : 2, secrets, 4096) == 0,
		    cases[i].line);
		b = cases[i].in_resp ? rl.response_body : rl.request_body;
		bn = cases[i].in_resp ? rl.response_body_len :
		    rl.request_body_len;
		T_LINE(b != NULL && has(b, bn, "[redacted]"), cases[i].line);
		T_LINE(!has(b, bn, SECRET) && !has(b, bn, plant) &&
		    !has(b, bn, "Secret-Value"), cases[i].line);
		/* Every encoding, not only the planted one. */
		for (n = 0; n < 4; n++) {
			bl = b64(SECRET, n >= 2, n % 2);
			T_LINE(!has(b, bn, bl), cases[i].line);
		}
		if (cases[i].json) {
			json_t *j = json_loadb(b, bn, 0, NULL);

			T_LINE(j != NULL, cases[i].line);
			json_decref(j);
		}
		reqlog_release(&rl);
	}
}

/* A number holding a secret, fields set before the bodies, the session. */
static void
test_fields(void)
{
	static const char *const pin[] = { "987654321", NULL };
	struct reqlog	 rl;
	struct buf	 line;
	json_t		*j = NULL, *id;
	const char	*body = "{\"id\":7,\"params\":{\"pin\":987654321}}";

	reqlog_init(&rl);
	buf_init(&line, LIMIT_REQLOG_LINE);
	T(reqlog_set(&rl, REQLOG_TOOL, "lookup-987654321") == 0);
	T(reqlog_set(&rl, REQLOG_METHOD, "tools/call") == 0);
	id = json_integer(42);
	T(reqlog_set_jsonrpc_id(&rl, id) == 0);
	json_decref(id);
	reqlog_set_session(&rl, "the-session-capability");
	T(reqlog_set_bodies(&rl, body, strlen(body), NULL, 0, pin, 1024) == 0);
	T(!has(rl.request_body, rl.request_body_len, "987654321"));
	T(strcmp(rl.str[REQLOG_TOOL], "lookup-[redacted]") == 0);
	T(reqlog_to_json(&rl, &line) == 0 && line_ok(&line, &j));
	T(!has(line.data, line.len, "the-session-capability"));
	T(strlen(json_string_value(json_object_get(j, "session_id"))) ==
	    REQLOG_SESSION_HASH_LEN);
	T(strcmp(json_string_value(json_object_get(j, "jsonrpc_id")),
	    "42") == 0);
	T(json_is_null(json_object_get(j, "response_body")));
	T(json_is_null(json_object_get(j, "tenant_id")));
	T(json_is_null(json_object_get(j, "upstream_ms")));
	T(strncmp(line.data, "{\"request_id\":null,", 19) == 0);
	json_decref(j);
	buf_release(&line);
	reqlog_release(&rl);
}

/* keep, then redact later: the same result, the copies wiped. */
static void
test_keep(void)
{
	struct reqlog	 rl;
	const char	*req = "{\"params\":{\"arguments\":{\"k\":\"" SECRET
			    "\",\"password\":\"pw\"}}}";
	const char	*resp = "{\"result\":\"" SECRET "\"}";
	char		*sec[] = { NULL, NULL };

	sec[0] = strdup(SECRET);
	reqlog_init(&rl);
	T(reqlog_redact(&rl, 100) == 0 && rl.request_body == NULL);
	T(reqlog_keep(&rl, req, strlen(req), resp, strlen(resp),
	    (const char *const *)sec) == 0);
	/* The caller's copies may go now (the target is released). */
	free(sec[0]);
	T(rl.kept && rl.request_body == NULL);
	T(reqlog_redact(&rl, 4096) == 0);
	T(!rl.kept && rl.kept_req == NULL && rl.kept_secrets == NULL);
	T(rl.request_body != NULL && !has(rl.request_body,
	    rl.request_body_len, SECRET) && !has(rl.request_body,
	    rl.request_body_len, "\"pw\""));
	T(rl.response_body != NULL && strcmp(rl.response_body,
	    "{\"result\":\"[redacted]\"}") == 0);
	/* Kept and never redacted: release wipes and frees (ASan). */
	T(reqlog_keep(&rl, req, strlen(req), NULL, 0, secrets) == 0);
	reqlog_release(&rl);
}

/* Binary content is kept as type and size only. */
static void
test_binary(void)
{
	static const struct {
		int		 line;
		const char	*body;
		const char	*want;	/* in the redacted body */
		const char	*gone;	/* not in it */
	} cases[] = {
		{ __LINE__, "{\"result\":{\"content\":[{\"type\":\"image\","
		    "\"data\":\"iVBORw0KGgoAAAANSUhEUg==\",\"mimeType\":"
		    "\"image/png\"}]}}",
		    "{\"type\":\"image\",\"mimeType\":\"image/png\",\"size\":16}",
		    "iVBORw0KGgo" },
		{ __LINE__, "{\"content\":[{\"type\":\"audio\",\"data\":"
		    "\"UklGRiQAAABXQVZF\",\"mimeType\":\"audio/wav\"}]}",
		    "{\"type\":\"audio\",\"mimeType\":\"audio/wav\",\"size\":12}",
		    "UklGR" },
		{ __LINE__, "{\"contents\":[{\"uri\":\"file:///a.bin\","
		    "\"mimeType\":\"application/octet-stream\",\"blob\":"
		    "\"AAECAwQ=\"}]}",
		    "{\"uri\":\"file:///a.bin\",\"mimeType\":"
		    "\"application/octet-stream\",\"size\":5}", "AAECAwQ" },
		{ __LINE__, "{\"type\":\"resource\",\"resource\":{\"uri\":"
		    "\"x:y\",\"blob\":\"QUJD\"}}",
		    "\"resource\":{\"uri\":\"x:y\",\"mimeType\":null,"
		    "\"size\":3}", "QUJD" },
		{ __LINE__, "{\"type\":\"text\",\"text\":\"hello\"}",
		    "{\"type\":\"text\",\"text\":\"hello\"}", "size" },
	};
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct reqlog	 rl;

		reqlog_init(&rl);
		T_LINE(reqlog_set_bodies(&rl, NULL, 0, cases[i].body,
		    strlen(cases[i].body), NULL, 4096) == 0, cases[i].line);
		T_LINE(has(rl.response_body, rl.response_body_len,
		    cases[i].want), cases[i].line);
		T_LINE(!has(rl.response_body, rl.response_body_len,
		    cases[i].gone), cases[i].line);
		T_LINE(rl.request_body == NULL, cases[i].line);
		reqlog_release(&rl);
	}
	/* Not text at all: type and size. */
	{
		struct reqlog	 rl;
		static const char bin[] = "\x89PNG\r\n\x1a\n\0\0\xff";

		reqlog_init(&rl);
		T(reqlog_set_bodies(&rl, bin, sizeof(bin) - 1, NULL, 0, NULL,
		    4096) == 0);
		T(strcmp(rl.request_body, "[binary 11 bytes]") == 0);
		reqlog_release(&rl);
	}
}

/* 1 when (s, len) is valid UTF-8 (jansson's check, through a string). */
static int
utf8_ok(const char *s, size_t len)
{
	json_t	*j = json_stringn(s, len);
	int	 ok = j != NULL;

	json_decref(j);
	return ok;
}

static void
test_truncation(void)
{
	static const struct {
		int		 line;
		size_t		 max;
		int		 truncated;
	} cases[] = {
		{ __LINE__, 4096, 0 },
		{ __LINE__, 51, 1 },
		{ __LINE__, 52, 1 },
		{ __LINE__, 53, 1 },
		{ __LINE__, 1, 1 },
		{ __LINE__, 0, 1 },
	};
	struct buf	 body;
	size_t		 i;

	/* {"t":"ééé..."}: two-byte sequences, so some cuts fall inside. */
	buf_init(&body, 4096);
	buf_appends(&body, "{\"t\":\"");
	for (i = 0; i < 100; i++)
		buf_appends(&body, "\xc3\xa9");
	buf_appends(&body, "\"}");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct reqlog	 rl;
		struct buf	 line;

		reqlog_init(&rl);
		buf_init(&line, LIMIT_REQLOG_LINE);
		T_LINE(reqlog_set_bodies(&rl, body.data, body.len, NULL, 0,
		    NULL, cases[i].max) == 0, cases[i].line);
		T_LINE(rl.truncated == cases[i].truncated, cases[i].line);
		T_LINE(rl.request_body_len <= cases[i].max &&
		    rl.request_body_len + 1 >= (cases[i].max < body.len ?
		    cases[i].max : body.len), cases[i].line);
		T_LINE(utf8_ok(rl.request_body, rl.request_body_len),
		    cases[i].line);
		T_LINE(reqlog_to_json(&rl, &line) == 0 && line_ok(&line, NULL),
		    cases[i].line);
		T_LINE(has(line.data, line.len, cases[i].truncated ?
		    "\"truncated\":true" : "\"truncated\":false"),
		    cases[i].line);
		buf_release(&line);
		reqlog_release(&rl);
	}
	buf_release(&body);
}

/* 10 MB bodies (one of them all control bytes: 6 bytes each escaped) and
 * an unlimited body_max: still one line, within the limit, parsable. */
static void
test_huge(void)
{
	static const struct {
		int	 line;
		char	 fill;
	} cases[] = {
		{ __LINE__, 'a' },
		{ __LINE__, '\x01' },
		{ __LINE__, '\n' },
	};
	size_t	 i, big = 10 * 1024 * 1024;
	char	*p;

	if ((p = malloc(big)) == NULL) {
		T(0);
		return;
	}
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct reqlog	 rl;
		struct buf	 line;
		json_t		*j = NULL;

		memset(p, cases[i].fill, big);
		reqlog_init(&rl);
		buf_init(&line, LIMIT_REQLOG_LINE);
		T_LINE(reqlog_set(&rl, REQLOG_REQUEST_ID, "rid-1") == 0,
		    cases[i].line);
		T_LINE(reqlog_set_bodies(&rl, p, big, p, big, secrets,
		    SIZE_MAX) == 0, cases[i].line);
		T_LINE(rl.request_body_len == big, cases[i].line);
		T_LINE(reqlog_to_json(&rl, &line) == 0, cases[i].line);
		T_LINE(line_ok(&line, &j), cases[i].line);
		T_LINE(json_is_true(json_object_get(j, "truncated")),
		    cases[i].line);
		T_LINE(json_string_length(json_object_get(j,
		    "request_body")) > 1000 && json_string_length(
		    json_object_get(j, "response_body")) > 1000,
		    cases[i].line);
		T_LINE(line.len > LIMIT_REQLOG_LINE - 64, cases[i].line);
		json_decref(j);
		buf_release(&line);
		reqlog_release(&rl);
	}
	free(p);
}

/* Control characters and bad UTF-8 in fields: one line, round trip. */
static void
test_escaping(void)
{
	static const struct {
		int		 line;
		const char	*in, *want;
	} cases[] = {
		{ __LINE__, "a\nb", "a\nb" },
		{ __LINE__, "a\r\n\t\x01\x1f\"\\/b", "a\r\n\t\x01\x1f\"\\/b" },
		{ __LINE__, "x\xff\xfey", "x??y" },
		{ __LINE__, "\xe2\x80\xa8 sep", "\xe2\x80\xa8 sep" },
		{ __LINE__, "cut\xc3", "cut?" },
		{ __LINE__, "", "" },
	};
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct reqlog	 rl;
		struct buf	 line;
		json_t		*j = NULL;
		const char	*ua;

		reqlog_init(&rl);
		buf_init(&line, LIMIT_REQLOG_LINE);
		T_LINE(reqlog_set(&rl, REQLOG_USER_AGENT, cases[i].in) == 0,
		    cases[i].line);
		T_LINE(reqlog_set(&rl, REQLOG_JSONRPC_ID, cases[i].in) == 0,
		    cases[i].line);
		T_LINE(reqlog_set_bodies(&rl, cases[i].in,
		    strlen(cases[i].in), "{\"x\":\"1\\n2\"}", 12, NULL,
		    4096) == 0, cases[i].line);
		rl.http_status = 200;
		rl.total_ms = 12.3456;
		T_LINE(reqlog_to_json(&rl, &line) == 0 && line_ok(&line, &j),
		    cases[i].line);
		ua = json_string_value(json_object_get(j, "user_agent"));
		T_LINE(ua != NULL && strcmp(ua, cases[i].want) == 0,
		    cases[i].line);
		T_LINE(json_integer_value(json_object_get(j,
		    "http_status")) == 200, cases[i].line);
		T_LINE(json_real_value(json_object_get(j, "total_ms")) ==
		    12.346, cases[i].line);
		json_decref(j);
		buf_release(&line);
		reqlog_release(&rl);
	}
	/* A field longer than LIMIT_REQLOG_FIELD is cut and flagged. */
	{
		struct reqlog	 rl;
		char		 longv[LIMIT_REQLOG_FIELD * 2];

		memset(longv, 'u', sizeof(longv) - 1);
		longv[sizeof(longv) - 1] = '\0';
		reqlog_init(&rl);
		T(reqlog_set(&rl, REQLOG_USER_AGENT, longv) == 0);
		T(strlen(rl.str[REQLOG_USER_AGENT]) == LIMIT_REQLOG_FIELD);
		T(rl.truncated == 1);
		reqlog_release(&rl);
	}
}

/* Count '\n'-terminated lines of path; -1 if any is not a JSON object
 * or the file does not end in '\n'. */
static long
count_lines(const char *path, size_t *bytes)
{
	struct buf	 all;
	char		 chunk[65536];
	ssize_t		 n;
	size_t		 start = 0, i;
	long		 lines = 0;
	int		 fd;

	buf_init(&all, 512 * 1024 * 1024);
	if ((fd = open(path, O_RDONLY)) == -1)
		return -1;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		buf_append(&all, chunk, (size_t)n);
	close(fd);
	if (bytes != NULL)
		*bytes = all.len;
	if (all.len > 0 && all.data[all.len - 1] != '\n')
		lines = -1;
	for (i = 0; lines >= 0 && i < all.len; i++) {
		json_t *j;

		if (all.data[i] != '\n')
			continue;
		j = json_loadb(all.data + start, i - start, 0, NULL);
		if (!json_is_object(j))
			lines = -1;
		else
			lines++;
		json_decref(j);
		start = i + 1;
	}
	buf_release(&all);
	return lines;
}

/* One record of about size bytes of body, as a line. */
static void
make_line(struct buf *line, int child, int k, size_t size)
{
	struct reqlog	 rl;
	char		 id[64], *body;

	snprintf(id, sizeof(id), "child-%d-%d", child, k);
	body = malloc(size + 1);
	memset(body, 'a' + child % 26, size);
	body[size] = '\0';
	reqlog_init(&rl);
	reqlog_set(&rl, REQLOG_REQUEST_ID, id);
	reqlog_set_bodies(&rl, body, size, NULL, 0, NULL, SIZE_MAX);
	buf_reset(line);
	reqlog_to_json(&rl, line);
	reqlog_release(&rl);
	free(body);
}

static void
test_file_concurrent(void)
{
	enum { N = 8, M = 150 };
	char		 path[256];
	pid_t		 pids[N];
	int		 i, status, all_ok = 1;

	snprintf(path, sizeof(path), "%s/requests.jsonl", tmpdir);
	for (i = 0; i < N; i++) {
		if ((pids[i] = fork()) == 0) {
			struct reqlog_file	 f;
			struct buf		 line;
			int			 k, bad = 0;

			reqlog_file_init(&f);
			buf_init(&line, LIMIT_REQLOG_LINE);
			for (k = 0; k < M; k++) {
				/* Small lines and lines far over PIPE_BUF
				 * and a page, up to the line cap. */
				make_line(&line, i, k, (size_t)(k % 5 == 0 ?
				    300000 : k % 3 == 0 ? 20000 : 100 + k));
				if (reqlog_file_write(&f, path, line.data,
				    line.len) == -1)
					bad = 1;
			}
			buf_release(&line);
			reqlog_file_release(&f);
			_exit(bad);
		}
	}
	for (i = 0; i < N; i++) {
		if (pids[i] == -1 || waitpid(pids[i], &status, 0) == -1 ||
		    !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			all_ok = 0;
	}
	T(all_ok);
	T(count_lines(path, NULL) == (long)N * M);
	unlink(path);
}

static void
test_file_rotation(void)
{
	struct reqlog_file	 f;
	struct buf		 line;
	struct stat		 st;
	char			 path[256], old[256], bad[256];

	snprintf(path, sizeof(path), "%s/requests.jsonl", tmpdir);
	snprintf(old, sizeof(old), "%s/requests.jsonl.1", tmpdir);
	snprintf(bad, sizeof(bad), "%s/missing/dir/requests.jsonl", tmpdir);
	reqlog_file_init(&f);
	buf_init(&line, LIMIT_REQLOG_LINE);
	make_line(&line, 1, 1, 10);
	T(reqlog_file_write(&f, path, line.data, line.len) == 0);
	T(stat(path, &st) == 0 && (st.st_mode & 0137) == 0);
	T(reqlog_file_write(&f, path, line.data, line.len) == 0);
	/* logrotate: rename, then (create) or not -- the next write
	 * notices the path no longer names its inode. */
	T(rename(path, old) == 0);
	T(reqlog_file_write(&f, path, line.data, line.len) == 0);
	T(count_lines(old, NULL) == 2);
	T(count_lines(path, NULL) == 1);
	/* Removed while open: recreated too. */
	T(unlink(path) == 0);
	T(reqlog_file_write(&f, path, line.data, line.len) == 0);
	T(count_lines(path, NULL) == 1);
	/* An empty file put in place by logrotate's "create". */
	T(rename(path, old) == 0);
	T(close(open(path, O_WRONLY | O_CREAT | O_EXCL, 0640)) == 0);
	T(reqlog_file_write(&f, path, line.data, line.len) == 0);
	T(count_lines(path, NULL) == 1);
	reqlog_file_release(&f);

	/* Cannot open: -1, logged, and the next try works again. */
	T(reqlog_file_write(&f, bad, line.data, line.len) == -1);
	T(f.fd == -1);
	T(reqlog_file_write(&f, bad, line.data, line.len) == -1);
	T(reqlog_file_write(&f, path, line.data, line.len) == 0);
	reqlog_file_release(&f);
	/* A full disk: /dev/full answers ENOSPC. */
	if (access("/dev/full", W_OK) == 0) {
		T(reqlog_file_write(&f, "/dev/full", line.data, line.len) ==
		    -1);
		reqlog_file_release(&f);
		/* The first loss is reported at once, the next ones within
		 * the minute only counted, and that count is told (and
		 * cleared) as soon as a write works again. */
		T(reqlog_file_write(&f, "/dev/full", line.data, line.len) ==
		    -1);
		T(f.lost == 0 && f.last_report != 0);
		T(reqlog_file_write(&f, "/dev/full", line.data, line.len) ==
		    -1);
		T(reqlog_file_write(&f, "/dev/full", line.data, line.len) ==
		    -1);
		T(f.lost == 2);
		T(reqlog_file_write(&f, path, line.data, line.len) == 0);
		T(f.lost == 0);
		/* ... or when the worker lets go of the file. */
		T(reqlog_file_write(&f, "/dev/full", line.data, line.len) ==
		    -1);
		T(f.lost == 1);
		reqlog_file_release(&f);
		T(f.lost == 0);
	}
	unlink(path);
	unlink(old);
	buf_release(&line);
}

/* Kept parsed: the same record as from the bytes, the value untouched,
 * and the reference dropped by redact (ASan: no leak). */
static void
test_keep_parsed(void)
{
	static const char *const bodies[] = {
		"{\"params\":{\"arguments\":{\"k\":\"" SECRET "\",\"password\":"
		    "\"pw\",\"n\":[1,2.5,true,null,{\"x\":\"y\"}]}}}",
		"{\"result\":{\"tools\":[{\"name\":\"echo\",\"description\":"
		    "\"plain\"}]}}",
		"{\"result\":{\"content\":[{\"type\":\"image\",\"data\":"
		    "\"QUJD\",\"mimeType\":\"image/png\"}]}}",
		"[{\"a\":\"x " SECRET " y\"},{\"b\":2}]",
	};
	size_t	 i, maxes[] = { 4096, 40, 7, 1 }, m;

	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++)
	for (m = 0; m < sizeof(maxes) / sizeof(maxes[0]); m++) {
		struct reqlog		 a, b;
		struct reqlog_body	 q, s;
		json_t			*j;
		char			*before, *after;

		j = json_loadb(bodies[i], strlen(bodies[i]), 0, NULL);
		before = json_dumps(j, JSON_COMPACT);
		reqlog_init(&a);
		reqlog_init(&b);
		T(reqlog_set_bodies(&a, bodies[i], strlen(bodies[i]),
		    bodies[i], strlen(bodies[i]), secrets, maxes[m]) == 0);
		memset(&q, 0, sizeof(q));
		memset(&s, 0, sizeof(s));
		q.json = j;
		s.json = j;
		T(reqlog_keep_bodies(&b, &q, &s, secrets, maxes[m]) == 0);
		T(b.kept_req == NULL && b.kept_req_json == j);
		T(reqlog_redact(&b, 4096) == 0 && b.kept_req_json == NULL);
		T(a.request_body_len == b.request_body_len &&
		    memcmp(a.request_body, b.request_body,
		    a.request_body_len) == 0);
		T(a.response_body_len == b.response_body_len &&
		    a.truncated == b.truncated);
		T(!has(b.request_body, b.request_body_len, SECRET) &&
		    !has(b.request_body, b.request_body_len, "\"pw\""));
		/* Copy on write: the caller's value is as it was. */
		after = json_dumps(j, JSON_COMPACT);
		T(strcmp(before, after) == 0 && j->refcount == 1);
		free(before);
		free(after);
		json_decref(j);
		reqlog_release(&a);
		reqlog_release(&b);
	}
}

/* A parsed answer with its text as sent: that text is the body when
 * redaction changes nothing (cut at body_max, truncated); the redacted
 * value's own dump when it does (never the sent text). */
static void
test_keep_sent(void)
{
	static const char *const sec[] = { SECRET, NULL };
	struct reqlog		 rl;
	struct reqlog_body	 s;
	json_t			*plain = json_pack("{s:s}", "k", "v");
	json_t			*hush = json_pack("{s:s}", "k", "x" SECRET);
	/* distinct from plain's own dump, to tell which was used */
	const char		*sent = "{\"k\": \"v\"}";

	memset(&s, 0, sizeof(s));
	s.json = plain;
	s.raw = sent;
	s.len = strlen(sent);
	reqlog_init(&rl);
	T(reqlog_keep_bodies(&rl, NULL, &s, sec, 4096) == 0);
	T(reqlog_redact(&rl, 4096) == 0);
	T(rl.response_body_len == strlen(sent) &&
	    memcmp(rl.response_body, sent, strlen(sent)) == 0 &&
	    !rl.truncated);
	reqlog_release(&rl);
	/* cut: kept only to body_max + 1 bytes, shown to body_max */
	reqlog_init(&rl);
	T(reqlog_keep_bodies(&rl, NULL, &s, sec, 4) == 0);
	T(rl.kept_resp_len == 5);
	T(reqlog_redact(&rl, 4) == 0);
	T(rl.response_body_len == 4 && memcmp(rl.response_body, sent, 4) == 0 &&
	    rl.truncated);
	reqlog_release(&rl);
	/* a secret in the value: its redacted dump, not the text sent */
	s.json = hush;
	s.raw = "{\"k\":\"x" SECRET "\"}";
	s.len = strlen(s.raw);
	reqlog_init(&rl);
	T(reqlog_keep_bodies(&rl, NULL, &s, sec, 4096) == 0);
	T(reqlog_redact(&rl, 4096) == 0);
	T(!has(rl.response_body, rl.response_body_len, SECRET) &&
	    has(rl.response_body, rl.response_body_len, "[redacted]"));
	reqlog_release(&rl);
	json_decref(plain);
	json_decref(hush);
}

/* log_body_max = 0: nothing kept, no body work, fields still redacted. */
static void
test_keep_nothing(void)
{
	struct reqlog		 rl;
	struct reqlog_body	 q, s;
	json_t			*j = json_pack("{s:s}", "k", SECRET);
	struct buf		 line;

	reqlog_init(&rl);
	buf_init(&line, LIMIT_REQLOG_LINE);
	T(reqlog_set(&rl, REQLOG_TOOL, "t-" SECRET) == 0);
	memset(&q, 0, sizeof(q));
	memset(&s, 0, sizeof(s));
	q.raw = "{\"k\":1}";
	q.len = 7;
	s.json = j;
	T(reqlog_keep_bodies(&rl, &q, &s, secrets, 0) == 0);
	T(rl.kept && rl.kept_req == NULL && rl.kept_resp == NULL &&
	    rl.kept_req_json == NULL && rl.kept_resp_json == NULL &&
	    j->refcount == 1);
	T(reqlog_redact(&rl, 4096) == 0);
	T(rl.request_body != NULL && rl.request_body_len == 0 &&
	    rl.response_body != NULL && rl.response_body_len == 0 &&
	    rl.truncated);
	T(strcmp(rl.str[REQLOG_TOOL], "t-[redacted]") == 0);
	T(reqlog_to_json(&rl, &line) == 0 && line_ok(&line, NULL) &&
	    !has(line.data, line.len, SECRET));
	reqlog_release(&rl);
	/* Empty and absent bodies stay "" untruncated and null. */
	reqlog_init(&rl);
	q.raw = "";
	q.len = 0;
	T(reqlog_keep_bodies(&rl, &q, NULL, NULL, 0) == 0);
	T(reqlog_redact(&rl, 0) == 0 && rl.request_body_len == 0 &&
	    rl.response_body == NULL && !rl.truncated);
	reqlog_release(&rl);
	buf_release(&line);
	json_decref(j);
}

/* 1 when s holds a piece of p of at least k bytes at its end, or any
 * k-byte piece of p anywhere. */
static int
has_piece(const char *s, size_t len, const char *p, size_t k)
{
	size_t	 i, n = strlen(p);

	for (i = 0; i + k <= n; i++)
		if (memmem(s, len, p + i, k) != NULL)
			return 1;
	return 0;
}

/*
 * Raw text longer than body_max + the longest pattern is kept as a
 * prefix. For every body_max in [lo, hi): no piece of pieces[] (4 bytes
 * or more) is in the body, and the body is the start of what redacting
 * the whole text gives. The number of failures.
 */
static int
straddle_check(const struct buf *text, const char *const *sec, size_t lo,
    size_t hi, const char *const *pieces)
{
	size_t	 max, i;
	int	 bad = 0;

	for (max = lo; max < hi; max++) {
		struct reqlog		 whole, part;
		struct reqlog_body	 q;

		reqlog_init(&whole);
		reqlog_init(&part);
		memset(&q, 0, sizeof(q));
		q.raw = text->data;
		q.len = text->len;
		if (reqlog_set_bodies(&whole, text->data, text->len, NULL, 0,
		    sec, SIZE_MAX) == -1 ||
		    reqlog_keep_bodies(&part, &q, NULL, sec, max) == -1 ||
		    part.kept_req_len >= text->len ||
		    reqlog_redact(&part, max) == -1)
			bad++;
		else {
			if (part.request_body_len > max || !part.truncated ||
			    part.request_body_len > whole.request_body_len ||
			    memcmp(part.request_body, whole.request_body,
			    part.request_body_len) != 0)
				bad++;
			for (i = 0; pieces[i] != NULL; i++)
				if (has_piece(part.request_body,
				    part.request_body_len, pieces[i], 4))
					bad++;
		}
		reqlog_release(&whole);
		reqlog_release(&part);
	}
	return bad;
}

/*
 * A secret straddling the cut: wherever the cut and the end of the kept
 * prefix fall (every offset across the secret and its base64), no piece
 * of the secret or of any of its encodings reaches the body.
 */
static void
test_straddle(void)
{
	static const char *const sec[] = { SECRET, NULL };
	static const char *const two[] = { "ab1cdef2", "cdef2gh3ij", NULL };
	const char	*enc[6];
	char		 encs[5][128];
	struct buf	 text;
	size_t		 pos, e, k;
	int		 bad = 0;

	for (e = 0; e < 4; e++) {
		snprintf(encs[e], sizeof(encs[e]), "%s", b64(SECRET, e >= 2,
		    e % 2));
		enc[e] = encs[e];
	}
	enc[4] = SECRET;
	enc[5] = NULL;
	buf_init(&text, 1 << 20);
	for (e = 0; e < 5; e++)
	for (pos = 0; pos < 60; pos += 3) {
		buf_reset(&text);
		for (k = 0; k < 200 + pos; k++)
			buf_appendc(&text, (char)('a' + k % 26));
		buf_appends(&text, enc[e]);
		/* Secrets back to back shrink what is before the cut. */
		for (k = 0; k < 5; k++)
			buf_appends(&text, " " SECRET);
		for (k = 0; k < 400; k++)
			buf_appendc(&text, 'z');
		bad += straddle_check(&text, sec, 150, 320, enc);
	}
	/* Two secrets that overlap: the cut backs off the second's start
	 * and then out of the first; UTF-8 around them. */
	for (pos = 0; pos < 8; pos++) {
		buf_reset(&text);
		for (k = 0; k < 100 + pos; k++)
			buf_appends(&text, k % 3 ? "-" : "\xc3\xa9");
		buf_appends(&text, "ab1cdef2gh3ij");
		for (k = 0; k < 100; k++)
			buf_appends(&text, "\xe2\x82\xac");
		bad += straddle_check(&text, two, 60, 160, two);
	}
	T(bad == 0);
	buf_release(&text);
}

/* Overlapping and touching occurrences: nothing of either is left. */
static void
test_overlap(void)
{
	static const struct {
		int		 line;
		const char	*secrets[3];
		const char	*text;
		const char	*want;
	} cases[] = {
		{ __LINE__, { "abcd", "xab", NULL }, "1xabcd2", "1[redacted]2" },
		{ __LINE__, { "abab", NULL, NULL }, "ababab.", "[redacted]." },
		{ __LINE__, { "secret", NULL, NULL }, "secretsecret",
		    "[redacted]" },
		{ __LINE__, { "s3", NULL, NULL }, "a s3 b s3", "a [redacted] b "
		    "[redacted]" },
		{ __LINE__, { "d]x", "red", NULL }, "redx", "[redacted]x" },
	};
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct reqlog	 rl;

		reqlog_init(&rl);
		T_LINE(reqlog_set_bodies(&rl, cases[i].text,
		    strlen(cases[i].text), NULL, 0, cases[i].secrets,
		    4096) == 0, cases[i].line);
		T_LINE(rl.request_body != NULL && strcmp(rl.request_body,
		    cases[i].want) == 0, cases[i].line);
		reqlog_release(&rl);
	}
}

/* A long raw body that only parses leniently (duplicate keys): kept
 * parsed, so its credential members are still redacted. */
static void
test_keep_long_json(void)
{
	struct reqlog		 rl;
	struct reqlog_body	 q;
	struct buf		 body;
	size_t			 i;

	buf_init(&body, 1 << 20);
	buf_appends(&body, "{\"a\":1,\"a\":2,\"pad\":\"");
	for (i = 0; i < 5000; i++)
		buf_appendc(&body, 'p');
	buf_appends(&body, "\",\"password\":\"hunter2-long\"}");
	memset(&q, 0, sizeof(q));
	q.raw = body.data;
	q.len = body.len;
	reqlog_init(&rl);
	T(reqlog_keep_bodies(&rl, &q, NULL, NULL, 100) == 0);
	T(rl.kept_req == NULL && rl.kept_req_json != NULL);
	T(reqlog_redact(&rl, 8192) == 0 && rl.request_body_len == 100 &&
	    rl.truncated);
	reqlog_release(&rl);
	reqlog_init(&rl);
	T(reqlog_keep_bodies(&rl, &q, NULL, NULL, 8192) == 0);
	T(reqlog_redact(&rl, 8192) == 0 && !has(rl.request_body,
	    rl.request_body_len, "hunter2") && has(rl.request_body,
	    rl.request_body_len, "\"password\":\"[redacted]\""));
	reqlog_release(&rl);
	/* Long bytes that are not text: type and the whole size. */
	for (i = 0; i < body.len; i += 7)
		body.data[i] = '\xff';
	reqlog_init(&rl);
	T(reqlog_keep_bodies(&rl, &q, NULL, NULL, 100) == 0);
	T(rl.kept_req != NULL && rl.kept_req_len < body.len);
	T(reqlog_redact(&rl, 100) == 0 && rl.request_body != NULL);
	T(rl.request_body != NULL && strncmp(rl.request_body, "[binary ",
	    8) == 0 && atol(rl.request_body + 8) == (long)body.len);
	reqlog_release(&rl);
	buf_release(&body);
}

/* The bodies are spliced into jansson's dump of the rest: the line is
 * byte for byte what jansson writes for the same record. */
static void
test_line_splice(void)
{
	static const struct {
		int		 line;
		const char	*body;
		size_t		 len;
	} cases[] = {
		{ __LINE__, "{\"a\":\"x\\n\\\"y\"}", 0 },
		{ __LINE__, "a\x01\x1f\"\\/\b\f\n\r\t\x7f b", 0 },
		{ __LINE__, "\xe2\x80\xa8 \xc3\xa9 \xf0\x9f\x98\x80", 0 },
		{ __LINE__, ",\"request_body\":null,\"response_body\":null,", 0 },
		{ __LINE__, "", 0 },
	};
	size_t	 i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct reqlog	 rl;
		struct buf	 line;
		json_t		*j = NULL;
		char		*again;

		n = cases[i].len != 0 ? cases[i].len : strlen(cases[i].body);
		reqlog_init(&rl);
		buf_init(&line, LIMIT_REQLOG_LINE);
		T_LINE(reqlog_set(&rl, REQLOG_USER_AGENT, cases[i].body) == 0,
		    cases[i].line);
		/* Bodies as given (text path: no JSON for most). */
		free(rl.request_body);
		rl.request_body = malloc(n + 1);
		memcpy(rl.request_body, cases[i].body, n);
		rl.request_body[n] = '\0';
		rl.request_body_len = n;
		rl.total_ms = 1.5;
		T_LINE(reqlog_to_json(&rl, &line) == 0 && line_ok(&line, &j),
		    cases[i].line);
		again = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY |
		    JSON_REAL_PRECISION(15));
		T_LINE(again != NULL && strlen(again) == line.len - 1 &&
		    memcmp(again, line.data, line.len - 1) == 0,
		    cases[i].line);
		T_LINE(json_string_length(json_object_get(j,
		    "request_body")) == n && memcmp(json_string_value(
		    json_object_get(j, "request_body")), cases[i].body, n) == 0,
		    cases[i].line);
		T_LINE(json_is_null(json_object_get(j, "response_body")),
		    cases[i].line);
		free(again);
		json_decref(j);
		buf_release(&line);
		reqlog_release(&rl);
	}
}

int
main(void)
{
	char	 cmd[128];

	log_init(LOG_LVL_ERROR);
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_keys();
	test_secrets();
	test_fields();
	test_keep();
	test_binary();
	test_truncation();
	test_huge();
	test_escaping();
	test_file_concurrent();
	test_file_rotation();
	test_keep_parsed();
	test_keep_nothing();
	test_keep_sent();
	test_straddle();
	test_overlap();
	test_keep_long_json();
	test_line_splice();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		T(0);
	return t_done();
}
