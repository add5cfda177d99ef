/*
 * api_pins.c -- a tenant server's tool pins over /api/v1; see api_pins.h.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "api/api.h"
#include "api/api_pins.h"
#include "jsonx.h"
#include "product_limits.h"
#include "http/response.h"

#define PINS_COLS	"tool,sha256,pinned_at,approved_by,changed_sha256," \
			"changed_diff,changed_at"

static const struct api_field pins_fields[] = {
	{ "approve", API_T_STRING, 0, 128, 0 },
	{ "approve_all", API_T_BOOL, 0, 0, 0 },
	{ "mode", API_T_STRING, 0, 16, 0 },
};
#define PINS_NFIELDS	(sizeof(pins_fields) / sizeof(pins_fields[0]))

/* The caller, the tenant and the alias of the path: 0, or -1 answered. */
static int
pins_begin(struct api_ctx *c, struct request *req,
    const struct route_params *rp, char *alias)
{
	if (api_begin(c, req, rp) == -1 || api_tenant_access(c) == -1)
		return -1;
	return api_server_alias(c, rp, alias);
}

/* The pins of alias as the caller sees them: 0 answered 200, or -1
 * answered with the failure. */
static int
pins_answer(struct api_ctx *c, const char *alias)
{
	char		 path[API_PATH_MAX];
	const char	*tsid;
	json_t		*ts = NULL, *rows = NULL, *modes = NULL, *out = NULL;
	json_t		*r, *o;
	size_t		 i;
	int		 st, rc = -1;

	snprintf(path, sizeof(path), "/rest/v1/tenant_servers?select=id"
	    "&tenant_id=eq.%s&alias=eq.%s", c->tenant_id, alias);
	if ((st = api_supa_j(c, "GET", path, NULL, NULL, 0, NULL, &ts)) != 0) {
		api_fail(c, st);
		goto out;
	}
	if ((tsid = jsonx_str(json_array_get(ts, 0), "id")) == NULL) {
		response_error(c->req, 404, NULL, "no such server");
		goto out;
	}
	snprintf(path, sizeof(path), "/rest/v1/tool_pins?select=" PINS_COLS
	    "&tenant_server_id=eq.%s&tenant_id=eq.%s&order=tool", tsid,
	    c->tenant_id);
	if ((st = api_supa_j(c, "GET", path, NULL, NULL, 0, NULL, &rows)) ==
	    0 && !json_is_array(rows))
		st = 502;
	if (st == 0) {
		snprintf(path, sizeof(path), "/rest/v1/tool_pin_modes?"
		    "select=mode&tenant_server_id=eq.%s&tenant_id=eq.%s", tsid,
		    c->tenant_id);
		st = api_supa_j(c, "GET", path, NULL, NULL, 0, NULL, &modes);
	}
	if (st != 0) {
		api_fail(c, st);
		goto out;
	}
	json_array_foreach(rows, i, r) {
		o = json_object_get(r, "changed_diff");
		json_object_set(r, "diff", o != NULL ? o : json_null());
		json_object_del(r, "changed_diff");
		json_object_set_new(r, "status", json_string(json_is_string(
		    json_object_get(r, "changed_sha256")) ? "changed" :
		    "pinned"));
	}
	out = json_pack("{s:s, s:s, s:O}", "alias", alias, "mode",
	    jsonx_str(json_array_get(modes, 0), "mode") != NULL ?
	    jsonx_str(json_array_get(modes, 0), "mode") : "warn",
	    "tools", rows);
	if (out == NULL) {
		api_fail(c, 500);
		goto out;
	}
	response_json(c->req, 200, out);
	rc = 0;
out:
	json_decref(out);
	json_decref(modes);
	json_decref(rows);
	json_decref(ts);
	return rc;
}

int
api_pins_get(struct request *req, const struct route_params *rp)
{
	struct api_ctx	 c;
	char		 alias[LIMIT_SLUG + 1];

	if (pins_begin(&c, req, rp, alias) == 0)
		pins_answer(&c, alias);
	api_ctx_release(&c);
	return 0;
}

/* One of the writer functions: 0 with *out, or -1 answered. */
static int
pins_rpc(struct api_ctx *c, const char *fn, json_t *args, json_t **out)
{
	char	 path[API_PATH_MAX], pgcode[API_PGCODE_MAX] = "";
	int	 st;

	snprintf(path, sizeof(path), "/rest/v1/rpc/%s", fn);
	st = args == NULL ? 500 : api_supa_j(c, "POST", path, args, NULL, 0,
	    pgcode, out);
	json_decref(args);
	if (st == 0)
		return 0;
	if (strcmp(pgcode, "PT403") == 0)
		response_error(c->req, 403, NULL, "only the tenant's owners "
		    "and admins may approve tool pins");
	else if (strcmp(pgcode, "PT400") == 0)
		response_error(c->req, 400, NULL, "field 'mode' must be "
		    "\"warn\" or \"enforce\"");
	else if (st == 404)
		response_error(c->req, 404, NULL, "no such server");
	else
		api_fail(c, st);
	return -1;
}

int
api_pins_post(struct request *req, const struct route_params *rp)
{
	struct api_ctx	 c;
	char		 alias[LIMIT_SLUG + 1], target[LIMIT_SLUG + 130];
	const char	*tool, *mode;
	json_t		*body = NULL, *j = NULL, *d = NULL;
	int		 all;

	if (pins_begin(&c, req, rp, alias) == -1 ||
	    api_need_scope(&c, API_SCOPE_ADMIN) == -1 ||
	    api_body(&c, pins_fields, PINS_NFIELDS, &body) == -1)
		goto out;
	tool = jsonx_str(body, "approve");
	mode = jsonx_str(body, "mode");
	all = json_is_true(json_object_get(body, "approve_all"));
	if (tool == NULL && mode == NULL && !all) {
		response_error(req, 400, NULL, "give 'approve', 'approve_all' "
		    "or 'mode'");
		goto out;
	}
	if (mode != NULL && strcmp(mode, "warn") != 0 &&
	    strcmp(mode, "enforce") != 0) {
		response_error(req, 400, NULL, "field 'mode' must be \"warn\" "
		    "or \"enforce\"");
		goto out;
	}
	if (tool != NULL && tool[0] == '\0') {
		response_error(req, 400, NULL, "field 'approve' must name a "
		    "tool");
		goto out;
	}
	if (mode != NULL) {
		if (pins_rpc(&c, "tool_pins_set_mode", json_pack("{s:s, s:s, "
		    "s:s}", "p_tenant", c.tenant_id, "p_alias", alias,
		    "p_mode", mode), &j) == -1)
			goto out;
		json_decref(j);
		j = NULL;
		d = json_pack("{s:s}", "mode", mode);
		api_audit(&c, NULL, "tool_pin.mode", alias, d);
		json_decref(d);
		d = NULL;
	}
	if (tool != NULL || all) {
		if (pins_rpc(&c, "tool_pins_approve", json_pack("{s:s, s:s, "
		    "s:s?}", "p_tenant", c.tenant_id, "p_alias", alias,
		    "p_tool", all ? NULL : tool), &j) == -1)
			goto out;
		if (!all && json_array_size(j) == 0) {
			response_error(req, 404, NULL, "tool '%.128s' has no "
			    "change to approve", tool);
			goto out;
		}
		d = json_pack("{s:O}", "tools", json_is_array(j) ? j :
		    json_null());
		snprintf(target, sizeof(target), "%s%s%.128s", alias,
		    all ? "" : "/", all ? "" : tool);
		api_audit(&c, NULL, "tool_pin.approve", target, d);
	}
	pins_answer(&c, alias);
out:
	json_decref(d);
	json_decref(j);
	json_decref(body);
	api_ctx_release(&c);
	return 0;
}
