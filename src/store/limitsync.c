/*
 * limitsync.c -- the limiter's sync through Supabase; see limitsync.h.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "clock.h"
#include "log.h"
#include "ops/limits_sync.h"
#include "product_limits.h"
#include "store/limitsync.h"
#include "store/supa.h"

#define MOD		"limitsync"
#define LIMITSYNC_RPC	"/rest/v1/rpc/limit_sync"

static struct limitsync_stats	 limitsync_st;

void
limitsync_stats(struct limitsync_stats *st)
{
	*st = limitsync_st;
}

void
limitsync_tick(const struct config *cfg)
{
	char	 host[HOST_NAME_MAX + 1], node[200], why[256];
	json_t	*entries, *args = NULL, *answer = NULL;
	uint64_t owed;

	if (cfg->limit_sync_interval == 0 ||
	    !limits_sync_due(clock_mono_us(), cfg->limit_sync_interval))
		return;
	if ((entries = limits_sync_collect(clock_mono_us(), time(NULL))) ==
	    NULL)
		return;
	if (json_array_size(entries) == 0)
		goto out;
	if (gethostname(host, sizeof(host)) == -1)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(node, sizeof(node), "%.63s:%.130s", host, cfg->data_dir);
	if ((args = json_pack("{s:s, s:O}", "p_node", node, "p_entries",
	    entries)) == NULL ||
	    supa_rpc(cfg, LIMITSYNC_RPC, "limit_sync", args,
	    LIMIT_SYNC_TIMEOUT_MS, LIMIT_SYNC_RESPONSE, &answer, why,
	    sizeof(why)) == -1 || !json_is_array(answer)) {
		limitsync_st.failures++;
		log_warn(MOD, "cannot sync the limits across nodes: %s "
		    "(kept for the next sync)", args == NULL ? "out of memory" :
		    answer != NULL ? "unexpected answer" : why);
		limits_sync_restore(entries);
		goto out;
	}
	if ((owed = limits_sync_apply(answer)) > 0)
		log_info(MOD, "%ju requests admitted by other nodes now owed "
		    "by this node's buckets and quotas", (uintmax_t)owed);
	limitsync_st.syncs++;
out:
	json_decref(answer);
	json_decref(args);
	json_decref(entries);
}
