// SPDX-License-Identifier: GPL-2.0
/*
 * Promotion into a full top tier (lab topology T2, demotion on): cold data
 * fills node0 first, then a hot buffer on node1 must come up while the cold
 * data goes down to make room, and once the hot buffer is up the traffic
 * stops. NUMA balancing is off, so every promotion is kmmscand's.
 */
#include <sys/stat.h>
#include "../kselftest_harness.h"
#include "kmmscand.h"

#define HOT_SIZE	(256UL << 20)
#define DEMOTED_SIZE	(32UL << 20)
#define DEMOTION	"/sys/kernel/mm/numa/demotion_enabled"
#define UNEVICTABLE	"/proc/sys/vm/compact_unevictable_allowed"
#define EXTFRAG		"/proc/sys/vm/extfrag_threshold"
#define CGROOT		"/sys/fs/cgroup"
#define CGROUP		CGROOT "/kmmscand-fulltop"

FIXTURE(fulltop)
{
	struct knob_save saved;
	char demotion[16];
	char unevictable[16];
	char extfrag[16];
	char hot_window_ms[16];
	bool cgroup;
};

FIXTURE_SETUP(fulltop)
{
	KMMSCAND_REQUIRE_T2();
	KMMSCAND_REQUIRE(read_file(DEMOTION, self->demotion,
				   sizeof(self->demotion)) > 0,
			 "no " DEMOTION);
	KMMSCAND_REQUIRE(read_file(UNEVICTABLE, self->unevictable,
				   sizeof(self->unevictable)) > 0,
			 "no " UNEVICTABLE);
	KMMSCAND_REQUIRE(read_file(EXTFRAG, self->extfrag,
				   sizeof(self->extfrag)) > 0,
			 "no " EXTFRAG);
	ASSERT_GT(read_file(KMMSCAND_DIR "/hot_window_ms", self->hot_window_ms,
			    sizeof(self->hot_window_ms)), 0);
	ASSERT_EQ(0, kmmscand_setup(&self->saved));
	ASSERT_EQ(0, write_file(DEMOTION, "1"));
	/* Start from clean nodes: earlier tests' page cache goes. */
	sync();
	write_file("/proc/sys/vm/drop_caches", "3");
}

FIXTURE_TEARDOWN(fulltop)
{
	char pid[32];

	if (self->cgroup) {
		snprintf(pid, sizeof(pid), "%d", getpid());
		write_file(CGROOT "/cgroup.procs", pid);
		rmdir(CGROUP);
	}
	if (self->hot_window_ms[0])
		kmmscand_set("hot_window_ms", self->hot_window_ms);
	if (self->demotion[0])
		write_file(DEMOTION, self->demotion);
	if (self->unevictable[0])
		write_file(UNEVICTABLE, self->unevictable);
	if (self->extfrag[0])
		write_file(EXTFRAG, self->extfrag);
	kmmscand_restore(&self->saved);
}

/* MemFree of node nid in bytes, or 0. */
static size_t node_free(int nid)
{
	long kb = node_free_kb(nid);

	return kb > 0 ? (size_t)kb << 10 : 0;
}

static long pages_on(char *buf, size_t len, int nid)
{
	long count[MAX_NODES];

	pages_per_node(buf, len, count);
	return count[nid];
}

/*
 * The hot buffer reaches 90% on node0 within the deadline, the cold
 * buffer goes down for it, and once the hot buffer is up promotion and
 * demotion stop: nothing bounces.
 */
TEST_F_TIMEOUT(fulltop, hot_replaces_cold, 300)
{
	struct goal goal = { .nid = 0, .pct = 90.0 };
	struct goal never = { .nid = 0, .pct = 101.0 };
	long long blocked = vmstat("kmmscand_promote_skip_headroom");
	long long demote_start = vmstat("pgdemote_kswapd");
	long long promoted, demoted;
	double deadline = getenv("KMMSCAND_TEST_SLOW_KERNEL") ? 90.0 : 30.0;
	long cold_down, hot_pages = HOT_SIZE / PAGE_SZ;
	size_t cold_len;
	char *hot, *cold;
	double took;

	cold = fill_node_cold(0, &cold_len, 0xc01d);
	ASSERT_NE(NULL, cold);
	hot = alloc_pattern_on_node(HOT_SIZE, 1, false, 0x407);
	ASSERT_NE(NULL, hot);
	ASSERT_GE(pct_on_node(hot, HOT_SIZE, 1), 99.0);
	cold_down = pages_on(cold, cold_len, 1);
	/* Full: node0 has room for less than a quarter of the hot buffer. */
	ASSERT_LT(node_free(0), HOT_SIZE / 4)
		TH_LOG("node0 still has %zu MiB free", node_free(0) >> 20);
	ksft_print_msg("cold %zu MiB (%ld pages on node1), node0 free %zu MiB, node1 free %zu MiB\n",
		       cold_len >> 20, cold_down, node_free(0) >> 20, node_free(1) >> 20);
	/* Demotion needs room below: the cold pages must fit on node1. */
	ASSERT_GE(node_free(1), HOT_SIZE)
		TH_LOG("node1 has only %zu MiB free", node_free(1) >> 20);

	took = keep_hot_until(hot, HOT_SIZE, true, deadline, reached, &goal);
	cold_down = pages_on(cold, cold_len, 1) - cold_down;
	ksft_print_msg("hot: 90%% on node0 after %.1f s (%.1f%% now); cold pages demoted %ld (pgdemote_kswapd %lld); promotions blocked by headroom %lld; node1 free %zu MiB\n",
		       took, pct_on_node(hot, HOT_SIZE, 0), cold_down,
		       vmstat("pgdemote_kswapd") - demote_start,
		       vmstat("kmmscand_promote_skip_headroom") - blocked,
		       node_free(1) >> 20);
	EXPECT_GT(took, 0) TH_LOG("only %.1f%% of the hot buffer on node0 after %.0f s",
				  pct_on_node(hot, HOT_SIZE, 0), deadline);
	/* The room came from the cold buffer. */
	EXPECT_GE(cold_down, hot_pages * 8 / 10);

	/* Settled: the hot buffer stays up, and the traffic stops. */
	keep_hot_until(hot, HOT_SIZE, true, 10.0, reached, &never);
	promoted = vmstat("kmmscand_promoted");
	demoted = vmstat("pgdemote_kswapd") + vmstat("pgdemote_direct");
	keep_hot_until(hot, HOT_SIZE, true, 10.0, reached, &never);
	promoted = vmstat("kmmscand_promoted") - promoted;
	demoted = vmstat("pgdemote_kswapd") + vmstat("pgdemote_direct") - demoted;
	ksft_print_msg("settled: %.1f%% on node0; in 10 s: %lld promoted, %lld demoted\n",
		       pct_on_node(hot, HOT_SIZE, 0), promoted, demoted);
	EXPECT_GE(pct_on_node(hot, HOT_SIZE, 0), 90.0);
	EXPECT_LE(promoted, hot_pages / 20);
	EXPECT_LE(demoted, hot_pages / 20);

	EXPECT_EQ(0, verify_pattern(hot, HOT_SIZE, 0x407, NULL));
	EXPECT_EQ(0, verify_pattern(cold, cold_len, 0xc01d, NULL));
	munmap(hot, HOT_SIZE);
	munmap(cold, cold_len);
}

/* Has node0's kswapd given up (/proc/zoneinfo's node_unreclaimable)? */
static int node0_unreclaimable(void)
{
	char line[256];
	bool node0 = false;
	int ret = -1;
	FILE *f = fopen("/proc/zoneinfo", "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "Node ", 5))
			node0 = !strncmp(line, "Node 0,", 7);
		if (node0 && strstr(line, "node_unreclaimable:")) {
			ret = atoi(strchr(line, ':') + 1);
			break;
		}
	}
	if (f)
		fclose(f);
	return ret;
}

/*
 * A top tier that was full with nothing to reclaim (demotion off) has a
 * kswapd that gave up, and promotion does not reclaim directly. When
 * demotion is switched on, promotion must still get its room: the hot
 * buffer comes up and the cold one goes down.
 */
TEST_F_TIMEOUT(fulltop, kswapd_gave_up_recovers, 300)
{
	struct goal goal = { .nid = 0, .pct = 90.0 };
	struct goal never = { .nid = 0, .pct = 101.0 };
	double deadline = getenv("KMMSCAND_TEST_SLOW_KERNEL") ? 90.0 : 30.0;
	long cold_down, hot_pages = HOT_SIZE / PAGE_SZ;
	size_t cold_len;
	char *hot, *cold;
	double took;
	int i;

	ASSERT_EQ(0, write_file(DEMOTION, "0"));
	cold = fill_node_cold(0, &cold_len, 0xc01d);
	ASSERT_NE(NULL, cold);
	hot = alloc_pattern_on_node(HOT_SIZE, 1, false, 0x408);
	ASSERT_NE(NULL, hot);
	ASSERT_LT(node_free(0), HOT_SIZE / 4)
		TH_LOG("node0 still has %zu MiB free", node_free(0) >> 20);
	cold_down = pages_on(cold, cold_len, 1);

	/* Blocked promotion wakes kswapd, which fails until it gives up. */
	for (i = 0; i < 30 && node0_unreclaimable() != 1; i++)
		keep_hot_until(hot, HOT_SIZE, true, 1.0, reached, &never);
	ksft_print_msg("node0 kswapd gave up after %d s (node_unreclaimable %d), %.1f%% of the hot buffer on node0\n",
		       i, node0_unreclaimable(), pct_on_node(hot, HOT_SIZE, 0));
	ASSERT_EQ(1, node0_unreclaimable());

	ASSERT_EQ(0, write_file(DEMOTION, "1"));
	took = keep_hot_until(hot, HOT_SIZE, true, deadline, reached, &goal);
	cold_down = pages_on(cold, cold_len, 1) - cold_down;
	ksft_print_msg("demotion on: 90%% on node0 after %.1f s (%.1f%% now); cold pages demoted %ld\n",
		       took, pct_on_node(hot, HOT_SIZE, 0), cold_down);
	EXPECT_GT(took, 0) TH_LOG("only %.1f%% of the hot buffer on node0 after %.0f s",
				  pct_on_node(hot, HOT_SIZE, 0), deadline);
	EXPECT_GE(cold_down, hot_pages * 8 / 10);
	EXPECT_EQ(0, verify_pattern(hot, HOT_SIZE, 0x408, NULL));
	EXPECT_EQ(0, verify_pattern(cold, cold_len, 0xc01d, NULL));
	munmap(hot, HOT_SIZE);
	munmap(cold, cold_len);
}

#define THP_HOT_SIZE	(64UL << 20)

#define MAX_PLUGS	128

/*
 * Free blocks of 2 MiB or more on node0, from /proc/buddyinfo, outside
 * ZONE_DMA (which its lowmem reserve keeps from user allocations).
 */
static long node0_free_thp_blocks(void)
{
	char line[512], *p;
	long n = 0, v;
	int order;
	FILE *f = fopen("/proc/buddyinfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "Node 0,", 7) || !(p = strstr(line, "zone")))
			continue;
		p += strlen("zone");
		while (*p == ' ')
			p++;
		if (!strncmp(p, "DMA ", 4))
			continue;
		while (*p && *p != ' ')
			p++;
		for (order = 0; order <= 10; order++) {
			v = strtol(p, &p, 10);
			if (order >= 9)
				n += v << (order - 9);
		}
	}
	fclose(f);
	return n;
}

/*
 * Take node0's remaining free 2 MiB blocks with mlocked THPs, until a
 * 2 MiB fault on node0 gets no THP any more. Returns the number of plugs
 * in plug[], or -1 if node0 still gave THPs to all MAX_PLUGS of them.
 */
static int plug_top(char **plug)
{
	unsigned long mask = 1UL << 0;
	long thp = smaps_kb("AnonHugePages"), now;
	int n = 0;

	while (n < MAX_PLUGS) {
		char *p = mmap_thp_aligned(THP_SZ);

		if (!p)
			return -1;
		plug[n++] = p;
		if (madvise(p, THP_SZ, MADV_HUGEPAGE) ||
		    sys_mbind(p, THP_SZ, MPOL_BIND, &mask, MAX_NODES + 1, 0))
			return -1;
		memset(p, 0x5a, THP_SZ);
		mlock(p, THP_SZ);
		now = smaps_kb("AnonHugePages");
		if (now < thp + (long)(THP_SZ >> 10))
			return n;
		thp = now;
	}
	return -1;
}

/*
 * Fill node0 with base pages and free every other one: half of node0 is
 * free, so the headroom check passes, but there is no free 2 MiB block:
 * what free blocks are left are plugged with THPs, and none can be made
 * (the caller disables compaction for large orders; the pages left are
 * mlocked too). Returns the filler, whose odd pages are gone.
 */
static char *fragment_top(size_t *len)
{
	unsigned long mask = 1UL << 0;
	size_t off;
	char *buf;

	*len = (node_free(0) - (16UL << 20)) & ~(2 * PAGE_SZ - 1);
	buf = mmap(NULL, *len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return NULL;
	if (madvise(buf, *len, MADV_NOHUGEPAGE) ||
	    sys_mbind(buf, *len, MPOL_PREFERRED, &mask, MAX_NODES + 1, 0))
		goto fail;
	fill_pattern(buf, *len, 0xf4a6);
	for (off = PAGE_SZ; off < *len; off += 2 * PAGE_SZ)
		if (madvise(buf + off, PAGE_SZ, MADV_DONTNEED))
			goto fail;
	/* Lock what is there; a later touch of a hole faults in locked. */
	if (mlock2(buf, *len, MLOCK_ONFAULT))
		goto fail;
	return buf;
fail:
	munmap(buf, *len);
	return NULL;
}

/*
 * A hot THP-backed buffer on node1, and a top tier with room in base pages
 * only: promotion of its THPs fails for lack of a large page on node0, and
 * a THP that fails stays a THP on node1. Nothing is split, and what comes
 * up comes up in whole THPs.
 */
TEST_F_TIMEOUT(fulltop, thp_no_room_not_split, 240)
{
	struct goal never = { .nid = 0, .pct = 101.0 };
	double secs = getenv("KMMSCAND_TEST_SLOW_KERNEL") ? 60.0 : 30.0;
	long long split_page = vmstat("thp_split_page");
	long long split_pmd = vmstat("thp_split_pmd");
	long long thps, thp_fail, promoted;
	long thp_before, thp_after, up;
	char *hot, *frag, *plugs[MAX_PLUGS];
	size_t frag_len;
	int nr_plugs;

	if (read_long("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size") <= 0)
		SKIP(return, "no THP support");
	/*
	 * Demotion would free node0 in whole blocks, and compaction could
	 * make them: a fragmentation index below 1000 is never enough.
	 */
	ASSERT_EQ(0, write_file(DEMOTION, "0"));
	ASSERT_EQ(0, write_file(UNEVICTABLE, "0"));
	ASSERT_EQ(0, write_file(EXTFRAG, "1000"));
	hot = alloc_pattern_on_node(THP_HOT_SIZE, 1, true, 0x7ea);
	ASSERT_NE(NULL, hot);
	frag = fragment_top(&frag_len);
	ASSERT_NE(NULL, frag);
	nr_plugs = plug_top(plugs);
	ASSERT_GT(nr_plugs, 0)
		TH_LOG("node0 still gives THPs after %d plugs", MAX_PLUGS);
	thp_before = smaps_kb("AnonHugePages");
	ASSERT_GE(thp_before, (long)(THP_HOT_SIZE >> 10) * 9 / 10)
		TH_LOG("could not get THPs on node1 (%ld kB)", thp_before);
	ASSERT_GE(node_free(0), frag_len / 3)
		TH_LOG("node0 has only %zu MiB free", node_free(0) >> 20);
	ksft_print_msg("node0: %zu MiB free in base pages, filler %zu MiB, %d THP plugs, free 2 MiB blocks %ld\n",
		       node_free(0) >> 20, frag_len >> 20, nr_plugs - 1,
		       node0_free_thp_blocks());
	thps = vmstat("kmmscand_promoted_thp");
	thp_fail = vmstat("kmmscand_promote_fail_thp");
	promoted = vmstat("kmmscand_promoted");

	keep_hot_until(hot, THP_HOT_SIZE, true, secs, reached, &never);
	thps = vmstat("kmmscand_promoted_thp") - thps;
	thp_fail = vmstat("kmmscand_promote_fail_thp") - thp_fail;
	promoted = vmstat("kmmscand_promoted") - promoted;
	thp_after = smaps_kb("AnonHugePages");
	up = pages_on(hot, THP_HOT_SIZE, 0);
	ksft_print_msg("in %.0f s: THPs promoted %lld, failed %lld; pages promoted %lld, %ld of the hot buffer on node0; AnonHugePages %ld -> %ld kB; thp_split_page +%lld, thp_split_pmd +%lld\n",
		       secs, thps, thp_fail, promoted, up, thp_before, thp_after,
		       vmstat("thp_split_page") - split_page,
		       vmstat("thp_split_pmd") - split_pmd);
	/* The no-room path was taken: THP promotions failed. */
	EXPECT_GT(thp_fail, 0);
	/* ... and split nothing: what came up came up as whole THPs. */
	EXPECT_EQ(split_page, vmstat("thp_split_page"));
	EXPECT_EQ(split_pmd, vmstat("thp_split_pmd"));
	EXPECT_LE(up, thps * (long)(THP_SZ / PAGE_SZ));
	EXPECT_GE(thp_after, thp_before);
	EXPECT_EQ(0, verify_pattern(hot, THP_HOT_SIZE, 0x7ea, NULL));
	munmap(hot, THP_HOT_SIZE);
	munmap(frag, frag_len);
	while (nr_plugs)
		munmap(plugs[--nr_plugs], THP_SZ);
}

/* Move this process into a memory cgroup of its own. */
static int join_cgroup(void)
{
	char pid[32];

	if (write_file(CGROOT "/cgroup.subtree_control", "+memory"))
		return -1;
	if (mkdir(CGROUP, 0755) && errno != EEXIST)
		return -1;
	snprintf(pid, sizeof(pid), "%d", getpid());
	return write_file(CGROUP "/cgroup.procs", pid);
}

/*
 * Demote what the cgroup has on node0 by proactive reclaim, which demotes
 * when demotion is on. A pass may reclaim less than asked (the write then
 * fails with EAGAIN) and recently referenced pages take a few passes.
 */
static void demote_until(char *a, char *b, size_t len, double pct)
{
	int i;

	for (i = 0; i < 100; i++) {
		if (pct_on_node(a, len, 1) >= pct && pct_on_node(b, len, 1) >= pct)
			return;
		write_file(CGROUP "/memory.reclaim", "64M");
	}
}

/*
 * Turn *@a and *@b from values of the counters @na and @nb into their
 * growth since, once both stay unchanged for a second (at most 30 s).
 */
static void settle_counters(const char *na, long long *a,
			    const char *nb, long long *b)
{
	long long va = vmstat(na), vb = vmstat(nb);
	double start = now_s();

	while (now_s() - start < 30.0) {
		long long wa, wb;

		sleep(1);
		wa = vmstat(na);
		wb = vmstat(nb);
		if (wa == va && wb == vb)
			break;
		va = wa;
		vb = wb;
	}
	*a = va - *a;
	*b = vb - *b;
}

/*
 * Demoted pages start over: a page that is hot again after its demotion
 * is promoted again, and counted as promoted soon after its demotion
 * (kmmscand_promoted_demoted); a page demoted with it and not accessed
 * since stays down. Both were touched just before their demotion, so
 * their PTEs may still be young when they land on node1, on pfns whose
 * records the previous owners left behind.
 */
TEST_F_TIMEOUT(fulltop, demoted_page_earns_promotion, 240)
{
	struct goal goal = { .nid = 0, .pct = 90.0 };
	double deadline = getenv("KMMSCAND_TEST_SLOW_KERNEL") ? 120.0 : 60.0;
	long long pgdemote = vmstat("pgdemote_direct");
	long long promoted, again;
	long pages = DEMOTED_SIZE / PAGE_SZ;
	char *hot, *idle;
	double took;

	ASSERT_EQ(0, join_cgroup()) TH_LOG("cannot use %s: %s", CGROUP, strerror(errno));
	self->cgroup = true;
	/* Long enough that the demotion stays recent while the test runs. */
	ASSERT_EQ(0, kmmscand_set("hot_window_ms", "30000"));
	hot = alloc_pattern_on_node(DEMOTED_SIZE, 0, false, 0xde1);
	idle = alloc_pattern_on_node(DEMOTED_SIZE, 0, false, 0xde2);
	ASSERT_NE(NULL, hot);
	ASSERT_NE(NULL, idle);
	ASSERT_GE(pct_on_node(hot, DEMOTED_SIZE, 0), 99.0);
	demote_until(hot, idle, DEMOTED_SIZE, 95.0);
	ksft_print_msg("demoted: %.1f%% and %.1f%% on node1 (pgdemote_direct +%lld)\n",
		       pct_on_node(hot, DEMOTED_SIZE, 1), pct_on_node(idle, DEMOTED_SIZE, 1),
		       vmstat("pgdemote_direct") - pgdemote);
	ASSERT_GE(pct_on_node(hot, DEMOTED_SIZE, 1), 95.0);
	ASSERT_GE(pct_on_node(idle, DEMOTED_SIZE, 1), 95.0);
	promoted = vmstat("kmmscand_promoted");
	again = vmstat("kmmscand_promoted_demoted");

	took = keep_hot_until(hot, DEMOTED_SIZE, true, deadline, reached, &goal);
	/*
	 * A batch counts its recently demoted pages while they migrate and
	 * all its promoted pages after: pause promotion and read the two
	 * once no batch is in flight.
	 */
	kmmscand_set("migrate_enabled", "0");
	settle_counters("kmmscand_promoted", &promoted,
			"kmmscand_promoted_demoted", &again);
	kmmscand_set("migrate_enabled", "1");
	ksft_print_msg("hot again: 90%% on node0 after %.1f s; promoted %lld, of them demoted recently %lld; idle: %.1f%% on node0\n",
		       took, promoted, again, pct_on_node(idle, DEMOTED_SIZE, 0));
	EXPECT_GT(took, 0);
	EXPECT_GE(again, pages / 2);
	EXPECT_LE(again, promoted);
	EXPECT_EQ(0.0, pct_on_node(idle, DEMOTED_SIZE, 0));
	EXPECT_EQ(0, verify_pattern(hot, DEMOTED_SIZE, 0xde1, NULL));
	EXPECT_EQ(0, verify_pattern(idle, DEMOTED_SIZE, 0xde2, NULL));
	munmap(hot, DEMOTED_SIZE);
	munmap(idle, DEMOTED_SIZE);
}

TEST_HARNESS_MAIN
