/*
 * secrets.c -- "mcpctl secrets rotate-key": re-seal every tenant secret
 * under the current master key (the first key of master_key_file's ring,
 * docs/security.md "Rotating the master key").
 *
 * Walks tenant_servers by id (keyset pages of ROTATE_PAGE rows, as the
 * service role). A row whose every secret already has the current kid is
 * left alone, so the command is idempotent, and a run that stopped (or a
 * row that failed) is finished by running it again: resumable without
 * any state of its own. Each changed row is written with a condition on
 * its version (optimistic concurrency): a row a tenant changed meanwhile
 * is counted as "conflicts" and picked up by the next run. The row's
 * version moves (the workers' caches and warm children are replaced
 * within config_ttl); secrets_set_at does not (no secret was set).
 *
 * Prints one JSON object on stdout: {"kid", "rows_seen", "rows_resealed",
 * "secrets_resealed", "conflicts", "failed"}. Exit 0 when nothing is left
 * under an old key, 1 otherwise (stderr says which rows and why -- never
 * a value), 2 usage.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "crypto.h"
#include "httpc.h"
#include "jsonx.h"
#include "mcpctl.h"
#include "product_limits.h"
#include "store/supa.h"
#include "store/target.h"
#include "uuid.h"

#define ROTATE_PAGE	100
#define ROTATE_PATH	1024

struct rotate_stats {
	long	 seen, resealed_rows, resealed, conflicts, failed;
};

/* One PostgREST call as the service role: 0 with *out, or -1 (stderr). */
static int
rotate_supa(const struct config *cfg, const char *method, const char *path,
    const struct buf *body, const char *prefer, json_t **out)
{
	struct supa_call	 sc;
	struct httpc_response	 resp;
	char			 why[LIMIT_HTTPC_ERR + 64], err[128];
	int			 rc = -1;

	*out = NULL;
	httpc_response_init(&resp);
	memset(&sc, 0, sizeof(sc));
	sc.method = method;
	sc.path = path;
	sc.prefer = prefer;
	if (body != NULL) {
		sc.body = body->data;
		sc.bodylen = body->len;
	}
	if (supa_perform(cfg, &sc, &resp, why, sizeof(why)) == -1) {
		fprintf(stderr, "%s: supabase: %s\n", MCPCTL_NAME, why);
		goto out;
	}
	if (resp.status < 200 || resp.status >= 300) {
		fprintf(stderr, "%s: %s %s: HTTP %ld\n", MCPCTL_NAME, method,
		    path, resp.status);
		goto out;
	}
	if (resp.body.len > 0 && (*out = jsonx_loadb(resp.body.data,
	    resp.body.len, LIMIT_JSON_DEPTH, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s: %s: %s\n", MCPCTL_NAME, path, err);
		goto out;
	}
	rc = 0;
out:
	httpc_response_release(&resp);
	return rc;
}

/*
 * Re-seal one row's secrets not under kid. 0 (nothing to do or done), or
 * -1 counted in st.
 */
static int
rotate_row(const struct config *cfg, const char *kid, const json_t *row,
    struct rotate_stats *st)
{
	const char	*id = jsonx_str(row, "id"), *tid = jsonx_str(row,
			    "tenant_id"), *alias = jsonx_str(row, "alias");
	const char	*name, *k;
	const json_t	*v, *ver = json_object_get(row, "version");
	json_t		*secrets = NULL, *sealed, *patch = NULL, *res = NULL;
	struct buf	 plain, body;
	char		 path[ROTATE_PATH], err[TARGET_ERR_LEN];
	long		 n = 0;
	int		 rc = -1;

	buf_init(&plain, LIMIT_TARGET_VALUE + 1);
	buf_init(&body, 1024 * 1024);
	if (id == NULL || tid == NULL || alias == NULL ||
	    !json_is_integer(ver) || !uuid_is_valid(id, strlen(id))) {
		fprintf(stderr, "%s: a tenant_servers row without id, tenant, "
		    "alias or version\n", MCPCTL_NAME);
		goto fail;
	}
	if ((secrets = json_deep_copy(json_object_get(row, "secrets"))) ==
	    NULL || !json_is_object(secrets))
		goto out_ok;
	json_object_foreach(json_object_get(row, "secrets"), name, v) {
		if ((k = jsonx_str(v, "kid")) != NULL && strcmp(k, kid) == 0)
			continue;
		buf_reset(&plain);
		if (target_secret_open(&cfg->master_key, tid, alias, name, v,
		    &plain, err, sizeof(err)) == -1 ||
		    target_secret_seal(&cfg->master_key, tid, alias, name,
		    buf_cstr(&plain), &sealed, err, sizeof(err)) == -1) {
			fprintf(stderr, "%s: server %s (%s) secret '%s': %s\n",
			    MCPCTL_NAME, id, alias, name, err);
			goto fail;
		}
		buf_release_secret(&plain);
		buf_init(&plain, LIMIT_TARGET_VALUE + 1);
		json_object_set_new(secrets, name, sealed);
		n++;
	}
	if (n == 0)
		goto out_ok;
	if ((patch = json_pack("{s:O}", "secrets", secrets)) == NULL ||
	    jsonx_dumpb(&body, patch) == -1)
		goto fail;
	snprintf(path, sizeof(path), "/rest/v1/tenant_servers?id=eq.%s"
	    "&version=eq.%" JSON_INTEGER_FORMAT "&select=id", id,
	    json_integer_value(ver));
	if (rotate_supa(cfg, "PATCH", path, &body, "return=representation",
	    &res) == -1)
		goto fail;
	if (!json_is_array(res) || json_array_size(res) != 1) {
		fprintf(stderr, "%s: server %s (%s) changed meanwhile: run "
		    "again\n", MCPCTL_NAME, id, alias);
		st->conflicts++;
		goto out;
	}
	st->resealed_rows++;
	st->resealed += n;
out_ok:
	rc = 0;
	goto out;
fail:
	st->failed++;
out:
	json_decref(res);
	json_decref(patch);
	json_decref(secrets);
	buf_release_secret(&plain);
	buf_release(&body);
	return rc;
}

int
mcpctl_secrets_rotate(const struct config *cfg, int argc, char *argv[])
{
	struct crypto_keyring	 ring;
	struct rotate_stats	 st;
	char			 path[ROTATE_PATH], last[UUID_STRLEN + 1];
	char			 kid[CRYPTO_KID_MAX + 1];
	const json_t		*row;
	const char		*id;
	json_t			*page = NULL;
	size_t			 i, n;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: %s secrets rotate-key\n", MCPCTL_NAME);
		return 2;
	}
	memset(&st, 0, sizeof(st));
	crypto_keyring_init(&ring);
	if (cfg->master_key.len == 0 || crypto_keyring_parse(&ring,
	    cfg->master_key.data, cfg->master_key.len) == -1) {
		fprintf(stderr, "%s: master_key_file: missing or malformed\n",
		    MCPCTL_NAME);
		crypto_keyring_release(&ring);
		return 1;
	}
	snprintf(kid, sizeof(kid), "%s", ring.keys[0].kid);
	crypto_keyring_release(&ring);
	last[0] = '\0';
	for (;;) {
		snprintf(path, sizeof(path), "/rest/v1/tenant_servers?select="
		    "id,tenant_id,alias,secrets,version&order=id&limit=%d%s%s",
		    ROTATE_PAGE, last[0] != '\0' ? "&id=gt." : "", last);
		if (rotate_supa(cfg, "GET", path, NULL, NULL, &page) == -1 ||
		    !json_is_array(page)) {
			st.failed++;
			break;
		}
		n = json_array_size(page);
		json_array_foreach(page, i, row) {
			st.seen++;
			rotate_row(cfg, kid, row, &st);
			if ((id = jsonx_str(row, "id")) != NULL &&
			    strlen(id) == UUID_STRLEN)
				memcpy(last, id, UUID_STRLEN + 1);
		}
		json_decref(page);
		page = NULL;
		if (n < ROTATE_PAGE)
			break;
	}
	json_decref(page);
	printf("{\"kid\":\"%s\",\"rows_seen\":%ld,\"rows_resealed\":%ld,"
	    "\"secrets_resealed\":%ld,\"conflicts\":%ld,\"failed\":%ld}\n",
	    kid, st.seen, st.resealed_rows, st.resealed, st.conflicts,
	    st.failed);
	return st.failed > 0 || st.conflicts > 0 ? 1 : 0;
}
