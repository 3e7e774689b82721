// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile address spaces cannot make the scanner work past its budget or
 * hold a lock for long. Three processes are scanned at once:
 *
 *  - sparse: a 100 TiB PROT_NONE MAP_NORESERVE mapping with a page made
 *    writable and touched every TiB, and an 8 TiB writable one touched
 *    every 8 GiB (page tables everywhere, almost empty);
 *  - vmas: a million single-page VMAs (writable and PROT_NONE in turn; a
 *    quarter of that on the debug kernel, where making them takes minutes);
 *  - forkbomb: short-lived children, forked as fast as they exit (at
 *    nice 19: the test is about the scanner's work, not its CPU share);
 *
 * while a fourth keeps an ordinary hot buffer on node1, which must still
 * be promoted. With the kmmscand_walk_batch and kmmscand_wake events and
 * the mmap_lock events of the scanner thread traced, every walk batch
 * (one mmap_lock hold) must stay within KMMSCAND_BATCH work units plus
 * one page table, look at no more VMAs than the work it counted, and
 * every wake within KMMSCAND_WAKE_BUDGET plus one batch. The longest
 * mmap_lock and page table lock holds are measured and printed; only a
 * generous bound is asserted on them (times under TCG are noisy).
 */
#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include "../kselftest_harness.h"
#include "kmmscand.h"

#define KMMSCAND_BATCH		4096	/* mm/kmmscand/internal.h */
#define KMMSCAND_WAKE_BUDGET	32768
#define PTRS_PER_PTE		512
#define TIB			(1UL << 40)
#define GIB			(1UL << 30)
#define HOT_LEN			(32UL << 20)
#define TRACE_S			20
/* generous: a walk batch under KASAN and TCG takes milliseconds */
#define MAX_HOLD_MS		2000.0

static const char * const saved_knobs[] = {
	"scan_sleep_ms", "scan_period_max_ms", "scan_period_min_ms",
	"initial_scan_delay_ms",
};

#define NR_SAVED	(sizeof(saved_knobs) / sizeof(saved_knobs[0]))

FIXTURE(hostile)
{
	struct knob_save saved;
	char knob[NR_SAVED][32];
	char map_count[32];
};

FIXTURE_SETUP(hostile)
{
	char path[128];
	unsigned int i;

	KMMSCAND_REQUIRE_T2();
	KMMSCAND_REQUIRE(tracefs() != NULL, "tracefs is not mounted");
	for (i = 0; i < NR_SAVED; i++) {
		snprintf(path, sizeof(path), KMMSCAND_DIR "/%s", saved_knobs[i]);
		ASSERT_GT(read_file(path, self->knob[i], sizeof(self->knob[i])), 0);
	}
	ASSERT_GT(read_file("/proc/sys/vm/max_map_count", self->map_count,
			    sizeof(self->map_count)), 0);
	ASSERT_EQ(0, kmmscand_setup(&self->saved));
	ASSERT_EQ(0, kmmscand_set("scan_sleep_ms", "5"));
	ASSERT_EQ(0, kmmscand_set("scan_period_min_ms", "100"));
	ASSERT_EQ(0, kmmscand_set("scan_period_max_ms", "500"));
	ASSERT_EQ(0, kmmscand_set("initial_scan_delay_ms", "0"));
}

FIXTURE_TEARDOWN(hostile)
{
	unsigned int i;

	trace_write("tracing_on", "0");
	trace_write("events/kmmscand/enable", "0");
	trace_write("events/mmap_lock/enable", "0");
	trace_write("events/mmap_lock/filter", "0");
	for (i = 0; i < NR_SAVED; i++)
		if (self->knob[i][0])
			kmmscand_set(saved_knobs[i], self->knob[i]);
	if (self->map_count[0])
		write_file("/proc/sys/vm/max_map_count", self->map_count);
	kmmscand_restore(&self->saved);
}

/* Set up in a child, say "ready" (or why not) on fd, then wait to die. */
static pid_t spawn(int (*setup)(void), int *ready)
{
	int p[2], ret;
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid) {
		close(p[1]);
		if (pid < 0 || read(p[0], &ret, sizeof(ret)) != sizeof(ret))
			ret = -EIO;
		close(p[0]);
		*ready = ret;
		return pid;
	}
	close(p[0]);
	/* a process group of its own: the test kills it whole */
	setpgid(0, 0);
	ret = setup();
	if (write(p[1], &ret, sizeof(ret)) != sizeof(ret))
		_exit(1);
	if (ret)
		_exit(1);
	for (;;)
		pause();
}

static int sparse_setup(void)
{
	char *big, *rw;
	unsigned long off;

	big = mmap(NULL, 100 * TIB, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (big == MAP_FAILED)
		return -errno;
	for (off = TIB; off < 100 * TIB; off += TIB) {
		if (mprotect(big + off, PAGE_SZ, PROT_READ | PROT_WRITE))
			return -errno;
		big[off] = 1;
	}
	rw = mmap(NULL, 8 * TIB, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (rw == MAP_FAILED)
		return -errno;
	for (off = 0; off < 8 * TIB; off += 8 * GIB)
		rw[off] = 1;
	return 0;
}

static unsigned long nr_vmas;

/* 2 * nr_vmas pages, every other one PROT_NONE: as many VMAs. */
static int vmas_setup(void)
{
	unsigned long i;
	char *buf;

	buf = mmap(NULL, 2 * nr_vmas * PAGE_SZ, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (buf == MAP_FAILED)
		return -errno;
	for (i = 0; i < nr_vmas; i++) {
		if (mprotect(buf + (2 * i + 1) * PAGE_SZ, PAGE_SZ, PROT_NONE))
			return -errno;
		/* some page tables, a few pages: the walk has work */
		if (!(i % 256))
			buf[2 * i * PAGE_SZ] = 1;
	}
	return 0;
}

static int forkbomb_setup(void)
{
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid)
		return 0;
	/*
	 * The bomb runs in a grandchild, killed with its process group, at
	 * nice 19: it is there for its stream of short-lived mms, not to take
	 * the two vCPUs from the scanner.
	 */
	if (nice(19) < 0)
		_exit(1);
	for (int live = 0;;) {
		while (live < 8 && (pid = fork()) >= 0) {
			if (!pid) {
				char *p = malloc(64 << 10);

				if (p)
					memset(p, 1, 64 << 10);
				_exit(0);
			}
			live++;
		}
		if (wait(NULL) > 0)
			live--;
	}
}

struct holds {
	long batches, wakes, holds, walked[4];
	unsigned int max_work, max_vma_over, max_wake, worst_vma;
	double max_walk_ms, max_ptl_us, max_hold_ms, sum_hold_ms;
	double acquired;
	pid_t pids[4];
};

static double stamp(const char *line)
{
	const char *p = strstr(line, ": ");
	const char *q;

	/* "  kmmscand-37  [001] .....  123.456789: event: ..." */
	if (!p)
		return -1;
	for (q = p - 1; q > line && q[-1] != ' '; q--)
		;
	return strtod(q, NULL);
}

static void each_line(const char *line, void *arg)
{
	struct holds *h = arg;
	unsigned int work, vma, wake_work, visited, i;
	unsigned long long walk_ns, ptl_ns;
	const char *p;
	int pid, recheck;

	if ((p = strstr(line, "kmmscand_walk_batch: ")) &&
	    sscanf(p, "kmmscand_walk_batch: pid=%d recheck=%d work=%u nr_vma=%u walk_ns=%llu max_ptl_ns=%llu",
		   &pid, &recheck, &work, &vma, &walk_ns, &ptl_ns) == 6) {
		h->batches++;
		if (work > h->max_work)
			h->max_work = work;
		if (vma > work + 1 && vma - work > h->max_vma_over) {
			h->max_vma_over = vma - work;
			h->worst_vma = vma;
		}
		if (walk_ns / 1e6 > h->max_walk_ms)
			h->max_walk_ms = walk_ns / 1e6;
		if (ptl_ns / 1e3 > h->max_ptl_us)
			h->max_ptl_us = ptl_ns / 1e3;
		for (i = 0; i < 4; i++)
			if (pid == h->pids[i])
				h->walked[i]++;
	} else if ((p = strstr(line, "kmmscand_wake: ")) &&
		   sscanf(p, "kmmscand_wake: work=%u visited=%u", &wake_work,
			  &visited) == 2) {
		h->wakes++;
		if (wake_work > h->max_wake)
			h->max_wake = wake_work;
	} else if (strstr(line, "mmap_lock_acquire_returned: ") &&
		   strstr(line, "success=true")) {
		h->acquired = stamp(line);
	} else if (strstr(line, "mmap_lock_released: ") && h->acquired > 0) {
		double ms = (stamp(line) - h->acquired) * 1e3;

		h->holds++;
		h->sum_hold_ms += ms;
		if (ms > h->max_hold_ms)
			h->max_hold_ms = ms;
		h->acquired = 0;
	}
}

TEST_F_TIMEOUT(hostile, scanner_stays_within_its_budget, 600)
{
	static const char * const any[] = { "", NULL };
	static const char * const names[4] = { "sparse", "vmas", "forkbomb", "hot" };
	int (*setups[3])(void) = { sparse_setup, vmas_setup, forkbomb_setup };
	struct holds h = { 0 };
	char filter[64], val[32];
	double start, pct = 0;
	pid_t kpid, pid[3];
	char *hot;
	int i, ready;

	kpid = kthread_pid("kmmscand");
	ASSERT_GT(kpid, 0) TH_LOG("no kmmscand thread");
	/* a million; a quarter on the debug kernel (KASAN, kmemleak): 190 s */
	nr_vmas = getenv("KMMSCAND_TEST_SLOW_KERNEL") ? 125000 : 500000;
	snprintf(val, sizeof(val), "%lu", 2 * nr_vmas + 65536);
	ASSERT_EQ(0, write_file("/proc/sys/vm/max_map_count", val));

	start = now_s();
	for (i = 0; i < 3; i++) {
		pid[i] = spawn(setups[i], &ready);
		ASSERT_GT(pid[i], 0);
		ASSERT_EQ(0, ready) TH_LOG("%s: %s", names[i], strerror(-ready));
		h.pids[i] = pid[i];
	}
	ksft_print_msg("set up in %.1f s: 100+8 TiB sparse, %lu VMAs, a fork bomb\n",
		       now_s() - start, 2 * nr_vmas);

	/* the hot buffer is ours: keep it hot while the others are walked */
	hot = alloc_pattern_on_node(HOT_LEN, 1, false, 0x5eed);
	ASSERT_NE(NULL, hot);
	h.pids[3] = getpid();

	ASSERT_EQ(0, trace_write("tracing_on", "0"));
	trace_write("buffer_size_kb", "16384");
	ASSERT_EQ(0, trace_clear());
	ASSERT_EQ(0, trace_write("events/kmmscand/kmmscand_walk_batch/enable", "1"));
	ASSERT_EQ(0, trace_write("events/kmmscand/kmmscand_wake/enable", "1"));
	snprintf(filter, sizeof(filter), "common_pid == %d", kpid);
	ASSERT_EQ(0, trace_write("events/mmap_lock/mmap_lock_acquire_returned/filter", filter));
	ASSERT_EQ(0, trace_write("events/mmap_lock/mmap_lock_released/filter", filter));
	ASSERT_EQ(0, trace_write("events/mmap_lock/mmap_lock_acquire_returned/enable", "1"));
	ASSERT_EQ(0, trace_write("events/mmap_lock/mmap_lock_released/enable", "1"));
	ASSERT_EQ(0, trace_write("tracing_on", "1"));

	start = now_s();
	while (now_s() - start < TRACE_S)
		touch_sweep(hot, HOT_LEN, false);
	trace_write("tracing_on", "0");
	ASSERT_GE(trace_count(any, each_line, &h), 0);

	/* the ordinary process is still served: promoted within 90 s more */
	while (now_s() - start < TRACE_S + 90 &&
	       (pct = 100 - pct_on_node(hot, HOT_LEN, 1)) < 50)
		touch_sweep(hot, HOT_LEN, false);

	for (i = 0; i < 3; i++) {
		kill(-pid[i], SIGKILL);
		kill(pid[i], SIGKILL);
		waitpid(pid[i], NULL, 0);
	}

	ksft_print_msg("walk batches %ld (sparse %ld, vmas %ld, forkbomb %ld, hot %ld): max work %u, max walk %.2f ms, longest PTL hold %.1f us\n",
		       h.batches, h.walked[0], h.walked[1], h.walked[2], h.walked[3],
		       h.max_work, h.max_walk_ms, h.max_ptl_us);
	ksft_print_msg("wakes %ld: max work %u; scanner mmap_lock holds %ld: longest %.2f ms, mean %.3f ms; hot buffer %.0f%% promoted\n",
		       h.wakes, h.max_wake, h.holds, h.max_hold_ms,
		       h.holds ? h.sum_hold_ms / h.holds : 0, pct);

	ASSERT_GT(h.batches, 0);
	ASSERT_GT(h.wakes, 0);
	EXPECT_GT(h.holds, 0) TH_LOG("no mmap_lock event of the scanner");
	for (i = 0; i < 2; i++)
		EXPECT_GT(h.walked[i], 0) TH_LOG("%s was not walked", names[i]);
	EXPECT_LE(h.max_work, KMMSCAND_BATCH + PTRS_PER_PTE);
	EXPECT_EQ(0, h.max_vma_over)
		TH_LOG("a batch looked at %u VMAs, %u more than its work", h.worst_vma,
		       h.max_vma_over);
	EXPECT_LE(h.max_wake, KMMSCAND_WAKE_BUDGET + KMMSCAND_BATCH + PTRS_PER_PTE);
	EXPECT_LT(h.max_hold_ms, MAX_HOLD_MS);
	EXPECT_LT(h.max_walk_ms, MAX_HOLD_MS);
	EXPECT_GE(pct, 50) TH_LOG("the hot buffer was starved: %.0f%% promoted", pct);
}

TEST_HARNESS_MAIN
