// SPDX-License-Identifier: GPL-2.0
/*
 * Processes that fork, exit, munmap and remap while kmmscand scans and
 * migrates them. The kernel must stay healthy (the lab counts any splat as
 * a failure), every byte of every chunk is checked against its pattern
 * before it is unmapped, in the parent and in forked children, and the
 * test checks that scanning and promotion really happened under the
 * churn, so it is not passing by doing nothing.
 */
#include <signal.h>
#include <sys/wait.h>
#include "../kselftest_harness.h"
#include "kmmscand.h"

#define WORKERS		4
#define RUN_S		40.0
#define CHUNK		(8UL << 20)

FIXTURE(stress)
{
	struct knob_save saved;
};

FIXTURE_SETUP(stress)
{
	KMMSCAND_REQUIRE_T2();
	ASSERT_EQ(0, kmmscand_setup(&self->saved));
}

FIXTURE_TEARDOWN(stress)
{
	kmmscand_restore(&self->saved);
}

/*
 * One worker: keep a few chunks on node1 hot, and keep changing them: unmap
 * one and map a new one, fork short-lived children that touch the inherited
 * memory and exit, now and then exit and be replaced.
 */
/* A chunk with its own pattern, on node1, THP-backed or not. */
static char *chunk_alloc(unsigned long long seed, bool thp)
{
	return alloc_pattern_on_node(CHUNK, 1, thp, seed);
}

/* Exit code 3 on the first chunk with a wrong byte. */
static void chunk_check(char *chunk, unsigned long long seed)
{
	long first;

	if (chunk && verify_pattern(chunk, CHUNK, seed, &first)) {
		ksft_print_msg("pid %d: chunk %p seed %llx: page %ld corrupt\n",
			       getpid(), chunk, seed, first);
		_exit(3);
	}
}

static void worker(unsigned int seed, double until)
{
	unsigned long long cseed[4];
	char *chunk[4];
	int i, round = 0;

	for (i = 0; i < 4; i++) {
		cseed[i] = (unsigned long long)seed << 8 | i;
		chunk[i] = chunk_alloc(cseed[i], i & 1);
	}
	while (now_s() < until) {
		for (i = 0; i < 4; i++)
			if (chunk[i])
				touch_sweep(chunk[i], CHUNK, round & 1);
		usleep(5000);
		round++;
		seed = seed * 1103515245 + 12345;
		if (round % 50 == 0) {
			i = seed % 4;
			chunk_check(chunk[i], cseed[i]);
			if (chunk[i])
				munmap(chunk[i], CHUNK);
			cseed[i] += 4;
			chunk[i] = chunk_alloc(cseed[i], seed & 1);
		}
		if (round % 80 == 0) {
			pid_t pid = fork();

			if (pid == 0) {
				/* Outlive the initial scan delay, sometimes. */
				double end = now_s() + (seed % 4);

				i = seed % 4;
				while (now_s() < end) {
					touch_sweep(chunk[i], CHUNK, true);
					usleep(5000);
				}
				/* The child's copy-on-write view is intact too. */
				chunk_check(chunk[i], cseed[i]);
				_exit(0);
			}
		}
		while (waitpid(-1, &i, WNOHANG) > 0)
			if (!WIFEXITED(i) || WEXITSTATUS(i))
				_exit(3);
		if (round % 400 == 0)
			break;
	}
	while (wait(&i) > 0)
		if (!WIFEXITED(i) || WEXITSTATUS(i))
			_exit(3);
	for (i = 0; i < 4; i++)
		chunk_check(chunk[i], cseed[i]);
	_exit(0);
}

TEST_F_TIMEOUT(stress, fork_exit_munmap_while_scanned, 120)
{
	long long scans = vmstat("kmmscand_mm_scans");
	long long promoted = vmstat("kmmscand_promoted");
	double until = now_s() + RUN_S;
	int running = 0, spawned = 0, status;
	pid_t pid;

	while (now_s() < until) {
		while (running < WORKERS) {
			pid = fork();
			ASSERT_GE(pid, 0);
			if (pid == 0)
				worker(spawned * 7919 + 1, until);
			running++;
			spawned++;
		}
		pid = wait(&status);
		if (pid > 0) {
			running--;
			EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		}
	}
	while (running > 0 && wait(&status) > 0) {
		running--;
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	ksft_print_msg("%d workers, mm scans +%lld, promoted +%lld\n", spawned,
		       vmstat("kmmscand_mm_scans") - scans,
		       vmstat("kmmscand_promoted") - promoted);
	EXPECT_GT(vmstat("kmmscand_mm_scans"), scans);
	EXPECT_GT(vmstat("kmmscand_promoted"), promoted);
}

TEST_HARNESS_MAIN
