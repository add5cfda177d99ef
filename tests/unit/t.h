/*
 * t.h -- the unit-test harness: TAP output, one line per check.
 *
 *     T(expr)              check that expr is true
 *     T_LINE(expr, line)   same, reporting a table row's __LINE__
 *     return t_done();     prints the plan, exits non-zero on any failure
 */
#ifndef MCP_T_H
#define MCP_T_H

void	 t_check(int ok, const char *file, int line, const char *what);
int	 t_done(void);

#define T(e)		t_check(!!(e), __FILE__, __LINE__, #e)
#define T_LINE(e, l)	t_check(!!(e), __FILE__, (l), #e)

#endif
