/*
 * test_jsonx.c -- strict JSON loading, depth, dumping, member access.
 */
#include <string.h>

#include "jsonx.h"
#include "t.h"

static void
test_loadb(void)
{
	static const struct {
		int		 line;
		const char	*in;
		size_t		 depth;
		int		 ok;
		const char	*err;	/* substring of the error */
	} cases[] = {
		{ __LINE__, "{\"a\":1}", 64, 1, NULL },
		{ __LINE__, "[1,2,3]", 64, 1, NULL },
		{ __LINE__, "\"scalar\"", 64, 1, NULL },	/* any value: callers check the type */
		{ __LINE__, "42", 64, 1, NULL },
		{ __LINE__, "", 64, 0, "invalid json" },
		{ __LINE__, "{\"a\":1,\"a\":2}", 64, 0, "duplicate" },
		{ __LINE__, "{\"a\":", 64, 0, "invalid json at line 1" },
		{ __LINE__, "[[[1]]]", 3, 1, NULL },
		{ __LINE__, "[[[[1]]]]", 3, 0, "nested deeper than 3" },
		/* Brackets inside strings do not count. */
		{ __LINE__, "[\"[[[[\\\"[[\"]", 1, 1, NULL },
		{ __LINE__, "{\"a\":\"x\"} trailing", 64, 0, "invalid json" },
	};
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char	 err[256] = "";
		json_t	*j;

		j = jsonx_loadb(cases[i].in, strlen(cases[i].in),
		    cases[i].depth, err, sizeof(err));
		T_LINE((j != NULL) == cases[i].ok, cases[i].line);
		if (cases[i].err != NULL)
			T_LINE(strstr(err, cases[i].err) != NULL,
			    cases[i].line);
		json_decref(j);
	}
	/* (ptr, len): bytes after len are not looked at. */
	{
		json_t *j = jsonx_loadb("{}garbage", 2, 8, NULL, 0);

		T(json_is_object(j));
		json_decref(j);
	}
}

static void
test_depth_dump_str(void)
{
	struct buf	 b;
	json_t		*j;

	T(jsonx_depth("", 0) == 0);
	T(jsonx_depth("{\"a\":[{}]}", 10) == 3);
	T(jsonx_depth("]]]{", 4) == 1);
	T(jsonx_depth("\"\\\\\"[", 5) == 1);

	j = json_pack("{s:s,s:i,s:n}", "name", "x\"y", "n", 3, "z");
	buf_init(&b, 1024);
	T(jsonx_dumpb(&b, j) == 0);
	T(strstr(b.data, "\"name\":\"x\\\"y\"") != NULL);
	T(strchr(b.data, ' ') == NULL && strchr(b.data, '\n') == NULL);
	T(strcmp(jsonx_str(j, "name"), "x\"y") == 0);
	T(jsonx_str(j, "n") == NULL);
	T(jsonx_str(j, "missing") == NULL);
	T(jsonx_str(NULL, "name") == NULL);
	buf_release(&b);
	buf_init(&b, 4);	/* too small: fails whole */
	T(jsonx_dumpb(&b, j) == -1);
	buf_release(&b);
	json_decref(j);
}

int
main(void)
{
	test_loadb();
	test_depth_dump_str();
	return t_done();
}
