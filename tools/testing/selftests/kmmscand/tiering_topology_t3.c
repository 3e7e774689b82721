// SPDX-License-Identifier: GPL-2.0
/*
 * The lab's T3 topology: node0 and node1 each have a CPU and top-tier
 * memory, node2 is CPU-less memory in a slower tier.
 */
#include "../kselftest_harness.h"
#include "tiering.h"

TEST(three_memory_nodes)
{
	ASSERT_EQ(3, nr_memory_nodes());
}

TEST(cpus_on_node0_and_node1_only)
{
	EXPECT_TRUE(node_has_cpus(0));
	EXPECT_TRUE(node_has_cpus(1));
	EXPECT_FALSE(node_has_cpus(2));
}

TEST(node2_in_lower_tier)
{
	int t0 = node_tier(0), t1 = node_tier(1), t2 = node_tier(2);

	ASSERT_GE(t0, 0);
	ASSERT_GE(t1, 0);
	ASSERT_GE(t2, 0);
	EXPECT_EQ(t0, t1) TH_LOG("node0 (tier %d) and node1 (tier %d) differ", t0, t1);
	EXPECT_GT(t2, t0);
}

TEST_HARNESS_MAIN
