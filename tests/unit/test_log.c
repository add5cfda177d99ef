/*
 * test_log.c -- the operator line format, level filter, escaping.
 *
 * stderr is pointed at a temporary file and read back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib_limits.h"
#include "log.h"
#include "t.h"

static FILE	*test_capture;

/* Everything logged since the last call. */
static char *
test_read_log(char *out, size_t outlen)
{
	size_t	 n;

	fflush(stderr);
	fseek(test_capture, 0, SEEK_SET);
	n = fread(out, 1, outlen - 1, test_capture);
	out[n] = '\0';
	if (ftruncate(fileno(test_capture), 0) == -1)
		out[0] = '\0';
	fseek(test_capture, 0, SEEK_SET);
	return out;
}

static void
test_levels(void)
{
	static const struct {
		int		 line;
		enum log_level	 threshold, level;
		int		 shown;
		const char	*word;
	} cases[] = {
		{ __LINE__, LOG_LVL_INFO, LOG_LVL_ERROR, 1, " error " },
		{ __LINE__, LOG_LVL_INFO, LOG_LVL_WARN, 1, " warn " },
		{ __LINE__, LOG_LVL_INFO, LOG_LVL_INFO, 1, " info " },
		{ __LINE__, LOG_LVL_INFO, LOG_LVL_DEBUG, 0, NULL },
		{ __LINE__, LOG_LVL_ERROR, LOG_LVL_WARN, 0, NULL },
		{ __LINE__, LOG_LVL_DEBUG, LOG_LVL_DEBUG, 1, " debug " },
	};
	char	 out[8192];
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		log_init(cases[i].threshold);
		log_msg(cases[i].level, "test", "value %d", 7);
		test_read_log(out, sizeof(out));
		if (!cases[i].shown) {
			T_LINE(out[0] == '\0', cases[i].line);
			continue;
		}
		T_LINE(strstr(out, cases[i].word) != NULL, cases[i].line);
		T_LINE(strstr(out, " - test: value 7\n") != NULL,
		    cases[i].line);
	}
}

static void
test_format(void)
{
	char		 out[LIMIT_LOG_LINE * 8];
	enum log_level	 lvl;
	char		*big;

	log_init(LOG_LVL_DEBUG);
	log_set_request_id("req-1");
	log_info("mod", "a\nb\\c\x01 d");
	test_read_log(out, sizeof(out));
	/* 2026-01-02T03:04:05.678Z info req-1 mod: ... */
	T(strlen(out) > 25 && out[4] == '-' && out[10] == 'T' &&
	    out[23] == 'Z' && out[24] == ' ');
	T(strstr(out, " info req-1 mod: a\\x0ab\\x5cc\\x01 d\n") != NULL);
	T(strchr(out, '\n') == out + strlen(out) - 1);	/* one line */
	log_set_request_id(NULL);
	log_warn("mod", "x");
	test_read_log(out, sizeof(out));
	T(strstr(out, " warn - mod: x\n") != NULL);

	/* Over-long messages are cut, still one line. */
	big = malloc(LIMIT_LOG_LINE * 2);
	memset(big, 'x', LIMIT_LOG_LINE * 2 - 1);
	big[LIMIT_LOG_LINE * 2 - 1] = '\0';
	log_error("mod", "%s", big);
	test_read_log(out, sizeof(out));
	T(strchr(out, '\n') == out + strlen(out) - 1);
	T(strlen(out) < LIMIT_LOG_LINE + 200);
	free(big);

	T(log_level_parse("warn", &lvl) == 0 && lvl == LOG_LVL_WARN);
	T(log_level_parse("debug", &lvl) == 0 && lvl == LOG_LVL_DEBUG);
	T(log_level_parse("WARN", &lvl) == -1);
	T(log_level_parse("verbose", &lvl) == -1);
}

int
main(void)
{
	const char	*dir = getenv("TMPDIR");
	char		 path[512];
	int		 fd, saved;

	snprintf(path, sizeof(path), "%s/test_log.XXXXXX",
	    dir != NULL && *dir != '\0' ? dir : "/tmp");
	if ((fd = mkstemp(path)) == -1 || (saved = dup(2)) == -1)
		return 1;
	unlink(path);
	test_capture = fdopen(fd, "w+");
	dup2(fd, 2);
	test_levels();
	test_format();
	dup2(saved, 2);
	fclose(test_capture);
	return t_done();
}
