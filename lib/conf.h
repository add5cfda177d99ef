/*
 * conf.h -- the generic "key = value" file format and bounded file reads.
 *
 * Format (one pair per line):
 *  - lines end with LF; a CR before it is dropped (files edited on Windows);
 *  - blank lines and lines whose first non-blank byte is '#' are skipped;
 *  - otherwise the line is "key = value": key and value are trimmed of
 *    blanks (space, tab); the key is 1 or more of [A-Za-z0-9_.-]; the value
 *    is everything after the first '=' (it may be empty and may contain
 *    '=' or '#': there are no inline comments and no quoting);
 *  - a line longer than LIMIT_CONF_LINE, a NUL byte or any other control
 *    byte than tab is an error, so a value can never smuggle a line break
 *    into a header or a log line.
 * This module knows nothing of which keys exist: the caller's callback
 * decides (src/config.c rejects unknown and duplicate keys).
 *
 * Errors: every function returns 0 or -1; on -1 the struct conf_error holds
 * the 1-based line number (0 when not about one line) and a lowercase
 * message without the file name, for the caller to prefix.
 */
#ifndef MCP_CONF_H
#define MCP_CONF_H

#include <stddef.h>

#include "buf.h"
#include "lib_limits.h"

struct conf_error {
	size_t	 line;
	char	 msg[LIMIT_CONF_ERR];
};

/*
 * Called once per pair, in file order. key/value are (ptr, len) slices of
 * the input (not NUL-terminated), valid only during the call. Return 0 to
 * go on, -1 to stop: the callback sets err->msg with conf_error_set();
 * err->line is filled in by conf_parse().
 */
typedef int	 conf_pair_fn(void *arg, size_t line, const char *key,
		    size_t keylen, const char *value, size_t valuelen,
		    struct conf_error *err);

/* Parse (p, len); see the format above. NULL p with len 0 is empty. */
int	 conf_parse(const char *p, size_t len, conf_pair_fn *cb, void *arg,
	    struct conf_error *err);

void	 conf_error_set(struct conf_error *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* conf_read_file() flags. */
#define CONF_FILE_PRIVATE	0x01	/* refuse when st_mode & 077 */

/*
 * Append the whole regular file at path (at most max bytes, else an error)
 * to out, in one append. The mode is checked on the opened descriptor
 * (fstat), so a symlink is judged by its target and there is no window
 * between the check and the read. The temporary copy is wiped, so the
 * function is fit for secrets: release out with buf_release_secret().
 * The message never contains the file's contents.
 */
int	 conf_read_file(const char *path, size_t max, int flags,
	    struct buf *out, struct conf_error *err);

#endif /* MCP_CONF_H */
