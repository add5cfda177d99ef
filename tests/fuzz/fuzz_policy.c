/*
 * fuzz_policy.c -- the tenant's tool policy on JSON-RPC messages
 * (src/mcp/policy.c): policy_check_request() on a client message and
 * policy_filter_tools_list() on a tools/list result.
 *
 * Byte 0 picks the policy (allow-list or not); the rest is one JSON
 * document, parsed as the platform parses client input (jsonx_loadb).
 * Invariants besides memory safety: after filtering, every entry left in
 * "tools" is an object whose string "name" is allowed; a refused
 * tools/call's message is valid UTF-8 (it goes back into a JSON-RPC
 * error), and an allowed one has a name policy_tool_allowed() allows.
 */
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "fuzz.h"
#include "jsonx.h"
#include "product_limits.h"
#include "mcp/policy.h"
#include "store/target.h"

#define FUZZ_WHY	256	/* as src/mcp/mcp.c's */

static char	 fuzz_echo[] = "echo", fuzz_add[] = "add", fuzz_e[] = "";
static char	*fuzz_allow[] = { fuzz_echo, fuzz_add, fuzz_e, NULL };
static char	*fuzz_deny[] = { fuzz_add, NULL };
static char	*fuzz_none[] = { NULL };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct target	 t;
	json_t		*j, *m, *tools, *tool, *res, *wj;
	char		 why[FUZZ_WHY];
	const char	*name;
	size_t		 i;

	if (size < 1)
		return 0;
	memset(&t, 0, sizeof(t));
	if (data[0] & 1) {
		t.tool_allow = fuzz_allow;
		t.n_tool_allow = 3;
	}
	if (data[0] & 2) {
		t.tool_deny = fuzz_deny;
		t.n_tool_deny = 1;
	} else
		t.tool_deny = fuzz_none;

	j = jsonx_loadb((const char *)data + 1, size - 1, LIMIT_JSON_DEPTH,
	    NULL, 0);
	if (j == NULL)
		return 0;
	why[0] = '\0';
	if (policy_check_request(&t, j, why, sizeof(why)) == -1) {
		FUZZ_ASSERT(why[0] != '\0');
		wj = json_string(why);
		FUZZ_ASSERT(wj != NULL);
		json_decref(wj);
	} else if ((m = json_object_get(j, "method")) != NULL &&
	    json_is_string(m) && json_string_length(m) == 10 &&
	    memcmp(json_string_value(m), "tools/call", 10) == 0) {
		name = json_string_value(json_object_get(json_object_get(j,
		    "params"), "name"));
		FUZZ_ASSERT(name != NULL && policy_tool_allowed(&t, name));
	}

	/* The document as a tools/list result, or inside one. */
	res = json_is_object(j) && json_is_array(json_object_get(j, "tools")) ?
	    json_incref(j) : json_pack("{s:O}", "tools", j);
	if (res != NULL && policy_filter_tools_list(&t, res) >= 0 &&
	    (t.tool_allow != NULL || t.n_tool_deny > 0)) {
		tools = json_object_get(res, "tools");
		json_array_foreach(tools, i, tool) {
			name = json_string_value(json_object_get(tool,
			    "name"));
			FUZZ_ASSERT(json_is_object(tool) && name != NULL);
			FUZZ_ASSERT(policy_tool_allowed(&t, name));
		}
	}
	json_decref(res);
	json_decref(j);
	return 0;
}
