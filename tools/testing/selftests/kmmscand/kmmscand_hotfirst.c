// SPDX-License-Identifier: GPL-2.0
/*
 * kmmscand promotes the hottest pages first, and promptly (lab topology
 * T2: node0 top tier, node1 CPU-less slow tier; NUMA balancing off):
 *
 * - skewed: of a slow-tier buffer whose every tenth page takes 90% of the
 *   accesses, the pages promoted first under a promotion rate limit are
 *   the hot ones, and the hot subset is up before the rest;
 * - uniform: a hot buffer's first pages move before the pass after the
 *   one that first saw them young starts (the re-check makes them ready);
 * - idle then hot: a process whose period backed off during 20 s of
 *   quiet has pages moved less than scan_period_max_ms after it turns hot.
 *
 * Orderings and bounds are relative to kmmscand's own periods; the speed
 * itself belongs to the benchmark.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <sys/wait.h>
#include "../kselftest_harness.h"
#include "kmmscand.h"

static const char * const saved_knobs[] = {
	"promote_rate_limit_MBps", "scan_period_min_ms", "scan_period_max_ms",
	"recheck_ms", "hot_threshold", "initial_scan_delay_ms", "hot_window_ms",
};

#define NR_SAVED	(sizeof(saved_knobs) / sizeof(saved_knobs[0]))

FIXTURE(hotfirst)
{
	struct knob_save saved;
	char knob[NR_SAVED][32];
};

FIXTURE_SETUP(hotfirst)
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

FIXTURE_TEARDOWN(hotfirst)
{
	unsigned int i;

	trace_stop();
	trace_write("trace_clock", "local");
	kmmscand_set("scan_period_min_ms", "100");
	for (i = 0; i < NR_SAVED; i++)
		if (self->knob[i][0])
			kmmscand_set(saved_knobs[i], self->knob[i]);
	kmmscand_restore(&self->saved);
}

static void print_freq_histogram(const long long *before)
{
	char name[64], line[256];
	int len = 0, l;

	for (l = 1; l <= 7; l++) {
		snprintf(name, sizeof(name), "kmmscand_promoted_freq%d", l);
		len += snprintf(line + len, sizeof(line) - len, " %d:%lld", l,
				vmstat(name) - before[l]);
	}
	ksft_print_msg("promoted pages per frequency level:%s\n", line);
}

static void read_freq_histogram(long long *v)
{
	char name[64];
	int l;

	for (l = 1; l <= 7; l++) {
		snprintf(name, sizeof(name), "kmmscand_promoted_freq%d", l);
		v[l] = vmstat(name);
	}
}

#define SKEW_SIZE	(512UL << 20)
/*
 * On the debug kernel (the lab sets KMMSCAND_TEST_SLOW_KERNEL) a sweep of
 * the buffer and a look at where its pages are both cost several times
 * more: half the buffer, half as many looks.
 */
#define SKEW_SIZE_SLOW	(256UL << 20)
#define SKEW_FIRST	2048
/*
 * Accesses in 1024 that go to the pages that are not hot. A re-check
 * tells a page apart from the hot ones only if it is often old
 * recheck_ms after a clear; the debug kernel's re-checks come later
 * (they wait for a slower scanner), so there the other pages get a
 * quarter as many accesses for the same contrast.
 */
#define SKEW_WARM	102
#define SKEW_WARM_SLOW	26
/*
 * Accesses per second at most: a hot page gets about 80 a second (young
 * again at any re-check), a page that is not hot about 1 (young again
 * 100 ms after a clear one time in ten). Without a cap, a faster machine
 * makes every page hotter in absolute terms, and the pages that are not
 * hot climb the levels by luck more often: 15% of the first promoted were
 * such pages in a CI run at 2.3 accesses/s each.
 */
#define SKEW_RATE	1200000UL

/* The promotion level's changes during a run, for the log. */
struct level_log {
	double t0;		/* CLOCK_MONOTONIC, as the "mono" trace clock */
	char text[2048];
	size_t len;
};

static void level_line(const char *line, void *arg)
{
	struct level_log *lg = arg;
	const char *p = strstr(line, ": kmmscand_promote_level:");
	unsigned int old, new, fit;

	/* "... [cpu] flags  12.345678: kmmscand_promote_level: old=7 ..." */
	if (!p || lg->len + 32 > sizeof(lg->text) ||
	    sscanf(p, ": kmmscand_promote_level: old=%u new=%u fit=%u",
		   &old, &new, &fit) != 3)
		return;
	while (p > line && p[-1] != ' ')
		p--;
	lg->len += snprintf(lg->text + lg->len, sizeof(lg->text) - lg->len,
			    " %.2f:%u>%u(%u)", strtod(p, NULL) - lg->t0, old,
			    new, fit);
}

/* kmmmigrated has nothing ready left from earlier tests: level 7. */
static bool migrator_idle(double secs)
{
	double start = now_s();
	char buf[16];

	while (now_s() - start < secs) {
		if (read_file(KMMSCAND_DIR "/promote_level", buf, sizeof(buf)) > 0 &&
		    atoi(buf) == 7)
			return true;
		usleep(100000);
	}
	return false;
}

/*
 * With a promotion rate limit far below what is ready, the first 2048
 * pages promoted are at least 90% hot, and the hot subset reaches 90% on
 * node0 while the rest is still mostly on node1. It starts once
 * kmmmigrated has nothing ready left from earlier tests.
 */
TEST_F_TIMEOUT(hotfirst, skewed_hottest_first, 300)
{
	long long hist[8], promoted = vmstat("kmmscand_promoted");
	double start, t_first = -1, t_hot = -1, precision = 0, warm_pct = 0;
	bool slow = getenv("KMMSCAND_TEST_SLOW_KERNEL");
	size_t size = slow ? SKEW_SIZE_SLOW : SKEW_SIZE;
	size_t pages = size / PAGE_SZ, hot_total = pages / HOT_EVERY, pg;
	double cpu0 = kthread_cpu_s("kmmscand");
	long long ptes = vmstat("kmmscand_pte_scanned");
	long long rechecked = vmstat("kmmscand_pte_rechecked");
	unsigned int warm_share = slow ? SKEW_WARM_SLOW : SKEW_WARM;
	struct skew s = { .pages = pages, .warm_share = warm_share,
			  .rate = SKEW_RATE };
	static const char * const levels[] = { "kmmscand_promote_level", NULL };
	struct level_log lg = { 0 };
	int *status;
	pthread_t t;

	/* 4 MB/s: 1024 pages/s, about a tenth of the hot subset per second */
	ASSERT_EQ(0, kmmscand_set("promote_rate_limit_MBps", "4"));
	/*
	 * A window longer than a sweep of the buffer takes on the debug
	 * kernel: this test is about the order of promotion, not about
	 * readiness when sweeps outlast the window.
	 */
	ASSERT_EQ(0, kmmscand_set("hot_window_ms", "20000"));
	status = malloc(pages * sizeof(int));
	ASSERT_NE(NULL, status);
	s.buf = alloc_pattern_on_node(size, 1, false, 0x5e3);
	ASSERT_NE(NULL, s.buf);
	read_freq_histogram(hist);
	ASSERT_TRUE(migrator_idle(60));
	ASSERT_EQ(0, trace_write("trace_clock", "mono"));
	ASSERT_EQ(0, trace_start(levels, NULL));
	ASSERT_EQ(0, pthread_create(&t, NULL, skew_worker, &s));

	start = now_s();
	lg.t0 = start;
	while (now_s() - start < 240) {
		size_t hot0 = 0, warm0 = 0;

		usleep(slow ? 1000000 : 500000);
		ASSERT_EQ(0, page_nodes(s.buf, pages, status));
		for (pg = 0; pg < pages; pg++) {
			if (status[pg] != 0)
				continue;
			if (is_hot(pg))
				hot0++;
			else
				warm0++;
		}
		if (t_first < 0 && hot0 + warm0 >= SKEW_FIRST) {
			t_first = now_s() - start;
			precision = 100.0 * hot0 / (hot0 + warm0);
			ksft_print_msg("first %zu promoted after %.1f s: %.1f%% hot\n",
				       hot0 + warm0, t_first, precision);
			print_freq_histogram(hist);
		}
		if (hot0 * 10 >= hot_total * 9) {
			t_hot = now_s() - start;
			warm_pct = 100.0 * warm0 / (pages - hot_total);
			break;
		}
	}
	s.stop = 1;
	pthread_join(t, NULL);
	trace_stop();
	trace_count(levels, level_line, &lg);
	trace_write("trace_clock", "local");
	ksft_print_msg("promotion level (s:old>new(fit)):%s\n", lg.text);
	ksft_print_msg("a hot page took %.0f accesses/s, another %.1f/s\n",
		       s.accesses * (1024.0 - warm_share) / 1024 / hot_total /
		       (now_s() - start),
		       s.accesses * (double)warm_share / 1024 /
		       (pages - hot_total) / (now_s() - start));
	ksft_print_msg("hot subset 90%% on node0 after %.1f s, the rest %.1f%% (promoted %lld)\n",
		       t_hot, warm_pct, vmstat("kmmscand_promoted") - promoted);
	ksft_print_msg("kmmscand %.2f s CPU for %lld PTEs scanned + %lld re-checked\n",
		       kthread_cpu_s("kmmscand") - cpu0,
		       vmstat("kmmscand_pte_scanned") - ptes,
		       vmstat("kmmscand_pte_rechecked") - rechecked);
	print_freq_histogram(hist);
	EXPECT_GT(t_first, 0);
	/*
	 * The debug kernel's scanner is several times slower: re-checks come
	 * later and resolve less (83-93% measured there, 99-100% here). The
	 * bound there still fails an order that prefers hot pages less than
	 * six and a half times their share of the buffer (10%).
	 */
	EXPECT_GE(precision, slow ? 65.0 : 90.0);
	EXPECT_GT(t_hot, 0);
	EXPECT_LT(warm_pct, 90.0);
	EXPECT_EQ(0, verify_pattern(s.buf, size, 0x5e3, NULL));
	munmap(s.buf, size);
	free(status);
}

#define UNI_SIZE	(64UL << 20)

struct pass_order {
	bool seen_young;	/* a scan_end with young_slow > 0 */
	bool next_started;	/* a scan_start after that one */
	bool moved;		/* a queued migration */
	bool moved_in_time;	/* ... before next_started */
};

static void order_line(const char *line, void *arg)
{
	struct pass_order *o = arg;
	const char *p;

	if (strstr(line, "kmmscand_migrate:")) {
		if (!o->moved)
			o->moved_in_time = !o->next_started;
		o->moved = true;
	} else if (strstr(line, "kmmscand_scan_end:")) {
		p = strstr(line, "young_slow=");
		if (p && strtoul(p + 11, NULL, 10) > 0)
			o->seen_young = true;
	} else if (strstr(line, "kmmscand_scan_start:") && o->seen_young) {
		o->next_started = true;
	}
}

/*
 * A uniformly hot buffer: its first pages are queued for migration before
 * the pass after the first one that saw them young starts, so promotion
 * does not wait for a second full period. The buffer lives in a child
 * forked after initial_scan_delay_ms was raised, so that no pass sees the
 * buffer before it is hot: the first pass that sees it young sees it all.
 */
TEST_F_TIMEOUT(hotfirst, uniform_moves_within_first_pass, 120)
{
	static const char * const events[] = {
		"kmmscand_scan_start", "kmmscand_scan_end", NULL,
	};
	static const char * const any[] = { "kmmscand_", NULL };
	struct pass_order o = { 0 };
	int go[2], res[2], status;
	char filter[64], c = 0;
	double took = -1;
	pid_t child;

	ASSERT_EQ(0, kmmscand_set("initial_scan_delay_ms", "4000"));
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(res));
	child = fork();
	ASSERT_GE(child, 0);
	if (!child) {
		struct goal goal = { .nid = 0, .pct = 50.0 };
		char *buf;

		if (read(go[0], &c, 1) != 1)
			_exit(2);
		buf = alloc_pattern_on_node(UNI_SIZE, 1, false, 0x0f1);
		if (!buf)
			_exit(2);
		took = keep_hot_until(buf, UNI_SIZE, true, 60.0, reached, &goal);
		if (write(res[1], &took, sizeof(took)) != sizeof(took))
			_exit(2);
		_exit(verify_pattern(buf, UNI_SIZE, 0x0f1, NULL) ? 3 : 0);
	}
	snprintf(filter, sizeof(filter), "pid == %d", child);
	ASSERT_EQ(0, trace_start(events, filter));
	ASSERT_EQ(0, trace_write("events/kmmscand/kmmscand_migrate/filter",
				 "result == 0"));
	ASSERT_EQ(0, trace_write("events/kmmscand/kmmscand_migrate/enable", "1"));
	ASSERT_EQ(1, write(go[1], &c, 1));
	ASSERT_EQ(sizeof(took), read(res[0], &took, sizeof(took)));
	ASSERT_EQ(child, waitpid(child, &status, 0));
	trace_stop();
	trace_count(any, order_line, &o);
	trace_write("events/kmmscand/kmmscand_migrate/filter", "0");
	ksft_print_msg("50%% on node0 after %.1f s; first move %s the next pass\n",
		       took, !o.moved ? "never came before" :
		       o.moved_in_time ? "came before" : "came after the start of");
	EXPECT_EQ(0, status);
	EXPECT_GT(took, 0);
	EXPECT_TRUE(o.seen_young);
	EXPECT_TRUE(o.moved);
	EXPECT_TRUE(o.moved_in_time);
}

/*
 * A process whose passes come every 10 s (min = max period) sits idle for
 * 25 s, then turns hot: its first pages are on node0 within 4.5 s, before
 * its next pass could have seen them (which comes 5 s or more after it
 * turned hot), so the probes noticed it.
 */
TEST_F_TIMEOUT(hotfirst, idle_then_hot_noticed, 120)
{
	struct goal goal = { .nid = 0, .pct = 0.1 };
	long long hits = vmstat("kmmscand_probe_hit");
	double took;
	char *buf;

	ASSERT_EQ(0, kmmscand_set("scan_period_max_ms", "10000"));
	ASSERT_EQ(0, kmmscand_set("scan_period_min_ms", "10000"));
	buf = alloc_pattern_on_node(UNI_SIZE, 1, false, 0x1d1e);
	ASSERT_NE(NULL, buf);
	sleep(25);
	ASSERT_EQ(0.0, pct_on_node(buf, UNI_SIZE, 0));
	took = keep_hot_until(buf, UNI_SIZE, true, 30.0, reached, &goal);
	ksft_print_msg("10 s period, idle 25 s, then hot: first pages on node0 after %.1f s (probe hits +%lld)\n",
		       took, vmstat("kmmscand_probe_hit") - hits);
	EXPECT_GT(took, 0);
	EXPECT_LT(took, 4.5);
	EXPECT_GT(vmstat("kmmscand_probe_hit"), hits);
	EXPECT_EQ(0, verify_pattern(buf, UNI_SIZE, 0x1d1e, NULL));
	munmap(buf, UNI_SIZE);
}

TEST_HARNESS_MAIN
