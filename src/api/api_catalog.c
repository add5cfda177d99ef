/*
 * api_catalog.c -- GET /api/v1/catalog; see api_catalog.h.
 */
#include <string.h>

#include <jansson.h>

#include "api/api.h"
#include "api/api_catalog.h"
#include "httpc.h"
#include "http/response.h"

#define CATALOG_PATH	"/rest/v1/mcp_servers?select=slug,name," \
	"description,transport,settings_spec,secrets_spec&enabled=is.true" \
	"&order=slug"

int
api_catalog_get(struct request *req, const struct route_params *rp)
{
	struct api_ctx		 c;
	struct api_supa_call	 ac;
	struct httpc_response	 resp;
	json_t			*rows = NULL, *out = NULL;
	int			 st;

	(void)rp;
	httpc_response_init(&resp);
	if (api_begin(&c, req, NULL) == -1)
		goto out;
	memset(&ac, 0, sizeof(ac));
	ac.method = "GET";
	ac.path = CATALOG_PATH;
	/* users as themselves (RLS: enabled entries); keys as the service
	 * role, with the same filter */
	if ((st = api_supa(&c, &ac, &resp, &rows)) != 0) {
		api_fail(&c, st);
		goto out;
	}
	if (!json_is_array(rows)) {
		api_fail(&c, 502);
		goto out;
	}
	if ((out = json_pack("{s:O}", "servers", rows)) == NULL) {
		api_fail(&c, 500);
		goto out;
	}
	response_json(req, 200, out);
out:
	json_decref(out);
	json_decref(rows);
	httpc_response_release(&resp);
	api_ctx_release(&c);
	return 0;
}
