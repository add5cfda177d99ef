/*
 * api_auth.h -- /api/v1/auth/{signup,login,refresh,logout,me}: user
 * accounts, forwarded to Supabase Auth's REST API (GoTrue's /auth/v1;
 * docs/authentication.md, docs/user-management.md).
 *
 *   POST signup  {email, password}  201 a session, or under Supabase email
 *                confirmation {"user", "confirmation_required": true}
 *   POST login   {email, password}  200 a session
 *   POST refresh {refresh_token}    200 a session (the refresh token
 *                rotates: the old one is spent)
 *   POST logout  (Bearer)           204: this session's refresh tokens are
 *                revoked; its access token stays valid until it expires
 *   GET  me      (Bearer)           200 {"user", "tenants":[... with role]}
 *
 * A session is {access_token, refresh_token, expires_in, token_type,
 * user}. signup_policy (config) decides who may sign up: open, confirm
 * (Supabase sends the confirmation email; no session until confirmed) or
 * invite (only an email with an open invitation; its invitations become
 * memberships at signup).
 *
 * Errors keep Supabase's error code in the platform's shape, with its
 * status: {"error":{"code":"weak_password","message":"..."}} 422,
 * invalid_credentials 400, user_already_exists 422, email_not_confirmed
 * 400, refresh_token_not_found 400, ...; 403 invite_required; Supabase
 * unreachable or failing 503. The strict body rules of api_body apply
 * first (400, 413, 415).
 *
 * Ownership: passwords and tokens pass through request buffers only; the
 * ones built here are wiped.
 */
#ifndef MCP_API_AUTH_H
#define MCP_API_AUTH_H

#include "http/request.h"

#define API_PASSWORD_MAX	72	/* bcrypt's limit, GoTrue's too */
#define API_REFRESH_MAX		512
#define API_AUTH_CODE_MAX	48	/* an error_code passed through */
#define API_AUTH_MSG_MAX	200

int	 api_auth_signup(struct request *, const struct route_params *);
int	 api_auth_login(struct request *, const struct route_params *);
int	 api_auth_refresh(struct request *, const struct route_params *);
int	 api_auth_logout(struct request *, const struct route_params *);
int	 api_auth_me(struct request *, const struct route_params *);

#endif /* MCP_API_AUTH_H */
