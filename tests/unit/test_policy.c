/*
 * test_policy.c -- tool allow/deny: the decision table (deny wins, NULL
 * allow = all, empty allow = none, exact names), tools/list filtering in
 * place, tools/call checks and the message they give.
 */
#include <stdio.h>
#include <string.h>

#include "mcp/policy.h"
#include "t.h"

/* Writable strings: struct target holds char ** (-Wwrite-strings). */
static char	 name_a[] = "a", name_b[] = "b";
static char	*allow_ab[] = { name_a, name_b, NULL };
static char	*allow_none[] = { NULL };
static char	*deny_b[] = { name_b, NULL };
static char	*deny_none[] = { NULL };

/* A target holding only a policy (not released: static lists). */
static void
test_target(struct target *t, char **allow, char **deny)
{
	target_init(t);
	t->tool_allow = allow;
	t->tool_deny = deny;
}

static void
test_allowed(void)
{
	static const struct {
		int		 line;
		char		**allow;
		char		**deny;
		const char	*tool;
		int		 want;
	} cases[] = {
		{ __LINE__, NULL, deny_none, "a", 1 },
		{ __LINE__, NULL, deny_none, "anything", 1 },
		{ __LINE__, NULL, NULL, "a", 1 },
		{ __LINE__, NULL, deny_b, "a", 1 },
		{ __LINE__, NULL, deny_b, "b", 0 },
		{ __LINE__, allow_ab, deny_none, "a", 1 },
		{ __LINE__, allow_ab, deny_none, "b", 1 },
		{ __LINE__, allow_ab, deny_none, "c", 0 },
		{ __LINE__, allow_ab, deny_b, "a", 1 },
		{ __LINE__, allow_ab, deny_b, "b", 0 },	/* deny wins */
		{ __LINE__, allow_none, deny_none, "a", 0 },
		/* Exact, case-sensitive names; no prefixes. */
		{ __LINE__, allow_ab, deny_none, "A", 0 },
		{ __LINE__, allow_ab, deny_none, "ab", 0 },
		{ __LINE__, allow_ab, deny_none, "", 0 },
		{ __LINE__, NULL, deny_b, "B", 1 },
		{ __LINE__, NULL, deny_b, "b ", 1 },
		{ __LINE__, NULL, deny_none, NULL, 0 },
	};
	struct target	 t;
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		test_target(&t, cases[i].allow, cases[i].deny);
		T_LINE(policy_tool_allowed(&t, cases[i].tool) == cases[i].want,
		    cases[i].line);
	}
	T(policy_tool_allowed(NULL, "a") == 0);
}

/* The names left in result.tools, comma-separated. */
static void
test_names(const json_t *result, char *out, size_t outlen)
{
	const json_t	*tools = json_object_get(result, "tools"), *v;
	size_t		 i, n = 0;

	out[0] = '\0';
	json_array_foreach(tools, i, v) {
		const char *s = json_string_value(json_object_get(v, "name"));

		n += (size_t)snprintf(out + n, outlen - n, "%s%s",
		    i > 0 ? "," : "", s != NULL ? s : "?");
		if (n >= outlen)
			break;
	}
}

static void
test_filter(void)
{
	static const struct {
		int		 line;
		char		**allow;
		char		**deny;
		int		 removed;
		const char	*left;
	} cases[] = {
		/* No policy: untouched, odd entries included. */
		{ __LINE__, NULL, deny_none, 0, "a,b,c,?,?,?" },
		{ __LINE__, NULL, deny_b, 4, "a,c" },
		{ __LINE__, allow_ab, deny_none, 4, "a,b" },
		{ __LINE__, allow_ab, deny_b, 5, "a" },
		{ __LINE__, allow_none, deny_none, 6, "" },
	};
	static const char doc[] =
	    "{\"tools\":[{\"name\":\"a\",\"inputSchema\":{}},"
	    "{\"name\":\"b\"},{\"name\":\"c\"},{\"title\":\"nameless\"},"
	    "\"not an object\",{\"name\":7}],\"nextCursor\":\"p2\"}";
	struct target	 t;
	char		 left[256];
	json_t		*r;
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		test_target(&t, cases[i].allow, cases[i].deny);
		r = json_loads(doc, 0, NULL);
		T_LINE(policy_filter_tools_list(&t, r) == cases[i].removed,
		    cases[i].line);
		test_names(r, left, sizeof(left));
		T_LINE(strcmp(left, cases[i].left) == 0, cases[i].line);
		T_LINE(strcmp(json_string_value(json_object_get(r,
		    "nextCursor")), "p2") == 0, cases[i].line);
		json_decref(r);
	}
	test_target(&t, allow_ab, deny_none);
	r = json_loads("{\"tools\":{}}", 0, NULL);
	T(policy_filter_tools_list(&t, r) == -1);
	json_decref(r);
	r = json_loads("{\"resources\":[]}", 0, NULL);
	T(policy_filter_tools_list(&t, r) == -1);
	json_decref(r);
	T(policy_filter_tools_list(&t, NULL) == -1);
	/* A name with an embedded NUL is never taken for "a". */
	r = json_loads("{\"tools\":[{\"name\":\"a\\u0000x\"}]}",
	    JSON_ALLOW_NUL, NULL);
	T(r != NULL && policy_filter_tools_list(&t, r) == 1);
	json_decref(r);
}

static void
test_check(void)
{
	static const struct {
		int		 line;
		char		**allow;
		char		**deny;
		const char	*msg;
		int		 want;
		const char	*why;
	} cases[] = {
		{ __LINE__, allow_ab, deny_b, "{\"jsonrpc\":\"2.0\",\"id\":1,"
		    "\"method\":\"tools/call\",\"params\":{\"name\":\"a\","
		    "\"arguments\":{}}}", 0, NULL },
		{ __LINE__, allow_ab, deny_b, "{\"jsonrpc\":\"2.0\",\"id\":1,"
		    "\"method\":\"tools/call\",\"params\":{\"name\":\"b\"}}",
		    -1, "tool 'b' is not enabled for this tenant" },
		{ __LINE__, allow_ab, deny_b, "{\"jsonrpc\":\"2.0\",\"id\":1,"
		    "\"method\":\"tools/call\",\"params\":{\"name\":\"zap\"}}",
		    -1, "tool 'zap' is not enabled for this tenant" },
		{ __LINE__, NULL, deny_none, "{\"jsonrpc\":\"2.0\",\"id\":1,"
		    "\"method\":\"tools/call\",\"params\":{\"name\":\"zap\"}}",
		    0, NULL },
		{ __LINE__, allow_ab, deny_b, "{\"jsonrpc\":\"2.0\",\"id\":1,"
		    "\"method\":\"tools/call\",\"params\":{}}",
		    -1, "tools/call without a tool name" },
		{ __LINE__, allow_ab, deny_b, "{\"jsonrpc\":\"2.0\",\"id\":1,"
		    "\"method\":\"tools/call\",\"params\":{\"name\":[\"a\"]}}",
		    -1, "tools/call without a tool name" },
		{ __LINE__, allow_ab, deny_b, "{\"jsonrpc\":\"2.0\",\"id\":1,"
		    "\"method\":\"tools/call\"}",
		    -1, "tools/call without a tool name" },
		{ __LINE__, allow_ab, deny_b, "{\"jsonrpc\":\"2.0\",\"id\":1,"
		    "\"method\":\"tools/call\",\"params\":{\"name\":\"a\\u0000\"}}",
		    -1, "tools/call without a tool name" },
		/* Other methods are not this module's business. */
		{ __LINE__, allow_none, deny_b, "{\"jsonrpc\":\"2.0\",\"id\":1,"
		    "\"method\":\"tools/list\"}", 0, NULL },
		{ __LINE__, allow_none, deny_b, "{\"jsonrpc\":\"2.0\",\"id\":1,"
		    "\"method\":\"prompts/get\",\"params\":{\"name\":\"b\"}}",
		    0, NULL },
		{ __LINE__, allow_none, deny_b, "{\"jsonrpc\":\"2.0\",\"id\":1,"
		    "\"result\":{}}", 0, NULL },
		{ __LINE__, allow_none, deny_b, "[1]", 0, NULL },
	};
	struct target	 t;
	char		 why[256];
	json_t		*m;
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		test_target(&t, cases[i].allow, cases[i].deny);
		m = json_loads(cases[i].msg, JSON_ALLOW_NUL, NULL);
		snprintf(why, sizeof(why), "untouched");
		T_LINE(m != NULL && policy_check_request(&t, m, why,
		    sizeof(why)) == cases[i].want, cases[i].line);
		T_LINE(strcmp(why, cases[i].why != NULL ? cases[i].why :
		    "untouched") == 0, cases[i].line);
		json_decref(m);
	}
}

static void
test_long_name(void)
{
	struct target	 t;
	char		 name[400], msg[600], why[512];
	json_t		*m;
	size_t		 i;

	/* 127 ASCII bytes then 2-byte characters: the cut at 128 bytes
	 * falls inside one and moves back to its start. */
	for (i = 0; i < 127; i++)
		name[i] = 'x';
	name[127] = '\0';
	for (i = 0; i < 20; i++)
		memcpy(name + 127 + 2 * i, "\xc3\xa9", 3);	/* é + NUL */
	snprintf(msg, sizeof(msg), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"%s\"}}", name);
	test_target(&t, allow_ab, deny_none);
	m = json_loads(msg, 0, NULL);
	T(m != NULL && policy_check_request(&t, m, why, sizeof(why)) == -1);
	T(strlen(why) == strlen("tool '' is not enabled for this tenant") +
	    127);
	/* What comes out is valid UTF-8: jansson takes it as a string. */
	json_decref(m);
	m = json_string(why);
	T(m != NULL);
	json_decref(m);
}

int
main(void)
{
	test_allowed();
	test_filter();
	test_check();
	test_long_name();
	return t_done();
}
