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

FIXTURE(prctl)
{
	int saved;
};

FIXTURE_SETUP(prctl)
{
	self->saved = get_level();
	KMMSCAND_REQUIRE(self->saved >= 0 || errno != EINVAL,
			 "PR_GET_MEMSCAN not supported (kernel without kmmscand)");
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
	EXPECT_EQ(5, memscan_status_level(getpid()));
}

TEST_F(prctl, set_get_each_level)
{
	int level;

	for (level = 0; level <= 10; level++) {
		ASSERT_EQ(0, prctl(PR_SET_MEMSCAN, level, 0, 0, 0));
		EXPECT_EQ(level, get_level());
		EXPECT_EQ(level, memscan_status_level(getpid()));
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
 * A child that keeps a pattern-filled buffer on node1 hot at the given
 * level for RUN_S seconds, then writes what it saw to fd: exit code 0 only
 * when every step worked and every byte is intact.
 */
#define RUN_S		40.0

struct hot_report {
	double pct_node0;	/* of the buffer, at the end */
	double pct_node1_start;	/* of the buffer, before the run */
	long bad_pages;		/* pages whose bytes changed */
};

static int hot_child(int level, int fd)
{
	struct goal never = { .nid = 0, .pct = 101.0 };
	struct hot_report r;
	char *buf;

	if (prctl(PR_SET_MEMSCAN, level, 0, 0, 0))
		return 10;
	if (get_level() != level)
		return 11;
	buf = alloc_pattern_on_node(SIZE, 1, false, 0x1e7e1 + level);
	if (!buf)
		return 12;
	r.pct_node1_start = pct_on_node(buf, SIZE, 1);
	keep_hot_until(buf, SIZE, true, RUN_S, reached, &never);
	r.pct_node0 = pct_on_node(buf, SIZE, 0);
	r.bad_pages = verify_pattern(buf, SIZE, 0x1e7e1 + level, NULL);
	if (write(fd, &r, sizeof(r)) != sizeof(r))
		return 13;
	return 0;
}

static pid_t spawn_hot_child(int level, int *fd)
{
	int p[2];
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		_exit(hot_child(level, p[1]));
	}
	close(p[1]);
	*fd = p[0];
	return pid;
}

/* The child's exit status and report; false unless it exited 0. */
static bool reap_hot_child(pid_t pid, int fd, struct hot_report *r)
{
	int status;
	bool ok;

	ok = waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	     WEXITSTATUS(status) == 0 && read(fd, r, sizeof(*r)) == sizeof(*r);
	if (!ok)
		ksft_print_msg("hot child %d: status 0x%x\n", pid, status);
	close(fd);
	return ok;
}

TEST_F_TIMEOUT(prctl, level0_opts_out, 120)
{
	struct hot_report r0 = { 0 }, r5 = { 0 };
	struct knob_save saved = { 0 };
	long long optout = vmstat("kmmscand_mm_optout");
	int fd0, fd5;
	pid_t p0, p5;

	KMMSCAND_REQUIRE_T2();
	ASSERT_EQ(0, kmmscand_setup(&saved));
	p0 = spawn_hot_child(0, &fd0);
	ASSERT_GT(p0, 0);
	p5 = spawn_hot_child(5, &fd5);
	ASSERT_GT(p5, 0);
	ASSERT_TRUE(reap_hot_child(p0, fd0, &r0));
	ASSERT_TRUE(reap_hot_child(p5, fd5, &r5));
	kmmscand_restore(&saved);
	ksft_print_msg("on node0 after %.0f s: level 0 %.1f%%, level 5 %.1f%%\n",
		       RUN_S, r0.pct_node0, r5.pct_node0);
	/* Both started on node1; only the default level moved. */
	EXPECT_GE(r0.pct_node1_start, 99.0);
	EXPECT_GE(r5.pct_node1_start, 99.0);
	EXPECT_EQ(0.0, r0.pct_node0);
	EXPECT_GE(r5.pct_node0, 99.0);
	EXPECT_EQ(0, r0.bad_pages);
	EXPECT_EQ(0, r5.bad_pages);
	/* The scanner visited the opted-out mm and left it alone. */
	EXPECT_GT(vmstat("kmmscand_mm_optout"), optout);
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--report-level"))
		return get_level();
	self_exe = "/proc/self/exe";
	return test_harness_run(argc, argv);
}
