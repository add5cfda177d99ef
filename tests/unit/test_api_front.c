/*
 * test_api_front.c -- the front door's parsers: tenant slugs (format and
 * reserved words) and the audit trail's query string.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "api/api_audit.h"
#include "api/api_tenants.h"
#include "t.h"

static void
test_slug(void)
{
	static const struct {
		int		 line;
		const char	*in;
		int		 ok;
	} cases[] = {
		{ __LINE__, "acme", 1 },
		{ __LINE__, "a1b", 1 },
		{ __LINE__, "0-a", 1 },
		{ __LINE__, "acme-", 1 },
		{ __LINE__, "b000000000000000000000000000000000000000", 1 },
		{ __LINE__, "b0000000000000000000000000000000000000000", 0 },
		{ __LINE__, "ab", 0 },
		{ __LINE__, "", 0 },
		{ __LINE__, "-acme", 0 },
		{ __LINE__, "Acme", 0 },
		{ __LINE__, "ac_me", 0 },
		{ __LINE__, "ac.me", 0 },
		{ __LINE__, "ac me", 0 },
		{ __LINE__, "acm\xc3\xa9", 0 },
		{ __LINE__, "api", 0 },
		{ __LINE__, "admin", 0 },
		{ __LINE__, "www", 0 },
		{ __LINE__, "mcp", 0 },
		{ __LINE__, "well-known", 0 },
		{ __LINE__, "mcp-platform", 0 },
		{ __LINE__, "apis", 1 },
		{ __LINE__, "admins", 1 },
	};
	const char	*why;
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		why = NULL;
		T_LINE(api_slug_ok(cases[i].in, &why) == cases[i].ok,
		    cases[i].line);
		T(why != NULL);
	}
	T(!api_slug_ok("admin", &why) && strstr(why, "reserved") != NULL);
	T(!api_slug_ok("ab", &why) && strstr(why, "3 to 40") != NULL);
}

static void
test_audit_query(void)
{
	static const struct {
		int		 line;
		const char	*qs;
		int		 rc;
		unsigned int	 limit;
		uint64_t	 cursor;
	} cases[] = {
		{ __LINE__, "", 0, API_AUDIT_PAGE_DEFAULT, 0 },
		{ __LINE__, "limit=1", 0, 1, 0 },
		{ __LINE__, "limit=200", 0, 200, 0 },
		{ __LINE__, "cursor=17&limit=3", 0, 3, 17 },
		{ __LINE__, "cursor=9223372036854775807", 0,
		    API_AUDIT_PAGE_DEFAULT, INT64_MAX },
		{ __LINE__, "cursor=9223372036854775808", -1, 0, 0 },
		{ __LINE__, "limit=0", -1, 0, 0 },
		{ __LINE__, "limit=201", -1, 0, 0 },
		{ __LINE__, "limit=", -1, 0, 0 },
		{ __LINE__, "limit=-1", -1, 0, 0 },
		{ __LINE__, "limit=1x", -1, 0, 0 },
		{ __LINE__, "cursor=0", -1, 0, 0 },
		{ __LINE__, "cursor=abc", -1, 0, 0 },
		{ __LINE__, "limit=1&limit=2", -1, 0, 0 },
		{ __LINE__, "limit", -1, 0, 0 },
		{ __LINE__, "tenant_id=x", -1, 0, 0 },
		{ __LINE__, "limit=1&", -1, 0, 0 },
		{ __LINE__, "&limit=1", -1, 0, 0 },
		{ __LINE__, "limits=1", -1, 0, 0 },
	};
	unsigned int	 limit;
	uint64_t	 cursor;
	char		 why[128];
	size_t		 i;
	int		 rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		why[0] = '\0';
		rc = api_audit_parse_query(cases[i].qs, &limit, &cursor, why,
		    sizeof(why));
		T_LINE(rc == cases[i].rc, cases[i].line);
		if (rc == 0 && cases[i].rc == 0)
			T_LINE(limit == cases[i].limit &&
			    cursor == cases[i].cursor, cases[i].line);
		if (rc == -1)
			T_LINE(why[0] != '\0', cases[i].line);
	}
}

int
main(void)
{
	test_slug();
	test_audit_query();
	return t_done();
}
