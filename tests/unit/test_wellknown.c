/*
 * test_wellknown.c -- RFC 9728 protected resource metadata (path and root
 * forms), the base URL (public_base_url, else scheme/Host/script prefix
 * from the request), and the platform JWKS.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "auth/auth.h"
#include "config.h"
#include "http/io.h"
#include "jsonx.h"
#include "http/request.h"
#include "t.h"
#include "tkeys.h"
#include "auth/wellknown.h"

#define ENV_MAX	12

struct treq {
	struct request	 req;
	struct io	 io;
	char		 env[ENV_MAX][512];
	const char	*envp[ENV_MAX + 1];
};

/* envs: NULL-terminated "NAME=value" list; REQUEST_METHOD=GET added. */
static int
test_open(struct treq *t, const struct config *cfg, const char *const *envs)
{
	const char	*why;
	size_t		 n = 0;

	snprintf(t->env[n], sizeof(t->env[n]), "REQUEST_METHOD=GET");
	t->envp[n] = t->env[n];
	n++;
	for (; *envs != NULL && n < ENV_MAX; envs++, n++) {
		snprintf(t->env[n], sizeof(t->env[n]), "%s", *envs);
		t->envp[n] = t->env[n];
	}
	t->envp[n] = NULL;
	io_init_mem(&t->io, t->envp, NULL, 0, 1 << 20);
	return request_init(&t->req, &t->io, cfg, &why);
}

static void
test_close(struct treq *t)
{
	request_release(&t->req);
	io_release(&t->io);
}

static json_t *
test_body(const struct treq *t)
{
	const char *p = strstr(buf_cstr(&t->io.out), "\r\n\r\n");

	return p != NULL ? jsonx_loadb(p + 4, strlen(p + 4), 16, NULL, 0) :
	    NULL;
}

static void
test_base_url(void)
{
	static const struct {
		int		 line;
		const char	*pbu;
		const char	*env[6];
		const char	*want;	/* NULL: -1 */
	} cases[] = {
		{ __LINE__, "https://mcp.example.com", { "PATH_INFO=/x",
		    "HTTP_HOST=evil.test", NULL }, "https://mcp.example.com" },
		{ __LINE__, "https://h.example/prefix", { "PATH_INFO=/x", NULL },
		    "https://h.example/prefix" },
		{ __LINE__, NULL, { "PATH_INFO=/x", "HTTP_HOST=mcp.test", NULL },
		    "http://mcp.test" },
		{ __LINE__, NULL, { "PATH_INFO=/x", "HTTP_HOST=mcp.test:8443",
		    "HTTPS=on", NULL }, "https://mcp.test:8443" },
		{ __LINE__, NULL, { "PATH_INFO=/x", "HTTP_HOST=mcp.test",
		    "HTTPS=ON", NULL }, "https://mcp.test" },
		{ __LINE__, NULL, { "PATH_INFO=/x", "HTTP_HOST=mcp.test",
		    "HTTPS=off", NULL }, "http://mcp.test" },
		{ __LINE__, NULL, { "PATH_INFO=/x", "HTTP_HOST=mcp.test",
		    "REQUEST_SCHEME=https", NULL }, "https://mcp.test" },
		{ __LINE__, NULL, { "PATH_INFO=/x", "HTTP_HOST=[::1]:8080",
		    NULL }, "http://[::1]:8080" },
		/* A Host that could break out of the quoted header value. */
		{ __LINE__, NULL, { "PATH_INFO=/x", "HTTP_HOST=evil\"x",
		    "SERVER_NAME=srv.test", "SERVER_PORT=8080", NULL },
		    "http://srv.test:8080" },
		{ __LINE__, NULL, { "PATH_INFO=/x", "HTTP_HOST=a b",
		    "SERVER_NAME=srv.test", "SERVER_PORT=80", NULL },
		    "http://srv.test" },
		{ __LINE__, NULL, { "PATH_INFO=/x", "SERVER_NAME=srv.test",
		    "SERVER_PORT=443", "HTTPS=on", NULL }, "https://srv.test" },
		{ __LINE__, NULL, { "PATH_INFO=/x", "SERVER_NAME=srv.test",
		    "SERVER_PORT=80x", NULL }, "http://srv.test" },
		{ __LINE__, NULL, { "PATH_INFO=/x", NULL }, NULL },
		{ __LINE__, NULL, { "PATH_INFO=/x", "SERVER_NAME=a/b", NULL },
		    NULL },
		/* The script prefix of a cgi-bin install. */
		{ __LINE__, NULL, { "PATH_INFO=/mcp/acme/files",
		    "REQUEST_URI=/cgi-bin/mcp.cgi/mcp/acme/files?x=1",
		    "HTTP_HOST=mcp.test", NULL },
		    "http://mcp.test/cgi-bin/mcp.cgi" },
		{ __LINE__, NULL, { "REQUEST_URI=/mcp/acme/files",
		    "HTTP_HOST=mcp.test", NULL }, "http://mcp.test" },
		{ __LINE__, NULL, { "PATH_INFO=/mcp/acme/files",
		    "REQUEST_URI=/a\"b/mcp/acme/files", "HTTP_HOST=mcp.test",
		    NULL }, "http://mcp.test" },
		{ __LINE__, NULL, { "PATH_INFO=/mcp/acme/files",
		    "REQUEST_URI=/x.cgi/mcp/acme/fil%65s", "HTTP_HOST=mcp.test",
		    NULL }, "http://mcp.test" },
	};
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config	 cfg;
		struct treq	 t;
		struct buf	 b;
		int		 rc;

		config_init(&cfg);
		cfg.supabase_url = strdup("https://x.supabase.co");
		if (cases[i].pbu != NULL)
			cfg.public_base_url = strdup(cases[i].pbu);
		buf_init(&b, 4096);
		T_LINE(test_open(&t, &cfg, cases[i].env) == 0, cases[i].line);
		rc = request_base_url(&t.req, &b);
		if (cases[i].want == NULL)
			T_LINE(rc == -1, cases[i].line);
		else {
			T_LINE(rc == 0 && strcmp(b.data, cases[i].want) == 0,
			    cases[i].line);
			if (rc != 0 || strcmp(b.data, cases[i].want) != 0)
				printf("# got '%s'\n", buf_cstr(&b));
		}
		buf_reset(&b);
		if (cases[i].want != NULL) {
			/* The metadata URL: path form, root form. */
			T_LINE(wellknown_prm_url(&t.req, "acme", 4, "files", 5,
			    &b) == 0 && strncmp(b.data, cases[i].want,
			    strlen(cases[i].want)) == 0 &&
			    strcmp(b.data + strlen(cases[i].want),
			    "/.well-known/oauth-protected-resource/mcp/acme/"
			    "files") == 0, cases[i].line);
			buf_reset(&b);
			T_LINE(wellknown_prm_url(&t.req, "Acme", 4, "files", 5,
			    &b) == 0 && strcmp(b.data + strlen(cases[i].want),
			    "/.well-known/oauth-protected-resource") == 0,
			    cases[i].line);
		}
		buf_release(&b);
		test_close(&t);
		config_release(&cfg);
	}
}

static void
test_prm(void)
{
	static const char *const env[] = {
		"PATH_INFO=/.well-known/oauth-protected-resource/mcp/acme/files",
		"HTTP_HOST=mcp.test", NULL,
	};
	struct config		 cfg;
	struct treq		 t;
	struct route_params	 rp;
	json_t			*j, *want;
	const char		*out;

	config_init(&cfg);
	cfg.supabase_url = strdup("https://x.supabase.co");
	cfg.public_base_url = strdup("https://mcp.example.com");
	rp.n = 2;
	rp.v[0].p = "acme";
	rp.v[0].len = 4;
	rp.v[1].p = "files-2";
	rp.v[1].len = 5;		/* a slice: "files" */

	T(test_open(&t, &cfg, env) == 0);
	T(wellknown_prm(&t.req, &rp) == 0);
	out = buf_cstr(&t.io.out);
	T(strncmp(out, "Status: 200 OK\r\n", 16) == 0);
	T(strstr(out, "\r\nContent-Type: application/json") != NULL);
	T(strstr(out, "\r\nAccess-Control-Allow-Origin: *\r\n") != NULL);
	j = test_body(&t);
	want = json_pack("{s:s, s:[s], s:[s], s:[s], s:s}",
	    "resource", "https://mcp.example.com/mcp/acme/files",
	    "authorization_servers", "https://x.supabase.co/auth/v1",
	    "bearer_methods_supported", "header",
	    "scopes_supported", "email",
	    "resource_name", "MCP Online Platform");
	T(j != NULL && json_equal(j, want));
	json_decref(j);
	json_decref(want);
	test_close(&t);

	/* supabase_jwt_issuer names the authorization server. */
	cfg.supabase_jwt_issuer = strdup("https://auth.example.com/auth/v1");
	T(test_open(&t, &cfg, env) == 0);
	T(wellknown_prm(&t.req, &rp) == 0);
	j = test_body(&t);
	T(j != NULL && strcmp(json_string_value(json_array_get(
	    json_object_get(j, "authorization_servers"), 0)),
	    "https://auth.example.com/auth/v1") == 0);
	json_decref(j);
	test_close(&t);

	/* The root form. */
	T(test_open(&t, &cfg, env) == 0);
	T(wellknown_prm_root(&t.req, &rp) == 0);
	j = test_body(&t);
	T(j != NULL && strcmp(jsonx_str(j, "resource"),
	    "https://mcp.example.com") == 0 &&
	    json_array_size(json_object_get(j, "scopes_supported")) == 1);
	json_decref(j);
	test_close(&t);

	/* The authorization server's metadata: a redirect to the issuer's
	 * RFC 8414 path-inserted form. */
	T(test_open(&t, &cfg, env) == 0);
	T(wellknown_as(&t.req, &rp) == 0);
	out = buf_cstr(&t.io.out);
	T(strncmp(out, "Status: 302 ", 12) == 0);
	T(strstr(out, "\r\nLocation: https://auth.example.com/.well-known/"
	    "oauth-authorization-server/auth/v1\r\n") != NULL);
	T(strstr(out, "\r\nAccess-Control-Allow-Origin: *\r\n") != NULL);
	test_close(&t);
	free(cfg.supabase_jwt_issuer);
	cfg.supabase_jwt_issuer = strdup("https://auth.example.com/");
	T(test_open(&t, &cfg, env) == 0);
	T(wellknown_as(&t.req, &rp) == 0);
	T(strstr(buf_cstr(&t.io.out), "\r\nLocation: https://auth.example."
	    "com/.well-known/oauth-authorization-server\r\n") != NULL);
	test_close(&t);

	/* Derived from the request when public_base_url is unset. */
	free(cfg.public_base_url);
	cfg.public_base_url = NULL;
	T(test_open(&t, &cfg, env) == 0);
	T(wellknown_prm(&t.req, &rp) == 0);
	j = test_body(&t);
	T(j != NULL && strcmp(jsonx_str(j, "resource"),
	    "http://mcp.test/mcp/acme/files") == 0);
	json_decref(j);
	test_close(&t);

	/* No usable host at all: 400, not a made-up URL. */
	{
		static const char *const bare[] = { "PATH_INFO=/x", NULL };

		T(test_open(&t, &cfg, bare) == 0);
		T(wellknown_prm(&t.req, &rp) == 0);
		T(strncmp(buf_cstr(&t.io.out), "Status: 400 ", 12) == 0);
		test_close(&t);
	}
	config_release(&cfg);
}

static void
test_jwks(void)
{
	static const char *const env[] = {
		"PATH_INFO=/.well-known/jwks.json", "HTTP_HOST=mcp.test", NULL,
	};
	struct tkeys_key	 k;
	struct config		 cfg;
	struct treq		 t;
	struct route_params	 rp = { 0 };
	struct buf		 tok, hdr;
	json_t			*j, *key, *h;
	char			 kid[64];

	T(tkeys_gen_ec(&k) == 0);
	config_init(&cfg);
	cfg.supabase_url = strdup("https://x.supabase.co");
	cfg.platform_issuer = strdup("mcp-platform");

	/* No signing key: an empty set. */
	T(test_open(&t, &cfg, env) == 0);
	T(wellknown_jwks(&t.req, &rp) == 0);
	j = test_body(&t);
	T(j != NULL && json_is_array(json_object_get(j, "keys")) &&
	    json_array_size(json_object_get(j, "keys")) == 0);
	json_decref(j);
	test_close(&t);

	buf_appends(&cfg.platform_signing_key, k.priv);
	T(test_open(&t, &cfg, env) == 0);
	T(wellknown_jwks(&t.req, &rp) == 0);
	T(strstr(buf_cstr(&t.io.out), "Access-Control-Allow-Origin: *") !=
	    NULL);
	j = test_body(&t);
	key = json_array_get(json_object_get(j, "keys"), 0);
	T(json_array_size(json_object_get(j, "keys")) == 1);
	T(jwks_pem_to_jwk(k.pub, strlen(k.pub), &h, kid, sizeof(kid)) == 0);
	json_decref(h);
	T(key != NULL && strcmp(jsonx_str(key, "kty"), "EC") == 0 &&
	    strcmp(jsonx_str(key, "crv"), "P-256") == 0 &&
	    strcmp(jsonx_str(key, "alg"), "ES256") == 0 &&
	    strcmp(jsonx_str(key, "use"), "sig") == 0 &&
	    strcmp(jsonx_str(key, "kid"), kid) == 0);
	/* Only the public half. */
	T(key != NULL && json_object_get(key, "d") == NULL &&
	    strstr(buf_cstr(&t.io.out), "PRIVATE") == NULL);
	/* A minted token names this kid. */
	buf_init(&tok, 8192);
	buf_init(&hdr, 4096);
	T(auth_mint_platform_token(&cfg, "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
	    "acme", NULL, 0, &tok) == 0);
	T(base64_decode(&hdr, tok.data, (size_t)(strchr(tok.data, '.') -
	    tok.data), BASE64_URL) == 0);
	h = jsonx_loadb(hdr.data, hdr.len, 4, NULL, 0);
	T(h != NULL && strcmp(jsonx_str(h, "kid"), kid) == 0);
	json_decref(h);
	buf_release(&hdr);
	buf_release(&tok);
	json_decref(j);
	test_close(&t);

	auth_cache_release();
	config_release(&cfg);
	tkeys_free(&k);
}

int
main(void)
{
	test_base_url();
	test_prm();
	test_jwks();
	return t_done();
}
