/*
 * uuid.c -- UUIDv7 generation and validation; see uuid.h.
 */
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "uuid.h"

void
uuid_v7_from(char out[UUID_STRLEN + 1], uint64_t unix_ms,
    const unsigned char rnd[10])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char	 b[16];
	size_t		 i, o = 0;

	/* RFC 9562 5.7: unix_ts_ms(48) ver(4) rand_a(12) var(2) rand_b(62). */
	for (i = 0; i < 6; i++)
		b[i] = (unsigned char)(unix_ms >> (8 * (5 - i)));
	memcpy(b + 6, rnd, 10);
	b[6] = (unsigned char)(0x70 | (b[6] & 0x0f));
	b[8] = (unsigned char)(0x80 | (b[8] & 0x3f));
	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[b[i] >> 4];
		out[o++] = hex[b[i] & 0x0f];
	}
	out[o] = '\0';
}

int
uuid_v7(char out[UUID_STRLEN + 1])
{
	struct timespec	 now;
	unsigned char	 rnd[10];

	out[0] = '\0';
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return -1;
	clock_gettime(CLOCK_REALTIME, &now);
	uuid_v7_from(out, (uint64_t)now.tv_sec * 1000 +
	    (uint64_t)now.tv_nsec / 1000000, rnd);
	return 0;
}

int
uuid_is_valid(const char *p, size_t len)
{
	size_t	 i;

	if (p == NULL || len != UUID_STRLEN)
		return 0;
	for (i = 0; i < len; i++) {
		char c = p[i];

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return 0;
		} else if (!((c >= '0' && c <= '9') ||
		    (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			return 0;
	}
	return 1;
}
