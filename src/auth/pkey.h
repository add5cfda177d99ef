/*
 * pkey.h -- the platform's own token signing key (platform_signing_key_file:
 * an EC P-256 private key, PEM), parsed once per process.
 *
 * auth.c signs and checks platform tokens with it; wellknown.c publishes
 * its public half as a JWK (/.well-known/jwks.json). Both import this
 * module, neither the other.
 *
 * The parsed key is keyed by a SHA-256 digest of the PEM, so a test (or a
 * re-loaded configuration) with another key is never served the old one.
 * State: one parsed key per process; pkey_release() frees it (tests,
 * exit, auth_cache_release()).
 */
#ifndef MCP_PKEY_H
#define MCP_PKEY_H

#include <stddef.h>

#include <jansson.h>

#include "config.h"

/*
 * Make the parsed key match cfg's: 0 ready, 1 no key configured, -1 not a
 * usable EC P-256 key (logged).
 */
int	 pkey_load(const struct config *);
/* After pkey_load() returned 0: the RFC 7638 thumbprint kid, and the
 * SubjectPublicKeyInfo PEM (len bytes); borrowed until the next
 * pkey_load() or pkey_release(). */
const char *pkey_kid(void);
const char *pkey_public_pem(size_t *len);
/* The public JWK (NEW reference), NULL with 0 when no signing key is
 * configured; -1 on failure. */
int	 pkey_jwk(const struct config *, json_t **jwk);
void	 pkey_release(void);

#endif /* MCP_PKEY_H */
