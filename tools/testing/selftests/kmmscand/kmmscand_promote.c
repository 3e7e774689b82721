// SPDX-License-Identifier: GPL-2.0
/*
 * kmmscand promotes what is hot on the slow tier and nothing else (lab
 * topology T2: node0 top tier, node1 CPU-less slow tier). NUMA balancing is
 * off in every test, so any promotion seen here is kmmscand's.
 */
#include <sys/wait.h>
#include "../kselftest_harness.h"
#include "kmmscand.h"

#define HOT_SIZE	(256UL << 20)
#define SMALL_SIZE	(64UL << 20)
#define DEADLINE_S	60.0

FIXTURE(promote)
{
	struct knob_save saved;
	char migrate_enabled[16];
	char hot_window_ms[16];
};

FIXTURE_SETUP(promote)
{
	KMMSCAND_REQUIRE_T2();
	ASSERT_GT(read_file(KMMSCAND_DIR "/migrate_enabled",
			    self->migrate_enabled,
			    sizeof(self->migrate_enabled)), 0);
	ASSERT_GT(read_file(KMMSCAND_DIR "/hot_window_ms", self->hot_window_ms,
			    sizeof(self->hot_window_ms)), 0);
	ASSERT_EQ(0, kmmscand_setup(&self->saved));
}

FIXTURE_TEARDOWN(promote)
{
	if (self->hot_window_ms[0])
		kmmscand_set("hot_window_ms", self->hot_window_ms);
	if (self->migrate_enabled[0])
		kmmscand_set("migrate_enabled", self->migrate_enabled);
	kmmscand_restore(&self->saved);
}

static const char * const promotion_path[] = {
	"kmmscand_mm_scans", "kmmscand_vma_scans", "kmmscand_pte_scanned",
	"kmmscand_young_slowtier", "kmmscand_young_toptier", "kmmscand_record_scan",
	"kmmscand_pages_ready", "kmmscand_promoted",
};

#define NR_PATH	(sizeof(promotion_path) / sizeof(promotion_path[0]))

/*
 * a) a hot buffer on node1 is >= 99% on node0 within 60 s, and
 * b) a buffer touched once and then left alone stays where it is;
 * every byte of both is intact afterwards.
 */
TEST_F_TIMEOUT(promote, hot_promoted_cold_stays, 120)
{
	long long promoted = vmstat("kmmscand_promoted");
	long long pgpromote = vmstat("pgpromote_success");
	struct goal goal = { .nid = 0, .pct = 99.0 };
	double took, cpu_scan, cpu_migrate;
	long long path_before[NR_PATH];
	char *hot, *cold;
	unsigned int i;

	for (i = 0; i < NR_PATH; i++)
		path_before[i] = vmstat(promotion_path[i]);
	cold = alloc_pattern_on_node(HOT_SIZE, 1, false, 0xc01d);
	hot = alloc_pattern_on_node(HOT_SIZE, 1, false, 0x407);
	ASSERT_NE(NULL, hot);
	ASSERT_NE(NULL, cold);
	ASSERT_GE(pct_on_node(hot, HOT_SIZE, 1), 99.0);
	ASSERT_GE(pct_on_node(cold, HOT_SIZE, 1), 99.0);

	cpu_scan = kthread_cpu_s("kmmscand");
	cpu_migrate = kthread_cpu_s("kmmmigrated");
	took = keep_hot_until(hot, HOT_SIZE, true, DEADLINE_S, reached, &goal);
	ksft_print_msg("hot: 99%% on node0 after %.1f s (kmmscand %.2f s CPU, kmmmigrated %.2f s CPU); cold: %.2f%% on node0\n",
		       took, kthread_cpu_s("kmmscand") - cpu_scan,
		       kthread_cpu_s("kmmmigrated") - cpu_migrate,
		       pct_on_node(cold, HOT_SIZE, 0));
	EXPECT_GT(took, 0) TH_LOG("only %.1f%% of the hot buffer on node0 after %.0f s",
				  pct_on_node(hot, HOT_SIZE, 0), DEADLINE_S);
	/* Give the cold buffer at least as long as the hot one had. */
	if (took > 0 && took < 20)
		sleep(20 - (int)took);
	EXPECT_LE(pct_on_node(cold, HOT_SIZE, 0), 1.0);
	/* Our promotions show in our counter and in the standard one. */
	EXPECT_GE(vmstat("kmmscand_promoted") - promoted, (long long)(HOT_SIZE / PAGE_SZ) * 99 / 100);
	EXPECT_GE(vmstat("pgpromote_success") - pgpromote, (long long)(HOT_SIZE / PAGE_SZ) * 99 / 100);
	/* Every counter on the way from a scan to a promotion moved. */
	for (i = 0; i < NR_PATH; i++) {
		long long now = vmstat(promotion_path[i]);

		if (now <= path_before[i])
			ksft_print_msg("%s did not move\n", promotion_path[i]);
		EXPECT_GT(now, path_before[i]);
	}
	/* Every byte of what moved, and of what did not, is intact. */
	EXPECT_EQ(0, verify_pattern(hot, HOT_SIZE, 0x407, NULL));
	EXPECT_EQ(0, verify_pattern(cold, HOT_SIZE, 0xc01d, NULL));
	munmap(hot, HOT_SIZE);
	munmap(cold, HOT_SIZE);
}

/* c) memory bound to node1 by its VMA policy stays there while hot. */
TEST_F_TIMEOUT(promote, mpol_bind_stays, 90)
{
	long long young = vmstat("kmmscand_young_slowtier");
	long long policy = vmstat("kmmscand_record_skip_policy");
	struct goal never = { .nid = 0, .pct = 101.0 };
	unsigned long mask = 1UL << 1;
	char *buf;

	buf = alloc_pattern_on_node(SMALL_SIZE, 1, false, 0xb1d);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, sys_mbind(buf, SMALL_SIZE, MPOL_BIND, &mask, MAX_NODES + 1, 0));

	keep_hot_until(buf, SMALL_SIZE, true, 20.0, reached, &never);
	EXPECT_EQ(100.0, pct_on_node(buf, SMALL_SIZE, 1));
	/* Not vacuous: the scanner saw the accesses and held back on purpose. */
	EXPECT_GT(vmstat("kmmscand_young_slowtier"), young);
	EXPECT_GT(vmstat("kmmscand_record_skip_policy"), policy);
	EXPECT_EQ(0, verify_pattern(buf, SMALL_SIZE, 0xb1d, NULL));
	munmap(buf, SMALL_SIZE);
}

/*
 * c2) a folio that migrates onto slow-tier pfns brings no hotness from the
 * pfns' previous owner. The records of a hot buffer are held ready
 * (migrate_enabled=0, a long window so they stay fresh), the buffer is
 * freed, and a buffer that was touched once on node0 (so the scanner set
 * its PG_young, which migration copies) is moved onto node1, where it
 * takes the pfns just freed. When promotion resumes, nothing of it may
 * come up: it has not been accessed since it moved.
 */
TEST_F_TIMEOUT(promote, migrated_page_record_fresh, 150)
{
	struct goal never = { .nid = 0, .pct = 101.0 };
	long long ready = vmstat("kmmscand_pages_ready");
	double wait = getenv("KMMSCAND_TEST_SLOW_KERNEL") ? 20.0 : 8.0;
	unsigned long mask = 1UL << 1;
	long long promoted;
	char *hot, *moved;

	ASSERT_EQ(0, kmmscand_set("hot_window_ms", "30000"));
	ASSERT_EQ(0, kmmscand_set("migrate_enabled", "0"));
	moved = alloc_pattern_on_node(SMALL_SIZE, 0, false, 0x30e);
	ASSERT_NE(NULL, moved);
	hot = alloc_pattern_on_node(SMALL_SIZE, 1, false, 0x407);
	ASSERT_NE(NULL, hot);
	/* The scanner sees both: the moved buffer once, the hot one often. */
	keep_hot_until(hot, SMALL_SIZE, true, 12.0, reached, &never);
	ready = vmstat("kmmscand_pages_ready") - ready;
	ASSERT_GE(ready, (long long)(SMALL_SIZE / PAGE_SZ) * 9 / 10);
	ASSERT_EQ(0.0, pct_on_node(hot, SMALL_SIZE, 0));
	munmap(hot, SMALL_SIZE);

	ASSERT_EQ(0, sys_mbind(moved, SMALL_SIZE, MPOL_BIND, &mask,
			       MAX_NODES + 1, MPOL_MF_MOVE));
	/* Moved, and no policy of its own any more: promotable as any. */
	ASSERT_EQ(0, sys_mbind(moved, SMALL_SIZE, MPOL_DEFAULT, NULL, 0, 0));
	ASSERT_GE(pct_on_node(moved, SMALL_SIZE, 1), 99.0);
	promoted = vmstat("kmmscand_promoted");
	ASSERT_EQ(0, kmmscand_set("migrate_enabled", "1"));
	sleep(wait);
	promoted = vmstat("kmmscand_promoted") - promoted;
	ksft_print_msg("%lld ready records held; after the move %.1f%% of the moved buffer on node0, %lld pages promoted\n",
		       ready, pct_on_node(moved, SMALL_SIZE, 0), promoted);
	EXPECT_EQ(0.0, pct_on_node(moved, SMALL_SIZE, 0));
	EXPECT_EQ(0, verify_pattern(moved, SMALL_SIZE, 0x30e, NULL));
	munmap(moved, SMALL_SIZE);
}

/* d) a THP-backed hot buffer is promoted, and scanning splits no THP. */
TEST_F_TIMEOUT(promote, thp_promoted_not_split, 120)
{
	struct goal goal = { .nid = 0, .pct = 99.0 };
	long long split = vmstat("thp_split_pmd");
	long long pmds = vmstat("kmmscand_pmd_scanned");
	long long ready = vmstat("kmmscand_pages_ready");
	long long thps = vmstat("kmmscand_promoted_thp");
	long long thp_fail = vmstat("kmmscand_promote_fail_thp");
	long thp_before, thp_after;
	double took;
	char *buf;

	if (read_long("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size") <= 0)
		SKIP(return, "no THP support");
	buf = alloc_pattern_on_node(SMALL_SIZE, 1, true, 0x7e9);
	ASSERT_NE(NULL, buf);
	thp_before = smaps_kb("AnonHugePages");
	if (thp_before < (long)(SMALL_SIZE >> 10) / 2)
		SKIP(return, "could not get THPs on node1 (%ld kB)", thp_before);
	ASSERT_GE(pct_on_node(buf, SMALL_SIZE, 1), 99.0);

	took = keep_hot_until(buf, SMALL_SIZE, true, DEADLINE_S, reached, &goal);
	thp_after = smaps_kb("AnonHugePages");
	thps = vmstat("kmmscand_promoted_thp") - thps;
	thp_fail = vmstat("kmmscand_promote_fail_thp") - thp_fail;
	ksft_print_msg("THP: 99%% on node0 after %.1f s, AnonHugePages %ld -> %ld kB, pmds scanned +%lld, THPs promoted %lld, failed %lld\n",
		       took, thp_before, thp_after, vmstat("kmmscand_pmd_scanned") - pmds,
		       thps, thp_fail);
	/* The THPs moved as THPs, and were counted as such. */
	EXPECT_GE(thps, thp_before / 2048 * 9 / 10);
	EXPECT_LE(thps, (long long)(SMALL_SIZE >> 21));
	EXPECT_GT(took, 0);
	EXPECT_GT(vmstat("kmmscand_pmd_scanned"), pmds);
	/* Counted in base pages: a THP made ready counts its 512 pages. */
	EXPECT_GE(vmstat("kmmscand_pages_ready") - ready,
		  (long long)(SMALL_SIZE / PAGE_SZ) * 99 / 100);
	EXPECT_EQ(split, vmstat("thp_split_pmd"));
	EXPECT_GE(thp_after, thp_before);
	EXPECT_EQ(0, verify_pattern(buf, SMALL_SIZE, 0x7e9, NULL));
	munmap(buf, SMALL_SIZE);
}

/* e) a buffer that is only read (no stores after the first touch) is promoted. */
TEST_F_TIMEOUT(promote, read_only_promoted, 120)
{
	struct goal goal = { .nid = 0, .pct = 99.0 };
	char *buf;
	double took;

	buf = alloc_pattern_on_node(SMALL_SIZE, 1, false, 0x5ead);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, mprotect(buf, SMALL_SIZE, PROT_READ));
	took = keep_hot_until(buf, SMALL_SIZE, false, DEADLINE_S, reached, &goal);
	ksft_print_msg("read-only: 99%% on node0 after %.1f s\n", took);
	EXPECT_GT(took, 0) TH_LOG("only %.1f%% on node0", pct_on_node(buf, SMALL_SIZE, 0));
	EXPECT_EQ(0, verify_pattern(buf, SMALL_SIZE, 0x5ead, NULL));
	munmap(buf, SMALL_SIZE);
}

/* h) with scan_enabled=0 nothing is scanned and nothing is promoted. */
TEST_F_TIMEOUT(promote, scan_disabled_idle, 60)
{
	static const char * const counters[] = {
		"kmmscand_mm_scans", "kmmscand_pte_scanned", "kmmscand_young_slowtier",
		"kmmscand_pages_ready", "kmmscand_promoted",
	};
	struct goal never = { .nid = 0, .pct = 101.0 };
	long long before[5];
	char *buf;
	int i;

	ASSERT_EQ(0, kmmscand_set("scan_enabled", "0"));
	/* Let a pass that was already running finish, then look. */
	sleep(2);
	for (i = 0; i < 5; i++) {
		before[i] = vmstat(counters[i]);
		ASSERT_GE(before[i], 0) TH_LOG("no %s in /proc/vmstat", counters[i]);
	}
	buf = alloc_on_node(SMALL_SIZE, 1, false);
	ASSERT_NE(NULL, buf);
	keep_hot_until(buf, SMALL_SIZE, true, 10.0, reached, &never);
	for (i = 0; i < 5; i++) {
		long long now = vmstat(counters[i]);

		if (now != before[i])
			ksft_print_msg("%s moved: %lld -> %lld\n", counters[i], before[i], now);
		EXPECT_EQ(before[i], now);
	}
	EXPECT_EQ(100.0, pct_on_node(buf, SMALL_SIZE, 1));
	munmap(buf, SMALL_SIZE);
}

/* The switch takes booleans only, and keeps its value on bad input. */
TEST_F(promote, scan_enabled_input)
{
	char buf[16];

	ASSERT_EQ(0, kmmscand_set("scan_enabled", "0"));
	EXPECT_EQ(-EINVAL, kmmscand_set("scan_enabled", "2"));
	EXPECT_EQ(-EINVAL, kmmscand_set("scan_enabled", "maybe"));
	ASSERT_GE(read_file(KMMSCAND_DIR "/scan_enabled", buf, sizeof(buf)), 0);
	EXPECT_STREQ("0\n", buf);
	ASSERT_EQ(0, kmmscand_set("scan_enabled", "1"));
	ASSERT_GE(read_file(KMMSCAND_DIR "/scan_enabled", buf, sizeof(buf)), 0);
	EXPECT_STREQ("1\n", buf);
}

#define PAGE_IDLE	"/sys/kernel/mm/page_idle/bitmap"
#define IDLE_SIZE	(16UL << 20)
#define IDLE_PAGES	(IDLE_SIZE / PAGE_SZ)

/* The pfns of buf's pages into pfns[]; 0, or -1 if one is not present. */
static int buf_pfns(char *buf, size_t pages, uint64_t *pfns)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	size_t i;

	if (fd < 0)
		return -1;
	for (i = 0; i < pages; i++) {
		uint64_t e;
		off_t off = ((uintptr_t)buf / PAGE_SZ + i) * sizeof(e);

		if (pread(fd, &e, sizeof(e), off) != sizeof(e) ||
		    !(e & (1ULL << 63)) || !(e & ((1ULL << 55) - 1))) {
			close(fd);
			return -1;
		}
		pfns[i] = e & ((1ULL << 55) - 1);
	}
	close(fd);
	return 0;
}

#define NO_PFN	UINT64_MAX

/*
 * Mark every pfn idle (fd: the bitmap). The bitmap cannot be read or
 * written in the last, partial word below max_pfn (page_idle reports 0
 * bytes there): such pfns become NO_PFN. Return: the pfns left, or -1.
 */
static long set_idle(int fd, uint64_t *pfns, size_t n)
{
	long usable = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		uint64_t word = 1ULL << (pfns[i] % 64);
		ssize_t ret;

		/* Writing a 1 bit marks the page idle, 0 bits do nothing. */
		ret = pwrite(fd, &word, sizeof(word), pfns[i] / 64 * 8);
		if (ret == 0) {
			pfns[i] = NO_PFN;
			continue;
		}
		if (ret != sizeof(word)) {
			ksft_print_msg("marking pfn %#llx idle: %zd (%s)\n",
				       (unsigned long long)pfns[i], ret,
				       strerror(errno));
			return -1;
		}
		usable++;
	}
	return usable;
}

/*
 * How many of the pfns idle page tracking reports idle, or -1; pages of
 * @buf that moved since (compaction) are dropped from @pfns and @usable.
 */
static long count_idle(int fd, char *buf, uint64_t *pfns, size_t n,
		       long *usable)
{
	uint64_t *now = calloc(n, sizeof(*now));
	long idle = 0;
	size_t i;

	if (!now || buf_pfns(buf, n, now)) {
		free(now);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (pfns[i] != NO_PFN && now[i] != pfns[i]) {
			pfns[i] = NO_PFN;
			(*usable)--;
		}
	}
	free(now);
	for (i = 0; i < n; i++) {
		uint64_t word;
		ssize_t ret;

		if (pfns[i] == NO_PFN)
			continue;
		ret = pread(fd, &word, sizeof(word), pfns[i] / 64 * 8);
		if (ret != sizeof(word)) {
			ksft_print_msg("reading pfn %#llx: %zd (%s)\n",
				       (unsigned long long)pfns[i], ret,
				       strerror(errno));
			return -1;
		}
		idle += !!(word & (1ULL << (pfns[i] % 64)));
	}
	return idle;
}

/*
 * Drop from @pfns those not idle right after marking them: page_idle only
 * marks folios on an LRU list, and a page just faulted in may still sit
 * in a per-CPU batch. Return: the pfns left, or -1.
 */
static long keep_idle(int fd, uint64_t *pfns, size_t n)
{
	long usable = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		uint64_t word;

		if (pfns[i] == NO_PFN)
			continue;
		if (pread(fd, &word, sizeof(word), pfns[i] / 64 * 8) !=
		    sizeof(word))
			return -1;
		if (word & (1ULL << (pfns[i] % 64)))
			usable++;
		else
			pfns[i] = NO_PFN;
	}
	return usable;
}

/*
 * page_idle clears Accessed bits without flushing the TLB, so an access
 * through a cached translation would not set the bit again: mprotect()
 * flushes the buffer's translations.
 */
static int flush_tlb(char *buf, size_t len)
{
	if (mprotect(buf, len, PROT_READ))
		return -1;
	return mprotect(buf, len, PROT_READ | PROT_WRITE);
}

/*
 * f) reclaim and idle page tracking still see the accesses kmmscand
 * consumed: two buffers on node1 (kmmmigrated held, so they stay) are
 * marked idle, one is touched, and kmmscand scans both, clearing the
 * Accessed bits of the touched one. page_idle must still report the
 * touched pages not idle (kmmscand moved the access into PG_young and
 * cleared PG_idle, as page_idle itself does) and the others idle.
 */
TEST_F_TIMEOUT(promote, page_idle_sees_scanned_access, 90)
{
	uint64_t *hot_pfns, *cold_pfns;
	long long young;
	long hot_idle, cold_idle, hot_usable, cold_usable;
	double start;
	char *hot, *cold;
	int fd;

	fd = open(PAGE_IDLE, O_RDWR);
	if (fd < 0)
		SKIP(return, "no idle page tracking: %s", strerror(errno));
	ASSERT_EQ(0, kmmscand_set("migrate_enabled", "0"));
	hot = alloc_pattern_on_node(IDLE_SIZE, 1, false, 0x1d1e);
	cold = alloc_pattern_on_node(IDLE_SIZE, 1, false, 0xc01d);
	ASSERT_NE(NULL, hot);
	ASSERT_NE(NULL, cold);
	hot_pfns = calloc(IDLE_PAGES, sizeof(*hot_pfns));
	cold_pfns = calloc(IDLE_PAGES, sizeof(*cold_pfns));
	ASSERT_NE(NULL, hot_pfns);
	ASSERT_NE(NULL, cold_pfns);
	ASSERT_EQ(0, buf_pfns(hot, IDLE_PAGES, hot_pfns));
	ASSERT_EQ(0, buf_pfns(cold, IDLE_PAGES, cold_pfns));
	ASSERT_LE(0, set_idle(fd, hot_pfns, IDLE_PAGES));
	ASSERT_LE(0, set_idle(fd, cold_pfns, IDLE_PAGES));
	hot_usable = keep_idle(fd, hot_pfns, IDLE_PAGES);
	cold_usable = keep_idle(fd, cold_pfns, IDLE_PAGES);
	ASSERT_EQ(0, flush_tlb(hot, IDLE_SIZE));
	ASSERT_EQ(0, flush_tlb(cold, IDLE_SIZE));
	ASSERT_GE(hot_usable, (long)IDLE_PAGES * 9 / 10);
	ASSERT_GE(cold_usable, (long)IDLE_PAGES * 9 / 10);

	/* One access to each hot page, then kmmscand's scan of it. */
	young = vmstat("kmmscand_young_slowtier");
	touch_sweep(hot, IDLE_SIZE, true);
	start = now_s();
	while (vmstat("kmmscand_young_slowtier") - young < (long long)IDLE_PAGES &&
	       now_s() - start < 60.0)
		usleep(100000);
	young = vmstat("kmmscand_young_slowtier") - young;
	/* A pass more: whatever kmmscand clears of the hot pages, it has. */
	sleep(3);
	hot_idle = count_idle(fd, hot, hot_pfns, IDLE_PAGES, &hot_usable);
	cold_idle = count_idle(fd, cold, cold_pfns, IDLE_PAGES, &cold_usable);
	ksft_print_msg("kmmscand found %lld young slow-tier pages; idle: %ld of %ld touched, %ld of %ld untouched\n",
		       young, hot_idle, hot_usable, cold_idle, cold_usable);
	/* Not vacuous: kmmscand did consume the accesses of the hot pages. */
	EXPECT_GE(young, (long long)IDLE_PAGES);
	EXPECT_EQ(0, hot_idle);
	EXPECT_EQ(cold_usable, cold_idle);
	EXPECT_GE(hot_usable, (long)IDLE_PAGES * 9 / 10);
	EXPECT_GE(cold_usable, (long)IDLE_PAGES * 9 / 10);
	EXPECT_EQ(0.0, pct_on_node(hot, IDLE_SIZE, 0));
	close(fd);
	free(hot_pfns);
	free(cold_pfns);
	munmap(hot, IDLE_SIZE);
	munmap(cold, IDLE_SIZE);
}

TEST_HARNESS_MAIN
