/*
 * test_jwks.c -- JWK to PEM (EC P-256 -> ES256, RSA -> RS256), what a
 * JWKS may not smuggle in (oct keys, other curves, small RSA, points off
 * the curve, alg/use/key_ops for something else, duplicate kids), RFC 7638
 * thumbprints, our own keys as JWKs, and the cache against a stub server:
 * TTL from max-age, one re-fetch per interval on an unknown kid, key
 * rotation, stale keys while the issuer is down.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "httpc.h"
#include "jwks.h"
#include "t.h"
#include "tkeys.h"
#include "tstub.h"

static struct tkeys_key	 ec1, ec2, rsa, rsa1024, p384;
static char		 test_dir[512], doc_path[600], cc_path[600],
			 log_path[600];
static int		 test_port;

/* GET /jwks.json: doc_path's contents, Cache-Control from cc_path. */
static void
test_stub(int fd, const char *req, size_t len)
{
	char	*doc, *cc, extra[256] = "";

	tstub_log(log_path, req, len);
	if (strncmp(req, "GET /jwks.json ", 15) != 0) {
		tstub_answer(fd, 404, "", "{}");
		return;
	}
	doc = tstub_slurp(doc_path);
	cc = tstub_slurp(cc_path);
	if (cc != NULL && *cc != '\0')
		snprintf(extra, sizeof(extra), "Cache-Control: %s\r\n", cc);
	if (doc != NULL && strcmp(doc, "500") == 0)
		tstub_answer(fd, 500, "", "{}");
	else
		tstub_answer(fd, 200, extra, doc != NULL ? doc : "");
	free(cc);
	free(doc);
}

/* The public JWK of a PEM as compact JSON members (no braces). */
static char *
test_jwk_members(const char *pem, const char *field)
{
	json_t		*jwk = NULL;
	const char	*v;
	char		*s = NULL;

	if (jwks_pem_to_jwk(pem, strlen(pem), &jwk, NULL, 0) == -1)
		return NULL;
	if ((v = jsonx_str(jwk, field)) != NULL)
		s = strdup(v);
	json_decref(jwk);
	return s;
}

static char	*ecx, *ecy, *ec2y, *rsan, *rsae, *rsan1024;

/* Expand @X@ @Y@ @Y2@ @N@ @E@ @N1024@ in t into out. */
static void
test_expand(const char *t, struct buf *out)
{
	static const struct {
		const char	 *tag;
		char		**val;
	} tags[] = {
		{ "@X@", &ecx }, { "@Y@", &ecy }, { "@Y2@", &ec2y },
		{ "@N@", &rsan }, { "@E@", &rsae }, { "@N1024@", &rsan1024 },
	};
	size_t	 i;

	while (*t != '\0') {
		for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
			size_t n = strlen(tags[i].tag);

			if (strncmp(t, tags[i].tag, n) == 0) {
				buf_appends(out, *tags[i].val);
				t += n;
				break;
			}
		}
		if (i == sizeof(tags) / sizeof(tags[0]))
			buf_appendc(out, *t++);
	}
}

#define ECK(extra)	"{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"@X@\"," \
			"\"y\":\"@Y@\"" extra "}"
#define RSAK(extra)	"{\"kty\":\"RSA\",\"n\":\"@N@\",\"e\":\"@E@\"" extra "}"

static void
test_one_key(void)
{
	static const struct {
		int		 line;
		const char	*jwk;
		int		 kept;
		enum jwtx_alg	 alg;
	} cases[] = {
		{ __LINE__, ECK(",\"kid\":\"e1\",\"alg\":\"ES256\",\"use\":"
		    "\"sig\",\"key_ops\":[\"verify\"]"), 1, JWTX_ALG_ES256 },
		{ __LINE__, ECK(""), 1, JWTX_ALG_ES256 },
		{ __LINE__, ECK(",\"key_ops\":[\"sign\",\"verify\"]"), 1,
		    JWTX_ALG_ES256 },
		{ __LINE__, ECK(",\"alg\":\"RS256\""), 0, 0 },
		{ __LINE__, ECK(",\"alg\":\"ES384\""), 0, 0 },
		{ __LINE__, ECK(",\"alg\":\"HS256\""), 0, 0 },
		{ __LINE__, ECK(",\"use\":\"enc\""), 0, 0 },
		{ __LINE__, ECK(",\"use\":1"), 0, 0 },
		{ __LINE__, ECK(",\"key_ops\":[\"sign\"]"), 0, 0 },
		{ __LINE__, ECK(",\"key_ops\":\"verify\""), 0, 0 },
		{ __LINE__, ECK(",\"kid\":7"), 0, 0 },
		{ __LINE__, ECK(",\"kid\":\"a b\""), 0, 0 },
		{ __LINE__, ECK(",\"kid\":\"\""), 0, 0 },
		{ __LINE__, "{\"kty\":\"EC\",\"crv\":\"P-384\",\"x\":\"@X@\","
		    "\"y\":\"@Y@\"}", 0, 0 },
		{ __LINE__, "{\"kty\":\"EC\",\"x\":\"@X@\",\"y\":\"@Y@\"}", 0,
		    0 },
		/* A point that is not on the curve. */
		{ __LINE__, "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"@X@\","
		    "\"y\":\"@Y2@\"}", 0, 0 },
		{ __LINE__, "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AAAA\","
		    "\"y\":\"@Y@\"}", 0, 0 },
		{ __LINE__, "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"@X@=\","
		    "\"y\":\"@Y@\"}", 0, 0 },
		{ __LINE__, "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"@X@\"}",
		    0, 0 },
		{ __LINE__, RSAK(",\"kid\":\"r1\",\"alg\":\"RS256\",\"use\":"
		    "\"sig\""), 1, JWTX_ALG_RS256 },
		{ __LINE__, RSAK(""), 1, JWTX_ALG_RS256 },
		{ __LINE__, RSAK(",\"alg\":\"PS256\""), 0, 0 },
		{ __LINE__, RSAK(",\"alg\":\"RS512\""), 0, 0 },
		{ __LINE__, "{\"kty\":\"RSA\",\"n\":\"@N1024@\",\"e\":\"@E@\"}",
		    0, 0 },
		{ __LINE__, "{\"kty\":\"RSA\",\"n\":\"@N@\"}", 0, 0 },
		{ __LINE__, "{\"kty\":\"RSA\",\"n\":\"@N@\",\"e\":\"\"}", 0, 0 },
		/* Symmetric keys are never taken from a JWKS. */
		{ __LINE__, "{\"kty\":\"oct\",\"k\":\"c2VjcmV0LXNlY3JldC1zZWNy"
		    "ZXQtc2VjcmV0LXNlY3JldA\",\"alg\":\"HS256\"}", 0, 0 },
		{ __LINE__, "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":"
		    "\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}", 0, 0 },
		{ __LINE__, "{\"crv\":\"P-256\",\"x\":\"@X@\",\"y\":\"@Y@\"}",
		    0, 0 },
		{ __LINE__, "\"EC\"", 0, 0 },
		{ __LINE__, "null", 0, 0 },
	};
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct jwks	 set;
		struct buf	 doc;
		char		 err[256];

		jwks_init(&set);
		buf_init(&doc, 65536);
		buf_appends(&doc, "{\"keys\":[");
		test_expand(cases[i].jwk, &doc);
		buf_appends(&doc, "]}");
		T_LINE(jwks_parse(&set, doc.data, doc.len, err,
		    sizeof(err)) == 0, cases[i].line);
		T_LINE(set.n == (cases[i].kept ? 1u : 0u) &&
		    set.skipped == (cases[i].kept ? 0u : 1u), cases[i].line);
		if (cases[i].kept && set.n == 1) {
			const char *want = cases[i].alg == JWTX_ALG_ES256 ?
			    ec1.pub : rsa.pub;

			T_LINE(set.keys[0].alg == cases[i].alg &&
			    strcmp(set.keys[0].material, want) == 0 &&
			    set.keys[0].len == strlen(want), cases[i].line);
		}
		jwks_release(&set);
		buf_release(&doc);
	}
}

static void
test_documents(void)
{
	static const struct {
		int		 line;
		const char	*doc;
		int		 rc;
	} cases[] = {
		{ __LINE__, "{\"keys\":[]}", 0 },
		{ __LINE__, "{\"keys\":[],\"other\":1}", 0 },
		{ __LINE__, "", -1 },
		{ __LINE__, "{}", -1 },
		{ __LINE__, "[]", -1 },
		{ __LINE__, "{\"keys\":{}}", -1 },
		{ __LINE__, "{\"keys\":[],\"keys\":[]}", -1 },
		{ __LINE__, "{\"keys\":[", -1 },
	};
	struct jwks	 set;
	struct buf	 big;
	char		 err[256];
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		jwks_init(&set);
		T_LINE(jwks_parse(&set, cases[i].doc, strlen(cases[i].doc),
		    err, sizeof(err)) == cases[i].rc, cases[i].line);
		T_LINE(set.n == 0, cases[i].line);
		jwks_release(&set);
	}

	/* Too big a document; a failed parse keeps the previous keys. */
	jwks_init(&set);
	buf_init(&big, LIMIT_JWKS_DOC * 2);
	buf_appends(&big, "{\"keys\":[");
	test_expand(ECK(",\"kid\":\"e1\""), &big);
	buf_appends(&big, "]}");
	T(jwks_parse(&set, big.data, big.len, err, sizeof(err)) == 0 &&
	    set.n == 1);
	buf_reset(&big);
	buf_appends(&big, "{\"keys\":[], \"pad\":\"");
	while (big.len <= LIMIT_JWKS_DOC)
		buf_appends(&big, "xxxxxxxxxxxxxxxx");
	buf_appends(&big, "\"}");
	T(jwks_parse(&set, big.data, big.len, err, sizeof(err)) == -1 &&
	    strstr(err, "larger") != NULL);
	T(set.n == 1);
	T(jwks_parse(&set, "{", 1, err, sizeof(err)) == -1 && set.n == 1);
	buf_release(&big);
	jwks_release(&set);
}

/* Duplicates, the LIMIT_JWKS_KEYS cap, lookup, and real signatures. */
static void
test_set(void)
{
	struct jwks		 set;
	struct buf		 doc;
	const struct jwtx_key	*k;
	struct jwtx		 jwt;
	struct jwtx_policy	 pol;
	char			 err[256], *tok;
	const char		*why;
	size_t			 i;

	jwks_init(&set);
	jwtx_init(&jwt);
	buf_init(&doc, 1 << 20);
	buf_appends(&doc, "{\"keys\":[");
	test_expand(ECK(",\"kid\":\"e1\""), &doc);
	buf_appends(&doc, ",");
	test_expand(RSAK(",\"kid\":\"e1\""), &doc);	/* duplicate kid */
	buf_appends(&doc, ",");
	test_expand(RSAK(",\"kid\":\"r1\""), &doc);
	buf_appends(&doc, ",");
	test_expand(ECK(""), &doc);			/* kid-less */
	buf_appends(&doc, ",");
	test_expand(ECK(""), &doc);			/* second kid-less */
	buf_appends(&doc, "]}");
	T(jwks_parse(&set, doc.data, doc.len, err, sizeof(err)) == 0);
	T(set.n == 3 && set.skipped == 2);
	T((k = jwks_find(&set, JWTX_ALG_ES256, "e1")) != NULL &&
	    k->alg == JWTX_ALG_ES256 && strcmp(k->kid, "e1") == 0);
	/* By kid, whatever the alg: jwtx_verify() refuses the mismatch. */
	T((k = jwks_find(&set, JWTX_ALG_RS256, "e1")) != NULL &&
	    k->alg == JWTX_ALG_ES256);
	T((k = jwks_find(&set, JWTX_ALG_RS256, "r1")) != NULL &&
	    k->alg == JWTX_ALG_RS256);
	T(jwks_find(&set, JWTX_ALG_ES256, "nope") == NULL);
	T((k = jwks_find(&set, JWTX_ALG_ES256, NULL)) != NULL &&
	    k->kid == NULL);
	T(jwks_find(&set, JWTX_ALG_RS256, NULL) == NULL);

	/* Tokens signed by the private keys verify with the JWKS keys. */
	memset(&pol, 0, sizeof(pol));
	pol.algs = JWTX_ALLOW(JWTX_ALG_ES256) | JWTX_ALLOW(JWTX_ALG_RS256);
	pol.leeway = LIMIT_JWT_LEEWAY;
	tok = tkeys_sign(JWTX_ALG_ES256, ec1.priv, "e1", "{\"exp\":9999999999}");
	T(tok != NULL && jwtx_parse(&jwt, tok, strlen(tok), &why) == 0);
	T(jwtx_verify(&jwt, jwks_find(&set, jwt.alg, jwt.kid), &pol,
	    &why) == 0);
	free(tok);
	tok = tkeys_sign(JWTX_ALG_RS256, rsa.priv, "r1", "{\"exp\":9999999999}");
	T(tok != NULL && jwtx_parse(&jwt, tok, strlen(tok), &why) == 0);
	T(jwtx_verify(&jwt, jwks_find(&set, jwt.alg, jwt.kid), &pol,
	    &why) == 0);
	free(tok);
	/* An RS256 token carrying the EC key's kid. */
	tok = tkeys_sign(JWTX_ALG_RS256, rsa.priv, "e1", "{\"exp\":9999999999}");
	T(tok != NULL && jwtx_parse(&jwt, tok, strlen(tok), &why) == 0);
	T(jwtx_verify(&jwt, jwks_find(&set, jwt.alg, jwt.kid), &pol,
	    &why) == -1 && strstr(why, "another alg") != NULL);
	free(tok);
	/* An ES256 token by another key under a published kid. */
	tok = tkeys_sign(JWTX_ALG_ES256, ec2.priv, "e1", "{\"exp\":9999999999}");
	T(tok != NULL && jwtx_parse(&jwt, tok, strlen(tok), &why) == 0);
	T(jwtx_verify(&jwt, jwks_find(&set, jwt.alg, jwt.kid), &pol,
	    &why) == -1 && strcmp(why, "bad signature") == 0);
	free(tok);

	/* At most LIMIT_JWKS_KEYS keys are kept. */
	buf_reset(&doc);
	buf_appends(&doc, "{\"keys\":[");
	for (i = 0; i < LIMIT_JWKS_KEYS + 4; i++) {
		if (i > 0)
			buf_appends(&doc, ",");
		buf_printf(&doc, "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\","
		    "\"y\":\"%s\",\"kid\":\"k%zu\"}", ecx, ecy, i);
	}
	buf_appends(&doc, "]}");
	T(jwks_parse(&set, doc.data, doc.len, err, sizeof(err)) == 0);
	T(set.n == LIMIT_JWKS_KEYS && set.skipped == 4);
	T(jwks_find(&set, JWTX_ALG_ES256, "k0") != NULL);
	T(jwks_find(&set, JWTX_ALG_ES256, "k16") == NULL);

	jwtx_release(&jwt);
	buf_release(&doc);
	jwks_release(&set);
}

static void
test_own_keys(void)
{
	/* RFC 7638 section 3.1 (the RFC 7517 A.1 key). */
	static const char rfc_n[] =
	    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86z"
	    "wu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5Js"
	    "GY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMic"
	    "AtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-"
	    "bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csF"
	    "Cur-kEgU8awapJzKnqDKgw";
	json_t		*jwk, *jwk2;
	char		 tp[64], kid[64], kid2[64];
	enum jwtx_alg	 alg;
	int		 priv;
	struct buf	 pub;
	BIO		*b;
	EVP_PKEY	*k;
	char		*enc = NULL, *p, pass[] = "pass";
	long		 n;

	jwk = json_pack("{s:s, s:s, s:s, s:s}", "kty", "RSA", "n", rfc_n,
	    "e", "AQAB", "alg", "RS256");
	T(jwks_thumbprint(jwk, tp, sizeof(tp)) == 0 &&
	    strcmp(tp, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs") == 0);
	T(jwks_thumbprint(jwk, tp, 10) == -1);
	json_object_set_new(jwk, "n", json_string("a\"b"));
	T(jwks_thumbprint(jwk, tp, sizeof(tp)) == -1);
	json_decref(jwk);
	jwk = json_pack("{s:s, s:s}", "kty", "oct", "k", "AAAA");
	T(jwks_thumbprint(jwk, tp, sizeof(tp)) == -1);
	json_decref(jwk);

	/* The private and the public PEM give the same public JWK. */
	T(jwks_pem_to_jwk(ec1.priv, strlen(ec1.priv), &jwk, kid,
	    sizeof(kid)) == 0);
	T(jwks_pem_to_jwk(ec1.pub, strlen(ec1.pub), &jwk2, kid2,
	    sizeof(kid2)) == 0);
	T(strcmp(kid, kid2) == 0 && strlen(kid) == 43);
	T(json_equal(jwk, jwk2));
	T(json_object_get(jwk, "d") == NULL);
	T(strcmp(jsonx_str(jwk, "kid"), kid) == 0 &&
	    strcmp(jsonx_str(jwk, "alg"), "ES256") == 0 &&
	    strcmp(jsonx_str(jwk, "use"), "sig") == 0 &&
	    strcmp(jsonx_str(jwk, "crv"), "P-256") == 0 &&
	    strlen(jsonx_str(jwk, "x")) == 43);
	T(jwks_thumbprint(jwk, tp, sizeof(tp)) == 0 && strcmp(tp, kid) == 0);
	json_decref(jwk);
	json_decref(jwk2);
	T(jwks_pem_to_jwk(rsa.priv, strlen(rsa.priv), &jwk, kid,
	    sizeof(kid)) == 0);
	T(json_object_get(jwk, "d") == NULL && json_object_get(jwk, "p") ==
	    NULL && strcmp(jsonx_str(jwk, "e"), "AQAB") == 0 &&
	    strcmp(jsonx_str(jwk, "alg"), "RS256") == 0);
	json_decref(jwk);
	T(jwks_pem_to_jwk(p384.priv, strlen(p384.priv), &jwk, kid,
	    sizeof(kid)) == -1 && jwk == NULL);
	T(jwks_pem_to_jwk(rsa1024.priv, strlen(rsa1024.priv), &jwk, kid,
	    sizeof(kid)) == -1);
	T(jwks_pem_to_jwk("junk", 4, &jwk, kid, sizeof(kid)) == -1);

	T(jwks_pem_info(ec1.priv, strlen(ec1.priv), &alg, &priv) == 0 &&
	    alg == JWTX_ALG_ES256 && priv == 1);
	T(jwks_pem_info(ec1.pub, strlen(ec1.pub), &alg, &priv) == 0 &&
	    alg == JWTX_ALG_ES256 && priv == 0);
	T(jwks_pem_info(rsa.priv, strlen(rsa.priv), &alg, &priv) == 0 &&
	    alg == JWTX_ALG_RS256 && priv == 1);
	T(jwks_pem_info(p384.priv, strlen(p384.priv), &alg, &priv) == -1);
	T(jwks_pem_info(rsa1024.pub, strlen(rsa1024.pub), &alg, &priv) == -1);
	T(jwks_pem_info("", 0, &alg, &priv) == -1);
	T(jwks_pem_info(ec1.pub, 20, &alg, &priv) == -1);

	/* An encrypted key is refused without asking for a passphrase. */
	b = BIO_new_mem_buf(ec1.priv, -1);
	k = b != NULL ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
	b = BIO_new(BIO_s_mem());
	if (b != NULL && k != NULL && PEM_write_bio_PrivateKey(b, k,
	    EVP_aes_256_cbc(), NULL, 0, NULL, pass) == 1 &&
	    (n = BIO_get_mem_data(b, &p)) > 0)
		enc = strndup(p, (size_t)n);
	BIO_free(b);
	EVP_PKEY_free(k);
	T(enc != NULL && strstr(enc, "ENCRYPTED") != NULL);
	T(enc != NULL && jwks_pem_info(enc, strlen(enc), &alg, &priv) == -1);
	free(enc);

	buf_init(&pub, 4096);
	T(jwks_pem_public(ec1.priv, strlen(ec1.priv), &pub) == 0 &&
	    strcmp(pub.data, ec1.pub) == 0);
	buf_release(&pub);
}

static void
test_fetch_and_cache(void)
{
	struct jwks_cache	 c;
	struct jwks		 set;
	const struct jwtx_key	*k;
	const char		*why;
	char			 url[128], err[256], *log;
	struct buf		 doc1, doc2;
	long			 age;
	time_t			 t = 1000000;

	buf_init(&doc1, 65536);
	buf_init(&doc2, 65536);
	buf_appends(&doc1, "{\"keys\":[");
	test_expand(ECK(",\"kid\":\"e1\""), &doc1);
	buf_appends(&doc1, "]}");
	buf_appends(&doc2, "{\"keys\":[");
	test_expand(ECK(",\"kid\":\"e1\""), &doc2);
	buf_appends(&doc2, ",");
	test_expand(RSAK(",\"kid\":\"r2\""), &doc2);
	buf_appends(&doc2, "]}");
	tstub_write_file(doc_path, doc1.data);
	tstub_write_file(cc_path, "public, max-age=600");
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/jwks.json",
	    test_port);

	/* jwks_fetch and the max-age clamp. */
	jwks_init(&set);
	T(jwks_fetch(&set, url, 0, &age, err, sizeof(err)) == 0 &&
	    set.n == 1 && age == 600);
	tstub_write_file(cc_path, "max-age=5");
	T(jwks_fetch(&set, url, 0, &age, err, sizeof(err)) == 0 &&
	    age == LIMIT_JWKS_REFETCH);
	tstub_write_file(cc_path, "no-cache, max-age=99999999");
	T(jwks_fetch(&set, url, 0, &age, err, sizeof(err)) == 0 &&
	    age == LIMIT_JWKS_TTL_MAX);
	tstub_write_file(cc_path, "s-maxage=100");
	T(jwks_fetch(&set, url, 0, &age, err, sizeof(err)) == 0 &&
	    age == LIMIT_JWKS_TTL);
	tstub_write_file(cc_path, "");
	T(jwks_fetch(&set, url, 0, &age, err, sizeof(err)) == 0 &&
	    age == LIMIT_JWKS_TTL);
	tstub_write_file(doc_path, "500");
	T(jwks_fetch(&set, url, 0, &age, err, sizeof(err)) == -1 &&
	    strstr(err, "500") != NULL && set.n == 1);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/other", test_port);
	T(jwks_fetch(&set, url, 0, &age, err, sizeof(err)) == -1 &&
	    strstr(err, "404") != NULL);
	jwks_release(&set);
	/* No credentials go to the JWKS endpoint. */
	log = tstub_slurp(log_path);
	T(log != NULL && strcasestr(log, "apikey") == NULL &&
	    strcasestr(log, "authorization") == NULL);
	free(log);
	unlink(log_path);

	/* The cache. */
	tstub_write_file(doc_path, doc1.data);
	tstub_write_file(cc_path, "public, max-age=600");
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/jwks.json",
	    test_port);
	jwks_cache_init(&c);
	T(jwks_cache_find(&c, JWTX_ALG_ES256, "e1", t, &k, &why) == -2 &&
	    strcmp(why, "no jwks configured") == 0);
	T(jwks_cache_set_url(&c, url) == 0);
	T(jwks_cache_find(&c, JWTX_ALG_ES256, "e1", t, &k, &why) == 0 &&
	    k != NULL && c.fetches == 1);
	T(jwks_cache_find(&c, JWTX_ALG_ES256, "e1", t + 1, &k, &why) == 0 &&
	    c.fetches == 1);
	T(jwks_cache_set_url(&c, url) == 0 && c.loaded);  /* same url */

	/* Unknown kid: at most one re-fetch per LIMIT_JWKS_REFETCH. */
	T(jwks_cache_find(&c, JWTX_ALG_ES256, "zz", t + 2, &k, &why) == -1 &&
	    strcmp(why, "unknown kid") == 0 && c.fetches == 1);
	T(jwks_cache_find(&c, JWTX_ALG_ES256, "zz", t + 59, &k, &why) == -1 &&
	    c.fetches == 1);
	T(jwks_cache_find(&c, JWTX_ALG_ES256, "zz", t + 60, &k, &why) == -1 &&
	    c.fetches == 2);
	T(jwks_cache_find(&c, JWTX_ALG_ES256, "zz", t + 61, &k, &why) == -1 &&
	    c.fetches == 2);
	T(jwks_cache_find(&c, JWTX_ALG_ES256, "yy", t + 119, &k, &why) == -1 &&
	    c.fetches == 2);
	T(tstub_count(log_path) == 2);

	/* Rotation: the new kid is found on the next allowed re-fetch. */
	tstub_write_file(doc_path, doc2.data);
	T(jwks_cache_find(&c, JWTX_ALG_RS256, "r2", t + 100, &k, &why) == -1 &&
	    c.fetches == 2);
	T(jwks_cache_find(&c, JWTX_ALG_RS256, "r2", t + 120, &k, &why) == 0 &&
	    k->alg == JWTX_ALG_RS256 && c.fetches == 3);
	T(c.expires_at == t + 120 + 600);
	/* A token without kid does not match keys that have one. */
	T(jwks_cache_find(&c, JWTX_ALG_ES256, NULL, t + 121, &k, &why) == -1 &&
	    c.fetches == 3);

	/* TTL: fetched again when it runs out. */
	T(jwks_cache_find(&c, JWTX_ALG_ES256, "e1", t + 719, &k, &why) == 0 &&
	    c.fetches == 3);
	T(jwks_cache_find(&c, JWTX_ALG_ES256, "e1", t + 720, &k, &why) == 0 &&
	    c.fetches == 4);

	/* The issuer fails: the old keys serve, retried every retry s. */
	tstub_write_file(doc_path, "500");
	T(jwks_cache_find(&c, JWTX_ALG_ES256, "e1", t + 1320, &k, &why) == 0 &&
	    c.fetches == 5 && c.last_failed);
	T(jwks_cache_find(&c, JWTX_ALG_ES256, "e1", t + 1324, &k, &why) == 0 &&
	    c.fetches == 5);
	T(jwks_cache_find(&c, JWTX_ALG_ES256, "e1", t + 1325, &k, &why) == 0 &&
	    c.fetches == 6);
	tstub_write_file(doc_path, "not json");
	T(jwks_cache_find(&c, JWTX_ALG_ES256, "e1", t + 1330, &k, &why) == 0 &&
	    c.fetches == 7);
	/* ... but not past LIMIT_JWKS_STALE. */
	T(jwks_cache_find(&c, JWTX_ALG_ES256, "e1",
	    t + 1320 + LIMIT_JWKS_STALE, &k, &why) == -2 &&
	    strcmp(why, "jwks unavailable") == 0);
	/* Back: fresh again. */
	tstub_write_file(doc_path, doc1.data);
	T(jwks_cache_find(&c, JWTX_ALG_ES256, "e1",
	    t + 1330 + LIMIT_JWKS_STALE, &k, &why) == 0 && !c.last_failed);
	T(tstub_count(log_path) == (int)c.fetches);

	/* Another url empties the cache; unreachable and empty: -2. */
	T(jwks_cache_set_url(&c, "http://127.0.0.1:1/jwks.json") == 0 &&
	    !c.loaded && c.set.n == 0 && c.fetches == 0);
	c.timeout_ms = 1000;
	T(jwks_cache_find(&c, JWTX_ALG_ES256, "e1", t, &k, &why) == -2 &&
	    c.fetches == 1);
	T(jwks_cache_find(&c, JWTX_ALG_ES256, "e1", t + 1, &k, &why) == -2 &&
	    c.fetches == 1);
	T(jwks_cache_find(&c, JWTX_ALG_ES256, "e1", t + LIMIT_JWKS_RETRY, &k,
	    &why) == -2 && c.fetches == 2);
	jwks_cache_release(&c);
	buf_release(&doc2);
	buf_release(&doc1);
}

int
main(void)
{
	struct buf	 n;
	char		*full;
	pid_t		 pid;

	if (tkeys_gen_ec(&ec1) == -1 || tkeys_gen_ec(&ec2) == -1 ||
	    tkeys_gen_rsa(&rsa, 2048) == -1 ||
	    tkeys_gen_rsa(&rsa1024, 1024) == -1 ||
	    tkeys_gen_ec_curve(&p384, "P-384") == -1 ||
	    tstub_tmpdir(test_dir, sizeof(test_dir), "test_jwks") == -1) {
		printf("not ok 1 - set-up\n");
		return 1;
	}
	snprintf(doc_path, sizeof(doc_path), "%s/jwks.json", test_dir);
	snprintf(cc_path, sizeof(cc_path), "%s/cc", test_dir);
	snprintf(log_path, sizeof(log_path), "%s/log", test_dir);
	ecx = test_jwk_members(ec1.pub, "x");
	ecy = test_jwk_members(ec1.pub, "y");
	ec2y = test_jwk_members(ec2.pub, "y");
	rsan = test_jwk_members(rsa.pub, "n");
	rsae = test_jwk_members(rsa.pub, "e");
	/* The first 128 bytes of the 2048-bit modulus: a 1024-bit one. */
	buf_init(&n, 4096);
	full = NULL;
	if (rsan != NULL &&
	    base64_decode(&n, rsan, strlen(rsan), BASE64_URL) == 0) {
		struct buf e;

		buf_init(&e, 4096);
		base64_encode(&e, n.data, 128, BASE64_URL);
		full = buf_detach(&e);
	}
	rsan1024 = full;
	buf_release(&n);
	T(ecx != NULL && ecy != NULL && ec2y != NULL && rsan != NULL &&
	    rsae != NULL && rsan1024 != NULL);

	test_one_key();
	test_documents();
	test_set();
	test_own_keys();

	if ((pid = tstub_start(test_stub, &test_port)) == -1)
		return 1;
	T(httpc_global_init("test/1") == 0);
	test_fetch_and_cache();
	httpc_global_cleanup();
	tstub_stop(pid);

	unlink(doc_path);
	unlink(cc_path);
	unlink(log_path);
	rmdir(test_dir);
	free(ecx);
	free(ecy);
	free(ec2y);
	free(rsan);
	free(rsae);
	free(rsan1024);
	tkeys_free(&ec1);
	tkeys_free(&ec2);
	tkeys_free(&rsa);
	tkeys_free(&rsa1024);
	tkeys_free(&p384);
	return t_done();
}
