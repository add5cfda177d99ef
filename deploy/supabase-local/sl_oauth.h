/*
 * sl_oauth.h -- supabase-local's part of Supabase Auth's OAuth 2.1 server
 * (GoTrue internal/api/oauthserver; docs/supabase-local.md "OAuth 2.1
 * server"), in sl_oauth.c.
 */
#ifndef SL_OAUTH_H
#define SL_OAUTH_H

#include "sl.h"

/* RFC 8414 section 3.1: the well-known name before the issuer's path. */
#define SL_OAUTH_DISCOVERY_PATH	"/.well-known/oauth-authorization-server/auth/v1"

/*
 * sub is the path after /auth/v1. Returns 1 when the path is the OAuth
 * server's (the request has then been answered, also with 404
 * feature_disabled while the server is off), 0 when it is not.
 */
int	 sl_oauth_handle(struct sl_req *, const char *sub);
/* GET SL_OAUTH_DISCOVERY_PATH (no apikey), always replying. */
void	 sl_oauth_discovery(struct sl_req *);

#endif /* SL_OAUTH_H */
