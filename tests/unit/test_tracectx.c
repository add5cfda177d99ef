/*
 * test_tracectx.c -- W3C Trace Context: traceparent and tracestate checked
 * strictly (table-driven), fresh traces, the next hop's traceparent.
 */
#include <stdio.h>
#include <string.h>

#include "t.h"
#include "tracectx.h"

#define TID	"4bf92f3577b34da6a3ce929d0e0e4736"
#define PID	"00f067aa0ba902b7"

static void
test_parent(void)
{
	static const struct {
		int		 line;
		const char	*tp;
		int		 ok;
	} v[] = {
		{ __LINE__, "00-" TID "-" PID "-01", 1 },
		{ __LINE__, "00-" TID "-" PID "-00", 1 },
		{ __LINE__, "00-" TID "-" PID "-ff", 1 },
		/* a later version: longer, with "-" after the known fields */
		{ __LINE__, "01-" TID "-" PID "-01", 1 },
		{ __LINE__, "cc-" TID "-" PID "-01-what-the-future-adds", 1 },
		{ __LINE__, "cc-" TID "-" PID "-01xyz", 0 },
		/* version 00 is exactly 55 characters */
		{ __LINE__, "00-" TID "-" PID "-01-", 0 },
		{ __LINE__, "00-" TID "-" PID "-1", 0 },
		{ __LINE__, "ff-" TID "-" PID "-01", 0 },
		{ __LINE__, "0g-" TID "-" PID "-01", 0 },
		{ __LINE__, "00-4BF92F3577B34DA6A3CE929D0E0E4736-" PID "-01", 0 },
		{ __LINE__, "00-00000000000000000000000000000000-" PID "-01", 0 },
		{ __LINE__, "00-" TID "-0000000000000000-01", 0 },
		{ __LINE__, "00_" TID "-" PID "-01", 0 },
		{ __LINE__, "00-" TID "_" PID "-01", 0 },
		{ __LINE__, "00-" TID "-" PID "_01", 0 },
		{ __LINE__, "00-" TID "-" PID "-0x", 0 },
		{ __LINE__, " 00-" TID "-" PID "-01", 0 },
		{ __LINE__, "", 0 },
		{ __LINE__, "00", 0 },
	};
	struct tracectx	 c;
	size_t		 i;
	int		 rc;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		rc = tracectx_parse(&c, v[i].tp, "a=b");
		if ((rc == 0) != v[i].ok)
			fprintf(stderr, "# line %d: '%s'\n", v[i].line, v[i].tp);
		T((rc == 0) == v[i].ok);
		if (v[i].ok) {
			T(strcmp(c.trace_id, TID) == 0);
			T(strcmp(c.parent_id, PID) == 0);
			T(c.from_client == 1 && strcmp(c.state, "a=b") == 0);
		} else
			T(c.trace_id[0] == '\0' && c.state[0] == '\0');
	}
	T(tracectx_parse(&c, NULL, "a=b") == -1 && c.state[0] == '\0');
	T(tracectx_parse(&c, "00-" TID "-" PID "-03", NULL) == 0 &&
	    c.flags == 3 && c.state[0] == '\0');
}

static void
test_state(void)
{
	static const struct {
		int		 line;
		const char	*ts;
		int		 ok;
	} v[] = {
		{ __LINE__, "rojo=00f067aa0ba902b7", 1 },
		{ __LINE__, "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE", 1 },
		{ __LINE__, "rojo=1 , congo=2", 1 },
		{ __LINE__, "rojo=1,,congo=2", 1 },
		{ __LINE__, "fw529a3039@dt=a", 1 },
		{ __LINE__, "1tenant@sys=x", 1 },
		{ __LINE__, "k=va lue", 1 },
		{ __LINE__, "", 1 },
		{ __LINE__, "Rojo=1", 0 },		/* uppercase key */
		{ __LINE__, "1key=1", 0 },		/* simple key: lcalpha */
		{ __LINE__, "k=", 0 },			/* empty value */
		{ __LINE__, "k=a,", 1 },
		{ __LINE__, "k=a=b", 0 },
		{ __LINE__, "k=a,k=b", 0 },		/* duplicate */
		{ __LINE__, "k", 0 },
		{ __LINE__, "=v", 0 },
		{ __LINE__, "t@=v", 0 },
		{ __LINE__, "t@1sys=v", 0 },
		{ __LINE__, "t@systemidtoolong=v", 0 },
		{ __LINE__, "k=tab\there", 0 },
		{ __LINE__, "k=\x7f", 0 },
	};
	char		 big[TRACECTX_STATE_MAX + 64], *p;
	size_t		 i;
	int		 rc;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		rc = tracectx_state_valid(v[i].ts, strlen(v[i].ts));
		if (rc != v[i].ok)
			fprintf(stderr, "# line %d: '%s'\n", v[i].line, v[i].ts);
		T(rc == v[i].ok);
	}
	/* 32 members are fine, 33 are not */
	for (p = big, i = 0; i < 33; i++)
		p += snprintf(p, sizeof(big) - (size_t)(p - big), "%sk%zu=v",
		    i > 0 ? "," : "", i);
	T(tracectx_state_valid(big, strlen(big)) == 0);
	*strrchr(big, ',') = '\0';
	T(tracectx_state_valid(big, strlen(big)) == 1);
	/* at most 512 bytes */
	memset(big, 'a', sizeof(big));
	memcpy(big, "k=", 2);
	T(tracectx_state_valid(big, TRACECTX_STATE_MAX + 1) == 0);
	/* an invalid tracestate is dropped, the traceparent kept */
	{
		struct tracectx	 c;

		T(tracectx_parse(&c, "00-" TID "-" PID "-01", "Bad=1") == 0);
		T(c.from_client == 1 && c.state[0] == '\0');
	}
}

static void
test_new_next(void)
{
	struct tracectx	 a, b, c;
	char		 tp[TRACECTX_PARENT_LEN + 1], tp2[TRACECTX_PARENT_LEN + 1];

	T(tracectx_new(&a) == 0 && tracectx_new(&b) == 0);
	T(strlen(a.trace_id) == 32 && strcmp(a.trace_id, b.trace_id) != 0);
	T(a.from_client == 0 && a.flags == 0);
	T(tracectx_next(&a, tp) == 0 && tracectx_next(&a, tp2) == 0);
	/* a valid traceparent of the same trace, a new span each time */
	T(tracectx_parse(&c, tp, NULL) == 0);
	T(strcmp(c.trace_id, a.trace_id) == 0 && c.flags == 0);
	T(strcmp(tp, tp2) != 0 && strncmp(tp, tp2, 36) == 0);
	T(tracectx_parse(&c, "00-" TID "-" PID "-01", NULL) == 0);
	T(tracectx_next(&c, tp) == 0);
	T(strncmp(tp, "00-" TID "-", 36) == 0 && strcmp(tp + 52, "-01") == 0);
	T(strncmp(tp + 36, PID, 16) != 0);
}

int
main(void)
{
	test_parent();
	test_state();
	test_new_next();
	return t_done();
}
