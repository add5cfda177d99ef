/*
 * fuzz_request.c -- a request's CGI environment and body (src/http/request.c):
 * request_init()'s bounds, request_read_body(), and the header checks of
 * the MCP endpoint (Content-Type, Accept, Origin).
 *
 * Input: "NAME=value" lines (LF-separated, at most FUZZ_ENV_MAX), then an
 * empty line, then the body. Values come as the web server would pass
 * them: C strings (an embedded NUL ends the value).
 *
 * Invariants besides memory safety: a request accepted has a path of at
 * most LIMIT_PATH bytes, starting with '/', all visible ASCII, without
 * "." or ".." segments; a query of at most LIMIT_QUERY bytes; a
 * Content-Length within max_body; and a refused one says why. A body read
 * is exactly Content-Length bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"
#include "http/io.h"
#include "product_limits.h"
#include "http/request.h"

#define FUZZ_ENV_MAX	64
#define FUZZ_MAX_BODY	1024

static struct config	 fuzz_cfg;
static int		 fuzz_ready;

static void
fuzz_setup(void)
{
	config_init(&fuzz_cfg);
	fuzz_cfg.max_body = FUZZ_MAX_BODY;
	if ((fuzz_cfg.allowed_origins = calloc(1, sizeof(char *))) == NULL ||
	    (fuzz_cfg.allowed_origins[0] =
	    strdup("https://app.example.com")) == NULL ||
	    (fuzz_cfg.public_base_url =
	    strdup("https://mcp.example.com/x")) == NULL)
		abort();
	fuzz_cfg.n_allowed_origins = 1;
	fuzz_ready = 1;
}

static void
fuzz_check_path(const char *p)
{
	size_t	 i, len = strlen(p);

	FUZZ_ASSERT(len >= 1 && len <= LIMIT_PATH && p[0] == '/');
	for (i = 0; i < len; i++)
		FUZZ_ASSERT((unsigned char)p[i] >= 0x21 &&
		    (unsigned char)p[i] <= 0x7e);
	FUZZ_ASSERT(strstr(p, "/./") == NULL && strstr(p, "/../") == NULL);
	FUZZ_ASSERT(!(len >= 2 && strcmp(p + len - 2, "/.") == 0));
	FUZZ_ASSERT(!(len >= 3 && strcmp(p + len - 3, "/..") == 0));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		*env[FUZZ_ENV_MAX + 1];
	size_t		 nenv = 0, i = 0, start = 0, bodyoff = size;
	struct request	 req;
	struct io	 io;
	const char	*why;
	int		 st;

	if (!fuzz_ready)
		fuzz_setup();
	/* Lines up to the first empty one (or the end). */
	for (i = 0;; i++) {
		if (i < size && data[i] != '\n')
			continue;
		if (i == start) {		/* an empty line: the body follows */
			bodyoff = i < size ? i + 1 : size;
			break;
		}
		if (nenv == FUZZ_ENV_MAX) {
			bodyoff = start;
			break;
		}
		env[nenv++] = fuzz_cstr(data + start, i - start);
		if (i == size)
			break;
		start = i + 1;
	}
	env[nenv] = NULL;

	io_init_mem(&io, (const char *const *)env,
	    (const char *)data + bodyoff, size - bodyoff, 65536);
	st = request_init(&req, &io, &fuzz_cfg, &why);
	FUZZ_ASSERT(req.id[0] != '\0');
	if (st != 0) {
		FUZZ_ASSERT(why != NULL && st >= 400 && st <= 499);
		FUZZ_ASSERT(io.inoff == 0);
		goto out;
	}
	FUZZ_ASSERT(why == NULL && req.method != NULL);
	fuzz_check_path(req.path);
	FUZZ_ASSERT(req.query != NULL && strlen(req.query) <= LIMIT_QUERY);
	FUZZ_ASSERT(req.content_length <= FUZZ_MAX_BODY);
	request_content_type_is(&req, "application/json");
	request_accepts(&req, "application/json");
	request_accepts(&req, "text/event-stream");
	request_origin_allowed(&req);
	if (request_read_body(&req, &why) == 0)
		FUZZ_ASSERT(req.body.len == req.content_length);
	else
		FUZZ_ASSERT(why != NULL);
out:
	request_release(&req);
	io_release(&io);
	for (i = 0; i < nenv; i++)
		free(env[i]);
	return 0;
}
