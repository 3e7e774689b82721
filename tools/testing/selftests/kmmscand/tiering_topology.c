// SPDX-License-Identifier: GPL-2.0
/*
 * The lab's T2 topology as the kernel sees it: node0 has the CPUs, node1 is
 * CPU-less memory, and the HMAT numbers put node1 in a slower memory tier.
 */
#include "../kselftest_harness.h"
#include "tiering.h"

TEST(two_memory_nodes)
{
	ASSERT_TRUE(node_exists(0));
	ASSERT_TRUE(node_exists(1));
	ASSERT_EQ(2, nr_memory_nodes());
}

TEST(node1_is_cpuless)
{
	EXPECT_TRUE(node_has_cpus(0));
	EXPECT_FALSE(node_has_cpus(1));
}

TEST(node1_in_lower_tier)
{
	int t0 = node_tier(0), t1 = node_tier(1);

	ASSERT_GE(t0, 0) TH_LOG("node0 is in no memory tier");
	ASSERT_GE(t1, 0) TH_LOG("node1 is in no memory tier");
	EXPECT_GT(t1, t0) TH_LOG("node1 tier %d is not below node0 tier %d", t1, t0);
}

TEST_HARNESS_MAIN
