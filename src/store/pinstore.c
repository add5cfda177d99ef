/*
 * pinstore.c -- the tool pins' two RPCs; see pinstore.h.
 */
#include <stdio.h>

#include <jansson.h>

#include "product_limits.h"
#include "store/pinstore.h"
#include "store/supa.h"

#define PINSTORE_GET	"/rest/v1/rpc/tool_pins_get"
#define PINSTORE_RECORD	"/rest/v1/rpc/tool_pins_record"

int
pinstore_get(const struct config *cfg, const char *tenant_id,
    const char *alias, json_t **out, char *why, size_t whylen)
{
	json_t	*args, *j = NULL;
	int	 rc = -1;

	*out = NULL;
	if ((args = json_pack("{s:s, s:s}", "p_tenant", tenant_id,
	    "p_alias", alias)) == NULL) {
		snprintf(why, whylen, "tool_pins_get: out of memory");
		return -1;
	}
	if (supa_rpc(cfg, PINSTORE_GET, "tool_pins_get", args, 0,
	    LIMIT_PINS_RESPONSE, &j, why, whylen) == -1)
		goto out;
	if (!json_is_null(j) && (!json_is_object(j) ||
	    !json_is_string(json_object_get(j, "mode")) ||
	    !json_is_object(json_object_get(j, "pins")))) {
		snprintf(why, whylen, "tool_pins_get: unexpected answer");
		goto out;
	}
	*out = j;
	j = NULL;
	rc = 0;
out:
	json_decref(j);
	json_decref(args);
	return rc;
}

int
pinstore_record(const struct config *cfg, const char *tenant_id,
    const char *alias, const json_t *fresh, const json_t *changed,
    char *why, size_t whylen)
{
	json_t	*args, *j = NULL;
	int	 rc;

	args = json_pack("{s:s, s:s, s:O?, s:O?}", "p_tenant", tenant_id,
	    "p_alias", alias, "p_new", fresh, "p_changed", changed);
	if (args == NULL) {
		snprintf(why, whylen, "tool_pins_record: out of memory");
		return -1;
	}
	rc = supa_rpc(cfg, PINSTORE_RECORD, "tool_pins_record", args, 0, 0,
	    &j, why, whylen);
	json_decref(j);
	json_decref(args);
	return rc;
}
