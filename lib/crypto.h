/*
 * crypto.h -- small, hard-to-misuse wrappers around OpenSSL 3 EVP:
 * AES-256-GCM sealing with associated data, a 32-byte key with a key id,
 * HKDF-SHA256, strict base64 and hex, constant-time comparison, wiping.
 * Knows nothing about tenants or MCP (the AAD layout of tenant secrets is
 * src/store/target.c's business).
 *
 * Sealed layout (crypto_seal's output, crypto_open's input):
 *
 *     nonce (CRYPTO_NONCE_LEN = 12 random bytes) || ciphertext || tag (16)
 *
 * The ciphertext has the plaintext's length (GCM is a stream mode). The
 * nonce is fresh from RAND_bytes for every seal; with random 96-bit nonces
 * one key stays within NIST SP 800-38D's bound (collision probability
 * below 2^-32) for up to 2^32 seals, far beyond any tenant-secret volume.
 *
 * Keys (struct crypto_key): 32 bytes plus a key id ("kid") naming them, so
 * a ciphertext says which key sealed it and keys can be rotated. The text
 * form parsed by crypto_key_parse() (the master key file, one line):
 *
 *     <64 hex digits>              kid = first 8 hex digits of
 *                                  SHA-256(the 32 key bytes), lowercase
 *     <kid>:<64 hex digits>        kid given, [A-Za-z0-9._-]{1,32}
 *
 * Hex digits in either case. Nothing else is accepted (no blanks, no
 * trailing newline: the config loader strips one). Generate a key with
 *     openssl rand -hex 32 > master-key && chmod 600 master-key
 * and compute its default kid with
 *     xxd -r -p master-key | sha256sum | cut -c1-8
 *
 * A key ring (struct crypto_keyring, for rotation) is up to
 * CRYPTO_KEYRING_MAX such keys separated by ",", still one line:
 *     <current key>[,<previous key>...]
 * The first key seals; every key opens what it sealed (found by kid).
 * Key ids must differ.
 *
 * Contracts:
 *  - Every int function returns 0 on success and -1 on failure, unless it
 *    says otherwise. Output bufs follow buf.h: an append that fails
 *    releases the buffer.
 *  - crypto_open() authenticates before it hands out anything: on -1 (a
 *    wrong key, wrong AAD, any changed byte of nonce, ciphertext or tag, a
 *    truncated input) out is untouched and no plaintext byte has left the
 *    function (the scratch copy is wiped). The plaintext is appended with
 *    ONE append: give it an empty buf so that no partial copy of a secret
 *    is left behind by a realloc; release it with buf_release_secret().
 *  - Functions never print or log; key bytes never appear in any output
 *    other than the derived ones they are asked for.
 *  - NULL pointers are accepted only where a length of 0 goes with them
 *    (aad, pt).
 */
#ifndef MCP_CRYPTO_H
#define MCP_CRYPTO_H

#include <stddef.h>

#include "buf.h"

#define CRYPTO_KEY_LEN		32	/* AES-256 */
#define CRYPTO_NONCE_LEN	12	/* GCM's 96-bit IV (SP 800-38D 8.2.2) */
#define CRYPTO_TAG_LEN		16	/* full 128-bit tag, never truncated */
#define CRYPTO_SEAL_OVERHEAD	(CRYPTO_NONCE_LEN + CRYPTO_TAG_LEN)
#define CRYPTO_KID_MAX		32	/* key id characters */
#define CRYPTO_KID_DERIVED	8	/* hex chars of a derived key id */
#define CRYPTO_SEAL_MAX		(1024 * 1024) /* plaintext bytes one call
					   takes; keeps int lengths safe */

#define CRYPTO_KEYRING_MAX	4	/* current + previous keys */

struct crypto_key {
	unsigned char	 key[CRYPTO_KEY_LEN];
	char		 kid[CRYPTO_KID_MAX + 1];
	int		 set;		/* 1 once parsed */
};

struct crypto_keyring {
	struct crypto_key keys[CRYPTO_KEYRING_MAX]; /* [0] is current */
	size_t		 n;
};

/* Empty key (set = 0). */
void	 crypto_key_init(struct crypto_key *);
/* Parse the text form above from (p, len). -1: malformed (k stays unset);
 * the input is not echoed anywhere. */
int	 crypto_key_parse(struct crypto_key *, const char *, size_t);
/* Wipe and reset to unset. */
void	 crypto_key_release(struct crypto_key *);
/* 1 when (p, len) is a well-formed key id: [A-Za-z0-9._-]{1,32}. */
int	 crypto_kid_valid(const char *, size_t);

/* Empty ring. */
void	 crypto_keyring_init(struct crypto_keyring *);
/* Parse "<key>[,<key>...]" from (p, len); -1: malformed, too many keys,
 * or a kid twice (the ring is then empty). */
int	 crypto_keyring_parse(struct crypto_keyring *, const char *, size_t);
/* The key with this kid, or NULL. */
const struct crypto_key *crypto_keyring_find(const struct crypto_keyring *,
	    const char *kid);
/* Wipe every key and empty the ring. */
void	 crypto_keyring_release(struct crypto_keyring *);

/* AES-256-GCM: append nonce || ct || tag of (pt, ptlen) to out. */
int	 crypto_seal(const unsigned char key[CRYPTO_KEY_LEN], const void *aad,
	    size_t aadlen, const void *pt, size_t ptlen, struct buf *out);
/* Reverse of crypto_seal: append the plaintext of (in, inlen) to out. */
int	 crypto_open(const unsigned char key[CRYPTO_KEY_LEN], const void *aad,
	    size_t aadlen, const void *in, size_t inlen, struct buf *out);

/* HKDF-SHA256 (RFC 5869) without salt: outlen bytes (1..255*32). */
int	 crypto_hkdf_sha256(const void *ikm, size_t ikmlen, const char *info,
	    unsigned char *out, size_t outlen);
/* n bytes from the CSPRNG (RAND_bytes). */
int	 crypto_random(void *, size_t);

/* n bytes as 2*n lowercase hex digits and a NUL into out (2*n + 1). */
void	 crypto_hex_encode(char *out, const void *p, size_t n);
/* Exactly outlen bytes from 2*outlen hex digits (either case). */
int	 crypto_hex_decode(unsigned char *out, size_t outlen, const char *,
	    size_t);

/* 1 when the n bytes at a and b are equal, in time independent of them. */
int	 crypto_memeq(const void *a, const void *b, size_t n);
/* explicit_bzero: not optimised away. NULL with n 0 is fine. */
void	 crypto_wipe(void *, size_t);

#endif /* MCP_CRYPTO_H */
