// SPDX-License-Identifier: GPL-2.0
/*
 * kmmscand tier helpers: which memory nodes are top tier, which have room
 * for a batch of promotions, and which node target_node forces. Leaves:
 * they call nothing else of kmmscand.
 */
#include <linux/memory-tiers.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/nodemask.h>

#include "../internal.h"
#include "internal.h"

/**
 * kmmscand_toptier_nodes - the top-tier memory nodes
 * @mask: out: N_MEMORY nodes in the top tier
 */
void kmmscand_toptier_nodes(nodemask_t *mask)
{
	int nid;

	nodes_clear(*mask);
	for_each_node_state(nid, N_MEMORY)
		if (node_is_toptier(nid))
			node_set(nid, *mask);
}

/**
 * kmmscand_has_lowertier - is there memory to promote from?
 * @lower: out: lower-tier memory nodes, or NULL
 *
 * Return: true if at least one memory node is not in the top tier.
 */
bool kmmscand_has_lowertier(nodemask_t *lower)
{
	bool found = false;
	int nid;

	if (lower)
		nodes_clear(*lower);
	for_each_node_state(nid, N_MEMORY) {
		if (node_is_toptier(nid))
			continue;
		found = true;
		if (lower)
			node_set(nid, *lower);
	}
	return found;
}

/**
 * kmmscand_node_has_headroom - can a node take a batch of promotions?
 * @nid: a top-tier node
 * @arg: unused
 *
 * Return: true if the node stays above its high watermarks after one
 * migration batch.
 */
bool kmmscand_node_has_headroom(int nid, void *arg)
{
	return migrate_balanced_pgdat(NODE_DATA(nid), KMMSCAND_MIGRATE_BATCH);
}

/**
 * kmmscand_forced_target - the node target_node forces, if allowed
 * @allowed: the top-tier nodes the caller may promote to
 *
 * Return: target_node, if set and in @allowed, else NUMA_NO_NODE: a
 * forced node outside a process's cpuset or policy leaves that process
 * to the heuristic.
 */
int kmmscand_forced_target(const nodemask_t *allowed)
{
	int nid = READ_ONCE(kmmscand_tun.target_node);

	if (nid < 0 || nid >= MAX_NUMNODES || !node_isset(nid, *allowed))
		return NUMA_NO_NODE;
	return nid;
}
