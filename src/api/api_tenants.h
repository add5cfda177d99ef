/*
 * api_tenants.h -- /api/v1/tenants: create, list mine, get, rename, soft
 * delete (docs/user-management.md, docs/api-reference.md), and the
 * caller's role in the path's tenant, which the members and audit
 * handlers share.
 *
 *   POST   /api/v1/tenants            {slug, name}  201, caller is owner
 *   GET    /api/v1/tenants                          200 {"items":[...]}
 *   GET    /api/v1/tenants/{t}                      200 the tenant
 *   PATCH  /api/v1/tenants/{t}        {name}        200 (owner, admin)
 *   DELETE /api/v1/tenants/{t}                      204 (owner; soft)
 *
 * A tenant is {id, slug, name, status, role, created_at, updated_at},
 * role being the caller's. These are user endpoints: an API key gets 403
 * (a key belongs to one tenant and acts with member rights).
 *
 * Errors: 400 bad body or slug (format, reserved word), 403 role, 404
 * unknown / not a member / deleted, 409 slug taken (deleted tenants keep
 * theirs), 503 store down. Every change writes an audit row.
 *
 * Ownership: nothing outlives a request.
 */
#ifndef MCP_API_TENANTS_H
#define MCP_API_TENANTS_H

#include <jansson.h>

#include "api/api.h"
#include "http/request.h"

#define API_SLUG_MIN	3	/* ^[a-z0-9][a-z0-9-]{2,39}$ */
#define API_SLUG_MAX	40
#define API_NAME_MAX	200	/* tenants_name_length */

int	 api_tenants_create(struct request *, const struct route_params *);
int	 api_tenants_list(struct request *, const struct route_params *);
int	 api_tenants_get(struct request *, const struct route_params *);
int	 api_tenants_patch(struct request *, const struct route_params *);
int	 api_tenants_delete(struct request *, const struct route_params *);

/* 0 when the caller is a user; -1 answered 403 for an API key. */
int	 api_user_only(struct api_ctx *);

/*
 * The caller's (a user's) tenant of the path, through my_tenants(): 0
 * with c->tenant_id, role (API_ROLE_MAX bytes) and *row (NEW reference,
 * the tenant as answered; may be NULL when row is NULL), or -1 answered
 * (404 for unknown, not a member or deleted).
 */
int	 api_tenant_mine(struct api_ctx *, char *role, json_t **row);

/* Whether a slug is allowed for a new tenant: format and reserved words. */
int	 api_slug_ok(const char *, const char **why);

#endif /* MCP_API_TENANTS_H */
