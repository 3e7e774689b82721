// SPDX-License-Identifier: GPL-2.0
/*
 * One promoter at a time (lab topology T2): while NUMA balancing is on, or
 * a DAMON migrate_hot scheme runs, kmmscand yields (its scanner walks no
 * page table and kmmmigrated promotes nothing) and the promoter file
 * names the mechanism in charge; when the other one stops, kmmscand takes
 * over again. Only kmmscand's own behaviour is asserted, never a peer's.
 */
#include "../kselftest_harness.h"
#include "kmmscand.h"

#define BUF_SIZE	(32UL << 20)
#define DAMON		"/sys/kernel/mm/damon/admin"
#define KD		DAMON "/kdamonds/0"
#define CTX		KD "/contexts/0"
#define SCHEME		CTX "/schemes/0"

FIXTURE(peer)
{
	struct knob_save saved;
	char migrate_enabled[16];
	bool damon_on;
	char *buf;
};

FIXTURE_SETUP(peer)
{
	KMMSCAND_REQUIRE_T2();
	ASSERT_GT(kmmscand_get("migrate_enabled", self->migrate_enabled,
			       sizeof(self->migrate_enabled)), 0);
	ASSERT_EQ(0, kmmscand_setup(&self->saved));
	ASSERT_EQ(0, kmmscand_set("migrate_enabled", "1"));
	self->buf = alloc_pattern_on_node(BUF_SIZE, 1, false, 0x9ee7);
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(peer)
{
	if (self->damon_on) {
		write_file(KD "/state", "off");
		write_file(DAMON "/kdamonds/nr_kdamonds", "0");
	}
	if (self->buf)
		munmap(self->buf, BUF_SIZE);
	if (self->migrate_enabled[0])
		kmmscand_set("migrate_enabled", self->migrate_enabled);
	kmmscand_restore(&self->saved);
}

static bool promoter_is(const char *want)
{
	char buf[32];

	if (kmmscand_get("promoter", buf, sizeof(buf)) <= 0)
		return false;
	buf[strcspn(buf, "\n")] = '\0';
	return !strcmp(buf, want);
}

/* Wait up to @secs for the promoter file to say @want, the buffer hot. */
static bool wait_promoter(char *buf, const char *want, double secs)
{
	double start = now_s();

	while (now_s() - start < secs) {
		if (promoter_is(want))
			return true;
		touch_sweep(buf, BUF_SIZE, true);
		usleep(100000);
	}
	return promoter_is(want);
}

struct counter_goal {
	const char *name;
	long long from;
};

static bool counter_moved(char *buf, size_t len, void *arg)
{
	struct counter_goal *g = arg;

	return vmstat(g->name) > g->from;
}

/*
 * With another promoter in charge and the buffer hot for @secs, kmmscand
 * examines no PTE and promotes nothing.
 */
static void expect_yielded(struct __test_metadata *_metadata, char *buf,
			   double secs)
{
	struct goal never = { .nid = 0, .pct = 101.0 };
	long long ptes, promoted;

	/* A scanner wake under way when the peer started ends first. */
	keep_hot_until(buf, BUF_SIZE, true, 0.5, reached, &never);
	ptes = vmstat("kmmscand_pte_scanned");
	promoted = vmstat("kmmscand_promoted");
	keep_hot_until(buf, BUF_SIZE, true, secs, reached, &never);
	ptes = vmstat("kmmscand_pte_scanned") - ptes;
	promoted = vmstat("kmmscand_promoted") - promoted;
	ksft_print_msg("while yielding: %lld PTEs scanned, %lld pages promoted by kmmscand\n",
		       ptes, promoted);
	EXPECT_EQ(0, ptes);
	EXPECT_EQ(0, promoted);
}

/* Once the peer stopped, kmmscand scans again within a generous bound. */
static void expect_resumed(struct __test_metadata *_metadata, char *buf)
{
	struct counter_goal g = {
		.name = "kmmscand_pte_scanned",
		.from = vmstat("kmmscand_pte_scanned"),
	};

	EXPECT_GT(keep_hot_until(buf, BUF_SIZE, true, 30.0, counter_moved, &g),
		  0) TH_LOG("kmmscand did not scan again within 30 s");
}

/* The file is read only, and names kmmscand when it alone is on. */
TEST_F(peer, promoter_file)
{
	EXPECT_TRUE(promoter_is("kmmscand"));
	EXPECT_NE(0, kmmscand_set("promoter", "kmmscand"));
	ASSERT_EQ(0, kmmscand_set("migrate_enabled", "0"));
	EXPECT_TRUE(promoter_is("none"));
	ASSERT_EQ(0, kmmscand_set("migrate_enabled", "1"));
	ASSERT_EQ(0, kmmscand_set("scan_enabled", "0"));
	EXPECT_TRUE(promoter_is("none"));
	ASSERT_EQ(0, kmmscand_set("scan_enabled", "1"));
	EXPECT_TRUE(promoter_is("kmmscand"));
}

/* NUMA balancing in either mode is in charge while it is on. */
TEST_F_TIMEOUT(peer, numa_balancing_in_charge, 120)
{
	const char *modes[] = { "2", "1" };
	unsigned int i;

	for (i = 0; i < 2; i++) {
		ksft_print_msg("numa_balancing=%s\n", modes[i]);
		ASSERT_EQ(0, write_file(NUMAB, modes[i]));
		EXPECT_TRUE(promoter_is("numa_balancing"));
		/* Even with scan_enabled written again. */
		ASSERT_EQ(0, kmmscand_set("scan_enabled", "1"));
		expect_yielded(_metadata, self->buf, 5.0);
		ASSERT_EQ(0, write_file(NUMAB, "0"));
		EXPECT_TRUE(promoter_is("kmmscand"));
		expect_resumed(_metadata, self->buf);
	}
	EXPECT_EQ(0, verify_pattern(self->buf, BUF_SIZE, 0x9ee7, NULL));
}

/* The physical address range of node @nid, from /proc/zoneinfo. */
static int node_range(int nid, unsigned long long *lo, unsigned long long *hi)
{
	unsigned long long spanned = 0, start;
	FILE *f = fopen("/proc/zoneinfo", "r");
	char line[256];
	int cur = 0, n;

	if (!f)
		return -1;
	*lo = *hi = 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %d,", &n) == 1)
			cur = n == nid;
		else if (cur && sscanf(line, " spanned %llu", &spanned) == 1)
			;
		else if (cur && spanned &&
			 sscanf(line, " start_pfn: %llu", &start) == 1) {
			if (!*lo || start * PAGE_SZ < *lo)
				*lo = start * PAGE_SZ;
			if ((start + spanned) * PAGE_SZ > *hi)
				*hi = (start + spanned) * PAGE_SZ;
		}
	}
	fclose(f);
	return *hi > *lo ? 0 : -1;
}

static int damon_write(const char *path, const char *val)
{
	int ret = write_file(path, val);

	if (ret)
		ksft_print_msg("DAMON: writing %s to %s failed\n", val, path);
	return ret;
}

/* DAMON migrate_hot on node1's physical memory, as compare.sh sets it. */
static int damon_start(void)
{
	unsigned long long lo, hi;
	char val[32];

	if (node_range(1, &lo, &hi))
		return -1;
	if (damon_write(DAMON "/kdamonds/nr_kdamonds", "1") ||
	    damon_write(KD "/contexts/nr_contexts", "1") ||
	    damon_write(CTX "/operations", "paddr") ||
	    damon_write(CTX "/targets/nr_targets", "1") ||
	    damon_write(CTX "/targets/0/regions/nr_regions", "1"))
		return -1;
	snprintf(val, sizeof(val), "%llu", lo);
	if (damon_write(CTX "/targets/0/regions/0/start", val))
		return -1;
	snprintf(val, sizeof(val), "%llu", hi);
	if (damon_write(CTX "/targets/0/regions/0/end", val) ||
	    damon_write(CTX "/schemes/nr_schemes", "1") ||
	    damon_write(SCHEME "/action", "migrate_hot") ||
	    damon_write(SCHEME "/target_nid", "0") ||
	    damon_write(SCHEME "/access_pattern/nr_accesses/min", "1") ||
	    damon_write(SCHEME "/access_pattern/nr_accesses/max", "20") ||
	    damon_write(SCHEME "/access_pattern/sz/max",
			"18446744073709551615") ||
	    damon_write(SCHEME "/access_pattern/age/max",
			"18446744073709551615"))
		return -1;
	return damon_write(KD "/state", "on");
}

/* A running DAMON migrate_hot scheme is in charge; stopped, it is not. */
TEST_F_TIMEOUT(peer, damon_migrate_hot_in_charge, 120)
{
	ASSERT_EQ(0, access(DAMON, F_OK)) TH_LOG("no DAMON sysfs interface");
	ASSERT_EQ(0, damon_start());
	self->damon_on = true;
	EXPECT_TRUE(wait_promoter(self->buf, "damon", 10.0));
	expect_yielded(_metadata, self->buf, 5.0);
	ASSERT_EQ(0, write_file(KD "/state", "off"));
	ASSERT_EQ(0, write_file(DAMON "/kdamonds/nr_kdamonds", "0"));
	self->damon_on = false;
	EXPECT_TRUE(wait_promoter(self->buf, "kmmscand", 10.0));
	expect_resumed(_metadata, self->buf);
	EXPECT_EQ(0, verify_pattern(self->buf, BUF_SIZE, 0x9ee7, NULL));
}

TEST_HARNESS_MAIN
