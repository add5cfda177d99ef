/*
 * conf.c -- "key = value" parsing and bounded file reads; see conf.h.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "strparse.h"

void
conf_error_set(struct conf_error *err, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

static int
conf_is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

/* One line without its LF (and CR); 0 or -1 with err->msg set. */
static int
conf_parse_line(const char *p, size_t len, size_t lineno, conf_pair_fn *cb,
    void *arg, struct conf_error *err)
{
	const char	*key, *val, *eq;
	size_t		 keylen, vallen, i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			conf_error_set(err, "control byte 0x%02x", c);
			return -1;
		}
	}
	strparse_trim(&p, &len);
	if (len == 0 || p[0] == '#')
		return 0;
	if ((eq = memchr(p, '=', len)) == NULL) {
		conf_error_set(err, "expected 'key = value'");
		return -1;
	}
	key = p;
	keylen = (size_t)(eq - p);
	strparse_trim(&key, &keylen);
	val = eq + 1;
	vallen = (size_t)(p + len - val);
	strparse_trim(&val, &vallen);
	if (keylen == 0) {
		conf_error_set(err, "missing key before '='");
		return -1;
	}
	for (i = 0; i < keylen; i++) {
		if (!conf_is_key_char(key[i])) {
			conf_error_set(err, "invalid key '%.*s'",
			    (int)keylen, key);
			return -1;
		}
	}
	return cb(arg, lineno, key, keylen, val, vallen, err);
}

int
conf_parse(const char *p, size_t len, conf_pair_fn *cb, void *arg,
    struct conf_error *err)
{
	const char	*nl;
	size_t		 lineno = 0, linelen;

	err->line = 0;
	err->msg[0] = '\0';
	while (len > 0) {
		lineno++;
		nl = memchr(p, '\n', len);
		linelen = nl != NULL ? (size_t)(nl - p) : len;
		if (linelen > LIMIT_CONF_LINE) {
			err->line = lineno;
			conf_error_set(err, "line longer than %d bytes",
			    LIMIT_CONF_LINE);
			return -1;
		}
		if (conf_parse_line(p, linelen > 0 && p[linelen - 1] == '\r' ?
		    linelen - 1 : linelen, lineno, cb, arg, err) == -1) {
			err->line = lineno;
			if (err->msg[0] == '\0')
				conf_error_set(err, "rejected");
			return -1;
		}
		if (nl == NULL)
			break;
		len -= linelen + 1;
		p = nl + 1;
	}
	return 0;
}

int
conf_read_file(const char *path, size_t max, int flags, struct buf *out,
    struct conf_error *err)
{
	struct stat	 st;
	char		*tmp = NULL;
	size_t		 got = 0;
	ssize_t		 n;
	int		 fd, rc = -1;

	err->line = 0;
	err->msg[0] = '\0';
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		conf_error_set(err, "cannot open '%s': %s", path,
		    strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) == -1) {
		conf_error_set(err, "cannot stat '%s': %s", path,
		    strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		conf_error_set(err, "'%s' is not a regular file", path);
		goto out;
	}
	if ((flags & CONF_FILE_PRIVATE) && (st.st_mode & 077) != 0) {
		conf_error_set(err, "'%s' is group/world accessible; "
		    "chmod 600 it", path);
		goto out;
	}
	/* Checked before reading: a huge file is refused without reading it. */
	if ((uintmax_t)st.st_size > max) {
		conf_error_set(err, "'%s' is larger than %zu bytes", path, max);
		goto out;
	}
	/* One byte more than max, to notice a file that grew meanwhile. */
	if ((tmp = malloc(max + 1)) == NULL) {
		conf_error_set(err, "cannot read '%s': out of memory", path);
		goto out;
	}
	for (;;) {
		n = read(fd, tmp + got, max + 1 - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			conf_error_set(err, "cannot read '%s': %s", path,
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
		if (got > max) {
			conf_error_set(err, "'%s' is larger than %zu bytes",
			    path, max);
			goto out;
		}
	}
	if (buf_append(out, tmp, got) == -1) {
		conf_error_set(err, "cannot read '%s': buffer too small", path);
		goto out;
	}
	rc = 0;
out:
	if (tmp != NULL) {
		explicit_bzero(tmp, got);
		free(tmp);
	}
	if (fd != -1)
		close(fd);
	return rc;
}
