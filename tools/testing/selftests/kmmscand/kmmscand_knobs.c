// SPDX-License-Identifier: GPL-2.0
/*
 * Every kmmscand knob has an effect at run time, and every documented
 * counter can be provoked and moves in its documented unit (lab topology
 * T2: node0 top tier, node1 CPU-less slow tier). Each test would fail if
 * the knob it exercises were a no-op. NUMA balancing is off throughout.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <linux/prctl.h>
#include "../kselftest_harness.h"
#include "kmmscand.h"

#define SIZE		(32UL << 20)
#define PAGES		(SIZE / PAGE_SZ)

static const char * const saved_knobs[] = {
	"migrate_enabled", "scan_sleep_ms", "mms_to_scan", "scan_size_mb",
	"scan_period_min_ms", "scan_period_max_ms", "initial_scan_delay_ms",
	"hot_threshold", "hot_window_ms", "promote_rate_limit_MBps",
	"target_node",
};

#define NR_SAVED	(sizeof(saved_knobs) / sizeof(saved_knobs[0]))

FIXTURE(knobs)
{
	struct knob_save saved;
	char knob[NR_SAVED][32];
};

FIXTURE_SETUP(knobs)
{
	char path[256];
	unsigned int i;

	KMMSCAND_REQUIRE_T2();
	for (i = 0; i < NR_SAVED; i++) {
		snprintf(path, sizeof(path), KMMSCAND_DIR "/%s", saved_knobs[i]);
		ASSERT_GT(read_file(path, self->knob[i], sizeof(self->knob[i])), 0);
	}
	ASSERT_EQ(0, kmmscand_setup(&self->saved));
}

FIXTURE_TEARDOWN(knobs)
{
	unsigned int i;

	/* The period bounds in an order that always keeps min <= max. */
	kmmscand_set("scan_period_min_ms", "100");
	for (i = 0; i < NR_SAVED; i++)
		if (self->knob[i][0])
			kmmscand_set(saved_knobs[i], self->knob[i]);
	kmmscand_restore(&self->saved);
}

/* Keep buf hot for secs seconds, as keep_hot_until() does. */
static void hot_for(char *buf, size_t len, double secs)
{
	struct goal never = { .nid = 0, .pct = 101.0 };

	keep_hot_until(buf, len, true, secs, reached, &never);
}

static double hot_until_pct(char *buf, size_t len, double pct, double secs)
{
	struct goal goal = { .nid = 0, .pct = pct };

	return keep_hot_until(buf, len, true, secs, reached, &goal);
}

/* Folios isolated from the LRU right now, system-wide; -1 if unknown. */
static long long nr_isolated(void)
{
	long long anon = vmstat("nr_isolated_anon");
	long long file = vmstat("nr_isolated_file");

	return anon < 0 || file < 0 ? -1 : anon + file;
}

/*
 * Toggle migrate_enabled every 50 ms while promotion runs: pausing in the
 * middle of a round must leave nothing isolated behind.
 */
static void *toggle_migrate(void *arg)
{
	int *stop = arg;
	int on = 0;

	while (!__atomic_load_n(stop, __ATOMIC_RELAXED)) {
		kmmscand_set("migrate_enabled", on ? "1" : "0");
		on = !on;
		usleep(50000);
	}
	kmmscand_set("migrate_enabled", "1");
	return NULL;
}

/*
 * migrate_enabled=0: pages become ready but none moves; =1 resumes and the
 * ready pages are promoted. pages_ready counts base pages. Paused and
 * resumed over and over while a second buffer moves, kmmmigrated leaves
 * no folio isolated (nr_isolated_* back to 0) and finishes the buffer.
 */
TEST_F_TIMEOUT(knobs, migrate_enabled_holds_and_resumes, 250)
{
	long long ready = vmstat("kmmscand_pages_ready");
	long long promoted = vmstat("kmmscand_promoted");
	long long isolated;
	int stop = 0;
	double took, start;
	pthread_t t;
	char *buf;

	ASSERT_EQ(0, kmmscand_set("migrate_enabled", "0"));
	buf = alloc_pattern_on_node(SIZE, 1, false, 0xd15);
	ASSERT_NE(NULL, buf);
	hot_for(buf, SIZE, 12.0);
	ksft_print_msg("migrate_enabled=0: pages_ready +%lld, promoted +%lld, %.1f%% on node0\n",
		       vmstat("kmmscand_pages_ready") - ready,
		       vmstat("kmmscand_promoted") - promoted, pct_on_node(buf, SIZE, 0));
	EXPECT_GE(vmstat("kmmscand_pages_ready") - ready, (long long)PAGES * 9 / 10);
	EXPECT_EQ(promoted, vmstat("kmmscand_promoted"));
	EXPECT_EQ(0.0, pct_on_node(buf, SIZE, 0));

	ASSERT_EQ(0, kmmscand_set("migrate_enabled", "1"));
	took = hot_until_pct(buf, SIZE, 99.0, 60.0);
	ksft_print_msg("migrate_enabled=1: 99%% on node0 after %.1f s\n", took);
	EXPECT_GT(took, 0);
	EXPECT_EQ(0, verify_pattern(buf, SIZE, 0xd15, NULL));
	munmap(buf, SIZE);

	buf = alloc_pattern_on_node(SIZE, 1, false, 0xd16);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, pthread_create(&t, NULL, toggle_migrate, &stop));
	took = hot_until_pct(buf, SIZE, 99.0, 90.0);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	start = now_s();
	while ((isolated = nr_isolated()) != 0 && now_s() - start < 5)
		usleep(100000);
	ksft_print_msg("toggled every 50 ms: 99%% on node0 after %.1f s, %lld isolated after\n",
		       took, isolated);
	EXPECT_GT(took, 0);
	EXPECT_EQ(0, isolated);
	EXPECT_EQ(0, verify_pattern(buf, SIZE, 0xd16, NULL));
	munmap(buf, SIZE);
}

/*
 * A page made ready, then left alone for longer than hot_window_ms before
 * kmmmigrated looks at it, is skipped as cold, one count per folio.
 */
TEST_F_TIMEOUT(knobs, stale_ready_skipped_cold, 90)
{
	long long cold = vmstat("kmmscand_promote_skip_cold");
	long long ready;
	char *buf;

	ASSERT_EQ(0, kmmscand_set("migrate_enabled", "0"));
	buf = alloc_pattern_on_node(SIZE, 1, false, 0xc0);
	ASSERT_NE(NULL, buf);
	ready = vmstat("kmmscand_pages_ready");
	hot_for(buf, SIZE, 10.0);
	ready = vmstat("kmmscand_pages_ready") - ready;
	ASSERT_GE(ready, (long long)PAGES * 9 / 10);
	/* No access for longer than the 5 s window. */
	sleep(8);
	ASSERT_EQ(0, kmmscand_set("migrate_enabled", "1"));
	sleep(3);
	ksft_print_msg("ready %lld, skip_cold +%lld, %.1f%% on node0\n", ready,
		       vmstat("kmmscand_promote_skip_cold") - cold, pct_on_node(buf, SIZE, 0));
	EXPECT_GE(vmstat("kmmscand_promote_skip_cold") - cold, (long long)PAGES * 9 / 10);
	EXPECT_EQ(0.0, pct_on_node(buf, SIZE, 0));
	EXPECT_EQ(0, verify_pattern(buf, SIZE, 0xc0, NULL));
	munmap(buf, SIZE);
}

/*
 * promote_rate_limit_MBps: over any interval, promoted pages stay within
 * the rate, plus the one-second burst of the token bucket and one batch;
 * deferred folios are counted one by one. Lifting the limit lets the rest
 * move.
 */
#define RATE_MBPS	2
#define RATE_PAGES	(RATE_MBPS * (1UL << 20) / PAGE_SZ)
#define MAX_SAMPLES	200

TEST_F_TIMEOUT(knobs, rate_limit_bounds_promotion, 150)
{
	long long skip = vmstat("kmmscand_promote_skip_ratelimit");
	long long base = vmstat("kmmscand_promoted");
	long long got[MAX_SAMPLES];
	double at[MAX_SAMPLES], start, worst = 0;
	struct goal none = { .nid = 0, .pct = 101.0 };
	int n = 0, i, j;
	char *buf;

	ASSERT_EQ(0, kmmscand_set("promote_rate_limit_MBps", "2"));
	buf = alloc_pattern_on_node(SIZE, 1, false, 0x4a7e);
	ASSERT_NE(NULL, buf);
	start = now_s();
	while (now_s() - start < 14.0 && n < MAX_SAMPLES) {
		keep_hot_until(buf, SIZE, true, 0.1, reached, &none);
		at[n] = now_s();
		got[n++] = vmstat("kmmscand_promoted");
	}
	for (i = 0; i < n; i++) {
		for (j = i + 1; j < n; j++) {
			/* the samples are up to 0.1 s late: widen by that */
			double limit = RATE_PAGES * (at[j] - at[i] + 0.2) +
				       RATE_PAGES + 512;
			double excess = (got[j] - got[i]) - limit;

			if (excess > worst)
				worst = excess;
		}
	}
	ksft_print_msg("%d MB/s: promoted %lld pages in %.1f s, skip_ratelimit +%lld, worst excess %.0f pages\n",
		       RATE_MBPS, got[n - 1] - base, at[n - 1] - start,
		       vmstat("kmmscand_promote_skip_ratelimit") - skip, worst);
	EXPECT_EQ(0, worst);
	EXPECT_GT(got[n - 1], base);
	/* Less than all of it could go at this rate in this time. */
	EXPECT_LT(pct_on_node(buf, SIZE, 0), 100.0);
	/* Per deferred folio, not per round (10 rounds a second). */
	EXPECT_GE(vmstat("kmmscand_promote_skip_ratelimit") - skip, 500);

	ASSERT_EQ(0, kmmscand_set("promote_rate_limit_MBps", "0"));
	EXPECT_GT(hot_until_pct(buf, SIZE, 99.0, 60.0), 0);
	EXPECT_EQ(0, verify_pattern(buf, SIZE, 0x4a7e, NULL));
	munmap(buf, SIZE);
}

/*
 * A buffer whose pages are accessed once: written while the scanner is
 * off (so no pass sees the writes in two parts), then left alone.
 */
static char *alloc_seen_once(unsigned long long seed)
{
	char *buf;

	if (kmmscand_set("scan_enabled", "0"))
		return NULL;
	/* let a wake in progress end: it may be walking us */
	usleep(200000);
	buf = alloc_pattern_on_node(SIZE, 1, false, seed);
	if (kmmscand_set("scan_enabled", "1") && buf) {
		munmap(buf, SIZE);
		return NULL;
	}
	return buf;
}

/*
 * hot_threshold: a page seen once (touched when allocated, then left
 * alone) is not promoted with threshold 2; with threshold 1 it is.
 */
TEST_F_TIMEOUT(knobs, hot_threshold_once_seen, 120)
{
	char *buf, *buf1;
	double start;

	ASSERT_EQ(0, kmmscand_set("hot_threshold", "2"));
	buf = alloc_seen_once(0x2);
	ASSERT_NE(NULL, buf);
	sleep(10);
	EXPECT_EQ(0.0, pct_on_node(buf, SIZE, 0));

	ASSERT_EQ(0, kmmscand_set("hot_threshold", "1"));
	buf1 = alloc_seen_once(0x1);
	ASSERT_NE(NULL, buf1);
	start = now_s();
	while (pct_on_node(buf1, SIZE, 0) < 90.0 && now_s() - start < 30)
		sleep(1);
	ksft_print_msg("threshold 2: %.1f%%, threshold 1: %.1f%% on node0 after %.0f s\n",
		       pct_on_node(buf, SIZE, 0), pct_on_node(buf1, SIZE, 0),
		       now_s() - start);
	EXPECT_GE(pct_on_node(buf1, SIZE, 0), 90.0);
	EXPECT_EQ(0, verify_pattern(buf, SIZE, 0x2, NULL));
	EXPECT_EQ(0, verify_pattern(buf1, SIZE, 0x1, NULL));
	munmap(buf, SIZE);
	munmap(buf1, SIZE);
}

/* Touch buf once every gap_s seconds for secs seconds. */
static void touch_every(char *buf, size_t len, double gap_s, double secs)
{
	double start = now_s();

	while (now_s() - start < secs) {
		touch_sweep(buf, len, false);
		usleep(gap_s * 1e6);
	}
}

/*
 * hot_window_ms: a page accessed every 3 s, scanned every 0.5 s or less,
 * is seen every 3 s: never twice within a 2 s window, twice within a 10 s
 * one.
 */
TEST_F_TIMEOUT(knobs, hot_window_spacing, 120)
{
	char *buf;

	ASSERT_EQ(0, kmmscand_set("scan_period_min_ms", "100"));
	ASSERT_EQ(0, kmmscand_set("scan_period_max_ms", "500"));
	ASSERT_EQ(0, kmmscand_set("hot_window_ms", "2000"));
	buf = alloc_seen_once(0x3);
	ASSERT_NE(NULL, buf);
	/* the first pass sees the allocation; leave a gap after it */
	sleep(4);
	touch_every(buf, SIZE, 3.0, 16.0);
	EXPECT_EQ(0.0, pct_on_node(buf, SIZE, 0));

	ASSERT_EQ(0, kmmscand_set("hot_window_ms", "10000"));
	touch_every(buf, SIZE, 3.0, 16.0);
	ksft_print_msg("accessed every 3 s, 10 s window: %.1f%% on node0\n",
		       pct_on_node(buf, SIZE, 0));
	EXPECT_GE(pct_on_node(buf, SIZE, 0), 90.0);
	EXPECT_EQ(0, verify_pattern(buf, SIZE, 0x3, NULL));
	munmap(buf, SIZE);
}

/* Events of one kmmscand tracepoint for process pid, or all with pid 0. */
static long count_events(const char *event, pid_t pid)
{
	char ev[64], p[32];
	const char *match[3] = { ev, NULL, NULL };

	snprintf(ev, sizeof(ev), "%s:", event);
	if (pid) {
		snprintf(p, sizeof(p), "pid=%d ", pid);
		match[1] = p;
	}
	return trace_count(match, NULL, NULL);
}

/*
 * scan_period_min_ms/scan_period_max_ms: a process with a hot buffer kept
 * on node1 (migration off, so the passes keep finding accesses and the
 * adaptive period keeps shrinking) is scanned every 0.3 s with both
 * bounds at 300 ms (the default bounds would not go below 0.5 s), and at
 * most every 3 s with both at 3000 ms.
 */
TEST_F_TIMEOUT(knobs, scan_period_bounds, 90)
{
	static const char * const ev[] = { "kmmscand_scan_end", NULL };
	long fast, slow;
	char *buf;

	ASSERT_EQ(0, kmmscand_set("migrate_enabled", "0"));
	buf = alloc_pattern_on_node(8UL << 20, 1, false, 0x5);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, kmmscand_set("scan_period_min_ms", "300"));
	ASSERT_EQ(0, kmmscand_set("scan_period_max_ms", "300"));
	hot_for(buf, 8UL << 20, 2.0);
	ASSERT_EQ(0, trace_start(ev, NULL));
	hot_for(buf, 8UL << 20, 6.0);
	trace_stop();
	fast = count_events("kmmscand_scan_end", getpid());

	ASSERT_EQ(0, kmmscand_set("scan_period_max_ms", "3000"));
	ASSERT_EQ(0, kmmscand_set("scan_period_min_ms", "3000"));
	hot_for(buf, 8UL << 20, 4.0);
	ASSERT_EQ(0, trace_start(ev, NULL));
	hot_for(buf, 8UL << 20, 6.0);
	trace_stop();
	slow = count_events("kmmscand_scan_end", getpid());
	ksft_print_msg("passes in 6 s: period 300 ms: %ld, period 3000 ms: %ld\n", fast, slow);
	EXPECT_GE(fast, 14);
	EXPECT_LE(fast, 21);
	EXPECT_LE(slow, 3);
	EXPECT_EQ(0.0, pct_on_node(buf, 8UL << 20, 0));
	EXPECT_EQ(0, verify_pattern(buf, 8UL << 20, 0x5, NULL));
	munmap(buf, 8UL << 20);
}

/*
 * scan_size_mb: the first pass of a new process covers at most
 * scan_size_mb of its address space (plus the PMD the walk stopped in);
 * with a large size, the whole 128 MiB mapping in one pass. The first
 * pass waits (initial_scan_delay_ms) until the child has mapped it all.
 */
static long first_pass_ptes(unsigned int size_mb)
{
	static const char * const ev[] = { "kmmscand_scan_end", NULL };
	char val[16], pat[32], line[1024], c;
	const char *match[3] = { "kmmscand_scan_end:", pat, NULL };
	long ptes = -1;
	int p[2];
	pid_t pid;
	FILE *f;

	snprintf(val, sizeof(val), "%u", size_mb);
	if (kmmscand_set("scan_size_mb", val) ||
	    kmmscand_set("initial_scan_delay_ms", "600000") ||
	    trace_start(ev, NULL) || pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		char *buf = alloc_on_node(128UL << 20, 1, false);

		if (!buf || write(p[1], "", 1) != 1)
			_exit(1);
		sleep(4);
		_exit(0);
	}
	/* mapped: let the first pass come now */
	if (read(p[0], &c, 1) != 1 || kmmscand_set("initial_scan_delay_ms", "0"))
		ptes = -2;
	waitpid(pid, NULL, 0);
	close(p[0]);
	close(p[1]);
	trace_stop();
	if (ptes == -2)
		return ptes;
	snprintf(pat, sizeof(pat), "pid=%d ", pid);
	/* the first matching line */
	snprintf(line, sizeof(line), "%s/trace", tracefs());
	f = fopen(line, "r");
	while (f && fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "ptes=");

		if (line[0] == '#' || !strstr(line, match[0]) || !strstr(line, pat) || !p)
			continue;
		ptes = atol(p + 5);
		break;
	}
	if (f)
		fclose(f);
	return ptes;
}

TEST_F_TIMEOUT(knobs, scan_size_first_pass, 60)
{
	long small, large;

	small = first_pass_ptes(64);
	large = first_pass_ptes(4096);
	ksft_print_msg("first pass: scan_size_mb 64: %ld PTEs, 4096: %ld PTEs\n", small, large);
	ASSERT_GT(small, 0);
	EXPECT_LE(small, (64L << 20) / (long)PAGE_SZ + 512);
	EXPECT_GE(large, (128L << 20) / (long)PAGE_SZ);
}

/*
 * initial_scan_delay_ms: a process that exits before the delay is never
 * scanned; with a short delay, the same process is.
 */
static long scans_of_short_process(const char *delay)
{
	static const char * const ev[] = { "kmmscand_scan_start", NULL };
	pid_t pid;

	if (kmmscand_set("initial_scan_delay_ms", delay) || trace_start(ev, NULL))
		return -1;
	pid = fork();
	if (pid == 0) {
		char *buf = alloc_on_node(8UL << 20, 1, false);

		if (buf)
			hot_for(buf, 8UL << 20, 5.0);
		_exit(buf ? 0 : 1);
	}
	waitpid(pid, NULL, 0);
	trace_stop();
	return count_events("kmmscand_scan_start", pid);
}

TEST_F_TIMEOUT(knobs, initial_delay_spares_short_lived, 60)
{
	long late = scans_of_short_process("20000");
	long early = scans_of_short_process("200");

	ksft_print_msg("passes of a 5 s process: delay 20 s: %ld, delay 0.2 s: %ld\n",
		       late, early);
	EXPECT_EQ(0, late);
	EXPECT_GT(early, 0);
}

/*
 * mms_to_scan=1: one process visited per wake. With 8 processes keeping
 * buffers hot on node1 (migration off, so they stay there and their
 * periods stay at the 100-500 ms bounds), a 200 ms sleep allows at most
 * ~5 passes a second; visiting every process each wake would make
 * about 16 or more. Then, migration on, every one of them is promoted in
 * turn.
 */
#define NR_PROCS	8
#define PROC_SIZE	(8UL << 20)

TEST_F_TIMEOUT(knobs, mms_to_scan_one_visits_all, 180)
{
	static const char * const ev[] = { "kmmscand_scan_end", NULL };
	int pipes[NR_PROCS][2], i, status, done = 0;
	pid_t pid[NR_PROCS];
	long passes;

	ASSERT_EQ(0, kmmscand_set("migrate_enabled", "0"));
	ASSERT_EQ(0, kmmscand_set("scan_period_min_ms", "100"));
	ASSERT_EQ(0, kmmscand_set("scan_period_max_ms", "500"));
	/* one visit per wake: a round of every mm may take seconds */
	ASSERT_EQ(0, kmmscand_set("hot_window_ms", "20000"));
	ASSERT_EQ(0, kmmscand_set("mms_to_scan", "1"));
	ASSERT_EQ(0, kmmscand_set("scan_sleep_ms", "200"));
	for (i = 0; i < NR_PROCS; i++) {
		ASSERT_EQ(0, pipe(pipes[i]));
		pid[i] = fork();
		ASSERT_GE(pid[i], 0);
		if (pid[i] == 0) {
			char *buf = alloc_pattern_on_node(PROC_SIZE, 1, false, i);
			double took;

			if (!buf)
				_exit(2);
			took = hot_until_pct(buf, PROC_SIZE, 90.0, 120.0);
			if (verify_pattern(buf, PROC_SIZE, i, NULL))
				_exit(3);
			if (write(pipes[i][1], &took, sizeof(took)) != sizeof(took))
				_exit(4);
			_exit(took > 0 ? 0 : 1);
		}
		close(pipes[i][1]);
	}
	sleep(3);
	ASSERT_EQ(0, trace_start(ev, NULL));
	sleep(10);
	trace_stop();
	passes = count_events("kmmscand_scan_end", 0);
	ASSERT_EQ(0, kmmscand_set("migrate_enabled", "1"));
	for (i = 0; i < NR_PROCS; i++) {
		double took = -1;

		if (read(pipes[i][0], &took, sizeof(took)) != sizeof(took))
			took = -1;
		ASSERT_EQ(pid[i], waitpid(pid[i], &status, 0));
		done += WIFEXITED(status) && WEXITSTATUS(status) == 0;
		ksft_print_msg("process %d: 90%% on node0 after %.1f s, status 0x%x\n",
			       i, took, status);
	}
	ksft_print_msg("mms_to_scan=1, scan_sleep_ms=200: %ld passes in 10 s; %d of %d promoted\n",
		       passes, done, NR_PROCS);
	EXPECT_LE(passes, 10 * 5 + 5);
	EXPECT_EQ(NR_PROCS, done);
}

/*
 * A page with an extra reference (spliced into a pipe) cannot be
 * migrated. kmmmigrated finds that out before isolating it: the page is
 * counted in promote_fail_pinned, not in promote_fail_migrate (it never
 * reached migration, so it was not charged to the rate limit either), it
 * stays on node1 intact, and the rest of the buffer is promoted. Kept hot
 * afterwards, with a pass every second, each pinned page is tried about
 * once per back-off (1, 2, 4 ... s), not once per pass, and the tries in
 * between are counted in promote_skip_backoff.
 */
#define PINNED_PAGES	64
#define PINNED_HOT_S	12

TEST_F_TIMEOUT(knobs, pinned_pages_fail_migrate, 120)
{
	long long fail = vmstat("kmmscand_promote_fail_migrate");
	long long pinned = vmstat("kmmscand_promote_fail_pinned");
	long long backoff, tries;
	long count[MAX_NODES];
	struct iovec iov;
	int p[2];
	char *buf;

	ASSERT_GE(pinned, 0);
	ASSERT_EQ(0, kmmscand_set("scan_period_max_ms", "1000"));
	buf = alloc_pattern_on_node(SIZE, 1, false, 0x919);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, pipe(p));
	ASSERT_GE(fcntl(p[1], F_SETPIPE_SZ, PINNED_PAGES * PAGE_SZ), PINNED_PAGES * PAGE_SZ);
	iov.iov_base = buf;
	iov.iov_len = PINNED_PAGES * PAGE_SZ;
	ASSERT_EQ(PINNED_PAGES * PAGE_SZ, vmsplice(p[1], &iov, 1, 0));

	hot_until_pct(buf, SIZE, 99.0, 40.0);
	pages_per_node(buf, PINNED_PAGES * PAGE_SZ, count);
	ksft_print_msg("pinned: %ld/%d on node1, fail_pinned +%lld, fail_migrate +%lld; %.1f%% on node0\n",
		       count[1], PINNED_PAGES,
		       vmstat("kmmscand_promote_fail_pinned") - pinned,
		       vmstat("kmmscand_promote_fail_migrate") - fail,
		       pct_on_node(buf, SIZE, 0));
	EXPECT_EQ(PINNED_PAGES, count[1]);
	EXPECT_GE(vmstat("kmmscand_promote_fail_pinned") - pinned, PINNED_PAGES);
	EXPECT_LT(vmstat("kmmscand_promote_fail_migrate") - fail, PINNED_PAGES);
	EXPECT_GE(pct_on_node(buf, SIZE, 0), 90.0);

	/* Only the pinned pages are left to try. */
	pinned = vmstat("kmmscand_promote_fail_pinned");
	backoff = vmstat("kmmscand_promote_skip_backoff");
	hot_for(buf, PINNED_PAGES * PAGE_SZ, PINNED_HOT_S);
	tries = vmstat("kmmscand_promote_fail_pinned") - pinned;
	backoff = vmstat("kmmscand_promote_skip_backoff") - backoff;
	ksft_print_msg("%d s hot: %.1f tries per pinned page, %lld skipped in back-off\n",
		       PINNED_HOT_S, (double)tries / PINNED_PAGES, backoff);
	/* 1 + 2 + 4 + 8 s: at most 4 tries in 12 s, 6 with the odd collision */
	EXPECT_LE(tries, PINNED_PAGES * 6);
	EXPECT_GT(backoff, 0);
	EXPECT_EQ(0, verify_pattern(buf, SIZE, 0x919, NULL));
	close(p[0]);
	close(p[1]);
	munmap(buf, SIZE);
}

/*
 * A process that takes node0's free memory and then some, preferring
 * node0 (what does not fit there falls back to node1 instead of failing),
 * opted out of kmmscand so that it adds no work; it holds the memory until
 * killed. Returns its pid once the memory is taken.
 */
static pid_t fill_node0(void)
{
	unsigned long mask = 1UL << 0;
	int p[2];
	pid_t pid;
	char c;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		size_t len = (node_free_kb(0) + (32L << 10)) << 10;
		char *fill;

		close(p[0]);
		prctl(PR_SET_MEMSCAN, 0, 0, 0, 0);
		fill = mmap(NULL, len, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (fill == MAP_FAILED ||
		    sys_mbind(fill, len, MPOL_PREFERRED, &mask, MAX_NODES + 1, 0))
			_exit(1);
		madvise(fill, len, MADV_NOHUGEPAGE);
		memset(fill, 0x5a, len);
		if (write(p[1], "", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(p[1]);
	if (pid > 0 && read(p[0], &c, 1) != 1) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	close(p[0]);
	return pid;
}

/*
 * A full top tier: with node0's free memory taken (and no demotion to make
 * room), nothing is forced in. kmmmigrated holds the ready pages back in
 * one of two ways, depending on the levels they reached: the pages it
 * tries are skipped for lack of headroom (counted per folio), and with no
 * room at all the promotion level rises above the highest ready pages, so
 * that only hotter ones would be tried. Once the memory is given back,
 * the hot buffer moves. Page cache goes first: kswapd reclaims to the
 * high watermark, and promotion may use that room (as NUMA balancing
 * does).
 */
TEST_F_TIMEOUT(knobs, full_top_tier_skips_headroom, 150)
{
	long long headroom = vmstat("kmmscand_promote_skip_headroom");
	long long skipped, promoted;
	char level[16] = "", thr[16] = "";
	long free_before;
	char *buf;
	double pct;
	pid_t filler;

	/* Nothing moves before node0 is full. */
	ASSERT_EQ(0, kmmscand_set("migrate_enabled", "0"));
	buf = alloc_pattern_on_node(SIZE, 1, false, 0xf11);
	ASSERT_NE(NULL, buf);
	sync();
	ASSERT_EQ(0, write_file("/proc/sys/vm/drop_caches", "3"));
	free_before = node_free_kb(0);
	filler = fill_node0();
	ASSERT_GT(filler, 0);
	promoted = vmstat("kmmscand_promoted");
	ASSERT_EQ(0, kmmscand_set("migrate_enabled", "1"));

	hot_for(buf, SIZE, 12.0);
	pct = pct_on_node(buf, SIZE, 0);
	skipped = vmstat("kmmscand_promote_skip_headroom") - headroom;
	read_file(KMMSCAND_DIR "/promote_level", level, sizeof(level));
	read_file(KMMSCAND_DIR "/hot_threshold", thr, sizeof(thr));
	ksft_print_msg("node0 full (%ld kB free, %ld before): skip_headroom +%lld, promoted +%lld, promote_level %ld, %.1f%% on node0\n",
		       node_free_kb(0), free_before, skipped,
		       vmstat("kmmscand_promoted") - promoted, atol(level), pct);
	kill(filler, SIGKILL);
	waitpid(filler, NULL, 0);
	EXPECT_TRUE(skipped > 0 || atol(level) > atol(thr));
	/*
	 * How much comes up is not asserted: room that reclaim makes on
	 * node0 (late in the suite, 70% of the buffer's worth even after
	 * drop_caches) may be used, and the allocator refuses promotion
	 * below the low watermark in any case.
	 */

	/* With the memory back, the hot buffer moves. */
	EXPECT_GT(hot_until_pct(buf, SIZE, 99.0, 60.0), 0);
	EXPECT_EQ(0, verify_pattern(buf, SIZE, 0xf11, NULL));
	munmap(buf, SIZE);
}

/*
 * mm_skipped: a process whose mmap_lock is held for write most of the
 * time (mprotect over a large populated range in a loop) has visits given
 * up; kmmscand never waits for the lock.
 */
static volatile int stop_locker;

static void *locker(void *arg)
{
	char *big = arg;

	while (!stop_locker) {
		mprotect(big, 64UL << 20, PROT_READ);
		mprotect(big, 64UL << 20, PROT_READ | PROT_WRITE);
	}
	return NULL;
}

TEST_F_TIMEOUT(knobs, contended_mm_skipped, 60)
{
	long long skipped = vmstat("kmmscand_mm_skipped");
	pthread_t t;
	char *big, *buf;

	big = alloc_on_node(64UL << 20, 0, false);
	buf = alloc_on_node(8UL << 20, 1, false);
	ASSERT_NE(NULL, big);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, kmmscand_set("scan_period_min_ms", "100"));
	ASSERT_EQ(0, kmmscand_set("scan_period_max_ms", "500"));
	ASSERT_EQ(0, pthread_create(&t, NULL, locker, big));
	hot_for(buf, 8UL << 20, 10.0);
	stop_locker = 1;
	pthread_join(t, NULL);
	ksft_print_msg("mm_skipped +%lld\n", vmstat("kmmscand_mm_skipped") - skipped);
	EXPECT_GT(vmstat("kmmscand_mm_skipped"), skipped);
	munmap(big, 64UL << 20);
	munmap(buf, 8UL << 20);
}

TEST_HARNESS_MAIN
