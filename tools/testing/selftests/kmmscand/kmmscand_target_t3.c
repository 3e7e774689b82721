// SPDX-License-Identifier: GPL-2.0
/*
 * Target-node choice on T3 (node0 and node1 top tier with a CPU each, node2
 * the slow tier): a task that runs on node1's CPU and keeps data hot on
 * node2 gets it promoted to node1, the node its memory and CPU are on, not
 * to node0.
 */
#define _GNU_SOURCE
#include <sched.h>
#include "../kselftest_harness.h"
#include "kmmscand.h"

#define SIZE		(64UL << 20)
#define DEADLINE_S	90.0

FIXTURE(target)
{
	struct knob_save saved;
};

FIXTURE_SETUP(target)
{
	if (!kmmscand_present())
		SKIP(return, "kmmscand is not built in");
	if (nr_memory_nodes() < 3 || !node_has_cpus(1) || node_has_cpus(2) ||
	    node_tier(2) <= node_tier(1))
		SKIP(return, "needs lab topology T3");
	ASSERT_EQ(0, kmmscand_setup(&self->saved));
}

FIXTURE_TEARDOWN(target)
{
	kmmscand_restore(&self->saved);
}

static int cpu_of_node(int nid)
{
	char path[128], buf[64];

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/cpulist", nid);
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	return atoi(buf);
}

TEST_F_TIMEOUT(target, promoted_to_task_node, 150)
{
	struct goal goal = { .nid = 1, .pct = 90.0 };
	long count[MAX_NODES];
	cpu_set_t set;
	char *buf, *local;
	double took;
	int cpu = cpu_of_node(1);

	ASSERT_GE(cpu, 0);
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(set), &set));
	/* Some private working set of the task's own, on its local node. */
	local = alloc_on_node(4UL << 20, 1, false);
	ASSERT_NE(NULL, local);
	buf = alloc_on_node(SIZE, 2, false);
	ASSERT_NE(NULL, buf);

	took = keep_hot_until(buf, SIZE, true, DEADLINE_S, reached, &goal);
	touch_sweep(local, 4UL << 20, true);
	pages_per_node(buf, SIZE, count);
	ksft_print_msg("after %.1f s: node0 %ld, node1 %ld, node2 %ld pages\n",
		       took, count[0], count[1], count[2]);
	EXPECT_GT(took, 0);
	/* Whatever was promoted went to node1. */
	EXPECT_LE(count[0], (long)(SIZE / PAGE_SZ) / 100);
	munmap(buf, SIZE);
	munmap(local, 4UL << 20);
}

TEST_HARNESS_MAIN
