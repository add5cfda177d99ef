/*
 * api_members.h -- /api/v1/tenants/{t}/members (docs/user-management.md,
 * the permission table; docs/api-reference.md).
 *
 *   GET    .../members                    200 {"items":[{user_id,email,
 *                                          role,created_at}]} (members)
 *   POST   .../members  {email, role?}    201 the member (owner, admin);
 *          role defaults to member; the user must exist, except under
 *          signup_policy = invite, where an unknown email is invited:
 *          201 {"email","role","status":"invited"}
 *   PATCH  .../members/{user_id} {role}   200 the member (owner, admin)
 *   DELETE .../members/{user_id}          204 (owner, admin; anyone for
 *                                          themselves: leaving)
 *
 * Admins neither create nor touch owners (403). The last owner cannot
 * leave or be demoted: 409 last_owner (the tenant_members_keep_owner
 * trigger's check_violation, never its text). A member doing any of the
 * admin actions: 403; a non-member: 404. Emails are looked up by
 * tenant_user_id(), a SECURITY DEFINER RPC that checks the caller's role
 * itself; the writes go to PostgREST with the user's own token, so RLS
 * checks the role a second time. Every change writes an audit row.
 *
 * Ownership: nothing outlives a request.
 */
#ifndef MCP_API_MEMBERS_H
#define MCP_API_MEMBERS_H

#include "http/request.h"

#define API_EMAIL_MAX	255	/* GoTrue's limit */

int	 api_members_list(struct request *, const struct route_params *);
int	 api_members_add(struct request *, const struct route_params *);
int	 api_members_patch(struct request *, const struct route_params *);
int	 api_members_delete(struct request *, const struct route_params *);

#endif /* MCP_API_MEMBERS_H */
