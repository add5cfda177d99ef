/*
 * fuzz_reqlog.c -- the request log's redaction (src/log/reqlog.c,
 * reqlog_set_bodies / reqlog_keep + reqlog_redact) and the record's line.
 *
 * Input: byte 0 picks the options (bit 0: the two-step keep/redact path;
 * bits 1-2: body_max), the rest is "request 0xff response 0xff user
 * agent" (the user agent stands for every string field: they are
 * redacted too).
 *
 * Invariants besides memory safety:
 *  - no planted secret (fuzz_secrets), nor its base64 (standard and
 *    url-safe, without padding), appears in the bodies, the fields or the
 *    JSON line's decoded values -- whatever the input held;
 *  - the line is one valid JSON object ending in its only '\n', at most
 *    LIMIT_REQLOG_LINE bytes.
 */
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "fuzz.h"
#include "product_limits.h"
#include "log/reqlog.h"

/* Alphanumeric (their JSON text is themselves), one all digits (a number
 * holding it), one long enough for the base64-inside-base64 rule. */
static const char *const fuzz_secrets[] = {
	"hunter2", "Sup3rS3cretTok", "31415926", "sk_live_abcdefghijklmnop",
	NULL
};
/* base64 of each, without padding: standard / url-safe alphabets are
 * the same for these. */
static const char *const fuzz_secrets_b64[] = {
	"aHVudGVyMg", "U3VwM3JTM2NyZXRUb2s", "MzE0MTU5MjY",
	"c2tfbGl2ZV9hYmNkZWZnaGlqa2xtbm9w", NULL
};

static const size_t fuzz_body_max[4] = { 0, 16, 1024, 65536 };

/* Abort, saying where, when (p, n) holds a secret or its base64. */
static void
fuzz_no_secret(const char *what, const char *p, size_t n)
{
	const char	*s;
	size_t		 i, k;

	for (i = 0; fuzz_secrets[i] != NULL; i++)
		for (k = 0; k < 2; k++) {
			s = k == 0 ? fuzz_secrets[i] : fuzz_secrets_b64[i];
			if (!fuzz_contains(p, n, s, strlen(s)))
				continue;
			fprintf(stderr, "secret '%s' in %s: %.*s\n", s, what,
			    (int)(n < 2000 ? n : 2000), p);
			abort();
		}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t	*req, *resp, *rest, *ua;
	size_t		 reqlen, resplen, restlen, ualen, i;
	struct reqlog	 rl;
	struct buf	 line;
	json_t		*j, *v;
	const char	*key;
	unsigned	 opt;

	if (size < 1)
		return 0;
	opt = data[0];
	fuzz_split(data + 1, size - 1, 0xff, &req, &reqlen, &rest, &restlen);
	fuzz_split(rest, restlen, 0xff, &resp, &resplen, &ua, &ualen);

	reqlog_init(&rl);
	reqlog_set(&rl, REQLOG_REQUEST_ID, "0190f0f0-0000-7000-8000-000000000000");
	reqlog_setn(&rl, REQLOG_USER_AGENT, (const char *)ua, ualen);
	reqlog_setn(&rl, REQLOG_TOOL, (const char *)resp,
	    resplen < 200 ? resplen : 200);
	if (opt & 1) {
		if (reqlog_keep(&rl, (const char *)req, reqlen,
		    (const char *)resp, resplen, fuzz_secrets) == 0)
			reqlog_redact(&rl, fuzz_body_max[(opt >> 1) & 3]);
	} else
		reqlog_set_bodies(&rl, (const char *)req, reqlen,
		    (const char *)resp, resplen, fuzz_secrets,
		    fuzz_body_max[(opt >> 1) & 3]);

	if (rl.request_body != NULL)
		fuzz_no_secret("request_body", rl.request_body,
		    rl.request_body_len);
	if (rl.response_body != NULL)
		fuzz_no_secret("response_body", rl.response_body,
		    rl.response_body_len);
	for (i = 0; i < REQLOG_FIELD__MAX; i++)
		if (rl.str[i] != NULL)
			fuzz_no_secret("a field", rl.str[i],
			    strlen(rl.str[i]));

	buf_init(&line, LIMIT_REQLOG_LINE);
	if (reqlog_to_json(&rl, &line) == 0) {
		FUZZ_ASSERT(line.len > 0 && line.len <= LIMIT_REQLOG_LINE);
		FUZZ_ASSERT(line.data[line.len - 1] == '\n');
		FUZZ_ASSERT(memchr(line.data, '\n', line.len - 1) == NULL);
		j = json_loadb(line.data, line.len, 0, NULL);
		FUZZ_ASSERT(json_is_object(j));
		/* The values as a reader decodes them: the line's text may
		 * hold a secret's digits by chance after an escape ("\u0003"
		 * then "1415926" from the input). */
		json_object_foreach(j, key, v)
			if (json_is_string(v))
				fuzz_no_secret(key, json_string_value(v),
				    json_string_length(v));
		json_decref(j);
	}
	buf_release(&line);
	reqlog_release(&rl);
	return 0;
}
