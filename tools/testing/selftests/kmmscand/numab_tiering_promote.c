// SPDX-License-Identifier: GPL-2.0
/*
 * The baseline peer: with NUMA balancing in its memory-tiering mode
 * (kernel.numa_balancing=2), a hot buffer placed on the slow node is
 * promoted to the top tier (GOAL_PCT of it within a generous DEADLINE_S:
 * this checks that promotion happens, not how fast). Proves the lab can observe promotion, and
 * prints how fast it happened for comparison.
 */
#include "../kselftest_harness.h"
#include "tiering.h"

#define BUF_SIZE	(256UL << 20)
#define DEADLINE_S	180.0
#define GOAL_PCT	90.0
#define NUMAB		"/proc/sys/kernel/numa_balancing"

FIXTURE(numab)
{
	char saved[16];
	char *buf;
};

FIXTURE_SETUP(numab)
{
	if (nr_memory_nodes() < 2 || node_tier(1) <= node_tier(0))
		SKIP(return, "needs a slow node1 below node0 (lab topology T2)");
	ASSERT_GE(read_file(NUMAB, self->saved, sizeof(self->saved)), 0);
	/* kmmscand, if built in, must not be the one promoting here. */
	write_file("/sys/kernel/mm/kmmscand/scan_enabled", "0");
	ASSERT_EQ(0, write_file(NUMAB, "2"));
}

FIXTURE_TEARDOWN(numab)
{
	if (self->saved[0])
		write_file(NUMAB, self->saved);
	write_file("/sys/kernel/mm/kmmscand/scan_enabled", "1");
	if (self->buf)
		munmap(self->buf, BUF_SIZE);
}

/* Notes when half was promoted (marks[0]); done at GOAL_PCT. */
static bool promoted_enough(char *buf, size_t len, void *arg)
{
	double pct = pct_on_node(buf, len, 0);
	double *marks = arg;

	if (pct >= 50 && marks[0] < 0)
		marks[0] = now_s() - marks[1];
	return pct >= GOAL_PCT;
}

TEST_F_TIMEOUT(numab, hot_buffer_promoted, 240)
{
	double marks[2] = { -1, 0 };
	long long before = vmstat("pgpromote_success"), after;
	double took;

	self->buf = alloc_on_node(BUF_SIZE, 1, false);
	ASSERT_NE(NULL, self->buf);
	ASSERT_GE(pct_on_node(self->buf, BUF_SIZE, 1), 99.0)
		TH_LOG("the buffer did not start on node1");

	marks[1] = now_s();
	took = keep_hot_until(self->buf, BUF_SIZE, true, DEADLINE_S, promoted_enough, marks);
	after = vmstat("pgpromote_success");
	ksft_print_msg("numa_balancing=2: 50%% after %.1fs, %.0f%% after %.1fs, pgpromote_success +%lld\n",
		       marks[0], GOAL_PCT, took, after - before);
	ASSERT_GT(took, 0) TH_LOG("only %.1f%% on node0 after %.0fs",
				  pct_on_node(self->buf, BUF_SIZE, 0), DEADLINE_S);
	/* The tiering mode counts what it promoted. */
	EXPECT_GE(after - before, (long long)(BUF_SIZE / PAGE_SZ) * GOAL_PCT / 100 * 9 / 10);
}

TEST_HARNESS_MAIN
