/*
 * pkey.c -- the platform's signing key, parsed once; see pkey.h.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "auth/pkey.h"
#include "buf.h"
#include "jwks.h"
#include "jwtx.h"
#include "log.h"
#include "product_limits.h"

#define PKEY_MOD	"pkey"
#define PKEY_SHA256	32

static struct {
	int		 ready;
	unsigned char	 digest[PKEY_SHA256];	/* of the private key PEM */
	char		*pub_pem;		/* SubjectPublicKeyInfo PEM */
	size_t		 pub_len;
	char		 kid[LIMIT_JWT_KID + 1];
	json_t		*jwk;
} pkey;

void
pkey_release(void)
{
	free(pkey.pub_pem);
	json_decref(pkey.jwk);
	memset(&pkey, 0, sizeof(pkey));
}

int
pkey_load(const struct config *cfg)
{
	const struct buf	*k = &cfg->platform_signing_key;
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0;
	struct buf		 pub;
	json_t			*jwk = NULL;
	char			 kid[LIMIT_JWT_KID + 1];
	int			 rc = -1;

	if (k->len == 0)
		return 1;
	if (EVP_Digest(k->data, k->len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != PKEY_SHA256)
		return -1;
	if (pkey.ready && CRYPTO_memcmp(md, pkey.digest, PKEY_SHA256) == 0)
		return 0;
	pkey_release();
	buf_init(&pub, LIMIT_SECRET_FILE);
	if (jwks_pem_public(k->data, k->len, &pub) == -1 ||
	    jwks_pem_to_jwk(k->data, k->len, &jwk, kid, sizeof(kid)) == -1 ||
	    jwtx_json_str(jwk, "alg") == NULL ||
	    strcmp(jwtx_json_str(jwk, "alg"), "ES256") != 0) {
		log_error(PKEY_MOD, "platform_signing_key_file: not a usable "
		    "EC P-256 key");
		goto out;
	}
	pkey.pub_len = pub.len;
	pkey.pub_pem = buf_detach(&pub);
	pkey.jwk = jwk;
	jwk = NULL;
	memcpy(pkey.kid, kid, sizeof(kid));
	memcpy(pkey.digest, md, PKEY_SHA256);
	pkey.ready = 1;
	rc = 0;
out:
	explicit_bzero(md, sizeof(md));
	json_decref(jwk);
	buf_release(&pub);
	return rc;
}

const char *
pkey_kid(void)
{
	return pkey.kid;
}

const char *
pkey_public_pem(size_t *len)
{
	*len = pkey.pub_len;
	return pkey.pub_pem;
}

int
pkey_jwk(const struct config *cfg, json_t **jwk)
{
	int	 st;

	*jwk = NULL;
	if ((st = pkey_load(cfg)) != 0)
		return st == 1 ? 0 : -1;
	if ((*jwk = json_deep_copy(pkey.jwk)) == NULL)
		return -1;
	return 0;
}
