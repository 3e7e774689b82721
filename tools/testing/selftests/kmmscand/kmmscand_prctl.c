// SPDX-License-Identifier: GPL-2.0
/*
 * prctl(PR_SET_MEMSCAN / PR_GET_MEMSCAN): a per-process kmmscand level,
 * 0..10 (0 = opt out, 5 = default), checked strictly, inherited on fork,
 * kept across execve, shown in /proc/<pid>/status, and honoured: a level-0
 * process keeps its hot slow-tier memory where it is while a default-level
 * sibling gets promoted.
 */
#include <sys/prctl.h>
#include <sys/wait.h>
#include <linux/prctl.h>
#include "../kselftest_harness.h"
#include "kmmscand.h"

#ifndef PR_SET_MEMSCAN
#define PR_SET_MEMSCAN	0x4d534353
#define PR_GET_MEMSCAN	0x4d534347
#endif

#define SIZE		(64UL << 20)

static int get_level(void)
{
	return prctl(PR_GET_MEMSCAN, 0, 0, 0, 0);
}

static int status_level(pid_t pid)
{
	char path[64], line[256];
	int level = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "Memscan:", 8))
			level = atoi(line + 8);
	fclose(f);
	return level;
}

FIXTURE(prctl)
{
	int saved;
};

FIXTURE_SETUP(prctl)
{
	self->saved = get_level();
	if (self->saved < 0 && errno == EINVAL)
		SKIP(return, "PR_GET_MEMSCAN not supported (kernel without kmmscand)");
	ASSERT_GE(self->saved, 0);
}

FIXTURE_TEARDOWN(prctl)
{
	if (self->saved >= 0)
		prctl(PR_SET_MEMSCAN, self->saved, 0, 0, 0);
}

TEST_F(prctl, default_level)
{
	/* The harness runs each test in a fork of a process nobody changed. */
	EXPECT_EQ(5, get_level());
	EXPECT_EQ(5, status_level(getpid()));
}

TEST_F(prctl, set_get_each_level)
{
	int level;

	for (level = 0; level <= 10; level++) {
		ASSERT_EQ(0, prctl(PR_SET_MEMSCAN, level, 0, 0, 0));
		EXPECT_EQ(level, get_level());
		EXPECT_EQ(level, status_level(getpid()));
	}
}

TEST_F(prctl, bad_input_rejected_unchanged)
{
	ASSERT_EQ(0, prctl(PR_SET_MEMSCAN, 7, 0, 0, 0));

	EXPECT_EQ(-1, prctl(PR_SET_MEMSCAN, 11, 0, 0, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, prctl(PR_SET_MEMSCAN, -1L, 0, 0, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, prctl(PR_SET_MEMSCAN, 1UL << 32, 0, 0, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, prctl(PR_SET_MEMSCAN, 3, 1, 0, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, prctl(PR_SET_MEMSCAN, 3, 0, 1, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, prctl(PR_SET_MEMSCAN, 3, 0, 0, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, prctl(PR_GET_MEMSCAN, 1, 0, 0, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(7, get_level());
}

TEST_F(prctl, inherited_on_fork)
{
	int status;
	pid_t pid;

	ASSERT_EQ(0, prctl(PR_SET_MEMSCAN, 9, 0, 0, 0));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(get_level() == 9 ? 0 : 1);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static const char *self_exe;

TEST_F(prctl, kept_across_exec)
{
	int status;
	pid_t pid;

	ASSERT_EQ(0, prctl(PR_SET_MEMSCAN, 2, 0, 0, 0));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		/* Re-exec ourselves; main() reports the level as the exit code. */
		execl(self_exe, self_exe, "--report-level", NULL);
		_exit(100);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(2, WEXITSTATUS(status));
}

/*
 * A child that keeps a buffer on node1 hot at the given level; reports
 * the percentage of it on node0 after RUN_S seconds (exit code).
 */
#define RUN_S		40.0

static int hot_child(int level)
{
	struct goal never = { .nid = 0, .pct = 101.0 };
	char *buf;

	if (prctl(PR_SET_MEMSCAN, level, 0, 0, 0))
		return 255;
	buf = alloc_on_node(SIZE, 1, false);
	if (!buf)
		return 254;
	keep_hot_until(buf, SIZE, true, RUN_S, reached, &never);
	return (int)pct_on_node(buf, SIZE, 0);
}

TEST_F_TIMEOUT(prctl, level0_opts_out, 120)
{
	struct knob_save saved = { 0 };
	int st0, st5;
	pid_t p0, p5;

	if (!kmmscand_present() || nr_memory_nodes() < 2 || node_tier(1) <= node_tier(0))
		SKIP(return, "needs kmmscand and a slow node1 (lab topology T2)");
	ASSERT_EQ(0, kmmscand_setup(&saved));
	p0 = fork();
	if (p0 == 0)
		_exit(hot_child(0));
	p5 = fork();
	if (p5 == 0)
		_exit(hot_child(5));
	ASSERT_EQ(p0, waitpid(p0, &st0, 0));
	ASSERT_EQ(p5, waitpid(p5, &st5, 0));
	kmmscand_restore(&saved);
	ASSERT_TRUE(WIFEXITED(st0) && WIFEXITED(st5));
	ksft_print_msg("on node0 after %.0f s: level 0 %d%%, level 5 %d%%\n",
		       RUN_S, WEXITSTATUS(st0), WEXITSTATUS(st5));
	EXPECT_EQ(0, WEXITSTATUS(st0));
	EXPECT_GE(WEXITSTATUS(st5), 99);
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--report-level"))
		return get_level();
	self_exe = "/proc/self/exe";
	return test_harness_run(argc, argv);
}
