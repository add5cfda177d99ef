/*
 * uuid.h -- UUIDv7 (RFC 9562 section 5.7) for request ids and checks of
 * UUIDs coming from outside (user ids in tokens, row ids).
 *
 * uuid_v7() writes the canonical lowercase 36-character form plus a NUL
 * into out: 48 bits of Unix time in milliseconds, the version and variant
 * bits, and 74 random bits from OpenSSL's RAND_bytes (a CSPRNG). Ids made
 * in later milliseconds sort after earlier ones; two ids of the same
 * millisecond are in random order (no counter: uniqueness, not ordering
 * within a millisecond, is what request ids need). Returns 0, or -1 when
 * the random generator fails (out is then an empty string).
 *
 * uuid_is_valid() is 1 when (p, len) is the canonical 8-4-4-4-12 hex form
 * of any version (either case), else 0. NULL p is invalid.
 */
#ifndef MCP_UUID_H
#define MCP_UUID_H

#include <stddef.h>
#include <stdint.h>

#define UUID_STRLEN	36

int	 uuid_v7(char out[UUID_STRLEN + 1]);
/* The same from a given time and 10 random bytes (tests, determinism). */
void	 uuid_v7_from(char out[UUID_STRLEN + 1], uint64_t unix_ms,
	    const unsigned char rnd[10]);
int	 uuid_is_valid(const char *, size_t);

#endif /* MCP_UUID_H */
