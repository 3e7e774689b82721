// SPDX-License-Identifier: GPL-2.0
/*
 * Target-node choice on T3 (node0 and node1 top tier with a CPU each, node2
 * the slow tier): a task that runs on node1's CPU and keeps data hot on
 * node2 gets it promoted to node1, the node its memory and CPU are on, not
 * to node0; target_node overrides that, also for pages already waiting.
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
	char target_node[16];
	char migrate_enabled[16];
};

FIXTURE_SETUP(target)
{
	KMMSCAND_REQUIRE(kmmscand_present(), "kmmscand is not built in");
	KMMSCAND_REQUIRE(nr_memory_nodes() >= 3 && node_has_cpus(1) &&
			 !node_has_cpus(2) && node_tier(2) > node_tier(1),
			 "needs lab topology T3");
	ASSERT_GT(read_file(KMMSCAND_DIR "/target_node", self->target_node,
			    sizeof(self->target_node)), 0);
	ASSERT_GT(read_file(KMMSCAND_DIR "/migrate_enabled",
			    self->migrate_enabled,
			    sizeof(self->migrate_enabled)), 0);
	ASSERT_EQ(0, kmmscand_setup(&self->saved));
}

FIXTURE_TEARDOWN(target)
{
	if (self->target_node[0])
		kmmscand_set("target_node", self->target_node);
	if (self->migrate_enabled[0])
		kmmscand_set("migrate_enabled", self->migrate_enabled);
	kmmscand_restore(&self->saved);
}

/* Run this task on the first CPU of node nid. */
static int run_on_node(int nid)
{
	char path[128], buf[64];
	cpu_set_t set;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/cpulist", nid);
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	CPU_ZERO(&set);
	CPU_SET(atoi(buf), &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/*
 * keep_hot_until() with the task's local working set kept hot too, so
 * that every pass sees it young on its node. Without a @goal, for
 * @secs seconds.
 */
static double keep_both_hot(char *buf, size_t len, char *local, size_t llen,
			    struct goal *goal, double secs)
{
	double start = now_s(), last_check = 0;
	volatile unsigned long sink = 0;

	while (now_s() - start < secs) {
		sink += touch_sweep(buf, len, true);
		sink += touch_sweep(local, llen, true);
		usleep(2000);
		if (goal && now_s() - last_check >= 1.0) {
			last_check = now_s();
			if (reached(buf, len, goal))
				return now_s() - start;
		}
	}
	(void)sink;
	return -1;
}

struct rules {
	long heuristic;		/* scan_end target_nid=1 by rule young or task */
	long other;		/* scan_end with any other target or rule */
};

static void count_rules(const char *line, void *arg)
{
	struct rules *r = arg;

	if (strstr(line, "target_nid=1 rule=young") ||
	    strstr(line, "target_nid=1 rule=task"))
		r->heuristic++;
	else
		r->other++;
}

/*
 * The pages go to node1 because the heuristic chose node1 for this mm
 * (rule young: its anon pages there, or task: it runs there), and the
 * migrator used that choice (rule hint); the fallback (first allowed
 * node, or nearest node to the page) would have taken node0.
 */
TEST_F_TIMEOUT(target, promoted_to_task_node, 150)
{
	static const char * const events[] = {
		"kmmscand_scan_end", "kmmscand_migrate", NULL,
	};
	static const char * const queued[] = {
		"kmmscand_migrate:", "result=queued", NULL,
	};
	static const char * const queued_hint[] = {
		"kmmscand_migrate:", "to_nid=1 rule=hint result=queued", NULL,
	};
	static const char * const scan_end[] = { "kmmscand_scan_end:", NULL };
	struct goal goal = { .nid = 1, .pct = 90.0 };
	struct rules rules = { 0 };
	long count[MAX_NODES], nq, nq_hint;
	char filter[64];
	char *buf, *local;
	double took;

	ASSERT_EQ(0, run_on_node(1));
	/* Some private working set of the task's own, on its local node. */
	local = alloc_on_node(4UL << 20, 1, false);
	ASSERT_NE(NULL, local);
	buf = alloc_pattern_on_node(SIZE, 2, false, 0x73);
	ASSERT_NE(NULL, buf);
	/* scan_end is filtered on our pid; migrate has no pid field. */
	snprintf(filter, sizeof(filter), "pid == %d", getpid());
	ASSERT_EQ(0, trace_start(events, NULL));
	ASSERT_EQ(0, trace_write("events/kmmscand/kmmscand_scan_end/filter", filter));

	took = keep_both_hot(buf, SIZE, local, 4UL << 20, &goal, DEADLINE_S);
	trace_stop();
	pages_per_node(buf, SIZE, count);
	nq = trace_count(queued, NULL, NULL);
	nq_hint = trace_count(queued_hint, NULL, NULL);
	trace_count(scan_end, count_rules, &rules);
	ksft_print_msg("after %.1f s: node0 %ld, node1 %ld, node2 %ld pages; queued %ld, by hint to node1 %ld; passes choosing node1 by young/task %ld, other %ld\n",
		       took, count[0], count[1], count[2], nq, nq_hint,
		       rules.heuristic, rules.other);
	EXPECT_GT(took, 0);
	/* Whatever was promoted went to node1. */
	EXPECT_LE(count[0], (long)(SIZE / PAGE_SZ) / 100);
	/* ... because of the heuristic, not a fallback. */
	EXPECT_GT(nq, 0);
	EXPECT_EQ(nq, nq_hint);
	EXPECT_GT(rules.heuristic, 0);
	EXPECT_EQ(0, rules.other);
	EXPECT_EQ(0, verify_pattern(buf, SIZE, 0x73, NULL));
	munmap(buf, SIZE);
	munmap(local, 4UL << 20);
}

/*
 * target_node: a slow-tier or absent node is refused with the old value
 * kept; a forced top-tier node wins over the heuristic: the task runs on
 * node0's CPU, with its working set there, and its pages go to node1
 * (the heuristic, and the nearest-node fallback, would both pick node0).
 */
TEST_F_TIMEOUT(target, forced_target_node, 150)
{
	static const char * const events[] = { "kmmscand_migrate", NULL };
	static const char * const queued[] = {
		"kmmscand_migrate:", "result=queued", NULL,
	};
	static const char * const queued1[] = {
		"kmmscand_migrate:", "to_nid=1 ", "result=queued", NULL,
	};
	struct goal goal = { .nid = 1, .pct = 90.0 };
	char val[16];
	long count[MAX_NODES], nq, nq1;
	char *buf, *local;
	double took;

	ASSERT_EQ(0, kmmscand_set("target_node", "-1"));
	/* node2 is the slow tier, node7 does not exist, -2 is no node */
	EXPECT_EQ(-EINVAL, kmmscand_set("target_node", "2"));
	EXPECT_EQ(-EINVAL, kmmscand_set("target_node", "7"));
	EXPECT_EQ(-EINVAL, kmmscand_set("target_node", "-2"));
	ASSERT_GT(read_file(KMMSCAND_DIR "/target_node", val, sizeof(val)), 0);
	EXPECT_STREQ("-1\n", val);
	ASSERT_EQ(0, kmmscand_set("target_node", "1"));

	ASSERT_EQ(0, run_on_node(0));
	local = alloc_on_node(4UL << 20, 0, false);
	ASSERT_NE(NULL, local);
	buf = alloc_pattern_on_node(SIZE, 2, false, 0xf0);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, trace_start(events, NULL));
	took = keep_both_hot(buf, SIZE, local, 4UL << 20, &goal, DEADLINE_S);
	trace_stop();
	pages_per_node(buf, SIZE, count);
	nq = trace_count(queued, NULL, NULL);
	nq1 = trace_count(queued1, NULL, NULL);
	ksft_print_msg("target_node=1: after %.1f s: node0 %ld, node1 %ld, node2 %ld pages; queued %ld, to node1 %ld\n",
		       took, count[0], count[1], count[2], nq, nq1);
	EXPECT_GT(took, 0);
	EXPECT_LE(count[0], (long)(SIZE / PAGE_SZ) / 100);
	EXPECT_GT(nq, 0);
	EXPECT_EQ(nq, nq1);
	EXPECT_EQ(0, verify_pattern(buf, SIZE, 0xf0, NULL));
	munmap(buf, SIZE);
	munmap(local, 4UL << 20);
}

/*
 * target_node is the admin's word of now. The pages of a task that runs
 * on node0's CPU, with its working set there, become ready while
 * promotion is paused, with the scanner's choice (node0) as their hint;
 * scanning stops, target_node=1 is set, promotion resumes: they go to
 * node1, not to the node chosen before target_node was set.
 */
TEST_F_TIMEOUT(target, forced_target_node_set_while_waiting, 150)
{
	static const char * const events[] = { "kmmscand_migrate", NULL };
	static const char * const queued[] = {
		"kmmscand_migrate:", "result=queued", NULL,
	};
	static const char * const queued1[] = {
		"kmmscand_migrate:", "to_nid=1 rule=forced result=queued", NULL,
	};
	long long ready = vmstat("kmmscand_pages_ready");
	long count[MAX_NODES], nq, nq1, pages = SIZE / PAGE_SZ;
	double start, took = -1;
	char *buf, *local;

	ASSERT_EQ(0, kmmscand_set("target_node", "-1"));
	ASSERT_EQ(0, kmmscand_set("migrate_enabled", "0"));
	ASSERT_EQ(0, run_on_node(0));
	local = alloc_on_node(4UL << 20, 0, false);
	ASSERT_NE(NULL, local);
	buf = alloc_pattern_on_node(SIZE, 2, false, 0x3c);
	ASSERT_NE(NULL, buf);
	keep_both_hot(buf, SIZE, local, 4UL << 20, NULL, 15.0);
	ready = vmstat("kmmscand_pages_ready") - ready;
	pages_per_node(buf, SIZE, count);
	ksft_print_msg("paused: %lld pages ready, node0 %ld, node1 %ld\n",
		       ready, count[0], count[1]);
	ASSERT_GE(ready, pages * 9 / 10);
	ASSERT_EQ(0, count[0] + count[1]);

	ASSERT_EQ(0, kmmscand_set("scan_enabled", "0"));
	ASSERT_EQ(0, kmmscand_set("target_node", "1"));
	ASSERT_EQ(0, trace_start(events, NULL));
	ASSERT_EQ(0, kmmscand_set("migrate_enabled", "1"));
	start = now_s();
	while (now_s() - start < 60.0) {
		sleep(1);
		pages_per_node(buf, SIZE, count);
		if (count[0] + count[1] >= pages * 9 / 10) {
			took = now_s() - start;
			break;
		}
	}
	trace_stop();
	pages_per_node(buf, SIZE, count);
	nq = trace_count(queued, NULL, NULL);
	nq1 = trace_count(queued1, NULL, NULL);
	ksft_print_msg("target_node=1 set while waiting: after %.1f s\n", took);
	ksft_print_msg("node0 %ld, node1 %ld, node2 %ld pages; queued %ld, forced to node1 %ld\n",
		       count[0], count[1], count[2], nq, nq1);
	EXPECT_GT(took, 0);
	EXPECT_LE(count[0], pages / 100);
	EXPECT_GT(nq, 0);
	EXPECT_EQ(nq, nq1);
	EXPECT_EQ(0, verify_pattern(buf, SIZE, 0x3c, NULL));
	munmap(buf, SIZE);
	munmap(local, 4UL << 20);
}

TEST_HARNESS_MAIN
