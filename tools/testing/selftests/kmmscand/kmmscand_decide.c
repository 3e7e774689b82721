// SPDX-License-Identifier: GPL-2.0
/*
 * kmmscand decides at migration time by the rules of that moment (lab
 * topology T2: node0 top tier, node1 CPU-less slow tier). Each case holds
 * kmmmigrated (migrate_enabled=0) while a hot buffer on node1 becomes
 * ready in the store, then changes what the buffer's owner allows, then
 * lets kmmmigrated go while the buffer stays hot: not one page may move,
 * and the counter of that refusal counts the pages it kept. The control
 * case changes nothing and sees the buffer promoted, so the ready records
 * were there to be acted on.
 */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <linux/prctl.h>
#include "../kselftest_harness.h"
#include "kmmscand.h"

#define BUF_SIZE	(64UL << 20)
#define BUF_PAGES	((long long)(BUF_SIZE / PAGE_SZ))
#define CGROOT		"/sys/fs/cgroup"
#define CG		CGROOT "/kmmscand-decide"

FIXTURE(decide)
{
	struct knob_save saved;
	char migrate_enabled[16];
	char hot_window_ms[16];
	char target_node[16];
	bool in_cgroup;
	char *buf;
};

FIXTURE_SETUP(decide)
{
	KMMSCAND_REQUIRE_T2();
	ASSERT_GT(kmmscand_get("migrate_enabled", self->migrate_enabled,
			       sizeof(self->migrate_enabled)), 0);
	ASSERT_GT(kmmscand_get("hot_window_ms", self->hot_window_ms,
			       sizeof(self->hot_window_ms)), 0);
	ASSERT_GT(kmmscand_get("target_node", self->target_node,
			       sizeof(self->target_node)), 0);
	ASSERT_EQ(0, kmmscand_setup(&self->saved));
	/* Ready records stay fresh while the case makes its change. */
	ASSERT_EQ(0, kmmscand_set("hot_window_ms", "30000"));
	ASSERT_EQ(0, kmmscand_set("migrate_enabled", "0"));
	self->buf = alloc_pattern_on_node(BUF_SIZE, 1, false, 0xdec1de);
	ASSERT_NE(NULL, self->buf);
	ASSERT_GE(pct_on_node(self->buf, BUF_SIZE, 1), 99.0);
}

FIXTURE_TEARDOWN(decide)
{
	char pid[32];

	if (self->in_cgroup) {
		snprintf(pid, sizeof(pid), "%d", getpid());
		write_file(CGROOT "/cgroup.procs", pid);
		rmdir(CG);
	}
	if (self->buf)
		munmap(self->buf, BUF_SIZE);
	if (self->target_node[0])
		kmmscand_set("target_node", self->target_node);
	if (self->hot_window_ms[0])
		kmmscand_set("hot_window_ms", self->hot_window_ms);
	if (self->migrate_enabled[0])
		kmmscand_set("migrate_enabled", self->migrate_enabled);
	kmmscand_restore(&self->saved);
}

struct counter_goal {
	const char *name;
	long long from;
	long long want;
};

static bool counted(char *buf, size_t len, void *arg)
{
	struct counter_goal *g = arg;

	return vmstat(g->name) - g->from >= g->want;
}

static double slow_factor(void)
{
	return getenv("KMMSCAND_TEST_SLOW_KERNEL") ? 3.0 : 1.0;
}

/*
 * Keep the buffer hot with kmmmigrated held until nine in ten of its
 * pages are ready in the store. Return: the pages that became ready.
 */
static long long make_ready(char *buf)
{
	struct counter_goal g = {
		.name = "kmmscand_pages_ready",
		.from = vmstat("kmmscand_pages_ready"),
		.want = BUF_PAGES * 9 / 10,
	};

	keep_hot_until(buf, BUF_SIZE, true, 30.0 * slow_factor(), counted, &g);
	return vmstat("kmmscand_pages_ready") - g.from;
}

/*
 * With kmmmigrated going, keep the buffer hot until @counter counted half
 * of the buffer (or a generous deadline), then for as long again as that
 * took, at least 3 s: whatever could move had its chance.
 */
static void release(char *buf, const char *counter)
{
	struct counter_goal g = {
		.name = counter,
		.from = vmstat(counter),
		.want = BUF_PAGES / 2,
	};
	struct goal never = { .nid = 0, .pct = 101.0 };
	double took;

	took = keep_hot_until(buf, BUF_SIZE, true, 30.0 * slow_factor(),
			      counted, &g);
	keep_hot_until(buf, BUF_SIZE, true, took > 3.0 ? took : 3.0, reached,
		       &never);
}

/* The case's change was made: nothing moves, and @counter says why. */
static void expect_kept(struct __test_metadata *_metadata, char *buf,
			const char *counter)
{
	long long promoted = vmstat("kmmscand_promoted");
	long long kept = vmstat(counter);

	ASSERT_EQ(0, kmmscand_set("migrate_enabled", "1"));
	release(buf, counter);
	promoted = vmstat("kmmscand_promoted") - promoted;
	kept = vmstat(counter) - kept;
	ksft_print_msg("after the change: %.2f%% on node0, %lld pages promoted, %s +%lld\n",
		       pct_on_node(buf, BUF_SIZE, 0), promoted, counter, kept);
	EXPECT_EQ(0.0, pct_on_node(buf, BUF_SIZE, 0));
	EXPECT_GE(kept, BUF_PAGES / 2);
	EXPECT_EQ(0, verify_pattern(buf, BUF_SIZE, 0xdec1de, NULL));
}

/* No change: the records made ready this way are promoted. */
TEST_F_TIMEOUT(decide, control_promoted, 150)
{
	struct goal goal = { .nid = 0, .pct = 90.0 };
	long long ready = make_ready(self->buf);
	double took;

	ASSERT_GE(ready, BUF_PAGES * 9 / 10);
	ASSERT_EQ(0.0, pct_on_node(self->buf, BUF_SIZE, 0));
	ASSERT_EQ(0, kmmscand_set("migrate_enabled", "1"));
	took = keep_hot_until(self->buf, BUF_SIZE, true, 30.0 * slow_factor(),
			      reached, &goal);
	ksft_print_msg("%lld ready; 90%% on node0 %.1f s after kmmmigrated resumed\n",
		       ready, took);
	EXPECT_GT(took, 0);
	EXPECT_EQ(0, verify_pattern(self->buf, BUF_SIZE, 0xdec1de, NULL));
}

/* The process opts out with prctl(PR_SET_MEMSCAN, 0). */
TEST_F_TIMEOUT(decide, optout_kept, 150)
{
	ASSERT_GE(make_ready(self->buf), BUF_PAGES * 9 / 10);
	ASSERT_EQ(0, prctl(PR_SET_MEMSCAN, 0, 0, 0, 0));
	expect_kept(_metadata, self->buf, "kmmscand_promote_skip_optout");
}

static void mbind_case(struct __test_metadata *_metadata, char *buf, int mode,
		       unsigned long mask)
{
	ASSERT_GE(make_ready(buf), BUF_PAGES * 9 / 10);
	/* No MPOL_MF_MOVE: the pages stay where they are, on node1. */
	ASSERT_EQ(0, sys_mbind(buf, BUF_SIZE, mode, &mask, MAX_NODES + 1, 0));
	expect_kept(_metadata, buf, "kmmscand_promote_skip_mempolicy");
}

/* Bound to the slow node. */
TEST_F_TIMEOUT(decide, mbind_bind_slow_kept, 150)
{
	mbind_case(_metadata, self->buf, MPOL_BIND, 1UL << 1);
}

/* Interleaved over both nodes: a page on node1 is where it belongs. */
TEST_F_TIMEOUT(decide, mbind_interleave_kept, 150)
{
	mbind_case(_metadata, self->buf, MPOL_INTERLEAVE, 3UL);
}

/* Preferring both nodes: a page on node1 is where it belongs. */
TEST_F_TIMEOUT(decide, mbind_preferred_many_kept, 150)
{
	mbind_case(_metadata, self->buf, MPOL_PREFERRED_MANY, 3UL);
}

/*
 * Moved to a cpuset whose only memory node is the slow one, with
 * target_node forcing node0: the override obeys the cpuset too.
 */
TEST_F_TIMEOUT(decide, cpuset_slow_kept, 150)
{
	char pid[32];

	if (access(CGROOT "/cgroup.subtree_control", W_OK))
		SKIP(return, "no cgroup2 at " CGROOT);
	ASSERT_EQ(0, write_file(CGROOT "/cgroup.subtree_control", "+cpuset"));
	ASSERT_TRUE(mkdir(CG, 0755) == 0 || errno == EEXIST);
	ASSERT_EQ(0, write_file(CG "/cpuset.mems", "1"));
	ASSERT_EQ(0, kmmscand_set("target_node", "0"));
	ASSERT_GE(make_ready(self->buf), BUF_PAGES * 9 / 10);
	snprintf(pid, sizeof(pid), "%d", getpid());
	ASSERT_EQ(0, write_file(CG "/cgroup.procs", pid));
	self->in_cgroup = true;
	expect_kept(_metadata, self->buf, "kmmscand_promote_skip_cpuset");
}

TEST_HARNESS_MAIN
