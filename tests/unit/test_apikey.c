/*
 * test_apikey.c -- the API key format (src/store/apikey.c): generated keys
 * parse back to their id and a secret whose SHA-256 is the one stored;
 * every malformed spelling (wrong prefix, length, separator, id
 * alphabet, bad or non-canonical base64url, embedded NUL or space) is
 * refused; scopes ("admin" covers all) and server lists.
 */
#include <string.h>

#include "store/apikey.h"
#include "t.h"

static void
test_roundtrip(void)
{
	struct apikey_new	 k, k2;
	struct apikey_parsed	 p;
	unsigned char		 sha[APIKEY_SHA256];

	T(apikey_generate(&k) == 0);
	T(apikey_generate(&k2) == 0);
	T(strlen(k.key) == APIKEY_LEN);
	T(strncmp(k.key, "mcpk_", 5) == 0);
	T(strcmp(k.key, k2.key) != 0 && strcmp(k.id, k2.id) != 0);
	T(apikey_looks_like(k.key, strlen(k.key)));
	T(apikey_parse(k.key, strlen(k.key), &p) == 0);
	T(strcmp(p.id, k.id) == 0);
	T(apikey_sha256(p.secret, sizeof(p.secret), sha) == 0);
	T(memcmp(sha, k.sha256, sizeof(sha)) == 0);
	apikey_parsed_wipe(&p);
}

static void
test_bad(void)
{
	struct apikey_new	 k;
	struct apikey_parsed	 p;
	char			 s[APIKEY_LEN + 8];
	const struct {
		int	 line;
		size_t	 at;		/* position to change */
		char	 c;		/* new byte there */
	} v[] = {
		{ __LINE__, 0, 'M' },			/* prefix */
		{ __LINE__, 3, 'x' },
		{ __LINE__, 4, '-' },			/* "mcpk-" */
		{ __LINE__, 5, 'A' },			/* id: upper case */
		{ __LINE__, 10, 'g' },			/* id: not hex */
		{ __LINE__, 20, '_' },
		{ __LINE__, 21, '-' },			/* separator */
		{ __LINE__, 22, '+' },			/* standard alphabet */
		{ __LINE__, 30, '/' },
		{ __LINE__, 40, ' ' },			/* space */
		{ __LINE__, 41, '\0' },			/* NUL */
		{ __LINE__, 50, '=' },
		{ __LINE__, APIKEY_LEN - 1, '=' },	/* padding */
	};
	size_t	 i;

	T(apikey_generate(&k) == 0);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		memcpy(s, k.key, APIKEY_LEN + 1);
		if (s[v[i].at] == v[i].c)
			continue;
		s[v[i].at] = v[i].c;
		T_LINE(apikey_parse(s, APIKEY_LEN, &p) == -1, v[i].line);
		T_LINE(p.id[0] == '\0', v[i].line);
	}
	/* lengths */
	T(apikey_parse(k.key, APIKEY_LEN - 1, &p) == -1);
	memcpy(s, k.key, APIKEY_LEN);
	s[APIKEY_LEN] = 'A';
	T(apikey_parse(s, APIKEY_LEN + 1, &p) == -1);
	T(apikey_parse("", 0, &p) == -1);
	T(apikey_parse(NULL, 0, &p) == -1);
	T(apikey_parse("mcpk_", 5, &p) == -1);
	/* non-canonical last character: 43 chars hold 258 bits, the last
	 * two must be zero ('A' = 0, 'B' = 1) */
	memcpy(s, k.key, APIKEY_LEN + 1);
	s[APIKEY_LEN - 1] = 'B';
	T(apikey_parse(s, APIKEY_LEN, &p) == -1);
	s[APIKEY_LEN - 1] = 'A';
	T(apikey_parse(s, APIKEY_LEN, &p) == 0);
	/* a JWT does not look like a key */
	T(!apikey_looks_like("eyJhbGciOi", 10));
	T(!apikey_looks_like("mcp", 3));
}

static void
test_scopes(void)
{
	struct apikey_info	 k;

	memset(&k, 0, sizeof(k));
	strcpy(k.scopes, "logs:read");
	T(!apikey_has_scope(&k, "mcp:call"));
	T(apikey_has_scope(&k, "logs:read"));
	strcpy(k.scopes, "logs:read admin");
	T(apikey_has_scope(&k, "mcp:call"));
	strcpy(k.scopes, "mcp:callx");
	T(!apikey_has_scope(&k, "mcp:call"));
	k.all_servers = 1;
	T(apikey_allows_server(&k, "anything"));
	k.all_servers = 0;
	strcpy(k.servers, "files memory");
	T(apikey_allows_server(&k, "memory"));
	T(!apikey_allows_server(&k, "mem"));
	T(!apikey_allows_server(&k, "everything"));
}

int
main(void)
{
	test_roundtrip();
	test_bad();
	test_scopes();
	return t_done();
}
