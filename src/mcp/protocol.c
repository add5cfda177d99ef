/*
 * protocol.c -- the MCP protocol revisions; see protocol.h.
 */
#include <string.h>

#include "mcp/protocol.h"

/* Newest first. */
static const char *const mcp_modern_versions[] = {
	MCP_VERSION_MODERN,
};

static const char *const mcp_versions[] = {
	"2025-11-25", "2025-06-18", "2025-03-26",
};

/* RFC 5424 severities, least severe first (MCP logging). */
static const char *const mcp_log_levels[] = {
	"debug", "info", "notice", "warning", "error", "critical", "alert",
	"emergency",
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static int
mcp_version_in(const char *v, const char *const *list, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(v, list[i]) == 0)
			return 1;
	return 0;
}

int
mcp_version_supported(const char *v)
{
	return mcp_version_in(v, mcp_versions, NELEM(mcp_versions));
}

int
mcp_version_modern(const char *v)
{
	return mcp_version_in(v, mcp_modern_versions,
	    NELEM(mcp_modern_versions));
}

int
mcp_version_known(const char *v)
{
	return mcp_version_supported(v) || mcp_version_modern(v);
}

json_t *
mcp_versions_json(void)
{
	json_t	*a;
	size_t	 i;

	if ((a = json_array()) == NULL)
		return NULL;
	for (i = 0; i < NELEM(mcp_modern_versions); i++)
		json_array_append_new(a, json_string(mcp_modern_versions[i]));
	for (i = 0; i < NELEM(mcp_versions); i++)
		json_array_append_new(a, json_string(mcp_versions[i]));
	return a;
}

static const struct {
	const char	*method, *cap;
	unsigned	 bit;
} mcp_caps[] = {
	{ "sampling/createMessage",	"sampling",	MCP_CAP_SAMPLING },
	{ "elicitation/create",		"elicitation",	MCP_CAP_ELICITATION },
	{ "roots/list",			"roots",	MCP_CAP_ROOTS },
};

const char *
mcp_client_cap(const char *method, unsigned *bit)
{
	size_t	 i;

	if (bit != NULL)
		*bit = 0;
	for (i = 0; method != NULL && i < NELEM(mcp_caps); i++)
		if (strcmp(method, mcp_caps[i].method) == 0) {
			if (bit != NULL)
				*bit = mcp_caps[i].bit;
			return mcp_caps[i].cap;
		}
	return NULL;
}

unsigned
mcp_client_caps(const json_t *capabilities)
{
	unsigned	 bits = 0;
	size_t		 i;

	for (i = 0; i < NELEM(mcp_caps); i++)
		if (json_is_object(json_object_get(capabilities,
		    mcp_caps[i].cap)))
			bits |= mcp_caps[i].bit;
	return bits;
}

json_t *
mcp_client_caps_json(unsigned bits)
{
	json_t	*o = json_object();
	size_t	 i;

	for (i = 0; o != NULL && i < NELEM(mcp_caps); i++)
		if ((bits & mcp_caps[i].bit) != 0 && json_object_set_new(o,
		    mcp_caps[i].cap, json_object()) == -1) {
			json_decref(o);
			o = NULL;
		}
	return o;
}

json_t *
mcp_client_reply(const json_t *id, const json_t *reply)
{
	json_t	*v;

	if ((v = json_object_get(reply, "result")) != NULL)
		return json_pack("{s:s, s:O, s:O}", "jsonrpc", "2.0", "id", id,
		    "result", v);
	if (json_is_object(v = json_object_get(reply, "error")))
		return json_pack("{s:s, s:O, s:O}", "jsonrpc", "2.0", "id", id,
		    "error", v);
	return json_pack("{s:s, s:O, s:{s:i, s:s}}", "jsonrpc", "2.0", "id",
	    id, "error", "code", MCP_ERR_METHOD_NOT_FOUND, "message",
	    "method not supported by this client");
}

int
mcp_log_level(const char *name)
{
	size_t	 i;

	for (i = 0; name != NULL && i < NELEM(mcp_log_levels); i++)
		if (strcmp(name, mcp_log_levels[i]) == 0)
			return (int)i;
	return -1;
}

const char *
mcp_log_level_name(int level)
{
	if (level < 0 || (size_t)level >= NELEM(mcp_log_levels))
		return NULL;
	return mcp_log_levels[level];
}
