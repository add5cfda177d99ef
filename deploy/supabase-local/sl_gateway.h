/*
 * sl_gateway.h -- supabase-local's gateway: Kong's key-auth and the JWT check
 * in front of /rest/v1 (sl_gateway.c).
 */
#ifndef SL_GATEWAY_H
#define SL_GATEWAY_H

#include "sl.h"

/* Both return 0, or -1 after replying 401.
 * sl_gateway_apikey: Kong's key-auth (apikey header, or the apikey query
 * parameter) and the Supabase CLI rewrite into req->bearer, nothing else;
 * for /auth/v1. sl_gateway: that, then req->bearer verified into
 * req->claims/req->role as PostgREST does (no token: {"role":"anon"});
 * for /rest/v1. */
int	 sl_gateway_apikey(struct sl_req *);
int	 sl_gateway(struct sl_req *);

#endif /* SL_GATEWAY_H */
