/*
 * fuzz_conf.c -- the "key = value" file format (lib/conf.c).
 *
 * Invariants besides memory safety, on every pair handed to the callback:
 * the key is 1 or more of [A-Za-z0-9_.-]; key and value have no NUL, no
 * control byte but tab (DEL included), no line break, no blank at either end; line
 * numbers only grow. On an error the message is a NUL-terminated string.
 * A callback that refuses the 3rd pair stops the parse with -1.
 */
#include <stdint.h>
#include <string.h>

#include "conf.h"
#include "fuzz.h"
#include "lib_limits.h"

struct fuzz_state {
	size_t	 pairs;
	size_t	 line;
	int	 stop_at;
};

static void
fuzz_clean(const char *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		FUZZ_ASSERT(((unsigned char)p[i] >= 0x20 || p[i] == '\t') &&
		    p[i] != 0x7f);
	if (n > 0) {
		FUZZ_ASSERT(p[0] != ' ' && p[0] != '\t');
		FUZZ_ASSERT(p[n - 1] != ' ' && p[n - 1] != '\t');
	}
}

static int
fuzz_pair(void *arg, size_t line, const char *key, size_t keylen,
    const char *value, size_t valuelen, struct conf_error *err)
{
	struct fuzz_state	*st = arg;
	size_t			 i;

	FUZZ_ASSERT(keylen > 0 && line > st->line);
	for (i = 0; i < keylen; i++)
		FUZZ_ASSERT((key[i] >= 'a' && key[i] <= 'z') ||
		    (key[i] >= 'A' && key[i] <= 'Z') ||
		    (key[i] >= '0' && key[i] <= '9') || key[i] == '_' ||
		    key[i] == '.' || key[i] == '-');
	fuzz_clean(value, valuelen);
	FUZZ_ASSERT(valuelen <= LIMIT_CONF_LINE);
	st->line = line;
	if (++st->pairs == (size_t)st->stop_at) {
		conf_error_set(err, "refused '%.*s'", (int)keylen, key);
		return -1;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_state	 st;
	struct conf_error	 err;
	int			 rc;

	memset(&st, 0, sizeof(st));
	st.stop_at = size > 0 && (data[0] & 1) ? 3 : -1;
	memset(&err, 0, sizeof(err));
	rc = conf_parse((const char *)data, size, fuzz_pair, &st, &err);
	FUZZ_ASSERT(rc == 0 || rc == -1);
	if (rc == -1)
		FUZZ_ASSERT(memchr(err.msg, '\0', sizeof(err.msg)) != NULL &&
		    err.msg[0] != '\0');
	if (rc == 0)
		FUZZ_ASSERT(st.stop_at == -1 || st.pairs < 3);
	return 0;
}
