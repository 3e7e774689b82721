// SPDX-License-Identifier: GPL-2.0
/*
 * Hotness that scales with the address space (lab topology T2): a process
 * with 16 GiB of sparse, mostly cold anonymous
 * mappings (one page touched every 256 KiB, so every page table exists
 * and a sweep examines millions of PTEs while 256 MiB are resident), which
 * make one sweep take longer than hot_window_ms, and two 64 MiB buffers
 * on node1: a hot one, accessed all
 * the time, and a warm one, accessed once every WARM_GAP_S seconds, too
 * seldom for the re-checks to see. Both must be promoted within a generous
 * deadline: the warm one only if a sweep is short enough to see it again
 * soon (kmmscand_sweep_scan_size()) and its window reaches back to the
 * previous sweep (kmmscand_window_ticks()).
 */
#include <pthread.h>
#include "../kselftest_harness.h"
#include "kmmscand.h"

#define STRIDE		(256UL << 10)
#define BUF		(64UL << 20)
#define WARM_GAP_S	2.0
#define DEADLINE_S	240.0

/*
 * 16 GiB on either kernel: a sweep of it took 9-21 s on the normal kernel
 * and 12 s on the debug one (8 GiB there: 5.0 s, no longer than
 * the window, so the case was not exercised).
 */
static size_t sparse_size(void)
{
	return 16UL << 30;
}

FIXTURE(largemm)
{
	struct knob_save saved;
	char *sparse;
	size_t sparse_len;
	char *hot;
	char *warm;
};

/* The sparse mapping, its touched pages on node1. */
static char *map_sparse(size_t len)
{
	unsigned long mask = 1UL << 1;
	char *p;
	size_t i;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	madvise(p, len, MADV_NOHUGEPAGE);
	if (sys_set_mempolicy(MPOL_BIND, &mask, MAX_NODES + 1)) {
		munmap(p, len);
		return NULL;
	}
	for (i = 0; i < len; i += STRIDE)
		p[i] = 1;
	end_on_node();
	return p;
}

FIXTURE_SETUP(largemm)
{
	KMMSCAND_REQUIRE_T2();
	ASSERT_EQ(0, kmmscand_setup(&self->saved));
	/*
	 * The buffers first: mmap() places later mappings lower, so the
	 * sparse mapping comes before them in every sweep.
	 */
	self->hot = alloc_pattern_on_node(BUF, 1, false, 0x1a46);
	ASSERT_NE(NULL, self->hot);
	self->warm = alloc_pattern_on_node(BUF, 1, false, 0x3a43);
	ASSERT_NE(NULL, self->warm);
	self->sparse_len = sparse_size();
	self->sparse = map_sparse(self->sparse_len);
	ASSERT_NE(NULL, self->sparse);
}

FIXTURE_TEARDOWN(largemm)
{
	trace_stop();
	if (self->sparse)
		munmap(self->sparse, self->sparse_len);
	if (self->hot)
		munmap(self->hot, BUF);
	if (self->warm)
		munmap(self->warm, BUF);
	kmmscand_restore(&self->saved);
}

struct warm_arg {
	char *buf;
	bool stop;
};

/* One write to every page of the warm buffer every WARM_GAP_S seconds. */
static void *warm_worker(void *p)
{
	struct warm_arg *a = p;

	while (!__atomic_load_n(&a->stop, __ATOMIC_RELAXED)) {
		touch_sweep(a->buf, BUF, true);
		usleep(WARM_GAP_S * 1e6);
	}
	return NULL;
}

/* Seconds of the trace line's timestamp, or -1. */
static double trace_ts(const char *line, const char *event)
{
	const char *e = strstr(line, event), *p;

	if (!e)
		return -1;
	for (p = e - 2; p > line && p[-1] != ' '; p--)
		;
	return atof(p);
}

/*
 * The passes of the process, from its kmmscand_scan_start events: a pass
 * that starts at address 0 starts a sweep. @passes counts the passes of
 * the first sweep that started while tracing.
 */
struct sweeps {
	double first, last;
	long n;
	long passes;
};

static void pass_start(const char *line, void *arg)
{
	struct sweeps *s = arg;
	double t = trace_ts(line, ": kmmscand_scan_start:");

	if (t < 0)
		return;
	if (strstr(line, " start=0x0\n")) {
		if (!s->n++)
			s->first = t;
		s->last = t;
	}
	if (s->n == 1)
		s->passes++;
}

/* Touched pages of the sparse mapping that do not read 1. */
static long sparse_bad(const char *p, size_t len)
{
	long bad = 0;
	size_t i;

	for (i = 0; i < len; i += STRIDE)
		bad += p[i] != 1;
	return bad;
}

TEST_F_TIMEOUT(largemm, warm_and_hot_promoted_in_long_sweeps, 420)
{
	static const char * const ev[] = { "kmmscand_scan_start", NULL };
	struct warm_arg warm = { .buf = self->warm };
	double start, last = 0, hot_s = -1, warm_s = -1;
	double hot_pct = 0, warm_pct = 0;
	struct sweeps sw = { 0 };
	const char *match[3];
	char filter[64], pid[32];
	long window_ms, sweeps = 0;
	pthread_t t;

	ASSERT_GT(kmmscand_get("hot_window_ms", filter, sizeof(filter)), 0);
	window_ms = atol(filter);
	snprintf(filter, sizeof(filter), "pid == %d", getpid());
	ASSERT_EQ(0, trace_start(ev, filter));
	ASSERT_EQ(0, pthread_create(&t, NULL, warm_worker, &warm));
	start = now_s();
	snprintf(pid, sizeof(pid), "pid=%d start=0x0\n", getpid());
	match[0] = "kmmscand_scan_start:";
	match[1] = pid;
	match[2] = NULL;
	/* Until both are up and a second sweep started, to time the first. */
	while (now_s() - start < DEADLINE_S &&
	       (hot_s < 0 || warm_s < 0 || sweeps < 2)) {
		touch_sweep(self->hot, BUF, true);
		usleep(2000);
		if (now_s() - last < 1.0)
			continue;
		last = now_s();
		sweeps = trace_count(match, NULL, NULL);
		hot_pct = pct_on_node(self->hot, BUF, 0);
		warm_pct = pct_on_node(self->warm, BUF, 0);
		if (hot_s < 0 && hot_pct >= 90.0)
			hot_s = now_s() - start;
		if (warm_s < 0 && warm_pct >= 90.0)
			warm_s = now_s() - start;
	}
	__atomic_store_n(&warm.stop, true, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	trace_stop();

	snprintf(pid, sizeof(pid), "pid=%d ", getpid());
	trace_count(match, pass_start, &sw);
	ksft_print_msg("%zu GiB sparse: %ld sweeps in %.1f s, %.1f s apart (window %ld ms)\n",
		       self->sparse_len >> 30, sw.n, sw.last - sw.first,
		       sw.n > 1 ? (sw.last - sw.first) / (sw.n - 1) : 0.0,
		       window_ms);
	ksft_print_msg("passes in the first sweep: %ld\n", sw.passes);
	ksft_print_msg("90%% on node0: hot after %.1f s, warm (every %.0f s) after %.1f s\n",
		       hot_s, WARM_GAP_S, warm_s);
	ksft_print_msg("on node0 now: hot %.1f%%, warm %.1f%%\n", hot_pct, warm_pct);
	/* The case under test: a sweep outlasts the window. */
	ASSERT_GE(sw.n, 2) TH_LOG("fewer than two sweeps in %.0f s", DEADLINE_S);
	EXPECT_GT((sw.last - sw.first) / (sw.n - 1) * 1000.0, window_ms)
		TH_LOG("a sweep was shorter than hot_window_ms: nothing tested");
	/* At most 8 passes a sweep (one more for what the mm grew by). */
	EXPECT_LE(sw.passes, 9);
	EXPECT_GE(hot_s, 0) TH_LOG("the hot buffer was not promoted in %.0f s", DEADLINE_S);
	EXPECT_GE(warm_s, 0) TH_LOG("the warm buffer was not promoted in %.0f s", DEADLINE_S);
	EXPECT_EQ(0, sparse_bad(self->sparse, self->sparse_len));
	EXPECT_EQ(0, verify_pattern(self->hot, BUF, 0x1a46, NULL));
	EXPECT_EQ(0, verify_pattern(self->warm, BUF, 0x3a43, NULL));
}

TEST_HARNESS_MAIN
