/*
 * t.h -- the unit-test harness: TAP output, one line per check.
 *
 *     T(expr)              check that expr is true
 *     T_LINE(expr, line)   same, reporting a table row's __LINE__
 *     TSKIP(what, reason)  a check that cannot run here, e.g. one that
 *                          needs root: "ok N - file:line what # SKIP reason",
 *                          counted as skipped, never as passed
 *                          (tests/tap-count.sh, docs/testing.md)
 *     T_UNTIL(expr)        wait for an event: poll expr every 10 ms until
 *                          it holds or T_WAIT_MS passed; a check after it
 *                          says whether it held
 *     return t_done();     prints the plan, exits non-zero on any failure
 */
#ifndef MCP_T_H
#define MCP_T_H

void	 t_check(int ok, const char *file, int line, const char *what);
void	 t_skip(const char *file, int line, const char *what,
	    const char *reason);
int	 t_done(void);
int	 t_wait(unsigned long long *);

/*
 * The bound on a wait for an event (a child's exit, a line in a file):
 * never reached when all is well, generous for a busy machine. A test
 * waits for the event, never a fixed time (docs/testing.md).
 */
#define T_WAIT_MS	60000

#define T(e)		t_check(!!(e), __FILE__, __LINE__, #e)
#define T_LINE(e, l)	t_check(!!(e), __FILE__, (l), #e)
#define TSKIP(w, r)	t_skip(__FILE__, __LINE__, (w), (r))
#define T_UNTIL(e) do {							\
	unsigned long long t_until_ = 0;				\
	while (!(e) && t_wait(&t_until_))				\
		;							\
} while (0)

#endif
