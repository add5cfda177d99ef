/*
 * log.h -- operator log lines on stderr, which the web server captures
 * into its error log.
 *
 * One line per event with fixed fields:
 *     <RFC 3339 UTC ts> <level> <request_id|-> <module>: <message>
 * Non-printable bytes and backslashes in the message are escaped (\xHH) so
 * a hostile value can never forge a second line. stderr is made
 * line-buffered by log_init(). Messages follow STYLE.md: lowercase, no
 * final stop, subject quoted. Never pass a secret to these functions.
 */
#ifndef MCP_LOG_H
#define MCP_LOG_H

enum log_level {
	LOG_LVL_ERROR,
	LOG_LVL_WARN,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
	LOG_LVL__MAX
};

void	 log_init(enum log_level);
/* Parse "error" | "warn" | "info" | "debug"; -1 when unknown. */
int	 log_level_parse(const char *, enum log_level *);
/* The request id is borrowed: it must outlive the request (NULL clears). */
void	 log_set_request_id(const char *);
void	 log_msg(enum log_level, const char *module, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

#define log_error(mod, ...)	log_msg(LOG_LVL_ERROR, (mod), __VA_ARGS__)
#define log_warn(mod, ...)	log_msg(LOG_LVL_WARN, (mod), __VA_ARGS__)
#define log_info(mod, ...)	log_msg(LOG_LVL_INFO, (mod), __VA_ARGS__)
#define log_debug(mod, ...)	log_msg(LOG_LVL_DEBUG, (mod), __VA_ARGS__)

#endif /* MCP_LOG_H */
