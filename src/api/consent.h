/*
 * consent.h -- the OAuth consent page, /oauth/consent (issue 11 item 2;
 * docs/authentication.md "OAuth clients"), in consent.c.
 *
 * Supabase Auth's OAuth 2.1 server sends the user's browser here with
 * ?authorization_id=<id> (its authorization path). The page signs the user
 * in through Supabase Auth when needed (a session cookie holding the
 * user's access token, HttpOnly, SameSite=Lax, Path=/oauth/consent), shows
 * the client (name, host of its URI) and the scopes, asks which tenant and
 * which of its servers to grant, records that choice in public.oauth_grants
 * with the user's own token (migration 0012) and answers Supabase through
 * the authorizations API; then it sends the browser to the redirect_url
 * Supabase returns.
 *
 *   GET  /oauth/consent?authorization_id=   the page (or the sign-in form)
 *   POST /oauth/consent                     approve or deny (form)
 *   POST /oauth/consent/login               sign in (form)
 *
 * Every answer is server-rendered HTML with
 * Content-Security-Policy: frame-ancestors 'none'; default-src 'self' (no
 * script, no third-party asset), X-Frame-Options: DENY and
 * Referrer-Policy: no-referrer. POSTs need a form body, an Origin (when
 * sent) equal to the platform's own, and (approve/deny) a CSRF token bound
 * to the session and the authorization. Bad input is a 4xx page, never a
 * 500; Supabase's messages are not shown, only ours.
 */
#ifndef MCP_CONSENT_H
#define MCP_CONSENT_H

#include "http/request.h"
#include "http/router.h"

int	 consent_get(struct request *, const struct route_params *);
int	 consent_post(struct request *, const struct route_params *);
int	 consent_login(struct request *, const struct route_params *);

#endif /* MCP_CONSENT_H */
