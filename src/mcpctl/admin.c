/*
 * admin.c -- the operator's admin commands (issue 10; docs/mcpctl.md):
 *
 *   catalog add FILE | list | remove SLUG   the catalog (mcp_servers)
 *   tenant create SLUG NAME | list          tenants
 *   member add TENANT USER_ID ROLE          a membership
 *
 * All go to PostgREST as the service role (supa_perform without a user
 * token): these are operator actions RLS does not grant to any user.
 * Output: the rows as one JSON line on stdout. Errors: one line on stderr
 * and exit 1 (Supabase refused or unreachable, unknown tenant or slug,
 * bad file), exit 2 for usage. Supabase's own message is shown: the
 * operator is no API caller.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "httpc.h"
#include "mcpctl.h"
#include "product_limits.h"
#include "store/supa.h"

#define ADMIN_PATH_MAX	512
#define ADMIN_FILE_MAX	(1024 * 1024)

/* A slug as the schema allows it: [a-z0-9][a-z0-9-]{0,62}. */
static int
admin_slug_ok(const char *s)
{
	size_t	 i, n = strlen(s);

	if (n == 0 || n > LIMIT_SLUG || s[0] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

/* 8-4-4-4-12 hex digits. */
static int
admin_uuid_ok(const char *s)
{
	size_t	 i;

	if (strlen(s) != 36)
		return 0;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F')))
			return 0;
	}
	return 1;
}

/*
 * One service-role call; *out the parsed JSON body (NEW reference, NULL
 * for an empty one). 0, or 1 having said why on stderr.
 */
static int
admin_call(const struct config *cfg, const char *method, const char *path,
    const char *prefer, const char *body, json_t **out)
{
	struct supa_call	 sc;
	struct httpc_response	 resp;
	json_error_t		 je;
	char			 why[256];
	int			 rc = 1;

	*out = NULL;
	memset(&sc, 0, sizeof(sc));
	sc.method = method;
	sc.path = path;
	sc.prefer = prefer;
	sc.body = body;
	sc.bodylen = body != NULL ? strlen(body) : 0;
	httpc_response_init(&resp);
	if (supa_perform(cfg, &sc, &resp, why, sizeof(why)) == -1) {
		fprintf(stderr, "%s: supabase: %s\n", MCPCTL_NAME, why);
		goto out;
	}
	if (resp.status < 200 || resp.status > 299) {
		fprintf(stderr, "%s: supabase answered %ld: %.*s\n",
		    MCPCTL_NAME, resp.status, (int)(resp.body.len > 400 ?
		    400 : resp.body.len), buf_cstr(&resp.body));
		goto out;
	}
	if (resp.body.len > 0 && (*out = json_loadb(resp.body.data,
	    resp.body.len, JSON_DECODE_ANY, &je)) == NULL) {
		fprintf(stderr, "%s: supabase answered no JSON: %s\n",
		    MCPCTL_NAME, je.text);
		goto out;
	}
	rc = 0;
out:
	httpc_response_release(&resp);
	return rc;
}

/* Print j as one JSON line. */
static void
admin_print(const json_t *j)
{
	char	*s;

	if ((s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY)) != NULL) {
		printf("%s\n", s);
		free(s);
	}
}

static int
admin_rows(const struct config *cfg, const char *method, const char *path,
    const char *prefer, const char *body)
{
	json_t	*j = NULL;
	int	 rc;

	if ((rc = admin_call(cfg, method, path, prefer, body, &j)) == 0)
		admin_print(j != NULL ? j : json_null());
	json_decref(j);
	return rc;
}

/* ---- catalog ------------------------------------------------------ */

static const char *const admin_catalog_fields[] = {
	"slug", "name", "description", "transport", "argv", "url",
	"settings_spec", "secrets_spec", "limits", "enabled", "network",
	"egress_ports", "read_paths"
};

static int
admin_catalog_add(const struct config *cfg, const char *file)
{
	json_error_t	 je;
	json_t		*j = NULL, *v;
	const char	*k, *slug;
	char		*body = NULL;
	size_t		 i;
	int		 rc = 1, known;

	if ((j = json_load_file(file, JSON_REJECT_DUPLICATES, &je)) == NULL) {
		fprintf(stderr, "%s: catalog add: '%s': %s (line %d)\n",
		    MCPCTL_NAME, file, je.text, je.line);
		goto out;
	}
	if (!json_is_object(j)) {
		fprintf(stderr, "%s: catalog add: '%s': not a JSON object\n",
		    MCPCTL_NAME, file);
		goto out;
	}
	json_object_foreach(j, k, v) {
		known = 0;
		for (i = 0; i < sizeof(admin_catalog_fields) /
		    sizeof(admin_catalog_fields[0]); i++)
			if (strcmp(k, admin_catalog_fields[i]) == 0)
				known = 1;
		if (!known) {
			fprintf(stderr, "%s: catalog add: '%s': unknown "
			    "field '%s'\n", MCPCTL_NAME, file, k);
			goto out;
		}
	}
	slug = json_string_value(json_object_get(j, "slug"));
	if (slug == NULL || !admin_slug_ok(slug)) {
		fprintf(stderr, "%s: catalog add: '%s': field 'slug' must be "
		    "[a-z0-9][a-z0-9-]*, at most %d characters\n", MCPCTL_NAME,
		    file, LIMIT_SLUG);
		goto out;
	}
	if ((body = json_dumps(j, JSON_COMPACT)) == NULL)
		goto out;
	/* An upsert by slug: adding an entry again replaces it. */
	rc = admin_rows(cfg, "POST", "/rest/v1/mcp_servers?on_conflict=slug"
	    "&select=slug,name,transport,enabled",
	    "resolution=merge-duplicates,return=representation", body);
out:
	free(body);
	json_decref(j);
	return rc;
}

int
mcpctl_catalog(const struct config *cfg, int argc, char *argv[])
{
	char	 path[ADMIN_PATH_MAX];
	json_t	*j = NULL;
	int	 rc;

	if (argc == 3 && strcmp(argv[1], "add") == 0)
		return admin_catalog_add(cfg, argv[2]);
	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return admin_rows(cfg, "GET", "/rest/v1/mcp_servers?select=slug,"
		    "name,transport,enabled&order=slug", NULL, NULL);
	if (argc == 3 && strcmp(argv[1], "remove") == 0) {
		if (!admin_slug_ok(argv[2])) {
			fprintf(stderr, "%s: catalog remove: '%s' is not a "
			    "slug\n", MCPCTL_NAME, argv[2]);
			return 1;
		}
		snprintf(path, sizeof(path), "/rest/v1/mcp_servers?slug=eq.%s"
		    "&select=slug", argv[2]);
		if ((rc = admin_call(cfg, "DELETE", path,
		    "return=representation", NULL, &j)) == 0 &&
		    json_array_size(j) == 0) {
			fprintf(stderr, "%s: catalog remove: no catalog entry "
			    "'%s'\n", MCPCTL_NAME, argv[2]);
			rc = 1;
		} else if (rc == 0)
			admin_print(j);
		json_decref(j);
		return rc;
	}
	mcpctl_help_of("catalog");
	return 2;
}

/* ---- tenants and members ------------------------------------------ */

int
mcpctl_tenant(const struct config *cfg, int argc, char *argv[])
{
	json_t	*j;
	char	*body;
	int	 rc;

	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return admin_rows(cfg, "GET", "/rest/v1/tenants?select=id,slug,"
		    "name,status,created_at&order=slug", NULL, NULL);
	if (argc == 4 && strcmp(argv[1], "create") == 0) {
		if (!admin_slug_ok(argv[2])) {
			fprintf(stderr, "%s: tenant create: '%s' is not a "
			    "slug ([a-z0-9][a-z0-9-]*, at most %d)\n",
			    MCPCTL_NAME, argv[2], LIMIT_SLUG);
			return 1;
		}
		if (argv[3][0] == '\0' || strlen(argv[3]) > 200) {
			fprintf(stderr, "%s: tenant create: the name must have "
			    "1 to 200 characters\n", MCPCTL_NAME);
			return 1;
		}
		if ((j = json_pack("{s:s,s:s}", "slug", argv[2], "name",
		    argv[3])) == NULL || (body = json_dumps(j,
		    JSON_COMPACT)) == NULL) {
			json_decref(j);
			return 1;
		}
		rc = admin_rows(cfg, "POST", "/rest/v1/tenants?select=id,slug,"
		    "name,status,created_at", "return=representation", body);
		free(body);
		json_decref(j);
		return rc;
	}
	mcpctl_help_of("tenant");
	return 2;
}

int
mcpctl_member(const struct config *cfg, int argc, char *argv[])
{
	char	 path[ADMIN_PATH_MAX];
	json_t	*j = NULL, *t = NULL;
	char	*body = NULL;
	int	 rc = 1;

	if (argc != 5 || strcmp(argv[1], "add") != 0) {
		mcpctl_help_of("member");
		return 2;
	}
	if (!admin_slug_ok(argv[2]) || !admin_uuid_ok(argv[3]) ||
	    (strcmp(argv[4], "owner") != 0 && strcmp(argv[4], "admin") != 0 &&
	    strcmp(argv[4], "member") != 0)) {
		fprintf(stderr, "%s: member add: expected a tenant slug, a "
		    "user id (uuid) and owner|admin|member\n", MCPCTL_NAME);
		return 1;
	}
	snprintf(path, sizeof(path), "/rest/v1/tenants?slug=eq.%s&select=id",
	    argv[2]);
	if (admin_call(cfg, "GET", path, NULL, NULL, &t) != 0)
		goto out;
	if (json_array_size(t) != 1) {
		fprintf(stderr, "%s: member add: no tenant '%s'\n",
		    MCPCTL_NAME, argv[2]);
		goto out;
	}
	if ((j = json_pack("{s:O,s:s,s:s}", "tenant_id", json_object_get(
	    json_array_get(t, 0), "id"), "user_id", argv[3], "role",
	    argv[4])) == NULL || (body = json_dumps(j, JSON_COMPACT)) == NULL)
		goto out;
	/* Adding again changes the role. */
	rc = admin_rows(cfg, "POST", "/rest/v1/tenant_members?on_conflict="
	    "tenant_id,user_id", "resolution=merge-duplicates,"
	    "return=representation", body);
out:
	free(body);
	json_decref(j);
	json_decref(t);
	return rc;
}
