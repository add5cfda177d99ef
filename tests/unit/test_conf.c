/*
 * test_conf.c -- the "key = value" parser and bounded file reads.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "t.h"

/* Collects "key=value;" per pair, or stops at key "stop". */
static int
test_collect(void *arg, size_t line, const char *key, size_t keylen,
    const char *val, size_t vallen, struct conf_error *err)
{
	struct buf *b = arg;

	if (keylen == 4 && memcmp(key, "stop", 4) == 0) {
		conf_error_set(err, "stopped by callback");
		return -1;
	}
	return buf_printf(b, "%zu:%.*s=%.*s;", line, (int)keylen, key,
	    (int)vallen, val);
}

static void
test_parse(void)
{
	static const struct {
		int		 line;
		const char	*in;
		int		 rc;
		const char	*want;		/* pairs, or the error */
		size_t		 errline;
	} cases[] = {
		{ __LINE__, "", 0, "", 0 },
		{ __LINE__, "a = b", 0, "1:a=b;", 0 },
		{ __LINE__, "a=b\n", 0, "1:a=b;", 0 },
		{ __LINE__, "  a  =  b c  \n", 0, "1:a=b c;", 0 },
		{ __LINE__, "# comment\n\n\t# x = y\nk.e-y_1 = v\n", 0,
		    "4:k.e-y_1=v;", 0 },
		{ __LINE__, "a =\n", 0, "1:a=;", 0 },
		{ __LINE__, "url = http://x/?a=b#frag\n", 0,
		    "1:url=http://x/?a=b#frag;", 0 },
		{ __LINE__, "a = 1\r\nb = 2\r\n", 0, "1:a=1;2:b=2;", 0 },
		{ __LINE__, "a = 1\nb = 2", 0, "1:a=1;2:b=2;", 0 },
		{ __LINE__, "a = 1\njunk\n", -1, "expected 'key = value'", 2 },
		{ __LINE__, " = 1\n", -1, "missing key", 1 },
		{ __LINE__, "a b = 1\n", -1, "invalid key 'a b'", 1 },
		{ __LINE__, "a = x\001y\n", -1, "control byte 0x01", 1 },
		{ __LINE__, "a = 1\nb = x\ry\n", -1, "control byte 0x0d", 2 },
		{ __LINE__, "a = 1\nstop = 1\nc = 3\n", -1,
		    "stopped by callback", 2 },
	};
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct conf_error	 err;
		struct buf		 b;
		int			 rc;

		buf_init(&b, 4096);
		rc = conf_parse(cases[i].in, strlen(cases[i].in), test_collect,
		    &b, &err);
		T_LINE(rc == cases[i].rc, cases[i].line);
		if (rc == 0)
			T_LINE(strcmp(buf_cstr(&b), cases[i].want) == 0,
			    cases[i].line);
		else
			T_LINE(strstr(err.msg, cases[i].want) != NULL &&
			    err.line == cases[i].errline, cases[i].line);
		buf_release(&b);
	}
}

static void
test_parse_bounds(void)
{
	struct conf_error	 err;
	struct buf		 b;
	char			*big;
	size_t			 n = LIMIT_CONF_LINE + 10;

	/* A NUL byte in the middle is an error, not an end of input. */
	buf_init(&b, 4096);
	T(conf_parse("a = 1\nb = \0\n", 12, test_collect, &b, &err) == -1 &&
	    err.line == 2);
	buf_release(&b);

	big = malloc(n);
	memset(big, 'x', n);
	memcpy(big, "k = ", 4);
	buf_init(&b, 2 * n);
	T(conf_parse(big, LIMIT_CONF_LINE, test_collect, &b, &err) == 0);
	T(conf_parse(big, n, test_collect, &b, &err) == -1 && err.line == 1 &&
	    strstr(err.msg, "line longer") != NULL);
	buf_release(&b);
	free(big);
	T(conf_parse(NULL, 0, test_collect, &b, &err) == 0);
}

static char *
test_tmpfile(const char *content, mode_t mode)
{
	const char	*dir = getenv("TMPDIR");
	char		*path;
	int		 fd;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	if ((path = malloc(strlen(dir) + 32)) == NULL)
		return NULL;
	snprintf(path, strlen(dir) + 32, "%s/test_conf.XXXXXX", dir);
	if ((fd = mkstemp(path)) == -1) {
		free(path);
		return NULL;
	}
	if (write(fd, content, strlen(content)) != (ssize_t)strlen(content) ||
	    fchmod(fd, mode) == -1) {
		close(fd);
		free(path);
		return NULL;
	}
	close(fd);
	return path;
}

static void
test_read_file(void)
{
	static const struct {
		int		 line;
		const char	*content;
		mode_t		 mode;
		int		 flags;
		size_t		 max;
		int		 rc;
		const char	*err;
	} cases[] = {
		{ __LINE__, "hello\n", 0600, CONF_FILE_PRIVATE, 64, 0, NULL },
		{ __LINE__, "hello\n", 0400, CONF_FILE_PRIVATE, 64, 0, NULL },
		{ __LINE__, "hello\n", 0644, 0, 64, 0, NULL },
		{ __LINE__, "hello\n", 0644, CONF_FILE_PRIVATE, 64, -1,
		    "is group/world accessible; chmod 600 it" },
		{ __LINE__, "hello\n", 0640, CONF_FILE_PRIVATE, 64, -1,
		    "group/world accessible" },
		{ __LINE__, "hello\n", 0604, CONF_FILE_PRIVATE, 64, -1,
		    "group/world accessible" },
		{ __LINE__, "hello\n", 0600, 0, 6, 0, NULL },
		{ __LINE__, "hello\n", 0600, 0, 5, -1, "larger than 5 bytes" },
		{ __LINE__, "", 0600, 0, 5, 0, NULL },
	};
	struct conf_error	 err;
	struct buf		 b;
	size_t			 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char	*path = test_tmpfile(cases[i].content, cases[i].mode);
		int	 rc;

		T_LINE(path != NULL, cases[i].line);
		if (path == NULL)
			continue;
		buf_init(&b, 1024);
		rc = conf_read_file(path, cases[i].max, cases[i].flags, &b,
		    &err);
		T_LINE(rc == cases[i].rc, cases[i].line);
		if (rc == 0)
			T_LINE(strcmp(buf_cstr(&b), cases[i].content) == 0,
			    cases[i].line);
		else {
			T_LINE(strstr(err.msg, cases[i].err) != NULL,
			    cases[i].line);
			/* The file's contents never reach the message. */
			T_LINE(strstr(err.msg, "hello") == NULL,
			    cases[i].line);
		}
		buf_release_secret(&b);
		unlink(path);
		free(path);
	}
	buf_init(&b, 1024);
	T(conf_read_file("/nonexistent/x", 10, 0, &b, &err) == -1 &&
	    strstr(err.msg, "cannot open '/nonexistent/x'") != NULL);
	T(conf_read_file("/", 10, 0, &b, &err) == -1 &&
	    strstr(err.msg, "not a regular file") != NULL);
	buf_release(&b);
}

int
main(void)
{
	test_parse();
	test_parse_bounds();
	test_read_file();
	return t_done();
}
