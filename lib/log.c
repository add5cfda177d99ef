/*
 * log.c -- operator log lines; see log.h for the format.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib_limits.h"
#include "log.h"

static enum log_level	 log_threshold = LOG_LVL_INFO;
static const char	*log_request_id;

static const char *const log_names[LOG_LVL__MAX] = {
	"error", "warn", "info", "debug",
};

void
log_init(enum log_level lvl)
{
	log_threshold = lvl;
	setvbuf(stderr, NULL, _IOLBF, 0);
}

int
log_level_parse(const char *s, enum log_level *out)
{
	int	 i;

	for (i = 0; i < LOG_LVL__MAX; i++) {
		if (strcmp(s, log_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

void
log_set_request_id(const char *id)
{
	log_request_id = id;
}

void
log_msg(enum log_level lvl, const char *module, const char *fmt, ...)
{
	char		 raw[LIMIT_LOG_LINE], out[LIMIT_LOG_LINE * 4 + 128];
	char		 ts[32];
	struct tm	 tm;
	struct timespec	 now;
	va_list		 ap;
	size_t		 i, o;
	int		 n;

	if (lvl > log_threshold || lvl >= LOG_LVL__MAX)
		return;
	va_start(ap, fmt);
	n = vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);

	n = snprintf(out, sizeof(out), "%s.%03ldZ %s %s %s: ", ts,
	    now.tv_nsec / 1000000, log_names[lvl],
	    log_request_id != NULL ? log_request_id : "-", module);
	if (n < 0)
		return;
	/* snprintf returns the untruncated length: clamp to what was written. */
	o = (size_t)n < sizeof(out) - 6 ? (size_t)n : sizeof(out) - 6;
	for (i = 0; raw[i] != '\0' && o + 5 < sizeof(out); i++) {
		unsigned char c = (unsigned char)raw[i];

		if (c < 0x20 || c == 0x7f || c == '\\') {
			snprintf(out + o, 5, "\\x%02x", c);
			o += 4;
		} else
			out[o++] = (char)c;
	}
	out[o++] = '\n';
	fwrite(out, 1, o, stderr);
}
