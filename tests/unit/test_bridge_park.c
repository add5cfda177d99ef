/*
 * test_bridge_park.c -- the parked call of a legacy client on a modern
 * upstream (src/mcp/bridge_park.h): a minted id delivers to its parked
 * call and nowhere else; tampered, truncated, garbage, foreign-owner,
 * other-key and closed-call replies are refused; the waiting side gets
 * the key and the result; the socket is gone after close.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "clock.h"
#include "jsonx.h"
#include "mcp/bridge_park.h"
#include "t.h"

static struct config	 cfg;

static json_t *
reply(const char *id)
{
	return json_pack("{s:s, s:s, s:{s:s}}", "jsonrpc", "2.0", "id", id,
	    "result", "action", "accept");
}

int
main(void)
{
	struct bridge_park_owner me = { "0190a8e4-7c1e-7b3a-8f00-123456789abc",
				    "modern", "0:user-1" };
	struct bridge_park_owner other = me;
	struct bridge_park	 p;
	struct buf		 id;
	json_t			*r, *got = NULL;
	char			 dir[] = "/tmp/test_bridge_park.XXXXXX", *bad;
	size_t			 n;

	T(mkdtemp(dir) != NULL);
	config_init(&cfg);
	cfg.data_dir = strdup(dir);
	buf_appends(&cfg.master_key,
	    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
	buf_init(&id, LIMIT_BRIDGE_REPLY);

	T(bridge_park_open(&p, &cfg) == 0);
	T(access(p.path, F_OK) == 0);
	T(bridge_park_id(&p, &cfg, &me, "name", &id) == 0);
	T(strncmp(id.data, BRIDGE_PARK_ID_PREFIX,
	    sizeof(BRIDGE_PARK_ID_PREFIX) - 1) == 0);
	/* the nonce is not readable in the id */
	T(strstr(id.data, p.nonce) == NULL);

	/* hostile: one character changed, truncated, garbage, empty */
	bad = strdup(id.data);
	n = strlen(bad);
	bad[n - 2] = bad[n - 2] == 'A' ? 'B' : 'A';
	r = reply(bad);
	T(bridge_park_deliver(&cfg, &me, r) == -1);
	json_decref(r);
	bad[n - 2] = id.data[n - 2];
	bad[n / 2] = '\0';
	r = reply(bad);
	T(bridge_park_deliver(&cfg, &me, r) == -1);
	json_decref(r);
	free(bad);
	r = reply("mcpb1.!!!");
	T(bridge_park_deliver(&cfg, &me, r) == -1);
	json_decref(r);
	r = reply("mcpb1.");
	T(bridge_park_deliver(&cfg, &me, r) == -1);
	json_decref(r);
	r = json_pack("{s:s, s:i, s:{}}", "jsonrpc", "2.0", "id", 7, "result");
	T(!bridge_park_is_id(json_object_get(r, "id")));
	T(bridge_park_deliver(&cfg, &me, r) == -1);
	json_decref(r);

	/* another caller, tenant or server: the AAD differs */
	r = reply(id.data);
	other.caller = "0:user-2";
	T(bridge_park_deliver(&cfg, &other, r) == -1);
	other = me;
	other.alias = "modern2";
	T(bridge_park_deliver(&cfg, &other, r) == -1);
	other = me;
	other.tenant = "0190a8e4-7c1e-7b3a-8f00-123456789abd";
	T(bridge_park_deliver(&cfg, &other, r) == -1);

	/* the owner: delivered, and the parked side reads key and result */
	T(bridge_park_deliver(&cfg, &me, r) == 0);
	T(bridge_park_wait(&p, clock_mono_ms() + 5000, &got) == 0);
	T(got != NULL && strcmp(jsonx_str(got, "k"), "name") == 0);
	T(strcmp(jsonx_str(json_object_get(got, "result"), "action"),
	    "accept") == 0);
	json_decref(got);

	/* nothing else arrives: the wait ends at its deadline */
	T(bridge_park_wait(&p, clock_mono_ms() + 50, &got) == -1 &&
	    got == NULL);

	/* another master key cannot open it */
	buf_reset(&cfg.master_key);
	buf_appends(&cfg.master_key,
	    "ff112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
	T(bridge_park_deliver(&cfg, &me, r) == -1);
	buf_reset(&cfg.master_key);
	buf_appends(&cfg.master_key,
	    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");

	/* closed: the socket is gone, the same id finds nobody */
	bridge_park_close(&p);
	T(access(p.path, F_OK) == -1);
	T(bridge_park_deliver(&cfg, &me, r) == -1);
	bridge_park_close(&p);	/* twice is fine */
	json_decref(r);

	buf_release(&id);
	rmdir(p.path);
	{
		char	 sub[sizeof(dir) + 16];

		snprintf(sub, sizeof(sub), "%s/bridge", dir);
		rmdir(sub);
	}
	rmdir(dir);
	config_release(&cfg);
	return t_done();
}
