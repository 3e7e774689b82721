// SPDX-License-Identifier: GPL-2.0
/*
 * Promotion into a full top tier (lab topology T2, demotion on): cold data
 * fills node0 first, then a hot buffer on node1 must come up while the cold
 * data goes down to make room, and once the hot buffer is up the traffic
 * stops. NUMA balancing is off, so every promotion is kmmscand's.
 */
#include "../kselftest_harness.h"
#include "kmmscand.h"

#define HOT_SIZE	(256UL << 20)
#define DEMOTION	"/sys/kernel/mm/numa/demotion_enabled"

FIXTURE(fulltop)
{
	struct knob_save saved;
	char demotion[16];
};

FIXTURE_SETUP(fulltop)
{
	KMMSCAND_REQUIRE_T2();
	KMMSCAND_REQUIRE(read_file(DEMOTION, self->demotion,
				   sizeof(self->demotion)) > 0,
			 "no " DEMOTION);
	ASSERT_EQ(0, kmmscand_setup(&self->saved));
	ASSERT_EQ(0, write_file(DEMOTION, "1"));
	/* Start from clean nodes: earlier tests' page cache goes. */
	sync();
	write_file("/proc/sys/vm/drop_caches", "3");
}

FIXTURE_TEARDOWN(fulltop)
{
	if (self->demotion[0])
		write_file(DEMOTION, self->demotion);
	kmmscand_restore(&self->saved);
}

/* MemFree of node nid in bytes, or 0. */
static size_t node_free(int nid)
{
	char path[64], buf[4096], *p;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/meminfo", nid);
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return 0;
	p = strstr(buf, "MemFree:");
	return p ? strtoul(p + strlen("MemFree:"), NULL, 10) << 10 : 0;
}

/*
 * Fill what node0 has free with a cold buffer. The policy prefers node0
 * rather than binding to it, so that what does not fit goes to node1
 * instead of to the OOM killer.
 */
static char *fill_top(size_t *len)
{
	unsigned long mask = 1UL << 0;
	char *buf;

	*len = (node_free(0) & ~(PAGE_SZ - 1));
	if (!*len)
		return NULL;
	buf = mmap(NULL, *len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return NULL;
	madvise(buf, *len, MADV_NOHUGEPAGE);
	if (sys_mbind(buf, *len, MPOL_PREFERRED, &mask, MAX_NODES + 1, 0)) {
		munmap(buf, *len);
		return NULL;
	}
	fill_pattern(buf, *len, 0xc01d);
	/* Leave the pages where they are, unpinned by any policy. */
	sys_mbind(buf, *len, MPOL_DEFAULT, NULL, 0, 0);
	return buf;
}

static long pages_on(char *buf, size_t len, int nid)
{
	long count[MAX_NODES];

	pages_per_node(buf, len, count);
	return count[nid];
}

/*
 * The hot buffer reaches 90% on node0 within the deadline, the cold
 * buffer goes down for it, and once the hot buffer is up promotion and
 * demotion stop: nothing bounces.
 */
TEST_F_TIMEOUT(fulltop, hot_replaces_cold, 300)
{
	struct goal goal = { .nid = 0, .pct = 90.0 };
	struct goal never = { .nid = 0, .pct = 101.0 };
	long long blocked = vmstat("kmmscand_promote_skip_headroom");
	long long demote_start = vmstat("pgdemote_kswapd");
	long long promoted, demoted;
	double deadline = getenv("KMMSCAND_TEST_SLOW_KERNEL") ? 90.0 : 30.0;
	long cold_down, hot_pages = HOT_SIZE / PAGE_SZ;
	size_t cold_len;
	char *hot, *cold;
	double took;

	cold = fill_top(&cold_len);
	ASSERT_NE(NULL, cold);
	hot = alloc_pattern_on_node(HOT_SIZE, 1, false, 0x407);
	ASSERT_NE(NULL, hot);
	ASSERT_GE(pct_on_node(hot, HOT_SIZE, 1), 99.0);
	cold_down = pages_on(cold, cold_len, 1);
	/* Full: node0 has room for less than a quarter of the hot buffer. */
	ASSERT_LT(node_free(0), HOT_SIZE / 4)
		TH_LOG("node0 still has %zu MiB free", node_free(0) >> 20);
	ksft_print_msg("cold %zu MiB (%ld pages on node1), node0 free %zu MiB, node1 free %zu MiB\n",
		       cold_len >> 20, cold_down, node_free(0) >> 20, node_free(1) >> 20);
	/* Demotion needs room below: the cold pages must fit on node1. */
	ASSERT_GE(node_free(1), HOT_SIZE)
		TH_LOG("node1 has only %zu MiB free", node_free(1) >> 20);

	took = keep_hot_until(hot, HOT_SIZE, true, deadline, reached, &goal);
	cold_down = pages_on(cold, cold_len, 1) - cold_down;
	ksft_print_msg("hot: 90%% on node0 after %.1f s (%.1f%% now); cold pages demoted %ld (pgdemote_kswapd %lld); promotions blocked by headroom %lld; node1 free %zu MiB\n",
		       took, pct_on_node(hot, HOT_SIZE, 0), cold_down,
		       vmstat("pgdemote_kswapd") - demote_start,
		       vmstat("kmmscand_promote_skip_headroom") - blocked,
		       node_free(1) >> 20);
	EXPECT_GT(took, 0) TH_LOG("only %.1f%% of the hot buffer on node0 after %.0f s",
				  pct_on_node(hot, HOT_SIZE, 0), deadline);
	/* The room came from the cold buffer. */
	EXPECT_GE(cold_down, hot_pages * 8 / 10);

	/* Settled: the hot buffer stays up, and the traffic stops. */
	keep_hot_until(hot, HOT_SIZE, true, 10.0, reached, &never);
	promoted = vmstat("kmmscand_promoted");
	demoted = vmstat("pgdemote_kswapd") + vmstat("pgdemote_direct");
	keep_hot_until(hot, HOT_SIZE, true, 10.0, reached, &never);
	promoted = vmstat("kmmscand_promoted") - promoted;
	demoted = vmstat("pgdemote_kswapd") + vmstat("pgdemote_direct") - demoted;
	ksft_print_msg("settled: %.1f%% on node0; in 10 s: %lld promoted, %lld demoted\n",
		       pct_on_node(hot, HOT_SIZE, 0), promoted, demoted);
	EXPECT_GE(pct_on_node(hot, HOT_SIZE, 0), 90.0);
	EXPECT_LE(promoted, hot_pages / 20);
	EXPECT_LE(demoted, hot_pages / 20);

	EXPECT_EQ(0, verify_pattern(hot, HOT_SIZE, 0x407, NULL));
	EXPECT_EQ(0, verify_pattern(cold, cold_len, 0xc01d, NULL));
	munmap(hot, HOT_SIZE);
	munmap(cold, cold_len);
}

/* Has node0's kswapd given up (/proc/zoneinfo's node_unreclaimable)? */
static int node0_unreclaimable(void)
{
	char line[256];
	bool node0 = false;
	int ret = -1;
	FILE *f = fopen("/proc/zoneinfo", "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "Node ", 5))
			node0 = !strncmp(line, "Node 0,", 7);
		if (node0 && strstr(line, "node_unreclaimable:")) {
			ret = atoi(strchr(line, ':') + 1);
			break;
		}
	}
	if (f)
		fclose(f);
	return ret;
}

/*
 * A top tier that was full with nothing to reclaim (demotion off) has a
 * kswapd that gave up, and promotion does not reclaim directly. When
 * demotion is switched on, promotion must still get its room: the hot
 * buffer comes up and the cold one goes down.
 */
TEST_F_TIMEOUT(fulltop, kswapd_gave_up_recovers, 300)
{
	struct goal goal = { .nid = 0, .pct = 90.0 };
	struct goal never = { .nid = 0, .pct = 101.0 };
	double deadline = getenv("KMMSCAND_TEST_SLOW_KERNEL") ? 90.0 : 30.0;
	long cold_down, hot_pages = HOT_SIZE / PAGE_SZ;
	size_t cold_len;
	char *hot, *cold;
	double took;
	int i;

	ASSERT_EQ(0, write_file(DEMOTION, "0"));
	cold = fill_top(&cold_len);
	ASSERT_NE(NULL, cold);
	hot = alloc_pattern_on_node(HOT_SIZE, 1, false, 0x408);
	ASSERT_NE(NULL, hot);
	ASSERT_LT(node_free(0), HOT_SIZE / 4)
		TH_LOG("node0 still has %zu MiB free", node_free(0) >> 20);
	cold_down = pages_on(cold, cold_len, 1);

	/* Blocked promotion wakes kswapd, which fails until it gives up. */
	for (i = 0; i < 30 && node0_unreclaimable() != 1; i++)
		keep_hot_until(hot, HOT_SIZE, true, 1.0, reached, &never);
	ksft_print_msg("node0 kswapd gave up after %d s (node_unreclaimable %d), %.1f%% of the hot buffer on node0\n",
		       i, node0_unreclaimable(), pct_on_node(hot, HOT_SIZE, 0));
	ASSERT_EQ(1, node0_unreclaimable());

	ASSERT_EQ(0, write_file(DEMOTION, "1"));
	took = keep_hot_until(hot, HOT_SIZE, true, deadline, reached, &goal);
	cold_down = pages_on(cold, cold_len, 1) - cold_down;
	ksft_print_msg("demotion on: 90%% on node0 after %.1f s (%.1f%% now); cold pages demoted %ld\n",
		       took, pct_on_node(hot, HOT_SIZE, 0), cold_down);
	EXPECT_GT(took, 0) TH_LOG("only %.1f%% of the hot buffer on node0 after %.0f s",
				  pct_on_node(hot, HOT_SIZE, 0), deadline);
	EXPECT_GE(cold_down, hot_pages * 8 / 10);
	EXPECT_EQ(0, verify_pattern(hot, HOT_SIZE, 0x408, NULL));
	EXPECT_EQ(0, verify_pattern(cold, cold_len, 0xc01d, NULL));
	munmap(hot, HOT_SIZE);
	munmap(cold, cold_len);
}

TEST_HARNESS_MAIN
