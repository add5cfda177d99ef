/*
 * sl_jwt.h -- supabase-local's tokens: signing, verification, the JWKS
 * document (sl_jwt.c).
 */
#ifndef SL_JWT_H
#define SL_JWT_H

#include <jansson.h>

#include "sl.h"

/* All return 0 on success, -1 on failure. */
int	 sl_jwt_init(struct sl_conf *);	/* mints anon/service JWTs, kid */
char	*sl_jwt_sign_hs256(const char *secret, const json_t *claims);
char	*sl_jwt_sign_user(const struct sl_conf *, const json_t *claims);
/* Verify a token signed by this project (HS256 with the secret, or ES256
 * with our key); checks alg against the key before decoding, exp/nbf/iat
 * with SL_JWT_LEEWAY. *claims gets a new reference. *why a static reason
 * such as "JWT expired" (PostgREST wording). */
int	 sl_jwt_verify(const struct sl_conf *, const char *token,
	    json_t **claims, const char **why);
char	*sl_jwks_json(const struct sl_conf *);	/* {"keys":[...]} */

/* PostgREST's error code for a reason from sl_jwt_verify(): "PGRST303"
 * for the claims errors ("JWT expired", ...), "PGRST301" for the rest. */
const char *sl_jwt_why_code(const char *why);

#endif /* SL_JWT_H */
