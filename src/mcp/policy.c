/*
 * policy.c -- tool allow/deny lists on tools/list and tools/call; see
 * policy.h.
 */
#include <stdio.h>
#include <string.h>

#include "mcp/policy.h"

static int
policy_listed(char *const *list, const char *name)
{
	size_t	 i;

	if (list == NULL)
		return 0;
	for (i = 0; list[i] != NULL; i++)
		if (strcmp(list[i], name) == 0)
			return 1;
	return 0;
}

static int
policy_active(const struct target *t)
{
	return t->tool_allow != NULL ||
	    (t->tool_deny != NULL && t->tool_deny[0] != NULL);
}

int
policy_tool_allowed(const struct target *t, const char *tool)
{
	if (t == NULL || tool == NULL)
		return 0;
	if (policy_listed(t->tool_deny, tool))
		return 0;
	if (t->tool_allow == NULL)
		return 1;
	return policy_listed(t->tool_allow, tool);
}

/* The tool name of a JSON string, or NULL when it is not one or holds a
 * NUL (which strcmp would cut short). */
static const char *
policy_name(const json_t *j)
{
	const char	*s;

	if (!json_is_string(j))
		return NULL;
	s = json_string_value(j);
	return strlen(s) == json_string_length(j) ? s : NULL;
}

int
policy_filter_tools_list(const struct target *t, json_t *result)
{
	json_t		*tools, *tool;
	const char	*name;
	size_t		 i;
	int		 removed = 0;

	if (t == NULL || !json_is_object(result) ||
	    !json_is_array(tools = json_object_get(result, "tools")))
		return -1;
	if (!policy_active(t))
		return 0;
	for (i = 0; i < json_array_size(tools); ) {
		tool = json_array_get(tools, i);
		name = json_is_object(tool) ?
		    policy_name(json_object_get(tool, "name")) : NULL;
		if (name != NULL && policy_tool_allowed(t, name)) {
			i++;
			continue;
		}
		if (json_array_remove(tools, i) == -1)
			return -1;
		removed++;
	}
	return removed;
}

int
policy_check_request(const struct target *t, const json_t *msg, char *why,
    size_t whylen)
{
	const json_t	*method, *params, *name;
	const char	*s;
	size_t		 n;

	if (!json_is_object(msg))
		return 0;
	method = json_object_get(msg, "method");
	if (!json_is_string(method) ||
	    strcmp(json_string_value(method), "tools/call") != 0 ||
	    json_string_length(method) != strlen("tools/call"))
		return 0;
	params = json_object_get(msg, "params");
	name = json_is_object(params) ? json_object_get(params, "name") : NULL;
	if ((s = policy_name(name)) == NULL) {
		if (why != NULL && whylen > 0)
			snprintf(why, whylen, "tools/call without a tool name");
		return -1;
	}
	if (policy_tool_allowed(t, s))
		return 0;
	/* Cut long names on a UTF-8 character boundary (jansson's strings
	 * are valid UTF-8; why goes back into one). */
	if ((n = strlen(s)) > POLICY_NAME_SHOWN) {
		n = POLICY_NAME_SHOWN;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	if (why != NULL && whylen > 0)
		snprintf(why, whylen, "tool '%.*s' is not enabled for this "
		    "tenant", (int)n, s);
	return -1;
}
