/*
 * warm.c -- warm stdio children per tenant across the node; see warm.h.
 */
#include <string.h>

#include "ops/node.h"
#include "ops/warm.h"

uint64_t
warm_key(const char *tenant_id)
{
	uint64_t	 h = 14695981039346656037ULL;	/* FNV-1a */
	const unsigned char *p;

	for (p = (const unsigned char *)tenant_id; p != NULL && *p != '\0';
	    p++)
		h = (h ^ *p) * 1099511628211ULL;
	return h != 0 ? h : 1;
}

void
warm_lock(void)
{
	if (node_shm() != NULL)
		shm_lock(node_shm());
}

void
warm_unlock(void)
{
	if (node_shm() != NULL)
		shm_unlock(node_shm());
}

unsigned int
warm_count(uint64_t key)
{
	struct node_worker	*w;
	unsigned int		 i, j, n = 0;

	for (i = 0; i < LIMIT_NODE_WORKERS; i++) {
		if ((w = node_worker(i)) == NULL)
			return 0;
		if (shm_load(&w->pid) == 0)
			continue;
		for (j = 0; j < LIMIT_NODE_WARM_TENANTS; j++)
			if (shm_load(&w->warm_key[j]) == key)
				n += (unsigned int)shm_load(&w->warm_n[j]);
	}
	return n;
}

void
warm_publish(const uint64_t *keys, const uint64_t *counts, size_t n)
{
	struct node_worker	*me = node_self();
	size_t			 j;

	if (me == NULL)
		return;
	for (j = 0; j < LIMIT_NODE_WARM_TENANTS; j++) {
		shm_store(&me->warm_n[j], j < n ? counts[j] : 0);
		shm_store(&me->warm_key[j], j < n ? keys[j] : 0);
	}
}
