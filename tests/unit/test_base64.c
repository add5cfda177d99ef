/*
 * test_base64.c -- RFC 4648 section 10 vectors, both alphabets, padded and
 * not; strict decoding (bad padding, other characters, mixed alphabets,
 * non-canonical last characters); the buffer cap; every byte value; the
 * rules of sealed secrets (moved here from test_crypto.c with the codec).
 */
#include <string.h>

#include "base64.h"
#include "buf.h"
#include "t.h"

#define STD	BASE64_STD
#define URL	BASE64_URL
#define PAD	BASE64_PAD

/* RFC 4648 section 10, then bytes whose encoding uses characters 62/63. */
static void
test_vectors(void)
{
	const struct {
		int		 line;
		const char	*raw;
		size_t		 rawlen;
		const char	*std_pad, *url;
	} v[] = {
		{ __LINE__, "", 0, "", "" },
		{ __LINE__, "f", 1, "Zg==", "Zg" },
		{ __LINE__, "fo", 2, "Zm8=", "Zm8" },
		{ __LINE__, "foo", 3, "Zm9v", "Zm9v" },
		{ __LINE__, "foob", 4, "Zm9vYg==", "Zm9vYg" },
		{ __LINE__, "fooba", 5, "Zm9vYmE=", "Zm9vYmE" },
		{ __LINE__, "foobar", 6, "Zm9vYmFy", "Zm9vYmFy" },
		{ __LINE__, "\xfb\xff", 2, "+/8=", "-_8" },
		{ __LINE__, "\xfb\xef\xbe", 3, "++++", "----" },
		{ __LINE__, "\xff\xff\xff", 3, "////", "____" },
		{ __LINE__, "\0", 1, "AA==", "AA" },
		{ __LINE__, "\0\0\0\0", 4, "AAAAAA==", "AAAAAA" },
	};
	struct buf	 b;
	size_t		 i, n;

	buf_init(&b, 1024);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		n = strlen(v[i].url);
		/* Encoding: the four variants. */
		buf_reset(&b);
		T_LINE(base64_encode(&b, v[i].raw, v[i].rawlen, STD | PAD) ==
		    0 && strcmp(buf_cstr(&b), v[i].std_pad) == 0, v[i].line);
		T_LINE(b.len == BASE64_LEN_PAD(v[i].rawlen), v[i].line);
		buf_reset(&b);
		T_LINE(base64_encode(&b, v[i].raw, v[i].rawlen, URL) == 0 &&
		    strcmp(buf_cstr(&b), v[i].url) == 0, v[i].line);
		T_LINE(b.len == BASE64_LEN(v[i].rawlen), v[i].line);
		buf_reset(&b);
		T_LINE(base64_encode(&b, v[i].raw, v[i].rawlen, STD) == 0 &&
		    b.len == n, v[i].line);
		buf_reset(&b);
		T_LINE(base64_encode(&b, v[i].raw, v[i].rawlen, URL | PAD) ==
		    0 && b.len == strlen(v[i].std_pad), v[i].line);
		/* Decoding: padded with PAD, unpadded with or without it. */
		buf_reset(&b);
		T_LINE(base64_decode(&b, v[i].std_pad, strlen(v[i].std_pad),
		    STD | PAD) == 0 && b.len == v[i].rawlen &&
		    memcmp(b.data, v[i].raw, v[i].rawlen) == 0, v[i].line);
		buf_reset(&b);
		T_LINE(base64_decode(&b, v[i].url, n, URL) == 0 &&
		    b.len == v[i].rawlen &&
		    memcmp(b.data, v[i].raw, v[i].rawlen) == 0, v[i].line);
		buf_reset(&b);
		T_LINE(base64_decode(&b, v[i].url, n, STD | URL | PAD) == 0 &&
		    b.len == v[i].rawlen, v[i].line);
		/* Padding where it is not allowed. */
		if (strchr(v[i].std_pad, '=') != NULL) {
			buf_reset(&b);
			T_LINE(base64_decode(&b, v[i].std_pad,
			    strlen(v[i].std_pad), STD) == -1, v[i].line);
		}
	}
	/* An empty result is an empty C string, not NULL. */
	buf_release(&b);
	T(base64_encode(&b, NULL, 0, URL) == 0 && b.data != NULL &&
	    b.len == 0);
	buf_release(&b);
	T(base64_decode(&b, "", 0, STD) == 0 && b.data != NULL && b.len == 0);
	buf_release(&b);
}

static void
test_bad(void)
{
	const struct {
		int		 line;
		const char	*in;
		int		 flags;
	} bad[] = {
		/* Padding that does not complete the quantum exactly. */
		{ __LINE__, "Zg=", STD | PAD },
		{ __LINE__, "Zg===", STD | PAD },
		{ __LINE__, "Zm8==", STD | PAD },
		{ __LINE__, "Zm9v=", STD | PAD },
		{ __LINE__, "Zm9v====", STD | PAD },
		{ __LINE__, "=", STD | PAD },
		{ __LINE__, "====", STD | PAD },
		{ __LINE__, "Z=g=", STD | PAD },
		{ __LINE__, "Zg==Zg==", STD | PAD },
		/* A length of 1 mod 4. */
		{ __LINE__, "Z", URL },
		{ __LINE__, "Zm9vY", URL },
		/* Non-canonical: unused bits of the last character set. */
		{ __LINE__, "Zh", URL },
		{ __LINE__, "Zh==", STD | PAD },
		{ __LINE__, "Zm9", URL },
		{ __LINE__, "Zm9=", STD | PAD },
		/* Other characters, blanks, NUL. */
		{ __LINE__, "Zm9v\n", STD | PAD },
		{ __LINE__, "Zm 9v", STD },
		{ __LINE__, " Zm9v", STD },
		{ __LINE__, "Zm9v.", URL },
		{ __LINE__, "Zm*v", STD | URL | PAD },
		/* One alphabet only when asked; never both in one string. */
		{ __LINE__, "+/8=", URL | PAD },
		{ __LINE__, "-_8", STD },
		{ __LINE__, "+_8", STD | URL },
		{ __LINE__, "-/8=", STD | URL | PAD },
		/* No alphabet asked for. */
		{ __LINE__, "Zm9v", PAD },
		{ __LINE__, "Zm9v", 0 },
	};
	struct buf	 b;
	size_t		 i;

	buf_init(&b, 1024);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		buf_reset(&b);
		T_LINE(base64_decode(&b, bad[i].in, strlen(bad[i].in),
		    bad[i].flags) == -1, bad[i].line);
	}
	/* An embedded NUL ends nothing: it is a bad character. */
	buf_reset(&b);
	T(base64_decode(&b, "Zm\0v", 4, STD) == -1);
	/* NULL input with a length; encoding flags that name no alphabet or
	 * both. */
	buf_reset(&b);
	T(base64_decode(&b, NULL, 4, STD) == -1);
	T(base64_encode(&b, NULL, 1, STD) == -1);
	T(base64_encode(&b, "f", 1, 0) == -1);
	T(base64_encode(&b, "f", 1, PAD) == -1);
	T(base64_encode(&b, "f", 1, STD | URL) == -1);
	buf_release(&b);
}

/* Over the cap: -1 and the buffer released, never a cut result. */
static void
test_oversize(void)
{
	struct buf	 b;

	buf_init(&b, 7);
	T(base64_encode(&b, "foobar", 6, STD | PAD) == -1);
	T(b.data == NULL && b.len == 0);
	buf_init(&b, 8);
	T(base64_encode(&b, "foobar", 6, STD | PAD) == 0 && b.len == 8);
	buf_release(&b);
	buf_init(&b, 7);
	T(base64_encode(&b, "foob", 4, STD | PAD) == -1 && b.data == NULL);
	buf_init(&b, 6);
	T(base64_encode(&b, "foob", 4, URL) == 0 && b.len == 6);
	buf_release(&b);

	buf_init(&b, 5);
	T(base64_decode(&b, "Zm9vYmFy", 8, STD) == -1);
	T(b.data == NULL && b.len == 0);
	buf_init(&b, 6);
	T(base64_decode(&b, "Zm9vYmFy", 8, STD) == 0 && b.len == 6);
	buf_release(&b);
	buf_init(&b, 4);
	T(base64_decode(&b, "Zm9vYmE=", 8, STD | PAD) == -1 &&
	    b.data == NULL);
	buf_release(&b);
}

/*
 * The rules sealed tenant secrets are read with (src/store/target.c):
 * either alphabet, padding optional; written standard and padded.
 */
static void
test_sealed_rules(void)
{
	static const struct {
		int		 line;
		const char	*raw;
		const char	*b64;
	} enc[] = {
		/* RFC 4648 section 10. */
		{ __LINE__, "", "" },
		{ __LINE__, "f", "Zg==" },
		{ __LINE__, "fo", "Zm8=" },
		{ __LINE__, "foo", "Zm9v" },
		{ __LINE__, "foob", "Zm9vYg==" },
		{ __LINE__, "fooba", "Zm9vYmE=" },
		{ __LINE__, "foobar", "Zm9vYmFy" },
		{ __LINE__, "\xfb\xff", "+/8=" },
	};
	static const struct {
		int		 line;
		const char	*b64;
		const char	*raw;	/* NULL: refused */
	} dec[] = {
		{ __LINE__, "Zg", "f" },		/* padding optional */
		{ __LINE__, "Zm8", "fo" },
		{ __LINE__, "Zm9vYg", "foob" },
		{ __LINE__, "-_8=", "\xfb\xff" },	/* URL-safe */
		{ __LINE__, "-_8", "\xfb\xff" },
		{ __LINE__, "Zg=", NULL },		/* padding incomplete */
		{ __LINE__, "Zg===", NULL },
		{ __LINE__, "Z", NULL },
		{ __LINE__, "Z===", NULL },
		{ __LINE__, "====", NULL },
		{ __LINE__, "=", NULL },
		{ __LINE__, "Zh==", NULL },		/* non-zero spare bits */
		{ __LINE__, "Zm9=", NULL },
		{ __LINE__, "Zg==Zg==", NULL },		/* padding inside */
		{ __LINE__, "Zm9v Yg==", NULL },
		{ __LINE__, "Zm9v\nYg==", NULL },
		{ __LINE__, "+-AA", NULL },		/* mixed alphabets */
		{ __LINE__, "/_AA", NULL },
		{ __LINE__, "Zm9v!", NULL },
	};
	struct buf	 b;
	size_t		 i;
	int		 rc;

	for (i = 0; i < sizeof(enc) / sizeof(enc[0]); i++) {
		buf_init(&b, 64);
		T_LINE(base64_encode(&b, enc[i].raw, strlen(enc[i].raw),
		    STD | PAD) == 0 && strcmp(buf_cstr(&b), enc[i].b64) == 0, enc[i].line);
		buf_release(&b);
		T_LINE(base64_decode(&b, enc[i].b64, strlen(enc[i].b64),
		    STD | URL | PAD) == 0 && b.len == strlen(enc[i].raw) && (b.len == 0 ||
		    memcmp(b.data, enc[i].raw, b.len) == 0), enc[i].line);
		buf_release(&b);
	}
	for (i = 0; i < sizeof(dec) / sizeof(dec[0]); i++) {
		buf_init(&b, 64);
		rc = base64_decode(&b, dec[i].b64, strlen(dec[i].b64),
		    STD | URL | PAD);
		if (dec[i].raw == NULL)
			T_LINE(rc == -1, dec[i].line);
		else
			T_LINE(rc == 0 && b.len == strlen(dec[i].raw) &&
			    memcmp(b.data, dec[i].raw, b.len) == 0,
			    dec[i].line);
		buf_release(&b);
	}
	/* Every byte value survives. */
	{
		unsigned char	 all[256];

		for (i = 0; i < 256; i++)
			all[i] = (unsigned char)i;
		buf_init(&b, 1024);
		T(base64_encode(&b, all, sizeof(all), STD | PAD) == 0);
		{
			struct buf	 d;

			buf_init(&d, 1024);
			T(base64_decode(&d, b.data, b.len, STD | URL | PAD) == 0 &&
			    d.len == 256 && memcmp(d.data, all, 256) == 0);
			buf_release(&d);
		}
		buf_release(&b);
	}
}

/* Every byte value, each alphabet and padding: decode(encode(x)) == x. */
static void
test_roundtrip(void)
{
	const int	 variants[] = { STD, STD | PAD, URL, URL | PAD };
	unsigned char	 all[256];
	struct buf	 e, d;
	size_t		 i, k, len;
	int		 ok = 1;

	for (i = 0; i < sizeof(all); i++)
		all[i] = (unsigned char)i;
	buf_init(&e, 1024);
	buf_init(&d, 1024);
	for (k = 0; k < sizeof(variants) / sizeof(variants[0]); k++)
		for (len = 0; len <= sizeof(all); len++) {
			buf_reset(&e);
			buf_reset(&d);
			if (base64_encode(&e, all + sizeof(all) - len, len,
			    variants[k]) == -1 ||
			    base64_decode(&d, e.data, e.len,
			    variants[k]) == -1 || d.len != len ||
			    memcmp(d.data, all + sizeof(all) - len, len) != 0)
				ok = 0;
		}
	T(ok);
	buf_release(&e);
	buf_release(&d);
}

int
main(void)
{
	test_vectors();
	test_bad();
	test_oversize();
	test_sealed_rules();
	test_roundtrip();
	return t_done();
}
